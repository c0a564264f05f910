/*
 * crash_preserve: SCHEDOP_shutdown(SHUTDOWN_crash) with on_crash =
 * "preserve": the domain must stay, paused, with its vCPU state and its
 * memory (the hypervisor logs "preserved: paused, N frames owned"), until
 * the run ends; then it is destroyed and every frame comes back.
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    expect_domain_crash();
    uart_drain();
    long rc = hv_shutdown(SHUTDOWN_crash);
    check(false, "crash", "SCHEDOP_shutdown(SHUTDOWN_crash) returned %ld", rc);
}
