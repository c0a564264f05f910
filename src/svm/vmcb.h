/*
 * The VMCB (AMD64 APM vol. 2, appendix B): control area at 0x000, state-save
 * area at 0x400.  Offsets are checked at compile time against the manual.
 */
#ifndef RV_SVM_VMCB_H
#define RV_SVM_VMCB_H

#include "lib/compiler.h"

struct vmcb_seg {
    uint16_t sel;
    uint16_t attr;          /* descriptor bits 40-47 in 7:0, bits 52-55 in 11:8 */
    uint32_t limit;
    uint64_t base;
} __packed;

struct vmcb {
    /* Control area. */
    uint32_t intercept_cr;      /* 0x000: bits 0-15 reads of CRn, 16-31 writes */
    uint32_t intercept_dr;      /* 0x004 */
    uint32_t intercept_exc;     /* 0x008: bit n = exception vector n */
    uint32_t intercept_misc1;   /* 0x00c */
    uint32_t intercept_misc2;   /* 0x010 */
    uint32_t intercept_misc3;   /* 0x014 */
    uint8_t  rsvd0[0x03c - 0x018];
    uint16_t pause_filter_thresh;   /* 0x03c */
    uint16_t pause_filter_count;    /* 0x03e */
    uint64_t iopm_base_pa;      /* 0x040 */
    uint64_t msrpm_base_pa;     /* 0x048 */
    uint64_t tsc_offset;        /* 0x050 */
    uint32_t asid;              /* 0x058 */
    uint8_t  tlb_control;       /* 0x05c */
    uint8_t  rsvd1[3];
    uint64_t vintr;             /* 0x060: V_TPR, V_IRQ(8), V_INTR_PRIO(16-19), V_IGN_TPR(20), V_INTR_MASKING(24), vector(32-39) */
    uint64_t int_state;         /* 0x068: bit 0 interrupt shadow */
    uint64_t exitcode;          /* 0x070 */
    uint64_t exitinfo1;         /* 0x078 */
    uint64_t exitinfo2;         /* 0x080 */
    uint64_t exitintinfo;       /* 0x088 */
    uint64_t np_enable;         /* 0x090 */
    uint64_t avic_apic_bar;     /* 0x098 */
    uint64_t ghcb_pa;           /* 0x0a0 */
    uint64_t eventinj;          /* 0x0a8 */
    uint64_t n_cr3;             /* 0x0b0 */
    uint64_t lbr_virt;          /* 0x0b8 */
    uint32_t clean;             /* 0x0c0 */
    uint32_t rsvd2;
    uint64_t nrip;              /* 0x0c8 */
    uint8_t  insn_len;          /* 0x0d0 */
    uint8_t  insn_bytes[15];    /* 0x0d1 */
    uint8_t  rsvd3[0x400 - 0x0e0];

    /* State-save area. */
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;   /* 0x400 */
    uint8_t  rsvd4[0x4cb - 0x4a0];
    uint8_t  cpl;               /* 0x4cb */
    uint32_t rsvd5;
    uint64_t efer;              /* 0x4d0 */
    uint8_t  rsvd6[0x548 - 0x4d8];
    uint64_t cr4;               /* 0x548 */
    uint64_t cr3;               /* 0x550 */
    uint64_t cr0;               /* 0x558 */
    uint64_t dr7;               /* 0x560 */
    uint64_t dr6;               /* 0x568 */
    uint64_t rflags;            /* 0x570 */
    uint64_t rip;               /* 0x578 */
    uint8_t  rsvd7[0x5d8 - 0x580];
    uint64_t rsp;               /* 0x5d8 */
    uint64_t s_cet, ssp, isst_addr;
    uint64_t rax;               /* 0x5f8 */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;   /* 0x600 */
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;       /* 0x628 */
    uint64_t cr2;               /* 0x640 */
    uint8_t  rsvd8[0x668 - 0x648];
    uint64_t g_pat;             /* 0x668 */
    uint64_t dbgctl;            /* 0x670 */
    uint8_t  rest[4096 - 0x678];
} __packed;

_Static_assert(offsetof(struct vmcb, iopm_base_pa) == 0x040, "vmcb");
_Static_assert(offsetof(struct vmcb, eventinj) == 0x0a8, "vmcb");
_Static_assert(offsetof(struct vmcb, nrip) == 0x0c8, "vmcb");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "vmcb");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "vmcb");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4cb, "vmcb");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "vmcb");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "vmcb");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "vmcb");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5d8, "vmcb");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "vmcb");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "vmcb");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "vmcb");
_Static_assert(sizeof(struct vmcb) == 4096, "vmcb");

/* intercept_misc1 */
#define SVM_INT_INTR        (1u << 0)
#define SVM_INT_NMI         (1u << 1)
#define SVM_INT_SMI         (1u << 2)
#define SVM_INT_INIT        (1u << 3)
#define SVM_INT_VINTR       (1u << 4)
#define SVM_INT_IDTR_READ   (1u << 6)
#define SVM_INT_GDTR_READ   (1u << 7)
#define SVM_INT_LDTR_READ   (1u << 8)
#define SVM_INT_TR_READ     (1u << 9)
#define SVM_INT_CPUID       (1u << 18)
#define SVM_INT_INVD        (1u << 22)
#define SVM_INT_PAUSE       (1u << 23)
#define SVM_INT_INVLPGA     (1u << 26)
#define SVM_INT_HLT         (1u << 24)
#define SVM_INT_IOIO        (1u << 27)
#define SVM_INT_MSR         (1u << 28)
#define SVM_INT_TASKSWITCH  (1u << 29)
#define SVM_INT_SHUTDOWN    (1u << 31)
/* intercept_misc2 */
#define SVM_INT_VMRUN       (1u << 0)
#define SVM_INT_VMMCALL     (1u << 1)
#define SVM_INT_VMLOAD      (1u << 2)
#define SVM_INT_VMSAVE      (1u << 3)
#define SVM_INT_STGI        (1u << 4)
#define SVM_INT_CLGI        (1u << 5)
#define SVM_INT_SKINIT      (1u << 6)
#define SVM_INT_RDTSCP      (1u << 7)
#define SVM_INT_WBINVD      (1u << 9)
#define SVM_INT_MONITOR     (1u << 10)
#define SVM_INT_MWAIT       (1u << 11)
#define SVM_INT_XSETBV      (1u << 13)
#define SVM_INT_IRET        (1u << 20)      /* intercept_misc1 */

/* Exit codes (APM vol. 2 appendix C). */
#define SVM_EXIT_CR0_READ   0x000
#define SVM_EXIT_CR4_READ   0x004
#define SVM_EXIT_CR0_WRITE  0x010
#define SVM_EXIT_CR4_WRITE  0x014
#define SVM_EXIT_EXCP_BASE  0x040
#define SVM_EXIT_INTR       0x060
#define SVM_EXIT_NMI        0x061
#define SVM_EXIT_SMI        0x062
#define SVM_EXIT_INIT       0x063
#define SVM_EXIT_VINTR      0x064
#define SVM_EXIT_IDTR_READ  0x066
#define SVM_EXIT_GDTR_READ  0x067
#define SVM_EXIT_LDTR_READ  0x068
#define SVM_EXIT_TR_READ    0x069
#define SVM_EXIT_CPUID      0x072
#define SVM_EXIT_IRET       0x074
#define SVM_EXIT_XSETBV     0x08d
#define SVM_EXIT_INVD       0x076
#define SVM_EXIT_PAUSE      0x077
#define SVM_EXIT_HLT        0x078
#define SVM_EXIT_IOIO       0x07b
#define SVM_EXIT_MSR        0x07c
#define SVM_EXIT_TASKSWITCH 0x07d
#define SVM_EXIT_SHUTDOWN   0x07f
#define SVM_EXIT_VMRUN      0x080
#define SVM_EXIT_VMMCALL    0x081
#define SVM_EXIT_INVLPGA    0x07a
#define SVM_EXIT_VMLOAD     0x082
#define SVM_EXIT_VMSAVE     0x083
#define SVM_EXIT_STGI       0x084
#define SVM_EXIT_CLGI       0x085
#define SVM_EXIT_SKINIT     0x086
#define SVM_EXIT_MONITOR    0x08a
#define SVM_EXIT_MWAIT      0x08b
#define SVM_EXIT_NPF        0x400
#define SVM_EXIT_INVALID    0xffffffffffffffffull

/* EVENTINJ / EXITINTINFO format. */
#define SVM_EVTINJ_VALID    (1u << 31)
#define SVM_EVTINJ_EV       (1u << 11)
#define SVM_EVTINJ_TYPE_INTR (0u << 8)
#define SVM_EVTINJ_TYPE_NMI (2u << 8)
#define SVM_EVTINJ_TYPE_EXC (3u << 8)
#define SVM_EVTINJ_TYPE_SOFT (4u << 8)

#endif
