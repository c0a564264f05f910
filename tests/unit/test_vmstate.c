/*
 * The guest-state checkers (src/svm/svm_check.c, src/vmx/vmx_check.c): a
 * valid state of each kind passes, and each single violation of a rule is
 * reported with that rule, field and value.
 */
#include "test.h"
#include "svm/svm_check.h"
#include "vmx/vmx_check.h"

/* ---- SVM ---------------------------------------------------------------- */

static struct svm_check_caps svm_caps;

static void svm_caps_init(void)
{
    /* A CPU with VME DE PSE TSC PAE MCE PGE FXSR SSE, FSGSBASE SMEP SMAP,
     * no UMIP / VMX / XSAVE / PCID; SYSCALL NX LM FFXSR SVM, no TCE;
     * MAXPHYADDR 40. */
    uint32_t l1[4] = { 0, 0, 0, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) |
                                (1u << 13) | (1u << 24) | (1u << 25) };
    uint32_t l7[4] = { 0, (1u << 0) | (1u << 7) | (1u << 20), 0, 0 };
    uint32_t e1[4] = { 0, 0, 1u << 2, (1u << 11) | (1u << 20) | (1u << 25) | (1u << 29) };
    uint32_t e8[4] = { 0x3028, 0, 0, 0 };
    svm_check_caps_from_cpuid(&svm_caps, l1, l7, e1, e8);
}

static void test_svm_caps(void)
{
    CHECK_EQ(svm_caps.phys_bits, 40);
    CHECK(svm_caps.long_mode);
    CHECK(svm_caps.cr4_ok & (1u << 5));         /* PAE */
    CHECK(svm_caps.cr4_ok & (1u << 8));         /* PCE: always */
    CHECK(svm_caps.cr4_ok & (1u << 20));        /* SMEP */
    CHECK(!(svm_caps.cr4_ok & (1u << 11)));     /* no UMIP */
    CHECK(!(svm_caps.cr4_ok & (1u << 13)));     /* no VMX */
    CHECK(!(svm_caps.cr4_ok & (1u << 18)));     /* no XSAVE */
    CHECK(!(svm_caps.cr4_ok & (1u << 17)));     /* no PCID */
    CHECK_EQ(svm_caps.efer_ok, (1u << 0) | (1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) |
                               (1u << 14));
}

static void svm_valid64(struct vmcb *v)
{
    memset(v, 0, sizeof(*v));
    v->efer = (1u << 12) | (1u << 8) | (1u << 10) | (1u << 11) | 1;
    v->cr0 = 0x80050033;
    v->cr4 = 0xa0;
    v->cr3 = 0x1000;
    v->dr6 = 0xffff0ff0;
    v->dr7 = 0x400;
    v->cs = (struct vmcb_seg){ 0x8, 0x29b, 0xffffffff, 0 };
    v->ss = (struct vmcb_seg){ 0x10, 0xc93, 0xffffffff, 0 };
    v->intercept_misc2 = SVM_INT_VMRUN;
    v->msrpm_base_pa = 0x100000;
    v->iopm_base_pa = 0x200000;
    v->asid = 1;
    v->np_enable = 1;
    v->n_cr3 = 0x300000;
}

static struct vmcb vmcb;

static int svm_rule(void)
{
    struct vmstate_finding f = { 0 };
    bool ok = svm_check_vmcb(&vmcb, &svm_caps, &f);
    CHECK_EQ(ok, f.rule == SVMR_NONE);
    if (!ok)
        CHECK(f.text && f.field);
    return f.rule;
}

#define SVM_CASE(mutation, want) do { svm_valid64(&vmcb); mutation; CHECK_EQ(svm_rule(), want); } while (0)

static void test_svm_valid(void)
{
    svm_valid64(&vmcb);
    CHECK_EQ(svm_rule(), SVMR_NONE);
    /* The reset state (real mode, CD NW ET) and 32-bit paging. */
    memset(&vmcb, 0, sizeof(vmcb));
    vmcb.efer = 1u << 12;
    vmcb.cr0 = 0x60000010;
    vmcb.cs = (struct vmcb_seg){ 0xf000, 0x9b, 0xffff, 0xffff0000 };
    vmcb.dr6 = 0xffff0ff0;
    vmcb.dr7 = 0x400;
    vmcb.intercept_misc2 = SVM_INT_VMRUN;
    vmcb.asid = 5;
    CHECK_EQ(svm_rule(), SVMR_NONE);
    vmcb.cr0 = 0x80000011;
    vmcb.cr4 = 0x10;
    vmcb.cs.attr = 0xc9b;       /* D set, no long mode: fine */
    CHECK_EQ(svm_rule(), SVMR_NONE);
    /* Valid injections; the maps right below MAXPHYADDR. */
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | 0x20, SVMR_NONE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI | 2, SVMR_NONE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_EV | 14 | (2ull << 32), SVMR_NONE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_SOFT | 0x80, SVMR_NONE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_TYPE_EXC | 2, SVMR_NONE);     /* not valid: not looked at */
    SVM_CASE(vmcb.msrpm_base_pa = (1ull << 40) - 0x2000, SVMR_NONE);
    SVM_CASE(vmcb.iopm_base_pa = (1ull << 40) - 0x3000, SVMR_NONE);
    SVM_CASE(vmcb.tlb_control = 1, SVMR_NONE);
    SVM_CASE(vmcb.tlb_control = 3, SVMR_NONE);
}

static void test_svm_rules(void)
{
    struct vmstate_finding f;

    SVM_CASE(vmcb.efer &= ~(1ull << 12), SVMR_EFER_SVME);
    SVM_CASE(vmcb.cr0 |= 1u << 29, SVMR_CR0_NW_CD);
    SVM_CASE(vmcb.cr0 |= 1ull << 32, SVMR_CR0_HIGH);
    SVM_CASE(vmcb.cr3 = 1ull << 40, SVMR_CR3_MBZ);
    SVM_CASE(vmcb.cr4 |= 1u << 11, SVMR_CR4_MBZ);      /* UMIP on a CPU without it */
    SVM_CASE(vmcb.cr4 |= 1u << 13, SVMR_CR4_MBZ);      /* VMXE on AMD */
    SVM_CASE(vmcb.cr4 |= 1u << 15, SVMR_CR4_MBZ);      /* never defined */
    SVM_CASE(vmcb.dr6 |= 1ull << 32, SVMR_DR6_HIGH);
    SVM_CASE(vmcb.dr7 |= 1ull << 40, SVMR_DR7_HIGH);
    SVM_CASE(vmcb.efer |= 1u << 15, SVMR_EFER_MBZ);    /* TCE: not on this CPU */
    SVM_CASE(vmcb.efer |= 1u << 9, SVMR_EFER_MBZ);
    SVM_CASE(svm_caps.long_mode = false, SVMR_EFER_LM_UNSUPPORTED);
    svm_caps_init();
    SVM_CASE(vmcb.cr4 &= ~0x20ull, SVMR_LME_PG_NO_PAE);
    SVM_CASE(vmcb.cr0 &= ~1ull, SVMR_LME_PG_NO_PE);
    SVM_CASE(vmcb.cs.attr |= 0x400, SVMR_LME_CS_L_D);
    SVM_CASE(vmcb.intercept_misc2 &= ~SVM_INT_VMRUN, SVMR_VMRUN_INTERCEPT);
    SVM_CASE(vmcb.msrpm_base_pa = (1ull << 40) - 0x1000, SVMR_MSRPM_ADDR);
    SVM_CASE(vmcb.iopm_base_pa = (1ull << 40) - 0x2000, SVMR_IOPM_ADDR);
    SVM_CASE(vmcb.asid = 0, SVMR_ASID_ZERO);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | (1u << 8) | 0x20, SVMR_EVENTINJ_TYPE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | (5u << 8) | 0x20, SVMR_EVENTINJ_TYPE);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | 2, SVMR_EVENTINJ_VECTOR);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | 32, SVMR_EVENTINJ_VECTOR);
    SVM_CASE(vmcb.eventinj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | (1u << 20) | 13, SVMR_EVENTINJ_RSVD);
    SVM_CASE(vmcb.tlb_control = 2, SVMR_TLB_CONTROL);
    SVM_CASE(vmcb.n_cr3 = 1ull << 45, SVMR_NCR3_MBZ);
    /* The finding names the field and the value. */
    svm_valid64(&vmcb);
    vmcb.cr4 |= 1u << 11;
    CHECK(!svm_check_vmcb(&vmcb, &svm_caps, &f));
    CHECK_STR(f.field, "CR4");
    CHECK_EQ(f.value, 0x8a0);
    CHECK_CONTAINS(f.text, "CR4 reserved bits");
}

/* ---- VMX ---------------------------------------------------------------- */

static const struct vmx_check_caps vcaps = {
    .cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
    .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
    .misc = 0x1c0, .phys_bits = 39, .virt_bits = 48,
};
static struct vmx_snapshot vs;

static void seg(unsigned i, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    vs.seg[i].sel = sel;
    vs.seg[i].base = base;
    vs.seg[i].limit = limit;
    vs.seg[i].ar = ar;
}

/* A 64-bit guest as Ringvisor's loaders build it, unrestricted guest and EPT on. */
static void vmx_valid64(void)
{
    memset(&vs, 0, sizeof(vs));
    vs.pin = 0x29;
    vs.proc = 0x80000000u | (1u << 7);
    vs.proc2 = 0x82;
    vs.entry = (1u << 2) | (1u << 9) | (1u << 14) | (1u << 15);
    vs.cr0 = 0x80050033;
    vs.cr3 = 0x1000;
    vs.cr4 = 0x20a0;
    vs.dr7 = 0x400;
    vs.efer = 0xd01;
    vs.pat = 0x0007040600070406ull;
    seg(VSEG_CS, 0x8, 0, 0xffffffff, 0xa09b);
    for (unsigned i = VSEG_ES; i <= VSEG_GS; i++)
        if (i != VSEG_CS)
            seg(i, 0x10, 0, 0xffffffff, 0xc093);
    seg(VSEG_LDTR, 0, 0, 0, 0x10000);
    seg(VSEG_TR, 0x18, 0, 0x67, 0x8b);
    vs.gdtr_base = 0x1000;
    vs.gdtr_limit = 0x27;
    vs.idtr_base = 0x2000;
    vs.idtr_limit = 0xfff;
    vs.rip = 0x100000;
    vs.rflags = 2;
    vs.link_ptr = ~0ull;
}

/* The reset state in real mode (unrestricted guest). */
static void vmx_real(void)
{
    vmx_valid64();
    vs.entry &= ~(1u << 9);
    vs.cr0 = 0x60000030;
    vs.cr4 = 0x2000;
    vs.efer = 0;
    seg(VSEG_CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
    for (unsigned i = VSEG_ES; i <= VSEG_GS; i++)
        if (i != VSEG_CS)
            seg(i, 0, 0, 0xffff, 0x93);
    seg(VSEG_LDTR, 0, 0, 0xffff, 0x82);
    seg(VSEG_TR, 0, 0, 0xffff, 0x8b);
    vs.rip = 0xfff0;
}

/* 32-bit protected mode with paging (PAE when pae). */
static void vmx_prot32(bool pae)
{
    vmx_valid64();
    vs.entry &= ~(1u << 9);
    vs.cr0 = 0x80000031;
    vs.cr4 = 0x2000 | (pae ? 0x20 : 0x10);
    vs.efer = 0;
    seg(VSEG_CS, 0x8, 0, 0xffffffff, 0xc09b);
}

static int vmx_rule(void)
{
    struct vmstate_finding f = { 0 };
    bool ok = vmx_check_state(&vs, &vcaps, &f);
    CHECK_EQ(ok, f.rule == VMXR_NONE);
    if (!ok)
        CHECK(f.text && f.field);
    return f.rule;
}

#define VMX_CASE(base, mutation, want) do { base; mutation; CHECK_EQ(vmx_rule(), want); } while (0)

static void test_vmx_valid(void)
{
    VMX_CASE(vmx_valid64(), (void)0, VMXR_NONE);
    VMX_CASE(vmx_real(), (void)0, VMXR_NONE);
    VMX_CASE(vmx_real(), seg(VSEG_CS, 0xf000, 0xf0000, 0xffff, 0x93), VMXR_NONE);   /* type 3 with UG */
    VMX_CASE(vmx_prot32(false), (void)0, VMXR_NONE);
    VMX_CASE(vmx_prot32(true), vs.pdpte[0] = 0x5001, VMXR_NONE);
    VMX_CASE(vmx_prot32(true), vs.pdpte[1] = 0xfffffffffffffffeull, VMXR_NONE);     /* not present */
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000b0e; vs.entry_errcode = 2, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000480; vs.entry_insn_len = 2, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000202, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000020; vs.rflags |= 1u << 9, VMXR_NONE);
    VMX_CASE(vmx_real(), vs.entry_intr_info = 0x80000306, VMXR_NONE);      /* #UD in real mode */
    VMX_CASE(vmx_real(), vs.entry_intr_info = 0x80000308, VMXR_NONE);      /* #DF in real mode: no code */
    VMX_CASE(vmx_valid64(), vs.interruptibility = 1; vs.rflags |= 1u << 9, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 2; vs.rflags |= 1u << 8; vs.pending_dbg = 1u << 14, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.activity = 1, VMXR_NONE);
}

static void test_vmx_rules(void)
{
    struct vmstate_finding f;

    /* 26.3.1.1 */
    VMX_CASE(vmx_valid64(), vs.cr0 &= ~0x20ull, VMXR_CR0_FIXED);
    VMX_CASE(vmx_real(), vs.proc2 &= ~0x80u, VMXR_CR0_FIXED);      /* PE=0 needs unrestricted guest */
    VMX_CASE(vmx_real(), vs.cr0 |= 1u << 31, VMXR_CR0_PG_NO_PE);
    VMX_CASE(vmx_valid64(), vs.cr4 &= ~0x2000ull, VMXR_CR4_FIXED);
    VMX_CASE(vmx_valid64(), vs.cr4 |= 1u << 11, VMXR_CR4_FIXED);
    VMX_CASE(vmx_valid64(), vs.debugctl = 1u << 3, VMXR_DEBUGCTL_RSVD);
    VMX_CASE(vmx_valid64(), vs.cr4 &= ~0x20ull, VMXR_IA32E_NO_PG_PAE);
    VMX_CASE(vmx_prot32(true), vs.cr4 |= 1u << 17, VMXR_PCIDE_NOT_IA32E);
    VMX_CASE(vmx_valid64(), vs.cr3 = 1ull << 39, VMXR_CR3_MBZ);
    VMX_CASE(vmx_valid64(), vs.dr7 |= 1ull << 32, VMXR_DR7_HIGH);
    VMX_CASE(vmx_valid64(), vs.sysenter_esp = 1ull << 47, VMXR_SYSENTER_ESP);
    VMX_CASE(vmx_valid64(), vs.sysenter_eip = 0x0001000000000000ull, VMXR_SYSENTER_EIP);
    VMX_CASE(vmx_valid64(), vs.pat = 0x02, VMXR_PAT);
    VMX_CASE(vmx_valid64(), vs.pat = 0x0800000000000000ull, VMXR_PAT);
    VMX_CASE(vmx_valid64(), vs.efer |= 2, VMXR_EFER_RSVD);
    VMX_CASE(vmx_valid64(), vs.efer &= ~0x400ull, VMXR_EFER_LMA);
    VMX_CASE(vmx_prot32(false), vs.efer = 0x100, VMXR_EFER_LME);
    /* 26.3.1.2 */
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_TR].sel = 0x1c, VMXR_TR_TI);
    VMX_CASE(vmx_valid64(), seg(VSEG_LDTR, 0x4, 0, 0xff, 0x82), VMXR_LDTR_TI);
    VMX_CASE(vmx_valid64(), vs.proc2 &= ~0x80u; vs.seg[VSEG_SS].sel = 0x13, VMXR_SS_CS_RPL);
    VMX_CASE(vmx_prot32(false), vs.rflags |= 1u << 17, VMXR_V86_SEG);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_FS].base = 1ull << 47, VMXR_BASE_CANON);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].base = 1ull << 32, VMXR_BASE_HIGH);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_DS].base = 1ull << 32, VMXR_BASE_HIGH);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_DS].base = 1ull << 32; vs.seg[VSEG_DS].ar = 0x10000, VMXR_NONE);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar |= 1u << 8, VMXR_SEG_RSVD);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar = 0xa091, VMXR_CS_TYPE);
    VMX_CASE(vmx_valid64(), vs.proc2 &= ~0x80u; vs.seg[VSEG_CS].ar = 0xa093, VMXR_CS_TYPE);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar = 0xa0fb, VMXR_CS_DPL);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar = 0xe09b, VMXR_CS_L_D);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar = 0xa08b, VMXR_SEG_S);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].ar = 0xa01b, VMXR_SEG_PRESENT);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].limit = 0xfff00, VMXR_SEG_LIMIT_G);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_CS].limit = 0x100000; vs.seg[VSEG_CS].ar &= ~0x8000u, VMXR_SEG_LIMIT_G);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_SS].ar = 0xc09b, VMXR_SS_TYPE);
    VMX_CASE(vmx_real(), vs.seg[VSEG_CS].ar = 0x93; vs.seg[VSEG_SS].ar = 0xf3, VMXR_SS_DPL);
    VMX_CASE(vmx_valid64(), vs.proc2 &= ~0x80u; vs.seg[VSEG_SS].sel = 0x10; vs.seg[VSEG_SS].ar = 0xc0b3;
             vs.seg[VSEG_CS].ar = 0xa09f, VMXR_SS_DPL);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_DS].ar = 0xc099, VMXR_DATA_TYPE);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_DS].ar = 0xc092, VMXR_DATA_TYPE);
    VMX_CASE(vmx_valid64(), vs.proc2 &= ~0x80u; vs.seg[VSEG_DS].sel = 0x13, VMXR_DATA_DPL);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_DS].sel = 0x13, VMXR_NONE);   /* fine with unrestricted guest */
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_GS].ar = 0xc013, VMXR_SEG_PRESENT);
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_TR].ar = 0x83, VMXR_TR_TYPE);
    VMX_CASE(vmx_prot32(false), vs.seg[VSEG_TR].ar = 0x83, VMXR_NONE);  /* 16-bit busy TSS outside IA-32e */
    VMX_CASE(vmx_valid64(), vs.seg[VSEG_TR].ar = 0x1008b, VMXR_TR_UNUSABLE);
    VMX_CASE(vmx_valid64(), seg(VSEG_LDTR, 0, 0, 0xff, 0x83), VMXR_LDTR_TYPE);
    /* 26.3.1.3 */
    VMX_CASE(vmx_valid64(), vs.gdtr_base = 0x0000900000000000ull, VMXR_DTR_BASE);
    VMX_CASE(vmx_valid64(), vs.idtr_limit = 0x10000, VMXR_DTR_LIMIT);
    /* 26.3.1.4 */
    VMX_CASE(vmx_valid64(), vs.rip = 0x0000800000000000ull, VMXR_RIP);
    VMX_CASE(vmx_prot32(false), vs.rip = 1ull << 32, VMXR_RIP);
    VMX_CASE(vmx_valid64(), vs.rflags = 0, VMXR_RFLAGS_RSVD);
    VMX_CASE(vmx_valid64(), vs.rflags = 2 | (1u << 15), VMXR_RFLAGS_RSVD);
    VMX_CASE(vmx_valid64(), vs.rflags = 2 | (1ull << 22), VMXR_RFLAGS_RSVD);
    VMX_CASE(vmx_valid64(), vs.rflags |= 1u << 17; vs.rip = 0x1000;
             for (unsigned i = VSEG_ES; i <= VSEG_GS; i++) seg(i, 0x100, 0x1000, 0xffff, 0xf3), VMXR_RFLAGS_VM);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000020, VMXR_RFLAGS_IF_INJ);
    /* 26.3.1.5 */
    VMX_CASE(vmx_valid64(), vs.activity = 4, VMXR_ACTIVITY);
    {
        struct vmx_check_caps c = vcaps;
        c.misc = 0;
        vmx_valid64();
        vs.activity = 1;
        CHECK(!vmx_check_state(&vs, &c, &f));
        CHECK_EQ(f.rule, VMXR_ACTIVITY);
    }
    VMX_CASE(vmx_valid64(), vs.interruptibility = 1; vs.rflags |= 1u << 9; vs.activity = 1, VMXR_ACTIVITY_SHADOW);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 0x20, VMXR_INTR_RSVD);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 3; vs.rflags |= 1u << 9, VMXR_INTR_STI_MOVSS);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 1, VMXR_INTR_STI_IF);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 2; vs.rflags |= 1u << 9; vs.entry_intr_info = 0x80000020,
             VMXR_INTR_EXTINT_SHADOW);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 2; vs.entry_intr_info = 0x80000202, VMXR_INTR_NMI_MOVSS);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 4, VMXR_INTR_SMI);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 8; vs.entry_intr_info = 0x80000202, VMXR_INTR_NMI_BLOCKED);
    VMX_CASE(vmx_valid64(), vs.pending_dbg = 0x10, VMXR_PENDING_DBG_RSVD);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 1; vs.rflags |= (1u << 9) | (1u << 8), VMXR_PENDING_DBG_BS);
    VMX_CASE(vmx_valid64(), vs.interruptibility = 2; vs.pending_dbg = 1u << 14, VMXR_PENDING_DBG_BS);
    VMX_CASE(vmx_valid64(), vs.link_ptr = 0, VMXR_LINK_PTR);
    /* 26.3.1.6 */
    VMX_CASE(vmx_prot32(true), vs.pdpte[2] = 0x5003, VMXR_PDPTE);
    VMX_CASE(vmx_prot32(true), vs.pdpte[3] = 0x8000000001ull, VMXR_PDPTE);
    /* 26.2.1.3 */
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80001b0e, VMXR_INJ_RSVD);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000120, VMXR_INJ_TYPE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000700, VMXR_INJ_TYPE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000203, VMXR_INJ_VECTOR);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000320, VMXR_INJ_VECTOR);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x8000030d, VMXR_INJ_ERR_BIT);    /* #GP without code */
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000b06, VMXR_INJ_ERR_BIT);    /* #UD with one */
    VMX_CASE(vmx_real(), vs.entry_intr_info = 0x80000b0d, VMXR_INJ_ERR_BIT);       /* real mode: none */
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000b0d; vs.entry_errcode = 0x10000, VMXR_INJ_ERRCODE);
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000480, VMXR_INJ_LEN);        /* length 0, no MISC[30] */
    VMX_CASE(vmx_valid64(), vs.entry_intr_info = 0x80000603; vs.entry_insn_len = 16, VMXR_INJ_LEN);
    {
        struct vmx_check_caps c = vcaps;
        c.misc |= 1ull << 30;
        vmx_valid64();
        vs.entry_intr_info = 0x80000480;
        CHECK(vmx_check_state(&vs, &c, &f));
    }
    /* Field and value. */
    vmx_valid64();
    vs.seg[VSEG_CS].ar = 0xe09b;
    CHECK(!vmx_check_state(&vs, &vcaps, &f));
    CHECK_STR(f.field, "CS.ar");
    CHECK_EQ(f.value, 0xe09b);
}

int main(void)
{
    svm_caps_init();
    RUN(test_svm_caps);
    RUN(test_svm_valid);
    RUN(test_svm_rules);
    RUN(test_vmx_valid);
    RUN(test_vmx_rules);
    return t_finish("unit_vmstate");
}
