/*
 * pvh_hostile_peer: the helper domain of pvh_hostile ("peer=N" = its
 * domid).  It offers grants and ports for pvh_hostile to misuse:
 *   ref 10 (RING_REF)  the info page, writable, to pvh_hostile
 *   ref 11             a data page, read-only, to pvh_hostile
 *   ref 12             the data page, writable, to a domain that does not exist
 *   ref 13             granted to pvh_hostile and revoked again (flags 0)
 *   ref 14             a second data page, writable, to pvh_hostile
 *   info[0]            a port offered to pvh_hostile (it sends "done" on it)
 *   info[1]            a port offered to this domain itself, not to pvh_hostile
 * When pvh_hostile is done it checks that none of its grant entries was
 * left marked in use (GTF_reading/GTF_writing) by the failed operations.
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_hostile_peer";

static struct ring_page info __attribute__((aligned(PAGE_SIZE)));
static uint8_t data[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 1);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    rc = gnttab_map_frames(1);
    if (!check(rc == 0, "gnttab-map-frame", "rc %ld", rc))
        return;
    evtchn_port_t done = 0, other = 0;
    long r1 = evtchn_alloc_unbound(peer, &done), r2 = evtchn_alloc_unbound(DOMID_SELF, &other);
    if (!check(r1 == 0 && r2 == 0, "alloc-unbound", "%ld %ld", r1, r2))
        return;
    for (unsigned i = 0; i < PAGE_SIZE; i++) {
        data[0][i] = (uint8_t)(i * 7 + 1);
        data[1][i] = (uint8_t)(i * 13 + 5);
    }
    info.info[0] = done;
    info.info[1] = other;
    info.a_port = done;
    info.magic = RING_MAGIC;
    gnttab_grant(RING_REF, peer, ptr_gfn(&info), false);
    gnttab_grant(11, peer, ptr_gfn(data[0]), true);
    gnttab_grant(12, 0x3ff, ptr_gfn(data[0]), false);
    gnttab_grant(13, peer, ptr_gfn(data[0]), false);
    gnttab_revoke(13);
    gnttab_grant(14, peer, ptr_gfn(data[1]), false);
    printf("note: grants 10-14 and ports %u (for dom %u) / %u (for ourselves) set up\n", done, peer, other);

    /* pvh_hostile binds to 'done' only at its very end: any event there is its signal. */
    struct evtchn_status st;
    bool finished = false;
    uint64_t dl = pvclock_ns() + 200000000000ull;
    while (!finished && pvclock_ns() < dl)
        finished = evtchn_wait(done, 1000000000ull);
    if (!check(finished && info.b_done, "hostile-done", "no 'done' event from dom %u within 200 s (b_done %u)",
               peer, info.b_done))
        return;
    uint16_t leftover = 0;
    for (grant_ref_t r = RING_REF; r <= 14; r++)
        leftover |= pvh.gt[r].flags & (GTF_reading | GTF_writing);
    check(!leftover, "no-stale-in-use-flags", "entries 10-14 still carry in-use flags %#x", leftover);
    for (grant_ref_t r = RING_REF; r <= 14; r++)
        gnttab_revoke(r);
    bool same = true;
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        same &= data[0][i] == (uint8_t)(i * 7 + 1);
    check(same, "readonly-page-intact", "the page granted read-only was modified");
    rc = evtchn_status(other, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_unbound, "own-port-untouched", "rc %ld status %u", rc, st.status);
}
