/*
 * reboot_self: SCHEDOP_shutdown(SHUTDOWN_reboot) on the first boot; with the
 * default on_reboot = "restart" the hypervisor builds the domain again from
 * its file, and the second boot (restart count 1 in XENVER_guest_handle)
 * powers off.  rv_expect_restarts = 1: rv-run checks the restart happened
 * and that the rebuilt domain owns as many frames as the old one did.
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    shutdown_then_poweroff(SHUTDOWN_reboot, "reboot");
}
