/*
 * XEN_DOMCTL_sethvmcontext's CPU record for hvm and pvh vCPUs (the kind op
 * ctl_set_cpu, core/domain_kind.h; core/domctl_build.c parses the buffer).
 *
 * What a domain builder needs: the PVH start of day (Xen's PVH ABI: flat
 * 32-bit protected mode, paging off, EBX = start info) and, more
 * generally, any state with paging off; and the one paged state a builder
 * asks for, Linux's 64-bit boot protocol (boot.rst: long mode, CR0 =
 * PE|ET|PG, CR4 = PAE, EFER = LME|LMA, a 64-bit CS, CR3 the builder's
 * identity tables below 4 GiB: rv's HVM builder of a bzImage).  Any other
 * record with paging, long mode or CR4 bits is refused with -EOPNOTSUPP
 * ("not yet": restoring a running guest needs the whole record, FPU and
 * MSRs included).  Checked before use, since a bad value would fail the VM
 * entry; what the tables CR3 names hold is the guest's own business (a
 * wrong one faults that guest only).
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/hvm_save.h"

#ifndef CR0_ET
#define CR0_ET  (1ull << 4)
#endif
#ifndef CR4_PAE
#define CR4_PAE (1ull << 5)
#endif
#define EFER_LME_LMA    ((1ull << 8) | (1ull << 10))
#define RFLAGS_FIXED    (1ull << 1)
/* The flags a start state may set: CF PF AF ZF SF DF OF (no IF, TF, IOPL,
 * VM, ...: a guest enables interrupts itself). */
#define RFLAGS_OK       0x0cd5ull

/* VMX access rights -> hvm_seg's packed attributes; false if the segment
 * is not a present one of the expected kind (code, or writable data). */
static bool seg_from(uint32_t sel, uint32_t ar, uint32_t limit, uint64_t base, bool code, bool lm,
                     struct hvm_seg *out)
{
    unsigned type = ar & 0xf;
    if (!(ar & (1u << 7)) || !(ar & (1u << 4)) || (ar & ~0xf0ffu))
        return false;       /* not present, a system segment, or unusable/reserved bits */
    if (code ? !(type & 8) : ((type & 8) || !(type & 2)))
        return false;
    if (base >> 32)
        return false;       /* 32-bit protected mode: bases are 32-bit */
    /* G = 1: the limit's low 12 bits are all ones (VM entry's rule). */
    if ((ar & (1u << 15)) && (limit & 0xfff) != 0xfff)
        return false;
    if (!(ar & (1u << 15)) && (limit >> 20))
        return false;
    /* L: a 64-bit code segment, exactly in the long-mode state, and then
     * with D/B clear (L and D both set is reserved: VM entry fails). */
    if (code && !!(ar & (1u << 13)) != lm)
        return false;
    if (code && lm && (ar & (1u << 14)))
        return false;
    *out = (struct hvm_seg){ (uint16_t)sel, (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00)), limit, base };
    return true;
}

int hvm_ctl_set_cpu(struct vcpu *v, const struct hvm_hw_cpu *c)
{
    struct hvm_start_state st;

    memset(&st, 0, sizeof(st));
    /* Long mode: the 64-bit boot protocol's state exactly, CR3 a page
     * below 4 GiB (the identity tables sit in low RAM). */
    bool lm = (c->cr0 & CR0_PG) && c->cr4 == CR4_PAE && c->msr_efer == EFER_LME_LMA;
    if (lm && ((c->cr0 & ~(CR0_PE | CR0_ET | CR0_NE | CR0_PG)) != 0 || !(c->cr0 & CR0_PE) ||
               (c->cr3 & 0xfffull) || (c->cr3 >> 32)))
        return -EINVAL;
    if (!lm && (!(c->cr0 & CR0_PE) || (c->cr0 & CR0_PG) || (c->cr0 & ~(CR0_PE | CR0_ET | CR0_NE)) || c->cr4 ||
                c->msr_efer))
        return -EOPNOTSUPP;         /* other paging, long mode, CR4 features: not yet */
    if ((c->rflags & ~RFLAGS_OK) != RFLAGS_FIXED)
        return -EINVAL;
    if (c->rip >> 32)
        return -EINVAL;
    if (!seg_from(c->cs_sel, c->cs_arbytes, c->cs_limit, c->cs_base, true, lm, &st.cs) ||
        !seg_from(c->ds_sel, c->ds_arbytes, c->ds_limit, c->ds_base, false, lm, &st.data))
        return -EINVAL;
    /* One data segment for DS, ES, FS, GS and SS (the PVH state has them
     * equal): a record with different ones is not taken yet. */
    if (c->es_sel != c->ds_sel || c->ss_sel != c->ds_sel || c->es_arbytes != c->ds_arbytes ||
        c->ss_arbytes != c->ds_arbytes || c->es_base != c->ds_base || c->ss_base != c->ds_base ||
        c->es_limit != c->ds_limit || c->ss_limit != c->ds_limit)
        return -EOPNOTSUPP;
    if (c->gdtr_base >> 32 || c->idtr_base >> 32 || c->gdtr_limit > 0xffff || c->idtr_limit > 0xffff)
        return -EINVAL;
    if (!v)
        return 0;                   /* the check pass */
    /* TR and LDTR: VM entry wants a usable busy TSS; the record's are
     * whatever a builder left (Xen's PVH builder leaves a busy TSS). */
    st.tr = (struct hvm_seg){ 0, 0x8b, 0x67, 0 };
    st.ldtr = (struct hvm_seg){ 0, 0x82, 0xffff, 0 };
    st.gdtr = (struct hvm_seg){ 0, 0, (uint32_t)c->gdtr_limit, c->gdtr_base };
    st.idtr = (struct hvm_seg){ 0, 0, (uint32_t)c->idtr_limit, c->idtr_base };
    st.cr0 = c->cr0 | CR0_ET;
    st.cr3 = c->cr3 & 0xfffff000ull;
    st.cr4 = lm ? CR4_PAE : 0;
    st.efer = lm ? EFER_LME_LMA : 0;
    st.rip = c->rip;
    hvm_set_start_state(v, &st);
    v->regs.rax = c->rax;
    v->regs.rbx = c->rbx;
    v->regs.rcx = c->rcx;
    v->regs.rdx = c->rdx;
    v->regs.rsi = c->rsi;
    v->regs.rdi = c->rdi;
    v->regs.rbp = c->rbp;
    v->regs.rsp = c->rsp;
    v->regs.rflags = c->rflags;
    return 0;
}
