/*
 * pv_bench: figures for rv-bench (tools/rvlib/pvbench.py), never asserted.
 * A 64-bit PV kernel (entry and handlers: pv_entry.S, as pv_hello) that
 * prints, on the console (console_io):
 *   "pv bench: hypercall round trip: N ns (T TSC ticks)"
 *       the median of ROUNDS xen_version(XENVER_version) calls through
 *       SYSCALL, each timed with RDTSC; ticks to ns with the pvclock
 *       record (tsc_to_system_mul, tsc_shift) the hypervisor writes into
 *       a vcpu_time_info of ours (VCPUOP_register_vcpu_time_memory_area);
 *   "pv bench: mmu_update: N entries/s in 1000-entry batches"
 *       BATCHES mmu_update calls, each rewriting the 1,000 entries
 *       0..999 of an L1 of its own (pinned with MMUEXT_PIN_L1_TABLE,
 *       not hooked into the live tree) between a read-only and a writable
 *       mapping of a data frame, so every entry really changes.
 * Uses pv_lib (an unexpected exception prints its FAIL line and crashes
 * the domain).  Powers off when both
 * figures were measured; crashes (with the reason) when a hypercall the
 * figures depend on fails, so a broken run cannot print a figure.
 */
#include "pv_lib.h"
#include "public/vcpu.h"
#include "public/version.h"

void unexpected_0(void), unexpected_6(void);     /* pv_entry.S */

#define MMU_NORMAL_PT_UPDATE    0
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_UNPIN_TABLE      4
#define MMUEXT_CLEAR_PAGE       16

#define PTE_RW  0x67ull     /* P RW US A D */
#define PTE_RO  0x65ull     /* P US A D */

#define ROUNDS  10000       /* hypercall round trips, median taken */
#define NENT    1000        /* entries per mmu_update batch */
#define BATCHES 100

/* A decimal number into the current output line (pv_lib's put). */
static void put_dec(uint64_t v)
{
    char b[21];
    int n = 20;
    b[20] = 0;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(b + n);
}

/* A figure would be meaningless: say why and crash. */
static void fail(const char *what, long rc)
{
    put("pv bench: FAIL ");
    put(what);
    put(" rc -");
    put_dec((uint64_t)-rc);
    flush();
    shutdown(SHUTDOWN_crash);
    for (;;)
        ;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    /* LFENCE: the read waits for the instructions before it. */
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return (uint64_t)hi << 32 | lo;
}

/* The pvclock record the hypervisor writes here (scale only is used). */
static struct vcpu_time_info ta;

/* TSC ticks to ns with the record's scale: (d << shift) * mul >> 32. */
static uint64_t ticks_to_ns(uint64_t d)
{
    int8_t s = ta.tsc_shift;
    if (s >= 0)
        d <<= s;
    else
        d >>= -s;
    return (uint64_t)(((unsigned __int128)d * ta.tsc_to_system_mul) >> 32);
}

static uint64_t samples[ROUNDS];

/* Shell sort: 10,000 samples, no library. */
static void sort(uint64_t *a, unsigned n)
{
    for (unsigned gap = n / 2; gap; gap /= 2)
        for (unsigned i = gap; i < n; i++) {
            uint64_t v = a[i];
            unsigned j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

static void bench_hypercall(void)
{
    long rc = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        rc |= hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
        samples[i] = rdtsc() - t0;
    }
    /* XENVER_version returns (major << 16) | minor: never negative. */
    if (rc < 0)
        fail("xen_version", rc);
    sort(samples, ROUNDS);
    uint64_t med = samples[ROUNDS / 2];
    put("pv bench: hypercall round trip: ");
    put_dec(ticks_to_ns(med));
    put(" ns (");
    put_dec(med);
    put(" TSC ticks)");
    flush();
}

static struct mmu_update batch[NENT];

static void bench_mmu_update(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages;
    /* Two frames at the top of RAM, far beyond the builder's region. */
    uint64_t l1 = p2m[n - 1], data = p2m[n - 2];
    struct mmuext_op op = { MMUEXT_CLEAR_PAGE, 0, l1, 0 };
    long rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    if (rc)
        fail("clear-page", rc);
    op = (struct mmuext_op){ MMUEXT_PIN_L1_TABLE, 0, l1, 0 };
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    if (rc)
        fail("pin-l1", rc);
    for (unsigned i = 0; i < NENT; i++)
        batch[i].ptr = l1 << 12 | i * 8 | MMU_NORMAL_PT_UPDATE;

    uint64_t ticks = 0;
    for (unsigned r = 0; r < BATCHES; r++) {
        uint64_t val = data << 12 | ((r & 1) ? PTE_RW : PTE_RO);
        for (unsigned i = 0; i < NENT; i++)
            batch[i].val = val;
        uint32_t done = 0;
        uint64_t t0 = rdtsc();
        rc = hc(__HYPERVISOR_mmu_update, (uint64_t)batch, NENT, (uint64_t)&done, DOMID_SELF);
        ticks += rdtsc() - t0;
        if (rc || done != NENT)
            fail("mmu_update batch", rc ? rc : -1);
    }
    uint64_t ns = ticks_to_ns(ticks);
    put("pv bench: mmu_update: ");
    put_dec((uint64_t)NENT * BATCHES * 1000000000ull / (ns | 1));
    put(" entries/s in 1000-entry batches (");
    put_dec(BATCHES);
    put(" batches in ");
    put_dec(ns / 1000);
    put(" us)");
    flush();
    /* Leave the frame a plain page again (teardown does not need it). */
    for (unsigned i = 0; i < NENT; i++)
        batch[i].val = 0;
    hc(__HYPERVISOR_mmu_update, (uint64_t)batch, NENT, 0, DOMID_SELF);
    op = (struct mmuext_op){ MMUEXT_UNPIN_TABLE, 0, l1, 0 };
    hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 0, 0, 0, 0 },     /* #GP, #PF: no handler, the hypervisor crashes the domain with its line */
    };
    long rc = hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0);
    if (rc)
        fail("set_trap_table", rc);
    struct vcpu_register_time_memory_area a = { .addr = (uint64_t)&ta };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    if (rc)
        fail("register_vcpu_time_memory_area", rc);
    if (!ta.tsc_to_system_mul)
        fail("pvclock record not written", -1);
    put("pv bench: TSC ");
    /* ticks per second = 10^9 * 2^32 / mul, scaled back by the shift */
    uint64_t hz = (uint64_t)((1000000000ull << 32) / ta.tsc_to_system_mul);
    put_dec(ta.tsc_shift >= 0 ? hz >> ta.tsc_shift : hz << -ta.tsc_shift);
    put(" Hz from the pvclock record");
    flush();
    bench_hypercall();
    bench_mmu_update(si);
    shutdown(SHUTDOWN_poweroff);
    for (;;)
        ;
}
