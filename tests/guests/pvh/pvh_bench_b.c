/*
 * pvh_bench_b: benchmark side B (see pvh_bench_a.c).  Answers A's pings
 * (n by SCHEDOP_poll, then nu taken as upcalls in HLT), then copies A's read-only data page (ref RING_REF + 1) into 16 pages of
 * its own with GNTTABOP_copy, 16 copies of 4 KiB per call, "copies=N" pages
 * in all, and prints "grant copy MB/s: N" (pvclock time, MB = 10^6 bytes),
 * then "memcpy MB/s: M", the same copies by its own CPU (the floor).
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_bench_b";

#define BATCH 16
static uint8_t dst[BATCH][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct gnttab_copy ops[BATCH];

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 1);
    uint32_t n = (uint32_t)cmdline_uint("n", 100000), nu = (uint32_t)cmdline_uint("nu", 0), copies = (uint32_t)cmdline_uint("copies", 20000);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    grant_handle_t h = 0;
    int16_t s;
    uint64_t dl = pvclock_ns() + 120000000000ull;
    /* Until A has granted: sleep 1 ms between tries (SCHEDOP_poll on no
     * port) rather than yield, so that the exits spent waiting for A stay
     * few and rv-bench's exits per round trip are not blurred by them. */
    while ((s = gnttab_map(peer, RING_REF, PVH_GFN_FREE, GNTMAP_host_map, &h)) != GNTST_okay && pvclock_ns() < dl) {
        struct sched_poll nap = { .nr_ports = 0, .timeout = pvclock_ns() + 1000000 };
        sched_op(SCHEDOP_poll, &nap);
    }
    if (!check(s == GNTST_okay, "map-grant", "dom %u ref %u -> %d", peer, RING_REF, s))
        return;
    struct ring_page *pg = gfn_ptr(PVH_GFN_FREE);
    WAIT_UNTIL(pg->magic == RING_MAGIC, 0, 10000000000ull);
    evtchn_port_t port = 0;
    rc = evtchn_bind_interdomain(peer, pg->a_port, &port);
    if (!check(rc == 0, "bind-interdomain", "port %u -> %ld", pg->a_port, rc))
        return;
    /* Binding may leave our new port pending (Xen does that so no event is
     * lost): that is not a ping. */
    evtchn_test_and_clear(port);
    /* The event first, then the flag: once A sees the flag, the event is
     * already pending and A can discard it before timing round trips. */
    evtchn_send(port);
    mb();
    pg->b_ready = 1;

    uint32_t answered = 0;
    while (answered < n) {
        if (!evtchn_wait(port, 5000000000ull))
            break;
        evtchn_send(port);
        answered++;
    }
    check(answered == n, "pong", "answered %u of %u pings", answered, n);
    WAIT_UNTIL(pg->phase != 0, port, 30000000000ull);
    if (pg->phase == 1 && nu) {
        /* Upcall ping-pong: the handler counts A's events (evt_count);
         * HLT between them, interrupts on only inside STI;HLT. */
        rc = pvh_enable_upcall();
        if (!check(rc == 0, "upcall-enable", "rc %ld", rc))
            return;
        evtchn_test_and_clear(port);
        uint32_t seen = evt_count[port];
        evtchn_send(port);
        mb();
        pg->info[0] = 1;
        answered = 0;
        while (answered < nu) {
            uint64_t dl = pvclock_ns() + 5000000000ull;
            while (evt_count[port] == seen && pvclock_ns() < dl)
                sti_hlt_cli();
            if (evt_count[port] == seen)
                break;
            seen = evt_count[port];
            evtchn_send(port);
            answered++;
        }
        check(answered == nu, "upcall-pong", "answered %u of %u upcall pings", answered, nu);
    }
    WAIT_UNTIL(pg->phase == 2, port, 30000000000ull);

    for (unsigned i = 0; i < BATCH; i++)
        ops[i] = (struct gnttab_copy){ .source = { .u.ref = RING_REF + 1, .domid = peer },
                                       .dest = { .u.gmfn = ptr_gfn(dst[i]), .domid = DOMID_SELF },
                                       .len = PAGE_SIZE, .flags = GNTCOPY_source_gref };
    uint32_t done = 0, bad = 0;
    int16_t bad_status = 0;
    uint64_t t0 = pvclock_ns();
    while (done < copies && !bad) {
        unsigned k = copies - done < BATCH ? copies - done : BATCH;
        rc = gnttab_op(GNTTABOP_copy, ops, k);
        for (unsigned i = 0; i < k; i++)
            if (rc || ops[i].status != GNTST_okay)
                bad++, bad_status = rc ? (int16_t)rc : ops[i].status;
        done += k;
    }
    uint64_t ns = pvclock_ns() - t0;
    bool same = true;
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        same &= dst[0][i] == (uint8_t)(i ^ 0xa5) && dst[BATCH - 1][i] == (uint8_t)(i ^ 0xa5);
    if (copies && check(!bad && same, "grant-copy", "%u failed (status %d), content %s", bad, bad_status,
              same ? "right" : "wrong"))
        printf("grant copy MB/s: %llu (%u copies of 4 KiB in %llu us)\n",
               (unsigned long long)((uint64_t)done * PAGE_SIZE * 1000 / (ns | 1)), done,
               (unsigned long long)(ns / 1000));
    /* The floor of that figure: the same number of 4 KiB copies between
     * the same pages by the guest's own CPU, rep movsq (rv-bench sets the
     * grant copy against it). */
    if (copies && !bad) {
        t0 = pvclock_ns();
        for (uint32_t i = 0; i < done; i++) {
            void *d = dst[(i + 1) % BATCH];
            const void *src = dst[i % BATCH];
            uint64_t q = PAGE_SIZE / 8;
            __asm__ __volatile__("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
        }
        ns = pvclock_ns() - t0;
        printf("memcpy MB/s: %llu (%u copies of 4 KiB in %llu us, rep movsq)\n",
               (unsigned long long)((uint64_t)done * PAGE_SIZE * 1000 / (ns | 1)), done,
               (unsigned long long)(ns / 1000));
    }
    pg->b_done = 1;
    mb();
    s = gnttab_unmap(h, PVH_GFN_FREE);
    check(s == GNTST_okay, "unmap", "%d", s);
    evtchn_send(port);
    evtchn_close(port);
}
