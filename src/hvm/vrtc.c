/*
 * The MC146818 real-time clock and CMOS RAM at 0x70 (index) / 0x71 (data),
 * ISA IRQ 8 (Motorola MC146818A datasheet).
 *
 * Time: seconds since the Unix epoch, from the host's own CMOS clock read
 * once when the first domain is built (UTC assumed; if the host clock
 * cannot be read, 2024-01-01 00:00:00), advanced by now_ns().  The guest
 * can set it (SET bit or divider reset, then the time registers; or a
 * single register while running): each domain keeps its own offset.
 *
 * Modelled: 128 bytes (index bits 6:0; bit 7 of the index is the NMI mask,
 * stored and otherwise ignored: there is no NMI source behind it), BCD or
 * binary and 12- or 24-hour formats per register B (the registers render
 * the same time in whatever format is selected now), register A's update-
 * in-progress bit (set for the 244 us before an update cycle and the
 * 1984 us of the cycle, at whose end, the second boundary, the time
 * registers change: the datasheet's UIP timing), the
 * divider bits (a divider reset stops the clock like SET), register C's
 * PF/AF/UF/IRQF flags (cleared by reading C), the periodic, alarm and
 * update-ended interrupts, register D's VRT bit, and the PC BIOS memory
 * size bytes.  The day-of-week register follows the date; writes to it are
 * ignored.  Daylight-saving (DSE) and the square-wave output are stored
 * bits only.  The alarm is compared at whole seconds.
 *
 * IRQ 8 follows IRQF: high when a flag is set whose interrupt is enabled,
 * low after register C is read.  A host timer runs only while IRQF is low
 * and an interrupt is enabled, so a guest that stops reading register C
 * costs nothing, and missed periodic ticks simply leave PF set once.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define NS_PER_S        1000000000ull
#define RTC_IRQ         8
/* UIP rises t_BUC = 244 us before an update cycle begins and stays set
 * through the cycle (1984 us with a 32.768 kHz time base); the time
 * registers take their new values when the cycle ends, at the second
 * boundary. */
#define UIP_NS          (244000ull + 1984000ull)
#define DEFAULT_UNIX    1704067200ull   /* 2024-01-01 00:00:00 UTC */

#define REG_A           0x0a
#define REG_B           0x0b
#define REG_C           0x0c
#define REG_D           0x0d
#define REG_CENTURY     0x32

#define A_UIP           0x80
#define A_DV_RESET      0x60            /* DV2 and DV1 set: divider chain held in reset */
#define B_SET           0x80
#define B_PIE           0x40
#define B_AIE           0x20
#define B_UIE           0x10
#define B_DM_BINARY     0x04
#define B_24H           0x02
#define C_IRQF          0x80
#define C_PF            0x40
#define C_AF            0x20
#define C_UF            0x10
#define D_VRT           0x80

/*
 * Per-domain RTC.
 * (i) set in vrtc_init; (l) guarded by lock.
 * Lock order: lock, then the interrupt controllers (IRQ 8 is set while it
 * is held, so that the line follows IRQF in order), then the timer queue
 * lock.  The timer handler takes lock: vrtc_destroy kills the timer
 * without holding it.
 */
struct vrtc {
    spinlock_t lock;
    struct domain *d;           /* (i) */
    uint8_t cmos[128];          /* (l) RAM, alarm bytes; time bytes while halted */
    uint8_t index;              /* (l) port 0x70 bits 6:0 */
    bool nmi_masked;            /* (l) port 0x70 bit 7 */
    bool halted;                /* (l) SET or divider reset: the time does not advance */
    bool irq_line;              /* (l) IRQ 8 as last driven */
    uint64_t base_secs;         /* (l) Unix time at epoch_ns */
    uint64_t epoch_ns;          /* (l) now_ns() of the last whole second boundary base */
    uint64_t frozen_secs;       /* (l) the time when it halted */
    uint64_t last_eval_ns;      /* (l) flags are up to date until here */
    struct timer timer;         /* own locking */
};

struct rtc_time {
    unsigned year, mon, day, hour, min, sec, wday;  /* mon 1-12, day 1-31, wday 0 = Sunday */
};

/* ---- calendar ---- */

#define YEAR_MIN 1970
#define YEAR_MAX 2199

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[m - 1] + (m == 2 && leap(y));
}

static bool time_valid(const struct rtc_time *t)
{
    return t->year >= YEAR_MIN && t->year <= YEAR_MAX && t->mon >= 1 && t->mon <= 12 && t->day >= 1 &&
           t->day <= month_days(t->year, t->mon) && t->hour < 24 && t->min < 60 && t->sec < 60;
}

static uint64_t to_unix(const struct rtc_time *t)
{
    uint64_t days = 0;
    for (unsigned y = YEAR_MIN; y < t->year; y++)
        days += leap(y) ? 366 : 365;
    for (unsigned m = 1; m < t->mon; m++)
        days += month_days(t->year, m);
    days += t->day - 1;
    return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

static void from_unix(uint64_t secs, struct rtc_time *t)
{
    uint64_t days = secs / 86400, rem = secs % 86400;
    t->wday = (unsigned)((days + 4) % 7);   /* 1970-01-01 was a Thursday */
    t->hour = (unsigned)(rem / 3600);
    t->min = (unsigned)(rem / 60 % 60);
    t->sec = (unsigned)(rem % 60);
    unsigned y = YEAR_MIN;
    while (y < YEAR_MAX && days >= (leap(y) ? 366u : 365u))
        days -= leap(y++) ? 366 : 365;
    unsigned m = 1;
    while (m < 12 && days >= month_days(y, m))
        days -= month_days(y, m++);
    t->year = y;
    t->mon = m;
    t->day = (unsigned)days + 1;
}

/* ---- register formats ---- */

static uint8_t enc(uint8_t b_reg, unsigned v)
{
    return (b_reg & B_DM_BINARY) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | (v % 10));
}

/* Decoded value, or -1 for a BCD byte with a digit above 9. */
static int dec(uint8_t b_reg, uint8_t v)
{
    if (b_reg & B_DM_BINARY)
        return v;
    if ((v & 0xf) > 9 || (v >> 4) > 9)
        return -1;
    return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(uint8_t b_reg, unsigned h)
{
    if (b_reg & B_24H)
        return enc(b_reg, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(enc(b_reg, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(uint8_t b_reg, uint8_t v)
{
    if (b_reg & B_24H)
        return dec(b_reg, v);
    int h12 = dec(b_reg, v & 0x7f);
    if (h12 < 1 || h12 > 12)
        return -1;
    return h12 % 12 + ((v & 0x80) ? 12 : 0);
}

/* Time registers 0, 2, 4, 6-9 and the century byte for time t. */
static void render(uint8_t b_reg, uint64_t secs, uint8_t out[128])
{
    struct rtc_time t;
    from_unix(secs, &t);
    out[0] = enc(b_reg, t.sec);
    out[2] = enc(b_reg, t.min);
    out[4] = enc_hour(b_reg, t.hour);
    out[6] = enc(b_reg, t.wday + 1);    /* 1 = Sunday */
    out[7] = enc(b_reg, t.day);
    out[8] = enc(b_reg, t.mon);
    out[9] = enc(b_reg, t.year % 100);
    out[REG_CENTURY] = enc(b_reg, t.year / 100);
}

/* The time the registers in regs[] say, or false if they are not a date. */
static bool parse(uint8_t b_reg, const uint8_t regs[128], uint64_t *secs)
{
    int s = dec(b_reg, regs[0]), mi = dec(b_reg, regs[2]), h = dec_hour(b_reg, regs[4]);
    int d = dec(b_reg, regs[7]), mo = dec(b_reg, regs[8]), y = dec(b_reg, regs[9]);
    int c = dec(b_reg, regs[REG_CENTURY]);
    if (s < 0 || mi < 0 || h < 0 || d < 0 || mo < 0 || y < 0 || y > 99)
        return false;
    if (c < 19 || c > 21)
        c = y < 70 ? 20 : 19;           /* no usable century byte: the usual 1970-2069 window */
    struct rtc_time t = { (unsigned)(c * 100 + y), (unsigned)mo, (unsigned)d, (unsigned)h,
                          (unsigned)mi, (unsigned)s, 0 };
    if (!time_valid(&t))
        return false;
    *secs = to_unix(&t);
    return true;
}

static bool is_time_reg(unsigned idx)
{
    return idx == 0 || idx == 2 || idx == 4 || (idx >= 6 && idx <= 9) || idx == REG_CENTURY;
}

/* ---- the host clock (read once) ---- */

static spinlock_t host_cmos_lock = SPINLOCK_INIT;   /* leaf: the host's ports 0x70/0x71 */
static bool host_time_known;
static uint64_t host_unix_at, host_ns_at;           /* (host_cmos_lock) */

static uint8_t host_cmos(uint8_t idx)
{
    outb(0x70, idx);
    return inb(0x71);
}

static bool read_host_clock(uint64_t *secs)
{
    uint8_t r[128], again[128];
    for (int tries = 0; tries < 4; tries++) {
        /* Wait (bounded) for no update in progress, read, and accept the
         * values only if a second read agrees. */
        for (unsigned spin = 0; spin < 100000 && (host_cmos(REG_A) & A_UIP); spin++)
            cpu_relax();
        for (unsigned i = 0; i <= 9; i++)
            r[i] = host_cmos((uint8_t)i);
        r[REG_CENTURY] = host_cmos(REG_CENTURY);
        for (unsigned i = 0; i <= 9; i++)
            again[i] = host_cmos((uint8_t)i);
        again[REG_CENTURY] = r[REG_CENTURY];
        bool same = true;
        for (unsigned i = 0; i <= 9; i++)
            same &= r[i] == again[i];
        if (same)
            return parse(host_cmos(REG_B), r, secs);
    }
    return false;
}

uint64_t vrtc_host_unix_now(void)
{
    uint64_t f = spin_lock_irqsave(&host_cmos_lock);
    if (!host_time_known) {
        uint64_t secs;
        if (!read_host_clock(&secs)) {
            printk(LOG_WARN, "vrtc: host RTC unreadable: guests start at 2024-01-01 00:00:00 UTC\n");
            secs = DEFAULT_UNIX;
        }
        host_unix_at = secs;
        host_ns_at = now_ns();
        host_time_known = true;
    }
    uint64_t now = host_unix_at + (now_ns() - host_ns_at) / NS_PER_S;
    spin_unlock_irqrestore(&host_cmos_lock, f);
    return now;
}

/* ---- the clock of one domain ---- */

static struct vrtc *rtc_of(struct domain *d)
{
    return d->plat ? d->plat->rtc : NULL;
}

static uint64_t cur_secs(const struct vrtc *r, uint64_t now)
{
    if (r->halted)
        return r->frozen_secs;
    return r->base_secs + (now - r->epoch_ns) / NS_PER_S;
}

static bool divider_reset(const struct vrtc *r)
{
    return (r->cmos[REG_A] & A_DV_RESET) == A_DV_RESET;
}

/* 32.768 kHz divider ticks since the epoch. */
static uint64_t ticks32k(uint64_t ns)
{
    return ns / NS_PER_S * 32768 + ns % NS_PER_S * 32768 / NS_PER_S;
}

/* log2 of the periodic-interrupt divider, in 32.768 kHz ticks, or -1. */
static int pf_shift(const struct vrtc *r)
{
    unsigned rs = r->cmos[REG_A] & 0x0f;
    if (rs == 0)
        return -1;
    return rs <= 2 ? (int)rs + 6 : (int)rs - 1;  /* RS 1, 2 are 256, 128 Hz (datasheet table 5) */
}

static bool alarm_matches(const struct vrtc *r, uint64_t secs)
{
    uint8_t now[128];
    render(r->cmos[REG_B], secs, now);
    static const uint8_t pairs[3][2] = { { 1, 0 }, { 3, 2 }, { 5, 4 } };
    for (unsigned i = 0; i < 3; i++) {
        uint8_t alarm = r->cmos[pairs[i][0]];
        if ((alarm & 0xc0) != 0xc0 && alarm != now[pairs[i][1]])    /* 11xxxxxx = don't care */
            return false;
    }
    return true;
}

/* Bring PF/AF/UF up to now. */
static void evaluate(struct vrtc *r, uint64_t now)
{
    uint64_t last = r->last_eval_ns;
    r->last_eval_ns = now;
    if (now <= last || divider_reset(r))
        return;
    int s = pf_shift(r);
    if (s >= 0 && (ticks32k(now - r->epoch_ns) >> s) != (ticks32k(last - r->epoch_ns) >> s))
        r->cmos[REG_C] |= C_PF;
    if (!r->halted && (now - r->epoch_ns) / NS_PER_S != (last - r->epoch_ns) / NS_PER_S) {
        r->cmos[REG_C] |= C_UF;
        if (alarm_matches(r, cur_secs(r, now)))
            r->cmos[REG_C] |= C_AF;
    }
}

static bool irqf(const struct vrtc *r)
{
    return (r->cmos[REG_C] & r->cmos[REG_B] & (C_PF | C_AF | C_UF)) != 0;
}

/* Drive IRQ 8 from IRQF and re-arm the timer for the next flag that could
 * raise it. */
static void update_irq(struct vrtc *r, uint64_t now)
{
    bool level = irqf(r);
    if (level != r->irq_line) {
        r->irq_line = level;
        hvm_legacy_irq_set(r->d, HVM_LSRC_RTC, level);    /* IRQ 8 unless the HPET owns it */
    }
    uint8_t b = r->cmos[REG_B];
    int s = pf_shift(r);
    uint64_t next = UINT64_MAX, rel = now - r->epoch_ns;
    if (!level && !divider_reset(r)) {
        if ((b & B_PIE) && s >= 0) {
            uint64_t tick = ((ticks32k(rel) >> s) + 1) << s;    /* next PF, in 32 kHz ticks */
            uint64_t ns = tick / 32768 * NS_PER_S + (tick % 32768 * NS_PER_S + 32767) / 32768;
            next = r->epoch_ns + ns;
        }
        if ((b & (B_UIE | B_AIE)) && !r->halted) {
            uint64_t sec = r->epoch_ns + (rel / NS_PER_S + 1) * NS_PER_S;
            next = MIN(next, sec);
        }
    }
    if (next == UINT64_MAX)
        timer_stop(&r->timer);
    else
        timer_set(&r->timer, next);
}

static void rtc_timer_fn(void *data)
{
    struct vrtc *r = data;
    uint64_t f = spin_lock_irqsave(&r->lock);
    uint64_t now = now_ns();
    evaluate(r, now);
    update_irq(r, now);
    spin_unlock_irqrestore(&r->lock, f);
}

/* SET or the divider reset changed: freeze or restart the clock.  A
 * restart begins a new second (the datasheet's first update comes one
 * period after SET is cleared). */
static void update_halt(struct vrtc *r, uint64_t now)
{
    bool halt = (r->cmos[REG_B] & B_SET) || divider_reset(r);
    if (halt == r->halted)
        return;
    evaluate(r, now);
    if (halt) {
        r->frozen_secs = cur_secs(r, now);
        render(r->cmos[REG_B], r->frozen_secs, r->cmos);
        r->halted = true;
    } else {
        uint64_t secs;
        if (!parse(r->cmos[REG_B], r->cmos, &secs))
            secs = r->frozen_secs;  /* not a date: the clock keeps its old time */
        r->base_secs = secs;
        r->epoch_ns = now;
        r->last_eval_ns = now;
        r->halted = false;
    }
}

static uint8_t read_reg(struct vrtc *r, unsigned idx, uint64_t now)
{
    switch (idx) {
    case REG_A: {
        uint64_t phase = (now - r->epoch_ns) % NS_PER_S;
        bool uip = !r->halted && phase >= NS_PER_S - UIP_NS;
        return (uint8_t)((r->cmos[REG_A] & 0x7f) | (uip ? A_UIP : 0));
    }
    case REG_C: {
        evaluate(r, now);
        uint8_t v = (uint8_t)(r->cmos[REG_C] | (irqf(r) ? C_IRQF : 0));
        r->cmos[REG_C] = 0;
        update_irq(r, now);
        return v;
    }
    case REG_D:
        return D_VRT;
    default:
        break;
    }
    if (is_time_reg(idx) && !r->halted) {
        uint8_t t[128];
        render(r->cmos[REG_B], cur_secs(r, now), t);
        return t[idx];
    }
    return r->cmos[idx];
}

static void write_reg(struct vrtc *r, unsigned idx, uint8_t v, uint64_t now)
{
    switch (idx) {
    case REG_A:
        evaluate(r, now);
        r->cmos[REG_A] = v & 0x7f;  /* UIP is read-only */
        update_halt(r, now);
        update_irq(r, now);
        return;
    case REG_B:
        evaluate(r, now);
        if (v & B_SET)
            v &= (uint8_t)~B_UIE;   /* datasheet: setting SET clears UIE */
        r->cmos[REG_B] = v;
        update_halt(r, now);
        update_irq(r, now);
        return;
    case REG_C:
    case REG_D:
    case 6:                         /* day of week: follows the date */
        return;
    default:
        break;
    }
    if (!is_time_reg(idx) || r->halted) {
        r->cmos[idx] = v;
        return;
    }
    /* One field of a running clock: apply it if the result is a date. */
    uint8_t t[128];
    uint64_t cur = cur_secs(r, now), secs;
    render(r->cmos[REG_B], cur, t);
    t[idx] = v;
    if (parse(r->cmos[REG_B], t, &secs))
        r->base_secs = r->base_secs + secs - cur;
}

static bool io_byte(struct vrtc *r, uint16_t port, bool in, uint8_t *v, uint64_t now)
{
    if (port == 0x70) {
        if (in) {
            *v = 0xff;              /* the index register is write-only */
        } else {
            r->index = *v & 0x7f;
            r->nmi_masked = *v & 0x80;
        }
        return true;
    }
    if (port == 0x71) {
        if (in)
            *v = read_reg(r, r->index, now);
        else
            write_reg(r, r->index, *v, now);
        return true;
    }
    return false;
}

bool vrtc_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vrtc *r = rtc_of(d);
    bool claimed = false;

    if (!r || (size != 1 && size != 2 && size != 4))
        return false;
    uint64_t f = spin_lock_irqsave(&r->lock);
    uint64_t now = now_ns();
    uint32_t out = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(*val >> (8 * i));
        bool mine = io_byte(r, (uint16_t)(port + i), in, &b, now);
        if (i == 0)
            claimed = mine;
        if (!claimed)
            break;
        out |= (uint32_t)(mine ? b : 0xff) << (8 * i);
    }
    spin_unlock_irqrestore(&r->lock, f);
    if (claimed && in)
        *val = out;
    return claimed;
}

static void put16(uint8_t *cmos, unsigned idx, uint64_t v)
{
    v = MIN(v, 0xffffull);
    cmos[idx] = (uint8_t)v;
    cmos[idx + 1] = (uint8_t)(v >> 8);
}

/* Memory size bytes as PC BIOSes store them: base memory in KiB (0x15),
 * extended memory above 1 MiB in KiB (0x17 and the POST copy at 0x30),
 * memory between 16 MiB and 4 GiB in 64 KiB units (0x34), memory above
 * 4 GiB in 64 KiB units (0x5b-0x5d, 24 bits), and the checksum of
 * 0x10-0x2d at 0x2e (high byte first). */
static void set_memory_bytes(struct vrtc *r, uint64_t mem)
{
    uint64_t low = MIN(mem, GPA_LOWMEM_LIMIT), high = mem - low;
    put16(r->cmos, 0x15, 640);
    uint64_t ext_kib = low > MiB(1) ? (low - MiB(1)) >> 10 : 0;
    put16(r->cmos, 0x17, ext_kib);
    put16(r->cmos, 0x30, ext_kib);
    put16(r->cmos, 0x34, low > MiB(16) ? (low - MiB(16)) >> 16 : 0);
    uint64_t high64k = MIN(high >> 16, 0xffffffull);
    r->cmos[0x5b] = (uint8_t)high64k;
    r->cmos[0x5c] = (uint8_t)(high64k >> 8);
    r->cmos[0x5d] = (uint8_t)(high64k >> 16);
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2d; i++)
        sum += r->cmos[i];
    r->cmos[0x2e] = (uint8_t)(sum >> 8);
    r->cmos[0x2f] = (uint8_t)sum;
}

int vrtc_init(struct domain *d)
{
    struct vrtc *r = xzalloc(sizeof(*r), HEAP_HVM);
    if (!r)
        return -ENOMEM;
    r->d = d;
    /* What a PC BIOS leaves: 32.768 kHz time base, 1024 Hz periodic rate
     * (not enabled), BCD, 24-hour mode. */
    r->cmos[REG_A] = 0x26;
    r->cmos[REG_B] = B_24H;
    r->cmos[REG_D] = D_VRT;
    set_memory_bytes(r, d->mem_bytes);
    r->base_secs = vrtc_host_unix_now();
    r->epoch_ns = now_ns();
    r->last_eval_ns = r->epoch_ns;
    timer_init(&r->timer, rtc_timer_fn, r, d->nr_vcpus ? d->vcpus[0]->processor : 0);
    d->plat->rtc = r;
    return 0;
}

void vrtc_set_memory(struct domain *d)
{
    struct vrtc *r = rtc_of(d);
    if (!r)
        return;
    uint64_t f = spin_lock_irqsave(&r->lock);
    set_memory_bytes(r, d->mem_bytes);
    spin_unlock_irqrestore(&r->lock, f);
}

void vrtc_destroy(struct domain *d)
{
    struct vrtc *r = rtc_of(d);
    if (!r)
        return;
    timer_kill(&r->timer);
    d->plat->rtc = NULL;
    xfree(r);
}
