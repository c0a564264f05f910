/*
 * Hypercalls from HVM guests, with Xen's numbers and argument conventions
 * (Xen public headers: xen.h, sched.h, version.h), and the hypercall page.
 * Every argument is guest-controlled: pointers are only followed through
 * hvm_copy_*_guest, and lengths are bounded.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/sched.h"
#include "core/console.h"
#include "arch/x86/time.h"
#include "lib/errno.h"
#include "lib/string.h"

#include "public/xen.h"
#include "public/sched.h"
#include "public/version.h"
#include "public/features.h"
#include "core/guest_access.h"
#include "core/memory_op.h"
#include "core/vcpu_op.h"
#include "core/timer.h"
#include "core/watchdog.h"
#include "hvm/hvm_op.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"


uint32_t hvm_hypervisor_version(void);

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
    return 0;
}

static long console_write(struct vcpu *v, uint64_t count, uint64_t buf)
{
    char chunk[128];
    uint64_t done = 0;

    /* Bounded per call; the guest sees how much was written. */
    if (count > 4096)
        count = 4096;
    while (done < count) {
        size_t n = MIN(sizeof(chunk), count - done);
        if (hvm_copy_from_guest(v, chunk, buf + done, n))
            return done ? (long)done : -EFAULT;
        uint64_t f = spin_lock_irqsave(&v->domain->uart_lock);
        for (size_t i = 0; i < n; i++)
            vuart_putc(v->domain, chunk[i]);
        spin_unlock_irqrestore(&v->domain->uart_lock, f);
        done += n;
    }
    return (long)done;
}

/* xen_version: what a guest kernel asks while it sets itself up. */
static long xen_version(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return (long)hvm_hypervisor_version();
    case XENVER_extraversion: {
        char extra[16] = ".0-rv";
        return copy_to_guest(v, arg, extra, sizeof(extra)) ? -EFAULT : 0;
    }
    case XENVER_capabilities: {
        char caps[1024] = "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
        return copy_to_guest(v, arg, caps, sizeof(caps)) ? -EFAULT : 0;
    }
    case XENVER_changeset: {
        char cs[64] = "ringvisor";
        return copy_to_guest(v, arg, cs, sizeof(cs)) ? -EFAULT : 0;
    }
    case XENVER_platform_parameters: {
        uint64_t virt_start = 0xffff800000000000ull;    /* where the hypervisor hole starts */
        return copy_to_guest(v, arg, &virt_start, sizeof(virt_start)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
            return -EINVAL;
        /* HVM and PVH: physical addresses are the guest's own, upcalls by
         * vector, and the PV clock is safe to use under HVM. */
        fi.submap = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return 4096;
    case XENVER_guest_handle: {
        /* Ringvisor's handle (no toolstack gives a UUID): domid, then how
         * many times the domain was restarted (docs/hypercalls.md). */
        uint8_t handle[16] = { 0 };
        handle[0] = (uint8_t)v->domain->domid;
        handle[1] = (uint8_t)(v->domain->domid >> 8);
        handle[2] = (uint8_t)v->domain->restarts;
        handle[3] = (uint8_t)(v->domain->restarts >> 8);
        return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
    case XENVER_build_id:
        return -EPERM;      /* the control domain's business */
    default:
        return -ENOSYS;
    }
}

static void poll_timeout(void *data)
{
    evtchn_arch_wake_poller(data);
}

#define POLL_MAX_PORTS 128

/* SCHEDOP_poll: return at once if one of the ports is pending, else block
 * until an event of the domain or the timeout wakes the vCPU (the guest
 * re-checks its ports, as it must anyway). */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t ports[POLL_MAX_PORTS];

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_guest(v, ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);     /* as for SCHEDOP_block */
    __atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
    /* Checked after 'polling' is visible: an event arriving in between
     * either is seen here or wakes us. */
    for (unsigned i = 0; i < p.nr_ports; i++) {
        int rc = evtchn_port_pending(v->domain, ports[i]);
        if (rc) {
            __atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
            return rc < 0 ? rc : 0;
        }
    }
    if (p.timeout) {
        if (!v->poll_timer.fn)
            timer_init(&v->poll_timer, poll_timeout, v, v->processor);
        timer_set(&v->poll_timer, vcpu_host_deadline(p.timeout));
    }
    sched_block(v);
    return 0;
}

static long sched_op(struct vcpu *v, uint64_t cmd, uint64_t arg, bool wide)
{
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield(v);
        return 0;
    case SCHEDOP_block:
        /* Wait for what happens from now on: a wake recorded earlier (an
         * interrupt kick while the vCPU ran) is not an event.  Cleared
         * before the checks, so a wake racing with them still counts. */
        __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);
        /* An event already waiting, or the single-shot timer already fired
         * (guests without a bound VIRQ_TIMER block on it): no wait. */
        if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE) ||
            __atomic_exchange_n(&v->timer_fired, false, __ATOMIC_SEQ_CST))
            return 0;
        sched_block(v);
        return 0;
    case SCHEDOP_poll:
        /* The 32-bit layout of struct sched_poll differs (4-byte handle). */
        return wide ? sched_poll(v, arg) : -ENOSYS;
    case SCHEDOP_shutdown: {
        uint32_t reason;
        if (hvm_copy_from_guest(v, &reason, arg, sizeof(reason)))
            return -EFAULT;
        if (reason > SHUTDOWN_watchdog)
            return -EINVAL;
        domain_shutdown(v->domain, (int)reason);
        return 0;
    }
    case SCHEDOP_watchdog:
        return sched_watchdog_op(v, arg);
    default:
        return -ENOSYS;
    }
}

bool hvm_hypercall(struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    bool wide = hvm_guest_long_mode(v);
    uint64_t nr = wide ? r->rax : (uint32_t)r->rax;
    /* 64-bit: RDI RSI RDX R10 R8; 32-bit: EBX ECX EDX ESI EDI. */
    uint64_t a1 = wide ? r->rdi : (uint32_t)r->rbx;
    uint64_t a2 = wide ? r->rsi : (uint32_t)r->rcx;
    uint64_t a3 = wide ? r->rdx : (uint32_t)r->rdx;
    long ret;

    struct hvm_ctrl c;
    hvm_vendor->get_ctrl(v, &c);
    if (c.cpl != 0 || v->domain->hide_hypervisor_cpuid) {
        /* Only the guest kernel may call the hypervisor; to a domain that
         * was told there is none, the instruction does not exist. */
        hvm_inject_ud(v);
        return false;
    }
    switch (nr) {
    case __HYPERVISOR_console_io:
        ret = a1 == CONSOLEIO_write ? console_write(v, a2, a3) : -ENOSYS;
        break;
    case __HYPERVISOR_sched_op:
        ret = sched_op(v, a1, a2, wide);
        break;
    case __HYPERVISOR_xen_version:
        ret = xen_version(v, (unsigned)a1, a2);
        break;
    case __HYPERVISOR_set_timer_op:
        /* 32-bit callers pass the 64-bit deadline in EBX (low) and ECX (high). */
        ret = vcpu_set_singleshot(v, wide ? a1 : (a1 | (a2 << 32)));
        break;
    case __HYPERVISOR_memory_op:
        ret = wide ? memory_op(v, (unsigned)a1, a2) : -ENOSYS;
        break;
    case __HYPERVISOR_hvm_op:
        ret = hvm_op(v, (unsigned)a1, a2);
        break;
    case __HYPERVISOR_vcpu_op:
        ret = vcpu_op(v, (unsigned)a1, (unsigned)a2, a3);
        break;
    case __HYPERVISOR_event_channel_op:
        ret = evtchn_hypercall(v, (unsigned)a1, a2);
        break;
    case __HYPERVISOR_grant_table_op:
        /* The 32-bit layouts of setup_table and copy differ: 64-bit callers only. */
        ret = wide ? gnttab_hypercall(v, (unsigned)a1, a2, (unsigned)a3) : -ENOSYS;
        break;
    default:
        ret = -ENOSYS;
        break;
    }
    r->rax = wide ? (uint64_t)ret : (uint32_t)ret;
    return true;
}
