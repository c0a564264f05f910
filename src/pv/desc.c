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


int pv_check_descriptor(uint64_t *desc)
{
    uint64_t d = *desc;

    if (!(d & DESC_P))
        return 0;
    if (d & DESC_S) {
        /* Code or data: the DPL is at least the guest kernel's ring. */
        if ((d & DESC_DPL) != DESC_DPL)
            *desc = d | DESC_DPL;
        return 0;
    }
    /* System type 0 is invalid and faults if loaded; Xen accepts it
     * (it is the shape of the upper half of a 16-byte descriptor). */
    if (((d >> DESC_TYPE_SHIFT) & 0xf) == 0)
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

    if (!(d & DESC_P))
        return 0;
    if (d & DESC_S) {
        if ((d & DESC_CODE) && (d & DESC_L))
            return -EINVAL;
        if (!(d & DESC_DPL))
            *desc = d | (1ull << DESC_DPL_SHIFT);
        return 0;
    }
    if (((d >> DESC_TYPE_SHIFT) & 0xf) == 0)
        return 0;
    return -EINVAL;
}

/* The base is split over bits 16-39 and 56-63, the 20-bit limit over bits
 * 0-15 and 48-51 (SDM vol. 3, 3.4.5). */
uint64_t pv_desc_base(uint64_t d)
{
    return ((d >> 16) & 0xffffff) | ((d >> 56) << 24);
}

uint64_t pv_desc_limit(uint64_t d)
{
    uint64_t l = (d & 0xffff) | ((d >> 32) & 0xf0000);
    return (d & DESC_G) ? (l << 12) | 0xfff : l;
}

unsigned pv_desc_dpl(uint64_t d)
{
    return (unsigned)((d & DESC_DPL) >> DESC_DPL_SHIFT);
}

bool pv32_code_desc_ok(uint64_t d, unsigned rpl)
{
    if ((d & (DESC_S | DESC_CODE | DESC_P | DESC_L)) != (DESC_S | DESC_CODE | DESC_P))
        return false;
    return (d & DESC_C) ? pv_desc_dpl(d) <= rpl : pv_desc_dpl(d) == rpl;
}

bool pv32_stack_desc_ok(uint64_t d, unsigned rpl)
{
    return (d & (DESC_S | DESC_CODE | DESC_W | DESC_P)) == (DESC_S | DESC_W | DESC_P) && pv_desc_dpl(d) == rpl;
}
