/*
 * Kernel image recognition and load planning.  References: Multiboot
 * Specification 0.6.96 (section 3.1, "OS image format"), Multiboot2
 * Specification 1.6 (section 3.1); ELF files are read by image/elf.c.
 *
 * The image is untrusted (any file a configuration names): each field is
 * read through memcpy (the image may be unaligned), each offset is checked
 * against the file size before use, and each sum that could wrap is checked
 * before it is formed.
 */
#include "hvm/kernel_image.h"

#include <stdarg.h>

#include "image/elf.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MB1_MAGIC        0x1BADB002u
#define MB1_SEARCH       8192           /* header lies within the first 8 KiB (3.1.1) */
#define MB1_HDR_MIN      12             /* magic, flags, checksum */
#define MB1_HDR_AOUT     32             /* + header/load/load_end/bss_end/entry addresses */
#define MB1_F_VIDEO      (1u << 2)      /* wants a graphics mode: no display here */
#define MB1_F_REQUIRED   0xffffu        /* bits 0-15: the loader must honour or refuse (3.1.2) */
#define MB1_F_HONOURED   0x3u           /* bit 0 page-align modules, bit 1 memory info */
#define MB1_F_AOUT       (1u << 16)     /* the address fields are valid */

#define MB2_MAGIC        0xE85250D6u
#define MB2_SEARCH       32768          /* header lies within the first 32 KiB (3.1.1) */
#define MB2_HDR_MIN      16             /* magic, architecture, header_length, checksum */
#define MB2_ARCH_I386    0
#define MB2_TAG_OPTIONAL 1u             /* tag flags bit 0 */

enum {                                  /* header tag types (3.1.3 - 3.1.13) */
    MB2_HT_END = 0, MB2_HT_INFO_REQ = 1, MB2_HT_ADDRESS = 2, MB2_HT_ENTRY = 3, MB2_HT_CONSOLE = 4,
    MB2_HT_FRAMEBUFFER = 5, MB2_HT_MODULE_ALIGN = 6, MB2_HT_EFI_BS = 7, MB2_HT_ENTRY_EFI32 = 8,
    MB2_HT_ENTRY_EFI64 = 9, MB2_HT_RELOCATABLE = 10,
};


struct kimg_run {
    const uint8_t *p;
    uint64_t size;
    uint64_t guest_mem;
    bool flat;                      /* the file is named *.bin */
    struct kimg_plan *plan;
    char *err;
    size_t errlen;
    /* Per planned segment: its program-header index (for messages) and
     * virtual address (to translate the entry point). */
    unsigned seg_index[KIMG_MAX_SEGS];
    uint64_t seg_vaddr[KIMG_MAX_SEGS];
};

static uint16_t rd16(const struct kimg_run *r, uint64_t off)
{
    uint16_t v;

    memcpy(&v, r->p + off, sizeof(v));
    return v;
}

static uint32_t rd32(const struct kimg_run *r, uint64_t off)
{
    uint32_t v;

    memcpy(&v, r->p + off, sizeof(v));
    return v;
}

static int ki_fail(struct kimg_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ki_fail(struct kimg_run *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!r->err || !r->errlen)
        return -ENOEXEC;
    n = fmt_snprintf(r->err, r->errlen, "kernel: ");
    if (n >= 0 && (size_t)n < r->errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -ENOEXEC;
}

/* "16 MiB", "640 KiB" or "1000 bytes" for messages. */
static void ki_size_str(uint64_t n, char *buf, size_t size)
{
    if (n && !(n & 0xfffff))
        fmt_snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n && !(n & 0x3ff))
        fmt_snprintf(buf, size, "%llu KiB", (unsigned long long)(n >> 10));
    else
        fmt_snprintf(buf, size, "%llu bytes", (unsigned long long)n);
}

/* ---- segments ---- */

int kimg_add_seg(struct kimg_plan *pl, unsigned seg_index[KIMG_MAX_SEGS], uint64_t guest_mem, unsigned index,
                 uint64_t off, uint64_t fsz, uint64_t gpa, uint64_t msz, char *why, size_t whylen)
{
    uint64_t end;
    unsigned i;

#define SEG_FAIL(...) (fmt_snprintf(why, whylen, __VA_ARGS__), -ENOEXEC)
    if (pl->nr_segs == KIMG_MAX_SEGS)
        return SEG_FAIL("more than %u loadable segments", KIMG_MAX_SEGS);
    if (msz > UINT64_MAX - gpa)
        return SEG_FAIL("segment %u at 0x%llx with size 0x%llx wraps around the address space", index,
                        (unsigned long long)gpa, (unsigned long long)msz);
    end = gpa + msz;
    if (end > guest_mem) {
        char ram[32];

        ki_size_str(guest_mem, ram, sizeof(ram));
        return SEG_FAIL("segment %u [0x%llx, 0x%llx) is beyond the guest's %s of RAM", index,
                        (unsigned long long)gpa, (unsigned long long)end, ram);
    }
    if (gpa < KIMG_HOLE_END && end > KIMG_HOLE_START)
        return SEG_FAIL("segment %u [0x%llx, 0x%llx) overlaps the VGA/BIOS hole [0x%llx, 0x%llx)", index,
                        (unsigned long long)gpa, (unsigned long long)end, KIMG_HOLE_START, KIMG_HOLE_END);
    for (i = 0; i < pl->nr_segs; i++) {
        const struct kimg_seg *s = &pl->segs[i];

        if (gpa < s->gpa + s->mem_size && s->gpa < end)
            return SEG_FAIL("segment %u [0x%llx, 0x%llx) overlaps segment %u [0x%llx, 0x%llx)", index,
                            (unsigned long long)gpa, (unsigned long long)end, seg_index[i],
                            (unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->mem_size));
    }
#undef SEG_FAIL
    pl->segs[i] = (struct kimg_seg){ .file_off = off, .file_size = fsz, .gpa = gpa, .mem_size = msz };
    seg_index[i] = index;
    pl->nr_segs++;
    return 0;
}

void kimg_plan_set_bounds(struct kimg_plan *plan)
{
    plan->lowest = UINT64_MAX;
    plan->highest = 0;
    for (unsigned i = 0; i < plan->nr_segs; i++) {
        const struct kimg_seg *sg = &plan->segs[i];

        if (sg->gpa < plan->lowest)
            plan->lowest = sg->gpa;
        if (sg->gpa + sg->mem_size > plan->highest)
            plan->highest = sg->gpa + sg->mem_size;
    }
}

static int ki_add_seg(struct kimg_run *r, unsigned index, uint64_t off, uint64_t fsz, uint64_t gpa,
                      uint64_t msz, uint64_t vaddr)
{
    char why[160];

    if (kimg_add_seg(r->plan, r->seg_index, r->guest_mem, index, off, fsz, gpa, msz, why, sizeof(why)))
        return ki_fail(r, "%s", why);
    r->seg_vaddr[r->plan->nr_segs - 1] = vaddr;
    return 0;
}

/*
 * The entry must be in a loaded segment.  An ELF entry is often virtual (a
 * higher-half kernel linked at vaddr but loaded at paddr): if it is not in a
 * physical range but is in a segment's virtual range, it is moved by that
 * segment's paddr - vaddr.  It runs in 32-bit mode, so it must be < 4 GiB.
 */
static int ki_set_entry(struct kimg_run *r, uint64_t entry, bool translate)
{
    struct kimg_plan *pl = r->plan;
    unsigned i;

    for (i = 0; i < pl->nr_segs; i++)
        if (entry >= pl->segs[i].gpa && entry - pl->segs[i].gpa < pl->segs[i].mem_size)
            break;
    if (i == pl->nr_segs && translate) {
        for (i = 0; i < pl->nr_segs; i++) {
            if (entry >= r->seg_vaddr[i] && entry - r->seg_vaddr[i] < pl->segs[i].mem_size) {
                entry = entry - r->seg_vaddr[i] + pl->segs[i].gpa;
                break;
            }
        }
    }
    if (i == pl->nr_segs)
        return ki_fail(r, "entry point 0x%llx is not inside any loaded segment", (unsigned long long)entry);
    if (entry > 0xffffffffull)
        return ki_fail(r, "entry point 0x%llx is above 4 GiB (the kernel is started in 32-bit mode)",
                       (unsigned long long)entry);
    pl->entry = entry;
    return 0;
}

/* ---- ELF ---- */

static bool ki_is_elf(const struct kimg_run *r)
{
    return r->size >= 16 && !memcmp(r->p, "\177ELF", 4);
}

static int ki_load_seg(void *ctx, unsigned index, const struct elf_phdr *ph)
{
    return ki_add_seg(ctx, index, ph->offset, ph->filesz, ph->paddr, ph->memsz, ph->vaddr);
}

/* The ELF file is read by image/elf.c; the multiboot policy is here. */
static int ki_elf(struct kimg_run *r, uint64_t *entry)
{
    struct elf_image e;
    char why[160] = "";
    int rc;

    /* The multiboot header, not e_machine, says how the kernel starts (32-bit
     * protected mode, paging off); the class only gives the header layout.
     * So an ELF32 built for x86-64 (ld -m elf32_x86_64, or objcopy -O
     * elf32-x86-64 of a kernel that switches to long mode itself, the
     * usual way to hand a 64-bit kernel to a multiboot loader) and an ELF64
     * marked i386 load like the others. */
    if (elf_open(&e, r->p, r->size, ELF_OPEN_X86 | ELF_OPEN_EXEC, why, sizeof(why)))
        return ki_fail(r, "%s", why);
    *entry = e.entry;
    rc = elf_for_each_load(&e, ki_load_seg, r, why, sizeof(why));
    if (rc)
        return why[0] ? ki_fail(r, "%s", why) : rc;
    if (r->plan->nr_segs == 0)
        return ki_fail(r, "ELF file has no loadable (PT_LOAD) segment");
    return 0;
}

static enum kimg_format ki_elf_format(const struct kimg_run *r, bool mb2)
{
    bool is64 = r->p[4] == 2;

    if (mb2)
        return is64 ? KIMG_ELF64_MB2 : KIMG_ELF32_MB2;
    return is64 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1;
}

/* ---- address fields (multiboot1 a.out kludge, multiboot2 address tag) ---- */

/*
 * Both specs define the same four fields: the header found at file offset
 * hoff is loaded at header_addr, the file from hoff - (header_addr -
 * load_addr) is loaded at load_addr up to load_end_addr (0: to the end of
 * the file), and [load_end_addr, bss_end_addr) is zeroed (0: no bss).
 */
static int ki_address_fields(struct kimg_run *r, uint64_t hoff, uint32_t header_addr, uint32_t load_addr,
                             uint32_t load_end, uint32_t bss_end)
{
    uint64_t off, fsz, mend;

    if (load_addr > header_addr)
        return ki_fail(r, "load_addr 0x%x is above header_addr 0x%x", load_addr, header_addr);
    if (header_addr - load_addr > hoff)
        return ki_fail(r, "load_addr 0x%x would start loading 0x%x bytes before the start of the file",
                       load_addr, (uint32_t)(header_addr - load_addr - hoff));
    off = hoff - (header_addr - load_addr);
    if (load_end == 0) {
        fsz = r->size - off;
    } else {
        if (load_end < load_addr)
            return ki_fail(r, "load_end_addr 0x%x is below load_addr 0x%x", load_end, load_addr);
        fsz = load_end - load_addr;
        if (fsz > r->size - off)
            return ki_fail(r, "load_end_addr 0x%x is past the end of the %llu-byte file", load_end,
                           (unsigned long long)r->size);
    }
    mend = (uint64_t)load_addr + fsz;
    if (bss_end) {
        if (bss_end < mend)
            return ki_fail(r, "bss_end_addr 0x%x is below the end of the loaded data 0x%llx", bss_end,
                           (unsigned long long)mend);
        mend = bss_end;
    }
    if (mend == load_addr)
        return ki_fail(r, "the address fields describe nothing to load");
    return ki_add_seg(r, 0, off, fsz, load_addr, mend - load_addr, load_addr);
}

/* ---- flat binaries ---- */

static int ki_flat(struct kimg_run *r)
{
    int rc;

    r->plan->format = KIMG_FLAT;
    r->plan->mb_flags = 0;
    rc = ki_add_seg(r, 0, 0, r->size, KIMG_FLAT_LOAD, r->size, KIMG_FLAT_LOAD);
    return rc ? rc : ki_set_entry(r, KIMG_FLAT_LOAD, false);
}

/* ---- multiboot1 ---- */

static int ki_mb1(struct kimg_run *r, uint64_t hoff)
{
    uint32_t flags = rd32(r, hoff + 4);
    uint64_t limit = r->size < MB1_SEARCH ? r->size : MB1_SEARCH;
    uint64_t entry;
    int rc;

    /* A header that cannot say how to load a non-ELF file: a .bin is flat. */
    if (!(flags & MB1_F_AOUT) && !ki_is_elf(r) && r->flat)
        return ki_flat(r);
    r->plan->mb_flags = flags;
    if (flags & MB1_F_VIDEO)
        return ki_fail(r, "multiboot1 header at 0x%llx asks for video mode information (flag 2), "
                       "which Ringvisor guests do not have", (unsigned long long)hoff);
    if (flags & MB1_F_REQUIRED & ~MB1_F_HONOURED)
        return ki_fail(r, "multiboot1 header at 0x%llx has unknown required flags 0x%x", (unsigned long long)hoff,
                       flags & MB1_F_REQUIRED & ~MB1_F_HONOURED);
    if (flags & MB1_F_AOUT) {
        if (limit - hoff < MB1_HDR_AOUT)
            return ki_fail(r, "multiboot1 header at 0x%llx: its address fields extend past %s",
                           (unsigned long long)hoff, r->size < MB1_SEARCH ? "the end of the file"
                                                                            : "the first 8192 bytes");
        r->plan->format = ki_is_elf(r) ? ki_elf_format(r, false) : KIMG_BIN_MB1;
        rc = ki_address_fields(r, hoff, rd32(r, hoff + 12), rd32(r, hoff + 16), rd32(r, hoff + 20),
                               rd32(r, hoff + 24));
        return rc ? rc : ki_set_entry(r, rd32(r, hoff + 28), false);
    }
    if (!ki_is_elf(r))
        return ki_fail(r, "multiboot1 header without address fields (flag 16), and the file is not ELF");
    r->plan->format = ki_elf_format(r, false);
    rc = ki_elf(r, &entry);
    return rc ? rc : ki_set_entry(r, entry, true);
}

/* ---- multiboot2 ---- */

static int ki_mb2(struct kimg_run *r, uint64_t hoff, uint32_t hlen)
{
    uint64_t off = hoff + MB2_HDR_MIN, end = hoff + hlen, entry = 0, elf_entry, addr = 0;
    bool have_entry = false;
    int rc;

    for (;;) {
        uint16_t type, flags;
        uint32_t tsize;

        if (off >= end || end - off < 8)
            return ki_fail(r, "multiboot2 header at 0x%llx has no end tag", (unsigned long long)hoff);
        type = rd16(r, off);
        flags = rd16(r, off + 2);
        tsize = rd32(r, off + 4);
        if (tsize < 8 || tsize > end - off)
            return ki_fail(r, "multiboot2 header tag %u at 0x%llx has size %u (header ends at 0x%llx)", type,
                           (unsigned long long)off, tsize, (unsigned long long)end);
        if (type == MB2_HT_END)
            break;
        switch (type) {
        case MB2_HT_ADDRESS:
            if (tsize < 24)
                return ki_fail(r, "multiboot2 address tag at 0x%llx has size %u (< 24)",
                               (unsigned long long)off, tsize);
            addr = off;
            break;
        case MB2_HT_ENTRY:
            if (tsize < 12)
                return ki_fail(r, "multiboot2 entry address tag at 0x%llx has size %u (< 12)",
                               (unsigned long long)off, tsize);
            entry = rd32(r, off + 8);
            have_entry = true;
            break;
        /* Satisfiable, or about information the builder chooses to give. */
        case MB2_HT_INFO_REQ:
        case MB2_HT_CONSOLE:
        case MB2_HT_MODULE_ALIGN:
        case MB2_HT_RELOCATABLE:
        /* EFI-only tags: a loader not booting through EFI ignores them (GRUB on BIOS does too). */
        case MB2_HT_EFI_BS:
        case MB2_HT_ENTRY_EFI32:
        case MB2_HT_ENTRY_EFI64:
            break;
        default:
            if (!(flags & MB2_TAG_OPTIONAL))
                return ki_fail(r, "multiboot2 header tag %u at 0x%llx is required but not supported%s", type,
                               (unsigned long long)off, type == MB2_HT_FRAMEBUFFER ? " (no framebuffer)" : "");
            break;
        }
        /* Tags are 8-byte aligned (3.1.3). */
        off += ((uint64_t)tsize + 7) & ~7ull;
    }

    if (addr) {
        uint32_t header_addr = rd32(r, addr + 8), load_addr = rd32(r, addr + 12);

        r->plan->format = ki_is_elf(r) ? ki_elf_format(r, true) : KIMG_BIN_MB2;
        if (!have_entry)
            return ki_fail(r, "multiboot2 header has an address tag but no entry address tag");
        if (load_addr == 0xffffffffu) {    /* -1: the text starts at the file's first byte */
            if (header_addr < hoff)
                return ki_fail(r, "multiboot2 header_addr 0x%x is below the header's file offset 0x%llx",
                               header_addr, (unsigned long long)hoff);
            load_addr = header_addr - (uint32_t)hoff;
        }
        rc = ki_address_fields(r, hoff, header_addr, load_addr, rd32(r, addr + 16), rd32(r, addr + 20));
        return rc ? rc : ki_set_entry(r, entry, false);
    }
    if (!ki_is_elf(r) && r->flat)
        return ki_flat(r);
    if (!ki_is_elf(r))
        return ki_fail(r, "multiboot2 header without an address tag, and the file is not ELF");
    r->plan->format = ki_elf_format(r, true);
    rc = ki_elf(r, &elf_entry);
    if (rc)
        return rc;
    /* An entry address tag overrides e_entry and is physical already. */
    return have_entry ? ki_set_entry(r, entry, false) : ki_set_entry(r, elf_entry, true);
}

/* ---- recognition ---- */

struct ki_scan {
    uint64_t mb1, mb2;              /* header offsets, UINT64_MAX = none */
    uint64_t mb1_bad, mb2_bad;      /* first magic with a bad checksum, for the message */
    uint32_t mb2_len;
};

static int ki_scan(struct kimg_run *r, struct ki_scan *s)
{
    uint64_t off, limit;

    s->mb1 = s->mb2 = s->mb1_bad = s->mb2_bad = UINT64_MAX;
    limit = r->size < MB1_SEARCH ? r->size : MB1_SEARCH;
    for (off = 0; limit >= MB1_HDR_MIN && off <= limit - MB1_HDR_MIN; off += 4) {
        if (rd32(r, off) != MB1_MAGIC)
            continue;
        if ((uint32_t)(MB1_MAGIC + rd32(r, off + 4) + rd32(r, off + 8)) == 0) {
            s->mb1 = off;
            return 0;
        }
        if (s->mb1_bad == UINT64_MAX)
            s->mb1_bad = off;
    }
    limit = r->size < MB2_SEARCH ? r->size : MB2_SEARCH;
    for (off = 0; limit >= MB2_HDR_MIN && off <= limit - MB2_HDR_MIN; off += 8) {
        uint32_t arch, len;

        if (rd32(r, off) != MB2_MAGIC)
            continue;
        arch = rd32(r, off + 4);
        len = rd32(r, off + 8);
        if ((uint32_t)(MB2_MAGIC + arch + len + rd32(r, off + 12)) != 0) {
            if (s->mb2_bad == UINT64_MAX)
                s->mb2_bad = off;
            continue;
        }
        /* A valid checksum means the header is meant: its defects are errors. */
        if (arch != MB2_ARCH_I386)
            return ki_fail(r, "multiboot2 header at 0x%llx is for architecture %u, not i386 (0)",
                           (unsigned long long)off, arch);
        if (len < MB2_HDR_MIN + 8 || len > limit - off)
            return ki_fail(r, "multiboot2 header at 0x%llx has length %u (must be >= 24 and end within %s)",
                           (unsigned long long)off, len,
                           r->size < MB2_SEARCH ? "the file" : "the first 32768 bytes");
        s->mb2 = off;
        s->mb2_len = len;
        return 0;
    }
    return 0;
}

static int ki_no_header(struct kimg_run *r, const struct ki_scan *s)
{
    char hint[96] = "";

    if (s->mb1_bad != UINT64_MAX)
        fmt_snprintf(hint, sizeof(hint), "; the multiboot1 magic at 0x%llx has a bad checksum",
                     (unsigned long long)s->mb1_bad);
    else if (s->mb2_bad != UINT64_MAX)
        fmt_snprintf(hint, sizeof(hint), "; the multiboot2 magic at 0x%llx has a bad checksum",
                     (unsigned long long)s->mb2_bad);
    if (ki_is_elf(r))
        return ki_fail(r, "ELF file without a multiboot header (PVH entry notes are not supported)%s", hint);
    /* Linux boot protocol: "HdrS" at 0x202. */
    if (r->size >= 0x206 && !memcmp(r->p + 0x202, "HdrS", 4))
        return ki_fail(r, "Linux bzImage is not supported for HVM guests; use an ELF with a multiboot header");
    return ki_fail(r, "no multiboot1 header in the first 8192 bytes nor multiboot2 header in the first "
                   "32768, and the file name does not end in .bin%s", hint);
}

int kimg_plan(const void *image, size_t size, uint64_t guest_mem, bool flat, struct kimg_plan *plan,
              char *err, size_t errlen)
{
    struct kimg_run r = { .p = image, .size = size, .guest_mem = guest_mem, .flat = flat, .plan = plan,
                          .err = err, .errlen = errlen };
    struct ki_scan s;
    int rc;

    memset(plan, 0, sizeof(*plan));
    if (err && errlen)
        err[0] = '\0';
    if (!image || size == 0)
        return ki_fail(&r, "the image is empty");

    rc = ki_scan(&r, &s);
    if (rc)
        return rc;
    if (s.mb1 != UINT64_MAX) {
        rc = ki_mb1(&r, s.mb1);
    } else if (s.mb2 != UINT64_MAX) {
        rc = ki_mb2(&r, s.mb2, s.mb2_len);
    } else if (flat) {
        rc = ki_flat(&r);
    } else {
        rc = ki_no_header(&r, &s);
    }
    if (rc)
        return rc;

    kimg_plan_set_bounds(plan);
    return 0;
}

const char *kimg_format_name(enum kimg_format f)
{
    switch (f) {
    case KIMG_ELF32_MB1: return "ELF32 multiboot1";
    case KIMG_ELF64_MB1: return "ELF64 multiboot1";
    case KIMG_ELF32_MB2: return "ELF32 multiboot2";
    case KIMG_ELF64_MB2: return "ELF64 multiboot2";
    case KIMG_FLAT:      return "flat binary";
    case KIMG_BIN_MB1:   return "multiboot1 binary (address fields)";
    case KIMG_BIN_MB2:   return "multiboot2 binary (address tag)";
    }
    return "?";
}
