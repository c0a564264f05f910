/*
 * The forced-emulation prefix (Xen's hvm_fep boot option): a guest that
 * puts the five bytes 0f 0b 78 65 6e ("ud2" then the ASCII "xen") in front
 * of an instruction has that instruction carried out by the hypervisor's
 * instruction emulator instead of the CPU.  Guest test suites use it to
 * test the emulator with instructions the CPU would otherwise run itself.
 *
 * It is a testing aid: any guest can then make the hypervisor emulate any
 * instruction it likes, so it is off unless "hvm_fep" is on the hypervisor's
 * command line, and the boot log says so when it is on.  Only then is #UD
 * intercepted at all (hvm_exception_intercepts), so without the option
 * nothing changes: the CPU delivers #UD to the guest directly.
 *
 * The conditions are Xen's: any CPL and any mode; the five bytes are read
 * at CS:RIP through the guest's segmentation (the CS limit outside 64-bit
 * mode) and paging, as an instruction fetch (a user fetch at CPL 3); if
 * they cannot be read or are anything else, the guest gets the #UD it
 * raised.  Otherwise RIP moves past the prefix (truncated to 32 bits
 * outside 64-bit mode), RFLAGS.RF is cleared, and the next instruction is
 * emulated; a fault it raises is delivered with RIP on it (after the
 * prefix), and one the emulator cannot do gives the guest #UD, as Xen does.
 *
 * What runs the instruction: CPUID, RDMSR/WRMSR, IN/OUT (not the string
 * forms) and VMCALL/VMMCALL go to the same handlers as their VM exits,
 * RDTSC reads the guest's TSC (host TSC + the vCPU's offset), RDTSCP
 * too with the vCPU's TSC_AUX in ECX (#UD where CPUID hides RDTSCP), RDPID
 * the TSC_AUX into its register (#UD where CPUID hides RDPID);
 * everything else to the emulator core (hvm/emulate/x86_emulate.h lists
 * what it does: MOV, the ALU group, string instructions, ...), against
 * guest RAM and the MMIO devices.
 */
#include "hvm/hvm.h"
#include "hvm/cpu_policy.h"
#include "hvm/emulate/hvm_emul.h"
#include "arch/x86/asm.h"
#include "core/console.h"
#include "core/domain.h"
#include "lib/errno.h"
#include "lib/string.h"

#define FEP_LEN         5
#define EXC_DB          1
#define EXC_UD          6
#define EXC_GP          13
#define EXC_AC          17
#define CR4_TSD         (1ull << 2)
#define RFLAGS_RF       (1ull << 16)
#define RFLAGS_VM       (1ull << 17)
#define RFLAGS_IOPL(f)  (((f) >> 12) & 3)

static const uint8_t fep_sig[FEP_LEN] = { 0x0f, 0x0b, 'x', 'e', 'n' };

/* (i) set by hvm_fep_enable on the boot CPU before any vCPU exists (the
 * backends read hvm_exception_intercepts when they create one); read-only
 * afterwards. */
static bool fep_on;

void hvm_fep_enable(void)
{
    fep_on = true;
    log_warn("hvm: hvm_fep is on: any HVM/PVH guest can force instructions through the emulator "
             "(ud2; .ascii \"xen\" prefix). For testing only, never in production\n");
}

uint32_t hvm_exception_intercepts(void)
{
    /* #AC and #DB: a guest can make their delivery loop forever inside the
     * CPU (CVE-2015-5307, CVE-2015-8104); intercepting bounds it to exits.
     * #UD only for the prefix, so that without hvm_fep it costs nothing. */
    return (1u << EXC_AC) | (1u << EXC_DB) | (fep_on ? 1u << EXC_UD : 0);
}

/* RIP += n with the wrap of the current code size (RIP is 32 bits wide
 * outside 64-bit mode; a 16-bit IP is not wrapped at 64 KiB, as Xen). */
static void rip_add(struct vcpu *v, unsigned mode, unsigned n)
{
    v->regs.rip += n;
    if (mode != 64)
        v->regs.rip &= 0xffffffffull;
}

/*
 * Reads the FEP_LEN bytes at CS:RIP as an instruction fetch.  false when
 * they are not all readable (limit, paging, not RAM): the guest then gets
 * its #UD, not a fault of our fetch.
 */
static bool fetch_sig(struct emul_ctx *c, uint8_t out[FEP_LEN])
{
    const struct emul_segment *cs = &c->seg[EMUL_CS];
    uint64_t la;

    if (c->mode == 64) {
        la = c->regs.rip;
    } else {
        uint64_t ip = c->regs.rip & 0xffffffffull;
        /* An expand-up code segment (code segments cannot expand down). */
        if (ip > cs->limit || cs->limit - ip < FEP_LEN - 1)
            return false;
        la = (cs->base + ip) & 0xffffffffull;
    }
    return c->ops->read(c, la, out, FEP_LEN, EMUL_ACC_FETCH) == EMUL_OK;
}

/* IN/OUT permission outside real mode: CPL <= IOPL, never in VM86.  The
 * TSS I/O permission bitmap is not consulted (a guest that grants ports to
 * CPL 3 through it gets #GP here where the CPU would allow the access). */
static bool io_allowed(const struct emul_ctx *c)
{
    if (!(c->cr0 & CR0_PE))
        return true;
    if (c->regs.rflags & RFLAGS_VM)
        return false;
    return c->cpl <= RFLAGS_IOPL(c->regs.rflags);
}

/*
 * The instructions whose work lives in an exit handler rather than the
 * emulator core.  b: the bytes after the prefix (n of them readable).
 * Returns 1 done (RIP advanced or a fault injected), 0 not one of these.
 */
static int special(struct vcpu *v, struct emul_ctx *c, const uint8_t *b, unsigned n)
{
    unsigned p = 0, opsize = c->mode == 16 ? 2 : 4;

    if (n >= 2 && b[0] == 0x0f && b[1] == 0xa2) {             /* CPUID */
        if (hvm_handle_cpuid(v))
            rip_add(v, c->mode, 2);
        return 1;
    }
    if (n >= 2 && b[0] == 0x0f && b[1] == 0x31) {             /* RDTSC */
        uint64_t tsc;

        if ((c->cr4 & CR4_TSD) && c->cpl != 0) {                /* CR4.TSD: CPL 0 only (SDM vol. 2, RDTSC) */
            hvm_inject_gp(v);
            return 1;
        }
        tsc = rdtsc_ordered() + v->tsc_offset;                  /* what the guest reads natively */
        v->regs.rax = (uint32_t)tsc;
        v->regs.rdx = tsc >> 32;
        rip_add(v, c->mode, 2);
        return 1;
    }
    if (n >= 3 && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xf9) {   /* RDTSCP */
        struct cpu_policy p;
        uint64_t tsc;

        hvm_cpu_policy(v, &p);
        if (!cpu_policy_has(&p, F_RDTSCP)) {                    /* #UD where CPUID does not offer it */
            hvm_inject_ud(v);
            return 1;
        }
        if ((c->cr4 & CR4_TSD) && c->cpl != 0) {                /* as RDTSC */
            hvm_inject_gp(v);
            return 1;
        }
        tsc = rdtsc_ordered() + v->tsc_offset;
        v->regs.rax = (uint32_t)tsc;
        v->regs.rdx = tsc >> 32;
        v->regs.rcx = (uint32_t)v->msr.tsc_aux;                 /* the vCPU's IA32_TSC_AUX (msr.c) */
        rip_add(v, c->mode, 3);
        return 1;
    }
    if (n >= 4 && b[0] == 0xf3) {                               /* RDPID: F3 [REX] 0F C7 /7, register form */
        unsigned i = 1, rexb = 0;

        if (c->mode == 64 && (b[i] & 0xf0) == 0x40)
            rexb = (b[i++] & 1) << 3;
        if (n >= i + 3 && b[i] == 0x0f && b[i + 1] == 0xc7 && (b[i + 2] >> 6) == 3 && ((b[i + 2] >> 3) & 7) == 7) {
            struct cpu_policy p;

            hvm_cpu_policy(v, &p);
            if (!cpu_policy_has(&p, F_RDPID)) {                 /* #UD where CPUID does not offer it */
                hvm_inject_ud(v);
                return 1;
            }
            /* 64-bit mode: the whole register gets TSC_AUX zero-extended;
             * otherwise the 32-bit register (SDM vol. 2, RDPID). */
            *guest_gpr(&v->regs, (b[i + 2] & 7) | rexb) = (uint32_t)v->msr.tsc_aux;
            rip_add(v, c->mode, i + 3);
            return 1;
        }
    }
    if (n >= 2 && b[0] == 0x0f && (b[1] == 0x30 || b[1] == 0x32)) {   /* WRMSR / RDMSR */
        if (c->cpl != 0 || (c->regs.rflags & RFLAGS_VM)) {
            hvm_inject_gp(v);
            return 1;
        }
        if (hvm_handle_msr(v, b[1] == 0x30, (uint32_t)v->regs.rcx))
            rip_add(v, c->mode, 2);
        return 1;
    }
    if (n >= 3 && b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xc1 || b[2] == 0xd9)) {   /* VMCALL / VMMCALL */
        if (hvm_hypercall(v))
            rip_add(v, c->mode, 3);
        return 1;
    }
    if (n >= 1 && b[0] == 0x66) {                              /* operand-size override */
        opsize = opsize == 2 ? 4 : 2;
        p = 1;
    }
    if (n > p) {
        uint8_t op = b[p];
        struct hvm_exit x;

        if (!((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef)))
            return 0;
        if (op <= 0xe7 && n < p + 2)
            return 0;                   /* the port byte is not readable: let the core fault */
        if (!io_allowed(c)) {
            hvm_inject_gp(v);
            return 1;
        }
        memset(&x, 0, sizeof(x));
        x.reason = HVM_EXIT_IO;
        x.io.in = !(op & 2);
        x.io.size = (uint8_t)((op & 1) ? opsize : 1);
        x.io.port = op <= 0xe7 ? b[p + 1] : (uint16_t)v->regs.rdx;
        if (hvm_handle_io(v, &x))
            rip_add(v, c->mode, p + (op <= 0xe7 ? 2 : 1));
        return 1;
    }
    return 0;
}

bool hvm_handle_ud(struct vcpu *v)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;
    uint8_t sig[FEP_LEN], next[EMUL_MAX_INSN_LEN];
    unsigned n;
    enum emul_rc rc;

    if (!fep_on) {
        hvm_inject_ud(v);
        return true;
    }
    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    if (!fetch_sig(&c, sig) || memcmp(sig, fep_sig, FEP_LEN)) {
        hvm_inject_ud(v);
        return true;
    }
    rip_add(v, c.mode, FEP_LEN);
    v->regs.rflags &= ~RFLAGS_RF;

    /* The exit-handler instructions read at most 5 bytes (RDPID with a
     * REX prefix); fetch what can be fetched of them (a fault is the
     * emulator core's to raise below). */
    c.regs = v->regs;
    for (n = 0; n < 5; n++) {
        uint64_t ip = c.mode == 64 ? c.regs.rip + n : (c.regs.rip + n) & 0xffffffffull;
        uint64_t la = c.mode == 64 ? ip : (c.seg[EMUL_CS].base + ip) & 0xffffffffull;

        if (c.mode != 64 && ip > c.seg[EMUL_CS].limit)
            break;
        if (c.ops->read(&c, la, &next[n], 1, EMUL_ACC_FETCH) != EMUL_OK)
            break;
    }
    if (special(v, &c, next, n))
        return true;

    /* The emulator core, from the instruction after the prefix. */
    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    rc = emul_run(&c);
    if (!hvm_emul_commit(v, &c, rc, &ctrl)) {
        domain_log(v->domain, LOG_DEBUG, "v%u: hvm_fep: instruction at %#lx not emulated (%s): #UD\n",
                   v->vcpu_id, (unsigned long)v->regs.rip, c.reason);
        hvm_inject_ud(v);
    }
    return true;
}
