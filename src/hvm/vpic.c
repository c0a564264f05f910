/*
 * The cascaded pair of 8259A programmable interrupt controllers of the PC
 * (Intel 8259A datasheet, order no. 231468): master at 0x20/0x21 with the
 * slave on its input 2, slave at 0xA0/0xA1, and the PIIX edge/level control
 * registers (ELCR) at 0x4D0/0x4D1.  The master's INTR output goes to vCPU0
 * (hvm/intr.c asks vpic_pending() and does the INTA cycle with vpic_ack()).
 *
 * Modelled: the ICW1-ICW4 initialization sequence, OCW1 (IMR), OCW2
 * (non-specific/specific EOI, rotate on EOI, rotate in automatic-EOI mode,
 * set priority), OCW3 (read IRR/ISR, poll, special mask mode), automatic
 * EOI, special fully nested mode on the master, edge or level inputs per
 * ELCR (or ICW1.LTIM), rotating priorities and the spurious IRQ7/IRQ15
 * answer of an INTA that finds no request.
 *
 * Not modelled: MCS-80/85 mode (ICW4 bit 0 = 0 is treated as 8086 mode;
 * guests on a PC always select 8086 mode), buffered mode (no effect on a
 * bus-less model), cascade addresses other than "slave on master input 2".
 *
 * Edge-triggered inputs: the 8259A wants the request held until the first
 * INTA; here a rising edge is latched in IRR until it is acknowledged, so
 * that a device may pulse its line (hvm_isa_irq_pulse).
 */
#include "hvm/platform.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/errno.h"

/* ELCR bits that must stay edge: IRQ 0, 1, 2 on the master; IRQ 8 and 13
 * on the slave (PIIX datasheet, ELCR1/ELCR2). */
#define ELCR_MASK_MASTER    0xf8
#define ELCR_MASK_SLAVE     0xde

#define ICW1_IC4            0x01
#define ICW1_SNGL           0x02
#define ICW1_LTIM           0x08
#define ICW1_INIT           0x10
#define ICW4_AEOI           0x02
#define ICW4_SFNM           0x10
#define OCW3_RIS            0x01
#define OCW3_RR             0x02
#define OCW3_P              0x04
#define OCW3_SMM            0x20
#define OCW3_ESMM           0x40

struct vpic_chip {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register */
    uint8_t elcr;           /* 1 = level-triggered input */
    uint8_t lines;          /* current input levels (for edge detection) */
    uint8_t base;           /* ICW2: vector of input 0 (bits 7:3) */
    uint8_t lowest;         /* input with the lowest priority (rotation) */
    uint8_t icw3;           /* stored, not used beyond reads of nothing */
    uint8_t init_step;      /* 0 = operational; 2, 3, 4 = next ICW expected */
    bool icw4_needed, single, ltim, aeoi, rotate_aeoi, sfnm, special_mask;
    bool read_isr;          /* OCW3: reads of the even port return ISR */
    bool poll;              /* OCW3: the next read of the even port is a poll */
};

/*
 * Per-domain 8259 pair.
 * (i) set in vpic_init; (l) guarded by lock.
 * Lock order: lock is a leaf; nothing else is called while holding it
 * (vCPU kicks happen after it is released).  Taken from the port-I/O
 * path, the interrupt-injection path and device timers (softirq).
 */
struct vpic {
    spinlock_t lock;
    struct domain *d;               /* (i) */
    struct vpic_chip chip[2];       /* (l) 0 = master, 1 = slave */
};

static struct vpic *pic_of(struct domain *d)
{
    return d->plat ? d->plat->pic : NULL;
}

/* Priority rank of input irq: 0 = highest. */
static unsigned rank(const struct vpic_chip *c, unsigned irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* Highest-priority input set in mask, or -1. */
static int highest(const struct vpic_chip *c, uint8_t mask)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned irq = (c->lowest + 1 + i) & 7;
        if (mask & (1u << irq))
            return (int)irq;
    }
    return -1;
}

/* Requests of a chip, including the slave's output on master input 2
 * (followed as a level, not latched). */
static uint8_t requests(const struct vpic *p, unsigned n)
{
    uint8_t r = p->chip[n].irr;
    if (n == 0 && !p->chip[0].single) {
        const struct vpic_chip *s = &p->chip[1];
        r &= ~(1u << 2);
        /* The slave's INTR is evaluated without the master's view. */
        uint8_t sm = s->irr & ~s->imr;
        int sirq = highest(s, sm);
        if (sirq >= 0) {
            uint8_t sisr = s->special_mask ? (uint8_t)(s->isr & ~s->imr) : s->isr;
            int cur = highest(s, sisr);
            if (cur < 0 || rank(s, (unsigned)sirq) < rank(s, (unsigned)cur))
                r |= 1u << 2;
        }
    }
    return r;
}

/* The input a chip would present on INTA now, or -1 (its INTR is low). */
static int chip_pending(const struct vpic *p, unsigned n)
{
    const struct vpic_chip *c = &p->chip[n];
    int irq = highest(c, requests(p, n) & ~c->imr);
    if (irq < 0)
        return -1;
    uint8_t blocking = c->isr;
    if (c->special_mask)
        blocking &= ~c->imr;        /* special mask mode: masked levels do not block others */
    if (n == 0 && c->sfnm)
        blocking &= ~(1u << 2);     /* special fully nested: the slave may interrupt its own ISR */
    int cur = highest(c, blocking);
    if (cur >= 0 && rank(c, (unsigned)cur) <= rank(c, (unsigned)irq))
        return -1;
    return irq;
}

static bool intr_high(const struct vpic *p)
{
    return chip_pending(p, 0) >= 0;
}

static void kick_if_rose(struct vpic *p, bool before, bool after)
{
    if (!before && after && p->d->nr_vcpus)
        hvm_vcpu_kick(p->d->vcpus[0]);
}

static bool is_level(const struct vpic_chip *c, unsigned irq)
{
    return c->ltim || (c->elcr & (1u << irq));
}

void vpic_set_irq(struct domain *d, unsigned irq, bool high)
{
    struct vpic *p = pic_of(d);
    if (!p || irq >= 16 || (irq == 2))
        return;     /* input 2 of the master is the cascade, driven by the slave */
    struct vpic_chip *c = &p->chip[irq >> 3];
    unsigned bit = 1u << (irq & 7);
    uint64_t f = spin_lock_irqsave(&p->lock);
    bool before = intr_high(p);

    if (is_level(c, irq & 7)) {
        if (high)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (high && !(c->lines & bit)) {
        c->irr |= bit;              /* rising edge */
    }
    if (high)
        c->lines |= bit;
    else
        c->lines &= ~bit;
    bool after = intr_high(p);
    spin_unlock_irqrestore(&p->lock, f);
    kick_if_rose(p, before, after);
}

/* INTA on one chip: IRR -> ISR (unless automatic EOI).  Returns the input,
 * or 7 for a spurious request (no ISR bit set, per the datasheet). */
static unsigned chip_ack(struct vpic *p, unsigned n)
{
    struct vpic_chip *c = &p->chip[n];
    int irq = chip_pending(p, n);
    if (irq < 0)
        return 7;
    unsigned bit = 1u << irq;
    if (!(n == 0 && irq == 2 && !c->single))
        c->irr &= ~bit;
    if (c->aeoi) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)irq;
    } else {
        c->isr |= bit;
    }
    /* A level input still asserted requests again at once; it is the ISR
     * bit (or, in AEOI mode, the device) that holds it off. */
    if (is_level(c, (unsigned)irq) && (c->lines & bit) && !(n == 0 && irq == 2))
        c->irr |= bit;
    return (unsigned)irq;
}

static int ack_locked(struct vpic *p)
{
    /* With no request left (it went away since vpic_pending), the master
     * answers the INTA with IRQ7's vector and sets no ISR bit. */
    unsigned irq = chip_ack(p, 0);
    if (irq == 2 && !p->chip[0].single) {
        unsigned sirq = chip_ack(p, 1);
        return p->chip[1].base + sirq;
    }
    return p->chip[0].base + irq;
}

int vpic_pending(struct domain *d)
{
    struct vpic *p = pic_of(d);
    if (!p)
        return -1;
    /* Runs before every VM entry of vCPU 0 while the 8259 drives its INTR:
     * with both IRRs empty nothing can be pending, and that needs no lock.
     * A request raised after this look comes with a kick (kick_if_rose),
     * whose IPI stays pending while host interrupts are off and makes the
     * entry exit at once; chip_ack's level re-request is vCPU 0's own. */
    if (!(__atomic_load_n(&p->chip[0].irr, __ATOMIC_RELAXED) | __atomic_load_n(&p->chip[1].irr, __ATOMIC_RELAXED)))
        return -1;
    uint64_t f = spin_lock_irqsave(&p->lock);
    int v = -1, irq = chip_pending(p, 0);
    if (irq == 2 && !p->chip[0].single) {
        int sirq = chip_pending(p, 1);
        v = p->chip[1].base + (sirq < 0 ? 7 : sirq);
    } else if (irq >= 0) {
        v = p->chip[0].base + irq;
    }
    spin_unlock_irqrestore(&p->lock, f);
    return v;
}

/* Always an INTA: a spurious one answers IRQ7 (or IRQ15 from the slave). */
int vpic_ack(struct domain *d)
{
    struct vpic *p = pic_of(d);
    if (!p)
        return -1;
    uint64_t f = spin_lock_irqsave(&p->lock);
    int v = ack_locked(p);
    spin_unlock_irqrestore(&p->lock, f);
    return v;
}

static void icw1(struct vpic_chip *c, uint8_t v)
{
    /* Datasheet, "Initialization Command Words": the edge sense circuit
     * is reset (an input must go low-to-high again), IMR is cleared, IR7
     * gets the lowest priority, special mask mode is cleared and status
     * read is set to IRR; without IC4 all ICW4 functions are zero. */
    c->irr = 0;
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    c->icw4_needed = v & ICW1_IC4;
    c->single = v & ICW1_SNGL;
    c->ltim = v & ICW1_LTIM;
    if (!c->icw4_needed) {
        c->aeoi = false;
        c->sfnm = false;
    }
    if (c->ltim)
        c->irr = c->lines;          /* level inputs are sampled, not edge-detected */
    c->init_step = 2;
}

static void ocw2(struct vpic_chip *c, uint8_t v)
{
    unsigned level = v & 7;
    int irq;

    switch (v >> 5) {
    case 1:     /* non-specific EOI */
    case 5:     /* rotate on non-specific EOI */
        irq = highest(c, c->isr);
        if (irq < 0)
            break;
        c->isr &= ~(1u << irq);
        if (v >> 5 == 5)
            c->lowest = (uint8_t)irq;
        break;
    case 3:     /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7:     /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6:     /* set priority */
        c->lowest = (uint8_t)level;
        break;
    case 4:     /* rotate in automatic EOI mode (set) */
        c->rotate_aeoi = true;
        break;
    case 0:     /* rotate in automatic EOI mode (clear) */
        c->rotate_aeoi = false;
        break;
    default:    /* 2: no operation */
        break;
    }
}

static void ocw3(struct vpic_chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->special_mask = v & OCW3_SMM;
    if (v & OCW3_RR)
        c->read_isr = v & OCW3_RIS;
    c->poll = v & OCW3_P;
}

static void write_port(struct vpic *p, unsigned n, bool odd, uint8_t v)
{
    struct vpic_chip *c = &p->chip[n];

    if (!odd) {
        if (v & ICW1_INIT)
            icw1(c, v);
        else if (v & 0x08)
            ocw3(c, v);
        else
            ocw2(c, v);
        return;
    }
    switch (c->init_step) {
    case 2:
        c->base = v & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->aeoi = v & ICW4_AEOI;
        c->sfnm = v & ICW4_SFNM;
        c->init_step = 0;
        break;
    default:
        c->imr = v;                 /* OCW1 */
        break;
    }
}

static uint8_t read_port(struct vpic *p, unsigned n, bool odd)
{
    struct vpic_chip *c = &p->chip[n];

    if (odd)
        return c->imr;
    if (c->poll) {
        /* Poll command: the read acts as an INTA on this chip; bit 7 says
         * whether there was a request, bits 2:0 which input. */
        c->poll = false;
        if (chip_pending(p, n) < 0)
            return 0;
        return (uint8_t)(0x80 | chip_ack(p, n));
    }
    return c->read_isr ? c->isr : requests(p, n);
}

/* One byte at one port; false when the port is not ours. */
static bool io_byte(struct vpic *p, uint16_t port, bool in, uint8_t *v)
{
    unsigned n;
    switch (port) {
    case 0x20: case 0x21: n = 0; break;
    case 0xa0: case 0xa1: n = 1; break;
    case 0x4d0: case 0x4d1: {
        n = port & 1;
        uint8_t mask = n ? ELCR_MASK_SLAVE : ELCR_MASK_MASTER;
        if (in)
            *v = p->chip[n].elcr;
        else {
            struct vpic_chip *c = &p->chip[n];
            c->elcr = *v & mask;
            /* Inputs that became level-triggered follow their line now. */
            c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
        }
        return true;
    }
    default:
        return false;
    }
    if (in)
        *v = read_port(p, n, port & 1);
    else
        write_port(p, n, port & 1, *v);
    return true;
}

bool vpic_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vpic *p = pic_of(d);
    bool claimed = false;

    if (!p || (size != 1 && size != 2 && size != 4))
        return false;
    uint64_t f = spin_lock_irqsave(&p->lock);
    bool before = intr_high(p);
    uint32_t out = 0;
    /* A wider access touches consecutive ports, one byte each; bytes at
     * ports nobody here decodes read as all-ones. */
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(*val >> (8 * i));
        bool mine = io_byte(p, (uint16_t)(port + i), in, &b);
        if (i == 0)
            claimed = mine;
        if (!claimed)
            break;
        out |= (uint32_t)(mine ? b : 0xff) << (8 * i);
    }
    bool after = intr_high(p);
    spin_unlock_irqrestore(&p->lock, f);
    if (!claimed)
        return false;
    if (in)
        *val = out;
    kick_if_rose(p, before, after);
    return true;
}

int vpic_init(struct domain *d)
{
    struct vpic *p = xzalloc(sizeof(*p), HEAP_HVM);
    if (!p)
        return -ENOMEM;
    p->d = d;
    for (unsigned n = 0; n < 2; n++) {
        p->chip[n].lowest = 7;
        p->chip[n].imr = 0xff;      /* until the guest programs it, nothing is delivered */
    }
    /* Vector bases of a real-mode BIOS, for guests that never run ICW1. */
    p->chip[0].base = 0x08;
    p->chip[1].base = 0x70;
    d->plat->pic = p;
    return 0;
}

void vpic_destroy(struct domain *d)
{
    if (!d->plat || !d->plat->pic)
        return;
    xfree(d->plat->pic);
    d->plat->pic = NULL;
}
