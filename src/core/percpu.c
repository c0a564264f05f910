/* Per-CPU data allocation (see percpu.h). */
#include "core/percpu.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"

struct percpu *percpu_of[RV_MAX_CPUS] __hot_data;
unsigned nr_cpus_online;
unsigned nr_cpus_possible = 1;

/* The boot CPU's data lives in .bss so %gs works before the heap exists. */
static struct percpu bsp_percpu;

void percpu_activate(struct percpu *p)
{
    p->self = p;
    wrmsr(MSR_GS_BASE, (uint64_t)p);
}

void percpu_init_bsp_early(void)
{
    bsp_percpu.cpu = 0;
    percpu_of[0] = &bsp_percpu;
    percpu_activate(&bsp_percpu);
}

struct percpu *percpu_alloc(unsigned cpu, uint32_t apic_id)
{
    struct percpu *p = cpu == 0 ? &bsp_percpu : xzalloc(sizeof(*p), HEAP_CORE);

    if (!p)
        return NULL;
    p->cpu = cpu;
    p->apic_id = apic_id;
    p->self = p;
    percpu_of[cpu] = p;
    return p;
}
