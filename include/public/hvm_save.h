/*
 * HVM save records (Xen's public/arch-x86/hvm/save.h and hvm/save.h, the
 * layouts of Xen 4.17 written anew): what XEN_DOMCTL_sethvmcontext takes.
 * A buffer is a sequence of records, each an 8-byte descriptor followed by
 * 'length' bytes; it starts with a HEADER and ends with END.  Ringvisor
 * reads HEADER, CPU and END (docs/toolstack.md "Building a domain from
 * dom0"); other record types are skipped.
 */
#ifndef RV_PUBLIC_HVM_SAVE_H
#define RV_PUBLIC_HVM_SAVE_H

#include <stdint.h>

struct hvm_save_descriptor {
    uint16_t typecode;
    uint16_t instance;              /* the vCPU, for per-vCPU records */
    uint32_t length;                /* bytes after this descriptor */
};
_Static_assert(sizeof(struct hvm_save_descriptor) == 8, "save descriptor layout");

#define HVM_SAVE_CODE_END       0
#define HVM_SAVE_CODE_HEADER    1
#define HVM_SAVE_CODE_CPU       2

#define HVM_FILE_MAGIC          0x54381286u
#define HVM_FILE_VERSION        0x00000001u

struct hvm_save_header {
    uint32_t magic;
    uint32_t version;
    uint64_t changeset;
    uint32_t cpuid;
    uint32_t gtsc_khz;
};
_Static_assert(sizeof(struct hvm_save_header) == 24, "save header layout");

/* One vCPU's registers.  Segment attributes ("arbytes") are in the VMX
 * access-rights form: type 0-3, S 4, DPL 5-6, P 7, AVL 12, L 13, D/B 14,
 * G 15, unusable 16. */
struct hvm_hw_cpu {
    uint8_t fpu_regs[512];
    uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
    uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit, ldtr_limit;
    uint32_t idtr_limit, gdtr_limit;
    uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base, ldtr_base;
    uint64_t idtr_base, gdtr_base;
    uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes, tr_arbytes, ldtr_arbytes;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t shadow_gs;
    uint64_t msr_flags, msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer, msr_tsc_aux;
    uint64_t tsc;
    uint32_t pending_event;
    uint32_t error_code;
    uint32_t flags;                 /* bit 0: FPU initialised */
    uint32_t pad0;
};
_Static_assert(sizeof(struct hvm_hw_cpu) == 1032, "hvm_hw_cpu layout");

#endif
