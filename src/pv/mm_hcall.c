/*
 * The PV MMU hypercalls (mm_hcall.h; docs/pv.md, "MMU hypercalls").  The
 * frame-type core (mm/pgtype.c) keeps the invariants (a frame is a page
 * table only after validation, never while writable; every entry holds its
 * references); this file turns the guest's requests into its operations,
 * with the Xen ABI's arguments, error numbers, batching and continuations,
 * and keeps the references a vCPU holds through its base pointers and GDT.
 *
 * Every guest-supplied number is checked before use: frame numbers against
 * the frame table and the domain's ownership (pgt->get_ref), guest
 * pointers against the guest's half of the address space before the
 * environment copies through them, entry bits by pgtype's rules,
 * descriptors by pv_check_descriptor.
 */
#include "pv/mm_hcall.h"

#include <stddef.h>

#include "lib/errno.h"
#include "public/xen.h"
#include "pv/desc.h"

#define E_P         (1ull << 0)
#define E_PS        (1ull << 7)
#define E_ADDR      0x000ffffffffff000ull

/* 64-bit PV: the guest's address space is the lower canonical half and the
 * upper half from 0xffff880000000000; the 16 L4 slots between belong to
 * the hypervisor (pgtype's PGT_L4_HV_*). */
#define GUEST_LOW_END   (1ull << 47)
#define GUEST_HIGH      0xffff880000000000ull

bool pv_guest_range_ok(uint64_t va, uint64_t len)
{
    if (va < GUEST_LOW_END)
        return len <= GUEST_LOW_END - va;
    if (va >= GUEST_HIGH)
        return len <= 0 - va;   /* up to the top of the address space, no wrap */
    return false;
}

static inline bool addr_ok(uint64_t va)
{
    return pv_guest_range_ok(va, 1);
}

/* Guest memory, only through the guest's own part of the address space
 * (whatever the environment's page walk would allow). */
static int gcopy_from(const struct pv_mmu_env *e, void *dst, uint64_t gva, uint64_t len)
{
    if (!len)
        return 0;
    if (!pv_guest_range_ok(gva, len))
        return -EFAULT;
    return e->copy_from(e, dst, gva, len) ? -EFAULT : 0;
}

static int gcopy_to(const struct pv_mmu_env *e, uint64_t gva, const void *src, uint64_t len)
{
    if (!pv_guest_range_ok(gva, len))
        return -EFAULT;
    return e->copy_to(e, gva, src, len) ? -EFAULT : 0;
}

static bool preempt(const struct pv_mmu_env *e)
{
    return e->pgt->preempt && e->pgt->preempt(e->pgt);
}

/* The domain whose frames a call names (Xen's "foreign domain"): only the
 * caller's own so far.  As Xen: a domain may not name itself by its id
 * (-ESRCH); naming another needs privilege (-EPERM). */
static long own_frames_only(const struct pv_mmu_env *e, uint32_t domid)
{
    domid &= 0xffff;
    if (domid == DOMID_SELF)
        return 0;
    if (domid == e->dom)
        return -ESRCH;
    return e->privileged ? -EOPNOTSUPP : -EPERM;
}

/* A general reference on mfn if the domain may use it (its own frame). */
static bool get_frame(const struct pv_mmu_env *e, uint64_t mfn)
{
    const struct pgt_env *p = e->pgt;
    return mfn < p->nr_frames && p->get_ref(p, mfn, e->dom);
}

/* The vCPU bitmap at gva (one bit per vCPU, 64 per word), bits of vCPUs
 * the domain does not have cleared. */
static int read_vcpumask(const struct pv_mmu_env *e, uint64_t gva, uint64_t mask[PV_MMU_MAX_VCPUS / 64])
{
    unsigned n = e->nr_vcpus > PV_MMU_MAX_VCPUS ? PV_MMU_MAX_VCPUS : e->nr_vcpus;
    unsigned words = (n + 63) / 64;

    for (unsigned i = 0; i < PV_MMU_MAX_VCPUS / 64; i++)
        mask[i] = 0;
    if (gcopy_from(e, mask, gva, words * 8ull))
        return -EFAULT;
    if (n % 64)
        mask[words - 1] &= (1ull << (n % 64)) - 1;
    return 0;
}

/* ---- mmu_update ---- */

/* MMU_NORMAL_PT_UPDATE (and PRESERVE_AD): the 8-byte entry at machine
 * address ma.  A validated page table changes through pgt_mod_entry; any
 * other frame of the domain that may be writable is simply written (as
 * Xen: the guest could map it writable and store there anyway).  Returns
 * 1 if a present page-table entry changed. */
static int normal_update(const struct pv_mmu_env *e, uint64_t ma, uint64_t val, bool preserve_ad)
{
    const struct pgt_env *p = e->pgt;
    uint64_t mfn = ma >> 12;
    unsigned idx = (unsigned)((ma & 0xfff) >> 3);
    int rc;

    if (!get_frame(e, mfn))
        return -EINVAL;
    uint64_t x = __atomic_load_n(&p->ft[mfn].type_info, __ATOMIC_ACQUIRE);
    if (pgt_level(frame_type_of(&p->ft[mfn])) && (x & PGT_COUNT_MASK)) {
        /* pgt_mod_entry checks again, atomically, that it is a validated
         * table of ours. */
        rc = pgt_mod_entry(p, e->dom, mfn, idx, val, PGT_PREEMPTIBLE | (preserve_ad ? PGT_PRESERVE_AD : 0));
    } else if (pgt_get_type(p, e->dom, mfn, FRAME_TYPE_WRITABLE, 0) == 0) {
        __atomic_store_n(&p->map(p, mfn)[idx], val, __ATOMIC_RELEASE);
        pgt_put_type(p, mfn);
        rc = 0;
    } else {
        rc = -EINVAL;           /* a table part-way through validation, a descriptor frame, ... */
    }
    p->put_ref(p, mfn);
    return rc;
}

static int machphys_update(const struct pv_mmu_env *e, uint64_t mfn, uint64_t pfn)
{
    if (!get_frame(e, mfn))
        return -EINVAL;
    e->m2p_set(e, mfn, pfn);
    e->pgt->put_ref(e->pgt, mfn);
    return 0;
}

long pv_mmu_update(const struct pv_mmu_env *e, uint64_t args[4])
{
    uint64_t reqs = args[0], pdone = args[2];
    uint32_t count = (uint32_t)args[1], done = 0, i = 0;
    bool stale = false;
    long rc;

    if (count & MMU_UPDATE_PREEMPTED) {
        /* A continuation: pdone holds what the earlier parts did. */
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone)
            (void)gcopy_from(e, &done, pdone, sizeof(done));
    }
    if (!pv_guest_range_ok(reqs, (uint64_t)count * sizeof(struct mmu_update)))
        return -EFAULT;
    /* Bits 16-31: the page tables' domain + 1 (0: the caller's). */
    uint32_t pt_dom = (uint32_t)args[3] >> 16;
    rc = own_frames_only(e, (uint32_t)args[3]);
    if (!rc && pt_dom && pt_dom - 1 != e->dom)
        rc = e->privileged ? -EOPNOTSUPP : -EPERM;

    for (; !rc && i < count; i++) {
        /* The first request of every call is done, so each call makes progress. */
        if (i && preempt(e)) {
            rc = -ERESTART;
            break;
        }
        struct mmu_update req;
        if (gcopy_from(e, &req, reqs + (uint64_t)i * sizeof(req), sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        unsigned cmd = (unsigned)(req.ptr & 7);
        switch (cmd) {
        case MMU_NORMAL_PT_UPDATE:
        case MMU_PT_UPDATE_PRESERVE_AD:
        case MMU_PT_UPDATE_NO_TRANSLATE:
            rc = normal_update(e, req.ptr & ~7ull, req.val, cmd == MMU_PT_UPDATE_PRESERVE_AD);
            if (rc == 1) {
                stale = true;
                rc = 0;
            }
            break;
        case MMU_MACHPHYS_UPDATE:
            rc = machphys_update(e, req.ptr >> 12, req.val);
            break;
        default:
            rc = -ENOSYS;
            break;
        }
        if (rc)
            break;
    }
    if (stale && e->stale)
        e->stale(e);
    if (rc == -ERESTART) {
        /* Request i was not done (a validation it started continues when
         * it is issued again). */
        args[0] = reqs + (uint64_t)i * sizeof(struct mmu_update);
        args[1] = (count - i) | MMU_UPDATE_PREEMPTED;
    }
    if (pdone) {
        done += i;
        (void)gcopy_to(e, pdone, &done, sizeof(done));
    }
    return rc;
}

/* ---- mmuext_op ---- */

/* NEW_BASEPTR / NEW_USER_BASEPTR: the new table's references are taken
 * (validating it, preemptibly) before the vCPU uses it; the old one's are
 * dropped after the vCPU stopped using it. */
static long new_base(const struct pv_mmu_env *e, uint64_t mfn, bool user)
{
    struct pv_mmu_vcpu *v = e->vcpu;
    uint64_t *slot = user ? &v->user_base : &v->base, old = *slot;
    unsigned what = user ? PV_RELOAD_USER_BASE : PV_RELOAD_BASE;

    if (mfn == old) {
        /* Xen reloads CR3 for the kernel's (the guest may rely on the flush). */
        if (!user)
            e->reload(e, what);
        return 0;
    }
    if (e->compat && user)
        return -EINVAL;         /* one set of tables for rings 1 and 3 */
    if (mfn) {
        long rc = pgt_get_top(e->pgt, e->dom, mfn, e->compat ? FRAME_TYPE_PT_L3 : FRAME_TYPE_PT_L4,
                              PGT_PREEMPTIBLE);
        if (rc)
            return rc;
    } else if (!user) {
        return -EINVAL;         /* the kernel always has page tables */
    }
    *slot = mfn;
    e->reload(e, what);
    if (old)
        pgt_put_top(e->pgt, old);
    return 0;
}

static long set_ldt(const struct pv_mmu_env *e, uint64_t base, uint32_t ents)
{
    struct pv_mmu_vcpu *v = e->vcpu;
    uint64_t ptr = ents ? base : 0;

    /* Xen checks the base only; the whole table is checked here so that
     * the LDT's lazy mapping never looks at the hypervisor's range. */
    if ((ptr & 0xfff) || ents > PV_LDT_MAX_ENTRIES || !pv_guest_range_ok(ptr, ents * 8ull))
        return -EINVAL;
    if (v->ldt_base != ptr || v->ldt_ents != ents) {
        v->ldt_base = ptr;
        v->ldt_ents = ents;
        e->reload(e, PV_RELOAD_LDT);
    }
    return 0;
}

static long clear_page(const struct pv_mmu_env *e, uint64_t mfn)
{
    const struct pgt_env *p = e->pgt;

    if (!get_frame(e, mfn))
        return -EINVAL;
    if (pgt_get_type(p, e->dom, mfn, FRAME_TYPE_WRITABLE, 0)) {
        p->put_ref(p, mfn);
        return -EINVAL;
    }
    uint64_t *d = p->map(p, mfn);
    for (unsigned i = 0; i < 512; i++)
        __atomic_store_n(&d[i], 0, __ATOMIC_RELAXED);
    pgt_put_type(p, mfn);
    p->put_ref(p, mfn);
    return 0;
}

static long copy_page(const struct pv_mmu_env *e, uint64_t dst, uint64_t src)
{
    const struct pgt_env *p = e->pgt;

    /* The source is only read: any frame of the domain (a page table too). */
    if (!get_frame(e, src))
        return -EINVAL;
    if (!get_frame(e, dst)) {
        p->put_ref(p, src);
        return -EINVAL;
    }
    if (pgt_get_type(p, e->dom, dst, FRAME_TYPE_WRITABLE, 0)) {
        p->put_ref(p, dst);
        p->put_ref(p, src);
        return -EINVAL;
    }
    uint64_t *d = p->map(p, dst), *s = p->map(p, src);
    for (unsigned i = 0; i < 512; i++)
        __atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    pgt_put_type(p, dst);
    p->put_ref(p, dst);
    p->put_ref(p, src);
    return 0;
}

static long flush_multi(const struct pv_mmu_env *e, unsigned how, uint64_t va, uint64_t maskp)
{
    uint64_t mask[PV_MMU_MAX_VCPUS / 64];

    if (read_vcpumask(e, maskp, mask))
        return -EINVAL;         /* mmuext_op's answer for an unreadable mask (Xen) */
    if (how == PV_FLUSH_TLB || addr_ok(va))
        e->flush(e, how | PV_FLUSH_VCPUS, va, mask);
    return 0;
}

static long mmuext_one(const struct pv_mmu_env *e, const struct mmuext_op *op)
{
    const struct pgt_env *p = e->pgt;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pgt_pin(p, e->dom, op->arg1, op->cmd - MMUEXT_PIN_L1_TABLE + 1, PGT_PREEMPTIBLE);
    case MMUEXT_UNPIN_TABLE:
        return pgt_unpin(p, e->dom, op->arg1);
    case MMUEXT_NEW_BASEPTR:
        return new_base(e, op->arg1, false);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_base(e, op->arg1, true);
    case MMUEXT_TLB_FLUSH_LOCAL:
        e->flush(e, PV_FLUSH_TLB | PV_FLUSH_LOCAL, 0, NULL);
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        /* An address outside the guest's range has nothing of the guest's to flush. */
        if (addr_ok(op->arg1))
            e->flush(e, PV_FLUSH_VA | PV_FLUSH_LOCAL, op->arg1, NULL);
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
        return flush_multi(e, PV_FLUSH_TLB, 0, op->arg2);
    case MMUEXT_INVLPG_MULTI:
        return flush_multi(e, PV_FLUSH_VA, op->arg1, op->arg2);
    case MMUEXT_TLB_FLUSH_ALL:
        e->flush(e, PV_FLUSH_TLB | PV_FLUSH_DOMAIN, 0, NULL);
        return 0;
    case MMUEXT_INVLPG_ALL:
        if (addr_ok(op->arg1))
            e->flush(e, PV_FLUSH_VA | PV_FLUSH_DOMAIN, op->arg1, NULL);
        return 0;
    case MMUEXT_FLUSH_CACHE:
        /* Only a domain with devices has a reason to (Xen: cache_flush_permitted). */
        if (!p->cache_attrs_ok)
            return -EACCES;
        e->cache_flush(e, false);
        return 0;
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if (!p->cache_attrs_ok)
            return -EINVAL;     /* Xen's answer here */
        e->cache_flush(e, true);
        return 0;
    case MMUEXT_SET_LDT:
        return set_ldt(e, op->arg1, (uint32_t)op->arg2);
    case MMUEXT_CLEAR_PAGE:
        return clear_page(e, op->arg1);
    case MMUEXT_COPY_PAGE:
        return copy_page(e, op->arg1, op->arg2);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        /* PV superpages: Xen dropped them and answers this; so do we. */
        return -EOPNOTSUPP;
    default:
        return -ENOSYS;
    }
}

long pv_mmuext_op(const struct pv_mmu_env *e, uint64_t args[4])
{
    uint64_t ops = args[0], pdone = args[2];
    uint32_t count = (uint32_t)args[1], done = 0, i = 0;
    long rc;

    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone)
            (void)gcopy_from(e, &done, pdone, sizeof(done));
    }
    /* A 32-bit caller's entries: cmd, arg1, arg2 as 32-bit words. */
    const uint64_t esz = e->compat ? 12 : sizeof(struct mmuext_op);
    if (!pv_guest_range_ok(ops, (uint64_t)count * esz))
        return -EFAULT;
    rc = own_frames_only(e, (uint32_t)args[3]);
    if (rc)
        return rc;

    for (; i < count; i++) {
        if (i && preempt(e)) {
            rc = -ERESTART;
            break;
        }
        struct mmuext_op op;
        uint32_t op32[3];
        if (e->compat ? gcopy_from(e, op32, ops + (uint64_t)i * esz, esz)
                      : gcopy_from(e, &op, ops + (uint64_t)i * esz, esz)) {
            rc = -EFAULT;
            break;
        }
        if (e->compat)
            op = (struct mmuext_op){ .cmd = op32[0], .arg1 = op32[1], .arg2 = op32[2] };
        rc = mmuext_one(e, &op);
        if (rc)
            break;
    }
    if (rc == -ERESTART) {
        /* Op i (a pin or base pointer whose validation stopped) runs again
         * and continues where it stopped. */
        args[0] = ops + (uint64_t)i * esz;
        args[1] = (count - i) | MMU_UPDATE_PREEMPTED;
    }
    if (pdone) {
        done += i;
        (void)gcopy_to(e, pdone, &done, sizeof(done));
    }
    return rc;
}

/* ---- update_va_mapping ---- */

/* The L1 table that maps va in the vCPU's kernel page tables (the ones
 * in use while it makes the call), or ~0 if an upper level has no table
 * there.  Only read: pgt_mod_entry then checks that the frame is a
 * validated L1 of the domain, whatever the tables held meanwhile. */
static uint64_t walk_to_l1(const struct pv_mmu_env *e, uint64_t va)
{
    const struct pgt_env *p = e->pgt;
    uint64_t t = e->vcpu->base;

    if (!t || (e->compat && va >> 32))
        return ~0ull;
    for (unsigned level = e->compat ? 3 : 4; level >= 2; level--) {
        /* Another vCPU may be changing these tables: read only frames of
         * the domain (never a reserved or device frame). */
        if (t >= p->nr_frames || __atomic_load_n(&p->ft[t].owner, __ATOMIC_RELAXED) != e->dom)
            return ~0ull;
        uint64_t pte = __atomic_load_n(&p->map(p, t)[(va >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
        if (!(pte & E_P) || (level < 4 && (pte & E_PS)))
            return ~0ull;
        t = (pte & E_ADDR) >> 12;
    }
    return t;
}

long pv_update_va_mapping(const struct pv_mmu_env *e, uint64_t va, uint64_t val, uint64_t flags)
{
    if (!addr_ok(va))
        return -EINVAL;
    uint64_t l1 = walk_to_l1(e, va);
    if (l1 == ~0ull)
        return -EINVAL;
    long rc = pgt_mod_entry(e->pgt, e->dom, l1, (unsigned)((va >> 12) & 511), val, PGT_WANT_L1);
    if (rc < 0)
        return rc;
    bool changed = rc == 1;

    unsigned type = (unsigned)(flags & UVMF_FLUSHTYPE_MASK);
    uint64_t where = flags & ~UVMF_FLUSHTYPE_MASK;
    bool covered = false;
    rc = 0;
    if (type == UVMF_TLB_FLUSH || type == UVMF_INVLPG) {
        unsigned how = type == UVMF_TLB_FLUSH ? PV_FLUSH_TLB : PV_FLUSH_VA;
        if (where == UVMF_LOCAL) {
            e->flush(e, how | PV_FLUSH_LOCAL, va, NULL);
        } else if (where == UVMF_ALL) {
            e->flush(e, how | PV_FLUSH_DOMAIN, va, NULL);
            covered = true;     /* only the L1 entry for va changed */
        } else {
            uint64_t mask[PV_MMU_MAX_VCPUS / 64];
            rc = read_vcpumask(e, where, mask);
            if (!rc)
                e->flush(e, how | PV_FLUSH_VCPUS, va, mask);
        }
    }
    if (changed && !covered && e->stale)
        e->stale(e);
    return rc;
}

long pv_update_va_mapping_otherdomain(const struct pv_mmu_env *e, uint64_t va, uint64_t val, uint64_t flags,
                                      uint64_t domid)
{
    long rc = own_frames_only(e, (uint32_t)(domid & 0xffff));
    return rc ? rc : pv_update_va_mapping(e, va, val, flags);
}

/* ---- descriptor tables ---- */

bool pv_desc_frame_ok(const struct pgt_env *p, uint64_t mfn)
{
    uint64_t *d = p->map(p, mfn);

    /* Nobody can write the frame now (its type count is held at 1 and it
     * is not writable), so check everything first and rewrite after: a
     * refused frame stays exactly as the guest wrote it. */
    for (unsigned i = 0; i < 512; i++) {
        uint64_t w = __atomic_load_n(&d[i], __ATOMIC_RELAXED);
        if (pv_check_descriptor(&w))
            return false;
    }
    for (unsigned i = 0; i < 512; i++) {
        uint64_t v = __atomic_load_n(&d[i], __ATOMIC_RELAXED), w = v;
        pv_check_descriptor(&w);
        if (w != v)
            __atomic_store_n(&d[i], w, __ATOMIC_RELAXED);
    }
    return true;
}

static void put_desc_frame(const struct pgt_env *p, uint64_t mfn)
{
    pgt_put_type(p, mfn);
    p->put_ref(p, mfn);
}

long pv_set_gdt(const struct pv_mmu_env *e, uint64_t frame_list, uint64_t entries)
{
    const struct pgt_env *p = e->pgt;
    uint64_t frames[PV_GDT_MAX_FRAMES];

    if (!p->validate_desc)
        return -ENOSYS;         /* an environment that cannot check descriptor frames */
    entries &= 0xffffffffull;   /* unsigned int in the ABI */
    if (entries > PV_GDT_MAX_ENTRIES)
        return -EINVAL;
    unsigned n = (unsigned)((entries + 511) / 512);
    if (gcopy_from(e, frames, frame_list, n * 8ull))
        return -EFAULT;
    return pv_set_gdt_frames(e, frames, entries);
}

long pv_set_gdt_frames(const struct pv_mmu_env *e, const uint64_t *frames, uint64_t entries)
{
    const struct pgt_env *p = e->pgt;
    struct pv_mmu_vcpu *v = e->vcpu;

    if (!p->validate_desc)
        return -ENOSYS;
    if (entries > PV_GDT_MAX_ENTRIES)
        return -EINVAL;
    unsigned n = (unsigned)((entries + 511) / 512);
    /* Every new frame becomes (or stays) a checked descriptor frame
     * before the old ones go. */
    for (unsigned i = 0; i < n; i++) {
        bool ok = get_frame(e, frames[i]);
        if (ok && pgt_get_type(p, e->dom, frames[i], FRAME_TYPE_SEG_DESC, 0)) {
            p->put_ref(p, frames[i]);
            ok = false;
        }
        if (!ok) {
            while (i--)
                put_desc_frame(p, frames[i]);
            return -EINVAL;
        }
    }
    unsigned old_n = (v->gdt_ents + 511) / 512;
    uint64_t old[PV_GDT_MAX_FRAMES];
    for (unsigned i = 0; i < PV_GDT_MAX_FRAMES; i++) {
        old[i] = v->gdt_frames[i];
        v->gdt_frames[i] = i < n ? frames[i] : 0;
    }
    v->gdt_ents = (unsigned)entries;
    e->reload(e, PV_RELOAD_GDT);
    for (unsigned i = 0; i < old_n; i++)
        put_desc_frame(p, old[i]);
    return 0;
}

long pv_update_descriptor(const struct pv_mmu_env *e, uint64_t maddr, uint64_t desc)
{
    const struct pgt_env *p = e->pgt;
    uint64_t mfn = maddr >> 12;

    if (!p->validate_desc)
        return -ENOSYS;
    if ((maddr & 7) || pv_check_descriptor(&desc))
        return -EINVAL;
    if (!get_frame(e, mfn))
        return -EINVAL;
    /* A descriptor frame stays one (the new entry was checked above);
     * any other frame must be one the guest could write anyway. */
    unsigned type = frame_type_of(&p->ft[mfn]) == FRAME_TYPE_SEG_DESC ? FRAME_TYPE_SEG_DESC : FRAME_TYPE_WRITABLE;
    if (pgt_get_type(p, e->dom, mfn, type, 0)) {
        p->put_ref(p, mfn);
        return -EINVAL;
    }
    __atomic_store_n(&p->map(p, mfn)[(maddr & 0xfff) >> 3], desc, __ATOMIC_RELEASE);
    pgt_put_type(p, mfn);
    p->put_ref(p, mfn);
    return 0;
}

/* ---- teardown ---- */

void pv_mmu_vcpu_teardown(const struct pv_mmu_env *e)
{
    const struct pgt_env *p = e->pgt;
    struct pv_mmu_vcpu *v = e->vcpu;

    if (v->base)
        pgt_put_top(p, v->base);
    if (v->user_base)
        pgt_put_top(p, v->user_base);
    v->base = v->user_base = 0;
    for (unsigned i = 0; i < (v->gdt_ents + 511) / 512; i++)
        put_desc_frame(p, v->gdt_frames[i]);
    for (unsigned i = 0; i < PV_GDT_MAX_FRAMES; i++)
        v->gdt_frames[i] = 0;
    v->gdt_ents = 0;
    v->ldt_base = 0;
    v->ldt_ents = 0;
}
