/*
 * pv_gnt: grant mappings into PV page tables (docs/grant-tables.md "PV
 * mappings"), with three PV domains running this kernel; the role comes
 * from the command line:
 *  - role=a (pv_gnt_a, domid 1): a granter.  Its grant table through
 *    setup_table's MFN, mapped with update_va_mapping; ref 10 grants page
 *    P1 writable, ref 11 page P2 read-only, ref 12 one of its own pinned
 *    L1 tables writable.  It checks that it sees the mapper's write through
 *    the mapping and its copies, and that GTF_reading/GTF_writing stay set
 *    while the mapper holds the mapping the mapper's guest zapped.
 *  - role=b (pv_gnt, domid 2): the mapper.  Map by virtual address and by
 *    PTE machine address (GNTMAP_contains_pte), the PTE's bits, reads and
 *    writes through the mapping, a read-only mapping that faults on write,
 *    unmap (by VA, by PTE address, wrong address, twice; batches with a bad
 *    handle in the middle and with a fault on their second element), the refusals (a
 *    writable mapping or copy into the granter's page table, a copy into
 *    its own L1, bad addresses), and the hostile cases: the guest zaps or
 *    changes the grant PTE with update_va_mapping, pins the L1 holding it,
 *    unpins (devalidates) an L1 holding one; then the granter c dies while
 *    its page is mapped.
 *  - role=c (pv_gnt_c, domid 3): grants one page, waits until it is mapped,
 *    powers off.
 * Every domain powers off when its checks passed; the run ends with every
 * frame returned (the mapper's zapped mapping keeps a frame of the dead
 * granter a until the mapper's own teardown).
 */
#include "pv_lib.h"
#include "public/grant_table.h"

void pf_handler(void), unexpected_0(void), unexpected_6(void);

#define M2P     ((const volatile uint64_t *)0xffff800000000000ull)
#define ADDR    0x000ffffffffff000ull
#define UVMF_INVLPG 2ull
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_UNPIN_TABLE  4
#define MMUEXT_CLEAR_PAGE   16
#define EINVAL  22

#define MAGIC_WRITE 0x5752495445000001ull   /* b -> a through the mapping */
#define MAGIC_COPY  0x434f505900000002ull   /* b -> a by GNTTABOP_copy */
#define MAGIC_DONE  0x444f4e4500000003ull   /* b is done with a */
#define MAGIC_ACK1  0x41434b3100000004ull   /* a -> b: checked the flags while mapped */
#define MAGIC_ACK2  0x41434b3200000005ull   /* a -> b: checked the flags after b's hostile cases */
#define MAGIC_FIN   0x46494e0000000006ull   /* b -> a: saw ACK2, a may power off */
#define PAT(tag, i) ((uint64_t)(tag) << 48 | (i))
#define WAIT_YIELDS 2000000u

static const struct start_info *si;
static const uint64_t *p2m;

/* Pages of the kernel's own (.bss, mapped writable in the region). */
#define PAGE(n) static volatile uint64_t n[512] __attribute__((aligned(4096)))
PAGE(gt_win);                               /* a, c: the grant table frame */
PAGE(p1);                                   /* a, c: granted */
PAGE(p2);                                   /* a: granted read-only */
PAGE(cbuf);                                 /* b: copies */
PAGE(w1); PAGE(w2); PAGE(w3); PAGE(w4); PAGE(w5); PAGE(w6); PAGE(w7);  /* b: mapping windows */
/* b: two contiguous pages, the second made not present: an unmap batch
 * whose second element cannot be read. */
static volatile uint64_t twin[1024] __attribute__((aligned(4096)));

/* ---- small helpers ---- */

static uint64_t arg(const char *key, uint64_t dflt)
{
    const char *s = (const char *)si->cmd_line;
    for (; *s; s++) {
        const char *k = key, *p = s;
        while (*k && *p == *k)
            k++, p++;
        if (!*k && *p == '=' && (s == (const char *)si->cmd_line || s[-1] == ' ')) {
            uint64_t v = 0;
            for (p++; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (uint64_t)(*p - '0');
            if (*p >= 'a' && *p <= 'z')
                return (uint64_t)*p;        /* role=a: the letter */
            return v;
        }
    }
    return dflt;
}

static uint64_t mfn_of(const volatile void *va)
{
    return p2m[((uint64_t)va - VIRT_BASE) >> 12];
}

static void yield(void)
{
    hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
}

static long uvm(const volatile void *va, uint64_t val, uint64_t flags)
{
    return hc(__HYPERVISOR_update_va_mapping, (uint64_t)va, val, flags, 0);
}

static long gnt(unsigned cmd, void *ops, unsigned count)
{
    return hc(__HYPERVISOR_grant_table_op, cmd, (uint64_t)ops, count, 0);
}

/* A table of the region by the entry naming it (M2P: its pfn). */
static const volatile uint64_t *table_of(uint64_t e)
{
    return (const volatile uint64_t *)(VIRT_BASE + M2P[(e & ADDR) >> 12] * 4096);
}

/* Machine address of the L1 entry mapping va in the boot tables; 0 if none. */
static uint64_t pte_maddr(const volatile void *p)
{
    uint64_t va = (uint64_t)p, e = 0;
    const volatile uint64_t *t = (const volatile uint64_t *)si->pt_base;
    for (int level = 4; level >= 2; level--) {
        e = t[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & 1))
            return 0;
        if (level > 2)
            t = table_of(e);
    }
    return (e & ADDR) | ((va >> 12) & 511) * 8;
}

static uint64_t pte_of(const volatile void *p)
{
    uint64_t pa = pte_maddr(p);
    return pa ? table_of(pa)[(pa & 0xfff) / 8] : 0;
}

static int try_write(const volatile void *va, uint64_t v)
{
    uint64_t before = pf_count;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "mov %1, (%0)\n"
                         "1:\n" :: "r"(va), "r"(v) : "rax", "memory");
    return pf_count == before;
}

static int16_t map1(uint16_t dom, uint32_t ref, uint64_t addr, uint32_t flags, uint32_t *handle, uint64_t *bus)
{
    struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom };
    if (gnt(GNTTABOP_map_grant_ref, &op, 1))
        return -100;
    if (handle)
        *handle = op.handle;
    if (bus)
        *bus = op.dev_bus_addr;
    return op.status;
}

static int16_t unmap1(uint64_t addr, uint32_t handle)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .handle = handle };
    if (gnt(GNTTABOP_unmap_grant_ref, &op, 1))
        return -100;
    return op.status;
}

static int16_t copy1(struct gnttab_copy_ptr src, struct gnttab_copy_ptr dst, uint16_t len, uint16_t flags)
{
    struct gnttab_copy op = { .source = src, .dest = dst, .len = len, .flags = flags };
    if (gnt(GNTTABOP_copy, &op, 1))
        return -100;
    return op.status;
}

static struct gnttab_copy_ptr own(const volatile void *va, uint16_t off)
{
    return (struct gnttab_copy_ptr){ .u.gmfn = mfn_of(va), .domid = DOMID_SELF, .offset = off };
}

static struct gnttab_copy_ptr gref(uint32_t ref, uint16_t dom, uint16_t off)
{
    return (struct gnttab_copy_ptr){ .u.ref = ref, .domid = dom, .offset = off };
}

/* Waits (yielding) until word *p == v; 1 if it came. */
static int wait_eq(const volatile uint64_t *p, uint64_t v)
{
    for (unsigned i = 0; i < WAIT_YIELDS; i++) {
        if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == v)
            return 1;
        yield();
    }
    return 0;
}

/* ---- granters ---- */

static volatile struct grant_entry_v1 *gt;

static void grant(uint32_t ref, uint16_t to, uint64_t mfn, uint16_t flags)
{
    gt[ref].frame = (uint32_t)mfn;
    gt[ref].domid = to;
    __atomic_store_n(&gt[ref].flags, flags, __ATOMIC_RELEASE);
}

static void granter_setup(uint16_t tag)
{
    uint64_t frame = 0;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uint64_t)&frame };
    long rc = gnt(GNTTABOP_setup_table, &st, 1);
    check(rc == 0 && st.status == GNTST_okay && frame, "setup-table-gives-mfn", "rc/status", (uint64_t)rc, 0);
    /* Its own table frame (a hypervisor frame) mapped writable. */
    rc = uvm(gt_win, frame << 12 | 0x67, UVMF_INVLPG);
    check(rc == 0, "map-own-table-frame", "rc", (uint64_t)rc, 0);
    gt = (volatile struct grant_entry_v1 *)gt_win;
    /* Another domain's frame is not the table: a frame number beyond ours. */
    for (unsigned i = 0; i < 512; i++)
        p1[i] = PAT(tag, i);
}

static void role_a(void)
{
    uint16_t b = (uint16_t)arg("peer", 2);
    uint64_t n = si->nr_pages, X = p2m[n - 1];

    granter_setup(0x1111);
    for (unsigned i = 0; i < 512; i++)
        p2[i] = PAT(0x2222, i);
    struct mmuext_op clr = { MMUEXT_CLEAR_PAGE, 0, X, 0 };
    long rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)&clr, 1, 0, DOMID_SELF);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, X, 0);
    check(rc == 0, "pin-own-l1", "rc", (uint64_t)rc, 0);
    grant(11, b, mfn_of(p2), GTF_permit_access | GTF_readonly);
    grant(12, b, X, GTF_permit_access);
    grant(10, b, mfn_of(p1), GTF_permit_access);

    check(wait_eq(&p1[0], MAGIC_WRITE), "granter-sees-mapper-write", "p1[0]", p1[0], MAGIC_WRITE);
    uint16_t f = gt[10].flags;
    check((f & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing), "flags-while-mapped", "flags", f,
          GTF_permit_access | GTF_reading | GTF_writing);
    __atomic_store_n(&p1[3], MAGIC_ACK1, __ATOMIC_RELEASE);    /* b waits for it before unmapping */
    check(wait_eq(&p1[1], MAGIC_COPY), "granter-sees-copy", "p1[1]", p1[1], MAGIC_COPY);
    check(wait_eq(&p1[2], MAGIC_DONE), "granter-sees-done", "p1[2]", p1[2], MAGIC_DONE);
    /* The mapper's guest zapped one mapping and devalidated the L1 of
     * another: both handles stay (unmap refused), so the pin does. */
    f = gt[10].flags;
    check((f & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing), "zapped-mappings-keep-pin", "flags",
          f, GTF_permit_access | GTF_reading | GTF_writing);
    f = gt[11].flags;
    check(!(f & (GTF_reading | GTF_writing)), "unmapped-flags-clear", "flags", f, GTF_permit_access | GTF_readonly);
    f = gt[12].flags;
    check(!(f & (GTF_reading | GTF_writing)), "l1-grant-flags-clear", "flags", f, GTF_permit_access);
    __atomic_store_n(&p1[4], MAGIC_ACK2, __ATOMIC_RELEASE);    /* b may go on (and end) */
    check(wait_eq(&p1[5], MAGIC_FIN), "mapper-saw-ack", "p1[5]", p1[5], MAGIC_FIN);
    /* Its L1 stayed a page table all along (no writable mapping of it). */
    rc = ext1(MMUEXT_UNPIN_TABLE, X, 0);
    check(rc == 0, "own-l1-still-pinned", "rc", (uint64_t)rc, 0);
    pv_finish();
}

static void role_c(void)
{
    uint16_t b = (uint16_t)arg("peer", 2);

    granter_setup(0x3333);
    grant(10, b, mfn_of(p1), GTF_permit_access | GTF_readonly);
    int mapped = 0;
    for (unsigned i = 0; i < WAIT_YIELDS && !mapped; i++, yield())
        mapped = (__atomic_load_n(&gt[10].flags, __ATOMIC_ACQUIRE) & GTF_reading) != 0;
    check(mapped, "mapped-by-peer", "flags", gt[10].flags, GTF_reading);
    /* Powers off with its page mapped by the peer. */
    pv_finish();
}

/* ---- the mapper ---- */

static int16_t map_retry(uint16_t dom, uint32_t ref, const volatile void *va, uint32_t flags, uint32_t *h,
                         uint64_t *bus)
{
    int16_t st = -100;
    for (unsigned i = 0; i < WAIT_YIELDS; i++, yield())
        if ((st = map1(dom, ref, (uint64_t)va, flags, h, bus)) == GNTST_okay)
            break;
    return st;
}

/* Each argument evaluated once (they are hypercalls). */
#define EQ(name, got, want)                                                     \
    do {                                                                        \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                   \
        check(g_ == w_, name, "value", g_, w_);                                 \
    } while (0)

static void role_b(void)
{
    uint16_t A = (uint16_t)arg("a", 1), C = (uint16_t)arg("c", 3);
    uint64_t n = si->nr_pages, X = p2m[n - 1], bus = 0, x;
    uint32_t h1, h2, h3, h4, h5, h6, h7, hx;
    int16_t st;
    long rc;

    /* 1. By virtual address: a writable mapping of a's P1. */
    st = map_retry(A, 10, w1, GNTMAP_host_map, &h1, &bus);
    EQ("map-by-va", st, GNTST_okay);
    uint64_t pte = pte_of(w1);
    check(bus && (pte & ADDR) == bus, "dev-bus-addr-is-the-mfn", "pte", pte, bus);
    /* P RW US(ring-3 kernel) A D, NX (Xen's grant PTE). */
    check((pte & 0x67) == 0x67 && (pte >> 63), "pte-p-rw-a-d-nx", "pte", pte, bus | 0x67 | 1ull << 63);
    EQ("read-through-va", w1[5], PAT(0x1111, 5));
    w1[0] = MAGIC_WRITE;
    /* a checks its entry's flags while this mapping exists, then acks. */
    check(wait_eq(&w1[3], MAGIC_ACK1), "granter-acked-while-mapped", "w1[3]", w1[3], MAGIC_ACK1);

    /* 2. Read-only. */
    EQ("rw-map-of-ro-grant-refused", map1(A, 11, (uint64_t)w2, GNTMAP_host_map, 0, 0), GNTST_general_error);
    EQ("map-readonly", map1(A, 11, (uint64_t)w2, GNTMAP_host_map | GNTMAP_readonly, &h2, 0), GNTST_okay);
    EQ("read-through-readonly", w2[7], PAT(0x2222, 7));
    check(!(pte_of(w2) & 2), "readonly-pte-no-rw", "pte", pte_of(w2), 0);
    check(!try_write(&w2[7], 1), "write-to-readonly-faults", "faulted", 0, 1);
    EQ("readonly-unchanged", w2[7], PAT(0x2222, 7));

    /* 2b. The guest-available bits, and a device mapping (nothing mapped,
     * the machine address returned; unmap checks it). */
    EQ("map-avail-bits", map1(A, 11, (uint64_t)w6, GNTMAP_host_map | GNTMAP_readonly | 5u << _GNTMAP_guest_avail0,
                              &h6, 0), GNTST_okay);
    EQ("pte-avail-bits", (pte_of(w6) >> 9) & 7, 5);
    EQ("unmap-avail-bits", unmap1((uint64_t)w6, h6), GNTST_okay);
    uint64_t dbus = 0;
    EQ("map-device-only", map1(A, 11, 0, GNTMAP_device_map | GNTMAP_readonly, &h6, &dbus), GNTST_okay);
    {
        struct gnttab_unmap_grant_ref op = { .dev_bus_addr = dbus + 4096, .handle = h6 };
        gnt(GNTTABOP_unmap_grant_ref, &op, 1);
        EQ("unmap-device-wrong-bus-addr", op.status, GNTST_bad_dev_addr);
        op = (struct gnttab_unmap_grant_ref){ .dev_bus_addr = dbus, .handle = h6 };
        gnt(GNTTABOP_unmap_grant_ref, &op, 1);
        EQ("unmap-device", op.status, GNTST_okay);
    }
    check(dbus && (pte_of(w2) & ADDR) == dbus, "device-bus-addr-is-the-mfn", "pte", pte_of(w2), dbus);

    /* 3. By the PTE's machine address. */
    uint64_t pa3 = pte_maddr(w3);
    EQ("map-contains-pte", map1(A, 10, pa3, GNTMAP_host_map | GNTMAP_contains_pte, &h3, 0), GNTST_okay);
    EQ("contains-pte-alias-sees-write", w3[0], MAGIC_WRITE);
    EQ("contains-pte-misaligned-refused", map1(A, 10, pa3 + 4, GNTMAP_host_map | GNTMAP_contains_pte, 0, 0),
       GNTST_general_error);
    EQ("contains-pte-data-frame-refused",
       map1(A, 10, mfn_of(cbuf) << 12, GNTMAP_host_map | GNTMAP_contains_pte, 0, 0), GNTST_general_error);
    EQ("va-without-l1-refused", map1(A, 10, 0x0000028000000000ull, GNTMAP_host_map, 0, 0), GNTST_general_error);
    EQ("va-hypervisor-range-refused", map1(A, 10, 0xffff800000001000ull, GNTMAP_host_map, 0, 0),
       GNTST_general_error);
    EQ("no-host-or-device-flag", map1(A, 10, (uint64_t)w4, 0, 0, 0), GNTST_bad_gntref);

    /* 4. Unmap. */
    EQ("unmap-wrong-address-refused", unmap1((uint64_t)w2, h1), GNTST_general_error);
    EQ("unmap-no-address-refused", unmap1(0, h1), GNTST_general_error);
    EQ("still-mapped-after-refusals", w1[0], MAGIC_WRITE);
    EQ("unmap-by-va", unmap1((uint64_t)w1, h1), GNTST_okay);
    check(!try_read((uint64_t)w1, &x), "unmapped-va-faults", "read", x, 0);
    EQ("unmap-twice-bad-handle", unmap1((uint64_t)w1, h1), GNTST_bad_handle);
    /* The same frame read-only at w4: its handle does not clear w3's
     * writable entry (Xen checks P and RW too). */
    EQ("map-readonly-of-rw-grant", map1(A, 10, (uint64_t)w4, GNTMAP_host_map | GNTMAP_readonly, &h4, 0),
       GNTST_okay);
    EQ("unmap-readonly-handle-on-rw-pte-refused", unmap1((uint64_t)w3, h4), GNTST_general_error);
    EQ("unmap-readonly-of-rw-grant", unmap1((uint64_t)w4, h4), GNTST_okay);
    EQ("unmap-by-pte-address", unmap1(pa3, h3), GNTST_okay);
    check(!try_read((uint64_t)w3, &x), "unmapped-pte-faults", "read", x, 0);
    EQ("unmap-readonly", unmap1((uint64_t)w2, h2), GNTST_okay);

    /* 4b. Batches of unmaps share one TLB flush (docs/grant-tables.md
     * "Batched unmaps"): a bad handle in the middle, and a batch that
     * faults on its second element.  Both end with the references dropped:
     * a checks that ref 11's flags are clear once b is done. */
    uint32_t hb[3];
    for (unsigned i = 0; i < 3; i++) {
        const volatile void *wv = i == 0 ? (const volatile void *)w1 : i == 1 ? (const volatile void *)w2 : w3;
        EQ("batch-map-readonly", map1(A, 11, (uint64_t)wv, GNTMAP_host_map | GNTMAP_readonly, &hb[i], 0),
           GNTST_okay);
    }
    EQ("batch-mapped-read", w3[7], PAT(0x2222, 7));
    struct gnttab_unmap_grant_ref ub[3] = {
        { .host_addr = (uint64_t)w1, .handle = hb[0], .status = 99 },
        { .host_addr = (uint64_t)w1, .handle = 0x7ffffu, .status = 99 },
        { .host_addr = (uint64_t)w2, .handle = hb[1], .status = 99 },
    };
    EQ("batch-unmap-rc", gnt(GNTTABOP_unmap_grant_ref, ub, 3), 0);
    EQ("batch-unmap-first", ub[0].status, GNTST_okay);
    EQ("batch-unmap-bad-handle-in-middle", ub[1].status, GNTST_bad_handle);
    EQ("batch-unmap-last", ub[2].status, GNTST_okay);
    check(!try_read((uint64_t)w1, &x), "batch-unmapped-first-faults", "read", x, 0);
    check(!try_read((uint64_t)w2, &x), "batch-unmapped-last-faults", "read", x, 0);
    twin[512] = 1;                              /* touched: present before it goes */
    EQ("twin-second-page-gone", uvm(&twin[512], 0, UVMF_INVLPG), 0);
    struct gnttab_unmap_grant_ref *uf = (struct gnttab_unmap_grant_ref *)((uintptr_t)twin + 4096 - sizeof(*uf));
    *uf = (struct gnttab_unmap_grant_ref){ .host_addr = (uint64_t)w3, .handle = hb[2], .status = 99 };
    EQ("batch-unmap-faulting-element-efault", gnt(GNTTABOP_unmap_grant_ref, uf, 2), (uint64_t)-14);
    EQ("batch-unmap-before-fault-done", uf->status, GNTST_okay);
    check(!try_read((uint64_t)w3, &x), "batch-unmapped-before-fault-faults", "read", x, 0);
    EQ("batch-unmap-before-fault-handle-gone", unmap1((uint64_t)w3, hb[2]), GNTST_bad_handle);

    /* 5. a's pinned L1 granted writable: never writable here. */
    EQ("writable-map-of-granter-l1-refused", map1(A, 12, (uint64_t)w4, GNTMAP_host_map, 0, 0),
       GNTST_general_error);
    cbuf[0] = 0x0000000000000067ull;        /* what a copy would make an entry of it */
    EQ("copy-into-granter-l1-refused", copy1(own(cbuf, 0), gref(12, A, 0), 8, GNTCOPY_dest_gref),
       GNTST_general_error);
    EQ("readonly-map-of-granter-l1", map1(A, 12, (uint64_t)w4, GNTMAP_host_map | GNTMAP_readonly, &h4, 0),
       GNTST_okay);
    EQ("granter-l1-reads-zero", w4[0], 0);
    EQ("unmap-granter-l1", unmap1((uint64_t)w4, h4), GNTST_okay);

    /* 6. Copies: PV frames are MFNs of the caller's. */
    cbuf[0] = MAGIC_COPY;
    EQ("copy-own-mfn-to-grant", copy1(own(cbuf, 0), gref(10, A, 8), 8, GNTCOPY_dest_gref), GNTST_okay);
    EQ("copy-grant-to-own-mfn", copy1(gref(10, A, 5 * 8), own(cbuf, 16), 8, GNTCOPY_source_gref), GNTST_okay);
    EQ("copied-bytes", cbuf[2], PAT(0x1111, 5));
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        maxm = p2m[i] > maxm ? p2m[i] : maxm;
    struct gnttab_copy_ptr bogus = { .u.gmfn = maxm + 0x1234, .domid = DOMID_SELF };
    EQ("copy-from-frame-not-ours-refused", copy1(bogus, gref(10, A, 0), 8, GNTCOPY_dest_gref), GNTST_bad_page);
    /* Its own L1 as the destination: the copy would write a page table. */
    struct mmuext_op clr = { MMUEXT_CLEAR_PAGE, 0, X, 0 };
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)&clr, 1, 0, DOMID_SELF);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, X, 0);
    EQ("pin-own-l1", rc, 0);
    struct gnttab_copy_ptr l1dst = { .u.gmfn = X, .domid = DOMID_SELF };
    EQ("copy-into-own-l1-refused", copy1(gref(10, A, 0), l1dst, 8, GNTCOPY_source_gref), GNTST_general_error);

    /* 7. Hostile: the guest zaps the grant PTE itself. */
    EQ("map-w5", map1(A, 10, (uint64_t)w5, GNTMAP_host_map, &h5, 0), GNTST_okay);
    EQ("guest-zaps-grant-pte", uvm(w5, 0, UVMF_INVLPG), 0);
    check(!try_read((uint64_t)w5, &x), "zapped-va-faults", "read", x, 0);
    EQ("guest-reinstall-foreign-refused", uvm(w5, bus | 0x67, UVMF_INVLPG), -EINVAL);
    EQ("unmap-after-zap-refused", unmap1((uint64_t)w5, h5), GNTST_general_error);
    /* ... changes it (read-only: a new foreign entry, refused). */
    EQ("map-w6", map1(A, 10, (uint64_t)w6, GNTMAP_host_map, &h6, 0), GNTST_okay);
    EQ("guest-downgrade-grant-pte-refused", uvm(w6, bus | 0x65, UVMF_INVLPG), -EINVAL);
    EQ("w6-still-mapped", w6[0], MAGIC_WRITE);
    /* ... pins the L1 holding it, unmaps while pinned, unpins. */
    uint64_t l1 = pte_maddr(w6) >> 12;
    EQ("pin-l1-holding-grant", ext1(MMUEXT_PIN_L1_TABLE, l1, 0), 0);
    EQ("unmap-in-pinned-l1", unmap1((uint64_t)w6, h6), GNTST_okay);
    EQ("unpin-l1", ext1(MMUEXT_UNPIN_TABLE, l1, 0), 0);
    /* ... maps into an L1 of its own, then unpins it: the table is
     * devalidated (the entry's references go), the handle stays. */
    EQ("map-into-own-pinned-l1", map1(A, 10, X << 12 | 8, GNTMAP_host_map | GNTMAP_contains_pte, &hx, 0),
       GNTST_okay);
    EQ("unpin-l1-holding-grant", ext1(MMUEXT_UNPIN_TABLE, X, 0), 0);
    EQ("unmap-after-l1-devalidated-refused", unmap1(X << 12 | 8, hx), GNTST_general_error);
    EQ("repin-with-foreign-entry-refused", ext1(MMUEXT_PIN_L1_TABLE, X, 0), -EINVAL);
    cbuf[0] = MAGIC_DONE;
    EQ("copy-done", copy1(own(cbuf, 0), gref(10, A, 16), 8, GNTCOPY_dest_gref), GNTST_okay);
    /* a checks that its entry is still pinned by the two lost handles:
     * wait for its ack (read by copy, nothing of a is mapped here now). */
    int acked = 0;
    for (unsigned i = 0; i < WAIT_YIELDS && !acked; i++, yield())
        acked = copy1(gref(10, A, 4 * 8), own(cbuf, 3 * 8), 8, GNTCOPY_source_gref) == GNTST_okay &&
                cbuf[3] == MAGIC_ACK2;
    check(acked, "granter-acked-after-hostile", "cbuf[3]", cbuf[3], MAGIC_ACK2);
    cbuf[0] = MAGIC_FIN;
    EQ("copy-fin", copy1(own(cbuf, 0), gref(10, A, 5 * 8), 8, GNTCOPY_dest_gref), GNTST_okay);

    /* 8. A granter that dies while its page is mapped. */
    st = map_retry(C, 10, w7, GNTMAP_host_map | GNTMAP_readonly, &h7, 0);
    EQ("map-granter-c", st, GNTST_okay);
    EQ("read-granter-c", w7[3], PAT(0x3333, 3));
    int gone = 0;
    for (unsigned i = 0; i < WAIT_YIELDS && !gone; i++, yield()) {
        struct gnttab_query_size q = { .dom = C };
        gone = gnt(GNTTABOP_query_size, &q, 1) == 0 && q.status == GNTST_bad_domain;
    }
    check(gone, "granter-c-gone", "gone", 0, 1);
    EQ("page-of-dead-granter-readable", w7[4], PAT(0x3333, 4));
    EQ("unmap-after-granter-died", unmap1((uint64_t)w7, h7), GNTST_okay);
    pv_finish();
}

void pv_main(const struct start_info *start)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };

    si = start;
    p2m = (const uint64_t *)si->mfn_list;
    hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0);
    switch (arg("role", 'b')) {
    case 'a':
        role_a();
        break;
    case 'c':
        role_c();
        break;
    default:
        role_b();
        break;
    }
}
