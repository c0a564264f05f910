/*
 * pv_time: what a PV kernel needs to print and keep time (docs/pv.md
 * "Console, time and vcpu_info"; entry and shared handlers: pv_entry.S):
 *  - the PV console: start_info's console.domU (mfn of the builder's page,
 *    a nonzero event channel); a line written to console_io before the
 *    ring is used, then the ring takes over: every later line goes to the
 *    ring (out_prod, EVTCHNOP_send) and is printed once by the back end
 *    (a console_io line after that is hidden: the ctest counts them);
 *  - shared_info mapped by update_va_mapping (its machine address from
 *    start_info); the wall clock read between even wc_version values;
 *  - VCPUOP_register_vcpu_info: refused for a pinned L1 frame, a frame that
 *    is not the domain's and a record crossing the page; accepted for a
 *    page of its own (the move marks everything pending, copies the upcall
 *    mask, writes the pvclock record there); a second registration refused;
 *    the page cannot be pinned while registered; vCPU 1 (down) registered
 *    by vCPU 0 on the former L1 once unpinned;
 *  - pvclock from the new vcpu_info: version even, TSC_STABLE, advancing,
 *    now + wall clock a plausible date;
 *  - VIRQ_TIMER through the new vcpu_info: singleshot timer (future flag:
 *    a past deadline -ETIME), set_timer_op, stop_singleshot; each wake-up
 *    by the timer's port comes at a pvclock time >= its deadline, and the
 *    upcall's mask is set in the new record;
 *  - the runstate area by virtual address: running while it runs, time
 *    blocked accumulated over the blocks; a hypervisor address -EFAULT;
 *  - VCPUOP_register_vcpu_time_memory_area: refused (-EFAULT) in or ending
 *    in the hypervisor's range or not canonical, untouched then; accepted
 *    on a variable of ours: the record equals vcpu_info's, version even
 *    whatever odd value was there, TSC_STABLE; written again when
 *    registered again; an unmapped address accepted; 0 unregisters; for
 *    vCPU 1 (down) written through vCPU 0's tables; vCPU 2 -ENOENT;
 *  - XENMEM_memory_map (one RAM entry of the domain's pages; a 0-entry
 *    buffer gets 0), current/maximum_reservation, maximum_gpfn after
 *    arch.max_pfn is written, maximum_ram_page, XENVER_platform_parameters.
 */
#include "pv_lib.h"
#include "public/callback.h"
#include "public/event_channel.h"
#include "public/vcpu.h"
#include "public/memory.h"
#include "public/version.h"
#include "public/console.h"

/* What pv_entry.S's handlers record (shared with the other PV kernels). */
void ev_handler(void), unexpected_0(void), unexpected_6(void);

#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_UNPIN_TABLE      4
#define UVMF_INVLPG             2ull
#define PTE_DATA                0x63ull     /* P RW A D */

#define EFAULT  14
#define EINVAL  22
#define ETIME   62

/* ---- Output: console_io until the ring is in use, then the ring -------- */

static volatile struct xencons_interface *ring;
static uint32_t con_port;

static void ring_write(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        /* Full: let the back end drain it (it runs on a hypervisor timer). */
        while (ring->out_prod - __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) >= sizeof(ring->out))
            hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
        ring->out[ring->out_prod % sizeof(ring->out)] = s[i];
        __atomic_store_n(&ring->out_prod, ring->out_prod + 1, __ATOMIC_RELEASE);
    }
    struct evtchn_send snd = { .port = con_port };
    hc(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&snd, 0, 0);
}

/* ---- Frames ----------------------------------------------------------------- */

static const struct start_info *si;
static const uint64_t *p2m;

static uint64_t mfn_of(const void *va)
{
    return p2m[((uint64_t)va - VIRT_BASE) >> 12];
}

/* Pages of the kernel's own (.bss, mapped writable in the region). */
static uint8_t vi_page[4096] __attribute__((aligned(4096)));
static uint8_t l1_page[4096] __attribute__((aligned(4096)));
static uint8_t shinfo_window[4096] __attribute__((aligned(4096)));
static struct vcpu_runstate_info rs;

static volatile struct shared_info *sh;
static volatile struct vcpu_info *vi;        /* the registered record */
static uint32_t timer_port;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* pvclock: system time now from the record (version protocol). */
static uint64_t pv_now(void)
{
    volatile struct vcpu_time_info *t = &vi->time;
    uint32_t v0, v1;
    uint64_t ns;

    do {
        v0 = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
        uint64_t d = rdtsc() - t->tsc_timestamp;
        int8_t s = t->tsc_shift;
        d = s >= 0 ? d << s : d >> -s;
        ns = t->system_time + (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
        v1 = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
    } while ((v0 & 1) || v0 != v1);
    return ns;
}

static int port_pending(uint32_t port)
{
    return (__atomic_load_n(&sh->evtchn_pending[port / 64], __ATOMIC_ACQUIRE) >> (port % 64)) & 1;
}

static void port_clear(uint32_t port)
{
    __atomic_and_fetch(&sh->evtchn_pending[port / 64], ~(1ull << (port % 64)), __ATOMIC_SEQ_CST);
}

/* Blocks until the timer's port is pending (other events, such as the
 * console's, may wake the block first); returns pvclock time then. */
static uint64_t wait_timer(void)
{
    /* Cleared before the port is checked: a timer firing after the check
     * sets them again (its selector bit is new), so the block returns. */
    for (;;) {
        vi->evtchn_pending_sel = 0;
        vi->evtchn_upcall_pending = 0;
        if (port_pending(timer_port))
            break;
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
    }
    uint64_t t = pv_now();
    port_clear(timer_port);
    return t;
}

/* ---- The checks ------------------------------------------------------------- */

static void check_console(void)
{
    /* The console page follows start_info and the xenstore page. */
    uint64_t ring_va = ((uint64_t)si & ~0xfffull) + 2 * 4096;
    check(si->console.domU.mfn == mfn_of((void *)ring_va), "console-mfn-after-xenstore", "mfn",
          si->console.domU.mfn, mfn_of((void *)ring_va));
    check(si->console.domU.evtchn != 0, "console-evtchn", "port", si->console.domU.evtchn, 1);
    con_port = si->console.domU.evtchn;
    ring = (volatile struct xencons_interface *)ring_va;
    check(ring->out_prod == 0 && ring->out_cons == 0, "console-ring-empty", "out_prod", ring->out_prod, 0);
    /* From here on the ring is the console. */
    pv_line_out = ring_write;     /* flush writes through the ring from now on */
    put("first line through the ring");
    flush();
    /* console_io output is hidden now (the ctest finds this line 0 times
     * and the ring's line once). */
    hc(__HYPERVISOR_console_io, CONSOLEIO_write, 23, (uint64_t)"hidden console_io line\n", 0);
    check(ring->out_prod > 0, "console-ring-used", "out_prod", ring->out_prod, 1);
}

static void check_shared_info(void)
{
    /* shared_info mapped over a page of our own (as Linux maps it into
     * its fixmap); the old frame's mapping is gone meanwhile. */
    long rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)shinfo_window, si->shared_info | PTE_DATA, UVMF_INVLPG, 0);
    check(rc == 0, "map-shared-info", "rc", (uint64_t)rc, 0);
    sh = (volatile struct shared_info *)shinfo_window;
    check(sh->vcpu_info[0].evtchn_upcall_mask == 1, "shared-info-vcpu0-masked", "mask",
          sh->vcpu_info[0].evtchn_upcall_mask, 1);
}

static void check_vcpu_info(void)
{
    struct vcpu_register_vcpu_info r = { 0 };
    struct mmuext_op op;
    long rc;

    /* A frame that is a page table now: unmapped, pinned as an L1. */
    rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)l1_page, 0, UVMF_INVLPG, 0);
    op = (struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE, .arg1 = mfn_of(l1_page) };
    rc |= hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    check(rc == 0, "pin-l1", "rc", (uint64_t)rc, 0);
    r.mfn = mfn_of(l1_page);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == -EINVAL, "vcpu-info-on-l1-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    r.mfn = mfn_of((void *)si->pt_base);     /* the live L4 */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == -EINVAL, "vcpu-info-on-l4-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    r.mfn = 1;                                 /* not the domain's */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == -EINVAL, "vcpu-info-foreign-frame-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    r.mfn = mfn_of(vi_page);
    r.offset = 4096 - 32;                      /* the record would cross the page */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == -EINVAL, "vcpu-info-crossing-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, 0xffff800000000000ull, 0);
    check(rc == -EFAULT, "vcpu-info-arg-in-hv-range", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    /* The L1 is still a table (unpinned: it is our own again). */
    op = (struct mmuext_op){ .cmd = MMUEXT_UNPIN_TABLE, .arg1 = mfn_of(l1_page) };
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    check(rc == 0, "unpin-l1", "rc", (uint64_t)rc, 0);

    r.offset = 128;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == 0, "vcpu-info-registered", "rc", (uint64_t)rc, 0);
    vi = (volatile struct vcpu_info *)(vi_page + 128);
    check(vi->evtchn_upcall_pending == 1 && vi->evtchn_pending_sel == ~0ull, "vcpu-info-all-pending", "sel",
          vi->evtchn_pending_sel, ~0ull);
    check(vi->evtchn_upcall_mask == 1, "vcpu-info-mask-copied", "mask", vi->evtchn_upcall_mask, 1);
    check(vi->time.tsc_to_system_mul != 0 && !(vi->time.version & 1) && vi->time.version != 0,
          "pvclock-record-written", "version", vi->time.version, 2);
    check(vi->time.flags & XEN_PVCLOCK_TSC_STABLE_BIT, "pvclock-tsc-stable", "flags", vi->time.flags, 1);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&r, 0);
    check(rc == -EINVAL, "vcpu-info-twice-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* After the move events reach the new record only. */
    sh->vcpu_info[0].evtchn_upcall_pending = 0;
    sh->vcpu_info[0].evtchn_pending_sel = 0;

    /* The registered frame is held writable by the hypervisor: it cannot
     * become a page table even when nothing of ours maps it writable.
     * With the record zeroed (saved first; the console's port masked so
     * that no event writes it meanwhile) the page is a valid empty L1,
     * as l1_page was when it pinned above: only that reference refuses. */
    struct vcpu_info saved = *(struct vcpu_info *)vi;
    __atomic_or_fetch(&sh->evtchn_mask[con_port / 64], 1ull << (con_port % 64), __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < sizeof(struct vcpu_info); i++)
        ((volatile uint8_t *)vi)[i] = 0;
    rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)vi_page, (mfn_of(vi_page) << 12) | 0x21, UVMF_INVLPG, 0);
    op = (struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE, .arg1 = mfn_of(vi_page) };
    long pin = hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    if (pin == 0) {     /* the bug this checks for: undo, so the rest can run */
        op = (struct mmuext_op){ .cmd = MMUEXT_UNPIN_TABLE, .arg1 = mfn_of(vi_page) };
        hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
    }
    rc |= hc(__HYPERVISOR_update_va_mapping, (uint64_t)vi_page, (mfn_of(vi_page) << 12) | PTE_DATA, UVMF_INVLPG, 0);
    *(struct vcpu_info *)vi = saved;
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    __atomic_and_fetch(&sh->evtchn_mask[con_port / 64], ~(1ull << (con_port % 64)), __ATOMIC_SEQ_CST);
    check(rc == 0, "vcpu-info-page-remapped", "rc", (uint64_t)rc, 0);
    check(pin == -EINVAL, "vcpu-info-page-pin-refused", "rc", (uint64_t)pin, (uint64_t)-EINVAL);

    /* vCPU 1 (never brought up) gets its record from vCPU 0, as Linux
     * registers every vCPU's: on the former L1 (unpinned above, so it may
     * be writable now), read back through a read-only mapping. */
    struct vcpu_register_vcpu_info r1 = { .mfn = mfn_of(l1_page), .offset = 256 };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, (uint64_t)&r1, 0);
    check(rc == 0, "vcpu1-info-registered-from-vcpu0", "rc", (uint64_t)rc, 0);
    rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)l1_page, (mfn_of(l1_page) << 12) | 0x21, UVMF_INVLPG, 0);
    volatile struct vcpu_info *vi1 = (volatile struct vcpu_info *)(l1_page + 256);
    check(rc == 0 && vi1->evtchn_upcall_pending == 1 && vi1->time.tsc_to_system_mul != 0, "vcpu1-info-written",
          "pending", vi1->evtchn_upcall_pending, 1);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, (uint64_t)&r1, 0);
    check(rc == -EINVAL, "vcpu1-info-twice-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 2, (uint64_t)&r1, 0);
    check(rc == -2, "vcpu-info-no-such-vcpu", "rc", (uint64_t)rc, (uint64_t)-2);
}

static void check_clock(void)
{
    uint64_t t1 = pv_now();
    for (volatile int i = 0; i < 100000; i++)
        ;
    uint64_t t2 = pv_now();
    check(t2 > t1, "pvclock-advances", "t2 - t1", t2 - t1, 1);
    uint32_t v0, v1, sec, nsec, hi;
    do {
        v0 = __atomic_load_n(&sh->wc_version, __ATOMIC_ACQUIRE);
        sec = sh->wc_sec;
        nsec = sh->wc_nsec;
        hi = sh->wc_sec_hi;
        v1 = __atomic_load_n(&sh->wc_version, __ATOMIC_ACQUIRE);
    } while ((v0 & 1) || v0 != v1);
    uint64_t unix_s = ((uint64_t)hi << 32 | sec) + (nsec + pv_now()) / 1000000000ull;
    /* 2020-01-01 .. 2100-01-01: the wall clock plus system time is a date. */
    check(v0 != 0 && unix_s > 1577836800ull && unix_s < 4102444800ull, "wallclock-plus-pvclock-is-a-date",
          "unix seconds", unix_s, 1577836800ull);
}

static void check_timers(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    long rc = hc(__HYPERVISOR_set_callbacks, (uint64_t)ev_handler, 0, 0, 0);
    rc |= hc(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bv, 0, 0);
    check(rc == 0 && bv.port > 0, "bind-virq-timer", "rc", (uint64_t)rc, 0);
    timer_port = bv.port;

    /* A past deadline with the future flag: -ETIME. */
    struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&st, 0);
    check(rc == -ETIME, "singleshot-past-etime", "rc", (uint64_t)rc, (uint64_t)-ETIME);

    /* Singleshot 3 ms ahead: the wake-up by its port comes no earlier. */
    uint64_t before = ev_count;
    st.timeout_abs_ns = pv_now() + 3000000;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&st, 0);
    check(rc == 0, "singleshot-set", "rc", (uint64_t)rc, 0);
    uint64_t woke = wait_timer();
    check(woke >= st.timeout_abs_ns, "singleshot-wake-after-deadline", "early by ns", st.timeout_abs_ns - woke, 0);
    (void)before;

    /* The upcall through the new record, independent of timing: a timer
     * in the past fires at once while events are masked (the handler left
     * them masked): pending in the new record, no upcall; unmasked, the
     * next hypercall's return delivers exactly one, which masks again. */
    vi->evtchn_pending_sel = 0;
    vi->evtchn_upcall_pending = 0;
    before = ev_count;
    hc(__HYPERVISOR_set_timer_op, 1, 0, 0, 0);
    while (!port_pending(timer_port))
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(vi->evtchn_upcall_pending == 1 && (vi->evtchn_pending_sel >> (timer_port / 64) & 1),
          "event-pending-in-new-vcpu-info", "sel", vi->evtchn_pending_sel, 1ull << (timer_port / 64));
    check(ev_count == before, "masked-no-upcall", "upcalls", ev_count - before, 0);
    vi->evtchn_upcall_mask = 0;
    hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
    check(ev_count == before + 1, "upcall-through-new-vcpu-info", "upcalls", ev_count - before, 1);
    check(vi->evtchn_upcall_mask == 1, "upcall-masked-new-vcpu-info", "mask", vi->evtchn_upcall_mask, 1);
    check(sh->vcpu_info[0].evtchn_upcall_pending == 0, "legacy-slot-unused", "pending",
          sh->vcpu_info[0].evtchn_upcall_pending, 0);
    port_clear(timer_port);

    /* set_timer_op (the older form), 2 ms ahead. */
    uint64_t dl = pv_now() + 2000000;
    rc = hc(__HYPERVISOR_set_timer_op, dl, 0, 0, 0);
    check(rc == 0, "set-timer-op", "rc", (uint64_t)rc, 0);
    woke = wait_timer();
    check(woke >= dl, "set-timer-op-wake-after-deadline", "early by ns", dl - woke, 0);

    /* A stopped timer does not fire: a second timer far later stays
     * unfired while a short one (set after the stop) fires. */
    st.timeout_abs_ns = pv_now() + 1000000;
    st.flags = 0;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&st, 0);
    rc |= hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0, 0);
    check(rc == 0, "singleshot-stop", "rc", (uint64_t)rc, 0);
    for (int i = 0; i < 20; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    /* Whatever happened meanwhile, a stopped timer's port stays clear
     * only if it really stopped; give it 5 ms of pvclock time. */
    uint64_t until = pv_now() + 5000000;
    while (pv_now() < until && !port_pending(timer_port))
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(!port_pending(timer_port), "singleshot-stopped-no-event", "pending", port_pending(timer_port), 0);
}

static void check_runstate(void)
{
    struct vcpu_register_runstate_memory_area a = { .addr = 0xffff800000001000ull };
    long rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (uint64_t)&a, 0);
    check(rc == -EFAULT, "runstate-hv-range-refused", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    a.addr = (uint64_t)&rs;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (uint64_t)&a, 0);
    check(rc == 0, "runstate-registered", "rc", (uint64_t)rc, 0);
    check(rs.state == RUNSTATE_running && rs.state_entry_time != 0, "runstate-running", "state", rs.state, 0);
    uint64_t blocked0 = rs.time[RUNSTATE_blocked];
    /* A block really happens only if the timer has not fired before it
     * (a slow emulator may take longer than the delay to get there): the
     * delay doubles until one did, at most 10 times (2 ms .. 1 s). */
    for (uint64_t delay = 2000000, n = 0; n < 10 && rs.time[RUNSTATE_blocked] == blocked0; n++, delay *= 2) {
        hc(__HYPERVISOR_set_timer_op, pv_now() + delay, 0, 0, 0);
        wait_timer();
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    }
    check(rs.state == RUNSTATE_running, "runstate-running-after-block", "state", rs.state, 0);
    check(rs.time[RUNSTATE_blocked] > blocked0, "runstate-blocked-time-grew", "blocked ns",
          rs.time[RUNSTATE_blocked], blocked0 + 1);
    check(rs.time[RUNSTATE_running] > 0, "runstate-running-time", "running ns", rs.time[RUNSTATE_running], 1);
    struct vcpu_runstate_info g;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, (uint64_t)&g, 0);
    check(rc == 0 && g.time[RUNSTATE_blocked] >= rs.time[RUNSTATE_blocked], "get-runstate-info", "rc", (uint64_t)rc, 0);
}

/* VCPUOP_register_vcpu_time_memory_area (pv_vtime.c): a copy of the
 * pvclock record at a virtual address, written at once (Linux checks its
 * TSC_STABLE flag right after registering). */
static struct vcpu_time_info ta, ta1;

static int same_record(const volatile struct vcpu_time_info *a, const volatile struct vcpu_time_info *b)
{
    return a->tsc_timestamp == b->tsc_timestamp && a->system_time == b->system_time &&
           a->tsc_to_system_mul == b->tsc_to_system_mul && a->tsc_shift == b->tsc_shift && a->flags == b->flags;
}

static void check_time_area(void)
{
    struct vcpu_register_time_memory_area a = { .addr = 0xffff800000001000ull };
    long rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == -EFAULT, "time-area-hv-range-refused", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    a.addr = 0xffff800000000000ull - 16;        /* its end in the hypervisor's range */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == -EFAULT, "time-area-end-in-hv-range-refused", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    a.addr = 0x00007ffffffffff0ull;             /* its end not canonical */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == -EFAULT, "time-area-noncanonical-refused", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, 0xffff800000000000ull, 0);
    check(rc == -EFAULT, "time-area-arg-in-hv-range", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    check(ta.version == 0 && ta.tsc_to_system_mul == 0, "time-area-untouched-when-refused", "mul",
          ta.tsc_to_system_mul, 0);

    /* An odd version scribbled by the guest does not make the published
     * one odd: the hypervisor's counter decides. */
    ta.version = 0xffffffffu;
    a.addr = (uint64_t)&ta;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == 0, "time-area-registered", "rc", (uint64_t)rc, 0);
    check(ta.version != 0 && !(ta.version & 1), "time-area-version-even", "version", ta.version, 2);
    check(ta.flags & XEN_PVCLOCK_TSC_STABLE_BIT, "time-area-tsc-stable", "flags", ta.flags, 1);
    check(same_record(&ta, &vi->time), "time-area-equals-vcpu-info", "mul", ta.tsc_to_system_mul,
          vi->time.tsc_to_system_mul);
    /* Registered again (Linux does after a resume): written again. */
    uint32_t v0 = ta.version;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == 0 && ta.version != v0 && !(ta.version & 1), "time-area-rewritten", "version", ta.version, v0 + 2);
    /* Not mapped now: accepted (Xen checks only the range), nothing written. */
    a.addr = 0x1000;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == 0, "time-area-unmapped-accepted", "rc", (uint64_t)rc, 0);
    a.addr = 0;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (uint64_t)&a, 0);
    check(rc == 0, "time-area-unregistered", "rc", (uint64_t)rc, 0);
    /* vCPU 1 (down): written through the caller's tables. */
    a.addr = (uint64_t)&ta1;
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 1, (uint64_t)&a, 0);
    check(rc == 0 && ta1.tsc_to_system_mul != 0 && !(ta1.version & 1), "time-area-vcpu1", "mul",
          ta1.tsc_to_system_mul, 1);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 2, (uint64_t)&a, 0);
    check(rc == -2, "time-area-no-such-vcpu", "rc", (uint64_t)rc, (uint64_t)-2);
}

static void check_memory(void)
{
    uint8_t e820[4][20];
    struct xen_memory_map m = { .nr_entries = 4, .buffer = (uint64_t)e820 };
    long rc = hc(__HYPERVISOR_memory_op, XENMEM_memory_map, (uint64_t)&m, 0, 0);
    uint64_t addr = *(uint64_t *)e820[0], size = *(uint64_t *)(e820[0] + 8);
    uint32_t type = *(uint32_t *)(e820[0] + 16);
    check(rc == 0 && m.nr_entries == 1, "memory-map-one-entry", "entries", m.nr_entries, 1);
    check(addr == 0 && size == si->nr_pages << 12 && type == 1, "memory-map-ram-nr-pages", "size", size,
          si->nr_pages << 12);
    m.nr_entries = 0;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_memory_map, (uint64_t)&m, 0, 0);
    check(rc == 0 && m.nr_entries == 0, "memory-map-zero-buffer", "rc", (uint64_t)rc, 0);
    uint16_t self = DOMID_SELF;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
    check(rc == (long)si->nr_pages, "current-reservation", "pages", (uint64_t)rc, si->nr_pages);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, (uint64_t)&self, 0, 0);
    check(rc == (long)si->nr_pages, "maximum-reservation", "pages", (uint64_t)rc, si->nr_pages);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, (uint64_t)&self, 0, 0);
    check(rc == 0, "maximum-gpfn-before-max-pfn", "gpfn", (uint64_t)rc, 0);
    sh->arch.max_pfn = si->nr_pages;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, (uint64_t)&self, 0, 0);
    check(rc == (long)si->nr_pages - 1, "maximum-gpfn", "gpfn", (uint64_t)rc, si->nr_pages - 1);
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < si->nr_pages; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    rc = hc(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0, 0);
    check(rc > (long)maxm, "maximum-ram-page", "max page", (uint64_t)rc, maxm + 1);
    struct xen_platform_parameters pp = { 0 };
    rc = hc(__HYPERVISOR_xen_version, XENVER_platform_parameters, (uint64_t)&pp, 0, 0);
    check(rc == 0 && pp.virt_start == 0xffff800000000000ull, "platform-parameters-virt-start", "virt_start",
          pp.virt_start, 0xffff800000000000ull);
}

void pv_main(const struct start_info *s)
{
    struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 0, 0, 0, 0 },
    };

    si = s;
    p2m = (const uint64_t *)s->mfn_list;
    hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0);
    put("console_io before the ring");
    flush();
    check_console();
    check_shared_info();
    check_vcpu_info();
    check_clock();
    check_timers();
    check_runstate();
    check_time_area();
    check_memory();
    pv_report();
    shutdown(SHUTDOWN_poweroff);
}
