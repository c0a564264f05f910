/*
 * The 16550A UART at 0x3f8-0x3ff (IRQ 4) of each HVM domain: the register
 * model is vuart_model.c; this file wires it to the domain.  Output goes to
 * the hypervisor console one line at a time, prefixed with the domain's
 * name (vuart_putc, shared with the console_io hypercall and the PV console
 * ring: each source has its own line buffer, so lines of two sources are
 * never mixed, and a line is printed whole by one printk); input comes from
 * the console when this domain has the input focus (core/console.c); the
 * interrupt line drives ISA IRQ 4 through the virtual PIC and IOAPIC.
 *
 * Locking: vuart->lock guards the model and the level last driven on the
 * line.  Taken with IRQs off; after console_input_lock (input arrives under
 * it), before d->uart_lock (output) and before the interrupt controllers'
 * locks (hvm_isa_irq_set is called under it, so that two CPUs changing the
 * line cannot drive it in the wrong order).
 */
#include "hvm/hvm.h"
#include "hvm/platform.h"
#include "hvm/vuart_model.h"
#include "core/domain.h"
#include "core/domain_console.h"
#include "core/console.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define VUART_BASE  0x3f8
#define VUART_IRQ   4           /* COM1's ISA IRQ on every PC */

struct vuart {
    spinlock_t lock;
    struct vuart_model m;       /* (lock) */
    bool irq_level;             /* (lock) what the line carries now */
    struct domain *d;           /* (i) */
    struct console_sink sink;   /* (i) registered while the domain exists */
};

/* The model transmitted a byte (not in loopback). */
static void vuart_tx(void *ctx, uint8_t byte)
{
    struct domain *d = ctx;
    uint64_t f = spin_lock_irqsave(&d->uart_lock);
    domain_con_putc(d, DOM_CON_UART, (char)byte);
    spin_unlock_irqrestore(&d->uart_lock, f);
}

/* Drive IRQ 4 to what the model says; caller holds u->lock.  Only changes
 * are passed on: each one may kick a vCPU. */
static void vuart_update_irq(struct vuart *u)
{
    bool level = vuart_model_irq(&u->m);
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    hvm_isa_irq_set(u->d, VUART_IRQ, level);
}

/* Console input for this domain (console_input_lock held, IRQs off). */
static void vuart_console_put(struct console_sink *s, char c)
{
    struct vuart *u = (struct vuart *)((char *)s - offsetof(struct vuart, sink));
    spin_lock(&u->lock);
    vuart_model_receive(&u->m, (uint8_t)c);
    vuart_update_irq(u);
    spin_unlock(&u->lock);
}

int vuart_init(struct domain *d)
{
    struct vuart *u = xzalloc(sizeof(*u), HEAP_HVM);
    if (!u)
        return -ENOMEM;
    u->lock = (spinlock_t)SPINLOCK_INIT;
    u->d = d;
    vuart_model_reset(&u->m, vuart_tx, d);
    u->sink.domid = d->domid;
    u->sink.name = d->name;
    u->sink.put = vuart_console_put;
    d->plat->uart = u;
    console_sink_register(&u->sink);
    return 0;
}

void vuart_destroy(struct domain *d)
{
    struct vuart *u = d->plat ? d->plat->uart : NULL;
    if (!u)
        return;
    /* After this no console input reaches u (console.h). */
    console_sink_unregister(&u->sink);
    d->plat->uart = NULL;
    xfree(u);
}

bool vuart_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    if (port < VUART_BASE || port > VUART_BASE + 7)
        return false;
    unsigned reg = port - VUART_BASE;
    struct vuart *u = d->plat ? d->plat->uart : NULL;

    if (!u)
        return false;           /* platform not built yet (or torn down): nothing there */
    /* The registers are 8 bits wide: a wider access reaches the first one
     * only, the rest of the value reads as an empty bus would. */
    uint64_t f = spin_lock_irqsave(&u->lock);
    if (in)
        *val = (0xffffffffu << 8 & (0xffffffffu >> (32 - 8 * (size ? size : 1)))) |
               vuart_model_read(&u->m, reg);
    else
        vuart_model_write(&u->m, reg, (uint8_t)*val);
    vuart_update_irq(u);
    spin_unlock_irqrestore(&u->lock, f);
    return true;
}
