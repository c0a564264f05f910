/* AP start-up through INIT-SIPI-SIPI (smp.h). */
#include "guest.h"
#include "smp.h"

#define LAPIC_BASE      0xfee00000u
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define ICR_BUSY        (1u << 12)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

extern const char ap_tramp_start[], ap_tramp_end[];

static volatile uint32_t *lapic(unsigned reg) { return (volatile uint32_t *)(LAPIC_BASE + reg); }

static void icr_send(uint32_t lo)
{
    *lapic(LAPIC_ICR_HI) = 0;
    *lapic(LAPIC_ICR_LO) = lo;
    for (unsigned i = 0; i < 1000000 && (*lapic(LAPIC_ICR_LO) & ICR_BUSY); i++)
        asm volatile("pause");
}

/* Microseconds since some start: the guest clock when the hypervisor gives
 * the TSC rate, else TSC cycles over an assumed 3 GHz upper bound (plain
 * QEMU: every wait is then at least as long as asked, never shorter; and
 * without the rate clock_ns() would scale the TSC by 10^6 and wrap). */
static uint64_t now_us(void)
{
    return clock_available() ? clock_ns() / 1000 : rdtsc() / 3000;
}

static void delay_us(uint64_t us)
{
    uint64_t until = now_us() + us;
    while (now_us() < until)
        asm volatile("pause");
}

unsigned smp_start_aps(unsigned expect, unsigned timeout_ms, uint8_t *seen)
{
    volatile uint16_t *count = (volatile uint16_t *)AP_COUNT_ADDR;
    volatile uint8_t *marks = (volatile uint8_t *)AP_SEEN_ADDR;

    memcpy((void *)AP_TRAMP_BASE, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    *count = 0;
    for (unsigned i = 0; i < AP_MAX_ID; i++)
        marks[i] = 0;
    *lapic(LAPIC_SVR) = 0x1ff;                  /* software-enable the LAPIC, spurious vector 0xff */
    /* The universal start-up algorithm: INIT (assert), 10 ms, then two
     * STARTUP IPIs 200 us apart (SDM vol. 3, 9.4.4.1). */
    icr_send(ICR_ALL_BUT_SELF | ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    delay_us(10000);
    for (int i = 0; i < 2; i++) {
        icr_send(ICR_ALL_BUT_SELF | ICR_STARTUP | (AP_TRAMP_BASE >> 12));
        delay_us(200);
    }
    uint64_t until = now_us() + (uint64_t)timeout_ms * 1000;
    while (*count < expect && now_us() < until) {
        if (gi->hv_present)
            hv_sched_yield();           /* let a vCPU sharing our CPU run */
        else
            asm volatile("pause");
    }
    /* A little longer: an AP that runs the trampoline twice shows up here. */
    delay_us(20000);
    for (unsigned i = 0; i < AP_MAX_ID; i++)
        seen[i] = marks[i];
    return *count;
}
