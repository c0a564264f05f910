/*
 * Fake hypervisor environment for the grant-table host tests and fuzzer:
 * a frame table over host memory (owners, reference counts, orphans), one
 * small p2m and guest buffer per fake domain, domain lookup with reference
 * counts, and an event log that records TLB flushes and frame puts in order.
 */
#ifndef RV_TESTS_GNTTAB_FAKE_H
#define RV_TESTS_GNTTAB_FAKE_H

#include "core/domain.h"
#include "mm/mm.h"
#include "mm/physmap.h"

#define FAKE_NR_FRAMES   1024u          /* machine frames */
#define FAKE_MFN_BASE    0x100u         /* first fake mfn (0 stays invalid) */
#define FAKE_NR_GFNS     1024u          /* p2m size of a fake domain */
#define FAKE_GUEST_BYTES (64u * 1024)   /* hypercall-argument memory of a fake domain */
#define FAKE_MAX_DOMS    4

struct fake_frame {
    uint16_t owner;     /* DOMID_INVALID: free */
    uint32_t count;
    bool orphan;
};

struct fake_dom {
    struct domain d;
    struct vcpu v;
    bool alive;
    int refcnt;
    unsigned ram_pages;
    uint64_t ram_mfn[FAKE_NR_GFNS];             /* gfn i < ram_pages: its RAM frame */
    struct physmap_entry p2m[FAKE_NR_GFNS];
    uint8_t guest[FAKE_GUEST_BYTES];            /* gva = offset */
    unsigned flushes;
};

enum fake_event_kind { FAKE_EV_FLUSH, FAKE_EV_PUT };
struct fake_event { int kind; uint16_t domid; uint64_t mfn; };

extern struct fake_frame fake_frames[FAKE_NR_FRAMES];
extern struct fake_dom fake_doms[FAKE_MAX_DOMS];
extern struct fake_event fake_events[4096];
extern unsigned fake_nr_events;
extern int fake_physmap_set_fail;      /* > 0: that many physmap_set calls fail with -ENOMEM */
extern int fake_alloc_fail;            /* > 0: that many alloc_pages/xzalloc calls fail */
extern long fake_heap_live;            /* xzalloc'd blocks not freed */
extern int fake_errors;                /* misuse seen by the fakes (bad put, freeing a referenced frame, ...) */

void fake_reset(void);
/* Slot i becomes domain domid with ram_pages of RAM at gfn 0.. and a grant
 * table (max_frames, max_mt).  Returns gnttab_domain_init's result. */
int fake_dom_create(unsigned slot, uint16_t domid, unsigned ram_pages, unsigned max_frames, unsigned max_mt);
/* Destroy as the lead's domain.c will: no more lookups, gnttab destroy, then
 * the RAM is freed (referenced frames become orphans). */
void fake_dom_kill(unsigned slot);
struct fake_frame *fake_frame(uint64_t mfn);   /* NULL outside the fake table */
uint64_t fake_frames_in_use(void);
/* Writes entry ref of slot's own table as a guest would. */
struct grant_entry_v1 *fake_entry(unsigned slot, uint32_t ref);
long fake_hypercall(unsigned slot, unsigned cmd, void *ops, size_t size, unsigned count);

#endif
