/*
 * Changing a domain's guest-physical map after it was built: shared pages
 * (shared_info, grant-table frames) and grant mappings placed over a gfn,
 * and access to the domain's own RAM by guest frame number.
 *
 * Frame ownership (ARCHITECTURE.md "One memory model"): a domain's RAM frames
 * have frame.owner = its domid and live until the domain is destroyed, even
 * when something else is mapped over their gfn; hypervisor pages a domain
 * maps (shared_info, grant frames) are owned by DOMID_XEN.  So "owner ==
 * domid" is exactly "RAM of that domain".
 */
#ifndef RV_MM_PHYSMAP_H
#define RV_MM_PHYSMAP_H

#include "lib/compiler.h"

struct domain;

#define PHYSMAP_NO_MFN      (~0ull)
#define PHYSMAP_MAX_GFN     (1ull << 36)    /* 48-bit guest-physical addresses */

struct physmap_entry {
    uint64_t mfn;       /* PHYSMAP_NO_MFN: nothing mapped */
    unsigned perms;     /* P2M_R | P2M_W | P2M_X (mm/p2m.h) */
};

/* The machine frame of d's own RAM at gfn, or PHYSMAP_NO_MFN when gfn holds
 * anything else (nothing, a shared page, another domain's granted frame). */
uint64_t physmap_ram_mfn(struct domain *d, uint64_t gfn);
/* Hypervisor pointer to that RAM page (direct map), or NULL.  Valid for as
 * long as d exists: RAM is freed only when d is destroyed. */
void *physmap_map_ram(struct domain *d, uint64_t gfn);
/* What gfn maps now. */
struct physmap_entry physmap_get(struct domain *d, uint64_t gfn);
/* Map 'e' at gfn (4 KiB; a large mapping around it is split first), hiding
 * what was there, which *prev receives (may be NULL) so that the caller can
 * put it back with another physmap_set.  e.mfn = PHYSMAP_NO_MFN removes the
 * translation.  -EINVAL for gfn >= PHYSMAP_MAX_GFN, -ENOMEM. */
int physmap_set(struct domain *d, uint64_t gfn, struct physmap_entry e, struct physmap_entry *prev);
/* Returns once no vCPU of d, other than the caller's, can still use a
 * translation changed or removed before the call (running ones are made to
 * exit; they re-enter with a fresh ASID/VPID).  Must be called before a
 * frame unmapped from d is released.  It waits for those vCPUs, so the
 * caller must hold no lock a vCPU of d may spin on (grant, evtchn, p2m). */
void physmap_flush(struct domain *d);

#endif
