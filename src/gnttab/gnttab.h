/*
 * Grant tables, version 1 (guest ABI: include/public/grant_table.h).  A
 * domain's table is a set of hypervisor-owned frames the domain maps into
 * its physical address space (XENMEM_add_to_physmap, XENMAPSPACE_grant_table)
 * and fills with grant entries; other domains map or copy the granted frames
 * through hypercalls.  Every mapping holds a reference on the granted frame
 * through the frame table (mm/mm.h frame_get/frame_put), so a granting domain
 * that dies leaves the mapping valid until it is unmapped, and the frame is
 * freed only after the last unmap.  Common to every kind of domain.
 * Design and locking: docs/grant-tables.md.
 */
#ifndef RV_GNTTAB_GNTTAB_H
#define RV_GNTTAB_GNTTAB_H

#include "lib/compiler.h"
#include "public/grant_table.h"

struct domain;
struct vcpu;

#define GNTTAB_DEFAULT_MAX_FRAMES   64u     /* xl's max_grant_frames default: 32768 v1 entries */
#define GNTTAB_DEFAULT_MAX_MAPTRACK 1024u   /* max_maptrack_frames default: mappings of others' grants,
                                               in frames of 512 handles (as in Xen) */

/* At creation: allocates d->gnttab with one table frame.  0 or -ENOMEM. */
int gnttab_domain_init(struct domain *d, unsigned max_frames, unsigned max_maptrack_frames);
/* At destruction (no vCPU of d runs any more): undoes every mapping d holds
 * of other domains' grants (their entries lose GTF_reading/GTF_writing and
 * the frame references are dropped), then frees the table.  Mappings other
 * domains hold of d's frames stay valid: they hold frame references.  Safe on
 * a partly initialized domain. */
void gnttab_domain_destroy(struct domain *d);

/* The grant_table_op hypercall: cmd GNTTABOP_*, uop a guest address of
 * 'count' structures.  Per-entry results go to their status fields; the
 * return value is 0, or a negative errno for the call as a whole (-EFAULT,
 * -EINVAL for count > 512 per call, -ENOSYS for unsupported commands). */
long gnttab_hypercall(struct vcpu *v, unsigned cmd, uint64_t uop, unsigned count);

/* XENMAPSPACE_grant_table: the machine frame of table frame idx, growing the
 * table to idx + 1 frames first if needed.  -EINVAL beyond the maximum,
 * -ENOMEM. */
int gnttab_table_frame(struct domain *d, unsigned long idx, uint64_t *mfn);
/* How many table frames d may have (its max_grant_frames; 0 without a
 * table): XENMEM_acquire_resource's answer to a size query. */
unsigned gnttab_max_frames(const struct domain *d);
/* add_to_physmap/remove_from_physmap record where the guest placed table
 * frame idx (~0 = nowhere), which setup_table reports back (auto-translated
 * guests name frames by gfn). */
void gnttab_set_frame_gfn(struct domain *d, unsigned long idx, uint64_t gfn);

/* The control domain's first frame of maptrack handles, made with it: it
 * maps grants from its first domU on (xenstored's store rings by grant ref
 * 1, the back ends), and a frame made then would stay as hypervisor heap
 * after that domU is gone, so no domU's life could give every page back. */
void gnttab_maptrack_reserve(struct domain *d);


/* Debug key 'g' (gnttab_dump.c): d's grants and the mappings it holds. */
void gnttab_dump_domain(struct domain *d);

#endif
