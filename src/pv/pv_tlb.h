/*
 * TLB shootdowns of 64-bit PV domains and the counters that show where a
 * PV guest's exits and flushes go (docs/pv.md "TLB flushes" and
 * "Benchmark"; issue #14/#20).
 *
 * The domain's dirty CPU mask (struct pv_domain dirty_cpus): a CPU's bit
 * is set before it loads one of the domain's page-table bases (the start
 * of a vCPU's stint, pv_vcpu_run) and cleared after the stint has loaded
 * the hypervisor's CR3 again.  Guest entries are never global (pv_kind.c
 * strips G) and the hypervisor uses no PCIDs, so loading another CR3
 * drops every translation (and paging-structure cache entry) made through
 * the domain's tables: a CPU outside the mask holds none.  A flush
 * therefore interrupts only the other CPUs in the mask; a CPU that
 * enters the domain later walks the tables as they are then.
 *
 * Invariant: once an MMU hypercall (or a writable-page-table write) that
 * changed or dropped a present entry returns to the guest, no CPU can use
 * the old translation.  Order: the entry is written, a full fence, then
 * the mask is read; an entering CPU sets its bit with a locked operation
 * before it loads CR3.  Either the flusher sees the bit (and that CPU
 * flushes before the hypercall returns) or that CPU's CR3 load, and hence
 * every walk it makes, comes after the new entry.
 */
#ifndef RV_PV_PV_TLB_H
#define RV_PV_PV_TLB_H

#include <stdint.h>

struct vcpu;
struct pv_vcpu;

/* Per vCPU (in struct pv_vcpu).  (r) as there, except walks: (a), a
 * relaxed atomic add (another CPU may walk this vCPU's tables). */
struct pv_perf {
    uint64_t flush_local;       /* flushes that touched this CPU's TLB only (no cross-CPU call) */
    uint64_t flush_remote;      /* flushes that made a cross-CPU call */
    uint64_t flush_remote_cpus; /* other CPUs those calls interrupted, summed */
    uint64_t flush_spared;      /* flushes whose cross-CPU call the dirty mask spared: another CPU
                                   had run the domain (vcpu ran_on, the rule before) but held none
                                   of its translations */
    uint64_t walks;             /* software walks of the guest's tables (pv_gva_to_maddr) */
    /* Exits by kind: SYSCALL (hypercalls and user system calls), #PF,
     * #GP, other exceptions, the hypervisor's interrupts. */
    uint64_t exit_syscall, exit_pf, exit_gp, exit_exc, exit_irq;
    /* Privileged instructions emulated, by enum pv_insn_op (pv_insn.h). */
    uint64_t priv_op[32];
};

/* The stint of v on this CPU begins (before its CR3 is loaded) / ended
 * (after the hypervisor's CR3 is loaded again). */
void pv_tlb_stint_begin(struct vcpu *v);
void pv_tlb_stint_end(struct vcpu *v);
/* Flushes every translation of v's domain from this CPU and from every
 * other CPU that may hold one (a cross-CPU call to those only), counted
 * on v.  v runs on this CPU (its hypercall); interrupts on. */
void pv_tlb_flush(struct vcpu *v);
/* Counts the exit with this vector (pv_vcpu.c's pseudo-vectors included). */
void pv_tlb_count_exit(struct pv_vcpu *pv, uint64_t vec);
/* Counts one emulated privileged instruction (enum pv_insn_op). */
void pv_tlb_count_priv(struct pv_vcpu *pv, unsigned op);
/* One log line of v's counters (the end-of-run report, the 'd' key), and one of
 * the privileged instructions by kind if any was emulated. */
void pv_tlb_log(struct vcpu *v);

#endif
