/*
 * pvh_ring_b: side B of the two-domain ring test (see pvh_ring_a.c).  B
 * maps A's grant (retrying while A is not set up yet: either may start
 * first), binds to the port A wrote into the page, exchanges the messages,
 * then unmaps and closes.
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_ring_b";

#define RING_GFN PVH_GFN_FREE

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 1);
    uint32_t n = (uint32_t)cmdline_uint("n", 1000000);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    grant_handle_t h = 0;
    int16_t s = 1;
    unsigned tries = 0;
    uint64_t dl = pvclock_ns() + 120000000000ull;
    do {
        s = gnttab_map(peer, RING_REF, RING_GFN, GNTMAP_host_map, &h);
        tries++;
        if (s != GNTST_okay)
            sched_op(SCHEDOP_yield, NULL);
    } while (s != GNTST_okay && pvclock_ns() < dl);
    if (!check(s == GNTST_okay, "map-grant", "map of dom %u ref %u -> %d after %u tries", peer, RING_REF, s, tries))
        return;
    printf("note: mapped after %u tries, handle %u\n", tries, h);
    struct ring_page *pg = gfn_ptr(RING_GFN);
    if (!check(WAIT_UNTIL(pg->magic == RING_MAGIC, 0, 10000000000ull), "ring-page-magic", "magic %#x",
               pg->magic))
        return;
    evtchn_port_t port = 0;
    rc = evtchn_bind_interdomain(peer, pg->a_port, &port);
    if (!check(rc == 0 && port, "bind-interdomain", "to dom %u port %u -> %ld", peer, pg->a_port, rc))
        return;
    pg->b_ready = 1;
    mb();
    evtchn_send(port);

    struct ring_stats rs;
    bool ok = ring_exchange(&pg->b2a, &pg->a2b, port, n, 1, &rs);
    if (check(ok, "ring-exchange", "see above"))
        printf("ring: %llu sent, %llu received in %llu ms, %llu notifications, %llu waits\n",
               (unsigned long long)rs.sent, (unsigned long long)rs.recvd, (unsigned long long)(rs.ns / 1000000),
               (unsigned long long)rs.notifies, (unsigned long long)rs.waits);
    WAIT_UNTIL(pg->a_done, port, 30000000000ull);
    pg->b_done = 1;
    mb();
    s = gnttab_unmap(h, RING_GFN);
    check(s == GNTST_okay, "unmap-grant", "status %d", s);
    s = gnttab_unmap(h, RING_GFN);
    check(s == GNTST_bad_handle, "unmap-twice", "second unmap -> %d (want GNTST_bad_handle %d)", s,
          GNTST_bad_handle);
    rc = evtchn_send(port);
    check(rc == 0, "send-after", "rc %ld", rc);
    rc = evtchn_close(port);
    check(rc == 0, "close", "rc %ld", rc);
    rc = evtchn_send(port);
    check(rc == -EINVAL, "send-closed", "send on the closed port -> %ld (want -EINVAL)", rc);
}
