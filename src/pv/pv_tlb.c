/*
 * TLB shootdowns of PV domains by the domain's dirty CPU mask, and the
 * per-vCPU counters of flushes, walks and exits (pv/pv_tlb.h has the rule
 * and the invariant).
 *
 * Before (session 9 and earlier) every flush went to every CPU that any
 * of the domain's vCPUs had ever run on (vcpu ran_on, set at the end of a
 * stint): a one-vCPU domain that had once run on both CPUs made a
 * cross-CPU call, and waited for it, for every changed present entry,
 * although the other CPU had long loaded another CR3.  ran_on also missed
 * a CPU during a vCPU's first stint there.
 */
#include "pv/pv.h"
#include "pv/pv_tlb.h"
#include "pv/pv_insn.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "arch/x86/asm.h"
#include "lib/fmt.h"

void pv_tlb_stint_begin(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;

    /* A locked read-modify-write: a full barrier before the CR3 load that
     * follows (see the order in pv_tlb.h). */
    __atomic_fetch_or(&pd->dirty_cpus, 1ull << smp_processor_id(), __ATOMIC_SEQ_CST);
}

void pv_tlb_stint_end(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;

    /* The hypervisor's CR3 is loaded: this CPU holds nothing of the
     * domain's any more.  Release: the CR3 write comes first. */
    __atomic_fetch_and(&pd->dirty_cpus, ~(1ull << smp_processor_id()), __ATOMIC_SEQ_CST);
}

/* The CPUs other than this one that the rule before would have called:
 * every CPU a vCPU of the domain had run on (only counted now). */
static uint64_t ran_on_others(struct domain *d, uint64_t self)
{
    uint64_t cpus = 0;

    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            cpus |= __atomic_load_n(&d->vcpus[i]->ran_on, __ATOMIC_RELAXED);
    return cpus & ~self;
}

void pv_tlb_flush(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    uint64_t self = 1ull << smp_processor_id();

    /* The entries were written before this point: the fence orders those
     * stores before the mask's load (an entering CPU's bit is set by a
     * locked operation before its CR3 load). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t others = __atomic_load_n(&pd->dirty_cpus, __ATOMIC_RELAXED) & ~self;

    flush_tlb_local();
    if (!others) {
        pv->perf.flush_local++;
        if (ran_on_others(v->domain, self))
            pv->perf.flush_spared++;
        return;
    }
    pv->perf.flush_remote++;
    for (uint64_t m = others; m; m &= m - 1)       /* no libgcc: count the bits by hand */
        pv->perf.flush_remote_cpus++;
    pv_flush_cpus(v->domain, others);
}

void pv_tlb_count_exit(struct pv_vcpu *pv, uint64_t vec)
{
    if (vec == PV_VEC_SYSCALL || vec == PV_VEC_SYSCALL32)
        pv->perf.exit_syscall++;
    else if (vec == 14)
        pv->perf.exit_pf++;
    else if (vec == 13)
        pv->perf.exit_gp++;
    else if (vec >= 32 && vec < 256)
        pv->perf.exit_irq++;
    else
        pv->perf.exit_exc++;
}

_Static_assert(PVI_NR <= 32, "pv_perf.priv_op holds every enum pv_insn_op");

void pv_tlb_count_priv(struct pv_vcpu *pv, unsigned op)
{
    if (op < PVI_NR)
        pv->perf.priv_op[op]++;
}

static const char *const priv_names[PVI_NR] = {
    [PVI_CPUID] = "cpuid", [PVI_FORCED_CPUID] = "forced-cpuid", [PVI_RDMSR] = "rdmsr", [PVI_WRMSR] = "wrmsr",
    [PVI_IN] = "in", [PVI_OUT] = "out", [PVI_INS] = "ins", [PVI_OUTS] = "outs",
    [PVI_MOV_FROM_CR] = "mov-from-cr", [PVI_MOV_TO_CR] = "mov-to-cr", [PVI_MOV_FROM_DR] = "mov-from-dr",
    [PVI_MOV_TO_DR] = "mov-to-dr", [PVI_CLTS] = "clts", [PVI_INVD] = "invd", [PVI_WBINVD] = "wbinvd",
    [PVI_HLT] = "hlt", [PVI_CLI] = "cli", [PVI_STI] = "sti", [PVI_RDTSC] = "rdtsc", [PVI_RDTSCP] = "rdtscp",
    [PVI_RDPMC] = "rdpmc", [PVI_INVLPG] = "invlpg",
};

void pv_tlb_log(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    const struct pv_perf *p = &pv->perf;

    /* Each field read once: the 'd' key reads a running vCPU's. */
    domain_log(v->domain, LOG_INFO,
               "v%u: pv: exits: %lu syscall, %lu #PF, %lu #GP, %lu other exceptions, %lu interrupts; "
               "TLB flushes: %lu local only, %lu cross-CPU (%lu CPUs interrupted), %lu cross-CPU spared; "
               "%lu page-table writes emulated, %lu software walks\n",
               v->vcpu_id, (unsigned long)READ_ONCE(p->exit_syscall), (unsigned long)READ_ONCE(p->exit_pf),
               (unsigned long)READ_ONCE(p->exit_gp), (unsigned long)READ_ONCE(p->exit_exc),
               (unsigned long)READ_ONCE(p->exit_irq), (unsigned long)READ_ONCE(p->flush_local),
               (unsigned long)READ_ONCE(p->flush_remote), (unsigned long)READ_ONCE(p->flush_remote_cpus),
               (unsigned long)READ_ONCE(p->flush_spared), (unsigned long)READ_ONCE(pv->emul.nr_ptwr),
               (unsigned long)__atomic_load_n(&p->walks, __ATOMIC_RELAXED));
    char buf[400];
    size_t at = 0;
    for (unsigned op = 1; op < PVI_NR; op++) {
        uint64_t nr = READ_ONCE(p->priv_op[op]);
        if (nr && priv_names[op] && at < sizeof(buf) - 40)
            at += (size_t)fmt_snprintf(buf + at, sizeof(buf) - at, " %s %lu", priv_names[op], (unsigned long)nr);
    }
    if (at)
        domain_log(v->domain, LOG_INFO, "v%u: pv: privileged instructions by kind:%s\n", v->vcpu_id, buf);
}
