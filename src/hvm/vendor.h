/*
 * The narrow interface between vendor-neutral HVM code and the two hardware
 * backends (src/svm/, src/vmx/).  Common code calls only these operations; the
 * table is chosen once at boot (hvm_vendor_init) and nothing outside the
 * backends tests which vendor it is running on.
 *
 * Each backend turns its exits into a struct hvm_exit, so exit handlers in
 * src/hvm/ never see a VMCB or VMCS.
 */
#ifndef RV_HVM_VENDOR_H
#define RV_HVM_VENDOR_H

#include "mm/p2m.h"

#include "lib/compiler.h"

struct vcpu;
struct domain;

enum hvm_exit_reason {
    HVM_EXIT_NONE,          /* returned to the scheduler without a guest exit */
    HVM_EXIT_INTR,          /* a physical interrupt: nothing to do for the guest */
    HVM_EXIT_NMI,
    HVM_EXIT_VINTR,         /* interrupt window opened */
    HVM_EXIT_NMI_WINDOW,    /* NMIs are no longer blocked (VMX NMI-window exit) */
    HVM_EXIT_XSETBV,
    HVM_EXIT_CPUID,
    HVM_EXIT_MSR_READ,
    HVM_EXIT_MSR_WRITE,
    HVM_EXIT_IO,
    HVM_EXIT_HLT,
    HVM_EXIT_HYPERCALL,     /* VMMCALL / VMCALL */
    HVM_EXIT_NPF,           /* nested/EPT page fault: gpa, access in qual */
    HVM_EXIT_EXCEPTION,     /* intercepted guest exception: vector in qual */
    HVM_EXIT_SHUTDOWN,      /* triple fault */
    HVM_EXIT_PAUSE,
    HVM_EXIT_INVALID,       /* the CPU refused the guest state */
    HVM_EXIT_UNHANDLED,     /* an exit the backend knows but common code does not handle */
    HVM_EXIT_CR_WRITE,      /* MOV to CR0/CR4, CLTS, LMSW not yet done (SVM): hvm/ctrlreg.h */
    HVM_EXIT_DESC_ACCESS,   /* an intercepted descriptor-table instruction or CR read while
                               CR4.UMIP is emulated (umip_emulated): emulate it at RIP */
    HVM_EXIT_NR
};

/* HVM_EXIT_EXCEPTION: qual bits 7:0 are the vector; this bit says the
 * exception is the trap of an instruction (INT1, INT3, INTO) whose exit left
 * RIP on it, insn_len long (VMX: a privileged/software exception exit). */
#define HVM_EXC_QUAL_SOFT (1u << 8)
/* ... and bits 63:32 the error code of those that push one (#GP, and #PF,
 * whose linear address is then in gpa: shadow paging only). */
#define HVM_EXC_QUAL_ERR(q) ((uint32_t)((q) >> 32))

/* Access bits of an NPF/EPT violation (qual). */
#define HVM_NPF_READ    (1u << 0)
#define HVM_NPF_WRITE   (1u << 1)
#define HVM_NPF_FETCH   (1u << 2)
#define HVM_NPF_PRESENT (1u << 3)   /* the translation existed: a permission fault */

struct hvm_exit {
    enum hvm_exit_reason reason;
    uint64_t raw;           /* vendor exit code, for logs */
    uint64_t qual;          /* reason-specific */
    uint32_t insn_len;      /* length of the exiting instruction; 0 when unknown */
    uint64_t gpa;           /* guest-physical address (NPF) */
    struct {
        uint16_t port;
        uint8_t size;       /* 1, 2 or 4 */
        bool in, string, rep;
    } io;
    uint32_t msr;
};

/* Event types for inject_event (the vendor formats differ; the meaning does not). */
enum hvm_event_type { HVM_EVENT_EXTINT, HVM_EVENT_NMI, HVM_EVENT_EXCEPTION, HVM_EVENT_SOFTINT };

/* Segment and control state common code needs (emulation, loaders). */
struct hvm_seg { uint16_t sel; uint16_t attr; uint32_t limit; uint64_t base; };  /* attr: SVM packed form */
enum hvm_segreg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_GDTR, SEG_LDTR, SEG_IDTR, SEG_TR, SEG_NR };

struct hvm_ctrl {
    uint64_t cr0, cr2, cr3, cr4, efer, pat;
    uint8_t cpl;
    /* get_ctrl only (set_ctrl ignores them): with PAE paging, the CPU's
     * PDPTE registers when it keeps them (VMX under EPT: the VMCS's copy),
     * which the page walker then uses instead of memory (mm/gwalk.h). */
    bool pdptes_valid;
    uint64_t pdpte[4];
};

/*
 * What the debug key 'd' shows of a vCPU (hvm/hvm_dump.c), in a form common
 * code can print without knowing the vendor.  GPRs, RIP, RSP and RFLAGS are
 * in v->regs and not repeated here.  exit_code/exit_qual/exit_info2 are the
 * vendor's raw values (SVM EXITCODE/EXITINFO1/EXITINFO2; VMX exit reason,
 * exit qualification, IDT-vectoring info), printed as numbers only.
 */
struct hvm_vcpu_state {
    struct hvm_ctrl ctrl;
    struct hvm_seg cs, ss;
    uint64_t exit_code, exit_qual, exit_info2;
    uint32_t event_inj;     /* event waiting to be injected at the next entry, 0 = none
                               (SVM EVENTINJ / VMX entry interruption info: same layout of
                               vector 7:0, type 10:8, error-code valid 11, valid 31) */
    bool intr_shadow;       /* STI / MOV SS shadow */
    int held_on;            /* dump_state returned -EAGAIN: the CPU that holds the state */
};

struct hvm_vendor_ops {
    const char *name;
    /* Per physical CPU: turn the extension on. */
    int (*cpu_up)(void);
    /* vCPU life cycle. */
    int (*vcpu_create)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Optional: v starts / stops using this CPU.  Called with interrupts
     * enabled at the start and the end of hvm_vcpu_run (VMX loads its VMCS
     * here, and clears it on the CPU it last ran on when v has moved). */
    void (*vcpu_load)(struct vcpu *v);
    void (*vcpu_put)(struct vcpu *v);
    /* Enter the guest with v->regs and run until the next exit. */
    void (*vcpu_run)(struct vcpu *v, struct hvm_exit *exit);
    /* State. */
    void (*get_seg)(struct vcpu *v, enum hvm_segreg s, struct hvm_seg *out);
    void (*set_seg)(struct vcpu *v, enum hvm_segreg s, const struct hvm_seg *in);
    void (*get_ctrl)(struct vcpu *v, struct hvm_ctrl *out);
    void (*set_ctrl)(struct vcpu *v, const struct hvm_ctrl *in);
    /* The guest TSC offset (v->tsc_offset) changed: load it into the
     * VMCB/VMCS.  Called on v's CPU from one of v's exit handlers. */
    void (*set_tsc_offset)(struct vcpu *v, uint64_t offset);
    /* Events. */
    void (*inject_event)(struct vcpu *v, enum hvm_event_type t, uint8_t vector, bool has_err, uint32_t err);
    bool (*event_pending)(struct vcpu *v);             /* an injection not yet delivered */
    bool (*interrupts_enabled)(struct vcpu *v);        /* RFLAGS.IF and no interrupt shadow */
    void (*request_intr_window)(struct vcpu *v, bool on);
    /* NMIs: whether one can be injected now (no NMI handler running, no
     * interrupt shadow), and an exit once that becomes true.  The backend
     * tracks NMI blocking (VMX: virtual NMIs; SVM: the IRET intercept). */
    bool (*nmi_allowed)(struct vcpu *v);
    void (*request_nmi_window)(struct vcpu *v, bool on);
    /* Memory. */
    uint64_t (*p2m_encode)(uint64_t mfn_addr, unsigned level, bool leaf, unsigned perms);
    /* Leaf sizes the nested page tables cannot hold (e.g. EPT without 1 GiB
     * pages): the p2m must not create order-18 / order-9 entries then. */
    bool p2m_no_1g, p2m_no_2m;
    /*
     * CR4.UMIP on a CPU without it: the backend keeps the guest's CR4.UMIP
     * out of the hardware's CR4 (set_ctrl takes it, get_ctrl returns it)
     * and, while it is set, turns SGDT/SIDT/SLDT/STR/SMSW (and whatever
     * the same intercept covers) into HVM_EXIT_DESC_ACCESS; CPUID then
     * offers UMIP (hvm/cpuid.c).  Set by the probe.  False when the CPU
     * has UMIP itself (the guest's CR4.UMIP is then the hardware's) or
     * cannot intercept those instructions.
     */
    bool umip_emulated;
    /* RDTSCP (and RDPID) cannot run in the guest although the host has
     * them (VMX without "enable RDTSCP"): CPUID hides both.  Set by the
     * probe. */
    bool no_rdtscp;
    /*
     * Paging modes the backend offers (docs/shadow.md): hap = nested paging
     * (NPT/EPT) works; shadow = the shadow pager can run this backend's
     * guests.  set_shadow (shadow only) switches v, before it first runs,
     * to shadow paging with root_pa as the CPU's CR3: nested paging off,
     * #PF, INVLPG and MOV to/from CR0/CR3/CR4 intercepted; get_ctrl and
     * set_ctrl then deal in the guest's own CR0/CR3/CR4/EFER and the CPU
     * runs with hvm_shadow_hw_ctrl's values.  Set by the probe.
     */
    bool hap, shadow;
    void (*set_shadow)(struct vcpu *v, uint64_t root_pa);
    /* Shadow only, on v's own entry path (hvm_shadow_before_entry): the
     * CPU's CR3 becomes root_pa (another cached shadow root). */
    void (*set_shadow_root)(struct vcpu *v, uint64_t root_pa);
    /* The 3-byte hypercall instruction written into the hypercall page. */
    void (*hypercall_insn)(uint8_t out[3]);
    /* Debug dump: v's state into *out, interrupts off, v not in guest mode
     * (paused, or this CPU runs it and is handling its exit).  Returns 0, or
     * -EAGAIN with out->held_on set when only another CPU can read it (a
     * VMCS active there); reads nothing then. */
    int (*dump_state)(struct vcpu *v, struct hvm_vcpu_state *out);
};

/* p2m permissions passed to p2m_encode: P2M_R/W/X in mm/p2m.h. */

extern const struct hvm_vendor_ops *hvm_vendor;      /* (i) chosen at boot, NULL if none */
/* Each backend's probe returns its table if the CPU can run HVM guests with
 * it (capabilities checked, global state set up), else NULL. */
const struct hvm_vendor_ops *svm_probe(void);
const struct hvm_vendor_ops *vmx_probe(void);

#endif
