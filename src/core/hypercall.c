/*
 * The hypercall table (hypercall.h).  One row per hypercall number: the
 * handler, and what a 32-bit caller goes through in front of it: a compat
 * translation (core/compat/) when a structure of the call differs between
 * the i386 and the 64-bit layouts, or nothing when every layout is the same
 * (core/compat/layout.h asserts which).
 */
#include "core/hypercall.h"
#include "core/compat/compat.h"
#include "core/domain.h"
#include "core/memory_op.h"
#include "core/vcpu_op.h"
#include "core/domctl.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"
#include "lib/errno.h"
#include "public/xen.h"

typedef long hypercall_fn(struct vcpu *v, const uint64_t *a);

/* Adapters from the argument registers to each handler's parameters.  A
 * 32-bit caller's registers are already zero-extended, so the narrowing
 * casts below are those of the 64-bit ABI (unsigned int commands). */
static long hc_set_timer_op(struct vcpu *v, const uint64_t *a) { return vcpu_set_singleshot(v, a[0]); }
static long hc_set_timer_op32(struct vcpu *v, const uint64_t *a)
{
    return vcpu_set_singleshot(v, compat_timer_deadline((uint32_t)a[0], (uint32_t)a[1]));
}
static long hc_memory_op(struct vcpu *v, const uint64_t *a) { return memory_op(v, (unsigned)a[0], a[1]); }
static long hc_memory_op32(struct vcpu *v, const uint64_t *a)
{
    return compat_memory_op(v, (unsigned)a[0], (uint32_t)a[1]);
}
static long hc_xen_version(struct vcpu *v, const uint64_t *a) { return xen_version(v, (unsigned)a[0], a[1]); }
static long hc_xen_version32(struct vcpu *v, const uint64_t *a)
{
    return compat_xen_version(v, (unsigned)a[0], (uint32_t)a[1]);
}
static long hc_console_io(struct vcpu *v, const uint64_t *a) { return console_io(v, (unsigned)a[0], a[1], a[2]); }
static long hc_grant_table_op(struct vcpu *v, const uint64_t *a)
{
    return gnttab_hypercall(v, (unsigned)a[0], a[1], (unsigned)a[2]);
}
static long hc_grant_table_op32(struct vcpu *v, const uint64_t *a)
{
    return compat_grant_table_op(v, (unsigned)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
static long hc_vcpu_op(struct vcpu *v, const uint64_t *a) { return vcpu_op(v, (unsigned)a[0], (unsigned)a[1], a[2]); }
static long hc_vcpu_op32(struct vcpu *v, const uint64_t *a)
{
    return compat_vcpu_op(v, (unsigned)a[0], (unsigned)a[1], (uint32_t)a[2]);
}
__hot_path static long hc_sched_op(struct vcpu *v, const uint64_t *a) { return sched_op(v, (unsigned)a[0], a[1]); }
static long hc_sched_op32(struct vcpu *v, const uint64_t *a) { return compat_sched_op(v, (unsigned)a[0], (uint32_t)a[1]); }
__hot_path static long hc_event_channel_op(struct vcpu *v, const uint64_t *a) { return evtchn_hypercall(v, (unsigned)a[0], a[1]); }
static long hc_set_trap_table(struct vcpu *v, const uint64_t *a) { return pv_set_trap_table(v, a[0]); }
static long hc_set_callbacks(struct vcpu *v, const uint64_t *a) { return pv_set_callbacks(v, a[0], a[1], a[2]); }
static long hc_callback_op(struct vcpu *v, const uint64_t *a) { return pv_callback_op(v, (unsigned)a[0], a[1]); }
static long hc_stack_switch(struct vcpu *v, const uint64_t *a) { return pv_stack_switch(v, a[0], a[1]); }
static long hc_fpu_taskswitch(struct vcpu *v, const uint64_t *a) { return pv_fpu_taskswitch(v, (int)a[0]); }
static long hc_set_segment_base(struct vcpu *v, const uint64_t *a) { return pv_set_segment_base(v, (unsigned)a[0], a[1]); }
static long hc_hvm_op(struct vcpu *v, const uint64_t *a) { return hvm_op(v, (unsigned)a[0], a[1]); }
static long hc_dm_op(struct vcpu *v, const uint64_t *a) { return dm_op(v, (uint16_t)a[0], (unsigned)a[1], a[2]); }
static long hc_multicall(struct vcpu *v, const uint64_t *a) { return multicall(v, a[0], (unsigned)a[1], false); }
static long hc_multicall32(struct vcpu *v, const uint64_t *a) { return multicall(v, a[0], (unsigned)a[1], true); }
/* PV (pv/pv_emul.c); other kinds -ENOSYS from the handlers. */
static long hc_set_debugreg(struct vcpu *v, const uint64_t *a) { return pv_set_debugreg(v, (unsigned)a[0], a[1]); }
static long hc_get_debugreg(struct vcpu *v, const uint64_t *a) { return pv_get_debugreg(v, (unsigned)a[0]); }
static long hc_vm_assist(struct vcpu *v, const uint64_t *a) { return pv_vm_assist(v, (unsigned)a[0], (unsigned)a[1]); }
static long hc_physdev_op(struct vcpu *v, const uint64_t *a) { return pv_physdev_op(v, (unsigned)a[0], a[1]); }
static long hc_physdev_op32(struct vcpu *v, const uint64_t *a)
{
    return compat_physdev_op(v, (unsigned)a[0], (uint32_t)a[1]);
}
static long hc_platform_op(struct vcpu *v, const uint64_t *a) { return platform_op(v, a[0]); }
static long hc_domctl(struct vcpu *v, const uint64_t *a) { return domctl(v, a[0]); }
static long hc_sysctl(struct vcpu *v, const uint64_t *a) { return sysctl(v, a[0]); }

static const struct hypercall_entry {
    hypercall_fn *native;
    hypercall_fn *compat;       /* NULL: the same layouts, native handler for 32-bit callers too */
} hypercall_table[] = {
    [__HYPERVISOR_set_trap_table]   = { hc_set_trap_table, NULL },  /* PV: the handler refuses other callers */
    [__HYPERVISOR_set_callbacks]    = { hc_set_callbacks, NULL },   /* PV, 64-bit form */
    [__HYPERVISOR_callback_op]      = { hc_callback_op, NULL },     /* PV, 64-bit layouts */
    [__HYPERVISOR_stack_switch]     = { hc_stack_switch, NULL },    /* PV user mode (pv_user.c) */
    [__HYPERVISOR_fpu_taskswitch]   = { hc_fpu_taskswitch, NULL },  /* PV */
    [__HYPERVISOR_set_segment_base] = { hc_set_segment_base, NULL },/* PV, 64-bit */
    [__HYPERVISOR_set_timer_op]     = { hc_set_timer_op, hc_set_timer_op32 },
    [__HYPERVISOR_memory_op]        = { hc_memory_op, hc_memory_op32 },
    [__HYPERVISOR_xen_version]      = { hc_xen_version, hc_xen_version32 },
    [__HYPERVISOR_console_io]       = { hc_console_io, NULL },
    [__HYPERVISOR_grant_table_op]   = { hc_grant_table_op, hc_grant_table_op32 },
    [__HYPERVISOR_vcpu_op]          = { hc_vcpu_op, hc_vcpu_op32 },
    [__HYPERVISOR_sched_op]         = { hc_sched_op, hc_sched_op32 },
    [__HYPERVISOR_event_channel_op] = { hc_event_channel_op, NULL },
    [__HYPERVISOR_hvm_op]           = { hc_hvm_op, NULL },
    [__HYPERVISOR_multicall]        = { hc_multicall, hc_multicall32 },     /* PV: pv/pv_multicall.c first */
    [__HYPERVISOR_set_debugreg]     = { hc_set_debugreg, NULL },    /* PV */
    [__HYPERVISOR_get_debugreg]     = { hc_get_debugreg, NULL },    /* PV */
    [__HYPERVISOR_vm_assist]        = { hc_vm_assist, NULL },       /* PV */
    [__HYPERVISOR_physdev_op]       = { hc_physdev_op, hc_physdev_op32 },   /* PV (core/compat/compat_physdev.c) */
    [__HYPERVISOR_platform_op]      = { hc_platform_op, NULL },     /* the initial domain only (pv/pv_dom0.c) */
    /* The initial domain only (core/domctl.c, core/sysctl.c); 64-bit
     * layouts: a 32-bit caller is refused first by privilege (no 32-bit
     * initial domain exists). */
    [__HYPERVISOR_sysctl]           = { hc_sysctl, NULL },
    [__HYPERVISOR_domctl]           = { hc_domctl, NULL },
    /* A device model in the control domain (hvm/ioreq.c); 64-bit layouts,
     * refused by privilege for anyone else. */
    [__HYPERVISOR_dm_op]            = { hc_dm_op, NULL },
};

__hot_path long hypercall_call(struct vcpu *v, uint64_t nr, const uint64_t args[HYPERCALL_NR_ARGS], bool compat)
{
    const struct hypercall_entry *e;
    long ret;

    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].native)
        return -ENOSYS;
    e = &hypercall_table[nr];
    if (!compat)
        return e->native(v, args);
    /* The mode is the caller's at this call (a vCPU may switch between
     * calls): the translation area answers for COMPAT_XLAT_VA only while
     * this call runs. */
    v->compat.active = true;
    ret = (e->compat ? e->compat : e->native)(v, args);
    v->compat.active = false;
    return ret;
}
