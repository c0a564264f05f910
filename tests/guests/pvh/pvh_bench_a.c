/*
 * pvh_bench_a: benchmark side A (pvh_bench_b is side B).  A grants B the
 * shared page (ref RING_REF) and a data page (ref RING_REF + 1, read-only),
 * offers a port, then measures event-channel ping-pong: A sends, waits for
 * B's reply (SCHEDOP_poll), n times; prints "evtchn round trips/s: N"
 * (pvclock time).  Then, when nu > 0, the same through upcalls: both sides
 * take the event on the callback vector (HVM_PARAM_CALLBACK_IRQ) while in
 * HLT and answer from the main loop, nu times; prints "evtchn upcall round
 * trips/s: N".  B then measures grant copies (pvh_bench_b.c).  Last,
 * alone, A times "rt=N" xen_version(XENVER_version) calls through the
 * hypercall page (VMCALL/VMMCALL) with RDTSC and prints the median,
 * "hypercall round trip: N ns (T TSC ticks)", the ticks scaled to ns with
 * its vcpu_time_info (rv-bench sets it against pv_bench's SYSCALL figure).
 */
#include "ring.h"
#include "public/version.h"

const char pvh_guest_name[] = "pvh_bench_a";

#define RT_MAX 10000
static uint64_t rt_ticks[RT_MAX];

static inline uint64_t rdtsc_fenced(void)
{
    uint32_t lo, hi;
    /* LFENCE: the read waits for the instructions before it. */
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return (uint64_t)hi << 32 | lo;
}

/* Shell sort of the samples (no library sort in the guest). */
static void sort_u64(uint64_t *a, uint32_t n)
{
    for (uint32_t gap = n / 2; gap; gap /= 2)
        for (uint32_t i = gap; i < n; i++) {
            uint64_t v = a[i];
            uint32_t j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

static uint64_t ticks_to_ns(uint64_t d)
{
    const volatile struct vcpu_time_info *t = &pvh.vi->time;
    int8_t sh = t->tsc_shift;
    uint64_t x = sh >= 0 ? d << sh : d >> -sh;
    return (uint64_t)(((unsigned __int128)x * t->tsc_to_system_mul) >> 32);
}

/* The median round trip of one kind of call, n times: xen_version (the
 * same call pv_bench makes), a send on a loopback port, a poll that finds
 * its port pending.  rv-bench sets the last two against the first: what
 * the event-channel calls cost beyond an exit. */
enum rt_kind { RT_VERSION, RT_SEND, RT_POLL, RT_POLL_FAR };
static evtchn_port_t lo_a, lo_b;

static long rt_call(enum rt_kind k)
{
    if (k == RT_VERSION)
        return xen_version(XENVER_version, NULL);
    if (k == RT_SEND)
        return evtchn_send(lo_a);
    /* RT_POLL: the port list on the stack beside the structure, as Linux's
     * xen_poll_irq_timeout and evtchn_wait have it; RT_POLL_FAR: the list
     * in another page (a global), so the hypervisor walks twice. */
    evtchn_port_t port = lo_b;
    struct sched_poll p = { .ports = k == RT_POLL ? (uintptr_t)&port : (uintptr_t)&lo_b, .nr_ports = 1,
                            .timeout = 0 };
    return sched_op(SCHEDOP_poll, &p);
}

static uint64_t median_ticks(enum rt_kind k, uint32_t n, long *bad)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t0 = rdtsc_fenced();
        long v = rt_call(k);
        rt_ticks[i] = rdtsc_fenced() - t0;
        if (v < 0)
            *bad = v;
    }
    sort_u64(rt_ticks, n);
    return rt_ticks[n / 2];
}

static void hypercall_round_trip(uint32_t n)
{
    if (n > RT_MAX)
        n = RT_MAX;
    if (!n)
        return;
    long bad = 0;
    uint64_t d = median_ticks(RT_VERSION, n, &bad);
    if (!check(bad == 0, "xen-version", "rc %ld", bad))
        return;
    printf("hypercall round trip: %llu ns (%llu TSC ticks)\n", (unsigned long long)ticks_to_ns(d),
           (unsigned long long)d);
    /* A loopback pair: lo_a's sends make lo_b pending (and it stays so:
     * nothing clears it), so every poll on lo_b returns at once. */
    long ra = evtchn_alloc_unbound(DOMID_SELF, &lo_b);
    long rb = ra ? ra : evtchn_bind_interdomain(DOMID_SELF, lo_b, &lo_a);
    if (!check(ra == 0 && rb == 0, "loopback", "alloc_unbound %ld, bind_interdomain %ld", ra, rb))
        return;
    uint64_t ds = median_ticks(RT_SEND, n, &bad);
    uint64_t dp = median_ticks(RT_POLL, n, &bad);
    uint64_t df = median_ticks(RT_POLL_FAR, n, &bad);
    if (check(bad == 0, "send-poll", "rc %ld", bad))
        printf("send round trip: %llu ns; poll (port pending) round trip: %llu ns; the same, port list in "
               "another page: %llu ns\n", (unsigned long long)ticks_to_ns(ds), (unsigned long long)ticks_to_ns(dp),
               (unsigned long long)ticks_to_ns(df));
}

static struct ring_page page __attribute__((aligned(PAGE_SIZE)));

/* The pct-th percentile of the first min(n, RT_MAX) round trips in
 * rt_ticks, in ns: unlike the mean, the median leaves out the round trips
 * during which the host did not run the emulator at all (the build machine
 * is shared); the 10th percentile, for before/after comparisons on a
 * loaded host, leaves out more of them (docs/bench.md). */
static uint64_t rt_percentile_ns(uint32_t n, unsigned pct)
{
    if (n > RT_MAX)
        n = RT_MAX;
    if (!n)
        return 0;
    sort_u64(rt_ticks, n);
    return ticks_to_ns(rt_ticks[(uint64_t)n * pct / 100]);
}

static uint64_t median_rt_ns(uint32_t n)
{
    return rt_percentile_ns(n, 50);
}

/* Waits in HLT until the upcall handler has counted more than 'seen'
 * events on port; false after timeout_ns.  Interrupts are off except in
 * the STI;HLT pair, so the check and the sleep cannot miss a wake-up.  An
 * HLT ends at any interrupt; with no event it would sleep on, so the
 * timeout only holds while something else (e.g. the reply) wakes us. */
static bool upcall_wait(evtchn_port_t port, uint32_t seen, uint64_t deadline)
{
    while (__atomic_load_n(&evt_count[port], __ATOMIC_SEQ_CST) == seen) {
        sti_hlt_cli();
        if (pvclock_ns() >= deadline)
            return __atomic_load_n(&evt_count[port], __ATOMIC_SEQ_CST) != seen;
    }
    return true;
}

/* Upcall ping-pong (B side: pvh_bench_b.c): send, HLT until the reply's
 * upcall, n times. */
static void upcall_ping_pong(evtchn_port_t port, uint32_t n)
{
    long rc = pvh_enable_upcall();
    if (!check(rc == 0, "upcall-enable", "rc %ld", rc))
        return;
    page.phase = 1;
    mb();
    evtchn_send(port);
    if (!check(WAIT_UNTIL(page.info[0], port, 30000000000ull), "peer-upcall-ready", "B not ready within 30 s"))
        return;
    /* B's "ready" event is not a reply; nor is anything the handler has
     * not yet seen (interrupts were off). */
    evtchn_test_and_clear(port);
    uint32_t seen = evt_count[port];
    uint64_t t0 = pvclock_ns();
    uint32_t i = 0;
    for (; i < n; i++) {
        uint64_t s = rdtsc_fenced();
        evtchn_send(port);
        if (!upcall_wait(port, seen, pvclock_ns() + 5000000000ull))
            break;
        seen = evt_count[port];
        if (i < RT_MAX)
            rt_ticks[i] = rdtsc_fenced() - s;
    }
    uint64_t ns = pvclock_ns() - t0;
    if (check(i == n, "upcall-ping-pong", "no reply after %u round trips", i))
        printf("evtchn upcall round trips/s: %llu (%u round trips in %llu us, %llu ns each, median %llu ns, p10 %llu ns; "
               "%u upcalls)\n",
               (unsigned long long)((uint64_t)n * 1000000000ull / (ns | 1)), n, (unsigned long long)(ns / 1000),
               (unsigned long long)(ns / n), (unsigned long long)median_rt_ns(n),
               (unsigned long long)rt_percentile_ns(n, 10), upcalls);
}
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
        uint64_t s = rdtsc_fenced();
        evtchn_send(port);
        if (!evtchn_wait(port, 5000000000ull)) {
            lost++;
            break;
        }
        if (i < RT_MAX)
            rt_ticks[i] = rdtsc_fenced() - s;
    }
    uint64_t ns = pvclock_ns() - t0;
    if (n && check(lost == 0, "ping-pong", "no reply within 5 s"))
        printf("evtchn round trips/s: %llu (%u round trips in %llu us, %llu ns each, median %llu ns, p10 %llu ns)\n",
               (unsigned long long)((uint64_t)n * 1000000000ull / (ns | 1)), n, (unsigned long long)(ns / 1000),
               (unsigned long long)(ns / n), (unsigned long long)median_rt_ns(n),
               (unsigned long long)rt_percentile_ns(n, 10));
    uint32_t nu = (uint32_t)cmdline_uint("nu", 0);
    if (nu)
        upcall_ping_pong(port, nu);
    page.phase = 2;
    mb();
    evtchn_send(port);
    bool done = WAIT_UNTIL(page.b_done && !(pvh.gt[RING_REF].flags & (GTF_reading | GTF_writing)), port,
                           120000000000ull);
    check(done, "peer-done", "B did not finish the copies and unmap within 120 s");
    gnttab_revoke(RING_REF);
    gnttab_revoke(RING_REF + 1);
    hypercall_round_trip((uint32_t)cmdline_uint("rt", RT_MAX));
}
