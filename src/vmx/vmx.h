/*
 * Internal interface of the VT-x backend (src/vmx/ only).  Common code sees
 * nothing of this: it talks to vmx_ops (struct hvm_vendor_ops).
 */
#ifndef RV_VMX_VMX_H
#define RV_VMX_VMX_H

#include "lib/compiler.h"
#include "hvm/vendor.h"

struct vcpu;

/* What the probe decided, from the capability MSRs (SDM vol. 3D appendix A). */
struct vmx_config {
    uint32_t revision;                      /* IA32_VMX_BASIC[30:0] */
    uint32_t pin, proc, proc2, exit, entry; /* controls every VMCS starts with */
    uint64_t cr0_must1, cr0_may1;           /* IA32_VMX_CR0_FIXED0/1, PE/PG relaxed with UG */
    uint64_t cr0_fixed0;                    /* IA32_VMX_CR0_FIXED0 as read: shadow paging has no UG */
    bool ept;                               /* EPT and unrestricted guest in use: hap domains */
    bool efer_area;                         /* no load/save-EFER controls: EFER through the MSR-load
                                               areas (shadow paging only) */
    uint64_t host_efer;                     /* loaded at each exit when efer_area */
    uint64_t cr4_must1, cr4_may1;           /* IA32_VMX_CR4_FIXED0/1 */
    uint64_t cr0_mask, cr4_mask;            /* guest/host masks: host-owned bits */
    uint64_t misc;                          /* IA32_VMX_MISC */
    uint64_t ept_vpid;                      /* IA32_VMX_EPT_VPID_CAP */
    uint64_t eptp_flags;                    /* memory type, walk length, A/D of every EPTP */
    bool vpid;                              /* VPIDs in use (INVVPID all-context available) */
    bool invept_single;                     /* else all-context */
    bool exec_only;                         /* EPT execute-only entries allowed */
    bool sw_inject_len0;                    /* software events may be injected with length 0 */
    bool nmi_window;                        /* virtual NMIs and NMI-window exiting available */
    uint64_t io_bitmap_pa[2], msr_bitmap_pa;
};
extern struct vmx_config vmx_cfg;           /* (i) set by vmx_probe */

/* Per-vCPU backend state (v->vendor). */
struct vmx_vcpu {
    void *vmcs;                 /* (i) */
    uint64_t vmcs_pa;           /* (i) */
    int active_cpu;             /* CPU the VMCS is active on (loaded, not cleared), -1 none;
                                 * changed with interrupts off on that CPU */
    bool launched;              /* (r) launch state "launched" (VMRESUME next) */
    int last_cpu;               /* (r) CPU of the last entry, -1 before the first */
    uint64_t eptp;              /* (r) value in the VMCS */
    uint16_t vpid;              /* (r) value in the VMCS */
    uint32_t proc;              /* (r) primary controls in the VMCS */
    uint32_t entry;             /* (r) entry controls in the VMCS */
    uint64_t exit_rip;          /* (r) guest RIP at the last exit */
    uint64_t vmcs_rip, vmcs_rsp, vmcs_rflags;   /* (r) what the VMCS holds */
    uint64_t host_rsp;          /* (r) what VMCS_HOST_RSP holds (entry.S) */
    uint32_t intr_state;        /* (r) guest interruptibility at the last exit */
    bool nmi_injected;          /* (r) the VM-entry interruption field holds a valid NMI */
    uint64_t cr2;               /* (r) guest CR2: not in the VMCS, the CPU keeps it */
    uint64_t msrs[5];           /* (r) guest STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE */
    uint64_t pat;               /* (r) guest PAT when the CPU cannot switch it */
    /* Shadow paging (vmx_set_shadow, docs/shadow.md "Shadow paging on
     * VMX"): EPT and UG off, every CR0/CR4 bit host-owned (the read shadows
     * hold the guest's values, the VMCS what hvm_shadow_hw_ctrl says), CR3
     * loads/stores, INVLPG and #PF exit.  The guest's CR3 and EFER live here. */
    bool shadow;                /* (i) before the first run */
    bool sh_realmode;           /* (r) the guest's CR0.PE is 0: cannot be entered (no UG) */
    uint64_t sh_root;           /* (i) the shadow's root: the CPU's CR3 */
    uint64_t g_cr3, g_efer;     /* (r) */
    /* vmx_cfg.efer_area only: one page, 16-byte entries (24.7.2): [0..1]
     * the EFER the CPU loads at entry, [256..257] the host's, loaded at
     * exit.  The guest cannot write EFER itself (RDMSR/WRMSR exit). */
    uint64_t *msr_area;         /* (i) */
    /* Real mode without unrestricted guest: virtual-8086 mode while the
     * guest's CR0.PE is 0 (realmode.c, docs/shadow.md).  Owned by the
     * vCPU's own exit/entry paths; no lock. */
    struct vmx_rm {
        bool active;            /* (r) the VMCS holds the virtual-8086 form */
        bool dirty;             /* (r) seg changed: rewrite the VMCS segments before entry */
        uint64_t iopl;          /* (r) the guest's RFLAGS.IOPL (the CPU runs with 3) */
        uint32_t excbm;         /* (r) exception bitmap to restore on leaving */
        uint16_t vsel[6];       /* (r) ES..GS selectors written into the VMCS */
        struct hvm_seg seg[SEG_NR];     /* (r) the guest's ES..GS, TR, IDTR while active */
        bool pe_pending;        /* (r) CR0.PE set with CS/SS RPL not 0: emulated until enterable */
        uint8_t emul_logged;    /* (r) 1: segments, 2: PE switch: first "emulating" line logged */
        uint64_t entries, gp_exits, emulated, reflected;    /* (r) statistics */
        uint64_t emul_runs, emul_pe_runs, emul_insns;       /* (r) emulate-while-not-enterable */
    } rm;
};

#ifndef EFER_LMA
#define EFER_LMA (1u << 10)
#endif
#ifndef CR0_NW
#define CR0_NW (1u << 29)
#endif
#ifndef CR0_CD
#define CR0_CD (1u << 30)
#endif
#ifndef CR0_ET
#define CR0_ET (1u << 4)
#endif
#ifndef CR0_TS
#define CR0_TS (1u << 3)
#endif
#ifndef CR4_PSE
#define CR4_PSE (1u << 4)
#endif
#ifndef CR4_PCIDE
#define CR4_PCIDE (1u << 17)
#endif
#ifndef CR4_SMAP
#define CR4_SMAP (1u << 21)
#endif
#ifndef CR4_PKE
#define CR4_PKE (1u << 22)
#endif

/* The VMCS of x is the current one on this CPU, loaded if needed (see
 * vmx.c); between vmcs_get and vmcs_put the caller may VMREAD/VMWRITE it.
 * Returns false (logged) when the VMCS is active on another CPU. */
struct vmcs_ctx { uint64_t flags; struct vmx_vcpu *prev; bool temp, was_clear; };
bool vmcs_get(struct vmx_vcpu *x, struct vmcs_ctx *c);
void vmcs_put(struct vmx_vcpu *x, struct vmcs_ctx *c);

/* vmcs.c */
void vmcs_setup(struct vcpu *v);            /* controls and reset guest state; VMCS current */
void vmcs_write_host_state(void);           /* this CPU's host state; VMCS current */
void vmcs_report_fail(struct vcpu *v, int how);     /* VMLAUNCH/VMRESUME did not enter */
void vmcs_report_entry_exit(struct vcpu *v, uint32_t reason);   /* entry failed loading guest state */
const char *vmcs_insn_error_str(unsigned err);

/* ept.c */
uint64_t vmx_ept_encode(uint64_t addr, unsigned level, bool leaf, unsigned perms);
void vmx_tlb_prepare(struct vcpu *v, unsigned cpu);  /* VPID, INVVPID, INVEPT before an entry */

/* cr.c */
void vmx_handle_cr_access(struct vcpu *v, uint64_t qual, uint32_t insn_len);
bool vmx_load_pdptes(struct vcpu *v, uint64_t cr3);   /* false: invalid, nothing loaded */
uint64_t vmx_guest_cr0(const struct vmx_vcpu *x);   /* as the guest sees it; VMCS current */
uint64_t vmx_guest_cr4(const struct vmx_vcpu *x);
/* Shadow paging: a CR-access exit common code handles (MOV to CR0/CR3/CR4,
 * CLTS, LMSW become HVM_EXIT_CR_WRITE) or done here (MOV from CR3); false:
 * not one of those (CR8), vmx_handle_cr_access does it. */
bool vmx_shadow_cr_access(struct vcpu *v, uint64_t qual, uint32_t insn_len, struct hvm_exit *e);
void vmx_set_cr0_raw(uint64_t val);         /* guest view val: real value + shadow */
void vmx_set_cr4_raw(uint64_t val);
void vmx_set_ia32e(struct vcpu *v, bool lma);   /* "IA-32e mode guest" entry control = EFER.LMA */

/* vmx_check_hw.c: the guest-state checker on the current VMCS (hvm/vmstate.h). */
struct vmstate_finding;
bool vmx_check_find(struct vmstate_finding *f);     /* true: no rule broken */
bool vmx_check_before_entry(struct vcpu *v, bool launched);   /* false: reported, do not enter */
void vmx_check_explain(struct vcpu *v, const char *when);     /* after a failed entry: report */

/* shadow.c */
void vmx_set_shadow(struct vcpu *v, uint64_t root_pa);     /* vendor.h set_shadow */
void vmx_set_shadow_root(struct vcpu *v, uint64_t root_pa);    /* vendor.h set_shadow_root */
void vmx_set_ctrl_shadow(struct vcpu *v, struct vmx_vcpu *x, const struct hvm_ctrl *in);  /* VMCS current */
uint64_t vmx_hw_efer(const struct vmx_vcpu *x);     /* the EFER the CPU runs the guest with; VMCS current */
void vmx_set_hw_efer(struct vmx_vcpu *x, uint64_t efer);

/* realmode.c: the guest's real mode in virtual-8086 mode (shadow paging) */
enum vmx_rm_next { VMX_RM_ENTER, VMX_RM_EMULATE, VMX_RM_FAIL };
enum vmx_rm_next vmx_rm_before_entry(struct vcpu *v, struct vmx_vcpu *x);  /* VMCS current; FAIL: logged */
void vmx_rm_emulate(struct vcpu *v, struct vmx_vcpu *x, struct hvm_exit *e);  /* after VMX_RM_EMULATE */
void vmx_rm_after_exit(struct vcpu *v, struct vmx_vcpu *x);    /* rm.active: RFLAGS, selectors */
uint64_t vmx_rm_hw_rflags(struct vmx_vcpu *x, uint64_t rflags); /* what the CPU runs with */
void vmx_rm_exception(struct vcpu *v, struct vmx_vcpu *x, uint32_t info, struct hvm_exit *e);
void vmx_rm_inject(struct vcpu *v, struct vmx_vcpu *x, unsigned type, uint8_t vector);
bool vmx_rm_get_seg(struct vmx_vcpu *x, enum hvm_segreg s, struct hvm_seg *out);   /* false: VMCS's */
bool vmx_rm_set_seg(struct vmx_vcpu *x, enum hvm_segreg s, const struct hvm_seg *in);
void vmx_rm_report(struct vcpu *v, struct vmx_vcpu *x);

/* intr.c: the interrupt and NMI windows (vendor.h) */
bool vmx_event_pending(struct vcpu *v);
bool vmx_interrupts_enabled(struct vcpu *v);
void vmx_request_intr_window(struct vcpu *v, bool on);
bool vmx_nmi_allowed(struct vcpu *v);
void vmx_request_nmi_window(struct vcpu *v, bool on);

/* vmx.c */
extern struct hvm_vendor_ops vmx_ops;       /* (i) p2m flags completed by vmx_probe */
extern const uint32_t vmx_lazy_msrs[5];     /* STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE */
/* setup.c */
int vmx_cpu_up(void);
void vmx_inject(struct vcpu *v, unsigned type, uint8_t vector, bool has_err, uint32_t err);

#endif
