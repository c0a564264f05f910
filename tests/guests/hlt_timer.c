/*
 * hlt_timer: HLT with interrupts enabled blocks the vCPU until the deadline
 * set with set_timer_op (guest-abi: HLT waits for the timer or another
 * event).  The guest's TSC-based clock must show at least the 10 ms it
 * asked for when it wakes; a timer that never fires leaves the guest
 * halted, which the harness's timeout reports.
 */
#include "guest.h"

#define WAIT_NS 10000000ull     /* 10 ms */

void test_main(void)
{
    if (!hv_require())
        return;
    if (!check(clock_available(), "clock", "no TSC frequency from CPUID 0x40000003"))
        return;

    uint64_t t0 = clock_ns(), deadline = t0 + WAIT_NS;
    long rc = hv_set_timer(deadline);
    check(rc == 0, "set_timer", "set_timer_op(%llu) returned %ld", (unsigned long long)deadline, rc);
    uint32_t irqs = gi->irq_count;
    sti_hlt_cli();
    uint64_t waited = clock_ns() - t0;
    check(waited >= WAIT_NS, "hlt-until-deadline", "HLT returned after %llu us, before the %llu us deadline",
          (unsigned long long)(waited / 1000), WAIT_NS / 1000);
    printf("note: HLT woke after %llu us; %u interrupt(s) delivered (last vector %u)\n",
           (unsigned long long)(waited / 1000), (unsigned)(gi->irq_count - irqs), (unsigned)gi->irq_last);

    /* A deadline already in the past fires at once: if it does not, the
     * guest stays halted and the harness's timeout reports it. */
    rc = hv_set_timer(clock_ns() - 1000000);
    check(rc == 0, "set_timer-past", "set_timer_op(past deadline) returned %ld", rc);
    sti_hlt_cli();
    printf("note: HLT with a past deadline returned after %llu us\n",
           (unsigned long long)((clock_ns() - t0 - waited) / 1000));
}
