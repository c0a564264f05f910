/*
 * yield: SCHEDOP_yield returns 0, every time; an unknown sched_op returns
 * -ENOSYS.
 */
#include "guest.h"
#include "public/xen.h"
#include "public/sched.h"
#include "lib/errno.h"

#define YIELDS 1000

void test_main(void)
{
    if (!hv_require())
        return;
    unsigned bad = 0;
    long last_bad = 0;
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < YIELDS; i++) {
        long rc = hv_sched_yield();
        if (rc != 0)
            bad++, last_bad = rc;
    }
    uint64_t t1 = rdtsc();
    check(bad == 0, "yield", "%u of %u yields failed (last returned %ld)", bad, YIELDS, last_bad);
    if (clock_available())
        printf("note: %u yields in %llu us\n", YIELDS, (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / 1000));
    long rc = hypercall(__HYPERVISOR_sched_op, 99, 0, 0, 0, 0);
    check(rc == -ENOSYS, "unknown-schedop", "sched_op 99 returned %ld, expected -ENOSYS (%d)", rc, -ENOSYS);
}
