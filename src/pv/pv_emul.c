/*
 * Emulation for a 64-bit PV kernel in ring 3 (pv_emul.h, docs/pv.md
 * "Privileged instructions" and "The writable-page-table assist").
 *
 * Everything here starts from a fault the guest raised: its registers, the
 * bytes at its RIP and the entries it writes are guest-controlled.  The
 * instruction bytes are read through the guest's own page walk
 * (pv_copy_guest), decoded by pure code (pv_insn.c, or the x86 emulator
 * core of hvm/emulate for the page-table writes), and every value is
 * checked the way the matching hypercall checks it.  Anything not
 * understood exactly goes back to the guest as the fault it raised.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "pv/pv_insn.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "arch/x86/asm.h"
#include "hvm/hvm.h"
#include "hvm/cpu_policy.h"
#include "pv/pv_ptwr.h"
#include "pv/pv_user.h"
#include "mm/mm.h"
#include "mm/frame.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/features.h"

#define RF_IF   0x200u
#define RF_DF   0x400u
#define PF_P    1u
#define PF_W    2u
#define PF_RSVD 8u
#define PF_I    16u
#define DR6_FIXED   0xffff0ff0ull       /* DR6's bits that read as 1 (SDM vol. 3, 18.2.3) */
#define DR6_SETS    0x0000e00full       /* B0-B3, BD, BS, BT: what a #DB reports */
#define DR7_FIXED   0x400ull
/* Per exit, at most this many iterations of REP INS/OUTS: the rest runs
 * when the guest executes the instruction again (RIP stays on it). */
#define IO_REPS_PER_EXIT 1024u

/* Kernel or user mode of the guest (pv_user.c; Xen's TF_kernel_mode).
 * For IOPL checks a 64-bit PV kernel counts as ring 1 (Xen), its user
 * space as ring 3. */
static bool kernel_mode(const struct vcpu *v)
{
    const struct pv_vcpu *pv = v->vendor;
    if (pv->compat_l4)
        return (pv->ctx.cs & 3) != 3;   /* 32-bit: the ring in CS (kernel 1, user 3) */
    return !pv_user_mode(v);
}

static bool iopl_ok(const struct vcpu *v)
{
    const struct pv_vcpu *pv = v->vendor;
    return pv->emul.iopl >= (kernel_mode(v) ? 1 : 3);
}

static bool guest_va_ok(uint64_t va, uint64_t len)
{
    uint64_t end = va + len - 1;
    return len && end >= va && pv_canonical(va) && pv_canonical(end) && (va >> 47) == (end >> 47) &&
           !(end >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

/* ---- Debug registers ------------------------------------------------------ */

static inline uint64_t dr_read(unsigned n)
{
    uint64_t v = 0;
    switch (n) {
    case 0: __asm__ __volatile__("mov %%db0, %0" : "=r"(v)); break;
    case 1: __asm__ __volatile__("mov %%db1, %0" : "=r"(v)); break;
    case 2: __asm__ __volatile__("mov %%db2, %0" : "=r"(v)); break;
    case 3: __asm__ __volatile__("mov %%db3, %0" : "=r"(v)); break;
    case 6: __asm__ __volatile__("mov %%db6, %0" : "=r"(v)); break;
    case 7: __asm__ __volatile__("mov %%db7, %0" : "=r"(v)); break;
    }
    return v;
}

static inline void dr_write(unsigned n, uint64_t v)
{
    switch (n) {
    case 0: __asm__ __volatile__("mov %0, %%db0" :: "r"(v)); break;
    case 1: __asm__ __volatile__("mov %0, %%db1" :: "r"(v)); break;
    case 2: __asm__ __volatile__("mov %0, %%db2" :: "r"(v)); break;
    case 3: __asm__ __volatile__("mov %0, %%db3" :: "r"(v)); break;
    case 6: __asm__ __volatile__("mov %0, %%db6" :: "r"(v)); break;
    case 7: __asm__ __volatile__("mov %0, %%db7" :: "r"(v)); break;
    }
}

/* DR7's enable bits L0-3/G0-3. */
static bool dr7_armed(uint64_t dr7)
{
    return (dr7 & 0xff) != 0;
}

/* Disarms the guest's breakpoints and puts back the DR0-3 the CPU held
 * before they were loaded. */
static void dr_unload(struct pv_vcpu *pv)
{
    dr_write(7, DR7_FIXED);
    for (unsigned i = 0; i < 4; i++)
        dr_write(i, pv->emul.host_dr[i]);
    pv->emul.dr_live = false;
}

/* Loads the guest's breakpoints on this CPU if it armed any.  Addresses
 * are guest addresses only (pv_dr_check), so while they are armed the
 * hypervisor (which runs in slots 256-271 and touches guest memory through
 * its direct map) never matches one; I/O breakpoints and GD are refused.
 * HVM guests use DR0-3 and DR6 without an exit and nothing else switches
 * them on VMX (only DR7 is in the VMCS): what the CPU held in DR0-3 is
 * saved when the guest's are loaded and put back when they are unloaded
 * (DR6: per stint, pv_emul_stint_begin/end), so a PV stint changes no HVM
 * guest's values and leaves none of its own addresses. */
static void dr_load(struct pv_vcpu *pv)
{
    if (dr7_armed(pv->emul.dr7)) {
        if (!pv->emul.dr_live)
            for (unsigned i = 0; i < 4; i++)
                pv->emul.host_dr[i] = dr_read(i);
        for (unsigned i = 0; i < 4; i++)
            dr_write(i, pv->emul.dr[i]);
        dr_write(7, pv->emul.dr7);
        pv->emul.dr_live = true;
    } else if (pv->emul.dr_live) {
        dr_unload(pv);
    }
}

void pv_emul_stint_begin(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    /* DR6 as the stint found it (an HVM guest's on VMX) is put back at its
     * end; meanwhile it starts clean, so each #DB reports only its own
     * bits (the exit path and the ring-0 handler reset it after reading). */
    pv->emul.host_dr6 = dr_read(6);
    dr_write(6, DR6_FIXED);
    pv_dbg_stint_begin();
    dr_load(pv);
}

void pv_emul_stint_end(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    /* Other vCPUs (any kind) run on this CPU next: no breakpoint of this
     * guest stays armed, and its addresses do not stay in DR0-3 either
     * (an HVM guest reads DR0-3 without an exit): they get back what they
     * held before (dr_load).  A ring-0 #DB still recorded on this CPU is
     * this vCPU's. */
    pv_dbg_after_exit(v);
    if (pv->emul.dr_live)
        dr_unload(pv);
    dr_write(6, pv->emul.host_dr6);
}

long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    uint64_t stored;
    long rc = pv_dr_check(reg, value, &stored);
    if (rc)
        return rc;
    if (reg == 4 || reg == 5)
        reg += 2;               /* CR4.DE is clear in the guest's view: DR4/5 alias DR6/7 */
    if (reg < 4)
        pv->emul.dr[reg] = stored;
    else if (reg == 6)
        pv->emul.dr6 = stored;
    else
        pv->emul.dr7 = stored;
    /* The hypercall runs on the vCPU's CPU during its stint: the new
     * values count from its next instruction. */
    if (reg != 6)
        dr_load(pv);
    return 0;
}

long pv_get_debugreg(struct vcpu *v, unsigned reg)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    switch (reg) {
    case 0: case 1: case 2: case 3:
        return (long)pv->emul.dr[reg];
    case 4: case 6:
        return (long)(pv->emul.dr6 | DR6_FIXED);
    case 5: case 7:
        return (long)(pv->emul.dr7 | DR7_FIXED);
    default:
        return -EINVAL;
    }
}

/* ---- vm_assist, physdev_op ----------------------------------------------- */

long pv_vm_assist(struct vcpu *v, unsigned cmd, unsigned type)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_domain *pd = v->domain->kind_priv;
    if (type >= 64 || !((PV_VMASST_VALID >> type) & 1))
        return -EINVAL;
    /* Xen's 32-bit mask is the low 32 types: m2p_strict (32) is a 64-bit
     * guest's (a compat L3 has no M2P slot to hide). */
    if (type >= 32 && pv_is_compat(v->domain))
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_fetch_or(&pd->emul.vm_assist, 1ull << type, __ATOMIC_SEQ_CST);
        break;
    case VMASST_CMD_disable:
        __atomic_fetch_and(&pd->emul.vm_assist, ~(1ull << type), __ATOMIC_SEQ_CST);
        break;
    default:
        return -ENOSYS;
    }
    if (type == VMASST_TYPE_m2p_strict) {
        /* The M2P slot of the vCPUs' current L4s follows (pv_m2p.c). */
        bool took = pv_mm_lock(v);
        pv_m2p_strict_switched(v->domain);
        pv_mm_unlock(v, took);
    }
    return 0;
}

/* set_iopl and set_iobitmap (pv_emul_ext.c): a domain without devices
 * has no interrupts (PIRQs) to manage: the rest is -ENOSYS. */
long pv_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    switch (cmd) {
    case PHYSDEVOP_set_iopl: {
        struct physdev_set_iopl s;
        if (copy_from_guest(v, &s, arg, sizeof(s)))
            return -EFAULT;
        if (s.iopl > 3)
            return -EINVAL;
        pv->emul.iopl = (uint8_t)s.iopl;
        return 0;
    }
    case PHYSDEVOP_set_iobitmap:
        return pv_set_iobitmap(v, arg);
    default: {
        long ret;
        return pv_dom0_physdev_op(v, cmd, arg, &ret) ? ret : -ENOSYS;     /* pv_dom0.c */
    }
    }
}

/* Submap 0 as Xen 4.17 gives it to a PV domU: mmu_pt_update_preserve_ad
 * (mmu_update's PRESERVE_AD works), highmem_assist, gnttab_map_avail_bits
 * (Linux refuses to boot as a PV guest without the two; grant mappings
 * into PV page tables, where the latter matters, are not built yet),
 * pae_pgdir_above_4gb once the guest enabled VMASST pae_extended_cr3,
 * not_direct_mapped; not writable_page_tables (Xen reports it only for
 * translated guests: for PV it is the vm_assist) nor any HVM bit. */
uint32_t pv_features_submap0(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;
    uint32_t m = (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
                 (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_not_direct_mapped);

    if ((__atomic_load_n(&pd->emul.vm_assist, __ATOMIC_RELAXED) >> VMASST_TYPE_pae_extended_cr3) & 1)
        m |= 1u << XENFEAT_pae_pgdir_above_4gb;
    return m;
}

/* ---- CPUID ---------------------------------------------------------------- */

void pv_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    hvm_cpuid(v, leaf, sub, out);
    switch (leaf) {
    case 1:
        /* ECX: MONITOR, DS-CPL, VMX, SMX, EIST, TM2, PCID, x2APIC, TSC
         * deadline: a ring-3 kernel without an APIC of its own cannot use
         * them.  EDX: PSE and PSE36 (no superpages for PV), MCE/MCA (no
         * virtual machine-check MSRs here), APIC, MTRR (its MSRs are not
         * offered to a PV domain), DS, ACPI, TM, PBE. */
        out[2] &= ~((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 17) |
                    (1u << 21) | (1u << 24));
        out[3] &= ~((1u << 3) | (1u << 7) | (1u << 9) | (1u << 12) | (1u << 14) | (1u << 17) | (1u << 21) |
                    (1u << 22) | (1u << 29) | (1u << 31));
        /* The initial domain sees the host's APIC bit, as under Xen: Linux
         * then reads the MADT's I/O APICs and routes ACPI's SCI and PCI's
         * _PRT lines as GSIs, which it maps to pirqs (pv_pirq.c).  Its
         * I/O APIC register reads go through PHYSDEVOP_apic_read (refused:
         * Linux uses defaults) and its fixmap of the I/O APIC is a dummy
         * page; the LAPIC stays the hypervisor's (Linux's Xen APIC driver). */
        if (domain_is_privileged(v->domain)) {
            uint32_t host[4];
            hvm_cpuid(v, 1, 0, host);
            out[3] |= host[3] & (1u << 9);
        }
        break;
    case 7:
        if (sub == 0) {
            /* FSGSBASE, SMEP, INVPCID, SMAP (CR4 bits the guest does not
             * control; INVPCID is ring 0), UMIP, PKU/OSPKE. */
            out[1] &= ~((1u << 0) | (1u << 7) | (1u << 10) | (1u << 20));
            out[2] &= ~((1u << 2) | (1u << 3) | (1u << 4));
        }
        break;
    case 0x80000001:
        out[3] &= ~(1u << 26);          /* 1 GiB pages */
        break;
    case 0x40000004:
        out[0] = out[1] = out[2] = out[3] = 0;  /* HVM-specific leaf: nothing for PV (Xen) */
        break;
    }
}

/* ---- MSRs ----------------------------------------------------------------- */

#define MSR_TSC             0x10
#define MSR_PLATFORM_ID     0x17
#define MSR_UCODE_REV       0x8b        /* Intel IA32_BIOS_SIGN_ID; AMD's PATCH_LEVEL has the same number */
#define MSR_PLATFORM_INFO   0xce
#define MSR_MISC_FEATURES   0x140
#define MSR_MISC_ENABLE     0x1a0
#define MISC_ENABLE_FAST_STRINGS    (1ull << 0)
#define MISC_ENABLE_BTS_UNAVAIL     (1ull << 11)
#define MISC_ENABLE_PEBS_UNAVAIL    (1ull << 12)
#define EFER_LMA    (1ull << 10)

static void vendor_of(struct vcpu *v, bool *intel, bool *amd)
{
    uint32_t r[4];
    hvm_cpuid(v, 0, 0, r);
    *intel = r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
    *amd = (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) ||
           (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975);
}

static uint64_t efer_view(struct vcpu *v)
{
    uint32_t r[4];
    pv_cpuid(v, 0x80000001u, 0, r);
    return EFER_SCE | EFER_LME | EFER_LMA | ((r[3] >> 20 & 1) ? EFER_NXE : 0);
}

static uint64_t misc_enable_view(void)
{
    return (rdmsr(MSR_MISC_ENABLE) & MISC_ENABLE_FAST_STRINGS) | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
}

/* The PV MSR policy of a domain without devices (docs/pv.md table).
 * false: #GP. */
static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct pv_vcpu *pv = v->vendor;
    bool intel, amd;

    vendor_of(v, &intel, &amd);
    switch (msr) {
    case MSR_FS_BASE:
        *val = rdmsr(MSR_FS_BASE);      /* the guest's, loaded for the stint */
        return true;
    case MSR_GS_BASE:
        *val = pv->gs_base;
        return true;
    case MSR_KERNEL_GS_BASE:
        *val = pv->gs_base_inactive;    /* in kernel mode: the user GS base (SWAPGS's other one) */
        return true;
    case MSR_EFER:
        *val = efer_view(v);
        return true;
    case MSR_TSC:
        *val = rdtsc();
        return true;
    case MSR_PAT:
        *val = rdmsr(MSR_PAT);          /* the PAT its write-back mappings go through */
        return true;
    case MSR_UCODE_REV:
        *val = 0;                       /* guests load no microcode */
        return true;
    case MSR_PLATFORM_ID:
    case MSR_PLATFORM_INFO:
    case MSR_MISC_FEATURES:
        if (!intel)
            return false;
        *val = 0;                       /* no CPUID faulting offered */
        return true;
    case MSR_MISC_ENABLE:
        if (!intel)
            return false;
        *val = misc_enable_view();
        return true;
    default:
        (void)amd;
        return false;
    }
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct pv_vcpu *pv = v->vendor;
    bool intel, amd;

    vendor_of(v, &intel, &amd);
    (void)amd;
    switch (msr) {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE:
        /* A base the guest's own code will use: canonical (WRMSR's own
         * check) and never the hypervisor's range. */
        if (!pv_canonical(val) || (val >= HYPERVISOR_VIRT_START && val < HYPERVISOR_VIRT_END))
            return false;
        if (msr == MSR_FS_BASE)
            wrmsr(MSR_FS_BASE, val);    /* saved at the end of the stint */
        else if (msr == MSR_GS_BASE)
            pv->gs_base = val;          /* loaded before the next entry */
        else
            pv->gs_base_inactive = val;
        return true;
    case MSR_EFER:
        return val == efer_view(v);     /* nothing the guest may change */
    case MSR_PAT:
        return val == rdmsr(MSR_PAT);
    case MSR_UCODE_REV:
        return intel && val == 0;       /* the "write 0, then CPUID" idiom */
    case MSR_MISC_FEATURES:
        return intel && val == 0;
    case MSR_MISC_ENABLE:
        return intel && val == misc_enable_view();
    default:
        return false;
    }
}

/* ---- Privileged instructions --------------------------------------------- */

static uint64_t *gpr(struct cpu_regs *c, unsigned n)
{
    uint64_t *const map[16] = { &c->rax, &c->rcx, &c->rdx, &c->rbx, &c->rsp, &c->rbp, &c->rsi, &c->rdi,
                                &c->r8, &c->r9, &c->r10, &c->r11, &c->r12, &c->r13, &c->r14, &c->r15 };
    return map[n & 15];
}

static uint64_t cr0_view(const struct pv_vcpu *pv)
{
    return (read_cr0() & ~(uint64_t)CR0_TS) | (pv->fpu_ts ? CR0_TS : 0);
}

/* CR4 as the guest reads it: PAE, OSFXSR, OSXMMEXCPT; nothing it can
 * change (PGE/PSE/TSD/DE/... are the hypervisor's). */
#define CR4_VIEW 0x620ull

/* A #PF for the guest at la (an INS/OUTS element it cannot reach). */
static int fault_pf(struct vcpu *v, uint64_t la, bool write, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t ma;

    pv->cr2 = la;
    *vec = 14;
    *err = (write ? PF_W : 0) | 4u | (pv_gva_to_maddr(v, la, false, &ma) == 0 ? PF_P : 0);
    return 0;
}

/* IN/OUT/INS/OUTS with enough IOPL: a domU owns no ports, so reads give
 * all ones and writes go nowhere (Xen's answer for such a domain); the
 * initial domain reaches the real ports the hypervisor does not keep
 * (pv_dom0.c). */
static int emul_io(struct vcpu *v, const struct pv_insn *in, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint64_t ones = in->size == 4 ? 0xffffffffull : in->size == 2 ? 0xffffull : 0xffull;
    uint16_t port = in->port_imm ? in->port : (uint16_t)c->rdx;
    uint32_t val = (uint32_t)ones;

    switch (in->op) {
    case PVI_IN:
        (void)pv_dom0_port_in(v->domain, port, in->size, &val);
        /* A 32-bit destination zero-extends into RAX, smaller ones merge. */
        c->rax = in->size == 4 ? val : (c->rax & ~ones) | (val & ones);
        break;
    case PVI_OUT:
        (void)pv_dom0_port_out(v->domain, port, in->size, (uint32_t)(c->rax & ones));
        break;
    default: {
        bool ins = in->op == PVI_INS;
        uint64_t amask = in->addr32 ? 0xffffffffull : ~0ull;
        uint64_t *ptr = ins ? &c->rdi : &c->rsi;
        uint64_t count = in->rep ? (c->rcx & amask) : 1;
        uint64_t base = 0;
        if (!ins && in->seg == PVS_FS)
            base = rdmsr(MSR_FS_BASE);
        else if (!ins && in->seg == PVS_GS)
            base = pv->gs_base;
        for (unsigned k = 0; count && k < IO_REPS_PER_EXIT; k++) {
            uint64_t la = base + (*ptr & amask);
            uint32_t buf = (uint32_t)ones;
            if (!guest_va_ok(la, in->size))
                goto gp;
            if (ins)
                (void)pv_dom0_port_in(v->domain, port, in->size, &buf);
            if (pv_copy_guest(v, &buf, la, in->size, ins))
                return fault_pf(v, la, ins, vec, err);
            if (!ins)
                (void)pv_dom0_port_out(v->domain, port, in->size, buf);
            uint64_t next = (c->rflags & RF_DF) ? *ptr - in->size : *ptr + in->size;
            *ptr = in->addr32 ? (next & amask) : next;
            count--;
            if (in->rep)
                c->rcx = count;
        }
        if (count)
            return 1;       /* RIP stays: the rest when the guest runs it again */
        break;
    }
    }
    c->rip += in->len;
    return 1;
gp:
    *vec = 13;
    *err = 0;
    return 0;
}

/* The instruction at the guest's RIP, decoded; PVI_NONE if unreadable.
 * Through the tables of the mode it runs in (pv_user_fetch: the user L4
 * in user mode). */
static enum pv_insn_op fetch(struct vcpu *v, struct pv_insn *in)
{
    struct pv_vcpu *pv = v->vendor;
    uint8_t b[15];
    unsigned n = 0;

    /* Up to the end of the page first, then the next page if readable: an
     * instruction may straddle two pages. */
    /* 32-bit guests: at CS base + EIP (pv32_desc.c). */
    uint64_t rip = pv->compat_l4 ? pv32_linear_ip(v) : pv->ctx.rip;
    unsigned first = (unsigned)MIN(15ull, 4096 - (rip & 0xfff));
    if (pv_user_fetch(v, b, rip, first))
        return pv_insn_decode(b, 0, in);
    n = first;
    if (n < 15 && pv_user_fetch(v, b + n, rip + n, 15 - n) == 0)
        n = 15;
    if (pv->compat_l4) {
        /* Compatibility mode has no REX: 40-4F after the legacy prefixes
         * are INC/DEC (which do not fault), so such bytes are not ours. */
        unsigned i = 0;
        while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
                         b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x64 || b[i] == 0x65 ||
                         b[i] == 0xf0))
            i++;
        if (i < n && (b[i] & 0xf0) == 0x40)
            return pv_insn_decode(b, 0, in);
    }
    return pv_insn_decode(b, n, in);
}

/* A #GP (error code 0) or #UD from the guest: emulated if it is one of
 * ours and allowed, else 0 (bounce the fault as raised). */
static int emul_priv(struct vcpu *v, unsigned fault, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct pv_insn in;
    uint64_t val;
    uint32_t r[4];

    enum pv_insn_op op = fetch(v, &in);
    if (fault == 6) {
        if (op != PVI_FORCED_CPUID)
            return 0;
    } else if (op == PVI_NONE || op == PVI_FORCED_CPUID || !kernel_mode(v)) {
        return 0;
    }
    /* 32-bit guests (ring 1, compatibility mode): register operands are
     * 32 bits; string I/O and INVLPG take the 32/16-bit address rules and
     * segment bases of pv32_emul.c. */
    bool compat = pv->compat_l4 != 0;
    if (compat && in.gpr > 7)
        return 0;
    switch (op) {
    case PVI_CPUID:
    case PVI_FORCED_CPUID:
        pv_cpuid(v, (uint32_t)c->rax, (uint32_t)c->rcx, r);
        c->rax = r[0];
        c->rbx = r[1];
        c->rcx = r[2];
        c->rdx = r[3];
        break;
    case PVI_RDMSR:
        if (!msr_read(v, (uint32_t)c->rcx, &val))
            return 0;
        c->rax = (uint32_t)val;
        c->rdx = val >> 32;
        break;
    case PVI_WRMSR:
        if (!msr_write(v, (uint32_t)c->rcx, (uint32_t)c->rax | c->rdx << 32))
            return 0;
        break;
    case PVI_IN: case PVI_OUT: case PVI_INS: case PVI_OUTS:
        /* IOPL first, then the vCPU's I/O bitmap (pv_emul_ext.c). */
        if (!iopl_ok(v) && !pv_iobmp_allows(v, in.port_imm ? in.port : (uint16_t)c->rdx, in.size))
            return 0;
        pv_tlb_count_priv(pv, op);
        pv->emul.nr_priv++;
        if (compat && (op == PVI_INS || op == PVI_OUTS))
            return pv32_emul_string_io(v, &in, vec, err);
        return emul_io(v, &in, vec, err);
    case PVI_MOV_FROM_CR:
        switch (in.reg) {
        case 0: val = cr0_view(pv); break;
        case 2: val = v->vcpu_info->arch.cr2; break;
        case 3:
            /* 32-bit guests: Xen's x86_32 CR3 encoding (the mfn's bits
             * above 20 in bits 0-11). */
            val = compat ? (uint32_t)(pv->mmu.base << 12 | pv->mmu.base >> 20) : pv->mmu.base << 12;
            break;
        case 4: val = CR4_VIEW; break;
        default: return 0;
        }
        *gpr(c, in.gpr) = val;
        break;
    case PVI_MOV_TO_CR:
        val = compat ? (uint32_t)*gpr(c, in.gpr) : *gpr(c, in.gpr);
        switch (in.reg) {
        case 0:
            /* Only TS is the guest's (as Xen: any other change refused),
             * with fpu_taskswitch's meaning (pv_user.c: the next FPU
             * instruction raises #NM). */
            if ((val ^ cr0_view(pv)) & ~(uint64_t)CR0_TS)
                return 0;
            pv->fpu_ts = (val & CR0_TS) != 0;
            break;
        case 4:
            /* Xen keeps the bits the guest does not control: the write
             * is accepted and changes nothing it could see here. */
            break;
        default:
            return 0;           /* CR2, CR3 (mmuext NEW_BASEPTR is the way), CR8: #GP */
        }
        break;
    case PVI_MOV_FROM_DR: {
        if (in.reg > 7)
            return 0;
        *gpr(c, in.gpr) = (uint64_t)pv_get_debugreg(v, in.reg);
        break;
    }
    case PVI_MOV_TO_DR:
        if (in.reg > 7 || pv_set_debugreg(v, in.reg, compat ? (uint32_t)*gpr(c, in.gpr) : *gpr(c, in.gpr)))
            return 0;
        break;
    case PVI_CLTS:
        pv->fpu_ts = false;
        break;
    case PVI_INVLPG:
        if (compat) {
            /* Decoded again with the compat ModRM forms; EIP moved there. */
            if (!pv32_emul_invlpg(v, vec, err))
                return 0;
            pv_tlb_count_priv(pv, op);
            pv->emul.nr_priv++;
            return 1;
        }
        pv_emul_invlpg(v, &in);     /* pv_emul_ext.c */
        break;
    case PVI_WBINVD:
    case PVI_INVD:
        break;                  /* no devices, no cache control: nothing to flush for it (Xen) */
    case PVI_CLI:
    case PVI_STI:
        /* The kernel's interrupt flag is its upcall mask.  As Xen, which
         * emulates these with the kernel's SS DPL taken as 0 (so IOPL 0
         * suffices): the kernel always may; user mode needs IOPL 3.
         * Linux executes a native CLI before its Xen interrupt operations
         * are installed (text patching in the first lines of
         * xen_start_kernel). */
        if (!kernel_mode(v) && pv->emul.iopl < 3)
            return 0;
        __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, op == PVI_CLI, __ATOMIC_SEQ_CST);
        break;
    case PVI_RDTSC:
        val = rdtsc();
        c->rax = (uint32_t)val;
        c->rdx = val >> 32;
        break;
    case PVI_HLT:
        /* The kernel's HLT blocks as SCHEDOP_block does for a PV vCPU:
         * events enabled, then wait for one (returns at once if one is
         * pending or the single-shot timer fired), RIP after the HLT.
         * User mode: the #GP stands. */
        if (!kernel_mode(v))
            return 0;
        pv_tlb_count_priv(pv, op);
        pv->emul.nr_priv++;
        c->rip += in.len;
        __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
        sched_op(v, SCHEDOP_block, 0);
        return 1;
    default:
        return 0;               /* RDTSCP, RDPMC: the #GP stands */
    }
    pv_tlb_count_priv(pv, op);          /* by kind (pv_tlb.c), for the counters line */
    pv->emul.nr_priv++;
    c->rip += in.len;
    return 1;
}

/* ---- The writable-page-table assist --------------------------------------- */

struct ptwr {
    struct vcpu *v;
    uint64_t mfn;               /* the table that faulted */
};

static int ptwr_read(void *ctx, uint64_t la, void *buf, unsigned len)
{
    struct ptwr *p = ctx;
    return guest_va_ok(la, len) && pv_copy_guest(p->v, buf, la, len, false) == 0 ? 0 : -EFAULT;
}

/* The entry at la, still in the table that faulted (pv_mmu_mod_entry
 * walks again under the domain's mm_lock: the mapping may have changed),
 * checked and made as mmu_update's normal update would; with expect a
 * compare-exchange against the value the merge was made from. */
static int ptwr_write_entry(void *ctx, uint64_t la, const uint64_t *expect, uint64_t val)
{
    struct ptwr *p = ctx;
    return pv_mmu_mod_entry(p->v, la, p->mfn, expect, val);
}

/* A write fault (present, not a fetch) from the kernel on a page that is
 * one of its validated tables: 1 emulated (or to be run again after a
 * preempted validation), 0 not ours or refused (the #PF is bounced). */
static int emul_ptwr(struct vcpu *v, uint64_t err)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_domain *pd = v->domain->kind_priv;
    uint64_t la = pv->cr2, ma;

    if ((err & (PF_P | PF_W | PF_RSVD | PF_I)) != (PF_P | PF_W) || !kernel_mode(v) ||
        !((__atomic_load_n(&pd->emul.vm_assist, __ATOMIC_RELAXED) >> VMASST_TYPE_writable_pagetables) & 1) ||
        !guest_va_ok(la, 1) || pv_gva_to_maddr(v, la, false, &ma))
        return 0;
    const struct frame *f = pfn_to_frame(ma >> 12);
    if (!f || f->owner != v->domain->domid || !pgt_level(frame_type_of(f)))
        return 0;
    /* A 32-bit kernel: L1s only, as Xen's assist for compat guests (its
     * L2s carry the hypervisor's slots and are updated by mmu_update). */
    if (pv->compat_l4 && pgt_level(frame_type_of(f)) != 1)
        return 0;

    struct ptwr p = { .v = v, .mfn = ma >> 12 };
    struct pv_ptwr_env e = { .read = ptwr_read, .write_entry = ptwr_write_entry, .ctx = &p,
                             .fs_base = pv->compat_l4 ? 0 : rdmsr(MSR_FS_BASE), .gs_base = pv->gs_base };
    if (pv->compat_l4) {
        e.compat = true;
        e.cpl = (uint8_t)(pv->ctx.cs & 3);
        pv32_ptwr_segs(v, e.seg);
    }
    struct cpu_regs *r = &pv->ctx;
    struct guest_regs g = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
                            r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
                            r->rip, r->rflags };
    int rc = pv_ptwr_emulate(&e, &g, la);
    if (rc == -ERESTART) {
        /* The entry names a table whose validation stopped part-way: RIP
         * stays, the guest writes again and the validation goes on (each
         * attempt makes progress, as with mmu_update). */
        pv->emul.nr_ptwr_restarts++;
        return 1;
    }
    if (rc) {
        pv->emul.nr_ptwr_refused++;
        return 0;
    }
    r->rax = g.rax, r->rbx = g.rbx, r->rcx = g.rcx, r->rdx = g.rdx;
    r->rsi = g.rsi, r->rdi = g.rdi, r->rbp = g.rbp, r->rsp = g.rsp;
    r->r8 = g.r8, r->r9 = g.r9, r->r10 = g.r10, r->r11 = g.r11;
    r->r12 = g.r12, r->r13 = g.r13, r->r14 = g.r14, r->r15 = g.r15;
    r->rip = g.rip;
    r->rflags = g.rflags;
    pv->emul.nr_ptwr++;
    return 1;
}

/* ---- The exit hook -------------------------------------------------------- */

int pv_emul_exception(struct vcpu *v, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;

    switch (*vec) {
    case 1:
        /* What the #DB reports stays in the virtual DR6 (get_debugreg);
         * the real one is reset for the next. */
        pv->emul.dr6 |= dr_read(6) & DR6_SETS;
        dr_write(6, DR6_FIXED);
        return 0;
    case 6:
        return emul_priv(v, 6, vec, err);
    case 13:
        if (*err)
            return 0;           /* a selector's fault, not a privileged instruction */
        return emul_priv(v, 13, vec, err);
    case 14:
        return emul_ptwr(v, *err);
    default:
        return 0;
    }
}
