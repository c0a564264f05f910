/*
 * Virtual local APIC, one per HVM vCPU (Intel SDM vol. 3 chapter 11; x2APIC
 * in 11.12).  Both access paths share one register model: xAPIC MMIO at
 * offset o is x2APIC MSR 0x800 + o/16.
 *
 * The timer counts at a fixed 1 GHz bus clock (before the divider), so a
 * count converts to nanoseconds with a multiply; guests calibrate it anyway.
 * Interrupts are only *recorded* here (IRR); hvm/intr.c picks the highest
 * deliverable one at each VM entry and injects it.
 */
#include "hvm/vlapic.h"
#include "hvm/vlapic_priv.h"
#include "hvm/platform.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "arch/x86/time.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"

#define MSR_TSC_DEADLINE 0x6e0
#define MSR_APIC_BASE    0x1b

/* A periodic timer faster than this would keep a CPU busy with nothing
 * but its interrupts; guests asking for more get this. */
#define MIN_PERIOD_NS   100000ull

static bool x2apic_mode(const struct vlapic *a)
{
    return a->apic_base & APIC_BASE_EXTD;
}

static bool hw_enabled(const struct vlapic *a)
{
    return a->apic_base & APIC_BASE_EN;
}

static bool sw_enabled(const struct vlapic *a)
{
    return a->svr & SVR_ENABLE;
}

static int highest_bit(const uint32_t *bm)
{
    for (int i = 7; i >= 0; i--)
        if (bm[i])
            return i * 32 + 31 - __builtin_clz(bm[i]);
    return -1;
}


/* Processor priority (SDM 11.8.3.1). */
static uint32_t ppr(const struct vlapic *a)
{
    int isrv = highest_bit(a->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

/* Divide configuration register -> divisor (SDM 11.5.4). */
static uint32_t divisor(const struct vlapic *a)
{
    unsigned code = (a->tdcr & 3) | ((a->tdcr >> 1) & 4);
    return code == 7 ? 1 : 2u << code;
}

/* ---- accepting interrupts ---------------------------------------------- */

/* Record vector in IRR; caller holds a->lock.  Returns whether the vCPU
 * needs a kick: the vector is new, or an illegal one (0-15, never entered
 * in IRR) made the LVT Error entry deliver its own (vlapic_err.c). */
static bool accept_fixed(struct vlapic *a, uint8_t vector, bool level)
{
    if (vector < 16)
        return vlapic_error(a, ESR_RECV_ILLEGAL);
    if (level)
        set_bit256(a->tmr, vector);
    else
        clr_bit256(a->tmr, vector);
    if (test_bit256(a->irr, vector))
        return false;
    set_bit256(a->irr, vector);
    return true;
}

static void deliver_one(struct vlapic *a, unsigned mode, uint8_t vector, bool level)
{
    struct vcpu *v = a->v;
    bool kick = false;
    uint64_t f = spin_lock_irqsave(&a->lock);

    if (!hw_enabled(a) && mode != APIC_DM_INIT)
        goto out;
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        kick = accept_fixed(a, vector, level);
        break;
    case APIC_DM_NMI:
        a->nmi_pending = true;
        kick = true;
        break;
    case APIC_DM_INIT:
        /* INIT on an AP puts it in wait-for-SIPI; the BSP of a running
         * guest ignoring INIT keeps a buggy guest from killing itself by
         * accident (real firmware would reset it). */
        if (v->vcpu_id != 0 && level) {
            a->wait_sipi = true;
            a->sipi_pending = false;
            kick = true;
        }
        break;
    case APIC_DM_STARTUP:
        if (a->wait_sipi && !a->sipi_pending) {
            a->sipi_vector = vector;
            a->sipi_pending = true;
            kick = true;
        }
        break;
    default:
        break;  /* SMI, reserved: nothing to emulate */
    }
out:
    spin_unlock_irqrestore(&a->lock, f);
    if (kick)
        hvm_vcpu_kick(v);
}

/* Destination matching (SDM 11.6.2).  dest is 8 bits in xAPIC terms or 32
 * bits for an x2APIC-mode target. */
static bool matches(const struct vlapic *a, uint32_t dest, bool logical)
{
    if (x2apic_mode(a)) {
        if (dest == 0xffffffffu)
            return true;
        if (!logical)
            return dest == a->id;
        return (dest >> 16) == (a->ldr >> 16) && (dest & a->ldr & 0xffff);
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == (a->id & 0xff);
    uint32_t ldr = a->ldr >> 24;
    if ((a->dfr >> 28) == 0xf)                      /* flat model */
        return ldr & dest;
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);     /* cluster model */
}

void vlapic_set_irq(struct vcpu *v, uint8_t vector)
{
    if (v->vlapic)
        deliver_one(v->vlapic, APIC_DM_FIXED, vector, false);
}

void vlapic_deliver(struct domain *d, uint32_t dest, bool dest_logical, unsigned mode, uint8_t vector,
                    bool level)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || !v->vlapic || !matches(v->vlapic, dest, dest_logical))
            continue;
        deliver_one(v->vlapic, mode, vector, level);
        /* Lowest priority: any one target is a correct choice (11.6.2.4);
         * the first keeps delivery deterministic. */
        if (mode == APIC_DM_LOWEST)
            break;
    }
}

/* An IPI from a's ICR (11.6.1). */
static void send_ipi(struct vlapic *a, uint32_t lo, uint32_t dest)
{
    struct domain *d = a->v->domain;
    unsigned mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    bool logical = lo & (1u << 11), level = lo & (1u << 15), assert = lo & (1u << 14);
    uint8_t vector = lo & 0xff;

    if (mode == APIC_DM_INIT && !assert)
        return;             /* INIT level de-assert: only synchronises arbitration ids */
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        /* Send illegal vector: recorded by the sender, nothing is sent
         * (vlapic_err.c). */
        uint64_t f = spin_lock_irqsave(&a->lock);
        bool kick = vlapic_error(a, ESR_SEND_ILLEGAL);
        spin_unlock_irqrestore(&a->lock, f);
        if (kick)
            hvm_vcpu_kick(a->v);
        return;
    }
    if (mode == APIC_DM_STARTUP || mode == APIC_DM_INIT)
        assert = true, level = true;
    /* Fixed IPIs are edge-triggered in practice; a level trigger would make
     * an EOI look for an IOAPIC pin that never asserted it. */
    if (mode != APIC_DM_INIT)
        level = false;
    switch (shorthand) {
    case 0:
        vlapic_deliver(d, dest, logical, mode, vector, level);
        break;
    case 1:
        deliver_one(a, mode, vector, level);
        break;
    default:
        for (unsigned i = 0; i < d->nr_vcpus; i++) {
            struct vcpu *t = d->vcpus[i];
            if (t && t->vlapic && (shorthand == 2 || t->vlapic != a))
                deliver_one(t->vlapic, mode, vector, level);
        }
        break;
    }
}

/* ---- the timer ----------------------------------------------------------- */

static uint64_t period_ns(const struct vlapic *a)
{
    return (uint64_t)a->tmict * divisor(a);     /* 1 GHz bus clock */
}

/* Caller holds a->lock: (re)arm the host timer for the current mode. */
static void timer_arm(struct vlapic *a, uint64_t deadline_ns)
{
    a->timer_deadline_ns = deadline_ns;
    if (deadline_ns)
        timer_set(&a->timer, deadline_ns);
    else
        timer_stop(&a->timer);
}

static void timer_fire(void *data)
{
    struct vlapic *a = data;
    bool kick = false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    uint32_t lvt = a->lvt[LVT_TIMER];
    uint64_t now = now_ns();

    if (!a->timer_deadline_ns || now < a->timer_deadline_ns) {
        if (a->timer_deadline_ns)
            timer_set(&a->timer, a->timer_deadline_ns);     /* re-armed since: not due yet */
        goto out;
    }
    if (!(lvt & LVT_MASKED) && sw_enabled(a))
        kick = accept_fixed(a, lvt & 0xff, false);
    if (LVT_TIMER_MODE(lvt) == 1 && a->tmict) {
        uint64_t p = period_ns(a) < MIN_PERIOD_NS ? MIN_PERIOD_NS : period_ns(a);
        uint64_t next = a->timer_deadline_ns + p;
        /* A guest that was not running misses ticks: they are coalesced
         * into this one rather than delivered as a burst. */
        if (next <= now)
            next = now + p;
        a->timer_start_ns = next - p;
        timer_arm(a, next);
    } else {
        a->timer_deadline_ns = 0;
        if (LVT_TIMER_MODE(lvt) == 2)
            a->tsc_deadline = 0;    /* the deadline MSR reads 0 once it fired (11.5.4.1) */
    }
out:
    spin_unlock_irqrestore(&a->lock, f);
    if (kick)
        hvm_vcpu_kick(a->v);
}

static uint64_t guest_tsc_to_ns(struct vcpu *v, uint64_t tsc)
{
    uint64_t host_tsc = tsc - v->tsc_offset;     /* this vCPU's TSC (msr.c) */
    return guest_ns_to_host_ns(tsc_to_abs_ns(host_tsc));
}

static void write_tmict(struct vlapic *a, uint32_t val)
{
    if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 2)
        return;             /* ignored in TSC-deadline mode */
    a->tmict = val;
    a->timer_start_ns = now_ns();
    if (!val) {
        timer_arm(a, 0);
        return;
    }
    uint64_t p = period_ns(a);
    if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 1 && p < MIN_PERIOD_NS)
        p = MIN_PERIOD_NS;
    timer_arm(a, a->timer_start_ns + p);
}

static uint32_t read_tmcct(const struct vlapic *a)
{
    if (!a->tmict || !a->timer_deadline_ns || LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 2)
        return 0;
    uint64_t now = now_ns();
    if (now >= a->timer_deadline_ns)
        return 0;
    return (uint32_t)((a->timer_deadline_ns - now) / divisor(a));
}

static void write_lvt_timer(struct vlapic *a, uint32_t val)
{
    unsigned old_mode = LVT_TIMER_MODE(a->lvt[LVT_TIMER]), new_mode = LVT_TIMER_MODE(val);

    if (new_mode == 3)
        new_mode = 0, val &= ~(3u << 17);  /* reserved mode: treat as one-shot */
    a->lvt[LVT_TIMER] = val & (0x700ffu | LVT_MASKED | (3u << 17));
    a->lvt[LVT_TIMER] &= ~0x700u;          /* the timer LVT has no delivery mode */
    if (old_mode != new_mode) {
        /* Switching modes disarms the timer (11.5.4.1). */
        a->tmict = 0;
        a->tsc_deadline = 0;
        timer_arm(a, 0);
    }
}

/* ---- register access ------------------------------------------------------- */

static uint32_t *lvt_slot(struct vlapic *a, unsigned reg)
{
    switch (reg) {
    case R_LVT_TIMER: return &a->lvt[LVT_TIMER];
    case R_LVT_THERM: return &a->lvt[LVT_THERM];
    case R_LVT_PERF: return &a->lvt[LVT_PERF];
    case R_LVT_LINT0: return &a->lvt[LVT_LINT0];
    case R_LVT_LINT1: return &a->lvt[LVT_LINT1];
    case R_LVT_ERR: return &a->lvt[LVT_ERR];
    case R_LVT_CMCI: return &a->lvt[LVT_CMCI];
    }
    return NULL;
}

/* Caller holds the lock.  Returns false for a register that does not exist
 * (x2APIC: #GP; xAPIC: reads 0). */
static bool reg_read(struct vlapic *a, unsigned reg, uint32_t *val)
{
    bool x2 = x2apic_mode(a);
    uint32_t *lvt = lvt_slot(a, reg);

    if (lvt) {
        *val = *lvt;
        return true;
    }
    if (reg >= R_ISR && reg < R_ISR + 0x80) { *val = a->isr[(reg - R_ISR) >> 4]; return true; }
    if (reg >= R_TMR && reg < R_TMR + 0x80) { *val = a->tmr[(reg - R_TMR) >> 4]; return true; }
    if (reg >= R_IRR && reg < R_IRR + 0x80) { *val = a->irr[(reg - R_IRR) >> 4]; return true; }
    switch (reg) {
    case R_ID: *val = x2 ? a->id : a->id << 24; return true;
    case R_VER: *val = APIC_VERSION; return true;
    case R_TPR: *val = a->tpr; return true;
    case R_APR: *val = 0; return !x2;
    case R_PPR: *val = ppr(a); return true;
    case R_LDR: *val = a->ldr; return true;
    case R_DFR: *val = a->dfr; return !x2;
    case R_SVR: *val = a->svr; return true;
    case R_ESR: *val = a->esr; return true;
    case R_ICR_LO: *val = 0; return true;      /* delivery status: always idle */
    case R_ICR_HI: *val = a->icr_hi; return !x2;
    case R_TMICT: *val = a->tmict; return true;
    case R_TMCCT: *val = read_tmcct(a); return true;
    case R_TDCR: *val = a->tdcr; return true;
    }
    *val = 0;
    return false;
}

static void do_eoi(struct vlapic *a, bool *eoi_level, uint8_t *eoi_vec)
{
    int vec = highest_bit(a->isr);
    if (vec < 0)
        return;
    clr_bit256(a->isr, (unsigned)vec);
    if (test_bit256(a->tmr, (unsigned)vec)) {
        *eoi_level = true;
        *eoi_vec = (uint8_t)vec;
    }
}

/* Caller holds the lock; an IPI to send or a level EOI to forward is
 * returned so it happens after the lock is dropped. */
struct after { bool ipi, eoi, kick; uint32_t icr_lo, dest; uint8_t vec; };

static bool reg_write(struct vlapic *a, unsigned reg, uint64_t val64, struct after *after)
{
    bool x2 = x2apic_mode(a);
    uint32_t val = (uint32_t)val64;
    uint32_t *lvt = lvt_slot(a, reg);

    if (lvt) {
        if (reg == R_LVT_TIMER) {
            write_lvt_timer(a, val);
            return true;
        }
        uint32_t mask = 0x1f7ffu;     /* vector, mode, status, polarity, remote IRR, trigger, mask */
        if (!sw_enabled(a))
            val |= LVT_MASKED;        /* masks stay set while software-disabled (11.4.7.2) */
        *lvt = val & mask;
        return true;
    }
    switch (reg) {
    case R_TPR: a->tpr = val & 0xff; return true;
    case R_EOI:
        if (x2 && val)
            return false;             /* x2APIC: non-zero EOI write #GPs */
        do_eoi(a, &after->eoi, &after->vec);
        return true;
    case R_LDR:
        if (x2)
            return false;             /* read-only in x2APIC mode */
        a->ldr = val & 0xff000000u;
        return true;
    case R_DFR:
        if (x2)
            return false;
        a->dfr = val | 0x0fffffffu;
        return true;
    case R_SVR:
        a->svr = val & 0x13ffu;
        if (!(val & SVR_ENABLE))
            for (unsigned i = 0; i < ARRAY_SIZE(a->lvt); i++)
                a->lvt[i] |= LVT_MASKED;
        return true;
    case R_ESR:
        if (x2 && val)
            return false;             /* x2APIC: only 0 may be written (SDM 11.12) */
        vlapic_esr_write(a);          /* latch the collected errors (vlapic_err.c) */
        return true;
    case R_ICR_LO:
        after->ipi = true;
        after->icr_lo = val;
        after->dest = x2 ? (uint32_t)(val64 >> 32) : a->icr_hi >> 24;
        return true;
    case R_ICR_HI:
        if (x2)
            return false;
        a->icr_hi = val & 0xff000000u;
        return true;
    case R_TMICT: write_tmict(a, val); return true;
    case R_TDCR: a->tdcr = val & 0xb; return true;
    case R_SELF_IPI:
        if (!x2)
            return false;
        after->ipi = true;
        after->icr_lo = (val & 0xff) | (1u << 18);  /* fixed, to self */
        after->dest = 0;
        return true;
    }
    /* Read-only (ID, version, PPR, ISR/TMR/IRR, current count, ...) or
     * reserved: the write is ignored in xAPIC mode and #GPs in x2APIC mode. */
    return !x2;
}

static void run_after(struct vlapic *a, const struct after *after)
{
    if (after->kick)
        hvm_vcpu_kick(a->v);
    if (after->eoi)
        vioapic_eoi(a->v->domain, after->vec);
    if (after->ipi)
        send_ipi(a, after->icr_lo, after->dest);
}

bool vlapic_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
    struct vlapic *a = v->vlapic;
    struct after after = { 0 };
    uint32_t r;

    if (!a)
        return false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    uint64_t base = a->apic_base & ~0xfffull;
    /* The MMIO page exists only in xAPIC mode (11.12.1: in x2APIC mode the
     * page is gone).  Only aligned 32-bit accesses are defined (11.4.1);
     * others read the register they start in and write nothing. */
    if (!hw_enabled(a) || x2apic_mode(a) || gpa < base || gpa >= base + 4096) {
        spin_unlock_irqrestore(&a->lock, f);
        return false;
    }
    unsigned off = (unsigned)(gpa - base);
    unsigned reg = off & 0xff0;
    if (vlapic_xapic_reserved(reg))
        after.kick = vlapic_error(a, ESR_ILLEGAL_REG);     /* then reads 0, writes ignored */
    if (write) {
        if (size == 4 && !(off & 0xf))
            reg_write(a, reg, (uint32_t)*val, &after);
    } else {
        reg_read(a, reg, &r);
        *val = (off & 0xf) < 4 ? (uint64_t)r >> (8 * (off & 3)) : 0;
    }
    spin_unlock_irqrestore(&a->lock, f);
    run_after(a, &after);
    return true;
}

uint8_t vlapic_get_tpr(struct vcpu *v)
{
    return v->vlapic ? (uint8_t)__atomic_load_n(&v->vlapic->tpr, __ATOMIC_RELAXED) : 0;
}

void vlapic_set_tpr(struct vcpu *v, uint8_t tpr)
{
    if (v->vlapic)
        __atomic_store_n(&v->vlapic->tpr, tpr, __ATOMIC_RELAXED);
}

bool vlapic_is_msr(uint32_t msr)
{
    return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE || (msr >= 0x800 && msr <= 0x8ff);
}

bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *a = v->vlapic;
    bool ok = true;
    uint32_t r;

    if (!a)
        return false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (msr == MSR_APIC_BASE) {
        *val = a->apic_base;
    } else if (msr == MSR_TSC_DEADLINE) {
        *val = LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 2 ? a->tsc_deadline : 0;
    } else if (!x2apic_mode(a) || msr == 0x800 + (R_EOI >> 4) || msr == 0x800 + (R_SELF_IPI >> 4)) {
        ok = false;                  /* x2APIC MSRs #GP outside x2APIC mode; EOI/SELF_IPI are write-only */
    } else if (msr == 0x800 + (R_ICR_LO >> 4)) {
        *val = 0;                    /* delivery status idle; the destination is not kept */
    } else {
        ok = reg_read(a, (msr - 0x800) << 4, &r);
        *val = r;
    }
    spin_unlock_irqrestore(&a->lock, f);
    return ok;
}

static bool write_apic_base(struct vlapic *a, uint64_t val)
{
    uint64_t old = a->apic_base;
    /* Bits: 8 BSP (read-only), 10 EXTD, 11 EN, 12-35 base (11.4.4). */
    if (val & ~(0xffffff000ull | APIC_BASE_EXTD | APIC_BASE_EN | APIC_BASE_BSP))
        return false;
    val = (val & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
    bool old_x2 = (old & APIC_BASE_EXTD) && (old & APIC_BASE_EN);
    /* Legal transitions (11.12.5): EXTD without EN is invalid; x2APIC can
     * only be left by disabling the APIC. */
    if (extd && !en)
        return false;
    if (old_x2 && en && !extd)
        return false;
    if (extd && !(old & APIC_BASE_EXTD)) {
        /* Entering x2APIC mode: the logical id is derived from the id. */
        a->ldr = ((a->id >> 4) << 16) | (1u << (a->id & 0xf));
    }
    if (!en) {
        /* Hardware disable: like a reset of the APIC's state. */
        memset(a->irr, 0, sizeof(a->irr));
        memset(a->isr, 0, sizeof(a->isr));
        memset(a->tmr, 0, sizeof(a->tmr));
        for (unsigned i = 0; i < ARRAY_SIZE(a->lvt); i++)
            a->lvt[i] = LVT_MASKED;
        a->svr = 0xff;
        a->esr = a->esr_pending = 0;
        a->tmict = 0;
        timer_arm(a, 0);
    }
    a->apic_base = val;
    return true;
}

void vlapic_tsc_changed(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;

    if (!a)
        return;
    /* The deadline is a guest TSC value: when that TSC jumps, the host
     * time it falls at moves with it (SDM vol. 3A 11.5.4.1 compares the
     * deadline with the TSC itself). */
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 2 && a->tsc_deadline) {
        uint64_t ns = guest_tsc_to_ns(v, a->tsc_deadline);
        timer_arm(a, ns ? ns : 1);
    }
    spin_unlock_irqrestore(&a->lock, f);
}

bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *a = v->vlapic;
    struct after after = { 0 };
    bool ok = true;

    if (!a)
        return false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (msr == MSR_APIC_BASE) {
        ok = write_apic_base(a, val);
    } else if (msr == MSR_TSC_DEADLINE) {
        if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == 2) {
            a->tsc_deadline = val;
            timer_arm(a, val ? (guest_tsc_to_ns(v, val) ? guest_tsc_to_ns(v, val) : 1) : 0);
        }
    } else if (!x2apic_mode(a)) {
        ok = false;
    } else {
        unsigned reg = (msr - 0x800) << 4;
        /* x2APIC: reserved bits of the upper half #GP except for ICR. */
        if (reg != R_ICR_LO && (val >> 32))
            ok = false;
        else
            ok = reg_write(a, reg, val, &after);
    }
    spin_unlock_irqrestore(&a->lock, f);
    run_after(a, &after);
    return ok;
}

/* ---- the injection side ------------------------------------------------------ */

__hot_path int vlapic_pending_vector(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;
    int vec = -1;

    if (!a)
        return -1;
    /* Runs before every VM entry: an empty IRR needs no lock.  A vector set
     * after this look comes with a kick, whose IPI stays pending while host
     * interrupts are off and makes the entry exit at once. */
    uint32_t any = 0;
    for (unsigned i = 0; i < 8; i++)
        any |= __atomic_load_n(&a->irr[i], __ATOMIC_RELAXED);
    if (!any)
        return -1;
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (hw_enabled(a)) {
        int irrv = highest_bit(a->irr);
        if (irrv >= 0 && ((uint32_t)irrv & 0xf0) > (ppr(a) & 0xf0))
            vec = irrv;
    }
    spin_unlock_irqrestore(&a->lock, f);
    return vec;
}

void vlapic_ack_vector(struct vcpu *v, uint8_t vector)
{
    struct vlapic *a = v->vlapic;
    uint64_t f = spin_lock_irqsave(&a->lock);
    clr_bit256(a->irr, vector);
    set_bit256(a->isr, vector);
    spin_unlock_irqrestore(&a->lock, f);
}

bool vlapic_take_nmi(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;
    bool nmi;

    if (!a)
        return false;
    uint64_t f = spin_lock_irqsave(&a->lock);
    nmi = a->nmi_pending;
    a->nmi_pending = false;
    spin_unlock_irqrestore(&a->lock, f);
    return nmi;
}

__hot_path bool vlapic_nmi_pending(struct vcpu *v)
{
    return v->vlapic && __atomic_load_n(&v->vlapic->nmi_pending, __ATOMIC_RELAXED);
}

__hot_path bool vlapic_accepts_pic(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;
    if (!a)
        return v->vcpu_id == 0;
    uint32_t lint0 = __atomic_load_n(&a->lvt[LVT_LINT0], __ATOMIC_RELAXED);
    /* Virtual wire (MP spec 3.6.2.2): with the APIC off the 8259 drives
     * INTR directly; with it on, through LINT0 programmed as ExtINT. */
    if (!hw_enabled(a))
        return v->vcpu_id == 0;
    return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

bool vlapic_waiting_for_sipi(struct vcpu *v)
{
    return v->vlapic && __atomic_load_n(&v->vlapic->wait_sipi, __ATOMIC_ACQUIRE);
}

int vlapic_take_sipi(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;
    int vec = -1;
    uint64_t f = spin_lock_irqsave(&a->lock);
    if (a->wait_sipi && a->sipi_pending) {
        vec = a->sipi_vector;
        a->wait_sipi = a->sipi_pending = false;
    }
    spin_unlock_irqrestore(&a->lock, f);
    return vec;
}

/* ---- life cycle -------------------------------------------------------------- */

static void reset_state(struct vlapic *a, bool bsp)
{
    a->apic_base = GPA_LAPIC | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
    a->dfr = 0xffffffffu;
    for (unsigned i = 0; i < ARRAY_SIZE(a->lvt); i++)
        a->lvt[i] = LVT_MASKED;
    a->svr = 0xff;
    if (bsp) {
        /* What PC firmware leaves behind (MP spec virtual-wire mode): the
         * 8259 reaches the BSP through LINT0, NMI through LINT1, APIC on.
         * There is no firmware, so the APIC starts that way. */
        a->svr = 0x1ff;
        a->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
        a->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
    }
}

int vlapic_create(struct vcpu *v)
{
    struct vlapic *a = xzalloc(sizeof(*a), HEAP_HVM);
    if (!a)
        return -ENOMEM;
    a->lock = (spinlock_t)SPINLOCK_INIT;
    a->v = v;
    a->id = v->vcpu_id;
    reset_state(a, v->vcpu_id == 0);
    timer_init(&a->timer, timer_fire, a, smp_processor_id());
    v->vlapic = a;
    return 0;
}

void vlapic_set_wait_sipi(struct vcpu *v)
{
    uint64_t f = spin_lock_irqsave(&v->vlapic->lock);
    v->vlapic->wait_sipi = true;
    spin_unlock_irqrestore(&v->vlapic->lock, f);
}

void vlapic_destroy(struct vcpu *v)
{
    struct vlapic *a = v->vlapic;
    if (!a)
        return;
    timer_kill(&a->timer);
    v->vlapic = NULL;
    xfree(a);
}
