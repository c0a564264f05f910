/*
 * The SVM guest-state checker (hvm/vmstate.h): the VMRUN consistency checks
 * of AMD APM vol. 2 15.5.1 ("Canonicalization and Consistency Checks") and
 * the event-injection rules of 15.20, as a pure function over a copy of the
 * VMCB, so that tests/unit builds it for the host.
 */
#ifndef RV_SVM_SVM_CHECK_H
#define RV_SVM_SVM_CHECK_H

#include "svm/vmcb.h"
#include "hvm/vmstate.h"

/* What the CPU supports, from CPUID (svm_check_caps_from_cpuid). */
struct svm_check_caps {
    unsigned phys_bits;         /* MAXPHYADDR */
    uint64_t cr4_ok;            /* CR4 bits this CPU has; the others are MBZ */
    uint64_t efer_ok;           /* EFER bits this CPU has (SVME included) */
    bool long_mode;             /* CPUID 0x80000001 EDX.LM */
};

/* The rules, in the order they are checked; svm_check_vmcb reports the first
 * one broken. */
enum svm_rule {
    SVMR_NONE,
    SVMR_EFER_SVME,             /* EFER.SVME is zero */
    SVMR_CR0_NW_CD,             /* CR0.CD is zero and CR0.NW is set */
    SVMR_CR0_HIGH,              /* CR0[63:32] are not zero */
    SVMR_CR3_MBZ,               /* any MBZ bit of CR3 is set */
    SVMR_CR4_MBZ,               /* any MBZ bit of CR4 is set (incl. features this CPU lacks) */
    SVMR_DR6_HIGH,              /* DR6[63:32] are not zero */
    SVMR_DR7_HIGH,              /* DR7[63:32] are not zero */
    SVMR_EFER_MBZ,              /* any MBZ bit of EFER is set */
    SVMR_EFER_LM_UNSUPPORTED,   /* EFER.LMA or LME set, no long mode */
    SVMR_LME_PG_NO_PAE,         /* EFER.LME and CR0.PG set, CR4.PAE zero */
    SVMR_LME_PG_NO_PE,          /* EFER.LME and CR0.PG set, CR0.PE zero */
    SVMR_LME_CS_L_D,            /* EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set */
    SVMR_VMRUN_INTERCEPT,       /* the VMRUN intercept bit is clear */
    SVMR_MSRPM_ADDR,            /* the MSR permission map reaches MAXPHYADDR */
    SVMR_IOPM_ADDR,             /* the I/O permission map reaches MAXPHYADDR */
    SVMR_ASID_ZERO,             /* ASID is zero */
    SVMR_EVENTINJ_TYPE,         /* EVENTINJ.TYPE reserved (1, 5-7) */
    SVMR_EVENTINJ_VECTOR,       /* exception injection with vector 2 (NMI) or above 31 */
    SVMR_EVENTINJ_RSVD,         /* EVENTINJ bits 30:12 not zero */
    SVMR_TLB_CONTROL,           /* TLB_CONTROL not 0, 1, 3 or 7 */
    SVMR_NCR3_MBZ,              /* nested paging: N_CR3 above MAXPHYADDR */
    SVMR_NR
};

/* First rule the VMCB breaks: false and *f filled; true when none. */
bool svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_caps *caps, struct vmstate_finding *f);

/* caps from CPUID leaves 1, 7.0, 0x80000001 and 0x80000008 (EAX EBX ECX EDX
 * each; a leaf the CPU lacks is passed as zeros). */
void svm_check_caps_from_cpuid(struct svm_check_caps *caps, const uint32_t l1[4], const uint32_t l7[4],
                               const uint32_t e1[4], const uint32_t e8[4]);

#endif
