/*
 * A new domain's xenstore and console (rv_domu.c; docs/toolstack.md
 * "Xenstore and console for a built domain"), as xl/libxl and xenconsoled
 * give them.
 */
#ifndef RV_TOOLS_RV_DOMU_H
#define RV_TOOLS_RV_DOMU_H

#include <stddef.h>
#include <stdint.h>

struct rc_handle;
struct rv_xs;
struct rv_rings;

/* Pages just above the domain's RAM, reserved in its memory map. */
#define RV_DOMU_SPECIAL_PAGES 2
#define RV_DOMU_CONSOLE_OFF   0      /* console ring: gfn = RAM pages + 0 */
#define RV_DOMU_STORE_OFF     1      /* xenstore ring: gfn = RAM pages + 1 */

struct rv_domu {
    const char *name;
    uint64_t ram_pages;              /* the special pages follow */
    uint64_t memory_kib;
    unsigned vcpus;
    /* A PV domain: its rings are pages of its initial region, by MFN, with
     * ports the PV builder allocated (pv_build.c); NULL for PVH. */
    const struct rv_rings *pv;
    /* Filled by rv_domu_prepare (for PV: the MFNs, which xenstore's
     * ring-ref entries and INTRODUCE carry, as libxl's). */
    uint64_t console_gfn, store_gfn;
    uint32_t console_port, store_port;
    int in_store;                    /* entries written: a failed build removes them (rv_domu_forget) */
    /* Devices plugged once the entries are written, before the domain
     * runs (rv_blk_plug for disk = [...]); NULL: none.  need_store: fail
     * rather than run without xenstored. */
    int (*devices)(struct rv_xs *x, uint16_t domid, const void *ctx, char *err, size_t errlen);
    const void *devices_ctx;
    int need_store;
};

/* Before the domain first runs (pvh_build's before_unpause hook, ctx = the
 * struct rv_domu): the two pages, the two unbound ports (remote: dom0),
 * HVM_PARAM_{CONSOLE,STORE}_{PFN,EVTCHN}, then the xenstore entries and
 * INTRODUCE.  For a PV domain (u->pv) only the entries and INTRODUCE: the
 * pages and ports are the builder's.  No xenstored listening: a warning on stderr, the domain runs
 * without a store.  0, or -1 with a reason in err. */
int rv_domu_prepare(struct rc_handle *h, uint16_t domid, void *ctx, char *err, size_t errlen);

/* The xenstore entries alone (no INTRODUCE): rv_domu_prepare's second
 * half, and unit_rv_xs's subject. */
struct rv_xs;
int rv_domu_entries(struct rv_xs *x, uint16_t domid, const struct rv_domu *u, char *err, size_t errlen);

/* After the domain is gone (destroy, shutdown): RELEASE and removal of
 * /local/domain/N and its /vm entry; quiet when there is nothing to undo. */
void rv_domu_forget(uint16_t domid);

/* /local/domain/N/name into buf; 0, or -1 (no daemon, no entry). */
int rv_domu_name(uint16_t domid, char *buf, size_t len);

#endif
