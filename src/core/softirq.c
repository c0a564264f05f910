/* Softirqs (see softirq.h). */
#include "core/softirq.h"
#include "core/percpu.h"
#include "arch/x86/apic.h"
#include "arch/x86/traps.h"
#include "arch/x86/asm.h"

static softirq_fn handlers[SOFTIRQ_NR];   /* (i) registered at boot */

void open_softirq(unsigned nr, softirq_fn fn)
{
    handlers[nr] = fn;
}

void raise_softirq(unsigned nr)
{
    __atomic_or_fetch(&this_cpu()->softirq_pending, 1u << nr, __ATOMIC_SEQ_CST);
}

void cpu_raise_softirq(unsigned cpu, unsigned nr)
{
    struct percpu *p = percpu_of[cpu];

    __atomic_or_fetch(&p->softirq_pending, 1u << nr, __ATOMIC_SEQ_CST);
    if (p != this_cpu())
        apic_send_ipi(p->apic_id, VEC_EVENT_CHECK);   /* wakes it from HLT */
}

void cpu_kick_nmi(unsigned cpu)
{
    struct percpu *p = percpu_of[cpu];

    if (!p || p == this_cpu())
        return;
    __atomic_add_fetch(&p->nmi_kicks_sent, 1, __ATOMIC_SEQ_CST);   /* before the NMI: its handler looks */
    apic_send_nmi(p->apic_id);
}

void do_softirq(void)
{
    uint64_t flags = irq_save();
    struct percpu *cpu = this_cpu();

    if (cpu->in_softirq) {
        irq_restore(flags);
        return;     /* no nesting: the outer loop picks new bits up */
    }
    cpu->in_softirq = true;
    for (;;) {
        uint32_t pending = __atomic_exchange_n(&cpu->softirq_pending, 0, __ATOMIC_SEQ_CST);
        if (!pending)
            break;
        sti();
        for (unsigned nr = 0; nr < SOFTIRQ_NR; nr++)
            if ((pending & (1u << nr)) && handlers[nr])
                handlers[nr]();
        cli();
    }
    cpu->in_softirq = false;
    irq_restore(flags);
}
