/*
 * The initial-region layout of a 64-bit PV domain, as Xen's toolstack lays
 * it out (docs/pv-builder-facts.md sections 1 and 10; docs/pv.md
 * "Builder").  Pure, built for the host too (unit_pv_layout).
 */
#ifndef RV_PV_PV_LAYOUT_H
#define RV_PV_PV_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Everything in pfns: pfn N is mapped at virt_base + N * 4096 within the
 * initial region [0, pfn_end). */
struct pv_layout {
    uint64_t pfn_kernel;        /* first kernel page (padding before it) */
    uint64_t pfn_mod, nr_mod;   /* the initrd (module 0): in the region after the kernel, or (mod_unmapped)
                                   right after the region; nr_mod 0: none */
    uint64_t pfn_p2m, nr_p2m;   /* the p2m list (8 bytes per pfn): in the region, or (p2m_va) after
                                   everything else, followed by its own tables */
    uint64_t p2m_va;            /* where the guest finds the list: in the region, or INIT_P2M's address */
    uint64_t pfn_p2m_pt, p2m_n3, p2m_n2, p2m_n1;    /* INIT_P2M: the list's L3s, L2s, L1s (no L4) */
    uint64_t pfn_start_info, pfn_store, pfn_console;
    uint64_t pfn_pt, nr_pt;     /* bootstrap tables: L4, n3 L3s, n2 L2s, n1 L1s */
    uint64_t n3, n2, n1;
    uint64_t pfn_stack;
    uint64_t pfn_end;           /* the region ends here (4 MiB aligned in virtual terms) */
};

/* What else goes into the domain besides the kernel. */
struct pv_layout_opts {
    uint64_t mod_bytes;         /* initrd length, 0: none */
    int mod_unmapped;           /* the kernel's MOD_START_PFN note: the initrd goes after the region, by pfn */
    uint64_t init_p2m;          /* the kernel's INIT_P2M address, or ~0 (none); Xen ignores one that is not
                                   page-aligned or not below virt_base, as here (and one sharing an L4
                                   slot with the region or in the hypervisor's range, a choice of ours) */
    int compat;                 /* a 32-bit PAE kernel: 4-byte p2m entries, tables L3 + L2s + L1s (no L4),
                                   no INIT_P2M */
};

/*
 * The layout for a kernel at [kstart, kend) (virtual, kstart page-aligned,
 * at or above virt_base) in a domain of nr_pages pages: 0, or -ENOEXEC /
 * -ENOMEM with a one-line reason in err.
 */
int pv_layout(uint64_t virt_base, uint64_t kstart, uint64_t kend, uint64_t nr_pages, struct pv_layout *out,
              char *err, size_t errlen);
/* The same with an initrd and INIT_P2M (o may be NULL: neither). */
int pv_layout_ex(uint64_t virt_base, uint64_t kstart, uint64_t kend, uint64_t nr_pages,
                 const struct pv_layout_opts *o, struct pv_layout *out, char *err, size_t errlen);

#endif
