/*
 * Bringing the other CPUs online: for each enabled CPU in the MADT, give it
 * per-CPU data and a guarded stack, fill in the trampoline's parameters and
 * send INIT-SIPI-SIPI; the CPU reports in by setting its online flag.
 */
#include "core/smp.h"
#include "core/percpu.h"
#include "core/console.h"
#include "core/softirq.h"
#include "core/timer.h"
#include "core/sched.h"
#include "core/panic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/traps.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"

struct trampoline_params {
    uint16_t gdt_limit; uint32_t gdt_base; uint16_t pad0;
    uint32_t pm_off; uint16_t pm_sel; uint16_t pad1;
    uint32_t lm_off; uint16_t lm_sel; uint16_t pad2;
    uint32_t cr3;
    uint32_t efer;
    uint64_t stack;
    uint64_t entry;
} __packed;

extern char trampoline_start[], trampoline_end[];
extern const uint32_t tramp_offsets[4];   /* gdt, pm32, lm64, params */

static volatile unsigned ap_booting;      /* (a) logical id of the CPU being started */

bool sched_active;

void cpu_idle_loop(void)
{
    for (;;) {
        if (READ_ONCE(sched_active))
            sched_loop();
        cli();
        if (this_cpu()->softirq_pending) {
            do_softirq();
            continue;
        }
        safe_halt();    /* sti;hlt: no wake-up can slip in between */
    }
}

static void __noreturn ap_entry(void)
{
    struct percpu *p = percpu_of[ap_booting];

    percpu_activate(p);
    cpu_desc_init(p);
    apic_init_cpu();
    timer_cpu_init();
    __atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->online, 1, __ATOMIC_RELEASE);
    cpu_idle_loop();
}

static bool start_cpu(unsigned cpu, uint32_t apic_id, uint64_t tramp_phys)
{
    struct percpu *p = percpu_alloc(cpu, apic_id);
    uint64_t slot = p ? map_stack_slot(cpu) : 0;

    if (!slot) {
        log_err("smp: out of memory starting CPU %u\n", cpu);
        return false;
    }
    p->stack_lo = slot;
    p->stack_hi = slot + STACK_SLOT_PAGES * 4096ull;
    p->stack_top = p->stack_hi;
    p->ist_top[0] = slot + 2 * 4096;
    p->ist_top[1] = slot + 4 * 4096;
    p->ist_top[2] = slot + 6 * 4096;
    p->ist_top[3] = slot + 8 * 4096;

    struct trampoline_params *tp = phys_to_virt(tramp_phys + tramp_offsets[3]);
    tp->gdt_base = (uint32_t)(tramp_phys + tramp_offsets[0]);
    tp->pm_off = (uint32_t)(tramp_phys + tramp_offsets[1]);
    tp->lm_off = (uint32_t)(tramp_phys + tramp_offsets[2]);
    tp->cr3 = (uint32_t)mm_root_phys();
    tp->efer = (1u << 8) | (mm_nx_enabled() ? (1u << 11) : 0);
    tp->stack = p->stack_top;
    tp->entry = (uint64_t)ap_entry;
    ap_booting = cpu;
    mb();

    apic_send_init_sipi(apic_id, (uint8_t)(tramp_phys >> 12));
    /* Emulators on a busy host can take a while; real CPUs answer in
     * microseconds.  Give up after 5 s with a clear message. */
    uint64_t deadline = now_ns() + 5000000000ull;
    while (!__atomic_load_n(&p->online, __ATOMIC_ACQUIRE)) {
        if (now_ns() > deadline) {
            log_err("smp: CPU %u (APIC id %u) did not come online\n", cpu, apic_id);
            percpu_of[cpu] = NULL;
            return false;
        }
        cpu_relax();
    }
    return true;
}

void smp_boot_cpus(unsigned max_cpus)
{
    uint32_t self = apic_current_id();
    unsigned cpu = 1, tried = 0;

    if (!acpi_present || acpi_info.nr_cpus <= 1)
        return;
    void *tramp = alloc_pages_below(0, MiB(1), DOMID_XEN);
    if (!tramp) {
        log_err("smp: no free page below 1 MiB for the start-up code; other CPUs stay offline\n");
        return;
    }
    uint64_t tramp_phys = virt_to_phys(tramp);
    memcpy(tramp, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    if (map_identity_page(tramp_phys, true))
        panic("smp: cannot identity-map the start-up page");

    for (unsigned i = 0; i < acpi_info.nr_cpus; i++) {
        const struct acpi_cpu *c = &acpi_info.cpus[i];
        if (!c->enabled || c->apic_id == self)
            continue;
        if (cpu >= max_cpus || cpu >= RV_MAX_CPUS) {
            log_info("smp: CPU with APIC id %u left offline (maxcpus=%u)\n", c->apic_id, max_cpus);
            continue;
        }
        if (!apic_x2apic_mode() && c->apic_id > 0xfe) {
            log_warn("smp: APIC id %u needs x2APIC; left offline\n", c->apic_id);
            continue;
        }
        tried++;
        if (start_cpu(cpu, c->apic_id, tramp_phys))
            cpu++;
    }
    nr_cpus_possible = cpu;
    log_info("smp: %u CPUs online (%u started, %u failed)\n", nr_cpus_online, cpu - 1, tried - (cpu - 1));
}
