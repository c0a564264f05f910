/*
 * The SVM guest-state checker (svm_check.h): the illegal state combinations
 * VMRUN answers with VMEXIT_INVALID (AMD APM vol. 2 15.5.1, "Canonicalization
 * and Consistency Checks") and the event-injection rules (15.20), checked on
 * a VMCB before it is entered.  Pure: no hardware access, no globals, so it
 * runs under the host sanitizers in tests/unit/test_svm_check.c.
 *
 * "MBZ" bits of CR4 and EFER are those of features the CPU does not have:
 * a CR4 bit the guest's CPUID offers but the CPU lacks (an emulated
 * feature) must never reach the VMCB, or VMRUN fails.
 */
#include "svm/svm_check.h"

#define B(n) (1ull << (n))

#define CR0_PE      B(0)
#define CR0_NW      B(29)
#define CR0_CD      B(30)
#define CR0_PG      B(31)
#define CR4_PAE     B(5)
#define EFER_LME    B(8)
#define EFER_LMA    B(10)
#define EFER_SVME   B(12)
#define ATTR_L      (1u << 9)       /* VMCB attr: descriptor bit 53 */
#define ATTR_D      (1u << 10)      /* descriptor bit 54 */

static const char *const rule_text[SVMR_NR] = {
    [SVMR_EFER_SVME] = "EFER.SVME must be 1 (APM 15.5.1)",
    [SVMR_CR0_NW_CD] = "CR0.NW set with CR0.CD clear (APM 15.5.1)",
    [SVMR_CR0_HIGH] = "CR0[63:32] must be 0 (APM 15.5.1)",
    [SVMR_CR3_MBZ] = "CR3 bits above MAXPHYADDR must be 0 (APM 15.5.1)",
    [SVMR_CR4_MBZ] = "CR4 reserved bits, incl. features this CPU lacks, must be 0 (APM 15.5.1)",
    [SVMR_DR6_HIGH] = "DR6[63:32] must be 0 (APM 15.5.1)",
    [SVMR_DR7_HIGH] = "DR7[63:32] must be 0 (APM 15.5.1)",
    [SVMR_EFER_MBZ] = "EFER reserved bits, incl. features this CPU lacks, must be 0 (APM 15.5.1)",
    [SVMR_EFER_LM_UNSUPPORTED] = "EFER.LMA/LME set on a CPU without long mode (APM 15.5.1)",
    [SVMR_LME_PG_NO_PAE] = "EFER.LME and CR0.PG set with CR4.PAE clear (APM 15.5.1)",
    [SVMR_LME_PG_NO_PE] = "EFER.LME and CR0.PG set with CR0.PE clear (APM 15.5.1)",
    [SVMR_LME_CS_L_D] = "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set (APM 15.5.1)",
    [SVMR_VMRUN_INTERCEPT] = "the VMRUN intercept must be set (APM 15.5.1)",
    [SVMR_MSRPM_ADDR] = "the MSR permission map must lie below MAXPHYADDR (APM 15.5.1)",
    [SVMR_IOPM_ADDR] = "the I/O permission map must lie below MAXPHYADDR (APM 15.5.1)",
    [SVMR_ASID_ZERO] = "ASID 0 is the host's (APM 15.5.1)",
    [SVMR_EVENTINJ_TYPE] = "EVENTINJ.TYPE 1, 5, 6, 7 are reserved (APM 15.20)",
    [SVMR_EVENTINJ_VECTOR] = "an injected exception cannot have vector 2 or above 31 (APM 15.20)",
    [SVMR_EVENTINJ_RSVD] = "EVENTINJ bits 30:12 are reserved (APM 15.20)",
    [SVMR_TLB_CONTROL] = "TLB_CONTROL must be 0, 1, 3 or 7 (APM 15.16.1)",
    [SVMR_NCR3_MBZ] = "N_CR3 bits above MAXPHYADDR must be 0 (APM 15.25.3)",
};

static bool fail(struct vmstate_finding *f, enum svm_rule r, const char *field, uint64_t value)
{
    return vmstate_fail(f, (int)r, rule_text[r], field, value);
}

bool svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_caps *caps, struct vmstate_finding *f)
{
    uint64_t cr0 = vmcb->cr0, cr4 = vmcb->cr4, efer = vmcb->efer;
    uint64_t above_pa = caps->phys_bits >= 64 ? 0 : ~0ull << caps->phys_bits;
    bool lme_pg = (efer & EFER_LME) && (cr0 & CR0_PG);

    f->rule = SVMR_NONE;
    if (!(efer & EFER_SVME))
        return fail(f, SVMR_EFER_SVME, "EFER", efer);
    if ((cr0 & CR0_NW) && !(cr0 & CR0_CD))
        return fail(f, SVMR_CR0_NW_CD, "CR0", cr0);
    if (cr0 >> 32)
        return fail(f, SVMR_CR0_HIGH, "CR0", cr0);
    if (vmcb->cr3 & above_pa)
        return fail(f, SVMR_CR3_MBZ, "CR3", vmcb->cr3);
    if (cr4 & ~caps->cr4_ok)
        return fail(f, SVMR_CR4_MBZ, "CR4", cr4);
    if (vmcb->dr6 >> 32)
        return fail(f, SVMR_DR6_HIGH, "DR6", vmcb->dr6);
    if (vmcb->dr7 >> 32)
        return fail(f, SVMR_DR7_HIGH, "DR7", vmcb->dr7);
    if ((efer & (EFER_LME | EFER_LMA)) && !caps->long_mode)
        return fail(f, SVMR_EFER_LM_UNSUPPORTED, "EFER", efer);
    if (efer & ~caps->efer_ok)
        return fail(f, SVMR_EFER_MBZ, "EFER", efer);
    if (lme_pg && !(cr4 & CR4_PAE))
        return fail(f, SVMR_LME_PG_NO_PAE, "CR4", cr4);
    if (lme_pg && !(cr0 & CR0_PE))
        return fail(f, SVMR_LME_PG_NO_PE, "CR0", cr0);
    if (lme_pg && (cr4 & CR4_PAE) && (vmcb->cs.attr & ATTR_L) && (vmcb->cs.attr & ATTR_D))
        return fail(f, SVMR_LME_CS_L_D, "CS.attr", vmcb->cs.attr);
    if (!(vmcb->intercept_misc2 & SVM_INT_VMRUN))
        return fail(f, SVMR_VMRUN_INTERCEPT, "intercepts", vmcb->intercept_misc2);
    /* The maps are 8 KiB and 12 KiB at 4 KiB-aligned addresses (the low 12
     * bits are ignored; APM 15.10.1, 15.11). */
    if (((vmcb->msrpm_base_pa & ~0xfffull) + 0x2000 - 1) & above_pa)
        return fail(f, SVMR_MSRPM_ADDR, "MSRPM_BASE_PA", vmcb->msrpm_base_pa);
    if (((vmcb->iopm_base_pa & ~0xfffull) + 0x3000 - 1) & above_pa)
        return fail(f, SVMR_IOPM_ADDR, "IOPM_BASE_PA", vmcb->iopm_base_pa);
    if (vmcb->asid == 0)
        return fail(f, SVMR_ASID_ZERO, "ASID", vmcb->asid);
    if (vmcb->eventinj & SVM_EVTINJ_VALID) {
        uint64_t e = vmcb->eventinj;
        unsigned type = (e >> 8) & 7, vector = e & 0xff;
        if (type == 1 || type > 4)
            return fail(f, SVMR_EVENTINJ_TYPE, "EVENTINJ", e);
        if (type == 3 && (vector == 2 || vector > 31))
            return fail(f, SVMR_EVENTINJ_VECTOR, "EVENTINJ", e);
        if (e & 0x7ffff000ull)
            return fail(f, SVMR_EVENTINJ_RSVD, "EVENTINJ", e);
    }
    if (vmcb->tlb_control != 0 && vmcb->tlb_control != 1 && vmcb->tlb_control != 3 && vmcb->tlb_control != 7)
        return fail(f, SVMR_TLB_CONTROL, "TLB_CONTROL", vmcb->tlb_control);
    if ((vmcb->np_enable & 1) && (vmcb->n_cr3 & above_pa))
        return fail(f, SVMR_NCR3_MBZ, "N_CR3", vmcb->n_cr3);
    return true;
}

/* (CPUID register, bit) of a feature and the control-register bit it makes
 * legal. */
struct gate { uint8_t leaf, reg, bit, enable; };
enum { L1, L7, E1, E8 };
enum { EAX, EBX, ECX, EDX };

static const struct gate cr4_gates[] = {
    { L1, EDX, 1, 0 }, { L1, EDX, 1, 1 },   /* VME: VME, PVI */
    { L1, EDX, 4, 2 },                      /* TSC: TSD */
    { L1, EDX, 2, 3 },                      /* DE */
    { L1, EDX, 3, 4 },                      /* PSE */
    { L1, EDX, 6, 5 },                      /* PAE */
    { L1, EDX, 7, 6 },                      /* MCE */
    { L1, EDX, 13, 7 },                     /* PGE */
    { L1, EDX, 24, 9 },                     /* FXSR: OSFXSR */
    { L1, EDX, 25, 10 },                    /* SSE: OSXMMEXCPT */
    { L1, ECX, 5, 13 },                     /* VMX: VMXE */
    { L1, ECX, 6, 14 },                     /* SMX: SMXE */
    { L1, ECX, 17, 17 },                    /* PCID: PCIDE */
    { L1, ECX, 26, 18 },                    /* XSAVE: OSXSAVE */
    { L7, EBX, 0, 16 },                     /* FSGSBASE */
    { L7, EBX, 7, 20 },                     /* SMEP */
    { L7, EBX, 20, 21 },                    /* SMAP */
    { L7, ECX, 2, 11 },                     /* UMIP */
    { L7, ECX, 16, 12 },                    /* LA57 */
    { L7, ECX, 3, 22 },                     /* PKU: PKE */
    { L7, ECX, 7, 23 }, { L7, EDX, 20, 23 },  /* CET_SS / CET_IBT: CET */
    { L7, ECX, 23, 19 },                    /* Key Locker: KL */
    { L7, ECX, 31, 24 },                    /* PKS */
    { L7, EDX, 5, 25 },                     /* UINTR */
};

static const struct gate efer_gates[] = {
    { E1, EDX, 11, 0 },                     /* SYSCALL: SCE */
    { E1, EDX, 29, 8 }, { E1, EDX, 29, 10 },  /* LM: LME, LMA */
    { E1, EDX, 20, 11 },                    /* NX: NXE */
    { E1, ECX, 2, 12 },                     /* SVM: SVME */
    { E1, EDX, 25, 14 },                    /* FFXSR */
    { E1, ECX, 17, 15 },                    /* TCE */
    { E8, EBX, 8, 17 },                     /* MCOMMIT */
    { E8, EBX, 9, 18 },                     /* INTWB: INTWB */
};

static uint64_t gated(const struct gate *g, unsigned n, const uint32_t *const leaves[4])
{
    uint64_t m = 0;
    for (unsigned i = 0; i < n; i++)
        if (leaves[g[i].leaf][g[i].reg] & (1u << g[i].bit))
            m |= B(g[i].enable);
    return m;
}

void svm_check_caps_from_cpuid(struct svm_check_caps *caps, const uint32_t l1[4], const uint32_t l7[4],
                               const uint32_t e1[4], const uint32_t e8[4])
{
    const uint32_t *const leaves[4] = { l1, l7, e1, e8 };

    caps->cr4_ok = B(8) | gated(cr4_gates, ARRAY_SIZE(cr4_gates), leaves);     /* PCE has no CPUID bit */
    caps->efer_ok = gated(efer_gates, ARRAY_SIZE(efer_gates), leaves);
    /* LMSLE (bit 13) exists unless CPUID 0x80000008 EBX[20] says it does not. */
    if (caps->efer_ok & B(8) && !(e8[EBX] & (1u << 20)))
        caps->efer_ok |= B(13);
    caps->long_mode = e1[EDX] & (1u << 29);
    caps->phys_bits = (e8[EAX] & 0xff) ? (e8[EAX] & 0xff) : 36;
}
