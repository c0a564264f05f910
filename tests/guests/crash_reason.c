/*
 * crash_reason: the domain reports its own failure with
 * SCHEDOP_shutdown(SHUTDOWN_crash) (rv_expect = "crash").  First, an
 * undefined reason (99) must be refused with -EINVAL (Ringvisor's rule for
 * reasons beyond SHUTDOWN_watchdog) and change nothing.
 */
#include "guest.h"
#include "public/sched.h"
#include "lib/errno.h"

void test_main(void)
{
    if (!hv_require())
        return;
    long rc = hv_shutdown(99);
    check(rc == -EINVAL, "bad-reason", "SCHEDOP_shutdown(reason 99) returned %ld, expected -EINVAL (%d)", rc, -EINVAL);
    expect_domain_crash();
    rc = hv_shutdown(SHUTDOWN_crash);
    check(false, "crash", "SCHEDOP_shutdown(SHUTDOWN_crash) returned %ld", rc);
}
