/*
 * The hypercall table (ARCHITECTURE.md "One hypercall table").  Every
 * hypercall number has one handler, registered once in core/hypercall.c.
 * The entries (HVM/PVH: VMCALL/VMMCALL in hvm/hypercall.c; PV later:
 * SYSCALL from ring 3, int $0x82 from ring 1) only fetch the number and the
 * arguments by the caller's mode, check its privilege, and call
 * hypercall_call().  32-bit callers go through the compat translation layer
 * (core/compat/) in front of the same handlers.  docs/hypercalls.md.
 */
#ifndef RV_CORE_HYPERCALL_H
#define RV_CORE_HYPERCALL_H

#include "lib/compiler.h"
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define HYPERCALL_NR_ARGS 5

/*
 * Runs hypercall nr for v.  args[] are the five argument registers (64-bit
 * callers: rdi rsi rdx r10 r8; 32-bit: ebx ecx edx esi edi, zero-extended by
 * the entry).  compat: the caller runs in a 32-bit mode now (its structures
 * have the i386 layouts).  Returns the value for the caller's rax (a 32-bit
 * caller gets it truncated to eax by the entry); -ENOSYS for a number
 * without a handler.
 */
long hypercall_call(struct vcpu *v, uint64_t nr, const uint64_t args[HYPERCALL_NR_ARGS], bool compat);

/*
 * Handlers that live outside core/ (the kind that offers them implements
 * them; core/ includes no header of theirs).  Each kind's file includes this
 * header so that the compiler checks the definition against it.
 */
/* HVM and PVH (hvm/hvm_op.c). */
long hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg);
/* HYPERVISOR_dm_op(domid, nr_bufs, bufs): the ioreq-server calls of a
 * device model in the control domain on an HVM domain (hvm/ioreq.c). */
long dm_op(struct vcpu *v, uint64_t domid, uint64_t nr_bufs, uint64_t bufs);
/* CONSOLEIO_*: the domain's console line (hvm/hypercall.c: the vUART's). */
long console_io(struct vcpu *v, unsigned cmd, uint64_t count, uint64_t buf);
/* The version the hypervisor's CPUID leaves report (hvm/cpuid.c). */
uint32_t hvm_hypervisor_version(void);

/* 64-bit PV only (pv/pv_vcpu.c); -ENOSYS for other kinds of caller. */
long pv_set_trap_table(struct vcpu *v, uint64_t table);
long pv_set_callbacks(struct vcpu *v, uint64_t event, uint64_t failsafe, uint64_t syscall);
long pv_callback_op(struct vcpu *v, unsigned cmd, uint64_t arg);
/* VCPUOP_initialise / up / is_up for PV domains (pv/pv_smp.c): false for
 * other kinds and other commands; else *ret is the answer. */
bool pv_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret);
/* register_vcpu_info / register_runstate_memory_area for PV (pv/pv_time.c):
 * false for other kinds and commands; else *ret is the answer. */
bool pv_time_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret);

/* multicall for HVM/PVH callers (core/multicall.c): the batch at list, nr
 * entries in the caller's layout.  -ERESTART: v->mc_cont holds the list
 * and count to re-issue it with. */
long multicall(struct vcpu *v, uint64_t list, unsigned nr, bool compat);
/* PV debug registers, vm_assist, physdev_op (pv/pv_emul.c); -ENOSYS for
 * other kinds.  And XENVER_get_features submap 0 for a PV domain. */
long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value);
long pv_get_debugreg(struct vcpu *v, unsigned reg);
long pv_vm_assist(struct vcpu *v, unsigned cmd, unsigned type);
long pv_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg);
/* pv/pv_dom0.c: the initial domain's platform_op (-EPERM for any other). */
long platform_op(struct vcpu *v, uint64_t arg);
/* pv/pv_dom0.c: keeps the host's memory map for the initial domain (setup.c, once). */
struct boot_info;
void pv_dom0_host_map_init(const struct boot_info *bi);
uint32_t pv_features_submap0(struct vcpu *v);

/* PV user mode (pv/pv_user.c); -ENOSYS for other kinds. */
long pv_stack_switch(struct vcpu *v, uint64_t ss, uint64_t sp);
long pv_fpu_taskswitch(struct vcpu *v, int set);
long pv_set_segment_base(struct vcpu *v, unsigned which, uint64_t base);

/* Core handlers without a header of their own (core/sched_op.c,
 * core/xen_version.c). */
long sched_op(struct vcpu *v, unsigned cmd, uint64_t arg);
long xen_version(struct vcpu *v, unsigned cmd, uint64_t arg);

#endif
