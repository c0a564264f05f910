/*
 * Domains and vCPUs.
 *
 * Legend: (i) set at creation, read-only after; (r) touched only by the
 * physical CPU currently running the vCPU; (s) guarded by the run-queue lock
 * of the CPU the vCPU is assigned to (core/sched.c); (a) atomics;
 * (d) guarded by domain_list_lock (core/domain.c).
 */
#ifndef RV_CORE_DOMAIN_H
#define RV_CORE_DOMAIN_H

#include "lib/compiler.h"
#include "core/spinlock.h"
#include "core/timer.h"
#include "core/guest_regs.h"
#include "mm/p2m.h"
#include "mm/physmap.h"
#include "mm/e820.h"
#include "core/vcpu_msrs.h"
#include "core/domcfg.h"       /* DOMCFG_MAX_GRANT_FRAMES */
#include "public/sched.h"     /* SHUTDOWN_* reasons */
#include "public/xen.h"       /* struct shared_info, vcpu_info */
#include "public/vcpu.h"      /* struct vcpu_runstate_info */
#include "public/hvm.h"       /* HVM_NR_PARAMS */
#include "core/compat/xlat.h" /* struct compat_xlat */
#include "core/xstats.h"       /* struct vcpu_xstats */

#define MAX_VCPUS       64
#define DOMAIN_NAME_MAX 64

enum vcpu_state {
    VCPU_OFFLINE,       /* not started, or stopped for good */
    VCPU_RUNNABLE,      /* on a run queue */
    VCPU_RUNNING,       /* on a CPU now */
    VCPU_BLOCKED,       /* waiting for an event (HLT, SCHEDOP_block) */
};

struct domain;
struct vlapic;
struct hvm_platform;
struct evtchn_domain;
struct evtchn_vcpu;
struct gnttab_domain;
struct pvconsole;
struct domain_kind;
struct hvm_shadow;

struct vcpu {
    struct domain *domain;          /* (i) */
    unsigned vcpu_id;               /* (i) */
    struct guest_regs regs;         /* (r) */
    void *vendor;                   /* (i) backend state (VMCB page, ...) */
    bool kind_created;              /* (i) the kind's vcpu_create succeeded: its vcpu_destroy is due */

    /* Tagged TLB (hvm/tlb_tag.c). */
    uint32_t tlb_tag;               /* (r) ASID/VPID in use */
    uint64_t tlb_gen;               /* (r) generation of tlb_cpu it was taken in */
    int tlb_cpu;                    /* (r) CPU the tag belongs to, -1 none */
    bool tlb_flush_pending;         /* (a) p2m changed: take a fresh tag */
    uint64_t p2m_gen_seen;          /* (r) p2m generation at the last entry */
    struct hvm_shadow *shadow;      /* (r) shadow pager state (hvm/shadow.c), NULL under NPT/EPT */

    /* Scheduling (core/sched.c). */
    enum vcpu_state state;          /* (s) */
    unsigned processor;             /* (s) CPU whose run queue owns it */
    uint64_t affinity;              /* (s) hard affinity, bit per CPU */
    unsigned weight;                /* (i) share: 256 = normal */
    uint64_t vruntime;              /* (s) weighted run time, ns */
    uint64_t runtime_ns;            /* (s) plain run time, ns */
    uint64_t ran_on;                /* (s) bit per CPU it has run on */
    uint64_t last_start;            /* (r) now_ns() when it last entered */
    uint64_t exit_tsc;              /* (r) TSC at the last exit, 0 when not in the run loop */
    uint64_t host_tsc, guest_tsc;   /* (r) TSC ticks spent handling exits / in the guest */
    /* Stamped by the backend's vcpu_run right before VMRUN/VMLAUNCH/VMRESUME
     * and right after the exit (vmrun_tsc 0: it did not enter), so that the
     * hypervisor's time per exit (hvm.c run_loop) is #VMEXIT to next VMRUN. */
    uint64_t vmrun_tsc, vmexit_tsc; /* (r) */
    int pause_count;                /* (a) > 0: must not run */
    struct vcpu *rq_next;           /* (s) run-queue link */
    uint64_t woken_at;              /* (s) now_ns() of the wake that queued it, 0 once it runs */
    bool wake_pending;              /* (a) an event arrived while it was not blocked yet */

    /* Guest one-shot timer (set_timer_op, VCPUOP_set_singleshot_timer) and
     * periodic timer (VCPUOP_set_periodic_timer): raise VIRQ_TIMER and wake
     * the vCPU (core/vcpu_op.c). */
    struct timer guest_timer;       /* timer's own locking */
    bool timer_fired;               /* (a) the single-shot timer fired since it was armed: SCHEDOP_block returns */
    struct timer periodic_timer;    /* timer's own locking */
    uint64_t periodic_ns;           /* (r) period, 0 = off */

    /* Event delivery (evtchn/, hvm/evtchn_upcall.c). */
    struct vcpu_info *vcpu_info;    /* (a) hypervisor pointer to its vcpu_info now: a slot of shared_info
                                       (vCPUs < 32), the registered page, or vcpu_info_spare */
    uint64_t vcpu_info_gfn;         /* (r) registered with VCPUOP_register_vcpu_info, ~0 = none (once only; PV: the mfn, held writable) */
    struct vcpu_info *vcpu_info_spare;  /* (i) zeroed page-slot for vCPUs >= 32 until they register */
    /* A port access forwarded to an ioreq server (hvm/ioreq.c), owned by v:
     * set at the I/O exit, cleared when the answer is taken before entry.
     * ioreq_srv is also read (atomically) by the server's event to know whom to wake. */
    uint8_t ioreq_srv;              /* (a) server index + 1; 0: not waiting */
    bool ioreq_in;                  /* (o) an IN: RAX gets the answer */
    uint8_t ioreq_size;             /* (o) 1, 2 or 4 */
    uint32_t ioreq_gen;             /* (o) the server's generation when it was sent */
    uint64_t ioreq_forwarded;       /* (o) accesses forwarded so far (the exit statistics) */
    struct evtchn_vcpu *evtchn;     /* (i) pointer; owned by evtchn/ */
    uint8_t upcall_vector;          /* (a) HVMOP_set_evtchn_upcall_vector, 0 = none */
    bool polling;                   /* (a) blocked in SCHEDOP_poll: any event of the domain wakes it */
    uint32_t poll_ports[2];         /* (o) the first ports of the last SCHEDOP_poll, for dumps */
    unsigned nr_poll_ports;         /* (o) how many that poll named */
    struct timer poll_timer;        /* timer's own locking: SCHEDOP_poll timeout */

    /* Hypercall argument copies of an HVM/PVH vCPU (hvm/guest_mem.c).
     * Owner: v itself, on its own CPU, while it is out of its guest after a
     * hypercall exit; nothing else reads or writes it, so no lock.
     * gva/gpa/page: the guest-virtual page the last copy went to, its
     * guest-physical address and the hypervisor's mapping of it, for the
     * exit it was filled in only (seq: v's hypercall exit count then), so
     * that a second copy from the same page (SCHEDOP_poll's port list
     * beside its structure) neither walks the guest's tables nor looks up
     * the p2m again.  frames: guest frames (page tables and data) copies
     * went through, gfn -> hypervisor mapping, kept across exits but only
     * while the p2m generation is still frames_gen (any change or removal
     * of a mapping bumps it); what is in them is read afresh. */
#define VCPU_COPY_FRAMES 8
    struct {
        uint64_t seq;               /* exits_by_reason[HVM_EXIT_HYPERCALL] when filled */
        uint64_t gva, gpa;          /* page-aligned */
        char *page;                 /* hypervisor mapping of gpa; NULL: nothing cached */
        uint64_t gen;               /* p2m generation when gpa was looked up */
        bool write;                 /* the walk and the p2m allowed writing, not only reading */
        uint64_t frames_gen;
        struct { uint64_t gfn; char *page; bool write; } frames[VCPU_COPY_FRAMES];  /* page NULL: empty */
    } copy_cache;                   /* (o) */

    /* Run-state accounting (VCPUOP_register_runstate_memory_area). */
    struct vcpu_runstate_info runstate; /* (r) */
    uint64_t runstate_gpa;          /* (r) where the guest wants a copy, 0 = none (PV: its virtual address) */
    bool runstate_compat;           /* (r) registered by a 32-bit caller: the copy has the i386 layout */

    /* 32-bit hypercalls (core/compat/): the mode of the call running now
     * and the native structures the compat layer built for it. */
    struct compat_xlat compat;      /* (r) */
    /* multicall of HVM/PVH callers (core/multicall.c): one running (nested
     * ones are refused); the list and count a continuation re-issues. */
    bool mc_active;                 /* (r) */
    uint64_t mc_cont[2];            /* (r) valid when the call returned -ERESTART */

    struct vlapic *vlapic;          /* (i) pointer; the state has its own lock (hvm/vlapic.c) */
    /* The vCPU's own TSC (hvm/msr.c: WRMSR IA32_TSC / IA32_TSC_ADJUST move
     * it, as they move one logical processor's TSC on hardware).  Written
     * only by v itself in an exit handler; others (the PV clock of a target
     * vCPU) read the offset atomically. */
    uint64_t tsc_offset;            /* (r) guest TSC = host TSC + offset; starts as the domain's */
    uint64_t tsc_adjust;            /* (r) IA32_TSC_ADJUST as the guest reads it; 0 at creation */
    struct vcpu_msrs msr;           /* (r) other MSRs emulated per vCPU (hvm/msr.c, core/vcpu_msrs.h) */
    uint64_t nr_irqs, nr_nmis;      /* (r) events injected */
    uint64_t exits_by_reason[24];   /* (r) indexed by enum hvm_exit_reason */
    /* Written on every exit: kept on the page of the counters above and
     * exit_cost below, not after the histograms (each page an exit touches
     * is a TLB refill per exit under QEMU's TCG, lib/compiler.h __hot_path). */
    uint8_t last_exit;              /* (r) enum hvm_exit_reason of the last exit (debug key 'd') */
    uint64_t last_exit_qual;        /* (r) its hvm_exit.qual */
    /* The ports behind I/O exits (hvm/io.c), a permanent diagnostic:
     * the first VCPU_IO_PORTS distinct ports each with its count, the
     * rest together.  Printed when the vCPU goes. */
#define VCPU_IO_PORTS 16
    struct { uint16_t port; uint64_t n; } io_ports[VCPU_IO_PORTS];   /* (r) n = 0: free */
    uint64_t io_other;              /* (r) */
    /* The same for MSR exits (hvm/exit_stats.c): index, reads, writes. */
#define VCPU_MSRS 32
    struct { uint32_t msr; uint64_t rd, wr; } msrs[VCPU_MSRS];      /* (r) rd + wr = 0: free */
    uint64_t msr_other;             /* (r) */
    /* The hypervisor's own time per exit kind (hvm/exit_stats.c): for each
     * reason, the exits timed from #VMEXIT to the next VMRUN (or to leaving
     * the CPU, when the stint ends there; an exit after which the vCPU
     * blocked is in exits_by_reason only: its time includes waiting), their TSC ticks and
     * the fewest ticks of one; hypercall exits also per hypercall number
     * (numbers >= VCPU_HC_SLOTS - 1 share the last slot).  Written only by v
     * on the CPU it runs on, read like the counters above. */
#define VCPU_HC_SLOTS 64
    struct { uint64_t n, tsc, min; } exit_cost[24];             /* (r) indexed by enum hvm_exit_reason */
    struct { uint64_t n, tsc; } hc_cost[VCPU_HC_SLOTS];         /* (r) indexed by hypercall number */
    uint8_t last_hc;                /* (r) hc_cost slot of the last hypercall exit */
    /* Histograms (median, p99, worst) per exit kind and PV vCPUs' exits by
     * kind (core/xstats.h); PV hypercalls also go into hc_cost. */
    struct vcpu_xstats xstats;      /* (r) */
    uint8_t fpu[512] __aligned(16); /* (r) x87/SSE state, FXSAVE layout, while off the CPU */
    bool fpu_init;                  /* (r) */
    /* HVM: DR0-3 and DR6, which the guest reads and writes without an
     * exit and neither the VMCS nor (DR0-3) the VMCB switches: kept here
     * between stints (hvm/hvm.c), so no guest sees another's. */
    uint64_t hvm_dr[4];             /* (r) */
    uint64_t hvm_dr6;               /* (r) */
};

enum domain_state {
    DOMAIN_RUNNING,
    DOMAIN_SHUTDOWN,    /* asked to stop: vCPUs are being taken off CPUs */
    DOMAIN_PRESERVED,   /* stopped and kept (on_* = "preserve", or the old half of
                           "rename-restart"): still on the domain list, vCPUs parked
                           with their register state, memory still owned; destroyed
                           when the run ends (core/domain.c) */
    DOMAIN_DEAD,        /* resources freed */
};

/* A per-domain watchdog of SCHEDOP_watchdog (core/watchdog.c). */
#define DOMAIN_NR_WATCHDOGS 2       /* as Xen: ids 1 and 2 */
struct domain_watchdog {
    struct timer timer;             /* timer's own locking; initialised at domain creation */
    struct domain *domain;          /* (i) the timer's argument */
};

/* The sources of a domain's console output (hvm/vuart.c). */
enum dom_con_stream {
    DOM_CON_UART,                   /* the emulated 16550 */
    DOM_CON_IO,                     /* the console_io hypercall */
    DOM_CON_RING,                   /* the PV console ring (core/pvconsole.c) */
    DOM_CON_NR
};

struct domain {
    uint16_t domid;                 /* (i) */
    char name[DOMAIN_NAME_MAX];     /* (i); (d) once renamed by rename-restart (the domain is stopped then) */
    struct vcpu *vcpus[MAX_VCPUS];  /* (i) */
    unsigned nr_vcpus;              /* (i) */
    struct p2m p2m;                 /* own lock inside */
    uint64_t mem_bytes;             /* (i) guest RAM size; a toolstack-built HVM domain's is 0 until
                                     * XENMEM_set_memory_map sets it, under ctl_build_lock, before it
                                     * first runs (core/domctl_build.c) */
    bool shadow;                    /* (i) HVM paged by the shadow pager (hvm/shadow.c), not NPT/EPT */
    unsigned shadow_pages;          /* (i) its page budget, split evenly between the vCPUs */
    bool hide_hypervisor_cpuid;     /* (i) */
    uint64_t tsc_offset;            /* (i) every vCPU's TSC offset at creation (vcpu.tsc_offset);
                                       the PV clock's system time counts from this one */

    int state;                      /* (a) enum domain_state */
    int shutdown_reason;            /* (a) valid once state >= SHUTDOWN */
    int shutdown_code;              /* (a) SCHEDOP_shutdown_code's reason + 1, 0 = none: the first one
                                       recorded is what the domain's next shutdown reports (kexec) */
    int nr_vcpus_live;              /* (a) vCPUs not yet parked after shutdown */
    uint64_t hypercall_page_gpa;    /* (r, vCPU0) 0 = none */
    uint64_t started_ns, stopped_ns;   /* (a): now_ns() when it could first run, and at shutdown */

    /* The domain's console output (hvm/vuart.c): one line buffer per
     * source, so that two sources never share a line; each whole line is
     * printed with one printk (docs/running-domains.md "Console output"). */
    spinlock_t uart_lock;           /* leaf */
    struct dom_con_line {
        char buf[160];
        unsigned len;
    } con_line[DOM_CON_NR];         /* (uart_lock) indexed by enum dom_con_stream */

    struct hvm_platform *plat;      /* (i) pointer; devices lock their own state (hvm/platform.h) */
    int type;                       /* (i) enum domcfg_type: DOMCFG_HVM or DOMCFG_PVH */
    const struct domain_kind *kind; /* (i) its operations (core/domain_kind.h) */
    void *kind_priv;                /* (i) the kind's own build state, freed by its destroy */
    uint64_t kernel_entry;          /* (i) where the kernel starts (for the log) */
    /* The builder's own timing (the "build:" line after "created:"): what
     * the kind's build spent on guest RAM (allocating the zeroed frames,
     * the p2m) and on the kernel (loading, unpacking); 0 when it does not
     * say (PV, toolstack-built). */
    uint64_t build_ram_ns, build_kernel_ns;     /* (i) */
    int refcnt;                     /* (a) domain_get_by_id references; destruction waits for 0 */

    /* Guest RAM blocks as allocated (freed at destruction, whatever the p2m
     * maps by then). */
    struct ram_block { uint64_t mfn; unsigned order; } *ram;   /* (i) after creation */
    unsigned nr_ram, ram_cap;       /* (i) */

    /* Xen-compatible shared pages and parameters (core/memory_op.c, hvm/hvm_op.c). */
    struct shared_info *shared_info;    /* (i) hypervisor pointer; page owned by DOMID_XEN, zeroed at creation */
    bool shinfo_compat;             /* (a) shared_info/vcpu_info in the 32-bit layout (core/compat/shinfo.c) */
    uint64_t shared_info_mfn;       /* (i) */
    spinlock_t physmap_lock;        /* physmap_set's read-and-replace; taken before the p2m lock, leaf otherwise */
    spinlock_t xen_pages_lock;      /* serializes memory_op's physmap changes; before physmap_lock */
    struct xen_page_slot {          /* (xen_pages_lock) a hypervisor page placed in the physmap */
        uint64_t gfn;               /* ~0 = not placed */
        struct physmap_entry prev;  /* what it hides: own RAM or nothing, restored when it moves */
    } shinfo_slot, gnt_slots[DOMCFG_MAX_GRANT_FRAMES];
    uint64_t tot_pages, max_pages;  /* (xen_pages_lock) RAM pages now (ballooning) and the limit */
    struct e820_entry memmap[16];   /* (i) the memory map the guest was given (XENMEM_memory_map) */
    unsigned nr_memmap;             /* (i) 0: the HVM map of mm/e820.h */
    uint64_t hvm_params[HVM_NR_PARAMS]; /* (params_lock) */
    spinlock_t params_lock;         /* leaf */
    struct evtchn_domain *evtchn;   /* (i) pointer; own locks (evtchn/) */
    struct ioreq_domain *ioreq;     /* (a) HVM: set once at the first ioreq server (hvm/ioreq.c), freed at
                                       destruction; own lock */
    struct gnttab_domain *gnttab;   /* (i) pointer; own lock (gnttab/) */
    struct pvconsole *pvcon;        /* (i) pointer, PVH and PV only; own lock (core/pvconsole.c) */
    struct domcfg *cfg;             /* (i) copy of the config it was built from: restarts rebuild from it */
    const struct boot_module *mods; /* (i) the files it names (boot modules live forever) */
    unsigned nr_mods;               /* (i) */
    unsigned restarts;              /* (i) how many times this domain was rebuilt */
    uint64_t debug_exit_status;     /* (a) hvm/vdebugexit.c: (v << 1) | 1 once written, 0 = never */
    unsigned quick_restarts;        /* (i) restarts in a row each after a short life (restart-loop guard) */
    uint64_t frames_at_create;      /* (i) frames it owned once built (restart frame check) */
    bool frames_outside_blocks;     /* (a) set once a frame was given to it that no ram[] block lists
                                     * (PV populate_physmap): only then does teardown sweep the whole
                                     * frame table for it (free_domain_leftovers) */

    /* SCHEDOP_watchdog (core/watchdog.c). */
    spinlock_t watchdog_lock;       /* leaf: guards watchdog_inuse and arming the timers */
    unsigned watchdog_inuse;        /* (watchdog_lock) bit i: watchdog i+1 exists */
    struct domain_watchdog watchdogs[DOMAIN_NR_WATCHDOGS];

    /* The toolstack's control (core/domctl.c). */
    int ctl_pause_count;            /* (a) pausedomain's pauses not yet undone */
    /* The builder's calls (sethvmcontext, setvcpucontext, hypercall_init,
     * a foreign pin) hold ctl_build_lock across their "never started"
     * check and their work, and the first successful unpausedomain takes it
     * to set ctl_started: so no unpause from another control-domain vCPU
     * starts the domain while a builder call is writing its state.  Taken
     * before any other lock of the domain (the PV mm_lock inside a pin). */
    spinlock_t ctl_build_lock;
    bool ctl_started;               /* (ctl_build_lock) the controller has unpaused it once */
    bool ctl_destroy;               /* (a) destroydomain: destroyed whatever its on_* keys say */
    struct logdirty *logdirty;      /* (a) mm/logdirty.c: set once by the first ENABLE, freed with d */
    /* physmap_flush (mm/physmap.c): NMI kicks sent to get a vCPU of d out of
     * its guest when the IPI did not (one log line for the first). */
    uint64_t flush_nmi_kicks;       /* (a) */

    struct domain *next;            /* (d) */
};

extern spinlock_t domain_list_lock;

struct domcfg;
struct boot_module;
/* Build and start a domain from a parsed config; files are looked up among
 * the boot modules.  Returns NULL with a reason logged on failure. */
struct domain *domain_create(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods);
void domain_shutdown(struct domain *d, int reason);
/* Pause every vCPU and wait until none is on a CPU (-ETIMEDOUT after 5 s);
 * pauses nest. */
int domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
struct domain *domain_get_running(void);
/* first_domid=N: the next domain gets id N (or the first free one after it);
 * ids are reused only after wrapping past 0x7fef, and never while a domain
 * with that id is alive or being torn down.  Boot only. */
void domain_set_first_id(uint16_t id);
/* A reference to the running (not shutting down) domain with this id, or
 * NULL; the domain is not freed until domain_put.  Any context. */
/* A builder call on d (see ctl_build_lock): true, with the lock held, if
 * the controller still holds d paused and never unpaused it; then
 * domain_ctl_build_end(d) when done.  False (lock not held) otherwise. */
bool domain_ctl_build_begin(struct domain *d);
void domain_ctl_build_end(struct domain *d);
struct domain *domain_get_by_id(uint16_t domid);
void domain_put(struct domain *d);
/* Like domain_get_by_id, but also a domain that is shutting down or
 * preserved (for dumps: the debug keys show a preserved domain's state);
 * NULL once it is being destroyed. */
struct domain *domain_get_any(uint16_t domid);
/* "running", "shutting down", "preserved", "dead". */
const char *domain_state_name(int state);
/* Frames of the frame table whose owner is domid (a scan: for restart and
 * preserve reports, not for hot paths). */
uint64_t domain_frames_owned(uint16_t domid);
/* The ids of up to max domains on the list now (a snapshot: look each up
 * with domain_get_by_id before use).  Returns how many. */
unsigned domain_list_ids(uint16_t *ids, unsigned max);
/* The initial domain (domain file key dom0 = 1, docs/dom0.md): the only one
 * the privileged hypercalls (platform_op, physdev_op's device and interrupt
 * operations, XENMEM_machine_memory_map, I/O memory mappings) serve. */
static inline bool domain_is_privileged(const struct domain *d)
{
    return d->cfg && d->cfg->dom0;
}

/* Whether a domid argument names d itself (DOMID_SELF or its own id). */
static inline bool domain_is_self(const struct domain *d, uint16_t domid)
{
    return domid == DOMID_SELF || domid == d->domid;
}
/* Records a RAM block of d (allocated with owner d->domid), freed when d is
 * destroyed.  Serialized by the caller (creation, or d->xen_pages_lock). */
int domain_note_ram(struct domain *d, uint64_t mfn, unsigned order);
void domain_put_running(struct domain *d);
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
void domain_reap(void);                 /* free domains whose vCPUs have all parked */
unsigned domains_alive(void);
unsigned domains_ever_created(void);
void domain_subsys_init(void);
/* The scheduler starts running domains built at boot: their clock starts now. */
void domain_mark_boot_domains_started(void);
/* Called once when the last domain has been destroyed. */
void domain_set_all_stopped_hook(void (*fn)(unsigned poweroff, unsigned crashed));
void domain_log(struct domain *d, int level, const char *fmt, ...) __printf(3, 4);

#endif
