/*
 * Reboot and crash policy: what happens to a domain once it has shut down
 * and no CPU runs any of its vCPUs (the reaper, a softirq on CPU 0).  The
 * domain list itself belongs to core/domain.c (domain_policy.h).
 */
#include "core/domain.h"
#include "core/domain_policy.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "core/softirq.h"
#include "core/time_info.h"
#include "core/emu_exit.h"
#include "core/watchdog.h"
#include "evtchn/evtchn.h"
#include "public/event_channel.h"
#include "mm/mm.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"
#include "lib/fmt.h"
#include "lib/string.h"

static struct timer reap_timer;     /* CPU 0: the reaper's next round after a rebuild; timer's own locking */
static bool host_going_down;        /* (CPU 0, the reaper) the initial domain shut down: no domain is rebuilt */

/*
 * The initial domain shut down (docs/dom0.md): as on a Xen host, that ends
 * the host.  dom0 itself is destroyed whatever its on_* keys say (it is
 * never rebuilt: domain id 0 is handed out once), every other domain is
 * shut down (poweroff) and destroyed as it stops, so the run ends once they
 * are gone (emu_exit: the emulator exits; on a real machine the host stays
 * idle, as after the last domain).
 */
static void host_down(struct domain *dom0)
{
    uint16_t ids[64];
    unsigned n, others = 0;

    host_going_down = true;
    do {
        n = domain_list_ids(ids, ARRAY_SIZE(ids));
        unsigned asked = 0;
        for (unsigned i = 0; i < n; i++) {
            if (ids[i] == dom0->domid)
                continue;
            struct domain *d = domain_get_by_id(ids[i]);   /* running ones only */
            if (!d)
                continue;
            domain_shutdown(d, SHUTDOWN_poweroff);
            domain_put(d);
            asked++;
        }
        others += asked;
        if (!asked)
            break;
    } while (n == ARRAY_SIZE(ids));     /* a longer list: the next 64 still running */
    domain_log(dom0, LOG_INFO, "the initial domain shut down: the host goes down (%u other domain(s) shut down)\n",
               others);
}
#define REAP_PAUSE_NS 1000000ull

/*
 * After a shutdown (the reaper, once no CPU runs any of the domain's vCPUs):
 * what xl.cfg(5) on_poweroff / on_reboot / on_crash / on_watchdog say.
 *
 *   destroy           everything freed
 *   restart           everything freed first, then the domain rebuilt from
 *                     its file (new domain id); the frame counts before and
 *                     after are logged, and rv-run checks them
 *   preserve          kept on the domain list, state DOMAIN_PRESERVED: vCPUs
 *                     parked with their registers, memory still owned, for
 *                     the debug keys; destroyed when the run ends (emu_exit)
 *   rename-restart    the old domain preserved under name-YYYYMMDDTHHMMZ (xl's
 *                     suffix, UTC), and a new one built under the old name
 *   coredump-*        no control domain to write the dump to yet: said so,
 *                     then destroy / restart
 *
 * A domain that keeps restarting right after it starts (RESTART_LOOP_MAX
 * restarts in a row, each life under RESTART_QUICK_NS of vCPU time) is
 * destroyed instead at its next restart request, so a guest that
 * triple-faults at once cannot keep the host busy forever.  It counts as
 * crashed.
 */
#define RESTART_QUICK_NS  1000000000ull
#define RESTART_LOOP_MAX  5

static enum domcfg_action action_for(const struct domain *d, const char **key)
{
    if (__atomic_load_n(&d->ctl_destroy, __ATOMIC_ACQUIRE)) {
        *key = "destroydomain";     /* the control domain's order (core/domctl.c) */
        return DOMCFG_DESTROY;
    }
    switch (d->shutdown_reason) {
    case SHUTDOWN_reboot:   *key = "on_reboot";   return d->cfg->on_reboot;
    case SHUTDOWN_crash:    *key = "on_crash";    return d->cfg->on_crash;
    case SHUTDOWN_watchdog: *key = "on_watchdog"; return d->cfg->on_watchdog;
    default:
        /* poweroff, and suspend: with no toolstack nothing would resume it. */
        *key = "on_poweroff";
        return d->cfg->on_poweroff;
    }
}

/* xl's rename-restart suffix: "-YYYYMMDDTHHMMZ" of the host's UTC time. */
static void time_suffix(char *buf, size_t size)
{
    uint64_t secs = vrtc_host_unix_now();
    int64_t days = (int64_t)(secs / 86400);
    unsigned mins = (unsigned)(secs % 86400) / 60;
    /* Civil date from days since 1970-01-01 (proleptic Gregorian): count
     * 400-year eras from 0000-03-01 so that leap days fall at era ends. */
    int64_t z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = (int64_t)yoe + era * 400 + (month <= 2);
    fmt_snprintf(buf, size, "-%04ld%02u%02uT%02u%02uZ", (long)year, month, day, mins / 60, mins % 60);
}

/* Keeps d (off the list, stopped) on the list as DOMAIN_PRESERVED,
 * renamed first if new_name is given. */
static void preserve(struct domain *d, const char *key, const char *new_name)
{
    char old[DOMAIN_NAME_MAX];

    strlcpy(old, d->name, sizeof(old));
    /* Nothing is to run for it any more: its vCPUs' timers stop (their
     * deadlines stay in place for a dump).  The device models' timers keep
     * ticking into parked vCPUs, harmlessly, until it is destroyed. */
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v->guest_timer.fn)
            timer_kill(&v->guest_timer);
        if (v->periodic_timer.fn)
            timer_kill(&v->periodic_timer);
        if (v->poll_timer.fn)
            timer_kill(&v->poll_timer);
    }
    domain_keep_preserved(d, new_name);
    if (d->cfg->ctl_built) {
        /* As on Xen: a domain the toolstack built stays shut down, its
         * reason in getdomaininfo, until the toolstack destroys it (or
         * rebuilds it, for on_reboot = "restart": rv's monitor does that,
         * tools/rv/rv_monitor.c). */
        domain_log(d, LOG_INFO, "shut down (reason %u): kept for the toolstack, %lu frames owned\n",
                   d->shutdown_reason, (unsigned long)domain_frames_owned(d->domid));
        return;
    }
    if (new_name)
        printk(LOG_INFO, "(d%u %s) renamed to %s (%s = rename-restart)\n", d->domid, old, d->name, key);
    domain_log(d, LOG_INFO, "preserved: paused, %lu frames owned, %u vCPU(s) with their state (v0 RIP %#lx)\n",
               (unsigned long)domain_frames_owned(d->domid), d->nr_vcpus, (unsigned long)d->vcpus[0]->regs.rip);
}

/* A name for the preserved half of a rename-restart that no domain on the
 * list has: name + time suffix, then "-2", "-3", ... if two renames fall in
 * the same minute. */
static void rename_target(const struct domain *d, char *out, size_t size)
{
    char suffix[24], extra[8] = "";
    time_suffix(suffix, sizeof(suffix));
    for (unsigned n = 1; n < 100; n++) {
        if (n > 1)
            fmt_snprintf(extra, sizeof(extra), "-%u", n);
        size_t room = size - 1 - strlen(suffix) - strlen(extra);
        fmt_snprintf(out, size, "%.*s%s%s", (int)room, d->name, suffix, extra);
        if (!domain_name_in_use(out))
            return;
    }
}

/* Whether restarting d once more would make more than RESTART_LOOP_MAX
 * quick restarts in a row; updates d->quick_restarts for the new domain
 * otherwise.  A life is measured in CPU time its vCPUs got, not wall time:
 * a guest that fails at once stays quick however loaded the host is. */
static bool restart_loop(struct domain *d)
{
    uint64_t ran = 0;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        ran += READ_ONCE(d->vcpus[i]->runtime_ns);      /* parked: no longer changing */
    unsigned quick = ran < RESTART_QUICK_NS ? d->quick_restarts + 1 : 0;

    if (quick > RESTART_LOOP_MAX) {
        domain_log(d, LOG_ERR, "restart loop: restarted %u times in a row, each life under %lu ms of vCPU time; "
                   "destroyed instead of restarting again\n", d->quick_restarts,
                   (unsigned long)(RESTART_QUICK_NS / 1000000));
        return true;
    }
    d->quick_restarts = quick;
    return false;
}

/* Restart: d (off the list, stopped) is destroyed, or preserved under a new
 * name (rename), and built again from its file.  Returns whether the new
 * domain started. */
static bool restart(struct domain *d, const char *key, const char *what, bool rename)
{
    const struct boot_module *mods = d->mods;
    unsigned nr_mods = d->nr_mods, restarts = d->restarts + 1, quick = d->quick_restarts;
    uint16_t old_id = d->domid;
    uint64_t owned = domain_frames_owned(old_id);
    struct domcfg *cfg;

    if (rename) {
        char name[DOMAIN_NAME_MAX];
        cfg = xmalloc(sizeof(*cfg), HEAP_CORE);
        if (!cfg) {
            domain_log(d, LOG_ERR, "out of memory for the restart: destroyed instead\n");
            domain_destroy(d);
            return false;
        }
        *cfg = *d->cfg;         /* the preserved domain keeps its own */
        rename_target(d, name, sizeof(name));
        preserve(d, key, name);
    } else {
        char name[DOMAIN_NAME_MAX];
        strlcpy(name, d->name, sizeof(name));
        cfg = d->cfg;
        d->cfg = NULL;          /* kept for the rebuild */
        uint64_t free_before = mm_free_frames();
        domain_destroy(d);
        /* Every frame of the old domain back before the new one is built
         * (frames another domain still maps stay orphans until unmapped:
         * domain_destroy() said how many). */
        printk(LOG_INFO, "(d%u %s) restart %u (%s = %s): %lu frames owned before destruction, %lu after; "
               "free frames %lu -> %lu\n", old_id, name, restarts, key, what, (unsigned long)owned,
               (unsigned long)domain_frames_owned(old_id), (unsigned long)free_before,
               (unsigned long)mm_free_frames());
    }
    struct domain *nd = domain_build(cfg, mods, nr_mods, restarts, quick);
    if (!nd) {
        log_err("domain %s: restart failed: not started again\n", cfg->name);
        xfree(cfg);
        return false;
    }
    xfree(cfg);
    domain_log(nd, LOG_INFO, "rebuilt from its file (restart %u, replaces d%u): %lu frames owned, %lu before the restart\n",
               restarts, old_id, (unsigned long)nd->frames_at_create, (unsigned long)owned);
    return true;
}

/* The run is ending (emu_exit): preserved domains are destroyed so that the
 * end-of-run check sees every frame returned.  A preserved domain a dump
 * holds a reference on is waited for (briefly). */
static void destroy_preserved(void)
{
    uint64_t give_up = now_ns() + 1000000000ull;
    for (;;) {
        bool busy;
        struct domain *found = domain_take_preserved(&busy, false);
        if (found) {
            domain_log(found, LOG_INFO, "run over: destroying the preserved domain (%lu frames owned)\n",
                       (unsigned long)domain_frames_owned(found->domid));
            domain_destroy(found);
            continue;
        }
        if (!busy)
            return;
        if (now_ns() > give_up) {
            log_err("domains: a preserved domain is still referenced: not destroyed\n");
            return;
        }
        cpu_relax();
    }
}

/* VIRQ_DOM_EXC to the control domain, as Xen raises it when a domain has
 * shut down or been destroyed: its xenstored then asks getdomaininfo about
 * every domain it serves and releases the ones that are gone
 * (docs/toolstack.md).  Sent once the on_* action is done, so the domain
 * is already gone (destroy, restart) or shut down (preserve) when asked.
 * Nothing if dom0 is the one that stopped or does not exist. */
static void notify_dom_exc(void)
{
    struct domain *d0 = domain_get_by_id(0);

    if (!d0)
        return;
    evtchn_send_global_virq(d0, VIRQ_DOM_EXC);
    domain_put(d0);
}

/* A shut-down domain kept for the toolstack (or preserved) that the
 * control domain has since destroyed (destroydomain marks it and raises
 * the reaper): one per round, as for any destroy.  True if one went. */
static bool reap_destroyed_kept(void)
{
    bool busy;
    struct domain *d = domain_take_preserved(&busy, true);
    if (!d) {
        if (busy)       /* someone (a domctl, a dump) still holds it: look again shortly */
            timer_set(&reap_timer, now_ns() + REAP_PAUSE_NS);
        return false;
    }
    domain_log(d, LOG_INFO, "destroyed by the control domain after its shutdown (%lu frames owned)\n",
               (unsigned long)domain_frames_owned(d->domid));
    domain_destroy(d);
    notify_dom_exc();
    timer_set(&reap_timer, now_ns() + REAP_PAUSE_NS);
    return true;
}

void domain_reap(void)
{
    if (reap_destroyed_kept())
        return;
    for (;;) {
        struct domain *dead = domain_take_stopped();
        if (!dead) {
            if (!domain_all_stopped_due())
                return;
            break;
        }

        const char *key;
        enum domcfg_action act = action_for(dead, &key), configured = act;
        bool crashed = dead->shutdown_reason == SHUTDOWN_crash;
        domain_log(dead, LOG_INFO, "%s = %s\n", key, domcfg_action_name(act));
        if (domain_is_privileged(dead) && !host_going_down)
            host_down(dead);
        if (host_going_down && act != DOMCFG_DESTROY) {
            domain_log(dead, LOG_INFO, "acting as destroy: the host is going down\n");
            act = configured = DOMCFG_DESTROY;
        }
        watchdog_domain_destroy(dead);      /* a stopped domain has nothing left to watch */
        if (act == DOMCFG_COREDUMP_DESTROY || act == DOMCFG_COREDUMP_RESTART) {
            act = act == DOMCFG_COREDUMP_DESTROY ? DOMCFG_DESTROY : DOMCFG_RESTART;
            domain_log(dead, LOG_WARN, "core dump not written: it waits for a control domain to write it to "
                       "(none yet); acting as %s\n", domcfg_action_name(act));
        }
        if ((act == DOMCFG_RESTART || act == DOMCFG_RENAME_RESTART) && restart_loop(dead)) {
            act = DOMCFG_DESTROY;
            crashed = true;
        }
        switch (act) {
        case DOMCFG_PRESERVE:
            preserve(dead, key, NULL);
            domain_count_stopped(crashed);
            notify_dom_exc();
            break;
        case DOMCFG_RESTART:
        case DOMCFG_RENAME_RESTART:
            /* The old domain is not counted (its successor will be); a
             * failed rebuild counts as a crash. */
            if (!restart(dead, key, domcfg_action_name(configured), act == DOMCFG_RENAME_RESTART))
                domain_count_stopped(true);
            notify_dom_exc();
            /* A rebuild is long (all of the domain's RAM zeroed, the kernel
             * loaded: hundreds of ms under Bochs), and runs in CPU 0's
             * softirq: anything else to reap waits for reap_timer, so that
             * CPU 0's timers and vCPUs run in between. */
            timer_set(&reap_timer, now_ns() + REAP_PAUSE_NS);
            return;
        default:
            domain_count_stopped(crashed);
            domain_destroy(dead);
            notify_dom_exc();
            /* One destroy per round, as for a rebuild: a destroy takes
             * milliseconds (tens under Bochs), and when many domains stop
             * at once, destroying them all in one softirq held CPU 0's
             * timers back for seconds (a neighbour's vHPET periodic timer
             * missed a whole 3 s window).  The next round comes from
             * reap_timer, after CPU 0's timers and vCPUs have run. */
            timer_set(&reap_timer, now_ns() + REAP_PAUSE_NS);
            return;
        }
    }

    /* Every domain has stopped: end of the run.  Under a test harness
     * (emu_exit) the run ends now, so preserved domains go too; otherwise
     * they stay for inspection and their frames are not back. */
    if (emu_exit_enabled)
        destroy_preserved();
    domain_report_all_stopped();
}

static void reap_timer_fn(void *unused)
{
    raise_softirq(SOFTIRQ_REAP);        /* on CPU 0, where the reaper runs */
}

void domain_policy_init(void)
{
    timer_init(&reap_timer, reap_timer_fn, NULL, 0);
}
