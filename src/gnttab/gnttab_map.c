/*
 * Grant tables v1: GNTTABOP_map_grant_ref, unmap_grant_ref and copy for
 * auto-translated (HVM/PVH) callers, copy for every caller, and dropping a
 * dying domain's mappings.  PV callers map into their page tables
 * (gnttab_pv.c) with the pin and maptrack pieces of this file.
 * Lock order and design: top of gnttab.c, docs/grant-tables.md.
 *
 * Reference model: every mapping and every copy in progress holds one
 * frame_get reference on the granted frame (owner = granter) and one pin on
 * the granter's active entry; the pin keeps GTF_reading / GTF_writing set in
 * the guest-visible entry.  Unmap order: restore the mapper's p2m, flush its
 * TLBs, unpin (the granter may reuse the page once the flags clear), then
 * frame_put (which frees an orphan of a dead granter).  A writable mapping
 * (and the write side of a copy) also holds a writable type reference
 * (gnttab_get_writable), dropped after the flush.
 */
#include "gnttab/gnttab_internal.h"
#include "core/domain.h"
#include "mm/logdirty.h"
#include "mm/p2m.h"             /* P2M_R, P2M_W */
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mm.h"

#ifdef RV_GNTTAB_TEST_HOOKS
void (*gnttab_test_race_hook)(uint32_t *word);
#endif

#define GNTTAB_FLAGS(w)     ((uint16_t)(w))
#define GNTTAB_DOMID(w)     ((uint16_t)((w) >> 16))

/* The {flags, domid} half of an entry as one 32-bit word (little endian:
 * flags in the low half), so both are checked and updated together. */
static uint32_t *gnttab_entry_word(struct grant_entry_v1 *e)
{
    return (uint32_t *)e;
}

/* Clears 'bits' (GTF_reading/GTF_writing) in the guest's entry.  The granter
 * may be changing the other bits: an atomic AND keeps its writes. */
static void gnttab_clear_flags(struct grant_entry_v1 *e, uint16_t bits)
{
    if (bits)
        __atomic_fetch_and(&e->flags, (uint16_t)~bits, __ATOMIC_RELEASE);
}

/* Sets GTF_reading (and GTF_writing for write) if the entry, read once per
 * attempt, grants access to 'mapper' (with write allowed for write).  The
 * compare-exchange covers flags and domid, so an entry the granter changes
 * concurrently is either seen whole before or fails and is re-checked. */
static int16_t gnttab_entry_acquire(struct grant_entry_v1 *e, uint16_t mapper, bool write, bool map)
{
    uint32_t *word = gnttab_entry_word(e);
    uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    /* Sub-page grants are a v2 notion: a v1 entry with the bit cannot be mapped. */
    uint16_t mask = GTF_type_mask | (map ? GTF_sub_page : 0);
    int tries;

    for (tries = 0; tries < GNTTAB_CMPXCHG_TRIES; tries++) {
        uint16_t flags = GNTTAB_FLAGS(old);
        uint32_t new;

        if ((flags & mask) != GTF_permit_access || GNTTAB_DOMID(old) != mapper)
            return GNTST_general_error;
        if (write && (flags & GTF_readonly))
            return GNTST_general_error;
        new = old | GTF_reading | (write ? GTF_writing : 0);
        GNTTAB_RACE_POINT(word);
        if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return GNTST_okay;
    }
    return GNTST_general_error;     /* the granter keeps changing it */
}

/* Flags no pin needs any more, for an entry whose counts were just dropped. */
static uint16_t gnttab_unneeded_flags(const struct gnttab_active *act)
{
    return (act->pin_w ? 0 : GTF_writing) | (act->pin_r + act->pin_w ? 0 : GTF_reading);
}

/* Granter side of a map or copy: check the entry, set its flags, pin it and
 * take a reference on its frame.  *mfn receives the frame. */
int16_t gnttab_pin(struct domain *rd, uint32_t ref, uint16_t mapper, bool write, bool map,
                          uint64_t *mfn)
{
    struct gnttab_domain *gt = rd->gnttab;
    struct gnttab_active *act;
    struct grant_entry_v1 *e;
    int16_t st;

    spin_lock(&gt->table_lock);
    if (ref >= gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME) {
        spin_unlock(&gt->table_lock);
        return GNTST_bad_gntref;
    }
    act = gnttab_active_entry(gt, ref);
    e = gnttab_entry(gt, ref);
    if (act->pin_r + act->pin_w && act->domid != mapper) {
        spin_unlock(&gt->table_lock);
        return GNTST_general_error;         /* pinned by another domain */
    }
    st = gnttab_entry_acquire(e, mapper, write, map);
    if (st != GNTST_okay) {
        spin_unlock(&gt->table_lock);
        return st;
    }
    if (!(act->pin_r + act->pin_w)) {
        /* First pin: the frame is read once, after the flags are set (the
         * granter writes it before the flags). */
        uint32_t gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);

        act->mfn = gnttab_own_frame(rd, gfn);     /* a PV granter names an MFN */
        act->gfn = gfn;
        act->domid = mapper;
    }
    if (act->mfn == PHYSMAP_NO_MFN || !frame_get(act->mfn, rd->domid)) {
        gnttab_clear_flags(e, gnttab_unneeded_flags(act));
        spin_unlock(&gt->table_lock);
        return GNTST_bad_page;
    }
    if (write)
        act->pin_w++;
    else
        act->pin_r++;
    *mfn = act->mfn;
    spin_unlock(&gt->table_lock);
    return GNTST_okay;
}

/* The frame number a pinned entry named at its first pin (stable while
 * pinned, as act->mfn is). */
static uint64_t gnttab_pinned_gfn(struct domain *rd, uint32_t ref)
{
    struct gnttab_domain *gt = rd->gnttab;
    spin_lock(&gt->table_lock);
    uint64_t gfn = gnttab_active_entry(gt, ref)->gfn;
    spin_unlock(&gt->table_lock);
    return gfn;
}

/* Drops a pin taken by gnttab_pin (not the frame reference). */
void gnttab_unpin(struct gnttab_domain *gt, uint32_t ref, bool write)
{
    struct gnttab_active *act;

    spin_lock(&gt->table_lock);
    if (ref < gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME) {
        act = gnttab_active_entry(gt, ref);
        if (write && act->pin_w)
            act->pin_w--;
        else if (!write && act->pin_r)
            act->pin_r--;
        gnttab_clear_flags(gnttab_entry(gt, ref), gnttab_unneeded_flags(act));
    }
    spin_unlock(&gt->table_lock);
}

/* Unpin in the granter if it is still the instance that was pinned: a dead
 * granter's table is gone (its frame references keep the frames), and a
 * restarted one with the same domid has a new serial. */
void gnttab_unpin_by_id(uint16_t granter, uint64_t serial, uint32_t ref, bool write)
{
    struct domain *rd = domain_get_by_id(granter);

    if (!rd)
        return;
    if (rd->gnttab && rd->gnttab->serial == serial)
        gnttab_unpin(rd->gnttab, ref, write);
    domain_put(rd);
}

/* A free maptrack slot, marked BUSY, growing the maptrack by one frame of
 * handles when needed; GNTTAB_MT_NONE when the limit is reached. */
uint32_t gnttab_mt_get(struct gnttab_domain *gt)
{
    struct gnttab_maptrack *page = NULL, *m;
    uint32_t idx;
    unsigned i;

    for (;;) {
        spin_lock(&gt->maptrack_lock);
        if (gt->mt_free != GNTTAB_MT_NONE) {
            idx = gt->mt_free;
            m = gnttab_mt_entry(gt, idx);
            gt->mt_free = m->next_free;
            m->state = GNTTAB_MT_BUSY;
            gt->mt_live++;
            spin_unlock(&gt->maptrack_lock);
            xfree(page);
            return idx;
        }
        if (page && gt->nr_mt_frames < gt->max_mt_frames) {
            unsigned base = gt->nr_mt_frames * GNTTAB_MAPTRACK_PER_FRAME;

            for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++) {
                page[i].state = GNTTAB_MT_FREE;
                page[i].next_free = i + 1 < GNTTAB_MAPTRACK_PER_FRAME ? base + i + 1 : GNTTAB_MT_NONE;
            }
            gt->mt[gt->nr_mt_frames++] = page;
            gt->mt_free = base;
            page = NULL;
            spin_unlock(&gt->maptrack_lock);
            continue;
        }
        if (gt->nr_mt_frames >= gt->max_mt_frames) {
            spin_unlock(&gt->maptrack_lock);
            xfree(page);
            return GNTTAB_MT_NONE;
        }
        spin_unlock(&gt->maptrack_lock);
        /* Allocate outside the lock, install on the next pass. */
        page = xzalloc(GNTTAB_MAPTRACK_PER_FRAME * sizeof(*page), HEAP_GNTTAB);
        if (!page)
            return GNTTAB_MT_NONE;
    }
}

void gnttab_maptrack_reserve(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt || !gt->max_mt_frames)
        return;
    uint32_t idx = gnttab_mt_get(gt);      /* grows the maptrack by its first frame */
    if (idx == GNTTAB_MT_NONE)
        return;
    spin_lock(&gt->maptrack_lock);
    gnttab_mt_put_locked(gt, idx);
    spin_unlock(&gt->maptrack_lock);
}

/* Caller holds maptrack_lock. */
void gnttab_mt_put_locked(struct gnttab_domain *gt, uint32_t idx)
{
    struct gnttab_maptrack *m = gnttab_mt_entry(gt, idx);

    m->state = GNTTAB_MT_FREE;
    m->gen = (m->gen + 1) & GNTTAB_HANDLE_GEN_MASK;
    m->next_free = gt->mt_free;
    gt->mt_free = idx;
    gt->mt_live--;
}

uint32_t gnttab_handle(const struct gnttab_maptrack *m, uint32_t idx)
{
    return ((uint32_t)m->gen << GNTTAB_HANDLE_INDEX_BITS) | idx;
}

struct gnttab_maptrack *gnttab_mt_lookup(struct gnttab_domain *gt, uint32_t handle, uint32_t *idx)
{
    uint32_t i = handle & GNTTAB_HANDLE_INDEX_MASK;
    uint32_t gen = handle >> GNTTAB_HANDLE_INDEX_BITS;
    struct gnttab_maptrack *m;

    if (gen > GNTTAB_HANDLE_GEN_MASK || i >= gt->nr_mt_frames * GNTTAB_MAPTRACK_PER_FRAME)
        return NULL;
    m = gnttab_mt_entry(gt, i);
    if (m->state != GNTTAB_MT_MAPPED || m->gen != gen)
        return NULL;                /* stale, never used, or being mapped */
    *idx = i;
    return m;
}

/* Mapper side of a map: place mfn at gfn, remembering what was there.  Only
 * over the mapper's own RAM or nothing: a gfn already holding a shared page
 * or another grant would have that hidden and, once restored by a later
 * unmap, mapped without a reference.  Caller holds maptrack_lock. */
static int16_t gnttab_place(struct domain *ld, uint64_t gfn, uint64_t mfn, bool write,
                            struct physmap_entry *prev, bool *changed)
{
    uint64_t ram = physmap_ram_mfn(ld, gfn);
    struct physmap_entry cur = physmap_get(ld, gfn);
    struct physmap_entry e = { .mfn = mfn, .perms = P2M_R | (write ? P2M_W : 0) };

    if (cur.mfn != PHYSMAP_NO_MFN && cur.mfn != ram)
        return GNTST_general_error;
    if (physmap_set(ld, gfn, e, prev))
        return GNTST_general_error;
    *changed = true;
    if (prev->mfn != cur.mfn) {
        /* Changed since we looked (not through us: another path of the
         * mapper's own); put it back and fail. */
        physmap_set(ld, gfn, *prev, NULL);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

int16_t gnttab_map_begin(struct domain *ld, uint16_t dom, struct domain **rdp, uint64_t *serial, uint32_t *idx)
{
    struct domain *rd;

    if (dom == DOMID_SELF)
        return GNTST_bad_domain;            /* Xen looks dom up as a plain id */
    if (dom == ld->domid)
        return GNTST_permission_denied;     /* Xen allows mapping one's own grant; we refuse it (docs) */
    rd = domain_get_by_id(dom);
    if (!rd || !rd->gnttab) {
        if (rd)
            domain_put(rd);
        return GNTST_bad_domain;
    }
    *serial = rd->gnttab->serial;
    *idx = gnttab_mt_get(ld->gnttab);
    if (*idx == GNTTAB_MT_NONE) {
        domain_put(rd);
        return GNTST_no_device_space;       /* Xen's code for maptrack exhaustion */
    }
    *rdp = rd;
    return GNTST_okay;
}

void gnttab_op_map(struct domain *ld, struct gnttab_map_grant_ref *op)
{
    struct gnttab_domain *lgt = ld->gnttab;
    struct gnttab_maptrack *m;
    struct physmap_entry prev;
    struct domain *rd;
    bool write = !(op->flags & GNTMAP_readonly), changed = false;
    uint64_t gfn = op->host_addr >> PAGE_SHIFT, mfn, serial;
    uint32_t idx, ref = op->ref;
    uint16_t dom = op->dom;
    int16_t st;

    op->dev_bus_addr = 0;   /* no machine addresses for translated guests */
    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
        op->status = GNTST_bad_gntref;          /* Xen's code for "nothing to map" */
        return;
    }
    /* Auto-translated: no device (IOMMU) mappings, no PTE-based mappings. */
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) {
        op->status = GNTST_general_error;
        return;
    }
    if ((op->host_addr & (PAGE_SIZE - 1)) || gfn >= PHYSMAP_MAX_GFN) {
        op->status = GNTST_bad_virt_addr;
        return;
    }
    st = gnttab_map_begin(ld, dom, &rd, &serial, &idx);
    if (st != GNTST_okay) {
        op->status = st;
        return;
    }
    st = gnttab_pin(rd, ref, ld->domid, write, true, &mfn);
    if (st == GNTST_okay && write && gnttab_get_writable(ld->domid, mfn)) {
        /* A page table or descriptor frame of a PV granter: never writable. */
        gnttab_unpin(rd->gnttab, ref, write);
        frame_put(mfn);
        st = GNTST_general_error;
    }
    if (st != GNTST_okay) {
        spin_lock(&lgt->maptrack_lock);
        gnttab_mt_put_locked(lgt, idx);
        spin_unlock(&lgt->maptrack_lock);
        domain_put(rd);
        op->status = st;
        return;
    }

    spin_lock(&lgt->maptrack_lock);
    st = gnttab_place(ld, gfn, mfn, write, &prev, &changed);
    m = gnttab_mt_entry(lgt, idx);
    if (st == GNTST_okay) {
        m->state = GNTTAB_MT_MAPPED;
        m->writable = write;
        m->granter = dom;
        m->granter_serial = serial;
        m->ref = ref;
        m->mfn = mfn;
        m->gfn = gfn;
        m->prev = prev;
        op->handle = gnttab_handle(m, idx);
    } else {
        gnttab_mt_put_locked(lgt, idx);
    }
    spin_unlock(&lgt->maptrack_lock);
    if (st != GNTST_okay) {
        if (changed)
            physmap_flush(ld);
        if (write)
            gnttab_put_writable(mfn);
        gnttab_unpin(rd->gnttab, ref, write);
        frame_put(mfn);
    }
    domain_put(rd);
    op->status = st;
}

void gnttab_op_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
    struct gnttab_domain *lgt = ld->gnttab;
    struct gnttab_maptrack *m, copy;
    uint32_t idx;

    spin_lock(&lgt->maptrack_lock);
    m = gnttab_mt_lookup(lgt, op->handle, &idx);
    if (!m) {
        spin_unlock(&lgt->maptrack_lock);
        op->status = GNTST_bad_handle;          /* stale, never used, or being mapped */
        return;
    }
    if (op->host_addr && op->host_addr != m->gfn << PAGE_SHIFT) {
        spin_unlock(&lgt->maptrack_lock);
        op->status = GNTST_bad_virt_addr;
        return;
    }
    /* Put back what the map hid, unless the guest has replaced the mapping
     * since (then the grant is no longer mapped there). */
    if (physmap_get(ld, m->gfn).mfn == m->mfn && physmap_set(ld, m->gfn, m->prev, NULL)) {
        /* Could not restore: remove the translation instead. */
        struct physmap_entry none = { .mfn = PHYSMAP_NO_MFN, .perms = 0 };

        if (physmap_set(ld, m->gfn, none, NULL)) {
            spin_unlock(&lgt->maptrack_lock);
            op->status = GNTST_general_error;   /* still mapped: keep the reference */
            return;
        }
    }
    copy = *m;
    gnttab_mt_put_locked(lgt, idx);
    spin_unlock(&lgt->maptrack_lock);

    physmap_flush(ld);      /* no vCPU of ld can reach the frame any more */
    if (copy.writable)
        gnttab_put_writable(copy.mfn);
    gnttab_unpin_by_id(copy.granter, copy.granter_serial, copy.ref, copy.writable);
    frame_put(copy.mfn);
    op->status = GNTST_okay;
}

void gnttab_release_mappings(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;
    uint32_t idx, n = gt->nr_mt_frames * GNTTAB_MAPTRACK_PER_FRAME;

    if (!gt->mt_live)
        return;
    /* d does not run: its p2m is left alone (it is torn down with d), but
     * stale translations must be gone before the frames can be freed.  A
     * PV d's page tables were torn down before (its kind's destroy), which
     * dropped the references its grant entries held. */
    physmap_flush(d);
    for (idx = 0; idx < n; idx++) {
        struct gnttab_maptrack *m = gnttab_mt_entry(gt, idx);

        if (m->state != GNTTAB_MT_MAPPED)
            continue;
        if (m->writable)
            gnttab_put_writable(m->mfn);
        gnttab_unpin_by_id(m->granter, m->granter_serial, m->ref, m->writable);
        frame_put(m->mfn);
        gnttab_mt_put_locked(gt, idx);
    }
}

/* One side of a copy. */
struct gnttab_copy_side {
    struct domain *rd;          /* granter (grant side), with a reference */
    uint32_t ref;
    uint64_t mfn;
    bool held;                  /* frame reference (and pin on the grant side) held */
    bool typed;                 /* writable type reference held (write side) */
    struct domain *owner;       /* the frame's domain (log-dirty, write side) */
    uint64_t gfn;               /* its frame number in that domain */
};

static int16_t gnttab_copy_acquire(struct domain *ld, const struct gnttab_copy_ptr *p, bool gref,
                                   bool write, struct gnttab_copy_side *s)
{
    int16_t st;

    if (!gref) {
        /* The caller's own frame, named by gfn (PV: by MFN). */
        if (!domain_is_self(ld, p->domid))
            return GNTST_permission_denied;
        if (p->u.gmfn >= PHYSMAP_MAX_GFN)
            return GNTST_bad_page;
        s->mfn = gnttab_own_frame(ld, p->u.gmfn);
        if (s->mfn == PHYSMAP_NO_MFN || !frame_get(s->mfn, ld->domid))
            return GNTST_bad_page;
        s->held = true;
        s->owner = ld;
        s->gfn = p->u.gmfn;
        goto typed;
    }
    if (domain_is_self(ld, p->domid))
        return GNTST_permission_denied;         /* own grants: as for map (docs) */
    s->rd = domain_get_by_id(p->domid);
    if (!s->rd || !s->rd->gnttab)
        return GNTST_bad_domain;
    s->ref = p->u.ref;
    st = gnttab_pin(s->rd, s->ref, ld->domid, write, false, &s->mfn);
    if (st != GNTST_okay)
        return st;
    s->held = true;
    s->owner = s->rd;
    s->gfn = gnttab_pinned_gfn(s->rd, s->ref);
typed:
    /* The hypervisor writes the frame: never a PV domain's page table or
     * descriptor frame (Xen's answer: general_error). */
    if (write) {
        if (gnttab_get_writable(ld->domid, s->mfn))
            return GNTST_general_error;
        s->typed = true;
    }
    return GNTST_okay;
}

static void gnttab_copy_release(struct gnttab_copy_side *s, bool write)
{
    if (s->typed)
        gnttab_put_writable(s->mfn);
    if (s->held) {
        if (s->rd)
            gnttab_unpin(s->rd->gnttab, s->ref, write);
        frame_put(s->mfn);
    }
    if (s->rd)
        domain_put(s->rd);
}

void gnttab_op_copy(struct domain *ld, struct gnttab_copy *op)
{
    struct gnttab_copy_side src = { 0 }, dst = { 0 };
    int16_t st;

    if ((unsigned)op->source.offset + op->len > PAGE_SIZE ||
        (unsigned)op->dest.offset + op->len > PAGE_SIZE) {
        op->status = GNTST_bad_copy_arg;
        return;
    }
    st = gnttab_copy_acquire(ld, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
    if (st == GNTST_okay)
        st = gnttab_copy_acquire(ld, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
    if (st == GNTST_okay) {
        /* Both frames are referenced: neither can be freed under the copy.
         * memmove: both sides may name the same frame. */
        memmove((uint8_t *)phys_to_virt(dst.mfn << PAGE_SHIFT) + op->dest.offset,
                (const uint8_t *)phys_to_virt(src.mfn << PAGE_SHIFT) + op->source.offset, op->len);
        /* The hypervisor wrote the destination domain's page: log-dirty
         * must hear of it, as of copy_to_guest (a no-op without log-dirty
         * on, which PV domains never have). */
        logdirty_mark(dst.owner, dst.gfn);
    }
    gnttab_copy_release(&dst, true);
    gnttab_copy_release(&src, false);
    op->status = st;
}
