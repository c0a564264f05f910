/*
 * Segment descriptors a 64-bit PV guest may put in its GDT or LDT
 * (set_gdt, update_descriptor, LDT pages; docs/pv.md).  The guest kernel
 * runs in ring 3, so nothing it installs may give ring 0 or 1 to anyone:
 * code and data descriptors have their DPL raised to 3 (as Xen does, so a
 * kernel written for ring 0 keeps working), and every system descriptor
 * that could hand out privilege (TSS, LDT, interrupt/trap/call gates) is
 * refused.  Not-present descriptors fault whatever they say, so they pass.
 * Pure.
 */
#include "pv/desc.h"
#include "lib/errno.h"

#define D_TYPE_SHIFT 40
#define D_S          (1ull << 44)       /* code/data (1) or system (0) */
#define D_DPL_SHIFT  45
#define D_DPL        (3ull << D_DPL_SHIFT)
#define D_P          (1ull << 47)
#define D_CODE       (1ull << 43)       /* with D_S: code */
#define D_L          (1ull << 53)       /* code: 64-bit */

int pv_check_descriptor(uint64_t *desc)
{
    uint64_t d = *desc;

    if (!(d & D_P))
        return 0;
    if (d & D_S) {
        /* Code or data: the DPL is at least the guest kernel's ring. */
        if ((d & D_DPL) != D_DPL)
            *desc = d | D_DPL;
        return 0;
    }
    /* System type 0 is invalid and faults if loaded; Xen accepts it
     * (it is the shape of the upper half of a 16-byte descriptor). */
    if (((d >> D_TYPE_SHIFT) & 0xf) == 0)
        return 0;
    /* LDT, TSS, call, interrupt and trap gates: not from a guest.  Call
     * gates into the guest's own ring would need emulation (a 64-bit call
     * gate transfers through ring 0's view of the GDT); no PV kernel we
     * know of uses them. */
    return -EINVAL;
}

/* 32-bit (compat) PV guests, kernel in ring 1 (docs/pv.md "Ring 1 and
 * compat"): a code/data DPL 0 becomes 1 (Xen raises descriptors to the
 * guest kernel's RPL, 1 for compat guests).  A 64-bit code segment (L=1)
 * is refused: loaded from ring 1 it would run the guest in long mode, with
 * ring 1 a supervisor ring and the hypervisor's L4 slots mapped supervisor.
 * System descriptors other than type 0 are refused, call gates included
 * (Xen accepts those with DPL 0 and emulates the far call on the #GP; no
 * gate emulation here).  Base and limit are not checked, as on Xen:
 * compatibility mode forms 32-bit linear addresses and what of the
 * hypervisor lies below 4 GiB (the compat M2P) is mapped read-only. */
int pv32_check_descriptor(uint64_t *desc)
{
    uint64_t d = *desc;

    if (!(d & D_P))
        return 0;
    if (d & D_S) {
        if ((d & D_CODE) && (d & D_L))
            return -EINVAL;
        if (!(d & D_DPL))
            *desc = d | (1ull << D_DPL_SHIFT);
        return 0;
    }
    if (((d >> D_TYPE_SHIFT) & 0xf) == 0)
        return 0;
    return -EINVAL;
}
