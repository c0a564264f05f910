/*
 * The 32-bit PAE parts of rv create's PV builder (pv32_build.c), called by
 * pv_build.c for an ELF32 kernel (docs/toolstack.md "A PV domain from
 * dom0").
 */
#ifndef RV_TOOLS_PV32_BUILD_H
#define RV_TOOLS_PV32_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "pv/pv_layout.h"

struct rc_handle;
struct rv_rings;

/* The layout's region below the compat hypervisor range, its table frames
 * enough for the L2s: 0, or -1 with err (no hypervisor needed). */
int rv_pv32_check(uint64_t virt_base, const struct pv_layout *lo, char *err, size_t errlen);

struct pv32_fill_in {
    const struct pv_layout *lo;
    uint64_t virt_base, nr_pages;
    const uint64_t *p2m;        /* pfn -> mfn, nr_pages entries */
    uint64_t shared_info_mfn;
    const char *cmdline;
    const struct rv_rings *rings;   /* NULL: no ports in start_info */
};

/* The 4-byte p2m list, the PAE tables and the x86_32 start_info into the
 * region mapped at m (pfn 0 first; the pages already cleared): 0, or -1
 * with err (an mfn or shared_info beyond 32 bits). */
int rv_pv32_fill(uint8_t *m, const struct pv32_fill_in *in, char *err, size_t errlen);

/* vCPU 0 through XEN_DOMCTL_setvcpucontext's x86_32 form. */
int rv_pv32_start_vcpu0(struct rc_handle *h, uint16_t domid, uint32_t entry, uint32_t stack_top, uint32_t start_info,
                        uint64_t l3_mfn, char *err, size_t errlen);

#endif
