/*
 * The x86 instruction emulator core: decodes one guest instruction from its
 * bytes and carries it out against the guest's registers and, through
 * callbacks, its memory.  Used when the CPU gives no decode assist, above
 * all for MMIO (a nested page fault outside RAM: hvm/emulate/mmio.c).
 *
 * The core is pure: no hypervisor state, no allocation.  It is built into
 * the hypervisor and, with -DRV_HOST_BUILD, into host unit tests and a
 * libFuzzer harness, because every byte it parses is guest-controlled.
 *
 * It does segmentation itself (base, limit, type, canonical checks: Intel
 * SDM vol. 3, 3.4 and 5.3; AMD APM vol. 2, 4.12) and hands the callbacks
 * linear addresses; paging, and whether an address is RAM or a device, are
 * the callbacks' business.
 *
 * Emulated: MOV (88-8C, A0-A3, B0-BF, C6/C7), MOVZX/MOVSX, MOVSXD, MOVNTI, the ALU
 * group (00-3D, 80-83), TEST, NOT/NEG, INC/DEC, XCHG, XADD, CMPXCHG,
 * CMPXCHG8B/16B, BT/BTS/BTR/BTC, SETcc, PUSH/POP of memory, and the string
 * instructions MOVS/STOS/LODS/CMPS/SCAS with REP/REPE/REPNE, and the
 * software events INT n, INT3, INTO and INT1 (ICEBP) up to the IDT gate
 * checks (exec_event.c), and the descriptor-table and control-register
 * instructions SGDT/SIDT/SLDT/STR/SMSW (with CR4.UMIP), LGDT/LIDT/LLDT/LTR
 * and MOV from CR0/CR2/CR3/CR4 (exec_sys.c).  In real mode (or with
 * c->flow) also control flow, the stack and segment loads (exec_flow.c),
 * shifts/rotates, MUL/IMUL/DIV/IDIV and the BCD adjusts (exec_arith.c).
 *
 * Recognised for their exceptions only (exec_event.c): x87 (D8-DF, WAIT),
 * MMX, SSE and VEX (AVX) instructions raise the #UD or #NM that CR0.EM/TS/MP,
 * CR4.OSFXSR/OSXSAVE and XCR0 call for, in the manuals' order; when none
 * applies they are "unhandleable" like anything else not listed, with the
 * instruction bytes in the reason.
 */
#ifndef RV_HVM_EMULATE_X86_EMULATE_H
#define RV_HVM_EMULATE_X86_EMULATE_H

#include "lib/compiler.h"
#include "hvm/regs.h"

enum emul_rc {
    EMUL_OK = 0,            /* done (or a REP chunk done: RIP stays on the instruction) */
    EMUL_EXCEPTION,         /* c->exc holds a fault for the guest; registers as committed */
    EMUL_UNHANDLEABLE,      /* c->reason says why; nothing committed by the failing step */
};

/* Segment registers, in the encoding order of the ModRM sreg field and of
 * enum hvm_segreg. */
enum emul_seg { EMUL_ES, EMUL_CS, EMUL_SS, EMUL_DS, EMUL_FS, EMUL_GS, EMUL_NR_SEGS };

/* Same layout and meaning as struct hvm_seg: attr in the SVM packed form
 * (descriptor bits 40-47 in 0-7, bits 52-55 in 8-11), limit in bytes. */
struct emul_segment {
    uint16_t sel;
    uint16_t attr;
    uint32_t limit;
    uint64_t base;
};

#define EMUL_SEG_TYPE(a)    ((a) & 0xfu)
#define EMUL_SEG_S          (1u << 4)       /* code/data, not system */
#define EMUL_SEG_P          (1u << 7)
#define EMUL_SEG_L          (1u << 9)
#define EMUL_SEG_DB         (1u << 10)

/* Access kinds handed to the read callback (write implies a data access). */
#define EMUL_ACC_FETCH      1u      /* instruction fetch */
#define EMUL_ACC_RMW        2u      /* a read whose operand will be written: check write rights now */
#define EMUL_ACC_IMPLICIT   4u      /* supervisor-only structure (unused by the core today) */

/* RFLAGS bits (SDM vol. 1, 3.4.3). */
#define EMUL_FL_CF  (1u << 0)
#define EMUL_FL_PF  (1u << 2)
#define EMUL_FL_AF  (1u << 4)
#define EMUL_FL_ZF  (1u << 6)
#define EMUL_FL_SF  (1u << 7)
#define EMUL_FL_TF  (1u << 8)
#define EMUL_FL_DF  (1u << 10)
#define EMUL_FL_OF  (1u << 11)
#define EMUL_FL_VM  (1u << 17)
#define EMUL_FL_AC  (1u << 18)
#define EMUL_FL_ARITH (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | EMUL_FL_OF)

/* Exception vectors the core raises. */
#define EMUL_EXC_DE 0
#define EMUL_EXC_DB 1
#define EMUL_EXC_BP 3
#define EMUL_EXC_OF 4
#define EMUL_EXC_UD 6
#define EMUL_EXC_NM 7
#define EMUL_EXC_NP 11
#define EMUL_EXC_TS 10
#define EMUL_EXC_SS 12
#define EMUL_EXC_GP 13
#define EMUL_EXC_PF 14

/* How c->exc is delivered (SDM vol. 3, 6.5 and 27.6.1.1; APM vol. 2, 15.20). */
enum emul_event {
    EMUL_EVT_FAULT = 0,     /* a fault: RIP (in regs) on the instruction */
    EMUL_EVT_TRAP,          /* INT3, INTO, INT1: an exception whose return address is
                               the next instruction, already in regs.rip; the gate
                               checks are done */
    EMUL_EVT_SOFTINT,       /* INT n: a software interrupt, RIP already past it; the
                               gate checks are done */
};

struct emul_ctx;

/*
 * Memory callbacks.  la is a linear address, len 1..16 bytes (the access may
 * cross a page; splitting is the callback's job).  They return EMUL_OK, or
 * EMUL_EXCEPTION after filling c->exc (emul_raise / emul_raise_pf), or
 * EMUL_UNHANDLEABLE after emul_fail (e.g. an address nothing claims).  A
 * write that fails must not have changed anything.
 */
struct emul_ops {
    enum emul_rc (*read)(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc);
    enum emul_rc (*write)(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len);
};

struct emul_ctx {
    /* In/out: registers, RIP and RFLAGS.  On EMUL_OK they hold the result;
     * on EMUL_EXCEPTION the state before the faulting instruction (plus the
     * completed iterations of a REP string instruction). */
    struct guest_regs regs;
    /* In: the state that decides the mode and the checks. */
    struct emul_segment seg[EMUL_NR_SEGS];
    uint64_t cr0, cr4, efer;
    uint64_t xcr0;              /* VEX instructions need the SSE and AVX states enabled */
    uint64_t idtr_base;         /* INT n / INT3 / INTO / INT1 read their gate; */
    uint32_t idtr_limit;        /* in/out for SIDT/LIDT, as the next ones */
    uint64_t gdtr_base;         /* SGDT/LGDT, LLDT/LTR's descriptor */
    uint32_t gdtr_limit;
    struct emul_segment ldtr, tr;   /* SLDT/STR, LLDT/LTR */
    uint64_t cr2, cr3;          /* MOV from CR2/CR3 */
    unsigned sys_dirty;         /* out: EMUL_DIRTY_* registers the instruction loaded */
    uint64_t invlpg_la;         /* out, with EMUL_DIRTY_INVLPG: the linear address INVLPG named */
    uint16_t lmsw_val;          /* out, with EMUL_DIRTY_LMSW: LMSW's 16-bit source */
    uint8_t cpl;
    bool flow;                  /* in: control flow and segment loads also in protected mode
                                   (exec_flow.c; always on in real mode) */
    unsigned seg_dirty;         /* out: bit n: seg[n] was loaded (a new value to write back) */
    uint8_t shadow;             /* out: EMUL_SHADOW_*: no interrupt before the next instruction */
    unsigned max_reps;          /* REP iterations per call; 0 = EMUL_DEFAULT_REPS */
    const struct emul_ops *ops;
    void *priv;                 /* for the callbacks */

    /* Out. */
    struct {
        uint8_t vector;
        uint8_t kind;           /* enum emul_event */
        bool has_err;
        uint32_t err;
        bool has_cr2;           /* #PF: CR2 must be set to cr2 before delivery */
        uint64_t cr2;
    } exc;
    char reason[192];           /* EMUL_UNHANDLEABLE */
    uint8_t insn[16];           /* instruction bytes fetched so far */
    unsigned insn_fetched;
    unsigned insn_len;          /* decoded length (0 if decoding stopped early) */
    unsigned mode;              /* 16, 32 or 64: set by emul_run */
};

#define EMUL_DIRTY_GDTR 1u
#define EMUL_DIRTY_IDTR 2u
#define EMUL_DIRTY_LDTR 4u
#define EMUL_DIRTY_TR   8u
#define EMUL_DIRTY_INVLPG 16u   /* INVLPG ran (intercepted for shadow paging only) */
#define EMUL_DIRTY_LMSW 32u     /* LMSW ran: the caller loads CR0 bits 3:0 from lmsw_val */

/* c->shadow: the one-instruction interrupt shadow the instruction started
 * (SDM vol. 3A 6.8.3; VMX interruptibility bits 0 and 1). */
#define EMUL_SHADOW_STI   1u    /* STI that set IF */
#define EMUL_SHADOW_MOVSS 2u    /* MOV SS, POP SS */

#define EMUL_DEFAULT_REPS 1024u
#define EMUL_MAX_INSN_LEN 15u

/* Emulates the instruction at CS:RIP. */
enum emul_rc emul_run(struct emul_ctx *c);

/* The code size: 64 (IA-32e with CS.L), 32 (CS.D, also in real mode: the
 * cached descriptor's D bit decides there too) or 16 (VM86, or a 16-bit
 * code segment); SDM vol. 3, 5.2.1 and 9.8.5. */
unsigned emul_mode(uint64_t cr0, uint64_t efer, uint64_t rflags, uint16_t cs_attr);

/* For callbacks: record a fault, or a reason to give up. */
enum emul_rc emul_raise(struct emul_ctx *c, uint8_t vector, bool has_err, uint32_t err);
enum emul_rc emul_raise_pf(struct emul_ctx *c, uint64_t cr2, uint32_t pfec);
enum emul_rc emul_fail(struct emul_ctx *c, const char *fmt, ...) __printf(2, 3);

#endif
