/*
 * grant_table_op for 32-bit callers (compat.h).  setup_table (4-byte frame
 * list handle and entries) and copy (the gmfn of its union is a 4-byte
 * xen_pfn_t, so the whole element shrinks from 40 to 24 bytes) are
 * translated; map, unmap, query_size, set_version and get_version have the
 * same layout in both modes.
 */
#include "core/compat/compat.h"
#include "core/compat/layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "gnttab/gnttab.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Same bound as the native batch (gnttab_internal.h GNTTAB_MAX_OPS). */
#define COMPAT_GNTTAB_MAX_OPS 512u

static long setup_table(struct vcpu *v, uint32_t uop, uint32_t count)
{
    struct compat_gnttab_setup_table c;
    struct gnttab_setup_table *n = (void *)v->compat.buf;
    const uint64_t *frames = (const uint64_t *)(v->compat.buf + 64);

    if (count != 1)
        return gnttab_hypercall(v, GNTTABOP_setup_table, 0, count);    /* its own answer: -EINVAL */
    if (copy_from_guest(v, &c, uop, sizeof(c)))
        return -EFAULT;
    if (c.nr_frames > COMPAT_SETUP_TABLE_MAX_FRAMES) {
        c.status = GNTST_general_error;
        return copy_to_guest(v, uop, &c, sizeof(c)) ? -EFAULT : 0;
    }
    *n = (struct gnttab_setup_table){ .dom = c.dom, .nr_frames = c.nr_frames,
                                      .frame_list = COMPAT_XLAT_VA + 64 };
    long rc = gnttab_hypercall(v, GNTTABOP_setup_table, COMPAT_XLAT_VA, 1);
    if (rc)
        return rc;
    c.status = n->status;
    for (uint32_t i = 0; c.status == GNTST_okay && i < c.nr_frames; i++) {
        /* Frame numbers of a guest whose physical space is below 2^44;
         * "not placed" (~0) stays all ones. */
        uint32_t f = (uint32_t)frames[i];
        if (copy_to_guest(v, c.frame_list + (uint64_t)i * 4, &f, 4))
            return -EFAULT;
    }
    return copy_to_guest(v, uop, &c, sizeof(c)) ? -EFAULT : 0;
}

static void copy_ptr_to_native(struct gnttab_copy_ptr *n, const struct compat_gnttab_copy_ptr *c)
{
    /* Either member of the union: a grant_ref_t is the low 4 bytes of the
     * native union, a gmfn is zero-extended. */
    *n = (struct gnttab_copy_ptr){ .u.gmfn = c->u, .domid = c->domid, .offset = c->offset };
}

/* One element at a time, through the native batch of one: the element is
 * read, handled and written back in turn, and a fault stops the loop with
 * the elements before it done, as the native loop does. */
static long copy_batch(struct vcpu *v, uint32_t uop, uint32_t count)
{
    struct gnttab_copy *n = (void *)v->compat.buf;

    if (count > COMPAT_GNTTAB_MAX_OPS)
        return -EINVAL;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t addr = uop + (uint64_t)i * sizeof(struct compat_gnttab_copy);
        struct compat_gnttab_copy c;

        if (copy_from_guest(v, &c, addr, sizeof(c)))
            return -EFAULT;
        memset(n, 0, sizeof(*n));
        copy_ptr_to_native(&n->source, &c.source);
        copy_ptr_to_native(&n->dest, &c.dest);
        n->len = c.len;
        n->flags = c.flags;
        long rc = gnttab_hypercall(v, GNTTABOP_copy, COMPAT_XLAT_VA, 1);
        if (rc)
            return rc;
        c.status = n->status;
        if (copy_to_guest(v, addr, &c, sizeof(c)))
            return -EFAULT;
    }
    return 0;
}

long compat_grant_table_op(struct vcpu *v, unsigned cmd, uint32_t uop, uint32_t count)
{
    switch (cmd) {
    case GNTTABOP_setup_table:
        return setup_table(v, uop, count);
    case GNTTABOP_copy:
        return copy_batch(v, uop, count);
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_query_size:
    case GNTTABOP_set_version:
    case GNTTABOP_get_version:
        return gnttab_hypercall(v, cmd, uop, count);    /* same layout (layout.h) */
    default:
        return -ENOSYS;
    }
}
