/*
 * watchdog_expire: SCHEDOP_watchdog with Xen's semantics and errors, then a
 * 1 s watchdog that is not petted: the domain must be shut down with reason
 * watchdog (rv_expect = "watchdog", on_watchdog default "destroy").
 */
#include "policy.h"
#include "lib/errno.h"

void test_main(void)
{
    long rc;

    if (!hv_require())
        return;
    if (!clock_available()) {
        check(false, "clock", "no TSC frequency from CPUID 0x40000003");
        return;
    }
    rc = hv_watchdog(1, 5);
    check(rc == -EINVAL, "pet-unused", "pet of watchdog 1 before any exists: %ld, expected -EINVAL", rc);
    rc = hv_watchdog(3, 5);
    check(rc == -EINVAL, "id-too-big", "id 3: %ld, expected -EINVAL", rc);
    rc = hv_watchdog(0xffffffffu, 0);
    check(rc == -EINVAL, "id-huge", "id 0xffffffff: %ld, expected -EINVAL", rc);
    rc = hv_watchdog(0, 60);
    check(rc == 1, "create-1", "first watchdog: %ld, expected id 1", rc);
    rc = hv_watchdog(0, 60);
    check(rc == 2, "create-2", "second watchdog: %ld, expected id 2", rc);
    rc = hv_watchdog(0, 60);
    check(rc == -ENOSPC, "create-3", "third watchdog: %ld, expected -ENOSPC", rc);
    rc = hv_watchdog(2, 0);
    check(rc == 0, "destroy-2", "destroy watchdog 2: %ld", rc);
    rc = hv_watchdog(2, 0);
    check(rc == -EINVAL, "destroy-2-again", "destroy watchdog 2 twice: %ld, expected -EINVAL", rc);
    rc = hv_watchdog(2, 5);
    check(rc == -EINVAL, "pet-destroyed", "pet of destroyed watchdog 2: %ld, expected -EINVAL", rc);
    rc = hv_watchdog(0, 60);
    check(rc == 2, "reuse-2", "a new watchdog after destroying 2: %ld, expected id 2 again", rc);
    rc = hv_watchdog(2, 0);
    check(rc == 0, "destroy-2b", "destroy watchdog 2: %ld", rc);
    struct sched_watchdog *bad = (struct sched_watchdog *)0xfffff000u;   /* not RAM */
    rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_watchdog, (unsigned long)bad, 0, 0, 0);
    check(rc == -EFAULT, "bad-pointer", "argument at an unmapped address: %ld, expected -EFAULT", rc);

    /* Watchdog 1 now expires in 1 s and is not petted any more. */
    rc = hv_watchdog(1, 1);
    check(rc == 0, "pet-1s", "pet watchdog 1 with 1 s: %ld", rc);
    uint64_t t0 = clock_ns();
    printf("note: watchdog 1 armed for 1 s and left alone: the domain must be shut down (reason watchdog)\n");
    uart_drain();
    wait_ms(10000);
    check(false, "expired", "still running %lu ms after the 1 s watchdog was armed",
          (unsigned long)((clock_ns() - t0) / 1000000));
}
