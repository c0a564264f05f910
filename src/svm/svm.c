/*
 * AMD-V backend (AMD64 APM vol. 2 chapter 15).  Everything vendor-specific
 * stays here: the VMCB, intercept bitmaps, ASIDs in the VMCB, the exit codes
 * and their translation into struct hvm_exit.  Policy (what a CPUID returns,
 * which MSRs exist, what an I/O port does) is in src/hvm/.
 */
#include "svm/vmcb.h"
#include "svm/svm_check.h"
#include "hvm/vendor.h"
#include "hvm/hvm.h"
#include "hvm/ctrlreg.h"
#include "hvm/shadow.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/console.h"
#include "arch/x86/cpufeature.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"

#define MSR_VM_HSAVE_PA 0xc0010117

struct svm_vcpu {
    struct vmcb *vmcb;      /* (i) */
    uint64_t vmcb_pa;       /* (i) */
    /* NMI blocking, which SVM does not show in the VMCB: set when an NMI is
     * injected, cleared once the guest's IRET has completed, i.e. at the
     * first exit after the intercepted IRET with RIP elsewhere (APM 15.21.4
     * leaves the tracking to the hypervisor). */
    bool nmi_masked;        /* (r) */
    bool iret_seen;         /* (r) the IRET ending the NMI handler is executing */
    uint64_t iret_rip;      /* (r) */
    /* An NMI waits for that IRET: RFLAGS.TF was set under it so that the
     * single-step #DB after the IRET exits at once, whatever RFLAGS.IF is
     * (the interrupt window would wait for IF = 1).  The #DB is ours, not
     * the guest's: it is dropped and DR6 restored (svm_nmi_step_done). */
    bool nmi_step;          /* (r) */
    uint64_t nmi_step_dr6;  /* (r) guest DR6 before the step */
    /* The exit before the current one, for the report when a VMCB comes
     * back holding host state (svm_vcpu_run). */
    struct { uint64_t code, info1, rip, eventinj; unsigned cpu; } prev;    /* (r) */
    /* The guest's CR4.UMIP when it is emulated (svm_ops.umip_emulated):
     * never in the VMCB's CR4, whose reserved bits VMRUN refuses. */
    bool umip;              /* (r) */
    bool bad_inject_seen;   /* (r) the IF = 0 injection report was printed */
    /* A maskable interrupt travels in V_IRQ, not EVENTINJ (svm_set_virq):
     * set from the injection until the CPU has taken it. */
    bool virq;              /* (r) */
    /* Shadow paging (svm_set_shadow, hvm/shadow.h): the guest's own CR0,
     * CR3, CR4 (UMIP apart, above) and EFER (without SVME); the VMCB holds
     * what the CPU runs with (hvm_shadow_hw_ctrl) and the shadow's root. */
    bool shadow;            /* (i) before the first run */
    uint64_t g_cr0, g_cr3, g_cr4, g_efer;   /* (r) */
    uint64_t sh_root;       /* (i) */
};

#define SVM_INT_INVLPG      (1u << 25)      /* intercept_misc1 (APM 15.9) */
#define SVM_EXIT_CR3_READ   0x003
#define SVM_EXIT_CR3_WRITE  0x013
#define SVM_EXIT_INVLPG     0x079

static struct {
    uint64_t hsave_pa;      /* host state VMRUN saves (APM 15.30.4) */
    uint64_t host_vmcb_pa;  /* host state VMSAVE/VMLOAD carry */
} svm_cpu[RV_MAX_CPUS] __hot_data;     /* (o) per physical CPU */

static uint64_t iopm_pa, msrpm_pa;     /* (i) shared by every vCPU */
static struct hvm_vendor_ops svm_ops __hot_data;   /* defined below, next to its functions */
static bool has_nrips __hot_data;                 /* (i) */
static struct svm_check_caps check_caps;   /* (i) what the guest-state checker holds VMCBs to */

void svm_enter(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_vmcb_pa);
extern const char svm_vmrun_return[];   /* entry.S: the host RIP VMRUN saves */

static int svm_cpu_up(void)
{
    unsigned cpu = smp_processor_id();
    void *hsave = alloc_pages(0, DOMID_XEN), *host = alloc_pages(0, DOMID_XEN);

    if (!hsave || !host)
        return -ENOMEM;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(hsave));
    svm_cpu[cpu].hsave_pa = virt_to_phys(hsave);
    svm_cpu[cpu].host_vmcb_pa = virt_to_phys(host);
    return 0;
}

/* MSRs whose state lives in the VMCB (loaded/saved by VMRUN/VMLOAD/VMSAVE):
 * the guest may access them directly. */
static const uint32_t passthrough_msrs[] = {
    0xc0000100, 0xc0000101, 0xc0000102,         /* FS/GS/KERNEL_GS base */
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,   /* STAR, LSTAR, CSTAR, SFMASK */
    0x174, 0x175, 0x176,                        /* SYSENTER_CS/ESP/EIP */
};

static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    /* Three 2 KiB blocks for MSRs 0-0x1fff, 0xc0000000-, 0xc0010000-; two
     * bits per MSR (read, write) (APM 15.11). */
    uint32_t base = msr < 0x2000 ? 0 : msr >= 0xc0010000 ? 0x1000 : 0x800;
    uint32_t bit = (msr & 0x1fff) * 2;
    pm[base + bit / 8] &= ~(3u << (bit % 8));
}

/* The guest-state checker's view of this CPU (svm_check.h): the CR4 and
 * EFER bits it implements, from its own CPUID, not the guests' policy. */
static void svm_check_init_caps(void)
{
    uint32_t l1[4] = { 0 }, l7[4] = { 0 }, e1[4] = { 0 }, e8[4] = { 0 };

    cpuid(1, &l1[0], &l1[1], &l1[2], &l1[3]);
    if (boot_cpu.max_leaf >= 7)
        cpuid_count(7, 0, &l7[0], &l7[1], &l7[2], &l7[3]);
    if (boot_cpu.max_ext_leaf >= 0x80000001u)
        cpuid(0x80000001u, &e1[0], &e1[1], &e1[2], &e1[3]);
    if (boot_cpu.max_ext_leaf >= 0x80000008u)
        cpuid(0x80000008u, &e8[0], &e8[1], &e8[2], &e8[3]);
    svm_check_caps_from_cpuid(&check_caps, l1, l7, e1, e8);
    if (boot_cpu.phys_addr_bits)
        check_caps.phys_bits = boot_cpu.phys_addr_bits;
}

static int svm_global_init(void)
{
    void *iopm = alloc_pages(2, DOMID_XEN), *msrpm = alloc_pages(1, DOMID_XEN);

    if (!iopm || !msrpm)
        return -ENOMEM;
    /* Intercept every port and every MSR by default: the guest sees only
     * what src/hvm emulates. */
    memset(iopm, 0xff, 4 * 4096);
    memset(msrpm, 0xff, 2 * 4096);
    for (unsigned i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(msrpm, passthrough_msrs[i]);
    iopm_pa = virt_to_phys(iopm);
    msrpm_pa = virt_to_phys(msrpm);
    has_nrips = boot_cpu.svm.features & SVM_FEAT_NRIPS;
    svm_check_init_caps();
    return 0;
}

static int svm_vcpu_create(struct vcpu *v)
{
    struct svm_vcpu *s = xzalloc(sizeof(*s), HEAP_HVM);
    struct vmcb *vmcb = alloc_pages(0, DOMID_XEN);

    if (!s || !vmcb) {
        xfree(s);
        if (vmcb)
            free_pages(vmcb, 0);
        return -ENOMEM;
    }
    s->vmcb = vmcb;
    s->vmcb_pa = virt_to_phys(vmcb);
    v->vendor = s;

    vmcb->intercept_misc1 = SVM_INT_INTR | SVM_INT_NMI | SVM_INT_SMI | SVM_INT_INIT | SVM_INT_CPUID |
                            SVM_INT_INVD | SVM_INT_HLT | SVM_INT_IOIO | SVM_INT_MSR |
                            SVM_INT_TASKSWITCH | SVM_INT_SHUTDOWN | SVM_INT_INVLPGA;
    /* VMRUN must be intercepted (APM 15.5.1: VMRUN with it clear is an
     * invalid guest state); the other SVM instructions would let the guest
     * touch host state. */
    vmcb->intercept_misc2 = SVM_INT_VMRUN | SVM_INT_VMMCALL | SVM_INT_VMLOAD | SVM_INT_VMSAVE |
                            SVM_INT_STGI | SVM_INT_CLGI | SVM_INT_SKINIT | SVM_INT_MONITOR |
                            SVM_INT_MWAIT | SVM_INT_XSETBV;
    /* MOV to CR0/CR4 (and CLTS, LMSW) exit so that hvm/ctrlreg.c applies
     * the guest's CR policy before a value reaches the VMCB: the CPU would
     * accept CR4 bits the guest's CPUID hides (docs/hvm-platform.md). */
    vmcb->intercept_cr = (1u << (16 + 0)) | (1u << (16 + 4));
    /* #AC, #DB (and #UD with hvm_fep): the policy is common code's. */
    vmcb->intercept_exc = hvm_exception_intercepts();
    /* Emulated UMIP: Bochs (and perhaps other SVM CPUs) raise #GP for a
     * MOV to CR4 setting UMIP before the CR4 write intercept; the #GP is
     * turned into that write (hvm_gp_cr4_write) or given back. */
    if (svm_ops.umip_emulated)
        vmcb->intercept_exc |= 1u << 13;
    vmcb->iopm_base_pa = iopm_pa;
    vmcb->msrpm_base_pa = msrpm_pa;
    vmcb->tsc_offset = v->tsc_offset;
    vmcb->vintr = 1ull << 24;           /* V_INTR_MASKING: host IF governs physical interrupts */
    vmcb->np_enable = 1;
    vmcb->n_cr3 = v->domain->p2m.root_pa;
    vmcb->g_pat = 0x0007040600070406ull;    /* PAT power-on value */
    vmcb->efer = EFER_SVME;             /* required set while in the guest (APM 15.5.1) */
    vmcb->cr0 = 0x60000010;             /* CD NW ET: the reset value */
    vmcb->dr6 = 0xffff0ff0;
    vmcb->dr7 = 0x400;
    vmcb->rflags = 2;
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *s = v->vendor;

    if (!s)
        return;
    free_pages(s->vmcb, 0);
    xfree(s);
    v->vendor = NULL;
}

__hot_path static struct vmcb *vmcb_of(struct vcpu *v)
{
    return ((struct svm_vcpu *)v->vendor)->vmcb;
}

/* Instruction lengths for exits that advance RIP, when the CPU has no NRIP
 * save (QEMU TCG): these instructions have one encoding each. */
static uint32_t insn_len(struct vmcb *vmcb)
{
    if (has_nrips && vmcb->nrip > vmcb->rip)
        return (uint32_t)(vmcb->nrip - vmcb->rip);
    switch (vmcb->exitcode) {
    case SVM_EXIT_CPUID: return 2;      /* 0f a2 */
    case SVM_EXIT_MSR: return 2;        /* 0f 32 / 0f 30 */
    case SVM_EXIT_HLT: return 1;        /* f4 */
    case SVM_EXIT_VMMCALL: return 3;    /* 0f 01 d9 */
    case SVM_EXIT_XSETBV: return 3;     /* 0f 01 d1 */
    case SVM_EXIT_INVD: return 2;       /* 0f 08 */
    case SVM_EXIT_PAUSE: return 2;      /* f3 90 */
    case SVM_EXIT_IOIO: return (uint32_t)(vmcb->exitinfo2 - vmcb->rip);  /* EXITINFO2 = next RIP */
    default: return 0;
    }
}

__hot_path static void decode_exit(struct svm_vcpu *s, struct hvm_exit *x, struct guest_regs *regs)
{
    struct vmcb *vmcb = s->vmcb;
    uint64_t code = vmcb->exitcode, i1 = vmcb->exitinfo1;

    bool step_trap = false;

    if (s->iret_seen && vmcb->rip != s->iret_rip) {
        s->iret_seen = false;
        s->nmi_masked = false;
        /* Our single step: the #DB trap right after the IRET.  DR6.BS is
         * not looked at: whether DR6 is updated before a #DB intercept
         * differs (QEMU sets BS, Bochs does not); the guest's own value is
         * put back either way. */
        if (s->nmi_step && code == SVM_EXIT_EXCP_BASE + 1) {
            vmcb->dr6 = s->nmi_step_dr6;
            step_trap = true;
        }
        s->nmi_step = false;
    }

    memset(x, 0, sizeof(*x));
    x->raw = code;
    x->insn_len = insn_len(vmcb);
    if (step_trap) {
        x->reason = HVM_EXIT_NONE;
        return;
    }
    if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
        x->reason = HVM_EXIT_EXCEPTION;
        x->qual = code - SVM_EXIT_EXCP_BASE;
        if (x->qual == 13) {
            /* #GP is intercepted for emulated UMIP and given back, so when
             * the delivery of a #GP or #DF we injected (s->prev) raises #GP
             * again it must become #DF, then a shutdown (SDM vol. 3, 6.15,
             * table 6-5), or an IDT that cannot deliver #GP would loop.  Only
             * our own events are trusted here: Bochs leaves other vectors in
             * EXITINTINFO when INT n's gate checks fail, which is no nesting.
             * (A #GP during the delivery of a native #NP/#SS/#TS/#PF is given
             * back as a #GP, not a #DF.) */
            uint64_t ii = vmcb->exitintinfo, pi = s->prev.eventinj;
            unsigned iv = ii & 0xff;
            bool nested = (ii & SVM_EVTINJ_VALID) && (ii & (7u << 8)) == SVM_EVTINJ_TYPE_EXC &&
                          (iv == 8 || iv == 13) && (pi & SVM_EVTINJ_VALID) &&
                          (pi & (7u << 8)) == SVM_EVTINJ_TYPE_EXC && (pi & 0xff) == iv;
            if (nested && iv == 8) {
                vmcb->eventinj = 0;
                x->reason = HVM_EXIT_SHUTDOWN;
                return;
            }
            if (nested) {
                vmcb->eventinj = 8 | SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_VALID | SVM_EVTINJ_EV;
                x->reason = HVM_EXIT_NONE;
                return;
            }
            x->qual |= (uint64_t)(uint32_t)i1 << 32;   /* EXITINFO1: the error code (APM 15.12) */
        }
        if (x->qual == 14) {
            /* Shadow paging: EXITINFO1 the error code, EXITINFO2 the
             * faulting linear address (APM 15.12.15). */
            x->qual |= (uint64_t)(uint32_t)i1 << 32;
            x->gpa = vmcb->exitinfo2;
        }
        return;
    }
    switch (code) {
    case SVM_EXIT_INTR: x->reason = HVM_EXIT_INTR; break;
    case SVM_EXIT_NMI: x->reason = HVM_EXIT_NMI; break;
    case SVM_EXIT_VINTR: x->reason = HVM_EXIT_VINTR; break;
    case SVM_EXIT_XSETBV: x->reason = HVM_EXIT_XSETBV; break;
    case SVM_EXIT_IRET:
        /* The NMI handler returns: NMIs unblock once this IRET is done. */
        vmcb->intercept_misc1 &= ~SVM_INT_IRET;
        s->iret_seen = true;
        s->iret_rip = vmcb->rip;
        x->reason = HVM_EXIT_NONE;
        break;
    case SVM_EXIT_CR0_WRITE:
    case SVM_EXIT_CR3_WRITE:
    case SVM_EXIT_CR4_WRITE:
        /* With decode assists EXITINFO1 bit 63 marks a MOV to CR and
         * bits 3:0 name its source register (APM 15.8.1). */
        x->reason = HVM_EXIT_CR_WRITE;
        x->qual = code - SVM_EXIT_CR0_WRITE;
        if ((boot_cpu.svm.features & SVM_FEAT_DECODE_ASSISTS) && (i1 & (1ull << 63)))
            x->qual |= HVM_CR_QUAL_GPR_VALID | ((i1 & 15) << 8);
        break;
    case SVM_EXIT_CPUID: x->reason = HVM_EXIT_CPUID; break;
    case SVM_EXIT_CR0_READ:
    case SVM_EXIT_CR3_READ:
    case SVM_EXIT_CR4_READ:
    case SVM_EXIT_INVLPG:       /* shadow paging: emulated, the emulator tells the shadow */
    case SVM_EXIT_IDTR_READ:
    case SVM_EXIT_GDTR_READ:
    case SVM_EXIT_LDTR_READ:
    case SVM_EXIT_TR_READ:
        x->reason = HVM_EXIT_DESC_ACCESS;   /* armed only for emulated UMIP (svm_set_umip) */
        break;
    case SVM_EXIT_HLT: x->reason = HVM_EXIT_HLT; break;
    case SVM_EXIT_PAUSE: x->reason = HVM_EXIT_PAUSE; break;
    case SVM_EXIT_VMMCALL: x->reason = HVM_EXIT_HYPERCALL; break;
    /* The guest runs with EFER.SVME set (the CPU requires it) but is told
     * of no SVM, nor of MONITOR/MWAIT: as on Xen without nested
     * virtualisation, these instructions raise #UD in the guest (the path
     * of an intercepted #UD, hvm_handle_ud).  INVLPGA would otherwise
     * invalidate other ASIDs' TLB entries on this CPU. */
    case SVM_EXIT_VMRUN:
    case SVM_EXIT_VMLOAD:
    case SVM_EXIT_VMSAVE:
    case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI:
    case SVM_EXIT_SKINIT:
    case SVM_EXIT_INVLPGA:
    case SVM_EXIT_MONITOR:
    case SVM_EXIT_MWAIT:
        x->reason = HVM_EXIT_EXCEPTION;
        x->qual = 6;
        break;
    case SVM_EXIT_SHUTDOWN: x->reason = HVM_EXIT_SHUTDOWN; break;
    case SVM_EXIT_INVALID: x->reason = HVM_EXIT_INVALID; break;
    case SVM_EXIT_MSR:
        x->reason = i1 ? HVM_EXIT_MSR_WRITE : HVM_EXIT_MSR_READ;
        x->msr = (uint32_t)regs->rcx;
        break;
    case SVM_EXIT_IOIO:
        /* EXITINFO1 (APM 15.10.2): bit 0 IN, 2 string, 3 REP, 4-6 size, 31:16 port. */
        x->reason = HVM_EXIT_IO;
        x->io.port = (uint16_t)(i1 >> 16);
        x->io.in = i1 & 1;
        x->io.string = i1 & 4;
        x->io.rep = i1 & 8;
        x->io.size = (i1 & 0x10) ? 1 : (i1 & 0x20) ? 2 : 4;
        break;
    case SVM_EXIT_NPF:
        /* EXITINFO1 is a page-fault error code (APM 15.25.6). */
        x->reason = HVM_EXIT_NPF;
        x->gpa = vmcb->exitinfo2;
        x->qual = ((i1 & 2) ? HVM_NPF_WRITE : HVM_NPF_READ) | ((i1 & 16) ? HVM_NPF_FETCH : 0) |
                  ((i1 & 1) ? HVM_NPF_PRESENT : 0);
        break;
    default:
        x->reason = HVM_EXIT_UNHANDLED;
        break;
    }
}

/* The V_IRQ fields of vmcb->vintr (APM 15.21.4, vmcb.h). */
#define VINTR_IRQ           (1ull << 8)
#define VINTR_PRIO          (0xfull << 16)
#define VINTR_IGN_TPR       (1ull << 20)
#define VINTR_VEC_SHIFT     32
#define VINTR_VEC           (0xffull << VINTR_VEC_SHIFT)

/*
 * Maskable interrupts are delivered as virtual interrupts (V_IRQ with the
 * vector, priority 15, TPR ignored: the vLAPIC already applied its PPR),
 * which the CPU takes by itself at the first instruction boundary where
 * RFLAGS.IF = 1 and no interrupt shadow, and then clears V_IRQ (APM vol. 2
 * 15.21.4).  Not through EVENTINJ: QEMU 7.2's TCG delivers an EVENTINJ
 * interrupt inside VMRUN but leaves its vector as the CPU's pending
 * exception, so the next time anything stops that CPU's execution loop
 * (the round-robin kick between vCPUs, the I/O thread) before the guest
 * exits or faults, it delivers the same vector a second time, wherever the
 * guest then is, interrupts off or not.  Debian's kernel under load saw
 * that as its callback vector arriving at the first instruction of the
 * callback handler (a nested entry without SWAPGS: a fault loop on the
 * entry stack), or inside a region holding a spinlock with interrupts off
 * (a self-deadlock) - about 1 boot in 10 with 2 vCPUs on a loaded host
 * (docs/hvm.md).  V_IRQ delivery takes QEMU's ordinary interrupt path.
 * Only there: Bochs 2.7 (ryzen) did not deliver V_IRQ interrupts this way
 * (bochs_hvm_ryzen's LAPIC and HPET tests failed), and hardware and Bochs
 * have no such EVENTINJ bug.
 */
static bool virq_delivery __hot_data;     /* (i) svm_probe: only under QEMU's TCG (below) */

__hot_path static void svm_set_virq(struct svm_vcpu *s, uint8_t vector)
{
    struct vmcb *vmcb = s->vmcb;
    vmcb->vintr = (vmcb->vintr & ~(VINTR_VEC | VINTR_PRIO)) | VINTR_IRQ | VINTR_IGN_TPR | VINTR_PRIO |
                  ((uint64_t)vector << VINTR_VEC_SHIFT);
    vmcb->intercept_misc1 &= ~SVM_INT_VINTR;    /* a VINTR intercept would exit instead of delivering */
    s->virq = true;
}

static void svm_request_intr_window(struct vcpu *v, bool on);

__hot_path static void svm_vcpu_run(struct vcpu *v, struct hvm_exit *x)
{
    struct svm_vcpu *s = v->vendor;
    struct vmcb *vmcb = s->vmcb;
    unsigned cpu = smp_processor_id();
    bool flush_all = false;

    vmcb->asid = hvm_tlb_tag_select(v, boot_cpu.svm.nr_asids, &flush_all);
    /* TLB_CONTROL 1 flushes every ASID: needed once per generation, since
     * recycled ASIDs may still have entries from their previous owners. */
    vmcb->tlb_control = flush_all ? 1 : 0;
    vmcb->n_cr3 = v->domain->p2m.root_pa;
    /* An instruction the hypervisor completed (RIP moved) ends the STI /
     * MOV SS shadow it was in, e.g. the HLT of "sti; hlt". */
    if (vmcb->rip != v->regs.rip)
        vmcb->int_state &= ~1ull;
    vmcb->rax = v->regs.rax;
    vmcb->rsp = v->regs.rsp;
    vmcb->rip = v->regs.rip;
    vmcb->rflags = v->regs.rflags;

    uint64_t eventinj = vmcb->eventinj;
    struct vmstate_finding finding;
    if (unlikely(hvm_vmstate_check) && (eventinj & SVM_EVTINJ_VALID) && !(eventinj & (7u << 8)) &&
        (!(vmcb->rflags & (1u << 9)) || (vmcb->int_state & 1)) && !s->bad_inject_seen) {
        /* A maskable interrupt the guest cannot take now (IF = 0 or an STI
         * shadow): hvm_intr_assist must never do that; the CPU would deliver
         * it anyway.  Said once per vCPU, with what led to it. */
        s->bad_inject_seen = true;
        log_err("vmstate: d%u v%u: injecting vector %#lx with RFLAGS %#lx, shadow %lu at RIP %#lx; previous exit "
                "%#lx info1 %#lx RIP %#lx injected %#lx\n", v->domain->domid, v->vcpu_id,
                (unsigned long)(eventinj & 0xff), (unsigned long)vmcb->rflags,
                (unsigned long)(vmcb->int_state & 1), (unsigned long)vmcb->rip, (unsigned long)s->prev.code,
                (unsigned long)s->prev.info1, (unsigned long)s->prev.rip, (unsigned long)s->prev.eventinj);
    }
    if (unlikely(hvm_vmstate_check) && !svm_check_vmcb(vmcb, &check_caps, &finding)) {
        /* Never VMRUN a state the checker refuses: name the rule, stop the
         * domain (hvm/vmstate.c). */
        hvm_vmstate_report(v, "before VMRUN", &finding);
        memset(x, 0, sizeof(*x));
        x->reason = HVM_EXIT_INVALID;
        x->qual = HVM_INVALID_BY_CHECKER;
        x->raw = SVM_EXIT_INVALID;
        return;
    }
    v->vmrun_tsc = rdtsc();         /* the hypervisor's time per exit ends here (hvm.c run_loop) */
    svm_enter(s->vmcb_pa, &v->regs, svm_cpu[cpu].host_vmcb_pa);
    v->vmexit_tsc = rdtsc();

    /* VMEXIT_INVALID is -1 in the 64-bit EXITCODE (APM appendix C); QEMU
     * 7.2's TCG writes it as 0xffffffff (the upper half 0).  No exit code
     * has that low half otherwise, so both mean "VMRUN refused the state";
     * unrecognised, it was reported as an unhandled exit. */
    if ((uint32_t)vmcb->exitcode == 0xffffffffu)
        vmcb->exitcode = SVM_EXIT_INVALID;
    if (vmcb->rip == (uint64_t)svm_vmrun_return && vmcb->cr3 == read_cr3()) {
        /* The guest's saved state is this CPU's own host state: only the
         * CPU (or the emulator standing in for it) writes these fields, and
         * resuming would run the guest at a hypervisor address.  Never seen
         * on hardware; QEMU 7.2 TCG with 2 CPUs does it about once in 500
         * pvh_ring runs (docs/hvm.md).  Putting the state from before VMRUN
         * back does not give a sound guest (it was tried), so say all we
         * know and stop this guest only. */
        log_err("svm: d%u v%u: VMCB %#lx came back holding the host's state (exit %#lx info1 %#lx "
                "exitintinfo %#lx, injected %#lx) on cpu%u; the exit before: %#lx info1 %#lx RIP %#lx "
                "injected %#lx on cpu%u\n", v->domain->domid, v->vcpu_id, (unsigned long)s->vmcb_pa,
                (unsigned long)vmcb->exitcode, (unsigned long)vmcb->exitinfo1, (unsigned long)vmcb->exitintinfo,
                (unsigned long)eventinj, cpu, (unsigned long)s->prev.code, (unsigned long)s->prev.info1,
                (unsigned long)s->prev.rip, (unsigned long)s->prev.eventinj, s->prev.cpu);
        vmcb->exitcode = SVM_EXIT_INVALID;  /* handled as refused state: the domain is crashed */
    } else if (vmcb->exitcode == SVM_EXIT_INVALID) {
        /* The CPU refused the state: say which rule it breaks, if the
         * checker knows it (checked whether or not vmstate_check is on). */
        if (svm_check_vmcb(vmcb, &check_caps, &finding))
            finding.rule = 0;
        hvm_vmstate_report(v, "VMRUN refused it (VMEXIT_INVALID)", &finding);
    }
    s->prev.code = vmcb->exitcode;
    s->prev.info1 = vmcb->exitinfo1;
    s->prev.rip = vmcb->rip;
    s->prev.eventinj = eventinj;
    s->prev.cpu = cpu;

    v->regs.rax = vmcb->rax;
    v->regs.rsp = vmcb->rsp;
    v->regs.rip = vmcb->rip;
    v->regs.rflags = vmcb->rflags;
    vmcb->eventinj = 0;
    /* Taken: the CPU cleared V_IRQ.  Still set: not taken yet (an exit of
     * higher priority came first), and it stays for the next entry. */
    if (s->virq && !(vmcb->vintr & VINTR_IRQ))
        s->virq = false;
    /* An event cut short by this exit (e.g. its delivery hit an NPF) must be
     * delivered again (APM 15.7.2); an interrupt through V_IRQ again. */
    if (vmcb->exitintinfo & SVM_EVTINJ_VALID) {
        uint64_t ii = vmcb->exitintinfo;
        /* QEMU's TCG records an external interrupt (one it took through
         * V_IRQ) whose delivery was cut short with the exception type (3):
         * seen under shadow paging, when the IDT, handler or stack is not
         * in the shadow yet.  An exception has a vector below 32 (APM
         * 15.20), so type 3 with a vector of 32 or above can only be that
         * interrupt: it is delivered again as one. */
        if ((ii & (7u << 8)) == SVM_EVTINJ_TYPE_EXC && (ii & 0xff) >= 32)
            ii = (ii & ~((7ull << 8) | SVM_EVTINJ_EV | (0xffffffffull << 32))) | SVM_EVTINJ_TYPE_INTR;
        /* The guest's own INT n cut short (its IVT/IDT entry, handler or
         * stack not in the shadow or NPT yet): RIP is still on the INT n,
         * so it runs again.  Injected as a software interrupt it would push
         * that RIP, and the handler's IRET would run INT n a second time
         * (the realmode guest's int-n-ivt check under shadow paging).  One
         * we injected ourselves (RIP already past it) goes again. */
        uint64_t pi = s->prev.eventinj;
        bool own_soft = (pi & SVM_EVTINJ_VALID) && (pi & (7u << 8)) == SVM_EVTINJ_TYPE_SOFT &&
                        (pi & 0xff) == (ii & 0xff);
        if ((ii & (7u << 8)) == SVM_EVTINJ_TYPE_SOFT && !own_soft) {
            /* nothing to deliver: the instruction does it */
        } else if (virq_delivery && (ii & (7u << 8)) == SVM_EVTINJ_TYPE_INTR) {
            svm_set_virq(s, (uint8_t)ii);
        } else {
            vmcb->eventinj = ii;
        }
    }
    decode_exit(s, x, &v->regs);
}

__hot_path static void svm_get_seg(struct vcpu *v, enum hvm_segreg sr, struct hvm_seg *out)
{
    const struct vmcb_seg *s = &vmcb_of(v)->es + sr;
    *out = (struct hvm_seg){ s->sel, s->attr, s->limit, s->base };
}

static void svm_set_seg(struct vcpu *v, enum hvm_segreg sr, const struct hvm_seg *in)
{
    struct vmcb *vmcb = vmcb_of(v);
    struct vmcb_seg *s = &vmcb->es + sr;
    *s = (struct vmcb_seg){ in->sel, in->attr, in->limit, in->base };
    if (sr == SEG_SS)
        vmcb->cpl = (in->attr >> 5) & 3;    /* CPL is SS.DPL (APM 15.5.1) */
}

__hot_path static void svm_get_ctrl(struct vcpu *v, struct hvm_ctrl *c)
{
    struct vmcb *vmcb = vmcb_of(v);
    struct svm_vcpu *s = v->vendor;
    c->cr0 = s->shadow ? s->g_cr0 : vmcb->cr0;
    c->cr2 = vmcb->cr2;
    c->cr3 = s->shadow ? s->g_cr3 : vmcb->cr3;
    c->cr4 = (s->shadow ? s->g_cr4 : vmcb->cr4) | (s->umip ? CR4_UMIP : 0);
    c->efer = (s->shadow ? s->g_efer : vmcb->efer) & ~(uint64_t)EFER_SVME;    /* the guest never sees SVME */
    c->pat = vmcb->g_pat;
    c->cpl = vmcb->cpl;
    /* Nested paging keeps no PDPTE registers: a PAE walk reads them from
     * guest memory each time (mm/gwalk.h). */
    c->pdptes_valid = false;
}

/*
 * Emulated CR4.UMIP (APM 15.8.1, 15.11): while the guest has it set,
 * intercept the reads of IDTR, GDTR, LDTR and TR (SIDT, SGDT, SLDT, STR)
 * and of CR0, which covers SMSW as well as MOV from CR0; and of CR4, so
 * that the guest reads back the CR4.UMIP the VMCB does not hold.  Each of
 * those exits is emulated (HVM_EXIT_DESC_ACCESS), #GP(0) at CPL > 0.
 */
static void svm_set_umip(struct vcpu *v, bool on)
{
    struct svm_vcpu *s = v->vendor;
    const uint32_t misc = SVM_INT_IDTR_READ | SVM_INT_GDTR_READ | SVM_INT_LDTR_READ | SVM_INT_TR_READ;
    const uint32_t crs = (1u << 0) | (1u << 4);         /* reads of CR0 and CR4 */

    s->umip = on;
    s->vmcb->cr4 &= ~(uint64_t)CR4_UMIP;
    if (on) {
        s->vmcb->intercept_misc1 |= misc;
        s->vmcb->intercept_cr |= crs;
    } else {
        s->vmcb->intercept_misc1 &= ~misc;
        if (!s->shadow)
            s->vmcb->intercept_cr &= ~crs;      /* shadow paging reads them all (svm_set_shadow) */
    }
}

static void svm_set_ctrl(struct vcpu *v, const struct hvm_ctrl *c)
{
    struct vmcb *vmcb = vmcb_of(v);
    struct svm_vcpu *s = v->vendor;
    uint64_t efer = c->efer;
    vmcb->cr0 = c->cr0;
    vmcb->cr2 = c->cr2;
    vmcb->cr3 = c->cr3;
    vmcb->cr4 = c->cr4;
    if (s->shadow) {
        s->g_cr0 = c->cr0;
        s->g_cr3 = c->cr3;
        s->g_cr4 = c->cr4 & ~(uint64_t)(svm_ops.umip_emulated ? CR4_UMIP : 0);
        s->g_efer = c->efer & ~(uint64_t)EFER_SVME;
        uint64_t cr0, cr4;
        hvm_shadow_hw_ctrl(c->cr0, c->cr4, c->efer, &cr0, &cr4, &efer);
        vmcb->cr0 = cr0;
        vmcb->cr4 = cr4;
        vmcb->cr3 = s->sh_root;
    }
    if (svm_ops.umip_emulated)
        svm_set_umip(v, c->cr4 & CR4_UMIP);
    vmcb->efer = efer | EFER_SVME;
    vmcb->g_pat = c->pat;
}

/* Shadow paging for v (vendor.h): nested paging off, the CPU's CR3 the
 * shadow's root, and the intercepts the shadow needs: #PF (fills),
 * MOV to CR3 (flush), INVLPG (drop), and reads of CR0/CR3/CR4, which
 * differ from what the CPU holds (SVM has no read shadows). */
static void svm_set_shadow(struct vcpu *v, uint64_t root_pa)
{
    struct svm_vcpu *s = v->vendor;
    struct vmcb *vmcb = s->vmcb;
    struct hvm_ctrl c;

    svm_get_ctrl(v, &c);
    s->shadow = true;
    s->sh_root = root_pa;
    vmcb->np_enable = 0;
    vmcb->intercept_exc |= 1u << 14;
    vmcb->intercept_cr |= (1u << 0) | (1u << 3) | (1u << 4) | (1u << (16 + 0)) | (1u << (16 + 3)) |
                          (1u << (16 + 4));
    vmcb->intercept_misc1 |= SVM_INT_INVLPG;
    svm_set_ctrl(v, &c);
}

static void svm_set_shadow_root(struct vcpu *v, uint64_t root_pa)
{
    struct svm_vcpu *s = v->vendor;

    s->sh_root = root_pa;
    s->vmcb->cr3 = root_pa;
}

static void svm_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
    vmcb_of(v)->tsc_offset = offset;
}


__hot_path static void svm_inject_event(struct vcpu *v, enum hvm_event_type t, uint8_t vector, bool has_err, uint32_t err)
{
    static const uint32_t types[] = {
        [HVM_EVENT_EXTINT] = SVM_EVTINJ_TYPE_INTR, [HVM_EVENT_NMI] = SVM_EVTINJ_TYPE_NMI,
        [HVM_EVENT_EXCEPTION] = SVM_EVTINJ_TYPE_EXC, [HVM_EVENT_SOFTINT] = SVM_EVTINJ_TYPE_SOFT,
    };
    struct svm_vcpu *s = v->vendor;
    if (t == HVM_EVENT_EXTINT && virq_delivery) {
        svm_set_virq(s, vector);        /* see svm_set_virq */
        return;
    }
    s->vmcb->eventinj = vector | types[t] | SVM_EVTINJ_VALID |
                        (has_err ? SVM_EVTINJ_EV | ((uint64_t)err << 32) : 0);
    if (t == HVM_EVENT_NMI) {
        s->nmi_masked = true;
        s->iret_seen = false;
        s->nmi_step = false;
        s->vmcb->intercept_misc1 |= SVM_INT_IRET;
    }
}

static bool svm_nmi_allowed(struct vcpu *v)
{
    struct svm_vcpu *s = v->vendor;
    return !s->nmi_masked && !((s->vmcb->int_state & 1) && s->vmcb->rip == v->regs.rip);
}

static void svm_request_nmi_window(struct vcpu *v, bool on)
{
    struct svm_vcpu *s = v->vendor;
    /* While the handler runs the IRET intercept is armed (inject_event);
     * under an interrupt shadow the next exit comes from the interrupt
     * window, which opens no earlier.  At the IRET (iret_seen), a single
     * step gives an exit right after it even with IF = 0, as NMIs do not
     * wait for IF (SDM vol. 3A 6.7.1); a guest already single-stepping
     * gets that exit from its own #DB. */
    if (on && (!s->nmi_masked || s->iret_seen))
        svm_request_intr_window(v, true);
    if (on && s->nmi_masked && s->iret_seen && !s->nmi_step && !(v->regs.rflags & (1u << 8)) &&
        v->regs.rip == s->iret_rip) {
        s->nmi_step = true;
        s->nmi_step_dr6 = s->vmcb->dr6;
        v->regs.rflags |= 1u << 8;      /* TF: IRET replaces it with the guest's own */
    }
}

__hot_path static bool svm_event_pending(struct vcpu *v)
{
    struct svm_vcpu *s = v->vendor;
    return (s->vmcb->eventinj & SVM_EVTINJ_VALID) || s->virq;
}

__hot_path static bool svm_interrupts_enabled(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);
    bool shadow = (vmcb->int_state & 1) && vmcb->rip == v->regs.rip;   /* see svm_vcpu_run */
    return (v->regs.rflags & (1u << 9)) && !shadow;
}

__hot_path static void svm_request_intr_window(struct vcpu *v, bool on)
{
    struct svm_vcpu *s = v->vendor;
    struct vmcb *vmcb = s->vmcb;
    /* V_IRQ carries an interrupt being delivered (svm_set_virq): it is not
     * free for a window, and the next interrupt waits for the next exit
     * (the EOI of this one, at the latest the scheduler's tick). */
    if (s->virq)
        return;
    /* A virtual interrupt with V_IGN_TPR exits (VINTR) as soon as the guest
     * can take interrupts (APM 15.21.4). */
    if (on) {
        vmcb->vintr = (vmcb->vintr & ~VINTR_VEC) | VINTR_IRQ | VINTR_IGN_TPR | VINTR_PRIO;
        vmcb->intercept_misc1 |= SVM_INT_VINTR;
    } else {
        vmcb->vintr &= ~(VINTR_IRQ | VINTR_IGN_TPR | VINTR_PRIO | VINTR_VEC);
        vmcb->intercept_misc1 &= ~SVM_INT_VINTR;
    }
}

static uint64_t svm_p2m_encode(uint64_t addr, unsigned level, bool leaf, unsigned perms)
{
    /* Nested page tables use the long-mode format and every nested access
     * counts as a user access (APM 15.25.5), so U must be set. */
    uint64_t e = addr | PTE_P | PTE_US | PTE_A;
    if (!leaf)
        return e | PTE_RW;
    if (perms & P2M_W)
        e |= PTE_RW | PTE_D;
    if (!(perms & P2M_X) && mm_nx_enabled())
        e |= PTE_NX;
    if (level > 1)
        e |= PTE_PS;
    return e;   /* PAT/PCD/PWT 0: write-back, combined with the guest's own type */
}

/* The VMCB is ordinary memory: readable from any CPU once v is not in the
 * guest, so this never needs another CPU. */
static int svm_dump_state(struct vcpu *v, struct hvm_vcpu_state *out)
{
    struct vmcb *vmcb = vmcb_of(v);

    svm_get_ctrl(v, &out->ctrl);
    svm_get_seg(v, SEG_CS, &out->cs);
    svm_get_seg(v, SEG_SS, &out->ss);
    out->exit_code = vmcb->exitcode;
    out->exit_qual = vmcb->exitinfo1;
    out->exit_info2 = vmcb->exitinfo2;
    out->event_inj = (uint32_t)vmcb->eventinj;
    if (!(out->event_inj & SVM_EVTINJ_VALID) && ((struct svm_vcpu *)v->vendor)->virq)   /* in V_IRQ */
        out->event_inj = (uint32_t)((vmcb->vintr & VINTR_VEC) >> VINTR_VEC_SHIFT) | SVM_EVTINJ_TYPE_INTR |
                         SVM_EVTINJ_VALID;
    out->intr_shadow = vmcb->int_state & 1;
    out->held_on = -1;
    return 0;
}

static void svm_hypercall_insn(uint8_t out[3])
{
    out[0] = 0x0f; out[1] = 0x01; out[2] = 0xd9;    /* VMMCALL */
}

/* Read through hvm_vendor on every exit (the run loop's and the intr
 * path's calls), so with the rest of the exit's data, as vmx_ops. */
static struct hvm_vendor_ops svm_ops __hot_data = {    /* (i) umip_emulated set by svm_probe */
    .name = "SVM",
    .cpu_up = svm_cpu_up,
    .vcpu_create = svm_vcpu_create,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_run = svm_vcpu_run,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .get_ctrl = svm_get_ctrl,
    .set_ctrl = svm_set_ctrl,
    .set_tsc_offset = svm_set_tsc_offset,
    .inject_event = svm_inject_event,
    .event_pending = svm_event_pending,
    .interrupts_enabled = svm_interrupts_enabled,
    .request_intr_window = svm_request_intr_window,
    .nmi_allowed = svm_nmi_allowed,
    .request_nmi_window = svm_request_nmi_window,
    .p2m_encode = svm_p2m_encode,
    .hypercall_insn = svm_hypercall_insn,
    .set_shadow = svm_set_shadow,
    .set_shadow_root = svm_set_shadow_root,
    .shadow = true,
    .dump_state = svm_dump_state,
};

const struct hvm_vendor_ops *svm_probe(void)
{
    const struct svm_caps *c = &boot_cpu.svm;

    if (!c->present)
        return NULL;
    if (!c->usable) {
        log_warn("svm: disabled by firmware (VM_CR.SVMDIS)\n");
        return NULL;
    }
    svm_ops.hap = c->features & SVM_FEAT_NPT;
    if (!svm_ops.hap)
        log_warn("svm: no nested paging: HVM domains use the shadow pager (docs/shadow.md)\n");
    if (c->nr_asids < 2) {
        log_warn("svm: only %u ASIDs\n", c->nr_asids);
        return NULL;
    }
    if (svm_global_init())
        return NULL;
    /* UMIP without CPU support: the intercepts above make it (CPUID
     * 7.0:ECX[2]); with it, the guest's CR4.UMIP goes to the VMCB as is. */
    uint32_t a, b, cx = 0, d;
    if (boot_cpu.max_leaf >= 7)
        cpuid_count(7, 0, &a, &b, &cx, &d);
    svm_ops.umip_emulated = !(cx & (1u << 2));
    /* QEMU's TCG says so at leaf 0x40000000 ("TCGTCGTCGTCG"); there its
     * EVENTINJ interrupts can be delivered twice (svm_set_virq). */
    uint32_t sig[3];
    cpuid(0x40000000, &a, &sig[0], &sig[1], &sig[2]);
    virq_delivery = memcmp(sig, "TCGTCGTCGTCG", 12) == 0;
    if (virq_delivery)
        log_info("svm: QEMU TCG: maskable interrupts are delivered through V_IRQ, not EVENTINJ (docs/hvm.md)\n");
    return &svm_ops;
}
