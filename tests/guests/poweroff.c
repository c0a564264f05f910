/*
 * poweroff: SCHEDOP_shutdown(SHUTDOWN_poweroff) and nothing else; the
 * domain must stop cleanly.  If the hypercall returns, that is a failure
 * (and finish() then crashes the domain).
 */
#include "guest.h"
#include "public/sched.h"

void test_main(void)
{
    if (!hv_require())
        return;
    long rc = hv_shutdown(SHUTDOWN_poweroff);
    check(false, "poweroff", "SCHEDOP_shutdown(SHUTDOWN_poweroff) returned %ld", rc);
}
