/*
 * A domain's console output: one line buffer per source (the emulated UART,
 * the console_io hypercall, the PV console ring), so that two sources never
 * share a line; each whole line goes to the hypervisor console with one
 * printk and the domain's name (docs/running-domains.md "Console output").
 * Kind-neutral: HVM's UART (hvm/vuart.c), the PV console back end
 * (core/pvconsole.c) and console_io of every kind of domain write here.
 */
#include "core/domain_console.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/pvconsole.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "public/console.h"

/* Caller holds d->uart_lock. */
static void flush_line(struct domain *d, struct dom_con_line *l)
{
    if (!l->len)
        return;
    l->buf[l->len] = 0;
    printk(LOG_INFO, "%s: %s\n", d->name, l->buf);
    l->len = 0;
}

void domain_con_flush(struct domain *d)
{
    for (unsigned i = 0; i < DOM_CON_NR; i++)
        flush_line(d, &d->con_line[i]);
}

void domain_con_putc(struct domain *d, unsigned stream, char c)
{
    struct dom_con_line *l = &d->con_line[stream < DOM_CON_NR ? stream : DOM_CON_UART];

    if (c == '\r')
        return;
    if (c == '\n') {
        flush_line(d, l);
        return;
    }
    /* Non-printable bytes are shown escaped, so a guest cannot send
     * terminal control sequences to the operator's console. */
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        c = '?';
    l->buf[l->len++] = c;
    /* A line longer than the buffer is shown in pieces, each a line. */
    if (l->len >= sizeof(l->buf) - 1)
        flush_line(d, l);
}

/* CONSOLEIO_write: the domain's console_io line (below).  Once the
 * guest has connected its PV console ring, that is its console and this
 * output is read (a bad pointer is still -EFAULT) and counted but not shown
 * (core/pvconsole.c). */
static long console_write(struct vcpu *v, uint64_t count, uint64_t buf)
{
    char chunk[128];
    uint64_t done = 0;
    bool hidden = pvconsole_connected(v->domain);

    /* Bounded per call; the guest sees how much was written. */
    if (count > 4096)
        count = 4096;
    while (done < count) {
        size_t n = MIN(sizeof(chunk), count - done);
        if (copy_from_guest(v, chunk, buf + done, n))
            return done ? (long)done : -EFAULT;
        if (!hidden) {
            uint64_t f = spin_lock_irqsave(&v->domain->uart_lock);
            for (size_t i = 0; i < n; i++)
                domain_con_putc(v->domain, DOM_CON_IO, chunk[i]);
            spin_unlock_irqrestore(&v->domain->uart_lock, f);
        }
        done += n;
    }
    return (long)done;
}

long console_io(struct vcpu *v, unsigned cmd, uint64_t count, uint64_t buf)
{
    /* CONSOLEIO_read (1): the initial domain's hvc0 polls it; no input is
     * switched to dom0 yet, so there is never anything to read. */
    if (cmd == 1 && domain_is_privileged(v->domain))
        return 0;
    return cmd == CONSOLEIO_write ? console_write(v, count, buf) : -ENOSYS;
}
