/*
 * memory_op for HVM and PVH domains acting on themselves (public/memory.h):
 * placing the hypervisor's shared pages in the guest's physical map,
 * ballooning single pages out and back in, and reporting the memory map.
 *
 * Rule that keeps the frame references simple: a shared page may only be
 * placed over a gfn that holds the domain's own RAM or nothing.  What it
 * hides is then always safe to put back (own RAM lives as long as the
 * domain), and a foreign grant mapping is never hidden or resurrected here.
 */
#include "core/memory_op.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "gnttab/gnttab.h"
#include "mm/mm.h"
#include "mm/physmap.h"
#include "mm/e820.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/memory.h"

#define RW (P2M_R | P2M_W)

/* The gfn holds own RAM or nothing. */
static bool gfn_placeable(struct domain *d, uint64_t gfn)
{
    struct physmap_entry e = physmap_get(d, gfn);
    return e.mfn == PHYSMAP_NO_MFN || physmap_ram_mfn(d, gfn) == e.mfn;
}

/* Moves hypervisor page mfn to gfn (xen_pages_lock held). */
static int place(struct domain *d, struct xen_page_slot *slot, uint64_t mfn, uint64_t gfn)
{
    struct physmap_entry prev;
    int rc;

    if (gfn >= PHYSMAP_MAX_GFN)
        return -EINVAL;
    if (slot->gfn == gfn)
        return 0;
    if (!gfn_placeable(d, gfn))
        return -EBUSY;
    if ((rc = physmap_set(d, gfn, (struct physmap_entry){ mfn, RW }, &prev)))
        return rc;
    if (slot->gfn != ~0ull)
        physmap_set(d, slot->gfn, slot->prev, NULL);    /* its old place gets back what it hid */
    slot->gfn = gfn;
    slot->prev = prev;
    return 0;
}

/* The slot placed at gfn, or NULL. */
static struct xen_page_slot *slot_at(struct domain *d, uint64_t gfn, long *gnt_idx)
{
    *gnt_idx = -1;
    if (d->shinfo_slot.gfn == gfn)
        return &d->shinfo_slot;
    for (unsigned i = 0; i < ARRAY_SIZE(d->gnt_slots); i++)
        if (d->gnt_slots[i].gfn == gfn) {
            *gnt_idx = i;
            return &d->gnt_slots[i];
        }
    return NULL;
}

static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_add_to_physmap a;
    uint64_t mfn;
    long rc;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    if (!domain_is_self(d, a.domid))
        return -EPERM;
    uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
    switch (a.space) {
    case XENMAPSPACE_shared_info:
        rc = a.idx ? -EINVAL : place(d, &d->shinfo_slot, d->shared_info_mfn, a.gpfn);
        break;
    case XENMAPSPACE_grant_table:
        /* Version 1 only: there are no status frames. */
        if ((a.idx & XENMAPIDX_grant_table_status) || a.idx >= ARRAY_SIZE(d->gnt_slots)) {
            rc = -EINVAL;
            break;
        }
        spin_unlock_irqrestore(&d->xen_pages_lock, f);
        rc = gnttab_table_frame(d, a.idx, &mfn);     /* may allocate: not under our lock */
        f = spin_lock_irqsave(&d->xen_pages_lock);
        if (!rc && !(rc = place(d, &d->gnt_slots[a.idx], mfn, a.gpfn)))
            gnttab_set_frame_gfn(d, a.idx, a.gpfn);
        break;
    default:
        rc = -EOPNOTSUPP;   /* gmfn, gmfn_range, foreign, dev_mmio: not for these guests yet */
        break;
    }
    spin_unlock_irqrestore(&d->xen_pages_lock, f);
    return rc;
}

static long remove_from_physmap(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_remove_from_physmap r;
    long idx, rc = 0;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (!domain_is_self(d, r.domid))
        return -EPERM;
    if (r.gpfn >= PHYSMAP_MAX_GFN)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
    struct xen_page_slot *s = slot_at(d, r.gpfn, &idx);
    if (s) {
        physmap_set(d, r.gpfn, s->prev, NULL);
        s->gfn = ~0ull;
        if (idx >= 0)
            gnttab_set_frame_gfn(d, idx, ~0ull);
    } else if (physmap_ram_mfn(d, r.gpfn) != PHYSMAP_NO_MFN) {
        /* Own RAM leaves the map; the frame stays the domain's until it is
         * destroyed (it belongs to a larger block). */
        physmap_set(d, r.gpfn, (struct physmap_entry){ PHYSMAP_NO_MFN, 0 }, NULL);
    } else {
        rc = -EINVAL;   /* nothing there, or a grant mapping (unmap_grant_ref undoes those) */
    }
    spin_unlock_irqrestore(&d->xen_pages_lock, f);
    if (!rc)
        physmap_flush(d);
    return rc;
}

static long memory_map(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_memory_map m;
    struct e820_entry hvm[E820_MAX_ENTRIES];
    const struct e820_entry *map = d->memmap;
    unsigned n = d->nr_memmap;

    if (copy_from_guest(v, &m, arg, sizeof(m)))
        return -EFAULT;
    if (!n) {
        n = e820_build(d->mem_bytes, hvm);
        map = hvm;
    }
    if (m.nr_entries < n)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        uint8_t rec[20];    /* the packed e820 record */
        memcpy(rec, &map[i].addr, 8);
        memcpy(rec + 8, &map[i].size, 8);
        memcpy(rec + 16, &map[i].type, 4);
        if (copy_to_guest(v, m.buffer + i * 20ull, rec, sizeof(rec)))
            return -EFAULT;
    }
    m.nr_entries = n;
    return copy_to_guest(v, arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* decrease_reservation / populate_physmap, single pages (order 0) only:
 * what a balloon driver and Linux's grant-frame set-up ask for.  Returns
 * the number of extents done, as Xen does. */
static long reservation(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_reservation r;
    long done = 0;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (!domain_is_self(d, r.domid))
        return -EPERM;
    if (r.extent_order != 0)
        return -EINVAL;
    if (r.nr_extents > 512)
        r.nr_extents = 512;     /* bounded per call; the guest sees how many were done and repeats */
    for (; done < (long)r.nr_extents; done++) {
        uint64_t gfn;
        if (copy_from_guest(v, &gfn, r.extent_start + done * 8ull, 8))
            return done ? done : -EFAULT;
        if (gfn >= PHYSMAP_MAX_GFN)
            break;
        uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
        bool ok = false;
        if (cmd == XENMEM_decrease_reservation) {
            if (physmap_ram_mfn(d, gfn) != PHYSMAP_NO_MFN) {
                physmap_set(d, gfn, (struct physmap_entry){ PHYSMAP_NO_MFN, 0 }, NULL);
                d->tot_pages--;
                ok = true;
            }
        } else if (d->tot_pages < d->max_pages && physmap_get(d, gfn).mfn == PHYSMAP_NO_MFN) {
            ok = true;
        }
        spin_unlock_irqrestore(&d->xen_pages_lock, f);
        if (ok && cmd == XENMEM_populate_physmap) {
            /* Allocation outside the lock; the slot is checked again under it. */
            void *page = alloc_pages(0, d->domid);
            ok = false;
            if (page) {
                f = spin_lock_irqsave(&d->xen_pages_lock);
                if (physmap_get(d, gfn).mfn == PHYSMAP_NO_MFN && domain_note_ram(d, virt_to_phys(page) >> 12, 0) == 0) {
                    ok = !physmap_set(d, gfn, (struct physmap_entry){ virt_to_phys(page) >> 12, P2M_R | P2M_W | P2M_X },
                                      NULL);
                    d->tot_pages++;     /* noted: freed with the domain either way */
                    page = NULL;
                }
                spin_unlock_irqrestore(&d->xen_pages_lock, f);
                if (page)
                    free_pages(page, 0);
            }
        }
        if (!ok)
            break;
    }
    if (cmd == XENMEM_decrease_reservation && done)
        physmap_flush(d);
    return done;
}

long memory_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    struct domain *d = v->domain;
    uint16_t domid;

    switch (cmd) {
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, arg);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(v, arg);
    case XENMEM_memory_map:
        return memory_map(v, arg);
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(v, cmd, arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        if (copy_from_guest(v, &domid, arg, sizeof(domid)))
            return -EFAULT;
        if (!domain_is_self(d, domid))
            return -EPERM;
        if (cmd == XENMEM_current_reservation)
            return (long)READ_ONCE(d->tot_pages);
        if (cmd == XENMEM_maximum_reservation)
            return (long)d->max_pages;
        {
            uint64_t ranges[2][2];
            unsigned n = e820_ram_ranges(d->mem_bytes, ranges);
            return (long)((ranges[n - 1][1] >> 12) - 1);
        }
    default:
        return -ENOSYS;
    }
}
