/*
 * The 32-bit PVH test-guest library: start of day after entry.S, the
 * hypervisor interface with the 32-bit register convention and layouts.
 * See pvh32.h for the API; the console, results and exceptions are
 * tests/guests/lib/pvh_common.c.
 */
#include "pvh32.h"

struct pvh32_state pvh32;

const char *pvh32_paging_name(unsigned mode)
{
    switch (mode) {
    case PVH32_PAGING_NONE:
        return "none (flat)";
    case PVH32_PAGING_PSE:
        return "PSE (4 MiB pages)";
    case PVH32_PAGING_PAE:
        return "PAE (PDPT, 2 MiB pages)";
    default:
        return "?";
    }
}

/* ---- interrupts: the library enables no source, a stray one is dismissed ---- */

void pvh_interrupt(unsigned vector)
{
    (void)vector;
}

/* ---- start of day ---------------------------------------------------------- */

void pvh32_start(uint32_t si_gpa);

void pvh32_start(uint32_t si_gpa)
{
    pvh32.paging = PVH32_PAGING_NONE;
    pvh_start_common(si_gpa);
    /* First line as early as possible, before any paging change. */
    printf("\n%s: 32-bit PVH test guest, start info at %#x, command line \"%s\", paging mode %s\n",
           pvh32_guest_name, si_gpa, pvh32.cmdline, pvh32_paging_name(PVH32_PAGING));
    pvh_start_checks(true);
    pvh32_paging_enable();
    if (!pvh32.hv) {
        /* "nohv": the guest's own checks without a hypervisor (plain QEMU). */
        skip("hypervisor", "not running under Ringvisor (nohv)");
    }
    test_main();
    finish();
}

/* ---- hypervisor helpers ----------------------------------------------------- */

long pvh32_add_to_physmap(unsigned space, uint32_t idx, uint32_t gfn)
{
    struct pvh32_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn };
    return pvh32_memory_op(XENMEM_add_to_physmap, &a);
}

long pvh32_map_shared_info(void)
{
    long rc = pvh32_add_to_physmap(XENMAPSPACE_shared_info, 0, PVH32_GFN_SHARED_INFO);
    if (rc)
        return rc;
    pvh32.sh = (struct pvh32_shared_info *)(uintptr_t)(PVH32_GFN_SHARED_INFO << 12);
    return 0;
}

uint64_t pvh32_clock_ns(void)
{
    return pvh_time_ns(pvh32.sh ? &pvh32.sh->vcpu_info[0].time : NULL);
}
