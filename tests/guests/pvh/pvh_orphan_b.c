/*
 * pvh_orphan_b: maps pvh_orphan_a's page, tells A, and waits until A is
 * gone (its interdomain port reverts to unbound when A's event channels are
 * torn down at destruction).  Then the page must still hold A's pattern and
 * take writes; the unmap must succeed and a second one fail.  With
 * "exec=1" (pvh_grant_exec) it calls into the mapped page instead, which
 * must crash it.
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_orphan_b";

#define PAGE_GFN PVH_GFN_FREE

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 1);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    grant_handle_t h = 0;
    int16_t s;
    uint64_t dl = pvclock_ns() + 120000000000ull;
    do {
        s = gnttab_map(peer, RING_REF, PAGE_GFN, GNTMAP_host_map, &h);
        if (s != GNTST_okay)
            sched_op(SCHEDOP_yield, NULL);
    } while (s != GNTST_okay && pvclock_ns() < dl);
    if (!check(s == GNTST_okay, "map-grant", "map of dom %u ref %u -> %d", peer, RING_REF, s))
        return;
    volatile struct ring_page *pg = gfn_ptr(PAGE_GFN);
    if (!check(WAIT_UNTIL(pg->magic == RING_MAGIC, 0, 10000000000ull), "page-magic", "magic %#x", pg->magic))
        return;
    evtchn_port_t port = 0;
    rc = evtchn_bind_interdomain(peer, pg->a_port, &port);
    if (!check(rc == 0, "bind-interdomain", "rc %ld", rc))
        return;
    pg->b_ready = 1;
    mb();
    evtchn_send(port);

    /* A powers off now; once it is destroyed our end of the channel is
     * unbound again (Xen's rule for a peer that goes away). */
    struct evtchn_status st = { 0 };
    bool gone = false;
    dl = pvclock_ns() + 120000000000ull;
    while (!gone && pvclock_ns() < dl) {
        rc = evtchn_status(port, &st);
        gone = rc == 0 && st.status == EVTCHNSTAT_unbound;
        if (!gone)
            evtchn_wait(port, 10000000ull);
    }
    if (!check(gone, "granter-destroyed", "port %u still status %u after 120 s", port, st.status))
        return;
    if (cmdline_uint("exec", 0)) {
        /* pvh_grant_exec (once A is gone, so that A's own checks of its
         * grant are not raced by our crash): a granted page is data.  Calling into it must
         * end this domain (NPT/EPT: the p2m entry has no execute right;
         * shadow paging: the shadow leaf is no-execute), never run it. */
        printf("note: calling into the granted page at gfn %#lx\n", (unsigned long)PAGE_GFN);
        ((void (*)(void))(uintptr_t)pg)();
        check(false, "grant-exec-refused", "the granted page ran as code and returned");
        return;
    }
    /* A new map of the dead domain's grant is refused. */
    grant_handle_t h2 = 0;
    s = gnttab_map(peer, RING_REF, PAGE_GFN + 1, GNTMAP_host_map, &h2);
    check(s == GNTST_bad_domain, "map-dead-granter", "map of dead dom %u -> %d (want GNTST_bad_domain %d)", peer,
          s, GNTST_bad_domain);
    bool same = pg->magic == RING_MAGIC;
    for (unsigned i = 0; i < sizeof(pg->info) / sizeof(pg->info[0]); i++)
        same &= pg->info[i] == 0xa5a50000u + i;
    check(same, "page-intact", "the dead granter's page no longer holds its pattern");
    for (unsigned i = 0; i < sizeof(pg->info) / sizeof(pg->info[0]); i++)
        pg->info[i] = ~(0xa5a50000u + i);
    same = true;
    for (unsigned i = 0; i < sizeof(pg->info) / sizeof(pg->info[0]); i++)
        same &= pg->info[i] == ~(0xa5a50000u + i);
    check(same, "page-writable", "writes to the orphaned page did not stick");
    s = gnttab_unmap(h, PAGE_GFN);
    check(s == GNTST_okay, "unmap-orphan", "status %d", s);
    s = gnttab_unmap(h, PAGE_GFN);
    check(s == GNTST_bad_handle, "unmap-twice", "status %d", s);
    rc = evtchn_close(port);
    check(rc == 0, "close", "rc %ld", rc);
}
