/*
 * Log-dirty tracking on HAP (docs/shadow.md "Log-dirty"): which pages of an
 * HVM/PVH domain were written since the last CLEAN, for live migration.
 *
 * Pages are tracked by taking the hardware write right away from their
 * nested (NPT/EPT) leaves, 4 KiB each (a large leaf is split first), while
 * the rights the p2m records stay as they were (mm/p2m.c
 * p2m_set_hw_write).  The first write to a protected page exits with a
 * write NPF / EPT violation: the page's bit is set and its leaf made
 * writable again, and the instruction runs again; later writes to it cost
 * nothing until the next CLEAN protects it again.  The hypervisor's own
 * writes into the domain's RAM (hvm/guest_mem.c) set bits directly.
 *
 * CLEAN takes each bitmap word (64 pages) and clears it, protects again the
 * pages it named, and copies it out.  A write to such a page between the
 * word's clearing and the TLB flush at the end of the call is not in the
 * next round's bitmap, but happened before CLEAN returned, so the caller's
 * copy of the page (made after CLEAN) holds it; a write after the flush
 * faults and is logged.  Faults and CLEAN take the domain's log-dirty lock,
 * so a fault cannot unprotect a page between CLEAN's clearing of its bit
 * and its protection.
 *
 * Bounded work: ENABLE, OFF and CLEAN handle at most LOGDIRTY_BATCH pages
 * per call, then return -ERESTART; the caller's same call continues at the
 * cursor kept here (a PV caller re-issues it without knowing, as for
 * mmu_update).  A different operation in between abandons the partial one
 * (its cursor restarts at 0).  PEEK only copies bits (one bit per page)
 * and runs in one call.
 */
#include "mm/logdirty.h"
#include "mm/e820.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "mm/mm.h"
#include "mm/p2m.h"
#include "mm/physmap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/domctl.h"

#define LOGDIRTY_BATCH  16384u      /* pages per call: a multiple of 64 */

/* Owned by its domain (d->logdirty, set once, freed at destruction). */
struct logdirty {
    spinlock_t lock;                /* everything below; taken before the p2m lock, nothing else under it */
    bool enabled;                   /* (lock); read unlocked as a hint by the fault path */
    uint64_t nr_gfns;               /* (i) bits in bitmap: the top of the domain's RAM */
    uint64_t *bitmap;               /* (lock) one bit per gfn */
    unsigned cursor_op;             /* (lock) the op a cursor belongs to, ~0 = none */
    uint64_t cursor;                /* (lock) first gfn the next call of cursor_op handles */
    uint32_t fault_count;           /* (lock) write faults since the last CLEAN began */
    uint32_t pass_faults, pass_dirty;   /* (lock) the CLEAN pass running: its figures so far */
};

static uint64_t ram_top_gfn(const struct domain *d)
{
    uint64_t r[2][2];
    unsigned n = e820_ram_ranges(d->mem_bytes, r);
    return n ? r[n - 1][1] >> 12 : 0;
}

static bool gfn_is_ram(const struct domain *d, uint64_t gfn)
{
    uint64_t r[2][2];
    unsigned n = e820_ram_ranges(d->mem_bytes, r);
    for (unsigned i = 0; i < n; i++)
        if ((gfn << 12) >= r[i][0] && (gfn << 12) < r[i][1])
            return true;
    return false;
}

static struct logdirty *get_or_alloc(struct domain *d)
{
    struct logdirty *ld = __atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE);
    if (ld)
        return ld;
    ld = xzalloc(sizeof(*ld), HEAP_HVM);
    if (!ld)
        return NULL;
    ld->lock = (spinlock_t)SPINLOCK_INIT;
    ld->nr_gfns = ram_top_gfn(d);
    ld->bitmap = xzalloc(((ld->nr_gfns + 63) / 64) * 8 + 8, HEAP_HVM);
    ld->cursor_op = ~0u;
    if (!ld->bitmap) {
        xfree(ld);
        return NULL;
    }
    struct logdirty *none = NULL;
    /* Only the control domain calls this, one call at a time per caller;
     * a second caller racing loses here and uses the winner's. */
    if (!__atomic_compare_exchange_n(&d->logdirty, &none, ld, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        xfree(ld->bitmap);
        xfree(ld);
        return none;
    }
    return ld;
}

/* Where op's pass starts this call (its own cursor, or 0 for a new pass). */
static uint64_t take_cursor(struct logdirty *ld, unsigned op)
{
    if (ld->cursor_op != op) {
        ld->cursor_op = op;
        ld->cursor = 0;
    }
    return ld->cursor;
}

/* End of an ENABLE/OFF call: -ERESTART with the cursor at 'next', or 0
 * when the pass is done. */
static long finish_call(struct logdirty *ld, uint64_t next)
{
    if (next < ld->nr_gfns) {
        ld->cursor = next;
        return -ERESTART;
    }
    ld->cursor_op = ~0u;
    ld->cursor = 0;
    return 0;
}

/* ENABLE (writable = false) and OFF (true): one batch of the RAM pages. */
static long protect_pass(struct domain *d, struct logdirty *ld, unsigned op, bool writable)
{
    uint64_t f = spin_lock_irqsave(&ld->lock);
    if (op == XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY && ld->cursor_op != op) {
        /* A new enable: an empty bitmap, faults logged from now on. */
        if (ld->enabled) {
            spin_unlock_irqrestore(&ld->lock, f);
            return -EINVAL;     /* already on (Xen refuses too) */
        }
        memset(ld->bitmap, 0, ((ld->nr_gfns + 63) / 64) * 8);
        ld->fault_count = 0;
        ld->enabled = true;
    }
    if (op == XEN_DOMCTL_SHADOW_OP_OFF)
        ld->enabled = false;
    uint64_t gfn = take_cursor(ld, op), end = MIN(gfn + LOGDIRTY_BATCH, ld->nr_gfns);
    int rc = 0;
    for (; gfn < end && rc >= 0; gfn++)
        if (gfn_is_ram(d, gfn))
            rc = p2m_set_hw_write(&d->p2m, gfn, writable);
    long ret = rc < 0 ? rc : finish_call(ld, end);
    spin_unlock_irqrestore(&ld->lock, f);
    if (!writable)
        physmap_flush(d);       /* no lock held: it waits for the domain's vCPUs */
    return ret;
}

static long clean_or_peek(struct vcpu *caller, struct domain *d, struct logdirty *ld,
                          struct xen_domctl_shadow_op *op)
{
    bool clean = op->op == XEN_DOMCTL_SHADOW_OP_CLEAN;
    uint64_t bits = MIN(op->pages, ld->nr_gfns);
    uint64_t f = spin_lock_irqsave(&ld->lock);
    if (!ld->enabled) {
        spin_unlock_irqrestore(&ld->lock, f);
        return -EINVAL;
    }
    uint64_t gfn = clean ? take_cursor(ld, op->op) : 0;
    uint64_t end = clean ? MIN(gfn + LOGDIRTY_BATCH, bits) : bits;
    /* fault_count: write faults since the last CLEAN began (a CLEAN's
     * first call starts a new count); dirty_count: the bits reported (by
     * the whole pass, for a CLEAN of several calls). */
    uint32_t faults = ld->fault_count, dirty = 0;
    if (clean && gfn == 0) {
        ld->pass_faults = ld->fault_count;
        ld->pass_dirty = 0;
        ld->fault_count = 0;
    }
    spin_unlock_irqrestore(&ld->lock, f);

    long rc = 0;
    for (; gfn < end; gfn += 64) {
        uint64_t w = gfn / 64;
        /* Only the bits the caller has room for are reported, and only
         * those are cleared: pages past its count stay dirty. */
        unsigned nbits = (unsigned)MIN(64ull, bits - gfn);
        uint64_t mask = nbits < 64 ? (1ull << nbits) - 1 : ~0ull;
        f = spin_lock_irqsave(&ld->lock);
        uint64_t word = ld->bitmap[w] & mask;
        if (clean) {
            ld->bitmap[w] &= ~mask;
            for (unsigned b = 0; b < 64; b++)
                if (word & (1ull << b))
                    p2m_set_hw_write(&d->p2m, w * 64 + b, false);
        }
        spin_unlock_irqrestore(&ld->lock, f);
        for (uint64_t x = word; x; x &= x - 1)     /* no libgcc: count the bits by hand */
            dirty++;
        if (copy_to_guest(caller, op->dirty_bitmap + w * 8, &word, (nbits + 7) / 8)) {
            if (clean) {
                /* Not delivered: the pages stay dirty for the next round. */
                f = spin_lock_irqsave(&ld->lock);
                ld->bitmap[w] |= word;
                spin_unlock_irqrestore(&ld->lock, f);
            }
            rc = -EFAULT;
            break;
        }
    }
    if (clean)
        physmap_flush(d);
    f = spin_lock_irqsave(&ld->lock);
    if (clean) {
        /* A CLEAN's figures cover its whole pass, over all its calls. */
        ld->pass_dirty += dirty;
        faults = ld->pass_faults;
        dirty = ld->pass_dirty;
        if (rc == 0 && end < bits) {
            ld->cursor = end;       /* the same call continues there */
            rc = -ERESTART;
        } else {
            ld->cursor_op = ~0u;
            ld->cursor = 0;
        }
    }
    spin_unlock_irqrestore(&ld->lock, f);
    if (rc == 0) {
        op->pages = bits;
        op->fault_count = faults;
        op->dirty_count = dirty;
    }
    return rc;
}

long logdirty_domctl(struct vcpu *caller, struct domain *d, struct xen_domctl_shadow_op *op)
{
    if (d->type != DOMCFG_HVM && d->type != DOMCFG_PVH)
        return -EOPNOTSUPP;     /* not yet: PV domains need their own tracking (docs/shadow.md) */
    unsigned code = op->op;
    if (code == XEN_DOMCTL_SHADOW_OP_ENABLE) {
        if (op->mode != XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY)
            return -EINVAL;     /* shadow modes other than log-dirty: not on HAP */
        code = XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY;
    }
    struct logdirty *ld;
    switch (code) {
    case XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
        ld = get_or_alloc(d);
        if (!ld)
            return -ENOMEM;
        return protect_pass(d, ld, code, false);
    case XEN_DOMCTL_SHADOW_OP_OFF:
        ld = __atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE);
        return ld ? protect_pass(d, ld, code, true) : 0;
    case XEN_DOMCTL_SHADOW_OP_CLEAN:
    case XEN_DOMCTL_SHADOW_OP_PEEK:
        ld = __atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE);
        return ld ? clean_or_peek(caller, d, ld, op) : -EINVAL;
    default:
        return -EINVAL;
    }
}

bool logdirty_write_fault(struct vcpu *v, uint64_t gpa)
{
    struct domain *d = v->domain;
    struct logdirty *ld = __atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE);
    uint64_t gfn = gpa >> 12;
    bool handled = false;

    if (!ld)
        return false;
    uint64_t f = spin_lock_irqsave(&ld->lock);
    if (p2m_hw_write_protected(&d->p2m, gfn)) {
        if (ld->enabled && gfn < ld->nr_gfns)
            ld->bitmap[gfn / 64] |= 1ull << (gfn % 64);
        ld->fault_count++;
        p2m_set_hw_write(&d->p2m, gfn, true);
        handled = true;
    } else {
        /* Already writable (another vCPU's fault, or OFF): a stale
         * translation of this vCPU's; run again with a fresh tag. */
        unsigned perms = 0;
        handled = p2m_lookup(&d->p2m, gfn, &perms) != ~0ull && (perms & P2M_W) &&
                  physmap_ram_mfn(d, gfn) != PHYSMAP_NO_MFN;
    }
    spin_unlock_irqrestore(&ld->lock, f);
    if (handled)
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
    return handled;
}

/*
 * Shadow paging (hvm/shadow_hvm.c, docs/shadow.md "Log-dirty on shadow
 * paging"): the same p2m software bit (P2M_SW_LD_PROT) says "not yet dirty
 * in this round" for a shadow domain, whose p2m the CPU never walks, so
 * ENABLE, CLEAN and OFF are the HAP code unchanged.  A protected frame's
 * shadow leaf is filled read-only; a write to it (the guest's own tables
 * allow it: a shadow fault, not a guest fault) is the log-dirty fault.
 * The check without the lock is safe: a CLEAN that protects the frame
 * after it bumps the p2m generation, and the vCPU empties its shadow
 * before its next entry (CLEAN's physmap_flush waits for that).
 */
int logdirty_shadow_may_write(struct vcpu *v, uint64_t gfn, bool writing)
{
    struct domain *d = v->domain;

    if (!__atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE) || !p2m_hw_write_protected(&d->p2m, gfn))
        return LD_SHADOW_WRITABLE;
    if (!writing)
        return LD_SHADOW_READ_ONLY;
    return logdirty_write_fault(v, gfn << 12) ? LD_SHADOW_MARKED : LD_SHADOW_READ_ONLY;
}

void logdirty_mark(struct domain *d, uint64_t gfn)
{
    struct logdirty *ld = __atomic_load_n(&d->logdirty, __ATOMIC_ACQUIRE);
    if (!ld || !READ_ONCE(ld->enabled) || gfn >= ld->nr_gfns)
        return;
    uint64_t f = spin_lock_irqsave(&ld->lock);
    if (ld->enabled)
        ld->bitmap[gfn / 64] |= 1ull << (gfn % 64);
    spin_unlock_irqrestore(&ld->lock, f);
}

void logdirty_domain_destroy(struct domain *d)
{
    struct logdirty *ld = d->logdirty;
    if (!ld)
        return;
    /* How often a flush had to get a vCPU out of its guest with an NMI
     * (mm/physmap.c): 0 wherever IPIs reach guests; under Bochs's VMX, a
     * vCPU looping with IF clear and no exit. */
    domain_log(d, LOG_INFO, "log-dirty: %lu NMI kicks in physmap_flush\n",
               (unsigned long)__atomic_load_n(&d->flush_nmi_kicks, __ATOMIC_RELAXED));
    d->logdirty = NULL;
    xfree(ld->bitmap);
    xfree(ld);
}
