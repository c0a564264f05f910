/*
 * restart_loop: triple-faults at once on every boot.  With on_reboot =
 * "restart" that would restart it forever: the hypervisor's restart-loop
 * guard gives up after 5 quick restarts in a row and destroys the domain
 * (rv_expect = "restart-loop", rv_expect_restarts = 5).
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    unsigned gen = boot_generation();
    check(gen <= 5, "loop-guard", "boot %u: the restart-loop guard should have stopped the domain", gen + 1);
    uart_drain();
    triple_fault();
}
