/* Self-test runner (see selftest.h). */
#include "core/selftest.h"
#include "core/console.h"

extern const struct selftest __selftests_start[], __selftests_end[];
bool selftest_inject_fail;

unsigned selftest_run_all(unsigned *passed)
{
    unsigned failed = 0;

    *passed = 0;
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
        char why[160] = "no reason given";
        if (t->fn(why, sizeof(why)) == 0) {
            log_info("selftest: PASS %s\n", t->name);
            (*passed)++;
        } else {
            log_info("selftest: FAIL %s: %s\n", t->name, why);
            failed++;
        }
    }
    /* Proves that a failure reaches rv-run (tests/integration uses it). */
    if (selftest_inject_fail) {
        log_info("selftest: FAIL injected: failure injected on purpose (selftest_inject_fail)\n");
        failed++;
    }
    log_info("selftest summary: %u passed, %u failed\n", *passed, failed);
    return failed;
}

