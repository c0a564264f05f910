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
#include "pv/pv_seg.h"
#include "pv/pv_emul.h"
#include "pv/pv_tlb.h"
#include "public/arch-x86_64.h"
#include "core/spinlock.h"

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
    uint64_t l4_mfn;            /* (i) the bootstrap L4 (32-bit: the bootstrap L3) */
    bool l4_pinned;             /* (i) the builder's pin is held (dropped by pgt_relinquish) */
    uint64_t entry, stack_top, start_info_va;  /* (i) vCPU 0's RIP, RSP, RSI */
    /* The layout as built, in pfns (docs/pv.md "Builder layout"). */
    uint64_t pfn_kernel, pfn_p2m, pfn_start_info, pfn_store, pfn_console, pfn_pt, nr_pt, pfn_stack, pfn_end;
    /* pvcon (pv_time.c): the console page's frame, held writable while
     * the console back end runs (0: none). */
    uint64_t con_mfn;
    /* pvgrub (pv_xs_empty.c): the stand-in store, when the domain file
     * asks for it (rv_xenstore = "empty"); its frame held writable (0: none). */
    struct pv_xs_empty *xs;
    uint64_t xs_mfn;
    /* pvboot (pv_boot.c): the initrd, INIT_P2M, the hypercall page. */
    uint64_t pfn_mod, nr_mod, mod_bytes;    /* (i) nr_mod 0: no initrd */
    bool mod_unmapped;                      /* (i) given by pfn (SIF_MOD_START_PFN) */
    uint64_t p2m_va, nr_p2m_pages;          /* (i) start_info.mfn_list; the list's pages */
    uint64_t pfn_p2m_pt, p2m_n3, p2m_n2, p2m_n1;    /* (i) INIT_P2M's tables; p2m_n3 0: list in the region */
    /* pvboot (pv_smp.c): with more than one vCPU running, a frame's type
     * may change (another vCPU's MMU hypercall) between the hypervisor's
     * walk of a guest's tables and its copy into the frame found.  Held
     * by every MMU hypercall, and by every hypervisor write to (and read
     * from) the domain's memory through its tables (pv_copy_guest,
     * copy_to_gphys), so that a frame the copy writes cannot meanwhile
     * become a page table. */
    spinlock_t mm_lock;
    /* pvgdt (pv_seg.c): bumped when some vCPU's descriptors may have
     * changed (update_descriptor; page-table changes while a vCPU has an
     * LDT); each vCPU copies its GDT/LDT again when it differs. */
    uint64_t seg_gen;
    /* Privileged-instruction emulation and the writable-page-table assist
     * (pv_emul.c): the vm_assist bits. */
    struct pv_emul_domain emul;
    /* pvperf2 (pv_tlb.c): bit per CPU that may hold translations made
     * through the domain's page tables (set before a stint loads its CR3,
     * cleared after the stint loaded the hypervisor's); (a). */
    uint64_t dirty_cpus;
    /* pv32 (pv32.c, pv32_build.c): a 32-bit PAE kernel in ring 1 (compat
     * mode); the top level of its tables is an L3 (pgt_env.compat). */
    bool compat;                /* (i) */
};

struct pv_vcpu {
    struct cpu_regs ctx;        /* (r) the guest's registers; vector/error_code: the last exit */
    /* (r) base pointers (mmu.base: the L4 in CR3, one general and one type
     * reference as pgt_get_top takes them; 0 none), GDT frames, LDT: the
     * MMU hypercalls' vCPU state (pv/mm_hcall.h). */
    struct pv_mmu_vcpu mmu;
    unsigned mmu_checks;        /* (r) preemption checks in the current MMU hypercall; 0: none running */
    uint64_t nr_mmu_calls, nr_restarts;             /* (r) MMU hypercalls; continuations of them */
    uint64_t nr_foreign_ext_restarts;               /* (r) of them, foreign mmuext_op ones (pv_ctl.c) */
    uint64_t cr2;               /* (r) at the last #PF exit */
    uint64_t fs_base, gs_base;  /* (r) kept across stints (other kinds' vCPUs change the MSRs) */
    bool online;                /* (r) vCPU 0 at build; others once brought up (later) */
    struct trap_info traps[256];/* (r) set_trap_table; address 0 = none */
    uint64_t event_cb, failsafe_cb, syscall_cb;     /* (r) set_callbacks / callback_op; 0 = none */
    uint64_t syscall32_cb, sysenter_cb;             /* (r) callback_op; 32-bit user space's (pv_user32.c) */
    uint16_t callback_flags[8];                     /* (r) CALLBACKF_* by CALLBACKTYPE_* */
    uint64_t nr_exits, nr_hypercalls, nr_bounces, nr_irqs, nr_upcalls;     /* (r) */
    /* pvboot: multicall (pv_multicall.c). */
    bool mc_active;                                 /* (r) a multicall is running: nested ones refused */
    uint64_t nr_multicalls, nr_mc_restarts;         /* (r) multicalls; their continuations */
    /* pvboot: secondary vCPUs (pv_smp.c). */
    bool mm_locked;             /* (r) this vCPU holds its domain's mm_lock (an MMU hypercall runs) */
    bool initialised;           /* VCPUOP_initialise claimed (vCPU 0: by the builder); set once */
    bool ready;                 /* ... and its state complete (release): VCPUOP_up may start it */
    /* User mode, stack_switch, set_segment_base, fpu_taskswitch (pv_user.c) */
    bool user_mode;             /* (r) guest user space runs (Xen: TF_kernel_mode clear) */
    bool fpu_ts;                /* (r) fpu_taskswitch(1): the guest's CR0.TS, until its #NM is delivered */
    uint16_t gs_sel_user;       /* (r) SEGBASE_GS_USER_SEL's selector (recorded; flat selectors only) */
    uint64_t gs_base_inactive;  /* (r) the other mode's GS base (the user one in kernel mode), as SWAPGS keeps it */
    uint64_t kernel_ss, kernel_sp;                  /* (r) stack_switch: the stack bounces from user mode use */
    uint64_t nr_to_user, nr_user_syscalls, nr_nm;   /* (r) iret to user mode; SYSCALLs from it; #NM from TS */
    uint64_t nr_iret_faults;    /* (r) iret frames refused and turned into a #GP for the guest */
    /* pvgdt: the guest's GDT, LDT and data selectors (pv_seg.c) */
    struct pv_seg seg;
    /* Privileged-instruction emulation and the writable-page-table assist
     * (pv_emul.c): debug registers, IOPL, counters. */
    struct pv_emul_vcpu emul;   /* (r) */
    /* pvlinux: the secondary time record (pv_vtime.c), a guest virtual
     * address of the kernel's (0: none); its version counter. */
    uint64_t time_area;
    uint32_t time_area_ver;
    uint32_t nr_init_refused;   /* (r) pvlinux: VCPUOP_initialise refusals by this vCPU (pv_smp.c logs 4) */
    /* pvmem (pv_memory.c): reservation extents done by this vCPU; their continuations. */
    uint64_t nr_mem_extents, nr_mem_restarts;       /* (r) */
    /* pvperf2 (pv_tlb.c): flushes, walks and exits by kind. */
    struct pv_perf perf;
    /* pvfin (pv_user32.c): SYSCALLs from compatibility mode; SYSENTERs. */
    uint64_t nr_syscall32, nr_sysenter;             /* (r) */
    /* pv32 (pv32.c): the L4 the CPU runs a 32-bit vCPU on, a hypervisor
     * page owned by this vCPU (freed with it): slot 0 names the guest's
     * L3 (mmu.base), slots 256-271 are the hypervisor's; 0 for 64-bit. */
    uint64_t compat_l4;         /* (r) its mfn */
    uint32_t compat_event_cs, compat_failsafe_cs;   /* (r) set_callbacks' selectors (recorded) */
    /* pv32sys (pv32_sys.c): callback_op's sysenter and syscall32 selectors
     * (their addresses are sysenter_cb / syscall32_cb); 0: none. */
    uint16_t compat_sysenter_cs, compat_syscall32_cs;   /* (r) */
    uint64_t nr_compat_hypercalls;                  /* (r) int $0x82 */
    uint32_t nr_compat_failed;                      /* (r) of them, failed (the first few are logged) */
    /* NMIs (pv_nmi.c). */
    uint64_t nmi_cb;            /* (r) CALLBACKTYPE_nmi handler; 0 = none */
    bool nmi_pending;           /* (a) VCPUOP_send_nmi by any vCPU of the domain; cleared at delivery */
    bool nmi_masked;            /* (r) the handler runs: until the next iret hypercall */
    uint64_t nr_nmis, nr_nmi_dropped;               /* (r) delivered; pending without a handler */
};

/* NMIs (pv_nmi.c): CALLBACKTYPE_nmi registration (address checked by the
 * caller's mode; 0 unregisters), VCPUOP_send_nmi (true if cmd is it, *ret
 * its answer), the run loop's check and delivery (false: the domain was
 * crashed), and the iret hypercall's unmask. */
long pv_nmi_register(struct vcpu *v, uint64_t address);
bool pv_nmi_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret);
bool pv_nmi_due(struct vcpu *v);
bool pv_nmi_deliver(struct vcpu *v);
void pv_nmi_iret(struct vcpu *v);

/* The initial domain (pv_dom0.c, docs/dom0.md). */
struct boot_info;
void pv_dom0_host_map_init(const struct boot_info *bi);
bool pv_dom0_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
bool pv_dom0_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
bool pv_dom0_io_frame(uint64_t mfn);
/* Device frames dom0 may map read-only only: the HPET the hypervisor
 * calibrates from (ACPI's AML reads its registers, as under Xen). */
bool pv_dom0_ro_frame(uint64_t mfn);
/* dom0's port I/O on the real port unless the hypervisor keeps it: false = emulate as for a domU. */
bool pv_dom0_port_in(const struct domain *d, uint16_t port, unsigned size, uint32_t *val);
bool pv_dom0_port_out(const struct domain *d, uint16_t port, unsigned size, uint32_t val);     /* policy only: the hook exists for dom0 alone */

/* Builder (pv_build.c): RAM, kernel, page tables, start_info, the L4 pin. */
int pv_build(struct domain *d, char *err, size_t errlen);
/* pv_boot.c: a bzImage or compressed kernel unpacked to its ELF (*buf, to
 * free with free_pages(*buf, *order); *buf NULL: image is the ELF itself),
 * the hypercall page, the initrd and the INIT_P2M tables.  0 or -errno
 * with one line in err. */
int pv_boot_unpack(struct domain *d, const void *image, size_t size, void **buf, unsigned *order,
                   const void **elf, size_t *elf_size, char *err, size_t errlen);
void pv_boot_hypercall_page(void *page);
void pv_boot_p2m_tables(struct pv_domain *pd, uint64_t *l4);
/* A base pointer (one general and one L4 type reference) on mfn for
 * another vCPU of v's domain, validated with cross-CPU flushes
 * (pv_mmu_env.c): 0 or -EINVAL/-EBUSY. */
int pv_mmu_get_base(struct vcpu *v, uint64_t mfn);
/* pvgdt: set_gdt for the offline vCPU t (VCPUOP_initialise's gdt_frames),
 * from v's call (pv_mmu_env.c): 0 or -EINVAL. */
int pv_mmu_set_gdt_of(struct vcpu *v, struct vcpu *t, const uint64_t *frames, uint64_t entries);
/* The domain's mm_lock around guest-memory accesses (pv_smp.c): true if
 * this call took it (false: the vCPU holds it already, in an MMU call). */
bool pv_mm_lock(struct vcpu *v);
void pv_mm_unlock(struct vcpu *v, bool took);
/* pv_exchange.c: XENMEM_exchange (compat: a 32-bit caller's layout) and
 * XENMEM_acquire_resource (a privileged caller; MFNs of another domain's
 * grant-table frames).  The hypercall's answer. */
long pv_mem_exchange(struct vcpu *v, uint64_t arg, bool compat);
long pv_acquire_resource(struct vcpu *v, uint64_t arg);
/* memory_op sub-ops of the M2P (pv_m2p.c): true if cmd is one, *ret its answer. */
bool pv_m2p_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
/* The same sub-ops for a 32-bit caller, about the compat M2P (pv32_m2p.c). */
bool pv32_m2p_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
/* memory_op's increase/decrease_reservation and populate_physmap by MFN
 * (pv_memory.c): true if a[0] is one of them, *ret its answer; on
 * -ERESTART a[0] is rewritten to continue. */
bool pv_reservation_op(struct vcpu *v, uint64_t a[5], long *ret);
/* multicall (pv_multicall.c): the batch at list, nr entries. */
long pv_multicall(struct vcpu *v, uint64_t a[2]);
/* One hypercall of a PV vCPU other than iret (pv_vcpu.c): a[] in, and on
 * -ERESTART the arguments to issue it again with. */
long pv_hypercall_one(struct vcpu *v, uint64_t nr, uint64_t a[5]);
/* pvcon (pv_time.c): the PV console connected to the builder's ring frame
 * (start_info console.domU.evtchn written); memory_op sub-ops with a PV
 * meaning (true if cmd is one, *ret its answer); the frame references of
 * the console and registered vcpu_infos dropped at teardown. */
int pv_console_setup(struct domain *d, char *err, size_t errlen);
/* pv_xs_empty.c: the stand-in xenstore (rv_xenstore = "empty"; nothing
 * otherwise), set up after the console; torn down once no vCPU runs. */
int pv_xs_empty_setup(struct domain *d, char *err, size_t errlen);
void pv_xs_empty_teardown(struct domain *d);
bool pv_time_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
void pv_time_teardown(struct domain *d);
/* pvlinux (pv_vtime.c): VCPUOP_register_vcpu_time_memory_area for PV
 * (t the target vCPU); pv_time_area_update (core/time_info.h) writes the
 * secondary record again whenever the vCPU's own vcpu_time_info is. */
long pv_register_time_area(struct vcpu *v, struct vcpu *t, uint64_t arg);
/* A general and a writable type reference on mfn for v's domain (a frame
 * the hypervisor writes), with the call's cross-CPU flushes: 0 or -EINVAL
 * (not the domain's, or a page table or descriptor frame now). */
int pv_mmu_get_writable(struct vcpu *v, uint64_t mfn);
/* The frame-type environment of the hypervisor for domain d (pv_kind.c). */
void pv_env_init(struct domain *d, struct pgt_env *e);

/* vCPU (pv_vcpu.c). */
void pv_vcpu_run(struct vcpu *v);
void pv_vcpu_init_boot(struct vcpu *v);
/* Guest-virtual memory of v's current page tables, as its kernel sees it:
 * present and user (the kernel runs in ring 3) at every level, writable at
 * every level for to_guest; never the hypervisor's range.  0 or -EFAULT. */
int pv_copy_guest(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest);
/* pv_foreign.c: the control domain naming another (PVH/HVM) domain's
 * memory.  Each returns false when the call is not such a call (the normal
 * path handles it), else true with the result in *ret. */
struct xen_reservation;
bool pv_foreign_populate(struct vcpu *v, uint64_t a[5], const struct xen_reservation *r, long *ret);
bool pv_foreign_mmu_update(struct vcpu *v, uint64_t a[4], long *ret);
long pv_foreign_hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg);
int pv_gva_to_maddr(struct vcpu *v, uint64_t gva, bool write, uint64_t *maddr);

/* MMU hypercalls (pv_mmu_env.c): true if nr is one of them; *ret its
 * result.  a[] are the first four arguments; on -ERESTART they are the
 * arguments to issue the call again with (the caller puts them back). */
bool pv_mmu_hypercall(struct vcpu *v, uint64_t nr, uint64_t a[4], long *ret);
/* One preemption check of an MMU hypercall v runs (pv->mmu_checks counts
 * them from 1 at the call's start): true when it should stop and be
 * continued (a softirq pending here, or the call's budget used up). */
bool pv_mmu_preempt_check(struct vcpu *v);
/* The writable-page-table assist (pv_emul.c): the entry at guest address
 * la, which must still be in v's domain's validated table mfn (walked
 * again under the mm_lock), becomes val, as mmu_update's normal update
 * (checked by pgt_mod_entry, preemptible, stale TLBs flushed); with
 * expect, only if the entry still holds *expect (pgt_cmpxchg_entry).  0,
 * -EFAULT (the mapping changed), -EINVAL, -EAGAIN (not *expect any more:
 * nothing done), or -ERESTART (the same write again continues). */
int pv_mmu_mod_entry(struct vcpu *v, uint64_t la, uint64_t mfn, const uint64_t *expect, uint64_t val);
/* VCPUOP_initialise's shared checks (pv_smp.c): why != NULL refuses the
 * context (-EINVAL, logged); else the target is claimed (-EEXIST if it
 * was initialised already).  tag names the ABI in the log line. */
long pv_init_check_claim(struct vcpu *v, struct vcpu *t, const char *why, const char *tag);
/* VCPUOP_initialise's checks and state for offline vCPU t from context c
 * (v acts: the caller, a vCPU of t's domain); 0 or -EINVAL/-EEXIST. */
long pv_vcpu_set_context(struct vcpu *v, struct vcpu *t, const struct vcpu_guest_context *c);
/* pv_ctl.c: the toolstack's PV domctls and its foreign mmuext_op
 * (docs/toolstack.md "Building a PV domain from dom0"). */
long pv_ctl_setvcpucontext(struct vcpu *caller, struct domain *d, uint32_t vcpu, uint64_t ctxt);
long pv_ctl_hypercall_init(struct domain *d, uint64_t mfn);
long pv_ctl_set_address_size(struct domain *d, uint32_t size);
uint32_t pv_ctl_address_size(const struct domain *d);
bool pv_foreign_mmuext(struct vcpu *v, uint64_t a[4], long *ret);
/* pv_memory.c: a new extent of 2^order frames for d, counted in its
 * tot_pages (false: over max_pages or no memory). */
bool pv_mem_take_new(struct domain *d, unsigned order, unsigned addr_bits, uint64_t *mfn);
/* The frame number every new frame of d must lie below (~0: no limit):
 * the caller's address bits (0: none), and for a 32-bit domain the end of
 * the compat M2P's coverage.  pv_mem_alloc: 2^order frames of d below it
 * (NULL: none there). */
uint64_t pv_mem_frame_limit(const struct domain *d, unsigned addr_bits);
void *pv_mem_alloc(const struct domain *d, unsigned order, unsigned addr_bits);
/* Exceptions (pv_vcpu.c): each vector's short name ("#GP") and whether
 * the CPU pushes an error code for it; both bounce paths use them. */
extern const char *const pv_exc_short[32];
bool pv_exc_has_error_code(unsigned vec);
/* Grant mappings in the domain's page tables (pv_gnttab.c): the kind's
 * gnt_map_pte / gnt_unmap_pte (core/domain_kind.h). */
int pv_gnt_map_pte(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte, uint16_t owner);
/* The control domain's foreign mapping (pv_foreign.c): as a grant entry
 * at machine address ma, of a frame owner owns or a hypervisor frame shared
 * with owner (its grant table, its shared_info: mm.h alloc_shared_page). */
int pv_foreign_map_pte(struct vcpu *v, uint64_t ma, uint64_t pte, uint16_t owner);
int pv_gnt_unmap_pte(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte);
void pv_gnt_flush(struct vcpu *v);
/* vCPU teardown: drops the base pointers and GDT frames of v. */
void pv_mmu_teardown(struct vcpu *v);
/* TLB shootdown: CR3 reloaded on every CPU in cpus (a cross-CPU call), or
 * on this CPU and every CPU in the domain's dirty mask (pv_tlb.h; uncounted:
 * pv_tlb_flush is the counted one of a vCPU's call).  Interrupts on. */
void pv_flush_cpus(struct domain *d, uint64_t cpus);
void pv_flush_domain(struct domain *d);

/* 32-bit user space of a 64-bit PV kernel (pv_user32.c): SYSENTER_CS
 * kept null for each stint; SYSCALL from compatibility mode (false: the
 * domain crashed); the exit (vec, err) if it is a SYSENTER from user mode
 * (true: handled, bounced or the domain crashed). */
void pv_user32_stint_begin(void);
bool pv_user32_syscall(struct vcpu *v);
bool pv_user32_sysenter(struct vcpu *v, unsigned vec, uint64_t err);
/* VMASST m2p_strict (pv_m2p.c): the M2P slot of v's L4s as the assist
 * wants it (after a base pointer changed or the assist was switched). */
void pv_m2p_strict_bases(struct vcpu *v);
void pv_m2p_strict_switched(struct domain *d);
/* 32-bit PV (pv32.c; docs/pv.md "Ring 1 and compat"). */
bool pv_is_compat(const struct domain *d);
void pv32_vcpu_init_boot(struct vcpu *v);
void pv32_vcpu_free(struct vcpu *v);
/* The mfn to load into CR3 for v: its compat L4 with slot 0 naming the
 * current L3 (mmu.base), rewritten if it changed. */
uint64_t pv32_root(struct pv_vcpu *pv);
int pv32_gva_to_maddr(struct vcpu *v, uint64_t gva, bool write, uint64_t *maddr);
const char *pv32_frame_problem(struct vcpu *v, const struct cpu_regs *c);
/* pv32_desc.c: EIP's linear address (the code segment's base added); the
 * failsafe callback's 32-bit frame (sel: the selectors that were to load). */
uint64_t pv32_linear_ip(struct vcpu *v);
void pv32_failsafe(struct vcpu *v, const uint16_t sel[4]);
void pv32_gdt_reserved(uint64_t *gdt);
void pv32_stint_begin(struct vcpu *v);
/* The exit handler of a 32-bit vCPU; false: leave the run loop. */
bool pv32_handle_exit(struct vcpu *v);
/* One hypercall of a 32-bit vCPU other than iret (pv32_hcall.c), as
 * pv_hypercall_one: a[] zero-extended 32-bit arguments in, and on
 * -ERESTART the arguments to issue it again with. */
long pv32_hypercall_one(struct vcpu *v, uint64_t nr, uint64_t a[5]);
/* VCPUOP_initialise with the x86_32 vcpu_guest_context (pv32_smp.c). */
long pv32_vcpu_initialise(struct vcpu *v, unsigned id, uint64_t arg);
/* Its body on a context already in the hypervisor (PV32_CONTEXT_BYTES:
 * Xen's x86_32 vcpu_guest_context), also XEN_DOMCTL_setvcpucontext's for
 * a 32-bit domain (pv_ctl.c); and the few fields that call reads itself. */
#define PV32_CONTEXT_BYTES 2800
long pv32_vcpu_set_context(struct vcpu *v, struct vcpu *t, const void *ctx);
struct pv32_context_fields {
    uint32_t flags, vm_assist, eip, esp, cr3;
};
void pv32_context_fields(const void *ctx, struct pv32_context_fields *f);
/* Event upcall in the 32-bit frame layout; false: the domain crashed. */
bool pv32_event_upcall(struct vcpu *v);
/* pv32.c: the 32-bit bounce frame to target (false: the domain crashed),
 * and an exception through the trap table. */
bool pv32_bounce(struct vcpu *v, uint16_t cs, uint64_t target, bool with_err, uint64_t err, bool mask_events,
                 const char *what);
/* Xen's rule for the code and stack selectors a 32-bit guest names in its
 * trap table, callbacks, stack_switch and VCPUOP_initialise context: an
 * RPL below the kernel's (1) is raised to 1, nothing else is refused;
 * whether the selector can be loaded is checked when a bounce is to
 * enter it (pv32_frame_problem: a domain crash, as the faulting IRET in
 * Xen's exit path is).  Gates to the hypervisor's ring-0 selectors cannot
 * arise: the bounce builds no gate, and 0xe008/0xe010 with RPL 1 are
 * refused by the frame check. */
static inline uint16_t pv32_kernel_sel(uint32_t sel)
{
    return (sel & 3) >= 1 ? (uint16_t)sel : (uint16_t)((sel & ~3u) | 1);
}
bool pv32_bounce_exception(struct vcpu *v, unsigned vec, uint64_t err);
/* pv32_sys.c: SYSCALL from compatibility mode (the CSTAR exit) and the
 * #GP/#UD of a ring-3 SYSENTER, as Xen x86_64 delivers them to a 32-bit
 * guest.  pv32_syscall: false = crashed.  pv32_sysenter: true = it was a
 * SYSENTER from ring 3 and was handled (bounced or the domain crashed). */
bool pv32_syscall(struct vcpu *v);
bool pv32_sysenter(struct vcpu *v, unsigned vec, uint64_t err);
/* pv32_emul.c: INS/OUTS and INVLPG from ring 1 with compatibility-mode
 * address rules (pv_emul.c calls them after its privilege checks; the
 * pv_emul_exception convention: 1 done, 0 bounce *vec / *err). */
struct pv_insn;
int pv32_emul_string_io(struct vcpu *v, const struct pv_insn *in, unsigned *vec, uint64_t *err);
int pv32_emul_invlpg(struct vcpu *v, unsigned *vec, uint64_t *err);
/* pv32_desc.c: the data segment a selector names, for an access of len
 * bytes at offset off (write: needs a writable one): its linear address
 * (base + off, wrapped at 4 GiB), or false when the CPU would fault
 * (#GP(0), or #SS(0) for the stack segment: *vec). */
bool pv32_seg_linear(struct vcpu *v, uint16_t sel, bool is_ss, uint32_t off, unsigned len, bool write,
                     uint64_t *la, unsigned *vec);
/* pv32_desc.c: the six segments (ES CS SS DS FS GS) for the
 * writable-page-table assist's compatibility-mode emulation. */
struct pv_ptwr_seg;
void pv32_ptwr_segs(struct vcpu *v, struct pv_ptwr_seg *seg);
/* The builder's 32-bit part (pv32_build.c), after the RAM, kernel and p2m:
 * PAE tables, the 4-byte p2m list, compat start_info, the L3 pinned. */
int pv32_build_tables(struct domain *d, struct pv_domain *pd, char *err, size_t errlen);
/* The 32-bit hypercall page: MOV $nr, %eax; INT $0x82; RET per 32 bytes. */
void pv32_hypercall_page(void *page);
/* The console's event channel into a 32-bit start_info (pv_time.c). */
void pv32_start_info_console(void *si, uint32_t port);
/* The store's event channel into a 32-bit start_info (pv_xs_empty.c). */
void pv32_start_info_store(void *si, uint32_t port);

/* entry.S */
void pv_enter(struct cpu_regs *ctx);

static inline bool pv_canonical(uint64_t va)
{
    return (uint64_t)(((int64_t)va << 16) >> 16) == va;
}

#endif
