/*
 * The VMCS: field encodings (Intel SDM vol. 3D appendix B), control bits
 * (vol. 3C 24.6-24.8), exit reasons (appendix C) and the VMX instructions as
 * inline functions (vol. 3C chapter 30).  Only src/vmx/ includes this.
 */
#ifndef RV_VMX_VMCS_H
#define RV_VMX_VMCS_H

#include "lib/compiler.h"

/* 16-bit fields (B.1). */
#define VMCS_VPID                   0x0000
#define VMCS_GUEST_ES_SEL           0x0800      /* ES, CS, SS, DS, FS, GS, LDTR, TR: step 2 */
#define VMCS_GUEST_LDTR_SEL         0x080c
#define VMCS_GUEST_TR_SEL           0x080e
#define VMCS_HOST_ES_SEL            0x0c00
#define VMCS_HOST_CS_SEL            0x0c02
#define VMCS_HOST_SS_SEL            0x0c04
#define VMCS_HOST_DS_SEL            0x0c06
#define VMCS_HOST_FS_SEL            0x0c08
#define VMCS_HOST_GS_SEL            0x0c0a
#define VMCS_HOST_TR_SEL            0x0c0c

/* 64-bit fields (B.2). */
#define VMCS_IO_BITMAP_A            0x2000
#define VMCS_IO_BITMAP_B            0x2002
#define VMCS_MSR_BITMAP             0x2004
#define VMCS_EXIT_MSR_STORE_ADDR    0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR     0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR    0x200a
#define VMCS_TSC_OFFSET             0x2010
#define VMCS_EPT_POINTER            0x201a
#define VMCS_XSS_EXIT_BITMAP        0x202c
#define VMCS_GUEST_PHYS_ADDR        0x2400      /* read-only */
#define VMCS_LINK_POINTER           0x2800
#define VMCS_GUEST_DEBUGCTL         0x2802
#define VMCS_GUEST_PAT              0x2804
#define VMCS_GUEST_EFER             0x2806
#define VMCS_GUEST_PDPTE0           0x280a      /* PDPTE0-3: step 2 */
#define VMCS_HOST_PAT               0x2c00
#define VMCS_HOST_EFER              0x2c02

/* 32-bit fields (B.3). */
#define VMCS_PIN_CTLS               0x4000
#define VMCS_PROC_CTLS              0x4002
#define VMCS_EXCEPTION_BITMAP       0x4004
#define VMCS_PF_ERR_MASK            0x4006
#define VMCS_PF_ERR_MATCH           0x4008
#define VMCS_CR3_TARGET_COUNT       0x400a
#define VMCS_EXIT_CTLS              0x400c
#define VMCS_EXIT_MSR_STORE_COUNT   0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT    0x4010
#define VMCS_ENTRY_CTLS             0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT   0x4014
#define VMCS_ENTRY_INTR_INFO        0x4016
#define VMCS_ENTRY_EXC_ERRCODE      0x4018
#define VMCS_ENTRY_INSN_LEN         0x401a
#define VMCS_PROC_CTLS2             0x401e
#define VMCS_PLE_GAP                0x4020
#define VMCS_PLE_WINDOW             0x4022
#define VMCS_INSN_ERROR             0x4400      /* read-only from here ... */
#define VMCS_EXIT_REASON            0x4402
#define VMCS_EXIT_INTR_INFO         0x4404
#define VMCS_EXIT_INTR_ERRCODE      0x4406
#define VMCS_IDT_VECTORING_INFO     0x4408
#define VMCS_IDT_VECTORING_ERRCODE  0x440a
#define VMCS_EXIT_INSN_LEN          0x440c
#define VMCS_EXIT_INSN_INFO         0x440e      /* ... to here */
#define VMCS_GUEST_ES_LIMIT         0x4800      /* ES .. TR: step 2 */
#define VMCS_GUEST_GDTR_LIMIT       0x4810
#define VMCS_GUEST_IDTR_LIMIT       0x4812
#define VMCS_GUEST_ES_AR            0x4814      /* ES .. TR: step 2 */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY         0x4826
#define VMCS_GUEST_SYSENTER_CS      0x482a
#define VMCS_HOST_SYSENTER_CS       0x4c00

/* Natural-width fields (B.4). */
#define VMCS_CR0_MASK               0x6000
#define VMCS_CR4_MASK               0x6002
#define VMCS_CR0_SHADOW             0x6004
#define VMCS_CR4_SHADOW             0x6006
#define VMCS_EXIT_QUAL              0x6400      /* read-only */
#define VMCS_GUEST_LINEAR_ADDR      0x640a      /* read-only */
#define VMCS_GUEST_CR0              0x6800
#define VMCS_GUEST_CR3              0x6802
#define VMCS_GUEST_CR4              0x6804
#define VMCS_GUEST_ES_BASE          0x6806      /* ES .. TR: step 2 */
#define VMCS_GUEST_GDTR_BASE        0x6816
#define VMCS_GUEST_IDTR_BASE        0x6818
#define VMCS_GUEST_DR7              0x681a
#define VMCS_GUEST_RSP              0x681c
#define VMCS_GUEST_RIP              0x681e
#define VMCS_GUEST_RFLAGS           0x6820
#define VMCS_GUEST_PENDING_DBG      0x6822
#define VMCS_GUEST_SYSENTER_ESP     0x6824
#define VMCS_GUEST_SYSENTER_EIP     0x6826
#define VMCS_HOST_CR0               0x6c00
#define VMCS_HOST_CR3               0x6c02
#define VMCS_HOST_CR4               0x6c04
#define VMCS_HOST_FS_BASE           0x6c06
#define VMCS_HOST_GS_BASE           0x6c08
#define VMCS_HOST_TR_BASE           0x6c0a
#define VMCS_HOST_GDTR_BASE         0x6c0c
#define VMCS_HOST_IDTR_BASE         0x6c0e
#define VMCS_HOST_SYSENTER_ESP      0x6c10
#define VMCS_HOST_SYSENTER_EIP      0x6c12
#define VMCS_HOST_RSP               0x6c14      /* written by entry.S */
#define VMCS_HOST_RIP               0x6c16

/* VMX segment index (ES, CS, SS, DS, FS, GS, LDTR, TR) of a field family. */
#define VMCS_SEG(base, i)           ((base) + 2 * (i))

/* Pin-based controls (24.6.1). */
#define PIN_EXT_INTR_EXIT           (1u << 0)
#define PIN_NMI_EXIT                (1u << 3)
#define PIN_VIRTUAL_NMIS            (1u << 5)
/* Primary processor-based controls (24.6.2, table 24-6). */
#define PROC_INTR_WINDOW_EXIT       (1u << 2)
#define PROC_TSC_OFFSETTING         (1u << 3)
#define PROC_HLT_EXIT               (1u << 7)
#define PROC_INVLPG_EXIT            (1u << 9)
#define PROC_MWAIT_EXIT             (1u << 10)
#define PROC_CR3_LOAD_EXIT          (1u << 15)
#define PROC_CR3_STORE_EXIT         (1u << 16)
#define PROC_CR8_LOAD_EXIT          (1u << 19)
#define PROC_CR8_STORE_EXIT         (1u << 20)
#define PROC_USE_TPR_SHADOW         (1u << 21)
#define PROC_NMI_WINDOW_EXIT        (1u << 22)
#define PROC_MOV_DR_EXIT            (1u << 23)
#define PROC_UNCOND_IO_EXIT         (1u << 24)
#define PROC_USE_IO_BITMAPS         (1u << 25)
#define PROC_USE_MSR_BITMAPS        (1u << 28)
#define PROC_MONITOR_EXIT           (1u << 29)
#define PROC_PAUSE_EXIT             (1u << 30)
#define PROC_SECONDARY              (1u << 31)
/* Secondary processor-based controls (table 24-7). */
#define PROC2_EPT                   (1u << 1)
#define PROC2_DESC_TABLE_EXIT       (1u << 2)
#define PROC2_RDTSCP                (1u << 3)
#define PROC2_VPID                  (1u << 5)
#define PROC2_UNRESTRICTED          (1u << 7)
#define PROC2_PAUSE_LOOP_EXIT       (1u << 10)
#define PROC2_INVPCID               (1u << 12)
#define PROC2_XSAVES                (1u << 20)
/* VM-exit controls (24.7.1). */
#define EXIT_SAVE_DEBUG             (1u << 2)
#define EXIT_HOST_64BIT             (1u << 9)
#define EXIT_ACK_INTR               (1u << 15)
#define EXIT_SAVE_PAT               (1u << 18)
#define EXIT_LOAD_PAT               (1u << 19)
#define EXIT_SAVE_EFER              (1u << 20)
#define EXIT_LOAD_EFER              (1u << 21)
/* VM-entry controls (24.8.1). */
#define ENTRY_LOAD_DEBUG            (1u << 2)
#define ENTRY_IA32E_GUEST           (1u << 9)
#define ENTRY_LOAD_PAT              (1u << 14)
#define ENTRY_LOAD_EFER             (1u << 15)

/* Interruption-information format shared by VM-entry injection, VM-exit
 * interruption and IDT-vectoring information (24.8.3, 24.9.2). */
#define INTR_INFO_VECTOR(i)         ((i) & 0xff)
#define INTR_INFO_TYPE(i)           (((i) >> 8) & 7)
#define INTR_INFO_ERR_VALID         (1u << 11)
#define INTR_INFO_NMI_UNBLOCK       (1u << 12)
#define INTR_INFO_VALID             (1u << 31)
#define INTR_TYPE_EXT_INTR          0
#define INTR_TYPE_NMI               2
#define INTR_TYPE_HW_EXC            3
#define INTR_TYPE_SW_INTR           4
#define INTR_TYPE_PRIV_SW_EXC       5
#define INTR_TYPE_SW_EXC            6

/* Guest interruptibility state (table 24-3). */
#define INTR_BLOCK_STI              (1u << 0)
#define INTR_BLOCK_MOV_SS           (1u << 1)
#define INTR_BLOCK_NMI              (1u << 3)

/* Segment access rights (24.4.1): descriptor bits 40-47 in 7:0, 52-55 in 15:12. */
#define AR_UNUSABLE                 (1u << 16)

/* Basic exit reasons (appendix C). */
#define EXIT_EXCEPTION_NMI          0
#define EXIT_EXT_INTR               1
#define EXIT_TRIPLE_FAULT           2
#define EXIT_INIT                   3
#define EXIT_SIPI                   4
#define EXIT_IO_SMI                 5
#define EXIT_OTHER_SMI              6
#define EXIT_INTR_WINDOW            7
#define EXIT_NMI_WINDOW             8
#define EXIT_TASK_SWITCH            9
#define EXIT_CPUID                  10
#define EXIT_GETSEC                 11
#define EXIT_HLT                    12
#define EXIT_INVD                   13
#define EXIT_INVLPG                 14
#define EXIT_RDPMC                  15
#define EXIT_RDTSC                  16
#define EXIT_RSM                    17
#define EXIT_VMCALL                 18
#define EXIT_VMCLEAR                19
#define EXIT_VMLAUNCH               20
#define EXIT_VMPTRLD                21
#define EXIT_VMPTRST                22
#define EXIT_VMREAD                 23
#define EXIT_VMRESUME               24
#define EXIT_VMWRITE                25
#define EXIT_VMXOFF                 26
#define EXIT_VMXON                  27
#define EXIT_CR_ACCESS              28
#define EXIT_DR_ACCESS              29
#define EXIT_IO                     30
#define EXIT_RDMSR                  31
#define EXIT_WRMSR                  32
#define EXIT_INVALID_GUEST_STATE    33
#define EXIT_MSR_LOADING            34
#define EXIT_MWAIT                  36
#define EXIT_MTF                    37
#define EXIT_MONITOR                39
#define EXIT_PAUSE                  40
#define EXIT_MACHINE_CHECK          41
#define EXIT_TPR_BELOW_THRESHOLD    43
#define EXIT_APIC_ACCESS            44
#define EXIT_GDTR_IDTR              46
#define EXIT_LDTR_TR                47
#define EXIT_EPT_VIOLATION          48
#define EXIT_EPT_MISCONFIG          49
#define EXIT_INVEPT                 50
#define EXIT_RDTSCP                 51
#define EXIT_PREEMPT_TIMER          52
#define EXIT_INVVPID                53
#define EXIT_WBINVD                 54
#define EXIT_XSETBV                 55
#define EXIT_RDRAND                 57
#define EXIT_INVPCID                58
#define EXIT_VMFUNC                 59
#define EXIT_RDSEED                 61
#define EXIT_XSAVES                 63
#define EXIT_XRSTORS                64
#define EXIT_REASON_ENTRY_FAIL      (1u << 31)  /* VM entry failed while loading guest state */

/* INVEPT / INVVPID types (30.3). */
#define INVEPT_SINGLE               1
#define INVEPT_ALL                  2
#define INVVPID_ADDR                0
#define INVVPID_SINGLE              1
#define INVVPID_ALL                 2

/*
 * The instructions.  Each VMX instruction reports VMfailInvalid with CF=1
 * and VMfailValid with ZF=1 (30.2); "setna" catches both.  Callers that care
 * read VMCS_INSN_ERROR after a VMfailValid.
 */
static inline bool vmx_vmxon(uint64_t pa)
{
    bool fail;
    __asm__ __volatile__("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmx_vmclear(uint64_t pa)
{
    bool fail;
    __asm__ __volatile__("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmx_vmptrld(uint64_t pa)
{
    bool fail;
    __asm__ __volatile__("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline uint64_t vmx_vmptrst(void)
{
    uint64_t pa;
    __asm__ __volatile__("vmptrst %0" : "=m"(pa) :: "memory");
    return pa;
}

static inline uint64_t vmread(uint64_t field)
{
    uint64_t val;
    __asm__ __volatile__("vmread %1, %0" : "=r"(val) : "r"(field) : "cc");
    return val;
}

void vmwrite_failed(uint64_t field, uint64_t val);    /* logs; vmcs.c */

static inline void vmwrite(uint64_t field, uint64_t val)
{
    bool fail;
    __asm__ __volatile__("vmwrite %2, %1; setna %0" : "=q"(fail) : "r"(field), "rm"(val) : "cc");
    if (unlikely(fail))
        vmwrite_failed(field, val);
}

static inline bool vmx_invept(unsigned type, uint64_t eptp)
{
    struct { uint64_t eptp, rsvd; } desc = { eptp, 0 };
    bool fail;
    __asm__ __volatile__("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"((uint64_t)type) : "cc", "memory");
    return !fail;
}

static inline bool vmx_invvpid(unsigned type, uint16_t vpid, uint64_t addr)
{
    struct { uint64_t vpid, addr; } desc = { vpid, addr };
    bool fail;
    __asm__ __volatile__("invvpid %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"((uint64_t)type) : "cc", "memory");
    return !fail;
}

#endif
