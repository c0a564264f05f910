/*
 * pv_ldctl: the control domain (dom0 = 1) of the log-dirty race tests
 * (docs/shadow.md "Log-dirty", "Log-dirty on shadow paging"), next to
 * ldirty_guest (tests/guests/ldirty_guest.c): an HVM domain whose two
 * vCPUs write known pages forever, through a 4 KiB PTE whose D flag it
 * keeps clearing, a PTE with D set, a 4 MiB page, its stack and page table,
 * a page only the hypervisor writes (a hypercall's output), and on vCPU1
 * (real mode) sixteen pages, each vCPU ending each pass on one of two
 * alternating marker pages.
 *
 * Each round: CLEAN; PEEK until the four markers show (each vCPU then ran
 * a whole pass after the CLEAN returned); PEEK again: every page of both
 * lists must show (a page written after the CLEAN and missing is a lost
 * write: a writable shadow leaf, or NPT leaf, that survived the CLEAN);
 * then CLEAN: exactly the 26 pages (nothing else is written; 27 on nested
 * paging, see nr_expected).  The first
 * rounds may hold the guest's start-up writes: rounds run until one is
 * exact (bounded), then LDCTL_ROUNDS more must all be exact.
 *
 * "hap0" on the command line: the domU runs on the shadow pager, and
 * getdomaininfo must say so (no XEN_DOMINF_hap).  "bochs": 6 rounds after
 * the warm-up instead of 40 (shadow_logdirty_bochs_*: Bochs is slow).
 */
#include "pv_ctl.h"
#include "public/sched.h"
#include "public/sysctl.h"

#define EINVAL      22
#define LDCTL_ROUNDS 40
#define LDCTL_ROUNDS_BOCHS 6    /* "bochs" on the command line: Bochs runs ~50 MIPS */
#define GUEST_PAGES 16384u      /* its memory = 64 (MiB) */

/* ldirty_guest.c's pages. */
static const uint64_t pages_v0[] = { 0x1000, 0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1011, 0x2123 };
static const uint64_t markers_v0[] = { 0x1004, 0x1005 };
static const uint64_t markers_v1[] = { 0x60, 0x61 };

static uint64_t bitmap[GUEST_PAGES / 64];
static unsigned hap0;
static unsigned nr_rounds = LDCTL_ROUNDS;

/* Nested paging: the guest's page directory 0x1010 too.  The CPU's walk of
 * the guest's tables goes through the nested tables as a write (seen with
 * QEMU's SVM model, as AMD's nested walk treats guest table accesses), so
 * a walk after a CLEAN faults on the protected directory and marks it.
 * The shadow pager's walker writes only to change A or D. */
static unsigned nr_expected(void)
{
    return hap0 ? 26 : 27;
}

static int expected(uint64_t g)
{
    if (!hap0 && g == 0x1010)
        return 1;
    for (unsigned i = 0; i < sizeof(pages_v0) / sizeof(pages_v0[0]); i++)
        if (pages_v0[i] == g)
            return 1;
    return g == 0x60 || g == 0x61 || (g >= 0x70 && g <= 0x7f);
}

static long shadow(uint16_t dom, uint32_t sop, struct xen_domctl_shadow_op *out)
{
    struct xen_domctl op;
    dc_init(&op, XEN_DOMCTL_shadow_op, dom);
    op.u.shadow_op.op = sop;
    op.u.shadow_op.dirty_bitmap = (uint64_t)bitmap;
    op.u.shadow_op.pages = GUEST_PAGES;
    for (unsigned i = 0; i < GUEST_PAGES / 64; i++)
        bitmap[i] = ~0ull;
    long rc = domctl(&op);
    if (out)
        *out = op.u.shadow_op;
    return rc;
}

static int bit(uint64_t g)
{
    return (bitmap[g / 64] >> (g % 64)) & 1;
}

/* Expected pages missing from the bitmap, and other pages in it. */
static void compare(unsigned *missing, unsigned *extra)
{
    *missing = *extra = 0;
    for (uint64_t g = 0; g < GUEST_PAGES; g++) {
        if (expected(g) && !bit(g))
            (*missing)++;
        if (!expected(g) && bit(g))
            (*extra)++;
    }
}

static int markers_seen(void)
{
    return bit(markers_v0[0]) && bit(markers_v0[1]) && bit(markers_v1[0]) && bit(markers_v1[1]);
}

struct round_result {
    int ok;                     /* markers seen */
    unsigned peek_missing;      /* pages missing from the PEEK after the markers */
    unsigned missing, extra;    /* against the CLEAN that ends the round */
    uint32_t dirty, faults;     /* that CLEAN's figures */
    uint64_t clean_tsc;         /* its duration */
    unsigned polls;
};

static struct round_result one_round(uint16_t dom)
{
    struct round_result r = { 0 };
    struct xen_domctl_shadow_op sh;
    unsigned x;

    if (shadow(dom, XEN_DOMCTL_SHADOW_OP_CLEAN, 0))
        return r;
    do {
        wait_ms(2);
        if (shadow(dom, XEN_DOMCTL_SHADOW_OP_PEEK, 0))
            return r;
    } while (!markers_seen() && ++r.polls < 1000);
    if (!markers_seen())
        return r;
    r.ok = 1;
    shadow(dom, XEN_DOMCTL_SHADOW_OP_PEEK, 0);
    compare(&r.peek_missing, &x);
    uint64_t t = rdtsc_();
    if (shadow(dom, XEN_DOMCTL_SHADOW_OP_CLEAN, &sh)) {
        r.ok = 0;
        return r;
    }
    r.clean_tsc = rdtsc_() - t;
    compare(&r.missing, &r.extra);
    r.dirty = sh.dirty_count;
    r.faults = sh.fault_count;
    return r;
}

/* What the last round's bitmap held against the lists (a failure's detail). */
static void report_round(const struct round_result *r)
{
    put("round: markers ");
    put_hex(r->ok);
    put(", missing ");
    put_hex(r->missing);
    put(", other ");
    put_hex(r->extra);
    put(":");
    unsigned n = 0;
    for (uint64_t g = 0; g < GUEST_PAGES && n < 12; g++)
        if (expected(g) != bit(g)) {
            put(bit(g) ? " +" : " -");
            put_hex(g);
            n++;
        }
    flush();
}

static void run(void)
{
    struct xen_sysctl so;
    struct xen_domctl op;
    static struct xen_domctl_getdomaininfo list[4];

    ctl_zero(&so, sizeof(so));
    so.cmd = XEN_SYSCTL_physinfo;
    so.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    eq("ldctl-physinfo", hc(__HYPERVISOR_sysctl, (uint64_t)&so, 0, 0, 0), 0);
    khz = so.u.physinfo.cpu_khz ? so.u.physinfo.cpu_khz : 1000000;

    ctl_zero(&so, sizeof(so));
    so.cmd = XEN_SYSCTL_getdomaininfolist;
    so.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    so.u.getdomaininfolist.max_domains = 4;
    so.u.getdomaininfolist.buffer = (uint64_t)list;
    eq("ldctl-list", hc(__HYPERVISOR_sysctl, (uint64_t)&so, 0, 0, 0), 0);
    uint16_t dom = 0;
    uint32_t flags = 0;
    for (unsigned i = 0; i < so.u.getdomaininfolist.num_domains && i < 4; i++)
        if (list[i].flags & XEN_DOMINF_hvm_guest) {
            dom = list[i].domain;
            flags = list[i].flags;
        }
    check(dom != 0, "ldctl-hvm-found", "domain", dom, 1);
    uint32_t want = XEN_DOMINF_hvm_guest | (hap0 ? 0 : XEN_DOMINF_hap);
    check((flags & (XEN_DOMINF_hvm_guest | XEN_DOMINF_hap)) == want, "ldctl-hvm-paging-mode", "flags", flags,
          want);

    uint64_t te = rdtsc_();
    eq("ldctl-enable", shadow(dom, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, 0), 0);
    te = rdtsc_() - te;

    /* Warm-up: the guest may still be starting (its BSS, its output, the
     * page tables it builds, the first A/D updates). */
    struct round_result r;
    unsigned warm = 0;
    do {
        r = one_round(dom);
    } while (!(r.ok && r.missing == 0 && r.extra == 0) && ++warm < 20);
    int warm_ok = r.ok && r.missing == 0 && r.extra == 0;
    if (!warm_ok)
        report_round(&r);
    check(warm_ok, "ldctl-warm-exact", "rounds", warm, 0);

    unsigned bad_markers = 0, peek_missing = 0, missing = 0, extra = 0, dirty_off = 0;
    uint64_t faults = 0, dirty = 0, clean_max = 0, clean_sum = 0, polls = 0;
    /* Never exact: lost writes or stray ones; the rounds below would only
     * time out one by one (their FAILs say the same). */
    for (unsigned i = 0; warm_ok && i < nr_rounds; i++) {
        r = one_round(dom);
        bad_markers += !r.ok;
        peek_missing += r.peek_missing;
        missing += r.missing;
        extra += r.extra;
        dirty_off += r.dirty != nr_expected();
        faults += r.faults;
        dirty += r.dirty;
        clean_sum += r.clean_tsc;
        clean_max = r.clean_tsc > clean_max ? r.clean_tsc : clean_max;
        polls += r.polls;
        if (nr_rounds == LDCTL_ROUNDS_BOCHS) {     /* Bochs is slow: show progress */
            put("round ");
            put_hex(i);
            put(r.ok && !r.missing && !r.extra ? " exact" : " NOT exact");
            flush();
        }
    }
    bad_markers += !warm_ok;
    check(bad_markers == 0, "ldctl-race-markers", "rounds without both vCPUs' markers", bad_markers, 0);
    check(peek_missing == 0, "ldctl-race-peek-no-miss", "pages missing from a PEEK", peek_missing, 0);
    check(missing == 0, "ldctl-race-clean-no-miss", "pages missing from a CLEAN", missing, 0);
    check(extra == 0, "ldctl-race-clean-exact", "other pages in a CLEAN", extra, 0);
    check(dirty_off == 0, "ldctl-race-dirty-count", "rounds whose dirty_count is not 26 (27)", dirty_off, 0);
    /* Every guest-written page faults once per round (0x1002 is the
     * hypervisor's: no fault); more means refaults, not fewer pages. */
    check(faults >= (uint64_t)(nr_expected() - 1) * nr_rounds, "ldctl-race-faults", "write faults", faults,
          (uint64_t)(nr_expected() - 1) * nr_rounds);
    /* Bochs's time is emulated (a fixed instruction rate), so a bound is
     * not a speed test there: a CLEAN whose flush had to wait for a vCPU
     * that takes no host interrupt (real mode, IF clear, no exit) ends
     * within about 10 ms of NMI kicks (mm/physmap.c); 1 s is far past it,
     * and without the kicks it never ended. */
    if (nr_rounds == LDCTL_ROUNDS_BOCHS)
        check(clean_max * 1000 / khz < 1000000, "ldctl-clean-bounded", "longest CLEAN (us)",
              clean_max * 1000 / khz, 1000000);
    put("figures: ENABLE of 0x4000 pages (us) ");
    put_hex(te * 1000 / khz);
    put(", rounds ");
    put_hex(nr_rounds);
    put(", dirty pages ");
    put_hex(dirty);
    put(", write faults ");
    put_hex(faults);
    put(", CLEAN mean (us) ");
    put_hex(clean_sum * 1000 / khz / nr_rounds);
    put(", max ");
    put_hex(clean_max * 1000 / khz);
    put(", PEEK polls ");
    put_hex(polls);
    flush();

    eq("ldctl-off", shadow(dom, XEN_DOMCTL_SHADOW_OP_OFF, 0), 0);
    eq("ldctl-clean-after-off", shadow(dom, XEN_DOMCTL_SHADOW_OP_CLEAN, 0), -EINVAL);
    dc_init(&op, XEN_DOMCTL_destroydomain, dom);
    eq("ldctl-destroy", domctl(&op), 0);
}

void pv_main(const struct start_info *si)
{
    hap0 = contains((const char *)si->cmd_line, sizeof(si->cmd_line), "hap0");
    /* Fewer rounds, each as strict (the Bochs variant, docs/shadow.md). */
    if (contains((const char *)si->cmd_line, sizeof(si->cmd_line), "bochs"))
        nr_rounds = LDCTL_ROUNDS_BOCHS;
    put(hap0 ? "pv_ldctl: the control domain, the HVM domU on the shadow pager"
             : "pv_ldctl: the control domain, the HVM domU on nested paging");
    flush();
    if (si->flags & SIF_INITDOMAIN)
        run();
    else
        check(0, "ldctl-dom0", "SIF_INITDOMAIN", 0, 1);
    pv_finish();
}
