/*
 * Guest system time from the TSC.  Ringvisor's guest ABI: the guest TSC
 * runs at the host rate, CPUID 0x40000003 EAX gives that rate in kHz, and
 * set_timer_op deadlines are in ns of TSC * 1000000 / kHz (no offset).
 */
#include "guest.h"

bool clock_available(void)
{
    return gi->tsc_khz != 0;
}

uint64_t tsc_to_ns(uint64_t tsc)
{
    uint64_t khz = gi->tsc_khz ? gi->tsc_khz : 1;
    /* Split so that tsc * 1000000 cannot overflow (it would after a few
     * hours of uptime at GHz rates). */
    return tsc / khz * 1000000 + tsc % khz * 1000000 / khz;
}

uint64_t clock_ns(void)
{
    return tsc_to_ns(rdtsc());
}
