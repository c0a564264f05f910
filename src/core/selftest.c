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
        int rc = t->fn(why, sizeof(why));
        if (rc == 0) {
            log_info("selftest: PASS %s\n", t->name);
            (*passed)++;
        } else if (rc == 1) {
            log_info("selftest: SKIP %s: %s\n", t->name, why);
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


/* A deliberate page fault (boot option selftest_inject_panic), so tests can
 * check the whole panic path: registers, a symbolized trace, every CPU
 * stopped, the emulator ended with the panic code.  noinline keeps this
 * function in the trace. */
__attribute__((noinline)) void selftest_trigger_fault(void)
{
    log_info("selftest: faulting on purpose (selftest_inject_panic)\n");
    /* An address the compiler cannot see through: page 0 is unmapped. */
    volatile uint64_t *p;
    __asm__ __volatile__("mov $0x10, %0" : "=r"(p));
    *p = 0xbad;
}
