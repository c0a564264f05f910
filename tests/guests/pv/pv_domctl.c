/*
 * pv_domctl: domctl and sysctl (src/core/domctl.c, sysctl.c) and log-dirty
 * (src/mm/logdirty.c; on HAP, and on the shadow pager with "hap0" on the
 * control domain's command line: test shadow_pv_domctl), from a privileged PV domain next to an HVM
 * and a PV domU (docs/toolstack.md "domctl and sysctl", docs/shadow.md
 * "Log-dirty").  One kernel, two roles:
 *
 * pv_domctl, an ordinary PV domain (hostile): every domctl and sysctl
 * operation, with a good and with a bad interface version, -EPERM and the
 * caller's structure untouched; then it blocks for good (the control
 * domain sees it blocked, pauses it and destroys it).
 *
 * pv_domctlp (dom0 = 1), next to domctl_hvm (an HVM guest writing six
 * known pages in a loop, nothing else) and pv_domctl:
 *  - sysctl physinfo, getdomaininfolist (the three domains), bad versions
 *    -EACCES, unknown domains -ESRCH, getdomaininfo's values for each;
 *  - pause/unpause/destroy of itself -EINVAL; max_vcpus changes refused;
 *    max_mem; getvcpuinfo; getvcpuaffinity; setvcpuaffinity;
 *  - log-dirty on the HVM guest: between two CLEANs exactly its six pages
 *    are dirty (one at the far end of a 2 MiB leaf that had to be split,
 *    one in the second batch of 16384 pages, so ENABLE and CLEAN each took
 *    a continuation), PEEK does not clear, OFF and ENABLE again;
 *  - pause: no page written and no CPU time used while paused; unpause
 *    brings both back; a second unpause -EINVAL;
 *  - readconsole returns the hypervisor's log;
 *  - destroy of both domUs: they disappear and physinfo's free pages grow
 *    by at least their memory (the run's end checks every frame came back).
 */
#include "pv_ctl.h"
#include "public/sched.h"
#include "public/sysctl.h"
#include "public/memory.h"
#include "public/hvm.h"
#include "public/hvm_save.h"
#include "public/grant_table.h"

#define EPERM       1
#define ENOENT      2
#define ESRCH       3
#define E2BIG       7
#define EACCES      13
#define EBUSY       16
#define EFAULT      14
#define EINVAL      22
#define ENOSYS      38
#define EOPNOTSUPP  95
#define MMU_PT_UPDATE_NO_TRANSLATE  3   /* public/xen.h mmu_update command */
#define MMU_MACHPHYS_UPDATE_REQ     1
#define MMUEXT_PIN_L1_TABLE         0   /* public/xen.h mmuext_op commands */
#define MMUEXT_PIN_L4               3
#define MMUEXT_UNPIN                4
#define MMUEXT_NEW_BASEPTR_CMD      5
#define EEXIST      17

static void build_calls(void);
static void build_calls_pv(void);
static void build_calls_pv_smp(void);
static void address_size_others(uint16_t hvm, uint16_t pv);
static void build_calls_pv32(void);
static void foreign_pins(void);
static void gnt_frame_map_checks(void);
static void remote_shutdown_checks(void);
static const struct start_info *boot_si;
static unsigned hap0;           /* "hap0" on the command line: the HVM domU has hap = 0 */

#define M2P         ((const volatile uint64_t *)0xffff800000000000ull)
#define PTE_ADDR    0x000ffffffffff000ull

/* The machine address of the L1 entry that maps va in the boot page
 * tables (each table read through the kernel's map of its pfn). */
static uint64_t l1e_maddr(uint64_t va)
{
    const volatile uint64_t *t = (const volatile uint64_t *)boot_si->pt_base;
    uint64_t e = 0;
    for (int level = 4; level >= 2; level--) {
        e = t[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & 1))
            return 0;
        t = (const volatile uint64_t *)(VIRT_BASE + M2P[(e & PTE_ADDR) >> 12] * 4096);
    }
    return (e & PTE_ADDR) | ((va >> 12) & 511) * 8;
}

static uint64_t l1e_read(uint64_t maddr)
{
    const volatile uint64_t *t = (const volatile uint64_t *)(VIRT_BASE + M2P[maddr >> 12] * 4096);
    return t[(maddr & 0xfff) / 8];
}

static uint8_t scratch[4096] __attribute__((aligned(4096)));

/* The pages domctl_hvm writes (tests/guests/domctl_hvm.c). */
static const uint64_t hvm_pages[] = { 0x800, 0x801, 0x805, 0x840, 0x9ff, 0x5000 };
#define NR_HVM_PAGES 6
#define HVM_PAGES 32768u        /* its memory = 128 (MiB): two log-dirty batches */

static long sysctl(struct xen_sysctl *op)
{
    return hc(__HYPERVISOR_sysctl, (uint64_t)op, 0, 0, 0);
}

static void sc_init(struct xen_sysctl *op, uint32_t cmd)
{
    uint8_t *p = (uint8_t *)op;
    for (unsigned i = 0; i < sizeof(*op); i++)
        p[i] = 0;
    op->cmd = cmd;
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
}

/* sysctl readconsole from position 'from' (incremental) into buf. */
static long read_console_from(struct xen_sysctl *so, char *buf, uint32_t len, uint32_t from)
{
    sc_init(so, XEN_SYSCTL_readconsole);
    so->u.readconsole.buffer = (uint64_t)buf;
    so->u.readconsole.count = len;
    so->u.readconsole.incremental = 1;
    so->u.readconsole.index = from;
    return sysctl(so);
}

static int untouched(const void *buf, unsigned len, uint8_t fill, unsigned from)
{
    const uint8_t *p = buf;
    for (unsigned i = from; i < len; i++)
        if (p[i] != fill)
            return 0;
    return 1;
}

/* The builder's calls naming another domain (pv/pv_foreign.c) from an
 * unprivileged domain: -EPERM whether the domain exists (dom0) or not. */
static void foreign_refused(void)
{
    static uint64_t gfn = 0x100;
    static const uint16_t doms[] = { 0, 1000 };
    unsigned refused = 0;
    for (unsigned i = 0; i < 2; i++) {
        struct xen_reservation r = { (uint64_t)&gfn, 1, 0, 0, doms[i], { 0 } };
        struct mmu_update u = { 0x1000, (0x100ull << 12) | 3 };
        struct xen_hvm_param p = { doms[i], 0, HVM_PARAM_STORE_PFN, 0x1234 };
        refused += hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0) == -EPERM;
        refused += hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, doms[i]) == -EPERM;
        refused += hc(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0, 0) == -EPERM;
        /* Pinning another domain's table (the PV builder's). */
        struct mmuext_op x = { MMUEXT_PIN_L4, 0, 0x100, 0 };
        refused += hc(__HYPERVISOR_mmuext_op, (uint64_t)&x, 1, 0, doms[i]) == -EPERM;
    }
    check(refused == 8, "domu-foreign-eperm", "refused", refused, 8);
    /* Mapping another domain's frame by MFN (privcmd's way for acquired
     * grant-table frames): the control domain's only. */
    struct mmu_update nt = { 0x1000 | MMU_PT_UPDATE_NO_TRANSLATE, (0x100ull << 12) | 3 };
    eq("domu-no-translate-eperm", hc(__HYPERVISOR_mmu_update, (uint64_t)&nt, 1, 0, 0), -EPERM);
    /* XENMEM_acquire_resource (dom0's grant table, a size query, a missing
     * domain): -EPERM, the structure untouched. */
    static uint64_t frames[2] = { 0x1111, 0x2222 };
    struct xen_mem_acquire_resource ar = { 0, XENMEM_resource_grant_table, 0, 1, 0, 0, (uint64_t)frames };
    refused = hc(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&ar, 0, 0) == -EPERM;
    ar.nr_frames = 0;
    ar.frame_list = 0;
    refused += hc(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&ar, 0, 0) == -EPERM;
    ar.domid = 1000;
    refused += hc(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&ar, 0, 0) == -EPERM;
    check(refused == 3 && ar.nr_frames == 0 && frames[0] == 0x1111, "domu-acquire-resource-eperm", "refused",
          refused, 3);
}

static void unprivileged(void)
{
    static const uint32_t cmds[] = { XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
                                     XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_setvcpuaffinity,
                                     XEN_DOMCTL_shadow_op, XEN_DOMCTL_max_mem, XEN_DOMCTL_getvcpuinfo,
                                     XEN_DOMCTL_max_vcpus, XEN_DOMCTL_getvcpuaffinity, XEN_DOMCTL_sethvmcontext,
                                     XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_hypercall_init,
                                     XEN_DOMCTL_set_address_size, XEN_DOMCTL_get_address_size, 77 };
    unsigned refused = 0, kept = 0;
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        for (unsigned bad = 0; bad < 2; bad++) {
            struct xen_domctl op;
            uint8_t *p = (uint8_t *)&op;
            for (unsigned j = 0; j < sizeof(op); j++)
                p[j] = 0xa5;
            op.cmd = cmds[i];
            op.interface_version = bad ? 0x14 : XEN_DOMCTL_INTERFACE_VERSION;
            op.domain = 0;      /* the initial domain: a real target */
            refused += domctl(&op) == -EPERM;
            kept += untouched(&op, sizeof(op), 0xa5, 16) && op.domain == 0;
        }
    check(refused == 34, "domu-domctl-all-eperm", "refused", refused, 34);
    check(kept == 34, "domu-domctl-untouched", "untouched", kept, 34);
    foreign_refused();

    static const uint32_t scmds[] = { XEN_SYSCTL_readconsole, XEN_SYSCTL_physinfo, XEN_SYSCTL_getdomaininfolist,
                                      XEN_SYSCTL_debug_keys, 2 };
    refused = kept = 0;
    for (unsigned i = 0; i < 5; i++)
        for (unsigned bad = 0; bad < 2; bad++) {
            struct xen_sysctl op;
            uint8_t *p = (uint8_t *)&op;
            for (unsigned j = 0; j < sizeof(op); j++)
                p[j] = 0x5a;
            op.cmd = scmds[i];
            op.interface_version = bad ? 0 : XEN_SYSCTL_INTERFACE_VERSION;
            refused += sysctl(&op) == -EPERM;
            kept += untouched(&op, sizeof(op), 0x5a, 8);
        }
    check(refused == 10, "domu-sysctl-all-eperm", "refused", refused, 10);
    check(kept == 10, "domu-sysctl-untouched", "untouched", kept, 10);
    /* A pointer to nothing: still -EPERM (nothing is read first). */
    eq("domu-domctl-bad-pointer-eperm", hc(__HYPERVISOR_domctl, 0x1000, 0, 0, 0), -EPERM);
    put("pv_domctl: unprivileged checks done, blocking until destroyed");
    flush();
    pv_report();
    for (;;)
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
}

/* ---- the control domain ------------------------------------------------- */


static long info(uint16_t dom, struct xen_domctl_getdomaininfo *out)
{
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_getdomaininfo, dom);
    long rc = domctl(&op);
    if (!rc)
        *out = op.u.getdomaininfo;
    return rc;
}

static long simple(uint32_t cmd, uint16_t dom)
{
    struct xen_domctl op;
    dc_init(&op, cmd, dom);
    return domctl(&op);
}

static uint64_t bitmap[HVM_PAGES / 64];

static long shadow_n(uint16_t dom, uint32_t sop, uint64_t pages, struct xen_domctl_shadow_op *out)
{
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_shadow_op, dom);
    op.u.shadow_op.op = sop;
    op.u.shadow_op.dirty_bitmap = (uint64_t)bitmap;
    op.u.shadow_op.pages = pages;
    for (unsigned i = 0; i < HVM_PAGES / 64; i++)
        bitmap[i] = ~0ull;
    long rc = domctl(&op);
    if (out)
        *out = op.u.shadow_op;
    return rc;
}

static long shadow(uint16_t dom, uint32_t sop, struct xen_domctl_shadow_op *out)
{
    return shadow_n(dom, sop, HVM_PAGES, out);
}

static int bit(uint64_t g)
{
    return (bitmap[g / 64] >> (g % 64)) & 1;
}

/* Whether the bitmap has exactly the HVM guest's pages set; *count gets
 * how many bits are set. */
static int exactly_hvm_pages(unsigned *count)
{
    unsigned n = 0, hits = 0;
    for (unsigned g = 0; g < HVM_PAGES; g++)
        if (bitmap[g / 64] & (1ull << (g % 64))) {
            n++;
            for (unsigned k = 0; k < sizeof(hvm_pages) / sizeof(hvm_pages[0]); k++)
                hits += hvm_pages[k] == g;
        }
    *count = n;
    return n == sizeof(hvm_pages) / sizeof(hvm_pages[0]) && hits == n;
}

static void check_exact(const char *name)
{
    unsigned c;
    int ok = exactly_hvm_pages(&c);
    check(ok, name, "bits set", c, NR_HVM_PAGES);
}

static unsigned bits_set(void)
{
    unsigned n = 0;
    for (unsigned g = 0; g < HVM_PAGES; g++)
        n += (bitmap[g / 64] >> (g % 64)) & 1;
    return n;
}

static uint64_t vcpu_time(uint16_t dom, struct xen_domctl_getvcpuinfo *vi)
{
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_getvcpuinfo, dom);
    op.u.getvcpuinfo.vcpu = 0;
    if (domctl(&op))
        return ~0ull;
    if (vi)
        *vi = op.u.getvcpuinfo;
    return op.u.getvcpuinfo.cpu_time;
}

static uint64_t free_pages(void)
{
    struct xen_sysctl op;
    sc_init(&op, XEN_SYSCTL_physinfo);
    return sysctl(&op) ? 0 : op.u.physinfo.free_pages;
}

/* XENMEM_acquire_resource on domain t's grant table (pv/pv_exchange.c):
 * the size query, MFNs of its frames (the table grows to cover them, the
 * same frame gives the same MFN), and every refusal. */
static long acquire(uint16_t dom, uint16_t type, uint32_t id, uint32_t nr, uint64_t frame, uint64_t *list,
                    struct xen_mem_acquire_resource *out)
{
    *out = (struct xen_mem_acquire_resource){ dom, type, id, nr, 0, frame, (uint64_t)list };
    return hc(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)out, 0, 0);
}

/* check() under the name "dom0-acquire-<who><tail>". */
static void acq_check(const char *who, const char *tail, int ok, uint64_t got, uint64_t want)
{
    char name[64];
    unsigned k = 0;
    for (const char *c = "dom0-acquire-"; *c; c++)
        name[k++] = *c;
    for (const char *c = who; *c; c++)
        name[k++] = *c;
    for (const char *c = tail; *c && k < sizeof(name) - 1; c++)
        name[k++] = *c;
    name[k] = 0;
    check(ok, name, "value", got, want);
}

static void acquire_checks(uint16_t t, const char *who, long ioreq_rc)
{
    struct xen_mem_acquire_resource ar;
    static uint64_t f[40];
    long rc;

    rc = acquire(t, XENMEM_resource_grant_table, 0, 0, 0, 0, &ar);
    acq_check(who, "-size", rc == 0 && ar.nr_frames == 64, rc ? (uint64_t)rc : ar.nr_frames, 64);
    for (unsigned i = 0; i < 4; i++)
        f[i] = 0;
    rc = acquire(t, XENMEM_resource_grant_table, 0, 3, 0, f, &ar);
    acq_check(who, "-frames", rc == 0 && f[0] && f[1] && f[2] && f[0] != f[1] && f[1] != f[2] && f[0] != f[2] &&
              f[3] == 0, (uint64_t)rc, 0);
    uint64_t third = f[2];
    rc = acquire(t, XENMEM_resource_grant_table, 0, 1, 2, f, &ar);
    acq_check(who, "-same-mfn", rc == 0 && f[0] == third, f[0], third);
    rc = acquire(t, XENMEM_resource_grant_table, 1, 1, 0, f, &ar);
    acq_check(who, "-status-einval", rc == -EINVAL, (uint64_t)rc, (uint64_t)-EINVAL);
    /* ioreq server 0's frame 0 (hvm/ioreq.c): an HVM domain without
     * servers -ENOENT, a PV domain -EINVAL. */
    rc = acquire(t, XENMEM_resource_ioreq_server, 0, 1, 0, f, &ar);
    acq_check(who, "-ioreq-refused", rc == ioreq_rc, (uint64_t)rc, (uint64_t)ioreq_rc);
    rc = acquire(t, 7, 0, 1, 0, f, &ar);
    acq_check(who, "-type-eopnotsupp", rc == -EOPNOTSUPP, (uint64_t)rc, (uint64_t)-EOPNOTSUPP);
    rc = acquire(t, XENMEM_resource_grant_table, 0, 2, 63, f, &ar);
    acq_check(who, "-beyond-einval", rc == -EINVAL, (uint64_t)rc, (uint64_t)-EINVAL);
    rc = acquire(t, XENMEM_resource_grant_table, 0, 33, 0, f, &ar);
    acq_check(who, "-e2big", rc == -E2BIG, (uint64_t)rc, (uint64_t)-E2BIG);
    ar = (struct xen_mem_acquire_resource){ t, XENMEM_resource_grant_table, 0, 1, 1, 0, (uint64_t)f };
    rc = hc(__HYPERVISOR_memory_op, XENMEM_acquire_resource, (uint64_t)&ar, 0, 0);
    acq_check(who, "-pad-einval", rc == -EINVAL, (uint64_t)rc, (uint64_t)-EINVAL);
    f[0] = 0x4444;
    rc = acquire(t, XENMEM_resource_grant_table, 0, 0, 0, f, &ar);
    acq_check(who, "-list-without-nr", rc == 0 && f[0] == 0x4444 && ar.nr_frames == 0, (uint64_t)rc, 0);
}

static void acquire_refusals(uint16_t pv)
{
    struct xen_mem_acquire_resource ar;
    static uint64_t f[2];
    eq("dom0-acquire-self-eperm", acquire(0, XENMEM_resource_grant_table, 0, 1, 0, f, &ar), -EPERM);
    eq("dom0-acquire-missing-esrch", acquire(1000, XENMEM_resource_grant_table, 0, 1, 0, f, &ar), -ESRCH);
    eq("dom0-acquire-bad-list-efault", acquire(pv, XENMEM_resource_grant_table, 0, 1, 0, (uint64_t *)0x1000, &ar),
       -EFAULT);
    /* Mapping a grant-table frame (privcmd's MMU_PT_UPDATE_NO_TRANSLATE
     * with the domain as foreigndom): a PV domain the toolstack did not
     * build takes no foreign mapping at all (-EOPNOTSUPP); one it built
     * does (gnt_frame_map_checks). */
    acquire(pv, XENMEM_resource_grant_table, 0, 1, 0, f, &ar);
    struct mmu_update u = { l1e_maddr((uint64_t)scratch) | MMU_PT_UPDATE_NO_TRANSLATE, (f[0] << 12) | 0x67 };
    eq("dom0-acquire-map-not-yet", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, pv), -EOPNOTSUPP);
}

static void privileged(void)
{
    struct xen_sysctl so;
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo di;

    /* ---- sysctl ---- */
    sc_init(&so, XEN_SYSCTL_physinfo);
    eq("dom0-physinfo", sysctl(&so), 0);
    struct xen_sysctl_physinfo pi = so.u.physinfo;
    khz = pi.cpu_khz ? pi.cpu_khz : 1000000;
    check(pi.nr_cpus >= 1 && pi.max_cpu_id + 1 >= pi.nr_cpus, "dom0-physinfo-cpus", "nr_cpus", pi.nr_cpus, 2);
    check(pi.total_pages > pi.free_pages && pi.free_pages > 0 && pi.max_mfn >= pi.total_pages,
          "dom0-physinfo-pages", "free_pages", pi.free_pages, pi.total_pages);
    check((pi.capabilities & (XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap)) ==
          (XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap),
          "dom0-physinfo-caps", "capabilities", pi.capabilities, 0xb);
    check(pi.cpu_khz > 100000, "dom0-physinfo-khz", "cpu_khz", pi.cpu_khz, 100000);
    sc_init(&so, XEN_SYSCTL_physinfo);
    so.interface_version = 0x14;
    eq("dom0-sysctl-bad-version", sysctl(&so), -EACCES);
    sc_init(&so, 99);
    eq("dom0-sysctl-unknown", sysctl(&so), -ENOSYS);
    dc_init(&op, XEN_DOMCTL_getdomaininfo, 0);
    op.interface_version = 0x16;
    eq("dom0-domctl-bad-version", domctl(&op), -EACCES);

    static struct xen_domctl_getdomaininfo list[8];
    sc_init(&so, XEN_SYSCTL_getdomaininfolist);
    so.u.getdomaininfolist.first_domain = 0;
    so.u.getdomaininfolist.max_domains = 8;
    so.u.getdomaininfolist.buffer = (uint64_t)list;
    eq("dom0-getdomaininfolist", sysctl(&so), 0);
    unsigned n = so.u.getdomaininfolist.num_domains;
    check(n == 3, "dom0-getdomaininfolist-three", "num_domains", n, 3);
    uint16_t hvm = 0, pv = 0;
    for (unsigned i = 0; i < n && i < 8; i++) {
        if (list[i].flags & XEN_DOMINF_hvm_guest)
            hvm = list[i].domain;
        else if (list[i].domain != 0)
            pv = list[i].domain;
    }
    check(list[0].domain == 0 && hvm && pv && list[1].domain < list[2].domain, "dom0-getdomaininfolist-ids",
          "hvm<<16|pv", (uint64_t)hvm << 16 | pv, 0);
    address_size_others(hvm, pv);
    sc_init(&so, XEN_SYSCTL_getdomaininfolist);
    so.u.getdomaininfolist.first_domain = 1;
    so.u.getdomaininfolist.max_domains = 1;
    so.u.getdomaininfolist.buffer = (uint64_t)list;
    eq("dom0-getdomaininfolist-from-1", sysctl(&so), 0);
    check(so.u.getdomaininfolist.num_domains == 1 && list[0].domain != 0, "dom0-getdomaininfolist-max-1",
          "num_domains", so.u.getdomaininfolist.num_domains, 1);

    /* ---- getdomaininfo ---- */
    eq("dom0-info-self", info(0, &di), 0);
    check(di.domain == 0 && !(di.flags & XEN_DOMINF_hvm_guest) && di.tot_pages == 32 * 256 &&
          di.max_vcpu_id == 0 && di.nr_online_vcpus == 1 && (di.flags & XEN_DOMINF_running),
          "dom0-info-self-values", "tot_pages", di.tot_pages, 32 * 256);
    eq("dom0-info-hvm", info(hvm, &di), 0);
    /* hap0 on the command line (pv_domctlp_hap0.cfg): the HVM domU runs on
     * the shadow pager, and getdomaininfo says so (no XEN_DOMINF_hap). */
    uint32_t hvm_flags = XEN_DOMINF_hvm_guest | (hap0 ? 0 : XEN_DOMINF_hap);
    check(di.domain == hvm && (di.flags & (XEN_DOMINF_hvm_guest | XEN_DOMINF_hap)) == hvm_flags,
          "dom0-info-hvm-flags", "flags", di.flags, hvm_flags);
    check(!(di.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown | XEN_DOMINF_dying | XEN_DOMINF_blocked)),
          "dom0-info-hvm-live", "flags", di.flags, 0);
    check(di.tot_pages == HVM_PAGES && di.max_pages >= di.tot_pages, "dom0-info-hvm-pages", "tot_pages",
          di.tot_pages, HVM_PAGES);
    check(di.max_vcpu_id == 0 && di.nr_online_vcpus == 1, "dom0-info-hvm-vcpus", "nr_online_vcpus",
          di.nr_online_vcpus, 1);
    eq("dom0-info-pv", info(pv, &di), 0);
    check(di.domain == pv && !(di.flags & XEN_DOMINF_hvm_guest) && di.tot_pages == 32 * 256,
          "dom0-info-pv-values", "tot_pages", di.tot_pages, 32 * 256);
    /* Xen 4.17: the next domain up when the id is free; -ESRCH past the last. */
    eq("dom0-info-next-up", info(pv > hvm ? hvm + 1 : pv + 1, &di), 0);
    check(di.domain == (pv > hvm ? pv : hvm), "dom0-info-next-up-id", "domain", di.domain, pv > hvm ? pv : hvm);
    eq("dom0-info-none-esrch", info(1000, &di), -ESRCH);

    /* ---- refusals ---- */
    eq("dom0-pause-self", simple(XEN_DOMCTL_pausedomain, 0), -EINVAL);
    eq("dom0-unpause-self", simple(XEN_DOMCTL_unpausedomain, 0), -EINVAL);
    eq("dom0-destroy-self", simple(XEN_DOMCTL_destroydomain, 0), -EINVAL);
    eq("dom0-pause-none-esrch", simple(XEN_DOMCTL_pausedomain, 1000), -ESRCH);
    eq("dom0-destroy-none-esrch", simple(XEN_DOMCTL_destroydomain, 1000), -ESRCH);
    eq("dom0-unpause-not-paused", simple(XEN_DOMCTL_unpausedomain, hvm), -EINVAL);
    eq("dom0-domctl-unknown", simple(70, hvm), -ENOSYS);
    dc_init(&op, XEN_DOMCTL_max_vcpus, hvm);
    op.u.max_vcpus.max = 1;
    eq("dom0-max-vcpus-same", domctl(&op), 0);
    op.u.max_vcpus.max = 2;
    eq("dom0-max-vcpus-change-refused", domctl(&op), -EINVAL);
    dc_init(&op, XEN_DOMCTL_max_mem, hvm);
    op.u.max_mem.max_memkb = 32 * 1024;
    eq("dom0-max-mem", domctl(&op), 0);
    info(hvm, &di);
    check(di.max_pages == 8192, "dom0-max-mem-applied", "max_pages", di.max_pages, 8192);

    struct xen_domctl_getvcpuinfo vi;
    /* The HVM domU may not have run yet (the control domain can be first
     * on every CPU): wait, bounded, until it has used some CPU time. */
    uint64_t t0;
    for (unsigned i = 0; (t0 = vcpu_time(hvm, &vi)) == 0 && i < 1000; i++)
        wait_ms(5);
    check(t0 != ~0ull && vi.online && !vi.blocked && t0 > 0, "dom0-vcpuinfo-hvm", "cpu_time", t0, 1);
    dc_init(&op, XEN_DOMCTL_getvcpuinfo, hvm);
    op.u.getvcpuinfo.vcpu = 1;
    eq("dom0-vcpuinfo-no-vcpu", domctl(&op), -EINVAL);
    uint64_t mask = 0;
    dc_init(&op, XEN_DOMCTL_getvcpuaffinity, hvm);
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&mask;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    eq("dom0-getvcpuaffinity", domctl(&op), 0);
    check((mask & 3) == 3, "dom0-getvcpuaffinity-cpus", "mask", mask, 3);
    /* setvcpuaffinity: the HVM domU's vCPU pinned to CPU 1 is seen there
     * (bounded wait), the effective mask comes back; masks without an online
     * CPU, no flags and a vCPU it does not have are refused; back to all. */
    uint64_t want = 2;
    dc_init(&op, XEN_DOMCTL_setvcpuaffinity, hvm);
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&want;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    eq("dom0-setvcpuaffinity", domctl(&op), 0);
    check(want == 2, "dom0-setvcpuaffinity-effective", "mask", want, 2);
    unsigned moved = 0;
    for (unsigned i = 0; i < 2000 && !moved; i++) {
        moved = vcpu_time(hvm, &vi) != ~0ull && vi.cpu == 1;
        if (!moved)
            wait_ms(5);
    }
    check(moved, "dom0-setvcpuaffinity-moves", "cpu", vi.cpu, 1);
    mask = 0;
    dc_init(&op, XEN_DOMCTL_getvcpuaffinity, hvm);
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&mask;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    eq("dom0-getvcpuaffinity-pinned", domctl(&op), 0);
    check(mask == 2, "dom0-getvcpuaffinity-pinned-mask", "mask", mask, 2);
    uint64_t bad_masks[2] = { 0, 1ull << 40 };
    for (unsigned i = 0; i < 2; i++) {
        want = bad_masks[i];
        dc_init(&op, XEN_DOMCTL_setvcpuaffinity, hvm);
        op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
        op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&want;
        op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
        eq(i ? "dom0-setvcpuaffinity-offline-cpu" : "dom0-setvcpuaffinity-empty", domctl(&op), -EINVAL);
    }
    want = 3;
    dc_init(&op, XEN_DOMCTL_setvcpuaffinity, hvm);
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&want;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    eq("dom0-setvcpuaffinity-no-flags", domctl(&op), -EINVAL);
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    op.u.vcpuaffinity.vcpu = 1;
    eq("dom0-setvcpuaffinity-no-vcpu", domctl(&op), -EINVAL);
    op.u.vcpuaffinity.vcpu = 0;
    want = ~0ull;
    eq("dom0-setvcpuaffinity-all", domctl(&op), 0);

    /* ---- log-dirty on the HVM guest ---- */
    struct xen_domctl_shadow_op sh;
    eq("ld-peek-before-enable", shadow(hvm, XEN_DOMCTL_SHADOW_OP_PEEK, 0), -EINVAL);
    eq("ld-pv-not-yet", shadow(pv, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0), -EOPNOTSUPP);
    uint64_t te = rdtsc_();
    eq("ld-enable", shadow(hvm, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0), 0);
    te = rdtsc_() - te;
    eq("ld-enable-twice", shadow(hvm, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0), -EINVAL);
    wait_ms(20);
    eq("ld-clean-first", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, &sh), 0);
    /* The guest may still be starting (zeroing its BSS, printing): CLEAN
     * until a round holds only its loop's pages (bounded), then every
     * later round must be exact. */
    unsigned rounds = 0, c = 0;
    do {
        wait_ms(30);
        eq("ld-clean", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, &sh), 0);
    } while (!exactly_hvm_pages(&c) && ++rounds < 100);
    check_exact("ld-clean-exact");
    /* One figure for the report (not checked: emulated time): a CLEAN of
     * 32768 pages with six of them dirty. */
    wait_ms(10);
    uint64_t tc = rdtsc_();
    shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0);
    tc = rdtsc_() - tc;
    put("pv_domctl: log-dirty timing (us): ENABLE of 0x8000 pages ");
    put_hex(te * 1000 / khz);
    put(", CLEAN ");
    put_hex(tc * 1000 / khz);
    flush();
    check(sh.pages == HVM_PAGES, "ld-clean-pages", "pages", sh.pages, HVM_PAGES);
    check(sh.dirty_count == NR_HVM_PAGES && sh.fault_count >= NR_HVM_PAGES, "ld-clean-stats", "dirty_count",
          sh.dirty_count, NR_HVM_PAGES);
    wait_ms(30);
    eq("ld-peek", shadow(hvm, XEN_DOMCTL_SHADOW_OP_PEEK, 0), 0);
    check_exact("ld-peek-exact");
    eq("ld-peek-again", shadow(hvm, XEN_DOMCTL_SHADOW_OP_PEEK, 0), 0);
    check_exact("ld-peek-does-not-clear");
    eq("ld-clean-2", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    check_exact("ld-clean-2-exact");

    /* ---- pause: no progress, no CPU time ---- */
    eq("dom0-pause-hvm", simple(XEN_DOMCTL_pausedomain, hvm), 0);
    info(hvm, &di);
    check((di.flags & XEN_DOMINF_paused) && !(di.flags & XEN_DOMINF_running), "dom0-paused-flag", "flags",
          di.flags, XEN_DOMINF_paused);
    uint64_t tp = vcpu_time(hvm, &vi);
    check(!vi.running, "dom0-paused-not-running", "running", vi.running, 0);
    eq("ld-clean-paused-1", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    wait_ms(40);
    eq("ld-clean-paused-2", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    check(bits_set() == 0, "ld-paused-nothing-written", "bits set", bits_set(), 0);
    uint64_t tp2 = vcpu_time(hvm, 0);
    check(tp2 == tp, "dom0-paused-no-cpu-time", "cpu_time delta", tp2 - tp, 0);
    eq("dom0-unpause-hvm", simple(XEN_DOMCTL_unpausedomain, hvm), 0);
    eq("dom0-unpause-twice", simple(XEN_DOMCTL_unpausedomain, hvm), -EINVAL);
    wait_ms(40);
    eq("ld-clean-resumed", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    check_exact("ld-resumed-exact");
    uint64_t tr = vcpu_time(hvm, 0);
    check(tr > tp2, "dom0-resumed-cpu-time", "cpu_time", tr, tp2);
    info(hvm, &di);
    check(!(di.flags & XEN_DOMINF_paused), "dom0-unpaused-flag", "flags", di.flags, 0);

    /* A CLEAN with room for 0x801 bits reports and clears only those:
     * with the guest paused, a PEEK then still shows the other five. */
    wait_ms(30);
    eq("dom0-pause-hvm-2", simple(XEN_DOMCTL_pausedomain, hvm), 0);
    eq("ld-partial-clean", shadow_n(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0x801, &sh), 0);
    unsigned low = 0;
    for (uint64_t g = 0; g < 0x801; g++)
        low += bit(g);
    check(sh.pages == 0x801 && low == 1 && bit(0x800), "ld-partial-clean-one", "bits set below 0x801", low, 1);
    eq("ld-partial-peek", shadow(hvm, XEN_DOMCTL_SHADOW_OP_PEEK, 0), 0);
    check(!bit(0x800) && bit(0x801) && bit(0x805) && bit(0x840) && bit(0x9ff) && bit(0x5000) && bits_set() == 5,
          "ld-partial-rest-kept", "bits set", bits_set(), 5);
    eq("dom0-unpause-hvm-2", simple(XEN_DOMCTL_unpausedomain, hvm), 0);

    eq("ld-off", shadow(hvm, XEN_DOMCTL_SHADOW_OP_OFF, 0), 0);
    eq("ld-clean-after-off", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), -EINVAL);
    eq("ld-enable-again", shadow(hvm, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0), 0);
    wait_ms(20);
    eq("ld-again-clean-1", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    wait_ms(30);
    eq("ld-again-clean-2", shadow(hvm, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), 0);
    check_exact("ld-again-exact");

    /* ---- the PV domU: blocked after its own checks; pause, unpause ---- */
    unsigned tries = 0;
    while (tries++ < 2000 && (info(pv, &di) || !(di.flags & XEN_DOMINF_blocked)))
        wait_ms(5);
    check(di.domain == pv && (di.flags & XEN_DOMINF_blocked), "dom0-pv-domu-blocked", "flags", di.flags,
          XEN_DOMINF_blocked);
    eq("dom0-pause-pv", simple(XEN_DOMCTL_pausedomain, pv), 0);
    info(pv, &di);
    check(di.flags & XEN_DOMINF_paused, "dom0-pv-paused-flag", "flags", di.flags, XEN_DOMINF_paused);
    acquire_checks(hvm, "hvm", -ENOENT);
    acquire_checks(pv, "pv", -EINVAL);
    acquire_refusals(pv);

    /* ---- readconsole ---- */
    static char con[4096];
    sc_init(&so, XEN_SYSCTL_readconsole);
    so.u.readconsole.buffer = (uint64_t)con;
    so.u.readconsole.count = sizeof(con);
    eq("dom0-readconsole", sysctl(&so), 0);
    unsigned got = so.u.readconsole.count, found = contains(con, got, "ringvisor");
    check(got == sizeof(con) && found, "dom0-readconsole-log", "count", got, sizeof(con));
    uint32_t idx = so.u.readconsole.index;
    eq("dom0-readconsole-incremental", read_console_from(&so, con, sizeof(con), idx), 0);
    check(so.u.readconsole.index - idx == so.u.readconsole.count, "dom0-readconsole-index", "count",
          so.u.readconsole.count, so.u.readconsole.index - idx);

    /* ---- debug keys: run as if typed, their output in the console ring ---- */
    static const char keys[] = "h";
    uint32_t before = so.u.readconsole.index;   /* after the incremental read above */
    sc_init(&so, XEN_SYSCTL_debug_keys);
    so.u.debug_keys.keys = (uint64_t)keys;
    so.u.debug_keys.nr_keys = 1;
    eq("dom0-debug-keys", sysctl(&so), 0);
    eq("dom0-readconsole-after-keys", read_console_from(&so, con, sizeof(con), before), 0);
    found = contains(con, so.u.readconsole.count, "key 'h': this help");
    check(found, "dom0-debug-keys-ran", "found", found, 1);
    sc_init(&so, XEN_SYSCTL_debug_keys);
    so.u.debug_keys.keys = (uint64_t)keys;
    so.u.debug_keys.nr_keys = 65;
    eq("dom0-debug-keys-too-many", sysctl(&so), -E2BIG);
    sc_init(&so, XEN_SYSCTL_debug_keys);
    so.u.debug_keys.keys = 0x1000;      /* not mapped in this kernel */
    so.u.debug_keys.nr_keys = 4;
    eq("dom0-debug-keys-bad-pointer", sysctl(&so), -EFAULT);

    /* ---- destroy both domUs: every frame back ---- */
    uint64_t free0 = free_pages();
    eq("dom0-destroy-hvm", simple(XEN_DOMCTL_destroydomain, hvm), 0);
    eq("dom0-destroy-pv", simple(XEN_DOMCTL_destroydomain, pv), 0);
    tries = 0;
    while (tries++ < 2000) {
        struct xen_domctl_getdomaininfo a, b;
        long ra = info(hvm, &a), rb = info(pv, &b);
        if ((ra || a.domain != hvm) && (rb || b.domain != pv))
            break;
        wait_ms(5);
    }
    eq("dom0-destroyed-gone", info(hvm > pv ? hvm : pv, &di), -ESRCH);
    eq("dom0-destroyed-pause-esrch", simple(XEN_DOMCTL_pausedomain, hvm), -ESRCH);
    uint64_t free1 = free_pages();
    check(free1 >= free0 + HVM_PAGES + 32 * 256, "dom0-destroy-frames-back", "free pages gained", free1 - free0,
          HVM_PAGES + 32 * 256);
    sc_init(&so, XEN_SYSCTL_getdomaininfolist);
    so.u.getdomaininfolist.max_domains = 8;
    so.u.getdomaininfolist.buffer = (uint64_t)list;
    sysctl(&so);
    check(so.u.getdomaininfolist.num_domains == 1, "dom0-only-self-left", "num_domains",
          so.u.getdomaininfolist.num_domains, 1);
    build_calls();
    build_calls_pv();
    gnt_frame_map_checks();
    remote_shutdown_checks();
    build_calls_pv_smp();
    foreign_pins();
    build_calls_pv32();
}

/* One CPU record (HEADER, CPU, END) for sethvmcontext. */
static struct {
    struct hvm_save_descriptor hd;
    struct hvm_save_header hdr;
    struct hvm_save_descriptor cd;
    struct hvm_hw_cpu cpu;
    struct hvm_save_descriptor ed;
} ctx;

static long set_ctx(uint16_t dom, uint32_t magic, uint64_t cr0, uint32_t size)
{
    uint8_t *p = (uint8_t *)&ctx;
    for (unsigned i = 0; i < sizeof(ctx); i++)
        p[i] = 0;
    ctx.hd = (struct hvm_save_descriptor){ HVM_SAVE_CODE_HEADER, 0, sizeof(ctx.hdr) };
    ctx.hdr.magic = magic;
    ctx.hdr.version = HVM_FILE_VERSION;
    ctx.cd = (struct hvm_save_descriptor){ HVM_SAVE_CODE_CPU, 0, sizeof(ctx.cpu) };
    ctx.cpu.rip = 0x100000;
    ctx.cpu.rflags = 2;
    ctx.cpu.cr0 = cr0;
    ctx.cpu.cs_sel = 0x10;
    ctx.cpu.cs_limit = 0xffffffff;
    ctx.cpu.cs_arbytes = 0xc09b;
    ctx.cpu.ds_sel = ctx.cpu.es_sel = ctx.cpu.ss_sel = 0x18;
    ctx.cpu.ds_limit = ctx.cpu.es_limit = ctx.cpu.ss_limit = 0xffffffff;
    ctx.cpu.ds_arbytes = ctx.cpu.es_arbytes = ctx.cpu.ss_arbytes = 0xc093;
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_sethvmcontext, dom);
    op.u.hvmcontext.size = size;
    op.u.hvmcontext.buffer = (uint64_t)&ctx;
    return domctl(&op);
}

/* XENMEM_set_memory_map naming the HVM domain dh, not yet run: only the
 * mm/e820.h map of some RAM size is taken (16 MiB here: low RAM, the EBDA
 * and BIOS area reserved, RAM from 1 MiB), nothing malformed, not for
 * itself, a missing domain or a PVH one (pvh: another domain, or 0). */
static uint8_t map_recs[8][20];
static long set_map(uint16_t dom, const uint64_t (*e)[3], unsigned n, unsigned claimed, uint64_t buf)
{
    static struct xen_foreign_memory_map fm;
    for (unsigned i = 0; i < n && i < 8; i++) {
        uint32_t t = (uint32_t)e[i][2];
        __builtin_memcpy(map_recs[i], &e[i][0], 8);
        __builtin_memcpy(map_recs[i] + 8, &e[i][1], 8);
        __builtin_memcpy(map_recs[i] + 16, &t, 4);
    }
    fm.domid = dom;
    fm.map.nr_entries = claimed;
    fm.map.buffer = buf ? buf : (uint64_t)map_recs;
    return hc(__HYPERVISOR_memory_op, XENMEM_set_memory_map, (uint64_t)&fm, 0, 0);
}

static void set_map_checks(uint16_t dh)
{
    static const uint64_t good[4][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x20000, 2 }, { 0x100000, 0xf00000, 1 },
    };
    uint64_t bad[4][3];
    eq("dom0-setmap-no-entries", set_map(dh, good, 4, 0, 0), -EINVAL);
    eq("dom0-setmap-too-many", set_map(dh, good, 4, 6, 0), -EINVAL);
    eq("dom0-setmap-bad-buffer", set_map(dh, good, 4, 4, 0xffff800000000000ull), -EFAULT);
    __builtin_memcpy(bad, good, sizeof(bad));
    bad[3][1] -= 0x1000;        /* RAM a page short of... */
    bad[3][0] += 0x1000;        /* ...starting a page late: a gap at 1 MiB */
    eq("dom0-setmap-gap", set_map(dh, (const uint64_t (*)[3])bad, 4, 4, 0), -EINVAL);
    __builtin_memcpy(bad, good, sizeof(bad));
    bad[3][2] = 2;
    eq("dom0-setmap-last-reserved", set_map(dh, (const uint64_t (*)[3])bad, 4, 4, 0), -EINVAL);
    __builtin_memcpy(bad, good, sizeof(bad));
    bad[3][0] = 0xfffffffffffff000ull;
    eq("dom0-setmap-wraps", set_map(dh, (const uint64_t (*)[3])bad, 4, 4, 0), -EINVAL);
    __builtin_memcpy(bad, good, sizeof(bad));
    bad[1][2] = 1;              /* the EBDA as RAM */
    eq("dom0-setmap-ebda-ram", set_map(dh, (const uint64_t (*)[3])bad, 4, 4, 0), -EINVAL);
    eq("dom0-setmap-three-of-four", set_map(dh, good, 3, 3, 0), -EINVAL);
    eq("dom0-setmap-self", set_map(0, good, 4, 4, 0), -EINVAL);
    eq("dom0-setmap-no-domain", set_map(0x7000, good, 4, 4, 0), -ESRCH);
    eq("dom0-setmap-hvm", set_map(dh, good, 4, 4, 0), 0);
    eq("dom0-setmap-hvm-again", set_map(dh, good, 4, 4, 0), 0);
}

/* The domain builder's calls (core/domctl_build.c, pv/pv_foreign.c): a PVH
 * domain made empty and paused, its refusals, its memory and parameters
 * from here, then destroyed with every page back.  The positive foreign
 * mapping and a guest that runs are linux_dom0's rv create. */
static void build_calls(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo di;
    uint64_t free0 = free_pages();

    dc_init(&op, XEN_DOMCTL_createdomain, 0);
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op.u.createdomain.max_vcpus = 1;
    /* HVM (Xen 4.17's rule): bits it does not define -EINVAL; of the
     * defined ones only LAPIC alone (PVH) or all but VPCI (HVM), any other
     * combination -EOPNOTSUPP; without HAP shadow paging, other flags -EINVAL. */
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_ALL;
    eq("dom0-create-hvm-with-vpci", domctl(&op), -EOPNOTSUPP);
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_HVM_DOMU | (1u << 11);
    eq("dom0-create-hvm-unknown-emu-bit", domctl(&op), -EINVAL);
    op.u.createdomain.arch_emulation_flags = 0x80000000u | XEN_X86_EMU_LAPIC;
    eq("dom0-create-hvm-high-emu-bit", domctl(&op), -EINVAL);
    op.u.createdomain.arch_emulation_flags = 0;
    eq("dom0-create-hvm-no-emu", domctl(&op), -EOPNOTSUPP);
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_HVM_DOMU & ~XEN_X86_EMU_HPET;
    eq("dom0-create-hvm-subset", domctl(&op), -EOPNOTSUPP);
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_LAPIC | XEN_X86_EMU_IOAPIC;
    eq("dom0-create-hvm-lapic-ioapic", domctl(&op), -EOPNOTSUPP);
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_HVM_DOMU;
    /* Without CDF_hap an HVM domain is shadow-paged, as on Xen (rv's
     * `hap = 0`): created, then destroyed before it ran. */
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm;
    eq("dom0-create-hvm-no-hap", domctl(&op), 0);
    uint16_t dn = op.domain;
    __builtin_memset(&di, 0, sizeof(di));
    check(info(dn, &di) == 0 && di.domain == dn && (di.flags & XEN_DOMINF_hvm_guest) && di.tot_pages == 0,
          "dom0-create-hvm-no-hap-info", "hvm_guest flag", di.flags & XEN_DOMINF_hvm_guest, XEN_DOMINF_hvm_guest);
    eq("dom0-create-hvm-no-hap-destroy", simple(XEN_DOMCTL_destroydomain, dn), 0);
    unsigned nw = 0;
    while (nw++ < 2000 && info(dn, &di) == 0 && di.domain == dn)
        wait_ms(5);
    op.domain = 0;                      /* the new id came back here */
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_nested_virt;
    eq("dom0-create-hvm-nested", domctl(&op), -EINVAL);
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op.u.createdomain.max_vcpus = 129;
    eq("dom0-create-hvm-vcpus", domctl(&op), -EINVAL);
    /* The good one: libxl's HVM set; getdomaininfo says so; destroyed
     * before it ever ran, with every frame back (checked at the end). */
    op.u.createdomain.max_vcpus = 2;
    eq("dom0-create-hvm", domctl(&op), 0);
    uint16_t dh = op.domain;
    long rh = info(dh, &di);
    check(rh == 0 && di.domain == dh && (di.flags & XEN_DOMINF_paused) && (di.flags & XEN_DOMINF_hvm_guest) &&
              di.arch_emulation_flags == XEN_X86_EMU_HVM_DOMU && di.tot_pages == 0 && di.nr_online_vcpus == 2,
          "dom0-create-hvm-info", "emulation flags", di.arch_emulation_flags, XEN_X86_EMU_HVM_DOMU);
    set_map_checks(dh);
    eq("dom0-create-hvm-destroy", simple(XEN_DOMCTL_destroydomain, dh), 0);
    unsigned hw = 0;
    while (hw++ < 2000 && info(dh, &di) == 0 && di.domain == dh)
        wait_ms(5);
    eq("dom0-create-hvm-gone", info(dh, &di) == 0 && di.domain == dh ? 0 : -ESRCH, -ESRCH);
    op.domain = 0;                      /* the new id came back here */
    op.u.createdomain.max_vcpus = 1;
    op.u.createdomain.flags = 0;
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_LAPIC;
    eq("dom0-create-pv-emulation", domctl(&op), -EINVAL);
    op.u.createdomain.arch_emulation_flags = 0;
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hap;
    eq("dom0-create-pv-hap", domctl(&op), -EINVAL);
    op.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op.u.createdomain.arch_emulation_flags = XEN_X86_EMU_LAPIC;
    op.u.createdomain.max_vcpus = 0;
    eq("dom0-create-no-vcpus", domctl(&op), -EINVAL);
    op.u.createdomain.max_vcpus = 2;
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    eq("dom0-create-pvh", domctl(&op), 0);
    uint16_t d = op.domain;
    check(d != 0 && d < 0x7ff0, "dom0-create-pvh-id", "domain", d, 1);
    long rc = info(d, &di);
    check(rc == 0 && di.domain == d && (di.flags & XEN_DOMINF_paused) && (di.flags & XEN_DOMINF_hvm_guest) &&
              di.arch_emulation_flags == XEN_X86_EMU_LAPIC && di.tot_pages == 0 && di.nr_online_vcpus == 2,
          "dom0-create-pvh-info", "flags", di.flags, XEN_DOMINF_paused | XEN_DOMINF_hvm_guest);

    static const uint64_t map16[4][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x20000, 2 }, { 0x100000, 0xf00000, 1 },
    };
    eq("dom0-setmap-pvh-not-yet", set_map(d, map16, 4, 4, 0), -EOPNOTSUPP);

    /* sethvmcontext: a bad header, paging on, a truncated buffer (no END). */
    eq("dom0-sethvmctx-bad-magic", set_ctx(d, 0x1234, 0x11, sizeof(ctx)), -EINVAL);
    eq("dom0-sethvmctx-paging-not-yet", set_ctx(d, HVM_FILE_MAGIC, 0x80000011ull, sizeof(ctx)), -EOPNOTSUPP);
    eq("dom0-sethvmctx-no-end", set_ctx(d, HVM_FILE_MAGIC, 0x11, sizeof(ctx) - 8), -EINVAL);
    /* Long mode: only the 64-bit boot protocol's state (CR4 = PAE, EFER =
     * LME|LMA, a 64-bit CS without D, CR3 a page below 4 GiB). */
    struct { uint64_t cr3, cr4, efer; uint32_t cs_ar; long want; const char *name; } lm[] = {
        { 0x11000, 0x20, 0x500, 0xa09b, 0, "dom0-sethvmctx-long-mode" },
        { 0x11000, 0x20, 0x500, 0xc09b, -EINVAL, "dom0-sethvmctx-long-mode-32bit-cs" },
        { 0x11000, 0x20, 0x500, 0xe09b, -EINVAL, "dom0-sethvmctx-long-mode-cs-l-and-d" },
        { 0x11800, 0x20, 0x500, 0xa09b, -EINVAL, "dom0-sethvmctx-long-mode-cr3-unaligned" },
        { 0x100011000ull, 0x20, 0x500, 0xa09b, -EINVAL, "dom0-sethvmctx-long-mode-cr3-high" },
        { 0x11000, 0xa0, 0x500, 0xa09b, -EOPNOTSUPP, "dom0-sethvmctx-long-mode-cr4-pge" },
        { 0x11000, 0x20, 0xd01, 0xa09b, -EOPNOTSUPP, "dom0-sethvmctx-long-mode-efer-nx-sce" },
        { 0x11000, 0x20, 0, 0xa09b, -EOPNOTSUPP, "dom0-sethvmctx-pae-paging" },
    };
    for (unsigned i = 0; i < sizeof(lm) / sizeof(lm[0]); i++) {
        set_ctx(d, 0x1234, 0x80000011ull, sizeof(ctx));     /* fills ctx; refused by its magic */
        ctx.hdr.magic = HVM_FILE_MAGIC;
        ctx.cpu.cr3 = lm[i].cr3;
        ctx.cpu.cr4 = lm[i].cr4;
        ctx.cpu.msr_efer = lm[i].efer;
        ctx.cpu.cs_arbytes = lm[i].cs_ar;
        struct xen_domctl lop;
        dc_init(&lop, XEN_DOMCTL_sethvmcontext, d);
        lop.u.hvmcontext.size = sizeof(ctx);
        lop.u.hvmcontext.buffer = (uint64_t)&ctx;
        eq(lm[i].name, domctl(&lop), lm[i].want);
    }
    eq("dom0-sethvmctx-pvh", set_ctx(d, HVM_FILE_MAGIC, 0x11, sizeof(ctx)), 0);

    /* populate_physmap naming it: nothing beyond max_pages, once per gfn. */
    static uint64_t gfns[4] = { 0x100, 0x101, 0x102, 0x103 };
    struct xen_reservation r = { (uint64_t)gfns, 4, 0, 0, d, { 0 } };
    eq("dom0-populate-over-max", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), 0);
    dc_init(&op, XEN_DOMCTL_max_mem, d);
    op.u.max_mem.max_memkb = 64;        /* 16 pages */
    eq("dom0-populate-max-mem", domctl(&op), 0);
    eq("dom0-populate-4", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), 4);
    eq("dom0-populate-again-refused", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), 0);
    static uint64_t big = 0x200;
    struct xen_reservation r9 = { (uint64_t)&big, 1, 9, 0, d, { 0 } };
    eq("dom0-populate-2m-over-max", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r9, 0, 0), 0);
    info(d, &di);
    check(di.tot_pages == 4, "dom0-populate-tot-pages", "tot_pages", di.tot_pages, 4);

    /* mmu_update naming it: a hole, a machine frame that is not its own
     * (NO_TRANSLATE takes only the domain's frames: an ioreq page,
     * docs/ioreq.md), and a request kind not taken. */
    struct mmu_update u = { 0x1000, (0x5000ull << 12) | 3 };
    eq("dom0-foreign-map-hole", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    u.ptr = 0x1000 | MMU_PT_UPDATE_NO_TRANSLATE;
    eq("dom0-foreign-map-no-translate", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    u.ptr = 0x1000 | 2;     /* MMU_PT_UPDATE_PRESERVE_AD */
    eq("dom0-foreign-map-preserve-ad", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EOPNOTSUPP);

    /* A page of it mapped here (as privcmd's MMAPBATCH_V2 does): the L1
     * entry of our scratch page names its gfn 0x100, frames by the p2m. */
    uint64_t ma = l1e_maddr((uint64_t)scratch), old = ma ? l1e_read(ma) : 0;
    scratch[0] = 0x77;
    struct mmu_update m = { ma, (old & ~PTE_ADDR) | (0x100ull << 12) };
    eq("dom0-foreign-map", hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d), 0);
    check(((volatile uint8_t *)scratch)[0] == 0, "dom0-foreign-map-reads-zero", "byte", scratch[0], 0);
    ((volatile uint8_t *)scratch)[8] = 0x5a;

    /* Its HVM parameters: the builder's set, read back; others refused. */
    struct xen_hvm_param p = { d, 0, HVM_PARAM_STORE_PFN, 0xfeffc };
    eq("dom0-foreign-set-param", hc(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0, 0), 0);
    p.value = 0;
    eq("dom0-foreign-get-param", hc(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0, 0), 0);
    check(p.value == 0xfeffc, "dom0-foreign-param-value", "value", p.value, 0xfeffc);
    p.index = HVM_PARAM_CALLBACK_IRQ;
    eq("dom0-foreign-set-other-param", hc(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0, 0), -EINVAL);

    /* Destroyed without ever running, while we still map one of its
     * pages: gone from the list, but that page stays allocated (and
     * readable here) until we unmap it; then every page is back. */
    eq("dom0-create-destroy", simple(XEN_DOMCTL_destroydomain, d), 0);
    unsigned tries = 0;
    while (tries++ < 2000 && info(d, &di) == 0 && di.domain == d)
        wait_ms(5);
    eq("dom0-create-gone", info(d, &di) == 0 && di.domain == d ? 0 : -ESRCH, -ESRCH);
    uint64_t free1 = free_pages();
    check(free1 < free0, "dom0-destroy-waits-for-mapping", "free pages", free1, free0 - 1);
    check(((volatile uint8_t *)scratch)[8] == 0x5a, "dom0-mapped-page-still-there", "byte", scratch[8], 0x5a);
    eq("dom0-foreign-unmap", mmu1(ma, old), 0);
    check(((volatile uint8_t *)scratch)[0] == 0x77, "dom0-own-page-back", "byte", scratch[0], 0x77);
    uint64_t free2 = free_pages();
    check(free2 == free0, "dom0-create-frames-back", "free pages", free2, free0);
}

void pv_main(const struct start_info *si)
{
    boot_si = si;
    hap0 = contains((const char *)si->cmd_line, sizeof(si->cmd_line), "hap0");
    put((si->flags & SIF_INITDOMAIN) ? "pv_domctl: the control domain" : "pv_domctl: an ordinary domain");
    flush();
    if (si->flags & SIF_INITDOMAIN)
        privileged();
    else
        unprivileged();
    pv_finish();
}

/* ---- a 64-bit PV domain built from here (pv/pv_ctl.c, pv/pv_foreign.c) ---- */

static struct vcpu_guest_context vctx;
static uint64_t vctx_assist;    /* the next set_vcpu's vm_assist */
static int vctx_online;         /* the next set_vcpu has VGCF_online */

static long set_vcpu(uint16_t dom, uint32_t vcpu, uint64_t rip, uint64_t cr3, int null)
{
    uint8_t *p = (uint8_t *)&vctx;
    for (unsigned i = 0; i < sizeof(vctx); i++)
        p[i] = 0;
    vctx.flags = VGCF_in_kernel | (vctx_online ? VGCF_online : 0);
    vctx.vm_assist = vctx_assist;
    vctx.user_regs.rip = rip;
    vctx.user_regs.rsp = 0xffffffff80200000ull;
    vctx.user_regs.cs = FLAT_KERNEL_CS;
    vctx.user_regs.ss = FLAT_KERNEL_SS;
    vctx.user_regs.rflags = 0x200;
    vctx.kernel_ss = FLAT_KERNEL_SS;
    vctx.kernel_sp = vctx.user_regs.rsp;
    vctx.ctrlreg[3] = cr3;
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_setvcpucontext, dom);
    op.u.vcpucontext.vcpu = vcpu;
    op.u.vcpucontext.ctxt = null ? 0 : (uint64_t)&vctx;
    return domctl(&op);
}

static long ext_on(uint16_t dom, uint32_t cmd, uint64_t mfn, uint32_t count)
{
    static struct mmuext_op x[17];
    for (unsigned i = 0; i < 17; i++)
        x[i] = (struct mmuext_op){ cmd, 0, mfn, 0 };
    return hc(__HYPERVISOR_mmuext_op, (uint64_t)x, count, 0, dom);
}

/* A PV domain as rv create makes one (paused, empty), or 0 with the
 * failed check named name. */
static uint16_t create_pv_domu(const char *name, uint32_t vcpus)
{
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_createdomain, 0);
    op.u.createdomain.max_vcpus = vcpus;
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    long rc = domctl(&op);
    eq(name, rc, 0);
    return rc ? 0 : op.domain;
}

/* max_mem 64 KiB (check what[0]), then n frames populated by pfn from
 * ext[], their MFNs back in ext[] (what[1]). */
static void fill_pv_domu(uint16_t d, uint64_t *ext, unsigned n, const char *const what[2])
{
    struct xen_domctl op;
    struct xen_reservation r = { (uint64_t)ext, n, 0, 0, d, { 0 } };
    dc_init(&op, XEN_DOMCTL_max_mem, d);
    op.u.max_mem.max_memkb = 64;
    eq(what[0], domctl(&op), 0);
    eq(what[1], hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), n);
}

/* d destroyed (check what[0]), gone (what[1]), and the free pages back to
 * free0 exactly (what[2]). */
static void destroy_all_back(uint16_t d, uint64_t free0, const char *const what[3])
{
    struct xen_domctl_getdomaininfo di;
    eq(what[0], simple(XEN_DOMCTL_destroydomain, d), 0);
    unsigned tries = 0;
    while (tries++ < 2000 && info(d, &di) == 0 && di.domain == d)
        wait_ms(5);
    eq(what[1], info(d, &di) == 0 && di.domain == d ? 0 : -ESRCH, -ESRCH);
    uint64_t free1 = free_pages();
    check(free1 == free0, what[2], "free pages", free1, free0);
}

/* The PV builder's calls with hostile arguments and good ones: a domain
 * made paused and empty, populated by MFN (the M2P written), an M2P entry
 * changed, the hypercall page written and read back through a mapping by
 * MFN, its L4 pinned and unpinned, vCPU 0's context refused and taken;
 * then destroyed with every page back.  A PV domU that runs is
 * linux_dom0's rv create. */
static void build_calls_pv(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo di;
    uint64_t free0 = free_pages();
    uint64_t ma = l1e_maddr((uint64_t)scratch), old = ma ? l1e_read(ma) : 0;
    uint64_t own = (old & PTE_ADDR) >> 12;     /* a frame of ours, not the domU's */

    uint16_t d = create_pv_domu("pvb-create", 1);
    long rc = info(d, &di);
    check(rc == 0 && di.domain == d && (di.flags & XEN_DOMINF_paused) && !(di.flags & XEN_DOMINF_hvm_guest) &&
              di.tot_pages == 0,
          "pvb-create-info", "flags", di.flags, XEN_DOMINF_paused);

    /* populate_physmap by MFN: over max_pages nothing; then 4 pages, the
     * MFNs written back, the M2P naming each pfn. */
    static uint64_t ext[4];
    for (unsigned i = 0; i < 4; i++)
        ext[i] = i;
    struct xen_reservation r = { (uint64_t)ext, 4, 0, 0, d, { 0 } };
    eq("pvb-populate-over-max", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), 0);
    dc_init(&op, XEN_DOMCTL_max_mem, d);
    op.u.max_mem.max_memkb = 64;
    eq("pvb-max-mem", domctl(&op), 0);
    eq("pvb-populate-4", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r, 0, 0), 4);
    unsigned m2p_ok = 0;
    for (unsigned i = 0; i < 4; i++)
        m2p_ok += ext[i] != i && M2P[ext[i]] == i;
    check(m2p_ok == 4, "pvb-populate-m2p", "frames named", m2p_ok, 4);
    static uint64_t big = 0x200;
    struct xen_reservation r9 = { (uint64_t)&big, 1, 9, 0, d, { 0 } };
    eq("pvb-populate-2m-over-max", hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uint64_t)&r9, 0, 0), 0);
    info(d, &di);
    check(di.tot_pages == 4, "pvb-tot-pages", "tot_pages", di.tot_pages, 4);
    struct xen_hvm_param p = { d, 0, HVM_PARAM_STORE_PFN, 1 };
    eq("pvb-hvm-param-refused", hc(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0, 0), -EINVAL);

    /* MMU_MACHPHYS_UPDATE naming it: its frame yes, ours no. */
    struct mmu_update u = { (ext[1] << 12) | MMU_MACHPHYS_UPDATE_REQ, 0x42 };
    eq("pvb-machphys", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), 0);
    check(M2P[ext[1]] == 0x42, "pvb-machphys-value", "m2p", M2P[ext[1]], 0x42);
    u.ptr = (own << 12) | MMU_MACHPHYS_UPDATE_REQ;
    eq("pvb-machphys-not-its-frame", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    u.ptr = (ext[1] << 12) | MMU_MACHPHYS_UPDATE_REQ;
    u.val = 1;
    eq("pvb-machphys-back", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), 0);

    /* The hypercall page into its frame 2, read back through a mapping of
     * that frame by MFN (privcmd's way for a PV domain): slot 0 begins
     * "push %rcx; push %r11; mov $0, %eax". */
    dc_init(&op, XEN_DOMCTL_hypercall_init, d);
    op.u.hypercall_init.gmfn = own;
    eq("pvb-hypercall-init-not-its-frame", domctl(&op), -EINVAL);
    info(d, &di);
    op.u.hypercall_init.gmfn = di.shared_info_frame;    /* its, but the hypervisor's page */
    eq("pvb-hypercall-init-shared-info", domctl(&op), -EINVAL);
    op.u.hypercall_init.gmfn = ext[2];
    eq("pvb-hypercall-init", domctl(&op), 0);
    struct mmu_update m = { ma, (old & ~PTE_ADDR) | (ext[2] << 12) };
    eq("pvb-map-by-mfn", hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d), 0);
    const volatile uint8_t *hp = scratch;
    check(hp[0] == 0x51 && hp[1] == 0x41 && hp[2] == 0x53 && hp[3] == 0xb8 && hp[32] == 0x51,
          "pvb-hypercall-page", "first byte", hp[0], 0x51);
    eq("pvb-unmap", mmu1(ma, old), 0);
    /* Another frame of ours (not the one scratch maps now: rewriting an
     * entry with its own value changes nothing). */
    uint64_t own2 = (l1e_read(l1e_maddr((uint64_t)&vctx)) & PTE_ADDR) >> 12;
    m.val = (old & ~PTE_ADDR) | (own2 << 12);
    check(own2 && own2 != own, "pvb-own-frames", "frame", own2, own + 1);
    eq("pvb-map-not-its-frame", hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d), -EINVAL);

    /* Its L4 (frame 0, empty: a valid L4): hostile pins first. */
    eq("pvb-pin-not-its-frame", ext_on(d, MMUEXT_PIN_L4, own, 1), -EINVAL);
    eq("pvb-pin-bad-frame", ext_on(d, MMUEXT_PIN_L4, ~0ull >> 12, 1), -EINVAL);
    eq("pvb-ext-other-op", ext_on(d, MMUEXT_NEW_BASEPTR_CMD, ext[0], 1), -EOPNOTSUPP);
    /* 17 pins of one L4 in a batch (once limited to 16): the first pins
     * it, the second finds it pinned. */
    eq("pvb-ext-batch-17", ext_on(d, MMUEXT_PIN_L4, ext[0], 17), -EINVAL);
    eq("pvb-ext-batch-17-unpin", ext_on(d, MMUEXT_UNPIN, ext[0], 1), 0);
    eq("pvb-pin-l4", ext_on(d, MMUEXT_PIN_L4, ext[0], 1), 0);
    eq("pvb-pin-l4-again", ext_on(d, MMUEXT_PIN_L4, ext[0], 1), -EINVAL);
    m.val = (old & ~PTE_ADDR) | (ext[0] << 12);
    eq("pvb-map-pinned-l4-writable", hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d), -EINVAL);

    /* vCPU 0's context: hostile ones refused, then a good one, once. */
    uint64_t rip = 0xffffffff80100000ull;
    eq("pvb-ctx-no-vcpu", set_vcpu(d, 1, rip, ext[0] << 12, 0), -EINVAL);
    eq("pvb-ctx-null", set_vcpu(d, 0, rip, ext[0] << 12, 1), -EINVAL);
    eq("pvb-ctx-no-cr3", set_vcpu(d, 0, rip, 0, 0), -EINVAL);
    eq("pvb-ctx-rip-in-hypervisor", set_vcpu(d, 0, 0xffff800000001000ull, ext[0] << 12, 0), -EINVAL);
    eq("pvb-ctx-cr3-not-its-frame", set_vcpu(d, 0, rip, own << 12, 0), -EINVAL);
    eq("pvb-ctx-cr3-not-l4", set_vcpu(d, 0, rip, ext[2] << 12, 0), -EINVAL);
    /* vm_assist: a type Xen does not define (63) refuses the whole context
     * before anything changes; the good context after it is taken. */
    vctx_assist = 1ull << 63;
    eq("pvb-ctx-bad-vm-assist", set_vcpu(d, 0, rip, ext[0] << 12, 0), -EINVAL);
    vctx_assist = 0;
    eq("pvb-ctx", set_vcpu(d, 0, rip, ext[0] << 12, 0), 0);
    eq("pvb-ctx-twice", set_vcpu(d, 0, rip, ext[0] << 12, 0), -EEXIST);
    eq("pvb-unpin-l4", ext_on(d, MMUEXT_UNPIN, ext[0], 1), 0);
    eq("pvb-ctx-on-self", set_vcpu(0, 0, rip, ext[0] << 12, 0), -EINVAL);
    /* Unpaused once (vCPU 0 offline: nothing runs, so no vCPU has a run
     * time) and paused again: the build is over all the same, the
     * builder's calls are -EBUSY (the controller started it). */
    eq("pvb-unpause", simple(XEN_DOMCTL_unpausedomain, d), 0);
    eq("pvb-pause-again", simple(XEN_DOMCTL_pausedomain, d), 0);
    eq("pvb-pin-after-start", ext_on(d, MMUEXT_PIN_L4, ext[0], 1), -EBUSY);
    eq("pvb-ctx-after-start", set_vcpu(d, 0, rip, ext[0] << 12, 0), -EBUSY);

    /* Destroyed without running: every page back. */
    static const char *const gone[3] = { "pvb-destroy", "pvb-gone", "pvb-frames-back" };
    destroy_all_back(d, free0, gone);
}

/* A 2-vCPU PV domain as rv create makes one for vcpus = 2: both vCPUs
 * exist and are offline until a context is set (max_vcpu_id 1, none
 * online); vCPU 1's context taken by the domctl path as the guest's own
 * VCPUOP_initialise would take it (a base-pointer reference on its L4),
 * online with VGCF_online while vCPU 0 stays offline; vCPU 2 does not
 * exist.  Destroyed with vCPU 1 up and its reference held: every page
 * back (the teardown drops each vCPU's base pointers). */
static void build_calls_pv_smp(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo di;
    uint64_t free0 = free_pages();

    uint16_t d = create_pv_domu("pvs-create", 2);
    long rc = info(d, &di);
    check(rc == 0 && di.domain == d && di.max_vcpu_id == 1 && di.nr_online_vcpus == 0, "pvs-info-offline",
          "max_vcpu_id", di.max_vcpu_id, 1);
    dc_init(&op, XEN_DOMCTL_getvcpuinfo, d);
    op.u.getvcpuinfo.vcpu = 1;
    rc = domctl(&op);
    check(rc == 0 && !op.u.getvcpuinfo.online, "pvs-vcpu1-offline", "online", op.u.getvcpuinfo.online, 0);
    static uint64_t ext[1] = { 0 };
    static const char *const fill[2] = { "pvs-max-mem", "pvs-populate" };
    fill_pv_domu(d, ext, 1, fill);
    eq("pvs-pin-l4", ext_on(d, MMUEXT_PIN_L4, ext[0], 1), 0);
    uint64_t rip = 0xffffffff80100000ull;
    eq("pvs-ctx-vcpu2", set_vcpu(d, 2, rip, ext[0] << 12, 0), -EINVAL);
    vctx_online = 1;
    eq("pvs-ctx-vcpu1", set_vcpu(d, 1, rip, ext[0] << 12, 0), 0);
    vctx_online = 0;
    eq("pvs-ctx-vcpu1-twice", set_vcpu(d, 1, rip, ext[0] << 12, 0), -EEXIST);
    info(d, &di);
    dc_init(&op, XEN_DOMCTL_getvcpuinfo, d);
    op.u.getvcpuinfo.vcpu = 0;
    rc = domctl(&op);
    check(di.nr_online_vcpus == 1 && rc == 0 && !op.u.getvcpuinfo.online, "pvs-vcpu1-online", "nr_online_vcpus",
          di.nr_online_vcpus, 1);
    /* Unpinned: vCPU 1's base pointer is the L4's last reference now. */
    eq("pvs-unpin-l4", ext_on(d, MMUEXT_UNPIN, ext[0], 1), 0);
    static const char *const gone[3] = { "pvs-destroy", "pvs-gone", "pvs-frames-back" };
    destroy_all_back(d, free0, gone);
}

/* ---- set_address_size and a 32-bit PV domain built from here ---- */

#define MMUEXT_PIN_L3   2

static long addr_size(uint16_t dom, uint32_t cmd, uint32_t size, uint32_t *out)
{
    struct xen_domctl op;
    dc_init(&op, cmd, dom);
    op.u.address_size.size = size;
    long rc = domctl(&op);
    if (out)
        *out = op.u.address_size.size;
    return rc;
}

/* Xen's answers for domains that cannot switch: an HVM one has no address
 * size (-EOPNOTSUPP both ways); a PV one the boot path built has memory
 * (-EACCES) and stays 64-bit; the caller itself -EINVAL. */
static void address_size_others(uint16_t hvm, uint16_t pv)
{
    uint32_t got = 0;
    eq("dom0-address-size-hvm-set", addr_size(hvm, XEN_DOMCTL_set_address_size, 32, NULL), -EOPNOTSUPP);
    eq("dom0-address-size-hvm-get", addr_size(hvm, XEN_DOMCTL_get_address_size, 0, NULL), -EOPNOTSUPP);
    eq("dom0-address-size-pv-with-memory", addr_size(pv, XEN_DOMCTL_set_address_size, 32, NULL), -EACCES);
    long rc = addr_size(pv, XEN_DOMCTL_get_address_size, 0, &got);
    check(rc == 0 && got == 64, "dom0-address-size-pv-still-64", "size", got, 64);
    eq("dom0-address-size-self", addr_size(0, XEN_DOMCTL_set_address_size, 32, NULL), -EINVAL);
}

/* Xen's x86_32 vcpu_guest_context written by offset (2800 bytes; its
 * public headers' layout, independently of the hypervisor's struct). */
static uint8_t ctx32[2800];

static void put32(unsigned off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        ctx32[off + i] = (uint8_t)(v >> (8 * i));
}

static long set_vcpu32(uint16_t dom, uint32_t eip, uint32_t cs, uint64_t l3)
{
    for (unsigned i = 0; i < sizeof(ctx32); i++)
        ctx32[i] = 0;
    put32(512, (1u << 2) | (1u << 5));          /* flags: VGCF_in_kernel, VGCF_online */
    put32(516 + 12, 0xc0001000);                /* esi */
    put32(516 + 32, eip);
    put32(516 + 36, cs);
    put32(516 + 40, 0x200);                     /* eflags */
    put32(516 + 44, 0xc0002000);                /* esp */
    put32(516 + 48, 0xe021);                    /* ss, then es, ds, fs, gs (each with its pad) */
    for (unsigned i = 0; i < 4; i++)
        put32(516 + 52 + 4 * i, 0xe021);
    put32(2708, 0xe021);                        /* kernel_ss */
    put32(2712, 0xc0002000);                    /* kernel_sp */
    put32(2716 + 12, (uint32_t)(l3 << 12) | (uint32_t)(l3 >> 20));     /* ctrlreg[3], x86_32 encoding */
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_setvcpucontext, dom);
    op.u.vcpucontext.vcpu = 0;
    op.u.vcpucontext.ctxt = (uint64_t)ctx32;
    return domctl(&op);
}

/* What rv create does for a 32-bit kernel, with hostile arguments: sizes
 * other than 32/64 refused, 32 taken while empty (and again: 0), 64 back
 * refused; once populated -EACCES; the L3 (not an L4) pinned; the 32-bit
 * hypercall page (INT $0x82 stubs); the x86_32 context checked and taken;
 * destroyed with every page back. */
static void build_calls_pv32(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo di;
    uint64_t free0 = free_pages();
    uint32_t got = 0;

    uint16_t d = create_pv_domu("pv32b-create", 1);
    long rc = addr_size(d, XEN_DOMCTL_get_address_size, 0, &got);
    check(rc == 0 && got == 64, "pv32b-size-64-at-first", "size", got, 64);
    eq("pv32b-size-48-refused", addr_size(d, XEN_DOMCTL_set_address_size, 48, NULL), -EINVAL);
    eq("pv32b-size-0-refused", addr_size(d, XEN_DOMCTL_set_address_size, 0, NULL), -EINVAL);
    eq("pv32b-size-64-already", addr_size(d, XEN_DOMCTL_set_address_size, 64, NULL), 0);
    eq("pv32b-size-32", addr_size(d, XEN_DOMCTL_set_address_size, 32, NULL), 0);
    eq("pv32b-size-32-again", addr_size(d, XEN_DOMCTL_set_address_size, 32, NULL), 0);
    eq("pv32b-size-64-back-refused", addr_size(d, XEN_DOMCTL_set_address_size, 64, NULL), -EINVAL);
    rc = addr_size(d, XEN_DOMCTL_get_address_size, 0, &got);
    check(rc == 0 && got == 32, "pv32b-size-32-read-back", "size", got, 32);

    /* A second empty domain populated first: too late for 32. */
    uint16_t d2 = create_pv_domu("pv32b-create-second", 1);
    static uint64_t one[1] = { 0 };
    static const char *const fill2[2] = { "pv32b-second-max-mem", "pv32b-second-populate" };
    fill_pv_domu(d2, one, 1, fill2);
    eq("pv32b-size-after-populate-eacces", addr_size(d2, XEN_DOMCTL_set_address_size, 32, NULL), -EACCES);
    rc = addr_size(d2, XEN_DOMCTL_get_address_size, 0, &got);
    check(rc == 0 && got == 64, "pv32b-second-still-64", "size", got, 64);
    eq("pv32b-second-destroy", simple(XEN_DOMCTL_destroydomain, d2), 0);

    /* The 32-bit domain: two frames, an L3 and the hypercall page. */
    static uint64_t ext[2] = { 0, 1 };
    static const char *const fill[2] = { "pv32b-max-mem", "pv32b-populate" };
    fill_pv_domu(d, ext, 2, fill);
    eq("pv32b-size-32-with-memory", addr_size(d, XEN_DOMCTL_set_address_size, 32, NULL), 0);
    eq("pv32b-pin-l4-refused", ext_on(d, MMUEXT_PIN_L4, ext[0], 1), -EOPNOTSUPP);
    eq("pv32b-pin-l3", ext_on(d, MMUEXT_PIN_L3, ext[0], 1), 0);
    dc_init(&op, XEN_DOMCTL_hypercall_init, d);
    op.u.hypercall_init.gmfn = ext[0];
    eq("pv32b-hypercall-init-on-l3", domctl(&op), -EINVAL);
    op.u.hypercall_init.gmfn = ext[1];
    eq("pv32b-hypercall-init", domctl(&op), 0);
    uint64_t ma = l1e_maddr((uint64_t)scratch), old = ma ? l1e_read(ma) : 0;
    struct mmu_update m = { ma, (old & ~PTE_ADDR) | (ext[1] << 12) };
    eq("pv32b-map-by-mfn", hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d), 0);
    /* Slot 1: MOV $1, %eax; INT $0x82; RET.  Slot 23 (iret): PUSH %eax;
     * MOV $23, %eax; INT $0x82. */
    const volatile uint8_t *hp = scratch;
    int ok = hp[32] == 0xb8 && hp[33] == 1 && hp[37] == 0xcd && hp[38] == 0x82 && hp[39] == 0xc3 &&
             hp[23 * 32] == 0x50 && hp[23 * 32 + 1] == 0xb8 && hp[23 * 32 + 2] == 23 && hp[23 * 32 + 7] == 0x82;
    check(ok, "pv32b-hypercall-page-int82", "slot 1 byte 0", hp[32], 0xb8);
    eq("pv32b-unmap", mmu1(ma, old), 0);

    /* vCPU 0's x86_32 context: hostile ones, then a good one, once. */
    eq("pv32b-ctx-eip-in-hypervisor", set_vcpu32(d, 0xf5800000u, 0xe019, ext[0]), -EINVAL);
    eq("pv32b-ctx-hypervisor-cs", set_vcpu32(d, 0xc0100000u, 0xe008, ext[0]), -EINVAL);
    /* (Its hypercall page would pass as an L3: every 8-byte entry of it
     * has P clear.) */
    eq("pv32b-ctx-cr3-not-its-frame", set_vcpu32(d, 0xc0100000u, 0xe019, (old & PTE_ADDR) >> 12), -EINVAL);
    eq("pv32b-ctx-no-cr3", set_vcpu32(d, 0xc0100000u, 0xe019, 0), -EINVAL);
    eq("pv32b-ctx", set_vcpu32(d, 0xc0100000u, 0xe019, ext[0]), 0);
    eq("pv32b-ctx-twice", set_vcpu32(d, 0xc0100000u, 0xe019, ext[0]), -EEXIST);
    info(d, &di);
    check(di.nr_online_vcpus == 1, "pv32b-vcpu0-online", "nr_online_vcpus", di.nr_online_vcpus, 1);
    eq("pv32b-unpin-l3", ext_on(d, MMUEXT_UNPIN, ext[0], 1), 0);

    /* The second domain is gone by now or soon: waited for first. */
    unsigned tries = 0;
    while (tries++ < 2000 && info(d2, &di) == 0 && di.domain == d2)
        wait_ms(5);
    static const char *const gone[3] = { "pv32b-destroy", "pv32b-gone", "pv32b-frames-back" };
    destroy_all_back(d, free0, gone);
}

#include "pv_domctl_pin.c"    /* foreign_pins() */
/* ---- a domain's grant-table frame and shared_info mapped here (pv/pv_foreign.c) ---- */

static uint8_t scratch2[4096] __attribute__((aligned(4096)));
static uint8_t gbuf[4096] __attribute__((aligned(4096)));

/* Hypervisor frames shared with a domain (mm.h alloc_shared_page): its
 * grant-table frame mapped here writable by MFN, as privcmd's
 * IOCTL_PRIVCMD_MMAP_RESOURCE maps what XENMEM_acquire_resource returned
 * (MMU_PT_UPDATE_NO_TRANSLATE, foreigndom = the domain), and its
 * shared_info by MFN as libxenguest maps it.  Hostile forms refused first.
 * An entry written through the mapping is the domain's real table (a grant
 * copy through it reads the granted page: libxl's seeding of entries 0
 * and 1 relies on that).  Then the order "map, destroy the domain, write
 * through the mapping, unmap": the two frames stay allocated (free pages
 * counted) until their mappings go, one page back per unmap. */
static void gnt_frame_map_checks(void)
{
    struct xen_mem_acquire_resource ar;
    struct xen_domctl_getdomaininfo di;
    static uint64_t f[2], g[2], ext[2];
    uint64_t free0 = free_pages();
    uint64_t ma = l1e_maddr((uint64_t)scratch), old = ma ? l1e_read(ma) : 0;
    uint64_t ma2 = l1e_maddr((uint64_t)scratch2), old2 = ma2 ? l1e_read(ma2) : 0;
    uint64_t gmfn = (l1e_read(l1e_maddr((uint64_t)gbuf)) & PTE_ADDR) >> 12;
    uint64_t own_si = boot_si->shared_info >> 12;

    uint16_t d = create_pv_domu("gmap-create", 1), d2 = create_pv_domu("gmap-create-2", 1);
    static const char *const fill[2] = { "gmap-max-mem", "gmap-populate" };
    ext[0] = 0;
    ext[1] = 1;
    fill_pv_domu(d, ext, 2, fill);
    eq("gmap-acquire", acquire(d, XENMEM_resource_grant_table, 0, 1, 0, f, &ar), 0);
    eq("gmap-acquire-2", acquire(d2, XENMEM_resource_grant_table, 0, 1, 0, g, &ar), 0);
    info(d, &di);
    uint64_t si = di.shared_info_frame;
    check(f[0] && g[0] && f[0] != g[0] && si && si != f[0], "gmap-frames", "mfn", f[0], g[0]);

    /* Hostile: another domain's grant frame, our own shared_info, a frame
     * past the frame table, each named with foreigndom d; d's frame
     * through our own tables (no foreigndom); d's frame as a page table,
     * ours or d's. */
    struct mmu_update u = { ma | MMU_PT_UPDATE_NO_TRANSLATE, (old & ~PTE_ADDR) | (g[0] << 12) };
    eq("gmap-other-domains-frame", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    u.val = (old & ~PTE_ADDR) | (own_si << 12);
    eq("gmap-own-shared-info-as-ds", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    u.val = (old & ~PTE_ADDR) | (0xfffffffffull << 12);
    eq("gmap-past-frame-table", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), -EINVAL);
    eq("gmap-own-tables-refused", mmu1(ma, (old & ~PTE_ADDR) | (f[0] << 12)), -EINVAL);
    eq("gmap-own-tables-shared-info", mmu1(ma, (old & ~PTE_ADDR) | (si << 12)), -EINVAL);
    eq("gmap-pin-as-l1", ext1(MMUEXT_PIN_L1_TABLE, f[0], 0), -EINVAL);
    eq("gmap-pin-for-domain", ext_on(d, MMUEXT_PIN_L4, f[0], 1), -EINVAL);
    /* Unpaused once and paused again (the builder's calls are over: a pin
     * would be -EBUSY from now on, so after the pin above): acquire of the
     * paused domain still answered, the same MFN (acquire_resource and
     * dm_op take any domain that still exists). */
    eq("gmap-unpause", simple(XEN_DOMCTL_unpausedomain, d), 0);
    eq("gmap-pause", simple(XEN_DOMCTL_pausedomain, d), 0);
    info(d, &di);
    check(di.flags & XEN_DOMINF_paused, "gmap-paused-flag", "flags", di.flags, XEN_DOMINF_paused);
    f[1] = 0;
    eq("gmap-acquire-paused", acquire(d, XENMEM_resource_grant_table, 0, 1, 0, &f[1], &ar), 0);
    check(f[1] == f[0], "gmap-acquire-paused-same", "mfn", f[1], f[0]);
    struct mmu_update mp = { (f[0] << 12) | MMU_MACHPHYS_UPDATE_REQ, 7 };
    eq("gmap-machphys-refused", hc(__HYPERVISOR_mmu_update, (uint64_t)&mp, 1, 0, d), -EINVAL);
    /* Our own shared_info is ours to map (data), never to make a table:
     * a table type needs a frame the domain owns (mm/pgtype.c). */
    eq("gmap-pin-own-shared-info-as-l1", ext1(MMUEXT_PIN_L1_TABLE, own_si, 0), -EINVAL);

    /* Mapped writable; entry 0 grants d's page ext[0] to us; a copy
     * through the grant reads what d's page holds (its first word, written
     * through a mapping of it). */
    u.val = (old & ~PTE_ADDR) | (f[0] << 12);
    eq("gmap-map-grant-frame", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, d), 0);
    struct mmu_update u2 = { ma2, (old2 & ~PTE_ADDR) | (ext[0] << 12) };
    eq("gmap-map-domain-page", hc(__HYPERVISOR_mmu_update, (uint64_t)&u2, 1, 0, d), 0);
    *(volatile uint64_t *)scratch2 = 0x5eed0000c0de0001ull;
    volatile struct grant_entry_v1 *ge = (volatile struct grant_entry_v1 *)scratch;
    ge[0].domid = 0;
    ge[0].frame = (uint32_t)ext[0];
    __asm__ __volatile__("" ::: "memory");
    ge[0].flags = GTF_permit_access;
    struct gnttab_copy cp = { .source = { .u.ref = 0, .domid = d, .offset = 0 },
                              .dest = { .u.gmfn = gmfn, .domid = DOMID_SELF, .offset = 0 },
                              .len = 8, .flags = GNTCOPY_source_gref };
    *(volatile uint64_t *)gbuf = 0;
    long rc = hc(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uint64_t)&cp, 1, 0);
    check(rc == 0 && cp.status == 0 && *(volatile uint64_t *)gbuf == 0x5eed0000c0de0001ull,
          "gmap-entry-written-is-used", "copied word", *(volatile uint64_t *)gbuf, 0x5eed0000c0de0001ull);
    eq("gmap-unmap-domain-page", mmu1(ma2, old2), 0);
    /* Its shared_info by MFN (a PV domain: MMU_NORMAL_PT_UPDATE names
     * the frame itself), read-only as libxenguest maps it. */
    u2.val = (old2 & ~PTE_ADDR & ~2ull) | (si << 12);
    eq("gmap-map-shared-info", hc(__HYPERVISOR_mmu_update, (uint64_t)&u2, 1, 0, d), 0);

    /* Destroyed while both are mapped: gone, its other pages back, these
     * two not (free pages exactly two short); written through the grant
     * mapping afterwards; then each unmap gives back exactly one page. */
    static const char *const gone2[3] = { "gmap-destroy-2", "gmap-gone-2", "gmap-frames-back-2" };
    uint64_t free_mid = free_pages();
    eq("gmap-destroy", simple(XEN_DOMCTL_destroydomain, d), 0);
    unsigned tries = 0;
    while (tries++ < 2000 && info(d, &di) == 0 && di.domain == d)
        wait_ms(5);
    eq("gmap-gone", info(d, &di) == 0 && di.domain == d ? 0 : -ESRCH, -ESRCH);
    eq("gmap-acquire-gone-esrch", acquire(d, XENMEM_resource_grant_table, 0, 1, 0, g, &ar), -ESRCH);
    /* d2 too (never mapped): everything but d's two frames back. */
    uint64_t f1 = free_pages();
    eq(gone2[0], simple(XEN_DOMCTL_destroydomain, d2), 0);
    tries = 0;
    while (tries++ < 2000 && info(d2, &di) == 0 && di.domain == d2)
        wait_ms(5);
    eq(gone2[1], info(d2, &di) == 0 && di.domain == d2 ? 0 : -ESRCH, -ESRCH);
    uint64_t free1 = free_pages();
    check(free1 == free0 - 2 && f1 > free_mid, "gmap-destroy-keeps-two", "free pages short", free0 - free1, 2);
    ((volatile uint32_t *)scratch)[3] = 0xfeedf00d;
    check(((volatile uint32_t *)scratch)[3] == 0xfeedf00d && ge[0].frame == (uint32_t)ext[0],
          "gmap-write-after-destroy", "word", ((volatile uint32_t *)scratch)[3], 0xfeedf00d);
    eq("gmap-unmap-grant-frame", mmu1(ma, old), 0);
    uint64_t free2 = free_pages();
    check(free2 == free1 + 1, "gmap-unmap-frees-one", "free pages gained", free2 - free1, 1);
    eq("gmap-unmap-shared-info", mmu1(ma2, old2), 0);
    uint64_t free3 = free_pages();
    check(free3 == free0, gone2[2], "free pages", free3, free0);
}

/* ---- SCHEDOP_remote_shutdown (core/sched_op.c) ---- */

static long remote_shutdown(uint16_t dom, uint32_t reason)
{
    static struct sched_remote_shutdown r;
    r = (struct sched_remote_shutdown){ .domain_id = dom, .reason = reason };
    return hc(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, (uint64_t)&r, 0, 0);
}

/* The control domain stops a domU with a reason (xl shutdown of a guest
 * without PV drivers): getdomaininfo then says shut down with that code;
 * an undefined reason and a domain that does not exist are refused and
 * change nothing; a second one leaves the first reason.  Every page back
 * after destroy. */
static void remote_shutdown_checks(void)
{
    struct xen_domctl_getdomaininfo di;
    uint64_t free0 = free_pages();
    uint16_t d = create_pv_domu("rsd-create", 1);

    eq("rsd-bad-reason", remote_shutdown(d, 99), -EINVAL);
    eq("rsd-no-domain", remote_shutdown(0x7ef0, SHUTDOWN_poweroff), -ESRCH);
    info(d, &di);
    check(!(di.flags & XEN_DOMINF_shutdown), "rsd-refusals-change-nothing", "flags", di.flags, 0);
    eq("rsd-reboot", remote_shutdown(d, SHUTDOWN_reboot), 0);
    eq("rsd-again", remote_shutdown(d, SHUTDOWN_crash), 0);
    info(d, &di);
    uint32_t code = (di.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    check((di.flags & XEN_DOMINF_shutdown) && code == SHUTDOWN_reboot, "rsd-shut-down-with-reason", "flags",
          di.flags, SHUTDOWN_reboot);
    static const char *const back[3] = { "rsd-destroy", "rsd-gone", "rsd-frames-back" };
    destroy_all_back(d, free0, back);
}
