/*
 * Test results (check() and skip(): results.c) and the end of a guest.
 */
#include "guest.h"
#include "public/sched.h"

#define DEBUG_EXIT_PORT     0xf4    /* QEMU isa-debug-exit: status = (value << 1) | 1 */
#define DEBUG_EXIT_PASS     0x10    /* QEMU exits with 33 */
#define DEBUG_EXIT_FAIL     0x11    /* 35 */

struct guest_info *gi;

void count_result(enum check_result r)
{
    if (r == CHECK_PASS)
        gi->passed++;
    else if (r == CHECK_FAIL)
        gi->failed++;
    else
        gi->skipped++;
}

void expect_domain_crash(void)
{
    gi->expect_crash = 1;
    printf("note: the domain is expected to crash now (rv_expect = \"crash\")\n");
}

void hang_on_failure(void)
{
    gi->hang_on_failure = 1;
}

void finish(void)
{
    unsigned reason;

    cli();
    if (gi->expect_crash) {
        check(false, "expected-crash", "still running: the domain should have crashed");
        reason = SHUTDOWN_poweroff;     /* the wrong outcome for rv_expect = "crash": the harness notices */
    } else {
        if (gi->passed == 0 && gi->failed == 0)
            check(false, "checks", "no check ran");
        reason = gi->failed ? SHUTDOWN_crash : SHUTDOWN_poweroff;
    }
    printf("%s: %u passed, %u failed, %u skipped\n", guest_name, (unsigned)gi->passed,
           (unsigned)gi->failed, (unsigned)gi->skipped);
    if (gi->hv_present) {
        printf("SCHEDOP_shutdown(%s)\n", reason == SHUTDOWN_poweroff ? "poweroff" : "crash");
        long rc = hv_shutdown(reason);
        printf("FAIL shutdown: SCHEDOP_shutdown returned %ld\n", rc);
        gi->failed++;
    }
    /* No hypervisor (plain QEMU), or the shutdown failed: QEMU's debug exit
     * (under Ringvisor port 0xf4 is an unclaimed port: ignored), and if
     * that does not end us, a triple fault, which ends QEMU -no-reboot and
     * crashes a Ringvisor domain. */
    uart_drain();
    outb(DEBUG_EXIT_PORT, gi->failed || gi->expect_crash ? DEBUG_EXIT_FAIL : DEBUG_EXIT_PASS);
    if (gi->hang_on_failure && gi->failed) {
        printf("%s: failed without hypercalls to report it: halting; the run fails by its time-out\n", guest_name);
        for (;;)
            asm volatile("cli; hlt");
    }
    triple_fault();
}

bool cmdline_has(const char *word)
{
    return cmdline_word_in(gi->cmdline, word);
}

uint32_t cmdline_uint(const char *key, uint32_t def)
{
    return (uint32_t)cmdline_uint_in(gi->cmdline, key, def);
}
