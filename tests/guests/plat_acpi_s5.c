/*
 * plat_acpi_s5: ACPI soft-off.  PM1a_CNT reads SCI_EN; writing SLP_TYP=5
 * without SLP_EN, or SLP_EN with SLP_TYP=0 (S0, not a sleep state), leaves
 * the guest running; SLP_TYP=5 | SLP_EN (the DSDT's \_S5) powers the
 * domain off.  The guest never reaches its own shutdown hypercall when
 * that works; if it is still running it reports FAIL and crashes.
 */
#include "plat.h"

#define SLP_EN      (1u << 13)
#define SLP_TYP(x)  ((unsigned)(x) << 10)

void test_main(void)
{
    if (!hv_require())
        return;
    uint16_t cnt = inw(PM1_CNT);
    check(cnt & 1, "pm1-sci-en", "PM1_CNT = %#x", cnt);
    outw(PM1_CNT, (uint16_t)(cnt | SLP_TYP(5)));
    outw(PM1_CNT, (uint16_t)(cnt | SLP_EN | SLP_TYP(0)));
    check(true, "s5-needs-slp-en", "unreachable");
    printf("note: writing SLP_TYP=5|SLP_EN: the domain must power off now\n");
    uart_drain();
    outw(PM1_CNT, (uint16_t)(SLP_TYP(5) | SLP_EN | 1));
    wait_ns(100000000ull);
    check(false, "s5", "still running 100 ms after SLP_TYP=5|SLP_EN");
}
