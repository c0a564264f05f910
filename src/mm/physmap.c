/*
 * Changing a domain's guest-physical map after it was built (physmap.h).
 * The p2m does the work; this file adds the ownership rules (only a
 * domain's own RAM counts as RAM) and the cross-CPU flush.
 */
#include "mm/logdirty.h"
#include "mm/physmap.h"
#include "mm/mm.h"
#include "mm/p2m.h"
#include "core/domain.h"
#include "core/sched.h"
#include "core/softirq.h"
#include "core/smp.h"
#include "core/percpu.h"
#include "lib/errno.h"
#include "arch/x86/time.h"
#include "core/console.h"

uint64_t physmap_ram_mfn(struct domain *d, uint64_t gfn)
{
    if (gfn >= PHYSMAP_MAX_GFN)
        return PHYSMAP_NO_MFN;
    uint64_t mfn = p2m_lookup(&d->p2m, gfn, NULL);
    if (mfn == ~0ull)
        return PHYSMAP_NO_MFN;
    /* A foreign grant or a hypervisor page mapped here is not d's RAM;
     * d's RAM frames keep their owner until d is destroyed, so the answer
     * stays true for d's lifetime. */
    struct frame *f = pfn_to_frame(mfn);
    if (!f || f->owner != d->domid || (f->flags & (FRAME_F_FREE | FRAME_F_RESERVED)))
        return PHYSMAP_NO_MFN;
    return mfn;
}

void *physmap_map_ram(struct domain *d, uint64_t gfn)
{
    uint64_t mfn = physmap_ram_mfn(d, gfn);
    return mfn == PHYSMAP_NO_MFN ? NULL : phys_to_virt(mfn << 12);
}

struct physmap_entry physmap_get(struct domain *d, uint64_t gfn)
{
    struct physmap_entry e = { PHYSMAP_NO_MFN, 0 };

    if (gfn < PHYSMAP_MAX_GFN) {
        e.mfn = p2m_lookup(&d->p2m, gfn, &e.perms);
        if (e.mfn == ~0ull)
            e.mfn = PHYSMAP_NO_MFN, e.perms = 0;
    }
    return e;
}

int physmap_set(struct domain *d, uint64_t gfn, struct physmap_entry e, struct physmap_entry *prev)
{
    if (gfn >= PHYSMAP_MAX_GFN)
        return -EINVAL;
    /* Read and replace under one lock of our own: two changes of the same
     * gfn (e.g. two vCPUs mapping grants there) must each see the other's
     * result as 'prev', or a restore would resurrect a stale entry. */
    uint64_t f = spin_lock_irqsave(&d->physmap_lock);
    struct physmap_entry old = physmap_get(d, gfn);
    int rc = p2m_set_entry(&d->p2m, gfn, e.mfn == PHYSMAP_NO_MFN ? 0 : e.mfn, 0,
                           e.mfn == PHYSMAP_NO_MFN ? 0 : e.perms);
    spin_unlock_irqrestore(&d->physmap_lock, f);
    if (!rc && prev)
        *prev = old;
    /* Log-dirty (mm/logdirty.c): the new leaf is writable without
     * protection, so the gfn counts as dirty; the next CLEAN reports it
     * and protects it again. */
    if (!rc && e.mfn != PHYSMAP_NO_MFN && (e.perms & P2M_W))
        logdirty_mark(d, gfn);
    return rc;
}

/*
 * How long physmap_flush waits for a vCPU to take the kick IPI before it
 * sends an NMI (and again at that interval), and how often a wait that
 * still has not ended is logged.  A vCPU in its guest normally exits at the
 * IPI within microseconds; under Bochs's VMX a guest entered with RFLAGS.IF
 * clear gets no host interrupt at all (docs/testing.md), so a vCPU that
 * then takes no exit (ldirty_guest's real-mode loop: its pages are mapped
 * writable, it never faults) would keep the caller here for ever.
 */
#define FLUSH_NMI_AFTER_NS      10000000ull     /* 10 ms */
#define FLUSH_REPORT_EVERY_NS   1000000000ull   /* 1 s */

/* Wait until u, running on another CPU, has seen p2m generation 'target'
 * (or left its CPU). */
static void flush_wait_vcpu(struct domain *d, struct vcpu *u, uint64_t target, unsigned me)
{
    uint64_t start = 0, next_nmi = 0, next_report = 0;
    unsigned nmis = 0;

    for (unsigned spins = 0; sched_vcpu_running(u) && READ_ONCE(u->processor) != me &&
                             __atomic_load_n(&u->p2m_gen_seen, __ATOMIC_ACQUIRE) < target;
         spins++) {
        unsigned cpu = READ_ONCE(u->processor);
        if (spins % 100000 == 0)     /* again now and then: it may have moved CPUs */
            cpu_raise_softirq(cpu, SOFTIRQ_KICK);
        if (spins % 256 == 0) {
            uint64_t now = now_ns();
            if (!start) {
                start = now;
                next_nmi = now + FLUSH_NMI_AFTER_NS;
                next_report = now + FLUSH_REPORT_EVERY_NS;
            } else if (now >= next_nmi) {
                cpu_kick_nmi(cpu);
                nmis++;
                next_nmi = now + FLUSH_NMI_AFTER_NS;
                if (__atomic_fetch_add(&d->flush_nmi_kicks, 1, __ATOMIC_RELAXED) == 0)
                    domain_log(d, LOG_INFO, "v%u on cpu%u did not leave its guest for the flush IPI in %lu ms "
                               "(p2m generation %lu seen, %lu wanted): NMI kick (logged once; counted)\n",
                               u->vcpu_id, cpu, (unsigned long)((now - start) / 1000000),
                               (unsigned long)__atomic_load_n(&u->p2m_gen_seen, __ATOMIC_ACQUIRE),
                               (unsigned long)target);
            }
            if (now >= next_report) {
                /* A hang explains itself: who is waited for, and how long. */
                domain_log(d, LOG_WARN, "physmap_flush still waiting for v%u on cpu%u after %lu ms (p2m "
                           "generation %lu seen, %lu wanted; %u NMI kicks)\n", u->vcpu_id, cpu,
                           (unsigned long)((now - start) / 1000000),
                           (unsigned long)__atomic_load_n(&u->p2m_gen_seen, __ATOMIC_ACQUIRE),
                           (unsigned long)target, nmis);
                next_report = now + FLUSH_REPORT_EVERY_NS;
            }
        }
        cpu_relax();
    }
}

void physmap_flush(struct domain *d)
{
    uint64_t target = __atomic_load_n(&d->p2m.generation, __ATOMIC_ACQUIRE);
    unsigned me = smp_processor_id();

    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *u = d->vcpus[i];
        /* Running elsewhere: make it exit; it takes a fresh tag when it
         * sees the new generation before re-entering.  Running here: that
         * is the caller, which is not in the guest.  Not running (queued,
         * blocked): it compares the generation before its next entry. */
        if (u)
            flush_wait_vcpu(d, u, target, me);
    }
}
