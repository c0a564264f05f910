/*
 * Decoder of the privileged instructions a 64-bit PV kernel (ring 3) may
 * execute and the hypervisor emulates (docs/pv.md "Privileged
 * instructions"): the #GP and #UD they raise come back to the hypervisor
 * with RIP on the instruction, and only these bytes say what it was.
 *
 * Pure code: no hypervisor state, built for the host by tests/unit
 * (unit_pv_insn) and fuzzed (fuzz_pv_insn), because every byte is
 * guest-controlled.  64-bit code only (PV kernels here are 64-bit).
 *
 * Encodings (Intel SDM vol. 2): CPUID 0F A2; Xen's forced CPUID
 * 0F 0B 'x' 'e' 'n' 0F A2; RDMSR 0F 32; WRMSR 0F 30; IN E4/E5 ib, EC/ED;
 * OUT E6/E7 ib, EE/EF; INS 6C/6D; OUTS 6E/6F; MOV r64,CRn 0F 20 /r;
 * MOV CRn,r64 0F 22 /r; MOV r64,DRn 0F 21 /r; MOV DRn,r64 0F 23 /r;
 * CLTS 0F 06; INVD 0F 08; WBINVD 0F 09; HLT F4; CLI FA; STI FB;
 * RDTSC 0F 31; RDTSCP 0F 01 F9; RDPMC 0F 33.
 */
#ifndef RV_PV_PV_INSN_H
#define RV_PV_PV_INSN_H

#include <stdbool.h>
#include <stdint.h>

enum pv_insn_op {
    PVI_NONE = 0,       /* not one of ours (or malformed): the fault goes to the guest */
    PVI_CPUID, PVI_FORCED_CPUID,
    PVI_RDMSR, PVI_WRMSR,
    PVI_IN, PVI_OUT, PVI_INS, PVI_OUTS,
    PVI_MOV_FROM_CR, PVI_MOV_TO_CR, PVI_MOV_FROM_DR, PVI_MOV_TO_DR,
    PVI_CLTS, PVI_INVD, PVI_WBINVD, PVI_HLT, PVI_CLI, PVI_STI,
    PVI_RDTSC, PVI_RDTSCP, PVI_RDPMC,
    PVI_INVLPG,
    PVI_NR
};

/* Segment override prefixes, as the decoder reports them. */
enum pv_insn_seg { PVS_NONE, PVS_ES, PVS_CS, PVS_SS, PVS_DS, PVS_FS, PVS_GS };

struct pv_insn {
    uint8_t op;         /* enum pv_insn_op */
    uint8_t len;        /* bytes, prefixes included (1..15) */
    uint8_t size;       /* IN/OUT/INS/OUTS: 1, 2 or 4 bytes */
    uint8_t reg;        /* MOV CR/DR: the control or debug register (0..15) */
    uint8_t gpr;        /* MOV CR/DR: the general register, x86 order (0 = RAX .. 15 = R15) */
    uint8_t port;       /* IN/OUT with an immediate port */
    bool port_imm;      /* the port is 'port', else DX */
    bool rep;           /* F3 (or F2) in front of INS/OUTS */
    bool addr32;        /* 67: INS/OUTS use ESI/EDI/ECX */
    uint8_t seg;        /* enum pv_insn_seg: OUTS's (and INVLPG's) segment override */
    /* INVLPG's memory operand (ModRM/SIB/displacement): base + index *
     * scale + disp, RIP-relative (from the next instruction) if riprel.
     * PV_NO_REG: no base / no index. */
    uint8_t mem_base, mem_index, mem_scale;
    bool mem_riprel;
    int32_t mem_disp;
};
#define PV_NO_REG 0xff

/*
 * Decodes the instruction in b[0..avail).  Returns the operation (also in
 * out->op), PVI_NONE for anything else: other opcodes, more than 15
 * bytes, bytes running out, LOCK in front (a LOCK MOV CR is AMD's CR8
 * alias; nothing here is lockable).  A REX prefix counts only right
 * before the opcode, as on the CPU (one followed by another prefix is
 * ignored).
 */
enum pv_insn_op pv_insn_decode(const uint8_t *b, unsigned avail, struct pv_insn *out);

/* The name of an op, for logs and tests. */
const char *pv_insn_name(unsigned op);

#endif
