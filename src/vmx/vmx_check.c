/*
 * The VMX guest-state checker (vmx_check.h): the checks of Intel SDM vol.
 * 3C 26.3.1 (guest-state area) and 26.2.1.3 (VM-entry event injection) that
 * apply to the VMCSs Ringvisor builds, run on a snapshot taken right before
 * VMLAUNCH/VMRESUME (vmx_check_hw.c) or after an entry failed.  Pure: no
 * VMREAD, no globals, so tests/unit/test_vmx_check.c runs it under the host
 * sanitizers.  Rule texts paraphrase the manual's sections, named in each.
 */
#include "vmx/vmx_check.h"

#define B(n) (1ull << (n))

#define CR0_PE      B(0)
#define CR0_PG      B(31)
#define CR4_PAE     B(5)
#define CR4_PCIDE   B(17)
#define EFER_LME    B(8)
#define EFER_LMA    B(10)
#define RFL_TF      B(8)
#define RFL_IF      B(9)
#define RFL_VM      B(17)

#define AR_TYPE(ar)  ((ar) & 15)
#define AR_S         (1u << 4)
#define AR_DPL(ar)   (((ar) >> 5) & 3)
#define AR_P         (1u << 7)
#define AR_L         (1u << 13)
#define AR_DB        (1u << 14)
#define AR_G         (1u << 15)
#define AR_UNUSABLE  (1u << 16)
#define AR_RSVD      0xfffe0f00u

#define PIN_VNMI        (1u << 5)
#define PROC_SECONDARY  (1u << 31)
#define PROC2_EPT       (1u << 1)
#define PROC2_UG        (1u << 7)
#define ENTRY_DEBUG     (1u << 2)
#define ENTRY_IA32E     (1u << 9)
#define ENTRY_PAT       (1u << 14)
#define ENTRY_EFER      (1u << 15)

#define BLOCK_STI       1u
#define BLOCK_MOVSS     2u
#define BLOCK_SMI       4u
#define BLOCK_NMI       8u

static const char *const rule_text[VMXR_NR] = {
    [VMXR_CR0_FIXED] = "CR0 must respect IA32_VMX_CR0_FIXED0/1 (PE, PG free with unrestricted guest) (26.3.1.1)",
    [VMXR_CR0_PG_NO_PE] = "CR0.PG set requires CR0.PE (26.3.1.1)",
    [VMXR_CR4_FIXED] = "CR4 must respect IA32_VMX_CR4_FIXED0/1 (26.3.1.1)",
    [VMXR_DEBUGCTL_RSVD] = "IA32_DEBUGCTL reserved bits must be 0 (26.3.1.1)",
    [VMXR_IA32E_NO_PG_PAE] = "an IA-32e mode guest needs CR0.PG and CR4.PAE (26.3.1.1)",
    [VMXR_PCIDE_NOT_IA32E] = "CR4.PCIDE set outside IA-32e mode (26.3.1.1)",
    [VMXR_CR3_MBZ] = "CR3 bits above MAXPHYADDR must be 0 (26.3.1.1)",
    [VMXR_DR7_HIGH] = "DR7[63:32] must be 0 (26.3.1.1)",
    [VMXR_SYSENTER_ESP] = "IA32_SYSENTER_ESP must be canonical (26.3.1.1)",
    [VMXR_SYSENTER_EIP] = "IA32_SYSENTER_EIP must be canonical (26.3.1.1)",
    [VMXR_PAT] = "each IA32_PAT entry must be 0, 1, 4, 5, 6 or 7 (26.3.1.1)",
    [VMXR_EFER_RSVD] = "IA32_EFER reserved bits must be 0 (26.3.1.1)",
    [VMXR_EFER_LMA] = "EFER.LMA must equal the IA-32e mode guest entry control (26.3.1.1)",
    [VMXR_EFER_LME] = "with CR0.PG set, EFER.LMA must equal EFER.LME (26.3.1.1)",
    [VMXR_TR_TI] = "TR selector TI must be 0 (26.3.1.2)",
    [VMXR_LDTR_TI] = "usable LDTR selector TI must be 0 (26.3.1.2)",
    [VMXR_SS_CS_RPL] = "SS.RPL must equal CS.RPL without unrestricted guest (26.3.1.2)",
    [VMXR_V86_SEG] = "virtual-8086 segments: base = selector * 16, limit 0xffff, AR 0xf3 (26.3.1.2)",
    [VMXR_BASE_CANON] = "TR, FS, GS (and usable LDTR) bases must be canonical (26.3.1.2)",
    [VMXR_BASE_HIGH] = "CS (and usable SS, DS, ES) base bits 63:32 must be 0 (26.3.1.2)",
    [VMXR_SEG_RSVD] = "access-rights bits 11:8 and 31:17 must be 0 (26.3.1.2)",
    [VMXR_SEG_PRESENT] = "a usable segment must be present (26.3.1.2)",
    [VMXR_SEG_S] = "CS, SS, DS, ES, FS, GS must be code/data (S=1) (26.3.1.2)",
    [VMXR_SEG_LIMIT_G] = "limit bits 11:0 not all ones need G=0, bits 31:20 set need G=1 (26.3.1.2)",
    [VMXR_CS_TYPE] = "CS type must be 9, 11, 13, 15 (3 with unrestricted guest) (26.3.1.2)",
    [VMXR_CS_DPL] = "CS.DPL: 0 for type 3, = SS.DPL non-conforming, <= SS.DPL conforming (26.3.1.2)",
    [VMXR_CS_L_D] = "IA-32e mode guest with CS.L=1 needs CS.D=0 (26.3.1.2)",
    [VMXR_SS_TYPE] = "usable SS type must be 3 or 7 (26.3.1.2)",
    [VMXR_SS_DPL] = "SS.DPL = SS.RPL without unrestricted guest; 0 for CS type 3 or CR0.PE=0 (26.3.1.2)",
    [VMXR_DATA_TYPE] = "usable DS, ES, FS, GS must be accessed, and readable if code (26.3.1.2)",
    [VMXR_DATA_DPL] = "usable DS, ES, FS, GS of type 0-11 need DPL >= RPL without unrestricted guest (26.3.1.2)",
    [VMXR_TR_TYPE] = "TR must be a busy TSS (type 11; 3 outside IA-32e mode), S=0, present (26.3.1.2)",
    [VMXR_TR_UNUSABLE] = "TR must be usable (26.3.1.2)",
    [VMXR_LDTR_TYPE] = "usable LDTR must be type 2, S=0, present (26.3.1.2)",
    [VMXR_DTR_BASE] = "GDTR/IDTR base must be canonical (26.3.1.3)",
    [VMXR_DTR_LIMIT] = "GDTR/IDTR limit bits 31:16 must be 0 (26.3.1.3)",
    [VMXR_RIP] = "RIP: bits 63:32 0 outside 64-bit mode, canonical in it (26.3.1.4)",
    [VMXR_RFLAGS_RSVD] = "RFLAGS reserved bits: 63:22, 15, 5, 3 must be 0, bit 1 must be 1 (26.3.1.4)",
    [VMXR_RFLAGS_VM] = "RFLAGS.VM must be 0 in IA-32e mode or with CR0.PE=0 (26.3.1.4)",
    [VMXR_RFLAGS_IF_INJ] = "injecting an external interrupt needs RFLAGS.IF=1 (26.3.1.4)",
    [VMXR_ACTIVITY] = "activity state must be one the CPU supports (IA32_VMX_MISC) (26.3.1.5)",
    [VMXR_ACTIVITY_HLT_DPL] = "HLT activity state needs SS.DPL=0 (26.3.1.5)",
    [VMXR_ACTIVITY_SHADOW] = "blocking by STI or MOV SS needs the active state (26.3.1.5)",
    [VMXR_INTR_RSVD] = "interruptibility bits 31:5 must be 0 (26.3.1.5)",
    [VMXR_INTR_STI_MOVSS] = "blocking by STI and by MOV SS together (26.3.1.5)",
    [VMXR_INTR_STI_IF] = "blocking by STI needs RFLAGS.IF=1 (26.3.1.5)",
    [VMXR_INTR_EXTINT_SHADOW] = "an external interrupt cannot be injected under STI/MOV SS blocking (26.3.1.5)",
    [VMXR_INTR_NMI_MOVSS] = "an NMI cannot be injected under MOV SS blocking (26.3.1.5)",
    [VMXR_INTR_SMI] = "blocking by SMI outside SMM (26.3.1.5)",
    [VMXR_INTR_NMI_BLOCKED] = "with virtual NMIs an NMI cannot be injected while NMIs are blocked (26.3.1.5)",
    [VMXR_PENDING_DBG_RSVD] = "pending debug exceptions reserved bits 11:4, 13, 15, 63:17 (26.3.1.5)",
    [VMXR_PENDING_DBG_BS] = "in a shadow or HLT, pending BS must equal RFLAGS.TF and not DEBUGCTL.BTF (26.3.1.5)",
    [VMXR_LINK_PTR] = "VMCS link pointer must be all ones (no shadow VMCS) (26.3.1.5)",
    [VMXR_PDPTE] = "PAE paging with EPT: present PDPTEs must have bits 2:1, 8:5 and above MAXPHYADDR 0 (26.3.1.6)",
    [VMXR_INJ_RSVD] = "VM-entry interruption information bits 30:12 must be 0 (26.2.1.3)",
    [VMXR_INJ_TYPE] = "VM-entry interruption type 1 and 7 are reserved here (26.2.1.3)",
    [VMXR_INJ_VECTOR] = "NMI injection needs vector 2, exception injection vector <= 31 (26.2.1.3)",
    [VMXR_INJ_ERR_BIT] = "deliver-error-code set exactly for #DF #TS #NP #SS #GP #PF #AC with CR0.PE=1 (26.2.1.3)",
    [VMXR_INJ_ERRCODE] = "an injected error code must have bits 31:16 clear (26.2.1.3)",
    [VMXR_INJ_LEN] = "software interrupt/exception injection needs length 1-15 (0 if IA32_VMX_MISC[30]) (26.2.1.3)",
};

static const char *const seg_field[VSEG_NR][4] = {
    { "ES.sel", "ES.base", "ES.limit", "ES.ar" }, { "CS.sel", "CS.base", "CS.limit", "CS.ar" },
    { "SS.sel", "SS.base", "SS.limit", "SS.ar" }, { "DS.sel", "DS.base", "DS.limit", "DS.ar" },
    { "FS.sel", "FS.base", "FS.limit", "FS.ar" }, { "GS.sel", "GS.base", "GS.limit", "GS.ar" },
    { "LDTR.sel", "LDTR.base", "LDTR.limit", "LDTR.ar" }, { "TR.sel", "TR.base", "TR.limit", "TR.ar" },
};
enum { F_SEL, F_BASE, F_LIMIT, F_AR };

static bool fail(struct vmstate_finding *f, enum vmx_rule r, const char *field, uint64_t value)
{
    return vmstate_fail(f, (int)r, rule_text[r], field, value);
}

static bool canonical(uint64_t a, unsigned bits)
{
    if (bits >= 64)
        return true;
    int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == a;
}

static bool limit_g_ok(uint32_t limit, uint32_t ar)
{
    if ((limit & 0xfff) != 0xfff && (ar & AR_G))
        return false;
    if ((limit >> 20) && !(ar & AR_G))
        return false;
    return true;
}

/* 26.3.1.2, checks on the access rights of each register. */
static bool check_segments(const struct vmx_snapshot *s, unsigned vbits, bool ug, bool ia32e, bool pe,
                           struct vmstate_finding *f)
{
    bool v86 = s->rflags & RFL_VM;
    uint32_t cs_ar = s->seg[VSEG_CS].ar, ss_ar = s->seg[VSEG_SS].ar;

    if (s->seg[VSEG_TR].sel & 4)
        return fail(f, VMXR_TR_TI, "TR.sel", s->seg[VSEG_TR].sel);
    if (!(s->seg[VSEG_LDTR].ar & AR_UNUSABLE) && (s->seg[VSEG_LDTR].sel & 4))
        return fail(f, VMXR_LDTR_TI, "LDTR.sel", s->seg[VSEG_LDTR].sel);
    if (!v86 && !ug && (s->seg[VSEG_SS].sel & 3) != (s->seg[VSEG_CS].sel & 3))
        return fail(f, VMXR_SS_CS_RPL, "SS.sel", s->seg[VSEG_SS].sel);
    if (v86) {
        for (unsigned i = VSEG_ES; i <= VSEG_GS; i++) {
            if (s->seg[i].base != (uint64_t)s->seg[i].sel << 4)
                return fail(f, VMXR_V86_SEG, seg_field[i][F_BASE], s->seg[i].base);
            if (s->seg[i].limit != 0xffff)
                return fail(f, VMXR_V86_SEG, seg_field[i][F_LIMIT], s->seg[i].limit);
            if (s->seg[i].ar != 0xf3)
                return fail(f, VMXR_V86_SEG, seg_field[i][F_AR], s->seg[i].ar);
        }
    }
    /* Bases. */
    for (unsigned i = VSEG_ES; i < VSEG_NR; i++) {
        const uint64_t base = s->seg[i].base;
        bool usable = !(s->seg[i].ar & AR_UNUSABLE);
        if ((i == VSEG_TR || i == VSEG_FS || i == VSEG_GS || (i == VSEG_LDTR && usable)) && !canonical(base, vbits))
            return fail(f, VMXR_BASE_CANON, seg_field[i][F_BASE], base);
        if ((i == VSEG_CS || ((i == VSEG_SS || i == VSEG_DS || i == VSEG_ES) && usable)) && (base >> 32))
            return fail(f, VMXR_BASE_HIGH, seg_field[i][F_BASE], base);
    }
    if (!v86) {
        /* CS: always usable. */
        unsigned t = AR_TYPE(cs_ar);
        if (cs_ar & AR_RSVD)
            return fail(f, VMXR_SEG_RSVD, "CS.ar", cs_ar);
        if (!(t == 9 || t == 11 || t == 13 || t == 15 || (ug && t == 3)))
            return fail(f, VMXR_CS_TYPE, "CS.ar", cs_ar);
        if (!(cs_ar & AR_S))
            return fail(f, VMXR_SEG_S, "CS.ar", cs_ar);
        if ((t == 3 && AR_DPL(cs_ar) != 0) || ((t == 9 || t == 11) && AR_DPL(cs_ar) != AR_DPL(ss_ar)) ||
            ((t == 13 || t == 15) && AR_DPL(cs_ar) > AR_DPL(ss_ar)))
            return fail(f, VMXR_CS_DPL, "CS.ar", cs_ar);
        if (!(cs_ar & AR_P))
            return fail(f, VMXR_SEG_PRESENT, "CS.ar", cs_ar);
        if (!limit_g_ok(s->seg[VSEG_CS].limit, cs_ar))
            return fail(f, VMXR_SEG_LIMIT_G, "CS.limit", s->seg[VSEG_CS].limit);
        if (ia32e && (cs_ar & AR_L) && (cs_ar & AR_DB))
            return fail(f, VMXR_CS_L_D, "CS.ar", cs_ar);
        /* SS: type and presence if usable; the DPL rules always. */
        if (!(ss_ar & AR_UNUSABLE)) {
            if (ss_ar & AR_RSVD)
                return fail(f, VMXR_SEG_RSVD, "SS.ar", ss_ar);
            if (AR_TYPE(ss_ar) != 3 && AR_TYPE(ss_ar) != 7)
                return fail(f, VMXR_SS_TYPE, "SS.ar", ss_ar);
            if (!(ss_ar & AR_S))
                return fail(f, VMXR_SEG_S, "SS.ar", ss_ar);
            if (!(ss_ar & AR_P))
                return fail(f, VMXR_SEG_PRESENT, "SS.ar", ss_ar);
            if (!limit_g_ok(s->seg[VSEG_SS].limit, ss_ar))
                return fail(f, VMXR_SEG_LIMIT_G, "SS.limit", s->seg[VSEG_SS].limit);
        }
        if (!ug && AR_DPL(ss_ar) != (s->seg[VSEG_SS].sel & 3u))
            return fail(f, VMXR_SS_DPL, "SS.ar", ss_ar);
        if ((t == 3 || !pe) && AR_DPL(ss_ar) != 0)
            return fail(f, VMXR_SS_DPL, "SS.ar", ss_ar);
        static const unsigned data[] = { VSEG_DS, VSEG_ES, VSEG_FS, VSEG_GS };
        for (unsigned k = 0; k < ARRAY_SIZE(data); k++) {
            unsigned i = data[k];
            uint32_t ar = s->seg[i].ar;
            if (ar & AR_UNUSABLE)
                continue;
            if (ar & AR_RSVD)
                return fail(f, VMXR_SEG_RSVD, seg_field[i][F_AR], ar);
            if (!(AR_TYPE(ar) & 1) || ((AR_TYPE(ar) & 8) && !(AR_TYPE(ar) & 2)))
                return fail(f, VMXR_DATA_TYPE, seg_field[i][F_AR], ar);
            if (!(ar & AR_S))
                return fail(f, VMXR_SEG_S, seg_field[i][F_AR], ar);
            if (!ug && AR_TYPE(ar) <= 11 && AR_DPL(ar) < (s->seg[i].sel & 3u))
                return fail(f, VMXR_DATA_DPL, seg_field[i][F_AR], ar);
            if (!(ar & AR_P))
                return fail(f, VMXR_SEG_PRESENT, seg_field[i][F_AR], ar);
            if (!limit_g_ok(s->seg[i].limit, ar))
                return fail(f, VMXR_SEG_LIMIT_G, seg_field[i][F_LIMIT], s->seg[i].limit);
        }
    }
    /* TR. */
    uint32_t tr = s->seg[VSEG_TR].ar;
    if (tr & AR_UNUSABLE)
        return fail(f, VMXR_TR_UNUSABLE, "TR.ar", tr);
    if (!(AR_TYPE(tr) == 11 || (!ia32e && AR_TYPE(tr) == 3)) || (tr & AR_S) || !(tr & AR_P))
        return fail(f, VMXR_TR_TYPE, "TR.ar", tr);
    if (tr & AR_RSVD)
        return fail(f, VMXR_SEG_RSVD, "TR.ar", tr);
    if (!limit_g_ok(s->seg[VSEG_TR].limit, tr))
        return fail(f, VMXR_SEG_LIMIT_G, "TR.limit", s->seg[VSEG_TR].limit);
    /* LDTR, if usable. */
    uint32_t ldtr = s->seg[VSEG_LDTR].ar;
    if (!(ldtr & AR_UNUSABLE)) {
        if (AR_TYPE(ldtr) != 2 || (ldtr & AR_S) || !(ldtr & AR_P))
            return fail(f, VMXR_LDTR_TYPE, "LDTR.ar", ldtr);
        if (ldtr & AR_RSVD)
            return fail(f, VMXR_SEG_RSVD, "LDTR.ar", ldtr);
        if (!limit_g_ok(s->seg[VSEG_LDTR].limit, ldtr))
            return fail(f, VMXR_SEG_LIMIT_G, "LDTR.limit", s->seg[VSEG_LDTR].limit);
    }
    return true;
}

static bool exc_has_errcode(unsigned vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

/* 26.2.1.3: the VM-entry interruption-information field, when valid. */
static bool check_injection(const struct vmx_snapshot *s, const struct vmx_check_caps *caps, bool ug, bool pe,
                            struct vmstate_finding *f)
{
    uint32_t info = s->entry_intr_info;
    unsigned type = (info >> 8) & 7, vector = info & 0xff;
    bool err = info & (1u << 11);

    if (!(info & (1u << 31)))
        return true;
    if (info & 0x7ffff000u)
        return fail(f, VMXR_INJ_RSVD, "entry interruption info", info);
    if (type == 1 || type == 7)
        return fail(f, VMXR_INJ_TYPE, "entry interruption info", info);
    if ((type == 2 && vector != 2) || (type == 3 && vector > 31))
        return fail(f, VMXR_INJ_VECTOR, "entry interruption info", info);
    if (err && ug && !pe)
        return fail(f, VMXR_INJ_ERR_BIT, "entry interruption info", info);
    if (!caps->basic_no_errcode_rule && err != (type == 3 && pe && exc_has_errcode(vector)))
        return fail(f, VMXR_INJ_ERR_BIT, "entry interruption info", info);
    if (err && (s->entry_errcode >> 16))
        return fail(f, VMXR_INJ_ERRCODE, "entry exception error code", s->entry_errcode);
    if ((type == 4 || type == 5 || type == 6) &&
        (s->entry_insn_len > 15 || (s->entry_insn_len == 0 && !(caps->misc & B(30)))))
        return fail(f, VMXR_INJ_LEN, "entry instruction length", s->entry_insn_len);
    return true;
}

bool vmx_check_state(const struct vmx_snapshot *s, const struct vmx_check_caps *caps, struct vmstate_finding *f)
{
    bool ug = (s->proc & PROC_SECONDARY) && (s->proc2 & PROC2_UG);
    bool ept = (s->proc & PROC_SECONDARY) && (s->proc2 & PROC2_EPT);
    bool ia32e = s->entry & ENTRY_IA32E, pe = s->cr0 & CR0_PE;
    uint64_t cr0_must1 = caps->cr0_fixed0 & ~(ug ? CR0_PE | CR0_PG : 0);
    uint64_t above_pa = caps->phys_bits >= 64 ? 0 : ~0ull << caps->phys_bits;
    uint32_t intr = s->interruptibility, info = s->entry_intr_info;
    bool inj = info & (1u << 31);
    unsigned inj_type = (info >> 8) & 7;

    f->rule = VMXR_NONE;
    /* 26.2.1.3 first: VM entry checks the controls before the guest state. */
    if (!check_injection(s, caps, ug, pe, f))
        return false;

    /* 26.3.1.1 */
    if ((s->cr0 & cr0_must1) != cr0_must1 || (s->cr0 & ~caps->cr0_fixed1))
        return fail(f, VMXR_CR0_FIXED, "CR0", s->cr0);
    if ((s->cr0 & CR0_PG) && !pe)
        return fail(f, VMXR_CR0_PG_NO_PE, "CR0", s->cr0);
    if ((s->cr4 & caps->cr4_fixed0) != caps->cr4_fixed0 || (s->cr4 & ~caps->cr4_fixed1))
        return fail(f, VMXR_CR4_FIXED, "CR4", s->cr4);
    if ((s->entry & ENTRY_DEBUG) && (s->debugctl & (0x3cull | (~0ull << 16))))
        return fail(f, VMXR_DEBUGCTL_RSVD, "IA32_DEBUGCTL", s->debugctl);
    if (ia32e && (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE)))
        return fail(f, VMXR_IA32E_NO_PG_PAE, "CR0", s->cr0);
    if (!ia32e && (s->cr4 & CR4_PCIDE))
        return fail(f, VMXR_PCIDE_NOT_IA32E, "CR4", s->cr4);
    if (s->cr3 & above_pa)
        return fail(f, VMXR_CR3_MBZ, "CR3", s->cr3);
    if ((s->entry & ENTRY_DEBUG) && (s->dr7 >> 32))
        return fail(f, VMXR_DR7_HIGH, "DR7", s->dr7);
    if (!canonical(s->sysenter_esp, caps->virt_bits))
        return fail(f, VMXR_SYSENTER_ESP, "IA32_SYSENTER_ESP", s->sysenter_esp);
    if (!canonical(s->sysenter_eip, caps->virt_bits))
        return fail(f, VMXR_SYSENTER_EIP, "IA32_SYSENTER_EIP", s->sysenter_eip);
    if (s->entry & ENTRY_PAT) {
        for (unsigned i = 0; i < 8; i++) {
            unsigned t = (s->pat >> (8 * i)) & 0xff;
            if (t == 2 || t == 3 || t > 7)
                return fail(f, VMXR_PAT, "IA32_PAT", s->pat);
        }
    }
    if (s->entry & ENTRY_EFER) {
        if (s->efer & ~0xd01ull)
            return fail(f, VMXR_EFER_RSVD, "IA32_EFER", s->efer);
        if (!!(s->efer & EFER_LMA) != ia32e)
            return fail(f, VMXR_EFER_LMA, "IA32_EFER", s->efer);
        if ((s->cr0 & CR0_PG) && !!(s->efer & EFER_LMA) != !!(s->efer & EFER_LME))
            return fail(f, VMXR_EFER_LME, "IA32_EFER", s->efer);
    }

    /* 26.3.1.2 */
    if (!check_segments(s, caps->virt_bits, ug, ia32e, pe, f))
        return false;

    /* 26.3.1.3 */
    if (!canonical(s->gdtr_base, caps->virt_bits))
        return fail(f, VMXR_DTR_BASE, "GDTR.base", s->gdtr_base);
    if (!canonical(s->idtr_base, caps->virt_bits))
        return fail(f, VMXR_DTR_BASE, "IDTR.base", s->idtr_base);
    if (s->gdtr_limit >> 16)
        return fail(f, VMXR_DTR_LIMIT, "GDTR.limit", s->gdtr_limit);
    if (s->idtr_limit >> 16)
        return fail(f, VMXR_DTR_LIMIT, "IDTR.limit", s->idtr_limit);

    /* 26.3.1.4 */
    bool code64 = ia32e && (s->seg[VSEG_CS].ar & AR_L);
    if ((!code64 && (s->rip >> 32)) || (code64 && !canonical(s->rip, caps->virt_bits)))
        return fail(f, VMXR_RIP, "RIP", s->rip);
    if (!(s->rflags & 2) || (s->rflags & ((~0ull << 22) | B(15) | B(5) | B(3))))
        return fail(f, VMXR_RFLAGS_RSVD, "RFLAGS", s->rflags);
    if ((s->rflags & RFL_VM) && (ia32e || !pe))
        return fail(f, VMXR_RFLAGS_VM, "RFLAGS", s->rflags);
    if (inj && inj_type == 0 && !(s->rflags & RFL_IF))
        return fail(f, VMXR_RFLAGS_IF_INJ, "RFLAGS", s->rflags);

    /* 26.3.1.5 */
    static const unsigned activity_cap_bit[4] = { 0, 6, 7, 8 };
    if (s->activity > 3 || (s->activity && !(caps->misc & B(activity_cap_bit[s->activity]))))
        return fail(f, VMXR_ACTIVITY, "activity state", s->activity);
    if (s->activity == 1 && AR_DPL(s->seg[VSEG_SS].ar) != 0)
        return fail(f, VMXR_ACTIVITY_HLT_DPL, "activity state", s->activity);
    if ((intr & (BLOCK_STI | BLOCK_MOVSS)) && s->activity != 0)
        return fail(f, VMXR_ACTIVITY_SHADOW, "activity state", s->activity);
    if (intr & ~0x1full)
        return fail(f, VMXR_INTR_RSVD, "interruptibility", intr);
    if ((intr & BLOCK_STI) && (intr & BLOCK_MOVSS))
        return fail(f, VMXR_INTR_STI_MOVSS, "interruptibility", intr);
    if ((intr & BLOCK_STI) && !(s->rflags & RFL_IF))
        return fail(f, VMXR_INTR_STI_IF, "interruptibility", intr);
    if (inj && inj_type == 0 && (intr & (BLOCK_STI | BLOCK_MOVSS)))
        return fail(f, VMXR_INTR_EXTINT_SHADOW, "interruptibility", intr);
    if (inj && inj_type == 2 && (intr & BLOCK_MOVSS))
        return fail(f, VMXR_INTR_NMI_MOVSS, "interruptibility", intr);
    if (intr & BLOCK_SMI)
        return fail(f, VMXR_INTR_SMI, "interruptibility", intr);
    if (inj && inj_type == 2 && (s->pin & PIN_VNMI) && (intr & BLOCK_NMI))
        return fail(f, VMXR_INTR_NMI_BLOCKED, "interruptibility", intr);
    if (s->pending_dbg & (0xff0ull | B(13) | B(15) | (~0ull << 17)))
        return fail(f, VMXR_PENDING_DBG_RSVD, "pending debug exceptions", s->pending_dbg);
    if ((intr & (BLOCK_STI | BLOCK_MOVSS)) || s->activity == 1) {
        bool want_bs = (s->rflags & RFL_TF) && !(s->debugctl & 2);
        if (!!(s->pending_dbg & B(14)) != want_bs)
            return fail(f, VMXR_PENDING_DBG_BS, "pending debug exceptions", s->pending_dbg);
    }
    if (s->link_ptr != ~0ull)
        return fail(f, VMXR_LINK_PTR, "VMCS link pointer", s->link_ptr);

    /* 26.3.1.6: with EPT the CPU takes the PDPTEs from the VMCS. */
    if (ept && (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) && !ia32e) {
        static const char *const names[4] = { "PDPTE0", "PDPTE1", "PDPTE2", "PDPTE3" };
        for (unsigned i = 0; i < 4; i++)
            if ((s->pdpte[i] & 1) && (s->pdpte[i] & (0x1e6ull | above_pa)))
                return fail(f, VMXR_PDPTE, names[i], s->pdpte[i]);
    }
    return true;
}
