/* Fake environment of the compat-layer host tests (compat_fake.h). */
#include <stdio.h>
#include <string.h>

#include "compat_fake.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/memory_op.h"
#include "core/vcpu_op.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"
#include "lib/errno.h"
#include "pv/pv_emul.h"

struct domain fake_dom;
struct vcpu fake_vcpu;
uint8_t fake_guest[GUEST_BYTES];
struct fake_seen fake_seen;
struct fake_out fake_out;

void fake_reset(void)
{
    memset(fake_guest, 0, sizeof(fake_guest));
    memset(&fake_seen, 0, sizeof(fake_seen));
    memset(&fake_out, 0, sizeof(fake_out));
    fake_dom = (struct domain){ .domid = 1 };
    memset(&fake_vcpu, 0, sizeof(fake_vcpu));
    fake_vcpu.domain = &fake_dom;
}

void *fake_gva(uint64_t gva)
{
    return fake_guest + (gva - GUEST_BASE);
}

static int guest_copy(void *buf, uint64_t gva, size_t len, bool to_guest)
{
    if (gva < GUEST_BASE || gva - GUEST_BASE > GUEST_BYTES || len > GUEST_BYTES - (gva - GUEST_BASE))
        return -EFAULT;
    if (to_guest)
        memcpy(fake_gva(gva), buf, len);
    else
        memcpy(buf, fake_gva(gva), len);
    return 0;
}

static int copy(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest)
{
    int rc = compat_xlat_copy(v, buf, gva, len, to_guest);
    if (rc < 0)
        fake_seen.xlat_faults++;
    return rc <= 0 ? rc : guest_copy(buf, gva, len, to_guest);
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy(v, dst, gva, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy(v, (void *)src, gva, len, true);
}

static void seen(struct vcpu *v, const char *fn, unsigned cmd, uint64_t arg, uint64_t arg2, uint64_t arg3)
{
    fake_seen.fn = fn;
    fake_seen.cmd = cmd;
    fake_seen.arg = arg;
    fake_seen.arg2 = arg2;
    fake_seen.arg3 = arg3;
    fake_seen.compat = compat_active(v);
    fake_seen.calls++;
}

long memory_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "memory_op", cmd, arg, 0, 0);
    switch (cmd) {
    case XENMEM_add_to_physmap:
        return copy_from_guest(v, &fake_seen.u.atp, arg, sizeof(fake_seen.u.atp)) ? -EFAULT : fake_out.rc;
    case XENMEM_remove_from_physmap:
        return copy_from_guest(v, &fake_seen.u.rfp, arg, sizeof(fake_seen.u.rfp)) ? -EFAULT : fake_out.rc;
    case XENMEM_memory_map: {
        struct xen_memory_map *m = &fake_seen.u.mmap;
        if (copy_from_guest(v, m, arg, sizeof(*m)))
            return -EFAULT;
        if (fake_out.rc)
            return fake_out.rc;
        if (m->nr_entries < fake_out.map_entries)
            return -EINVAL;
        for (unsigned i = 0; i < fake_out.map_entries; i++) {
            uint8_t rec[20];
            memset(rec, (int)(0xa0 + i), sizeof(rec));
            if (copy_to_guest(v, m->buffer + i * 20ull, rec, sizeof(rec)))
                return -EFAULT;
        }
        struct xen_memory_map out = *m;
        out.nr_entries = fake_out.map_entries;
        return copy_to_guest(v, arg, &out, sizeof(out)) ? -EFAULT : 0;
    }
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: {
        struct xen_reservation *r = &fake_seen.u.res;
        long done = 0;
        if (copy_from_guest(v, r, arg, sizeof(*r)))
            return -EFAULT;
        uint64_t n = r->nr_extents > 512 ? 512 : r->nr_extents;     /* the native bound */
        for (; done < (long)n; done++) {
            uint64_t e;
            if (copy_from_guest(v, &e, r->extent_start + done * 8ull, 8))
                return done ? done : -EFAULT;
            fake_seen.extents[done] = e;
            if (fake_out.rewrite_extents) {
                e = fake_out.extent_value + (uint64_t)done;
                if (copy_to_guest(v, r->extent_start + done * 8ull, &e, 8))
                    return done ? done : -EFAULT;
            }
        }
        return fake_out.rc ? fake_out.rc : done;
    }
    default:
        return fake_out.rc;
    }
}

long gnttab_hypercall(struct vcpu *v, unsigned cmd, uint64_t uop, unsigned count)
{
    seen(v, "gnttab", cmd, uop, count, 0);
    if (cmd == GNTTABOP_setup_table) {
        struct gnttab_setup_table *s = &fake_seen.u.setup;
        if (count != 1)
            return -EINVAL;
        if (copy_from_guest(v, s, uop, sizeof(*s)))
            return -EFAULT;
        struct gnttab_setup_table out = *s;
        out.status = fake_out.status;
        for (uint32_t i = 0; out.status == GNTST_okay && i < s->nr_frames; i++) {
            uint64_t f = i < 8 ? fake_out.frames[i] : i;
            if (copy_to_guest(v, s->frame_list + i * 8ull, &f, 8))
                return -EFAULT;
        }
        return copy_to_guest(v, uop, &out, sizeof(out)) ? -EFAULT : 0;
    }
    if (cmd == GNTTABOP_copy) {
        if (count > 512)
            return -EINVAL;
        for (unsigned i = 0; i < count; i++) {
            struct gnttab_copy c;
            if (copy_from_guest(v, &c, uop + i * sizeof(c), sizeof(c)))
                return -EFAULT;
            if (fake_seen.ncopies < 4)
                fake_seen.u.copy[fake_seen.ncopies] = c;
            fake_seen.ncopies++;
            c.status = fake_out.status;
            if (copy_to_guest(v, uop + i * sizeof(c), &c, sizeof(c)))
                return -EFAULT;
        }
        return 0;
    }
    return fake_out.rc;
}

long vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint64_t arg)
{
    seen(v, "vcpu_op", cmd, vcpuid, arg, 0);
    switch (cmd) {
    case VCPUOP_register_runstate_memory_area:
        return copy_from_guest(v, &fake_seen.u.rsa, arg, sizeof(fake_seen.u.rsa)) ? -EFAULT : fake_out.rc;
    case VCPUOP_get_runstate_info:
        if (fake_out.rc)
            return fake_out.rc;
        return copy_to_guest(v, arg, &fake_out.runstate, sizeof(fake_out.runstate)) ? -EFAULT : 0;
    case VCPUOP_set_singleshot_timer:
        return copy_from_guest(v, &fake_seen.u.sst, arg, sizeof(fake_seen.u.sst)) ? -EFAULT : fake_out.rc;
    default:
        return fake_out.rc;
    }
}

long vcpu_set_singleshot(struct vcpu *v, uint64_t deadline_ns)
{
    seen(v, "set_timer_op", 0, deadline_ns, 0, 0);
    return fake_out.rc;
}

long sched_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "sched_op", cmd, arg, 0, 0);
    if (cmd == SCHEDOP_poll) {
        struct sched_poll *p = &fake_seen.u.poll;
        if (copy_from_guest(v, p, arg, sizeof(*p)))
            return -EFAULT;
        if (p->nr_ports > 128)
            return -EINVAL;
        unsigned n = p->nr_ports < 8 ? p->nr_ports : 8;
        if (n && copy_from_guest(v, fake_seen.ports, p->ports, n * 4))
            return -EFAULT;
    }
    return fake_out.rc;
}

long xen_version(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "xen_version", cmd, arg, 0, 0);
    return fake_out.rc;
}

long dm_op(struct vcpu *v, uint64_t domid, uint64_t nr_bufs, uint64_t bufs)
{
    seen(v, "dm_op", (unsigned)nr_bufs, domid, bufs, 0);
    return fake_out.rc;
}

long hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "hvm_op", cmd, arg, 0, 0);
    return fake_out.rc;
}

long pv_set_trap_table(struct vcpu *v, uint64_t table)
{
    seen(v, "pv_set_trap_table", 0, table, 0, 0);
    return fake_out.rc;
}

long pv_set_callbacks(struct vcpu *v, uint64_t event, uint64_t failsafe, uint64_t syscall)
{
    seen(v, "pv_set_callbacks", 0, event, failsafe, syscall);
    return fake_out.rc;
}

long pv_callback_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "pv_callback_op", cmd, arg, 0, 0);
    return fake_out.rc;
}

long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    seen(v, "pv_set_debugreg", reg, value, 0, 0);
    return fake_out.rc;
}

long pv_get_debugreg(struct vcpu *v, unsigned reg)
{
    seen(v, "pv_get_debugreg", reg, 0, 0, 0);
    return fake_out.rc;
}

long pv_vm_assist(struct vcpu *v, unsigned cmd, unsigned type)
{
    seen(v, "pv_vm_assist", cmd, type, 0, 0);
    return fake_out.rc;
}

long pv_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "pv_physdev_op", cmd, arg, 0, 0);
    if (fake_out.physdev_len) {
        if (copy_from_guest(v, fake_seen.u.raw, arg, fake_out.physdev_len))
            return -EFAULT;
        if (fake_out.rc >= 0 && copy_to_guest(v, arg, fake_out.physdev_out, fake_out.physdev_len))
            return -EFAULT;
    }
    return fake_out.rc;
}

long platform_op(struct vcpu *v, uint64_t arg)
{
    seen(v, "platform_op", 0, arg, 0, 0);
    return fake_out.rc;
}

long domctl(struct vcpu *v, uint64_t arg)
{
    seen(v, "domctl", 0, arg, 0, 0);
    return fake_out.rc;
}

long sysctl(struct vcpu *v, uint64_t arg)
{
    seen(v, "sysctl", 0, arg, 0, 0);
    return fake_out.rc;
}

long multicall(struct vcpu *v, uint64_t list, unsigned nr, bool compat)
{
    seen(v, "multicall", nr, list, compat, 0);
    return fake_out.rc;
}

long pv_stack_switch(struct vcpu *v, uint64_t ss, uint64_t sp)
{
    seen(v, "pv_stack_switch", 0, ss, sp, 0);
    return fake_out.rc;
}

long pv_fpu_taskswitch(struct vcpu *v, int set)
{
    seen(v, "pv_fpu_taskswitch", 0, (uint64_t)set, 0, 0);
    return fake_out.rc;
}

long pv_set_segment_base(struct vcpu *v, unsigned which, uint64_t base)
{
    seen(v, "pv_set_segment_base", which, base, 0, 0);
    return fake_out.rc;
}

long console_io(struct vcpu *v, unsigned cmd, uint64_t count, uint64_t buf)
{
    seen(v, "console_io", cmd, count, buf, 0);
    return fake_out.rc;
}

long evtchn_hypercall(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    seen(v, "evtchn", cmd, arg, 0, 0);
    return fake_out.rc;
}

uint32_t hvm_hypervisor_version(void)
{
    return 0x40013;
}
