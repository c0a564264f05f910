/*
 * PV kernel images: an ELF with Xen ELF notes (public/elfnote.h), read the
 * way Xen's PV domain builder reads it.  The PV policy over the kind-neutral
 * ELF reader in src/image/.  Pure code, built for the host too and fuzzed.
 */
#ifndef RV_PV_PV_IMAGE_H
#define RV_PV_PV_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_UNSET (~0ull)

enum pv_pae_mode { PV_PAE_NO, PV_PAE_YES, PV_PAE_EXTENDED_CR3, PV_PAE_BIMODAL };

struct pv_image {
    bool is64;                  /* ELFCLASS64 with EM_X86_64: a 64-bit PV kernel; else 32-bit (compat) */
    char guest_os[32], xen_version[32], loader[32];     /* the string notes, "" if absent */
    uint64_t virt_base;         /* XEN_ELFNOTE_VIRT_BASE, default 0 */
    uint64_t paddr_offset;      /* XEN_ELFNOTE_PADDR_OFFSET, default 0 */
    uint64_t virt_entry;        /* XEN_ELFNOTE_ENTRY, default e_entry */
    uint64_t virt_hypercall;    /* XEN_ELFNOTE_HYPERCALL_PAGE, PV_UNSET if none */
    uint64_t virt_kstart, virt_kend;    /* the loaded segments, in the kernel's virtual space */
    uint64_t pstart, pend;      /* ... and as ELF p_paddr (before the offset) */
    uint64_t init_p2m;          /* XEN_ELFNOTE_INIT_P2M, PV_UNSET if none */
    uint64_t hv_start_low;      /* XEN_ELFNOTE_HV_START_LOW, PV_UNSET if none */
    bool mod_start_pfn;         /* XEN_ELFNOTE_MOD_START_PFN nonzero: the initrd may be given by frame */
    bool suspend_cancel;
    enum pv_pae_mode pae;       /* XEN_ELFNOTE_PAE_MODE (32-bit kernels) */
    uint32_t f_required;        /* XENFEAT_* bits marked '!' in XEN_ELFNOTE_FEATURES */
    uint32_t f_supported;       /* every bit named there, and XEN_ELFNOTE_SUPPORTED_FEATURES */
};

/*
 * Reads and checks a PV kernel:
 *  - ELF32 or ELF64, EM_386 or EM_X86_64 (64-bit PV needs ELF64 with
 *    EM_X86_64), ET_EXEC or ET_DYN;
 *  - Xen notes present (by PT_NOTE or SHT_NOTE) with GUEST_OS "linux" or
 *    LOADER "generic", and XEN_VERSION "xen-3.0" (what Xen's builder
 *    insists on); string notes end at a zero or their descriptor's end; FEATURES names
 *    known features only;
 *  - the virtual layout: virt_offset = VIRT_BASE - PADDR_OFFSET,
 *    virt_kstart/kend = the PT_LOAD p_paddr range + virt_offset, the entry
 *    and the hypercall page inside it, page-aligned hypercall page; for
 *    64-bit kernels every address canonical and clear of the hypervisor's
 *    range (0xffff800000000000-0xffff87ffffffffff); for 32-bit kernels below
 *    4 GiB and below HV_START_LOW, and PAE mode given.
 * 0, or -ENOEXEC with a one-line reason naming the field ("pv: ...").
 */
int pv_image_parse(const void *elf, size_t size, struct pv_image *out, char *err, size_t errlen);

#endif
