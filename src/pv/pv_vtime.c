/*
 * VCPUOP_register_vcpu_time_memory_area for 64-bit PV vCPUs (public/vcpu.h,
 * op 13): a second copy of the vCPU's vcpu_time_info at a guest virtual
 * address.  Linux registers one for vCPU 0 at boot and, when it is accepted
 * and carries XEN_PVCLOCK_TSC_STABLE_BIT, maps that page into user space
 * for its vDSO clock (VDSO_CLOCKMODE_PVCLOCK); -ENOSYS leaves it on the
 * system-call clock ("xen: VDSO_CLOCKMODE_PVCLOCK not supported (err -38)").
 *
 * As Xen does for PV: the address is kept virtual and written through the
 * guest's page tables whenever the vCPU's own record is (here: at
 * registration and whenever time_info_update_vcpu runs for it; the record
 * is TSC-stable and not refreshed periodically, core/time_info.h); a write
 * that finds nothing mapped is skipped, as Xen skips it.  The address must
 * be canonical and outside the hypervisor's range (-EFAULT otherwise, Xen's
 * answer to a handle it cannot access); 0 unregisters.
 *
 * The version protocol: the whole record with an odd version first, then
 * the version made even; the counter is the hypervisor's own (a guest
 * scribbling on its copy cannot make the hypervisor publish an even version
 * while the fields change).
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "lib/errno.h"
#include "core/time_info.h"
#include "public/vcpu.h"

_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");

/* t's secondary record, written through w's page tables (t itself, or the
 * vCPU registering it for t: the kernel's addresses are the same in both). */
static void write_area(struct vcpu *w, struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t va = __atomic_load_n(&pv->time_area, __ATOMIC_ACQUIRE);

    if (!va || !v->vcpu_info)
        return;
    struct vcpu_time_info t;
    /* A snapshot of the primary record; its own version is not copied. */
    const volatile struct vcpu_time_info *src = &v->vcpu_info->time;
    t.pad0 = 0;
    t.tsc_timestamp = src->tsc_timestamp;
    t.system_time = src->system_time;
    t.tsc_to_system_mul = src->tsc_to_system_mul;
    t.tsc_shift = src->tsc_shift;
    t.flags = src->flags;
    for (unsigned i = 0; i < sizeof(t.pad1); i++)
        t.pad1[i] = 0;
    uint32_t ver = (__atomic_load_n(&pv->time_area_ver, __ATOMIC_RELAXED) + 1) | 1;
    t.version = ver;
    if (copy_to_guest(w, va, &t, sizeof(t)))
        return;             /* not mapped (now): skipped, as Xen does */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ver++;
    copy_to_guest(w, va + offsetof(struct vcpu_time_info, version), &ver, sizeof(ver));
    __atomic_store_n(&pv->time_area_ver, ver, __ATOMIC_RELAXED);
}

void pv_time_area_update(struct vcpu *v)
{
    if (v->domain->type == DOMCFG_PV)
        write_area(v, v);
}

long pv_register_time_area(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_register_time_memory_area a;
    struct pv_vcpu *tpv = t->vendor;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    uint64_t end = a.addr + sizeof(struct vcpu_time_info) - 1;
    if (a.addr && (end < a.addr || !pv_canonical(a.addr) || !pv_canonical(end) ||
                   (end >= HYPERVISOR_VIRT_START && a.addr < HYPERVISOR_VIRT_END)))
        return -EFAULT;
    __atomic_store_n(&tpv->time_area, a.addr, __ATOMIC_RELEASE);
    /* Written now, through the caller's tables (Linux checks the flags of
     * the copy right after registering). */
    if (a.addr)
        write_area(v, t);
    return 0;
}

/* ---- The runstate record (core/time_info.c copy_runstate) ---------------- */

/* With VMASST_TYPE_runstate_update_flag, as Xen does: state_entry_time
 * with XEN_RUNSTATE_UPDATE first, then the whole record (still flagged),
 * then state_entry_time without it, each write ordered after the previous
 * one; a reader on another vCPU that sees the flag, or sees
 * state_entry_time change across its read, reads again.  Failures (nothing
 * mapped there now) are ignored as before. */
void pv_runstate_write(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;
    uint64_t va = v->runstate_gpa;
    struct vcpu_runstate_info r = v->runstate;

    if (!((__atomic_load_n(&pd->emul.vm_assist, __ATOMIC_RELAXED) >> VMASST_TYPE_runstate_update_flag) & 1)) {
        copy_to_guest(v, va, &r, sizeof(r));
        return;
    }
    uint64_t t = r.state_entry_time | XEN_RUNSTATE_UPDATE;
    if (copy_to_guest(v, va + offsetof(struct vcpu_runstate_info, state_entry_time), &t, sizeof(t)))
        return;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r.state_entry_time = t;
    copy_to_guest(v, va, &r, sizeof(r));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    t &= ~XEN_RUNSTATE_UPDATE;
    copy_to_guest(v, va + offsetof(struct vcpu_runstate_info, state_entry_time), &t, sizeof(t));
}
