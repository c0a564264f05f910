/*
 * pvh_basics: one PVH domain checks its start of day and the single-domain
 * parts of the Xen-compatible interface: start info, feature bits, HVM
 * params, shared_info and pvclock, timers delivering VIRQ_TIMER through the
 * callback vector, SCHEDOP_poll/block, IPIs to itself, a moved vcpu_info,
 * the memory map hypercall, and the FIFO event ABI with priorities.
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_basics";

#define MS 1000000ull

extern char __image_start[], __image_end[];

static uint8_t vi_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static bool in_ram(uint64_t a, uint64_t len)
{
    for (uint32_t i = 0; i < pvh.nr_memmap; i++) {
        const struct hvm_memmap_table_entry *m = &pvh.memmap[i];
        if (m->type == 1 && a >= m->addr && a + len <= m->addr + m->size)
            return true;
    }
    return false;
}

static void check_start_info(void)
{
    const struct hvm_start_info *si = &pvh.si;
    check(si->version >= 1, "start-info-version", "version %u, want >= 1 (memmap fields)", si->version);
    check(si->nr_modules == 0, "start-info-modules", "%u modules, none configured", si->nr_modules);
    const char *want = "pvh_basics alpha=1 mib=32";
    check(!strcmp(pvh.cmdline, want), "start-info-cmdline", "\"%s\", want \"%s\"", pvh.cmdline, want);

    bool sane = pvh.nr_memmap > 0 && pvh.nr_memmap == si->memmap_entries;
    uint64_t ram = 0, prev_end = 0;
    for (uint32_t i = 0; i < pvh.nr_memmap; i++) {
        const struct hvm_memmap_table_entry *m = &pvh.memmap[i];
        printf("note: memmap %u: %#llx-%#llx type %u\n", i, (unsigned long long)m->addr,
               (unsigned long long)(m->addr + m->size), m->type);
        if (m->size == 0 || m->addr < prev_end || m->type < 1 || m->type > 5)
            sane = false;
        prev_end = m->addr + m->size;
        if (m->type == 1)
            ram += m->size;
    }
    uint64_t mib = cmdline_uint("mib", 0) << 20;
    check(sane, "start-info-memmap", "%u entries (start info says %u), not sorted/non-overlapping/typed",
          pvh.nr_memmap, si->memmap_entries);
    check(ram <= mib && ram + (2u << 20) >= mib, "start-info-memmap-ram", "%llu KiB of RAM, cfg has %llu KiB",
          (unsigned long long)(ram >> 10), (unsigned long long)(mib >> 10));
    check(in_ram((uintptr_t)__image_start, (uintptr_t)(__image_end - __image_start)), "start-info-image-in-ram",
          "image %p-%p not inside one RAM entry", (void *)__image_start, (void *)__image_end);
    check(pvh.start_info_gpa + sizeof(*si) <= mib && (pvh.start_info_gpa & 7) == 0, "start-info-location",
          "start info at %#x", pvh.start_info_gpa);
}

static void check_features_params(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };
    long rc = xen_version(XENVER_get_features, &fi);
    uint32_t want = (1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector) |
                    (1u << XENFEAT_hvm_safe_pvclock);
    check(rc == 0 && (fi.submap & want) == want, "features", "rc %ld, submap %#x, want bits %#x", rc, fi.submap,
          want);

    uint64_t pfn = 0, port = 0;
    long r1 = hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn), r2 = hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port);
    check(r1 == 0 && pfn != 0 && r2 == 0 && port != 0, "param-console", "CONSOLE_PFN rc %ld = %#llx, "
          "CONSOLE_EVTCHN rc %ld = %llu", r1, (unsigned long long)pfn, r2, (unsigned long long)port);
    check(r1 == 0 && !in_ram(pfn << 12, PAGE_SIZE) && pfn < (1ull << 20), "param-console-pfn-reserved",
          "console ring gfn %#llx is ordinary RAM in the memory map (or absent)", (unsigned long long)pfn);
    if (r2 == 0 && port) {
        struct evtchn_status st;
        long rc3 = evtchn_status((evtchn_port_t)port, &st);
        check(rc3 == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == DOMID_XEN,
              "param-console-evtchn-status", "rc %ld, status %u, remote dom %#x", rc3, st.status,
              st.u.interdomain.dom);
    }
    rc = hvm_set_param(HVM_PARAM_CONSOLE_PFN, 0x1234);
    uint64_t after = 0;
    hvm_get_param(HVM_PARAM_CONSOLE_PFN, &after);
    check(rc == -EPERM && after == pfn, "param-readonly", "set CONSOLE_PFN -> %ld (want -EPERM), value now %#llx",
          rc, (unsigned long long)after);
    uint64_t v;
    long g = hvm_get_param(HVM_NR_PARAMS + 5, &v), s = hvm_set_param(1000, 1);
    check(g == -EINVAL && s == -EINVAL, "param-unknown", "get %u -> %ld, set 1000 -> %ld (want -EINVAL)",
          HVM_NR_PARAMS + 5, g, s);
    struct xen_hvm_param bad = { .domid = 0x7000, .index = HVM_PARAM_CALLBACK_IRQ };
    rc = hvm_op(HVMOP_get_param, &bad);
    check(rc < 0, "param-other-domain", "get_param of domain %#x -> %ld, want an error", bad.domid, rc);
}

/* A pvclock read with the TSC read just before (*lo) and after (*hi); tried
 * again while the two are over 1 ms apart (khz ticks) so a bracket is
 * narrow unless the host is starving this vCPU throughout. */
static uint64_t pvclock_bracketed(uint32_t khz, uint64_t *lo, uint64_t *hi)
{
    uint64_t ns = 0;
    for (int i = 0; i < 50; i++) {
        *lo = rdtsc();
        ns = pvclock_ns();
        *hi = rdtsc();
        if (*hi - *lo < khz)
            break;
    }
    return ns;
}

static void check_shared_info_time(void)
{
    long rc = pvh_map_shared_info();
    if (!check(rc == 0, "shared-info-map", "add_to_physmap(shared_info) -> %ld", rc))
        finish();
    struct shared_info *sh = pvh.sh;
    volatile struct vcpu_time_info *t = &pvh.vi->time;
    printf("note: wc %u.%09u (version %u), time version %u, mul %#x shift %d, system_time %llu\n", sh->wc_sec,
           sh->wc_nsec, sh->wc_version, t->version, t->tsc_to_system_mul, t->tsc_shift,
           (unsigned long long)t->system_time);
    check((sh->wc_version & 1) == 0 && sh->wc_nsec < 1000000000u, "shared-info-wallclock",
          "wc_version %u, wc_nsec %u", sh->wc_version, sh->wc_nsec);
    check((t->version & 1) == 0 && t->version != 0 && t->tsc_to_system_mul != 0, "pvclock-record",
          "version %u, mul %#x", t->version, t->tsc_to_system_mul);
    /* Every 64-bit pending/mask word starts clear except what the builder
     * bound (the console port). */
    unsigned pend = 0;
    for (unsigned i = 0; i < 64; i++)
        for (uint64_t w = sh->evtchn_pending[i]; w; w &= w - 1)
            pend++;
    check(pend <= 1, "shared-info-pending-clear", "%u ports pending at start", pend);

    /* Monotonic and at the TSC's rate (CPUID 0x40000003: kHz).  Each end
     * is a pvclock read bracketed by two TSC reads, so time this vCPU spends
     * descheduled between reads (a loaded host) widens the bounds instead of
     * skewing the comparison. */
    uint32_t a, b, c, d;
    cpuid(0x40000003, &a, &b, &c, &d);
    uint64_t lo0, hi0, lo1, hi1;
    uint64_t t0 = pvclock_bracketed(a, &lo0, &hi0), tn = t0;
    bool mono = true;
    while (rdtsc() - hi0 < (uint64_t)a * 20) {      /* 20 ms of TSC */
        uint64_t x = pvclock_ns();
        if (x < tn)
            mono = false;
        tn = x;
    }
    uint64_t t1 = pvclock_bracketed(a, &lo1, &hi1);
    mono = mono && t1 >= tn;
    uint64_t dt = t1 - t0;
    /* The TSC span between the two pvclock reads lies in [lo1 - hi0, hi1 - lo0]. */
    uint64_t want_lo = a ? (lo1 - hi0) * 1000 / a * 1000 : 0, want_hi = a ? (hi1 - lo0) * 1000 / a * 1000 : 0;
    check(mono && want_lo && dt * 100 >= want_lo * 99 && dt * 100 <= want_hi * 101, "pvclock-rate",
          "%s; %llu ns of pvclock between TSC spans of %llu..%llu ticks (%u kHz: %llu..%llu ns)",
          mono ? "monotonic" : "went backwards", (unsigned long long)dt, (unsigned long long)(lo1 - hi0),
          (unsigned long long)(hi1 - lo0), a, (unsigned long long)want_lo, (unsigned long long)want_hi);

    /* set_timer_op deadlines are pvclock time: block until 5 ms from now. */
    uint64_t start = pvclock_ns(), dl = start + 5 * MS;
    rc = set_timer_op(dl);
    long rb = sched_op(SCHEDOP_block, NULL);
    uint64_t now = pvclock_ns();
    check(rc == 0 && rb == 0 && now >= dl && now < dl + 2000 * MS, "pvclock-set-timer-op",
          "set_timer_op %ld, block %ld, woke %lld ns after the deadline", rc, rb, (long long)(now - dl));
}

static void check_timers(void)
{
    evtchn_port_t tp = 0;
    long rc = evtchn_bind_virq(VIRQ_TIMER, 0, &tp);
    check(rc == 0 && tp > 0, "bind-virq-timer", "rc %ld port %u", rc, tp);
    evtchn_port_t tp2;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &tp2);
    check(rc == -EEXIST, "bind-virq-twice", "second bind -> %ld (want -EEXIST)", rc);
    rc = pvh_enable_upcall();
    check(rc == 0, "callback-vector", "HVM_PARAM_CALLBACK_IRQ (vector %#x) -> %ld", PVH_UPCALL_VECTOR, rc);
    uint64_t cb = 0;
    hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &cb);
    check(cb >> 56 == HVM_PARAM_CALLBACK_TYPE_VECTOR && (cb & 0xff) == PVH_UPCALL_VECTOR, "callback-readback",
          "%#llx", (unsigned long long)cb);

    /* Single-shot timer: one event, not before its deadline. */
    uint32_t n0 = evt_count[tp], u0 = upcalls;
    /* With the future flag a deadline already past is refused (-ETIME):
     * under a loaded emulator this vCPU can lose 3 ms between reading the
     * clock and the call, so a refusal is retried with a fresh deadline. */
    uint64_t dl;
    struct vcpu_set_singleshot_timer ss;
    unsigned tries = 0;
    do {
        dl = pvclock_ns() + 3 * MS;
        ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = dl, .flags = VCPU_SSHOTTMR_future };
        rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
    } while (rc == -ETIME && ++tries < 20);
    bool got = wait_count(tp, n0 + 1, 2000 * MS);
    uint64_t now = pvclock_ns();
    check(rc == 0 && got && now >= dl && upcalls > u0, "singleshot-timer", "rc %ld, event %s, %lld ns after "
          "the deadline, %u upcalls", rc, got ? "arrived" : "missing", (long long)(now - dl), upcalls - u0);
    n0 = evt_count[tp];
    wait_count(tp, n0 + 1, 20 * MS);
    check(evt_count[tp] == n0, "singleshot-once", "%u more events after the single shot", evt_count[tp] - n0);
    ss.timeout_abs_ns = pvclock_ns() - 1 * MS;
    rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
    check(rc == -ETIME, "singleshot-past-future-flag", "deadline in the past with VCPU_SSHOTTMR_future -> %ld "
          "(want -ETIME)", rc);

    /* SCHEDOP_block with interrupts off: the timer's event wakes it; the
     * upcall comes once interrupts are enabled. */
    n0 = evt_count[tp];
    dl = pvclock_ns() + 5 * MS;
    ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = dl };
    vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
    uint8_t up = pvh.vi->evtchn_upcall_pending;
    uint64_t sel = pvh.vi->evtchn_pending_sel, pend0 = pvh.sh->evtchn_pending[0];
    rc = sched_op(SCHEDOP_block, NULL);
    now = pvclock_ns();
    got = wait_count(tp, n0 + 1, 1000 * MS);
    check(rc == 0 && now >= dl && got, "block-woken-by-event", "block %ld, woke %lld ns after the deadline, "
          "event %s (upcall_pending was %u, sel %#llx, pending[0] %#llx)", rc, (long long)(now - dl),
          got ? "delivered" : "missing", up, (unsigned long long)sel, (unsigned long long)pend0);

    /* Periodic timer: several events, then none once stopped. */
    n0 = evt_count[tp];
    struct vcpu_set_periodic_timer pt = { .period_ns = 2 * MS };
    rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
    uint64_t t0 = pvclock_ns();
    got = wait_count(tp, n0 + 5, 3000 * MS);
    uint64_t el = pvclock_ns() - t0;
    long rs = vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    check(rc == 0 && got && el >= 8 * MS && rs == 0, "periodic-timer", "set %ld, 5 events %s after %llu us, "
          "stop %ld", rc, got ? "arrived" : "missing", (unsigned long long)(el / 1000), rs);
    wait_count(tp, 0xffffffff, 5 * MS);
    uint32_t n1 = evt_count[tp];
    wait_count(tp, 0xffffffff, 20 * MS);
    check(evt_count[tp] == n1, "periodic-stop", "%u events after stopping", evt_count[tp] - n1);
    pt.period_ns = 1000;
    rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
    vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    check(rc == -EINVAL, "periodic-too-short", "1 us period -> %ld (want -EINVAL)", rc);
    rc = vcpu_op(VCPUOP_set_singleshot_timer, 7, &ss);
    check(rc == -ENOENT || rc == -EINVAL, "vcpu-op-bad-vcpu", "vcpu 7 of a 1-vCPU domain -> %ld", rc);
}

static void check_ipi_poll(void)
{
    evtchn_port_t p = 0;
    long rc = evtchn_bind_ipi(0, &p);
    check(rc == 0 && p > 0, "bind-ipi", "rc %ld port %u", rc, p);
    struct evtchn_status st;
    rc = evtchn_status(p, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == 0, "status-ipi", "rc %ld status %u vcpu %u", rc,
          st.status, st.vcpu);
    uint32_t n0 = evt_count[p];
    rc = evtchn_send(p);
    bool got = wait_count(p, n0 + 1, 1000 * MS);
    check(rc == 0 && got && evt_count[p] == n0 + 1, "ipi-self-delivers", "send %ld, %u events", rc,
          evt_count[p] - n0);

    /* Masked: the send only marks it pending; SCHEDOP_poll returns at once;
     * unmask delivers it. */
    evtchn_set_mask(p, true);
    n0 = evt_count[p];
    evtchn_send(p);
    wait_count(p, n0 + 1, 5 * MS);
    check(evt_count[p] == n0 && evtchn_pending(p), "masked-not-delivered", "%u events, pending %d",
          evt_count[p] - n0, evtchn_pending(p));
    uint64_t t0 = pvclock_ns();
    struct sched_poll sp = { .ports = (uintptr_t)&p, .nr_ports = 1, .timeout = t0 + 2000 * MS };
    rc = sched_op(SCHEDOP_poll, &sp);
    uint64_t el = pvclock_ns() - t0;
    check(rc == 0 && el < 500 * MS, "poll-pending-returns", "rc %ld after %llu us", rc,
          (unsigned long long)(el / 1000));
    evtchn_set_mask(p, false);
    rc = evtchn_unmask(p);
    got = wait_count(p, n0 + 1, 1000 * MS);
    check(rc == 0 && got, "unmask-redelivers", "unmask %ld, event %s", rc, got ? "delivered" : "missing");

    /* Poll on a quiet port: the timeout ends it. */
    evtchn_port_t q = 0;
    evtchn_alloc_unbound(DOMID_SELF, &q);
    t0 = pvclock_ns();
    sp = (struct sched_poll){ .ports = (uintptr_t)&q, .nr_ports = 1, .timeout = t0 + 10 * MS };
    rc = sched_op(SCHEDOP_poll, &sp);
    el = pvclock_ns() - t0;
    check(rc == 0 && el >= 10 * MS && el < 2000 * MS, "poll-timeout", "rc %ld after %llu us (timeout 10 ms)", rc,
          (unsigned long long)(el / 1000));
    sp.nr_ports = 129;
    rc = sched_op(SCHEDOP_poll, &sp);
    check(rc == -EINVAL, "poll-too-many-ports", "129 ports -> %ld (want -EINVAL)", rc);
    evtchn_close(q);

    /* vcpu_info moved into a page of ours: events and time still work. */
    struct vcpu_register_vcpu_info ri = { .mfn = ptr_gfn(vi_page), .offset = 64 };
    rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &ri);
    if (check(rc == 0, "register-vcpu-info", "rc %ld", rc)) {
        pvh.vi = (struct vcpu_info *)(vi_page + 64);
        volatile struct vcpu_time_info *t = &pvh.vi->time;
        uint64_t a = pvclock_ns();
        check(t->tsc_to_system_mul != 0 && (t->version & 1) == 0 && a >= t0, "register-vcpu-info-time",
              "time record mul %#x version %u", t->tsc_to_system_mul, t->version);
        n0 = evt_count[p];
        evtchn_send(p);
        got = wait_count(p, n0 + 1, 1000 * MS);
        check(got, "register-vcpu-info-events", "IPI not delivered after moving vcpu_info");
        rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &ri);
        check(rc < 0, "register-vcpu-info-twice", "second registration -> %ld, want an error", rc);
    }
    evtchn_close(p);
}

static void check_memory_map(void)
{
    static struct __attribute__((packed)) { uint64_t addr, size; uint32_t type; } e820[PVH_MEMMAP_MAX];
    struct xen_memory_map mm = { .nr_entries = PVH_MEMMAP_MAX, .buffer = (uintptr_t)e820 };
    long rc = memory_op(XENMEM_memory_map, &mm);
    bool same = rc == 0 && mm.nr_entries == pvh.nr_memmap;
    for (uint32_t i = 0; same && i < mm.nr_entries; i++)
        same = e820[i].addr == pvh.memmap[i].addr && e820[i].size == pvh.memmap[i].size &&
               e820[i].type == pvh.memmap[i].type;
    check(same, "memory-map-matches", "rc %ld, %u entries, start info %u", rc, mm.nr_entries, pvh.nr_memmap);
    domid_t self = DOMID_SELF;
    long cur = memory_op(XENMEM_current_reservation, &self);
    check(cur > 0 && (uint64_t)cur <= (cmdline_uint("mib", 0) << 8), "current-reservation", "%ld pages", cur);
}

static void check_fifo(void)
{
    if (cmdline_has("nofifo")) {
        skip("fifo", "nofifo on the command line");
        return;
    }
    evtchn_port_t tp_before = 0;
    for (evtchn_port_t p = 1; p < 64; p++)
        if (evt_count[p]) {
            tp_before = p;      /* the VIRQ_TIMER port, still bound */
            break;
        }
    uint8_t link_bits = 0;
    cli();
    long rc = pvh_fifo_init(&link_bits);
    sti();
    if (!check(rc == 0 && link_bits == EVTCHN_FIFO_LINK_BITS, "fifo-init", "init_control/expand_array -> %ld, "
               "link_bits %u", rc, link_bits))
        return;
    struct evtchn_expand_array ea = { .array_gfn = 0x7fffffff };
    rc = evtchn_op(EVTCHNOP_expand_array, &ea);
    check(rc < 0, "fifo-expand-bad-gfn", "expand_array at a gfn outside RAM -> %ld", rc);

    evtchn_port_t p1 = 0, p2 = 0;
    long r1 = evtchn_bind_ipi(0, &p1), r2 = evtchn_bind_ipi(0, &p2);
    struct evtchn_set_priority sp1 = { p1, 10 }, sp2 = { p2, 2 }, bad = { p1, EVTCHN_FIFO_PRIORITY_MIN + 1 };
    long s1 = evtchn_op(EVTCHNOP_set_priority, &sp1), s2 = evtchn_op(EVTCHNOP_set_priority, &sp2);
    check(r1 == 0 && r2 == 0 && s1 == 0 && s2 == 0 && p1 < 1024 && p2 < 1024, "fifo-bind-priority",
          "bind %ld/%ld ports %u/%u, set_priority %ld/%ld", r1, r2, p1, p2, s1, s2);
    rc = evtchn_op(EVTCHNOP_set_priority, &bad);
    check(rc == -EINVAL, "fifo-priority-range", "priority 16 -> %ld (want -EINVAL)", rc);

    /* Both pending before the upcall runs: the higher priority (2) first. */
    cli();
    evt_log_len = 0;
    evtchn_send(p1);
    evtchn_send(p2);
    bool g1 = wait_count(p1, 1, 1000 * MS), g2 = wait_count(p2, 1, 1000 * MS);
    int i1 = -1, i2 = -1;
    for (uint32_t i = 0; i < evt_log_len; i++) {
        if (evt_log[i] == p1 && i1 < 0)
            i1 = (int)i;
        if (evt_log[i] == p2 && i2 < 0)
            i2 = (int)i;
    }
    check(g1 && g2 && i2 >= 0 && i1 > i2, "fifo-priority-order", "events %d/%d, order in the log: port %u at "
          "%d, port %u at %d", g1, g2, p2, i2, p1, i1);

    /* Masked in the event word: pending but not delivered; unmask delivers. */
    evtchn_set_mask(p1, true);
    uint32_t n0 = evt_count[p1];
    evtchn_send(p1);
    wait_count(p1, n0 + 1, 5 * MS);
    bool held = evt_count[p1] == n0 && evtchn_pending(p1);
    evtchn_set_mask(p1, false);
    rc = evtchn_unmask(p1);
    bool got = wait_count(p1, n0 + 1, 1000 * MS);
    check(held && rc == 0 && got, "fifo-mask-unmask", "held while masked %d, unmask %ld, delivered %d", held, rc,
          got);

    if (tp_before) {
        n0 = evt_count[tp_before];
        struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = pvclock_ns() + 2 * MS };
        vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
        got = wait_count(tp_before, n0 + 1, 2000 * MS);
        check(got, "fifo-old-port-kept", "VIRQ_TIMER port %u bound before the switch: no event", tp_before);
    }
    uint8_t lb;
    struct evtchn_init_control again = { .control_gfn = ptr_gfn(pvh.fifo_cb), .vcpu = 0 };
    rc = evtchn_op(EVTCHNOP_init_control, &again);
    (void)lb;
    check(rc == -EINVAL || rc == -EBUSY || rc == -EEXIST, "fifo-init-twice", "second init_control of vCPU 0 -> %ld",
          rc);
}

void test_main(void)
{
    check_start_info();
    check_features_params();
    check_shared_info_time();
    check_timers();
    check_ipi_poll();
    check_memory_map();
    check_fifo();
}
