/*
 * What a 64-bit PV kernel (ring 3) cannot do itself and the hypervisor does
 * for it, as Xen does (docs/pv.md "Privileged instructions" and "The
 * writable-page-table assist"):
 *  - writes to its own validated page tables through read-only mappings,
 *    checked like mmu_update and performed (VMASST_TYPE_writable_pagetables);
 *  - privileged instructions that fault (#GP, and #UD for Xen's forced
 *    CPUID): CPUID, RDMSR/WRMSR, I/O ports, MOV CR/DR, CLTS, WBINVD/INVD,
 *    CLI/STI;
 *  - the hypercalls set_debugreg, get_debugreg, vm_assist and physdev_op.
 */
#ifndef RV_PV_PV_EMUL_H
#define RV_PV_PV_EMUL_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Per vCPU (in struct pv_vcpu); (r) as there. */
struct pv_emul_vcpu {
    uint64_t dr[4], dr6, dr7;   /* the guest's debug registers (set_debugreg / MOV DR) */
    bool dr_live;               /* DR0-3/DR7 are loaded in this CPU's registers for the stint */
    uint64_t host_dr[4];        /* while dr_live: the CPU's DR0-3 before, put back at unload */
    uint64_t host_dr6;          /* the CPU's DR6 at the stint's start, put back at its end */
    uint64_t db_pending;        /* DR6 bits of #DBs taken in ring 0 for this vCPU, not yet delivered (pv_dbg.c) */
    uint64_t nr_db_ring0;       /* such #DBs delivered to the guest */
    uint8_t iopl;               /* PHYSDEVOP_set_iopl: 0..3; the kernel counts as ring 1 */
    uint64_t nr_priv, nr_ptwr, nr_ptwr_refused, nr_ptwr_restarts;
    /* PHYSDEVOP_set_iobitmap (pv_emul_ext.c): the bitmap's guest virtual
     * address and its port count (0: none). */
    uint64_t iobmp;
    uint32_t iobmp_ports;
    uint64_t nr_invlpg;         /* INVLPGs emulated (pv_emul_ext.c) */
};

/* Per domain (in struct pv_domain). */
struct pv_emul_domain {
    uint64_t vm_assist;         /* VMASST_TYPE_* bits enabled (vm_assist) */
};

/* VMASST (public/xen.h). */
#define VMASST_CMD_enable                   0
#define VMASST_CMD_disable                  1
#define VMASST_TYPE_4gb_segments            0
#define VMASST_TYPE_4gb_segments_notify     1
#define VMASST_TYPE_writable_pagetables     2
#define VMASST_TYPE_pae_extended_cr3        3
#define VMASST_TYPE_architectural_iopl      4
#define VMASST_TYPE_runstate_update_flag    5
#define VMASST_TYPE_m2p_strict              32
/* The types Xen accepts from a 64-bit PV guest (enable and disable). */
#define PV_VMASST_XEN ((1ull << VMASST_TYPE_4gb_segments) | (1ull << VMASST_TYPE_4gb_segments_notify) | \
                         (1ull << VMASST_TYPE_writable_pagetables) | (1ull << VMASST_TYPE_pae_extended_cr3) | \
                         (1ull << VMASST_TYPE_architectural_iopl) | (1ull << VMASST_TYPE_runstate_update_flag) | \
                         (1ull << VMASST_TYPE_m2p_strict))
/* Those accepted here: Xen's less architectural_iopl, whose meaning (the
 * virtual IOPL taken from the guest's RFLAGS) is not built yet: a guest
 * that asks gets -EINVAL.  runstate_update_flag: XEN_RUNSTATE_UPDATE while
 * the runstate area is written (pv_vtime.c). */
#define PV_VMASST_VALID (PV_VMASST_XEN & ~(1ull << VMASST_TYPE_architectural_iopl))

/* pv_emul_ext.c: PHYSDEVOP_set_iobitmap (0 / -EFAULT / -EINVAL); whether
 * v's bitmap allows 'size' ports from 'port'; INVLPG of the operand of
 * the decoded instruction 'in' (struct pv_insn, pv_insn.h). */
struct pv_insn;
long pv_set_iobitmap(struct vcpu *v, uint64_t arg);
bool pv_iobmp_allows(struct vcpu *v, unsigned port, unsigned size);
void pv_emul_invlpg(struct vcpu *v, const struct pv_insn *in);

/* PHYSDEVOP (public/physdev.h). */
#define PHYSDEVOP_set_iopl      6
#define PHYSDEVOP_set_iobitmap  7
struct physdev_set_iopl { uint32_t iopl; };

/*
 * An exception from the guest (vector *vec, error code *err), before it is
 * bounced: 1 if the hypervisor dealt with it (emulated, RIP moved on; or
 * left on the instruction to run it again), 0 if it is to be bounced as
 * *vec / *err say (possibly another exception than the one raised, with
 * v's saved CR2 set for a #PF).
 */
int pv_emul_exception(struct vcpu *v, unsigned *vec, uint64_t *err);

/* Around each stint of v on this CPU (pv_vcpu_run): the guest's debug
 * registers in, the hypervisor's (DR7 off) back. */
void pv_emul_stint_begin(struct vcpu *v);
void pv_emul_stint_end(struct vcpu *v);

/* #DBs the hypervisor took in ring 0 for this vCPU (pv_dbg.c, docs/pv.md
 * "Debug registers and #DB").  pv_dbg_after_exit, right after each exit
 * with interrupts off: this CPU's pending DR6 bits become v's.
 * pv_dbg_due: some wait.  pv_dbg_deliver (interrupts on): they go to the
 * virtual DR6 and a #DB is bounced to the guest's handler; false if that
 * crashed the domain (no handler, unwritable stack). */
void pv_dbg_after_exit(struct vcpu *v);
bool pv_dbg_due(struct vcpu *v);
bool pv_dbg_deliver(struct vcpu *v);
/* The stint begins: pending bits left on this CPU by nobody's stint are
 * not this vCPU's and are dropped. */
void pv_dbg_stint_begin(void);

/* The hypercalls set_debugreg, get_debugreg, vm_assist, physdev_op and
 * XENVER_get_features' PV submap live here too; they are declared in
 * core/hypercall.h, where the core's table (which must not include pv/)
 * finds them. */
#include "core/hypercall.h"

/* The CPUID a PV guest sees (the HVM policy with Xen's PV masking). */
void pv_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* Checks of set_debugreg, pure (the unit test uses them): 0 and the value
 * as stored, or -EPERM / -EINVAL. */
long pv_dr_check(unsigned reg, uint64_t value, uint64_t *stored);

#endif
