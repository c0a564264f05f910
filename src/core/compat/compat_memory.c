/*
 * memory_op for 32-bit callers (compat.h): add_to_physmap and
 * remove_from_physmap (xen_ulong_t/xen_pfn_t fields), memory_map (handle),
 * and the reservations (handle to an array of 4-byte xen_pfn_t) are
 * translated; current/maximum_reservation and maximum_gpfn take a domid_t,
 * the same in both modes.
 */
#include "core/compat/compat.h"
#include "core/compat/layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/memory_op.h"
#include "lib/errno.h"
#include "lib/string.h"

_Static_assert(sizeof(struct xen_reservation) + COMPAT_RESERVATION_MAX * 8 <= COMPAT_XLAT_BYTES,
               "the widened extent list fits the translation area");

static long add_to_physmap(struct vcpu *v, uint32_t arg)
{
    struct compat_add_to_physmap c;
    struct xen_add_to_physmap *n = (void *)v->compat.buf;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -EFAULT;
    /* idx keeps XENMAPIDX_grant_table_status (bit 31) where it is. */
    *n = (struct xen_add_to_physmap){ .domid = c.domid, .size = c.size, .space = c.space,
                                      .idx = c.idx, .gpfn = c.gpfn };
    return memory_op(v, XENMEM_add_to_physmap, COMPAT_XLAT_VA);     /* nothing is returned in the struct */
}

static long remove_from_physmap(struct vcpu *v, uint32_t arg)
{
    struct compat_remove_from_physmap c;
    struct xen_remove_from_physmap *n = (void *)v->compat.buf;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -EFAULT;
    *n = (struct xen_remove_from_physmap){ .domid = c.domid, .gpfn = c.gpfn };
    return memory_op(v, XENMEM_remove_from_physmap, COMPAT_XLAT_VA);
}

static long memory_map(struct vcpu *v, uint32_t arg)
{
    struct compat_memory_map c;
    struct xen_memory_map *n = (void *)v->compat.buf;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -EFAULT;
    /* The records themselves are the packed 20-byte e820 form in both
     * modes: the handler writes them straight to the guest's buffer. */
    *n = (struct xen_memory_map){ .nr_entries = c.nr_entries, .buffer = c.buffer };
    long rc = memory_op(v, XENMEM_memory_map, COMPAT_XLAT_VA);
    if (rc)
        return rc;
    c.nr_entries = n->nr_entries;
    return copy_to_guest(v, arg, &c, sizeof(c)) ? -EFAULT : 0;
}

/* increase/decrease_reservation, populate_physmap.  The guest's 4-byte
 * extents are widened into the area, as many as the native handler takes
 * in one call; an extent that cannot be read ends the list there, which
 * the handler then reports the way it reports its own faults (the count
 * done, or -EFAULT when none was). */
static long reservation(struct vcpu *v, unsigned cmd, uint32_t arg)
{
    struct compat_reservation c;
    struct xen_reservation *n = (void *)v->compat.buf;
    uint64_t *ext = (uint64_t *)(v->compat.buf + sizeof(*n));
    uint32_t nr, i;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -EFAULT;
    nr = MIN(c.nr_extents, COMPAT_RESERVATION_MAX);
    for (i = 0; i < nr; i++) {
        uint32_t e;
        if (copy_from_guest(v, &e, c.extent_start + (uint64_t)i * 4, 4))
            break;
        ext[i] = e;
    }
    if (nr && !i)
        return -EFAULT;
    *n = (struct xen_reservation){ .extent_start = COMPAT_XLAT_VA + sizeof(*n), .nr_extents = i,
                                   .extent_order = c.extent_order, .mem_flags = c.mem_flags,
                                   .domid = c.domid };
    /* A longer request is cut to the bound, as the handler cuts a 64-bit
     * caller's: the count done tells the guest where to go on from. */
    long rc = memory_op(v, cmd, COMPAT_XLAT_VA);
    /* Extents the handler rewrote (OUT frame numbers) go back narrowed; a
     * frame number above 32 bits cannot be named by this caller. */
    for (long k = 0; rc > 0 && k < rc && k < (long)i; k++) {
        uint32_t e;
        if (copy_from_guest(v, &e, c.extent_start + (uint64_t)k * 4, 4))
            break;
        if (ext[k] == e)
            continue;
        if (ext[k] > UINT32_MAX)
            return k ? k : -ERANGE;
        e = (uint32_t)ext[k];
        if (copy_to_guest(v, c.extent_start + (uint64_t)k * 4, &e, 4))
            return k ? k : -EFAULT;
    }
    return rc;
}

long compat_memory_op(struct vcpu *v, unsigned cmd, uint32_t arg)
{
    switch (cmd) {
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, arg);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(v, arg);
    case XENMEM_memory_map:
        return memory_map(v, arg);
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(v, cmd, arg);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return memory_op(v, cmd, arg);      /* a domid_t: same layout */
    default:
        return -ENOSYS;     /* no translation: never a 32-bit struct to a 64-bit reader */
    }
}
