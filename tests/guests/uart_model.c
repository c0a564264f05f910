/*
 * uart_model: the domain's 16550A, register by register, by polling (no
 * interrupt is taken; IIR is read to see what the chip would raise).
 * Facts from the PC16550D data sheet.  Every check is also true of QEMU's
 * 16550A, so the guest can be checked in plain QEMU ("nohv").
 *
 * Printing goes through the same UART, so each test puts the chip back in
 * its normal state (no loopback, DLAB off) before it reports.
 *
 * With "input" on the command line: print "uart_model: waiting for input",
 * poll for one line (ended by CR or LF) and check that it reads
 * "ringvisor-input-test" (the console-input test types it).
 */
#include "guest.h"

#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define LSR_DR      0x01
#define LSR_OE      0x02
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define MCR_LOOP    0x10

static uint8_t rd(unsigned reg) { return inb(UART_BASE + reg); }
static void wr(unsigned reg, uint8_t v) { outb(UART_BASE + reg, v); }

/* Wait (bounded) until THR can take a byte: a real chip needs time. */
static void wait_thre(void)
{
    for (unsigned i = 0; i < 100000 && !(rd(LSR) & LSR_THRE); i++)
        pause();
}

static void normal_state(void)
{
    wr(MCR, 0x03);      /* DTR RTS, no loopback */
    wr(IER, 0);
    wr(FCR, 0x07);      /* FIFOs on and empty */
    wr(LCR, 0x03);      /* 8N1, DLAB off */
    while (rd(LSR) & LSR_DR)
        (void)rd(RBR);
}

static void test_scratch(void)
{
    wr(SCR, 0x5a);
    uint8_t a = rd(SCR);
    wr(SCR, 0xa5);
    uint8_t b = rd(SCR);
    check(a == 0x5a && b == 0xa5, "uart-scratch", "read %#x after 0x5a, %#x after 0xa5", a, b);
}

static void test_divisor(void)
{
    wr(IER, 0x05);
    wr(LCR, 0x83);                  /* DLAB: offsets 0 and 1 are the divisor */
    wr(DLL, 0x0c);
    wr(DLM, 0x34);
    uint8_t dll = rd(DLL), dlm = rd(DLM), lcr = rd(LCR);
    wr(LCR, 0x03);
    uint8_t ier = rd(IER);          /* untouched by the divisor writes */
    wr(IER, 0xff);
    uint8_t ier_hi = rd(IER);       /* bits 4-7 read 0 on a 16550A */
    wr(LCR, 0x83);
    uint8_t dll2 = rd(DLL);
    wr(DLL, 0x01);                  /* back to 115200 */
    wr(DLM, 0x00);
    normal_state();
    check(dll == 0x0c && dlm == 0x34 && dll2 == 0x0c && lcr == 0x83, "uart-divisor-latch",
          "DLL %#x DLM %#x (wrote 0x0c 0x34), DLL again %#x, LCR %#x", dll, dlm, dll2, lcr);
    check(ier == 0x05 && ier_hi == 0x0f, "uart-ier", "IER %#x (wrote 0x05), %#x after 0xff (want 0x0f)",
          ier, ier_hi);
}

/* Linux's 8250 probe: loopback connects RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static void test_loopback_modem(void)
{
    wr(MCR, MCR_LOOP | 0x0a);       /* RTS, OUT2 */
    uint8_t a = rd(MSR) & 0xf0;
    wr(MCR, MCR_LOOP | 0x05);       /* DTR, OUT1 */
    uint8_t b = rd(MSR) & 0xf0;
    wr(MCR, MCR_LOOP);
    uint8_t c = rd(MSR) & 0xf0;
    normal_state();
    check(a == 0x90 && b == 0x60 && c == 0x00, "uart-loopback-msr",
          "MSR high nibble %#x for RTS|OUT2 (want 0x90), %#x for DTR|OUT1 (0x60), %#x for none (0)", a, b, c);
}

static void test_loopback_fifo(void)
{
    uint8_t got[16], lsr_empty, lsr_one, one, lsr_after, lsr_full, lsr_ovr, lsr_ovr2, lsr_end, iir;
    bool order = true;

    wr(FCR, 0x07);
    iir = rd(IIR);
    wr(MCR, MCR_LOOP);
    lsr_empty = rd(LSR);
    wait_thre();
    wr(THR, 'A');
    lsr_one = rd(LSR);
    one = rd(RBR);
    lsr_after = rd(LSR);
    for (unsigned i = 0; i < 16; i++) {
        wait_thre();
        wr(THR, (uint8_t)(0x30 + i));
    }
    lsr_full = rd(LSR);
    wait_thre();
    wr(THR, 'X');                   /* the 17th: overrun, the FIFO keeps the first 16 */
    lsr_ovr = rd(LSR);
    lsr_ovr2 = rd(LSR);             /* OE clears on read */
    for (unsigned i = 0; i < 16; i++) {
        got[i] = rd(RBR);
        order &= got[i] == 0x30 + i;
    }
    lsr_end = rd(LSR);
    normal_state();
    check((iir & 0xc0) == 0xc0, "uart-fifo-enabled", "IIR %#x after FCR 0x07: bits 7:6 should be set", iir);
    check(!(lsr_empty & LSR_DR) && (lsr_one & LSR_DR) && one == 'A' && !(lsr_after & LSR_DR),
          "uart-loopback-data", "LSR %#x before, %#x after sending 'A'; RBR %#x; LSR %#x after reading",
          lsr_empty, lsr_one, one, lsr_after);
    check((lsr_full & (LSR_DR | LSR_OE)) == LSR_DR && (lsr_ovr & LSR_OE) && !(lsr_ovr2 & LSR_OE),
          "uart-overrun", "LSR %#x with 16 bytes, %#x after the 17th (OE wanted), %#x on the next read",
          lsr_full, lsr_ovr, lsr_ovr2);
    check(order && !(lsr_end & LSR_DR), "uart-fifo-order", "16 bytes read back as %#x %#x .. %#x, LSR %#x after",
          got[0], got[1], got[15], lsr_end);
    check((lsr_end & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT), "uart-lsr-idle",
          "LSR %#x: THRE and TEMT should be set when idle", lsr_end);
}

/* FIFOs off (16450 mode): one holding register, a second byte overwrites it. */
static void test_no_fifo(void)
{
    wr(FCR, 0x00);
    uint8_t iir = rd(IIR);
    wr(MCR, MCR_LOOP);
    wait_thre();
    wr(THR, 'x');
    wait_thre();
    wr(THR, 'y');
    uint8_t lsr = rd(LSR);
    uint8_t v = rd(RBR);
    uint8_t lsr2 = rd(LSR);
    normal_state();
    check((iir & 0xc0) == 0 && (lsr & (LSR_DR | LSR_OE)) == (LSR_DR | LSR_OE) && v == 'y' && !(lsr2 & LSR_DR),
          "uart-16450-mode", "IIR %#x (FIFO bits should be 0), LSR %#x (DR+OE), RBR %#x (want 'y'), LSR %#x",
          iir, lsr, v, lsr2);
}

/* What IIR reports, in the data sheet's priority order. */
static void test_iir(void)
{
    wr(FCR, 0x47);                  /* FIFOs on, trigger level 4 */
    wr(IER, 0x02);                  /* THR empty */
    uint8_t thre = rd(IIR);
    uint8_t thre_again = rd(IIR);   /* reading IIR cleared it */
    wr(IER, 0x00);
    wr(IER, 0x02);
    uint8_t rearmed = rd(IIR);
    wr(MCR, MCR_LOOP);
    wr(IER, 0x03);                  /* + received data */
    for (unsigned i = 0; i < 4; i++) {
        wait_thre();
        wr(THR, (uint8_t)('a' + i));
    }
    uint8_t rda = rd(IIR);          /* data at the trigger level beats THR empty */
    for (unsigned i = 0; i < 4; i++)
        (void)rd(RBR);
    wr(IER, 0x04);                  /* line status */
    for (unsigned i = 0; i < 17; i++) {
        wait_thre();
        wr(THR, 'z');
    }
    uint8_t rls = rd(IIR);
    (void)rd(LSR);
    uint8_t rls_gone = rd(IIR);
    normal_state();
    uint8_t none = rd(IIR);
    check(thre == 0xc2 && thre_again == 0xc1 && rearmed == 0xc2, "uart-iir-thre",
          "IIR %#x after enabling THRE (want 0xc2), %#x on the next read (0xc1), %#x re-enabled (0xc2)",
          thre, thre_again, rearmed);
    check(rda == 0xc4, "uart-iir-rda", "IIR %#x with 4 bytes at trigger level 4 (want 0xc4)", rda);
    check(rls == 0xc6 && rls_gone == 0xc1, "uart-iir-rls", "IIR %#x after an overrun (want 0xc6), %#x after "
          "reading LSR (0xc1)", rls, rls_gone);
    check(none == 0xc1, "uart-iir-idle", "IIR %#x with interrupts off (want 0xc1)", none);
}

static void wait_for_input(void)
{
    char line[64];
    unsigned n = 0;

    printf("uart_model: waiting for input\n");
    /* Bounded: about a minute of polling on a slow emulator. */
    for (uint32_t spins = 0; spins < 400000000u; spins++) {
        if (!(rd(LSR) & LSR_DR)) {
            pause();
            continue;
        }
        char c = (char)rd(RBR);
        if (c == '\r' || c == '\n') {
            if (n)
                break;
            continue;
        }
        if (n < sizeof(line) - 1)
            line[n++] = c;
    }
    line[n] = 0;
    printf("uart_model: got '%s'\n", line);
    check(strcmp(line, "ringvisor-input-test") == 0, "uart-input", "read '%s' (%u bytes), expected "
          "'ringvisor-input-test'", line, n);
}

void test_main(void)
{
    if (!hv_require() && !gi->nohv)
        return;
    normal_state();
    if (cmdline_has("input")) {
        wait_for_input();
        return;
    }
    test_scratch();
    test_divisor();
    test_loopback_modem();
    test_loopback_fifo();
    test_no_fifo();
    test_iir();
}
