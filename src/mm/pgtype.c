/*
 * Frame types and direct-paging validation: the rules are in pgtype.h and
 * docs/pv.md.  Lock-free on the type word (frame.type_info): whoever moves
 * a page-table frame's type count from 0 to 1 validates it, and whoever
 * drops the last reference devalidates it; meanwhile the count is held at 1
 * without PGT_VALIDATED, so others wanting the same type wait and others
 * wanting another type are refused.
 */
#include "mm/pgtype.h"
#include <stddef.h>

#include "lib/errno.h"

#include "mm/pte_bits.h"

#define NR_ENTRIES 512
#define PGT_LOCKED (1ull << 40)     /* pgt_mod_entry's per-table lock (type_info bit) */

/* Bits a guest may set in a present entry.  Upper levels: no superpages
 * (PS), no global bit (reserved there), no cache attributes (the frame is a
 * table); L1: the global bit too, and cache attributes only for a domain
 * that owns devices (as Xen: PV domains without I/O resources map RAM
 * write-back only). */
static uint64_t allowed_bits(const struct pgt_env *e, unsigned level)
{
    uint64_t ok = E_P | E_RW | E_US | E_A | E_D | E_AVAIL | E_AVAIL_HI | E_NX | E_ADDR;

    if (level == 1) {
        ok |= E_G;
        if (e->cache_attrs_ok)
            ok |= E_PWT | E_PCD | E_PS;
    }
    return ok;
}

bool pgt_entry_flags_ok(const struct pgt_env *e, unsigned level, uint64_t pte)
{
    return !(pte & ~allowed_bits(e, level));
}

static inline uint64_t ti_load(const struct frame *f)
{
    return __atomic_load_n(&f->type_info, __ATOMIC_ACQUIRE);
}

static inline bool ti_cas(struct frame *f, uint64_t *old, uint64_t nw)
{
    return __atomic_compare_exchange_n(&f->type_info, old, nw, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline unsigned ti_type(uint64_t x)
{
    return (unsigned)((x & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
}

static inline uint64_t ti_make(unsigned type)
{
    return (uint64_t)type << PGT_TYPE_SHIFT;
}

static inline void relax(void)
{
    __builtin_ia32_pause();
}

static void bug(const struct pgt_env *e, const char *what)
{
    if (e->bug)
        e->bug(e, what);
    else
        __builtin_trap();
}

static inline bool hv_slot(unsigned level, unsigned i)
{
    return level == 4 && i >= PGT_L4_HV_FIRST && i <= PGT_L4_HV_LAST;
}

/* 32-bit PV: the hypervisor's entries of an L2X table (pgtype.h). */
static inline bool l2x_slot(const struct pgt_env *e, uint64_t mfn, unsigned level, unsigned i)
{
    return level == 2 && i >= PGT_L2X_HV_FIRST && ti_type(ti_load(&e->ft[mfn])) == FRAME_TYPE_PT_L2X;
}

/* 32-bit PV: L3 entries 4-511, which must stay empty (pgt_env.compat). */
static inline bool compat_l3_unused(const struct pgt_env *e, unsigned level, unsigned i)
{
    return e->compat && level == 3 && i >= 4;
}

static inline uint64_t entry_mfn(uint64_t pte)
{
    return (pte & E_ADDR) >> 12;
}

/* ---- linear page tables (rule 4) ---- */

/* Adds d to *v unless that would change the sign the caller forbids:
 * nonneg = true keeps *v >= 0 (a table that holds linear entries), false
 * keeps *v <= 0 (a table that is a linear target). */
static bool linear_adjust(int16_t *v, int d, bool nonneg)
{
    int16_t x = __atomic_load_n(v, __ATOMIC_RELAXED);

    for (;;) {
        int n = x + d;
        if ((nonneg && (x < 0 || n < 0)) || (!nonneg && (x > 0 || n > 0)) || n > 0x7fff || n < -0x7fff)
            return false;
        if (__atomic_compare_exchange_n(v, &x, (int16_t)n, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return true;
    }
}

/* Entry of 'table' (level L) naming t, another validated table of level L,
 * read-only.  Takes a type reference on t and the linear counts. */
static int get_linear(const struct pgt_env *e, uint64_t table, uint64_t t, unsigned level)
{
    struct frame *ft = &e->ft[t], *fs = &e->ft[table];
    uint64_t x = ti_load(ft);

    do {
        if (ti_type(x) != pgt_type_of_level(level) || !(x & PGT_VALIDATED) || !(x & PGT_COUNT_MASK) ||
            (x & PGT_COUNT_MASK) == PGT_COUNT_MASK)
            return -EINVAL;
    } while (!ti_cas(ft, &x, x + 1));
    if (!linear_adjust(&fs->linear, 1, true)) {
        pgt_put_type(e, t);
        return -EINVAL;
    }
    if (!linear_adjust(&ft->linear, -1, false)) {
        linear_adjust(&fs->linear, -1, true);
        pgt_put_type(e, t);
        return -EINVAL;
    }
    return 0;
}

/* ---- entries ---- */

static int get_type_inner(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags,
                          bool adopt_child, bool *adopted_top);

/*
 * Takes the references a present entry needs (rule 2).  'adopt' (a PARTIAL
 * table continuing): the entry's child is PARTIAL and its partial type
 * reference and general reference are already this table's.  'top'
 * (pgt_mod_entry): the child may continue a preempted top-level validation.
 */
static int get_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned level, unsigned idx,
                     uint64_t pte, unsigned flags, bool adopt)
{
    if (!(pte & E_P))
        return 0;
    if (!pgt_entry_flags_ok(e, level, pte))
        return -EINVAL;
    uint64_t t = entry_mfn(pte);
    if (level == 1 && e->io_frame && e->io_frame(e, t))
        return 0;               /* device memory of a privileged domain: nothing to count */
    if (t >= e->nr_frames)
        return -EINVAL;
    if (!adopt && !e->get_ref(e, t, dom))
        return -EINVAL;
    if (level == 1) {
        if ((pte & E_RW) && get_type_inner(e, dom, t, FRAME_TYPE_WRITABLE, 0, false, NULL)) {
            e->put_ref(e, t);
            return -EINVAL;
        }
        return 0;
    }
    bool adopted_top = false;
    /* 32-bit PV: L3 entry 3 names the L2 that holds the hypervisor's range. */
    unsigned child = e->compat && level == 3 && idx == 3 ? FRAME_TYPE_PT_L2X : pgt_type_of_level(level - 1);
    int rc = get_type_inner(e, dom, t, child, flags, adopt, &adopted_top);
    if (adopted_top)            /* the preempted operation's general reference came with it: one is enough */
        e->put_ref(e, t);
    if (rc == 0 || rc == -ERESTART)
        return rc;
    if (rc == -EINVAL && !(pte & E_RW) && !adopt && !(e->compat && level == 3)) {
        if (t == table)
            return 0;           /* self-map: the general reference is all it holds */
        if (get_linear(e, table, t, level) == 0)
            return 0;
    }
    e->put_ref(e, t);
    return rc == -EBUSY ? -EBUSY : -EINVAL;
}

/* Drops what get_entry took for pte (which must be the value it accepted,
 * up to the bits adjust_l1e may change). */
static void put_entry(const struct pgt_env *e, uint64_t table, unsigned level, uint64_t pte)
{
    if (!(pte & E_P))
        return;
    uint64_t t = entry_mfn(pte);
    if (level == 1 && e->io_frame && e->io_frame(e, t))
        return;                 /* get_entry took nothing for it */
    if (level == 1) {
        if (e->l1_put)
            e->l1_put(e, t, (pte & E_RW) != 0);
        else
            pgt_put_l1_frame(e, t, (pte & E_RW) != 0);
        return;
    }
    if (t == table) {
        e->put_ref(e, t);
        return;
    }
    /* t holds our type reference, so its type cannot change under us: the
     * table's own level means this was a linear entry. */
    if (ti_type(ti_load(&e->ft[t])) == pgt_type_of_level(level)) {
        linear_adjust(&e->ft[table].linear, -1, true);
        linear_adjust(&e->ft[t].linear, 1, false);
    }
    pgt_put_type(e, t);
    e->put_ref(e, t);
}

/* ---- whole tables ---- */

static uint64_t read_entry(const uint64_t *p, unsigned i)
{
    /* Once: a later read must not see another value than the one checked
     * (the table is read-only to the guest now, but not to the hardware's
     * A/D updates). */
    return __atomic_load_n(&p[i], __ATOMIC_RELAXED);
}

/* Drops the references of entries [0, n) and, if partial_child, entry n's. */
static void devalidate(const struct pgt_env *e, uint64_t mfn, unsigned level, unsigned n, bool partial_child)
{
    uint64_t *p = e->map(e, mfn);

    bool l2x = l2x_slot(e, mfn, level, PGT_L2X_HV_FIRST);

    for (unsigned i = 0; i < n; i++)
        if (!hv_slot(level, i) && !(l2x && i >= PGT_L2X_HV_FIRST))
            put_entry(e, mfn, level, read_entry(p, i));
    /* The hypervisor's entries leave with the type: the frame may become
     * the guest's writable page next. */
    if (l2x && n == NR_ENTRIES)
        for (unsigned i = PGT_L2X_HV_FIRST; i < NR_ENTRIES; i++)
            __atomic_store_n(&p[i], 0, __ATOMIC_RELAXED);
    if (partial_child && n < NR_ENTRIES)
        put_entry(e, mfn, level, read_entry(p, n));
}

/* The environment's rewrite of an upper-level entry, kept to the bits it
 * may change (never the address, RW or P: the references taken depend on
 * them). */
static uint64_t adjust_upper(const struct pgt_env *e, unsigned level, uint64_t pte)
{
    const uint64_t keep = E_ADDR | E_RW | E_P;
    if (e->compat && level == 3)
        return pte | E_RW | E_US | E_A;     /* a PDPTE: the levels below decide (no linear L3s here) */
    return (pte & keep) | (e->adjust_upper(e, level, pte) & ~keep);
}

/* Checks entries from frame.nr_validated on (rule 5: preemptible between
 * entries of levels 2-4, after the first one of this call). */
static int validate(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned level, bool preemptible)
{
    struct frame *f = &e->ft[mfn];
    uint64_t *p = e->map(e, mfn);
    unsigned start = f->nr_validated;

    for (unsigned i = start; i < NR_ENTRIES; i++) {
        if (hv_slot(level, i) || l2x_slot(e, mfn, level, i))
            continue;
        uint64_t pte = read_entry(p, i);
        if (compat_l3_unused(e, level, i)) {
            if (pte & E_P) {
                f->nr_validated = (uint16_t)i;
                return -EINVAL;
            }
            continue;
        }
        /* Only present entries cost anything worth stopping for. */
        if (preemptible && level >= 2 && i > start && (pte & E_P) && e->preempt && e->preempt(e)) {
            f->nr_validated = (uint16_t)i;
            return -ERESTART;
        }
        bool adopt = i == start && (f->vflags & PGV_PARTIAL_CHILD);
        f->vflags &= (uint8_t)~PGV_PARTIAL_CHILD;
        int rc = get_entry(e, dom, mfn, level, i, pte, preemptible ? PGT_PREEMPTIBLE : 0, adopt);
        if (rc == -ERESTART) {
            f->nr_validated = (uint16_t)i;
            f->vflags |= PGV_PARTIAL_CHILD;
            return rc;
        }
        if (rc) {
            f->nr_validated = (uint16_t)i;
            return rc;
        }
        if (level == 1 && (pte & E_P) && e->adjust_l1e)
            __atomic_store_n(&p[i], e->adjust_l1e(e, pte), __ATOMIC_RELAXED);
        else if (level > 1 && (pte & E_P) && e->adjust_upper)
            __atomic_store_n(&p[i], adjust_upper(e, level, pte), __ATOMIC_RELAXED);
    }
    f->nr_validated = NR_ENTRIES;
    if (level == 4 && e->init_l4)
        e->init_l4(e, mfn);
    if (l2x_slot(e, mfn, level, PGT_L2X_HV_FIRST) && e->init_l2x)
        e->init_l2x(e, mfn);
    return 0;
}

/*
 * adopt_child: a parent continuing its PARTIAL child (the partial reference
 * is the parent's).  adopted_top (with PGT_TOP): set when a preempted
 * top-level validation was continued, whose references the caller now owns.
 */
static int get_type_inner(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags,
                          bool adopt_child, bool *adopted_top)
{
    if (mfn >= e->nr_frames)
        return -EINVAL;
    struct frame *f = &e->ft[mfn];
    unsigned level = pgt_level(type);
    uint64_t x = ti_load(f);
    unsigned old_type;

    if (e->compat && level == 4)
        return -EINVAL;     /* a 32-bit guest's top level is its L3 */

    for (;;) {
        uint64_t cnt = x & PGT_COUNT_MASK;
        if (x & PGT_PARTIAL) {
            bool mine = adopt_child || ((flags & PGT_TOP) && (x & PGT_PARTIAL_TOP));
            if (ti_type(x) != type || !mine)
                return -EBUSY;
            if (!ti_cas(f, &x, x & ~(PGT_PARTIAL | PGT_PARTIAL_TOP)))
                continue;
            if (!adopt_child && adopted_top)
                *adopted_top = true;
            goto do_validate;
        }
        if (adopt_child)
            return -EINVAL;     /* the parent's record disagrees with the child: cannot happen */
        if (cnt == 0) {
            /* Page tables and descriptor frames are checked before anyone
             * may use them as such; meanwhile the count is 1 without
             * VALIDATED (others wait or are refused, as for tables). */
            bool desc = type == FRAME_TYPE_SEG_DESC && e->validate_desc;
            if ((level || desc) && f->owner != dom)
                return -EINVAL;
            old_type = ti_type(x);
            uint64_t nx = ti_make(type) | 1 | (level || desc ? 0 : PGT_VALIDATED);
            if (!ti_cas(f, &x, nx))
                continue;
            /* A frame that was a page table until now may still be cached
             * as one (paging-structure caches of CPUs that used it): the
             * caller's hook flushes before it can be anything else. */
            if (old_type != type && pgt_level(old_type) && e->table_gone)
                e->table_gone(e, mfn);
            if (!level && !desc)
                return 0;
            /* A frame that was writable until now may still be writable
             * through another CPU's TLB: the caller's hook flushes. */
            if (old_type == FRAME_TYPE_WRITABLE && e->writable_gone)
                e->writable_gone(e, mfn);
            if (desc) {
                if (e->validate_desc(e, mfn)) {
                    __atomic_fetch_or(&f->type_info, PGT_VALIDATED, __ATOMIC_RELEASE);
                    return 0;
                }
                __atomic_store_n(&f->type_info, ti_make(type), __ATOMIC_RELEASE);
                return -EINVAL;
            }
            f->nr_validated = 0;
            f->vflags = 0;
            goto do_validate;
        }
        if (ti_type(x) != type || cnt == PGT_COUNT_MASK)
            return -EINVAL;
        if (!(x & PGT_VALIDATED)) {
            /* Another CPU is validating or devalidating it right now. */
            relax();
            x = ti_load(f);
            continue;
        }
        if (ti_cas(f, &x, x + 1))
            return 0;
    }

do_validate:;
    int rc = validate(e, dom, mfn, level, flags & PGT_PREEMPTIBLE);
    if (rc == 0) {
        __atomic_fetch_or(&f->type_info, PGT_VALIDATED, __ATOMIC_RELEASE);
        return 0;
    }
    if (rc == -ERESTART) {
        __atomic_fetch_or(&f->type_info, PGT_PARTIAL | ((flags & PGT_TOP) ? PGT_PARTIAL_TOP : 0), __ATOMIC_RELEASE);
        return rc;
    }
    devalidate(e, mfn, level, f->nr_validated, false);
    f->nr_validated = 0;
    __atomic_store_n(&f->type_info, ti_make(type), __ATOMIC_RELEASE);
    return rc;
}

int pgt_get_type(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags)
{
    return get_type_inner(e, dom, mfn, type, flags, false, NULL);
}

void pgt_put_type(const struct pgt_env *e, uint64_t mfn)
{
    if (mfn >= e->nr_frames) {
        bug(e, "pgt_put_type: frame beyond the table");
        return;
    }
    struct frame *f = &e->ft[mfn];
    uint64_t x = ti_load(f);

    for (;;) {
        uint64_t cnt = x & PGT_COUNT_MASK;
        unsigned level = pgt_level(ti_type(x));
        if (cnt == 0) {
            bug(e, "pgt_put_type: no type reference to drop");
            return;
        }
        if (cnt > 1 || !level) {
            /* The last reference of a plain type leaves just the type. */
            if (ti_cas(f, &x, cnt > 1 ? x - 1 : ti_make(ti_type(x))))
                return;
            continue;
        }
        /* The last reference of a page table: hold the count at 1 without
         * VALIDATED while the entries' references go, so that nobody takes
         * the frame as this type (they wait) or another (refused) meanwhile. */
        if (x & PGT_LOCKED) {
            relax();
            x = ti_load(f);
            continue;
        }
        uint64_t nx = x & ~(PGT_VALIDATED | PGT_PARTIAL | PGT_PARTIAL_TOP | PGT_PINNED);
        if (!ti_cas(f, &x, nx))
            continue;
        bool partial = x & PGT_PARTIAL;
        devalidate(e, mfn, level, partial ? f->nr_validated : NR_ENTRIES,
                   partial && (f->vflags & PGV_PARTIAL_CHILD));
        f->nr_validated = 0;
        f->vflags = 0;
        __atomic_store_n(&f->type_info, ti_make(ti_type(x)), __ATOMIC_RELEASE);
        return;
    }
}

/* ---- pinning ---- */

void pgt_put_l1_frame(const struct pgt_env *e, uint64_t mfn, bool rw)
{
    if (rw)
        pgt_put_type(e, mfn);
    e->put_ref(e, mfn);
}

int pgt_get_top(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags)
{
    if (mfn >= e->nr_frames || !e->get_ref(e, mfn, dom))
        return -EINVAL;
    bool adopted = false;
    int rc = get_type_inner(e, dom, mfn, type, (flags & PGT_PREEMPTIBLE) | PGT_TOP, false, &adopted);
    if (adopted)
        e->put_ref(e, mfn);     /* the preempted operation's reference is ours now */
    if (rc == -ERESTART)
        return rc;              /* the partial state holds one general and one type reference */
    if (rc)
        e->put_ref(e, mfn);
    return rc;
}

void pgt_put_top(const struct pgt_env *e, uint64_t mfn)
{
    pgt_put_type(e, mfn);
    e->put_ref(e, mfn);
}

int pgt_pin(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned level, unsigned flags)
{
    if (level < 1 || level > 4)
        return -EINVAL;
    int rc = pgt_get_top(e, dom, mfn, pgt_type_of_level(level), flags);
    if (rc)
        return rc;
    struct frame *f = &e->ft[mfn];
    uint64_t x = ti_load(f);
    do {
        if (x & PGT_PINNED) {
            pgt_put_type(e, mfn);
            e->put_ref(e, mfn);
            return -EINVAL;
        }
    } while (!ti_cas(f, &x, x | PGT_PINNED));
    return 0;
}

int pgt_unpin(const struct pgt_env *e, uint16_t dom, uint64_t mfn)
{
    if (mfn >= e->nr_frames || e->ft[mfn].owner != dom)
        return -EINVAL;
    struct frame *f = &e->ft[mfn];
    uint64_t x = ti_load(f);
    do {
        if (!(x & PGT_PINNED) || !(x & PGT_VALIDATED))
            return -EINVAL;
    } while (!ti_cas(f, &x, x & ~PGT_PINNED));
    pgt_put_type(e, mfn);
    e->put_ref(e, mfn);
    return 0;
}

int pgt_relinquish(const struct pgt_env *e, uint16_t dom, uint64_t mfn)
{
    if (mfn >= e->nr_frames || e->ft[mfn].owner != dom)
        return 0;
    struct frame *f = &e->ft[mfn];
    uint64_t x = ti_load(f);
    for (;;) {
        if (x & PGT_PINNED) {
            if (!ti_cas(f, &x, x & ~PGT_PINNED))
                continue;
        } else if ((x & PGT_PARTIAL) && (x & PGT_PARTIAL_TOP)) {
            /* A preempted top-level operation nobody continued. */
            if (!ti_cas(f, &x, x & ~PGT_PARTIAL_TOP))
                continue;
        } else {
            return 0;
        }
        pgt_put_type(e, mfn);
        e->put_ref(e, mfn);
        return 1;
    }
}

/* ---- single entries (mmu_update) ---- */

static void table_lock(struct frame *f)
{
    uint64_t x = ti_load(f);
    for (;;) {
        if (x & PGT_LOCKED) {
            relax();
            x = ti_load(f);
            continue;
        }
        if (ti_cas(f, &x, x | PGT_LOCKED))
            return;
    }
}

static void table_unlock(struct frame *f)
{
    __atomic_fetch_and(&f->type_info, ~PGT_LOCKED, __ATOMIC_RELEASE);
}

/* pgt_mod_entry and pgt_cmpxchg_entry: expect NULL stores unconditionally. */
static int mod_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned idx, uint64_t val,
                     unsigned flags, const uint64_t *expect)
{
    if (table >= e->nr_frames || idx >= NR_ENTRIES || e->ft[table].owner != dom)
        return -EINVAL;
    struct frame *f = &e->ft[table];
    /* A type reference of our own, so the table stays validated while we
     * change it. */
    uint64_t x = ti_load(f);
    unsigned level;
    do {
        level = pgt_level(ti_type(x));
        if (!level || !(x & PGT_VALIDATED) || !(x & PGT_COUNT_MASK) || (x & PGT_COUNT_MASK) == PGT_COUNT_MASK ||
            ((flags & PGT_WANT_L1) && level != 1))
            return -EINVAL;
    } while (!ti_cas(f, &x, x + 1));
    int rc = -EINVAL;
    if (hv_slot(level, idx) || l2x_slot(e, table, level, idx) || (compat_l3_unused(e, level, idx) && (val & E_P)) ||
        !pgt_entry_flags_ok(e, level, val))
        goto out;

    table_lock(f);
    uint64_t *p = e->map(e, table);
    uint64_t old = read_entry(p, idx);
    if (expect && old != *expect) {
        rc = -EAGAIN;           /* changed since the caller read it: nothing taken yet */
        table_unlock(f);
        goto out;
    }
    /* Same frame, same access: no reference changes. */
    bool same = (val & E_P) && (old & E_P) && !((old ^ val) & (E_ADDR | E_RW));
    if (!same) {
        rc = get_entry(e, dom, table, level, idx, val, (flags & PGT_PREEMPTIBLE) | PGT_TOP, false);
        if (rc) {
            table_unlock(f);
            goto out;
        }
    }
    uint64_t nv = (level == 1 && (val & E_P) && e->adjust_l1e) ? e->adjust_l1e(e, val)
                  : (level > 1 && (val & E_P) && e->adjust_upper) ? adjust_upper(e, level, val) : val;
    if (flags & PGT_PRESERVE_AD) {
        /* The processor may set A/D in the entry meanwhile (the guest
         * cannot write it): keep whatever it holds at the store. */
        uint64_t cur = read_entry(p, idx);
        while (!__atomic_compare_exchange_n(&p[idx], &cur, nv | (cur & (E_A | E_D)), false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED))
            ;
        nv |= cur & (E_A | E_D);
    } else if (expect) {
        /* Under the table lock only the processor changes the entry (its
         * A/D bits): if it did since the comparison, the references taken
         * for val go again and the caller retries from the new value. */
        uint64_t cur = old;
        if (!__atomic_compare_exchange_n(&p[idx], &cur, nv, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            if (!same)
                put_entry(e, table, level, nv);
            table_unlock(f);
            rc = -EAGAIN;
            goto out;
        }
    } else {
        __atomic_store_n(&p[idx], nv, __ATOMIC_RELEASE);
    }
    if (!same)
        put_entry(e, table, level, old);
    table_unlock(f);
    rc = (old & E_P) && old != nv;
out:
    pgt_put_type(e, table);
    return rc;
}

int pgt_mod_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned idx, uint64_t val, unsigned flags)
{
    return mod_entry(e, dom, table, idx, val, flags, NULL);
}

int pgt_cmpxchg_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned idx, uint64_t expect,
                      uint64_t val, unsigned flags)
{
    return mod_entry(e, dom, table, idx, val, flags & ~(unsigned)PGT_PRESERVE_AD, &expect);
}
