/* Vendor-neutral HVM: set-up, the vCPU run loop and exit handling. */
#ifndef RV_HVM_HVM_H
#define RV_HVM_HVM_H

#include "hvm/vendor.h"

struct vcpu;
struct domain;

int hvm_init(void);                         /* boot CPU, after SMP: chooses the backend, turns it on everywhere */
bool hvm_available(void);
/* Runs v on this CPU until the scheduler wants the CPU back or v stops. */
void hvm_vcpu_run(struct vcpu *v);
/* Exit statistics (hvm/exit_stats.c, docs/running-domains.md "Exit
 * statistics"): counted by v itself on each exit, printed when v ends (the
 * MSR histogram only with rv_exit_stats = 1) and by debug key 'x'. */
void hvm_print_exit_stats(struct vcpu *v);
void hvm_count_port(struct vcpu *v, uint16_t port);
void hvm_count_msr(struct vcpu *v, uint32_t msr, bool write);
void hvm_exit_stats_init(void);             /* registers debug key 'x' */
extern const char *const hvm_exit_names[HVM_EXIT_NR];
/* Debug key 'd' (hvm_dump.c): registers the key and its softirq. */
void hvm_dump_init(void);
void hvm_dump_domain(struct domain *d);
/* ASID/VPID for v on this CPU (see tlb_tag.c); *flush_all when every tag
 * of this CPU must be flushed (a new generation began). */
uint32_t hvm_tlb_tag_select(struct vcpu *v, uint32_t nr_tags, bool *flush_all);
void hvm_tlb_print_stats(void);
struct hvm_tlb_stats { uint64_t tag_allocs, generations, full_flushes; };
void hvm_tlb_get_stats(struct hvm_tlb_stats *out);   /* summed over CPUs */

/* Exit handlers (one file each). */
bool hvm_handle_cpuid(struct vcpu *v);
/* What CPUID leaf/sub-leaf returns to v (EAX EBX ECX EDX): the policy the
 * CR/EFER checks (hvm/ctrlreg.c) derive the bits the guest may set from. */
void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* The parts of v's CPUID the MSR policy needs (hvm/cpu_policy.h). */
struct cpu_policy;
void hvm_cpu_policy(struct vcpu *v, struct cpu_policy *p);
bool hvm_handle_msr(struct vcpu *v, bool write, uint32_t msr);
/* TSC_AUX and SPEC_CTRL: the guest's around each entry, the host's
 * otherwise (msr.c); called right before and after vcpu_run. */
void hvm_msr_guest_load(struct vcpu *v);
void hvm_msr_host_load(struct vcpu *v);
bool hvm_handle_io(struct vcpu *v, const struct hvm_exit *x);
/* Returns false when it raised #UD instead (RIP must not advance). */
bool hvm_hypercall(struct vcpu *v);
int hvm_write_hypercall_page(struct vcpu *v, uint64_t gpa);
void hvm_inject_gp(struct vcpu *v);
void hvm_inject_ud(struct vcpu *v);
bool hvm_guest_long_mode(struct vcpu *v);   /* 64-bit code segment active */

/* hvm/fep.c: the forced-emulation prefix (boot option hvm_fep).  enable is
 * called once at boot, before any vCPU is created.  The backends intercept
 * exactly the exceptions in hvm_exception_intercepts() (a bit per vector);
 * an intercepted #UD goes to hvm_handle_ud, which emulates the instruction
 * after a prefix or gives the guest its #UD.  Returns true (v runs on). */
void hvm_fep_enable(void);
uint32_t hvm_exception_intercepts(void);
bool hvm_handle_ud(struct vcpu *v);

/* The whole architectural state of a vCPU that starts afresh (a loader's
 * entry state, an AP after SIPI): CS, one descriptor for DS/ES/FS/GS/SS, the
 * system segments and control registers.  hvm_set_start_state also clears
 * the GPRs and CR2 and sets RIP, RFLAGS = 2 (IF clear); callers add the
 * registers their boot protocol passes. */
struct hvm_start_state {
    struct hvm_seg cs, data, tr, ldtr, gdtr, idtr;
    uint64_t cr0, cr3, cr4, efer, rip;
};
void hvm_set_start_state(struct vcpu *v, const struct hvm_start_state *s);
/* Make v notice a newly pending interrupt: wake it if blocked, and force an
 * exit if it is in the guest on another CPU.  Any context. */
void hvm_vcpu_kick(struct vcpu *v);
/* hvm/intr.c: event injection at VM entry (host interrupts off). */
void hvm_intr_init(void);
void hvm_intr_assist(struct vcpu *v);
bool hvm_intr_pending(struct vcpu *v);      /* an NMI or a deliverable interrupt waits */
/* An NPF outside RAM: decode and emulate the faulting instruction against
 * the MMIO devices (hvm/emulate/).  Returns false when the domain was
 * crashed (unclaimed address, undecodable instruction); a fault the
 * instruction raises is injected into the guest instead. */
bool hvm_emulate_mmio(struct vcpu *v, const struct hvm_exit *x);
/* The instruction at RIP through the emulator (HVM_EXIT_DESC_ACCESS: the
 * intercepts of emulated UMIP); crashes the domain if it cannot be done. */
bool hvm_emulate_insn(struct vcpu *v, const struct hvm_exit *x);
/* Logs the exit, v's registers and control registers, then crashes the
 * domain with the formatted reason. */
/* A triple fault (shutdown): the domain stops as HVM_PARAM_TRIPLE_FAULT_REASON says. */
void hvm_triple_fault(struct vcpu *v, const struct hvm_exit *x);
void hvm_dump_and_crash(struct vcpu *v, const struct hvm_exit *x, const char *fmt, ...) __printf(3, 4);

/* Guest memory.  Physical accesses go through the p2m; virtual ones walk
 * the guest's page tables first.  Return 0 or -EFAULT (nothing copied past
 * the failing byte). */
int hvm_copy_from_gphys(struct domain *d, void *dst, uint64_t gpa, size_t len);
int hvm_copy_to_gphys(struct domain *d, uint64_t gpa, const void *src, size_t len);
int hvm_copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int hvm_copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);
/* Guest-virtual to guest-physical through the guest's page tables, with the
 * access checks of the CPU.  Returns 0, -EFAULT with *pfec = the #PF error
 * code to inject (CR2 = gva), or -EIO when a page table is outside RAM (or
 * other vCPUs kept rewriting the entries: mm/gwalk.c's bounded restarts). */
#define HVM_XLAT_WRITE  1u      /* a write */
#define HVM_XLAT_USER   2u      /* a CPL-3 access */
#define HVM_XLAT_FETCH  4u      /* an instruction fetch */
#define HVM_XLAT_AC     8u      /* SMAP does not apply (RFLAGS.AC, or the hypervisor's own copy) */
#define HVM_XLAT_SET_AD 16u     /* set accessed/dirty bits, as the CPU would */
int hvm_translate(struct vcpu *v, uint64_t gva, unsigned access, uint64_t *gpa, uint32_t *pfec);
/* The same walk with the walker's whole answer (mm/gwalk.h: access is
 * GW_*, the result's gpa, page size, rights and leaf; gwalk's return
 * codes).  The shadow pager builds its entries from it. */
struct gwalk_result;
int hvm_walk(struct vcpu *v, uint64_t gva, unsigned gw_access, struct gwalk_result *res);
/* The shadow's revalidation (hvm/shadow_hvm.c): a GW_PROBE walk of gva,
 * reads only, through v's frame cache. */
int hvm_walk_probe(struct vcpu *v, uint64_t gva, struct gwalk_result *res);
/* gwalk_near (mm/gwalk.h) for v's current paging state, after hvm_walk of gva gave res. */
struct gwalk_near;
unsigned hvm_walk_near(struct vcpu *v, uint64_t gva, const struct gwalk_result *res, unsigned n,
                       struct gwalk_near *out);

/* The emulated 16550 UART at 0x3f8. */
bool vuart_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);

#endif
