/*
 * Real mode on VT-x without unrestricted guest (docs/shadow.md "Real mode on
 * VMX without unrestricted guest").  Unrestricted guest needs EPT (SDM vol.
 * 3C 26.2.1.1), so a shadow-paged vCPU can never be entered with CR0.PE = 0:
 * while the guest's CR0.PE is 0 it runs in virtual-8086 mode instead.
 *
 * The guest sees real mode: its CR0 (the read shadow, every bit host-owned
 * under shadow paging) has PE = 0, its segment registers are what real mode
 * would hold (kept here, struct vmx_rm), CPL 0, its own RFLAGS.IOPL.  The
 * CPU runs with CR0.PE = PG = 1 (the shadow maps guest-physical 1:1 while
 * the guest's paging is off, every page user-accessible), RFLAGS.VM = 1 and
 * IOPL = 3 (CLI, STI, PUSHF, POPF and IRET then run natively on the real IF:
 * SDM vol. 3A 20.2.7), the segments in the form VM entry requires for
 * virtual-8086 mode (26.3.1.2: base = selector << 4, limit 0xffff, access
 * rights 0xf3), and:
 *  - TR: a busy 32-bit TSS with limit 0.  An I/O instruction in virtual-8086
 *    mode always consults the TSS's I/O permission bitmap, and a TSS shorter
 *    than 0x68 bytes has none, so every IN/OUT/INS/OUTS raises #GP(0)
 *    (20.2.8.1), which is intercepted and turned into the I/O exit common
 *    code handles.  No TSS memory exists at all: nothing else reads it,
 *    since no event is ever delivered through the IDT (next point).
 *  - IDTR limit 0 and CR4.VME as the guest has it (0 in practice): INT n
 *    with IOPL = 3 goes to the protected-mode IDT (20.3.1.1), finds the
 *    vector beyond the limit and raises #GP(vector * 8 + 2), intercepted and
 *    delivered through the guest's real-mode IVT here.  (A VME interrupt
 *    redirection bitmap would avoid that exit, but needs a TSS in memory
 *    the guest can reach; the exits are few: test guests and Linux's
 *    trampolines do not use INT n.)
 *  - Every exception intercepted (exception bitmap all ones): #PF goes to
 *    the shadow as always; #GP is decoded (below); every other exception is
 *    delivered as a real-mode interrupt (push FLAGS, CS, IP on SS:SP, CS:IP
 *    from the IVT: 20.1.4), as are the external interrupts and NMIs common
 *    code injects (vmx_inject comes here while the guest's PE is 0).
 *  - #GP: the instructions virtual-8086 mode refuses at CPL 3 and real mode
 *    allows at CPL 0: IN/OUT/INS/OUTS (HVM_EXIT_IO), HLT, MOV to CR0/3/4,
 *    CLTS, LMSW (HVM_EXIT_CR_WRITE, the common CR code), MOV from CRn
 *    (here), RDMSR/WRMSR, INVD/WBINVD (nothing to do), INT n (the IVT).
 *    Anything else (LGDT/LIDT, an access beyond 0xffff in a segment whose
 *    real limit is larger: "big real mode") goes to the instruction
 *    emulator with the guest's real state (HVM_EXIT_DESC_ACCESS: "emulate
 *    the instruction at RIP"); an instruction it cannot do crashes the
 *    domain with the bytes named.
 *
 * Segments virtual-8086 mode cannot hold as they are (after CR0.PE is
 * cleared the cached descriptors are still protected mode's until the guest
 * reloads them): a segment whose base is 16-byte aligned below 1 MiB and
 * whose limit is at least 0xffff is entered with the selector base >> 4 (the
 * same linear addresses; a MOV from that segment register reads the stand-in
 * selector until the guest loads it, the only visible difference); a larger
 * limit becomes 0xffff, an access beyond faults and is emulated.  Anything
 * else (a 32-bit code or stack segment in real mode, a base not 16-byte
 * aligned or above 1 MiB, a limit below 0xffff) cannot run in virtual-8086
 * mode: it runs in the instruction emulator, instruction by instruction,
 * until the guest has reloaded the segment (vmx_rm_emulate: "emulate while
 * not enterable").
 *
 * Back to protected mode (MOV to CR0 setting PE, emulated from the #GP): the
 * real segment state goes back into the VMCS, TR, IDTR and the exception
 * bitmap are restored; the next entry is in 16-bit protected mode with the
 * real-mode segments, enterable when CS and SS have RPL 0 (26.3.1.2 ties
 * CS.DPL and SS.DPL to SS.RPL and CS.RPL); data segments whose RPL exceeds
 * their cached DPL get DPL = RPL (no instruction reads a cached data
 * segment's DPL).  Other RPLs: emulated until the far jump and the SS load
 * (rm.pe_pending).
 *
 * State (struct vmx_rm in struct vmx_vcpu) belongs to the vCPU, touched only
 * by its own exit and entry paths; no lock.
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "hvm/ctrlreg.h"
#include "hvm/emulate/hvm_emul.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "lib/string.h"

#define RFL_TF      (1u << 8)
#define RFL_IF      (1u << 9)
#define RFL_IOPL    (3u << 12)
#define RFL_RF      (1u << 16)
#define RFL_VM      (1u << 17)
#define RFL_AC      (1u << 18)

#define V86_AR      0xf3u       /* present, DPL 3, data read/write accessed (26.3.1.2) */
#define ATTR_P      0x80u
#define ATTR_DB     (1u << 10)

static bool rm_seg_kept(enum hvm_segreg s)
{
    return s <= SEG_GS || s == SEG_TR || s == SEG_IDTR;
}

__hot_path bool vmx_rm_get_seg(struct vmx_vcpu *x, enum hvm_segreg s, struct hvm_seg *out)
{
    if (!x->rm.active || !rm_seg_kept(s))
        return false;
    *out = x->rm.seg[s];
    return true;
}

bool vmx_rm_set_seg(struct vmx_vcpu *x, enum hvm_segreg s, const struct hvm_seg *in)
{
    if (!x->rm.active || !rm_seg_kept(s))
        return false;
    x->rm.seg[s] = *in;
    x->rm.dirty = true;
    return true;
}

uint64_t vmx_rm_hw_rflags(struct vmx_vcpu *x, uint64_t rflags)
{
    x->rm.iopl = rflags & RFL_IOPL;
    return rflags | RFL_VM | RFL_IOPL;
}

/* The stand-in selector for s in virtual-8086 mode; false: none fits. */
static bool v86_sel(enum hvm_segreg s, const struct hvm_seg *g, uint16_t *sel)
{
    if (!(g->attr & ATTR_P) && s != SEG_CS && s != SEG_SS) {
        *sel = 0;               /* unusable: real mode cannot reach it without loading it */
        return true;
    }
    if ((g->base & 0xf) || g->base > 0xffff0 || g->limit < 0xffff)
        return false;
    if ((s == SEG_CS || s == SEG_SS) && (g->attr & ATTR_DB))
        return false;           /* 32-bit code or stack in real mode */
    *sel = (uint16_t)(g->base >> 4);
    return true;
}

/* The segments into the VMCS in the virtual-8086 form; false: one has no
 * such form (the state is emulated until it has: vmx_rm_emulate). */
static bool v86_write_segs(struct vmx_vcpu *x)
{
    uint16_t sel[SEG_GS + 1];

    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        if (!v86_sel(s, &x->rm.seg[s], &sel[s]))
            return false;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
        x->rm.vsel[s] = sel[s];
        /* A load of the same value in virtual-8086 mode cannot be told
         * from no load.  CS and SS take the stand-in at once: the far jump
         * that follows CR0.PE = 0 reloads CS with it in practice, and an
         * interrupt taken meanwhile pushes a CS that IRET comes back to
         * (the protected-mode selector would not).  Data segments keep the
         * old selector until they are seen loaded with another value. */
        if (s == SEG_CS || s == SEG_SS)
            x->rm.seg[s].sel = sel[s];
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_SEL, s), sel[s]);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_BASE, s), (uint64_t)sel[s] << 4);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_LIMIT, s), 0xffff);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_AR, s), V86_AR);
    }
    x->rm.dirty = false;
    return true;
}

/* Into virtual-8086 mode: the real state from the VMCS into x->rm. */
static void rm_enter(struct vcpu *v, struct vmx_vcpu *x)
{
    static const enum hvm_segreg kept[] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR, SEG_IDTR };

    for (unsigned i = 0; i < ARRAY_SIZE(kept); i++)
        vmx_ops.get_seg(v, kept[i], &x->rm.seg[kept[i]]);
    x->rm.excbm = (uint32_t)vmread(VMCS_EXCEPTION_BITMAP);
    vmwrite(VMCS_EXCEPTION_BITMAP, ~0u);
    /* TR: a busy 32-bit TSS (type 11), present, limit 0: no I/O bitmap. */
    vmwrite(VMCS_GUEST_TR_SEL, 0);
    vmwrite(VMCS_SEG(VMCS_GUEST_ES_BASE, 7), 0);
    vmwrite(VMCS_SEG(VMCS_GUEST_ES_LIMIT, 7), 0);
    vmwrite(VMCS_SEG(VMCS_GUEST_ES_AR, 7), 0x8b);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
    x->rm.active = true;
    x->rm.dirty = true;
    x->rm.pe_pending = false;
    x->rm.entries++;
}

/* Out of virtual-8086 mode: the real state back into the VMCS.  With CS or
 * SS RPL not 0 (CR0.PE set while CS or SS held a selector whose low bits
 * are not 0) VM entry would refuse the state (26.3.1.2 ties CS.DPL and
 * SS.DPL to the RPLs): it is emulated until the far jump and the SS load
 * make it enterable (pe_pending). */
static void rm_leave(struct vcpu *v, struct vmx_vcpu *x)
{
    struct hvm_seg seg[SEG_NR];

    memcpy(seg, x->rm.seg, sizeof(seg));
    x->rm.active = false;
    vmwrite(VMCS_EXCEPTION_BITMAP, x->rm.excbm);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
        unsigned rpl = seg[s].sel & 3, dpl = (seg[s].attr >> 5) & 3;
        if (s != SEG_CS && s != SEG_SS && (seg[s].attr & ATTR_P) && rpl > dpl)
            seg[s].attr = (uint16_t)((seg[s].attr & ~0x60u) | (rpl << 5));
    }
    vmx_ops.set_seg(v, SEG_TR, &seg[SEG_TR]);
    vmx_ops.set_seg(v, SEG_IDTR, &seg[SEG_IDTR]);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        vmx_ops.set_seg(v, s, &seg[s]);
    x->rm.pe_pending = (seg[SEG_CS].sel & 3) || (seg[SEG_SS].sel & 3);
}

/* pe_pending: enterable once CS and SS have RPL 0 (the far jump loaded a
 * protected-mode CS, the guest loaded SS). */
static bool pe_enterable(struct vmx_vcpu *x)
{
    return !(vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, SEG_CS)) & 3) && !(vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, SEG_SS)) & 3);
}

enum vmx_rm_next vmx_rm_before_entry(struct vcpu *v, struct vmx_vcpu *x)
{
    if (x->sh_realmode && !x->rm.active)
        rm_enter(v, x);
    else if (!x->sh_realmode && x->rm.active)
        rm_leave(v, x);
    if (x->rm.active && x->rm.dirty && !v86_write_segs(x))
        return VMX_RM_EMULATE;
    if (x->rm.pe_pending) {
        if (!pe_enterable(x))
            return VMX_RM_EMULATE;
        x->rm.pe_pending = false;
    }
    return VMX_RM_ENTER;
}

void vmx_rm_after_exit(struct vcpu *v, struct vmx_vcpu *x)
{
    /* The guest's RFLAGS: without VM, with its own IOPL. */
    v->regs.rflags = (v->regs.rflags & ~(uint64_t)(RFL_VM | RFL_IOPL)) | x->rm.iopl;
    /* Segment registers the guest loaded itself (MOV/POP Sreg, far JMP,
     * CALL, RET, IRET): real mode sets base = selector << 4 and keeps the
     * limit and attributes (SDM vol. 3A 20.1.1). */
    for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
        uint16_t sel = (uint16_t)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, s));
        if (sel != x->rm.vsel[s]) {
            x->rm.seg[s].sel = sel;
            x->rm.seg[s].base = (uint64_t)sel << 4;
            x->rm.vsel[s] = sel;
        }
    }
}

/* ---- Real-mode interrupt delivery (SDM vol. 3A 20.1.4) ----------------- */

static bool push16(struct vcpu *v, const struct hvm_seg *ss, uint16_t val)
{
    uint16_t sp = (uint16_t)(v->regs.rsp - 2);

    if (hvm_copy_to_gphys(v->domain, (ss->base + sp) & 0xffffffffu, &val, 2))
        return false;
    v->regs.rsp = (v->regs.rsp & ~0xffffull) | sp;
    return true;
}

/* Deliver vector through the guest's IVT with the return address CS:RIP as
 * it stands; false: the domain was crashed (logged). */
static bool rm_deliver(struct vcpu *v, uint8_t vector)
{
    struct hvm_seg idtr, cs, ss;
    uint16_t ent[2];

    vmx_ops.get_seg(v, SEG_IDTR, &idtr);
    vmx_ops.get_seg(v, SEG_CS, &cs);
    vmx_ops.get_seg(v, SEG_SS, &ss);
    if (vector * 4u + 3 > idtr.limit ||
        hvm_copy_from_gphys(v->domain, ent, (idtr.base + vector * 4u) & 0xffffffffu, sizeof(ent))) {
        domain_crash(v->domain, "v%u: real-mode interrupt %u: IVT entry beyond the IDTR limit %#x or not in RAM "
                     "(base %#lx): shut down as a real CPU would", v->vcpu_id, vector, idtr.limit,
                     (unsigned long)idtr.base);
        return false;
    }
    uint64_t old_rsp = v->regs.rsp;
    if (!push16(v, &ss, (uint16_t)v->regs.rflags) || !push16(v, &ss, cs.sel) ||
        !push16(v, &ss, (uint16_t)v->regs.rip)) {
        v->regs.rsp = old_rsp;
        domain_crash(v->domain, "v%u: real-mode interrupt %u: stack %#x:%#lx not in RAM", v->vcpu_id, vector,
                     ss.sel, (unsigned long)(old_rsp & 0xffff));
        return false;
    }
    v->regs.rflags &= ~(uint64_t)(RFL_IF | RFL_TF | RFL_AC | RFL_RF);
    cs.sel = ent[1];
    cs.base = (uint64_t)ent[1] << 4;
    vmx_ops.set_seg(v, SEG_CS, &cs);
    v->regs.rip = ent[0];
    ((struct vmx_vcpu *)v->vendor)->rm.reflected++;
    return true;
}

void vmx_rm_inject(struct vcpu *v, struct vmx_vcpu *x, unsigned type, uint8_t vector)
{
    if (type == INTR_TYPE_NMI && (vmx_cfg.pin & PIN_VIRTUAL_NMIS)) {
        /* Blocked until the handler's IRET, as after a delivered NMI; IRET
         * in VMX non-root operation ends virtual-NMI blocking (25.3). */
        struct vmcs_ctx c;
        if (vmcs_get(x, &c)) {
            x->intr_state |= INTR_BLOCK_NMI;
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
            vmcs_put(x, &c);
        }
    }
    rm_deliver(v, vector);
}

/* ---- #GP in virtual-8086 mode ---------------------------------------- */

struct rm_insn {
    bool d32;               /* CS.D: 32-bit code in real mode (emulated only) */
    uint8_t b[16];
    unsigned n;             /* bytes read */
    unsigned pos;           /* next byte */
    bool opsz, adsz, rep, lock;
    int seg;                /* override, -1 none */
};

static void fetch(struct vcpu *v, struct rm_insn *in)
{
    struct hvm_seg cs;

    vmx_ops.get_seg(v, SEG_CS, &cs);
    memset(in, 0, sizeof(*in));
    in->seg = -1;
    in->d32 = cs.attr & ATTR_DB;
    /* Byte by byte: the instruction may run into the end of RAM. */
    for (unsigned i = 0; i < 15; i++) {
        uint64_t la = (cs.base + ((v->regs.rip + i) & (in->d32 ? 0xffffffffu : 0xffffu))) & 0xffffffffu;
        if (hvm_copy_from_gphys(v->domain, &in->b[i], la, 1))
            break;
        in->n = i + 1;
    }
}

/* IP past the instruction, wrapped at the code size. */
static void rm_skip(struct vcpu *v, const struct rm_insn *in)
{
    uint64_t ip = v->regs.rip + in->pos;
    v->regs.rip = in->d32 ? (uint32_t)ip : (uint16_t)ip;
}

static int next(struct rm_insn *in)
{
    return in->pos < in->n ? in->b[in->pos++] : -1;
}

static void io_exit(struct hvm_exit *e, uint16_t port, unsigned size, bool in, bool string, bool rep, unsigned len)
{
    e->reason = HVM_EXIT_IO;
    e->io.port = port;
    e->io.size = (uint8_t)size;
    e->io.in = in;
    e->io.string = string;
    e->io.rep = rep;
    e->insn_len = len;
}

static uint64_t guest_cr(struct vmx_vcpu *x, unsigned cr)
{
    switch (cr) {
    case 0: return vmx_guest_cr0(x);
    case 2: return x->cr2;
    case 3: return x->g_cr3;
    default: return vmx_guest_cr4(x);
    }
}

/* The instruction at CS:IP that raised #GP (error code err) in virtual-8086
 * mode, or (err ~0) the next one vmx_rm_emulate runs: the exit common code
 * handles it with (I/O, HLT, CR writes, MSRs), done here (NONE), or
 * HVM_EXIT_DESC_ACCESS: the instruction emulator. */
static void rm_decode(struct vcpu *v, struct vmx_vcpu *x, uint32_t err, struct hvm_exit *e)
{
    struct rm_insn in;
    int op;

    e->reason = HVM_EXIT_NONE;
    fetch(v, &in);
    for (;;) {
        op = next(&in);
        if (op == 0x66) in.opsz = true;
        else if (op == 0x67) in.adsz = true;
        else if (op == 0xf3 || op == 0xf2) in.rep = true;
        else if (op == 0xf0) in.lock = true;
        else if (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e) in.seg = (op >> 3) & 3;
        else if (op == 0x64 || op == 0x65) in.seg = op - 0x60;
        else break;
    }
    unsigned vsize = in.opsz != in.d32 ? 4 : 2;     /* 66 flips the default */
    switch (op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: {           /* IN/OUT imm8 */
        int port = next(&in);
        if (port < 0 || in.lock)
            break;
        io_exit(e, (uint16_t)port, (op & 1) ? vsize : 1, !(op & 2), false, false, in.pos);
        return;
    }
    case 0xec: case 0xed: case 0xee: case 0xef:             /* IN/OUT DX */
        if (in.lock)
            break;
        io_exit(e, (uint16_t)v->regs.rdx, (op & 1) ? vsize : 1, !(op & 2), false, false, in.pos);
        return;
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:             /* INS/OUTS */
        /* The common string I/O handler uses DS for OUTS and 16-bit
         * addressing here: an override, 0x67 or a 32-bit CS goes to the
         * emulator path below (which refuses string I/O). */
        if (in.lock || in.adsz || in.d32 || (in.seg >= 0 && in.seg != 3))
            break;
        io_exit(e, (uint16_t)v->regs.rdx, (op & 1) ? vsize : 1, !(op & 2), true, in.rep, in.pos);
        return;
    case 0xf4:                                              /* HLT */
        e->reason = HVM_EXIT_HLT;
        e->insn_len = in.pos;
        return;
    case 0xcd: {                                            /* INT n: through the IVT */
        int n = next(&in);
        if (n < 0 || (err & 3) != 2 || (err >> 3) != (unsigned)n)
            break;
        rm_skip(v, &in);
        rm_deliver(v, (uint8_t)n);
        return;
    }
    case 0x0f: {
        int op2 = next(&in), modrm;
        switch (op2) {
        case 0x06:                                          /* CLTS */
            e->reason = HVM_EXIT_CR_WRITE;
            e->qual = 0;
            e->insn_len = in.pos;
            return;
        case 0x08: case 0x09:                               /* INVD, WBINVD: caches are the host's */
            rm_skip(v, &in);
            return;
        case 0x30: case 0x32:                               /* WRMSR, RDMSR */
            e->reason = op2 == 0x30 ? HVM_EXIT_MSR_WRITE : HVM_EXIT_MSR_READ;
            e->msr = (uint32_t)v->regs.rcx;
            e->insn_len = in.pos;
            return;
        case 0x20: case 0x22:                               /* MOV from/to CRn: always a register */
            modrm = next(&in);
            if (modrm < 0 || in.lock)
                break;
            unsigned cr = (modrm >> 3) & 7, gpr = modrm & 7;
            if (cr == 1 || cr > 4)
                break;                                      /* #UD: the emulator raises it */
            if (op2 == 0x20) {
                *guest_gpr(&v->regs, gpr) = (uint32_t)guest_cr(x, cr);
                rm_skip(v, &in);
                return;
            }
            if (cr == 2) {
                x->cr2 = (uint32_t)*guest_gpr(&v->regs, gpr);
                rm_skip(v, &in);
                return;
            }
            e->reason = HVM_EXIT_CR_WRITE;
            e->qual = cr | HVM_CR_QUAL_GPR_VALID | ((uint64_t)gpr << 8);
            e->insn_len = in.pos;
            return;
        case 0x01:
            modrm = next(&in);
            if (modrm >= 0 && ((modrm >> 3) & 7) == 6) {   /* LMSW: decoded by the common CR code */
                e->reason = HVM_EXIT_CR_WRITE;
                e->qual = 0;
                e->insn_len = 0;
                return;
            }
            break;
        }
        break;
    }
    }
    /* LGDT/LIDT, big-real-mode accesses and anything else: the emulator,
     * with the real state (vmx_rm_get_seg, CPL 0, the guest's RFLAGS). */
    e->reason = HVM_EXIT_DESC_ACCESS;
    e->insn_len = 0;
}

static void rm_gp(struct vcpu *v, struct vmx_vcpu *x, uint32_t err, struct hvm_exit *e)
{
    x->rm.gp_exits++;
    rm_decode(v, x, err, e);
    if (e->reason == HVM_EXIT_DESC_ACCESS)
        x->rm.emulated++;
}

/* ---- Emulate while not enterable ---------------------------------------- */

/* Instructions per call: bounded so that the run loop (timers, softirqs,
 * other vCPUs, a destroy) gets a turn; the next call goes on. */
#define RM_EMUL_BUDGET 256u

static bool is_prefix(uint8_t b)
{
    return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 || b == 0x2e ||
           b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/*
 * The STI / MOV SS interrupt shadow of an emulated instruction (c.shadow):
 * kept where the rest of the VMX code looks for it, the interruptibility
 * state with exit_rip at the RIP it covers (vmx_interrupts_enabled ignores
 * it once RIP moves; a VM entry at that RIP carries it into the CPU, with
 * IF = 1 for STI as 26.3.1.5 requires).  Any other instruction ends it,
 * even one that leaves RIP where it was (a jump to itself).
 */
static void rm_shadow(struct vcpu *v, struct vmx_vcpu *x, unsigned shadow)
{
    uint32_t st = x->intr_state & ~(uint32_t)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);

    if (shadow & EMUL_SHADOW_MOVSS)
        st |= INTR_BLOCK_MOV_SS;
    else if (shadow & EMUL_SHADOW_STI)
        st |= INTR_BLOCK_STI;
    if (shadow)
        x->exit_rip = v->regs.rip;
    if (st != x->intr_state) {
        x->intr_state = st;
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, st);
    }
}

/* One instruction through hvm/emulate; false: the domain was crashed. */
static bool rm_emulate_one(struct vcpu *v, struct vmx_vcpu *x)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;

    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    /* A 32-bit CS in real mode is decoded as 32-bit code (emul_mode). */
    c.flow = true;                  /* the far jump after CR0.PE = 1 is protected mode */
    enum emul_rc rc = emul_run(&c);
    if (rc == EMUL_EXCEPTION && x->rm.pe_pending) {
        /* No IDT event can be delivered before the state is enterable. */
        domain_crash(v->domain, "v%u: exception %u (error %#x) at %04x:%04lx while emulating the switch to "
                     "protected mode (CS %#x, SS %#x): not emulated", v->vcpu_id, c.exc.vector, c.exc.err,
                     c.seg[EMUL_CS].sel, (unsigned long)c.regs.rip, c.seg[EMUL_CS].sel, c.seg[EMUL_SS].sel);
        return false;
    }
    if (!hvm_emul_commit(v, &c, rc, &ctrl)) {
        domain_crash(v->domain, "v%u: emulated real mode, CS %#x: %s", v->vcpu_id, c.seg[EMUL_CS].sel, c.reason);
        return false;
    }
    x->rm.emul_insns++;
    rm_shadow(v, x, rc == EMUL_OK ? c.shadow : 0);
    /* An IRET ends NMI blocking (SDM vol. 3C 25.3 for virtual NMIs); a
     * real one would have exited the blocking the hardware keeps. */
    unsigned i = 0;
    while (i + 1 < c.insn_len && is_prefix(c.insn[i]))
        i++;
    if (rc == EMUL_OK && c.insn_len && i == c.insn_len - 1 && c.insn[i] == 0xcf &&
        (x->intr_state & INTR_BLOCK_NMI)) {
        x->intr_state &= ~INTR_BLOCK_NMI;
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
    }
    return true;
}

static bool rm_in_shadow(struct vcpu *v, struct vmx_vcpu *x)
{
    return (x->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) && v->regs.rip == x->exit_rip;
}

void vmx_rm_emulate(struct vcpu *v, struct vmx_vcpu *x, struct hvm_exit *e)
{
    e->reason = HVM_EXIT_NONE;
    uint8_t kind = x->rm.pe_pending ? 2 : 1;
    x->rm.emul_runs++;
    x->rm.emul_pe_runs += kind == 2;
    if (!(x->rm.emul_logged & kind)) {
        struct hvm_seg cs;
        vmx_ops.get_seg(v, SEG_CS, &cs);
        x->rm.emul_logged |= kind;
        domain_log(v->domain, LOG_INFO, "v%u: %s at %04x:%04lx: emulating until it can be entered\n", v->vcpu_id,
                   x->rm.pe_pending ? "CR0.PE set with CS or SS RPL not 0"
                                    : "real mode with a segment virtual-8086 mode cannot hold",
                   cs.sel, (unsigned long)v->regs.rip);
    }
    /* One more than the budget if the last one started a shadow: the
     * instruction it covers runs before the run loop may deliver. */
    for (unsigned n = 0; n < RM_EMUL_BUDGET || (n == RM_EMUL_BUDGET && rm_in_shadow(v, x)); n++) {
        /* Not between STI / MOV SS and the next instruction (rm_shadow). */
        if (n && x->rm.active && vmx_interrupts_enabled(v) && hvm_intr_pending(v))
            return;                 /* the run loop delivers it through the IVT, then back here */
        rm_decode(v, x, ~0u, e);
        if (e->reason != HVM_EXIT_DESC_ACCESS && e->reason != HVM_EXIT_NONE)
            return;                 /* I/O, HLT, CR/MSR access: common code, then back here */
        if (e->reason == HVM_EXIT_DESC_ACCESS) {
            e->reason = HVM_EXIT_NONE;
            if (!rm_emulate_one(v, x))
                return;
        } else {
            rm_shadow(v, x, 0);     /* done in rm_decode (INT n, MOV CR): the shadow ends */
        }
        if (x->sh_realmode != x->rm.active)
            return;                 /* PE changed: vmx_rm_before_entry switches over */
        enum vmx_rm_next next = vmx_rm_before_entry(v, x);
        if (next != VMX_RM_EMULATE)
            return;                 /* enterable again (ENTER), or crashed (FAIL: logged) */
    }
}

void vmx_rm_exception(struct vcpu *v, struct vmx_vcpu *x, uint32_t info, struct hvm_exit *e)
{
    unsigned vector = INTR_INFO_VECTOR(info), type = INTR_INFO_TYPE(info);

    if (vector == 13 && type == INTR_TYPE_HW_EXC) {
        rm_gp(v, x, (uint32_t)vmread(VMCS_EXIT_INTR_ERRCODE), e);
        return;
    }
    e->reason = HVM_EXIT_NONE;
    /* INT3, INTO, INT1: the exit leaves IP on the instruction (27.2.4);
     * the handler returns after it. */
    if (type == INTR_TYPE_SW_EXC || type == INTR_TYPE_PRIV_SW_EXC)
        v->regs.rip = (uint16_t)(v->regs.rip + vmread(VMCS_EXIT_INSN_LEN));
    rm_deliver(v, (uint8_t)vector);
}

void vmx_rm_report(struct vcpu *v, struct vmx_vcpu *x)
{
    if (x->rm.entries)
        domain_log(v->domain, LOG_INFO,
                   "v%u: real mode in virtual-8086 mode: %lu switches in, %lu #GP exits (%lu emulated), %lu "
                   "interrupts delivered through the IVT, %lu instructions emulated in %lu runs while not enterable (%lu in "
                   "a PE switch)\n", v->vcpu_id, (unsigned long)x->rm.entries, (unsigned long)x->rm.gp_exits,
                   (unsigned long)x->rm.emulated, (unsigned long)x->rm.reflected, (unsigned long)x->rm.emul_insns,
                   (unsigned long)x->rm.emul_runs, (unsigned long)x->rm.emul_pe_runs);
}
