/*
 * pvh32_demo: the smallest 32-bit PVH guest of each paging mode (built three
 * times: pvh32_none, pvh32_pse, pvh32_pae; see list-pvh32.cmake).  Checks
 * that the library's mode is really in force and that the basic 32-bit
 * hypercalls work from it, then powers off.
 */
#include "pvh32.h"

#if PVH32_PAGING == PVH32_PAGING_NONE
const char pvh32_guest_name[] = "pvh32_none";
#elif PVH32_PAGING == PVH32_PAGING_PSE
const char pvh32_guest_name[] = "pvh32_pse";
#else
const char pvh32_guest_name[] = "pvh32_pae";
#endif

static volatile uint32_t marker = 0x5a3c0f96;

static void check_mode(void)
{
    uint32_t cr0 = (uint32_t)read_cr0(), cr4 = (uint32_t)read_cr4();
    bool pg = cr0 & CR0_PG, pse = cr4 & CR4_PSE, pae = cr4 & CR4_PAE;
    bool want_pg = PVH32_PAGING != PVH32_PAGING_NONE;
    bool want_pae = PVH32_PAGING == PVH32_PAGING_PAE, want_pse = PVH32_PAGING == PVH32_PAGING_PSE;
    check(pvh32.paging == PVH32_PAGING && pg == want_pg && pae == want_pae && (!want_pse || pse), "paging-mode",
          "CR0 %#x CR4 %#x for mode %s", cr0, cr4, pvh32_paging_name(PVH32_PAGING));
    uint64_t efer = 0;
    check(rdmsr_safe(MSR_EFER, &efer) == NO_FAULT && !(efer & (EFER_LME | EFER_LMA)), "not-long-mode",
          "EFER %#llx", (unsigned long long)efer);
    if (!want_pg)
        return;
    /* Proof that the tables translate: the alias window maps the large page
     * holding `marker`, and a read through it sees the marker (then a write
     * through it is seen at the identity address). */
    uint32_t pa = (uint32_t)(uintptr_t)&marker;
    uint32_t large = want_pae ? 0x200000u : 0x400000u;
    check(pvh32_translate(pa) == pa, "paging-identity", "walk of %#x gives %#llx", pa,
          (unsigned long long)pvh32_translate(pa));
    pvh32_alias_large(pa & ~(large - 1));
    volatile uint32_t *alias = (volatile uint32_t *)(uintptr_t)(PVH32_ALIAS_BASE + (pa & (large - 1)));
    uint32_t seen = *alias;
    *alias = 0x12345678;
    check(seen == 0x5a3c0f96 && marker == 0x12345678, "paging-alias", "alias read %#x, identity read %#x", seen,
          marker);
}

static void check_hypercalls(void)
{
    long v = pvh32_xen_version();
    check(v == (long)pvh32.hv_version && v != 0, "xen-version", "XENVER_version %#lx, CPUID %#x", v,
          pvh32.hv_version);
    static const char msg[] = "pvh32: a console_io write of its own\n";
    long n = pvh32_console_write(msg, sizeof(msg) - 1);
    check(n == (long)sizeof(msg) - 1, "console-io", "returned %ld, want %u", n, (unsigned)sizeof(msg) - 1);

    /* set_timer_op's 64-bit deadline in EBX:ECX, then SCHEDOP_block. */
    uint64_t t0 = pvh32_clock_ns();
    long rc = pvh32_set_timer_op(t0 + 5000000);
    long rb = pvh32_sched_op(SCHEDOP_block, NULL);
    uint64_t dt = pvh32_clock_ns() - t0;
    check(rc == 0 && rb == 0 && dt >= 4000000, "timer-block", "set_timer_op %ld, block %ld, %llu ns", rc, rb,
          (unsigned long long)dt);

    /* shared_info through the 32-bit add_to_physmap layout. */
    rc = pvh32_map_shared_info();
    if (rc == -ENOSYS) {
        skip("shared-info", "XENMEM_add_to_physmap from a 32-bit caller returned -ENOSYS "
                            "(32-bit memory_op not implemented in this build)");
        return;
    }
    if (!check(rc == 0, "shared-info", "add_to_physmap returned %ld", rc))
        return;
    uint64_t a = pvh32_clock_ns();
    for (volatile unsigned i = 0; i < 100000; i++)
        ;
    uint64_t b = pvh32_clock_ns();
    check(pvh32.sh->vcpu_info[0].time.tsc_to_system_mul != 0 && b > a, "pvclock", "mul %u, %llu -> %llu",
          pvh32.sh->vcpu_info[0].time.tsc_to_system_mul, (unsigned long long)a, (unsigned long long)b);
}

void test_main(void)
{
    check_mode();
    if (pvh32.hv)
        check_hypercalls();
}
