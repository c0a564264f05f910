/*
 * pvh_hostile: event-channel and grant-table hypercalls with bad arguments,
 * against its own ports and table and against pvh_hostile_peer's grants and
 * ports ("peer=N" its domid, "self=N" ours).  Every call must fail with the
 * documented code (the include/public headers, src/evtchn/evtchn.h,
 * src/gnttab/gnttab.h; Xen's codes where those leave it open) and the domain
 * must keep working: at the end a send to itself still arrives and a valid
 * grant still maps.
 */
#include "ring.h"

const char pvh_guest_name[] = "pvh_hostile";

#define MS 1000000ull
#define NOBODY 0x3ff                /* a domid no domain has */
/* Ports a domain may have open (src/evtchn/evtchn.h EVTCHN_DEFAULT_MAX_PORTS, xl's max_event_channels). */
#define EVTCHN_DEFAULT_MAX_PORTS_GUEST 1023u
#define MAP_GFN (PVH_GFN_FREE + 0)
#define MAP_GFN2 (PVH_GFN_FREE + 1)
#define INFO_GFN (PVH_GFN_FREE + 2)

static const uint32_t bad_ports[] = { 4096, 1u << 17, 0xffffffffu, 5000 };
static uint8_t own[4][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct gnttab_copy many[513];
static evtchn_port_t opened[1100];

static bool einval_op(unsigned cmd, evtchn_port_t port, long *rc)
{
    union { struct evtchn_send s; struct evtchn_close c; struct evtchn_unmask u; struct evtchn_bind_vcpu b;
            struct evtchn_status st; } a;
    memset(&a, 0, sizeof(a));
    if (cmd == EVTCHNOP_status) {
        a.st.dom = DOMID_SELF;
        a.st.port = port;
    } else {
        a.s.port = port;
    }
    *rc = evtchn_op(cmd, &a);
    return *rc == -EINVAL;
}

static void evtchn_bad_ports(void)
{
    static const struct { unsigned cmd; const char *name; } ops[] = {
        { EVTCHNOP_send, "send" }, { EVTCHNOP_close, "close" }, { EVTCHNOP_bind_vcpu, "bind_vcpu" },
        { EVTCHNOP_unmask, "unmask" }, { EVTCHNOP_status, "status" },
    };
    char name[48];
    /* Ports out of range: -EINVAL for every operation. */
    for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
        bool ok = true;
        long rc = 0;
        uint32_t bad = 0;
        for (unsigned j = 0; j < ARRAY_SIZE(bad_ports) && ok; j++)
            if (!einval_op(ops[i].cmd, bad_ports[j], &rc))
                ok = false, bad = bad_ports[j];
        memcpy(name, "evtchn-out-of-range-", 20);
        memcpy(name + 20, ops[i].name, strlen(ops[i].name) + 1);
        check(ok, name, "port %#x -> %ld (want -EINVAL)", bad, rc);
    }
    /* Port 0 (reserved), a never-used port and a closed one: nothing to send,
     * close or move (-EINVAL); status says closed (or -EINVAL); unmask of an
     * in-range port is harmless (0) in Xen. */
    evtchn_port_t closed = 0;
    evtchn_alloc_unbound(DOMID_SELF, &closed);
    long crc = evtchn_close(closed);
    evtchn_port_t inrange[] = { 0, 700, closed };
    for (unsigned k = 0; k < ARRAY_SIZE(inrange); k++) {
        long rs, rcl, rb;
        bool ok = einval_op(EVTCHNOP_send, inrange[k], &rs) && einval_op(EVTCHNOP_close, inrange[k], &rcl) &&
                  einval_op(EVTCHNOP_bind_vcpu, inrange[k], &rb);
        struct evtchn_status st;
        long rst = evtchn_status(inrange[k], &st);
        long ru = evtchn_unmask(inrange[k]);
        memcpy(name, k == 0 ? "evtchn-port0" : k == 1 ? "evtchn-never-used" : "evtchn-closed", 18);
        check(ok && (rst == -EINVAL || (rst == 0 && st.status == EVTCHNSTAT_closed)) && (ru == 0 || ru == -EINVAL),
              name, "port %u: send/close/bind_vcpu must be -EINVAL, status closed or -EINVAL, unmask 0 or "
              "-EINVAL; close of the fresh port %ld", inrange[k], crc);
    }
    long rc = evtchn_op(99, &closed);
    check(rc == -ENOSYS, "evtchn-unknown-op", "EVTCHNOP 99 -> %ld (want -ENOSYS)", rc);
    rc = evtchn_op(EVTCHNOP_send, (void *)0xf0000000ul);
    check(rc == -EFAULT, "evtchn-bad-pointer", "argument at 0xf0000000 -> %ld (want -EFAULT)", rc);
}

static void evtchn_bad_binds(domid_t peer, const struct ring_page *info)
{
    evtchn_port_t p;
    long rc = evtchn_bind_interdomain(NOBODY, 1, &p);
    check(rc == -ESRCH, "bind-interdomain-no-domain", "dom %#x -> %ld (want -ESRCH)", NOBODY, rc);
    rc = evtchn_bind_interdomain(peer, info->info[1], &p);
    check(rc == -EINVAL, "bind-interdomain-not-offered", "peer's port %u (offered to itself) -> %ld (want -EINVAL)",
          info->info[1], rc);
    long r0 = evtchn_bind_interdomain(peer, 0, &p), rbig = evtchn_bind_interdomain(peer, 1u << 17, &p);
    check(r0 == -EINVAL && rbig == -EINVAL, "bind-interdomain-bad-port", "port 0 -> %ld, 2^17 -> %ld", r0, rbig);
    struct evtchn_alloc_unbound au = { .dom = peer, .remote_dom = DOMID_SELF };
    rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
    check(rc == -EPERM, "alloc-unbound-foreign", "dom = peer %u -> %ld (want -EPERM)", peer, rc);
    au.dom = NOBODY;
    rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
    check(rc == -ESRCH || rc == -EPERM, "alloc-unbound-no-domain", "dom %#x -> %ld (want -ESRCH or -EPERM)", NOBODY,
          rc);

    evtchn_port_t t;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &t);
    long again = evtchn_bind_virq(VIRQ_TIMER, 0, &p);
    check(rc == 0 && again == -EEXIST, "bind-virq-twice", "first %ld, second %ld (want -EEXIST)", rc, again);
    rc = evtchn_bind_virq(VIRQ_DEBUG, 5, &p);
    check(rc == -ENOENT || rc == -EINVAL, "bind-virq-bad-vcpu", "vcpu 5 of 1 -> %ld (want -ENOENT)", rc);
    rc = evtchn_bind_virq(NR_VIRQS, 0, &p);
    long rhuge = evtchn_bind_virq(0xffffffffu, 0, &p);
    check(rc == -EINVAL && rhuge == -EINVAL, "bind-virq-bad-virq", "virq 24 -> %ld, 0xffffffff -> %ld", rc, rhuge);
    rc = evtchn_bind_ipi(5, &p);
    check(rc == -ENOENT || rc == -EINVAL, "bind-ipi-bad-vcpu", "vcpu 5 -> %ld (want -ENOENT)", rc);
    struct evtchn_bind_vcpu bv = { t, 3 };
    rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
    check(rc == -ENOENT || rc == -EINVAL, "bind-vcpu-bad-vcpu", "port %u to vcpu 3 -> %ld", t, rc);
    evtchn_close(t);
}

static void evtchn_exhaust(void)
{
    unsigned in_use = 0;
    for (evtchn_port_t p = 1; p < EVTCHN_DEFAULT_MAX_PORTS_GUEST; p++) {
        struct evtchn_status st;
        if (evtchn_status(p, &st) == 0 && st.status != EVTCHNSTAT_closed)
            in_use++;
    }
    unsigned n = 0;
    long rc = 0;
    evtchn_port_t p, maxp = 0;
    while (n < ARRAY_SIZE(opened) && (rc = evtchn_alloc_unbound(DOMID_SELF, &p)) == 0) {
        opened[n++] = p;
        if (p > maxp)
            maxp = p;
    }
    printf("note: %u ports in use before, %u more allocated (highest %u), then %ld\n", in_use, n, maxp, rc);
    check(rc == -ENOSPC && n + in_use == EVTCHN_DEFAULT_MAX_PORTS_GUEST, "evtchn-exhaust",
          "alloc_unbound stopped with %ld after %u ports (%u in use before): want -ENOSPC at %u open ports",
          rc, n, in_use, EVTCHN_DEFAULT_MAX_PORTS_GUEST);
    evtchn_port_t q;
    rc = evtchn_bind_ipi(0, &q);
    check(rc == -ENOSPC, "evtchn-exhaust-bind", "bind_ipi with no port left -> %ld (want -ENOSPC)", rc);
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++)
        if (evtchn_close(opened[i]))
            bad++;
    check(bad == 0, "evtchn-exhaust-close", "%u of %u closes failed", bad, n);
    unsigned again = 0;
    for (unsigned i = 0; i < 16; i++)
        if (evtchn_alloc_unbound(DOMID_SELF, &opened[i]) == 0 && opened[i] <= maxp)
            again++;
    check(again == 16, "evtchn-reuse", "%u of 16 allocations after closing all reused a freed port", again);
    for (unsigned i = 0; i < again; i++)
        evtchn_close(opened[i]);
}

static void gnttab_bad_maps(domid_t peer, domid_t self)
{
    grant_handle_t h;
    int16_t s;
    s = gnttab_map(peer, 1u << 20, MAP_GFN, GNTMAP_host_map, &h);
    int16_t s2 = gnttab_map(peer, 600, MAP_GFN, GNTMAP_host_map, &h);
    check(s == GNTST_bad_gntref && s2 == GNTST_bad_gntref, "map-ref-beyond-table",
          "ref 2^20 -> %d, ref 600 (table of 1 frame) -> %d (want GNTST_bad_gntref %d)", s, s2, GNTST_bad_gntref);
    s = gnttab_map(peer, 13, MAP_GFN, GNTMAP_host_map, &h);
    check(s == GNTST_general_error || s == GNTST_permission_denied, "map-revoked-ref",
          "ref 13 (flags 0) -> %d (want general_error %d, Xen's, or permission_denied)", s, GNTST_general_error);
    s = gnttab_map(peer, 12, MAP_GFN, GNTMAP_host_map, &h);
    check(s == GNTST_general_error || s == GNTST_permission_denied, "map-ref-of-other-domain",
          "ref 12 (granted to dom %#x) -> %d", NOBODY, s);
    s = gnttab_map(peer, 11, MAP_GFN, GNTMAP_host_map, &h);
    check(s == GNTST_general_error || s == GNTST_permission_denied, "map-readonly-writable",
          "read-only ref 11 mapped writable -> %d", s);
    s = gnttab_map(peer, 11, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &h);
    if (check(s == GNTST_okay, "map-readonly", "read-only ref 11 mapped read-only -> %d", s)) {
        const volatile uint8_t *d = gfn_ptr(MAP_GFN);
        check(d[0] == 1 && d[100] == (uint8_t)(100 * 7 + 1), "map-readonly-content", "bytes %#x %#x", d[0], d[100]);
        s = gnttab_unmap(h, MAP_GFN);
        check(s == GNTST_okay, "unmap-readonly", "%d", s);
        s = gnttab_unmap(h, MAP_GFN);
        check(s == GNTST_bad_handle, "unmap-twice", "second unmap -> %d (want GNTST_bad_handle)", s);
    }
    s = gnttab_unmap(777, MAP_GFN);
    s2 = gnttab_unmap(0xffffffffu, 0);
    check(s == GNTST_bad_handle && s2 == GNTST_bad_handle, "unmap-never-issued", "handle 777 -> %d, ~0 -> %d", s,
          s2);
    s = gnttab_map(NOBODY, 14, MAP_GFN, GNTMAP_host_map, &h);
    check(s == GNTST_bad_domain, "map-no-domain", "dom %#x -> %d (want GNTST_bad_domain)", NOBODY, s);
    s = gnttab_map(peer, 14, MAP_GFN, 0, &h);
    check(s != GNTST_okay, "map-no-host-map-flag", "flags 0 -> %d, want an error", s);
    s = gnttab_map(peer, 14, 1ull << 40, GNTMAP_host_map, &h);
    check(s != GNTST_okay, "map-gfn-beyond-48-bit", "host_addr 2^52 -> %d, want an error", s);
    struct gnttab_map_grant_ref big[2];
    long rc = gnttab_op(GNTTABOP_map_grant_ref, big, 513);
    check(rc == -EINVAL, "map-count-513", "count 513 -> %ld (want -EINVAL)", rc);
    rc = gnttab_op(99, big, 1);
    check(rc == -ENOSYS, "gnttab-unknown-op", "GNTTABOP 99 -> %ld (want -ENOSYS)", rc);
    rc = gnttab_op(GNTTABOP_map_grant_ref, (void *)0xf0000000ul, 1);
    check(rc == -EFAULT, "gnttab-bad-pointer", "uop at 0xf0000000 -> %ld (want -EFAULT)", rc);

    /* Our own grant, mapped by ourselves: either refused or a working alias. */
    own[0][0] = 0x5a;
    gnttab_grant(20, self, ptr_gfn(own[0]), false);
    s = gnttab_map(DOMID_SELF, 20, MAP_GFN2, GNTMAP_host_map, &h);
    int16_t sid = s == GNTST_okay ? s : gnttab_map(self, 20, MAP_GFN2, GNTMAP_host_map, &h);
    if (sid == GNTST_okay) {
        bool alias = *(volatile uint8_t *)gfn_ptr(MAP_GFN2) == 0x5a;
        check(alias && gnttab_unmap(h, MAP_GFN2) == GNTST_okay, "map-own-grant", "mapped (DOMID_SELF %d, own id %d) "
              "but alias %d or unmap failed", s, sid, alias);
    } else {
        check(sid < 0, "map-own-grant", "refused with %d / %d", s, sid);
        printf("note: mapping our own grant refused: DOMID_SELF -> %d, own id -> %d\n", s, sid);
    }
    gnttab_revoke(20);
}

static void gnttab_bad_copies(domid_t peer)
{
    struct gnttab_copy c;
    memset(&c, 0, sizeof(c));
    c.source.u.ref = 14;
    c.source.domid = peer;
    c.dest.u.gmfn = ptr_gfn(own[1]);
    c.dest.domid = DOMID_SELF;
    c.flags = GNTCOPY_source_gref;
    c.len = PAGE_SIZE;
    c.status = 1;
    long rc = gnttab_op(GNTTABOP_copy, &c, 1);
    check(rc == 0 && c.status == GNTST_okay && own[1][0] == 5 && own[1][4095] == (uint8_t)(4095 * 13 + 5),
          "copy-valid", "rc %ld status %d bytes %#x %#x", rc, c.status, own[1][0], own[1][4095]);
    struct { uint16_t soff, doff, len; } bad[] = { { 4000, 0, 200 }, { 0, 3000, 2000 }, { 4096, 0, 1 },
                                                   { 0, 0, 4097 & 0xffff } };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        c.source.offset = bad[i].soff;
        c.dest.offset = bad[i].doff;
        c.len = bad[i].len;
        c.status = 1;
        rc = gnttab_op(GNTTABOP_copy, &c, 1);
        if (!check(rc == 0 && c.status == GNTST_bad_copy_arg, "copy-bad-offset-len",
                   "source offset %u, dest offset %u, len %u -> rc %ld status %d (want GNTST_bad_copy_arg %d)",
                   bad[i].soff, bad[i].doff, bad[i].len, rc, c.status, GNTST_bad_copy_arg))
            break;
    }
    c.source.offset = c.dest.offset = 0;
    c.len = 16;
    /* Writing through a read-only grant. */
    struct gnttab_copy w = c;
    w.source.u.gmfn = ptr_gfn(own[1]);
    w.source.domid = DOMID_SELF;
    w.dest.u.ref = 11;
    w.dest.domid = peer;
    w.flags = GNTCOPY_dest_gref;
    w.status = 1;
    rc = gnttab_op(GNTTABOP_copy, &w, 1);
    check(rc == 0 && w.status != GNTST_okay && w.status != 1, "copy-to-readonly-grant", "rc %ld status %d", rc,
          w.status);
    w.dest.u.ref = 13;
    w.status = 1;
    rc = gnttab_op(GNTTABOP_copy, &w, 1);
    check(rc == 0 && w.status != GNTST_okay && w.status != 1, "copy-revoked-grant", "rc %ld status %d", rc, w.status);
    /* A source frame of ours outside RAM. */
    w = c;
    w.source.u.gmfn = 0x7ffff;
    w.source.domid = DOMID_SELF;
    w.flags = 0;
    w.status = 1;
    rc = gnttab_op(GNTTABOP_copy, &w, 1);
    check(rc == 0 && w.status != GNTST_okay && w.status != 1, "copy-bad-own-frame", "gmfn 0x7ffff -> rc %ld status "
          "%d", rc, w.status);
    for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
        many[i] = c;
    rc = gnttab_op(GNTTABOP_copy, many, 513);
    check(rc == -EINVAL, "copy-count-513", "count 513 -> %ld (want -EINVAL)", rc);
}

static void gnttab_bad_table(void)
{
    long rc = gnttab_map_frames(1);
    if (!check(rc == 0, "gnttab-map-frame", "add_to_physmap(grant_table, 0) -> %ld", rc))
        return;
    rc = add_to_physmap(XENMAPSPACE_grant_table, 64, PVH_GFN_GNTTAB + 64);
    long rc2 = add_to_physmap(XENMAPSPACE_grant_table, 100000, PVH_GFN_GNTTAB + 65);
    check(rc == -EINVAL && rc2 == -EINVAL, "physmap-grant-frame-beyond-max", "idx 64 -> %ld, idx 100000 -> %ld "
          "(want -EINVAL)", rc, rc2);
    rc = add_to_physmap(99, 0, PVH_GFN_FREE + 10);
    check(rc == -EINVAL || rc == -ENOSYS || rc == -EOPNOTSUPP, "physmap-bad-space",
          "space 99 -> %ld (want -EINVAL, -ENOSYS or -EOPNOTSUPP)", rc);
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    rc = gnttab_op(GNTTABOP_query_size, &q, 1);
    check(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 1 && q.max_nr_frames == 64, "query-size",
          "rc %ld status %d frames %u max %u", rc, q.status, q.nr_frames, q.max_nr_frames);
    uint64_t frames[2] = { 0, 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uintptr_t)frames };
    rc = gnttab_op(GNTTABOP_setup_table, &st, 1);
    check(rc == 0 && st.status == GNTST_okay && frames[0] == PVH_GFN_GNTTAB, "setup-table",
          "rc %ld status %d frame 0 = %#llx (mapped at %#llx)", rc, st.status, (unsigned long long)frames[0],
          (unsigned long long)PVH_GFN_GNTTAB);
    st.nr_frames = 65;
    st.status = 1;
    rc = gnttab_op(GNTTABOP_setup_table, &st, 1);
    check(rc == 0 && st.status != GNTST_okay && st.status != 1, "setup-table-beyond-max",
          "65 frames -> rc %ld status %d", rc, st.status);
    st = (struct gnttab_setup_table){ .dom = 0x3ff, .nr_frames = 1, .frame_list = (uintptr_t)frames, .status = 1 };
    rc = gnttab_op(GNTTABOP_setup_table, &st, 1);
    check(rc < 0 || (st.status != GNTST_okay && st.status != 1), "setup-table-other-domain", "rc %ld status %d", rc,
          st.status);
    skip("maptrack-exhaustion", "1024 maptrack frames of 512 handles: too many maps for a test run");
}

/*
 * memory_op / hvm_op / vcpu_op with hostile arguments, while INFO_GFN holds
 * the peer's granted page: each gets its documented error (docs/hypercalls.md)
 * and the grant mapping is left alone.
 */
static void hypercall_bad_args(const struct ring_page *info)
{
    long rc;

    rc = add_to_physmap(XENMAPSPACE_shared_info, 0, 1ull << 40);
    check(rc == -EINVAL, "physmap-gfn-too-high", "shared_info at gfn 2^40 -> %ld (want -EINVAL)", rc);
    rc = add_to_physmap(XENMAPSPACE_shared_info, 1, PVH_GFN_FREE + 50);
    check(rc == -EINVAL, "physmap-shinfo-idx", "shared_info idx 1 -> %ld (want -EINVAL)", rc);
    rc = add_to_physmap(XENMAPSPACE_shared_info, 0, INFO_GFN);
    check(rc == -EBUSY, "physmap-over-grant", "shared_info over a grant mapping -> %ld (want -EBUSY)", rc);
    rc = add_to_physmap(XENMAPSPACE_grant_table, XENMAPIDX_grant_table_status, PVH_GFN_FREE + 50);
    check(rc == -EINVAL, "physmap-gnttab-status", "v2 status frame -> %ld (want -EINVAL)", rc);
    struct xen_remove_from_physmap rm = { .domid = DOMID_SELF, .gpfn = INFO_GFN };
    rc = memory_op(XENMEM_remove_from_physmap, &rm);
    check(rc == -EINVAL, "unphysmap-grant", "remove_from_physmap of a grant mapping -> %ld (want -EINVAL)", rc);
    rm.domid = 0x3ff;
    rc = memory_op(XENMEM_remove_from_physmap, &rm);
    check(rc == -EPERM, "unphysmap-foreign", "another domain's physmap -> %ld (want -EPERM)", rc);
    check(info->magic == RING_MAGIC, "grant-mapping-intact", "the peer's page at gfn %#llx reads %#x",
          (unsigned long long)INFO_GFN, info->magic);

    uint8_t buf[2 * 20];
    struct xen_memory_map mm = { .nr_entries = 1, .buffer = (uint64_t)(uintptr_t)buf };
    rc = memory_op(XENMEM_memory_map, &mm);
    check(rc == -EINVAL, "memory-map-too-small", "room for 1 entry -> %ld (want -EINVAL)", rc);
    mm = (struct xen_memory_map){ .nr_entries = 64, .buffer = 0xffff800000000000ull };
    rc = memory_op(XENMEM_memory_map, &mm);
    check(rc == -EFAULT, "memory-map-bad-buffer", "buffer in the hypervisor's hole -> %ld (want -EFAULT)", rc);
    uint64_t gfn = MAP_GFN2;
    struct xen_reservation r = { .extent_start = (uint64_t)(uintptr_t)&gfn, .nr_extents = 1, .extent_order = 9,
                                 .domid = DOMID_SELF };
    rc = memory_op(XENMEM_decrease_reservation, &r);
    check(rc == -EINVAL, "reservation-order", "order 9 -> %ld (want -EINVAL)", rc);
    rc = memory_op(99, NULL);
    check(rc == -ENOSYS, "memory-op-unknown", "memory_op 99 -> %ld (want -ENOSYS)", rc);

    struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 5, .vector = 0xf3 };
    rc = hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
    check(rc == -ENOENT, "upcall-vector-bad-vcpu", "vCPU 5 -> %ld (want -ENOENT)", rc);
    uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 0, .vector = 3 };
    rc = hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
    check(rc == -EINVAL, "upcall-vector-low", "vector 3 -> %ld (want -EINVAL)", rc);
    rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 5);      /* the GSI form */
    check(rc == -EINVAL, "callback-gsi", "GSI 5 -> %ld (want -EINVAL)", rc);
    rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ, (2ull << 56) | 0x100);
    check(rc == -EINVAL, "callback-vector-range", "vector 0x100 -> %ld (want -EINVAL)", rc);

    struct vcpu_register_vcpu_info vi = { .mfn = 0xfee00, .offset = 0 };
    rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &vi);
    check(rc == -EINVAL, "vcpu-info-not-ram", "vcpu_info in the APIC page -> %ld (want -EINVAL)", rc);
    vi = (struct vcpu_register_vcpu_info){ .mfn = ptr_gfn(own[3]), .offset = 4090 };
    rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &vi);
    check(rc == -EINVAL, "vcpu-info-crosses-page", "offset 4090 -> %ld (want -EINVAL)", rc);
    struct vcpu_register_runstate_memory_area ra = { .addr = 0x7fff00000000ull };
    rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra);
    check(rc == -EFAULT, "runstate-unmapped", "runstate area at an unmapped address -> %ld (want -EFAULT)", rc);
    struct vcpu_set_periodic_timer pt = { .period_ns = 1000 };
    rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
    check(rc == -EINVAL, "periodic-too-fast", "1 us period -> %ld (want -EINVAL)", rc);
    rc = vcpu_op(VCPUOP_up, 0, NULL);
    check(rc == -ENOSYS, "vcpu-up", "VCPUOP_up -> %ld (want -ENOSYS)", rc);
}

void test_main(void)
{
    domid_t peer = (domid_t)cmdline_uint("peer", 2), self = (domid_t)cmdline_uint("self", 1);
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "rc %ld", rc))
        return;
    gnttab_bad_table();
    evtchn_bad_ports();
    evtchn_exhaust();

    /* The peer's info page (retry: it may start after us). */
    grant_handle_t ih = 0;
    int16_t s = 1;
    uint64_t dl = pvclock_ns() + 120000 * MS;
    while ((s = gnttab_map(peer, RING_REF, INFO_GFN, GNTMAP_host_map, &ih)) != GNTST_okay && pvclock_ns() < dl)
        sched_op(SCHEDOP_yield, NULL);
    if (!check(s == GNTST_okay, "map-peer-info", "dom %u ref %u -> %d", peer, RING_REF, s))
        return;
    struct ring_page *info = gfn_ptr(INFO_GFN);
    if (!check(WAIT_UNTIL(info->magic == RING_MAGIC, 0, 10000 * MS), "peer-info-magic", "%#x", info->magic))
        return;
    evtchn_bad_binds(peer, info);
    gnttab_bad_maps(peer, self);
    gnttab_bad_copies(peer);
    hypercall_bad_args(info);

    /* Still working: an IPI to ourselves arrives, a valid grant maps. */
    evtchn_port_t ipi = 0;
    rc = evtchn_bind_ipi(0, &ipi);
    long rs = evtchn_send(ipi);
    check(rc == 0 && rs == 0 && evtchn_wait(ipi, 2000 * MS), "still-works-ipi", "bind %ld send %ld", rc, rs);
    grant_handle_t h;
    s = gnttab_map(peer, 14, MAP_GFN, GNTMAP_host_map, &h);
    bool data_ok = s == GNTST_okay && ((volatile uint8_t *)gfn_ptr(MAP_GFN))[1] == 18;
    int16_t su = s == GNTST_okay ? gnttab_unmap(h, MAP_GFN) : 1;
    check(s == GNTST_okay && data_ok && su == GNTST_okay, "still-works-grant", "map %d, data %d, unmap %d", s,
          data_ok, su);

    /* Tell the peer: done, then unmap its page, then the event. */
    evtchn_port_t done = 0;
    evtchn_port_t dport = info->info[0];
    info->b_done = 1;
    mb();
    s = gnttab_unmap(ih, INFO_GFN);
    check(s == GNTST_okay, "unmap-peer-info", "%d", s);
    rc = evtchn_bind_interdomain(peer, dport, &done);
    rs = evtchn_send(done);
    check(rc == 0 && rs == 0, "signal-peer", "bind to port %u -> %ld, send %ld", dport, rc, rs);
}
