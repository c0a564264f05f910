/*
 * What a PV kernel needs to print and keep time (docs/pv.md "Console, time
 * and vcpu_info"): the PV console ring connected to the hypervisor's back
 * end (core/pvconsole.c), vcpu_info moved to a page of the guest's own
 * (VCPUOP_register_vcpu_info, machine frame for PV), the runstate area by
 * guest virtual address, and the memory_op answers Xen gives a PV domU
 * (memory map, maximum_ram_page, maximum_gpfn).  The pvclock record and
 * the wall clock are the kind-neutral ones (core/time_info.c): a PV
 * kernel reads the host TSC itself (RDTSC in ring 3, no offset: the
 * domain's system time is the host TSC scaled), which is what the record
 * it gets describes.
 *
 * Frames the hypervisor writes through its direct map while the guest may
 * retype them (the console ring, a registered vcpu_info) are held with a
 * general and a writable type reference, as Xen holds them, so that they
 * can never become page tables or descriptor frames meanwhile (the
 * hypervisor's writes would then change the guest's page tables behind
 * the validation).  The references go at teardown (pv_time_teardown).
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/guest_access.h"
#include "core/pvconsole.h"
#include "core/time_info.h"
#include "evtchn/evtchn.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "public/memory.h"
#include "public/vcpu.h"

#define E820_RAM 1

/* ---- PV console ----------------------------------------------------------- */

int pv_console_setup(struct domain *d, char *err, size_t errlen)
{
    struct pv_domain *pd = d->kind_priv;
    uint64_t mfn = pd->p2m[pd->pfn_console];

    /* The builder's frame, still untyped or writable (its L1 entry maps
     * it writable): held writable from now on, whatever the guest maps. */
    if (pgt_get_top(&pd->env, d->domid, mfn, FRAME_TYPE_WRITABLE, 0)) {
        fmt_snprintf(err, errlen, "cannot hold the console frame %#lx writable", (unsigned long)mfn);
        return -EINVAL;
    }
    pd->con_mfn = mfn;
    int port = pvconsole_create_mfn(d, mfn);
    if (port < 0) {
        fmt_snprintf(err, errlen, "cannot set up the PV console (%d)", port);
        return port;        /* the frame reference goes with the domain (pv_time_teardown) */
    }
    struct start_info *si = phys_to_virt(pd->p2m[pd->pfn_start_info] << 12);
    if (pd->compat)
        pv32_start_info_console(si, (uint32_t)port);    /* the x86_32 layout's field */
    else
        si->console.domU.evtchn = (uint32_t)port;
    domain_log(d, LOG_INFO, "pv: console ring mfn %#lx, event channel %d\n", (unsigned long)mfn, port);
    return 0;
}

/* ---- vcpu_info and the runstate area ------------------------------------- */

/*
 * VCPUOP_register_vcpu_info for a PV vCPU: 'mfn' is a machine frame (the
 * guest's pfn through its p2m).  As Xen: the frame must be the domain's and
 * able to take a writable type (not a page table or descriptor frame now),
 * which it keeps until the domain dies; once per vCPU; on the calling vCPU
 * itself or one that is not up.  The record moves with its contents, then
 * is marked all-pending so that an event that raced with the move is seen.
 */
static long register_vcpu_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct pv_vcpu *tpv = t->vendor;
    struct vcpu_register_vcpu_info r;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.offset > 4096 - sizeof(struct vcpu_info) || (r.offset & 7))
        return -EINVAL;
    if (t != v && __atomic_load_n(&tpv->online, __ATOMIC_ACQUIRE))
        return -EINVAL;                 /* another vCPU only while it is down */
    /* Once only: claimed by one compare-and-exchange, so two vCPUs
     * registering for the same (down) vCPU cannot both take a frame
     * reference (one would leak).  Teardown drops what vcpu_info_gfn names. */
    uint64_t none = ~0ull;
    if (!__atomic_compare_exchange_n(&t->vcpu_info_gfn, &none, r.mfn, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return -EINVAL;
    if (pv_mmu_get_writable(v, r.mfn)) {
        __atomic_store_n(&t->vcpu_info_gfn, ~0ull, __ATOMIC_RELEASE);
        return -EINVAL;                 /* not the domain's, or a table/descriptor frame now */
    }
    struct vcpu_info *ni = (struct vcpu_info *)((char *)phys_to_virt(r.mfn << 12) + r.offset);
    memcpy(ni, t->vcpu_info, sizeof(*ni));
    __atomic_store_n(&t->vcpu_info, ni, __ATOMIC_RELEASE);
    time_info_update_vcpu(t);
    __atomic_store_n(&ni->evtchn_pending_sel, ~0ull, __ATOMIC_RELEASE);
    if (!__atomic_exchange_n(&ni->evtchn_upcall_pending, 1, __ATOMIC_ACQ_REL))
        evtchn_arch_upcall(t);
    return 0;
}

/*
 * VCPUOP_register_runstate_memory_area for a PV vCPU: a guest virtual
 * address, kept as such (vcpu.runstate_gpa holds it for PV) and written
 * through the kernel's page tables at every update (core/time_info.c), as
 * Xen does, so the area follows the guest's mappings.  Refused (-EFAULT,
 * Xen's answer to a pointer outside the guest's range) when non-canonical
 * or in the hypervisor's range; an address not mapped now is accepted and
 * simply not written until it is.  0 unregisters.
 */
static long register_runstate(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area a;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    uint64_t last = a.addr + sizeof(struct vcpu_runstate_info) - 1;
    if (a.addr && (last < a.addr || !pv_canonical(a.addr) || !pv_canonical(last) ||   /* no wrap past 2^64 */
                   (a.addr + sizeof(struct vcpu_runstate_info) > HYPERVISOR_VIRT_START &&
                    a.addr < HYPERVISOR_VIRT_END)))
        return -EFAULT;
    return time_info_register_runstate(v, t, a.addr);
}

bool pv_time_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret)
{
    if (v->domain->type != DOMCFG_PV)
        return false;
    switch (cmd) {
    case VCPUOP_register_vcpu_info:
        *ret = register_vcpu_info(v, t, arg);
        return true;
    case VCPUOP_register_runstate_memory_area:
        *ret = register_runstate(v, t, arg);
        return true;
    case VCPUOP_register_vcpu_time_memory_area:    /* pvlinux: pv_vtime.c */
        *ret = pv_register_time_area(v, t, arg);
        return true;
    default:
        return false;       /* timers, get_runstate_info: kind-neutral (core/vcpu_op.c) */
    }
}

/* ---- memory_op ------------------------------------------------------------- */

/* XENMEM_memory_map: what libxl gives a PV domU (xc_domain_set_memmap_limit
 * with max_memkb and no slack): one RAM entry from 0 to the domain's
 * maximum.  Like Xen, a shorter buffer gets the first entries. */
static long memory_map(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_memory_map m;
    uint8_t rec[20];        /* the packed e820 record: addr, size, type */
    uint64_t addr = 0, size = d->max_pages << 12;
    uint32_t type = E820_RAM;

    if (copy_from_guest(v, &m, arg, sizeof(m)))
        return -EFAULT;
    m.nr_entries = MIN(m.nr_entries, 1u);
    memcpy(rec, &addr, 8);
    memcpy(rec + 8, &size, 8);
    memcpy(rec + 16, &type, 4);
    if (m.nr_entries && copy_to_guest(v, m.buffer, rec, sizeof(rec)))
        return -EFAULT;
    return copy_to_guest(v, arg, &m, sizeof(m)) ? -EFAULT : 0;
}

bool pv_time_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    struct domain *d = v->domain;
    uint16_t domid;

    switch (cmd) {
    case XENMEM_memory_map:
        *ret = memory_map(v, arg);
        return true;
    case XENMEM_maximum_ram_page: {
        /* Xen: the host's highest frame + 1, for any caller. */
        uint64_t n;
        mm_frame_table(&n);
        *ret = (long)n;
        return true;
    }
    case XENMEM_maximum_gpfn:
        /* A PV guest states its own size in shared_info (arch.max_pfn,
         * Linux writes it); Xen answers that minus 1, at least 0. */
        if (copy_from_guest(v, &domid, arg, sizeof(domid))) {
            *ret = -EFAULT;
        } else if (!domain_is_self(d, domid)) {
            *ret = -EPERM;
        } else {
            uint64_t max = READ_ONCE(d->shared_info->arch.max_pfn);
            *ret = (long)((max ? max : 1) - 1);
        }
        return true;
    default:
        return false;       /* current/maximum_reservation: core/memory_op.c (tot_pages, max_pages) */
    }
}

/* ---- teardown ---------------------------------------------------------------- */

void pv_time_teardown(struct domain *d)
{
    struct pv_domain *pd = d->kind_priv;

    /* No vCPU runs and the console back end is gone (domain_destroy):
     * nobody writes these frames through the hypervisor any more.  The
     * vCPUs point back at their legacy records, which live as long as the
     * domain structure. */
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || v->vcpu_info_gfn == ~0ull)
            continue;
        __atomic_store_n(&v->vcpu_info, i < XEN_LEGACY_MAX_VCPUS ? &d->shared_info->vcpu_info[i] : v->vcpu_info_spare,
                         __ATOMIC_RELEASE);
        pgt_put_top(&pd->env, v->vcpu_info_gfn);
        v->vcpu_info_gfn = ~0ull;
    }
    if (pd->con_mfn) {
        pgt_put_top(&pd->env, pd->con_mfn);
        pd->con_mfn = 0;
    }
}
