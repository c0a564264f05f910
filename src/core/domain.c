/*
 * Domain life cycle: build from a config (memory, p2m, kernel, vCPUs), shut
 * down (vCPUs taken off their CPUs), reap (everything freed once no CPU runs
 * any of its vCPUs).
 */
#include "mm/logdirty.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/sched.h"
#include "core/smp.h"
#include "core/softirq.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/domain_kind.h"
#include "core/domain_console.h"
#include "mm/mm.h"
#include "core/pvconsole.h"
#include "core/time_info.h"
#include "evtchn/evtchn.h"
#include "gnttab/gnttab.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "arch/x86/time.h"
#include "core/domain_policy.h"
#include "core/watchdog.h"
#include "mm/frame.h"
#include <stdarg.h>

/* domain_list_lock guards domain_list, next_domid and the counters below;
 * taken before any run-queue lock; IRQ-safe because the reaper runs as a
 * softirq on interrupt exit. */
spinlock_t domain_list_lock = SPINLOCK_INIT;
static struct domain *domain_list;         /* (d) */
static uint16_t next_domid = 1;            /* (d) where the search for a free id starts */
/* (d) Ids held by a domain from its creation until its teardown has
 * finished (frames are freed by owner id, so an id is not handed out again
 * while frames of its last holder may still carry it).  Ids 1 ..
 * DOMID_FIRST_RESERVED - 1; 0 is the initial domain's, once. */
static uint64_t domid_busy[(DOMID_FIRST_RESERVED + 63) / 64];

void domain_set_first_id(uint16_t id)
{
    if (id >= 1 && id < DOMID_FIRST_RESERVED)
        next_domid = id;
}

/* A free id, or 0 when none is: called with domain_list_lock held. */
static uint16_t domid_alloc(void)
{
    for (unsigned n = 0; n < DOMID_FIRST_RESERVED - 1; n++) {
        uint16_t id = next_domid;
        next_domid = (unsigned)id + 1 >= DOMID_FIRST_RESERVED ? 1 : (uint16_t)(id + 1);
        if (!(domid_busy[id / 64] & (1ull << (id % 64)))) {
            domid_busy[id / 64] |= 1ull << (id % 64);
            return id;
        }
    }
    return 0;
}

static void domid_release(uint16_t id)
{
    if (id == 0 || id >= DOMID_FIRST_RESERVED)
        return;
    uint64_t f = spin_lock_irqsave(&domain_list_lock);
    domid_busy[id / 64] &= ~(1ull << (id % 64));
    spin_unlock_irqrestore(&domain_list_lock, f);
}
static bool dom0_created;                  /* (d) domain id 0 was handed out (dom0 = 1) */
static unsigned nr_alive, nr_poweroff, nr_crashed;   /* (d) */
static unsigned nr_created;                           /* (d) ever started */
static bool all_stopped_reported;                     /* (d) the hook ran */
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

void domain_destroy(struct domain *d)
{
    /* The console back end first (it drains the ring into the log), then
     * device timers and vLAPICs: nothing may fire into a vCPU being freed. */
    watchdog_domain_destroy(d);
    pvconsole_destroy(d);
    if (d->kind)
        d->kind->destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && v->guest_timer.fn)
            timer_kill(&v->guest_timer);
        if (v && v->periodic_timer.fn)
            timer_kill(&v->periodic_timer);
        if (v && v->poll_timer.fn)
            timer_kill(&v->poll_timer);
    }
    /* Pages of d that other domains map are counted now, before anything
     * of the teardown is visible to them: once its interdomain ports are
     * unbound a peer may unmap at any moment, and the count at the freeing
     * below would then depend on the race (they are freed whenever the
     * last mapping goes, either way). */
    uint64_t mapped = 0;
    for (unsigned i = 0; i < d->nr_ram; i++)
        mapped += count_referenced_pages(d->ram[i].mfn, d->ram[i].order, d->domid);
    if (mapped)
        domain_log(d, LOG_INFO, "%lu page(s) still mapped by other domains: freed when they unmap them\n",
                   (unsigned long)mapped);
    /* Other domains' handles on d (interdomain ports, mappings d holds of
     * their grants) are undone before the memory they point into goes. */
    evtchn_domain_destroy(d);
    gnttab_domain_destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        if (v->kind_created)
            d->kind->vcpu_destroy(v);
        xfree(v->vcpu_info_spare);
        xfree(v);
    }
    logdirty_domain_destroy(d);
    p2m_teardown(&d->p2m, NULL, NULL);
    for (unsigned i = 0; i < d->nr_ram; i++)
        free_domain_pages(d->ram[i].mfn, d->ram[i].order, d->domid);
    xfree(d->ram);
    /* Frames the domain got after its build without a block (PV
     * populate_physmap): a sweep, not a list that a guest's decrease and
     * populate cycles could grow without bound.  Only for a domain that
     * was given such frames: the sweep reads the whole frame table
     * (a quarter of a second per destroy under Bochs with 2 GiB), and the
     * reaper runs on CPU 0, whose timers wait meanwhile. */
    if (__atomic_load_n(&d->frames_outside_blocks, __ATOMIC_SEQ_CST))
        free_domain_leftovers(d->domid);
    /* Shared with d (mm.h): still mapped by the control domain, an orphan
     * until that mapping goes. */
    if (d->shared_info)
        free_shared_page(d->shared_info);
    d->state = DOMAIN_DEAD;
    if (d->started_ns && d->stopped_ns >= d->started_ns)
        domain_log(d, LOG_INFO, "alive %lu ms from start to shutdown\n",
                   (unsigned long)((d->stopped_ns - d->started_ns) / 1000000));
    domain_log(d, LOG_INFO, "destroyed\n");
    domid_release(d->domid);     /* every frame it owned is back: the id may be reused */
    xfree(d->cfg);
    xfree(d);
}

/* Builds and starts a domain; restarts/quick_restarts are its history when
 * it replaces a restarted one (0 for a first boot): set before any vCPU
 * runs, as the guest can read the restart count (XENVER_guest_handle). */
/* "build: 1024 MiB in 5611.044 ms (5.479 ms/MiB); RAM 5605.560 ms (5.474
 * ms/MiB), kernel 0.276 ms" (QEMU TCG): the builder's own timing, from the allocation of the
 * domain to its "created:" line (tools/rvlib/costbench.py reads it).  RAM
 * and kernel only where the kind measures them (HVM, PVH). */
static void log_build_time(struct domain *d, uint64_t ns)
{
    char parts[96] = "";
    uint64_t mib = d->mem_bytes >> 20 ? d->mem_bytes >> 20 : 1;

    if (d->build_ram_ns || d->build_kernel_ns)
        fmt_snprintf(parts, sizeof(parts), "; RAM %lu.%03lu ms (%lu.%03lu ms/MiB), kernel %lu.%03lu ms",
                     (unsigned long)(d->build_ram_ns / 1000000), (unsigned long)(d->build_ram_ns / 1000 % 1000),
                     (unsigned long)(d->build_ram_ns / mib / 1000000),
                     (unsigned long)(d->build_ram_ns / mib / 1000 % 1000),
                     (unsigned long)(d->build_kernel_ns / 1000000),
                     (unsigned long)(d->build_kernel_ns / 1000 % 1000));
    domain_log(d, LOG_INFO, "build: %lu MiB in %lu.%03lu ms (%lu.%03lu ms/MiB)%s\n",
               (unsigned long)(d->mem_bytes >> 20), (unsigned long)(ns / 1000000), (unsigned long)(ns / 1000 % 1000),
               (unsigned long)(ns / mib / 1000000), (unsigned long)(ns / mib / 1000 % 1000), parts);
}

struct domain *domain_build(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                                   unsigned restarts, unsigned quick_restarts)
{
    struct domain *d;
    char err[160] = "";
    int rc;

    const struct domain_kind *kind = domain_kind_get(cfg->type);
    if (!kind) {
        log_err("domain %s: type = \"%s\" is not supported yet (hvm and pvh are); not started\n", cfg->name,
                domcfg_type_name(cfg->type));
        return NULL;
    }
    if (!domain_kind_ready(kind)) {
        log_err("domain %s: %s domains cannot run on this host (see above); not started\n", cfg->name, kind->name);
        return NULL;
    }
    if (cfg->vcpus == 0 || cfg->vcpus > MAX_VCPUS) {
        log_err("domain %s: vcpus = %u out of range 1-%u\n", cfg->name, cfg->vcpus, MAX_VCPUS);
        return NULL;
    }
    if (cfg->dom0 && cfg->type != DOMCFG_PV) {
        log_err("domain %s: dom0 = 1 needs type = \"pv\" (the initial domain is a PV domain); not started\n",
                cfg->name);
        return NULL;
    }
    uint64_t t_start = now_ns();    /* the "build:" line */
    d = xzalloc(sizeof(*d), HEAP_CORE);
    if (!d)
        goto nomem;
    strlcpy(d->name, cfg->name, sizeof(d->name));
    d->uart_lock = (spinlock_t)SPINLOCK_INIT;
    d->physmap_lock = (spinlock_t)SPINLOCK_INIT;
    d->params_lock = (spinlock_t)SPINLOCK_INIT;
    d->xen_pages_lock = (spinlock_t)SPINLOCK_INIT;
    d->ctl_build_lock = (spinlock_t)SPINLOCK_INIT;
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
    d->kind = kind;
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
    if (cfg->dom0) {
        /* Domain id 0 once per boot: the initial domain is never rebuilt
         * (its shutdown ends the host, docs/dom0.md). */
        if (dom0_created) {
            spin_unlock_irqrestore(&domain_list_lock, lf);
            log_err("domain %s: dom0 = 1, but the initial domain exists already; not started\n", cfg->name);
            xfree(d->cfg);
            xfree(d);
            return NULL;
        }
        dom0_created = true;
        d->domid = 0;
    } else {
        d->domid = domid_alloc();
        if (!d->domid) {
            spin_unlock_irqrestore(&domain_list_lock, lf);
            log_err("domain %s: no free domain id (%u in use or being torn down); not started\n", cfg->name,
                    DOMID_FIRST_RESERVED - 1);
            xfree(d->cfg);
            xfree(d);
            return NULL;
        }
    }
    spin_unlock_irqrestore(&domain_list_lock, lf);

    if (p2m_init(&d->p2m, d->domid))
        goto nomem_d;
    d->shared_info = alloc_shared_page(d->domid);
    if (!d->shared_info)
        goto nomem_fail;
    d->shared_info_mfn = virt_to_phys(d->shared_info) >> 12;
    rc = kind->build(d, err, sizeof(err));
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
        v->hvm_dr6 = 0xffff0ff0ull;     /* DR6's reset value */
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
        v->tsc_offset = d->tsc_offset;
        v->weight = cfg->cpu_weight;
        v->affinity = cfg->cpus_mask[0];
        if (kind->vcpu_create(v))
            goto nomem_fail;        /* v is freed with the others, without the kind's teardown */
        v->kind_created = true;
    }
    time_info_init_domain(d);
    if ((rc = evtchn_domain_init(d, cfg->max_event_channels)) ||
        (rc = gnttab_domain_init(d, cfg->max_grant_frames, cfg->max_maptrack_frames))) {
        log_err("domain %s: cannot set up event channels / grant tables (%d)\n", cfg->name, rc);
        goto fail;
    }
    if (cfg->dom0)
        gnttab_maptrack_reserve(d);     /* see gnttab.h: a domU's life gives every page back */
    if ((rc = kind->finish(d, err, sizeof(err)))) {
        log_err("domain %s: %s\n", cfg->name, err);
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
               (unsigned long)cfg->memory_mib, d->nr_vcpus, cfg->kernel, (unsigned long)d->kernel_entry,
               (unsigned long)d->p2m.nr_1g, (unsigned long)d->p2m.nr_2m, (unsigned long)d->p2m.nr_4k);
    log_build_time(d, now_ns() - t_start);
    /* Boot domains cannot run before the scheduler starts: their clock is
     * started then (domain_mark_boot_domains_started). */
    if (sched_active)
        d->started_ns = now_ns();
    /* A domain the toolstack builds starts paused by the controller (as
     * Xen's createdomain): its memory and registers come later, and
     * unpausedomain lets it run. */
    if (cfg->ctl_built) {
        d->ctl_pause_count = 1;
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            sched_pause_vcpu(d->vcpus[i]);
    }
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_start_vcpu(d->vcpus[i]);
    return d;

nomem_fail:
    log_err("domain %s: out of memory while creating vCPUs\n", cfg->name);
fail:
    domain_destroy(d);
    return NULL;
nomem_d:
    domid_release(d->domid);
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
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        uint64_t next_nmi = now_ns() + 10000000ull;
        while (sched_vcpu_running(d->vcpus[i])) {
            uint64_t now = now_ns();
            if (now > give_up)
                return -ETIMEDOUT;
            if (now >= next_nmi) {
                /* 10 ms and the kick IPI did not get it out: an NMI does
                 * (core/softirq.h cpu_kick_nmi). */
                cpu_kick_nmi(READ_ONCE(d->vcpus[i]->processor));
                next_nmi = now + 10000000ull;
            }
        }
    }
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
    /* A reason recorded by SCHEDOP_shutdown_code wins, as on Xen (a crash
     * kernel's later poweroff is still reported as the crash). */
    int code = __atomic_load_n(&d->shutdown_code, __ATOMIC_ACQUIRE);
    if (code)
        reason = code - 1;
    d->shutdown_reason = reason;
    d->stopped_ns = now_ns();
    /* A half line of UART output is shown now; the PV console's last bytes
     * may still be in its ring: pvconsole_destroy drains and flushes them. */
    if (!d->pvcon) {
        uint64_t f = spin_lock_irqsave(&d->uart_lock);
        domain_con_flush(d);
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

void domain_subsys_init(void)
{
    open_softirq(SOFTIRQ_REAP, reap_softirq);
    domain_policy_init();
}

/* ---- the list operations of the reaper (core/domain_policy.c) ---- */

struct domain *domain_take_stopped(void)
{
    struct domain *dead = NULL;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (__atomic_load_n(&(*pp)->state, __ATOMIC_ACQUIRE) == DOMAIN_SHUTDOWN &&
            __atomic_load_n(&(*pp)->nr_vcpus_live, __ATOMIC_ACQUIRE) == 0 &&
            __atomic_load_n(&(*pp)->refcnt, __ATOMIC_ACQUIRE) == 0) {
            dead = *pp;
            *pp = dead->next;
            nr_alive--;
            break;
        }
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return dead;
}

void domain_count_stopped(bool crashed)
{
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    if (crashed)
        nr_crashed++;
    else
        nr_poweroff++;
    spin_unlock_irqrestore(&domain_list_lock, lf);
}

void domain_keep_preserved(struct domain *d, const char *new_name)
{
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    if (new_name)
        strlcpy(d->name, new_name, sizeof(d->name));
    __atomic_store_n(&d->state, DOMAIN_PRESERVED, __ATOMIC_RELEASE);
    d->next = domain_list;
    domain_list = d;
    spin_unlock_irqrestore(&domain_list_lock, lf);
}

bool domain_name_in_use(const char *name)
{
    bool taken = false;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain *o = domain_list; o && !taken; o = o->next)
        taken = !strcmp(o->name, name);
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return taken;
}

struct domain *domain_take_preserved(bool *busy, bool marked_only)
{
    struct domain *found = NULL;
    *busy = false;
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next) {
        struct domain *d = *pp;
        if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_PRESERVED)
            continue;
        if (marked_only && !__atomic_load_n(&d->ctl_destroy, __ATOMIC_ACQUIRE))
            continue;
        if (__atomic_load_n(&d->refcnt, __ATOMIC_ACQUIRE)) {
            *busy = true;
            continue;
        }
        *pp = d->next;
        found = d;
        break;
    }
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return found;
}

bool domain_all_stopped_due(void)
{
    uint64_t lf = spin_lock_irqsave(&domain_list_lock);
    bool due = nr_alive == 0 && nr_created && !all_stopped_reported;
    spin_unlock_irqrestore(&domain_list_lock, lf);
    return due;
}

void domain_report_all_stopped(void)
{
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
