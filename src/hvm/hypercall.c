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

static void guest_timer_fired(void *data)
{
    sched_wake(data);
}

static long set_timer_op(struct vcpu *v, uint64_t deadline_ns)
{
    if (!v->guest_timer.fn)
        timer_init(&v->guest_timer, guest_timer_fired, v, v->processor);
    timer_stop(&v->guest_timer);
    v->guest_timer_deadline = deadline_ns;
    if (deadline_ns) {
        uint64_t host = guest_ns_to_host_ns(deadline_ns);   /* tsc_offset is 0 for now */
        /* One extra microsecond so rounding between the guest's kHz-based
         * clock and ours never wakes it before its own deadline. */
        timer_set(&v->guest_timer, MAX(host, now_ns()) + 1000);
    }
    return 0;
}

static long sched_op(struct vcpu *v, uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield(v);
        return 0;
    case SCHEDOP_block:
        sched_block(v);
        return 0;
    case SCHEDOP_shutdown: {
        uint32_t reason;
        if (hvm_copy_from_guest(v, &reason, arg, sizeof(reason)))
            return -EFAULT;
        if (reason > SHUTDOWN_watchdog)
            return -EINVAL;
        domain_shutdown(v->domain, (int)reason);
        return 0;
    }
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
        ret = sched_op(v, a1, a2);
        break;
    case __HYPERVISOR_xen_version:
        ret = a1 == XENVER_version ? (long)hvm_hypervisor_version() : -ENOSYS;
        break;
    case __HYPERVISOR_set_timer_op:
        /* 32-bit callers pass the 64-bit deadline in EBX (low) and ECX (high). */
        ret = set_timer_op(v, wide ? a1 : (a1 | (a2 << 32)));
        break;
    default:
        ret = -ENOSYS;
        break;
    }
    r->rax = wide ? (uint64_t)ret : (uint32_t)ret;
    return true;
}
