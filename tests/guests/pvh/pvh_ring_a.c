/*
 * pvh_ring_a: side A of the two-domain ring test (pvh_ring_b is side B; the
 * peer's domid is "peer=N" on the command line).  A grants B a page of its
 * RAM (ref RING_REF, writable) and offers it an unbound port, waits until B
 * has mapped the page and bound the port, then both exchange n messages in
 * each direction (lib/ring.h checks every sequence number), and A waits for
 * B to unmap before it revokes the grant.
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_ring_a";

static struct ring_page page __attribute__((aligned(PAGE_SIZE)));

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 2);
    uint32_t n = (uint32_t)cmdline_uint("n", 1000000);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    rc = gnttab_map_frames(1);
    if (!check(rc == 0, "gnttab-map-frame", "add_to_physmap(grant_table, 0) -> %ld", rc))
        return;
    evtchn_port_t port = 0;
    rc = evtchn_alloc_unbound(peer, &port);
    if (!check(rc == 0 && port, "alloc-unbound", "for dom %u -> %ld, port %u", peer, rc, port))
        return;
    struct evtchn_status st;
    rc = evtchn_status(port, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == peer, "status-unbound",
          "rc %ld status %u dom %u", rc, st.status, st.u.unbound.dom);
    page.a_port = port;
    page.magic = RING_MAGIC;
    gnttab_grant(RING_REF, peer, ptr_gfn(&page), false);
    printf("note: granted gfn %#llx as ref %u to dom %u, port %u; waiting for B\n",
           (unsigned long long)ptr_gfn(&page), RING_REF, peer, port);

    bool ready = WAIT_UNTIL(page.b_ready, port, 120000000000ull);
    if (!check(ready, "peer-ready", "B did not map and bind within 120 s"))
        return;
    rc = evtchn_status(port, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == peer, "status-interdomain",
          "rc %ld status %u dom %u", rc, st.status, st.u.interdomain.dom);
    uint16_t fl = pvh.gt[RING_REF].flags;
    check((fl & GTF_writing) && (fl & GTF_reading), "grant-in-use-flags",
          "entry flags %#x while B has it mapped writable: want GTF_reading|GTF_writing", fl);

    struct ring_stats rs;
    bool ok = ring_exchange(&page.a2b, &page.b2a, port, n, 0, &rs);
    if (check(ok, "ring-exchange", "see above"))
        printf("ring: %llu sent, %llu received in %llu ms: %llu messages/s each way, %llu notifications, "
               "%llu waits\n", (unsigned long long)rs.sent, (unsigned long long)rs.recvd,
               (unsigned long long)(rs.ns / 1000000), (unsigned long long)(rs.sent * 1000000000ull / (rs.ns | 1)),
               (unsigned long long)rs.notifies, (unsigned long long)rs.waits);
    page.a_done = 1;
    mb();
    evtchn_send(port);

    /* B unmaps: the entry's in-use flags go away; then we may revoke. */
    bool unmapped = WAIT_UNTIL(page.b_done && !(pvh.gt[RING_REF].flags & (GTF_reading | GTF_writing)), port,
                               60000000000ull);
    check(unmapped, "grant-released", "flags %#x, b_done %u after 60 s", pvh.gt[RING_REF].flags, page.b_done);
    gnttab_revoke(RING_REF);
    /* B closes its end: ours goes back to unbound (offered to B again). */
    bool unbound = WAIT_UNTIL(evtchn_status(port, &st) == 0 && st.status == EVTCHNSTAT_unbound, 0,
                              30000000000ull);
    check(unbound, "peer-close-unbinds", "status %u after B closed its end", st.status);
    rc = evtchn_close(port);
    check(rc == 0, "close", "rc %ld", rc);
    rc = evtchn_status(port, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_closed, "status-closed", "rc %ld status %u", rc, st.status);
}
