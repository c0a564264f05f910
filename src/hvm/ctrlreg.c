/*
 * The CR0/CR4/EFER policy of HVM guests (ctrlreg.h), and MOV to CR0/CR4,
 * CLTS and LMSW for a backend that intercepts them without carrying them
 * out (SVM: the CPU's own checks are not enough there, since a CR4 bit the
 * host has but the guest's CPUID hides would be accepted, and QEMU's TCG
 * model turns a reserved CR4 bit into a failed VMRUN instead of a #GP).
 * VMX does its own MOV-to-CR exits in src/vmx/cr.c with the same checks.
 */
#include "hvm/ctrlreg.h"
#include "lib/string.h"
#include "hvm/hvm.h"
#include "hvm/emulate/hvm_emul.h"
#include "core/domain.h"
#include "hvm/shadow.h"
#include "arch/x86/cpufeature.h"

/* Architectural bits, named here once (SDM vol. 3A 2.5, APM vol. 2 3.1). */
#define R_CR0_PE        (1ull << 0)
#define R_CR0_TS        (1ull << 3)
#define R_CR0_ET        (1ull << 4)
#define R_CR0_WP        (1ull << 16)
#define R_CR0_NW        (1ull << 29)
#define R_CR0_CD        (1ull << 30)
#define R_CR0_PG        (1ull << 31)
/* CR0 bits that exist; the others in 31:0 are reserved and read as 0
 * (writing them does not fault on Intel or AMD: only bits 63:32 do). */
#define R_CR0_DEFINED   0xe005003full
#define R_CR4_PAE       (1ull << 5)
#define R_CR4_PSE       (1ull << 4)
#define R_CR4_PGE       (1ull << 7)
#define R_CR4_LA57      (1ull << 12)
#define R_CR4_PCIDE     (1ull << 17)
#define R_CR4_SMEP      (1ull << 20)
#define R_CR4_SMAP      (1ull << 21)
#define R_CR4_PKE       (1ull << 22)
#define R_EFER_LME      (1ull << 8)
#define R_EFER_LMA      (1ull << 10)

#define BIT(n) (1ull << (n))

/* (CPUID register bit, CR4 bit it enables). */
struct feat { uint8_t reg, bit, enable; };
enum { EAX, EBX, ECX, EDX };

static const struct feat leaf1_cr4[] = {
    { EDX, 1, 0 }, { EDX, 1, 1 },     /* VME: VME, PVI */
    { EDX, 4, 2 },                    /* TSC: TSD */
    { EDX, 2, 3 },                    /* DE */
    { EDX, 3, 4 },                    /* PSE */
    { EDX, 6, 5 },                    /* PAE */
    { EDX, 7, 6 },                    /* MCE */
    { EDX, 13, 7 },                   /* PGE */
    { EDX, 24, 9 },                   /* FXSR: OSFXSR */
    { EDX, 25, 10 },                  /* SSE: OSXMMEXCPT */
    { ECX, 5, 13 },                   /* VMX: VMXE */
    { ECX, 6, 14 },                   /* SMX: SMXE */
    { ECX, 17, 17 },                  /* PCID: PCIDE */
    { ECX, 26, 18 },                  /* XSAVE: OSXSAVE */
};
static const struct feat leaf7_cr4[] = {
    { EBX, 0, 16 },                   /* FSGSBASE */
    { EBX, 7, 20 },                   /* SMEP */
    { EBX, 20, 21 },                  /* SMAP */
    { ECX, 2, 11 },                   /* UMIP */
    { ECX, 16, 12 },                  /* LA57 */
    { ECX, 3, 22 },                   /* PKU: PKE */
    { ECX, 7, 23 }, { EDX, 20, 23 },  /* CET shadow stacks / IBT: CET */
    { ECX, 23, 19 },                  /* Key Locker: KL */
    { ECX, 31, 24 },                  /* PKS */
    { EDX, 5, 25 },                   /* UINTR */
};

static uint64_t enables(const uint32_t r[4], const struct feat *f, unsigned n)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < n; i++)
        if (r[f[i].reg] & (1u << f[i].bit))
            m |= BIT(f[i].enable);
    return m;
}

uint64_t hvm_cr4_guest_valid(struct vcpu *v)
{
    uint32_t r[4];
    uint64_t m = BIT(8);                /* PCE: no CPUID bit */

    hvm_cpuid(v, 1, 0, r);
    m |= enables(r, leaf1_cr4, ARRAY_SIZE(leaf1_cr4));
    hvm_cpuid(v, 0, 0, r);
    if (r[EAX] >= 7) {
        hvm_cpuid(v, 7, 0, r);
        m |= enables(r, leaf7_cr4, ARRAY_SIZE(leaf7_cr4));
    }
    return m;
}

uint64_t hvm_efer_guest_valid(struct vcpu *v)
{
    uint32_t r[4];
    uint64_t m = 0;

    hvm_cpuid(v, 0x80000000u, 0, r);
    if (r[EAX] < 0x80000001u)
        return 0;
    hvm_cpuid(v, 0x80000001u, 0, r);
    if (r[EDX] & BIT(11))
        m |= BIT(0);                    /* SYSCALL: SCE */
    if (r[EDX] & BIT(29))
        m |= R_EFER_LME | R_EFER_LMA;   /* LM (LMA itself is the CPU's to set) */
    if (r[EDX] & BIT(20))
        m |= BIT(11);                   /* NX: NXE */
    if (r[EDX] & BIT(25))
        m |= BIT(14);                   /* FFXSR (AMD) */
    if (r[ECX] & BIT(2))
        m |= BIT(12);                   /* SVM: SVME (hidden by the policy) */
    return m;
}

bool hvm_cr0_write_ok(struct vcpu *v, uint64_t old, uint64_t val, uint64_t cr4, uint64_t efer, bool code64)
{
    if (val >> 32)
        return false;                           /* reserved 63:32 */
    if ((val & R_CR0_PG) && !(val & R_CR0_PE))
        return false;
    if ((val & R_CR0_NW) && !(val & R_CR0_CD))
        return false;
    if (!(old & R_CR0_PG) && (val & R_CR0_PG) && (efer & R_EFER_LME) && !(cr4 & R_CR4_PAE))
        return false;                           /* long mode needs PAE */
    if ((old & R_CR0_PG) && !(val & R_CR0_PG)) {
        if ((efer & R_EFER_LMA) && code64)
            return false;                       /* long mode is left from compatibility mode only */
        if (cr4 & R_CR4_PCIDE)
            return false;
    }
    return true;
}

bool hvm_cr4_write_ok(struct vcpu *v, uint64_t old, uint64_t val, uint64_t cr0, uint64_t cr3, uint64_t efer,
                      bool code64)
{
    if (val & ~hvm_cr4_guest_valid(v))
        return false;                           /* reserved, or a feature CPUID does not offer */
    if ((efer & R_EFER_LMA) && !(val & R_CR4_PAE))
        return false;
    if ((val & R_CR4_PCIDE) && !(old & R_CR4_PCIDE) && (!(efer & R_EFER_LMA) || (cr3 & 0xfff)))
        return false;
    if (((old ^ val) & R_CR4_LA57) && (efer & R_EFER_LMA))
        return false;
    return true;
}

/* ---- the SVM path: decode, check, load ---- */

enum cr_op { OP_MOV, OP_CLTS, OP_LMSW };

struct cr_insn {
    enum cr_op op;
    unsigned cr;            /* OP_MOV: the destination */
    unsigned gpr;           /* OP_MOV, OP_LMSW register form: the source */
    unsigned len;
};

/*
 * Decodes the instruction at CS:RIP that made the CR-write exit: MOV to
 * CR (0f 22 /r; the mod field is ignored, the operand is always a register;
 * REX.R extends the CR number, LOCK selects CR8 on AMD), CLTS (0f 06) or
 * LMSW (0f 01 /6).  Returns 1 decoded, 2 LMSW from memory (the emulator
 * computes the address and reads the operand), 0 when the bytes cannot be
 * fetched (retry: RIP unchanged), -1 not a CR write we can perform.
 */
static int decode(struct vcpu *v, struct emul_ctx *c, struct cr_insn *ins)
{
    uint8_t b[EMUL_MAX_INSN_LEN];
    unsigned n, i = 0, rex = 0;
    bool lock = false;

    for (n = 0; n < EMUL_MAX_INSN_LEN; n++) {
        uint64_t ip = c->mode == 64 ? c->regs.rip + n : (c->regs.rip + n) & 0xffffffffull;
        uint64_t la = c->mode == 64 ? ip : (c->seg[EMUL_CS].base + ip) & 0xffffffffull;
        if (c->mode != 64 && ip > c->seg[EMUL_CS].limit)
            break;
        if (c->ops->read(c, la, &b[n], 1, EMUL_ACC_FETCH) != EMUL_OK)
            break;
    }
    for (; i < n; i++) {
        uint8_t p = b[i];
        if (p == 0x66 || p == 0x67 || p == 0xf2 || p == 0xf3 || p == 0x26 || p == 0x2e || p == 0x36 ||
            p == 0x3e || p == 0x64 || p == 0x65) {
            rex = 0;                            /* a REX not right before the opcode is ignored */
            continue;
        }
        if (p == 0xf0) {
            lock = true;
            rex = 0;
            continue;
        }
        if (c->mode == 64 && (p & 0xf0) == 0x40) {
            rex = p;
            continue;
        }
        break;
    }
    if (i + 2 > n)
        return n < EMUL_MAX_INSN_LEN ? 0 : -1;
    if (b[i] != 0x0f)
        return -1;
    switch (b[i + 1]) {
    case 0x06:
        ins->op = OP_CLTS;
        ins->len = i + 2;
        return 1;
    case 0x22:
    case 0x01:
        if (i + 3 > n)
            return 0;
        uint8_t modrm = b[i + 2];
        ins->len = i + 3;
        ins->gpr = (modrm & 7) | ((rex & 1) ? 8 : 0);
        if (b[i + 1] == 0x22) {
            ins->op = OP_MOV;
            ins->cr = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0) | (lock ? 8 : 0);
            return 1;
        }
        if (((modrm >> 3) & 7) != 6)
            return -1;                          /* not LMSW */
        ins->op = OP_LMSW;
        return (modrm >> 6) == 3 ? 1 : 2;       /* 2: the memory form, for the emulator */
    }
    return -1;
}

static void flush_guest_tlb(struct vcpu *v)
{
    /* A fresh ASID/VPID at the next entry (hvm/tlb_tag.c): the MOV to CR
     * did not run on the CPU, so neither did its TLB invalidation. */
    __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
    hvm_shadow_request_flush(v);    /* shadow paging: the shadow is that TLB */
}

static bool set_cr0(struct vcpu *v, struct hvm_ctrl *c, uint64_t val, bool code64)
{
    uint64_t old = c->cr0;

    if (!hvm_cr0_write_ok(v, old, val, c->cr4, c->efer, code64))
        return false;
    val = (val & R_CR0_DEFINED) | R_CR0_ET;     /* ET is hard-wired to 1 */
    if (!(old & R_CR0_PG) && (val & R_CR0_PG) && (c->efer & R_EFER_LME))
        c->efer |= R_EFER_LMA;                  /* paging on with LME: IA-32e mode */
    else if ((old & R_CR0_PG) && !(val & R_CR0_PG))
        c->efer &= ~R_EFER_LMA;
    c->cr0 = val;
    hvm_vendor->set_ctrl(v, c);
    if ((old ^ val) & (R_CR0_PG | R_CR0_PE | R_CR0_WP | R_CR0_CD))
        flush_guest_tlb(v);
    return true;
}

static bool set_cr4(struct vcpu *v, struct hvm_ctrl *c, uint64_t val, bool code64)
{
    uint64_t old = c->cr4;

    if (!hvm_cr4_write_ok(v, old, val, c->cr0, c->cr3, c->efer, code64))
        return false;
    c->cr4 = val;
    hvm_vendor->set_ctrl(v, c);
    if ((old ^ val) & (R_CR4_PAE | R_CR4_PGE | R_CR4_PSE | R_CR4_PCIDE | R_CR4_SMEP | R_CR4_SMAP | R_CR4_PKE))
        flush_guest_tlb(v);
    return true;
}

/* MOV to CR3, intercepted for shadow paging only (hvm/shadow_hvm.c):
 * the guest's new CR3, and the TLB flush the instruction does, which for a
 * shadow-paged guest means emptying the shadow of its non-global leaves.  Reserved bits (SDM vol.
 * 2B MOV CR; APM 3.1.2): in long mode 63:52 and bits above MAXPHYADDR,
 * except bit 63 with CR4.PCIDE (no-flush hint, not stored; we flush
 * anyway, which a TLB may always do). */
static bool set_cr3(struct vcpu *v, struct hvm_ctrl *c, uint64_t val)
{
    if (c->efer & R_EFER_LMA) {
        unsigned maxphy = boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 36;
        if (c->cr4 & R_CR4_PCIDE)
            val &= ~(1ull << 63);
        if (val >> maxphy)
            return false;
    } else {
        val = (uint32_t)val;
    }
    c->cr3 = val;
    hvm_vendor->set_ctrl(v, c);
    if (v->shadow)
        hvm_shadow_request_cr3_flush(v);    /* the shadow keeps global leaves; it flushes the CPU's TLB itself */
    else
        flush_guest_tlb(v);
    return true;
}

/*
 * Some CPUs (Bochs's SVM) check a MOV to CR4 for bits they lack before the
 * CR4 write intercept, so a guest setting an emulated bit (CR4.UMIP) gets
 * #GP instead of the exit.  The backend then intercepts #GP and this turns
 * such a #GP back into the CR4 write the guest asked for, with the policy
 * checks of an ordinary intercept (a refused write is still #GP).
 */
bool hvm_gp_cr4_write(struct vcpu *v, const struct hvm_exit *x)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;
    struct cr_insn ins = { 0 };
    struct hvm_exit cw;

    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    if (ctrl.cpl != 0 || decode(v, &c, &ins) <= 0 || ins.op != OP_MOV || ins.cr != 4)
        return false;
    memset(&cw, 0, sizeof(cw));
    cw.reason = HVM_EXIT_CR_WRITE;
    cw.raw = x->raw;
    cw.qual = 4;
    return hvm_handle_cr_write(v, &cw);
}

/* CR0 after LMSW with source msw: bits 3:0 (PE, MP, EM, TS) only, and PE
 * can be set but not cleared (SDM vol. 2A LMSW; APM vol. 3 LMSW). */
static uint64_t lmsw_cr0(uint64_t cr0, uint16_t msw)
{
    return (cr0 & ~0xeull) | (msw & 0xf) | (cr0 & R_CR0_PE);
}

bool hvm_lmsw(struct vcpu *v, uint16_t msw)
{
    struct hvm_ctrl ctrl;

    hvm_vendor->get_ctrl(v, &ctrl);
    if (ctrl.cpl != 0)
        return false;
    return set_cr0(v, &ctrl, lmsw_cr0(ctrl.cr0, msw), hvm_guest_long_mode(v));
}

bool hvm_handle_cr_write(struct vcpu *v, const struct hvm_exit *x)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;
    struct cr_insn ins = { 0 };
    unsigned cr = x->qual & 15;
    bool code64 = hvm_guest_long_mode(v), ok;
    uint64_t val;

    if ((x->qual & HVM_CR_QUAL_LMSW_VALID) && x->insn_len) {
        /* LMSW whose source the CPU gave (VMX: either operand form). */
        hvm_vendor->get_ctrl(v, &ctrl);
        ins.op = OP_LMSW;
        ins.len = x->insn_len;
        cr = 0;
    } else if ((x->qual & HVM_CR_QUAL_GPR_VALID) && x->insn_len) {
        /* Decoded by the CPU: only the control registers are needed, not
         * the emulator's whole context (a dozen segment reads, which cost
         * on every MOV to CR3 under shadow paging). */
        hvm_vendor->get_ctrl(v, &ctrl);
        ins.op = OP_MOV;
        ins.cr = cr;
        ins.gpr = (x->qual >> 8) & 15;
        ins.len = x->insn_len;
    } else {
        hvm_emul_ctx_init(v, &c, &priv, &ctrl);
        int rc = decode(v, &c, &ins);
        if (rc == 0)
            return true;                        /* not readable now: let the guest run it again */
        if (rc == 2)                            /* LMSW from memory: the emulator reads the operand */
            return cr == 0 ? hvm_emulate_insn(v, x) : true;
        if (rc < 0) {
            hvm_dump_and_crash(v, x, "CR%u write by an instruction that cannot be emulated", cr);
            return false;
        }
        if (x->insn_len)
            ins.len = x->insn_len;              /* the CPU's length (NRIP) wins */
    }
    /* The exit names the register written; bytes that say otherwise were
     * changed under us (another vCPU): run the instruction again. */
    if ((ins.op == OP_MOV && ins.cr != cr) || (ins.op != OP_MOV && cr != 0))
        return true;
    /* MOV CR is CPL 0 only; the CPU checks that before the intercept, but a
     * decoded instruction is only trusted as far as it is checked. */
    if (ctrl.cpl != 0) {
        hvm_inject_gp(v);
        return true;
    }
    switch (ins.op) {
    case OP_MOV:
        val = *guest_gpr(&v->regs, ins.gpr);
        if (!code64)
            val = (uint32_t)val;                /* 32-bit operand outside 64-bit mode */
        break;
    case OP_CLTS:
        val = ctrl.cr0 & ~R_CR0_TS;
        break;
    case OP_LMSW:
    default:
        val = lmsw_cr0(ctrl.cr0, (x->qual & HVM_CR_QUAL_LMSW_VALID) ? (uint16_t)(x->qual >> 16)
                                                                    : (uint16_t)*guest_gpr(&v->regs, ins.gpr));
        break;
    }
    ok = cr == 0 ? set_cr0(v, &ctrl, val, code64) : cr == 4 ? set_cr4(v, &ctrl, val, code64)
                  : cr == 3 ? set_cr3(v, &ctrl, val) : false;
    if (!ok) {
        hvm_inject_gp(v);
        return true;
    }
    v->regs.rip += ins.len;
    if (!code64)
        v->regs.rip &= 0xffffffffull;
    return true;
}
