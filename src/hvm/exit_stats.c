/*
 * Exit statistics of HVM and PVH vCPUs, a permanent diagnostic
 * (docs/running-domains.md "Exit statistics"): how many exits of each
 * reason, at which I/O ports and at which MSRs.  They tell which guest code
 * makes a domain slow (a PVH Linux polling an absent PIT was found this
 * way) and tests bound them (tests/integration/expect_run.py).
 *
 * Ownership: the counters live in struct vcpu and are written only by the
 * vCPU itself, in its exit handlers (no lock, no atomics on the exit path).
 * Debug key 'x' reads them from another CPU while they change: each value
 * is one aligned 64-bit load, so a line may be a few exits stale, never torn.
 * At vCPU teardown the vCPU no longer runs and the figures are final.
 * The same holds for the per-kind exit cost (count, TSC ticks, fewest
 * ticks) that hvm.c's run loop adds up on each re-entry.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/keyhandler.h"
#include "core/console.h"
#include "arch/x86/time.h"
#include "lib/fmt.h"
#include "lib/string.h"

_Static_assert(HVM_EXIT_NR <= ARRAY_SIZE(((struct vcpu_xstats *)0)->hvm), "exit histograms");

void hvm_count_port(struct vcpu *v, uint16_t port)
{
    for (unsigned i = 0; i < VCPU_IO_PORTS; i++)
        if (!v->io_ports[i].n || v->io_ports[i].port == port) {
            v->io_ports[i].port = port;
            v->io_ports[i].n++;
            return;
        }
    v->io_other++;
}

/* The first VCPU_MSRS distinct MSRs get a slot each, the rest one sum: a
 * bounded table, a few compares per MSR exit. */
void hvm_count_msr(struct vcpu *v, uint32_t msr, bool write)
{
    for (unsigned i = 0; i < VCPU_MSRS; i++)
        if (!(v->msrs[i].rd | v->msrs[i].wr) || v->msrs[i].msr == msr) {
            v->msrs[i].msr = msr;
            if (write)
                v->msrs[i].wr++;
            else
                v->msrs[i].rd++;
            return;
        }
    v->msr_other++;
}

/* One line: "exits by reason: cpuid 12, io 345, ..." (non-zero ones only). */
static void print_exits_by_reason(struct vcpu *v)
{
    char line[400];
    size_t n = 0;

    for (unsigned r = 0; r < HVM_EXIT_NR && n < sizeof(line) - 40; r++) {
        uint64_t c = READ_ONCE(v->exits_by_reason[r]);
        if (c)
            n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, "%s%s %lu", n ? ", " : "", hvm_exit_names[r],
                                      (unsigned long)c);
    }
    line[n] = 0;
    domain_log(v->domain, LOG_INFO, "v%u: exits by reason: %s; injected %lu interrupts, %lu NMIs\n", v->vcpu_id,
               n ? line : "none", (unsigned long)READ_ONCE(v->nr_irqs), (unsigned long)READ_ONCE(v->nr_nmis));
}

/* "v0: I/O exits by port: 0x3f8 120, 0x61 7, ...", most used first. */
static void print_io_ports(struct vcpu *v)
{
    char line[400];
    size_t n = 0;
    bool done[VCPU_IO_PORTS] = { false };

    /* A few passes over 16 entries: only at teardown and on the key. */
    for (unsigned k = 0; k < VCPU_IO_PORTS && n < sizeof(line) - 40; k++) {
        int best = -1;
        for (unsigned i = 0; i < VCPU_IO_PORTS; i++)
            if (v->io_ports[i].n && !done[i] && (best < 0 || v->io_ports[i].n > v->io_ports[best].n))
                best = (int)i;
        if (best < 0)
            break;
        done[best] = true;
        n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, "%s%#x %lu", n ? ", " : "", v->io_ports[best].port,
                                  (unsigned long)v->io_ports[best].n);
    }
    if (!n)
        return;
    if (v->io_other)
        fmt_snprintf(line + n, sizeof(line) - n, ", others %lu", (unsigned long)v->io_other);
    domain_log(v->domain, LOG_INFO, "v%u: I/O exits by port: %s\n", v->vcpu_id, line);
}

/* "v0: MSR exits: 0x6e0 w1500, 0x1b r4 w2, ...", most used first, then
 * "v0: MSR exits, more: ..." lines: domain_log lines are at most 255
 * bytes, so the list is cut into lines of at most ~160. */
static void print_msrs(struct vcpu *v)
{
    char line[200];
    size_t n = 0;
    bool done[VCPU_MSRS] = { false }, first = true;

    for (unsigned k = 0; k <= VCPU_MSRS; k++) {
        int best = -1;
        for (unsigned i = 0; k < VCPU_MSRS && i < VCPU_MSRS; i++) {
            uint64_t c = v->msrs[i].rd + v->msrs[i].wr;
            if (c && !done[i] && (best < 0 || c > v->msrs[best].rd + v->msrs[best].wr))
                best = (int)i;
        }
        if (best >= 0) {
            done[best] = true;
            n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, "%s%#x", n ? ", " : "", v->msrs[best].msr);
            if (v->msrs[best].rd)
                n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " r%lu", (unsigned long)v->msrs[best].rd);
            if (v->msrs[best].wr)
                n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " w%lu", (unsigned long)v->msrs[best].wr);
        } else if (v->msr_other) {
            n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, "%sothers %lu", n ? ", " : "",
                                      (unsigned long)v->msr_other);
        }
        /* Flush a full line, and what is left at the end. */
        if (n > 150 || (best < 0 && (n || first))) {
            domain_log(v->domain, LOG_INFO, "v%u: MSR exits%s: %s\n", v->vcpu_id, first ? "" : ", more",
                       n ? line : "none");
            first = false;
            n = 0;
        }
        if (best < 0)
            break;
    }
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
    uint64_t khz = tsc_khz() ? tsc_khz() : 1;
    return ticks / khz * 1000000 + ticks % khz * 1000000 / khz;
}

/* Lines of at most ~160 characters (domain_log's limit is 255): the head,
 * then "<head>, more: ..." for the rest. */
struct cost_line {
    struct vcpu *v;
    const char *head;
    char buf[200];
    size_t n;
    bool more;
};

static void cost_flush(struct cost_line *l)
{
    if (!l->n)
        return;
    l->buf[l->n] = 0;
    domain_log(l->v->domain, LOG_INFO, "v%u: %s%s: %s\n", l->v->vcpu_id, l->head, l->more ? ", more" : "", l->buf);
    l->more = true;
    l->n = 0;
}

static void cost_add(struct cost_line *l, const char *item)
{
    size_t len = strlen(item);
    if (l->n && l->n + len > 150)
        cost_flush(l);
    l->n += (size_t)fmt_snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%s%s", l->n ? ", " : "", item);
}

/* The hypercalls worth a name in the cost line; others are "hcN". */
static const char *hc_name(unsigned nr)
{
    switch (nr) {
    case 0: return "set_trap_table";
    case 1: return "mmu_update";
    case 2: return "set_gdt";
    case 3: return "stack_switch";
    case 5: return "fpu_taskswitch";
    case 10: return "get_debugreg";
    case 14: return "update_va_mapping";
    case 12: return "memory_op";
    case 13: return "multicall";
    case 15: return "set_timer_op";
    case 17: return "xen_version";
    case 18: return "console_io";
    case 20: return "grant_table_op";
    case 23: return "iret";
    case 24: return "vcpu_op";
    case 26: return "mmuext_op";
    case 29: return "sched_op";
    case 32: return "event_channel_op";
    case 33: return "physdev_op";
    case 34: return "hvm_op";
    case 35: return "sysctl";
    case 36: return "domctl";
    default: return NULL;
    }
}

/* "<name> <count> <mean>/<min>/<median>/<p99>/<max>" (ns).  The
 * percentiles, interpolated inside a bucket, are kept between the exact
 * least and worst, so min <= median <= p99 <= max always holds. */
static void cost_item(char *item, size_t len, const char *name, uint64_t n, uint64_t tsc, uint64_t min,
                      const struct xstat_hist *h)
{
    uint64_t max = READ_ONCE(h->max), med = xstat_percentile(h, n, 50), p99 = xstat_percentile(h, n, 99);

    med = med < min ? min : med > max ? max : med;
    p99 = p99 < med ? med : p99 > max ? max : p99;
    fmt_snprintf(item, len, "%s %lu %lu/%lu/%lu/%lu/%lu", name, (unsigned long)n, (unsigned long)ticks_to_ns(tsc / n),
                 (unsigned long)ticks_to_ns(min), (unsigned long)ticks_to_ns(med), (unsigned long)ticks_to_ns(p99),
                 (unsigned long)ticks_to_ns(max));
}

static const char *const pv_kind_names[PVX_NR] = {
    [PVX_HYPERCALL] = "hypercall", [PVX_USER_SYSCALL] = "user_syscall", [PVX_USER32] = "user32",
    [PVX_INT_N] = "int_n", [PVX_EMUL_PRIV] = "emul_priv", [PVX_EMUL_PF] = "emul_pf",
    [PVX_EMUL_OTHER] = "emul_other", [PVX_PF_BOUNCE] = "pf_bounce", [PVX_GP_BOUNCE] = "gp_bounce",
    [PVX_OTHER_BOUNCE] = "other_bounce", [PVX_IRQ] = "irq", [PVX_PV32] = "pv32",
};

static uint64_t pv_exits_timed(struct vcpu *v)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < PVX_NR; k++)
        n += READ_ONCE(v->xstats.pv[k].n);
    return n;
}

/*
 * The hypervisor's own time per exit kind (hvm.c hvm_account_exit, for PV
 * pv_vcpu.c pv_account_exit): for
 *   "v0: exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN): cpuid 3005 29484/6342/9000/60000/800000"
 *   "v0: pv exit cost (count, mean/min/median/p99/max ns from exit to entry): hypercall 10051 2000/900/1500/9000/90000; untimed 3"
 *   "v0: hypercall cost (count, mean ns): xen_version 1001 26988, sched_op 1 1138322"
 * the count is of exits timed: all but those after which the vCPU blocked
 * (HLT, SCHEDOP_block/poll: their time includes the wait), which the PV
 * line counts as "untimed".  An exit that ended the stint otherwise
 * (preemption) is timed to the CPU's leaving.  Median and p99 come from
 * the histogram (core/xstats.h: within +-25 %), max is exact.
 * tools/rvlib/exitcost.py parses these; rv-bench prints them as a table.
 */
static void print_exit_cost(struct vcpu *v)
{
    struct cost_line l = { .v = v, .head = "exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN)" };
    char item[96];

    for (unsigned r = 0; r < HVM_EXIT_NR; r++) {
        uint64_t n = READ_ONCE(v->exit_cost[r].n);
        if (!n)
            continue;
        cost_item(item, sizeof(item), hvm_exit_names[r], n, READ_ONCE(v->exit_cost[r].tsc),
                  READ_ONCE(v->exit_cost[r].min), &v->xstats.hvm[r]);
        cost_add(&l, item);
    }
    cost_flush(&l);
    if (pv_exits_timed(v) || READ_ONCE(v->xstats.pv_untimed)) {
        l = (struct cost_line){ .v = v, .head = "pv exit cost (count, mean/min/median/p99/max ns from exit to entry)" };
        for (unsigned k = 0; k < PVX_NR; k++) {
            uint64_t n = READ_ONCE(v->xstats.pv[k].n);
            if (!n)
                continue;
            cost_item(item, sizeof(item), pv_kind_names[k], n, READ_ONCE(v->xstats.pv[k].tsc),
                      READ_ONCE(v->xstats.pv[k].min), &v->xstats.pv_hist[k]);
            cost_add(&l, item);
        }
        fmt_snprintf(item, sizeof(item), "untimed %lu", (unsigned long)READ_ONCE(v->xstats.pv_untimed));
        cost_add(&l, item);
        cost_flush(&l);
    }
    l = (struct cost_line){ .v = v, .head = "hypercall cost (count, mean ns)" };
    for (unsigned h = 0; h < VCPU_HC_SLOTS; h++) {
        uint64_t n = READ_ONCE(v->hc_cost[h].n), t = READ_ONCE(v->hc_cost[h].tsc);
        const char *name = hc_name(h);
        if (!n)
            continue;
        if (name)
            fmt_snprintf(item, sizeof(item), "%s %lu %lu", name, (unsigned long)n, (unsigned long)ticks_to_ns(t / n));
        else if (h == VCPU_HC_SLOTS - 1)
            fmt_snprintf(item, sizeof(item), "hc_other %lu %lu", (unsigned long)n, (unsigned long)ticks_to_ns(t / n));
        else
            fmt_snprintf(item, sizeof(item), "hc%u %lu %lu", h, (unsigned long)n, (unsigned long)ticks_to_ns(t / n));
        cost_add(&l, item);
    }
    cost_flush(&l);
}

static void print_stats(struct vcpu *v, bool msrs)
{
    uint64_t nr_exits = 0, pv_exits = pv_exits_timed(v) + READ_ONCE(v->xstats.pv_untimed);
    for (unsigned r = 0; r < HVM_EXIT_NR; r++)
        nr_exits += READ_ONCE(v->exits_by_reason[r]);
    if (pv_exits)
        nr_exits = pv_exits;    /* a PV vCPU: exits_by_reason has its hypercalls only */
    if (!nr_exits)
        return;             /* never ran */
    if (!pv_exits) {
        print_exits_by_reason(v);
        print_io_ports(v);
        if (msrs)
            print_msrs(v);
    }
    print_exit_cost(v);
    uint64_t khz = tsc_khz() ? tsc_khz() : 1;
    uint64_t host_ns = READ_ONCE(v->host_tsc) * 1000000 / khz, guest_ns = READ_ONCE(v->guest_tsc) * 1000000 / khz;
    uint64_t total = host_ns + guest_ns;

    domain_log(v->domain, LOG_INFO,
               "v%u: %lu exits; in guest %lu ms, in hypervisor %lu ms (%lu.%lu%%), %lu ns of hypervisor time per exit; ran on CPUs %#lx\n",
               v->vcpu_id, (unsigned long)nr_exits, (unsigned long)(guest_ns / 1000000),
               (unsigned long)(host_ns / 1000000), (unsigned long)(total ? host_ns * 100 / total : 0),
               (unsigned long)(total ? host_ns * 1000 / total % 10 : 0),
               (unsigned long)(host_ns / nr_exits), (unsigned long)v->ran_on);
}

/* At vCPU teardown: always the reasons and ports (a few lines; tests read
 * them), the MSRs when the domain file asks (rv_exit_stats = 1). */
void hvm_print_exit_stats(struct vcpu *v)
{
    print_stats(v, v->domain->cfg && v->domain->cfg->exit_stats);
}

/* Debug key 'x': every domain's vCPUs, as they stand now, MSRs included. */
static void key_exit_stats(void)
{
    uint16_t ids[64];
    unsigned n = domain_list_ids(ids, 64);

    log_info("exit statistics of %u domain(s) (debug key 'x')\n", n);
    for (unsigned i = 0; i < n; i++) {
        struct domain *d = domain_get_by_id(ids[i]);
        if (!d)
            continue;
        for (unsigned k = 0; k < d->nr_vcpus; k++)
            if (d->vcpus[k])
                print_stats(d->vcpus[k], true);
        domain_put(d);
    }
}

void hvm_exit_stats_init(void)
{
    keyhandler_register('x', "exit statistics of every vCPU: by reason, I/O port and MSR", key_exit_stats);
}
