/*
 * coredump_restart: crashes on its first boot with on_crash =
 * "coredump-restart".  There is no control domain to write a core dump to
 * yet: the hypervisor says so and restarts the domain; the second boot
 * powers off.
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    shutdown_then_poweroff(SHUTDOWN_crash, "crash");
}
