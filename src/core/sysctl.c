/*
 * sysctl (hypercall 35): host-wide queries for the toolstack in the initial
 * domain (docs/toolstack.md "domctl and sysctl").  Xen 4.17's numbers and
 * layouts (public/sysctl.h, interface version 0x15).  Checks in the same
 * order as domctl: privilege (-EPERM, nothing read), the structure, the
 * interface version (-EACCES).
 */
#include "core/domctl.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "core/keyhandler.h"
#include "core/percpu.h"
#include "arch/x86/time.h"
#include "core/virt_caps.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/sysctl.h"

/* readconsole's "clear": the position below which a non-incremental read
 * does not go.  Racy updates only move it (any value read is a valid
 * position). */
static uint64_t console_cleared;    /* (a) */

/*
 * The hypervisor's console ring (core/console.c keeps the last 64 KiB of
 * everything logged, printed or not), for `rv dmesg`.  Positions are byte
 * counts since boot; the 32-bit index the caller sees is their low half
 * (the full one is rebuilt relative to the newest byte, so it wraps as
 * Xen's does).
 */
static long readconsole(struct vcpu *v, struct xen_sysctl_readconsole *rc)
{
    uint64_t head = console_ring_bytes();
    uint64_t pos = rc->incremental ? head - (uint32_t)((uint32_t)head - rc->index)
                                   : __atomic_load_n(&console_cleared, __ATOMIC_ACQUIRE);
    uint32_t room = rc->count, done = 0;
    char chunk[256];

    while (done < room) {
        size_t n = console_ring_read(&pos, chunk, MIN((size_t)(room - done), sizeof(chunk)));
        if (!n)
            break;
        if (copy_to_guest(v, rc->buffer + done, chunk, n))
            return -EFAULT;
        done += (uint32_t)n;
    }
    if (rc->clear)
        __atomic_store_n(&console_cleared, console_ring_bytes(), __ATOMIC_RELEASE);
    rc->count = done;
    rc->index = (uint32_t)pos;
    return 0;
}

static long physinfo(struct xen_sysctl_physinfo *pi)
{
    uint64_t nr_frames;
    unsigned max_cpu = 0;

    memset(pi, 0, sizeof(*pi));
    for (unsigned i = 0; i < RV_MAX_CPUS; i++)
        if (percpu_of[i])
            max_cpu = i;
    /* No topology is read from CPUID: every CPU a core of one socket. */
    pi->nr_cpus = READ_ONCE(nr_cpus_online);
    pi->threads_per_core = 1;
    pi->cores_per_socket = pi->nr_cpus;
    pi->max_cpu_id = max_cpu;
    pi->nr_nodes = 1;
    pi->max_node_id = 0;
    pi->cpu_khz = (uint32_t)tsc_khz();
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
    if (virt_caps()->hvm)
        pi->capabilities |= XEN_SYSCTL_PHYSCAP_hvm | (virt_caps()->hap ? XEN_SYSCTL_PHYSCAP_hap : 0) |
                            (virt_caps()->shadow ? XEN_SYSCTL_PHYSCAP_shadow : 0);
    pi->total_pages = mm_total_frames();
    pi->free_pages = mm_free_frames();
    mm_frame_table(&nr_frames);
    pi->max_mfn = nr_frames ? nr_frames - 1 : 0;
    return 0;
}

/* Records of the domains with ids >= first_domain, lowest first, up to
 * max_domains of them. */
static long getdomaininfolist(struct vcpu *v, struct xen_sysctl_getdomaininfolist *l)
{
    uint32_t n = 0;
    uint32_t from = l->first_domain;

    while (n < l->max_domains && from <= 0xffff) {
        struct domain *d = domctl_first_domain_from((uint16_t)from);
        if (!d)
            break;
        struct xen_domctl_getdomaininfo info;
        domctl_fill_info(d, &info);
        from = d->domid + 1u;
        domain_put(d);
        if (copy_to_guest(v, l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
            return -EFAULT;
        n++;
    }
    l->num_domains = n;
    return 0;
}

/* Xen bounds nothing here; 64 keys is more than every key there is, and a
 * bound keeps one call's console output (and time in the hypervisor) finite. */
#define DEBUG_KEYS_MAX 64

/* The serial console's debug keys, run in the caller's hypercall as if typed
 * (`rv debug-keys`, `xl debug-keys`): the dumps go to the console ring, which
 * `rv dmesg` reads back.  All keys are read before any runs. */
static long debug_keys(struct vcpu *v, const struct xen_sysctl_debug_keys *dk)
{
    char keys[DEBUG_KEYS_MAX];

    if (dk->nr_keys > DEBUG_KEYS_MAX)
        return -E2BIG;
    if (copy_from_guest(v, keys, dk->keys, dk->nr_keys))
        return -EFAULT;
    for (uint32_t i = 0; i < dk->nr_keys; i++)
        keyhandler_run(keys[i]);
    return 0;
}

long sysctl(struct vcpu *v, uint64_t arg)
{
    struct xen_sysctl op;
    long rc;

    if (!domain_is_privileged(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    switch (op.cmd) {
    case XEN_SYSCTL_readconsole:
        rc = readconsole(v, &op.u.readconsole);
        break;
    case XEN_SYSCTL_physinfo:
        rc = physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_getdomaininfolist:
        rc = getdomaininfolist(v, &op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_debug_keys:
        rc = debug_keys(v, &op.u.debug_keys);
        break;
    default:
        return -ENOSYS;
    }
    if (!rc && copy_to_guest(v, arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
