/*
 * The hypercall entry of HVM and PVH guests (VMCALL/VMMCALL) and the
 * hypercall page.
 * The handlers are in the one table of core/hypercall.c; 32-bit callers go
 * through core/compat/.  Every argument is guest-controlled: pointers are
 * only followed through copy_*_guest, and lengths are bounded.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/console.h"
#include "lib/errno.h"
#include "lib/string.h"

#include "public/xen.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/pvconsole.h"

int hvm_write_hypercall_page(struct vcpu *v, uint64_t val)
{
    uint8_t page[4096], insn[3];

    /* The low 12 bits select the page of a multi-page area: only page 0
     * exists (CPUID 0x40000002 says one page). */
    if (val & 0xfff)
        return -EINVAL;
    hvm_vendor->hypercall_insn(insn);
    memset(page, 0xcc, sizeof(page));       /* int3 between stubs */
    for (unsigned n = 0; n < XEN_HYPERCALL_PAGE_STUBS; n++) {
        uint8_t *s = page + n * XEN_HYPERCALL_STUB_SIZE;
        s[0] = 0xb8;                        /* mov $n, %eax */
        memcpy(s + 1, &n, 4);
        memcpy(s + 5, insn, 3);             /* vmmcall / vmcall */
        s[8] = 0xc3;                        /* ret */
    }
    if (hvm_copy_to_gphys(v->domain, val, page, sizeof(page)))
        return -EFAULT;
    v->domain->hypercall_page_gpa = val;
    /* One of the first things a guest's Xen support does: the layout of
     * its shared_info follows its mode now (core/compat/shinfo.c). */
    compat_latch_shinfo(v->domain, !hvm_guest_long_mode(v));
    return 0;
}

/* The VMCALL/VMMCALL entry: fetch the number and arguments by the vCPU's
 * mode at this call, check the caller's privilege, run the table's handler
 * (core/hypercall.c), and return its value in rax (eax for 32-bit callers). */
__hot_path bool hvm_hypercall(struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    bool wide = hvm_guest_long_mode(v);
    uint64_t nr, a[HYPERCALL_NR_ARGS];
    struct hvm_ctrl c;
    long ret;

    hvm_vendor->get_ctrl(v, &c);
    if (c.cpl != 0 || v->domain->hide_hypervisor_cpuid) {
        /* Only the guest kernel may call the hypervisor; to a domain that
         * was told there is none, the instruction does not exist. */
        hvm_inject_ud(v);
        return false;
    }
    if (wide) {
        /* 64-bit: RAX number; RDI RSI RDX R10 R8. */
        nr = r->rax;
        a[0] = r->rdi, a[1] = r->rsi, a[2] = r->rdx, a[3] = r->r10, a[4] = r->r8;
    } else {
        /* 32-bit (and 16-bit) protected mode: EAX number; EBX ECX EDX ESI
         * EDI, zero-extended (the upper halves are not the caller's). */
        nr = (uint32_t)r->rax;
        a[0] = (uint32_t)r->rbx, a[1] = (uint32_t)r->rcx, a[2] = (uint32_t)r->rdx;
        a[3] = (uint32_t)r->rsi, a[4] = (uint32_t)r->rdi;
    }
    /* The exit's cost is also kept per number (hvm/exit_stats.c). */
    v->last_hc = (uint8_t)(nr < VCPU_HC_SLOTS ? nr : VCPU_HC_SLOTS - 1);
    ret = hypercall_call(v, nr, a, !wide);
    if (ret == -ERESTART && nr == __HYPERVISOR_multicall) {
        /* A continuation (core/multicall.c): the same call again with the
         * list advanced, RIP left on the VMCALL/VMMCALL. */
        if (wide)
            r->rdi = v->mc_cont[0], r->rsi = v->mc_cont[1];
        else
            r->rbx = (uint32_t)v->mc_cont[0], r->rcx = (uint32_t)v->mc_cont[1];
        return false;
    }
    r->rax = wide ? (uint64_t)ret : (uint32_t)ret;
    return true;
}
