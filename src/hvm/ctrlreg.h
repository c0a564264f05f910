/*
 * Which CR0/CR4/EFER values an HVM guest may load (hvm/ctrlreg.c): the one
 * policy both backends apply before a value reaches the VMCB/VMCS.  The
 * bits a guest may set follow its CPUID (hvm_cpuid), so a feature the
 * policy hides (XSAVE, PKU, ...) has a reserved enable bit, as on a CPU
 * without it.
 */
#ifndef RV_HVM_CTRLREG_H
#define RV_HVM_CTRLREG_H

#include "lib/compiler.h"

struct vcpu;
struct hvm_exit;

/* CR4 / EFER bits the guest's CPUID offers. */
uint64_t hvm_cr4_guest_valid(struct vcpu *v);
uint64_t hvm_efer_guest_valid(struct vcpu *v);

/* Whether MOV to CR0 / CR4 may load val given the current state
 * (SDM vol. 2B "MOV - Move to/from Control Registers", vol. 3A 2.5;
 * APM vol. 2 3.1.1-3.1.3).  false: the instruction raises #GP.  code64:
 * the guest runs 64-bit code now.  Pure checks; the caller loads the
 * value (with ET forced to 1 for CR0) and switches EFER.LMA. */
bool hvm_cr0_write_ok(struct vcpu *v, uint64_t old, uint64_t val, uint64_t cr4, uint64_t efer, bool code64);
bool hvm_cr4_write_ok(struct vcpu *v, uint64_t old, uint64_t val, uint64_t cr0, uint64_t cr3, uint64_t efer,
                      bool code64);

/* A backend that intercepts CR0/CR4 writes without doing them itself
 * (SVM): exit HVM_EXIT_CR_WRITE.  Decodes MOV to CR / CLTS / LMSW (or uses
 * the decode assist in x->qual), checks the value and loads it, or injects
 * #GP.  Returns false when v must stop (its domain was crashed). */
bool hvm_handle_cr_write(struct vcpu *v, const struct hvm_exit *x);
/* An intercepted #GP (SVM with emulated UMIP, hvm.c): if the instruction at
 * RIP is a MOV to CR4, it is handled as an intercepted CR4 write and true
 * is returned; false: the #GP is the guest's. */
bool hvm_gp_cr4_write(struct vcpu *v, const struct hvm_exit *x);

/* x->qual of HVM_EXIT_CR_WRITE: the CR number in bits 3:0; when the CPU
 * decoded a MOV to CR for us, HVM_CR_QUAL_GPR_VALID and the source GPR
 * number in bits 11:8. */
#define HVM_CR_QUAL_GPR_VALID   (1ull << 63)
/* ... or, for LMSW, HVM_CR_QUAL_LMSW_VALID and the 16-bit source the CPU
 * read (register or memory) in bits 31:16 (VMX's exit qualification). */
#define HVM_CR_QUAL_LMSW_VALID  (1ull << 62)

/* LMSW with source msw, as an emulated instruction completes it
 * (EMUL_DIRTY_LMSW): CR0 bits 3:0 through the CR0 policy.  false: #GP
 * (CPL > 0, or the policy refuses). */
bool hvm_lmsw(struct vcpu *v, uint16_t msw);

#endif
