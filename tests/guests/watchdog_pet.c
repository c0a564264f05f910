/*
 * watchdog_pet: a 2 s watchdog petted every 100 ms for 3 s survives (the
 * slack lets it run among many domains on one CPU); once destroyed
 * (timeout 0) it cannot fire either; then a clean poweroff.
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
    long id = hv_watchdog(0, 2);
    check(id == 1, "create", "first watchdog: %ld, expected id 1", id);
    if (id <= 0)
        return;
    bool ok = true;
    for (unsigned i = 0; i < 30; i++) {
        wait_ms(100);
        long rc = hv_watchdog((uint32_t)id, 2);
        if (rc != 0) {
            check(false, "pet", "pet %u returned %ld", i, rc);
            ok = false;
            break;
        }
    }
    check(ok, "petted-3s", "petted every 100 ms for 3 s");
    long rc = hv_watchdog((uint32_t)id, 0);
    check(rc == 0, "destroy", "destroy returned %ld", rc);
    wait_ms(2500);
    check(true, "survived", "2.5 s after destroying its 2 s watchdog, still running");
}
