/*
 * pvh_bench_a: benchmark side A (pvh_bench_b is side B).  A grants B the
 * shared page (ref RING_REF) and a data page (ref RING_REF + 1, read-only),
 * offers a port, then measures event-channel ping-pong: A sends, waits for
 * B's reply (SCHEDOP_poll), n times.  Prints "evtchn round trips/s: N"
 * (pvclock time).  B then measures grant copies (pvh_bench_b.c).
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_bench_a";

static struct ring_page page __attribute__((aligned(PAGE_SIZE)));
static uint8_t data[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 2);
    uint32_t n = (uint32_t)cmdline_uint("n", 100000);
    long rc = pvh_map_shared_info();
    long rg = gnttab_map_frames(1);
    evtchn_port_t port = 0;
    long ra = evtchn_alloc_unbound(peer, &port);
    if (!check(rc == 0 && rg == 0 && ra == 0, "setup", "shared_info %ld, grant frame %ld, alloc_unbound %ld", rc,
               rg, ra))
        return;
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        data[i] = (uint8_t)(i ^ 0xa5);
    page.a_port = port;
    page.magic = RING_MAGIC;
    gnttab_grant(RING_REF, peer, ptr_gfn(&page), false);
    gnttab_grant(RING_REF + 1, peer, ptr_gfn(data), true);
    if (!check(WAIT_UNTIL(page.b_ready, port, 120000000000ull), "peer-ready", "B not ready within 120 s"))
        return;

    /* B's "ready" event may still be pending: it is not a reply. */
    evtchn_test_and_clear(port);
    uint32_t lost = 0;
    uint64_t t0 = pvclock_ns();
    for (uint32_t i = 0; i < n; i++) {
        evtchn_send(port);
        if (!evtchn_wait(port, 5000000000ull)) {
            lost++;
            break;
        }
    }
    uint64_t ns = pvclock_ns() - t0;
    if (check(lost == 0, "ping-pong", "no reply within 5 s"))
        printf("evtchn round trips/s: %llu (%u round trips in %llu us, %llu ns each)\n",
               (unsigned long long)((uint64_t)n * 1000000000ull / (ns | 1)), n, (unsigned long long)(ns / 1000),
               (unsigned long long)(ns / n));
    page.phase = 2;
    mb();
    evtchn_send(port);
    bool done = WAIT_UNTIL(page.b_done && !(pvh.gt[RING_REF].flags & (GTF_reading | GTF_writing)), port,
                           120000000000ull);
    check(done, "peer-done", "B did not finish the copies and unmap within 120 s");
    gnttab_revoke(RING_REF);
    gnttab_revoke(RING_REF + 1);
}
