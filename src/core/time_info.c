/* The PV clock and runstate records (time_info.h). */
#include "core/time_info.h"
#include "core/domain.h"
#include "core/compat/layout.h"
#include "core/domain_kind.h"
#include "core/guest_access.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"

uint64_t time_info_system_ns(struct domain *d)
{
    return tsc_to_abs_ns(rdtsc() + d->tsc_offset);
}

/* Writes *src into the guest-shared record with the version protocol: odd
 * while the fields change, even after; the guest may scribble on the
 * version, so it is derived, not trusted. */
static void publish(struct vcpu_time_info *dst, const struct vcpu_time_info *src)
{
    uint32_t ver = (__atomic_load_n(&dst->version, __ATOMIC_RELAXED) + 1) | 1;
    __atomic_store_n(&dst->version, ver, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&dst->tsc_timestamp, src->tsc_timestamp, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->system_time, src->system_time, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->tsc_to_system_mul, src->tsc_to_system_mul, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->tsc_shift, src->tsc_shift, __ATOMIC_RELAXED);
    __atomic_store_n(&dst->flags, src->flags, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&dst->version, ver + 1, __ATOMIC_RELAXED);
}

void time_info_update_vcpu(struct vcpu *v)
{
    struct vcpu_time_info t = { 0 };
    uint64_t q32 = tsc_ns_per_tick_q32();
    int shift = 0;

    /* ns = ((tsc << shift) * mul) >> 32 with a 32-bit mul: the same
     * 32.32 factor tsc_to_abs_ns uses, halved (and the shift compensating)
     * only on a TSC slower than 1 GHz. */
    while (q32 >= (1ull << 32)) {
        q32 >>= 1;
        shift++;
    }
    /* System time is the domain's: tsc_to_abs_ns of host TSC + the
     * domain's offset, 0 at that TSC 0.  This vCPU's own TSC runs ahead of
     * that by delta once it wrote IA32_TSC/TSC_ADJUST (hvm/msr.c), so the
     * record's origin is its TSC value delta: the guest's unsigned
     * (tsc - tsc_timestamp) is then host TSC + domain offset again, whatever
     * the sign of delta. */
    uint64_t delta = __atomic_load_n(&v->tsc_offset, __ATOMIC_RELAXED) - v->domain->tsc_offset;
    t.tsc_timestamp = delta;
    t.system_time = 0;
    t.tsc_to_system_mul = (uint32_t)q32;
    t.tsc_shift = (int8_t)shift;
    t.flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    publish(&v->vcpu_info->time, &t);
    /* PV: the copy a kernel registered by virtual address (pv/pv_vtime.c). */
    pv_time_area_update(v);
}

void time_info_init_domain(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        time_info_update_vcpu(d->vcpus[i]);
    time_info_wallclock(d);
}

/* The initial domain's correction of the host RTC's wall clock
 * (XENPF_settime, pv/pv_dom0.c): ns added to every domain's wall clock
 * from then on.  Atomic: written by dom0's vCPUs, read by any. */
static int64_t wallclock_adjust_ns;

void time_info_settime(struct domain *d, uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    /* dom0 says: at its system time system_time, the time was secs.nsecs;
     * so its wall clock at system time 0 is that minus system_time. */
    uint64_t want = secs * 1000000000ull + nsecs - system_time;
    uint64_t sys = time_info_system_ns(d);
    uint64_t unix_ns = vrtc_host_unix_now() * 1000000000ull;
    uint64_t have = unix_ns > sys ? unix_ns - sys : 0;

    __atomic_store_n(&wallclock_adjust_ns, (int64_t)(want - have), __ATOMIC_RELAXED);
    time_info_wallclock(d);
}

void time_info_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    struct compat_shared_info *cs = (struct compat_shared_info *)s;
    bool compat = __atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
    /* The fields of the layout in force (core/compat/layout.h). */
    uint32_t *version = compat ? &cs->wc_version : &s->wc_version;
    uint32_t *sec = compat ? &cs->wc_sec : &s->wc_sec;
    uint32_t *nsec = compat ? &cs->wc_nsec : &s->wc_nsec;
    uint32_t *sec_hi = compat ? &cs->wc_sec_hi : &s->wc_sec_hi;

    /* Wall clock at system time 0 = now (unix) - system time now. */
    uint64_t sys = time_info_system_ns(d);
    uint64_t unix_ns = vrtc_host_unix_now() * 1000000000ull;
    uint64_t base = unix_ns > sys ? unix_ns - sys : 0;
    base += (uint64_t)__atomic_load_n(&wallclock_adjust_ns, __ATOMIC_RELAXED);
    uint32_t ver = (*version + 1) | 1;
    __atomic_store_n(version, ver, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *sec = (uint32_t)(base / 1000000000ull);
    *sec_hi = (uint32_t)((base / 1000000000ull) >> 32);
    *nsec = (uint32_t)(base % 1000000000ull);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(version, ver + 1, __ATOMIC_RELAXED);
}

/* ---- runstate ---- */

static void copy_runstate(struct vcpu *v)
{
    if (!v->runstate_gpa)
        return;
    /* PV: runstate_gpa is the guest virtual address itself, written
     * through the kernel's page tables each time (pv/pv_time.c), as Xen
     * does for PV; a failure (not mapped now) is ignored as Xen ignores it. */
    if (v->domain->type == DOMCFG_PV) {
        pv_runstate_write(v);
        return;
    }
    /* Errors are the guest's problem (it moved its memory away); the
     * record is a courtesy, never trusted back. */
    if (v->runstate_compat) {
        struct compat_vcpu_runstate_info c;
        compat_runstate_from_native(&c, &v->runstate);
        v->domain->kind->copy_to_gphys(v->domain, v->runstate_gpa, &c, sizeof(c));
        return;
    }
    v->domain->kind->copy_to_gphys(v->domain, v->runstate_gpa, &v->runstate, sizeof(v->runstate));
}

void time_info_runstate(struct vcpu *v, int state)
{
    struct vcpu_runstate_info *r = &v->runstate;
    uint64_t now = time_info_system_ns(v->domain);

    if (r->state == state)
        return;
    if (r->state >= RUNSTATE_running && r->state <= RUNSTATE_offline && now > r->state_entry_time)
        r->time[r->state] += now - r->state_entry_time;
    r->state = state;
    r->state_entry_time = now;
    copy_runstate(v);
}

int time_info_register_runstate(struct vcpu *v, struct vcpu *target, uint64_t gva)
{
    uint64_t gpa;

    if (!gva) {
        target->runstate_gpa = 0;
        return 0;
    }
    if (v->domain->type == DOMCFG_PV) {
        /* Kept virtual (the caller checked the range, pv/pv_time.c). */
        target->runstate_gpa = gva;
        target->runstate_compat = false;
        goto registered;
    }
    /* Translated once, now: Linux registers per-CPU kernel data, whose
     * mapping never changes (Xen re-translates at every update; see
     * docs/pvh.md).  A record across two pages must be physically
     * contiguous too (per-CPU data is). */
    /* The layout is the registering caller's (a 32-bit kernel reads the
     * 44-byte i386 record). */
    bool compat = compat_active(v);
    size_t len = compat ? sizeof(struct compat_vcpu_runstate_info) : sizeof(struct vcpu_runstate_info);
    if (v->domain->kind->gva_to_gpa(v, gva, &gpa))
        return -EFAULT;
    if ((gva & 4095) + len > 4096) {
        uint64_t gpa_end;
        if (v->domain->kind->gva_to_gpa(v, gva + len - 1, &gpa_end))
            return -EFAULT;
        if (gpa_end != gpa + len - 1)
            return -EINVAL;
    }
    target->runstate_gpa = gpa;
    target->runstate_compat = compat;
registered:
    if (!target->runstate.state_entry_time) {
        target->runstate.state = target == v ? RUNSTATE_running : RUNSTATE_runnable;
        target->runstate.state_entry_time = time_info_system_ns(v->domain);
    }
    copy_runstate(target);
    return 0;
}
