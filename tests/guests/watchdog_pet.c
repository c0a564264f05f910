/*
 * watchdog_pet: a 1 s watchdog petted every 200 ms for 3 s survives; once
 * destroyed (timeout 0) it cannot fire either; then a clean poweroff.
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    if (!clock_available()) {
        check(false, "clock", "no TSC frequency from CPUID 0x40000003");
        return;
    }
    long id = hv_watchdog(0, 1);
    check(id == 1, "create", "first watchdog: %ld, expected id 1", id);
    if (id <= 0)
        return;
    bool ok = true;
    for (unsigned i = 0; i < 15; i++) {
        wait_ms(200);
        long rc = hv_watchdog((uint32_t)id, 1);
        if (rc != 0) {
            check(false, "pet", "pet %u returned %ld", i, rc);
            ok = false;
            break;
        }
    }
    check(ok, "petted-3s", "petted every 200 ms for 3 s");
    long rc = hv_watchdog((uint32_t)id, 0);
    check(rc == 0, "destroy", "destroy returned %ld", rc);
    wait_ms(1500);
    check(true, "survived", "1.5 s after destroying its 1 s watchdog, still running");
}
