/*
 * PVH kernel images.  References: the Linux x86 boot protocol
 * (Documentation/x86/boot.rst: setup header at 0x1F1, boot_flag 0xAA55 at
 * 0x1FE, "HdrS" at 0x202, version at 0x206, payload_offset at 0x248 and
 * payload_length at 0x24C since protocol 2.08, both relative to the start
 * of the protected-mode code at (setup_sects + 1) * 512, setup_sects 0
 * meaning 4); the Xen public ABI's XEN_ELFNOTE_PHYS32_ENTRY (owner "Xen",
 * type 18: the 32-bit physical entry point).  The ELF file itself is read
 * by image/elf.c (headers, program headers, notes), shared with the other
 * builders; what a PVH kernel must be is decided here.
 *
 * Everything in the file is untrusted: fields are read through memcpy at
 * offsets checked against the size first, and no sum that could wrap is
 * formed before it is checked.
 */
#include "hvm/pvh_image.h"

#include <stdarg.h>

#include "image/elf.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "public/elfnote.h"

#define BZ_OFF_SETUP_SECTS  0x1f1
#define BZ_OFF_BOOT_FLAG    0x1fe
#define BZ_OFF_HEADER       0x202
#define BZ_OFF_VERSION      0x206
#define BZ_OFF_PAYLOAD_OFF  0x248
#define BZ_OFF_PAYLOAD_LEN  0x24c
#define BZ_PAYLOAD_VERSION  0x0208

struct pvh_run {
    uint64_t guest_mem;
    struct kimg_plan *plan;
    char *err;
    size_t errlen;
    unsigned seg_index[KIMG_MAX_SEGS];
};

static int pvh_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pvh_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err || !errlen)
        return -ENOEXEC;
    n = fmt_snprintf(err, errlen, "pvh: ");
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -ENOEXEC;
}

#define FAIL(r, ...) pvh_fail((r)->err, (r)->errlen, __VA_ARGS__)

static uint16_t rd16(const uint8_t *p, uint64_t off)
{
    uint16_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint32_t rd32(const uint8_t *p, uint64_t off)
{
    uint32_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

/* ---- bzImage payload ---- */

int pvh_bzimage_payload(const void *image, size_t size, const void **payload, size_t *len, char *err,
                        size_t errlen)
{
    const uint8_t *p = image;
    uint64_t setup_sects, koff, poff, plen;
    uint16_t version;

    if (err && errlen)
        err[0] = '\0';
    if (!p || size < BZ_OFF_VERSION + 2 || rd16(p, BZ_OFF_BOOT_FLAG) != 0xaa55 ||
        memcmp(p + BZ_OFF_HEADER, "HdrS", 4))
        return -ENOENT;
    version = rd16(p, BZ_OFF_VERSION);
    if (version < BZ_PAYLOAD_VERSION)
        return pvh_fail(err, errlen, "bzImage boot protocol %u.%02u has no payload fields (2.08 needed)",
                        version >> 8, version & 0xff);
    if (size < BZ_OFF_PAYLOAD_LEN + 4)
        return pvh_fail(err, errlen, "bzImage of %llu bytes is too short for its setup header",
                        (unsigned long long)size);
    setup_sects = p[BZ_OFF_SETUP_SECTS] ? p[BZ_OFF_SETUP_SECTS] : 4;
    koff = (setup_sects + 1) * 512;
    poff = rd32(p, BZ_OFF_PAYLOAD_OFF);
    plen = rd32(p, BZ_OFF_PAYLOAD_LEN);
    if (plen == 0)
        return pvh_fail(err, errlen, "bzImage has no payload (payload_length 0)");
    if (koff > size || poff > size - koff || plen > size - koff - poff)
        return pvh_fail(err, errlen, "bzImage payload (%llu bytes at 0x%llx + 0x%llx) extends past the "
                        "%llu-byte file", (unsigned long long)plen, (unsigned long long)koff,
                        (unsigned long long)poff, (unsigned long long)size);
    *payload = p + koff + poff;
    *len = (size_t)plen;
    return 0;
}

/* ---- ELF (read by image/elf.c; the PVH policy is here) ---- */

static int pvh_load_seg(void *ctx, unsigned index, const struct elf_phdr *ph)
{
    struct pvh_run *r = ctx;
    char why[160];

    /* p_paddr: Xen forces VIRT_BASE and PADDR_OFFSET to 0 for PVH. */
    if (kimg_add_seg(r->plan, r->seg_index, r->guest_mem, index, ph->offset, ph->filesz, ph->paddr, ph->memsz, why,
                     sizeof(why)))
        return FAIL(r, "%s", why);
    return 0;
}

int pvh_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                 size_t errlen)
{
    struct pvh_run r = { .guest_mem = guest_mem, .plan = plan, .err = err, .errlen = errlen };
    struct elf_image e;
    char why[160];
    uint64_t entry = 0, i;
    int rc;

    memset(plan, 0, sizeof(*plan));
    if (err && errlen)
        err[0] = '\0';
    /* Xen's PVH builder takes the layout from the class and the CPU mode
     * from the notes (the entry is always 32-bit protected mode), so an
     * ELF32 file built for x86-64 (ld -m elf32_x86_64, objcopy -O
     * elf32-x86-64) or an ELF64 one marked i386 boots like any other. */
    if (elf_open(&e, elf, size, ELF_OPEN_X86 | ELF_OPEN_EXEC | ELF_OPEN_DYN, why, sizeof(why)))
        return FAIL(&r, "%s", why);
    plan->format = e.is64 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1;
    why[0] = '\0';
    rc = elf_for_each_load(&e, pvh_load_seg, &r, why, sizeof(why));
    if (rc)
        return why[0] ? FAIL(&r, "%s", why) : rc;
    if (plan->nr_segs == 0)
        return FAIL(&r, "ELF file has no loadable (PT_LOAD) segment");

    rc = elf_xen_note(&e, XEN_ELFNOTE_PHYS32_ENTRY, "XEN_ELFNOTE_PHYS32_ENTRY", &entry, why, sizeof(why));
    if (rc < 0)
        return FAIL(&r, "%s", why);
    if (rc == 0)
        return FAIL(&r, "no XEN_ELFNOTE_PHYS32_ENTRY note");
    if (entry > 0xffffffffull)
        return FAIL(&r, "XEN_ELFNOTE_PHYS32_ENTRY 0x%llx is above 4 GiB", (unsigned long long)entry);
    for (i = 0; i < plan->nr_segs; i++)
        if (entry >= plan->segs[i].gpa && entry - plan->segs[i].gpa < plan->segs[i].mem_size)
            break;
    if (i == plan->nr_segs)
        return FAIL(&r, "PHYS32 entry point 0x%llx is not inside any loaded segment", (unsigned long long)entry);
    plan->entry = entry;
    plan->mb_flags = 0;
    kimg_plan_set_bounds(plan);
    return 0;
}
