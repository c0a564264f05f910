/*
 * Per-CPU data, reached through %gs (GS base points at the CPU's own struct,
 * whose first field points at itself, so this_cpu() is one load).
 *
 * Legend: (i) set before the CPU comes online, read-only after;
 *         (o) only touched by the owning CPU;
 *         (a) other CPUs access it with atomics.
 */
#ifndef RV_CORE_PERCPU_H
#define RV_CORE_PERCPU_H

#include "lib/compiler.h"
#include "core/spinlock.h"
#include "arch/x86/layout.h"

struct timer;

struct tss64 {
    uint32_t rsvd0;
    uint64_t rsp[3];
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3;
    uint16_t iomap_base;
} __packed;

#define GDT_ENTRIES 8

/* 64-bit PV guests (src/pv/) run on the selectors of Xen's ABI, which sit
 * in the reserved GDT area from byte 0xe000 (entry 7168): 0xe023 (32-bit
 * code), 0xe02b (data/stack), 0xe033 (64-bit code), all DPL 3.  Each CPU
 * gets a GDT that large once the page allocator exists (arch/x86/desc.c);
 * until then the small one in struct percpu. */
#define GDT_PV_ENTRIES  7175            /* up to and including 0xe033 >> 3 */
#define GDT_PV_ORDER    4               /* 64 KiB of pages holds 57,400 bytes */

/* Offsets the PV entry assembly (src/pv/entry.S) uses with %gs. */
#define PCPU_PV_HOST_RSP    8
#define PCPU_PV_SCRATCH     16

struct percpu {
    struct percpu *self;            /* (i) must stay first: this_cpu() reads %gs:0 */
    /* PV vCPUs (src/pv/entry.S): the hypervisor's stack pointer while a
     * guest runs in ring 3 (exits return there), and a scratch slot for the
     * guest's RSP at SYSCALL. */
    uint64_t pv_host_rsp;           /* (o) */
    uint64_t pv_scratch;            /* (o) */
    void *pv_ctx;                   /* (o) where an exit stores the guest's registers (struct cpu_regs) */
    unsigned cpu;                   /* (i) logical CPU number, 0 = boot CPU */
    uint32_t apic_id;               /* (i) */
    uint64_t stack_lo, stack_hi;    /* (i) whole stack slot incl. IST stacks (traces stay inside) */
    uint64_t stack_top;             /* (i) top of the primary stack */
    uint64_t ist_top[4];            /* (i) NMI, #DF, #MC, #DB stack tops */
    volatile int online;            /* (a) set by the CPU itself once it runs C code */
    uint64_t gdt[GDT_ENTRIES] __aligned(16);   /* (o) own GDT: each CPU has its own TSS */
    uint64_t *gdt_pv;               /* (o) the large GDT with the PV selectors, NULL before the allocator */
    struct tss64 tss __aligned(16); /* (o) */

    uint32_t softirq_pending;       /* (a) bit n = softirq n */
    unsigned irq_depth;             /* (o) nesting of interrupt handlers */
    bool in_softirq;                /* (o) */

    /* Exception fixups (arch/x86/traps.c): the last fixed-up vector, for
     * code (and self-tests) that wants to know which fault it recovered from. */
    int last_fixup_vector;          /* (o) */

    /* Timer queue (core/timer.c). */
    spinlock_t timer_lock;          /* guards timers; leaf apart from console */
    struct timer *timers;           /* (timer_lock) sorted by expiry */
    uint64_t timer_programmed;      /* (o) deadline (ns) the hardware is set to, 0 = none */

    /* Counters shown by self-tests and the debug key. */
    uint64_t nr_irqs, nr_timer_irqs, nr_ipis, nr_timers_fired;   /* (o) */
    uint64_t nr_unexpected_nmis;    /* (o) */
    /* #DB taken in ring 0 (arch/x86/db_trap.c): always a PV guest's doing
     * (a MOV SS-delayed data breakpoint or a single step landing on the
     * first instruction of an entry), never the hypervisor's, which uses no
     * debug register.  The handler ORs the DR6 bits in; the PV run loop of
     * the vCPU whose stint runs on this CPU takes them with an atomic
     * exchange right after each exit (pv/pv_dbg.c).  Written only by this
     * CPU, in #DB context and by that exchange. */
    uint64_t db_pending_dr6;        /* (a) */
    uint64_t nr_ring0_db;           /* (o) ring-0 #DBs taken, for the 'd' key and tests */
    /* Debug key 'd' (hvm/hvm_dump.c): another CPU sets nmi_sample_req and
     * sends an NMI; the NMI handler stores the interrupted RIP and clears
     * the request (arch/x86/traps.c).  Only stores: safe in NMI context. */
    int nmi_sample_req;             /* (a) */
    uint64_t nmi_sample_rip;        /* (a) */
    /* NMI kicks (core/softirq.c cpu_kick_nmi): senders add one per NMI
     * sent; the NMI handler takes one off and counts the NMI as a kick,
     * not as unexpected.  Only atomics: safe in NMI context. */
    uint32_t nmi_kicks_sent;        /* (a) */
    uint64_t nr_kick_nmis;          /* (a) NMI kicks this CPU took */
};

_Static_assert(__builtin_offsetof(struct percpu, pv_host_rsp) == PCPU_PV_HOST_RSP, "entry.S offsets");
_Static_assert(__builtin_offsetof(struct percpu, pv_scratch) == PCPU_PV_SCRATCH, "entry.S offsets");

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned smp_processor_id(void)
{
    return this_cpu()->cpu;
}

extern struct percpu *percpu_of[RV_MAX_CPUS];  /* (i) indexed by logical CPU */
extern unsigned nr_cpus_online;                /* (a) */
extern unsigned nr_cpus_possible;              /* (i) CPUs found in the MADT, capped by maxcpus */

void percpu_init_bsp_early(void);
struct percpu *percpu_alloc(unsigned cpu, uint32_t apic_id);
void percpu_activate(struct percpu *p);         /* load GS base on the running CPU */

#endif
