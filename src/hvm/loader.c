/*
 * HVM kernel loading.  kernel_image.c (pure, fuzzed) checks the image and
 * plans where each piece goes; this file finds the file among the boot
 * modules, copies it into the domain's RAM and writes the multiboot1
 * information (Multiboot Specification 0.6.96, section 3.3) the kernel
 * expects in EBX.
 */
#include "hvm/loader.h"
#include "hvm/kernel_image.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "boot/bootinfo.h"
#include "mm/mm.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/errno.h"

/* Low-memory layout for the boot information (below the kernel at 1 MiB
 * and below the 640 KiB hole). */
#define INFO_GPA        0x8000
#define CMDLINE_GPA     0x8100
#define CMDLINE_MAX     1024
#define MMAP_GPA        0x8600
#define LOADER_NAME_GPA 0x8700
#define INFO_END        0x9000

static const char *basename_of(const char *p, size_t *len)
{
    const char *start = p, *end;
    for (const char *q = p; *q && *q != ' '; q++)
        if (*q == '/')
            start = q + 1;
    for (end = start; *end && *end != ' '; end++)
        ;
    *len = (size_t)(end - start);
    return start;
}

static const struct boot_module *find_module(const char *name, const struct boot_module *mods, unsigned nr)
{
    size_t want_len, len;
    const char *want = basename_of(name, &want_len);

    for (unsigned i = 0; i < nr; i++) {
        const char *b = basename_of(mods[i].cmdline, &len);
        if (len == want_len && !memcmp(b, want, len))
            return &mods[i];
    }
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

static const char loader_name[] = "Ringvisor";

/* Multiboot1 information: memory (flag 0), command line (2), memory map
 * (6), boot loader name (9). */
static int write_mb1_info(struct domain *d, const char *cmdline, size_t n)
{
    uint32_t info[22] = { 0 };
    struct __packed { uint32_t size; uint64_t base, len; uint32_t type; } mmap[3] = {
        { 20, 0, 0x9fc00, 1 },
        { 20, 0xf0000, 0x10000, 2 },
        { 20, 0x100000, d->mem_bytes - 0x100000, 1 },
    };
    info[0] = (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9);
    info[1] = 639;                                          /* mem_lower, KiB */
    info[2] = (uint32_t)((d->mem_bytes - MiB(1)) >> 10);    /* mem_upper, KiB above 1 MiB */
    info[4] = CMDLINE_GPA;
    info[11] = sizeof(mmap);
    info[12] = MMAP_GPA;
    info[16] = LOADER_NAME_GPA;
    if (hvm_copy_to_gphys(d, INFO_GPA, info, sizeof(info)) ||
        hvm_copy_to_gphys(d, CMDLINE_GPA, cmdline, n + 1) ||
        hvm_copy_to_gphys(d, MMAP_GPA, mmap, sizeof(mmap)) ||
        hvm_copy_to_gphys(d, LOADER_NAME_GPA, loader_name, sizeof(loader_name)))
        return -EFAULT;
    return 0;
}

/* Multiboot2 information (Multiboot2 spec 3.6): tags for the command line
 * (1), loader name (2), basic memory (4) and the memory map (6), each
 * 8-byte aligned, then the end tag. */
static int write_mb2_info(struct domain *d, const char *cmdline, size_t n)
{
    uint8_t buf[INFO_END - INFO_GPA];
    size_t off = 8;

#define MB2_TAG(type, size) do { \
        uint32_t hdr_[2] = { (type), (uint32_t)(size) }; \
        memcpy(buf + off, hdr_, 8); \
    } while (0)
    memset(buf, 0, sizeof(buf));
    if (n + 1 + sizeof(loader_name) + 256 > sizeof(buf))
        return -E2BIG;
    MB2_TAG(1, 8 + n + 1);
    memcpy(buf + off + 8, cmdline, n + 1);
    off = ALIGN_UP(off + 8 + n + 1, 8);
    MB2_TAG(2, 8 + sizeof(loader_name));
    memcpy(buf + off + 8, loader_name, sizeof(loader_name));
    off = ALIGN_UP(off + 8 + sizeof(loader_name), 8);
    MB2_TAG(4, 16);
    uint32_t mem[2] = { 639, (uint32_t)((d->mem_bytes - MiB(1)) >> 10) };
    memcpy(buf + off + 8, mem, 8);
    off += 16;
    const struct __packed { uint64_t base, len; uint32_t type, zero; } mmap[3] = {
        { 0, 0x9fc00, 1, 0 }, { 0xf0000, 0x10000, 2, 0 }, { 0x100000, d->mem_bytes - 0x100000, 1, 0 },
    };
    MB2_TAG(6, 16 + sizeof(mmap));
    uint32_t esz[2] = { 24, 0 };                            /* entry size, entry version */
    memcpy(buf + off + 8, esz, 8);
    memcpy(buf + off + 16, mmap, sizeof(mmap));
    off = ALIGN_UP(off + 16 + sizeof(mmap), 8);
    MB2_TAG(0, 8);                                          /* end */
    off += 8;
#undef MB2_TAG
    uint32_t total[2] = { (uint32_t)off, 0 };
    memcpy(buf, total, 8);
    return hvm_copy_to_gphys(d, INFO_GPA, buf, off);
}

int loader_load(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                struct loaded_kernel *lk, char *err, size_t errlen)
{
    const struct boot_module *m = find_module(cfg->kernel, mods, nr_mods);
    struct kimg_plan plan;

    if (!m) {
        fmt_snprintf(err, errlen, "kernel '%s' is not among the boot modules", cfg->kernel);
        return -ENOENT;
    }
    const void *image = phys_to_virt(m->start);
    size_t size = (size_t)(m->end - m->start);
    int rc = kimg_plan(image, size, d->mem_bytes, ends_with(cfg->kernel, ".bin"), &plan, err, errlen);
    if (rc)
        return rc;
    if (plan.lowest < INFO_END && plan.highest > INFO_GPA) {
        fmt_snprintf(err, errlen, "kernel overlaps the boot information at %#x-%#x", INFO_GPA, INFO_END);
        return -ENOEXEC;
    }
    for (unsigned i = 0; i < plan.nr_segs; i++) {
        const struct kimg_seg *s = &plan.segs[i];
        static const char zeros[256];
        if (hvm_copy_to_gphys(d, s->gpa, (const char *)image + s->file_off, s->file_size))
            goto bad_copy;
        for (uint64_t off = s->file_size; off < s->mem_size; off += sizeof(zeros))
            if (hvm_copy_to_gphys(d, s->gpa + off, zeros, MIN(sizeof(zeros), s->mem_size - off)))
                goto bad_copy;
    }

    char cmdline[CMDLINE_MAX];
    size_t n = strlcpy(cmdline, cfg->cmdline, sizeof(cmdline));
    if (n >= sizeof(cmdline)) {
        fmt_snprintf(err, errlen, "command line longer than %d bytes", CMDLINE_MAX - 1);
        return -E2BIG;
    }
    rc = kimg_is_mb2(plan.format) ? write_mb2_info(d, cmdline, n) : write_mb1_info(d, cmdline, n);
    if (rc)
        goto bad_copy;
    lk->magic = kimg_is_mb2(plan.format) ? 0x36d76289u : 0x2badb002u;
    lk->entry = plan.entry;
    lk->info_gpa = INFO_GPA;
    return 0;
bad_copy:
    fmt_snprintf(err, errlen, "kernel does not fit in guest RAM");
    return -ENOEXEC;
}

void loader_init_vcpu(struct vcpu *v, const struct loaded_kernel *lk)
{
    /* Flat 4 GiB segments; attr is the VMCB packing of descriptor bits
     * 40-47 (type, S, DPL, P) and 52-55 (AVL, L, D/B, G). */
    const struct hvm_seg code = { 0x10, 0xc9b, 0xffffffff, 0 };
    const struct hvm_seg data = { 0x18, 0xc93, 0xffffffff, 0 };
    const struct hvm_seg tr = { 0, 0x8b, 0xffff, 0 };       /* busy 32-bit TSS: VM entry wants a usable TR */
    const struct hvm_seg ldtr = { 0, 0x82, 0xffff, 0 };
    const struct hvm_seg table = { 0, 0, 0xffff, 0 };
    struct hvm_ctrl c;

    hvm_vendor->set_seg(v, SEG_CS, &code);
    hvm_vendor->set_seg(v, SEG_DS, &data);
    hvm_vendor->set_seg(v, SEG_ES, &data);
    hvm_vendor->set_seg(v, SEG_FS, &data);
    hvm_vendor->set_seg(v, SEG_GS, &data);
    hvm_vendor->set_seg(v, SEG_SS, &data);
    hvm_vendor->set_seg(v, SEG_TR, &tr);
    hvm_vendor->set_seg(v, SEG_LDTR, &ldtr);
    hvm_vendor->set_seg(v, SEG_GDTR, &table);
    hvm_vendor->set_seg(v, SEG_IDTR, &table);
    hvm_vendor->get_ctrl(v, &c);
    c.cr0 = 0x11;           /* PE | ET */
    c.cr3 = 0;
    c.cr4 = 0;
    c.efer = 0;
    hvm_vendor->set_ctrl(v, &c);
    memset(&v->regs, 0, sizeof(v->regs));
    v->regs.rip = lk->entry;
    v->regs.rflags = 2;
    v->regs.rax = lk->magic;    /* multiboot1 or multiboot2 loader magic */
    v->regs.rbx = lk->info_gpa;
}
