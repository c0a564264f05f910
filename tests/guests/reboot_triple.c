/*
 * reboot_triple: a triple fault on the first boot.  As under Xen
 * (HVM_PARAM_TRIPLE_FAULT_REASON defaults to SHUTDOWN_reboot) that is a
 * reboot request, and the default on_reboot = "restart" starts the domain
 * again; the second boot powers off.  (triple_fault.cfg has on_reboot =
 * "destroy": there the triple fault ends the domain.)
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    unsigned gen = boot_generation();
    if (gen == 0) {
        check(true, "first-boot", "first boot");
        printf("note: first boot: triple fault now; the domain must be rebooted\n");
        uart_drain();
        triple_fault();
    }
    check(gen == 1, "second-boot", "boot %u: expected exactly one restart", gen + 1);
}
