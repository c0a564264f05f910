/*
 * The 8254 programmable interval timer (Intel 82C54 datasheet, order no.
 * 231244) at 0x40-0x43, clocked at 1,193,182 Hz, and system control port B
 * at 0x61 (channel 2's gate, its OUT and the speaker bits).
 *
 * The counters are not stepped: each channel keeps the host time its count
 * started and derives the counter value and OUT from now_ns() whenever the
 * guest looks.  Channel 0's OUT drives ISA IRQ 0; channel 1 (DRAM refresh
 * on old PCs) is a plain counter; channel 2's gate is port 0x61 bit 0 and
 * its OUT reads back as port 0x61 bit 5 (what TSC calibration loops poll).
 *
 * Modelled: modes 0-5 (6 and 7 are 2 and 3), binary and BCD counting,
 * LSB/MSB/LSB-then-MSB access, the counter latch command, the read-back
 * command (count and status), gate effects for channel 2 (modes 0/4 pause,
 * modes 2/3 hold OUT high and reload on the rising edge, modes 1/5 are
 * triggered by the rising edge).  Simplifications: a new count takes effect
 * at once in every mode (the 8254 waits for the end of the current period
 * in modes 2 and 3), the one-CLK delay between writing a count and the
 * first decrement is ignored, and mode 3 with an odd count alternates
 * halves of (N+1)/2 and (N-1)/2 CLKs without modelling the odd counter
 * values exactly.
 *
 * IRQ 0: a host timer fires at each rising edge of channel 0's OUT (modes
 * 2 and 3: every N CLKs; modes 0 and 4: once, at the terminal count) and
 * pulses the line.  If the timer runs late (host busy, vCPU descheduled),
 * the missed edges are coalesced into one pulse: the interrupt controllers
 * latch a single edge anyway, and replaying a backlog would only make the
 * guest's tick handler run back to back.  Edges closer than
 * VPIT_MIN_IRQ_NS apart are spread out to that interval, which caps the
 * interrupt rate a guest can ask of the host at 10 kHz; counter reads stay
 * exact.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "arch/x86/time.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define PIT_HZ              1193182ull
#define NS_PER_S            1000000000ull
#define VPIT_MIN_IRQ_NS     100000ull       /* at most 10,000 IRQ0 edges per second */

#define PORT61_GATE2        0x01
#define PORT61_SPEAKER      0x02
#define PORT61_WRITABLE     0x0f            /* gate, speaker, parity/IOCHK enables */
#define PORT61_REFRESH      0x10
#define PORT61_OUT2         0x20

struct vpit_channel {
    uint8_t mode;           /* 0-5 */
    uint8_t rw;             /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
    bool bcd;
    bool loaded;            /* a count was written since the control word */
    bool null_count;        /* status bit 6 */
    bool gate;
    bool running;           /* counting now (gate, trigger) */
    bool triggered;         /* modes 1 and 5: a gate edge started the count */
    bool write_msb_next;    /* rw 3: the LSB has been written */
    bool read_msb_next;     /* rw 3, unlatched reads */
    bool count_latched, latch_msb_next, status_latched;
    uint8_t write_lsb;
    uint8_t status;
    uint16_t latch;         /* as the guest reads it (BCD-encoded in BCD mode) */
    uint32_t reload;        /* N in CLKs: 1..65536 (1..10000 in BCD) */
    uint64_t run_start;     /* now_ns() when counting (re)started */
    uint64_t elapsed_before;    /* CLKs counted before run_start */
};

/*
 * Per-domain 8254 and port 0x61.
 * (i) set in vpit_init; (l) guarded by lock.
 * Lock order: lock, then the timer's queue lock (timer_set/timer_stop);
 * the IRQ is raised after lock is released.  The timer handler takes lock,
 * so vpit_destroy kills the timer without holding it.
 */
struct vpit {
    spinlock_t lock;
    struct domain *d;               /* (i) */
    struct vpit_channel ch[3];      /* (l) */
    uint8_t port61;                 /* (l) writable bits of port 0x61 */
    bool refresh;                   /* (l) port 0x61 bit 4, toggles on each read */
    bool irq_armed;                 /* (l) the timer is meant to raise IRQ 0 */
    bool irq_periodic;              /* (l) modes 2/3 (else one edge) */
    uint64_t irq_k;                 /* (l) index of the next edge: at k * N CLKs */
    uint64_t irq_next;              /* (l) now_ns() of the next edge */
    uint64_t irq_missed;            /* (l) edges coalesced (statistics) */
    struct timer timer;             /* own locking; fires pit_timer_fn */
};

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first ns at which ns_to_ticks() reaches t. */
static uint64_t ticks_to_ns_ceil(uint64_t t)
{
    return t / PIT_HZ * NS_PER_S + (t % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static struct vpit *pit_of(struct domain *d)
{
    return d->plat ? d->plat->pit : NULL;
}

static uint32_t modulus(const struct vpit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint64_t elapsed(const struct vpit_channel *c, uint64_t now)
{
    uint64_t e = c->elapsed_before;
    if (c->running && now > c->run_start)
        e += ns_to_ticks(now - c->run_start);
    return e;
}

/* The counting element, in binary (0..modulus-1). */
static uint32_t counter_value(const struct vpit_channel *c, uint64_t now)
{
    if (!c->loaded)
        return 0;
    uint32_t n = c->reload, m = modulus(c);
    uint64_t e = elapsed(c, now);
    switch (c->mode) {
    case 2:
        return (uint32_t)(n - e % n) % m;
    case 3: {
        uint64_t p = e % n, half = (n + 1) / 2;
        uint64_t in_half = p < half ? p : p - half;
        return (uint32_t)((n - 2 * in_half) & ~1ull) % m;
    }
    case 1:
    case 5:
        if (!c->triggered)
            return n % m;
        /* fall through */
    default:    /* 0, 4: count down through 0 and wrap */
        return (uint32_t)((n + m - e % m) % m);
    }
}

static bool out_level(const struct vpit_channel *c, uint64_t now)
{
    if (!c->loaded)
        return c->mode != 0;        /* a control word sets OUT low in mode 0, high otherwise */
    uint64_t n = c->reload, e = elapsed(c, now);
    switch (c->mode) {
    case 0:  return e >= n;
    case 1:  return !c->triggered || e >= n;
    case 2:  return !c->running || n < 2 || e % n != n - 1;
    case 3:  return !c->running || e % n < (n + 1) / 2;
    case 4:  return e != n;
    default: return !c->triggered || e != n;     /* 5 */
    }
}

static uint16_t to_bcd(uint32_t v)
{
    return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

/* BCD count as written; digits above 9 are taken as 9 (the count is
 * then only approximate, as on a chip fed nonsense). */
static uint32_t from_bcd(uint16_t v)
{
    uint32_t r = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        uint32_t digit = (v >> shift) & 0xf;
        r = r * 10 + (digit > 9 ? 9 : digit);
    }
    return r;
}

static uint16_t guest_value(const struct vpit_channel *c, uint64_t now)
{
    uint32_t v = counter_value(c, now);
    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

/* ---- IRQ 0 ---- */

static void irq_disarm(struct vpit *p)
{
    p->irq_armed = false;
    timer_stop(&p->timer);
}

/* Schedule the first IRQ 0 edge after channel 0 was (re)loaded. */
static void irq_arm(struct vpit *p)
{
    struct vpit_channel *c = &p->ch[0];
    if (!c->loaded || !c->running || c->mode == 1 || c->mode == 5) {
        irq_disarm(p);
        return;
    }
    p->irq_periodic = c->mode == 2 || c->mode == 3;
    p->irq_k = 1;
    p->irq_next = c->run_start + ticks_to_ns_ceil(c->reload);
    p->irq_armed = true;
    timer_set(&p->timer, p->irq_next);
}

static void pit_timer_fn(void *data)
{
    struct vpit *p = data;
    bool fire = false;
    uint64_t f = spin_lock_irqsave(&p->lock);

    if (p->irq_armed) {
        uint64_t now = now_ns();
        struct vpit_channel *c = &p->ch[0];
        if (now < p->irq_next) {
            timer_set(&p->timer, p->irq_next);      /* early (re-armed meanwhile) */
        } else {
            fire = true;
            if (p->irq_periodic) {
                /* The next edge strictly after now; any skipped are coalesced. */
                uint64_t k = ns_to_ticks(now - c->run_start) / c->reload + 1;
                if (k <= p->irq_k)
                    k = p->irq_k + 1;
                p->irq_missed += k - p->irq_k - 1;
                p->irq_k = k;
                uint64_t next = c->run_start + ticks_to_ns_ceil(k * c->reload);
                if (next < now + VPIT_MIN_IRQ_NS)
                    next = now + VPIT_MIN_IRQ_NS;
                p->irq_next = next;
                timer_set(&p->timer, next);
            } else {
                p->irq_armed = false;
            }
        }
    }
    spin_unlock_irqrestore(&p->lock, f);
    if (fire)
        hvm_legacy_irq_pulse(p->d, HVM_LSRC_PIT);     /* lost while the HPET owns IRQ 0 */
}

/* ---- programming ---- */

static void load_count(struct vpit *p, unsigned i, uint16_t raw, uint64_t now)
{
    struct vpit_channel *c = &p->ch[i];
    uint32_t n = c->bcd ? from_bcd(raw) : raw;
    if (n == 0)
        n = modulus(c);             /* 0 is the largest count: 2^16 or 10^4 */
    c->reload = n;
    c->loaded = true;
    c->null_count = false;
    c->elapsed_before = 0;
    c->run_start = now;
    c->triggered = false;
    /* Modes 1 and 5 wait for a rising gate edge; the others count while
     * the gate is high. */
    c->running = (c->mode == 1 || c->mode == 5) ? false : c->gate;
    if (i == 0)
        irq_arm(p);
}

static void set_gate(struct vpit *p, unsigned i, bool gate, uint64_t now)
{
    struct vpit_channel *c = &p->ch[i];
    bool rising = gate && !c->gate;
    if (gate == c->gate)
        return;
    c->gate = gate;
    if (!c->loaded)
        return;
    switch (c->mode) {
    case 0:
    case 4:     /* gate low suspends counting */
        c->elapsed_before = elapsed(c, now);
        c->run_start = now;
        c->running = gate;
        break;
    case 2:
    case 3:     /* gate low stops (OUT high); the rising edge reloads */
        if (rising) {
            c->elapsed_before = 0;
            c->run_start = now;
            c->running = true;
        } else {
            c->elapsed_before = elapsed(c, now);
            c->running = false;
        }
        break;
    default:    /* 1, 5: the rising edge (re)triggers */
        if (rising) {
            c->triggered = true;
            c->elapsed_before = 0;
            c->run_start = now;
            c->running = true;
        }
        break;
    }
    if (i == 0)
        irq_arm(p);
}

static void latch_count(struct vpit_channel *c, uint64_t now)
{
    if (c->count_latched)
        return;                     /* a second latch before the read is ignored */
    c->latch = guest_value(c, now);
    c->count_latched = true;
    c->latch_msb_next = false;
}

static void control_word(struct vpit *p, uint8_t v, uint64_t now)
{
    unsigned sc = v >> 6;

    if (sc == 3) {
        /* Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status,
         * bits 3:1 select counters 2, 1, 0. */
        for (unsigned i = 0; i < 3; i++) {
            struct vpit_channel *c = &p->ch[i];
            if (!(v & (2u << i)))
                continue;
            if (!(v & 0x20))
                latch_count(c, now);
            if (!(v & 0x10) && !c->status_latched) {
                c->status = (uint8_t)(out_level(c, now) << 7 | c->null_count << 6 | c->rw << 4 |
                                      c->mode << 1 | c->bcd);
                c->status_latched = true;
            }
        }
        return;
    }
    struct vpit_channel *c = &p->ch[sc];
    unsigned rw = (v >> 4) & 3;
    if (rw == 0) {
        latch_count(c, now);
        return;
    }
    unsigned mode = (v >> 1) & 7;
    c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
    c->rw = (uint8_t)rw;
    c->bcd = v & 1;
    c->loaded = false;
    c->running = false;
    c->triggered = false;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    if (sc == 0)
        irq_disarm(p);
}

static void write_counter(struct vpit *p, unsigned i, uint8_t v, uint64_t now)
{
    struct vpit_channel *c = &p->ch[i];
    switch (c->rw) {
    case 1:
        load_count(p, i, v, now);
        break;
    case 2:
        load_count(p, i, (uint16_t)(v << 8), now);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
            if (c->mode == 0 && c->loaded) {
                /* Mode 0: writing the first byte stops the count. */
                c->elapsed_before = elapsed(c, now);
                c->running = false;
                if (i == 0)
                    irq_disarm(p);
            }
        } else {
            c->write_msb_next = false;
            load_count(p, i, (uint16_t)(c->write_lsb | v << 8), now);
        }
        break;
    }
}

static uint8_t read_counter(struct vpit *p, unsigned i, uint64_t now)
{
    struct vpit_channel *c = &p->ch[i];

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    bool msb;
    if (c->count_latched) {
        v = c->latch;
        if (c->rw == 3) {
            msb = c->latch_msb_next;
            c->latch_msb_next = !msb;
            if (msb)
                c->count_latched = false;
        } else {
            msb = c->rw == 2;
            c->count_latched = false;
        }
    } else {
        v = guest_value(c, now);
        if (c->rw == 3) {
            msb = c->read_msb_next;
            c->read_msb_next = !msb;
        } else {
            msb = c->rw == 2;
        }
    }
    return (uint8_t)(msb ? v >> 8 : v);
}

static bool io_byte(struct vpit *p, uint16_t port, bool in, uint8_t *v, uint64_t now)
{
    switch (port) {
    case 0x40: case 0x41: case 0x42:
        if (in)
            *v = read_counter(p, port - 0x40, now);
        else
            write_counter(p, port - 0x40, *v, now);
        return true;
    case 0x43:
        if (in)
            *v = 0xff;              /* the control word register cannot be read */
        else
            control_word(p, *v, now);
        return true;
    case 0x61:
        if (in) {
            p->refresh = !p->refresh;
            *v = (uint8_t)((p->port61 & PORT61_WRITABLE) | (p->refresh ? PORT61_REFRESH : 0) |
                           (out_level(&p->ch[2], now) ? PORT61_OUT2 : 0));
        } else {
            p->port61 = *v & PORT61_WRITABLE;
            set_gate(p, 2, *v & PORT61_GATE2, now);
        }
        return true;
    default:
        return false;
    }
}

bool vpit_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vpit *p = pit_of(d);
    bool claimed = false;

    if (!p || (size != 1 && size != 2 && size != 4))
        return false;
    uint64_t f = spin_lock_irqsave(&p->lock);
    uint64_t now = now_ns();
    uint32_t out = 0;
    /* Wider accesses touch consecutive ports (0x40 word = 0x40 and 0x41);
     * bytes beyond our ports read as all-ones. */
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(*val >> (8 * i));
        bool mine = io_byte(p, (uint16_t)(port + i), in, &b, now);
        if (i == 0)
            claimed = mine;
        if (!claimed)
            break;
        out |= (uint32_t)(mine ? b : 0xff) << (8 * i);
    }
    spin_unlock_irqrestore(&p->lock, f);
    if (claimed && in)
        *val = out;
    return claimed;
}

int vpit_init(struct domain *d)
{
    struct vpit *p = xzalloc(sizeof(*p), HEAP_HVM);
    if (!p)
        return -ENOMEM;
    p->d = d;
    for (unsigned i = 0; i < 3; i++) {
        p->ch[i].mode = 3;
        p->ch[i].rw = 3;
        p->ch[i].reload = 65536;
        p->ch[i].gate = i != 2;     /* gates 0 and 1 are tied high; gate 2 is port 0x61 bit 0 */
    }
    timer_init(&p->timer, pit_timer_fn, p, d->nr_vcpus ? d->vcpus[0]->processor : 0);
    d->plat->pit = p;
    return 0;
}

void vpit_destroy(struct domain *d)
{
    struct vpit *p = pit_of(d);
    if (!p)
        return;
    timer_kill(&p->timer);
    d->plat->pit = NULL;
    xfree(p);
}
