/*
 * Host unit test of the hypercall table (src/core/hypercall.c) and the
 * compat translation layer (src/core/compat/): each 32-bit structure is
 * read, converted to the native layout the (fake) handler sees, and the
 * results come back in the 32-bit layout; bad pointers, counts and sizes
 * get the errors the native handlers give.  Fake environment:
 * compat_stubs/compat_fake.h.
 */
#include "test.h"
#include "compat_fake.h"
#include "core/compat/compat.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "lib/errno.h"
#include "public/xen.h"
#include "public/version.h"

#define G(off) (GUEST_BASE + (off))     /* a guest address */

static long call32(unsigned nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    uint64_t a[HYPERCALL_NR_ARGS] = { a1, a2, a3, 0, 0 };
    long rc = hypercall_call(&fake_vcpu, nr, a, true);
    CHECK(!fake_vcpu.compat.active);    /* the area answers only during the call */
    return rc;
}

static long call64(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    uint64_t a[HYPERCALL_NR_ARGS] = { a1, a2, a3, 0, 0 };
    return hypercall_call(&fake_vcpu, nr, a, false);
}

static void put(uint64_t gva, const void *p, size_t n) { memcpy(fake_gva(gva), p, n); }
static void get(void *p, uint64_t gva, size_t n) { memcpy(p, fake_gva(gva), n); }

static void test_table(void)
{
    fake_reset();
    CHECK_EQ(call64(__HYPERVISOR_nmi_op, 0, 0, 0), -ENOSYS);    /* no handler */
    CHECK_EQ(call32(1000, 0, 0, 0), -ENOSYS);       /* beyond the table */
    CHECK(fake_seen.calls == 0);
    /* Same-layout calls go to the native handler, arguments zero-extended. */
    fake_out.rc = 7;
    CHECK_EQ(call32(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0xfffff000u, 0), 7);
    CHECK_STR(fake_seen.fn, "evtchn");
    CHECK_EQ(fake_seen.arg, 0xfffff000u);
    CHECK(fake_seen.compat);
    CHECK_EQ(call64(__HYPERVISOR_hvm_op, HVMOP_get_param, 0x123456789ull, 0), 7);
    CHECK_STR(fake_seen.fn, "hvm_op");
    CHECK_EQ(fake_seen.arg, 0x123456789ull);
    CHECK(!fake_seen.compat);
    /* dm_op (hvm/ioreq.c): domid truncated to domid_t, the buffer list as passed. */
    CHECK_EQ(call64(__HYPERVISOR_dm_op, 0x10005, 2, 0xffff800000001000ull), 7);
    CHECK_STR(fake_seen.fn, "dm_op");
    CHECK_EQ(fake_seen.arg, 5);
    CHECK_EQ(fake_seen.cmd, 2);
    CHECK_EQ(fake_seen.arg2, 0xffff800000001000ull);
    CHECK_EQ(call32(__HYPERVISOR_console_io, CONSOLEIO_write, 5, 0x8000), 7);
    CHECK_EQ(fake_seen.arg, 5);
    CHECK_EQ(fake_seen.arg2, 0x8000);
    /* set_timer_op: 64-bit deadline in ebx (low) and ecx (high). */
    fake_out.rc = 0;
    CHECK_EQ(call32(__HYPERVISOR_set_timer_op, 0x89abcdefu, 0x01234567u, 0), 0);
    CHECK_EQ(fake_seen.arg, 0x0123456789abcdefull);
    CHECK_EQ(call64(__HYPERVISOR_set_timer_op, 0x0123456789abcdefull, 0xdead, 0), 0);
    CHECK_EQ(fake_seen.arg, 0x0123456789abcdefull);
    /* A 64-bit caller cannot reach the area, even by naming it. */
    uint8_t b[8];
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA, 8, false), 1);
}

static void test_xlat_bounds(void)
{
    uint8_t b[16] = { 0 };
    fake_reset();
    fake_vcpu.compat.active = true;
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, G(0), 8, false), 1);                  /* guest address */
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA, 16, true), 0);
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA + COMPAT_XLAT_BYTES - 8, 8, false), 0);
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA + COMPAT_XLAT_BYTES - 8, 9, false), -EFAULT);
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA + COMPAT_XLAT_BYTES, 1, false), -EFAULT);
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA + 0xffffffffull, 2, false), -EFAULT);
    CHECK_EQ(compat_xlat_copy(&fake_vcpu, b, COMPAT_XLAT_VA - 1, 2, false), 1);
    fake_vcpu.compat.active = false;
}

static void test_add_to_physmap(void)
{
    struct compat_add_to_physmap c = { .domid = DOMID_SELF, .size = 3, .space = XENMAPSPACE_grant_table,
                                       .idx = 0x80000002u, .gpfn = 0xfffffu };
    fake_reset();
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, G(0x100), 0), 0);
    CHECK_STR(fake_seen.fn, "memory_op");
    CHECK_EQ(fake_seen.arg, COMPAT_XLAT_VA);
    CHECK_EQ(fake_seen.u.atp.domid, DOMID_SELF);
    CHECK_EQ(fake_seen.u.atp.size, 3);
    CHECK_EQ(fake_seen.u.atp.space, XENMAPSPACE_grant_table);
    CHECK_EQ(fake_seen.u.atp.idx, 0x80000002u);     /* status-frame bit kept, zero-extended */
    CHECK_EQ(fake_seen.u.atp.gpfn, 0xfffffu);
    /* The handler's error goes back as is. */
    fake_out.rc = -EBUSY;
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, G(0x100), 0), -EBUSY);
    /* Unreadable, or only partly readable: -EFAULT, handler not called. */
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x1000, 0), -EFAULT);
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, G(GUEST_BYTES - 12), 0), -EFAULT);
    CHECK_EQ(fake_seen.calls, 0);

    struct compat_remove_from_physmap r = { .domid = 1, .gpfn = 0xabcde };
    fake_out.rc = 0;
    put(G(0x200), &r, sizeof(r));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, G(0x200), 0), 0);
    CHECK_EQ(fake_seen.u.rfp.domid, 1);
    CHECK_EQ(fake_seen.u.rfp.gpfn, 0xabcde);
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, G(GUEST_BYTES - 4), 0), -EFAULT);
    /* domid_t argument: the guest's own address goes through. */
    fake_out.rc = 1234;
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_current_reservation, G(0x300), 0), 1234);
    CHECK_EQ(fake_seen.arg, G(0x300));
    /* Sub-ops without a translation never reach the handler. */
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_exchange, G(0x300), 0), -ENOSYS);
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, G(0x300), 0), -ENOSYS);
    CHECK_EQ(fake_seen.calls, 0);
}

static void test_memory_map(void)
{
    struct compat_memory_map c = { .nr_entries = 5, .buffer = G(0x1000) };
    fake_reset();
    fake_out.map_entries = 3;
    put(G(0x100), &c, sizeof(c));
    memset(fake_gva(G(0x100) + 8), 0x55, 8);        /* what follows the 8-byte struct stays */
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_memory_map, G(0x100), 0), 0);
    CHECK_EQ(fake_seen.u.mmap.buffer, G(0x1000));
    CHECK_EQ(fake_seen.u.mmap.nr_entries, 5);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.nr_entries, 3);
    CHECK_EQ(c.buffer, G(0x1000));
    CHECK_EQ(*(uint8_t *)fake_gva(G(0x100) + 8), 0x55);
    CHECK_EQ(*(uint8_t *)fake_gva(G(0x1000) + 40), 0xa2);  /* third record, written by the handler */
    /* Too small a buffer: the handler's -EINVAL, count untouched. */
    c.nr_entries = 2;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_memory_map, G(0x100), 0), -EINVAL);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.nr_entries, 2);
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_memory_map, 0xfffffffcu, 0), -EFAULT);
}

static void test_reservation(void)
{
    struct compat_reservation c = { .extent_start = G(0x2000), .nr_extents = 4, .extent_order = 0,
                                    .mem_flags = 0, .domid = DOMID_SELF };
    uint32_t ext[4] = { 0x100, 0x101, 0xfffff, 0xffffffffu };
    fake_reset();
    put(G(0x100), &c, sizeof(c));
    put(G(0x2000), ext, sizeof(ext));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, G(0x100), 0), 4);
    CHECK_EQ(fake_seen.u.res.nr_extents, 4);
    CHECK_EQ(fake_seen.u.res.domid, DOMID_SELF);
    CHECK_EQ(fake_seen.u.res.extent_start >= COMPAT_XLAT_VA, 1);
    CHECK_EQ(fake_seen.extents[0], 0x100);
    CHECK_EQ(fake_seen.extents[2], 0xfffff);
    CHECK_EQ(fake_seen.extents[3], 0xffffffffu);    /* zero-extended, not sign-extended */
    CHECK_EQ(fake_seen.xlat_faults, 0);

    /* The handler rewrites extents (OUT frame numbers): they come back as
     * 4-byte entries, and the neighbours are untouched. */
    fake_out.rewrite_extents = true;
    fake_out.extent_value = 0x5000;
    *(uint32_t *)fake_gva(G(0x200c)) = 0x77777777;     /* ext[3]: not part of this call */
    c.nr_extents = 3;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_populate_physmap, G(0x100), 0), 3);
    get(ext, G(0x2000), sizeof(ext));
    CHECK_EQ(ext[0], 0x5000);
    CHECK_EQ(ext[2], 0x5002);
    CHECK_EQ(ext[3], 0x77777777);
    /* A frame number that does not fit 32 bits: -ERANGE for the first. */
    fake_out.extent_value = 0x100000000ull;
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_populate_physmap, G(0x100), 0), -ERANGE);
    fake_out.rewrite_extents = false;

    /* More than the bound: the handler sees 512 and says it did 512. */
    c.nr_extents = 0xffffffffu;
    c.extent_start = G(0x4000);
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, G(0x100), 0), 512);
    CHECK_EQ(fake_seen.u.res.nr_extents, 512);
    /* The list runs off the guest's memory after 2 entries: 2 done. */
    c.nr_extents = 10;
    c.extent_start = G(GUEST_BYTES - 8);
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, G(0x100), 0), 2);
    /* Not even one: -EFAULT, handler not called. */
    fake_seen.calls = 0;
    c.extent_start = 0x10;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, G(0x100), 0), -EFAULT);
    CHECK_EQ(fake_seen.calls, 0);
    /* Zero extents: the handler's answer (0). */
    c.nr_extents = 0;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, G(0x100), 0), 0);
    CHECK_EQ(call32(__HYPERVISOR_memory_op, XENMEM_increase_reservation, G(GUEST_BYTES - 10), 0), -EFAULT);
}

static void test_setup_table(void)
{
    struct compat_gnttab_setup_table c = { .dom = DOMID_SELF, .nr_frames = 3, .status = 99, .frame_list = G(0x3000) };
    uint32_t fl[4];
    fake_reset();
    memset(fake_gva(G(0x3000)), 0x66, 16);
    fake_out.frames[0] = 0xfeed0;
    fake_out.frames[1] = ~0ull;         /* not placed */
    fake_out.frames[2] = 0x12345;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), 0);
    CHECK_EQ(fake_seen.u.setup.nr_frames, 3);
    CHECK_EQ(fake_seen.u.setup.dom, DOMID_SELF);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.status, GNTST_okay);
    CHECK_EQ(c.frame_list, G(0x3000));
    get(fl, G(0x3000), sizeof(fl));
    CHECK_EQ(fl[0], 0xfeed0);
    CHECK_EQ(fl[1], 0xffffffffu);
    CHECK_EQ(fl[2], 0x12345);
    CHECK_EQ(fl[3], 0x66666666u);       /* 4-byte entries: nothing past the third */
    /* A bad status: no frames written. */
    memset(fake_gva(G(0x3000)), 0, 16);
    fake_out.status = GNTST_bad_domain;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), 0);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.status, GNTST_bad_domain);
    CHECK_EQ(*(uint32_t *)fake_gva(G(0x3000)), 0);
    /* More frames than the area holds: general_error, handler not called. */
    fake_seen.calls = 0;
    c.nr_frames = COMPAT_SETUP_TABLE_MAX_FRAMES + 1;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), 0);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.status, GNTST_general_error);
    CHECK_EQ(fake_seen.calls, 0);
    c.nr_frames = 0xffffffffu;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), 0);
    get(&c, G(0x100), sizeof(c));
    CHECK_EQ(c.status, GNTST_general_error);
    /* The largest list that fits: every frame reaches the guest. */
    fake_out.status = GNTST_okay;
    c.nr_frames = COMPAT_SETUP_TABLE_MAX_FRAMES;
    c.frame_list = G(0x8000);
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), 0);
    CHECK_EQ(*(uint32_t *)fake_gva(G(0x8000) + 4ull * (COMPAT_SETUP_TABLE_MAX_FRAMES - 1)),
             COMPAT_SETUP_TABLE_MAX_FRAMES - 1);
    CHECK_EQ(fake_seen.xlat_faults, 0);
    /* Frame list in unmapped memory: -EFAULT. */
    c.nr_frames = 2;
    c.frame_list = 0x20;
    put(G(0x100), &c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 1), -EFAULT);
    /* count != 1: the handler's -EINVAL. */
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, G(0x100), 2), -EINVAL);
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, 0xfff0, 1), -EFAULT);
}

static void test_gnttab_copy(void)
{
    struct compat_gnttab_copy c[3] = {
        { .source = { .u = 7, .domid = 2, .offset = 16 }, .dest = { .u = 0xfffffffeu, .domid = DOMID_SELF, .offset = 8 },
          .len = 100, .flags = GNTCOPY_source_gref, .status = 55, .pad = 0x1234 },
        { .source = { .u = 0x42, .domid = DOMID_SELF }, .dest = { .u = 9, .domid = 3 }, .len = 4096,
          .flags = GNTCOPY_dest_gref },
        { .len = 1 },
    };
    fake_reset();
    fake_out.status = GNTST_bad_gntref;
    put(G(0x100), c, sizeof(c));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, G(0x100), 3), 0);
    CHECK_EQ(fake_seen.u.copy[0].source.u.ref, 7);
    CHECK_EQ(fake_seen.u.copy[0].source.domid, 2);
    CHECK_EQ(fake_seen.u.copy[0].source.offset, 16);
    CHECK_EQ(fake_seen.u.copy[0].dest.u.gmfn, 0xfffffffeu);   /* zero-extended */
    CHECK_EQ(fake_seen.u.copy[0].dest.offset, 8);
    CHECK_EQ(fake_seen.u.copy[0].len, 100);
    CHECK_EQ(fake_seen.u.copy[0].flags, GNTCOPY_source_gref);
    CHECK_EQ(fake_seen.calls, 3);       /* the last element reached the handler too */
    get(c, G(0x100), sizeof(c));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(c[i].status, GNTST_bad_gntref);
    CHECK_EQ(c[0].pad, 0x1234);         /* only the status is written */
    CHECK_EQ(c[1].len, 4096);
    /* A batch running off the guest's memory: elements before it done. */
    fake_seen.calls = 0;
    fake_out.status = GNTST_okay;
    uint64_t at = G(GUEST_BYTES - 2 * sizeof(struct compat_gnttab_copy));
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, at, 3), -EFAULT);
    CHECK_EQ(fake_seen.calls, 2);
    CHECK_EQ(((struct compat_gnttab_copy *)fake_gva(at))[1].status, GNTST_okay);
    /* Bad counts. */
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, G(0x100), 513), -EINVAL);
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, G(0x100), 0xffffffffu), -EINVAL);
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_copy, G(0x100), 0), 0);
    CHECK_EQ(fake_seen.calls, 0);
    /* Same-layout ops: the guest's own pointer and count. */
    fake_out.rc = 0;
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, G(0x500), 4), 0);
    CHECK_STR(fake_seen.fn, "gnttab");
    CHECK_EQ(fake_seen.arg, G(0x500));
    CHECK_EQ(fake_seen.arg2, 4);
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, GNTTABOP_transfer, G(0x500), 1), -ENOSYS);
    CHECK_EQ(call32(__HYPERVISOR_grant_table_op, 12345, G(0x500), 1), -ENOSYS);
    CHECK_EQ(fake_seen.calls, 0);
}

static void test_vcpu_op(void)
{
    fake_reset();
    /* runstate area: the low 4 bytes are the handle, the rest ignored. */
    struct compat_vcpu_register_runstate_memory_area a = { .addr = 0xc1234560u, .high = 0xdeadbeef };
    put(G(0x100), &a, sizeof(a));
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, G(0x100)), 0);
    CHECK_EQ(fake_seen.u.rsa.addr, 0xc1234560u);
    CHECK_EQ(fake_seen.arg, 1);         /* vcpuid */
    CHECK(fake_seen.compat);
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, 0x4), -EFAULT);

    /* get_runstate_info: 48 native bytes become 44. */
    fake_out.runstate = (struct vcpu_runstate_info){ .state = RUNSTATE_blocked, .state_entry_time = 0x1122334455667788ull,
                                                     .time = { 1, 0x100000000ull, 3, 0xffffffffffffffffull } };
    memset(fake_gva(G(0x200)), 0x99, 64);
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, G(0x200)), 0);
    struct compat_vcpu_runstate_info r;
    get(&r, G(0x200), sizeof(r));
    CHECK_EQ(r.state, RUNSTATE_blocked);
    CHECK_EQ(r.state_entry_time, 0x1122334455667788ull);
    CHECK_EQ(*(uint32_t *)fake_gva(G(0x204)), 0x55667788u);  /* at offset 4: no padding */
    CHECK_EQ(r.time[1], 0x100000000ull);
    CHECK_EQ(r.time[3], 0xffffffffffffffffull);
    CHECK_EQ(*(uint8_t *)fake_gva(G(0x200 + 44)), 0x99);    /* nothing past 44 bytes */
    fake_out.rc = -ENOENT;
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 99, G(0x200)), -ENOENT);
    fake_out.rc = 0;
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, G(GUEST_BYTES - 40)), -EFAULT);

    /* single-shot timer: 12 bytes, flags at 8. */
    struct compat_vcpu_set_singleshot_timer s = { .timeout_abs_ns = 0xaabbccdd00112233ull, .flags = VCPU_SSHOTTMR_future };
    put(G(GUEST_BYTES - 12), &s, sizeof(s));    /* the last 12 bytes: a 16-byte read would fault */
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, G(GUEST_BYTES - 12)), 0);
    CHECK_EQ(fake_seen.u.sst.timeout_abs_ns, 0xaabbccdd00112233ull);
    CHECK_EQ(fake_seen.u.sst.flags, VCPU_SSHOTTMR_future);
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, G(GUEST_BYTES - 8)), -EFAULT);

    /* Same layout or no argument: straight through. */
    fake_out.rc = 1;
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 3, 0), 1);
    CHECK_EQ(fake_seen.cmd, VCPUOP_is_up);
    CHECK_EQ(fake_seen.arg, 3);
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, G(0x300)), 1);
    CHECK_EQ(fake_seen.arg2, G(0x300));
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, G(0x300)), -ENOSYS);
    CHECK_EQ(fake_seen.calls, 0);
}

static void test_sched_op(void)
{
    struct compat_sched_poll p = { .ports = G(0x400), .nr_ports = 3, .timeout = 0x100000002ull };
    uint32_t ports[3] = { 5, 6, 0xffffffffu };
    fake_reset();
    put(G(0x100), &p, sizeof(p));
    put(G(0x400), ports, sizeof(ports));
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, G(0x100), 0), 0);
    CHECK_EQ(fake_seen.u.poll.ports, G(0x400));
    CHECK_EQ(fake_seen.u.poll.nr_ports, 3);
    CHECK_EQ(fake_seen.u.poll.timeout, 0x100000002ull);
    CHECK_EQ(fake_seen.ports[2], 0xffffffffu);
    /* Bad count: the handler's -EINVAL; bad handle: -EFAULT. */
    p.nr_ports = 0x80000000u;
    put(G(0x100), &p, sizeof(p));
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, G(0x100), 0), -EINVAL);
    p.nr_ports = 2;
    p.ports = 0x8;
    put(G(0x100), &p, sizeof(p));
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, G(0x100), 0), -EFAULT);
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_poll, G(GUEST_BYTES - 12), 0), -EFAULT);
    /* shutdown (uint32_t reason), yield, block: straight through. */
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_shutdown, G(0x500), 0), 0);
    CHECK_EQ(fake_seen.arg, G(0x500));
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
    CHECK_EQ(fake_seen.cmd, SCHEDOP_yield);
    fake_seen.calls = 0;
    CHECK_EQ(call32(__HYPERVISOR_sched_op, SCHEDOP_pin_override, G(0x500), 0), -ENOSYS);
    CHECK_EQ(fake_seen.calls, 0);
}

static void test_xen_version(void)
{
    fake_reset();
    memset(fake_gva(G(0x100)), 0xee, 8);
    CHECK_EQ(call32(__HYPERVISOR_xen_version, XENVER_platform_parameters, G(0x100), 0), 0);
    CHECK_EQ(*(uint32_t *)fake_gva(G(0x100)), 0u);            /* no hypervisor hole in an HVM/PVH guest */
    CHECK_EQ(*(uint32_t *)fake_gva(G(0x104)), 0xeeeeeeeeu);     /* 4 bytes only */
    CHECK_EQ(call32(__HYPERVISOR_xen_version, XENVER_platform_parameters, G(GUEST_BYTES - 2), 0), -EFAULT);
    fake_out.rc = 0x40013;
    CHECK_EQ(call32(__HYPERVISOR_xen_version, XENVER_version, 0, 0), 0x40013);
    CHECK_EQ(call32(__HYPERVISOR_xen_version, XENVER_get_features, G(0x200), 0), 0x40013);
    CHECK_EQ(fake_seen.arg, G(0x200));
}

/* physdev_op: the table of compat_physdev.c. */
static void test_physdev_op(void)
{
    fake_reset();
    /* set_iobitmap: an 8-byte i386 structure, a 16-byte native one with
     * the handle zero-extended at 0 and nr_ports at 8. */
    const uint32_t iob[2] = { 0xfedc1000u, 0x400 };
    put(G(0x100), iob, sizeof(iob));
    fake_out.rc = 0;
    fake_out.physdev_len = 16;
    memset(fake_out.physdev_out, 0x5a, sizeof(fake_out.physdev_out));
    uint32_t after = 0x77777777u;
    put(G(0x108), &after, 4);
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 7, G(0x100), 0), 0);
    CHECK_STR(fake_seen.fn, "pv_physdev_op");
    CHECK_EQ(fake_seen.cmd, 7);
    CHECK_EQ(fake_seen.arg, COMPAT_XLAT_VA);
    CHECK(fake_seen.compat);
    uint64_t h;
    uint32_t nr;
    memcpy(&h, fake_seen.u.raw, 8);
    memcpy(&nr, fake_seen.u.raw + 8, 4);
    CHECK_EQ(h, 0xfedc1000ull);
    CHECK_EQ(nr, 0x400);
    get(&after, G(0x108), 4);
    CHECK_EQ(after, 0x77777777u);       /* IN only: nothing written past the 8 bytes */
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 7, G(GUEST_BYTES - 4), 0), -EFAULT);     /* straddles the end */
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 7, 0xfffff000u, 0), -EFAULT);

    /* map_pirq: 36 bytes i386 (table_base at 28), 40 native (at 32); pirq
     * comes back at 12, the guest's table_base is left alone. */
    fake_reset();
    uint8_t mp[36];
    for (unsigned i = 0; i < 36; i++)
        mp[i] = (uint8_t)(i + 1);
    put(G(0x200), mp, sizeof(mp));
    fake_out.rc = 0;
    fake_out.physdev_len = 40;
    uint8_t nat[40];
    memset(nat, 0, sizeof(nat));
    int32_t pirq = 0x1234;
    memcpy(nat + 12, &pirq, 4);
    memcpy(fake_out.physdev_out, nat, 40);
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 13, G(0x200), 0), 0);
    CHECK(memcmp(fake_seen.u.raw, mp, 28) == 0);
    CHECK(memcmp(fake_seen.u.raw + 32, mp + 28, 8) == 0);
    CHECK_EQ(*(uint32_t *)(fake_seen.u.raw + 28), 0u);     /* native padding */
    uint8_t back[36];
    get(back, G(0x200), 36);
    CHECK_EQ(*(int32_t *)(back + 12), 0x1234);
    CHECK(memcmp(back + 28, mp + 28, 8) == 0);
    /* A failing handler writes nothing back. */
    put(G(0x200), mp, sizeof(mp));
    fake_out.rc = -EPERM;
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 13, G(0x200), 0), -EPERM);
    get(back, G(0x200), 36);
    CHECK(memcmp(back, mp, 36) == 0);

    /* pirq_eoi_gmfn_v2: a 4-byte xen_pfn_t widened to 8. */
    fake_reset();
    uint32_t gmfn = 0x89abcu;
    put(G(0x300), &gmfn, 4);
    fake_out.rc = 0;
    fake_out.physdev_len = 8;
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 28, G(0x300), 0), 0);
    CHECK_EQ(*(uint64_t *)fake_seen.u.raw, 0x89abcull);

    /* apic_read: value comes back at 8 of the 12-byte structure. */
    fake_reset();
    const uint32_t ap[3] = { 0xfec00000u, 0x10, 0 };
    put(G(0x400), ap, sizeof(ap));
    fake_out.rc = 0;
    fake_out.physdev_len = 16;
    const uint32_t apn[4] = { 0xfec00000u, 0, 0x10, 0xabcd };
    memcpy(fake_out.physdev_out, apn, 16);
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 8, G(0x400), 0), 0);
    CHECK_EQ(*(uint64_t *)fake_seen.u.raw, 0xfec00000ull);
    CHECK_EQ(*(uint32_t *)(fake_seen.u.raw + 8), 0x10u);
    uint32_t apb[3];
    get(apb, G(0x400), 12);
    CHECK_EQ(apb[2], 0xabcdu);

    /* Same-layout sub-ops go through with the guest's pointer. */
    fake_reset();
    fake_out.rc = -EPERM;
    const unsigned same[] = { 5, 6, 10, 12, 14, 15, 16, 19, 20, 21, 25, 26 };
    for (unsigned i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        CHECK_EQ(call32(__HYPERVISOR_physdev_op, same[i], G(0x500), 0), -EPERM);
        CHECK_EQ(fake_seen.cmd, same[i]);
        CHECK_EQ(fake_seen.arg, G(0x500));
    }
    /* Unknown sub-ops: -ENOSYS, no handler called. */
    fake_reset();
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 17, G(0x500), 0), -ENOSYS);   /* pirq_eoi_gmfn_v1 */
    CHECK_EQ(call32(__HYPERVISOR_physdev_op, 99, G(0x500), 0), -ENOSYS);
    CHECK(fake_seen.calls == 0);
}

/* The 32-bit FXSAVE image read in its layout (layout.h). */
static void test_fxsave_layout(void)
{
    uint8_t c[FXSAVE_BYTES], n[FXSAVE_BYTES];
    for (unsigned i = 0; i < FXSAVE_BYTES; i++)
        c[i] = (uint8_t)(i * 7 + 3);
    const uint32_t fip = 0xc0101234u, fdp = 0xc0205678u;
    const uint16_t fcs = 0x0061, fds = 0x007b;
    memcpy(c + 8, &fip, 4);
    memcpy(c + 12, &fcs, 2);
    memcpy(c + 16, &fdp, 4);
    memcpy(c + 20, &fds, 2);
    memset(n, 0xee, sizeof(n));
    compat_fxsave_to_native(n, c);
    uint64_t nip, ndp;
    memcpy(&nip, n + 8, 8);
    memcpy(&ndp, n + 16, 8);
    CHECK_EQ(nip, (uint64_t)fip);       /* not fcs << 32 | fip */
    CHECK_EQ(ndp, (uint64_t)fdp);       /* not fds << 32 | fdp */
    CHECK(memcmp(n, c, 8) == 0);        /* FCW FSW FTW FOP */
    CHECK(memcmp(n + 24, c + 24, FXSAVE_BYTES - 24) == 0);     /* MXCSR, registers, the rest */
}

int main(void)
{
    RUN(test_table);
    RUN(test_xlat_bounds);
    RUN(test_add_to_physmap);
    RUN(test_memory_map);
    RUN(test_reservation);
    RUN(test_setup_table);
    RUN(test_gnttab_copy);
    RUN(test_vcpu_op);
    RUN(test_sched_op);
    RUN(test_xen_version);
    RUN(test_physdev_op);
    RUN(test_fxsave_layout);
    return t_finish("unit_compat");
}
