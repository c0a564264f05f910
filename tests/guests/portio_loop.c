/*
 * portio_loop: benchmark of port I/O exits.  N reads of the UART's LSR
 * (cmdline "n=N", default 100000), each intercepted and emulated; prints the
 * TSC-measured time per operation.  Every read must give 0x60 (guest-abi).
 */
#include "guest.h"

#define UART_LSR (UART_BASE + 5)

void test_main(void)
{
    uint32_t n = cmdline_uint("n", 100000), bad = 0;
    uint8_t last = 0x60;

    hv_require();
    uart_drain();
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        uint8_t v = inb(UART_LSR);
        if (v != 0x60)
            bad++, last = v;
    }
    uint64_t t1 = rdtsc();
    check(bad == 0, "lsr-stable", "%u of %u LSR reads were not 0x60 (last %#x)", bad, n, last);
    uint64_t cycles = (t1 - t0) / (n ? n : 1);
    if (clock_available())
        printf("portio_loop: %u INB in %llu us: %llu ns per INB (%llu TSC cycles)\n", n,
               (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / 1000),
               (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / (n ? n : 1)), (unsigned long long)cycles);
    else
        printf("portio_loop: %u INB: %llu TSC cycles per INB (TSC frequency unknown)\n", n,
               (unsigned long long)cycles);
}
