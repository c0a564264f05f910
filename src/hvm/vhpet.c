/*
 * The HPET of an HVM domain (IA-PC HPET specification 1.0a, "the spec"
 * below), where Xen puts its own: one event timer block of 1 KiB at
 * GPA_HPET with a 64-bit main counter and three comparators, described by
 * the ACPI HPET table (hvm/acpi_build.c).  `hpet = 0` in the domain file
 * removes it.
 *
 * Identity as Xen's vHPET presents it: vendor 0x8086, revision 1, three
 * timers, a 64-bit counter, legacy-replacement capable, and a period of
 * 16 ns (62.5 MHz: Xen counts one HPET tick per 16 ns of guest system
 * time).  Every timer is 64-bit capable, may run periodic, and may be
 * routed to IOAPIC inputs 20-23 (Xen's routing capability); FSB (MSI)
 * delivery is not offered (Tn_FSB_INT_DEL_CAP 0, Tn_FSB_EN_CNF reads 0).
 *
 * Time: the counter is derived from now_ns(), the host clock the vPIT,
 * vRTC and vLAPIC timers count on, so every vCPU reads the same counter
 * and it never goes backwards while running: counter = mc + (now - ns_base)
 * / 16 while ENABLE_CNF is set, mc while halted.
 *
 * Registers (spec 2.3): any naturally aligned access of 1, 2, 4 or 8 bytes
 * reaches the bytes it covers of the 64-bit register at its 8-byte slot
 * (the spec defines 32- and 64-bit accesses; Xen, too, accepts narrower
 * ones); a write changes only the covered bytes.  Undefined offsets read 0
 * and ignore writes.  Read-only and reserved bits ignore writes.
 *
 *   0x000 GCAP_ID       read-only
 *   0x010 GEN_CONF      ENABLE_CNF (bit 0), LEG_RT_CNF (bit 1)
 *   0x020 GINTR_STA     Tn_INT_STS, level-triggered timers only; write 1 to clear
 *   0x0f0 MAIN_COUNTER  writes take effect only while halted (spec 2.3.8:
 *                       software halts it first); a write while running is ignored
 *   0x100 + 0x20n       Tn_CONF_CAP: INT_TYPE (level), INT_ENB, TYPE (periodic),
 *                       VAL_SET, 32MODE, INT_ROUTE (a route outside the
 *                       capability keeps the old one), capabilities read-only
 *   0x108 + 0x20n       Tn_COMPARATOR
 *   0x110 + 0x20n       Tn_FSB_INT_ROUTE: reads 0 (no FSB delivery)
 *
 * Comparators (spec 2.3.9.2): an interrupt when the counter (its low 32
 * bits in 32-bit mode) becomes equal to the comparator.  A comparator
 * written (or a timer enabled) behind the counter matches at once, as on
 * Xen: the guest meant "now" and the emulated write lost the race.  For a
 * 32-bit comparator only up to 2^-10 s behind (Xen's "small" difference);
 * further behind, it matches when the low 32 bits of the counter come round
 * to it again (2^32 ticks, about 69 s), as on hardware and Xen.  A 64-bit
 * comparator any distance behind matches at once (Xen's rule; hardware
 * would wait 2^64 ticks).  Periodic: each write to the comparator sets the period
 * (the value "last written"), and also the comparator itself when the
 * timer is one-shot or VAL_SET is set (VAL_SET then clears); at each match
 * the comparator advances by the period.  A period of 0 behaves as
 * one-shot.  Late host timers coalesce the matches they missed into one
 * interrupt, and periodic interrupts are spread to at least VHPET_MIN_IRQ_NS
 * apart (the guest's interrupt rate is capped, as the vPIT's), while the
 * counter stays exact.
 *
 * Interrupts: timer 0 and 1 go to ISA IRQ 0 and IRQ 8 while LEG_RT_CNF is
 * set (IRQ 0 reaches IOAPIC pin 2, as the MADT override says; the PIT and
 * the RTC are then disconnected from those lines: irq.c's switch), any
 * timer otherwise to its INT_ROUTE (20-23).  Edge-triggered: one pulse per
 * match with INT_ENB set; GINTR_STA stays 0 (spec 2.3.6: not used for
 * edge).  Level-triggered: the match sets Tn_INT_STS even with INT_ENB
 * clear (spec 2.3.8 Tn_INT_ENB_CNF); the line is high while Tn_INT_STS,
 * INT_ENB and ENABLE_CNF are all set.  Several level timers on one line
 * wire-OR.  ENABLE_CNF = 0 halts the counter and every interrupt.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "arch/x86/time.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define VHPET_TIMERS        3
#define VHPET_NS_PER_TICK   16ull
#define VHPET_PERIOD_FS     (VHPET_NS_PER_TICK * 1000000ull)
#define VHPET_MIN_IRQ_NS    100000ull       /* periodic interrupts at most every 100 µs */
/* How far behind the counter a newly written comparator may be and still
 * match at once: 2^-10 s, Xen's allowance for the emulated write's delay. */
#define VHPET_LATE_TICKS    ((1000000000ull >> 10) / VHPET_NS_PER_TICK)
/* A host timer is never set further out than this; when it fires early the
 * match is simply re-armed (keeps ns arithmetic far from overflow). */
#define VHPET_MAX_ARM_NS    (1ull << 40)

#define GCAP_REV_ID         0x01ull
#define GCAP_NUM_TIM(n)     ((uint64_t)((n) - 1) << 8)
#define GCAP_COUNT_SIZE     (1ull << 13)
#define GCAP_LEG_RT         (1ull << 15)
#define GCAP_VENDOR(v)      ((uint64_t)(v) << 16)
#define VHPET_GCAP          (GCAP_REV_ID | GCAP_NUM_TIM(VHPET_TIMERS) | GCAP_COUNT_SIZE | GCAP_LEG_RT | \
                             GCAP_VENDOR(0x8086) | (VHPET_PERIOD_FS << 32))

#define REG_GCAP            0x000
#define REG_CONF            0x010
#define REG_ISR             0x020
#define REG_COUNTER         0x0f0
#define REG_TIMER0          0x100
#define TIMER_STRIDE        0x20
#define TREG_CONF           0x00
#define TREG_CMP            0x08
#define TREG_FSB            0x10

#define CONF_ENABLE         (1ull << 0)
#define CONF_LEGACY         (1ull << 1)

#define TN_LEVEL            (1ull << 1)
#define TN_INT_ENB          (1ull << 2)
#define TN_PERIODIC         (1ull << 3)
#define TN_PER_CAP          (1ull << 4)
#define TN_SIZE_CAP         (1ull << 5)
#define TN_VAL_SET          (1ull << 6)
#define TN_32MODE           (1ull << 8)
#define TN_ROUTE_SHIFT      9
#define TN_ROUTE_MASK       (0x1full << TN_ROUTE_SHIFT)
#define TN_WRITABLE         (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32MODE | TN_ROUTE_MASK)
#define TN_ROUTE_FIRST      20              /* IOAPIC inputs 20-23, as Xen offers */
#define TN_ROUTE_CAP        (0xfull << TN_ROUTE_FIRST)
#define TN_RO_BITS          (TN_PER_CAP | TN_SIZE_CAP | (TN_ROUTE_CAP << 32))

/* The lines a timer can drive: IOAPIC inputs 20-23, then ISA IRQ 0 and 8. */
#define LINE_NONE           (-1)
#define LINE_IRQ0           4
#define LINE_IRQ8           5
#define NR_LINES            6

struct vhpet_timer {
    uint64_t conf;                  /* (l) Tn_CONF_CAP, capability bits included */
    uint64_t cmp;                   /* (l) the comparator (32 bits in 32-bit mode) */
    uint64_t period;                /* (l) the value last written to the comparator */
    uint64_t match;                 /* (l) the counter value of the next match, when armed */
    bool armed;                     /* (l) the host timer is meant to fire for match */
    unsigned idx;                   /* (i) */
    struct vhpet *h;                /* (i) */
    struct timer timer;             /* own locking; fires timer_fn */
};

/*
 * (i) set in vhpet_init; (l) guarded by lock.
 * Lock order: lock, then irq.c's mux_lock and the interrupt controllers
 * (lines are driven with lock held, so they follow the registers in order),
 * then the timer queue lock (timer_set/timer_stop).  The timer handler
 * takes lock, so vhpet_destroy kills the timers without holding it.
 */
struct vhpet {
    spinlock_t lock;
    struct domain *d;               /* (i) */
    uint64_t conf;                  /* (l) GEN_CONF */
    uint64_t isr;                   /* (l) GINTR_STA */
    uint64_t mc;                    /* (l) counter when halted; its value at ns_base when running */
    uint64_t ns_base;               /* (l) now_ns() when the counter last started */
    uint64_t last;                  /* (l) the largest counter value a read returned since the last
                                       start or write: no read returns less (see counter_read) */
    bool line[NR_LINES];            /* (l) level last driven on each line */
    struct vhpet_timer t[VHPET_TIMERS];
};

static struct vhpet *hpet_of(struct domain *d)
{
    return d->plat ? d->plat->hpet : NULL;
}

static bool running(const struct vhpet *h)
{
    return h->conf & CONF_ENABLE;
}

static uint64_t counter_at(const struct vhpet *h, uint64_t now)
{
    if (!running(h) || now < h->ns_base)
        return h->mc;
    return h->mc + (now - h->ns_base) / VHPET_NS_PER_TICK;
}

/* What the guest reads: never less than an earlier read, even should
 * now_ns() of the CPU a vCPU runs on lag another CPU's by a little (the
 * vCPUs of a domain read the one counter from different host CPUs). */
static uint64_t counter_read(struct vhpet *h, uint64_t now)
{
    uint64_t v = counter_at(h, now);
    if (running(h)) {
        if (v < h->last)
            v = h->last;
        h->last = v;
    }
    return v;
}

/* now_ns() at which the counter reaches tick (>= the counter now), capped
 * at VHPET_MAX_ARM_NS from now. */
static uint64_t tick_ns(const struct vhpet *h, uint64_t tick, uint64_t now)
{
    uint64_t cur = counter_at(h, now);
    if (tick <= cur)
        return now;
    uint64_t d = tick - cur;
    if (d > VHPET_MAX_ARM_NS / VHPET_NS_PER_TICK)
        return now + VHPET_MAX_ARM_NS;
    /* The counter reached cur at or before now; the exact instant of tick. */
    return h->ns_base + (tick - h->mc) * VHPET_NS_PER_TICK;
}

static bool mode32(const struct vhpet_timer *t)
{
    return t->conf & TN_32MODE;
}

static int line_of(const struct vhpet *h, const struct vhpet_timer *t)
{
    if ((h->conf & CONF_LEGACY) && t->idx < 2)
        return t->idx == 0 ? LINE_IRQ0 : LINE_IRQ8;
    unsigned route = (unsigned)((t->conf & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
    if (route < TN_ROUTE_FIRST || !(TN_ROUTE_CAP & (1ull << route)))
        return LINE_NONE;           /* unwired: the reset route 0 is not in the capability */
    return (int)(route - TN_ROUTE_FIRST);
}

static void drive(struct vhpet *h, int line, bool high)
{
    if (line == LINE_IRQ0)
        hvm_legacy_irq_set(h->d, HVM_LSRC_HPET0, high);
    else if (line == LINE_IRQ8)
        hvm_legacy_irq_set(h->d, HVM_LSRC_HPET1, high);
    else
        hvm_gsi_set(h->d, TN_ROUTE_FIRST + (unsigned)line, high);
}

/* Brings every line to the level the level-triggered timers ask for. */
static void update_lines(struct vhpet *h)
{
    bool want[NR_LINES] = { false };
    for (unsigned i = 0; i < VHPET_TIMERS; i++) {
        const struct vhpet_timer *t = &h->t[i];
        int line = line_of(h, t);
        if (line != LINE_NONE && running(h) && (t->conf & TN_LEVEL) && (t->conf & TN_INT_ENB) &&
            (h->isr & (1ull << i)))
            want[line] = true;
    }
    for (unsigned l = 0; l < NR_LINES; l++)
        if (want[l] != h->line[l]) {
            h->line[l] = want[l];
            drive(h, (int)l, want[l]);
        }
}

static void deliver(struct vhpet *h, struct vhpet_timer *t)
{
    if (t->conf & TN_LEVEL) {
        h->isr |= 1ull << t->idx;
        update_lines(h);
        return;
    }
    int line = line_of(h, t);
    if (line == LINE_NONE || !(t->conf & TN_INT_ENB) || h->line[line])
        return;                     /* a line held high by a level timer makes no edge */
    if (line == LINE_IRQ0)
        hvm_legacy_irq_pulse(h->d, HVM_LSRC_HPET0);
    else if (line == LINE_IRQ8)
        hvm_legacy_irq_pulse(h->d, HVM_LSRC_HPET1);
    else {
        hvm_gsi_set(h->d, TN_ROUTE_FIRST + (unsigned)line, true);
        hvm_gsi_set(h->d, TN_ROUTE_FIRST + (unsigned)line, false);
    }
}

static void disarm(struct vhpet_timer *t)
{
    t->armed = false;
    timer_stop(&t->timer);
}

static void set_host_timer(struct vhpet *h, struct vhpet_timer *t, uint64_t not_before, uint64_t now)
{
    uint64_t when = tick_ns(h, t->match, now);
    t->armed = true;
    timer_set(&t->timer, when > not_before ? when : not_before);
}

/* (Re)computes the next match of t from its comparator and the counter. */
static void arm(struct vhpet *h, struct vhpet_timer *t, uint64_t now)
{
    disarm(t);
    if (!running(h))
        return;
    uint64_t cur = counter_at(h, now);
    /* A comparator a little behind the counter was most likely meant for
     * "now" and lost the race with the counter while the write was being
     * emulated: it matches at once, as on Xen (VHPET_LATE_TICKS).  Further
     * behind, it waits as hardware would: for the counter to come round. */
    if (mode32(t)) {
        uint32_t ahead = (uint32_t)t->cmp - (uint32_t)cur, back = (uint32_t)cur - (uint32_t)t->cmp;
        t->match = ahead && back <= VHPET_LATE_TICKS ? cur - back : cur + ahead;
    } else {
        /* Any 64-bit comparator behind the counter matches at once, as on
         * Xen (its vHPET treats a negative 64-bit difference as 0; only
         * 32-bit comparators get the "small" lateness test), not after
         * 2^64 ticks as on hardware: guests are written against Xen. */
        t->match = t->cmp < cur ? cur : t->cmp;
    }
    set_host_timer(h, t, now, now);
}

static void timer_fn(void *data)
{
    struct vhpet_timer *t = data;
    struct vhpet *h = t->h;
    uint64_t f = spin_lock_irqsave(&h->lock);
    uint64_t now = now_ns();

    if (!t->armed || !running(h)) {
        spin_unlock_irqrestore(&h->lock, f);
        return;
    }
    uint64_t cur = counter_at(h, now);
    if (cur < t->match) {
        set_host_timer(h, t, now, now);     /* early, or capped at VHPET_MAX_ARM_NS */
        spin_unlock_irqrestore(&h->lock, f);
        return;
    }
    deliver(h, t);
    uint64_t period = mode32(t) ? (uint32_t)t->period : t->period;
    if ((t->conf & TN_PERIODIC) && period) {
        /* The first match after now; the ones in between are coalesced. */
        uint64_t k = (cur - t->match) / period + 1;
        t->match += k * period;
        t->cmp = mode32(t) ? (uint32_t)(t->cmp + k * period) : t->cmp + k * period;
        set_host_timer(h, t, now + VHPET_MIN_IRQ_NS, now);
    } else if (mode32(t)) {
        t->match += 1ull << 32;             /* one-shot: the low bits come round again */
        set_host_timer(h, t, now, now);
    } else {
        t->armed = false;
    }
    spin_unlock_irqrestore(&h->lock, f);
}

/* ---- registers ---- */

static uint64_t read_reg(struct vhpet *h, unsigned reg, uint64_t now, bool for_write)
{
    switch (reg) {
    case REG_GCAP:    return VHPET_GCAP;
    case REG_CONF:    return h->conf;
    case REG_ISR:     return h->isr;
    case REG_COUNTER: return for_write ? counter_at(h, now) : counter_read(h, now);
    default:
        break;
    }
    if (reg >= REG_TIMER0 && reg < REG_TIMER0 + VHPET_TIMERS * TIMER_STRIDE) {
        const struct vhpet_timer *t = &h->t[(reg - REG_TIMER0) / TIMER_STRIDE];
        switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
        case TREG_CONF: return t->conf;
        case TREG_CMP:  return t->cmp;
        default:        return 0;       /* FSB route: no FSB delivery */
        }
    }
    return 0;
}

static void write_conf(struct vhpet *h, uint64_t v, uint64_t now)
{
    uint64_t old = h->conf, cur = counter_read(h, now);
    h->conf = v & (CONF_ENABLE | CONF_LEGACY);
    if ((old ^ h->conf) & CONF_ENABLE) {
        /* Starting: count on from the halted value; halting: freeze the
         * value reached. */
        h->mc = cur;
        h->ns_base = now;
        h->last = cur;
        for (unsigned i = 0; i < VHPET_TIMERS; i++)
            arm(h, &h->t[i], now);
    }
    if ((old ^ h->conf) & CONF_LEGACY)
        hvm_legacy_route(h->d, h->conf & CONF_LEGACY);  /* IRQ 0/8 change hands first */
    update_lines(h);
}

static void write_timer_conf(struct vhpet *h, struct vhpet_timer *t, uint64_t v, uint64_t now)
{
    uint64_t nv = (t->conf & ~TN_WRITABLE) | (v & TN_WRITABLE);
    unsigned route = (unsigned)((nv & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
    if (!(TN_ROUTE_CAP & (1ull << route)))
        nv = (nv & ~TN_ROUTE_MASK) | (t->conf & TN_ROUTE_MASK);    /* not wired: route unchanged */
    bool rearm = (nv ^ t->conf) & (TN_PERIODIC | TN_32MODE);
    t->conf = nv;
    if (mode32(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    if (!(t->conf & TN_LEVEL))
        h->isr &= ~(1ull << t->idx);        /* the status bit is for level-triggered timers only */
    if (rearm)
        arm(h, t, now);
    update_lines(h);
}

static void write_timer_cmp(struct vhpet *h, struct vhpet_timer *t, uint64_t v, uint64_t now)
{
    if (mode32(t))
        v = (uint32_t)v;
    t->period = v;
    if (!(t->conf & TN_PERIODIC) || (t->conf & TN_VAL_SET))
        t->cmp = v;
    t->conf &= ~TN_VAL_SET;
    arm(h, t, now);
}

static void write_reg(struct vhpet *h, unsigned reg, uint64_t v, uint64_t now)
{
    switch (reg) {
    case REG_CONF:
        write_conf(h, v, now);
        return;
    case REG_ISR:
        h->isr &= ~v;
        update_lines(h);
        return;
    case REG_COUNTER:
        if (!running(h)) {
            h->mc = v;
            h->last = v;
            /* Comparators are re-armed when the counter starts. */
        }
        return;
    default:
        break;
    }
    if (reg >= REG_TIMER0 && reg < REG_TIMER0 + VHPET_TIMERS * TIMER_STRIDE) {
        struct vhpet_timer *t = &h->t[(reg - REG_TIMER0) / TIMER_STRIDE];
        switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
        case TREG_CONF:
            write_timer_conf(h, t, v, now);
            break;
        case TREG_CMP:
            write_timer_cmp(h, t, v, now);
            break;
        default:
            break;                          /* FSB route: not offered */
        }
    }
}

bool vhpet_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
    struct vhpet *h = hpet_of(v->domain);
    if (!h || gpa < GPA_HPET || gpa >= GPA_HPET + GPA_HPET_SIZE)
        return false;
    unsigned off = (unsigned)(gpa - GPA_HPET);
    if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1))) {
        /* The emulator splits accesses into aligned pieces, so this does
         * not happen; should it, the access is ignored, not trusted. */
        if (!write)
            *val = 0;
        return true;
    }
    unsigned reg = off & ~7u, shift = (off & 7) * 8;
    uint64_t mask = size == 8 ? ~0ull : ((1ull << (size * 8)) - 1) << shift;
    uint64_t f = spin_lock_irqsave(&h->lock);
    uint64_t now = now_ns();
    uint64_t cur = read_reg(h, reg, now, write);
    if (!write) {
        *val = (cur & mask) >> shift;
    } else {
        uint64_t in = (*val << shift) & mask;
        /* Bytes the access does not cover keep their value, except in the
         * write-1-to-clear status register, where they must write 0. */
        write_reg(h, reg, reg == REG_ISR ? in : (cur & ~mask) | in, now);
    }
    spin_unlock_irqrestore(&h->lock, f);
    return true;
}

int vhpet_init(struct domain *d)
{
    struct vhpet *h = xzalloc(sizeof(*h), HEAP_HVM);
    if (!h)
        return -ENOMEM;
    h->lock = (spinlock_t)SPINLOCK_INIT;
    h->d = d;
    for (unsigned i = 0; i < VHPET_TIMERS; i++) {
        struct vhpet_timer *t = &h->t[i];
        t->idx = i;
        t->h = h;
        t->conf = TN_RO_BITS;
        t->cmp = ~0ull;                     /* reset value (spec 2.3.9.3): all ones */
        t->period = 0;
        timer_init(&t->timer, timer_fn, t, d->nr_vcpus ? d->vcpus[0]->processor : 0);
    }
    d->plat->hpet = h;
    return 0;
}

void vhpet_destroy(struct domain *d)
{
    struct vhpet *h = hpet_of(d);
    if (!h)
        return;
    for (unsigned i = 0; i < VHPET_TIMERS; i++)
        timer_kill(&h->t[i].timer);
    d->plat->hpet = NULL;
    xfree(h);
}
