/* Self-tests of core mechanisms that need real CPUs: memory allocators,
 * cross-CPU calls, timers on every CPU, softirqs, spinlocks. */
#include "core/selftest.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/softirq.h"
#include "core/timer.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "arch/x86/apic.h"
#include "arch/x86/traps.h"
#include "mm/mm.h"
#include "core/domain.h"
#include "lib/errno.h"
#include "lib/string.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64: deterministic, so a failure reproduces. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

SELFTEST(frame_allocator_stress)
{
    enum { N = 256 };
    static void *pages[N];
    static unsigned orders[N];
    /* Only a system that never had domains can compare the global count:
     * otherwise domains being built or torn down meanwhile move it too. */
    bool quiet = domains_ever_created() == 0;
    uint64_t free0 = mm_free_frames();
    unsigned n = 0;

    for (; n < N; n++) {
        orders[n] = rng() % 5;
        pages[n] = alloc_pages(orders[n], DOMID_XEN);
        if (!pages[n])
            break;
        ST_CHECK(((uint64_t)pages[n] & ((4096ull << orders[n]) - 1)) == 0,
                 "order-%u block at %p is misaligned", orders[n], pages[n]);
        /* Tag every page of the block with its owner index. */
        for (unsigned i = 0; i < (1u << orders[n]); i++)
            *(uint64_t *)((char *)pages[n] + i * 4096) = n;
    }
    ST_CHECK(n == N, "allocation %u failed with %lu frames free", n, (unsigned long)mm_free_frames());
    for (unsigned k = 0; k < n; k++)
        for (unsigned i = 0; i < (1u << orders[k]); i++)
            ST_CHECK(*(uint64_t *)((char *)pages[k] + i * 4096) == k,
                     "block %u page %u overwritten: blocks overlap", k, i);
    for (unsigned k = 0; k < n; k++) {
        uint64_t pfn = virt_to_phys(pages[k]) >> PAGE_SHIFT;
        free_pages(pages[k], orders[k]);
        /* Freed frames belong to nobody again. */
        ST_CHECK(pfn_to_frame(pfn)->owner == DOMID_INVALID, "freed block %u (pfn %#lx) still has owner %#x", k,
                 (unsigned long)pfn, pfn_to_frame(pfn)->owner);
    }
    if (quiet)
        ST_CHECK(mm_free_frames() == free0, "free frames %lu after, %lu before",
                 (unsigned long)mm_free_frames(), (unsigned long)free0);

    void *low = alloc_pages_below(0, MiB(1), DOMID_XEN);
    if (low) {
        uint64_t pa = virt_to_phys(low);
        free_pages(low, 0);
        ST_CHECK(pa < MiB(1), "alloc below 1 MiB returned %#lx", (unsigned long)pa);
    }
    return 0;
}

SELFTEST(heap_accounting)
{
    enum { N = 512 };
    static void *objs[N];
    struct heap_stats before, mid, after;

    heap_get_stats(HEAP_TEST, &before);
    for (unsigned i = 0; i < N; i++) {
        size_t sz = 1 + rng() % (i % 16 == 0 ? 20000 : 600);
        objs[i] = xmalloc(sz, HEAP_TEST);
        ST_CHECK(objs[i], "xmalloc(%lu) failed", (unsigned long)sz);
        ST_CHECK(((uint64_t)objs[i] & 15) == 0, "object %p not 16-byte aligned", objs[i]);
        *(unsigned *)objs[i] = i;
    }
    heap_get_stats(HEAP_TEST, &mid);
    ST_CHECK(mid.objects == before.objects + N, "HEAP_TEST counts %lu objects, expected %lu",
             (unsigned long)mid.objects, (unsigned long)(before.objects + N));
    for (unsigned i = 0; i < N; i++)
        ST_CHECK(*(unsigned *)objs[i] == i, "object %u overwritten", i);
    for (unsigned i = 0; i < N; i++)
        xfree(objs[i]);
    heap_get_stats(HEAP_TEST, &after);
    ST_CHECK(after.objects == before.objects && after.bytes == before.bytes,
             "HEAP_TEST leaks: %lu objects / %lu bytes left", (unsigned long)(after.objects - before.objects),
             (unsigned long)(after.bytes - before.bytes));
    return 0;
}

/* ---- cross-CPU calls ---- */

static unsigned ipi_hits[RV_MAX_CPUS];

static void count_hit(void *arg)
{
    __atomic_add_fetch(&ipi_hits[smp_processor_id()], 1, __ATOMIC_SEQ_CST);
}

SELFTEST(ipi_every_cpu)
{
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        ipi_hits[c] = 0;
    for (int round = 0; round < 10; round++) {
        int rc = on_each_cpu(count_hit, NULL);
        ST_CHECK(rc == 0, "cross-CPU call failed (%d)", rc);
    }
    unsigned online = 0;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online)
            continue;
        online++;
        ST_CHECK(ipi_hits[c] == 10, "CPU %u ran the call %u times, expected 10", c, ipi_hits[c]);
    }
    ST_CHECK(online == nr_cpus_online, "%u CPUs flagged online but nr_cpus_online is %u", online, nr_cpus_online);
    return 0;
}

static spinlock_t test_lock = SPINLOCK_INIT;
static uint64_t test_counter;

/* Few rounds: under an emulator with more virtual than host CPUs each
 * ticket hand-over can wait for a host reschedule. */
#define LOCK_ROUNDS 500

static void hammer_lock(void *arg)
{
    for (int i = 0; i < LOCK_ROUNDS; i++) {
        spin_lock(&test_lock);
        uint64_t v = test_counter;
        barrier();
        test_counter = v + 1;   /* non-atomic on purpose: only the lock protects it */
        spin_unlock(&test_lock);
    }
}

SELFTEST(spinlock_all_cpus)
{
    test_counter = 0;
    int rc = on_each_cpu(hammer_lock, NULL);
    ST_CHECK(rc == 0, "cross-CPU call failed (%d)", rc);
    ST_CHECK(test_counter == (uint64_t)LOCK_ROUNDS * nr_cpus_online, "counter %lu, expected %lu: lost updates",
             (unsigned long)test_counter, (unsigned long)((uint64_t)LOCK_ROUNDS * nr_cpus_online));
    return 0;
}

/* ---- timers ---- */

struct timer_probe {
    struct timer t;
    uint64_t deadline, fired_at;
    unsigned fired_on;
    volatile int fired;
};
static struct timer_probe probes[RV_MAX_CPUS];

static void probe_fire(void *data)
{
    struct timer_probe *p = data;
    p->fired_at = now_ns();
    p->fired_on = smp_processor_id();
    __atomic_store_n(&p->fired, 1, __ATOMIC_RELEASE);
}

static void arm_probe(void *arg)
{
    unsigned c = smp_processor_id();
    struct timer_probe *p = &probes[c];
    timer_init(&p->t, probe_fire, p, c);
    p->fired = 0;
    /* Staggered 2-9 ms deadlines so queues see different orders. */
    p->deadline = now_ns() + 2000000ull + (c % 8) * 1000000ull;
    timer_set(&p->t, p->deadline);
}

SELFTEST(timers_every_cpu)
{
    int rc = on_each_cpu(arm_probe, NULL);
    ST_CHECK(rc == 0, "cross-CPU call failed (%d)", rc);
    /* Generous: emulated CPUs on a loaded host are slow, but a timer that
     * never fires in 5 s is broken. */
    uint64_t give_up = now_ns() + 5000000000ull;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online)
            continue;
        /* This CPU's own timer fires only where softirqs run (softirq.h). */
        while (!__atomic_load_n(&probes[c].fired, __ATOMIC_ACQUIRE) && now_ns() < give_up)
            do_softirq();
        ST_CHECK(probes[c].fired, "timer on CPU %u never fired", c);
        ST_CHECK(probes[c].fired_on == c, "timer of CPU %u ran on CPU %u", c, probes[c].fired_on);
        ST_CHECK(probes[c].fired_at >= probes[c].deadline, "timer on CPU %u fired %lu ns early", c,
                 (unsigned long)(probes[c].deadline - probes[c].fired_at));
    }

    /* A stopped timer must not fire. */
    struct timer_probe *p = &probes[0];
    timer_init(&p->t, probe_fire, p, smp_processor_id());
    p->fired = 0;
    timer_set(&p->t, now_ns() + 1000000ull);
    timer_stop(&p->t);
    uint64_t until = now_ns() + 5000000ull;
    while (now_ns() < until)
        do_softirq();       /* give it every chance to fire */
    ST_CHECK(!p->fired, "a stopped timer fired");
    return 0;
}

/* ---- softirqs raised from another CPU ---- */

static unsigned softirq_hits[RV_MAX_CPUS];

static void test_softirq(void)
{
    __atomic_add_fetch(&softirq_hits[smp_processor_id()], 1, __ATOMIC_SEQ_CST);
}

SELFTEST(remote_softirq)
{
    open_softirq(SOFTIRQ_TEST, test_softirq);
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        softirq_hits[c] = 0;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && percpu_of[c]->online && c != smp_processor_id())
            cpu_raise_softirq(c, SOFTIRQ_TEST);
    uint64_t give_up = now_ns() + 2000000000ull;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online || c == smp_processor_id())
            continue;
        while (!__atomic_load_n(&softirq_hits[c], __ATOMIC_ACQUIRE) && now_ns() < give_up)
            cpu_relax();
        ST_CHECK(softirq_hits[c] == 1, "CPU %u ran the softirq %u times", c, softirq_hits[c]);
    }
    return 0;
}

/* A softirq pending when an interrupt arrives must wait for do_softirq():
 * run on the way out of the interrupt it could take a lock the interrupted
 * code holds (softirq.h).  A self-IPI stands for any interrupt. */
SELFTEST(softirq_not_on_interrupt_return)
{
    struct percpu *me = this_cpu();

    open_softirq(SOFTIRQ_TEST, test_softirq);
    softirq_hits[me->cpu] = 0;
    raise_softirq(SOFTIRQ_TEST);
    uint64_t ipis = __atomic_load_n(&me->nr_ipis, __ATOMIC_ACQUIRE);
    apic_send_ipi(me->apic_id, VEC_EVENT_CHECK);
    uint64_t give_up = now_ns() + 2000000000ull;
    while (__atomic_load_n(&me->nr_ipis, __ATOMIC_ACQUIRE) == ipis && now_ns() < give_up)
        cpu_relax();
    ST_CHECK(me->nr_ipis != ipis, "the self-IPI never arrived");
    ST_CHECK(softirq_hits[me->cpu] == 0, "the softirq ran on the way out of the interrupt");
    do_softirq();
    ST_CHECK(softirq_hits[me->cpu] == 1, "do_softirq() ran the pending softirq %u times",
             softirq_hits[me->cpu]);
    return 0;
}

/* ---- pause and unpause a running domain ---- */

#include "core/domain.h"
#include "core/sched.h"

SELFTEST(domain_pause_unpause)
{
    struct domain *d = domain_get_running();

    if (!d)
        ST_SKIP("no domain is running (boot some domain files with the self-tests)");
    int rc = domain_pause(d);
    uint64_t before[MAX_VCPUS];
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        before[i] = READ_ONCE(d->vcpus[i]->runtime_ns);
    /* 100 ms paused: no vCPU may run or gain run time. */
    uint64_t until = now_ns() + 100000000ull;
    bool ran = false;
    while (now_ns() < until)
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            ran |= sched_vcpu_running(d->vcpus[i]);
    bool gained = false;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        gained |= READ_ONCE(d->vcpus[i]->runtime_ns) != before[i];
    domain_unpause(d);
    /* And once unpaused it runs again (unless it finished meanwhile). */
    bool resumed = false;
    until = now_ns() + 2000000000ull;
    while (!resumed && now_ns() < until && __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_RUNNING)
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            resumed |= READ_ONCE(d->vcpus[i]->runtime_ns) != before[i];
    bool stopped = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING;
    char name[DOMAIN_NAME_MAX];
    memcpy(name, d->name, sizeof(name));
    domain_put_running(d);
    ST_CHECK(rc == 0, "domain %s did not leave its CPUs within 5 s of the pause (%d)", name, rc);
    ST_CHECK(!ran && !gained, "paused domain %s kept running", name);
    ST_CHECK(resumed || stopped, "domain %s did not run again within 2 s of the unpause", name);
    return 0;
}

/* memset/memcpy/memmove take 8-byte strings for long aligned runs and bytes
 * for the rest (lib/string.c): every length around the switch, every
 * alignment, overlapping moves both ways, guard bytes untouched; and pages
 * from the allocator come zeroed (mm.c zero_pages). */
static uint8_t st_ref_byte(unsigned i)
{
    return (uint8_t)(i * 7 + 3);
}

SELFTEST(string_ops)
{
    static uint8_t a[320], b[320];

    for (unsigned n = 0; n <= 200; n += (n < 80 ? 1 : 13))
        for (unsigned off = 0; off < 10; off++)
            for (unsigned soff = 0; soff < 10; soff += 3) {
                for (unsigned i = 0; i < sizeof(a); i++)
                    a[i] = st_ref_byte(i), b[i] = (uint8_t)~st_ref_byte(i);
                memset(a + off, 0xa5, n);
                for (unsigned i = 0; i < sizeof(a); i++)
                    ST_CHECK(a[i] == (i >= off && i < off + n ? 0xa5 : st_ref_byte(i)),
                             "memset(+%u, 0xa5, %u): byte %u is %#x", off, n, i, a[i]);
                memcpy(a + off, b + soff, n);
                for (unsigned i = 0; i < sizeof(a); i++)
                    ST_CHECK(a[i] == (i >= off && i < off + n ? b[i - off + soff] : st_ref_byte(i)),
                             "memcpy(+%u, +%u, %u): byte %u is %#x", off, soff, n, i, a[i]);
                /* Overlapping, dst below and above src. */
                for (unsigned i = 0; i < sizeof(a); i++)
                    a[i] = st_ref_byte(i);
                memmove(a + off, a + off + soff + 1, n);
                for (unsigned i = 0; i < sizeof(a); i++)
                    ST_CHECK(a[i] == (i >= off && i < off + n ? st_ref_byte(i + soff + 1) : st_ref_byte(i)),
                             "memmove(+%u, +%u, %u) down: byte %u is %#x", off, off + soff + 1, n, i, a[i]);
                for (unsigned i = 0; i < sizeof(a); i++)
                    a[i] = st_ref_byte(i);
                memmove(a + off + soff + 1, a + off, n);
                for (unsigned i = 0; i < sizeof(a); i++)
                    ST_CHECK(a[i] == (i >= off + soff + 1 && i < off + soff + 1 + n ? st_ref_byte(i - soff - 1)
                                                                                   : st_ref_byte(i)),
                             "memmove(+%u, +%u, %u) up: byte %u is %#x", off + soff + 1, off, n, i, a[i]);
            }
    for (unsigned order = 0; order <= 2; order++) {
        uint64_t *p = alloc_pages(order, DOMID_XEN);
        ST_CHECK(p, "alloc_pages(%u) failed", order);
        bool zero = true;
        for (unsigned i = 0; i < (512u << order); i++)
            zero &= p[i] == 0;
        memset(p, 0x5a, 4096u << order);    /* dirty for the next taker */
        free_pages(p, order);
        ST_CHECK(zero, "alloc_pages(%u) gave a page that was not zeroed", order);
    }
    return 0;
}
