/*
 * domctl (hypercall 36): domain control for the toolstack in the initial
 * domain (docs/toolstack.md "domctl and sysctl").  Numbers and layouts are
 * Xen 4.17's (public/domctl.h, interface version 0x15), so that Debian's
 * libxenctrl 4.17 could drive these operations one day.
 *
 * Order of checks, for every operation: the caller must be privileged
 * (-EPERM, before anything of the caller's is read), then the structure is
 * read, then the interface version (-EACCES), then the target domain
 * (-ESRCH when no domain has the id).  The initial domain may not pause,
 * unpause or destroy itself (-EINVAL, as Xen).
 *
 * No lock of its own: each operation works on one domain reference
 * (domain_get_by_id / domain_get_any, released before returning) and on
 * fields with their own rules (core/domain.h).
 */
#include "core/domctl.h"
#include "core/domain.h"
#include "core/domain_kind.h"
#include "core/sched.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/softirq.h"
#include "mm/logdirty.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/domctl.h"

static bool is_hvm_container(const struct domain *d)
{
    return d->type == DOMCFG_HVM || d->type == DOMCFG_PVH;
}

/* Down in the guest's sense (a PV vCPU never brought up): offline to the
 * toolstack though the scheduler still holds it. */
static bool vcpu_down(struct vcpu *v)
{
    return v->domain->kind->vcpu_is_down && v->domain->kind->vcpu_is_down(v);
}

void domctl_fill_info(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    unsigned online = 0, blocked = 0;
    bool running = false;
    uint64_t cpu_time = 0;

    memset(info, 0, sizeof(*info));
    info->domain = d->domid;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        int st = READ_ONCE(v->state);
        if (st == VCPU_OFFLINE)
            continue;
        cpu_time += READ_ONCE(v->runtime_ns);      /* a vCPU the guest took down ran before */
        if (vcpu_down(v))
            continue;
        online++;
        if (st == VCPU_BLOCKED)
            blocked++;
        if (sched_vcpu_running(v))
            running = true;
    }
    int state = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
    uint32_t flags = 0;
    if (state == DOMAIN_DEAD || (state == DOMAIN_PRESERVED && __atomic_load_n(&d->ctl_destroy, __ATOMIC_ACQUIRE)))
        flags |= XEN_DOMINF_dying;      /* a kept domain destroyed: dying until the reaper frees it */
    if (state == DOMAIN_SHUTDOWN || state == DOMAIN_PRESERVED)
        flags |= XEN_DOMINF_shutdown |
                 ((uint32_t)(d->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
    if (is_hvm_container(d))
        flags |= XEN_DOMINF_hvm_guest | (d->shadow ? 0 : XEN_DOMINF_hap);   /* hap = 0: shadow paging */
    if (__atomic_load_n(&d->ctl_pause_count, __ATOMIC_ACQUIRE) > 0)
        flags |= XEN_DOMINF_paused;
    /* Xen's rule: blocked only when every online vCPU is; running when any
     * is on a CPU now. */
    if (online && blocked == online)
        flags |= XEN_DOMINF_blocked;
    if (running)
        flags |= XEN_DOMINF_running;
    info->flags = flags;
    info->tot_pages = READ_ONCE(d->tot_pages);
    info->max_pages = READ_ONCE(d->max_pages);
    /* PV: the machine frame; HVM: the gfn it was placed at (~0: not yet). */
    info->shared_info_frame = d->type == DOMCFG_PV ? d->shared_info_mfn : READ_ONCE(d->shinfo_slot.gfn);
    info->cpu_time = cpu_time;
    info->nr_online_vcpus = online;
    info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
    info->gpaddr_bits = is_hvm_container(d) ? 48 : 52;
    /* Which virtual PC it has, in createdomain's terms (Xen reports the
     * domain's emulation flags here too): how `rv list -v` tells HVM from
     * PVH, both being hvm_guest. */
    info->arch_emulation_flags = d->type == DOMCFG_HVM ? XEN_X86_EMU_HVM_DOMU
                                 : d->type == DOMCFG_PVH ? XEN_X86_EMU_LAPIC : 0;
}

/* Xen 4.17's getdomaininfo answers for the first domain whose id is >= the
 * one asked for (libxenctrl 4.17 walks the domains this way); -ESRCH when
 * there is none.  *d gets a reference. */
struct domain *domctl_first_domain_from(uint16_t from)
{
    uint16_t ids[256];
    unsigned n = domain_list_ids(ids, ARRAY_SIZE(ids));
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < n; i++)
            if (ids[i] >= from && (best < 0 || ids[i] < best))
                best = ids[i];
        if (best < 0)
            return NULL;
        struct domain *d = domain_get_any((uint16_t)best);
        if (d)
            return d;
        from = (uint16_t)(best + 1);    /* gone meanwhile: the next one */
        if (!from)
            return NULL;
    }
}

static long pause_domain(struct domain *d)
{
    __atomic_add_fetch(&d->ctl_pause_count, 1, __ATOMIC_SEQ_CST);
    int rc = domain_pause(d);
    if (rc) {
        /* Some vCPU did not leave its CPU in time: undo, report. */
        domain_unpause(d);
        __atomic_sub_fetch(&d->ctl_pause_count, 1, __ATOMIC_SEQ_CST);
    }
    return rc;
}

bool domain_ctl_build_begin(struct domain *d)
{
    spin_lock(&d->ctl_build_lock);
    if (!d->ctl_started && __atomic_load_n(&d->ctl_pause_count, __ATOMIC_ACQUIRE) > 0)
        return true;
    spin_unlock(&d->ctl_build_lock);
    return false;
}

void domain_ctl_build_end(struct domain *d)
{
    spin_unlock(&d->ctl_build_lock);
}

static long unpause_domain(struct domain *d)
{
    /* Under ctl_build_lock: a builder call in progress finishes first, and
     * none starts after this (ctl_started). */
    spin_lock(&d->ctl_build_lock);
    int c = __atomic_load_n(&d->ctl_pause_count, __ATOMIC_ACQUIRE);
    do {
        if (c <= 0) {
            spin_unlock(&d->ctl_build_lock);
            return -EINVAL;     /* not paused by the controller (Xen's answer) */
        }
    } while (!__atomic_compare_exchange_n(&d->ctl_pause_count, &c, c - 1, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    d->ctl_started = true;
    spin_unlock(&d->ctl_build_lock);
    domain_unpause(d);
    return 0;
}

/*
 * destroydomain: the domain is shut down and then destroyed by the reaper
 * whatever its on_* keys say (core/domain_policy.c reads ctl_destroy), so
 * every frame, port and grant goes back as for any destroyed domain.  The
 * controller's pauses are dropped (the stopped vCPUs are parked anyway).
 * Returns at once: the domain disappears from getdomaininfo when the reaper
 * has freed it (a toolstack polls, as with Xen's -ERESTART loop).
 */
static long destroy_domain(struct vcpu *caller, struct domain *d)
{
    __atomic_store_n(&d->ctl_destroy, true, __ATOMIC_SEQ_CST);
    domain_log(d, LOG_INFO, "destroyed by the control domain (d%u)\n", caller->domain->domid);
    domain_shutdown(d, SHUTDOWN_poweroff);
    int n = __atomic_exchange_n(&d->ctl_pause_count, 0, __ATOMIC_SEQ_CST);
    while (n-- > 0)
        domain_unpause(d);
    return 0;
}

static long getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *vi)
{
    if (vi->vcpu >= d->nr_vcpus)
        return -EINVAL;
    struct vcpu *v = d->vcpus[vi->vcpu];
    int st = READ_ONCE(v->state);
    vi->online = st != VCPU_OFFLINE && !vcpu_down(v);
    vi->blocked = st == VCPU_BLOCKED;
    vi->running = sched_vcpu_running(v);
    vi->pad = 0;
    vi->cpu_time = READ_ONCE(v->runtime_ns);
    vi->cpu = READ_ONCE(v->processor);
    vi->pad2 = 0;
    return 0;
}

/* One cpumap out: the mask's bytes, then zeros up to the caller's size
 * (at most 512 bytes are written: 4096 CPUs, far above RV_MAX_CPUS). */
static int put_cpumap(struct vcpu *caller, const struct xenctl_bitmap *map, uint64_t mask)
{
    uint32_t bytes = (uint32_t)(((uint64_t)map->nr_bits + 7) / 8);
    if (bytes > 512)
        bytes = 512;
    for (uint32_t i = 0; i < bytes; i++) {
        uint8_t b = i < 8 ? (uint8_t)(mask >> (8 * i)) : 0;
        if (copy_to_guest(caller, map->bitmap + i, &b, 1))
            return -EFAULT;
    }
    return 0;
}

static long getvcpuaffinity(struct vcpu *caller, struct domain *d, struct xen_domctl_vcpuaffinity *va)
{
    if (va->vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (!(va->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -EINVAL;
    uint64_t hard = READ_ONCE(d->vcpus[va->vcpu]->affinity);
    int rc = 0;
    if (va->flags & XEN_VCPUAFFINITY_HARD)
        rc = put_cpumap(caller, &va->cpumap_hard, hard);
    /* No soft affinity here: every CPU (Xen's default). */
    if (!rc && (va->flags & XEN_VCPUAFFINITY_SOFT))
        rc = put_cpumap(caller, &va->cpumap_soft, ~0ull);
    return rc;
}

/* One cpumap in: the first 8 bytes (RV_MAX_CPUS <= 64); bits past nr_bits
 * are not read, bits for CPUs that do not exist are dropped by the caller. */
static int get_cpumap(struct vcpu *caller, const struct xenctl_bitmap *map, uint64_t *mask)
{
    uint32_t bytes = (uint32_t)(((uint64_t)map->nr_bits + 7) / 8);
    *mask = 0;
    for (uint32_t i = 0; i < bytes && i < 8; i++) {
        uint8_t b;
        if (copy_from_guest(caller, &b, map->bitmap + i, 1))
            return -EFAULT;
        if (map->nr_bits < 8 * (i + 1))
            b &= (uint8_t)((1u << (map->nr_bits - 8 * i)) - 1);
        *mask |= (uint64_t)b << (8 * i);
    }
    return 0;
}

/* setvcpuaffinity (xl vcpu-pin): the hard mask is what the scheduler
 * obeys (core/sched.c moves the vCPU at its CPU's next pass); a soft mask is
 * accepted and has no effect (no soft affinity here: every CPU, reported
 * back as such).  As Xen, the effective masks are written back, and a hard
 * mask without an online CPU is -EINVAL. */
static long setvcpuaffinity(struct vcpu *caller, struct domain *d, struct xen_domctl_vcpuaffinity *va)
{
    if (va->vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (!(va->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)) ||
        (va->flags & ~(XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT | XEN_VCPUAFFINITY_FORCE)))
        return -EINVAL;
    struct vcpu *t = d->vcpus[va->vcpu];
    int rc;
    if (va->flags & XEN_VCPUAFFINITY_HARD) {
        uint64_t mask;
        rc = get_cpumap(caller, &va->cpumap_hard, &mask);
        if (rc)
            return rc;
        if (sched_set_affinity(t, mask))
            return -EINVAL;
        domain_log(d, LOG_INFO, "v%u hard affinity %#lx (d%u)\n", va->vcpu, (unsigned long)mask,
                   caller->domain->domid);
        rc = put_cpumap(caller, &va->cpumap_hard, READ_ONCE(t->affinity));
        if (rc)
            return rc;
    }
    if (va->flags & XEN_VCPUAFFINITY_SOFT)
        return put_cpumap(caller, &va->cpumap_soft, ~0ull);
    return 0;
}

long domctl(struct vcpu *v, uint64_t arg)
{
    struct xen_domctl op;
    long rc;

    if (!domain_is_privileged(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;

    if (op.cmd == XEN_DOMCTL_getdomaininfo) {
        struct domain *d = domctl_first_domain_from(op.domain);
        if (!d)
            return -ESRCH;
        domctl_fill_info(d, &op.u.getdomaininfo);
        op.domain = d->domid;
        domain_put(d);
        return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
    }

    if (op.cmd == XEN_DOMCTL_createdomain) {
        rc = domctl_createdomain(v, &op);
        if (!rc && copy_to_guest(v, arg, &op, sizeof(op)))
            rc = -EFAULT;       /* the domain exists, paused: the caller cannot learn its id (Xen's case too) */
        return rc;
    }

    bool write_back = false, kick_reaper = false;
    struct domain *d = domain_get_any(op.domain);
    if (!d)
        return -ESRCH;
    bool self = d == v->domain;
    bool live = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_RUNNING;
    switch (op.cmd) {
    case XEN_DOMCTL_pausedomain:
        rc = self ? -EINVAL : !live ? -EINVAL : pause_domain(d);
        break;
    case XEN_DOMCTL_unpausedomain:
        rc = self ? -EINVAL : !live ? -EINVAL : unpause_domain(d);
        break;
    case XEN_DOMCTL_destroydomain:
        /* A domain already stopping is on its way (0).  A shut-down one
         * that is kept (built by the toolstack, or on_* = "preserve") is
         * marked and left to the reaper, raised once this domctl has let
         * go of it (below). */
        if (self)
            rc = -EINVAL;
        else if (live)
            rc = destroy_domain(v, d);
        else {
            if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_PRESERVED &&
                !__atomic_exchange_n(&d->ctl_destroy, true, __ATOMIC_SEQ_CST)) {
                domain_log(d, LOG_INFO, "destroyed by the control domain (d%u) after its shutdown\n",
                           v->domain->domid);
                kick_reaper = true;
            }
            rc = 0;
        }
        break;
    case XEN_DOMCTL_max_mem: {
        /* Below tot_pages is allowed (the guest balloons down to it);
         * the limit is counted in pages. */
        uint64_t pages = op.u.max_mem.max_memkb >> 2;
        uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
        d->max_pages = pages;
        spin_unlock_irqrestore(&d->xen_pages_lock, f);
        rc = 0;
        break;
    }
    case XEN_DOMCTL_max_vcpus:
        /* vCPUs are created with the domain: only the same number is
         * accepted once it exists (Xen refuses a change after creation). */
        rc = op.u.max_vcpus.max == d->nr_vcpus ? 0 : -EINVAL;
        break;
    case XEN_DOMCTL_getvcpuinfo:
        rc = getvcpuinfo(d, &op.u.getvcpuinfo);
        write_back = !rc;
        break;
    case XEN_DOMCTL_getvcpuaffinity:
        rc = getvcpuaffinity(v, d, &op.u.vcpuaffinity);
        break;
    case XEN_DOMCTL_sethvmcontext:
        rc = self ? -EINVAL : !live ? -EINVAL : domctl_sethvmcontext(v, d, &op.u.hvmcontext);
        break;
    case XEN_DOMCTL_setvcpucontext:
        rc = self ? -EINVAL : !live ? -EINVAL : domctl_setvcpucontext(v, d, &op.u.vcpucontext);
        break;
    case XEN_DOMCTL_hypercall_init:
        rc = self ? -EINVAL : !live ? -EINVAL : domctl_hypercall_init(d, op.u.hypercall_init.gmfn);
        break;
    case XEN_DOMCTL_set_address_size:
        rc = self ? -EINVAL : !live ? -EINVAL : domctl_set_address_size(d, op.u.address_size.size);
        break;
    case XEN_DOMCTL_get_address_size:
        rc = domctl_get_address_size(d, &op.u.address_size.size);
        write_back = !rc;
        break;
    case XEN_DOMCTL_setvcpuaffinity:
        rc = !live ? -EINVAL : setvcpuaffinity(v, d, &op.u.vcpuaffinity);
        break;
    case XEN_DOMCTL_shadow_op:
        rc = self ? -EINVAL : logdirty_domctl(v, d, &op.u.shadow_op);
        write_back = !rc;
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    domain_put(d);
    if (kick_reaper)
        cpu_raise_softirq(0, SOFTIRQ_REAP);     /* after the put: the reaper takes only unheld domains */
    if (write_back && copy_to_guest(v, arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
