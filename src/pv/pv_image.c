/*
 * PV kernel images (pv_image.h).  The file is untrusted: everything is
 * read through the bounds-checked ELF reader, strings are copied with a
 * bound and end at their first zero or at the descriptor's end.
 */
#include "pv/pv_image.h"
#include "image/elf.h"
#include "public/elfnote.h"
#include "public/features.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#include <stdarg.h>

#define HV_VIRT_START 0xffff800000000000ull     /* the hypervisor's range for 64-bit PV guests */
#define HV_VIRT_END   0xffff880000000000ull

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fmt_snprintf(err, errlen, "pv: %s", msg);
    return -ENOEXEC;
}

static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables] = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
    [XENFEAT_mmu_pt_update_preserve_ad] = "mmu_pt_update_preserve_ad",
    [XENFEAT_highmem_assist] = "highmem_assist",
    [XENFEAT_gnttab_map_avail_bits] = "gnttab_map_avail_bits",
    [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
    [XENFEAT_hvm_safe_pvclock] = "hvm_safe_pvclock",
    [XENFEAT_hvm_pirqs] = "hvm_pirqs",
    [XENFEAT_dom0] = "dom0",
    [XENFEAT_grant_map_identity] = "grant_map_identity",
    [XENFEAT_memory_op_vnode_supported] = "memory_op_vnode_supported",
    [XENFEAT_ARM_SMCCC_supported] = "arm_smccc_supported",
    [XENFEAT_linux_rsdp_unrestricted] = "linux_rsdp_unrestricted",
    [XENFEAT_not_direct_mapped] = "not_direct_mapped",
    [XENFEAT_direct_mapped] = "direct_mapped",
};

/* A string note into buf: 1 found, 0 absent, < 0 bad. */
static int string_note(const struct elf_image *e, uint32_t type, const char *name, char *buf, size_t len, char *err,
                       size_t errlen)
{
    const uint8_t *d;
    uint32_t n;
    char why[160];
    int rc = elf_xen_note_desc(e, type, &d, &n, why, sizeof(why));

    buf[0] = 0;
    if (rc < 0)
        return fail(err, errlen, "%s", why);
    if (rc == 0)
        return 0;
    /* The descriptor's end ends the string too: Linux writes FEATURES
     * with .ascii, unterminated (the note's padding holds the zero). */
    size_t sl = 0;
    while (sl < n && d[sl])
        sl++;
    if (sl >= len)
        return fail(err, errlen, "%s is %zu characters long (at most %zu)", name, sl, len - 1);
    memcpy(buf, d, sl);
    buf[sl] = 0;
    return 1;
}

static int number_note(const struct elf_image *e, uint32_t type, const char *name, uint64_t *v, char *err,
                       size_t errlen)
{
    char why[160];
    int rc = elf_xen_note(e, type, name, v, why, sizeof(why));

    if (rc < 0)
        return fail(err, errlen, "%s", why);
    return rc;
}

/* "!writable_page_tables|pae_pgdir_above_4gb": names separated by '|',
 * '!' marks a required one. */
static int parse_features(const char *s, struct pv_image *p, char *err, size_t errlen)
{
    while (*s) {
        const char *end = strchr(s, '|');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        bool req = len && *s == '!';
        const char *name = s + req;
        size_t nl = len - req;
        unsigned i;

        for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
            if (feature_names[i] && strlen(feature_names[i]) == nl && !memcmp(feature_names[i], name, nl))
                break;
        if (nl && i == sizeof(feature_names) / sizeof(feature_names[0]))
            return fail(err, errlen, "XEN_ELFNOTE_FEATURES names an unknown feature '%.*s'", (int)nl, name);
        if (nl) {
            p->f_supported |= 1u << i;
            if (req)
                p->f_required |= 1u << i;
        }
        s += len + (end != NULL);
    }
    return 0;
}

static bool canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

struct span { uint64_t lo, hi; bool any; };

static int note_load(void *ctx, unsigned index, const struct elf_phdr *ph)
{
    struct span *s = ctx;
    (void)index;
    if (!s->any || ph->paddr < s->lo)
        s->lo = ph->paddr;
    uint64_t end = ph->paddr + ph->memsz;
    if (end < ph->paddr)
        return -ERANGE;
    if (!s->any || end > s->hi)
        s->hi = end;
    s->any = true;
    return 0;
}

int pv_image_parse(const void *image, size_t size, struct pv_image *p, char *err, size_t errlen)
{
    struct elf_image e;
    char why[160], feat[256];
    uint64_t v;
    int rc;

    memset(p, 0, sizeof(*p));
    p->virt_hypercall = p->init_p2m = p->hv_start_low = PV_UNSET;
    if (elf_open(&e, image, size, ELF_OPEN_X86 | ELF_OPEN_EXEC | ELF_OPEN_DYN, why, sizeof(why)))
        return fail(err, errlen, "%s", why);
    p->is64 = e.is64 && e.machine == ELF_EM_X86_64;
    if (e.machine == ELF_EM_X86_64 && !e.is64)
        return fail(err, errlen, "an ELF32 image for x86-64 is not a PV kernel (64-bit PV kernels are ELF64)");

    if ((rc = string_note(&e, XEN_ELFNOTE_GUEST_OS, "XEN_ELFNOTE_GUEST_OS", p->guest_os, sizeof(p->guest_os),
                          err, errlen)) < 0 ||
        (rc = string_note(&e, XEN_ELFNOTE_XEN_VERSION, "XEN_ELFNOTE_XEN_VERSION", p->xen_version,
                          sizeof(p->xen_version), err, errlen)) < 0 ||
        (rc = string_note(&e, XEN_ELFNOTE_LOADER, "XEN_ELFNOTE_LOADER", p->loader, sizeof(p->loader), err,
                          errlen)) < 0 ||
        (rc = string_note(&e, XEN_ELFNOTE_FEATURES, "XEN_ELFNOTE_FEATURES", feat, sizeof(feat), err, errlen)) < 0)
        return rc;
    if (!p->guest_os[0] && !p->xen_version[0] && !p->loader[0])
        return fail(err, errlen, "no Xen ELF notes (GUEST_OS, XEN_VERSION, LOADER): not a PV kernel");
    if (strcmp(p->loader, "generic") != 0 && strcmp(p->guest_os, "linux") != 0)
        return fail(err, errlen, "GUEST_OS \"%s\" with LOADER \"%s\": only Linux or the generic loader are loaded",
                    p->guest_os, p->loader);
    if (strncmp(p->xen_version, "xen-3.0", 7) != 0)
        return fail(err, errlen, "XEN_VERSION \"%s\": only kernels for \"xen-3.0\" are loaded", p->xen_version);
    if ((rc = parse_features(feat, p, err, errlen)) < 0)
        return rc;
    if ((rc = number_note(&e, XEN_ELFNOTE_SUPPORTED_FEATURES, "XEN_ELFNOTE_SUPPORTED_FEATURES", &v, err,
                          errlen)) < 0)
        return rc;
    if (rc)
        p->f_supported |= (uint32_t)v;

    char pae[32];
    if ((rc = string_note(&e, XEN_ELFNOTE_PAE_MODE, "XEN_ELFNOTE_PAE_MODE", pae, sizeof(pae), err, errlen)) < 0)
        return rc;
    if (!rc || !strcmp(pae, "no"))
        p->pae = PV_PAE_NO;
    else if (!strcmp(pae, "yes"))
        p->pae = PV_PAE_EXTENDED_CR3;       /* a kernel new enough for notes handles L3s above 4 GiB */
    else if (!strcmp(pae, "bimodal"))
        p->pae = PV_PAE_BIMODAL;
    else if (!strncmp(pae, "yes", 3))
        p->pae = PV_PAE_YES;
    else
        return fail(err, errlen, "XEN_ELFNOTE_PAE_MODE \"%s\" is none of yes, no, bimodal", pae);

    uint64_t virt_base = 0, paddr_offset = 0;
    if ((rc = number_note(&e, XEN_ELFNOTE_VIRT_BASE, "XEN_ELFNOTE_VIRT_BASE", &virt_base, err, errlen)) < 0 ||
        (rc = number_note(&e, XEN_ELFNOTE_PADDR_OFFSET, "XEN_ELFNOTE_PADDR_OFFSET", &paddr_offset, err,
                          errlen)) < 0)
        return rc;
    p->virt_base = virt_base;
    p->paddr_offset = paddr_offset;
    p->virt_entry = e.entry;
    if ((rc = number_note(&e, XEN_ELFNOTE_ENTRY, "XEN_ELFNOTE_ENTRY", &p->virt_entry, err, errlen)) < 0 ||
        (rc = number_note(&e, XEN_ELFNOTE_HYPERCALL_PAGE, "XEN_ELFNOTE_HYPERCALL_PAGE", &p->virt_hypercall, err,
                          errlen)) < 0 ||
        (rc = number_note(&e, XEN_ELFNOTE_INIT_P2M, "XEN_ELFNOTE_INIT_P2M", &p->init_p2m, err, errlen)) < 0 ||
        (rc = number_note(&e, XEN_ELFNOTE_HV_START_LOW, "XEN_ELFNOTE_HV_START_LOW", &p->hv_start_low, err,
                          errlen)) < 0)
        return rc;
    if ((rc = number_note(&e, XEN_ELFNOTE_MOD_START_PFN, "XEN_ELFNOTE_MOD_START_PFN", &v, err, errlen)) < 0)
        return rc;
    p->mod_start_pfn = rc && v;
    if ((rc = number_note(&e, XEN_ELFNOTE_SUSPEND_CANCEL, "XEN_ELFNOTE_SUSPEND_CANCEL", &v, err, errlen)) < 0)
        return rc;
    p->suspend_cancel = rc && v;

    struct span s = { 0, 0, false };
    rc = elf_for_each_load(&e, note_load, &s, why, sizeof(why));
    if (rc == -ERANGE)
        return fail(err, errlen, "a PT_LOAD segment wraps around the address space");
    if (rc)
        return fail(err, errlen, "%s", why);
    if (!s.any)
        return fail(err, errlen, "no PT_LOAD segment with contents");
    uint64_t virt_offset = virt_base - paddr_offset;
    p->pstart = s.lo;
    p->pend = s.hi;
    p->virt_kstart = s.lo + virt_offset;
    p->virt_kend = s.hi + virt_offset;
    if (p->virt_kend < p->virt_kstart)
        return fail(err, errlen, "the kernel wraps: p_paddr 0x%llx-0x%llx with VIRT_BASE 0x%llx, PADDR_OFFSET 0x%llx",
                    (unsigned long long)s.lo, (unsigned long long)s.hi, (unsigned long long)virt_base,
                    (unsigned long long)paddr_offset);
    if (p->virt_entry < p->virt_kstart || p->virt_entry >= p->virt_kend)
        return fail(err, errlen, "entry 0x%llx is outside the kernel 0x%llx-0x%llx",
                    (unsigned long long)p->virt_entry, (unsigned long long)p->virt_kstart,
                    (unsigned long long)p->virt_kend);
    if (p->virt_hypercall != PV_UNSET &&
        ((p->virt_hypercall & 4095) || p->virt_hypercall < p->virt_kstart || p->virt_hypercall >= p->virt_kend))
        return fail(err, errlen, "hypercall page 0x%llx is not a page of the kernel 0x%llx-0x%llx",
                    (unsigned long long)p->virt_hypercall, (unsigned long long)p->virt_kstart,
                    (unsigned long long)p->virt_kend);
    if (p->is64) {
        /* Canonical, and clear of the hypervisor's slots, end included. */
        if (!canonical(p->virt_kstart) || !canonical(p->virt_kend - 1) ||
            (p->virt_kstart < HV_VIRT_END && p->virt_kend > HV_VIRT_START) ||
            (p->virt_kstart >> 47) != ((p->virt_kend - 1) >> 47))
            return fail(err, errlen, "kernel 0x%llx-0x%llx is not canonical or overlaps the hypervisor's range",
                        (unsigned long long)p->virt_kstart, (unsigned long long)p->virt_kend);
        if (p->init_p2m != PV_UNSET && (!canonical(p->init_p2m) || (p->init_p2m & 4095)))
            return fail(err, errlen, "XEN_ELFNOTE_INIT_P2M 0x%llx is not a canonical page address",
                        (unsigned long long)p->init_p2m);
    } else {
        uint64_t limit = p->hv_start_low != PV_UNSET ? p->hv_start_low : 0xf5800000ull;
        if (p->virt_kend > limit || p->virt_kend > 0x100000000ull)
            return fail(err, errlen, "32-bit kernel 0x%llx-0x%llx reaches the hypervisor's range at 0x%llx",
                        (unsigned long long)p->virt_kstart, (unsigned long long)p->virt_kend,
                        (unsigned long long)limit);
        if (p->pae == PV_PAE_NO)
            return fail(err, errlen, "32-bit kernel without PAE (XEN_ELFNOTE_PAE_MODE): a 64-bit hypervisor "
                                     "runs 32-bit PV kernels in PAE mode only");
    }
    return 0;
}
