/*
 * The initial-region layout of a 64-bit PV domain, as Xen's toolstack lays
 * it out (docs/pv-builder-facts.md sections 1 and 10; docs/pv.md
 * "Builder").  Pure, built for the host too (unit_pv_layout).
 */
#ifndef RV_PV_PV_LAYOUT_H
#define RV_PV_PV_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Everything in pfns: pfn N is mapped at virt_base + N * 4096. */
struct pv_layout {
    uint64_t pfn_kernel;        /* first kernel page (padding before it) */
    uint64_t pfn_p2m, nr_p2m;   /* the p2m list (8 bytes per pfn) */
    uint64_t pfn_start_info, pfn_store, pfn_console;
    uint64_t pfn_pt, nr_pt;     /* bootstrap tables: L4, n3 L3s, n2 L2s, n1 L1s */
    uint64_t n3, n2, n1;
    uint64_t pfn_stack;
    uint64_t pfn_end;           /* the region ends here (4 MiB aligned in virtual terms) */
};

/*
 * The layout for a kernel at [kstart, kend) (virtual, kstart page-aligned,
 * at or above virt_base) in a domain of nr_pages pages: 0, or -ENOEXEC /
 * -ENOMEM with a one-line reason in err.
 */
int pv_layout(uint64_t virt_base, uint64_t kstart, uint64_t kend, uint64_t nr_pages, struct pv_layout *out,
              char *err, size_t errlen);

#endif
