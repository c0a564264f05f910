/*
 * The shadow pager's tables: a virtual TLB (mm/shadow.h, docs/shadow.md).
 *
 * Entry formats (AMD APM vol. 2 5.3-5.4; Intel SDM vol. 3A 4.4-4.5):
 *  - PAE: a 4-entry PDPT (only P, PWT, PCD and the address; every other
 *    bit is reserved), then page directories and page tables of 512
 *    8-byte entries.  The four page directories are allocated with the
 *    root and never change, so the PDPT never changes while the CPU runs
 *    on it (a CPU may cache PDPTEs from the last CR3 load).
 *  - 4-level: PML4, PDPT, PD, PT.
 * Non-leaf entries give every right (P, R/W, U/S, A); the leaf alone
 * restricts, as the walk ANDs the levels.  Leaves never have G (the CPU's
 * TLB is emptied by a fresh ASID anyway; which leaves survive a guest's
 * MOV to CR3 is the shadow's own record, nonglobal[]) nor PAT (carried
 * over: PWT, PCD only).
 */
#include "mm/shadow.h"

#include <stddef.h>

#include "mm/pte_bits.h"

#define EINVAL_ 22

static void zero_page(void *p)
{
    uint64_t *q = p;
    for (unsigned i = 0; i < 512; i++)
        q[i] = 0;
}

static uint64_t root_pa(const struct shadow *s, unsigned r)
{
    return s->pa[r * SHADOW_ROOT_PAGES];
}

static struct shadow_root *cur_root(struct shadow *s)
{
    return &s->roots[s->cur];
}

static void clear_slots(struct shadow_root *rt)
{
    for (unsigned i = 0; i < 8; i++)
        rt->nonglobal[i] = rt->global[i] = rt->large[i] = rt->huge[i] = 0;
}

/* Lays out every root empty in the current format; every other page is
 * free.  A single 4-level root uses page 0 alone (the pool as before the
 * cache); otherwise each root keeps its 5 pages in either format. */
static void set_up_roots(struct shadow *s)
{
    for (unsigned r = 0; r < s->nroots; r++) {
        uint64_t *root = s->to_va(root_pa(s, r));
        zero_page(root);
        if (s->format == SHADOW_PAE)
            for (unsigned i = 0; i < 4; i++) {
                uint64_t pd = s->pa[r * SHADOW_ROOT_PAGES + 1 + i];
                zero_page(s->to_va(pd));
                root[i] = pd | E_P;
            }
        clear_slots(&s->roots[r]);
        s->roots[r].live = r == s->cur;
    }
    s->used = (s->nroots == 1 && s->format != SHADOW_PAE) ? 1 : s->nroots * SHADOW_ROOT_PAGES;
    s->next = s->used;
    s->free_head = 0;
}

int shadow_init_roots(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr,
                      enum shadow_format f, unsigned nroots)
{
    if (nroots < 1 || nroots > SHADOW_MAX_ROOTS || nr < SHADOW_MIN_PAGES + SHADOW_ROOT_PAGES * (nroots - 1))
        return -EINVAL_;
    for (unsigned i = 0; i < nr; i++)
        if (!pa[i] || (pa[i] & 0xfff) || (i < nroots * SHADOW_ROOT_PAGES && (pa[i] >> 32)))
            return -EINVAL_;        /* 0 ends the free list: never a pool page; roots: 32-bit CR3 */
    *s = (struct shadow){ .pa = pa, .to_va = to_va, .nr = nr, .format = f, .nroots = nroots };
    set_up_roots(s);
    s->peak_used = s->used;
    return 0;
}

int shadow_init(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr, enum shadow_format f)
{
    return shadow_init_roots(s, pa, to_va, nr, f, 1);
}

uint64_t shadow_root(const struct shadow *s)
{
    return root_pa(s, s->cur);
}

void shadow_flush(struct shadow *s, enum shadow_format f)
{
    s->format = f;
    set_up_roots(s);
    s->flushes++;
}

void shadow_set_tag(struct shadow *s, uint64_t tag)
{
    cur_root(s)->tag = tag;
    cur_root(s)->live = true;
}

/* A zeroed table from the free list or the pool's unused rest; 0 when
 * the pool is exhausted. */
static uint64_t alloc_table(struct shadow *s)
{
    uint64_t pa;

    if (s->free_head) {
        pa = s->free_head;
        s->free_head = *(uint64_t *)s->to_va(pa);
    } else if (s->next < s->nr) {
        pa = s->pa[s->next++];
    } else {
        return 0;
    }
    zero_page(s->to_va(pa));
    if (++s->used > s->peak_used)
        s->peak_used = s->used;
    return pa;
}

/* Gives back the table at pa, of level lvl (1 = page table), and every
 * table below it.  At most 3 levels deep; each table is visited once. */
static void free_subtree(struct shadow *s, uint64_t pa, unsigned lvl)
{
    uint64_t *t = s->to_va(pa);

    if (lvl > 1)
        for (unsigned i = 0; i < 512; i++)
            if (t[i] & E_P)
                free_subtree(s, t[i] & E_ADDR, lvl - 1);
    t[0] = s->free_head;
    s->free_head = pa;
    s->used--;
}

/* Index of va at level lvl (1 = page table) in the current format. */
static unsigned index_of(const struct shadow *s, uint64_t va, unsigned lvl)
{
    if (s->format == SHADOW_PAE && lvl == 3)
        return (unsigned)(va >> 30) & 3;
    return (unsigned)(va >> (12 + 9 * (lvl - 1))) & 511;
}

/* The entry for va at level lvl (format = the root), NULL when a table
 * above it is missing.  Never allocates. */
static uint64_t *entry_at(const struct shadow *s, uint64_t va, unsigned lvl)
{
    uint64_t *t = s->to_va(shadow_root(s));

    for (unsigned l = s->format; l > lvl; l--) {
        uint64_t e = t[index_of(s, va, l)];
        if (!(e & E_P))
            return NULL;
        t = s->to_va(e & E_ADDR);
    }
    return &t[index_of(s, va, lvl)];
}

/* Drops everything below the non-leaf entry e of level lvl (>= 2).  A PAE
 * PDPTE stays (its directory is fixed, see the top): the directory is
 * emptied instead.  Returns true when anything was there. */
static bool drop_entry(struct shadow *s, uint64_t *e, unsigned lvl)
{
    if (!(*e & E_P))
        return false;
    if (s->format == SHADOW_PAE && lvl == 3) {
        uint64_t *pd = s->to_va(*e & E_ADDR);
        bool any = false;
        for (unsigned i = 0; i < 512; i++)
            if (pd[i] & E_P) {
                free_subtree(s, pd[i] & E_ADDR, 1);
                pd[i] = 0;
                any = true;
            }
        return any;
    }
    free_subtree(s, *e & E_ADDR, lvl - 1);
    *e = 0;
    return true;
}

/* The page table (level 1) for va, allocating the tables on the way;
 * NULL when the pool is exhausted. */
static uint64_t *leaf_table(struct shadow *s, uint64_t va, bool alloc)
{
    uint64_t *t = s->to_va(shadow_root(s));

    for (unsigned lvl = s->format; lvl > 1; lvl--) {
        uint64_t *e = &t[index_of(s, va, lvl)];
        if (!(*e & E_P)) {
            uint64_t pa = alloc ? alloc_table(s) : 0;
            if (!pa)
                return NULL;
            *e = pa | E_P | E_RW | E_US | E_A;
        }
        t = s->to_va(*e & E_ADDR);
    }
    return t;
}

/* The shadow leaf for machine address ma with rights flags (SH_*). */
static uint64_t leaf_entry(uint64_t ma, unsigned flags)
{
    uint64_t e = (ma & E_ADDR) | E_P | E_A;
    if (flags & SH_W)
        e |= E_RW | E_D;
    if (flags & SH_U)
        e |= E_US;
    if (flags & SH_NX)
        e |= E_NX;
    if (flags & SH_PWT)
        e |= E_PWT;
    if (flags & SH_PCD)
        e |= E_PCD;
    return e;
}

/* Records in the root slot's bitmaps what kind of leaf is now under it. */
static void note_slot(struct shadow *s, uint64_t va, unsigned flags)
{
    struct shadow_root *rt = cur_root(s);
    unsigned r = index_of(s, va, s->format);
    uint64_t rbit = 1ull << (r % 64);
    if (flags & SH_HUGE)
        rt->huge[r / 64] |= rbit;
    else if (flags & SH_LARGE)
        rt->large[r / 64] |= rbit;
    if (!(flags & SH_GLOBAL))
        rt->nonglobal[r / 64] |= rbit;
    else
        rt->global[r / 64] |= rbit;
}

int shadow_fill(struct shadow *s, uint64_t va, uint64_t ma, unsigned flags, bool *upgraded)
{
    int rc = 0;

    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *pt = leaf_table(s, va, true);
    if (!pt) {
        /* Reclaim: everything goes, as a TLB may drop any entry at any
         * time; the emptied tables always have room for one path. */
        shadow_flush(s, s->format);
        s->reclaims++;
        rc = 1;
        pt = leaf_table(s, va, true);
        if (!pt)
            return -EINVAL_;
    }
    uint64_t e = leaf_entry(ma, flags);
    note_slot(s, va, flags);
    uint64_t *slot = &pt[index_of(s, va, 1)];
    *upgraded = (*slot & E_P) != 0;
    if (*upgraded)
        s->upgrades++;
    *slot = e;
    s->fills++;
    return rc;
}

uint64_t shadow_near_free(const struct shadow *s, uint64_t va, unsigned n)
{
    if (n == 0 || n > 64 || (n & (n - 1)))
        return 0;
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *pt = entry_at(s, va, 1);
    if (!pt)
        return 0;
    pt -= index_of(s, va, 1);
    unsigned first = index_of(s, va, 1) & ~(n - 1);
    uint64_t mask = 0;
    for (unsigned j = 0; j < n; j++)
        if (!(pt[first + j] & E_P))
            mask |= 1ull << j;
    return mask;
}

bool shadow_fill_near(struct shadow *s, uint64_t va, uint64_t ma, unsigned flags)
{
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *slot = entry_at(s, va, 1);
    if (!slot || (*slot & E_P))
        return false;
    note_slot(s, va, flags);
    *slot = leaf_entry(ma, flags) & ~E_A;      /* not used yet (shadow_revalidate) */
    s->prefetched++;
    return true;
}

bool shadow_flush_nonglobal(struct shadow *s)
{
    struct shadow_root *rt = cur_root(s);
    uint64_t *root = s->to_va(shadow_root(s));
    unsigned slots = s->format == SHADOW_PAE ? 4 : 512;
    bool any = false;

    s->ng_flushes++;
    for (unsigned i = 0; i < slots; i++) {
        if (!(root[i] & E_P))
            continue;
        uint64_t bit = 1ull << (i % 64);
        if (rt->nonglobal[i / 64] & bit) {
            any |= drop_entry(s, &root[i], s->format);
            rt->large[i / 64] &= ~bit;      /* nothing left under it */
            rt->huge[i / 64] &= ~bit;
            rt->global[i / 64] &= ~bit;
        } else if (rt->global[i / 64] & bit) {
            s->kept_slots++;
        }
    }
    for (unsigned i = 0; i < 8; i++)
        rt->nonglobal[i] = 0;
    return any;
}

uint64_t shadow_lookup(const struct shadow *s, uint64_t va)
{
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *e = entry_at(s, va, 1);
    return e ? *e : 0;
}

/* INVLPG va in the current root. */
static bool invlpg_root(struct shadow *s, uint64_t va)
{
    const struct shadow_root *rt = cur_root(s);
    unsigned r = index_of(s, va, s->format);
    uint64_t rbit = 1ull << (r % 64);
    if (rt->huge[r / 64] & rbit) {
        /* The 1 GiB region around va: a PDPT entry (the fixed directory's
         * contents in PAE). */
        uint64_t *e = entry_at(s, va, 3);
        return e && drop_entry(s, e, 3);
    }
    if (rt->large[r / 64] & rbit) {
        /* The 4 MiB region around va (a 4 MiB page of 32-bit paging, or
         * a 2 MiB one and its neighbour): two page tables. */
        bool any = false;
        for (uint64_t half = 0; half < 2; half++) {
            uint64_t *e = entry_at(s, (va & ~0x3fffffull) + (half << 21), 2);
            if (e)
                any |= drop_entry(s, e, 2);
        }
        return any;
    }
    uint64_t *e = entry_at(s, va, 1);
    if (!e || !(*e & E_P))
        return false;
    *e = 0;
    return true;
}

bool shadow_invlpg(struct shadow *s, uint64_t va)
{
    unsigned cur = s->cur;
    bool any = false;

    s->invlpgs++;
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    /* Every cached root: their global leaves are kept across switches
     * unchecked (shadow_revalidate), so an INVLPG must reach them as it
     * would reach a TLB's global entries.  Only the current root's
     * change matters to the CPU's TLB (the others are not in it). */
    for (unsigned r = 0; r < s->nroots; r++) {
        if (r == cur || !s->roots[r].live)
            continue;
        s->cur = r;
        invlpg_root(s, va);
    }
    s->cur = cur;
    any = invlpg_root(s, va);
    return any;
}

bool shadow_switch(struct shadow *s, uint64_t tag)
{
    unsigned pick = s->cur;
    bool hit = false;

    s->switches++;
    for (unsigned r = 0; r < s->nroots; r++)
        if (s->roots[r].live && s->roots[r].tag == tag) {
            pick = r;
            hit = true;
            break;
        }
    if (!hit) {
        /* A free root, else the least recently used one. */
        uint64_t oldest = ~0ull;
        for (unsigned r = 0; r < s->nroots; r++) {
            if (!s->roots[r].live) {
                pick = r;
                break;
            }
            if (s->roots[r].stamp < oldest) {
                oldest = s->roots[r].stamp;
                pick = r;
            }
        }
    }
    s->cur = pick;
    struct shadow_root *rt = cur_root(s);
    rt->stamp = ++s->clock;
    if (hit) {
        s->hits++;
        return true;
    }
    if (rt->live)
        s->evictions++;
    /* Another address space's root: its non-global leaves mean nothing
     * here; its global ones are what a TLB keeps across a MOV to CR3 (and
     * shadow_revalidate checks them). */
    shadow_flush_nonglobal(s);
    rt->tag = tag;
    rt->live = true;
    return false;
}

/* shadow_revalidate's state for one call. */
struct reval {
    struct shadow *s;
    shadow_check_fn check;
    void *ctx;
    unsigned budget;
};

/* Linear address of entry i of a table of level lvl covering base: in
 * 4-level format the upper half of the PML4 is sign-extended. */
static uint64_t entry_va(const struct shadow *s, uint64_t base, unsigned lvl, unsigned i)
{
    uint64_t va = base + ((uint64_t)i << (12 + 9 * (lvl - 1)));
    if (s->format == SHADOW_4L && lvl == 4 && i >= 256)
        va |= 0xffff000000000000ull;
    return va;
}

/* Revalidates table t of level lvl (1 = page table) covering base.
 * Returns true when anything stays in it.  At most 3 levels deep. */
static bool reval_table(struct reval *r, uint64_t *t, unsigned lvl, uint64_t base)
{
    struct shadow *s = r->s;
    bool any = false;

    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (!(e & E_P))
            continue;
        uint64_t va = entry_va(s, base, lvl, i);
        if (lvl > 1) {
            /* A clear: the CPU did not walk through it since the last
             * revalidation, so nothing under it was used. */
            if ((e & E_A) && reval_table(r, s->to_va(e & E_ADDR), lvl - 1, va)) {
                t[i] = e & ~E_A;
                any = true;
            } else {
                free_subtree(s, e & E_ADDR, lvl - 1);
                t[i] = 0;
            }
            continue;
        }
        t[i] = 0;
        if (!(e & E_A)) {
            s->rv_unused++;
            continue;
        }
        if (!r->budget) {
            s->rv_capped++;
            continue;
        }
        r->budget--;
        s->rv_checked++;
        uint64_t ma = 0;
        unsigned fl = 0;
        if (r->check(r->ctx, va, &ma, &fl) && leaf_entry(ma, fl) == e) {
            t[i] = e & ~E_A;
            note_slot(s, va, fl);
            s->rv_kept++;
            any = true;
        }
    }
    return any;
}

unsigned shadow_revalidate(struct shadow *s, shadow_check_fn check, void *ctx, unsigned budget)
{
    struct reval r = { s, check, ctx, budget };
    struct shadow_root *rt = cur_root(s), old = *rt;
    uint64_t *root = s->to_va(shadow_root(s));
    uint64_t kept = s->rv_kept;
    unsigned slots = s->format == SHADOW_PAE ? 4 : 512;

    clear_slots(rt);                            /* rebuilt from the leaves kept */
    for (unsigned i = 0; i < slots; i++) {
        uint64_t bit = 1ull << (i % 64), e = root[i];
        if (!(e & E_P))
            continue;
        if ((old.global[i / 64] & bit) && !(old.nonglobal[i / 64] & bit)) {
            /* Global leaves only: kept unchecked, as a TLB keeps global
             * entries across a MOV to CR3 (INVLPG reaches every root). */
            rt->global[i / 64] |= bit;
            rt->large[i / 64] |= old.large[i / 64] & bit;
            rt->huge[i / 64] |= old.huge[i / 64] & bit;
            s->kept_slots++;
            continue;
        }
        if (s->format == SHADOW_PAE) {
            /* The four directories are fixed (see the top): only emptied. */
            reval_table(&r, s->to_va(e & E_ADDR), 2, (uint64_t)i << 30);
        } else if ((e & E_A) && reval_table(&r, s->to_va(e & E_ADDR), 3, entry_va(s, 0, 4, i))) {
            root[i] = e & ~E_A;
        } else {
            free_subtree(s, e & E_ADDR, 3);     /* not walked since, or nothing kept */
            root[i] = 0;
        }
    }
    return (unsigned)(s->rv_kept - kept);
}
