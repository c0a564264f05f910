/*
 * Two more pieces of the PV emulation (pv_emul.h; docs/pv.md "Privileged
 * instructions"), as Xen gives them to a 64-bit PV guest:
 *  - PHYSDEVOP_set_iobitmap: a vCPU's I/O bitmap, a guest virtual address
 *    and a port count (at most 65536).  It is not copied: each IN/OUT the
 *    IOPL does not allow reads the bytes again, through the kernel's
 *    tables, as the CPU reads a TSS bitmap (a clear bit allows the port;
 *    every port of the access must be allowed; a byte that cannot be read
 *    counts as all ones, and ports at or beyond the count are refused).
 *    So the guest changes its bitmap by writing its memory, and a bitmap
 *    it unmapped denies instead of being read from a stale copy.
 *  - INVLPG by the kernel: its memory operand's address, flushed from this
 *    CPU's TLB (the vCPU's tables are loaded; an address in the
 *    hypervisor's range or non-canonical one is skipped).  The vCPU
 *    loses every translation anyway when it next runs elsewhere (a CR3
 *    load; guest entries are never global).
 * Both start from the guest's fault and its own registers: every value is
 * guest-controlled and only read.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "pv/pv_insn.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"

/* public/physdev.h, 64-bit layout: a guest handle of uint8_t, the count. */
struct physdev_set_iobitmap {
    uint64_t bitmap;
    uint32_t nr_ports;
    uint32_t pad;
};

long pv_set_iobitmap(struct vcpu *v, uint64_t arg)
{
    struct pv_vcpu *pv = v->vendor;
    struct physdev_set_iobitmap s;

    if (copy_from_guest(v, &s, arg, 12))    /* the handle and the count (the padding is not read) */
        return -EFAULT;
    if (s.nr_ports > 65536)
        return -EINVAL;
    /* Both (r): only this vCPU's own emulation reads them. */
    pv->emul.iobmp = s.bitmap;
    pv->emul.iobmp_ports = s.nr_ports;
    return 0;
}

bool pv_iobmp_allows(struct vcpu *v, unsigned port, unsigned size)
{
    struct pv_vcpu *pv = v->vendor;
    uint8_t b[2];

    if (port + size > pv->emul.iobmp_ports)
        return false;
    /* Two bytes cover any access of up to 4 ports from any bit offset. */
    for (unsigned k = 0; k < 2; k++)
        if (pv_copy_guest(v, &b[k], pv->emul.iobmp + (port >> 3) + k, 1, false))
            b[k] = 0xff;
    unsigned bits = b[0] | (unsigned)b[1] << 8;
    return (bits & (((1u << size) - 1) << (port & 7))) == 0;
}

static uint64_t reg_of(const struct cpu_regs *c, unsigned n)
{
    switch (n & 15) {
    case 0: return c->rax;
    case 1: return c->rcx;
    case 2: return c->rdx;
    case 3: return c->rbx;
    case 4: return c->rsp;
    case 5: return c->rbp;
    case 6: return c->rsi;
    case 7: return c->rdi;
    case 8: return c->r8;
    case 9: return c->r9;
    case 10: return c->r10;
    case 11: return c->r11;
    case 12: return c->r12;
    case 13: return c->r13;
    case 14: return c->r14;
    default: return c->r15;
    }
}

void pv_emul_invlpg(struct vcpu *v, const struct pv_insn *in)
{
    struct pv_vcpu *pv = v->vendor;
    const struct cpu_regs *c = &pv->ctx;
    uint64_t la = (uint64_t)(int64_t)in->mem_disp;

    if (in->mem_riprel)
        la += c->rip + in->len;
    if (in->mem_base != PV_NO_REG)
        la += reg_of(c, in->mem_base);
    if (in->mem_index != PV_NO_REG)
        la += reg_of(c, in->mem_index) * in->mem_scale;
    if (in->addr32)
        la &= 0xffffffffull;
    /* In 64-bit mode only FS and GS have a base. */
    if (in->seg == PVS_FS)
        la += rdmsr(MSR_FS_BASE);
    else if (in->seg == PVS_GS)
        la += pv->gs_base;
    pv->emul.nr_invlpg++;
    if (pv_canonical(la) && !(la >= HYPERVISOR_VIRT_START && la < HYPERVISOR_VIRT_END))
        invlpg(la);
}
