/*
 * Per-kind distribution of the hypervisor's time per exit (xstats.c, read
 * by hvm/exit_stats.c;
 * docs/bench.md "Exit cost"): a small fixed histogram per exit kind, so
 * that a median, a 99th percentile and the worst single exit can be told
 * beside the mean, for HVM/PVH exits (#VMEXIT to the next VMRUN, hvm.c)
 * and for 64-bit PV guests' exits (SYSCALL, exceptions and interrupts from
 * ring 3 back to the next IRETQ into the guest, pv/pv_vcpu.c).
 *
 * Ownership: struct vcpu_xstats lives in struct vcpu and is written only
 * by that vCPU on the CPU it runs on (no lock, no atomics: an exit adds a
 * count, a sum and one bucket).  Debug key 'x' reads it from another CPU
 * while it changes: aligned loads, a line may be a few exits stale.
 *
 * Buckets: two per power of two of TSC ticks (the top bit and the one
 * below it), XSTAT_BUCKETS of them; longer exits share the last bucket
 * (the exact worst is kept apart).  A percentile is read from them with
 * linear interpolation inside its bucket: within +-25 % of the true value.
 * 32-bit counts: one kind wraps after 2^32 exits of one vCPU (a day at
 * 50,000 exits/s of that single kind).
 */
#ifndef RV_CORE_XSTATS_H
#define RV_CORE_XSTATS_H

#include <stdint.h>

#define XSTAT_BUCKETS 56        /* up to 2^28 ticks (~90 ms at 3 GHz) apart */

struct xstat_hist {
    uint64_t max;               /* ticks of the longest exit */
    uint32_t b[XSTAT_BUCKETS];
};

/* Kinds of exits of a 64-bit PV vCPU (pv_vcpu.c sets pv_kind while it
 * handles one). */
enum pv_exit_kind {
    PVX_HYPERCALL,      /* SYSCALL from the guest kernel (also per number in hc_cost) */
    PVX_USER_SYSCALL,   /* SYSCALL from guest user mode, bounced to the kernel's callback */
    PVX_USER32,         /* SYSCALL/SYSENTER from 32-bit user mode */
    PVX_INT_N,          /* INT n delivered through the trap table */
    PVX_EMUL_PRIV,      /* #GP: a privileged instruction emulated */
    PVX_EMUL_PF,        /* #PF: fixed up by the hypervisor (page-table write, ...) */
    PVX_EMUL_OTHER,     /* another exception the hypervisor dealt with itself */
    PVX_PF_BOUNCE,      /* #PF bounced to the guest's handler */
    PVX_GP_BOUNCE,      /* #GP bounced */
    PVX_OTHER_BOUNCE,   /* any other exception bounced */
    PVX_IRQ,            /* the hypervisor's own interrupt (or NMI/#MC) while the guest ran */
    PVX_PV32,           /* any exit of a 32-bit PV vCPU (pv32.c), not split further */
    PVX_NR
};

struct vcpu_xstats {
    struct xstat_hist hvm[24];              /* by enum hvm_exit_reason, beside vcpu.exit_cost */
    struct { uint64_t n, tsc, min; } pv[PVX_NR];   /* PV exits timed: count, ticks, fewest */
    struct xstat_hist pv_hist[PVX_NR];
    uint64_t pv_untimed;        /* PV exits after which the vCPU blocked (their time includes the wait) */
    uint8_t pv_kind;            /* enum pv_exit_kind of the exit being handled */
};

/* One exit of `ticks` into h: a bit scan and two adds. */
static inline void xstat_add(struct xstat_hist *h, uint64_t ticks)
{
    unsigned msb = ticks ? 63u - (unsigned)__builtin_clzll(ticks) : 0;
    unsigned i = msb ? 2 * msb + (unsigned)((ticks >> (msb - 1)) & 1) : 0;

    h->b[i < XSTAT_BUCKETS ? i : XSTAT_BUCKETS - 1]++;
    if (ticks > h->max)
        h->max = ticks;
}

/* The p-th percentile (0 < p <= 100) of n exits recorded in h, in ticks. */
uint64_t xstat_percentile(const struct xstat_hist *h, uint64_t n, unsigned p);

#endif
