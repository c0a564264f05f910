/*
 * A minimal 16550 at 0x3f8-0x3ff for each HVM domain: enough for a guest to
 * print (polling LSR) and to probe the chip (scratch register, LCR).  Output
 * goes to the hypervisor console one line at a time, prefixed with the
 * domain's name.  Receive and interrupts come with the virtual platform.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/console.h"

#define VUART_BASE 0x3f8

void vuart_flush(struct domain *d)
{
    /* Caller holds d->uart_lock. */
    if (!d->uart_len)
        return;
    d->uart_line[d->uart_len] = 0;
    printk(LOG_INFO, "%s: %s\n", d->name, d->uart_line);
    d->uart_len = 0;
}

void vuart_putc(struct domain *d, char c)
{
    if (c == '\r')
        return;
    if (c == '\n') {
        vuart_flush(d);
        return;
    }
    /* Non-printable bytes are shown escaped, so a guest cannot send
     * terminal control sequences to the operator's console. */
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        c = '?';
    d->uart_line[d->uart_len++] = c;
    if (d->uart_len >= sizeof(d->uart_line) - 1)
        vuart_flush(d);
}

bool vuart_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    if (port < VUART_BASE || port > VUART_BASE + 7)
        return false;
    unsigned reg = port - VUART_BASE;
    bool dlab = d->uart_lcr & 0x80;
    uint64_t f = spin_lock_irqsave(&d->uart_lock);

    if (in) {
        uint8_t v = 0;
        switch (reg) {
        case 0: v = 0; break;                       /* RBR: nothing received */
        case 1: v = dlab ? 0 : d->uart_ier; break;
        case 2: v = 0xc1; break;                    /* IIR: no interrupt, FIFOs on */
        case 3: v = d->uart_lcr; break;
        case 4: v = d->uart_mcr; break;
        case 5: v = 0x60; break;                    /* LSR: THR empty, transmitter idle */
        case 6: v = 0xb0; break;                    /* MSR: CTS DSR DCD */
        case 7: v = d->uart_scratch; break;
        }
        *val = v;
    } else {
        uint8_t v = (uint8_t)*val;
        switch (reg) {
        case 0: if (!dlab) vuart_putc(d, (char)v); break;
        case 1: if (!dlab) d->uart_ier = v & 0x0f; break;
        case 3: d->uart_lcr = v; break;
        case 4: d->uart_mcr = v & 0x1f; break;
        case 7: d->uart_scratch = v; break;
        }
    }
    spin_unlock_irqrestore(&d->uart_lock, f);
    return true;
}
