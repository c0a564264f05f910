/*
 * PV user mode (docs/pv.md "User mode"): a 64-bit PV kernel and its user
 * space both run in ring 3, so the vCPU itself records which one runs
 * (Xen's kernel-mode flag) and switches page tables, GS bases and stacks
 * when the guest crosses between them: `iret` to a frame whose CS has RPL 3
 * enters user mode, every bounce (exception, INT n, SYSCALL, event upcall)
 * from user mode enters kernel mode on the stack from stack_switch.
 * Also: set_segment_base, stack_switch, fpu_taskswitch (lazy FPU).
 */
#ifndef RV_PV_PV_USER_H
#define RV_PV_PV_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;
struct pv_vcpu;

/* The L4 the vCPU runs on now: the user one in user mode. */
uint64_t pv_user_root(const struct pv_vcpu *pv);
/* Lowest privilege bits a trap-table entry needs for INT n: 1 from the
 * kernel, 3 from user mode (Xen: the gate's DPL against the guest's ring). */
unsigned pv_user_int_min_dpl(const struct vcpu *v);
bool pv_user_mode(const struct vcpu *v);
/* A bounce is about to be written: enters kernel mode if the vCPU was in
 * user mode.  *sp: where the frame goes below (the interrupted RSP in
 * kernel mode, stack_switch's in user mode); *cs: the CS slot of the frame
 * (RPL 0 tells the kernel it interrupted itself, RPL 3 user mode). */
void pv_user_bounce_enter(struct vcpu *v, uint64_t *sp, uint64_t *cs);
/* iret to a frame with selector cs: true if it may go on (entering user
 * mode for RPL 3), false after crashing the domain (no user page tables). */
bool pv_user_iret(struct vcpu *v, uint64_t cs);
/* iret with VGCF_in_syscall returns as SYSRET would (Xen leaves by
 * SYSRET then): RCX = the new RIP, R11 = the new RFLAGS, nothing of the
 * kernel's own RCX/R11 reaches user space. */
struct cpu_regs;
void pv_user_iret_syscall(struct cpu_regs *n, uint64_t flags);
/* iret to a frame *n (read from *ic) that IRETQ could not load (bad is
 * what frame_problem found): Xen's IRETQ would fault and hand the fault to
 * the guest, so the guest kernel gets a #GP with that frame as the
 * interrupted context (the mode switch of an RPL-3 CS done first, as
 * do_iret does).  Nothing is loaded in ring 0.  False: the domain crashed
 * (no #GP handler, the frame unwritable, no user page tables). */
struct iret_context;
bool pv_user_iret_fault(struct vcpu *v, const struct cpu_regs *n, const struct iret_context *ic, const char *bad);
/* SYSCALL from user mode: bounced to the syscall callback.  False: the
 * domain crashed. */
bool pv_user_syscall(struct vcpu *v);
/* #NM from the guest: true if it comes from fpu_taskswitch's TS (which the
 * delivery clears, as Xen does). */
bool pv_user_nm(struct vcpu *v);
/* Around each ring-3 stint of pv_enter: the guest's CR0.TS on the CPU only
 * while it runs, so the hypervisor's own FXSAVE/FXRSTOR never fault. */
void pv_user_before_enter(struct pv_vcpu *pv);
void pv_user_after_exit(struct pv_vcpu *pv);
/* Instruction bytes at gva as the guest executed them: through the user
 * page tables in user mode, the kernel's otherwise.  0 or -EFAULT. */
int pv_user_fetch(struct vcpu *v, void *buf, uint64_t gva, size_t len);
/* Its hypercalls (stack_switch, fpu_taskswitch, set_segment_base) are rows
 * of core/hypercall.c's table, declared in core/hypercall.h. */

/* pv_vcpu.c: a bounce to target with Xen's frame (false: the domain
 * crashed), and an exception through the trap table. */
bool pv_bounce_to(struct vcpu *v, uint64_t target, bool with_err, uint64_t err, bool mask_events, const char *what);
bool pv_bounce_exc(struct vcpu *v, unsigned vec, uint64_t err);

#endif
