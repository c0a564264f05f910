/*
 * Domain life cycle: build from a config (memory, p2m, kernel, vCPUs), shut
 * down (vCPUs taken off their CPUs), reap (everything freed once no CPU runs
 * any of its vCPUs).
 */
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/sched.h"
#include "core/smp.h"
#include "core/softirq.h"
#include "core/console.h"
#include "core/percpu.h"
#include "hvm/hvm.h"
#include "hvm/platform.h"
#include "hvm/vlapic.h"
#include "hvm/loader.h"
#include "hvm/e820.h"
#include "mm/mm.h"
#include "core/pvconsole.h"
#include "core/time_info.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "arch/x86/time.h"
#include "core/emu_exit.h"
#include "arch/x86/asm.h"
#include "core/watchdog.h"
#include "mm/frame.h"
#include <stdarg.h>

/* domain_list_lock guards domain_list, next_domid and the counters below;
 * taken before any run-queue lock; IRQ-safe because the reaper runs as a
 * softirq on interrupt exit. */
spinlock_t domain_list_lock = SPINLOCK_INIT;
static struct domain *domain_list;         /* (d) */
static uint16_t next_domid = 1;            /* (d) */
static unsigned nr_alive, nr_poweroff, nr_crashed;   /* (d) */
static unsigned nr_created;                           /* (d) ever started */
static bool all_stopped_reported;                     /* (d) the hook ran */
static struct timer reap_timer;                       /* CPU 0: the reaper's next round after a rebuild */
#define REAP_PAUSE_NS 1000000ull
static void (*all_stopped_hook)(unsigned poweroff, unsigned crashed);  /* (i) */

static const char *const reason_names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog" };

void domain_log(struct domain *d, int level, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(level, "(d%u %s) %s", d->domid, d->name, buf);
}

void domain_set_all_stopped_hook(void (*fn)(unsigned, unsigned))
{
    all_stopped_hook = fn;
}

/* Remember a RAM block: it is freed at destruction whatever the p2m maps at
 * its address by then (a grant or shared page may hide it). */
int domain_note_ram(struct domain *d, uint64_t mfn, unsigned order)
{
    if (d->nr_ram == d->ram_cap) {
        unsigned cap = d->ram_cap ? d->ram_cap * 2 : 64;
        struct ram_block *n = xmalloc(cap * sizeof(*n), HEAP_CORE);
        if (!n)
            return -ENOMEM;
        if (d->ram)
            memcpy(n, d->ram, d->nr_ram * sizeof(*n));
        xfree(d->ram);
        d->ram = n;
        d->ram_cap = cap;
    }
    d->ram[d->nr_ram++] = (struct ram_block){ mfn, order };
    return 0;
}

/* Guest RAM: 1 GiB and 2 MiB blocks where alignment and the allocator
 * allow (fewer p2m levels, fewer TLB misses), 4 KiB pages otherwise.  The
 * ranges are those of the guest's memory map (hvm/e820.h): everything below
 * min(bytes, GPA_LOWMEM_LIMIT), 0xA0000-0xFFFFF included (the BIOS area
 * holds the ACPI tables), and the rest from 4 GiB up. */
static int alloc_guest_ram_range(struct domain *d, uint64_t gpa, uint64_t end)
{
    while (gpa < end) {
        uint64_t left = end - gpa;
        unsigned order = 0;
        /* Block sizes the nested page tables of this CPU support. */
        if (!hvm_vendor->p2m_no_1g && IS_ALIGNED(gpa, GiB(1)) && left >= GiB(1))
            order = 18;
        else if (!hvm_vendor->p2m_no_2m && IS_ALIGNED(gpa, MiB(2)) && left >= MiB(2))
            order = 9;
        void *mem = alloc_pages(order, d->domid);
        while (!mem && order) {
            order = order == 18 && !hvm_vendor->p2m_no_2m ? 9 : 0;    /* fragmented: smaller blocks */
            mem = alloc_pages(order, d->domid);
        }
        if (!mem)
            return -ENOMEM;
        if (domain_note_ram(d, virt_to_phys(mem) >> 12, order)) {
            free_pages(mem, order);
            return -ENOMEM;
        }
        int rc = p2m_set_entry(&d->p2m, gpa >> 12, virt_to_phys(mem) >> 12, order, P2M_R | P2M_W | P2M_X);
        if (rc)
            return rc;      /* freed with the other blocks by destroy() */
        gpa += 4096ull << order;
    }
    return 0;
}

static int alloc_guest_ram(struct domain *d, uint64_t bytes)
{
    uint64_t ranges[2][2];
    unsigned n = e820_ram_ranges(bytes, ranges);

    for (unsigned i = 0; i < n; i++) {
        int rc = alloc_guest_ram_range(d, ranges[i][0], ranges[i][1]);
        if (rc)
            return rc;
    }
    return 0;
}

const char *domain_state_name(int state)
{
    switch (state) {
    case DOMAIN_RUNNING:   return "running";
    case DOMAIN_SHUTDOWN:  return "shutting down";
    case DOMAIN_PRESERVED: return "preserved";
    case DOMAIN_DEAD:      return "dead";
    }
    return "?";
}

/* Read without mm's lock: a frame's owner changes only when it is allocated
 * or freed, and the domains this is asked about allocate nothing meanwhile
 * (stopped, or just built); other domains' frames may change under us but
 * are not counted either way. */
uint64_t domain_frames_owned(uint16_t domid)
{
    uint64_t n = 0;
    struct frame *f;

    for (uint64_t pfn = 0; (f = pfn_to_frame(pfn)) != NULL; pfn++)
        if (!(READ_ONCE(f->flags) & (FRAME_F_FREE | FRAME_F_RESERVED)) && READ_ONCE(f->owner) == domid)
            n++;
    return n;
}

static void destroy(struct domain *d)
{
    /* The console back end first (it drains the ring into the log), then
     * device timers and vLAPICs: nothing may fire into a vCPU being freed. */
    watchdog_domain_destroy(d);
    pvconsole_destroy(d);
    hvm_platform_destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && v->guest_timer.fn)
            timer_kill(&v->guest_timer);
        if (v && v->periodic_timer.fn)
            timer_kill(&v->periodic_timer);
        if (v && v->poll_timer.fn)
            timer_kill(&v->poll_timer);
    }
    /* Other domains' handles on d (interdomain ports, mappings d holds of
     * their grants) are undone before the memory they point into goes. */
    evtchn_domain_destroy(d);
    gnttab_domain_destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        hvm_print_exit_stats(v);
        hvm_vendor->vcpu_destroy(v);
        xfree(v->vcpu_info_spare);
        xfree(v);
    }
    p2m_teardown(&d->p2m, NULL, NULL);
    uint64_t orphans = 0;
    for (unsigned i = 0; i < d->nr_ram; i++)
        orphans += free_domain_pages(d->ram[i].mfn, d->ram[i].order);
    if (orphans)
        domain_log(d, LOG_INFO, "%lu page(s) still mapped by other domains: freed when they unmap them\n",
                   (unsigned long)orphans);
    xfree(d->ram);
    if (d->shared_info)
        free_pages(d->shared_info, 0);
    d->state = DOMAIN_DEAD;
    if (d->started_ns && d->stopped_ns >= d->started_ns)
        domain_log(d, LOG_INFO, "alive %lu ms from start to shutdown\n",
                   (unsigned long)((d->stopped_ns - d->started_ns) / 1000000));
    domain_log(d, LOG_INFO, "destroyed\n");
    xfree(d->cfg);
    xfree(d);
}

/* Builds and starts a domain; restarts/quick_restarts are its history when
 * it replaces a restarted one (0 for a first boot): set before any vCPU
 * runs, as the guest can read the restart count (XENVER_guest_handle). */
static struct domain *domain_build(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                                   unsigned restarts, unsigned quick_restarts)
{
    struct domain *d;
    char err[160] = "";
    int rc;

    if (!hvm_available()) {
        log_err("domain %s: no HVM support on this CPU; not started\n", cfg->name);
        return NULL;
    }
    if (cfg->type != DOMCFG_HVM && cfg->type != DOMCFG_PVH) {
        log_err("domain %s: type = \"pv\" is not supported yet (hvm and pvh are); not started\n", cfg->name);
        return NULL;
    }
    if (cfg->vcpus == 0 || cfg->vcpus > MAX_VCPUS) {
        log_err("domain %s: vcpus = %u out of range 1-%u\n", cfg->name, cfg->vcpus, MAX_VCPUS);
        return NULL;
    }
    d = xzalloc(sizeof(*d), HEAP_CORE);
    if (!d)
        goto nomem;
    strlcpy(d->name, cfg->name, sizeof(d->name));
    d->uart_lock = (spinlock_t)SPINLOCK_INIT;
    d->physmap_lock = (spinlock_t)SPINLOCK_INIT;
    d->params_lock = (spinlock_t)SPINLOCK_INIT;
    d->xen_pages_lock = (spinlock_t)SPINLOCK_INIT;
    d->restarts = restarts;
    d->quick_restarts = quick_restarts;
    /* As Xen for every HVM/PVH domain: a triple fault is a reboot request
     * unless the toolstack says otherwise (the guest cannot change it). */
    d->hvm_params[HVM_PARAM_TRIPLE_FAULT_REASON] = SHUTDOWN_reboot;
    watchdog_domain_init(d);
    d->shinfo_slot.gfn = ~0ull;
    for (unsigned i = 0; i < ARRAY_SIZE(d->gnt_slots); i++)
        d->gnt_slots[i].gfn = ~0ull;
    d->type = cfg->type;
    /* A PVH guest finds the hypervisor through CPUID by definition. */
    d->hide_hypervisor_cpuid = cfg->hide_hypervisor_cpuid && cfg->type == DOMCFG_HVM;
    d->cfg = xzalloc(sizeof(*d->cfg), HEAP_CORE);
    if (!d->cfg) {
        xfree(d);
        goto nomem;
    }
    *d->cfg = *cfg;
    d->mods = mods;
    d->nr_mods = nr_mods;
    d->mem_bytes = cfg->memory_mib << 20;
    d->tot_pages = d->mem_bytes >> 12;
    d->max_pages = MAX(cfg->maxmem_mib, cfg->memory_mib) << 8;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    d->domid = next_domid++;
    spin_unlock_irqrestore(&domain_list_lock, lf);

    if (p2m_init(&d->p2m, d->domid))
        goto nomem_d;
    d->shared_info = alloc_pages(0, DOMID_XEN);
    if (!d->shared_info)
        goto nomem_fail;
    d->shared_info_mfn = virt_to_phys(d->shared_info) >> 12;
    if (alloc_guest_ram(d, d->mem_bytes)) {
        log_err("domain %s: not enough memory for %lu MiB of RAM\n", cfg->name, (unsigned long)cfg->memory_mib);
        goto fail;
    }
    struct loaded_kernel lk;
    rc = loader_load(d, cfg, mods, nr_mods, &lk, err, sizeof(err));
    if (rc) {
        log_err("domain %s: %s\n", cfg->name, err);
        goto fail;
    }

    d->nr_vcpus = cfg->vcpus;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = xzalloc(sizeof(*v), HEAP_CORE);
        if (!v)
            goto nomem_fail;
        d->vcpus[i] = v;
        v->domain = d;
        v->vcpu_id = i;
        v->tlb_cpu = -1;
        v->vcpu_info_gfn = ~0ull;
        /* vCPUs beyond the shared_info slots get a private record until
         * they register one (VCPUOP_register_vcpu_info), as with Xen. */
        if (i < XEN_LEGACY_MAX_VCPUS) {
            v->vcpu_info = &d->shared_info->vcpu_info[i];
        } else {
            v->vcpu_info_spare = xzalloc(sizeof(struct vcpu_info), HEAP_CORE);
            if (!v->vcpu_info_spare) {
                xfree(v);
                d->vcpus[i] = NULL;
                goto nomem_fail;
            }
            v->vcpu_info = v->vcpu_info_spare;
        }
        v->weight = cfg->cpu_weight;
        v->affinity = cfg->cpus_mask[0];
        if (hvm_vendor->vcpu_create(v)) {
            xfree(v->vcpu_info_spare);
            xfree(v);
            d->vcpus[i] = NULL;
            goto nomem_fail;
        }
        loader_init_vcpu(v, &lk);
    }
    rc = hvm_platform_create(d);
    if (rc) {
        log_err("domain %s: cannot create the virtual platform (%d)\n", cfg->name, rc);
        goto fail;
    }
    if (lk.aps_wait_for_sipi)
        for (unsigned i = 1; i < d->nr_vcpus; i++)
            vlapic_set_wait_sipi(d->vcpus[i]);
    time_info_init_domain(d);
    if ((rc = evtchn_domain_init(d, cfg->max_event_channels)) ||
        (rc = gnttab_domain_init(d, cfg->max_grant_frames, cfg->max_maptrack_frames))) {
        log_err("domain %s: cannot set up event channels / grant tables (%d)\n", cfg->name, rc);
        goto fail;
    }
    if (lk.pvh && lk.console_gfn && (rc = pvconsole_create(d, lk.console_gfn))) {
        log_err("domain %s: cannot set up the PV console (%d)\n", cfg->name, rc);
        goto fail;
    }
    d->nr_vcpus_live = (int)d->nr_vcpus;
    d->state = DOMAIN_RUNNING;
    /* The restart check compares what the new domain owns with what the
     * old one did (a scan of the frame table: only for restarts). */
    if (restarts)
        d->frames_at_create = domain_frames_owned(d->domid);

    lf = spin_lock_irqsave(&domain_list_lock);
    d->next = domain_list;
    domain_list = d;
    nr_alive++;
    nr_created++;
    spin_unlock_irqrestore(&domain_list_lock, lf);

    domain_log(d, LOG_INFO, "created: %lu MiB, %u vCPU(s), kernel %s entry %#lx (p2m: %lu x 1G, %lu x 2M, %lu x 4K)\n",
               (unsigned long)cfg->memory_mib, d->nr_vcpus, cfg->kernel, (unsigned long)lk.entry,
               (unsigned long)d->p2m.nr_1g, (unsigned long)d->p2m.nr_2m, (unsigned long)d->p2m.nr_4k);
    /* Boot domains cannot run before the scheduler starts: their clock is
     * started then (domain_mark_boot_domains_started). */
    if (sched_active)
        d->started_ns = now_ns();
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_start_vcpu(d->vcpus[i]);
    return d;

nomem_fail:
    log_err("domain %s: out of memory while creating vCPUs\n", cfg->name);
fail:
    destroy(d);
    return NULL;
nomem_d:
    xfree(d);
nomem:
    log_err("domain %s: out of memory\n", cfg->name);
    return NULL;
}

struct domain *domain_create(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods)
{
    return domain_build(cfg, mods, nr_mods, 0, 0);
}

int domain_pause(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_pause_vcpu(d->vcpus[i]);
    /* Synchronous, as a toolstack expects: return once no vCPU is on a CPU
     * (each leaves at its next exit, within one slice of the kick). */
    uint64_t give_up = now_ns() + 5000000000ull;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        while (sched_vcpu_running(d->vcpus[i]))
            if (now_ns() > give_up)
                return -ETIMEDOUT;
    return 0;
}

void domain_unpause(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_unpause_vcpu(d->vcpus[i]);
}

/* A domain with a vCPU on a CPU right now, held (caller must release with
 * domain_put_running) so it cannot be destroyed meanwhile; NULL if none. */
struct domain *domain_get_running(void)
{
    struct domain *found = NULL;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain *d = domain_list; d && !found; d = d->next) {
        if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
            continue;
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (sched_vcpu_running(d->vcpus[i])) {
                found = d;
                /* Holding a live-vCPU count keeps the reaper away. */
                __atomic_add_fetch(&d->nr_vcpus_live, 1, __ATOMIC_SEQ_CST);
                break;
            }
    }
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return found;
}

struct domain *domain_get_by_id(uint16_t domid)
{
    struct domain *found = NULL;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->domid == domid && __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_RUNNING) {
            /* Under the list lock: the reaper unlinks only domains with no
             * references, under the same lock. */
            __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);
            found = d;
            break;
        }
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return found;
}

unsigned domain_list_ids(uint16_t *ids, unsigned max)
{
    unsigned n = 0;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain *d = domain_list; d && n < max; d = d->next)
        ids[n++] = d->domid;
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return n;
}

struct domain *domain_get_any(uint16_t domid)
{
    struct domain *found = NULL;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    /* Only domains on the list: the reaper unlinks one (under this lock)
     * only when it holds no references, so it cannot be freed under us. */
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->domid == domid) {
            __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);
            found = d;
            break;
        }
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return found;
}

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        cpu_raise_softirq(0, SOFTIRQ_REAP);
}

void domain_put_running(struct domain *d)
{
    if (__atomic_sub_fetch(&d->nr_vcpus_live, 1, __ATOMIC_SEQ_CST) == 0)
        cpu_raise_softirq(0, SOFTIRQ_REAP);
}

void domain_shutdown(struct domain *d, int reason)
{
    int expect = DOMAIN_RUNNING;

    if (!__atomic_compare_exchange_n(&d->state, &expect, DOMAIN_SHUTDOWN, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return;     /* already stopping */
    d->shutdown_reason = reason;
    d->stopped_ns = now_ns();
    /* A half line of UART output is shown now; the PV console's last bytes
     * may still be in its ring: pvconsole_destroy drains and flushes them. */
    if (!d->pvcon) {
        uint64_t f = spin_lock_irqsave(&d->uart_lock);
        vuart_flush(d);
        spin_unlock_irqrestore(&d->uart_lock, f);
    }
    if (reason == SHUTDOWN_crash)
        domain_log(d, LOG_ERR, "crashed\n");
    else
        domain_log(d, LOG_INFO, "shut down (%s)\n", reason_names[reason]);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_stop_vcpu(d->vcpus[i]);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    domain_log(d, LOG_ERR, "crash: %s\n", buf);
    domain_shutdown(d, SHUTDOWN_crash);
}

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

static void count_stopped(bool crashed)
{
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    if (crashed)
        nr_crashed++;
    else
        nr_poweroff++;
    spin_unlock_irqrestore(&domain_list_lock, lf);
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
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    if (new_name)
        strlcpy(d->name, new_name, sizeof(d->name));
    __atomic_store_n(&d->state, DOMAIN_PRESERVED, __ATOMIC_RELEASE);
    d->next = domain_list;
    domain_list = d;
    spin_unlock_irqrestore(&domain_list_lock, lf);
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
        bool taken = false;
        uint64_t lf = spin_lock_irqsave(&domain_list_lock);
        for (struct domain *o = domain_list; o && !taken; o = o->next)
            taken = !strcmp(o->name, out);
        spin_unlock_irqrestore(&domain_list_lock, lf);
        if (!taken)
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
            destroy(d);
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
        destroy(d);
        /* Every frame of the old domain back before the new one is built
         * (frames another domain still maps stay orphans until unmapped:
         * destroy() said how many). */
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
        struct domain *found = NULL;
        bool busy = false;
        uint64_t lf = spin_lock_irqsave(&domain_list_lock);
        for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next) {
            struct domain *d = *pp;
            if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_PRESERVED)
                continue;
            if (__atomic_load_n(&d->refcnt, __ATOMIC_ACQUIRE)) {
                busy = true;
                continue;
            }
            *pp = d->next;
            found = d;
            break;
        }
        spin_unlock_irqrestore(&domain_list_lock, lf);
        if (found) {
            domain_log(found, LOG_INFO, "run over: destroying the preserved domain (%lu frames owned)\n",
                       (unsigned long)domain_frames_owned(found->domid));
            destroy(found);
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

void domain_reap(void)
{
    for (;;) {
        struct domain *dead = NULL;
        uint64_t lf = spin_lock_irqsave(&domain_list_lock);
        for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
            if (__atomic_load_n(&(*pp)->state, __ATOMIC_ACQUIRE) == DOMAIN_SHUTDOWN &&
                __atomic_load_n(&(*pp)->nr_vcpus_live, __ATOMIC_ACQUIRE) == 0 &&
                __atomic_load_n(&(*pp)->refcnt, __ATOMIC_ACQUIRE) == 0) {
                dead = *pp;
                *pp = dead->next;
                break;
            }
        if (!dead) {
            bool report = nr_alive == 0 && nr_created && !all_stopped_reported;
            spin_unlock_irqrestore(&domain_list_lock, lf);
            if (!report)
                return;
            break;
        }
        nr_alive--;
        spin_unlock_irqrestore(&domain_list_lock, lf);

        const char *key;
        enum domcfg_action act = action_for(dead, &key), configured = act;
        bool crashed = dead->shutdown_reason == SHUTDOWN_crash;
        domain_log(dead, LOG_INFO, "%s = %s\n", key, domcfg_action_name(act));
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
            count_stopped(crashed);
            break;
        case DOMCFG_RESTART:
        case DOMCFG_RENAME_RESTART:
            /* The old domain is not counted (its successor will be); a
             * failed rebuild counts as a crash. */
            if (!restart(dead, key, domcfg_action_name(configured), act == DOMCFG_RENAME_RESTART))
                count_stopped(true);
            /* A rebuild is long (all of the domain's RAM zeroed, the kernel
             * loaded: hundreds of ms under Bochs), and runs in CPU 0's
             * softirq: anything else to reap waits for reap_timer, so that
             * CPU 0's timers and vCPUs run in between. */
            timer_set(&reap_timer, now_ns() + REAP_PAUSE_NS);
            return;
        default:
            count_stopped(crashed);
            destroy(dead);
            break;
        }
    }

    /* Every domain has stopped: end of the run.  Under a test harness
     * (emu_exit) the run ends now, so preserved domains go too; otherwise
     * they stay for inspection and their frames are not back. */
    if (emu_exit_enabled)
        destroy_preserved();
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    unsigned kept = 0;
    for (struct domain *d = domain_list; d; d = d->next)
        kept += __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_PRESERVED;
    bool report = nr_alive == 0 && !all_stopped_reported;
    all_stopped_reported |= report;
    unsigned off = nr_poweroff, crashed = nr_crashed;
    spin_unlock_irqrestore(&domain_list_lock, lf);
    if (report && kept)
        log_info("domains: %u preserved domain(s) kept for inspection; their frames stay allocated\n", kept);
    if (report && all_stopped_hook)
        all_stopped_hook(off, crashed);
}

unsigned domains_ever_created(void)
{
    return READ_ONCE(nr_created);
}

unsigned domains_alive(void)
{
    return READ_ONCE(nr_alive);
}

void domain_mark_boot_domains_started(void)
{
    uint64_t now = now_ns();
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        if (!d->started_ns)
            d->started_ns = now;
    spin_unlock_irqrestore(&domain_list_lock, lf);
}

static void reap_softirq(void)
{
    domain_reap();
}

static void reap_timer_fn(void *unused)
{
    raise_softirq(SOFTIRQ_REAP);        /* on CPU 0, where the reaper runs */
}

void domain_subsys_init(void)
{
    open_softirq(SOFTIRQ_REAP, reap_softirq);
    timer_init(&reap_timer, reap_timer_fn, NULL, 0);
}
