/*
 * The PV MMU hypercalls of a 64-bit PV guest (docs/pv.md, "MMU hypercalls"):
 * mmu_update, mmuext_op, update_va_mapping(_otherdomain), set_gdt and
 * update_descriptor, over the frame-type core (mm/pgtype.c) and the
 * descriptor check (pv/desc.c).
 *
 * Kind-neutral and pure: everything the calls need from the machine (guest
 * memory through the caller's page tables, the frame table, TLB and cache
 * flushes, reloading the CPU's view after a base pointer, GDT or LDT
 * change) comes through struct pv_mmu_env, so the same code runs in the
 * hypervisor and in host unit tests over a fake machine.
 *
 * Continuations: a call that stops part-way returns -ERESTART and has
 * rewritten its argument array to the arguments to re-issue it with, as
 * Xen does (the caller stores them in the guest's argument registers, puts
 * the hypercall number back in RAX and moves RIP back over the 2-byte
 * SYSCALL so that the guest issues the call again; for mmu_update and
 * mmuext_op the request pointer moves past the entries done and the count
 * becomes "entries left | MMU_UPDATE_PREEMPTED").  -ERESTART never
 * reaches a guest.
 */
#ifndef RV_PV_MM_HCALL_H
#define RV_PV_MM_HCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgtype.h"

/* ---- Xen public ABI (xen/include/public/xen.h, asm-x86/hypercall.h) ---- */

/* mmu_update: the command is in the low bits of mmu_update.ptr. */
#define MMU_NORMAL_PT_UPDATE        0   /* checked *ptr = val; ptr is a machine address */
#define MMU_MACHPHYS_UPDATE         1   /* M2P[ptr >> 12] = val */
#define MMU_PT_UPDATE_PRESERVE_AD   2   /* as NORMAL, keeping the entry's A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE  3   /* as NORMAL; for a PV guest frame numbers are machine ones anyway */
/* The top bit of count: this call continues a preempted one (pdone holds
 * what the earlier parts did). */
#define MMU_UPDATE_PREEMPTED        0x80000000u

struct mmu_update {
    uint64_t ptr;
    uint64_t val;
};

#define MMUEXT_PIN_L1_TABLE         0
#define MMUEXT_PIN_L2_TABLE         1
#define MMUEXT_PIN_L3_TABLE         2
#define MMUEXT_PIN_L4_TABLE         3
#define MMUEXT_UNPIN_TABLE          4
#define MMUEXT_NEW_BASEPTR          5
#define MMUEXT_TLB_FLUSH_LOCAL      6
#define MMUEXT_INVLPG_LOCAL         7
#define MMUEXT_TLB_FLUSH_MULTI      8
#define MMUEXT_INVLPG_MULTI         9
#define MMUEXT_TLB_FLUSH_ALL        10
#define MMUEXT_INVLPG_ALL           11
#define MMUEXT_FLUSH_CACHE          12
#define MMUEXT_SET_LDT              13
#define MMUEXT_NEW_USER_BASEPTR     15
#define MMUEXT_CLEAR_PAGE           16
#define MMUEXT_COPY_PAGE            17
#define MMUEXT_FLUSH_CACHE_GLOBAL   18
#define MMUEXT_MARK_SUPER           19
#define MMUEXT_UNMARK_SUPER         20

/* 64-bit layout: cmd at 0, arg1 (mfn / linear_addr) at 8, arg2 (nr_ents /
 * vcpumask pointer / src_mfn) at 16; 24 bytes. */
struct mmuext_op {
    uint32_t cmd;
    uint32_t pad;
    uint64_t arg1;
    uint64_t arg2;
};

_Static_assert(sizeof(struct mmu_update) == 16, "mmu_update is 16 bytes in the 64-bit ABI");
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op is 24 bytes in the 64-bit ABI");

/* update_va_mapping flags: the flush type in bits 0-1; the rest is
 * UVMF_LOCAL (0), UVMF_ALL (4), or else a pointer to a vCPU bitmap. */
#define UVMF_NONE           0ull
#define UVMF_TLB_FLUSH      1ull
#define UVMF_INVLPG         2ull
#define UVMF_FLUSHTYPE_MASK 3ull
#define UVMF_MULTI          0ull
#define UVMF_LOCAL          0ull
#define UVMF_ALL            4ull

/* set_gdt: the first 14 GDT pages are the guest's, the rest Xen's. */
#define PV_GDT_MAX_FRAMES   14
#define PV_GDT_MAX_ENTRIES  (PV_GDT_MAX_FRAMES * 512)
#define PV_LDT_MAX_ENTRIES  8192

/* ---- the vCPU state these calls own ---- */

/*
 * The references a vCPU holds through its MMU state: each base pointer
 * holds one general and one L4 type reference (pgt_get_top), each GDT
 * frame one general and one segment-descriptor type reference.  0 as a
 * base pointer means none (as Xen; frame 0 is never a guest's).  The PV
 * vCPU loads CR3, the GDT and the LDT from here when env->reload says so.
 */
struct pv_mmu_vcpu {
    uint64_t base;                  /* kernel page tables (NEW_BASEPTR) */
    uint64_t user_base;             /* user page tables (NEW_USER_BASEPTR), 0: none */
    uint64_t gdt_frames[PV_GDT_MAX_FRAMES];
    unsigned gdt_ents;              /* frames used: (gdt_ents + 511) / 512 */
    uint64_t ldt_base;              /* guest-virtual, page-aligned; 0 with ldt_ents 0 */
    unsigned ldt_ents;
};

/* env->flush: what, and where. */
enum {
    PV_FLUSH_TLB    = 1,            /* the whole TLB (non-global entries of the guest) */
    PV_FLUSH_VA     = 2,            /* one linear address */
    PV_FLUSH_LOCAL  = 0 << 4,       /* this CPU */
    PV_FLUSH_VCPUS  = 1 << 4,       /* the CPUs the vCPUs in 'mask' last ran on */
    PV_FLUSH_DOMAIN = 2 << 4,       /* every CPU any of the domain's vCPUs ran on */
    PV_FLUSH_WHERE  = 3 << 4,
};

/* env->reload: what changed in struct pv_mmu_vcpu. */
enum {
    PV_RELOAD_BASE      = 1,        /* load CR3 from base (flushes the local TLB) */
    PV_RELOAD_USER_BASE = 2,
    PV_RELOAD_GDT       = 4,        /* remap the guest's GDT frames */
    PV_RELOAD_LDT       = 8,        /* drop the LDT's mappings; it is mapped again on use */
};

#define PV_MMU_MAX_VCPUS 256

struct pv_mmu_env {
    const struct pgt_env *pgt;      /* frames, references, preemption (pgt->preempt) */
    uint16_t dom;                   /* the calling domain */
    bool privileged;                /* may name other domains (not implemented yet) */
    unsigned nr_vcpus;              /* the domain's vCPUs (<= PV_MMU_MAX_VCPUS), for vCPU masks */
    struct pv_mmu_vcpu *vcpu;       /* the calling vCPU */
    /* Guest-virtual memory of the calling vCPU: 0, or -EFAULT if some byte
     * is not accessible to the guest kernel (not mapped, or not writable
     * for copy_to). */
    int (*copy_from)(const struct pv_mmu_env *e, void *dst, uint64_t gva, uint64_t len);
    int (*copy_to)(const struct pv_mmu_env *e, uint64_t gva, const void *src, uint64_t len);
    /* A TLB flush (PV_FLUSH_*); mask: the vCPU bitmap for PV_FLUSH_VCPUS. */
    void (*flush)(const struct pv_mmu_env *e, unsigned how, uint64_t va, const uint64_t *mask);
    /* Present entries changed or went in this call: translations cached from
     * them must not outlive the frames' next use.  Called once per call,
     * after the changes; the simple answer flushes every CPU of the domain. */
    void (*stale)(const struct pv_mmu_env *e);
    /* Write back and invalidate caches (this CPU, or every CPU). */
    void (*cache_flush)(const struct pv_mmu_env *e, bool global);
    /* struct pv_mmu_vcpu changed (PV_RELOAD_*). */
    void (*reload)(const struct pv_mmu_env *e, unsigned what);
    /* MMU_MACHPHYS_UPDATE: M2P[mfn] = pfn (mfn is the domain's). */
    void (*m2p_set)(const struct pv_mmu_env *e, uint64_t mfn, uint64_t pfn);
    /* The caller is a 32-bit PV guest (pv/pv32.c): mmuext_op entries are
     * 12 bytes (cmd, arg1, arg2 as 32-bit words), base pointers are L3s,
     * addresses are 32-bit, no user base pointer. */
    bool compat;
};

/*
 * The hypercalls.  args[] are the guest's argument registers, in and (on
 * -ERESTART) out.  Return: 0 or a negated Xen error number for the guest.
 *   mmu_update(reqs, count, pdone, foreigndom)
 *   mmuext_op(ops, count, pdone, foreigndom)
 */
long pv_mmu_update(const struct pv_mmu_env *e, uint64_t args[4]);
long pv_mmuext_op(const struct pv_mmu_env *e, uint64_t args[4]);
long pv_update_va_mapping(const struct pv_mmu_env *e, uint64_t va, uint64_t val, uint64_t flags);
long pv_update_va_mapping_otherdomain(const struct pv_mmu_env *e, uint64_t va, uint64_t val, uint64_t flags,
                                      uint64_t domid);
long pv_set_gdt(const struct pv_mmu_env *e, uint64_t frame_list, uint64_t entries);
/* The same with the frame list already read (VCPUOP_initialise's gdt_frames). */
long pv_set_gdt_frames(const struct pv_mmu_env *e, const uint64_t *frames, uint64_t entries);
long pv_update_descriptor(const struct pv_mmu_env *e, uint64_t maddr, uint64_t desc);

/* pgt_env.validate_desc for PV domains: every descriptor of the frame
 * passes pv_check_descriptor (which may raise DPLs to 3). */
bool pv_desc_frame_ok(const struct pgt_env *e, uint64_t mfn);

/* vCPU destruction, once the vCPU runs nowhere (no CPU has its CR3 or GDT
 * loaded): drops the base pointers and the GDT (then, per frame,
 * pgt_relinquish drops pins and abandoned operations). */
void pv_mmu_vcpu_teardown(const struct pv_mmu_env *e);

/* Whether [va, va + len) lies wholly in the guest's part of the 64-bit
 * address space (below 2^47, or from 0xffff880000000000 up). */
bool pv_guest_range_ok(uint64_t va, uint64_t len);

#endif
