/*
 * Debug key 'g': a domain's grant table as granter (frames, entries the
 * guest has granted, entries pinned by a mapper) and as mapper (maptrack
 * use and the mappings it holds), with the first few of each listed.
 *
 * Counting and copying happen under the table / maptrack lock, printing
 * after it is dropped, so a slow serial console never holds up a grant
 * operation.  Entries are guest-written: their flags are a snapshot.
 */
#include "gnttab/gnttab_internal.h"
#include "core/domain.h"
#include "core/console.h"

#define DUMP_LIST 6u    /* entries / mappings listed per domain; the rest are counted */

struct grant_snap { uint32_t ref; uint16_t flags, domid; uint32_t frame; uint32_t pin_r, pin_w; };
struct map_snap { uint32_t idx; uint16_t granter; uint32_t ref; bool writable; uint64_t gfn; };

void gnttab_dump_domain(struct domain *d)
{
    struct gnttab_domain *gt = d ? d->gnttab : NULL;
    struct grant_snap g[DUMP_LIST];
    struct map_snap m[DUMP_LIST];
    unsigned ng = 0, nm = 0, granted = 0, pinned = 0, frames, max_frames, mt_live, mt_cap;

    if (!gt) {
        domain_log(d, LOG_INFO, "gnttab: none\n");
        return;
    }
    spin_lock(&gt->table_lock);
    frames = gt->nr_frames;
    max_frames = gt->max_frames;
    for (uint32_t ref = 0; ref < frames * GNTTAB_ENTRIES_PER_FRAME; ref++) {
        struct grant_entry_v1 *e = gnttab_entry(gt, ref);
        struct gnttab_active *act = gnttab_active_entry(gt, ref);
        uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_RELAXED);
        bool pin = act->pin_r || act->pin_w;
        if ((flags & GTF_type_mask) != GTF_permit_access && !pin)
            continue;
        granted += (flags & GTF_type_mask) == GTF_permit_access;
        pinned += pin;
        if (ng < DUMP_LIST)
            g[ng++] = (struct grant_snap){ ref, flags, __atomic_load_n(&e->domid, __ATOMIC_RELAXED),
                                           __atomic_load_n(&e->frame, __ATOMIC_RELAXED), act->pin_r, act->pin_w };
    }
    spin_unlock(&gt->table_lock);

    spin_lock(&gt->maptrack_lock);
    mt_live = gt->mt_live;
    mt_cap = gt->nr_mt_frames * GNTTAB_MAPTRACK_PER_FRAME;
    for (uint32_t i = 0; i < mt_cap && nm < DUMP_LIST; i++) {
        struct gnttab_maptrack *t = gnttab_mt_entry(gt, i);
        if (t->state == GNTTAB_MT_MAPPED)
            m[nm++] = (struct map_snap){ i, t->granter, t->ref, t->writable, t->gfn };
    }
    spin_unlock(&gt->maptrack_lock);

    domain_log(d, LOG_INFO, "gnttab: %u of %u frames; %u entries granted, %u pinned by mappers; "
               "maptrack %u of %u in use\n", frames, max_frames, granted, pinned, mt_live, mt_cap);
    /* Calls (operations) since the domain was made; with the exit
     * statistics' hypercall rows, the cost per operation and per flush. */
    uint64_t c[GNTTAB_ST_NR], o[GNTTAB_ST_NR];
    for (unsigned i = 0; i < GNTTAB_ST_NR; i++) {
        c[i] = __atomic_load_n(&gt->st_calls[i], __ATOMIC_RELAXED);
        o[i] = __atomic_load_n(&gt->st_ops[i], __ATOMIC_RELAXED);
    }
    domain_log(d, LOG_INFO, "gnttab calls: map %lu (%lu ops), unmap %lu (%lu ops), copy %lu (%lu ops); "
               "PV unmap flushes %lu\n", (unsigned long)c[GNTTAB_ST_MAP], (unsigned long)o[GNTTAB_ST_MAP],
               (unsigned long)c[GNTTAB_ST_UNMAP], (unsigned long)o[GNTTAB_ST_UNMAP],
               (unsigned long)c[GNTTAB_ST_COPY], (unsigned long)o[GNTTAB_ST_COPY],
               (unsigned long)__atomic_load_n(&gt->st_pv_flushes, __ATOMIC_RELAXED));
    for (unsigned i = 0; i < ng; i++)
        domain_log(d, LOG_INFO, "gnttab ref %u: to d%u gfn %#x%s%s, pins r%u w%u\n", g[i].ref, g[i].domid,
                   g[i].frame, (g[i].flags & GTF_readonly) ? " ro" : "",
                   (g[i].flags & GTF_type_mask) == GTF_permit_access ? "" : " (revoked)", g[i].pin_r, g[i].pin_w);
    if (granted + pinned > ng && ng == DUMP_LIST)
        domain_log(d, LOG_INFO, "gnttab ... (first %u entries shown)\n", DUMP_LIST);
    for (unsigned i = 0; i < nm; i++)
        domain_log(d, LOG_INFO, "gnttab map handle %u: d%u ref %u at gfn %#lx %s\n", m[i].idx, m[i].granter,
                   m[i].ref, (unsigned long)m[i].gfn, m[i].writable ? "rw" : "ro");
}
