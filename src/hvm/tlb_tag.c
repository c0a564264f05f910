/*
 * Tagged TLBs: ASIDs (SVM) and VPIDs (VMX) handed out per physical CPU by
 * generation.  A vCPU keeps its tag while it stays on one CPU and that CPU's
 * generation does not change, so switching worlds never flushes the TLB.
 * When a CPU runs out of tags it starts a new generation: every vCPU on it
 * takes a new tag, and the first entry of the generation flushes all tags
 * (old translations could still sit under recycled tags).  A p2m change
 * only needs the affected vCPUs to take a fresh tag.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/console.h"

static struct {
    uint32_t next;              /* next tag to hand out; 0 is the host's */
    uint64_t generation;        /* starts at 1 so a new vCPU (gen 0) never matches */
    uint64_t tag_allocs, generations, full_flushes;
} tags[RV_MAX_CPUS] __hot_data;            /* (o) per physical CPU */

__hot_path uint32_t hvm_tlb_tag_select(struct vcpu *v, uint32_t nr_tags, bool *flush_all)
{
    unsigned cpu = smp_processor_id();
    typeof(tags[0]) *t = &tags[cpu];

    *flush_all = false;
    if (t->generation == 0) {
        t->generation = 1;
        t->next = 1;
    }
    bool stale = __atomic_exchange_n(&v->tlb_flush_pending, false, __ATOMIC_SEQ_CST);
    if (!stale && v->tlb_cpu == (int)cpu && v->tlb_gen == t->generation)
        return v->tlb_tag;
    if (t->next >= nr_tags) {
        t->generation++;
        t->generations++;
        t->next = 1;
        *flush_all = true;
        t->full_flushes++;
    }
    v->tlb_tag = t->next++;
    v->tlb_gen = t->generation;
    v->tlb_cpu = (int)cpu;
    t->tag_allocs++;
    return v->tlb_tag;
}

void hvm_tlb_get_stats(struct hvm_tlb_stats *out)
{
    *out = (struct hvm_tlb_stats){ 0, 0, 0 };
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        out->tag_allocs += tags[c].tag_allocs;
        out->generations += tags[c].generations;
        out->full_flushes += tags[c].full_flushes;
    }
}

void hvm_tlb_print_stats(void)
{
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && percpu_of[c]->online)
            log_info("tlb: cpu%u tags handed out %lu, generations %lu, full flushes %lu\n", c,
                     (unsigned long)tags[c].tag_allocs, (unsigned long)tags[c].generations,
                     (unsigned long)tags[c].full_flushes);
}
