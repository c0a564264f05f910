/*
 * memory_op for PV callers: XENMEM_exchange and XENMEM_acquire_resource
 * (public/memory.h; docs/pv.md "Exchange", docs/toolstack.md "Resources",
 * docs/ioreq.md for the ioreq server's frames).
 *
 * XENMEM_exchange is how a PV kernel gets machine-contiguous memory (Linux's
 * xen_create_contiguous_region for swiotlb-xen and DMA-coherent buffers):
 * it gives back in.nr_extents extents it owns (named by MFN) and gets
 * out.nr_extents new ones of another order, below 2^address_bits, which the
 * hypervisor enters in the M2P at the gpfns the caller put in
 * out.extent_start and whose first MFNs it writes back there.  The caller
 * updates its own p2m (a PV guest keeps it).
 *
 * The work goes in chunks of 2^max(in.order, out.order) frames: for each
 * chunk the lists are read and the out slots checked writable, the new
 * extents allocated, then the old frames given back all at once
 * (frames_release_extents: every frame checked first, owned, nobody's
 * reference, no extent named twice).  A chunk that cannot be done is undone
 * before anything of the caller changed (the new extents go back to the
 * allocator: the domain's mm_lock is held, so none of its vCPUs can have
 * mapped them), so a failure midway leaves the domain with the chunks done
 * so far exchanged and the rest untouched: no frame leaked or owned twice,
 * tot_pages unchanged (as many frames leave as arrive).  nr_exchanged (in
 * input extents) is written back whatever happens; the call answers 0 only
 * when all were exchanged.
 *
 * Errors, as Xen's: -EINVAL for nr_exchanged beyond in.nr_extents (or not a
 * whole chunk), different domids, a size overflow, in and out sizes that
 * differ, an input extent not the caller's or misaligned; -EPERM for an
 * order above 9 (a domU's limit in Xen) or a domid of an existing other
 * domain; -ESRCH for a domid nobody has; -EBUSY for an input frame still
 * referenced (mapped, pinned, a page table, granted); -ENOMEM when no
 * extent below address_bits is free; -EFAULT for lists it cannot read or
 * write.  Another domain's memory, even for the control domain: -EPERM
 * here (Xen lets a privileged caller name one; nothing needs it).
 *
 * Preemption: at most EXCH_BUDGET frames per stint, then nr_exchanged is
 * written back and the call restarts with the same arguments (Xen's
 * continuation: why the field must be 0 on the first entry).
 *
 * 32-bit callers (pv32_hcall.c): the 44-byte layout, 4-byte list entries;
 * new extents come from below 2^44 so every MFN fits in 32 bits.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "mm/m2p.h"
#include "gnttab/gnttab.h"
#include "hvm/ioreq.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/memory.h"

#define EXCH_MAX_ORDER      9       /* Xen's domU default; 2 MiB extents */
#define EXCH_BUDGET         512     /* frames per stint before a continuation */
#define EXCH_CHUNK_MAX      (1u << EXCH_MAX_ORDER)
#define ADDR_BITS(f)        ((f) & 0xffu)
#define COMPAT_ADDR_BITS    44      /* MFNs below 2^32: a 32-bit caller can name them */

/* One reservation of either layout, widened. */
struct exch_res {
    uint64_t start, nr;
    uint32_t order, flags;
    uint16_t domid;
};

struct exch_call {
    struct vcpu *v;
    uint64_t arg;
    unsigned es;                    /* bytes per list entry: 8, or 4 for a 32-bit caller */
    struct exch_res in, out;
    uint64_t done;                  /* nr_exchanged */
};

static int read_entry(struct exch_call *c, uint64_t list, uint64_t i, uint64_t *val)
{
    *val = 0;
    return pv_copy_guest(c->v, val, list + i * c->es, c->es, false);   /* little-endian: the low bytes */
}

static int write_entry(struct exch_call *c, uint64_t list, uint64_t i, uint64_t val)
{
    return pv_copy_guest(c->v, &val, list + i * c->es, c->es, true);
}

static int read_call(struct exch_call *c)
{
    if (c->es == 8) {
        struct xen_memory_exchange x;
        if (pv_copy_guest(c->v, &x, c->arg, sizeof(x), false))
            return -EFAULT;
        c->in = (struct exch_res){ x.in.extent_start, x.in.nr_extents, x.in.extent_order, x.in.mem_flags,
                                   x.in.domid };
        c->out = (struct exch_res){ x.out.extent_start, x.out.nr_extents, x.out.extent_order, x.out.mem_flags,
                                    x.out.domid };
        c->done = x.nr_exchanged;
        return 0;
    }
    /* x86_32: {handle, nr_extents, extent_order, mem_flags, domid, pad} x 2, nr_exchanged. */
    uint32_t w[11];
    if (pv_copy_guest(c->v, w, c->arg, sizeof(w), false))
        return -EFAULT;
    c->in = (struct exch_res){ w[0], w[1], w[2], w[3], (uint16_t)w[4] };
    c->out = (struct exch_res){ w[5], w[6], w[7], w[8], (uint16_t)w[9] };
    c->done = w[10];
    return 0;
}

static int write_done(struct exch_call *c)
{
    return pv_copy_guest(c->v, &c->done, c->arg + (c->es == 8 ? 64 : 40), c->es, true);
}

/* Buffers of one chunk: input bases, output gpfns then MFNs. */
struct exch_buf {
    uint64_t in[EXCH_CHUNK_MAX];
    uint64_t out[EXCH_CHUNK_MAX];
    void *mem[EXCH_CHUNK_MAX];
};

/* Chunk k: n_in input extents, n_out output ones.  0 or an errno with
 * nothing of the domain changed (the out slots hold what they held). */
static long one_chunk(struct exch_call *c, struct exch_buf *b, uint64_t k, unsigned n_in, unsigned n_out,
                      unsigned addr_bits)
{
    struct domain *d = c->v->domain;
    unsigned i, got = 0;

    for (i = 0; i < n_in; i++)
        if (read_entry(c, c->in.start, k * n_in + i, &b->in[i]))
            return -EFAULT;
    /* The slots are written back with what they hold: a list the caller
     * cannot have written is found before anything is taken. */
    for (i = 0; i < n_out; i++)
        if (read_entry(c, c->out.start, k * n_out + i, &b->out[i]) ||
            write_entry(c, c->out.start, k * n_out + i, b->out[i]))
            return -EFAULT;
    long rc = 0;
    bool took = pv_mm_lock(c->v);
    /* Before the allocation: teardown must sweep for these frames. */
    __atomic_store_n(&d->frames_outside_blocks, true, __ATOMIC_SEQ_CST);
    for (; got < n_out; got++) {
        b->mem[got] = pv_mem_alloc(d, c->out.order, addr_bits);    /* 32-bit: below the compat M2P's end too */
        if (!b->mem[got]) {
            rc = -ENOMEM;
            break;
        }
    }
    if (!rc)
        rc = frames_release_extents(b->in, n_in, c->in.order, d->domid);
    if (rc) {
        /* Nobody can have mapped them: the domain's mm_lock is held. */
        for (i = 0; i < got; i++)
            free_pages(b->mem[i], c->out.order);
        pv_mm_unlock(c->v, took);
        return rc;
    }
    for (i = 0; i < n_out; i++) {
        uint64_t mfn = virt_to_phys(b->mem[i]) >> 12;
        for (uint64_t j = 0; j < (1ull << c->out.order); j++)
            m2p_set(mfn + j, b->out[i] + j);
        b->out[i] = mfn;
    }
    pv_mm_unlock(c->v, took);
    /* The slots were writable a moment ago; if another vCPU unmapped them
     * since, the frames stay the domain's (counted, freed at teardown). */
    for (i = 0; i < n_out; i++)
        if (write_entry(c, c->out.start, k * n_out + i, b->out[i]))
            rc = -EFAULT;
    return rc == -EFAULT ? 1 : 0;       /* 1: done, but the caller could not be told */
}

long pv_mem_exchange(struct vcpu *v, uint64_t arg, bool compat)
{
    struct domain *d = v->domain;
    struct exch_call c = { .v = v, .arg = arg, .es = compat ? 4 : 8 };
    long rc = read_call(&c);
    if (rc)
        return rc;

    unsigned io = c.in.order, oo = c.out.order;
    if (c.done > c.in.nr || c.in.domid != c.out.domid || io > 63 || oo > 63 || (~0ull >> io) < c.in.nr ||
        (~0ull >> oo) < c.out.nr || (c.in.nr << io) != (c.out.nr << oo)) {
        rc = -EINVAL;
        goto out;
    }
    if (c.done == c.in.nr)
        return 0;
    if (io > EXCH_MAX_ORDER || oo > EXCH_MAX_ORDER) {
        rc = -EPERM;
        goto out;
    }
    if (!domain_is_self(d, c.in.domid)) {
        struct domain *t = domain_get_by_id(c.in.domid);
        if (t)
            domain_put(t);
        rc = t ? -EPERM : -ESRCH;
        goto out;
    }
    /* A chunk: n_in input extents for n_out output ones. */
    unsigned n_in = oo > io ? 1u << (oo - io) : 1, n_out = io > oo ? 1u << (io - oo) : 1;
    unsigned chunk_frames = 1u << (io > oo ? io : oo);
    if (c.done % n_in) {
        rc = -EINVAL;           /* never written by us: a continuation stops on whole chunks */
        goto out;
    }
    unsigned addr_bits = ADDR_BITS(c.out.flags);
    if (compat && (!addr_bits || addr_bits > COMPAT_ADDR_BITS))
        addr_bits = COMPAT_ADDR_BITS;
    if (addr_bits >= 64)
        addr_bits = 0;
    if (addr_bits && addr_bits < 12 + oo) {
        rc = -ENOMEM;           /* no extent of that order fits below it */
        goto out;
    }
    struct exch_buf *b = xmalloc(sizeof(*b), HEAP_PV);
    if (!b) {
        rc = -ENOMEM;
        goto out;
    }
    struct pv_vcpu *pv = v->vendor;
    uint64_t budget = 0, nr_chunks = c.in.nr / n_in;
    for (uint64_t k = c.done / n_in; k < nr_chunks; k++) {
        if (budget >= EXCH_BUDGET) {
            rc = -ERESTART;     /* the same call again, from nr_exchanged */
            pv->nr_mem_restarts++;
            break;
        }
        budget += chunk_frames;
        rc = one_chunk(&c, b, k, n_in, n_out, addr_bits);
        if (rc < 0)
            break;
        c.done = (k + 1) * n_in;
        if (rc) {
            rc = -EFAULT;
            break;
        }
    }
    xfree(b);
out:
    if (write_done(&c))
        rc = -EFAULT;
    return rc;
}

/* ---- XENMEM_acquire_resource ---- */

#define ACQ_MAX_PER_CALL    32      /* frames per call (as Xen before it had continuations): -E2BIG beyond */

long pv_acquire_resource(struct vcpu *v, uint64_t arg)
{
    struct xen_mem_acquire_resource r;
    uint64_t mfns[ACQ_MAX_PER_CALL];

    if (pv_copy_guest(v, &r, arg, sizeof(r), false))
        return -EFAULT;
    /* Another domain's frames: the control domain's (Xen: any device
     * model's; here the device model runs in the control domain). */
    if (!domain_is_privileged(v->domain))
        return -EPERM;
    if (r.pad)
        return -EINVAL;
    /* Any domain that still exists (paused, shut down and kept), as Xen:
     * not only a running one. */
    struct domain *t = domain_get_any(r.domid);
    if (!t)
        return -ESRCH;
    long rc = 0;
    unsigned max = 0;
    if (t == v->domain)
        rc = -EPERM;            /* as Xen: a remote domain only */
    else if (r.type == XENMEM_resource_ioreq_server)
        max = hvm_ioreq_max_frames(t);      /* id and frames checked by hvm/ioreq.c */
    else if (r.type != XENMEM_resource_grant_table)
        rc = -EOPNOTSUPP;
    else if (r.id == XENMEM_resource_grant_table_id_status)
        rc = -EINVAL;           /* status frames are grant table v2's; only v1 exists */
    else if (r.id != XENMEM_resource_grant_table_id_shared)
        rc = -EINVAL;
    else
        max = gnttab_max_frames(t);
    if (rc)
        goto out;
    if (!r.frame_list) {
        /* The size query: nr_frames 0 in, the maximum out. */
        if (r.nr_frames) {
            rc = -EINVAL;
            goto out;
        }
        r.nr_frames = max;
        rc = pv_copy_guest(v, &r, arg, sizeof(r), true) ? -EFAULT : 0;
        goto out;
    }
    if (r.nr_frames > ACQ_MAX_PER_CALL) {
        rc = -E2BIG;
        goto out;
    }
    if (r.type == XENMEM_resource_ioreq_server) {
        /* The server's frames: owned by t, mapped by MFN with
         * MMU_PT_UPDATE_NO_TRANSLATE naming t (pv_foreign.c); they live
         * until the server is gone and the last mapping with it. */
        for (unsigned i = 0; i < r.nr_frames && !rc; i++)
            rc = hvm_ioreq_get_frame(v->domain, t, r.id, r.frame + i, &mfns[i]);
    } else if (r.frame >= max || r.nr_frames > max - r.frame) {
        rc = -EINVAL;
        goto out;
    } else {
        /* The table grows to cover the frames asked for (a domain can
         * always grow it to its maximum itself: nothing new is allowed). */
        for (unsigned i = 0; i < r.nr_frames && !rc; i++)
            rc = gnttab_table_frame(t, r.frame + i, &mfns[i]);
    }
    /* A PV caller gets MFNs (it maps them with mmu_update naming the domain). */
    if (!rc && r.nr_frames && pv_copy_guest(v, mfns, r.frame_list, r.nr_frames * 8ull, true))
        rc = -EFAULT;
out:
    domain_put(t);
    return rc;
}
