/*
 * PVH kernel images: what a PVH kernel must be (reference: the Xen public
 * ABI's XEN_ELFNOTE_PHYS32_ENTRY, owner "Xen", type 18: the 32-bit physical
 * entry point).  The file itself is read by the kind-neutral image/elf.c
 * (headers, program headers, notes) and image/bzpayload.c (a bzImage's
 * payload), shared with the other builders.
 */
#include "hvm/pvh_image.h"

#include <stdarg.h>

#include "image/bzpayload.h"
#include "image/elf.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "public/elfnote.h"

struct pvh_run {
    uint64_t guest_mem;
    struct kimg_plan *plan;
    char *err;
    size_t errlen;
    unsigned seg_index[KIMG_MAX_SEGS];
    const char *who;                /* message prefix: "pvh: " or "firmware: " */
};

static int pvh_fail(char *err, size_t errlen, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int pvh_fail(char *err, size_t errlen, const char *who, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err || !errlen)
        return -ENOEXEC;
    n = fmt_snprintf(err, errlen, "%s", who);
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -ENOEXEC;
}

#define FAIL(r, ...) pvh_fail((r)->err, (r)->errlen, (r)->who, __VA_ARGS__)

/* ---- bzImage payload (found by image/bzpayload.c) ---- */

int pvh_bzimage_payload(const void *image, size_t size, const void **payload, size_t *len, char *err,
                        size_t errlen)
{
    char why[160];
    int rc;

    if (err && errlen)
        err[0] = '\0';
    rc = bzpayload_find(image, size, payload, len, why, sizeof(why));
    if (rc == -ENOEXEC)
        return pvh_fail(err, errlen, "pvh: ", "%s", why);
    return rc;
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

/* phys32_note: the entry is the PVH note's (a PVH kernel); else e_entry
 * (firmware_override: Xen's HVM firmware starts at the ELF entry). */
static int elf_plan(const void *elf, size_t size, uint64_t guest_mem, bool phys32_note, struct kimg_plan *plan,
                    char *err, size_t errlen)
{
    struct pvh_run r = { .guest_mem = guest_mem, .plan = plan, .err = err, .errlen = errlen,
                         .who = phys32_note ? "pvh: " : "firmware: " };
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

    const char *what = phys32_note ? "XEN_ELFNOTE_PHYS32_ENTRY" : "ELF entry point";
    if (phys32_note) {
        rc = elf_xen_note(&e, XEN_ELFNOTE_PHYS32_ENTRY, "XEN_ELFNOTE_PHYS32_ENTRY", &entry, why, sizeof(why));
        if (rc < 0)
            return FAIL(&r, "%s", why);
        if (rc == 0)
            return FAIL(&r, "no XEN_ELFNOTE_PHYS32_ENTRY note");
    } else {
        entry = e.entry;
    }
    if (entry > 0xffffffffull)
        return FAIL(&r, "%s 0x%llx is above 4 GiB", what, (unsigned long long)entry);
    for (i = 0; i < plan->nr_segs; i++)
        if (entry >= plan->segs[i].gpa && entry - plan->segs[i].gpa < plan->segs[i].mem_size)
            break;
    if (i == plan->nr_segs)
        return FAIL(&r, "%s 0x%llx is not inside any loaded segment", phys32_note ? "PHYS32 entry point" : what,
                    (unsigned long long)entry);
    plan->entry = entry;
    plan->mb_flags = 0;
    kimg_plan_set_bounds(plan);
    return 0;
}

int pvh_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                 size_t errlen)
{
    return elf_plan(elf, size, guest_mem, true, plan, err, errlen);
}

int fw_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                size_t errlen)
{
    return elf_plan(elf, size, guest_mem, false, plan, err, errlen);
}
