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
#include "hvm/regs.h"
#include "mm/p2m.h"
#include "public/sched.h"     /* SHUTDOWN_* reasons */

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

struct vcpu {
    struct domain *domain;          /* (i) */
    unsigned vcpu_id;               /* (i) */
    struct guest_regs regs;         /* (r) */
    void *vendor;                   /* (i) backend state (VMCB page, ...) */

    /* Tagged TLB (hvm/tlb_tag.c). */
    uint32_t tlb_tag;               /* (r) ASID/VPID in use */
    uint64_t tlb_gen;               /* (r) generation of tlb_cpu it was taken in */
    int tlb_cpu;                    /* (r) CPU the tag belongs to, -1 none */
    bool tlb_flush_pending;         /* (a) p2m changed: take a fresh tag */
    uint64_t p2m_gen_seen;          /* (r) p2m generation at the last entry */

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
    int pause_count;                /* (a) > 0: must not run */
    struct vcpu *rq_next;           /* (s) run-queue link */
    bool wake_pending;              /* (a) an event arrived while it was not blocked yet */

    /* Guest one-shot timer (set_timer_op): wakes the vCPU. */
    struct timer guest_timer;       /* timer's own locking */
    uint64_t guest_timer_deadline;  /* (r) ns of guest time, 0 = none */

    struct vlapic *vlapic;          /* (i) pointer; the state has its own lock (hvm/vlapic.c) */
    uint64_t nr_irqs, nr_nmis;      /* (r) events injected */
    uint64_t exits_by_reason[24];   /* (r) indexed by enum hvm_exit_reason */
    uint8_t fpu[512] __aligned(16); /* (r) x87/SSE state, FXSAVE layout, while off the CPU */
    bool fpu_init;                  /* (r) */
};

enum domain_state {
    DOMAIN_RUNNING,
    DOMAIN_SHUTDOWN,    /* asked to stop: vCPUs are being taken off CPUs */
    DOMAIN_DEAD,        /* resources freed */
};


struct domain {
    uint16_t domid;                 /* (i) */
    char name[DOMAIN_NAME_MAX];     /* (i) */
    struct vcpu *vcpus[MAX_VCPUS];  /* (i) */
    unsigned nr_vcpus;              /* (i) */
    struct p2m p2m;                 /* own lock inside */
    uint64_t mem_bytes;             /* (i) guest RAM size */
    bool hide_hypervisor_cpuid;     /* (i) */
    uint64_t tsc_offset;            /* (i) guest TSC = host TSC + offset */

    int state;                      /* (a) enum domain_state */
    int shutdown_reason;            /* (a) valid once state >= SHUTDOWN */
    int nr_vcpus_live;              /* (a) vCPUs not yet parked after shutdown */
    uint64_t hypercall_page_gpa;    /* (r, vCPU0) 0 = none */
    uint64_t started_ns, stopped_ns;   /* (a): now_ns() when it could first run, and at shutdown */

    /* The domain's console output line (hvm/vuart.c: UART and console_io). */
    spinlock_t uart_lock;           /* leaf */
    char uart_line[160];            /* (uart_lock) */
    unsigned uart_len;              /* (uart_lock) */

    struct hvm_platform *plat;      /* (i) pointer; devices lock their own state (hvm/platform.h) */
    struct domcfg *cfg;             /* (i) copy of the config it was built from: restarts rebuild from it */
    const struct boot_module *mods; /* (i) the files it names (boot modules live forever) */
    unsigned nr_mods;               /* (i) */
    unsigned restarts;              /* (i) how many times this domain was rebuilt */

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
