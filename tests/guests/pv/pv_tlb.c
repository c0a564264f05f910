/*
 * pv_tlb: the TLB-flush invariant of the MMU hypercalls with two vCPUs
 * (docs/pv.md "TLB flushes", pv/pv_tlb.c): once a call that changed or
 * removed a present entry returns, no CPU may use the old translation,
 * even when the guest asked for no flush (flags 0).  The hypervisor
 * flushes only the CPUs in the domain's dirty mask; this kernel checks
 * that the CPU running vCPU 1 is always among them.
 *
 * A tree of its own at L4 slot 5 (frames at the top of its RAM): L1 entry
 * 0 (VA_T) maps data frame D0 or D1 read-only, entries 1 and 2 map D0 and
 * D1 writable.  vCPU 1 reads VA_T in a loop (try_read: a fault is
 * recorded).  For round r = 1..ROUNDS vCPU 0 writes r into the frame not
 * mapped at VA_T, points entry 0 at it (mmu_update and update_va_mapping
 * without flush flags, alternately), then publishes r.  vCPU 1 reads the
 * published round p, then VA_T: a value below p is the old frame through
 * a stale translation.  Last, vCPU 0 clears entry 0 (flags 0) and
 * publishes that: vCPU 1's next read must fault.  vCPU 0 waits for vCPU
 * 1's acknowledgement of each round spinning (so that both run at once
 * on the two CPUs when they can), yielding after a while.
 */
#include "pv_lib.h"
#include "public/vcpu.h"

void pf_handler(void), unexpected_0(void), unexpected_6(void);

#define MMU_NORMAL_PT_UPDATE    0
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define MMUEXT_CLEAR_PAGE       16

#define PTE_TABLE   0x67ull     /* P RW US A D */
#define PTE_RO      0x65ull     /* P US A D */
#define SLOT_T      5ull
#define VA_T        (SLOT_T << 39)
#define VA_W0       (VA_T + 0x1000)     /* D0 writable */
#define VA_W1       (VA_T + 0x2000)     /* D1 writable */
#define ROUNDS      400
#define UNMAPPED    (ROUNDS + 1)

static volatile uint64_t published, ack, stop;
static volatile uint64_t stale_count, stale_p, stale_v, early_faults, reads;
static volatile uint64_t unmap_seen, unmap_faulted;
static volatile uint64_t ap_ran;

static struct vcpu_guest_context ctx;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static struct trap_info traps[] = {
    { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
    { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
    { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
    { 0, 0, 0, 0 },
};

void ap_main(void);
void ap_main(void)
{
    __atomic_store_n(&ap_ran, 1, __ATOMIC_RELEASE);
    /* Only this vCPU uses try_read (pf_resume and pf_count are global). */
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        uint64_t p = __atomic_load_n(&published, __ATOMIC_ACQUIRE), v;
        int ok = try_read(VA_T, &v);
        reads++;
        if (p == UNMAPPED) {
            unmap_seen = 1;
            unmap_faulted = !ok;
            __atomic_store_n(&ack, p, __ATOMIC_RELEASE);
            break;
        }
        if (!ok) {
            early_faults++;
        } else if (v < p) {
            if (!stale_count) {
                stale_p = p;
                stale_v = v;
            }
            stale_count++;
        }
        __atomic_store_n(&ack, p, __ATOMIC_RELEASE);
    }
    for (;;)
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
}

/* Waits until vCPU 1 has acknowledged round r: spinning first, then
 * yielding (both vCPUs may share a CPU).  Returns 1 if it came while
 * spinning. */
static int wait_ack(uint64_t r)
{
    for (unsigned i = 0; i < 200000; i++) {
        if (__atomic_load_n(&ack, __ATOMIC_ACQUIRE) >= r)
            return 1;
        __asm__ __volatile__("pause");
    }
    for (unsigned i = 0; i < 100000 && __atomic_load_n(&ack, __ATOMIC_ACQUIRE) < r; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    return 0;
}

void pv_main(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages;
    long rc;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);

    /* L1, L2, L3 and two data frames from the top of RAM. */
    uint64_t L1 = p2m[n - 1], L2 = p2m[n - 2], L3 = p2m[n - 3], D0 = p2m[n - 4], D1 = p2m[n - 5];
    uint64_t L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    struct mmuext_op clr[5];
    const uint64_t fr[5] = { L1, L2, L3, D0, D1 };
    for (int i = 0; i < 5; i++)
        clr[i] = (struct mmuext_op){ MMUEXT_CLEAR_PAGE, 0, fr[i], 0 };
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)clr, 5, 0, DOMID_SELF);
    rc |= mmu1(L3 << 12, L2 << 12 | PTE_TABLE);
    rc |= mmu1(L2 << 12, L1 << 12 | PTE_TABLE);
    rc |= mmu1(L1 << 12, D0 << 12 | PTE_RO);
    rc |= mmu1(L1 << 12 | 8, D0 << 12 | PTE_TABLE);
    rc |= mmu1(L1 << 12 | 16, D1 << 12 | PTE_TABLE);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, L1, 0);
    rc |= ext1(MMUEXT_PIN_L2_TABLE, L2, 0);
    rc |= ext1(MMUEXT_PIN_L3_TABLE, L3, 0);
    rc |= mmu1(L4 << 12 | SLOT_T * 8, L3 << 12 | PTE_TABLE);
    check(rc == 0, "tree-built", "rc", (uint64_t)rc, 0);
    *(volatile uint64_t *)VA_W0 = 0;
    check(*(volatile uint64_t *)VA_T == 0, "tree-readable", "value", *(volatile uint64_t *)VA_T, 0);

    /* vCPU 1 on the same L4, the same trap table. */
    ctx.flags = VGCF_in_kernel;
    ctx.user_regs.rip = (uint64_t)ap_main;
    ctx.user_regs.rsp = (uint64_t)(ap_stack + sizeof(ap_stack)) - 8;
    ctx.user_regs.cs = FLAT_KERNEL_CS;
    ctx.user_regs.ss = FLAT_KERNEL_SS;
    ctx.user_regs.rflags = 0x200;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = ctx.user_regs.rsp;
    ctx.ctrlreg[3] = L4 << 12;
    for (int i = 0; traps[i].address; i++)
        ctx.trap_ctxt[traps[i].vector] = traps[i];
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uint64_t)&ctx, 0);
    rc |= hc(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0, 0);
    check(rc == 0, "vcpu1-up", "rc", (uint64_t)rc, 0);
    for (unsigned i = 0; i < 1000000 && !__atomic_load_n(&ap_ran, __ATOMIC_ACQUIRE); i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(ap_ran == 1, "vcpu1-ran", "ran", ap_ran, 1);

    uint64_t concurrent = 0, lost = 0;
    rc = 0;
    for (uint64_t r = 1; r <= ROUNDS && !rc; r++) {
        uint64_t f = r & 1 ? D1 : D0;
        *(volatile uint64_t *)(r & 1 ? VA_W1 : VA_W0) = r;
        if (r & 2) {
            rc = mmu1(L1 << 12, f << 12 | PTE_RO);
        } else {
            rc = hc(__HYPERVISOR_update_va_mapping, VA_T, f << 12 | PTE_RO, 0, 0);
        }
        __atomic_store_n(&published, r, __ATOMIC_RELEASE);
        if (wait_ack(r))
            concurrent++;
        else if (__atomic_load_n(&ack, __ATOMIC_ACQUIRE) < r)
            lost++;
    }
    check(rc == 0 && lost == 0, "remap-rounds", "rc/lost", (uint64_t)rc, lost);
    check(stale_count == 0, "no-stale-read-after-remap", "stale reads", stale_count, 0);
    if (stale_count) {
        put("first stale read: published ");
        put_hex(stale_p);
        put(", read ");
        put_hex(stale_v);
        flush();
    }
    check(early_faults == 0, "no-fault-while-mapped", "faults", early_faults, 0);

    /* The unmap, flags 0: vCPU 1's next read after the call faults. */
    rc = hc(__HYPERVISOR_update_va_mapping, VA_T, 0, 0, 0);
    __atomic_store_n(&published, UNMAPPED, __ATOMIC_RELEASE);
    wait_ack(UNMAPPED);
    check(rc == 0 && unmap_seen, "unmap-seen", "rc/seen", (uint64_t)rc, unmap_seen);
    check(unmap_faulted == 1, "read-after-unmap-faults", "faulted", unmap_faulted, 1);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);

    put("rounds with both vCPUs running at once: ");
    put_hex(concurrent);
    put(" of ");
    put_hex(ROUNDS);
    put("; vCPU 1 reads: ");
    put_hex(reads);
    flush();
    pv_finish();
}
