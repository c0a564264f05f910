/* The p2m (see p2m.h). */
#include "mm/p2m.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define P2M_PRESENT_MASK 0x7ull     /* NPT: P (bit 0); EPT: R/W/X (bits 0-2) */
#define P2M_LARGE        (1ull << 7)
#define P2M_ADDR         0x000ffffffffff000ull
/* Our own copy of the permissions in bits both formats leave to software
 * (NPT: bits 62:52 "available" in long-mode entries, AMD APM vol. 2 5.4.1;
 * EPT: bits 62:52 ignored, Intel SDM vol. 3 29.3.2), so lookups need not
 * decode the vendor's encoding. */
#define P2M_SW_SHIFT     52
#define P2M_SW_MASK      (7ull << P2M_SW_SHIFT)
/* Another software bit: the hardware write right was taken away by
 * log-dirty (p2m_set_hw_write). */
#define P2M_SW_LD_PROT   (1ull << 55)

/* (i) written once by hvm_init on the boot CPU before any domain exists. */
static p2m_encode_fn p2m_encode;

void p2m_set_format(p2m_encode_fn encode)
{
    p2m_encode = encode;
}

static uint64_t leaf_entry(uint64_t mfn, unsigned level, unsigned perms)
{
    return p2m_encode(mfn << 12, level, true, perms) | ((uint64_t)perms << P2M_SW_SHIFT);
}

/* Replace the large leaf *e (at 'level' > 1) by a table of 512 leaves one
 * level down covering the same frames with the same rights, so that one
 * part of it can then be changed. */
static int split_large(struct p2m *p, uint64_t *e, unsigned level)
{
    uint64_t *sub = alloc_pages(0, DOMID_XEN);
    if (!sub)
        return -ENOMEM;
    unsigned perms = (*e & P2M_SW_MASK) >> P2M_SW_SHIFT;
    uint64_t mfn = (*e & P2M_ADDR) >> 12;
    uint64_t step = 1ull << (9 * (level - 2));
    for (unsigned i = 0; i < 512; i++)
        sub[i] = leaf_entry(mfn + i * step, level - 1, perms);
    p->nr_table_pages++;
    if (level == 3)
        p->nr_1g--, p->nr_2m += 512;
    else
        p->nr_2m--, p->nr_4k += 512;
    /* Same translations as before, so no flush is needed for the split
     * itself; the caller's change of one leaf bumps the generation. */
    *e = p2m_encode(virt_to_phys(sub), level, false, P2M_R | P2M_W | P2M_X);
    return 0;
}

static unsigned idx(uint64_t gfn, unsigned level)
{
    return (gfn >> (9 * (level - 1))) & 511;
}

int p2m_init(struct p2m *p, uint16_t domid)
{
    void *root = alloc_pages(0, DOMID_XEN);

    if (!root)
        return -ENOMEM;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->root_pa = virt_to_phys(root);
    p->nr_table_pages = 1;
    p->nr_4k = p->nr_2m = p->nr_1g = 0;
    p->generation = 0;
    p->domid = domid;
    return 0;
}

int p2m_set_entry(struct p2m *p, uint64_t gfn, uint64_t mfn, unsigned order, unsigned perms)
{
    unsigned leaf_level = order == 18 ? 3 : order == 9 ? 2 : 1;
    int rc = 0;

    if ((order != 0 && order != 9 && order != 18) || (gfn & ((1ull << order) - 1)) ||
        (mfn & ((1ull << order) - 1)) || gfn >= (1ull << 36))
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&p->lock);
    uint64_t *table = phys_to_virt(p->root_pa);
    for (unsigned level = 4; level > leaf_level; level--) {
        uint64_t *e = &table[idx(gfn, level)];
        if (!(*e & P2M_PRESENT_MASK)) {
            void *page = alloc_pages(0, DOMID_XEN);
            if (!page) {
                rc = -ENOMEM;
                goto out;
            }
            p->nr_table_pages++;
            *e = p2m_encode(virt_to_phys(page), level, false, P2M_R | P2M_W | P2M_X);
        } else if (*e & P2M_LARGE) {
            if ((rc = split_large(p, e, level)))
                goto out;
        }
        table = phys_to_virt(*e & P2M_ADDR);
    }
    uint64_t *e = &table[idx(gfn, leaf_level)];
    bool was_present = *e & P2M_PRESENT_MASK;
    if (was_present && leaf_level > 1 && !(*e & P2M_LARGE)) {
        rc = -EEXIST;       /* a table below: mapping a large page over it is not needed */
        goto out;
    }
    *e = perms ? leaf_entry(mfn, leaf_level, perms) : 0;
    if (!was_present && perms)
        order == 18 ? p->nr_1g++ : order == 9 ? p->nr_2m++ : p->nr_4k++;
    else if (was_present && !perms)
        order == 18 ? p->nr_1g-- : order == 9 ? p->nr_2m-- : p->nr_4k--;
    /* Adding a translation needs no flush (not-present entries are not
     * cached); changing or removing one does. */
    if (was_present)
        __atomic_add_fetch(&p->generation, 1, __ATOMIC_SEQ_CST);
out:
    spin_unlock_irqrestore(&p->lock, f);
    return rc;
}

uint64_t p2m_lookup(struct p2m *p, uint64_t gfn, unsigned *perms)
{
    uint64_t *table = phys_to_virt(p->root_pa);

    if (gfn >= (1ull << 36))
        return ~0ull;
    for (unsigned level = 4; level >= 1; level--) {
        uint64_t e = READ_ONCE(table[idx(gfn, level)]);
        if (!(e & P2M_PRESENT_MASK))
            return ~0ull;
        if (level == 1 || (e & P2M_LARGE)) {
            uint64_t span = 1ull << (9 * (level - 1));
            if (perms)
                *perms = (e & P2M_SW_MASK) >> P2M_SW_SHIFT;
            return ((e & P2M_ADDR) >> 12) + (gfn & (span - 1));
        }
        table = phys_to_virt(e & P2M_ADDR);
    }
    return ~0ull;
}

static void teardown_level(struct p2m *p, uint64_t table_pa, unsigned level,
                           void (*free_leaf)(uint64_t, unsigned, void *), void *ctx)
{
    uint64_t *table = phys_to_virt(table_pa);

    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = table[i];
        if (!(e & P2M_PRESENT_MASK))
            continue;
        if (level == 1 || (e & P2M_LARGE)) {
            if (free_leaf)
                free_leaf((e & P2M_ADDR) >> 12, 9 * (level - 1), ctx);
        }
        else
            teardown_level(p, e & P2M_ADDR, level - 1, free_leaf, ctx);
    }
    free_pages(table, 0);
    p->nr_table_pages--;
}

void p2m_teardown(struct p2m *p, void (*free_leaf)(uint64_t mfn, unsigned order, void *ctx), void *ctx)
{
    if (!p->root_pa)
        return;
    teardown_level(p, p->root_pa, 4, free_leaf, ctx);
    p->root_pa = 0;
}

/*
 * Log-dirty (mm/logdirty.c, docs/shadow.md "Log-dirty"): the hardware
 * write permission of gfn's leaf, apart from the rights recorded in the
 * software bits (which lookups, physmap and guest_mem keep reading, so the
 * hypervisor's view of the domain does not change).  Protecting splits a
 * large leaf down to 4 KiB first, so that one write unprotects one page.
 * Only leaves whose recorded rights include P2M_W are touched.  Returns 1
 * when the entry changed, 0 when there was nothing to do (unmapped, not
 * writable, already so), -ENOMEM when a split found no page.  Removing the
 * right bumps the generation (every vCPU takes a fresh tag at its next
 * entry); the caller makes running vCPUs exit (physmap_flush).
 */
int p2m_set_hw_write(struct p2m *p, uint64_t gfn, bool writable)
{
    int rc = 0;

    if (gfn >= (1ull << 36))
        return 0;
    uint64_t f = spin_lock_irqsave(&p->lock);
    uint64_t *table = phys_to_virt(p->root_pa);
    for (unsigned level = 4; level >= 1; level--) {
        uint64_t *e = &table[idx(gfn, level)];
        if (!(*e & P2M_PRESENT_MASK))
            goto out;
        if (level > 1 && (*e & P2M_LARGE)) {
            /* Large leaves are never left protected (protection splits
             * them), so making one writable has nothing to do. */
            if (writable)
                goto out;
            if ((rc = split_large(p, e, level)))
                goto out;
        }
        if (level > 1) {
            table = phys_to_virt(*e & P2M_ADDR);
            continue;
        }
        unsigned perms = (*e & P2M_SW_MASK) >> P2M_SW_SHIFT;
        if (!(perms & P2M_W))
            goto out;
        uint64_t mfn = (*e & P2M_ADDR) >> 12;
        uint64_t want = writable ? leaf_entry(mfn, 1, perms)
                                 : p2m_encode(mfn << 12, 1, true, perms & ~P2M_W) |
                                       ((uint64_t)perms << P2M_SW_SHIFT) | P2M_SW_LD_PROT;
        if ((*e & P2M_SW_LD_PROT) != (want & P2M_SW_LD_PROT)) {
            __atomic_store_n(e, want, __ATOMIC_SEQ_CST);
            rc = 1;
            if (!writable)
                __atomic_add_fetch(&p->generation, 1, __ATOMIC_SEQ_CST);
        }
    }
out:
    spin_unlock_irqrestore(&p->lock, f);
    return rc;
}

/* Whether gfn's leaf is RAM-writable by its recorded rights but not by the
 * hardware's (protected by log-dirty). */
bool p2m_hw_write_protected(struct p2m *p, uint64_t gfn)
{
    uint64_t *table = phys_to_virt(p->root_pa);

    if (gfn >= (1ull << 36))
        return false;
    for (unsigned level = 4; level >= 1; level--) {
        uint64_t e = READ_ONCE(table[idx(gfn, level)]);
        if (!(e & P2M_PRESENT_MASK))
            return false;
        if (level == 1 || (e & P2M_LARGE))
            return (e & P2M_SW_LD_PROT) != 0;
        table = phys_to_virt(e & P2M_ADDR);
    }
    return false;
}
