/*
 * block_timer: SCHEDOP_block sleeps until an event; the timer set with
 * set_timer_op is one.  As hlt_timer, but through the hypercall, with
 * interrupts disabled in the guest (blocking is a scheduler operation, not
 * an interrupt wait).  Also: re-arming replaces the previous deadline.
 */
#include "guest.h"

#define MS 1000000ull

static void block_for(uint64_t ns, const char *name)
{
    uint64_t t0 = clock_ns();
    long rc = hv_set_timer(t0 + ns);
    long rb = hv_sched_block();
    uint64_t waited = clock_ns() - t0;
    check(rc == 0 && rb == 0 && waited >= ns, name,
          "set_timer_op returned %ld, SCHEDOP_block returned %ld after %llu us (deadline %llu us)", rc, rb,
          (unsigned long long)(waited / 1000), (unsigned long long)(ns / 1000));
    printf("note: %s: blocked %llu us for a %llu us deadline\n", name, (unsigned long long)(waited / 1000),
           (unsigned long long)(ns / 1000));
}

void test_main(void)
{
    if (!hv_require())
        return;
    if (!check(clock_available(), "clock", "no TSC frequency from CPUID 0x40000003"))
        return;

    block_for(10 * MS, "block-10ms");

    /* A later deadline replaces an earlier one: the 5 ms timer must not
     * wake the 20 ms block. */
    hv_set_timer(clock_ns() + 5 * MS);
    block_for(20 * MS, "rearm-replaces");
}
