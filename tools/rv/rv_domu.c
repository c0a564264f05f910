/*
 * A new domain's xenstore and console (rv_domu.h), in libxl's shape
 * (Xen 4.17, docs/toolstack.md "Xenstore and console for a built domain"):
 *
 *   - two pages of the domain just above its RAM (reserved in its memory
 *     map): the console ring (struct xencons_interface) and the store ring
 *     (struct xenstore_domain_interface), zeroed;
 *   - an unbound event channel of the domain for each, remote end dom0
 *     (EVTCHNOP_alloc_unbound naming the domain: the control domain only);
 *   - HVM_PARAM_CONSOLE_PFN/EVTCHN and STORE_PFN/EVTCHN, which a PVH guest
 *     reads with HVMOP_get_param;
 *   - /local/domain/N: owned by dom0 and readable by N, holding name, domid,
 *     vm, memory/{target,static-max}, console/{ring-ref,port,type,limit},
 *     store/{ring-ref,port}, cpu/I/availability; the directories the
 *     domain writes (data, device, drivers, attr, error, control/shutdown,
 *     control/sysrq and control/feature-{poweroff,reboot,suspend}, as libxl
 *     makes them: Linux's xenbus writes each feature node) owned by N;
 *   - grant entries 0 and 1 of its table (GNTTAB_RESERVED_CONSOLE and
 *     _XENSTORE) naming dom0 and the console and store rings, written
 *     through the table's frame 0 mapped with IOCTL_PRIVCMD_MMAP_RESOURCE
 *     (libxl's seeding): xenstored maps the store ring by grant ref 1;
 *   - XS_INTRODUCE(N, store gfn, store port): xenstored maps the page and
 *     binds the port, and fires @introduceDomain.
 *
 * The console has no daemon: `rv console` (rv_console.c) reads the ring
 * page itself.
 */
#include "rv_domu.h"
#include "rv_xs.h"
#include "pvh_build.h"
#include "ringctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/hvm.h"
#include "public/memory.h"

#define HYPERVISOR_event_channel_op 32

static int say(char *err, size_t errlen, const char *what, long rc)
{
    snprintf(err, errlen, "%s: %s", what, rc_strerror(rc));
    return -1;
}

static long alloc_unbound(struct rc_handle *h, uint16_t domid, uint32_t *port)
{
    struct evtchn_alloc_unbound *a = rc_buf_alloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    memset(a, 0, sizeof(*a));
    a->dom = domid;
    a->remote_dom = 0;
    long rc = rc_hypercall(h, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)a, 0, 0, 0);
    if (rc >= 0)
        *port = a->port;
    rc_buf_free(a, sizeof(*a));
    return rc;
}

/* The uuid-shaped /vm name: no handles yet, so it is made from the domid. */
static void vm_path(uint16_t domid, char *buf, size_t len)
{
    snprintf(buf, len, "/vm/00000000-0000-0000-0000-%012x", domid);
}

struct kv {
    const char *key;
    char val[64];
};

int rv_domu_entries(struct rv_xs *x, uint16_t domid, const struct rv_domu *u, char *err, size_t errlen)
{
    char base[32], path[128], vm[64], dn[8], rn[8];
    snprintf(base, sizeof(base), "/local/domain/%u", domid);
    snprintf(dn, sizeof(dn), "n%u", domid);          /* owner N, no rights for others */
    snprintf(rn, sizeof(rn), "r%u", domid);          /* N may read */
    vm_path(domid, vm, sizeof(vm));
    const char *ro[2] = { "n0", rn };
    const char *rw[1] = { dn };
    int rc;
#define TRY(call, what)                                                                                              \
    do {                                                                                                             \
        if ((rc = (call)) < 0) {                                                                                     \
            snprintf(err, errlen, "xenstore %s %s: %s", what, path, strerror(-rc));                                  \
            return -1;                                                                                               \
        }                                                                                                            \
    } while (0)
    /* A leftover of an earlier domain with this id goes first. */
    rv_xs_rm(x, base);
    snprintf(path, sizeof(path), "%s", base);
    TRY(rv_xs_mkdir(x, path), "mkdir");
    TRY(rv_xs_set_perms(x, path, ro, 2), "set_perms");
    snprintf(path, sizeof(path), "%s", vm);
    TRY(rv_xs_mkdir(x, path), "mkdir");
    TRY(rv_xs_set_perms(x, path, ro, 2), "set_perms");
    snprintf(path, sizeof(path), "%s/name", vm);
    TRY(rv_xs_write(x, path, u->name), "write");
    struct kv kv[] = {
        { "name", "" }, { "domid", "" }, { "vm", "" }, { "memory/target", "" }, { "memory/static-max", "" },
        { "console/ring-ref", "" }, { "console/port", "" }, { "console/type", "xenconsoled" },
        { "console/limit", "1048576" }, { "store/ring-ref", "" }, { "store/port", "" },
    };
    snprintf(kv[0].val, sizeof(kv[0].val), "%s", u->name);
    snprintf(kv[1].val, sizeof(kv[1].val), "%u", domid);
    snprintf(kv[2].val, sizeof(kv[2].val), "%s", vm);
    snprintf(kv[3].val, sizeof(kv[3].val), "%llu", (unsigned long long)u->memory_kib);
    snprintf(kv[4].val, sizeof(kv[4].val), "%llu", (unsigned long long)u->memory_kib);
    snprintf(kv[5].val, sizeof(kv[5].val), "%llu", (unsigned long long)u->console_gfn);
    snprintf(kv[6].val, sizeof(kv[6].val), "%u", u->console_port);
    snprintf(kv[9].val, sizeof(kv[9].val), "%llu", (unsigned long long)u->store_gfn);
    snprintf(kv[10].val, sizeof(kv[10].val), "%u", u->store_port);
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", base, kv[i].key);
        TRY(rv_xs_write(x, path, kv[i].val), "write");     /* inherits the directory's n0 rN */
    }
    for (unsigned c = 0; c < u->vcpus && c < 128; c++) {
        snprintf(path, sizeof(path), "%s/cpu/%u/availability", base, c);
        TRY(rv_xs_write(x, path, "online"), "write");
    }
    /* What the domain itself writes. */
    static const char *const owned[] = { "data", "device", "drivers", "attr", "error", "control/shutdown",
                                         "control/feature-poweroff", "control/feature-reboot",
                                         "control/feature-suspend", "control/sysrq" };
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", base, owned[i]);
        if (!strncmp(owned[i], "control/", 8))
            TRY(rv_xs_write(x, path, ""), "write");
        else
            TRY(rv_xs_mkdir(x, path), "mkdir");
        TRY(rv_xs_set_perms(x, path, rw, 1), "set_perms");
    }
#undef TRY
    return 0;
}

static int entries(struct rv_xs *x, uint16_t domid, const struct rv_domu *u, char *err, size_t errlen)
{
    if (rv_domu_entries(x, domid, u, err, errlen))
        return -1;
    int rc = rv_xs_introduce(x, domid, u->store_gfn, u->store_port);
    if (rc < 0) {
        snprintf(err, errlen, "xenstore INTRODUCE of d%u (gfn %#llx, port %u): %s", domid,
                 (unsigned long long)u->store_gfn, u->store_port, strerror(-rc));
        return -1;
    }
    return 0;
}

/* The reserved grant entries, as libxl seeds them before the domain runs:
 * v1 entries {flags, domid, frame} granting dom0 the console ring (entry
 * 0) and the store ring (entry 1); frame is the PV domain's MFN or the
 * translated domain's gfn.  Through the table's frame 0, acquired and
 * mapped by IOCTL_PRIVCMD_MMAP_RESOURCE (the frame stays the hypervisor's;
 * our mapping holds a reference until the unmap).  Flags last.  A failure
 * only warns: the back ends map by frame then (they fall back). */
static void seed_grants(struct rc_handle *h, uint16_t domid, const struct rv_domu *u)
{
    if ((u->console_gfn | u->store_gfn) >> 32) {
        fprintf(stderr, "rv create: warning: d%u: rings above 2^32 frames: grant entries not seeded\n", domid);
        return;
    }
    volatile struct grant_entry_v1 *t = rc_map_resource(h, domid, XENMEM_resource_grant_table,
                                                        XENMEM_resource_grant_table_id_shared, 0, 1);
    if (!t) {
        fprintf(stderr, "rv create: warning: d%u: grant table frame 0 not mapped (%s): entries not seeded\n",
                domid, strerror(errno));
        return;
    }
    t[GNTTAB_RESERVED_CONSOLE].domid = 0;
    t[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)u->console_gfn;
    t[GNTTAB_RESERVED_XENSTORE].domid = 0;
    t[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)u->store_gfn;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    t[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
    t[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    rc_unmap_foreign((void *)t, 1);
}

int rv_domu_prepare(struct rc_handle *h, uint16_t domid, void *ctx, char *err, size_t errlen)
{
    struct rv_domu *u = ctx;
    long rc;
    if (u->pv) {
        u->console_gfn = u->pv->console_mfn;
        u->store_gfn = u->pv->store_mfn;
        u->console_port = u->pv->console_port;
        u->store_port = u->pv->store_port;
        goto store;
    }
    u->console_gfn = u->ram_pages + RV_DOMU_CONSOLE_OFF;
    u->store_gfn = u->ram_pages + RV_DOMU_STORE_OFF;
    uint64_t gfns[RV_DOMU_SPECIAL_PAGES] = { u->console_gfn, u->store_gfn };
    rc = rc_populate(h, domid, gfns, RV_DOMU_SPECIAL_PAGES, 0, NULL);
    if (rc < 0)
        return say(err, errlen, "XENMEM_populate_physmap (console and store pages)", rc);
    int ferr = 0;
    void *m = rc_map_foreign(h, domid, gfns, RV_DOMU_SPECIAL_PAGES, &ferr);
    if (!m) {
        snprintf(err, errlen, "mapping the console and store pages: %s", strerror(errno));
        return -1;
    }
    memset(m, 0, RV_DOMU_SPECIAL_PAGES * 4096);     /* indexes 0, no stale bytes */
    rc_unmap_foreign(m, RV_DOMU_SPECIAL_PAGES);
    if ((rc = alloc_unbound(h, domid, &u->console_port)) < 0 || (rc = alloc_unbound(h, domid, &u->store_port)) < 0)
        return say(err, errlen, "EVTCHNOP_alloc_unbound for the domain", rc);
    if ((rc = rc_set_hvm_param(h, domid, HVM_PARAM_CONSOLE_PFN, u->console_gfn)) < 0 ||
        (rc = rc_set_hvm_param(h, domid, HVM_PARAM_CONSOLE_EVTCHN, u->console_port)) < 0 ||
        (rc = rc_set_hvm_param(h, domid, HVM_PARAM_STORE_PFN, u->store_gfn)) < 0 ||
        (rc = rc_set_hvm_param(h, domid, HVM_PARAM_STORE_EVTCHN, u->store_port)) < 0)
        return say(err, errlen, "HVMOP_set_param (console and store)", rc);
store:;
    seed_grants(h, domid, u);
    struct rv_xs *x = rv_xs_open();
    if (!x && u->need_store) {
        snprintf(err, errlen, "devices need xenstored (dom0's backends find them there): %s", strerror(errno));
        return -1;
    }
    if (!x) {
        fprintf(stderr, "rv create: warning: d%u: no xenstored (%s): the domain runs without a store\n", domid,
                strerror(errno));
        return 0;
    }
    int r = entries(x, domid, u, err, errlen);
    u->in_store = !r;
    if (!r && u->devices)
        r = u->devices(x, domid, u->devices_ctx, err, errlen);
    if (r) {
        char base[32];
        snprintf(base, sizeof(base), "/local/domain/%u", domid);
        rv_xs_rm(x, base);
    }
    rv_xs_close(x);
    return r;
}

void rv_domu_forget(uint16_t domid)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        return;
    char path[64];
    rv_xs_release(x, domid);        /* ENOENT: never introduced */
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    rv_xs_rm(x, path);
    vm_path(domid, path, sizeof(path));
    rv_xs_rm(x, path);
    rv_xs_close(x);
}

int rv_domu_name(uint16_t domid, char *buf, size_t len)
{
    static struct rv_xs *x;
    static int tried;
    if (!tried) {
        tried = 1;
        x = rv_xs_open();     /* kept for the process's life: rv list asks once per domain */
    }
    if (!x)
        return -1;
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    return rv_xs_read(x, path, buf, len) > 0 ? 0 : -1;
}
