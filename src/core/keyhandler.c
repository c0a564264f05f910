/*
 * Debug keys on the serial console (as Xen's console keys): the console's
 * input poll (core/console.c) hands over each byte typed while the input
 * focus is on the hypervisor, and the key's handlers run, on CPU 0 in
 * softirq context.
 *
 * core/ registers the keys about its own state and about the subsystems it
 * sits on (evtchn/, gnttab/, mm/); a domain kind registers its own (hvm/
 * registers 'd'), so nothing here includes hvm/.  Output goes through the
 * log at LOG_INFO, a short line per item, framed by "key 'x': ..." and
 * "key 'x': end" so a script knows when a dump is complete.
 */
#include "core/keyhandler.h"
#include "core/console.h"
#include "core/sched.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "core/time_info.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"
#include "arch/x86/time.h"
#include "lib/fmt.h"
#include "mm/mm.h"

#define MAX_HANDLERS 24

/* (i) filled at boot by keyhandler_register, read-only once input starts. */
static struct {
    char key;
    const char *what;
    keyhandler_fn fn;
} handlers[MAX_HANDLERS];
static unsigned nr_handlers;

unsigned keyhandler_hang_report_s;
static void (*progress_check)(void);    /* (a) set once at boot, read by the tick */
static struct timer progress_timer;     /* on the highest online CPU (keyhandler_init) */

void keyhandler_set_progress_check(void (*check)(void))
{
    __atomic_store_n(&progress_check, check, __ATOMIC_RELEASE);
}

static void progress_tick(void *unused)
{
    void (*check)(void) = READ_ONCE(progress_check);
    if (check)
        check();
    timer_set(&progress_timer, now_ns() + 1000000000ull);
}

void keyhandler_register(char key, const char *what, keyhandler_fn fn)
{
    if (nr_handlers == MAX_HANDLERS) {
        log_err("keys: no room for key '%c'\n", key);
        return;
    }
    handlers[nr_handlers++] = (typeof(handlers[0])){ key, what, fn };
}

/* Each domain on the list now, with a reference held while fn runs. */
static void for_each_domain(void (*fn)(struct domain *d))
{
    uint16_t ids[64];
    unsigned n = domain_list_ids(ids, 64);

    for (unsigned i = 0; i < n; i++) {
        struct domain *d = domain_get_any(ids[i]);  /* preserved ones too */
        if (!d)
            continue;       /* destroyed since the snapshot */
        fn(d);
        domain_put(d);
    }
}

/* ---- 'm' ---- */

static void show_memory(void)
{
    log_info("mem: %lu of %lu frames free; hypervisor uses %lu KiB\n", (unsigned long)mm_free_frames(),
             (unsigned long)mm_total_frames(), (unsigned long)mm_hv_used_kib());
    for (unsigned t = 0; t < HEAP_NR_TAGS; t++) {
        struct heap_stats s;
        heap_get_stats(t, &s);
        if (s.objects)
            log_info("mem: heap %-8s %lu objects, %lu bytes\n", heap_tag_name(t), (unsigned long)s.objects,
                     (unsigned long)s.bytes);
    }
}

/* ---- 'q' ---- */

static const char *shutdown_name(int reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
    return reason >= 0 && reason < (int)(sizeof(names) / sizeof(names[0])) ? names[reason] : "?";
}

/* As Xen's 'q': each domain's state and resources, its vCPUs' run states
 * and pending events, and VIRQ_DEBUG raised on every vCPU (a Linux guest
 * answers with a dump of its own event state). */
static void show_domain(struct domain *d)
{
    struct evtchn_stats st;
    int state = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
    uint64_t started = __atomic_load_n(&d->started_ns, __ATOMIC_ACQUIRE);

    evtchn_get_stats(d, &st);
    if (state == DOMAIN_RUNNING)
        domain_log(d, LOG_INFO, "%s, running %lu ms, restarts %u\n", d->type == DOMCFG_PVH ? "PVH" : d->type == DOMCFG_PV ? "PV" : "HVM",
                   (unsigned long)(started ? (now_ns() - started) / 1000000 : 0), d->restarts);
    else
        domain_log(d, LOG_INFO, "%s, shut down (%s), restarts %u\n", d->type == DOMCFG_PVH ? "PVH" : d->type == DOMCFG_PV ? "PV" : "HVM",
                   shutdown_name(__atomic_load_n(&d->shutdown_reason, __ATOMIC_ACQUIRE)), d->restarts);
    domain_log(d, LOG_INFO, "pages %lu of max %lu (%lu MiB RAM)\n", (unsigned long)d->tot_pages,
               (unsigned long)d->max_pages, (unsigned long)(d->mem_bytes >> 20));
    domain_log(d, LOG_INFO, "evtchn (%s): %u of %u open (%u interdomain, %u VIRQ, %u IPI, %u unbound), %u pending\n",
               st.fifo ? "FIFO" : "2-level", st.open, st.max_ports, st.interdomain, st.virq, st.ipi, st.unbound,
               st.pending);
    for (unsigned v = 0; v < d->nr_vcpus; v++) {
        struct vcpu *vc = d->vcpus[v];
        if (!vc)
            continue;
        struct vcpu_info *vi = __atomic_load_n(&vc->vcpu_info, __ATOMIC_ACQUIRE);
        char polled[48] = "";
        if (__atomic_load_n(&vc->polling, __ATOMIC_ACQUIRE)) {
            unsigned n = READ_ONCE(vc->nr_poll_ports);
            const uint32_t *pp = vc->poll_ports;
            if (n == 0)
                fmt_snprintf(polled, sizeof(polled), " (no ports)");
            else if (n == 1)
                fmt_snprintf(polled, sizeof(polled), " (port %u)", pp[0]);
            else
                fmt_snprintf(polled, sizeof(polled), " (ports %u, %u%s)", pp[0], pp[1], n > 2 ? ", ..." : "");
        }
        domain_log(d, LOG_INFO, "v%u: %s%s, cpu%u, upcall pending %u mask %u, ran %lu ms\n", v,
                   sched_vcpu_state_name(vc), polled, READ_ONCE(vc->processor),
                   vi ? __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED) : 0,
                   vi ? __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED) : 0,
                   (unsigned long)(READ_ONCE(vc->runtime_ns) / 1000000));
        evtchn_send_virq(vc, VIRQ_DEBUG);
    }
}

static void show_domains(void)
{
    log_info("domains: %u alive, %u created since boot\n", domains_alive(), domains_ever_created());
    for_each_domain(show_domain);
}

/* ---- 'e', 'g' ---- */

/* Static wrappers: the hypervisor is linked high, where the address of an
 * extern function cannot be taken through the GOT (no -fno-pie relaxation). */
static void evtchn_one(struct domain *d) { evtchn_dump_domain(d); }
static void gnttab_one(struct domain *d) { gnttab_dump_domain(d); }
static void show_runqueues(void) { sched_print_stats(); }

static void show_evtchns(void)
{
    for_each_domain(evtchn_one);
}

static void show_grants(void)
{
    for_each_domain(gnttab_one);
}

/* ---- 't' ---- */

static void show_domain_time(struct domain *d)
{
    uint64_t sys = time_info_system_ns(d);
    struct shared_info *si = d->shared_info;
    uint64_t wc = si ? ((uint64_t)__atomic_load_n(&si->wc_sec_hi, __ATOMIC_RELAXED) << 32) |
                           __atomic_load_n(&si->wc_sec, __ATOMIC_RELAXED) : 0;

    domain_log(d, LOG_INFO, "system time %lu.%06lu s, wallclock base %lu s (unix)\n",
               (unsigned long)(sys / 1000000000), (unsigned long)(sys / 1000 % 1000000), (unsigned long)wc);
    for (unsigned v = 0; v < d->nr_vcpus; v++) {
        struct vcpu *vc = d->vcpus[v];
        if (!vc)
            continue;
        bool one = READ_ONCE(vc->guest_timer.active), per = READ_ONCE(vc->periodic_timer.active);
        uint64_t when = READ_ONCE(vc->guest_timer.expires), now = now_ns();
        if (one)
            domain_log(d, LOG_INFO, "v%u: single-shot timer in %ld us%s\n", v,
                       (long)((int64_t)(when - now) / 1000), per ? "; periodic timer on" : "");
        else
            domain_log(d, LOG_INFO, "v%u: no single-shot timer%s\n", v, per ? "; periodic timer on" : "");
    }
}

static void show_time(void)
{
    uint64_t now = now_ns();

    log_info("time: up %lu.%06lu s, TSC %lu kHz\n", (unsigned long)(now / 1000000000),
             (unsigned long)(now / 1000 % 1000000), (unsigned long)tsc_khz());
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online)
            continue;
        uint64_t first;
        unsigned n = timer_queue_info(c, &first);
        if (n && first < now)
            log_info("time: cpu%u %u timers, first overdue by %lu us\n", c, n, (unsigned long)((now - first) / 1000));
        else if (n)
            log_info("time: cpu%u %u timers, first in %lu us\n", c, n, (unsigned long)((first - now) / 1000));
        else
            log_info("time: cpu%u no timers\n", c);
    }
    for_each_domain(show_domain_time);
}

/* ---- the table ---- */

static void show_help(void)
{
    for (unsigned i = 0; i < nr_handlers; i++) {
        bool first = true;
        for (unsigned j = 0; j < i; j++)
            first &= handlers[j].key != handlers[i].key;
        if (first)
            log_info("key '%c': %s\n", handlers[i].key, handlers[i].what);
    }
}

void keyhandler_run(char key)
{
    const char *what = NULL;

    for (unsigned i = 0; i < nr_handlers && !what; i++)
        if (handlers[i].key == key)
            what = handlers[i].what;
    if (!what)
        return;         /* not a key: typing stray letters does nothing */
    log_info("key '%c': %s\n", key, what);
    for (unsigned i = 0; i < nr_handlers; i++)
        if (handlers[i].key == key)
            handlers[i].fn();
    log_info("key '%c': end\n", key);
}

static void keyhandler_key(char c)
{
    keyhandler_run(c);
}

void keyhandler_init(void)
{
    /* 'h' lists keys in registration order: these, then those of hvm/
     * (registered at hvm_init, which runs later). */
    keyhandler_register('h', "this help", show_help);
    keyhandler_register('e', "event channels of every domain", show_evtchns);
    keyhandler_register('g', "grant tables of every domain", show_grants);
    keyhandler_register('m', "memory and heap use", show_memory);
    keyhandler_register('q', "domains: state, pages, vCPUs, pending events; sends VIRQ_DEBUG", show_domains);
    keyhandler_register('r', "run queues", show_runqueues);
    keyhandler_register('t', "time: uptime, TSC, timers, each domain's clock", show_time);
    console_input_start(keyhandler_key);
    /* The check is registered by hvm/ at hvm_init, which may come later.
     * It runs on the last CPU, not CPU 0, where the scheduler puts the first
     * vCPU: under Bochs (VMX) a CPU spinning in a guest was seen to take no
     * timer interrupt at all, so a check on that CPU would never run. */
    if (keyhandler_hang_report_s) {
        unsigned last = 0;
        for (unsigned c = 0; c < RV_MAX_CPUS; c++)
            if (percpu_of[c] && percpu_of[c]->online)
                last = c;
        log_info("keys: a domain without progress for %u s gets its 'd' dump (hang_report, checked on cpu%u)\n",
                 keyhandler_hang_report_s, last);
        timer_init(&progress_timer, progress_tick, NULL, last);
        timer_set(&progress_timer, now_ns() + 1000000000ull);
    }
}
