/*
 * HVM kernel loading.  The pure planners check the image and decide where
 * each piece goes (kernel_image.c for multiboot/flat kernels, bzimage.c for
 * Linux); this file finds the files among the boot modules, copies them into
 * the domain's RAM and writes what the kernel expects next to it: multiboot1
 * information (Multiboot Specification 0.6.96, section 3.3) or multiboot2
 * information in EBX, or the Linux zero page, command line, page tables and
 * GDT of the 64-bit boot protocol.  Every domain also gets its ACPI tables
 * (acpi_build.c) and memory map (e820.c).  PVH domains (type = "pvh") are
 * built by loader_pvh.c instead.
 */
#include "hvm/loader.h"
#include "hvm/loader_pvh.h"
#include "hvm/kernel_image.h"
#include "hvm/bz_boot.h"
#include "hvm/mb_info.h"
#include "hvm/acpi_build.h"
#include "mm/e820.h"
#include "hvm/platform.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "boot/bootinfo.h"
#include "mm/mm.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/errno.h"

/* The multiboot information page and the BIOS data area words:
 * hvm/mb_info.c (pure, shared with rv's HVM builder in dom0). */
/* Scratch for the ACPI tables: the RSDP page and the tables after it. */
#define ACPI_SCRATCH    (GPA_ACPI_TABLES - GPA_ACPI_RSDP + 0x2000)

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

int loader_find_ramdisk(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                        const struct boot_module **rd, uint64_t *rd_size, char *err, size_t errlen)
{
    *rd = NULL;
    *rd_size = 0;
    if (!cfg->ramdisk[0])
        return 0;
    *rd = loader_find_module(cfg->ramdisk, mods, nr_mods);
    if (!*rd) {
        fmt_snprintf(err, errlen, "ramdisk '%s' is not among the boot modules", cfg->ramdisk);
        return -ENOENT;
    }
    *rd_size = (*rd)->end - (*rd)->start;
    if (!*rd_size) {
        fmt_snprintf(err, errlen, "ramdisk '%s' is empty", cfg->ramdisk);
        return -EINVAL;
    }
    return 0;
}

const struct boot_module *loader_find_module(const char *name, const struct boot_module *mods, unsigned nr)
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

static int load_multiboot(struct domain *d, const struct domcfg *cfg, const void *image, size_t size,
                          struct loaded_kernel *lk, char *err, size_t errlen)
{
    struct kimg_plan plan;

    /* Multiboot kernels load below the first hole (kernel_image.c keeps
     * them out of 0xA0000-0xFFFFF, where the ACPI tables are). */
    int rc = kimg_plan(image, size, e820_lowmem_end(d->mem_bytes), ends_with(cfg->kernel, ".bin"), &plan,
                       err, errlen);
    if (rc)
        return rc;
    uint64_t info_gpa = mbinfo_pick_gpa(&plan, e820_lowmem_end(d->mem_bytes));
    if (!info_gpa) {
        fmt_snprintf(err, errlen, "kernel at %#lx-%#lx leaves no free page for the multiboot information",
                     (unsigned long)plan.lowest, (unsigned long)plan.highest);
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

    uint8_t *page = xmalloc(MBINFO_SIZE, HEAP_HVM);
    if (!page) {
        fmt_snprintf(err, errlen, "out of memory while writing the multiboot information");
        return -ENOMEM;
    }
    rc = mbinfo_build(page, kimg_is_mb2(plan.format), info_gpa, d->mem_bytes, cfg->cmdline);
    if (rc) {
        xfree(page);
        fmt_snprintf(err, errlen, "command line longer than %d bytes", MBINFO_CMDLINE_MAX - 1);
        return rc;
    }
    rc = hvm_copy_to_gphys(d, info_gpa, page, MBINFO_SIZE);
    xfree(page);
    if (rc)
        goto bad_copy;
    lk->magic = kimg_is_mb2(plan.format) ? MB2_LOADER_MAGIC : MB1_LOADER_MAGIC;
    lk->entry = plan.entry;
    lk->info_gpa = info_gpa;
    /* Only the boot processor starts at the entry; the others wait for
     * INIT-SIPI-SIPI, as on a PC, under QEMU and under Xen. */
    lk->aps_wait_for_sipi = true;
    return 0;
bad_copy:
    fmt_snprintf(err, errlen, "kernel does not fit in guest RAM");
    return -ENOEXEC;
}

/* Linux bzImage: kernel, initrd, command line, zero page, page tables and
 * GDT, as bz_boot.c plans them (bzimage.h has the low-memory layout); rv's
 * HVM builder in dom0 copies the same pieces. */
static int load_bzimage(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods,
                        unsigned nr_mods, const void *image, size_t size, struct loaded_kernel *lk,
                        char *err, size_t errlen)
{
    const struct boot_module *rd = NULL;
    uint64_t rd_size = 0;

    int rc = loader_find_ramdisk(cfg, mods, nr_mods, &rd, &rd_size, err, errlen);
    if (rc)
        return rc;
    struct bz_boot *b = xmalloc(sizeof(*b), HEAP_HVM);     /* ~30 KiB: not on the stack */
    if (!b) {
        fmt_snprintf(err, errlen, "out of memory while loading the bzImage");
        return -ENOMEM;
    }
    rc = bz_boot_build(b, image, size, d->mem_bytes, rd ? phys_to_virt(rd->start) : NULL, rd_size, cfg->cmdline,
                       GPA_ACPI_RSDP, err, errlen);
    if (rc)
        goto out;
    for (unsigned i = 0; i < b->nr_pieces; i++)
        if (hvm_copy_to_gphys(d, b->pieces[i].gpa, b->pieces[i].src, b->pieces[i].len)) {
            fmt_snprintf(err, errlen, "bzImage: copying into guest RAM failed");
            rc = -EFAULT;
            goto out;
        }
    const struct bz_plan *plan = &b->plan;
    lk->cr3 = b->cr3;
    lk->long_mode = plan->entry64;
    lk->bz32 = !plan->entry64;
    lk->entry = plan->entry;
    lk->boot_params = b->zero_page_gpa;
    lk->gdt_base = b->gdt_gpa;
    lk->gdt_limit = sizeof(b->gdt) - 1;
    lk->rsp = b->stack_top;
    lk->aps_wait_for_sipi = true;
    domain_log(d, LOG_INFO, "bzImage protocol %u.%02u: kernel at %#lx (init_size %#lx), initrd %#lx+%#lx, "
               "%s entry %#lx\n", plan->version >> 8, plan->version & 0xff, (unsigned long)plan->load_gpa,
               (unsigned long)plan->init_size, (unsigned long)plan->initrd_gpa, (unsigned long)plan->initrd_size,
               plan->entry64 ? "64-bit" : "32-bit", (unsigned long)plan->entry);
out:
    xfree(b);
    return rc;
}

/* ACPI tables in the BIOS area and the BIOS data area words. */
static int write_firmware_tables(struct domain *d, unsigned nr_vcpus, bool hpet, char *err, size_t errlen)
{
    const uint16_t ebda_seg = mbinfo_bda_ebda_seg(), base_kib = mbinfo_bda_base_kib();
    uint8_t *buf = xmalloc(ACPI_SCRATCH, HEAP_HVM);
    int rc;

    if (!buf) {
        fmt_snprintf(err, errlen, "out of memory while building the ACPI tables");
        return -ENOMEM;
    }
    /* The HPET table exactly when the platform has the HPET: the same
     * domain-file key decides both (hvm/platform.c). */
    rc = acpi_build_tables(buf, ACPI_SCRATCH, GPA_ACPI_RSDP, nr_vcpus, hpet, NULL);
    if (rc < 0) {
        fmt_snprintf(err, errlen, "ACPI tables for %u vCPUs: error %d", nr_vcpus, rc);
    } else if (hvm_copy_to_gphys(d, GPA_ACPI_RSDP, buf, (size_t)rc) ||
               hvm_copy_to_gphys(d, BDA_EBDA_SEG, &ebda_seg, 2) ||
               hvm_copy_to_gphys(d, BDA_BASE_KIB, &base_kib, 2)) {
        fmt_snprintf(err, errlen, "guest RAM does not back the BIOS area for the ACPI tables");
        rc = -EFAULT;
    } else {
        rc = 0;
    }
    xfree(buf);
    return rc;
}

int loader_load(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                struct loaded_kernel *lk, char *err, size_t errlen)
{
    const struct boot_module *m = loader_find_module(cfg->kernel, mods, nr_mods);
    int rc;

    memset(lk, 0, sizeof(*lk));
    if (!m) {
        fmt_snprintf(err, errlen, "%s '%s' is not among the boot modules",
                     cfg->firmware ? "firmware_override" : "kernel", cfg->kernel);
        return -ENOENT;
    }
    /* PVH: an ELF with the PHYS32 entry note, or a bzImage carrying one
     * (loader_pvh.c); it writes its own start info and ACPI tables. */
    if (cfg->type == DOMCFG_PVH)
        return loader_load_pvh(d, cfg, mods, nr_mods, m, lk, err, errlen);
    if (cfg->firmware) {
        if ((rc = loader_load_firmware(d, m, lk, err, errlen)))
            return rc;
        return write_firmware_tables(d, cfg->vcpus, cfg->hpet, err, errlen);
    }
    const void *image = phys_to_virt(m->start);
    size_t size = (size_t)(m->end - m->start);
    /* A Linux setup header is recognized first: a bzImage's boot sector
     * could otherwise pass for a flat binary. */
    if (bz_detect(image, size))
        rc = load_bzimage(d, cfg, mods, nr_mods, image, size, lk, err, errlen);
    else
        rc = load_multiboot(d, cfg, image, size, lk, err, errlen);
    if (rc)
        return rc;
    return write_firmware_tables(d, cfg->vcpus, cfg->hpet, err, errlen);
}

/* Segment attributes are the VMCB packing of descriptor bits 40-47 (type,
 * S, DPL, P) and 52-55 (AVL, L, D/B, G). */
static void init_vcpu_long_mode(struct vcpu *v, const struct loaded_kernel *lk)
{
    /* boot.rst, 64-bit boot protocol: CS = __BOOT_CS (64-bit code), DS, ES,
     * SS = __BOOT_DS (flat data), the GDT holding both loaded; interrupts
     * disabled (RFLAGS = 2). */
    const struct hvm_start_state st = {
        .cs = { BZ_BOOT_CS, 0xa9b, 0xffffffff, 0 },
        .data = { BZ_BOOT_DS, 0xc93, 0xffffffff, 0 },
        /* VM entry wants a usable TR: type 11 is the busy 64-bit TSS in
         * long mode (Intel SDM vol. 3 26.3.1.2, AMD APM vol. 2 15.5). */
        .tr = { 0, 0x8b, 0x67, 0 },
        .ldtr = { 0, 0x82, 0xffff, 0 },
        .gdtr = { 0, 0, lk->gdt_limit, lk->gdt_base },
        .idtr = { 0, 0, 0, 0 },
        .cr0 = 0x80000011,  /* PG | ET | PE */
        .cr3 = lk->cr3,
        .cr4 = 0x20,        /* PAE */
        .efer = 0x500,      /* LME | LMA: long mode active */
        .rip = lk->entry,
    };
    hvm_set_start_state(v, &st);
    v->regs.rsi = lk->boot_params;
    v->regs.rsp = lk->rsp;
}

/* boot.rst, 32-bit boot protocol: protected mode with paging off, CS =
 * __BOOT_CS and DS, ES, SS = __BOOT_DS (flat 4 GiB), the GDT holding both
 * loaded, interrupts disabled, ESI = zero page, EBP = EDI = EBX = 0. */
static void init_vcpu_bz32(struct vcpu *v, const struct loaded_kernel *lk)
{
    const struct hvm_start_state st = {
        .cs = { BZ_BOOT_CS, 0xc9b, 0xffffffff, 0 },
        .data = { BZ_BOOT_DS, 0xc93, 0xffffffff, 0 },
        .tr = { 0, 0x8b, 0x67, 0 },         /* busy 32-bit TSS: VM entry wants a usable TR */
        .ldtr = { 0, 0x82, 0xffff, 0 },
        .gdtr = { 0, 0, lk->gdt_limit, lk->gdt_base },
        .idtr = { 0, 0, 0, 0 },
        .cr0 = 0x11,        /* PE | ET */
        .rip = lk->entry,
    };
    hvm_set_start_state(v, &st);
    v->regs.rsi = lk->boot_params;
    v->regs.rbx = v->regs.rdi = v->regs.rbp = 0;
    v->regs.rsp = lk->rsp;
}

void loader_init_vcpu(struct vcpu *v, const struct loaded_kernel *lk)
{
    if (lk->pvh || lk->firmware) {
        /* Application processors wait for INIT/SIPI, as under Xen. */
        if (v->vcpu_id == 0 || !lk->aps_wait_for_sipi)
            loader_init_vcpu_pvh(v, lk);
        return;
    }
    if (lk->long_mode || lk->bz32) {
        /* Application processors wait for INIT/SIPI from vCPU 0's LAPIC. */
        if (v->vcpu_id == 0 || !lk->aps_wait_for_sipi) {
            if (lk->long_mode)
                init_vcpu_long_mode(v, lk);
            else
                init_vcpu_bz32(v, lk);
        }
        return;
    }
    /* Flat 4 GiB segments, paging off. */
    const struct hvm_start_state st = {
        .cs = { 0x10, 0xc9b, 0xffffffff, 0 },
        .data = { 0x18, 0xc93, 0xffffffff, 0 },
        .tr = { 0, 0x8b, 0xffff, 0 },       /* busy 32-bit TSS: VM entry wants a usable TR */
        .ldtr = { 0, 0x82, 0xffff, 0 },
        .gdtr = { 0, 0, 0xffff, 0 },
        .idtr = { 0, 0, 0xffff, 0 },
        .cr0 = 0x11,        /* PE | ET */
        .rip = lk->entry,
    };
    hvm_set_start_state(v, &st);
    v->regs.rax = lk->magic;    /* multiboot1 or multiboot2 loader magic */
    v->regs.rbx = lk->info_gpa;
}
