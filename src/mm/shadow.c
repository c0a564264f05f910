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
 * restricts, as the walk ANDs the levels.  Leaves never have G (a flush
 * empties everything anyway) nor PAT (carried over: PWT, PCD only).
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

/* Lays out an empty root in the current format. */
static void set_up_root(struct shadow *s)
{
    uint64_t *root = s->to_va(s->pa[0]);

    zero_page(root);
    s->used = 1;
    if (s->format == SHADOW_PAE) {
        for (unsigned i = 0; i < 4; i++) {
            zero_page(s->to_va(s->pa[1 + i]));
            root[i] = s->pa[1 + i] | E_P;
        }
        s->used = 5;
    }
    s->large_seen = false;
}

int shadow_init(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr, enum shadow_format f)
{
    if (nr < SHADOW_MIN_PAGES || (pa[0] >> 32) != 0)
        return -EINVAL_;
    for (unsigned i = 0; i < nr; i++)
        if (pa[i] & 0xfff)
            return -EINVAL_;
    *s = (struct shadow){ .pa = pa, .to_va = to_va, .nr = nr, .format = f };
    set_up_root(s);
    s->peak_used = s->used;
    return 0;
}

uint64_t shadow_root(const struct shadow *s)
{
    return s->pa[0];
}

void shadow_flush(struct shadow *s, enum shadow_format f)
{
    s->format = f;
    set_up_root(s);
    s->flushes++;
}

/* The table a non-leaf entry points to (entries are only written here,
 * always with a pool page). */
static uint64_t *table_of(const struct shadow *s, uint64_t entry)
{
    return s->to_va(entry & E_ADDR);
}

/* Index of va at level lvl (1 = page table) in the current format. */
static unsigned index_of(const struct shadow *s, uint64_t va, unsigned lvl)
{
    if (s->format == SHADOW_PAE && lvl == 3)
        return (unsigned)(va >> 30) & 3;
    return (unsigned)(va >> (12 + 9 * (lvl - 1))) & 511;
}

/* The page table (level 1) for va, allocating the tables on the way;
 * NULL when the pool is exhausted. */
static uint64_t *leaf_table(struct shadow *s, uint64_t va, bool alloc)
{
    uint64_t *t = s->to_va(s->pa[0]);

    for (unsigned lvl = s->format; lvl > 1; lvl--) {
        uint64_t *e = &t[index_of(s, va, lvl)];
        if (!(*e & E_P)) {
            if (!alloc || s->used >= s->nr)
                return NULL;
            unsigned i = s->used++;
            zero_page(s->to_va(s->pa[i]));
            *e = s->pa[i] | E_P | E_RW | E_US | E_A;
            if (s->used > s->peak_used)
                s->peak_used = s->used;
        }
        t = table_of(s, *e);
        if (!t)
            return NULL;
    }
    return t;
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
    if (flags & SH_LARGE)
        s->large_seen = true;
    uint64_t *slot = &pt[index_of(s, va, 1)];
    *upgraded = (*slot & E_P) != 0;
    if (*upgraded)
        s->upgrades++;
    *slot = e;
    s->fills++;
    return rc;
}

uint64_t shadow_lookup(const struct shadow *s, uint64_t va)
{
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *pt = leaf_table((struct shadow *)s, va, false);
    return pt ? pt[index_of(s, va, 1)] : 0;
}

bool shadow_invlpg(struct shadow *s, uint64_t va)
{
    s->invlpgs++;
    if (s->large_seen) {
        shadow_flush(s, s->format);
        return true;
    }
    if (s->format == SHADOW_PAE)
        va &= 0xffffffffull;
    uint64_t *pt = leaf_table(s, va, false);
    if (!pt || !(pt[index_of(s, va, 1)] & E_P))
        return false;
    pt[index_of(s, va, 1)] = 0;
    return true;
}
