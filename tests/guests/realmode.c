/*
 * realmode: the guest drops to 16-bit real mode, prints through the UART
 * with port I/O (polled OUTB, then REP OUTSB), makes a far call, uses
 * segment arithmetic, and comes back to protected mode (realmode_rm.S).
 * A hypervisor must run real-mode code (SVM does natively; VMX needs
 * unrestricted guest or emulation) and decode 16-bit string I/O.
 */
#include "guest.h"

#define RM_BASE     0x10000u        /* as in realmode_rm.S */
#define RM_SCRATCH  0x20010u        /* 0x2000:0x0010 */

struct __attribute__((packed)) rm_results {
    uint16_t magic, msw, lsr, cs, far, si, cx, intax, intfl, int3, de, int40n;
};

extern char rm_start[], rm_end[], rm_results[], rm_msg2_end[];
void realmode_run(void);

void test_main(void)
{
    hv_require();
    memcpy((void *)RM_BASE, rm_start, (size_t)(rm_end - rm_start));
    *(volatile uint16_t *)RM_SCRATCH = 0;
    printf("realmode: switching to real mode, code at %#x (%u bytes)\n", RM_BASE, (unsigned)(rm_end - rm_start));
    uart_drain();
    realmode_run();
    printf("realmode: back in 32-bit protected mode\n");

    const struct rm_results *r = (const void *)(uintptr_t)(RM_BASE + (rm_results - rm_start));
    check(r->magic == 0x5a5a, "ran", "the real-mode code did not store its marker (%#x)", r->magic);
    check(!(r->msw & 1), "pe-clear", "SMSW in real mode gave %#x: PE still set", r->msw);
    check((r->lsr & 0xff) == 0x60, "port-in", "IN from LSR in real mode gave %#x, expected 0x60", r->lsr);
    check(r->far == 0x1234 && r->cs == RM_BASE / 16 - 0x10, "far-call",
          "far call: marker %#x, CS %#x inside (expected 0x1234, %#x)", r->far, r->cs, RM_BASE / 16 - 0x10);
    check(r->si == (uint16_t)(rm_msg2_end - rm_start) && r->cx == 0, "rep-outsb16",
          "after REP OUTSB: SI %#x CX %u, expected SI %#x CX 0", r->si, r->cx,
          (unsigned)(rm_msg2_end - rm_start));
    check(*(volatile uint16_t *)RM_SCRATCH == 0xbeef, "segment-arith", "0x2000:0x0010 (linear %#x) holds %#x",
          RM_SCRATCH, *(volatile uint16_t *)RM_SCRATCH);
    /* Real-mode interrupts through the IVT: the FLAGS image pushed is the
     * guest's (IOPL 0, as the caller had; bit 1 always set), not what a
     * hypervisor may run real mode with (virtual-8086 mode: IOPL 3, VM). */
    check(r->intax == 0x77 && r->int40n == 1, "int-n-ivt",
          "INT 0x40 through the IVT: handler saw AX %#x, ran %u times (expected 0x77, once)", r->intax, r->int40n);
    check((r->intfl & 0x3002) == 2, "int-flags", "FLAGS pushed by INT 0x40: %#x (IOPL must be 0, bit 1 set)",
          r->intfl);
    check(r->int3 == 1, "int3-ivt", "INT3 handler ran %u times, expected 1", r->int3);
    check(r->de == 1, "de-ivt", "#DE handler ran %u times, expected 1", r->de);
    check(read_cr0() & CR0_PE, "back-in-pm", "CR0 = %#lx after the return", read_cr0());
}
