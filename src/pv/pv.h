/*
 * 64-bit PV domains (docs/pv.md): the builder (pv_build.c), the kind
 * (pv_kind.c) and the ring-3 vCPU (pv_vcpu.c, entry.S).
 *
 * Legend as core/domain.h: (i) set at build, read-only after; (r) touched
 * only by the CPU running the vCPU.
 */
#ifndef RV_PV_PV_H
#define RV_PV_PV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/traps.h"     /* struct cpu_regs: the guest's registers */
#include "mm/pgtype.h"
#include "pv/pv_image.h"
#include "pv/mm_hcall.h"
#include "pv/pv_emul.h"
#include "public/arch-x86_64.h"

struct domain;
struct vcpu;

/* Pseudo-vectors of an exit by SYSCALL (entry.S). */
#define PV_VEC_SYSCALL      0x100
#define PV_VEC_SYSCALL32    0x101

/* What the builder leaves for vCPU 0 and for teardown. */
struct pv_domain {
    struct pv_image img;        /* (i) */
    struct pgt_env env;         /* (i) frame-type validation for this domain (mm/pgtype.h) */
    uint64_t nr_pages;          /* (i) */
    uint64_t *p2m;              /* (i) pfn -> mfn, the hypervisor's copy of the list the guest gets */
    unsigned p2m_order;         /* (i) pages of p2m, as a buddy order */
    uint64_t l4_mfn;            /* (i) the bootstrap L4 */
    bool l4_pinned;             /* (i) the builder's pin is held (dropped by pgt_relinquish) */
    uint64_t entry, stack_top, start_info_va;  /* (i) vCPU 0's RIP, RSP, RSI */
    /* The layout as built, in pfns (docs/pv.md "Builder layout"). */
    uint64_t pfn_kernel, pfn_p2m, pfn_start_info, pfn_store, pfn_console, pfn_pt, nr_pt, pfn_stack, pfn_end;
    /* Privileged-instruction emulation and the writable-page-table assist
     * (pv_emul.c): the vm_assist bits. */
    struct pv_emul_domain emul;
};

struct pv_vcpu {
    struct cpu_regs ctx;        /* (r) the guest's registers; vector/error_code: the last exit */
    /* (r) base pointers (mmu.base: the L4 in CR3, one general and one type
     * reference as pgt_get_top takes them; 0 none), GDT frames, LDT: the
     * MMU hypercalls' vCPU state (pv/mm_hcall.h). */
    struct pv_mmu_vcpu mmu;
    unsigned mmu_checks;        /* (r) preemption checks in the current MMU hypercall; 0: none running */
    uint64_t nr_mmu_calls, nr_restarts;             /* (r) MMU hypercalls; continuations of them */
    uint64_t cr2;               /* (r) at the last #PF exit */
    uint64_t fs_base, gs_base;  /* (r) kept across stints (other kinds' vCPUs change the MSRs) */
    bool online;                /* (r) vCPU 0 at build; others once brought up (later) */
    struct trap_info traps[256];/* (r) set_trap_table; address 0 = none */
    uint64_t event_cb, failsafe_cb, syscall_cb;     /* (r) set_callbacks / callback_op; 0 = none */
    uint64_t syscall32_cb, sysenter_cb;             /* (r) callback_op; recorded, not used yet */
    uint16_t callback_flags[8];                     /* (r) CALLBACKF_* by CALLBACKTYPE_* */
    uint64_t nr_exits, nr_hypercalls, nr_bounces, nr_irqs, nr_upcalls;     /* (r) */
    /* Privileged-instruction emulation and the writable-page-table assist
     * (pv_emul.c): debug registers, IOPL, virtual TS, counters. */
    struct pv_emul_vcpu emul;   /* (r) */
};

/* Builder (pv_build.c): RAM, kernel, page tables, start_info, the L4 pin. */
int pv_build(struct domain *d, char *err, size_t errlen);
/* The frame-type environment of the hypervisor for domain d (pv_kind.c). */
void pv_env_init(struct domain *d, struct pgt_env *e);

/* vCPU (pv_vcpu.c). */
void pv_vcpu_run(struct vcpu *v);
void pv_vcpu_init_boot(struct vcpu *v);
/* Guest-virtual memory of v's current page tables, as its kernel sees it:
 * present and user (the kernel runs in ring 3) at every level, writable at
 * every level for to_guest; never the hypervisor's range.  0 or -EFAULT. */
int pv_copy_guest(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest);
int pv_gva_to_maddr(struct vcpu *v, uint64_t gva, bool write, uint64_t *maddr);

/* MMU hypercalls (pv_mmu_env.c): true if nr is one of them; *ret its
 * result, or -ERESTART with the continuation already in v's registers
 * (RIP back over the SYSCALL, RAX = nr, RDI/RSI/RDX/R10 rewritten). */
bool pv_mmu_hypercall(struct vcpu *v, uint64_t nr, long *ret);
/* The writable-page-table assist (pv_emul.c): entry idx of v's domain's
 * validated table mfn becomes val, as mmu_update's normal update (checked
 * by pgt_mod_entry, preemptible, stale TLBs flushed).  0, -EINVAL, or
 * -ERESTART (the same write again continues). */
int pv_mmu_mod_entry(struct vcpu *v, uint64_t mfn, unsigned idx, uint64_t val);
/* vCPU teardown: drops the base pointers and GDT frames of v. */
void pv_mmu_teardown(struct vcpu *v);
/* TLB shootdown: CR3 reloaded on every CPU in cpus (a cross-CPU call), or
 * on every CPU the domain's vCPUs ran on and this one.  Interrupts on. */
void pv_flush_cpus(struct domain *d, uint64_t cpus);
void pv_flush_domain(struct domain *d);

/* entry.S */
void pv_enter(struct cpu_regs *ctx);

static inline bool pv_canonical(uint64_t va)
{
    return (uint64_t)(((int64_t)va << 16) >> 16) == va;
}

#endif
