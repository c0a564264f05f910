/* Self-tests of CPU-level mechanisms: exception recovery and page permissions. */
#include "core/selftest.h"
#include "core/percpu.h"
#include "arch/x86/extable.h"
#include "arch/x86/traps.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "mm/paging.h"

static uint64_t p_data_probe[1];
#include "lib/errno.h"

extern char __text_start[], __rodata_start[];

SELFTEST(exception_recovery)
{
    uint64_t v;
    int rc;

    /* #GP from loading a selector beyond the GDT limit (a fault every CPU
     * and emulator raises; TCG does not fault on unknown MSRs). */
    this_cpu()->last_fixup_vector = -1;
    __asm__ __volatile__("1: mov %0, %%ds\n2:\n"
                         ".pushsection .fixup, \"ax\"\n3: jmp 2b\n.popsection\n"
                         _ASM_EXTABLE(1b, 3b) :: "r"((uint64_t)0xfff8) : "memory");
    ST_CHECK(this_cpu()->last_fixup_vector == X86_EXC_GP, "expected #GP, got vector %d",
             this_cpu()->last_fixup_vector);
    /* rdmsr_safe must return either a value or -EIO, never crash. */
    rc = rdmsr_safe(0xdeadbeef, &v);
    ST_CHECK(rc == 0 || rc == -EIO, "rdmsr_safe of a bogus MSR returned %d", rc);

    /* #UD from ud2, resumed at the fixup. */
    int got = 0;
    this_cpu()->last_fixup_vector = -1;
    __asm__ __volatile__("1: ud2\n movl $0, %0\n2:\n"
                         ".pushsection .fixup, \"ax\"\n3: movl $1, %0\n jmp 2b\n.popsection\n"
                         _ASM_EXTABLE(1b, 3b) : "=r"(got));
    ST_CHECK(got == 1 && this_cpu()->last_fixup_vector == X86_EXC_UD,
             "ud2 not recovered (got %d, vector %d)", got, this_cpu()->last_fixup_vector);

    /* #DE from a division by zero. */
    uint64_t a = 1, d = 0, zero = 0;
    this_cpu()->last_fixup_vector = -1;
    __asm__ __volatile__("1: divq %2\n2:\n"
                         ".pushsection .fixup, \"ax\"\n3: jmp 2b\n.popsection\n"
                         _ASM_EXTABLE(1b, 3b) : "+a"(a), "+d"(d) : "r"(zero));
    ST_CHECK(this_cpu()->last_fixup_vector == X86_EXC_DE, "expected #DE, got vector %d",
             this_cpu()->last_fixup_vector);
    return 0;
}

SELFTEST(page_permissions)
{
    uint64_t v;
    int rc;

    /* Text and rodata must be read-only (CR0.WP makes that bind ring 0). */
    rc = probe_write_u64(__text_start + 64, 0);
    ST_CHECK(rc == -EFAULT && this_cpu()->last_fixup_vector == X86_EXC_PF, "write to .text was allowed");
    rc = probe_write_u64(__rodata_start, 0);
    ST_CHECK(rc == -EFAULT, "write to .rodata was allowed");
    /* Address 0 is unmapped, so a NULL dereference faults. */
    rc = probe_read_u64((void *)0, &v);
    ST_CHECK(rc == -EFAULT, "NULL was readable");
    /* The page below the primary stack is a guard page. */
    uint64_t guard = this_cpu()->stack_lo + (STACK_PRIMARY_FIRST - 1) * 4096ull;
    rc = probe_read_u64((void *)guard, &v);
    ST_CHECK(rc == -EFAULT, "stack guard page at %#lx was readable", (unsigned long)guard);
    /* Data is not executable when the CPU has NX. */
    if (mm_nx_enabled()) {
        ST_CHECK(paging_is_nx((uint64_t)&v), "stack page is executable");
        ST_CHECK(paging_is_nx((uint64_t)p_data_probe), "data page is executable");
        ST_CHECK(!paging_is_nx((uint64_t)__text_start), "text page is not executable");
    }
    /* And the direct map reaches RAM. */
    void *p = alloc_pages(0, DOMID_XEN);
    ST_CHECK(p, "no page to test with");
    rc = probe_write_u64(p, 0x1122334455667788ull);
    uint64_t back = 0;
    int rc2 = probe_read_u64(p, &back);
    free_pages(p, 0);
    ST_CHECK(rc == 0 && rc2 == 0 && back == 0x1122334455667788ull, "direct-map page not usable");
    return 0;
}

/* ---- IOAPIC routing: the PIT's IRQ 0 delivered through the IOAPIC ---- */

#include "arch/x86/ioapic.h"
#include "arch/x86/apic.h"
#include "arch/x86/time.h"
#include "core/percpu.h"

#define TEST_VECTOR 0x30
static volatile unsigned pit_irqs;

static void pit_irq(struct cpu_regs *regs)
{
    pit_irqs++;
}

SELFTEST(ioapic_pit_interrupt)
{
    bool level, low;
    uint32_t gsi = ioapic_isa_to_gsi(0, &level, &low);

    ST_CHECK(ioapic_nr_gsis() > gsi, "no IOAPIC pin for ISA IRQ 0 (GSI %u)", gsi);
    set_irq_handler(TEST_VECTOR, pit_irq);
    pit_irqs = 0;
    /* PIT channel 0, mode 2 (rate generator), 1193 ticks: ~1 kHz. */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    int rc = ioapic_route(gsi, TEST_VECTOR, apic_current_id(), level, low);
    ST_CHECK(rc == 0, "ioapic_route(GSI %u) failed: %d", gsi, rc);
    uint64_t give_up = now_ns() + 2000000000ull;
    while (pit_irqs < 10 && now_ns() < give_up)
        cpu_relax();
    ioapic_mask(gsi, true);
    outb(0x43, 0x30);           /* mode 0, one shot: stops the periodic output */
    outb(0x40, 0);
    outb(0x40, 0);
    set_irq_handler(TEST_VECTOR, NULL);
    ST_CHECK(pit_irqs >= 10, "only %u PIT interrupts arrived through GSI %u in 2 s", pit_irqs, gsi);
    return 0;
}
