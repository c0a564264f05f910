/*
 * Hypercalls of 32-bit PV vCPUs (docs/pv.md "Ring 1 and compat"): the
 * PV-only calls whose 32-bit form differs (trap_info, callbacks as cs:eip,
 * update_va_mapping's PTE in two registers, the kernel stack), then the
 * MMU calls (pv/mm_hcall.c reads the 12-byte mmuext_op itself, its
 * environment says compat), then the shared table through the compat
 * translation layer (core/compat/, the same one 32-bit HVM and PVH callers
 * use).  Every hypercall is listed: what is not is -ENOSYS, never a native
 * handler reading a 32-bit structure as a 64-bit one.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/sched.h"
#include "public/memory.h"
#include "public/vcpu.h"
#include "public/callback.h"
#include "pv/pv_emul.h"

#define PV32_HV_START   0xf5800000ull

/* Xen's x86_32 trap_info: 8 bytes. */
struct compat_trap_info {
    uint8_t vector;
    uint8_t flags;
    uint16_t cs;
    uint32_t address;
};
_Static_assert(sizeof(struct compat_trap_info) == 8, "compat trap_info layout");

/* set_trap_table(table): as the 64-bit form (pv_vcpu.c), 8-byte entries. */
static long set_trap_table32(struct vcpu *v, uint64_t table)
{
    struct pv_vcpu *pv = v->vendor;

    if (!table) {
        memset(pv->traps, 0, sizeof(pv->traps));
        return 0;
    }
    for (unsigned i = 0; i <= 256; i++) {
        struct compat_trap_info t;
        if (pv_copy_guest(v, &t, table + i * sizeof(t), sizeof(t), false))
            return -EFAULT;
        if (!t.address)
            return 0;
        if (i == 256)
            break;
        /* The handler runs on the entry's selector, its RPL raised to 1
         * (pv32_kernel_sel, Xen's rule); the address must be the guest's. */
        if (t.address >= PV32_HV_START)
            return -EINVAL;
        pv->traps[t.vector] = (struct trap_info){ t.vector, t.flags, pv32_kernel_sel(t.cs), t.address };
    }
    return -EINVAL;
}

/* set_callbacks(event_cs, event_eip, failsafe_cs, failsafe_eip): the
 * x86_32 form; the selectors as set_trap_table's. */
static long set_callbacks32(struct vcpu *v, const uint64_t a[4])
{
    struct pv_vcpu *pv = v->vendor;

    if (a[1] >= PV32_HV_START || a[3] >= PV32_HV_START)
        return -EINVAL;
    pv->compat_event_cs = pv32_kernel_sel((uint32_t)a[0]);
    pv->event_cb = a[1];
    pv->compat_failsafe_cs = pv32_kernel_sel((uint32_t)a[2]);
    pv->failsafe_cb = a[3];
    return 0;
}

/* callback_op(cmd, arg) with Xen's x86_32 callback_register: type,
 * flags (16 bits each), then the callback as cs, eip (32 bits each);
 * callback_unregister is the same in both ABIs.  Event, failsafe,
 * sysenter and syscall32 (their delivery: pv32_sys.c; Xen's test of "no
 * callback" is the address for sysenter, the selector for syscall32, so
 * both are kept); syscall is 64-bit only (Xen refuses it for 32-bit
 * guests too); NMI: pv_nmi.c.
 * Unregister zeroes the slot, as the 64-bit callback_op here does. */
struct compat_callback_register {
    uint16_t type, flags;
    uint32_t cs, eip;
};
_Static_assert(sizeof(struct compat_callback_register) == 12, "compat callback_register layout");

static long callback_op32(struct vcpu *v, uint64_t cmd, uint64_t arg)
{
    struct pv_vcpu *pv = v->vendor;
    struct compat_callback_register r = { 0, 0, 0, 0 };

    if (cmd == CALLBACKOP_register) {
        if (pv_copy_guest(v, &r, arg, sizeof(r), false))
            return -EFAULT;
    } else if (cmd == CALLBACKOP_unregister) {
        uint16_t u[2];
        if (pv_copy_guest(v, u, arg, sizeof(u), false))
            return -EFAULT;
        r.type = u[0];
    } else {
        return -ENOSYS;
    }
    if (r.eip >= PV32_HV_START)
        return -EINVAL;
    switch (r.type) {
    case CALLBACKTYPE_nmi:
        /* The handler runs on the flat ring-1 CS whatever cs says, as
         * Xen's compat registration (pv_nmi.c). */
        return pv_nmi_register(v, r.eip);
    case CALLBACKTYPE_event:
        pv->compat_event_cs = pv32_kernel_sel(r.cs);
        pv->event_cb = r.eip;
        return 0;
    case CALLBACKTYPE_failsafe:
        pv->compat_failsafe_cs = pv32_kernel_sel(r.cs);
        pv->failsafe_cb = r.eip;
        pv->callback_flags[CALLBACKTYPE_failsafe] = r.flags;
        return 0;
    case CALLBACKTYPE_sysenter:
        pv->compat_sysenter_cs = r.cs & ~3u ? pv32_kernel_sel(r.cs) : 0;
        pv->sysenter_cb = r.eip;
        pv->callback_flags[CALLBACKTYPE_sysenter] = r.flags;
        return 0;
    case CALLBACKTYPE_syscall32:
        pv->compat_syscall32_cs = r.cs & ~3u ? pv32_kernel_sel(r.cs) : 0;
        pv->syscall32_cb = r.eip;
        pv->callback_flags[CALLBACKTYPE_syscall32] = r.flags;
        return 0;
    default:
        return -EINVAL;
    }
}

/* stack_switch(ss, esp): the ring-1 stack bounces from ring 3 use.  The
 * selector as Xen takes it (RPL raised to 1, pv32_kernel_sel); whether it
 * can be loaded is checked when a bounce from ring 3 is to use it. */
static long stack_switch32(struct vcpu *v, uint64_t ss, uint64_t esp)
{
    struct pv_vcpu *pv = v->vendor;

    if (esp >> 32)
        return -EINVAL;
    pv->kernel_ss = pv32_kernel_sel(ss & 0xffff);
    pv->kernel_sp = esp;
    return 0;
}

/* memory_op sub-ops for a 32-bit PV caller: the read-only ones through the
 * compat layer; those changing a guest-physical map are refused as for
 * 64-bit PV (pv_vcpu.c); the M2P ones (machphys_mfn_list, machphys_mapping,
 * machphys_compat_mfn_list) about the compat M2P (pv32_m2p.c). */
static long memory_op32(struct vcpu *v, uint64_t a[HYPERCALL_NR_ARGS])
{
    long ret;

    if (pv32_m2p_memory_op(v, (unsigned)a[0], a[1], &ret))
        return ret;
    switch ((unsigned)a[0]) {
    case XENMEM_maximum_ram_page:
        /* No argument, the same answer in both ABIs (pv_time.c; the core's
         * memory_op does not have it: it was -ENOSYS here). */
        pv_time_memory_op(v, XENMEM_maximum_ram_page, 0, &ret);
        return ret;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_memory_map:
        return hypercall_call(v, __HYPERVISOR_memory_op, a, true);
    case XENMEM_exchange:
        /* The 44-byte layout, 4-byte MFNs and gpfns (pv_exchange.c). */
        return pv_mem_exchange(v, (uint32_t)a[1], true);
    default:
        return -ENOSYS;
    }
}

long pv32_hypercall_one(struct vcpu *v, uint64_t nr, uint64_t a[HYPERCALL_NR_ARGS])
{
    long ret;

    switch (nr) {
    case __HYPERVISOR_set_trap_table:
        return set_trap_table32(v, a[0]);
    case __HYPERVISOR_set_callbacks:
        return set_callbacks32(v, a);
    case __HYPERVISOR_stack_switch:
        return stack_switch32(v, a[0], a[1]);
    case __HYPERVISOR_update_va_mapping: {
        /* (va, PTE low, PTE high, flags) */
        uint64_t n[4] = { a[0], a[1] | a[2] << 32, a[3], 0 };
        if (pv_mmu_hypercall(v, nr, n, &ret))
            pv_seg_mmu_call(v, nr, ret);
        return ret;
    }
    case __HYPERVISOR_update_descriptor: {
        /* (pa low, pa high, descriptor low, descriptor high); the
         * descriptor checked by the compat rules (env compat, pv/desc.c). */
        uint64_t n[4] = { a[0] | a[1] << 32, a[2] | a[3] << 32, 0, 0 };
        if (pv_mmu_hypercall(v, nr, n, &ret))
            pv_seg_mmu_call(v, nr, ret);
        return ret;
    }
    case __HYPERVISOR_set_gdt:          /* (frame list of 32-bit words, entries): mm_hcall.c, env compat */
    case __HYPERVISOR_mmu_update:       /* struct mmu_update: the same 16 bytes */
    case __HYPERVISOR_mmuext_op:        /* 12-byte entries: mm_hcall.c (env compat) */
        if (pv_mmu_hypercall(v, nr, a, &ret))
            pv_seg_mmu_call(v, nr, ret);
        return ret;
    case __HYPERVISOR_sched_op:
        /* As pv_vcpu.c: SCHEDOP_block enables event delivery first. */
        if ((unsigned)a[0] == SCHEDOP_block)
            __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
        return hypercall_call(v, nr, a, true);
    case __HYPERVISOR_memory_op:
        return memory_op32(v, a);
    case __HYPERVISOR_multicall:       /* 32-byte entries (pv_multicall.c) */
        return pv_multicall(v, a);
    case __HYPERVISOR_vcpu_op:
        /* VCPUOP_initialise: the x86_32 vcpu_guest_context (pv32_smp.c);
         * the other sub-ops through the compat layer. */
        if ((unsigned)a[0] == VCPUOP_initialise)
            return pv32_vcpu_initialise(v, (unsigned)a[1], a[2]);
        return hypercall_call(v, nr, a, true);
    case __HYPERVISOR_callback_op:
        return callback_op32(v, a[0], a[1]);
    case __HYPERVISOR_vm_assist:
        /* (cmd, type): two words in both ABIs; pv_vm_assist keeps a
         * 32-bit guest to the low 32 types as Xen does.  i386 GRUB
         * enables pae_extended_cr3 first thing (always true here: the L3
         * is named from a per-vCPU L4, anywhere in memory).
         * writable_pagetables: the ring-1 assist (pv_emul.c/pv_ptwr.c). */
        return pv_vm_assist(v, (unsigned)a[0], (unsigned)a[1]);
    case __HYPERVISOR_physdev_op:
        /* Every sub-op of the 64-bit path, through the compat table
         * (core/compat/compat_physdev.c): set_iobitmap's 32-bit handle,
         * map_pirq's table_base at 28, ... widened; the same-layout ones
         * passed through; an unknown one -ENOSYS. */
        return hypercall_call(v, nr, a, true);
    case __HYPERVISOR_console_io:
    case __HYPERVISOR_xen_version:
    case __HYPERVISOR_set_timer_op:
    case __HYPERVISOR_event_channel_op:
    case __HYPERVISOR_grant_table_op:
    case __HYPERVISOR_fpu_taskswitch:
        return hypercall_call(v, nr, a, true);
    default:
        /* the debug registers: not for 32-bit guests yet; set_segment_base
         * is 64-bit only (Xen: -ENOSYS for a 32-bit caller too). */
        return -ENOSYS;
    }
}
