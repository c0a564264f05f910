/*
 * The register model of a 16550A UART (National Semiconductor PC16550D data
 * sheet), without locking, interrupts wiring or console plumbing: those are
 * in vuart.c.  Pure state machine, so it is built for the host and tested
 * there too (tests/unit/test_vuart.c).
 *
 * Transmission is instantaneous: a byte written to THR leaves at once
 * (tx callback), so THR and the transmitter are always empty when the guest
 * looks (LSR.THRE and LSR.TEMT set), and each write re-arms the THRE
 * interrupt as the real chip does when its holding register empties.  In
 * loopback (MCR.LOOP) the byte goes to the receiver instead.
 *
 * Received bytes wait in a backlog (the "line") and move into the receive
 * FIFO (16 bytes, or a single holding register with FIFOs off) as the guest
 * reads: a pasted line longer than the FIFO is not lost while the guest's
 * interrupt handler drains it.  A byte arriving with the FIFO full in
 * loopback mode is dropped with LSR.OE set, as the chip's shift register
 * overrun.
 */
#ifndef RV_HVM_VUART_MODEL_H
#define RV_HVM_VUART_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_FIFO_SIZE     16
#define VUART_BACKLOG_SIZE  256     /* power of two */

/* Register offsets from the base port (data sheet table II). */
#define VUART_RBR 0     /* read, DLAB=0 */
#define VUART_THR 0     /* write, DLAB=0 */
#define VUART_DLL 0     /* DLAB=1 */
#define VUART_IER 1     /* DLAB=0 */
#define VUART_DLM 1     /* DLAB=1 */
#define VUART_IIR 2     /* read */
#define VUART_FCR 2     /* write */
#define VUART_LCR 3
#define VUART_MCR 4
#define VUART_LSR 5
#define VUART_MSR 6
#define VUART_SCR 7

#define VUART_IER_ERBFI 0x01    /* received data available */
#define VUART_IER_ETBEI 0x02    /* THR empty */
#define VUART_IER_ELSI  0x04    /* receiver line status */
#define VUART_IER_EDSSI 0x08    /* modem status */

#define VUART_IIR_NONE  0x01    /* bit 0 set: nothing pending */
#define VUART_IIR_MSI   0x00
#define VUART_IIR_THRI  0x02
#define VUART_IIR_RDI   0x04
#define VUART_IIR_RLSI  0x06
#define VUART_IIR_CTI   0x0c    /* character time-out (FIFO mode) */
#define VUART_IIR_FIFO  0xc0    /* FIFOs enabled */

#define VUART_FCR_ENABLE    0x01
#define VUART_FCR_CLR_RX    0x02
#define VUART_FCR_CLR_TX    0x04

#define VUART_LCR_DLAB  0x80

#define VUART_MCR_DTR   0x01
#define VUART_MCR_RTS   0x02
#define VUART_MCR_OUT1  0x04
#define VUART_MCR_OUT2  0x08
#define VUART_MCR_LOOP  0x10

#define VUART_LSR_DR    0x01
#define VUART_LSR_OE    0x02
#define VUART_LSR_THRE  0x20
#define VUART_LSR_TEMT  0x40

#define VUART_MSR_DCTS  0x01
#define VUART_MSR_DDSR  0x02
#define VUART_MSR_TERI  0x04
#define VUART_MSR_DDCD  0x08
#define VUART_MSR_CTS   0x10
#define VUART_MSR_DSR   0x20
#define VUART_MSR_RI    0x40
#define VUART_MSR_DCD   0x80

struct vuart_model {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    uint8_t fcr;                /* FIFO enable and trigger bits as last written */
    uint8_t lsr_err;            /* OE latched until LSR is read */
    uint8_t msr_delta;          /* DCTS/DDSR/TERI/DDCD, cleared by reading MSR */
    uint8_t msr_lines;          /* CTS/DSR/RI/DCD as the guest sees them now */
    bool thre_pending;          /* THRE interrupt armed (cleared by IIR read or THR write) */
    uint8_t rbr_last;           /* what RBR reads when nothing was received */
    uint8_t fifo[VUART_FIFO_SIZE];
    unsigned fifo_head, fifo_len;
    uint8_t backlog[VUART_BACKLOG_SIZE];
    unsigned backlog_head, backlog_len;
    uint64_t rx_dropped;        /* bytes lost to overruns or a full backlog */
    /* Called for every byte the guest transmits outside loopback mode. */
    void (*tx)(void *ctx, uint8_t byte);
    void *tx_ctx;
};

/* Power-on state (data sheet table IV: IER, FCR, LCR, MCR 0; LSR 0x60). */
void vuart_model_reset(struct vuart_model *m, void (*tx)(void *, uint8_t), void *tx_ctx);
uint8_t vuart_model_read(struct vuart_model *m, unsigned reg);
void vuart_model_write(struct vuart_model *m, unsigned reg, uint8_t val);
/* A byte from the outside world (the console); false when it was dropped. */
bool vuart_model_receive(struct vuart_model *m, uint8_t byte);
/* The INTR output as a PC wires it: an enabled interrupt pending, gated by
 * MCR.OUT2 (the IRQ driver enable of the PC/AT serial adapter) and off in
 * loopback, where the chip disconnects its outputs. */
bool vuart_model_irq(const struct vuart_model *m);
/* IIR without the side effects of reading it. */
uint8_t vuart_model_iir(const struct vuart_model *m);

#endif
