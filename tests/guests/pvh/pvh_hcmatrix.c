/*
 * pvh_hcmatrix: every hypercall and sub-operation Ringvisor offers HVM/PVH
 * guests, with good and bad arguments, in the caller's own width.  The same
 * source is built as a 64-bit PVH guest (pvh/lib, list-pvh.cmake) and as a
 * 32-bit one in each paging mode (pvh32/lib, list-pvh32.cmake: none, PSE,
 * PAE), so the 32-bit builds exercise the compat translation layer
 * (src/core/compat/) and the 64-bit one the native handlers, each checked
 * against the same expectations.
 *
 * The structures below are written the way a guest's compiler sees the Xen
 * public headers: guest handles are pointers, xen_ulong_t and xen_pfn_t are
 * unsigned long, and uint64_t takes the alignment of the target (4 bytes on
 * i386).  They do not come from include/public/ (which spells out the
 * 64-bit layouts) nor from src/core/compat/layout.h, so a layout mistake in
 * the hypervisor cannot hide behind a shared definition.
 *
 * The 64-bit build also calls from compatibility mode (a 32-bit code
 * segment under long mode) on the same vCPU: the layout is chosen per call.
 */
#ifdef __x86_64__
#include "pvh.h"
#define HCM_XMAP_BASE   PVH_XMAP_BASE
#define HCM_WIDTH       64
const char pvh_guest_name[] = "pvh_hcmatrix";
#else
#include "pvh32.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/vcpu.h"
#define HCM_XMAP_BASE   PVH32_XMAP_BASE
#define HCM_WIDTH       32
#if PVH32_PAGING == PVH32_PAGING_NONE
const char pvh32_guest_name[] = "pvh32_hcmatrix_none";
#elif PVH32_PAGING == PVH32_PAGING_PSE
const char pvh32_guest_name[] = "pvh32_hcmatrix_pse";
#else
const char pvh32_guest_name[] = "pvh32_hcmatrix_pae";
#endif
#endif

#define ETIME   62
#define BAD_PTR 0xf0000000ul        /* inside the identity map, outside RAM and every device */

#define GFN_SHINFO  ((HCM_XMAP_BASE >> 12) + 0x200)
#define GFN_GNT0    ((HCM_XMAP_BASE >> 12) + 0x210)
#define GFN_GNT1    ((HCM_XMAP_BASE >> 12) + 0x211)

typedef unsigned long hcm_ulong;    /* xen_ulong_t, xen_pfn_t */
#define LP64 (sizeof(long) == 8)

/* ---- the guest's view of the public headers ---- */
struct hcm_add_to_physmap { domid_t domid; uint16_t size; unsigned int space; hcm_ulong idx; hcm_ulong gpfn; };
struct hcm_remove_from_physmap { domid_t domid; hcm_ulong gpfn; };
struct hcm_memory_map { unsigned int nr_entries; void *buffer; };
struct hcm_reservation {
    hcm_ulong *extent_start; hcm_ulong nr_extents; unsigned int extent_order; unsigned int mem_flags; domid_t domid;
};
struct hcm_setup_table { domid_t dom; uint32_t nr_frames; int16_t status; hcm_ulong *frame_list; };
struct hcm_query_size { domid_t dom; uint32_t nr_frames; uint32_t max_nr_frames; int16_t status; };
struct hcm_copy_ptr { union { uint32_t ref; hcm_ulong gmfn; } u; domid_t domid; uint16_t offset; };
struct hcm_copy { struct hcm_copy_ptr source, dest; uint16_t len; uint16_t flags; int16_t status; };
struct hcm_get_version { domid_t dom; uint16_t pad; uint32_t version; };
struct hcm_map { uint64_t host_addr; uint32_t flags; uint32_t ref; domid_t dom; int16_t status; uint32_t handle; uint64_t dev_bus_addr; };
struct hcm_unmap { uint64_t host_addr; uint64_t dev_bus_addr; uint32_t handle; int16_t status; };
struct hcm_runstate { int state; uint64_t state_entry_time; uint64_t time[4]; };
struct hcm_runstate_area { union { struct hcm_runstate *h; uint64_t p; } addr; };
struct hcm_singleshot { uint64_t timeout_abs_ns; uint32_t flags; };
struct hcm_periodic { uint64_t period_ns; };
struct hcm_vcpu_info_reg { uint64_t mfn; uint32_t offset; uint32_t rsvd; };
struct hcm_poll { evtchn_port_t *ports; unsigned int nr_ports; uint64_t timeout; };
struct hcm_platform_parameters { hcm_ulong virt_start; };
struct hcm_vcpu_info {
    uint8_t upcall_pending, upcall_mask;
    hcm_ulong pending_sel;
    hcm_ulong arch[LP64 ? 2 : 6];       /* arch_vcpu_info: cr2 and pad[1] / pad[5] */
    struct vcpu_time_info time;
};
struct hcm_shared_info {
    struct hcm_vcpu_info vcpu_info[32];
    hcm_ulong evtchn_pending[sizeof(hcm_ulong) * 8];
    hcm_ulong evtchn_mask[sizeof(hcm_ulong) * 8];
    uint32_t wc_version, wc_sec, wc_nsec;
};
/* What the compiler made of them: the layouts Xen documents for each width. */
_Static_assert(sizeof(struct hcm_add_to_physmap) == (LP64 ? 24 : 16), "add_to_physmap");
_Static_assert(sizeof(struct hcm_reservation) == (LP64 ? 32 : 20), "reservation");
_Static_assert(sizeof(struct hcm_setup_table) == (LP64 ? 24 : 16), "setup_table");
_Static_assert(sizeof(struct hcm_copy) == (LP64 ? 40 : 24), "gnttab_copy");
_Static_assert(sizeof(struct hcm_runstate) == (LP64 ? 48 : 44), "runstate");
_Static_assert(sizeof(struct hcm_singleshot) == (LP64 ? 16 : 12), "singleshot");
_Static_assert(sizeof(struct hcm_poll) == (LP64 ? 24 : 16), "sched_poll");
_Static_assert(sizeof(struct hcm_vcpu_info) == 64, "vcpu_info");
_Static_assert(__builtin_offsetof(struct hcm_shared_info, wc_version) == (LP64 ? 3072 : 2304), "shared_info");

#define NR_L2 (sizeof(hcm_ulong) * 8 * sizeof(hcm_ulong) * 8)    /* 4096 or 1024 ports */
#define BITS  (sizeof(hcm_ulong) * 8)

static long hc(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    return hypercall(nr, a1, a2, a3, 0, 0);
}
#define P(x) ((unsigned long)(x))

static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint8_t vi_page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[8192] __attribute__((aligned(64)));
static volatile struct hcm_shared_info *sh;

static uint64_t now_ns(void)
{
    uint64_t t = 0;
    hc(__HYPERVISOR_hvm_op, HVMOP_get_time, P(&t), 0);
    return t;
}

static long set_timer(uint64_t deadline)
{
    /* 32-bit callers: the 64-bit deadline as two registers, low then high. */
    if (LP64)
        return hc(__HYPERVISOR_set_timer_op, (unsigned long)deadline, 0, 0);
    return hc(__HYPERVISOR_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0);
}

static bool l2_test(volatile hcm_ulong *words, evtchn_port_t p)
{
    return (words[p / BITS] >> (p % BITS)) & 1;
}

static void l2_set(volatile hcm_ulong *words, evtchn_port_t p, bool on)
{
    if (on)
        __atomic_fetch_or(&words[p / BITS], 1ul << (p % BITS), __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&words[p / BITS], ~(1ul << (p % BITS)), __ATOMIC_SEQ_CST);
}

struct hcm_compile_info { char compiler[64], compile_by[16], compile_domain[32], compile_date[32]; };
_Static_assert(sizeof(struct hcm_compile_info) == 144, "compile_info");

/* A NUL-terminated, non-empty string in the first len bytes of buf. */
static bool c_string(const char *buf, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        if (!buf[i])
            return i > 0;
    return false;
}

/* Every xen_version sub-op, as Xen 4.17 answers an unprivileged HVM/PVH
 * guest (docs/hypercalls.md).  Each output buffer is a byte larger than
 * the ABI's and filled with 0x5a first: what the hypervisor writes must end
 * exactly at the ABI size. */
static void test_version(void)
{
    static char buf[1024 + 4];
    struct xen_feature_info fi = { .submap_idx = 0 };
    uint32_t a, b, c, d;
    long rc;

    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000001u), "c"(0));
    rc = hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    check(rc == (long)a && rc == 0x40011, "version", "%ld (CPUID 0x40000001 %#x; want 4.17)", rc, a);

    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_extraversion, P(buf), 0);
    check(rc == 0 && buf[0] == '.' && c_string(buf, 16) && buf[15] == 0 && buf[16] == 0x5a,
          "version-extraversion", "rc %ld, \"%.16s\", byte 15 %#x, 16 %#x", rc, buf, buf[15], buf[16]);

    memset(buf, 0x5a, sizeof(buf));
    struct hcm_compile_info *ci = (struct hcm_compile_info *)buf;
    rc = hc(__HYPERVISOR_xen_version, XENVER_compile_info, P(buf), 0);
    check(rc == 0 && c_string(ci->compiler, 64) && c_string(ci->compile_by, 16) &&
          c_string(ci->compile_domain, 32) && c_string(ci->compile_date, 32) && buf[144] == 0x5a,
          "version-compile-info", "rc %ld, byte 144 %#x", rc, buf[144]);
    check(memcmp(ci->compiler, "gcc ", 4) == 0 || memcmp(ci->compiler, "clang ", 6) == 0,
          "version-compiler", "compiler \"%.64s\"", ci->compiler);
    printf("compile_info: \"%s\" by \"%s\" in \"%s\" on \"%s\"\n", ci->compiler, ci->compile_by,
           ci->compile_domain, ci->compile_date);
    rc = hc(__HYPERVISOR_xen_version, XENVER_compile_info, BAD_PTR, 0);
    check(rc == -EFAULT, "version-compile-info-bad-pointer", "%ld", rc);

    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_capabilities, P(buf), 0);
    check(rc == 0 && strcmp(buf, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64") == 0 && buf[1023] == 0 &&
          buf[1024] == 0x5a, "version-capabilities", "rc %ld, \"%.80s\"", rc, buf);
    rc = hc(__HYPERVISOR_xen_version, XENVER_capabilities, BAD_PTR, 0);
    check(rc == -EFAULT, "version-bad-pointer", "%ld", rc);

    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_changeset, P(buf), 0);
    check(rc == 0 && c_string(buf, 64) && buf[63] == 0 && buf[64] == 0x5a, "version-changeset",
          "rc %ld, \"%.64s\"", rc, buf);
    printf("changeset: \"%s\"\n", buf);

    /* platform_parameters: one xen_ulong_t (4 bytes for i386, 8 for
     * x86_64), nothing after it; 0: no hypervisor hole in an HVM guest. */
    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_platform_parameters, P(buf), 0);
    hcm_ulong vs;
    memcpy(&vs, buf, sizeof(vs));
    check(rc == 0 && vs == 0 && buf[sizeof(hcm_ulong)] == 0x5a, "version-platform-parameters",
          "rc %ld virt_start %#lx next byte %#x", rc, (unsigned long)vs, buf[sizeof(hcm_ulong)]);

    uint32_t want = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
                    (1u << XENFEAT_not_direct_mapped);
    rc = hc(__HYPERVISOR_xen_version, XENVER_get_features, P(&fi), 0);
    check(rc == 0 && fi.submap == want, "version-features", "rc %ld submap %#x, want %#x", rc, fi.submap, want);
    for (uint32_t idx = 1; idx < 4; idx++) {
        fi.submap_idx = idx;
        fi.submap = 0x12345678;
        rc = hc(__HYPERVISOR_xen_version, XENVER_get_features, P(&fi), 0);
        check(rc == -EINVAL && fi.submap == 0x12345678, "version-features-submap",
              "submap %u: rc %ld, submap now %#x", idx, rc, fi.submap);
    }
    fi.submap_idx = 0xffffffffu;
    rc = hc(__HYPERVISOR_xen_version, XENVER_get_features, P(&fi), 0);
    check(rc == -EINVAL, "version-features-bad-index", "rc %ld", rc);
    rc = hc(__HYPERVISOR_xen_version, XENVER_get_features, BAD_PTR, 0);
    check(rc == -EFAULT, "version-features-bad-pointer", "rc %ld", rc);

    rc = hc(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
    check(rc == 4096, "version-pagesize", "%ld", rc);
    rc = hc(__HYPERVISOR_xen_version, XENVER_pagesize, P(buf), 0);
    check(rc == -EINVAL, "version-pagesize-argument", "%ld (Xen refuses an argument)", rc);

    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_guest_handle, P(buf), 0);
    bool tail_zero = true;
    for (unsigned i = 4; i < 16; i++)
        tail_zero &= buf[i] == 0;
    check(rc == 0 && tail_zero && buf[16] == 0x5a, "version-guest-handle", "rc %ld, byte 16 %#x", rc, buf[16]);

    /* Not for an unprivileged guest: commandline copies Xen's "<denied>"
     * (9 bytes, not 1024) and succeeds; build_id refuses. */
    memset(buf, 0x5a, sizeof(buf));
    rc = hc(__HYPERVISOR_xen_version, XENVER_commandline, P(buf), 0);
    check(rc == 0 && strcmp(buf, "<denied>") == 0 && buf[9] == 0x5a, "version-commandline-denied",
          "rc %ld, \"%.16s\", byte 9 %#x", rc, buf, buf[9]);
    memset(buf, 0, sizeof(buf));
    *(uint32_t *)buf = 256;                     /* xen_build_id.len */
    rc = hc(__HYPERVISOR_xen_version, XENVER_build_id, P(buf), 0);
    check(rc == -EPERM && *(uint32_t *)buf == 256 && buf[4] == 0, "version-build-id-denied", "rc %ld", rc);
    rc = hc(__HYPERVISOR_xen_version, XENVER_build_id, 0, 0);
    check(rc == -EPERM, "version-build-id-size-denied", "rc %ld", rc);

    for (unsigned op = 11; op <= 14; op++) {     /* Xen 4.19's extraversion2 .. commandline2 */
        rc = hc(__HYPERVISOR_xen_version, op, P(buf), 0);
        check(rc == -ENOSYS, "version-newer-ops", "sub-op %u: %ld", op, rc);
    }
    rc = hc(__HYPERVISOR_xen_version, 77, 0, 0);
    check(rc == -ENOSYS, "version-unknown", "%ld", rc);
}

static void test_console(void)
{
    long rc;

    static const char msg[] = "console_io from the matrix";
    rc = hc(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, P(msg));
    check(rc == (long)sizeof(msg) - 1, "console-write", "%ld", rc);
    rc = hc(__HYPERVISOR_console_io, CONSOLEIO_write, 8, BAD_PTR);
    check(rc == -EFAULT, "console-bad-pointer", "%ld", rc);
    rc = hc(__HYPERVISOR_console_io, 7, 0, 0);
    check(rc == -ENOSYS, "console-unknown", "%ld", rc);
    rc = hc(60, 0, 0, 0);
    check(rc == -ENOSYS, "hypercall-unknown", "%ld", rc);
}

static long atp(domid_t dom, unsigned space, hcm_ulong idx, hcm_ulong gpfn)
{
    struct hcm_add_to_physmap a = { .domid = dom, .space = space, .idx = idx, .gpfn = gpfn };
    return hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, P(&a), 0);
}

static void test_memory_op(void)
{
    long rc;

    rc = atp(DOMID_SELF, XENMAPSPACE_shared_info, 0, GFN_SHINFO);
    check(rc == 0, "atp-shared-info", "%ld", rc);
    sh = (volatile struct hcm_shared_info *)(uintptr_t)((uint64_t)GFN_SHINFO << 12);
    if (rc == 0) {
        /* The wall clock where this width's layout has it: the layout was
         * latched from our mode when the hypercall page was installed. */
        uint32_t ver = sh->wc_version;
        check(ver != 0 && !(ver & 1) && (sh->wc_sec | sh->wc_nsec) != 0, "shinfo-wallclock-layout",
              "wc_version %u sec %u nsec %u at offset %u", ver, sh->wc_sec, sh->wc_nsec,
              (unsigned)__builtin_offsetof(struct hcm_shared_info, wc_version));
    }
    rc = atp(DOMID_SELF, XENMAPSPACE_shared_info, 1, GFN_SHINFO);
    check(rc == -EINVAL, "atp-shared-info-bad-idx", "%ld", rc);
    rc = atp(5, XENMAPSPACE_shared_info, 0, GFN_SHINFO);
    check(rc == -EPERM, "atp-other-domain", "%ld", rc);
    rc = atp(DOMID_SELF, XENMAPSPACE_gmfn, 0, GFN_SHINFO + 1);
    check(rc == -EOPNOTSUPP, "atp-gmfn-unsupported", "%ld", rc);
    rc = atp(DOMID_SELF, XENMAPSPACE_grant_table, 0, GFN_GNT0);
    check(rc == 0, "atp-grant-table", "%ld", rc);
    rc = atp(DOMID_SELF, XENMAPSPACE_grant_table, 0x80000000ul, GFN_GNT1);
    check(rc == -EINVAL, "atp-grant-status-frame", "%ld", rc);
    rc = atp(DOMID_SELF, XENMAPSPACE_grant_table, 100000, GFN_GNT1);
    check(rc == -EINVAL, "atp-grant-beyond-max", "%ld", rc);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, BAD_PTR, 0);
    check(rc == -EFAULT, "atp-bad-pointer", "%ld", rc);

    /* remove_from_physmap: frame 1 placed then removed, twice. */
    struct hcm_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = GFN_GNT1 };
    rc = atp(DOMID_SELF, XENMAPSPACE_grant_table, 1, GFN_GNT1);
    check(rc == 0, "atp-grant-table-1", "%ld", rc);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, P(&r), 0);
    check(rc == 0, "remove-from-physmap", "%ld", rc);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, P(&r), 0);
    check(rc == -EINVAL, "remove-from-physmap-again", "%ld", rc);

    /* memory_map: count back in nr_entries, records of 20 bytes. */
    struct hcm_memory_map m = { .nr_entries = 32, .buffer = scratch };
    memset(scratch, 0, sizeof(scratch));
    rc = hc(__HYPERVISOR_memory_op, XENMEM_memory_map, P(&m), 0);
    uint32_t type0;
    memcpy(&type0, scratch + 16, 4);
    check(rc == 0 && m.nr_entries >= 1 && m.nr_entries < 32 && m.buffer == scratch && type0 == 1,
          "memory-map", "rc %ld entries %u type0 %u", rc, m.nr_entries, type0);
    unsigned n = m.nr_entries;
    m.nr_entries = n - 1;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_memory_map, P(&m), 0);
    check(rc == -EINVAL && m.nr_entries == n - 1, "memory-map-too-small", "rc %ld", rc);
    m.nr_entries = 32;
    m.buffer = (void *)BAD_PTR;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_memory_map, P(&m), 0);
    check(rc == -EFAULT, "memory-map-bad-buffer", "%ld", rc);

    /* Reservations. */
    domid_t self = DOMID_SELF;
    long cur = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, P(&self), 0);
    long max = hc(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, P(&self), 0);
    long gpfn = hc(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, P(&self), 0);
    check(cur > 1000 && max >= cur && gpfn > 1000, "reservation-counts", "cur %ld max %ld max_gpfn %ld", cur, max, gpfn);
    domid_t other = 9;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, P(&other), 0);
    check(rc == -EPERM, "reservation-other-domain", "%ld", rc);

    /* Balloon out our two spare pages, then back in. */
    hcm_ulong ext[2] = { (uintptr_t)page_a >> 12, (uintptr_t)page_b >> 12 };
    struct hcm_reservation res = { .extent_start = ext, .nr_extents = 2, .domid = DOMID_SELF };
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, P(&res), 0);
    long cur2 = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, P(&self), 0);
    check(rc == 2 && cur2 == cur - 2, "decrease-reservation", "rc %ld reservation %ld -> %ld", rc, cur, cur2);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, P(&res), 0);
    cur2 = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, P(&self), 0);
    page_a[5] = 0x42;
    check(rc == 2 && cur2 == cur && page_a[5] == 0x42, "populate-physmap", "rc %ld reservation %ld", rc, cur2);
    res.extent_order = 1;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, P(&res), 0);
    check(rc == -EINVAL, "reservation-bad-order", "%ld", rc);
    res.extent_order = 0;
    res.nr_extents = 0;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, P(&res), 0);
    check(rc == 0, "reservation-zero", "%ld", rc);
    res.nr_extents = 2;
    res.extent_start = (hcm_ulong *)BAD_PTR;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, P(&res), 0);
    check(rc == -EFAULT, "reservation-bad-list", "%ld", rc);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, BAD_PTR, 0);
    check(rc == -EFAULT, "reservation-bad-pointer", "%ld", rc);
    res.extent_start = ext;
    res.domid = 9;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, P(&res), 0);
    check(rc == -EPERM, "reservation-other-domain", "%ld", rc);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_exchange, P(scratch), 0);
    check(rc == -ENOSYS, "memory-op-unsupported", "%ld", rc);
}

static void test_grant_table(void)
{
    long rc;
    struct hcm_query_size q = { .dom = DOMID_SELF, .status = 99 };

    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, P(&q), 1);
    check(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 2 && q.max_nr_frames >= q.nr_frames,
          "gnttab-query-size", "rc %ld status %d frames %u/%u", rc, q.status, q.nr_frames, q.max_nr_frames);

    /* setup_table: frame 0 is where we placed it, frame 1 nowhere (~0). */
    hcm_ulong fl[3] = { 0, 0, 0x1234 };
    struct hcm_setup_table s = { .dom = DOMID_SELF, .nr_frames = 2, .status = 99, .frame_list = fl };
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, P(&s), 1);
    check(rc == 0 && s.status == GNTST_okay && fl[0] == GFN_GNT0 && fl[1] == (hcm_ulong)~0ul && fl[2] == 0x1234,
          "gnttab-setup-table", "rc %ld status %d frames %#lx %#lx %#lx", rc, s.status, (unsigned long)fl[0],
          (unsigned long)fl[1], (unsigned long)fl[2]);
    s.nr_frames = 100000;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, P(&s), 1);
    check(rc == 0 && s.status == GNTST_general_error, "gnttab-setup-table-too-many", "rc %ld status %d", rc, s.status);
    s.nr_frames = 1;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, P(&s), 2);
    check(rc == -EINVAL, "gnttab-setup-table-count", "%ld", rc);
    s.frame_list = (hcm_ulong *)BAD_PTR;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, P(&s), 1);
    check(rc == -EFAULT, "gnttab-setup-table-bad-list", "%ld", rc);
    s.frame_list = fl;
    s.dom = 9;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, P(&s), 1);
    check(rc == 0 && s.status == GNTST_bad_domain, "gnttab-setup-table-bad-domain", "rc %ld status %d", rc, s.status);

    uint32_t ver = 1;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, P(&ver), 1);
    check(rc == 0 && ver == 1, "gnttab-set-version-1", "rc %ld version %u", rc, ver);
    ver = 2;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, P(&ver), 1);
    check(rc == -ENOSYS && ver == 1, "gnttab-set-version-2", "rc %ld version %u", rc, ver);
    struct hcm_get_version gv = { .dom = DOMID_SELF };
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_get_version, P(&gv), 1);
    check(rc == 0 && gv.version == 1, "gnttab-get-version", "rc %ld version %u", rc, gv.version);

    /* copy: a batch of three between our own frames (gmfn, 4 bytes wide
     * for 32-bit callers), a bad frame, and one of our own grants. */
    struct hcm_copy c[3];
    memset(c, 0, sizeof(c));
    memset(page_a, 0x11, 64);
    memset(page_b, 0, 256);
    c[0] = (struct hcm_copy){ .source = { .u.gmfn = (uintptr_t)page_a >> 12, .domid = DOMID_SELF, .offset = 8 },
                              .dest = { .u.gmfn = (uintptr_t)page_b >> 12, .domid = DOMID_SELF, .offset = 100 },
                              .len = 32, .status = 99 };
    c[1] = c[0];
    c[1].source.u.gmfn = 0xfffff;       /* not our RAM */
    c[2] = c[0];
    c[2].flags = GNTCOPY_source_gref;
    c[2].source.u.ref = 5;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, P(c), 3);
    check(rc == 0 && c[0].status == GNTST_okay && page_b[100] == 0x11 && page_b[131] == 0x11 &&
          page_b[132] == 0 && page_b[99] == 0, "gnttab-copy", "rc %ld status %d", rc, c[0].status);
    check(c[1].status == GNTST_bad_page, "gnttab-copy-bad-frame", "status %d", c[1].status);
    check(c[2].status == GNTST_permission_denied, "gnttab-copy-own-grant", "status %d", c[2].status);
    c[0].len = 4000;
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, P(c), 1);
    check(rc == 0 && c[0].status == GNTST_bad_copy_arg, "gnttab-copy-too-long", "rc %ld status %d", rc, c[0].status);
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, P(c), 513);
    check(rc == -EINVAL, "gnttab-copy-count", "%ld", rc);
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, BAD_PTR, 2);
    check(rc == -EFAULT, "gnttab-copy-bad-pointer", "%ld", rc);

    /* map/unmap: same layout in both widths; bad ref and bad handle. */
    struct hcm_map mp = { .host_addr = (uint64_t)(GFN_GNT1 + 4) << 12, .flags = GNTMAP_host_map, .ref = 3,
                          .dom = 9, .status = 99 };
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, P(&mp), 1);
    check(rc == 0 && mp.status == GNTST_bad_domain, "gnttab-map-bad-domain", "rc %ld status %d", rc, mp.status);
    struct hcm_unmap um = { .host_addr = mp.host_addr, .handle = 0x7777, .status = 99 };
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, P(&um), 1);
    check(rc == 0 && um.status == GNTST_bad_handle, "gnttab-unmap-bad-handle", "rc %ld status %d", rc, um.status);
    rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_transfer, P(scratch), 1);
    check(rc == -ENOSYS, "gnttab-transfer-unsupported", "%ld", rc);
}

static void test_events_and_sched(void)
{
    long rc;

    if (!sh) {
        skip("events", "no shared_info");
        return;
    }
    /* A loopback pair: unbound port of our own, bound from ourselves. */
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, P(&au), 0);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
    long rc2 = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, P(&bi), 0);
    check(rc == 0 && rc2 == 0 && au.port && bi.local_port, "evtchn-loopback", "rc %ld/%ld", rc, rc2);
    struct evtchn_send snd = { .port = bi.local_port };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_send, P(&snd), 0);
    check(rc == 0 && l2_test(sh->evtchn_pending, au.port), "evtchn-send-2l-layout",
          "rc %ld, port %u not pending in the %d-bit bitmap", rc, au.port, HCM_WIDTH);
    struct evtchn_status st = { .dom = DOMID_SELF, .port = au.port };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_status, P(&st), 0);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain, "evtchn-status", "rc %ld status %u", rc, st.status);

    /* SCHEDOP_poll: a pending port returns at once; bad counts, handles, ports. */
    evtchn_port_t ports[2] = { bi.local_port, au.port };
    struct hcm_poll po = { .ports = ports, .nr_ports = 2, .timeout = 0 };
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == 0, "poll-pending", "%ld", rc);
    po.nr_ports = 129;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == -EINVAL, "poll-too-many", "%ld", rc);
    po.nr_ports = 2;
    po.ports = (evtchn_port_t *)BAD_PTR;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == -EFAULT, "poll-bad-handle", "%ld", rc);
    evtchn_port_t badp = 99999;
    po.ports = &badp;
    po.nr_ports = 1;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == -EINVAL, "poll-bad-port", "%ld", rc);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, BAD_PTR, 0);
    check(rc == -EFAULT, "poll-bad-pointer", "%ld", rc);
    /* The hypervisor reads a short list through the structure's page when
     * they share it, a long one (> 4 ports) into its own buffer: lists of
     * 1 and 128 ports, the long one across a page boundary with the only
     * pending port, or a bad one, in its last slot (the second page). */
    static evtchn_port_t big[2048] __attribute__((aligned(4096)));
    evtchn_port_t *cross = &big[1024 - 64];         /* 64 ports in each page */
    l2_set(sh->evtchn_pending, bi.local_port, false);  /* valid, not pending (the sends go to au.port) */
    for (unsigned i = 0; i < 128; i++)
        cross[i] = bi.local_port;
    cross[127] = au.port;
    po = (struct hcm_poll){ .ports = cross, .nr_ports = 128, .timeout = 0 };
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == 0, "poll-128-cross-page-pending-last", "%ld", rc);
    cross[127] = 99999;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == -EINVAL, "poll-128-cross-page-bad-last", "%ld", rc);
    cross[126] = au.port;                           /* pending before the bad one: returns there, as Xen */
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == 0, "poll-128-pending-before-bad", "%ld", rc);
    po.nr_ports = 129;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    check(rc == -EINVAL, "poll-129", "%ld", rc);
    struct { struct hcm_poll p; evtchn_port_t port; } same = {
        .p = { .nr_ports = 1, .timeout = 0 }, .port = au.port };     /* structure and list in one page */
    same.p.ports = &same.port;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&same.p), 0);
    check(rc == 0, "poll-1-same-page", "%ld", rc);
    same.port = 99999;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&same.p), 0);
    check(rc == -EINVAL, "poll-1-same-page-bad-port", "%ld", rc);
    same.p.ports = (evtchn_port_t *)BAD_PTR;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&same.p), 0);
    check(rc == -EFAULT, "poll-1-bad-handle", "%ld", rc);
#if defined(__x86_64__)
    /* The hypervisor keeps a copy's translation for one hypercall only: the
     * same port-list address, remapped to another page between two polls
     * (a 4-KiB mapping under PML4 slot 1, then INVLPG), is read from the
     * new page.  Structure and list both sit in the remapped page (as on a
     * guest's stack), so a translation kept from the previous call would
     * read the old page's port. */
    {
        static uint64_t pdpt2[512] __attribute__((aligned(4096)));
        static uint64_t pd2[512] __attribute__((aligned(4096)));
        static uint64_t pt2[512] __attribute__((aligned(4096)));
        static evtchn_port_t page_a[1024] __attribute__((aligned(4096)));
        static evtchn_port_t page_b[1024] __attribute__((aligned(4096)));
        const uint64_t va = 1ull << 39;             /* PML4 slot 1: unused by the identity map */
        uint64_t cr3;
        asm volatile("mov %%cr3, %0" : "=r"(cr3));
        volatile uint64_t *pml4 = (volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
        if (check(!(pml4[1] & 1), "poll-remap-setup", "PML4 slot 1 in use: %#lx", (unsigned long)pml4[1])) {
            /* In each page: the structure at 0, its one-port list at 64. */
            struct hcm_poll rp = { .ports = (evtchn_port_t *)(uintptr_t)(va + 64), .nr_ports = 1, .timeout = 0 };
            __builtin_memcpy(page_a, &rp, sizeof(rp));
            __builtin_memcpy(page_b, &rp, sizeof(rp));
            page_a[16] = au.port;                   /* pending */
            page_b[16] = 99999;                     /* no such port */
            pt2[0] = (uintptr_t)page_a | 3;
            pd2[0] = (uintptr_t)pt2 | 3;
            pdpt2[0] = (uintptr_t)pd2 | 3;
            pml4[1] = (uintptr_t)pdpt2 | 3;
            long r1 = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, va, 0);
            pt2[0] = (uintptr_t)page_b | 3;
            asm volatile("invlpg (%0)" : : "r"(va) : "memory");
            long r2 = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, va, 0);
            pt2[0] = (uintptr_t)page_a | 3;
            asm volatile("invlpg (%0)" : : "r"(va) : "memory");
            long r3 = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, va, 0);
            check(r1 == 0 && r2 == -EINVAL && r3 == 0, "poll-list-remapped-between-calls",
                  "rc %ld, after the remap %ld (want -EINVAL), back %ld", r1, r2, r3);
            pml4[1] = 0;
            asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
        }
    }
#endif
    /* Nothing pending among 128 (or in an empty list): the timeout ends
     * the wait, with 0. */
    cross[126] = cross[127] = bi.local_port;
    uint64_t tw = now_ns();
    po = (struct hcm_poll){ .ports = cross, .nr_ports = 128, .timeout = tw + 2000000 };
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    uint64_t tw1 = now_ns();
    check(rc == 0 && tw1 - tw >= 2000000 && tw1 - tw < 1000000000ull, "poll-128-timeout", "rc %ld after %lu us",
          rc, (unsigned long)((tw1 - tw) / 1000));
    tw = now_ns();
    po = (struct hcm_poll){ .ports = cross, .nr_ports = 0, .timeout = tw + 2000000 };
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    tw1 = now_ns();
    check(rc == 0 && tw1 - tw >= 2000000 && tw1 - tw < 1000000000ull, "poll-0-timeout", "rc %ld after %lu us",
          rc, (unsigned long)((tw1 - tw) / 1000));

    /* VIRQ_TIMER through set_timer_op, masked: pending but no selector;
     * unmask: the selector bit of this width's word. */
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, P(&bv), 0);
    check(rc == 0 && bv.port && bv.port < NR_L2, "evtchn-bind-virq-timer", "rc %ld port %u", rc, bv.port);
    evtchn_port_t tp = bv.port;
    l2_set(sh->evtchn_mask, tp, true);
    sh->vcpu_info[0].pending_sel = 0;
    sh->vcpu_info[0].upcall_pending = 0;
    uint64_t t0 = now_ns();
    rc = set_timer(t0 + 2000000);
    po = (struct hcm_poll){ .ports = &tp, .nr_ports = 1, .timeout = t0 + 2000000000ull };
    long prc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    uint64_t t1 = now_ns();
    check(rc == 0 && prc == 0 && l2_test(sh->evtchn_pending, tp) && t1 - t0 >= 2000000 && t1 - t0 < 1000000000ull,
          "set-timer-op-fires", "rc %ld poll %ld pending %d after %lu us", rc, prc, l2_test(sh->evtchn_pending, tp),
          (unsigned long)((t1 - t0) / 1000));
    check(sh->vcpu_info[0].pending_sel == 0, "evtchn-masked-no-selector", "selector %#lx",
          (unsigned long)sh->vcpu_info[0].pending_sel);
    struct evtchn_unmask um = { .port = tp };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, P(&um), 0);
    check(rc == 0 && sh->vcpu_info[0].pending_sel == 1ul << (tp / BITS) && sh->vcpu_info[0].upcall_pending == 1 &&
          !l2_test(sh->evtchn_mask, tp), "evtchn-unmask-selector-layout", "rc %ld selector %#lx (want bit %u)",
          rc, (unsigned long)sh->vcpu_info[0].pending_sel, (unsigned)(tp / BITS));
    l2_set(sh->evtchn_pending, tp, false);
    l2_set(sh->evtchn_mask, tp, true);

    /* Poll that times out: nothing pending, 3 ms deadline. */
    t0 = now_ns();
    po = (struct hcm_poll){ .ports = &tp, .nr_ports = 1, .timeout = t0 + 3000000 };
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_poll, P(&po), 0);
    t1 = now_ns();
    check(rc == 0 && t1 - t0 >= 3000000 && t1 - t0 < 1000000000ull, "poll-timeout", "rc %ld after %lu us", rc,
          (unsigned long)((t1 - t0) / 1000));

    /* SCHEDOP_block wakes on the single-shot timer (no upcall vector set;
     * an upcall already pending would end it at once, as it should). */
    sh->vcpu_info[0].upcall_pending = 0;
    t0 = now_ns();
    set_timer(t0 + 2000000);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);
    t1 = now_ns();
    check(rc == 0 && t1 - t0 >= 2000000 && t1 - t0 < 1000000000ull, "block-timer", "rc %ld after %lu us", rc,
          (unsigned long)((t1 - t0) / 1000));
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    check(rc == 0, "yield", "%ld", rc);
    uint32_t reason = 99;
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, P(&reason), 0);
    check(rc == -EINVAL, "shutdown-bad-reason", "%ld", rc);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, BAD_PTR, 0);
    check(rc == -EFAULT, "shutdown-bad-pointer", "%ld", rc);
    rc = hc(__HYPERVISOR_sched_op, 77, 0, 0);
    check(rc == -ENOSYS, "sched-op-unknown", "%ld", rc);

    struct evtchn_close cl = { .port = au.port };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_close, P(&cl), 0);
    cl.port = bi.local_port;
    rc2 = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_close, P(&cl), 0);
    check(rc == 0 && rc2 == 0, "evtchn-close", "%ld/%ld", rc, rc2);
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_close, P(&cl), 0);
    check(rc == -EINVAL, "evtchn-close-again", "%ld", rc);
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_send, BAD_PTR, 0);
    check(rc == -EFAULT, "evtchn-bad-pointer", "%ld", rc);
}

static void test_vcpu_op(void)
{
    long rc;
    static struct { struct hcm_runstate r; uint32_t canary; } rs;

    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0);
    check(rc == 1, "vcpu-is-up", "%ld", rc);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 40, 0);
    check(rc == -ENOENT, "vcpu-is-up-bad-vcpu", "%ld", rc);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_up, 0, 0);
    long rc2 = hc(__HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0);
    check(rc == -ENOSYS && rc2 == -ENOSYS, "vcpu-up-down-unsupported", "%ld/%ld", rc, rc2);

    /* Runstate area: the width's record, nothing written past it. */
    rs.canary = 0xc0ffee11;
    struct hcm_runstate_area ra;
    memset(&ra, 0xee, sizeof(ra));      /* a 32-bit guest's upper half is not looked at */
    ra.addr.h = &rs.r;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, P(&ra));
    hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    check(rc == 0 && rs.r.state == RUNSTATE_running && rs.r.state_entry_time != 0 && rs.canary == 0xc0ffee11,
          "runstate-area", "rc %ld state %d entry %lu canary %#x", rc, rs.r.state,
          (unsigned long)rs.r.state_entry_time, rs.canary);
    ra.addr.p = BAD_PTR;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, BAD_PTR);
    check(rc == -EFAULT, "runstate-area-bad-pointer", "%ld", rc);
    struct { struct hcm_runstate r; uint32_t canary; } gi = { .canary = 0x5eed5eed };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, P(&gi.r));
    check(rc == 0 && gi.r.state == RUNSTATE_running && gi.r.time[RUNSTATE_running] > 0 && gi.canary == 0x5eed5eed,
          "runstate-info", "rc %ld state %d running %lu ns canary %#x", rc, gi.r.state,
          (unsigned long)gi.r.time[RUNSTATE_running], gi.canary);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, BAD_PTR);
    check(rc == -EFAULT, "runstate-info-bad-pointer", "%ld", rc);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, P(&(struct hcm_runstate_area){ 0 }));
    check(rc == 0, "runstate-area-off", "%ld", rc);

    /* Timers: the single-shot one is 12 bytes for a 32-bit caller. */
    struct hcm_singleshot ss = { .timeout_abs_ns = 1000, .flags = VCPU_SSHOTTMR_future };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, P(&ss));
    check(rc == -ETIME, "singleshot-past-future-flag", "%ld", rc);
    ss.timeout_abs_ns = now_ns() + 500000000ull;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, P(&ss));
    rc2 = hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0);
    check(rc == 0 && rc2 == 0, "singleshot-set-stop", "%ld/%ld", rc, rc2);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, BAD_PTR);
    check(rc == -EFAULT, "singleshot-bad-pointer", "%ld", rc);
    struct hcm_periodic pt = { .period_ns = 10 };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, P(&pt));
    check(rc == -EINVAL, "periodic-too-short", "%ld", rc);
    pt.period_ns = 50000000;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, P(&pt));
    rc2 = hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
    check(rc == 0 && rc2 == 0, "periodic-set-stop", "%ld/%ld", rc, rc2);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, P(scratch));
    check(rc == -ENOSYS, "vcpu-initialise-unsupported", "%ld", rc);

    /* vcpu_info moves once; bad offsets and frames first. */
    struct hcm_vcpu_info_reg vr = { .mfn = (uintptr_t)vi_page >> 12, .offset = 4090 };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, P(&vr));
    check(rc == -EINVAL, "vcpu-info-bad-offset", "%ld", rc);
    vr.offset = 0;
    vr.mfn = 0xfffffff;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, P(&vr));
    check(rc == -EINVAL, "vcpu-info-bad-frame", "%ld", rc);
    vr.mfn = (uintptr_t)vi_page >> 12;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, P(&vr));
    volatile struct hcm_vcpu_info *nvi = (volatile struct hcm_vcpu_info *)vi_page;
    /* Moving marks every selector bit pending: all bits of this width. */
    check(rc == 0 && nvi->upcall_pending == 1 && nvi->pending_sel == ~0ul && nvi->time.tsc_to_system_mul != 0,
          "vcpu-info-register", "rc %ld pending %u selector %#lx", rc, nvi->upcall_pending,
          (unsigned long)nvi->pending_sel);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, P(&vr));
    check(rc == -EINVAL, "vcpu-info-once", "%ld", rc);
}

static void test_hvm_op(void)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_TIMER_MODE, .value = 1 };
    long rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_param, P(&p), 0);
    p.value = 7;
    long rc2 = hc(__HYPERVISOR_hvm_op, HVMOP_get_param, P(&p), 0);
    check(rc == 0 && rc2 == 0 && p.value == 1, "hvm-param-set-get", "%ld/%ld value %lu", rc, rc2,
          (unsigned long)p.value);
    p.index = 99;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_get_param, P(&p), 0);
    check(rc == -EINVAL, "hvm-param-bad-index", "%ld", rc);
    p.index = HVM_PARAM_CONSOLE_PFN;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_param, P(&p), 0);
    check(rc == -EPERM, "hvm-param-read-only", "%ld", rc);
    p.index = HVM_PARAM_TIMER_MODE;
    p.domid = 9;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_get_param, P(&p), 0);
    check(rc == -EPERM, "hvm-param-other-domain", "%ld", rc);
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_get_param, BAD_PTR, 0);
    check(rc == -EFAULT, "hvm-param-bad-pointer", "%ld", rc);
    struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 40, .vector = 0xf3 };
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, P(&uv), 0);
    check(rc == -ENOENT, "hvm-upcall-vector-bad-vcpu", "%ld", rc);
    uv.vcpu = 0;
    uv.vector = 5;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, P(&uv), 0);
    check(rc == -EINVAL, "hvm-upcall-vector-bad-vector", "%ld", rc);
    uint64_t t = 0;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_get_time, P(&t), 0);
    check(rc == 0 && t > 0, "hvm-get-time", "rc %ld time %lu", rc, (unsigned long)t);
    /* The "no callback" value latches the shared_info layout from our mode:
     * the wall clock stays where we read it. */
    p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = 0 };
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_param, P(&p), 0);
    check(rc == 0 && (!sh || (sh->wc_version && !(sh->wc_version & 1))), "hvm-callback-none-latch", "%ld", rc);
    rc = hc(__HYPERVISOR_hvm_op, 77, 0, 0);
    check(rc == -ENOSYS, "hvm-op-unknown", "%ld", rc);
}

#ifdef __x86_64__
/*
 * Calls from compatibility mode on this same vCPU: far jump to the 32-bit
 * code segment of pvh/lib/entry.S's GDT (0x08), call the hypercall page's
 * stub with the 32-bit convention (EAX nr, EBX ECX EDX), far jump back to
 * the 64-bit segment (0x18).  Interrupts stay off; RSP is kept in memory
 * because the upper halves of registers are not preserved through
 * compatibility mode (Intel SDM vol. 1, 3.4.1.1).
 */
long hcm_call32(uint32_t stub, uint32_t a1, uint32_t a2, uint32_t a3);
asm(
    "    .text\n"
    "    .globl hcm_call32\n"
    "hcm_call32:\n"
    "    push %rbx\n"
    "    push %rbp\n"
    "    pushfq\n"
    "    cli\n"
    "    mov %rsp, hcm_saved_rsp(%rip)\n"
    "    mov %esi, %ebx\n"
    "    mov %ecx, %eax\n"
    "    mov %edx, %ecx\n"
    "    mov %eax, %edx\n"
    "    mov %edi, %ebp\n"
    "    ljmpl *hcm_far32(%rip)\n"
    "    .code32\n"
    "hcm_in32:\n"
    "    call *%ebp\n"
    "    ljmp $0x18, $hcm_back64\n"
    "    .code64\n"
    "hcm_back64:\n"
    "    mov hcm_saved_rsp(%rip), %rsp\n"
    "    movslq %eax, %rax\n"
    "    popfq\n"
    "    pop %rbp\n"
    "    pop %rbx\n"
    "    ret\n"
    "    .data\n"
    "    .balign 8\n"
    "hcm_far32: .long hcm_in32\n"
    "    .word 0x08\n"
    "    .balign 8\n"
    "hcm_saved_rsp: .quad 0\n"
    "    .text\n");

extern uintptr_t hv_page_addr;

static long hc32(unsigned nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    return hcm_call32((uint32_t)(hv_page_addr + nr * 32), a1, a2, a3);
}

/* i386 layouts, spelled out for the calls made from compatibility mode. */
struct i386_memory_map { uint32_t nr_entries; uint32_t buffer; };
struct i386_runstate { int32_t state; uint32_t entry_lo, entry_hi; uint32_t time[8]; };
_Static_assert(sizeof(struct i386_runstate) == 44, "i386 runstate");

static void test_mode_switch(void)
{
    long rc;

    rc = hc32(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    check(rc == hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0), "compat-mode-version", "%ld", rc);
    uint8_t pp[8];
    memset(pp, 0xa5, sizeof(pp));
    rc = hc32(__HYPERVISOR_xen_version, XENVER_platform_parameters, (uint32_t)P(pp), 0);
    /* 4 bytes written (virt_start 0: no hypervisor hole), none after. */
    check(rc == 0 && pp[4] == 0xa5 && !(pp[0] | pp[1] | pp[2] | pp[3]), "compat-mode-platform-parameters",
          "rc %ld, %d-byte answer, first bytes %02x %02x %02x %02x", rc, pp[4] == 0xa5 ? 4 : 8, pp[0], pp[1], pp[2],
          pp[3]);
    static struct i386_memory_map m32;
    m32 = (struct i386_memory_map){ .nr_entries = 32, .buffer = (uint32_t)P(scratch) };
    rc = hc32(__HYPERVISOR_memory_op, XENMEM_memory_map, (uint32_t)P(&m32), 0);
    check(rc == 0 && m32.nr_entries >= 1 && m32.nr_entries < 32 && m32.buffer == (uint32_t)P(scratch),
          "compat-mode-memory-map", "rc %ld entries %u", rc, m32.nr_entries);
    static struct { struct i386_runstate r; uint32_t canary; } rs;
    rs.canary = 0xabcdef01;
    rc = hc32(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, (uint32_t)P(&rs.r));
    check(rc == 0 && rs.r.state == RUNSTATE_running && (rs.r.entry_lo | rs.r.entry_hi) && rs.canary == 0xabcdef01,
          "compat-mode-runstate-44", "rc %ld state %d canary %#x", rc, rs.r.state, rs.canary);
    /* The same call from 64-bit mode right after: the 48-byte record. */
    static struct { struct vcpu_runstate_info r; uint32_t canary; } rs64;
    rs64.canary = 0x12345678;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, P(&rs64.r));
    check(rc == 0 && rs64.r.state == RUNSTATE_running && rs64.r.state_entry_time && rs64.canary == 0x12345678,
          "long-mode-runstate-48", "rc %ld", rc);
    /* Latching from compatibility mode moves the wall clock to the i386
     * place; latching again from long mode puts it back. */
    static struct xen_hvm_param p;
    p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = 0 };
    rc = hc32(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint32_t)P(&p), 0);
    volatile uint32_t *wc32 = (volatile uint32_t *)((uint8_t *)sh + 2304);
    check(rc == 0 && wc32[0] && !(wc32[0] & 1) && (wc32[1] | wc32[2]), "compat-mode-latch-shinfo",
          "rc %ld i386 wc_version %u", rc, wc32[0]);
    p.value = 0;
    rc = hc(__HYPERVISOR_hvm_op, HVMOP_set_param, P(&p), 0);
    check(rc == 0 && sh->wc_version && !(sh->wc_version & 1), "long-mode-latch-shinfo", "rc %ld", rc);
}
#endif

void test_main(void)
{
    printf("hypercall matrix, %d-bit caller\n", HCM_WIDTH);
    test_version();
    test_console();
    test_memory_op();
    test_grant_table();
    test_events_and_sched();
    test_hvm_op();
    test_vcpu_op();     /* moves vcpu_info: nothing after it uses shared_info's slot */
#ifdef __x86_64__
    if (sh)
        test_mode_switch();     /* after the runstate area made the record live */
#endif
}
