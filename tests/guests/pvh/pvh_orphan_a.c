/*
 * pvh_orphan_a: the granting side of the "granter dies while mapped" test.
 * It grants pvh_orphan_b a page filled with a pattern, offers it a port,
 * waits until B says it has mapped the page, and powers off -- with the
 * grant still mapped.  The page must stay valid for B (the mapping holds a
 * frame reference) and be freed only when B unmaps it (rv-run checks that
 * every frame came back at the end).
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_orphan_a";

static struct ring_page page __attribute__((aligned(PAGE_SIZE)));

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 2);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    rc = gnttab_map_frames(1);
    if (!check(rc == 0, "gnttab-map-frame", "rc %ld", rc))
        return;
    evtchn_port_t port = 0;
    rc = evtchn_alloc_unbound(peer, &port);
    if (!check(rc == 0, "alloc-unbound", "rc %ld", rc))
        return;
    for (unsigned i = 0; i < sizeof(page.info) / sizeof(page.info[0]); i++)
        page.info[i] = 0xa5a50000u + i;
    page.a_port = port;
    mb();
    page.magic = RING_MAGIC;
    gnttab_grant(RING_REF, peer, ptr_gfn(&page), false);
    bool mapped = WAIT_UNTIL(page.b_ready, port, 120000000000ull);
    if (!check(mapped, "peer-mapped", "dom %u did not map the page within 120 s", peer))
        return;
    uint16_t flags = pvh.gt[RING_REF].flags;
    check(flags & GTF_writing, "grant-in-use", "entry flags %#x: GTF_writing not set while mapped", flags);
    printf("note: dom %u maps our page; powering off with the grant still mapped\n", peer);
}
