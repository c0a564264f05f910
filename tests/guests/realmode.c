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
    uint16_t magic, msw, lsr, cs, far, si, cx;
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
    check(read_cr0() & CR0_PE, "back-in-pm", "CR0 = %#lx after the return", read_cr0());
}
