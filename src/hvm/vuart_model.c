/*
 * 16550A register model (see vuart_model.h).  Register behaviour follows the
 * PC16550D data sheet (National Semiconductor, June 1995): section 8 for the
 * registers, table IV for the reset values, table V for the IIR priorities.
 */
#include "hvm/vuart_model.h"

/* Modem inputs when not in loopback: a terminal is attached and ready
 * (CTS, DSR, DCD asserted, no ring). */
#define MSR_LINES_CONNECTED (VUART_MSR_CTS | VUART_MSR_DSR | VUART_MSR_DCD)

static bool fifo_enabled(const struct vuart_model *m)
{
    return m->fcr & VUART_FCR_ENABLE;
}

/* With FIFOs off the receiver has a single holding register (16450 mode). */
static unsigned rx_capacity(const struct vuart_model *m)
{
    return fifo_enabled(m) ? VUART_FIFO_SIZE : 1;
}

/* FCR bits 7:6 select the receive FIFO trigger level (data sheet 8.4). */
static unsigned rx_trigger(const struct vuart_model *m)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[m->fcr >> 6];
}

/* A byte completely received: into the FIFO, or an overrun.  In FIFO mode
 * the FIFO keeps its contents and the new byte is lost; in 16450 mode the
 * holding register is overwritten (data sheet 8.6.3, LSR bit 1). */
static void rx_store(struct vuart_model *m, uint8_t byte)
{
    if (m->fifo_len < rx_capacity(m)) {
        m->fifo[(m->fifo_head + m->fifo_len) % VUART_FIFO_SIZE] = byte;
        m->fifo_len++;
        return;
    }
    m->lsr_err |= VUART_LSR_OE;
    m->rx_dropped++;
    if (!fifo_enabled(m))
        m->fifo[m->fifo_head] = byte;
}

/* Move waiting bytes from the line into the receiver while it has room. */
static void rx_refill(struct vuart_model *m)
{
    if (m->mcr & VUART_MCR_LOOP)
        return;                 /* the line is disconnected in loopback */
    while (m->backlog_len && m->fifo_len < rx_capacity(m)) {
        rx_store(m, m->backlog[m->backlog_head]);
        m->backlog_head = (m->backlog_head + 1) % VUART_BACKLOG_SIZE;
        m->backlog_len--;
    }
}

static void rx_clear(struct vuart_model *m)
{
    m->fifo_head = 0;
    m->fifo_len = 0;
}

/* New modem input levels; record the delta bits the MSR reports (data
 * sheet 8.8: DCTS/DDSR/DDCD on any change, TERI when RI goes inactive). */
static void set_msr_lines(struct vuart_model *m, uint8_t lines)
{
    uint8_t changed = m->msr_lines ^ lines;

    if (changed & VUART_MSR_CTS)
        m->msr_delta |= VUART_MSR_DCTS;
    if (changed & VUART_MSR_DSR)
        m->msr_delta |= VUART_MSR_DDSR;
    if (changed & VUART_MSR_DCD)
        m->msr_delta |= VUART_MSR_DDCD;
    if ((m->msr_lines & VUART_MSR_RI) && !(lines & VUART_MSR_RI))
        m->msr_delta |= VUART_MSR_TERI;
    m->msr_lines = lines;
}

/* In loopback the four modem control outputs drive the four modem status
 * inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (data sheet 8.7, bit 4). */
static uint8_t msr_lines_for(uint8_t mcr)
{
    if (!(mcr & VUART_MCR_LOOP))
        return MSR_LINES_CONNECTED;
    uint8_t l = 0;
    if (mcr & VUART_MCR_RTS)
        l |= VUART_MSR_CTS;
    if (mcr & VUART_MCR_DTR)
        l |= VUART_MSR_DSR;
    if (mcr & VUART_MCR_OUT1)
        l |= VUART_MSR_RI;
    if (mcr & VUART_MCR_OUT2)
        l |= VUART_MSR_DCD;
    return l;
}

void vuart_model_reset(struct vuart_model *m, void (*tx)(void *, uint8_t), void *tx_ctx)
{
    *m = (struct vuart_model){ 0 };
    m->tx = tx;
    m->tx_ctx = tx_ctx;
    m->dll = 1;                 /* 115200 baud; the data sheet leaves it undefined */
    m->msr_lines = MSR_LINES_CONNECTED;
}

uint8_t vuart_model_iir(const struct vuart_model *m)
{
    uint8_t fifo = fifo_enabled(m) ? VUART_IIR_FIFO : 0;

    /* Priority order of table V: line status, received data (or its
     * time-out), THR empty, modem status. */
    if ((m->ier & VUART_IER_ELSI) && m->lsr_err)
        return fifo | VUART_IIR_RLSI;
    if ((m->ier & VUART_IER_ERBFI) && m->fifo_len) {
        /* Below the trigger level the chip reports a character time-out
         * after four character times without FIFO activity.  Transmission
         * here takes no time at all, so neither does that wait: the guest
         * learns about a lone keystroke at once. */
        if (fifo_enabled(m) && m->fifo_len < rx_trigger(m))
            return fifo | VUART_IIR_CTI;
        return fifo | VUART_IIR_RDI;
    }
    if ((m->ier & VUART_IER_ETBEI) && m->thre_pending)
        return fifo | VUART_IIR_THRI;
    if ((m->ier & VUART_IER_EDSSI) && m->msr_delta)
        return fifo | VUART_IIR_MSI;
    return fifo | VUART_IIR_NONE;
}

bool vuart_model_irq(const struct vuart_model *m)
{
    if ((m->mcr & VUART_MCR_LOOP) || !(m->mcr & VUART_MCR_OUT2))
        return false;
    return !(vuart_model_iir(m) & VUART_IIR_NONE);
}

uint8_t vuart_model_read(struct vuart_model *m, unsigned reg)
{
    bool dlab = m->lcr & VUART_LCR_DLAB;
    uint8_t v = 0;

    switch (reg & 7) {
    case VUART_RBR:
        if (dlab)
            return m->dll;
        if (m->fifo_len) {
            m->rbr_last = m->fifo[m->fifo_head];
            m->fifo_head = (m->fifo_head + 1) % VUART_FIFO_SIZE;
            m->fifo_len--;
            rx_refill(m);
        }
        return m->rbr_last;
    case VUART_IER:
        return dlab ? m->dlm : m->ier;
    case VUART_IIR:
        v = vuart_model_iir(m);
        /* Reading IIR while it reports THR empty clears that interrupt
         * (data sheet table V, "reset control"). */
        if ((v & 0x0f) == VUART_IIR_THRI)
            m->thre_pending = false;
        return v;
    case VUART_LCR:
        return m->lcr;
    case VUART_MCR:
        return m->mcr;
    case VUART_LSR:
        v = VUART_LSR_THRE | VUART_LSR_TEMT | m->lsr_err;
        if (m->fifo_len)
            v |= VUART_LSR_DR;
        m->lsr_err = 0;         /* error bits clear on read */
        return v;
    case VUART_MSR:
        v = m->msr_lines | m->msr_delta;
        m->msr_delta = 0;
        return v;
    default:
        return m->scr;
    }
}

void vuart_model_write(struct vuart_model *m, unsigned reg, uint8_t val)
{
    bool dlab = m->lcr & VUART_LCR_DLAB;

    switch (reg & 7) {
    case VUART_THR:
        if (dlab) {
            m->dll = val;
            return;
        }
        if (m->mcr & VUART_MCR_LOOP)
            rx_store(m, val);   /* the transmitter feeds the receiver */
        else if (m->tx)
            m->tx(m->tx_ctx, val);
        /* The byte left at once: THR is empty again and says so. */
        m->thre_pending = true;
        return;
    case VUART_IER:
        if (dlab) {
            m->dlm = val;
            return;
        }
        /* Enabling the THRE interrupt while THR is empty raises it at once:
         * drivers (Linux's 8250 among them) start transmitting that way and
         * check for it at start-up. */
        if (!(m->ier & VUART_IER_ETBEI) && (val & VUART_IER_ETBEI))
            m->thre_pending = true;
        m->ier = val & 0x0f;    /* bits 4-7 are always 0 on the 16550A */
        return;
    case VUART_FCR: {
        /* Changing FCR0 (FIFO enable) clears both FIFOs (data sheet 8.4). */
        bool was = fifo_enabled(m);
        m->fcr = val & (VUART_FCR_ENABLE | 0xc0);
        if (was != fifo_enabled(m) || (val & VUART_FCR_CLR_RX))
            rx_clear(m);
        rx_refill(m);
        return;
    }
    case VUART_LCR:
        m->lcr = val;
        return;
    case VUART_MCR:
        m->mcr = val & 0x1f;
        set_msr_lines(m, msr_lines_for(m->mcr));
        rx_refill(m);           /* out of loopback: the line may have bytes waiting */
        return;
    case VUART_LSR:
    case VUART_MSR:
        return;                 /* read-only (factory test use only) */
    default:
        m->scr = val;
        return;
    }
}

bool vuart_model_receive(struct vuart_model *m, uint8_t byte)
{
    /* In loopback the serial input is disconnected from the receiver. */
    if (m->mcr & VUART_MCR_LOOP) {
        m->rx_dropped++;
        return false;
    }
    if (!m->backlog_len && m->fifo_len < rx_capacity(m)) {
        rx_store(m, byte);
        return true;
    }
    if (m->backlog_len == VUART_BACKLOG_SIZE) {
        m->rx_dropped++;
        return false;
    }
    m->backlog[(m->backlog_head + m->backlog_len) % VUART_BACKLOG_SIZE] = byte;
    m->backlog_len++;
    return true;
}
