/*
 * Host tests of the 16550A register model (src/hvm/vuart_model.c): what the
 * guest test (tests/guests/uart_model.c) cannot see portably -- MSR delta
 * bits, the interrupt output with OUT2 and loopback, the character time-out,
 * the input backlog -- plus a random register sequence that must never
 * break the model's invariants.
 */
#include "hvm/vuart_model.h"
#include "test.h"

static char txbuf[512];
static unsigned txlen;

static void tx(void *ctx, uint8_t b)
{
    (void)ctx;
    if (txlen < sizeof(txbuf))
        txbuf[txlen++] = (char)b;
}

static void fresh(struct vuart_model *m)
{
    txlen = 0;
    vuart_model_reset(m, tx, NULL);
}

static void test_reset_state(void)
{
    struct vuart_model m;
    fresh(&m);
    CHECK_EQ(vuart_model_read(&m, VUART_LSR), 0x60);
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0x01);
    CHECK_EQ(vuart_model_read(&m, VUART_IER), 0);
    CHECK_EQ(vuart_model_read(&m, VUART_MSR), 0xb0);    /* CTS DSR DCD, no deltas */
    CHECK(!vuart_model_irq(&m));
}

static void test_transmit(void)
{
    struct vuart_model m;
    fresh(&m);
    vuart_model_write(&m, VUART_THR, 'h');
    vuart_model_write(&m, VUART_THR, 'i');
    CHECK_EQ(txlen, 2);
    CHECK(txbuf[0] == 'h' && txbuf[1] == 'i');
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP);
    vuart_model_write(&m, VUART_THR, '!');
    CHECK_EQ(txlen, 2);                                  /* looped back, not sent */
    CHECK_EQ(vuart_model_read(&m, VUART_RBR), '!');
}

static void test_msr_deltas(void)
{
    struct vuart_model m;
    fresh(&m);
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP);   /* CTS DSR DCD drop */
    CHECK_EQ(vuart_model_read(&m, VUART_MSR), VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
    CHECK_EQ(vuart_model_read(&m, VUART_MSR), 0);        /* deltas clear on read */
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT1);
    CHECK_EQ(vuart_model_read(&m, VUART_MSR), VUART_MSR_RI);     /* no TERI on the rising edge */
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP);
    CHECK_EQ(vuart_model_read(&m, VUART_MSR), VUART_MSR_TERI);   /* trailing edge */
    /* Modem status interrupt: lowest priority, cleared by reading MSR. */
    vuart_model_write(&m, VUART_IER, VUART_IER_EDSSI);
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_RTS);
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0x00);
    (void)vuart_model_read(&m, VUART_MSR);
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0x01);
}

static void test_irq_line(void)
{
    struct vuart_model m;
    fresh(&m);
    vuart_model_write(&m, VUART_IER, VUART_IER_ERBFI);
    CHECK(vuart_model_receive(&m, 'k'));
    CHECK(!vuart_model_irq(&m));                         /* OUT2 off: the PC's IRQ driver is off */
    vuart_model_write(&m, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_DTR | VUART_MCR_RTS);
    CHECK(vuart_model_irq(&m));
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0x04);     /* 16450 mode: plain RDA */
    CHECK_EQ(vuart_model_read(&m, VUART_RBR), 'k');
    CHECK(!vuart_model_irq(&m));
    /* THRE: raised by enabling it, dropped by reading IIR, raised by a write. */
    vuart_model_write(&m, VUART_IER, VUART_IER_ETBEI);
    CHECK(vuart_model_irq(&m));
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0x02);
    CHECK(!vuart_model_irq(&m));
    vuart_model_write(&m, VUART_THR, 'x');
    CHECK(vuart_model_irq(&m));
    /* Loopback disconnects the output. */
    vuart_model_write(&m, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_LOOP);
    CHECK(!vuart_model_irq(&m));
}

static void test_fifo_timeout_and_trigger(void)
{
    struct vuart_model m;
    fresh(&m);
    vuart_model_write(&m, VUART_FCR, 0x81);              /* FIFO on, trigger 8 */
    vuart_model_write(&m, VUART_IER, VUART_IER_ERBFI);
    for (int i = 0; i < 7; i++)
        vuart_model_receive(&m, (uint8_t)('0' + i));
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0xcc);     /* below trigger: time-out */
    vuart_model_receive(&m, '7');
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0xc4);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(vuart_model_read(&m, VUART_RBR), '0' + i);
    CHECK_EQ(vuart_model_read(&m, VUART_IIR), 0xc1);
    CHECK_EQ(vuart_model_read(&m, VUART_LSR) & VUART_LSR_DR, 0);
}

/* A pasted line longer than the FIFO reaches the guest whole. */
static void test_backlog(void)
{
    struct vuart_model m;
    fresh(&m);
    vuart_model_write(&m, VUART_FCR, 0x01);
    const char *line = "a line much longer than sixteen bytes\n";
    for (const char *p = line; *p; p++)
        CHECK(vuart_model_receive(&m, (uint8_t)*p));
    char got[64];
    unsigned n = 0;
    while ((vuart_model_read(&m, VUART_LSR) & VUART_LSR_DR) && n < sizeof(got) - 1)
        got[n++] = (char)vuart_model_read(&m, VUART_RBR);
    got[n] = 0;
    CHECK_STR(got, line);
    CHECK_EQ(m.rx_dropped, 0);
    /* The backlog is bounded: the excess is dropped and counted. */
    for (int i = 0; i < VUART_BACKLOG_SIZE + VUART_FIFO_SIZE + 10; i++)
        vuart_model_receive(&m, 'q');
    CHECK_EQ(m.rx_dropped, 10);
    /* Clearing the FIFO keeps the line's bytes coming. */
    vuart_model_write(&m, VUART_FCR, 0x03);
    CHECK_EQ(m.fifo_len, VUART_FIFO_SIZE);
    CHECK_EQ(m.backlog_len, VUART_BACKLOG_SIZE - VUART_FIFO_SIZE);
    /* In loopback the line is disconnected. */
    vuart_model_write(&m, VUART_MCR, VUART_MCR_LOOP);
    CHECK(!vuart_model_receive(&m, 'z'));
}

/* Random register traffic: indices stay in range, LSR keeps THRE/TEMT,
 * IER never shows bits 4-7, IIR always has a valid identification. */
static void test_random(void)
{
    struct vuart_model m;
    fresh(&m);
    for (int i = 0; i < 200000; i++) {
        uint64_t r = t_rand();
        unsigned reg = r & 7;
        uint8_t val = (uint8_t)(r >> 8);
        switch ((r >> 16) % 4) {
        case 0:
            vuart_model_write(&m, reg, val);
            break;
        case 1:
            vuart_model_receive(&m, val);
            break;
        default: {
            uint8_t v = vuart_model_read(&m, reg);
            if (reg == VUART_LSR && (v & 0x60) != 0x60) {
                CHECK_EQ(v & 0x60, 0x60);
                return;
            }
            break;
        }
        }
        uint8_t iir = vuart_model_iir(&m);
        unsigned id = iir & 0x0f;
        if (!(id == 1 || id == 0 || id == 2 || id == 4 || id == 6 || id == 0xc) || m.fifo_len > VUART_FIFO_SIZE ||
            m.backlog_len > VUART_BACKLOG_SIZE || m.ier > 0x0f) {
            CHECK(!"model invariant broken");
            return;
        }
    }
}

int main(void)
{
    RUN(test_reset_state);
    RUN(test_transmit);
    RUN(test_msr_deltas);
    RUN(test_irq_line);
    RUN(test_fifo_timeout_and_trigger);
    RUN(test_backlog);
    RUN(test_random);
    return t_finish("unit_vuart");
}
