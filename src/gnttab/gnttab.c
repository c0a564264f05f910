/*
 * Grant tables v1: the per-domain table (hypervisor frames shared with the
 * guest, mm.h alloc_shared_page),
 * its growth, the table-level GNTTABOP_* commands and the hypercall loop.
 * Mapping, unmapping and copying are in gnttab_map.c.  docs/grant-tables.md.
 *
 * Lock order (see also docs/locking.md):
 *   d->physmap_lock (add_to_physmap: gnttab_table_frame, gnttab_set_frame_gfn)
 *     -> gnttab table_lock of d
 *       -> p2m locks (physmap_ram_mfn of the granter) -> mm_lock (frame_get/put)
 *   gnttab maptrack_lock of d -> whatever physmap_get/physmap_set of d take
 *     -> mm_lock
 * Two gnttab locks (table or maptrack, same or different domains) are never
 * held together: a map pins the grant under the granter's table_lock, drops
 * it, then maps under the mapper's maptrack_lock.  copy_to/from_guest,
 * physmap_flush and allocations run with no gnttab lock held.
 */
#include "gnttab/gnttab_internal.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mm.h"

static uint64_t gnttab_next_serial = 1;     /* (a) */

int gnttab_domain_init(struct domain *d, unsigned max_frames, unsigned max_maptrack_frames)
{
    struct gnttab_domain *gt;
    int rc;

    if (max_frames == 0)
        max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
    if (max_frames > GNTTAB_MAX_TABLE_FRAMES)
        max_frames = GNTTAB_MAX_TABLE_FRAMES;
    if (max_maptrack_frames > GNTTAB_MAX_MAPTRACK_FRAMES)
        max_maptrack_frames = GNTTAB_MAX_MAPTRACK_FRAMES;

    gt = xzalloc(sizeof(*gt), HEAP_GNTTAB);
    if (!gt)
        return -ENOMEM;
    gt->table_lock = (spinlock_t)SPINLOCK_INIT;
    gt->maptrack_lock = (spinlock_t)SPINLOCK_INIT;
    gt->domid = d->domid;
    gt->serial = __atomic_fetch_add(&gnttab_next_serial, 1, __ATOMIC_RELAXED);
    gt->max_frames = max_frames;
    gt->max_mt_frames = max_maptrack_frames;
    gt->mt_free = GNTTAB_MT_NONE;
    gt->frames = xzalloc(max_frames * sizeof(*gt->frames), HEAP_GNTTAB);
    gt->frame_mfn = xzalloc(max_frames * sizeof(*gt->frame_mfn), HEAP_GNTTAB);
    gt->frame_gfn = xzalloc(max_frames * sizeof(*gt->frame_gfn), HEAP_GNTTAB);
    gt->active = xzalloc(max_frames * sizeof(*gt->active), HEAP_GNTTAB);
    gt->mt = max_maptrack_frames ? xzalloc(max_maptrack_frames * sizeof(*gt->mt), HEAP_GNTTAB) : NULL;
    d->gnttab = gt;
    if (!gt->frames || !gt->frame_mfn || !gt->frame_gfn || !gt->active ||
        (max_maptrack_frames && !gt->mt)) {
        gnttab_domain_destroy(d);
        return -ENOMEM;
    }
    /* One frame from the start, as Xen: guests may read the size first. */
    rc = gnttab_table_frame(d, 0, &(uint64_t){ 0 });
    if (rc) {
        gnttab_domain_destroy(d);
        return rc;
    }
    return 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;
    unsigned i;

    if (!gt)
        return;
    /* First the mappings d holds of others' grants (pins in live granters). */
    gnttab_release_mappings(d);
    /* Then d's own table.  Other domains' mappings of d's grants keep their
     * frame references; their unmap finds d gone (domain_get_by_id fails or
     * the serial differs) and never touches this memory again. */
    /* The table's frames are shared with d (mm.h alloc_shared_page): one
     * still mapped (the control domain's acquire_resource mapping, or d's
     * own if its tables were not all relinquished) stays allocated as an
     * orphan until the last mapping goes. */
    for (i = 0; i < gt->nr_frames; i++) {
        free_shared_page(gt->frames[i]);
        xfree(gt->active[i]);
    }
    for (i = 0; i < gt->nr_mt_frames; i++)
        xfree(gt->mt[i]);
    xfree(gt->frames);
    xfree(gt->frame_mfn);
    xfree(gt->frame_gfn);
    xfree(gt->active);
    xfree(gt->mt);
    xfree(gt);
    d->gnttab = NULL;
}

/* Grow d's table to n frames (n <= max_frames).  Allocates with no lock
 * held and installs under table_lock. */
static int gnttab_grow(struct gnttab_domain *gt, unsigned n)
{
    for (;;) {
        unsigned idx;
        uint32_t *page;
        struct gnttab_active *act;
        bool used = false;

        spin_lock(&gt->table_lock);
        idx = gt->nr_frames;
        spin_unlock(&gt->table_lock);
        if (idx >= n)
            return 0;

        page = alloc_shared_page(gt->domid);
        act = xzalloc(GNTTAB_ENTRIES_PER_FRAME * sizeof(*act), HEAP_GNTTAB);
        if (!page || !act) {
            if (page)
                free_shared_page(page);
            xfree(act);
            return -ENOMEM;
        }
        spin_lock(&gt->table_lock);
        if (gt->nr_frames == idx) {     /* nobody grew it meanwhile */
            gt->frames[idx] = page;
            gt->frame_mfn[idx] = virt_to_phys(page) >> PAGE_SHIFT;
            gt->frame_gfn[idx] = ~0ull;
            gt->active[idx] = act;
            /* Readers index frames[] under the same lock: publish last. */
            gt->nr_frames = idx + 1;
            used = true;
        }
        spin_unlock(&gt->table_lock);
        if (!used) {
            free_shared_page(page);     /* nobody saw it: freed at once */
            xfree(act);
        }
    }
}

int gnttab_table_frame(struct domain *d, unsigned long idx, uint64_t *mfn)
{
    struct gnttab_domain *gt = d->gnttab;
    int rc;

    if (!gt || idx >= gt->max_frames)
        return -EINVAL;
    rc = gnttab_grow(gt, (unsigned)idx + 1);
    if (rc)
        return rc;
    spin_lock(&gt->table_lock);
    *mfn = gt->frame_mfn[idx];
    spin_unlock(&gt->table_lock);
    return 0;
}

unsigned gnttab_max_frames(const struct domain *d)
{
    return d->gnttab ? d->gnttab->max_frames : 0;     /* (i): fixed at creation */
}

void gnttab_set_frame_gfn(struct domain *d, unsigned long idx, uint64_t gfn)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt)
        return;
    spin_lock(&gt->table_lock);
    if (idx < gt->nr_frames)
        gt->frame_gfn[idx] = gfn;
    spin_unlock(&gt->table_lock);
}

/* dom names the caller itself?  Other domains: GNTST_bad_domain when there
 * is no such domain, else GNTST_permission_denied (no domain here has the
 * privilege to look at another's table, as with Xen's default policy for
 * unprivileged callers). */
static int16_t gnttab_check_self(struct domain *d, uint16_t dom)
{
    struct domain *o;

    if (domain_is_self(d, dom))
        return GNTST_okay;
    o = domain_get_by_id(dom);
    if (!o)
        return GNTST_bad_domain;
    domain_put(o);
    return GNTST_permission_denied;
}

/* GNTTABOP_setup_table: grow to nr_frames and report where each frame is
 * mapped.  Auto-translated guests get gfns (~0 for a frame not placed), PV
 * guests the machine frames, which they map themselves (Xen shares them
 * with the guest; pv/pv_kind.c lets the domain map its own table frames). */
static long gnttab_op_setup_table(struct vcpu *v, uint64_t uop)
{
    struct domain *d = v->domain;
    struct gnttab_domain *gt = d->gnttab;
    struct gnttab_setup_table op;
    unsigned i;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    op.status = gnttab_check_self(d, op.dom);
    if (op.status == GNTST_okay && op.nr_frames > gt->max_frames)
        op.status = GNTST_general_error;
    if (op.status == GNTST_okay && gnttab_grow(gt, op.nr_frames))
        op.status = GNTST_general_error;
    for (i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
        uint64_t gfn;

        spin_lock(&gt->table_lock);
        gfn = gnttab_is_pv(d) ? gt->frame_mfn[i] : gt->frame_gfn[i];
        spin_unlock(&gt->table_lock);
        if (copy_to_guest(v, op.frame_list + i * sizeof(gfn), &gfn, sizeof(gfn)))
            return -EFAULT;
    }
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}

static long gnttab_op_query_size(struct vcpu *v, uint64_t uop)
{
    struct domain *d = v->domain;
    struct gnttab_domain *gt = d->gnttab;
    struct gnttab_query_size op;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    op.status = gnttab_check_self(d, op.dom);
    if (op.status == GNTST_okay) {
        spin_lock(&gt->table_lock);
        op.nr_frames = gt->nr_frames;
        spin_unlock(&gt->table_lock);
        op.max_nr_frames = gt->max_frames;
    }
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}

/* Only version 1 exists here.  Xen built or configured for v1 only answers
 * a request for v2 with -ENOSYS ("as before set_version existed"), anything
 * else but 1 with -EINVAL, and reports the version in force either way. */
static long gnttab_op_set_version(struct vcpu *v, uint64_t uop)
{
    struct gnttab_set_version op;
    long rc;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    rc = op.version == 1 ? 0 : op.version == 2 ? -ENOSYS : -EINVAL;
    op.version = 1;
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

static long gnttab_op_get_version(struct vcpu *v, uint64_t uop)
{
    struct gnttab_get_version op;
    int16_t st;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    st = gnttab_check_self(v->domain, op.dom);
    if (st == GNTST_bad_domain)
        return -ESRCH;
    if (st != GNTST_okay)
        return -EPERM;
    op.version = 1;
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}

/* The batched commands: each element is read, handled and written back in
 * turn; a fault stops the loop (elements before it are done).  A PV
 * mapper's unmaps share one TLB flush (gnttab_defer.h): the loop ends with
 * gnttab_pv_unmap_done whichever way it ends, so nothing stays queued. */
static long gnttab_batch(struct vcpu *v, unsigned cmd, uint64_t uop, unsigned count)
{
    struct domain *d = v->domain;
    union {
        struct gnttab_map_grant_ref map;
        struct gnttab_unmap_grant_ref unmap;
        struct gnttab_copy copy;
    } op;
    size_t size = cmd == GNTTABOP_map_grant_ref ? sizeof(op.map) :
                  cmd == GNTTABOP_unmap_grant_ref ? sizeof(op.unmap) : sizeof(op.copy);
    unsigned row = cmd == GNTTABOP_map_grant_ref ? GNTTAB_ST_MAP :
                   cmd == GNTTABOP_unmap_grant_ref ? GNTTAB_ST_UNMAP : GNTTAB_ST_COPY;
    bool pv = gnttab_is_pv(d);
    struct gnttab_defer q;
    unsigned i;
    long rc = 0;

    gnttab_defer_init(&q);
    __atomic_fetch_add(&d->gnttab->st_calls[row], 1, __ATOMIC_RELAXED);
    for (i = 0; i < count; i++) {
        uint64_t addr = uop + (uint64_t)i * size;

        if (copy_from_guest(v, &op, addr, size)) {
            rc = -EFAULT;
            break;
        }
        if (cmd == GNTTABOP_map_grant_ref && pv)
            gnttab_pv_op_map(v, &op.map);       /* into the caller's page tables */
        else if (cmd == GNTTABOP_map_grant_ref)
            gnttab_op_map(d, &op.map);
        else if (cmd == GNTTABOP_unmap_grant_ref && pv)
            gnttab_pv_op_unmap(v, &op.unmap, &q);
        else if (cmd == GNTTABOP_unmap_grant_ref)
            gnttab_op_unmap(d, &op.unmap);
        else
            gnttab_op_copy(d, &op.copy);
        if (copy_to_guest(v, addr, &op, size)) {
            rc = -EFAULT;
            break;
        }
    }
    __atomic_fetch_add(&d->gnttab->st_ops[row], i, __ATOMIC_RELAXED);
    if (pv && cmd == GNTTABOP_unmap_grant_ref)
        gnttab_pv_unmap_done(v, &q);
    return rc;
}

long gnttab_hypercall(struct vcpu *v, unsigned cmd, uint64_t uop, unsigned count)
{
    if (!v->domain->gnttab)
        return -ENOSYS;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        /* Xen preempts long batches with continuations; we bound the batch
         * instead, so one call costs at most 512 operations. */
        if (count > GNTTAB_MAX_OPS)
            return -EINVAL;
        return gnttab_batch(v, cmd, uop, count);
    case GNTTABOP_setup_table:
        return count == 1 ? gnttab_op_setup_table(v, uop) : -EINVAL;
    case GNTTABOP_query_size:
        return count == 1 ? gnttab_op_query_size(v, uop) : -EINVAL;
    case GNTTABOP_set_version:
        return gnttab_op_set_version(v, uop);
    case GNTTABOP_get_version:
        return gnttab_op_get_version(v, uop);
    case GNTTABOP_transfer:
        /* Page transfer moves frame ownership between domains; the
         * auto-translated guests we run never use it (Linux netback stopped
         * flipping pages long ago) and it would need p2m surgery on both
         * sides.  Not implemented. */
    default:
        /* dump_table, unmap_and_replace, get_status_frames (v2),
         * swap_grant_ref, cache_flush (Arm): not implemented. */
        return -ENOSYS;
    }
}
