/*
 * Host unit tests of grant tables v1 (src/gnttab/) over the fake environment
 * of gnttab_stubs/: frame references, TLB-flush ordering, pins and guest
 * flags, every GNTST_* error the code documents, and domains dying.
 */
#include "test.h"
#include "gnttab_fake.h"
#include "gnttab/gnttab_internal.h"
#include "hvm/vendor.h"
#include "lib/errno.h"

enum { D1 = 0, D2 = 1, D3 = 2 };            /* slots */
#define ID(slot) ((uint16_t)(slot + 1))     /* domids 1, 2, 3 */
#define RAMP 64                             /* RAM pages per fake domain */

static void env(unsigned max_mt)
{
    fake_reset();
    CHECK_EQ(fake_dom_create(D1, ID(D1), RAMP, 4, 4), 0);
    CHECK_EQ(fake_dom_create(D2, ID(D2), RAMP, 4, max_mt), 0);
    CHECK_EQ(fake_dom_create(D3, ID(D3), RAMP, 4, 4), 0);
}

/* Every test ends here: nothing leaked, no misuse, locks never nested. */
static void teardown(void)
{
    unsigned i;

    for (i = 0; i < FAKE_MAX_DOMS; i++)
        CHECK_EQ(fake_doms[i].refcnt, 0);
    fake_reset();
    CHECK_EQ(fake_frames_in_use(), 0);
    CHECK_EQ(fake_heap_live, 0);
    CHECK_EQ(fake_errors, 0);
    CHECK_EQ(gnttab_fake_lock_nesting, 0);
    fake_errors = 0;
}

static void grant(unsigned slot, uint32_t ref, uint16_t to, uint32_t gfn, uint16_t flags)
{
    struct grant_entry_v1 *e = fake_entry(slot, ref);

    e->frame = gfn;
    e->domid = to;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

static uint64_t ram(unsigned slot, uint64_t gfn) { return fake_doms[slot].ram_mfn[gfn]; }
static uint32_t count_of(uint64_t mfn) { return fake_frame(mfn)->count; }
static uint16_t flags_of(unsigned slot, uint32_t ref) { return fake_entry(slot, ref)->flags; }

static int16_t map(unsigned slot, uint16_t dom, uint32_t ref, uint64_t gfn, uint32_t flags, uint32_t *handle)
{
    struct gnttab_map_grant_ref op = { .host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom,
                                       .status = 99, .dev_bus_addr = 0x1234 };

    CHECK_EQ(fake_hypercall(slot, GNTTABOP_map_grant_ref, &op, sizeof(op), 1), 0);
    if (op.status == GNTST_okay) {
        CHECK_EQ(op.dev_bus_addr, 0);
        CHECK(op.handle != ~0u);
    }
    if (handle)
        *handle = op.handle;
    return op.status;
}

static int16_t unmap(unsigned slot, uint32_t handle, uint64_t host_addr)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = host_addr, .handle = handle, .status = 99 };

    CHECK_EQ(fake_hypercall(slot, GNTTABOP_unmap_grant_ref, &op, sizeof(op), 1), 0);
    return op.status;
}

static int16_t copy(unsigned slot, uint16_t flags, uint16_t sdom, uint64_t s, uint16_t soff,
                    uint16_t ddom, uint64_t dst, uint16_t doff, uint16_t len)
{
    struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };

    op.source.domid = sdom;
    op.source.offset = soff;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    if (flags & GNTCOPY_source_gref) op.source.u.ref = (uint32_t)s; else op.source.u.gmfn = s;
    if (flags & GNTCOPY_dest_gref) op.dest.u.ref = (uint32_t)dst; else op.dest.u.gmfn = dst;
    CHECK_EQ(fake_hypercall(slot, GNTTABOP_copy, &op, sizeof(op), 1), 0);
    return op.status;
}

static struct gnttab_active *act(unsigned slot, uint32_t ref)
{
    return gnttab_active_entry(fake_doms[slot].d.gnttab, ref);
}

static uint8_t *page_of(uint64_t mfn) { return phys_to_virt(mfn << 12); }

/* Index of the last event of a kind (for mfn when a put), -1 if none. */
static int last_event(int kind, uint16_t domid, uint64_t mfn)
{
    int i;

    for (i = (int)fake_nr_events - 1; i >= 0; i--)
        if (fake_events[i].kind == kind &&
            (kind == FAKE_EV_FLUSH ? fake_events[i].domid == domid : fake_events[i].mfn == mfn))
            return i;
    return -1;
}

static void test_sizes_versions(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_set_version sv = { .version = 1 };

    env(4);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    CHECK_EQ(q.status, GNTST_okay);
    CHECK_EQ(q.nr_frames, 1);
    CHECK_EQ(q.max_nr_frames, 4);
    q.dom = ID(D1);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    CHECK_EQ(q.status, GNTST_okay);
    q.dom = ID(D2);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    CHECK_EQ(q.status, GNTST_permission_denied);
    q.dom = 77;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    CHECK_EQ(q.status, GNTST_bad_domain);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 2), -EINVAL);

    CHECK_EQ(fake_hypercall(D1, GNTTABOP_get_version, &gv, sizeof(gv), 1), 0);
    CHECK_EQ(gv.version, 1);
    gv.dom = ID(D2);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_get_version, &gv, sizeof(gv), 1), -EPERM);
    gv.dom = 77;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_get_version, &gv, sizeof(gv), 1), -ESRCH);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_set_version, &sv, sizeof(sv), 1), 0);
    CHECK_EQ(sv.version, 1);
    sv.version = 2;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_set_version, &sv, sizeof(sv), 1), -ENOSYS);
    CHECK_EQ(sv.version, 1);
    sv.version = 3;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_set_version, &sv, sizeof(sv), 1), -EINVAL);
    CHECK_EQ(sv.version, 1);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_transfer, &sv, sizeof(sv), 1), -ENOSYS);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_unmap_and_replace, &sv, sizeof(sv), 1), -ENOSYS);
    CHECK_EQ(fake_hypercall(D1, 999, &sv, sizeof(sv), 1), -ENOSYS);
    /* Argument pointer outside guest memory. */
    CHECK_EQ(gnttab_hypercall(&fake_doms[D1].v, GNTTABOP_query_size, FAKE_GUEST_BYTES - 8, 1), -EFAULT);
    teardown();
}

static void test_setup_table(void)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 3, .frame_list = 0x100 };
    uint64_t *list = (uint64_t *)(fake_doms[D1].guest + 0x100), mfn = 0, mfn2 = 0;
    struct gnttab_query_size q = { .dom = DOMID_SELF };

    env(4);
    memset(list, 0x11, 8 * 5);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_okay);
    CHECK_EQ(list[0], ~0ull);
    CHECK_EQ(list[2], ~0ull);
    CHECK_EQ(list[3], 0x1111111111111111ull);   /* nothing past nr_frames */
    fake_hypercall(D1, GNTTABOP_query_size, &q, sizeof(q), 1);
    CHECK_EQ(q.nr_frames, 3);

    /* Placed frames are reported by gfn. */
    CHECK_EQ(gnttab_table_frame(&fake_doms[D1].d, 1, &mfn), 0);
    CHECK_EQ(fake_frame(mfn)->owner, DOMID_XEN);
    gnttab_set_frame_gfn(&fake_doms[D1].d, 1, 0x555);
    st.nr_frames = 2;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(list[1], 0x555);
    gnttab_set_frame_gfn(&fake_doms[D1].d, 1, ~0ull);
    gnttab_set_frame_gfn(&fake_doms[D1].d, 100, 5);     /* beyond the table: ignored */

    /* Growth through the map space, then the limits. */
    CHECK_EQ(gnttab_table_frame(&fake_doms[D1].d, 3, &mfn2), 0);
    CHECK(mfn2 != mfn);
    CHECK_EQ(gnttab_table_frame(&fake_doms[D1].d, 4, &mfn2), -EINVAL);
    CHECK_EQ(gnttab_table_frame(&fake_doms[D1].d, ~0ul, &mfn2), -EINVAL);
    st.nr_frames = 5;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_general_error);
    st.nr_frames = 0xffffffffu;
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_general_error);
    st.nr_frames = 1;
    st.dom = ID(D2);
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_permission_denied);
    st.dom = DOMID_SELF;
    st.frame_list = FAKE_GUEST_BYTES;                   /* bad pointer */
    CHECK_EQ(fake_hypercall(D1, GNTTABOP_setup_table, &st, sizeof(st), 1), -EFAULT);

    /* Out of memory while growing. */
    fake_alloc_fail = 1;
    CHECK_EQ(gnttab_table_frame(&fake_doms[D2].d, 2, &mfn), -ENOMEM);
    st.nr_frames = 2;
    st.frame_list = 0x100;
    fake_alloc_fail = 1;
    CHECK_EQ(fake_hypercall(D2, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_general_error);
    CHECK_EQ(fake_hypercall(D2, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_okay);

    /* Init failing half-way leaves nothing behind. */
    fake_alloc_fail = 3;
    CHECK_EQ(fake_dom_create(3, 9, 1, 4, 4), -ENOMEM);
    CHECK(fake_doms[3].d.gnttab == NULL);
    fake_dom_kill(3);
    teardown();
}

static void test_map_unmap(void)
{
    uint32_t h = 0;
    uint64_t mfn;
    int put, flush;

    env(4);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    page_of(mfn)[7] = 0x5a;
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(fake_doms[D2].p2m[600].mfn, mfn);
    CHECK_EQ(fake_doms[D2].p2m[600].perms, P2M_R | P2M_W);
    CHECK_EQ(count_of(mfn), 1);
    CHECK_EQ(act(D1, 10)->pin_w, 1);
    /* Not RAM of the mapper: */
    CHECK_EQ(physmap_ram_mfn(&fake_doms[D2].d, 600), PHYSMAP_NO_MFN);

    fake_nr_events = 0;
    CHECK_EQ(unmap(D2, h, 600 << 12), GNTST_okay);
    CHECK_EQ(fake_doms[D2].p2m[600].mfn, PHYSMAP_NO_MFN);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(mfn), 0);
    CHECK_EQ(act(D1, 10)->pin_w, 0);
    flush = last_event(FAKE_EV_FLUSH, ID(D2), 0);
    put = last_event(FAKE_EV_PUT, 0, mfn);
    CHECK(flush >= 0 && put > flush);
    CHECK_EQ(unmap(D2, h, 0), GNTST_bad_handle);        /* double unmap */
    CHECK_EQ(count_of(mfn), 0);

    /* Over the mapper's own RAM: unmap puts the RAM back, with its rights. */
    CHECK_EQ(map(D2, ID(D1), 10, 3, GNTMAP_host_map | GNTMAP_readonly, &h), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_reading);
    CHECK_EQ(fake_doms[D2].p2m[3].perms, P2M_R);
    CHECK_EQ(unmap(D2, h, 0), GNTST_okay);              /* host_addr 0: not checked */
    CHECK_EQ(fake_doms[D2].p2m[3].mfn, ram(D2, 3));
    CHECK_EQ(fake_doms[D2].p2m[3].perms, P2M_R | P2M_W | P2M_X);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    teardown();
}

static void test_map_errors(void)
{
    uint32_t h;
    uint64_t mfn;

    env(4);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    grant(D1, 11, ID(D2), 6, GTF_permit_access | GTF_readonly);
    grant(D1, 12, ID(D3), 5, GTF_permit_access);
    grant(D1, 13, ID(D2), RAMP + 3, GTF_permit_access);       /* not RAM of D1 */
    grant(D1, 14, ID(D2), 5, GTF_accept_transfer);
    grant(D1, 15, ID(D2), 5, GTF_permit_access | GTF_sub_page);
    grant(D1, 16, ID(D2), 0xffffffffu, GTF_permit_access);

    CHECK_EQ(map(D2, ID(D1), 10, 600, 0, NULL), GNTST_bad_gntref);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_device_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map | GNTMAP_device_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map | GNTMAP_contains_pte, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map | GNTMAP_application_map, NULL), GNTST_general_error);
    {
        struct gnttab_map_grant_ref op = { .host_addr = (600 << 12) + 8, .flags = GNTMAP_host_map,
                                           .ref = 10, .dom = ID(D1) };
        fake_hypercall(D2, GNTTABOP_map_grant_ref, &op, sizeof(op), 1);
        CHECK_EQ(op.status, GNTST_bad_virt_addr);
    }
    CHECK_EQ(map(D2, ID(D1), 10, PHYSMAP_MAX_GFN, GNTMAP_host_map, NULL), GNTST_bad_virt_addr);
    CHECK_EQ(map(D2, ID(D1), 10, FAKE_NR_GFNS + 5, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, DOMID_SELF, 10, 600, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ(map(D2, ID(D2), 10, 600, GNTMAP_host_map, NULL), GNTST_permission_denied);
    CHECK_EQ(map(D2, 77, 10, 600, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ(map(D2, ID(D1), 4 * 512, 600, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ(map(D2, ID(D1), 512, 600, GNTMAP_host_map, NULL), GNTST_bad_gntref);  /* frame 1 not grown */
    CHECK_EQ(map(D2, ID(D1), 0xffffffffu, 600, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ(map(D2, ID(D1), 1, 600, GNTMAP_host_map, NULL), GNTST_general_error);   /* GTF_invalid */
    CHECK_EQ(map(D2, ID(D1), 12, 600, GNTMAP_host_map, NULL), GNTST_general_error);  /* for D3 */
    CHECK_EQ(map(D2, ID(D1), 14, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 15, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 11, 600, GNTMAP_host_map, NULL), GNTST_general_error);  /* r/o grant */
    CHECK_EQ(flags_of(D1, 11), GTF_permit_access | GTF_readonly);
    CHECK_EQ(map(D2, ID(D1), 13, 600, GNTMAP_host_map, NULL), GNTST_bad_page);
    CHECK_EQ(flags_of(D1, 13), GTF_permit_access);
    CHECK_EQ(map(D2, ID(D1), 16, 600, GNTMAP_host_map, NULL), GNTST_bad_page);
    CHECK_EQ(flags_of(D1, 16), GTF_permit_access);
    /* A table frame of D1 placed in its physmap is not its RAM either. */
    {
        uint64_t tmfn;
        struct physmap_entry e;

        gnttab_table_frame(&fake_doms[D1].d, 0, &tmfn);
        e.mfn = tmfn;
        e.perms = P2M_R | P2M_W;
        physmap_set(&fake_doms[D1].d, 40, e, NULL);
        grant(D1, 17, ID(D2), 40, GTF_permit_access);
        CHECK_EQ(map(D2, ID(D1), 17, 600, GNTMAP_host_map, NULL), GNTST_bad_page);
    }
    /* p2m update failing: everything undone. */
    fake_physmap_set_fail = 1;
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(mfn), 0);
    CHECK_EQ(act(D1, 10)->pin_w, 0);
    CHECK_EQ(fake_doms[D2].d.gnttab->mt_live, 0);

    /* Read-only grant, read-only map: fine. */
    CHECK_EQ(map(D2, ID(D1), 11, 600, GNTMAP_host_map | GNTMAP_readonly, &h), GNTST_okay);
    CHECK_EQ(flags_of(D1, 11), GTF_permit_access | GTF_readonly | GTF_reading);
    /* A second grant over a gfn that already holds one is refused. */
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(mfn), 0);
    /* Handle checks. */
    CHECK_EQ(unmap(D2, h, 601 << 12), GNTST_bad_virt_addr);
    CHECK_EQ(fake_doms[D2].p2m[600].mfn, ram(D1, 6));           /* still mapped */
    CHECK_EQ(unmap(D2, 0xffffffffu, 0), GNTST_bad_handle);
    CHECK_EQ(unmap(D2, h + 1, 0), GNTST_bad_handle);             /* free slot */
    CHECK_EQ(unmap(D2, 600, 0), GNTST_bad_handle);               /* beyond the maptrack */
    CHECK_EQ(unmap(D2, h ^ (1u << 20), 0), GNTST_bad_handle);    /* other generation */
    CHECK_EQ(unmap(D3, h, 0), GNTST_bad_handle);                 /* someone else's handle */
    CHECK_EQ(unmap(D2, h, 600 << 12), GNTST_okay);
    teardown();
}

static void test_pins_and_stale_handles(void)
{
    uint32_t hw, hr, h2;
    uint64_t mfn;

    env(4);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &hw), GNTST_okay);
    CHECK_EQ(map(D2, ID(D1), 10, 601, GNTMAP_host_map | GNTMAP_readonly, &hr), GNTST_okay);
    CHECK_EQ(count_of(mfn), 2);
    CHECK_EQ(act(D1, 10)->pin_r, 1);
    CHECK_EQ(act(D1, 10)->pin_w, 1);
    /* The granter re-targets the entry while it is pinned by D2: D3 is
     * refused (pinned by another domain), D2 now fails the domid check. */
    fake_entry(D1, 10)->domid = ID(D3);
    CHECK_EQ(map(D3, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(map(D2, ID(D1), 10, 602, GNTMAP_host_map, NULL), GNTST_general_error);
    fake_entry(D1, 10)->domid = ID(D2);
    /* Frame changed under a pin: pins keep using the pinned frame. */
    fake_entry(D1, 10)->frame = 9;
    CHECK_EQ(map(D2, ID(D1), 10, 602, GNTMAP_host_map | GNTMAP_readonly, &h2), GNTST_okay);
    CHECK_EQ(fake_doms[D2].p2m[602].mfn, mfn);
    CHECK_EQ(unmap(D2, h2, 0), GNTST_okay);

    CHECK_EQ(unmap(D2, hw, 0), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_reading);
    CHECK_EQ(unmap(D2, hr, 0), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(mfn), 0);

    /* Slot reuse: the old handle is stale. */
    fake_entry(D1, 10)->frame = 5;
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &h2), GNTST_okay);
    CHECK_EQ(h2 & GNTTAB_HANDLE_INDEX_MASK, hr & GNTTAB_HANDLE_INDEX_MASK);
    CHECK(h2 != hr);
    CHECK_EQ(unmap(D2, hr, 0), GNTST_bad_handle);
    CHECK_EQ(count_of(mfn), 1);
    /* The guest replaced the mapping itself: unmap leaves its p2m alone. */
    fake_doms[D2].p2m[600] = (struct physmap_entry){ ram(D2, 7), P2M_R };
    CHECK_EQ(unmap(D2, h2, 0), GNTST_okay);
    CHECK_EQ(fake_doms[D2].p2m[600].mfn, ram(D2, 7));
    CHECK_EQ(count_of(mfn), 0);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    /* Unmap whose p2m restore fails falls back to removing the translation. */
    CHECK_EQ(map(D2, ID(D1), 10, 3, GNTMAP_host_map, &h2), GNTST_okay);
    fake_physmap_set_fail = 1;
    CHECK_EQ(unmap(D2, h2, 0), GNTST_okay);
    CHECK_EQ(fake_doms[D2].p2m[3].mfn, PHYSMAP_NO_MFN);
    CHECK_EQ(count_of(mfn), 0);
    /* ... and if that fails too, the mapping (and its reference) stays. */
    CHECK_EQ(map(D2, ID(D1), 10, 4, GNTMAP_host_map, &h2), GNTST_okay);
    fake_physmap_set_fail = 2;
    CHECK_EQ(unmap(D2, h2, 0), GNTST_general_error);
    CHECK_EQ(fake_doms[D2].p2m[4].mfn, mfn);
    CHECK_EQ(count_of(mfn), 1);
    CHECK_EQ(unmap(D2, h2, 0), GNTST_okay);
    teardown();
}

static void test_maptrack_limit(void)
{
    uint32_t h[GNTTAB_MAPTRACK_PER_FRAME + 1];
    unsigned i;
    uint64_t mfn;

    env(1);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access | GTF_readonly);
    for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
        if (map(D2, ID(D1), 10, 100 + i, GNTMAP_host_map | GNTMAP_readonly, &h[i]) != GNTST_okay)
            break;
    CHECK_EQ(i, GNTTAB_MAPTRACK_PER_FRAME);
    CHECK_EQ(count_of(mfn), GNTTAB_MAPTRACK_PER_FRAME);
    CHECK_EQ(map(D2, ID(D1), 10, 900, GNTMAP_host_map | GNTMAP_readonly, NULL), GNTST_no_device_space);
    CHECK_EQ(unmap(D2, h[17], 0), GNTST_okay);
    CHECK_EQ(map(D2, ID(D1), 10, 900, GNTMAP_host_map | GNTMAP_readonly, &h[17]), GNTST_okay);
    /* Maptrack allocation failing: same status. */
    CHECK_EQ(fake_dom_create(3, 9, 4, 1, 2), 0);
    grant(D1, 20, 9, 5, GTF_permit_access);
    fake_alloc_fail = 1;
    CHECK_EQ(map(3, ID(D1), 20, 600, GNTMAP_host_map, NULL), GNTST_no_device_space);
    CHECK_EQ(flags_of(D1, 20), GTF_permit_access);
    /* A domain with no maptrack at all. */
    fake_dom_kill(3);
    CHECK_EQ(fake_dom_create(3, 9, 4, 1, 0), 0);
    CHECK_EQ(map(3, ID(D1), 20, 600, GNTMAP_host_map, NULL), GNTST_no_device_space);
    fake_dom_kill(3);
    /* Batch: all of them go in one call (512 is the most per call). */
    {
        static struct gnttab_unmap_grant_ref u[GNTTAB_MAPTRACK_PER_FRAME + 1];

        for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
            u[i] = (struct gnttab_unmap_grant_ref){ .handle = h[i], .status = 99 };
        CHECK_EQ(fake_hypercall(D2, GNTTABOP_unmap_grant_ref, u, sizeof(u), GNTTAB_MAPTRACK_PER_FRAME + 1),
                 -EINVAL);
        CHECK_EQ(u[0].status, 99);
        /* The fake guest buffer holds ~2600 unmap ops; 512 fit. */
        CHECK_EQ(fake_hypercall(D2, GNTTABOP_unmap_grant_ref, u, sizeof(u), GNTTAB_MAPTRACK_PER_FRAME), 0);
        for (i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
            CHECK_EQ(u[i].status, GNTST_okay);
    }
    CHECK_EQ(count_of(mfn), 0);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_readonly);
    CHECK_EQ(fake_hypercall(D2, GNTTABOP_unmap_grant_ref, h, sizeof(h), 0), 0);
    /* Ops array running off guest memory: -EFAULT after the ones before. */
    CHECK_EQ(gnttab_hypercall(&fake_doms[D2].v, GNTTABOP_map_grant_ref, FAKE_GUEST_BYTES - 32, 2), -EFAULT);
    teardown();
}

static void test_granter_dies(void)
{
    uint32_t h, h2;
    uint64_t mfn;

    env(4);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &h), GNTST_okay);
    page_of(mfn)[0] = 0x42;
    fake_dom_kill(D1);
    CHECK(fake_frame(mfn)->orphan);
    CHECK_EQ(count_of(mfn), 1);
    CHECK_EQ(page_of(fake_doms[D2].p2m[600].mfn)[0], 0x42);     /* still usable */
    CHECK_EQ(map(D2, ID(D1), 10, 601, GNTMAP_host_map, NULL), GNTST_bad_domain);
    /* Restarted with the same id before the unmap: the new table is untouched. */
    CHECK_EQ(fake_dom_create(D1, ID(D1), RAMP, 4, 4), 0);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    CHECK_EQ(map(D2, ID(D1), 10, 601, GNTMAP_host_map | GNTMAP_readonly, &h2), GNTST_okay);
    CHECK_EQ(unmap(D2, h, 0), GNTST_okay);
    CHECK_EQ(fake_frame(mfn)->owner, DOMID_INVALID);            /* orphan freed by the last put */
    CHECK_EQ(act(D1, 10)->pin_r, 1);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_reading);
    CHECK_EQ(unmap(D2, h2, 0), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    teardown();
}

static void test_mapper_dies(void)
{
    uint32_t h;
    uint64_t mfn;
    int put, flush;

    env(4);
    mfn = ram(D1, 5);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    grant(D3, 1, ID(D2), 2, GTF_permit_access);
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(map(D2, ID(D1), 10, 601, GNTMAP_host_map | GNTMAP_readonly, &h), GNTST_okay);
    CHECK_EQ(map(D2, ID(D3), 1, 602, GNTMAP_host_map, &h), GNTST_okay);
    fake_dom_kill(D3);                          /* one granter gone first */
    fake_nr_events = 0;
    fake_dom_kill(D2);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(act(D1, 10)->pin_r + act(D1, 10)->pin_w, 0);
    CHECK_EQ(count_of(mfn), 0);
    flush = last_event(FAKE_EV_FLUSH, ID(D2), 0);
    put = last_event(FAKE_EV_PUT, 0, mfn);
    CHECK(flush >= 0 && put > flush);
    CHECK_EQ(fake_frames_in_use(), RAMP + 1);   /* D1's RAM and table frame; D3's orphan freed */
    gnttab_domain_destroy(&fake_doms[D2].d);    /* twice: harmless */
    teardown();
}

extern struct domain *fake_ld_dom;
extern uint64_t fake_ld_gfn;
extern unsigned fake_ld_marks;

static void test_copy(void)
{
    uint8_t *a, *b, *c;
    unsigned i;

    env(4);
    a = page_of(ram(D2, 1));
    b = page_of(ram(D2, 2));
    c = page_of(ram(D1, 5));
    for (i = 0; i < 4096; i++)
        a[i] = (uint8_t)i;
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    grant(D1, 11, ID(D2), 6, GTF_permit_access | GTF_readonly);
    grant(D3, 3, ID(D2), 9, GTF_permit_access);

    /* local -> local */
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 10, ID(D2), 2, 20, 100), GNTST_okay);
    CHECK_EQ(b[20], 10);
    CHECK_EQ(b[119], 109);
    CHECK_EQ(b[120], 0);
    /* Log-dirty hears of the written page: the caller's gfn 2. */
    CHECK_EQ(fake_ld_dom == &fake_doms[D2].d && fake_ld_gfn == 2, 1);
    /* local -> grant */
    unsigned marks = fake_ld_marks;
    CHECK_EQ(copy(D2, GNTCOPY_dest_gref, DOMID_SELF, 1, 0, ID(D1), 10, 4000, 96), GNTST_okay);
    /* ... the granter's gfn 5, once. */
    CHECK_EQ(fake_ld_dom == &fake_doms[D1].d && fake_ld_gfn == 5 && fake_ld_marks == marks + 1, 1);
    CHECK_EQ(c[4000], 0);
    CHECK_EQ(c[4095], 95);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(ram(D1, 5)), 0);
    /* grant -> local */
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, ID(D1), 10, 4000, DOMID_SELF, 2, 0, 96), GNTST_okay);
    CHECK_EQ(b[95], 95);
    /* grant (read-only) -> grant of another granter */
    page_of(ram(D1, 6))[0] = 0x77;
    CHECK_EQ(copy(D2, GNTCOPY_source_gref | GNTCOPY_dest_gref, ID(D1), 11, 0, ID(D3), 3, 5, 1), GNTST_okay);
    CHECK_EQ(page_of(ram(D3, 9))[5], 0x77);
    CHECK_EQ(fake_ld_dom == &fake_doms[D3].d && fake_ld_gfn == 9, 1);
    CHECK_EQ(flags_of(D1, 11), GTF_permit_access | GTF_readonly);
    CHECK_EQ(flags_of(D3, 3), GTF_permit_access);
    /* Same grant both sides, overlapping. */
    CHECK_EQ(copy(D2, GNTCOPY_source_gref | GNTCOPY_dest_gref, ID(D1), 10, 4000, ID(D1), 10, 4001, 95),
             GNTST_okay);
    CHECK_EQ(c[4001], 0);
    CHECK_EQ(c[4095], 94);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);

    /* Errors. */
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 4000, DOMID_SELF, 2, 0, 97), GNTST_bad_copy_arg);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 0, DOMID_SELF, 2, 4095, 2), GNTST_bad_copy_arg);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 0xffff, DOMID_SELF, 2, 0, 0xffff), GNTST_bad_copy_arg);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 4096, DOMID_SELF, 2, 0, 0), GNTST_okay);  /* empty at the end */
    CHECK_EQ(copy(D2, GNTCOPY_dest_gref, DOMID_SELF, 1, 0, ID(D1), 11, 0, 8), GNTST_general_error);
    CHECK_EQ(flags_of(D1, 11), GTF_permit_access | GTF_readonly);
    CHECK_EQ(copy(D2, 0, ID(D1), 5, 0, DOMID_SELF, 2, 0, 8), GNTST_permission_denied);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1, 0, ID(D3), 2, 0, 8), GNTST_permission_denied);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, RAMP, 0, DOMID_SELF, 2, 0, 8), GNTST_bad_page);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, 1ull << 40, 0, DOMID_SELF, 2, 0, 8), GNTST_bad_page);
    CHECK_EQ(copy(D2, 0, DOMID_SELF, ~0ull, 0, DOMID_SELF, 2, 0, 8), GNTST_bad_page);
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, DOMID_SELF, 10, 0, DOMID_SELF, 2, 0, 8), GNTST_permission_denied);
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, ID(D2), 10, 0, DOMID_SELF, 2, 0, 8), GNTST_permission_denied);
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, 77, 10, 0, DOMID_SELF, 2, 0, 8), GNTST_bad_domain);
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, ID(D1), 5000, 0, DOMID_SELF, 2, 0, 8), GNTST_bad_gntref);
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, ID(D1), 12, 0, DOMID_SELF, 2, 0, 8), GNTST_general_error);
    CHECK_EQ(copy(D3, GNTCOPY_source_gref, ID(D1), 10, 0, DOMID_SELF, 2, 0, 8), GNTST_general_error);
    /* Source fine, destination bad: the source pin is released. */
    CHECK_EQ(copy(D2, GNTCOPY_source_gref | GNTCOPY_dest_gref, ID(D1), 10, 0, ID(D1), 11, 0, 8),
             GNTST_general_error);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access);
    CHECK_EQ(count_of(ram(D1, 5)), 0);
    CHECK_EQ(count_of(ram(D2, 1)), 0);
    CHECK_EQ(count_of(ram(D2, 2)), 0);
    /* A copy through a mapped grant keeps the map's pins. */
    {
        uint32_t h;

        CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map | GNTMAP_readonly, &h), GNTST_okay);
        CHECK_EQ(copy(D2, GNTCOPY_dest_gref, DOMID_SELF, 1, 0, ID(D1), 10, 0, 8), GNTST_okay);
        CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_reading);
        CHECK_EQ(count_of(ram(D1, 5)), 1);
        CHECK_EQ(unmap(D2, h, 0), GNTST_okay);
    }
    /* Batch of copies: per-op status. */
    {
        struct gnttab_copy ops[2] = { 0 };

        ops[0].source.domid = ops[0].dest.domid = DOMID_SELF;
        ops[0].source.u.gmfn = 1;
        ops[0].dest.u.gmfn = 2;
        ops[0].len = 4;
        ops[1] = ops[0];
        ops[1].len = 4097;
        CHECK_EQ(fake_hypercall(D2, GNTTABOP_copy, ops, sizeof(ops), 2), 0);
        CHECK_EQ(ops[0].status, GNTST_okay);
        CHECK_EQ(ops[1].status, GNTST_bad_copy_arg);
    }
    teardown();
}

/* The granter changes its entry between our read and our compare-exchange. */
static int race_mode, race_calls;
static void race_hook(uint32_t *word)
{
    race_calls++;
    switch (race_mode) {
    case 1: if (race_calls == 1) __atomic_fetch_or(word, GTF_PWT, __ATOMIC_SEQ_CST); break;
    case 2: if (race_calls == 1) __atomic_fetch_or(word, GTF_readonly, __ATOMIC_SEQ_CST); break;
    case 3: __atomic_fetch_xor(word, GTF_PCD, __ATOMIC_SEQ_CST); break;
    case 4: if (race_calls == 1) __atomic_store_n(word, GTF_permit_access | ((uint32_t)ID(D3) << 16),
                                                  __ATOMIC_SEQ_CST); break;
    case 5: if (race_calls == 1) __atomic_store_n(word, 0, __ATOMIC_SEQ_CST); break;
    }
}

static void test_concurrent_granter(void)
{
    uint32_t h;
    uint64_t mfn;

    env(4);
    mfn = ram(D1, 5);
    gnttab_test_race_hook = race_hook;

    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    race_mode = 1; race_calls = 0;          /* unrelated bit: retried, kept */
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(race_calls, 2);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_PWT | GTF_reading | GTF_writing);
    race_mode = 0;
    CHECK_EQ(unmap(D2, h, 0), GNTST_okay);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_PWT);

    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    race_mode = 2; race_calls = 0;          /* made read-only under us */
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(flags_of(D1, 10), GTF_permit_access | GTF_readonly);
    race_calls = 0;
    CHECK_EQ(copy(D2, GNTCOPY_dest_gref, DOMID_SELF, 1, 0, ID(D1), 10, 0, 8), GNTST_general_error);

    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    race_mode = 3; race_calls = 0;          /* changes forever: bounded retries */
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(race_calls, GNTTAB_CMPXCHG_TRIES);
    CHECK_EQ(flags_of(D1, 10) & (GTF_reading | GTF_writing), 0);

    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    race_mode = 4; race_calls = 0;          /* re-targeted */
    CHECK_EQ(map(D2, ID(D1), 10, 600, GNTMAP_host_map, NULL), GNTST_general_error);
    grant(D1, 10, ID(D2), 5, GTF_permit_access);
    race_mode = 5; race_calls = 0;          /* revoked */
    CHECK_EQ(copy(D2, GNTCOPY_source_gref, ID(D1), 10, 0, DOMID_SELF, 2, 0, 8), GNTST_general_error);
    CHECK_EQ(flags_of(D1, 10), 0);
    CHECK_EQ(count_of(mfn), 0);
    CHECK_EQ(fake_doms[D2].p2m[600].mfn, PHYSMAP_NO_MFN);
    gnttab_test_race_hook = NULL;
    race_mode = 0;
    teardown();
}

/* ---- PV unmap batches (gnttab_defer.h): one flush per drain, and no
 * reference dropped while a TLB may still translate the cleared entry ---- */

struct defer_model {
    unsigned flushes, released;
    unsigned stale;             /* cleared entries no flush has covered yet */
    unsigned stale_at_push[3 * GNTTAB_DEFER_MAX];   /* by mfn: cleared (1) or not (0) */
    bool covered[3 * GNTTAB_DEFER_MAX];             /* by mfn: a flush came after its clear */
    uint64_t order[3 * GNTTAB_DEFER_MAX];           /* mfns in release order */
    unsigned early;             /* releases of a cleared entry not covered by a flush */
};

static void model_flush(void *ctx)
{
    struct defer_model *m = ctx;

    m->flushes++;
    m->stale = 0;
    for (unsigned i = 0; i < 3 * GNTTAB_DEFER_MAX; i++)
        if (m->stale_at_push[i])
            m->covered[i] = true;
}

static void model_release(void *ctx, const struct gnttab_deferred *d)
{
    struct defer_model *m = ctx;

    if (d->mfn < 3 * GNTTAB_DEFER_MAX) {
        if (m->stale_at_push[d->mfn] && !m->covered[d->mfn])
            m->early++;
        m->order[m->released] = d->mfn;
    }
    m->released++;
}

static bool model_push(struct gnttab_defer *q, const struct gnttab_defer_ops *ops, struct defer_model *m,
                       uint64_t mfn, bool cleared)
{
    struct gnttab_deferred d = { .mfn = mfn, .granter_serial = 7, .ref = (uint32_t)mfn, .granter = 3,
                                 .writable = mfn & 1 };

    m->stale_at_push[mfn] = cleared;
    m->stale += cleared;
    return gnttab_defer_push(q, ops, &d, cleared);
}

static void test_unmap_defer(void)
{
    struct defer_model m = { 0 };
    struct gnttab_defer_ops ops = { model_flush, model_release, &m };
    struct gnttab_defer q;
    unsigned n = 2 * GNTTAB_DEFER_MAX + 6, pushed_flushes = 0;

    /* An empty batch: no flush, nothing released. */
    gnttab_defer_init(&q);
    CHECK(!gnttab_defer_drain(&q, &ops));
    CHECK_EQ(m.flushes, 0);
    CHECK_EQ(m.released, 0);

    /* Device-only unmaps (nothing cleared): released at the drain, unflushed. */
    CHECK(!model_push(&q, &ops, &m, 1, false));
    CHECK(!model_push(&q, &ops, &m, 2, false));
    CHECK_EQ(m.released, 0);
    CHECK(!gnttab_defer_drain(&q, &ops));
    CHECK_EQ(m.flushes, 0);
    CHECK_EQ(m.released, 2);
    CHECK_EQ(q.n, 0);

    /* A long batch of host unmaps: a flush each time the queue fills and one
     * at the end, each before the references it covers go, in push order. */
    memset(&m, 0, sizeof(m));
    for (unsigned i = 0; i < n; i++)
        pushed_flushes += model_push(&q, &ops, &m, i, true);
    CHECK_EQ(pushed_flushes, 2);
    CHECK_EQ(m.flushes, 2);
    CHECK_EQ(m.released, 2 * GNTTAB_DEFER_MAX);
    CHECK_EQ(q.n, 6);
    CHECK(q.need_flush);
    CHECK(gnttab_defer_drain(&q, &ops));
    CHECK_EQ(m.flushes, 3);
    CHECK_EQ(m.released, n);
    CHECK_EQ(m.early, 0);
    CHECK_EQ(m.stale, 0);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(m.order[i], i);
    printf("unit_gnttab: %u unmaps, %u flushes (one per %u), 0 early releases\n", n, m.flushes,
           GNTTAB_DEFER_MAX);

    /* One cleared entry among device-only ones still flushes, once. */
    memset(&m, 0, sizeof(m));
    CHECK(!model_push(&q, &ops, &m, 4, false));
    CHECK(!model_push(&q, &ops, &m, 5, true));
    CHECK(!model_push(&q, &ops, &m, 6, false));
    CHECK(gnttab_defer_drain(&q, &ops));
    CHECK_EQ(m.flushes, 1);
    CHECK_EQ(m.early, 0);
    CHECK(!q.need_flush);
    CHECK(!gnttab_defer_drain(&q, &ops));      /* drained: the next batch starts clean */
    CHECK_EQ(m.flushes, 1);
}

int main(void)
{
    RUN(test_sizes_versions);
    RUN(test_setup_table);
    RUN(test_map_unmap);
    RUN(test_map_errors);
    RUN(test_pins_and_stale_handles);
    RUN(test_maptrack_limit);
    RUN(test_granter_dies);
    RUN(test_mapper_dies);
    RUN(test_copy);
    RUN(test_concurrent_granter);
    RUN(test_unmap_defer);
    return t_finish("unit_gnttab");
}
