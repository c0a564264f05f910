/*
 * The I/O APIC of an HVM domain at GPA_IOAPIC: 24 inputs, register layout
 * of the Intel 82093AA (datasheet order no. 290566), version 0x11, plus the
 * EOI register at +0x40 that later (version 0x20) I/O APICs have.
 *
 * Memory-mapped registers: IOREGSEL at +0x00 (bits 7:0 select a register),
 * IOWIN at +0x10 (the selected register), EOI at +0x40 (write a vector:
 * like a broadcast EOI for level-triggered pins).  The datasheet defines
 * only 32-bit accesses; any other access size, and any other offset in the
 * 4 KiB page, reads as 0 and ignores writes.
 *
 * Indirect registers: 0x00 ID (bits 31:24: the 82093AA decodes 27:24, later
 * I/O APICs and Linux's register layout use 8 bits, and the MADT gives the
 * I/O APIC the first ID after the vCPUs, which may exceed 15), 0x01 version 0x00170011
 * (maximum redirection entry 23, version 0x11), 0x02 arbitration ID (the
 * APIC ID, read-only), 0x10 + 2n / 0x11 + 2n the low / high half of
 * redirection entry n.  Unknown indices read as 0.
 *
 * Delivery: an edge-triggered pin sends one message per rising edge of its
 * (polarity-corrected) input while unmasked; an edge while masked is lost.
 * A level-triggered pin sends a message while its input is asserted, it is
 * unmasked and Remote IRR is clear; sending sets Remote IRR, and the EOI
 * of that vector (vioapic_eoi or the EOI register) clears it and sends
 * again if the input is still asserted.  Delivery status always reads 0:
 * a message is accepted by the local APICs at once.  Setting a pin to
 * edge-triggered clears its Remote IRR (what guests rely on to recover a
 * stuck level pin on I/O APICs without an EOI register).
 */
#include "hvm/platform.h"
#include "hvm/vlapic.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define VIOAPIC_PINS        24
#define VIOAPIC_VERSION     0x00170011u
#define VIOAPIC_SIZE        0x1000u
#define REG_IOREGSEL        0x00
#define REG_IOWIN           0x10
#define REG_EOI             0x40

#define RTE_VECTOR          0xffull
#define RTE_MODE_SHIFT      8
#define RTE_DEST_LOGICAL    (1ull << 11)
#define RTE_DELIVS          (1ull << 12)
#define RTE_POLARITY_LOW    (1ull << 13)
#define RTE_REMOTE_IRR      (1ull << 14)
#define RTE_LEVEL           (1ull << 15)
#define RTE_MASKED          (1ull << 16)
#define RTE_DEST_SHIFT      56
/* Writable bits: vector, delivery mode, destination mode, polarity,
 * trigger mode, mask (bits 16:0 minus the read-only 12 and 14), and the
 * destination field (63:56). */
#define RTE_WRITABLE        ((0x1ffffull & ~(RTE_DELIVS | RTE_REMOTE_IRR)) | (0xffull << RTE_DEST_SHIFT))

/*
 * Per-domain I/O APIC.
 * (i) set in vioapic_init; (l) guarded by lock.
 * Lock order: lock is a leaf.  Messages to the local APICs are sent after
 * it is released (vlapic_deliver takes the vLAPIC locks), so vioapic_eoi
 * must not be called with a vLAPIC lock held.
 */
struct vioapic {
    spinlock_t lock;
    struct domain *d;               /* (i) */
    uint32_t ioregsel;              /* (l) */
    uint32_t id;                    /* (l) register 0x00 */
    uint32_t lines;                 /* (l) input level per pin (1 = high) */
    uint64_t rte[VIOAPIC_PINS];     /* (l) redirection entries */
};

/* A message to send once the lock is dropped. */
struct msg {
    uint32_t dest;
    bool logical, level;
    unsigned mode;
    uint8_t vector;
};

static struct vioapic *ioapic_of(struct domain *d)
{
    return d->plat ? d->plat->ioapic : NULL;
}

static bool asserted(const struct vioapic *a, unsigned pin)
{
    bool high = a->lines & (1u << pin);
    return (a->rte[pin] & RTE_POLARITY_LOW) ? !high : high;
}

static void make_msg(const struct vioapic *a, unsigned pin, struct msg *m)
{
    uint64_t e = a->rte[pin];
    m->dest = (uint32_t)(e >> RTE_DEST_SHIFT);
    m->logical = e & RTE_DEST_LOGICAL;
    m->level = e & RTE_LEVEL;
    m->mode = (unsigned)(e >> RTE_MODE_SHIFT) & 7;
    m->vector = (uint8_t)(e & RTE_VECTOR);
}

/* A level pin that should (re)send now: returns true and fills m, having
 * set Remote IRR. */
static bool level_service(struct vioapic *a, unsigned pin, struct msg *m)
{
    uint64_t e = a->rte[pin];
    if (!(e & RTE_LEVEL) || (e & (RTE_MASKED | RTE_REMOTE_IRR)) || !asserted(a, pin))
        return false;
    /* Remote IRR is set only for fixed and lowest-priority messages, the
     * ones a local APIC answers with an EOI. */
    unsigned mode = (unsigned)(e >> RTE_MODE_SHIFT) & 7;
    if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST)
        a->rte[pin] |= RTE_REMOTE_IRR;
    make_msg(a, pin, m);
    return true;
}

static void send(struct vioapic *a, const struct msg *m)
{
    vlapic_deliver(a->d, m->dest, m->logical, m->mode, m->vector, m->level);
}

void vioapic_set_irq(struct domain *d, unsigned gsi, bool high)
{
    struct vioapic *a = ioapic_of(d);
    if (!a || gsi >= VIOAPIC_PINS)
        return;
    struct msg m;
    bool go = false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    bool was = asserted(a, gsi);
    if (high)
        a->lines |= 1u << gsi;
    else
        a->lines &= ~(1u << gsi);
    bool now = asserted(a, gsi);
    uint64_t e = a->rte[gsi];
    if (e & RTE_LEVEL)
        go = level_service(a, gsi, &m);
    else if (!was && now && !(e & RTE_MASKED)) {
        make_msg(a, gsi, &m);
        go = true;
    }
    spin_unlock_irqrestore(&a->lock, f);
    if (go)
        send(a, &m);
}

void vioapic_eoi(struct domain *d, uint8_t vector)
{
    struct vioapic *a = ioapic_of(d);
    if (!a)
        return;
    struct msg m[VIOAPIC_PINS];
    unsigned n = 0;
    uint64_t f = spin_lock_irqsave(&a->lock);
    for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
        uint64_t e = a->rte[pin];
        if (!(e & RTE_LEVEL) || (e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
            continue;
        a->rte[pin] &= ~RTE_REMOTE_IRR;
        if (level_service(a, pin, &m[n]))
            n++;
    }
    spin_unlock_irqrestore(&a->lock, f);
    for (unsigned i = 0; i < n; i++)
        send(a, &m[i]);
}

static uint32_t read_reg(struct vioapic *a)
{
    uint32_t idx = a->ioregsel;
    switch (idx) {
    case 0x00: return a->id;
    case 0x01: return VIOAPIC_VERSION;
    case 0x02: return a->id;        /* arbitration ID = APIC ID on reset */
    default:
        break;
    }
    if (idx >= 0x10 && idx < 0x10 + 2 * VIOAPIC_PINS) {
        uint64_t e = a->rte[(idx - 0x10) / 2];
        return (idx & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;
}

/* Returns true and fills m when the write makes a level pin send. */
static bool write_reg(struct vioapic *a, uint32_t v, struct msg *m)
{
    uint32_t idx = a->ioregsel;
    if (idx == 0x00) {
        a->id = v & 0xff000000u;
        return false;
    }
    if (idx < 0x10 || idx >= 0x10 + 2 * VIOAPIC_PINS)
        return false;               /* version, arbitration, unknown: read-only */
    unsigned pin = (idx - 0x10) / 2;
    uint64_t e = a->rte[pin];
    uint64_t nv = (idx & 1) ? ((uint64_t)v << 32) | (e & 0xffffffffull)
                            : (e & 0xffffffff00000000ull) | v;
    nv = (e & ~RTE_WRITABLE) | (nv & RTE_WRITABLE);
    if (!(nv & RTE_LEVEL))
        nv &= ~RTE_REMOTE_IRR;
    a->rte[pin] = nv;
    /* Unmasking (or turning level) an asserted level pin sends it now. */
    return level_service(a, pin, m);
}

bool vioapic_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
    struct vioapic *a = ioapic_of(v->domain);
    if (!a || gpa < GPA_IOAPIC || gpa >= GPA_IOAPIC + VIOAPIC_SIZE)
        return false;
    uint64_t off = gpa - GPA_IOAPIC;
    bool dword = size == 4;
    struct msg m[VIOAPIC_PINS];
    unsigned n = 0;

    if (!write)
        *val = 0;
    if (!dword || (off != REG_IOREGSEL && off != REG_IOWIN && off != REG_EOI))
        return true;                /* undefined access: reads 0, writes ignored */

    if (off == REG_EOI) {
        if (write)
            vioapic_eoi(v->domain, (uint8_t)*val);
        return true;
    }
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (off == REG_IOREGSEL) {
        if (write)
            a->ioregsel = (uint32_t)*val & 0xff;
        else
            *val = a->ioregsel;
    } else if (write) {
        if (write_reg(a, (uint32_t)*val, &m[0]))
            n = 1;
    } else {
        *val = read_reg(a);
    }
    spin_unlock_irqrestore(&a->lock, f);
    for (unsigned i = 0; i < n; i++)
        send(a, &m[i]);
    return true;
}

int vioapic_init(struct domain *d)
{
    struct vioapic *a = xzalloc(sizeof(*a), HEAP_HVM);
    if (!a)
        return -ENOMEM;
    a->d = d;
    /* Reset state (datasheet 3.2.4): every entry masked, everything else
     * zero.  The ID is what the MADT says (hvm/acpi_build.c): the first
     * APIC ID after the vCPUs'. */
    a->id = (d->nr_vcpus & 0xffu) << 24;
    for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
        a->rte[pin] = RTE_MASKED;
    d->plat->ioapic = a;
    return 0;
}

void vioapic_destroy(struct domain *d)
{
    if (!d->plat || !d->plat->ioapic)
        return;
    xfree(d->plat->ioapic);
    d->plat->ioapic = NULL;
}
