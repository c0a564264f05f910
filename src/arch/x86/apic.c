/*
 * Local APIC (Intel SDM vol. 3 chapter 10/11, AMD APM vol. 2 chapter 16).
 * x2APIC is used when the CPU has it and the command line allows it: its
 * MSR interface avoids the MMIO window and carries 32-bit APIC ids.
 */
#include "arch/x86/apic.h"
#include "arch/x86/asm.h"
#include "arch/x86/traps.h"
#include "arch/x86/cpufeature.h"
#include "arch/x86/time.h"
#include "core/console.h"
#include "core/panic.h"
#include "mm/mm.h"

#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ESR        0x280
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_LINT0  0x350
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERROR  0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0

#define LVT_MASKED      (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_NMI         (4u << 8)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define ICR_BUSY        (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)

static bool x2apic;                 /* (i) */
static volatile uint32_t *xapic;    /* (i) MMIO window in xAPIC mode */
static bool apic_ready;             /* (i) */
static bool use_deadline;           /* (i) */
static uint64_t apic_ticks_per_tsc_q32;   /* (i) APIC timer ticks per TSC tick, 32.32 fixed point */

static uint32_t apic_read(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : xapic[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        xapic[reg / 4] = v;
}

bool apic_x2apic_mode(void)
{
    return x2apic;
}

void apic_init_bsp(bool want_x2apic)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    x2apic = want_x2apic && boot_cpu.x2apic;
    /* Firmware may already have switched to x2APIC (it cannot be switched
     * back without disabling the APIC): keep it then. */
    if (base & (1u << 10))
        x2apic = true;
    if (!x2apic) {
        xapic = ioremap(base & 0xffffff000ull, 4096);
        if (!xapic)
            panic("apic: cannot map the local APIC at %#lx", (unsigned long)(base & ~0xfffull));
    }
    use_deadline = boot_cpu.tsc_deadline;
    apic_ready = true;
}

void apic_init_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    base |= 1u << 11;                   /* global enable */
    if (x2apic)
        base |= 1u << 10;               /* EXTD: x2APIC mode (must follow EN) */
    wrmsr(MSR_APIC_BASE, base);

    apic_write(APIC_TPR, 0);            /* accept every priority */
    apic_write(APIC_LVT_LINT0, LVT_MASKED);
    apic_write(APIC_LVT_LINT1, LVT_MASKED);
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    apic_write(APIC_LVT_ERROR, VEC_APIC_ERROR);
    apic_write(APIC_ESR, 0);            /* writing ESR latches and clears it */
    apic_write(APIC_ESR, 0);
    apic_write(APIC_SVR, (1u << 8) | VEC_SPURIOUS);     /* software enable */
    apic_eoi();                         /* drop anything firmware left in service */
}

uint32_t apic_current_id(void)
{
    return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

static void send_icr(uint32_t dest, uint32_t lo)
{
    if (x2apic) {
        /* One 64-bit MSR write; x2APIC ICR has no busy bit. */
        wrmsr(0x830, ((uint64_t)dest << 32) | lo);
        return;
    }
    for (unsigned i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
        cpu_relax();
    apic_write(APIC_ICR_HI, dest << 24);
    apic_write(APIC_ICR_LO, lo);
}

void apic_send_ipi(uint32_t apic_id, unsigned vector)
{
    uint64_t f = irq_save();
    send_icr(apic_id, vector | ICR_ASSERT);
    irq_restore(f);
}

void apic_send_ipi_allbutself(unsigned vector)
{
    uint64_t f = irq_save();
    send_icr(0, vector | ICR_ASSERT | ICR_ALL_BUT_SELF);
    irq_restore(f);
}

void apic_stop_other_cpus(void)
{
    if (apic_ready)
        send_icr(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

void apic_send_nmi(uint32_t apic_id)
{
    uint64_t f = irq_save();
    send_icr(apic_id, ICR_NMI | ICR_ASSERT);
    irq_restore(f);
}

void apic_send_init_sipi(uint32_t apic_id, uint8_t sipi_page)
{
    apic_write(APIC_ESR, 0);
    send_icr(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    tsc_delay_us(10000);
    /* Two SIPIs: the first may be lost on some older CPUs (SDM 8.4.4.1). */
    for (int i = 0; i < 2; i++) {
        send_icr(apic_id, ICR_STARTUP | sipi_page);
        tsc_delay_us(200);
    }
}

/* ---- timer ---- */

bool apic_timer_uses_deadline(void)
{
    return use_deadline;
}

void apic_timer_calibrate(void)
{
    if (use_deadline)
        return;
    /* Count APIC ticks (divide by 1) over 10 ms of TSC time. */
    apic_write(APIC_TDCR, 0xb);
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    apic_write(APIC_TMICT, 0xffffffff);
    uint64_t t0 = rdtsc_ordered();
    tsc_delay_us(10000);
    uint32_t left = apic_read(APIC_TMCCT);
    uint64_t t1 = rdtsc_ordered();
    apic_write(APIC_TMICT, 0);
    uint64_t ticks = 0xffffffffull - left;
    /* ticks < 2^32, so the shift fits in 64 bits. */
    apic_ticks_per_tsc_q32 = (ticks << 32) / (t1 - t0 ? t1 - t0 : 1);
    log_info("apic: timer runs at %lu kHz (no TSC-deadline)\n",
             (unsigned long)(ticks / 10));
}

void apic_timer_init_cpu(void)
{
    if (use_deadline) {
        apic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
        /* The LVT write must land before the first deadline write (SDM
         * 10.5.4.1 note): order them. */
        mb();
    } else {
        apic_write(APIC_TDCR, 0xb);
        apic_write(APIC_LVT_TIMER, VEC_TIMER);      /* one-shot */
    }
}

bool apic_timer_will_fire(unsigned vector)
{
    uint32_t bit = 1u << (vector & 31), off = 0x10 * (vector / 32);
    if ((apic_read(0x200 + off) | apic_read(0x100 + off)) & bit)     /* IRR, ISR */
        return true;
    if (use_deadline)
        return rdmsr(MSR_TSC_DEADLINE) != 0;
    return apic_read(APIC_TMCCT) != 0;
}

void apic_timer_program(uint64_t deadline_tsc)
{
    if (use_deadline) {
        wrmsr(MSR_TSC_DEADLINE, deadline_tsc);
        return;
    }
    if (!deadline_tsc) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    uint64_t now = rdtsc();
    uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 1;
    uint64_t ticks = (uint64_t)(((unsigned __int128)delta * apic_ticks_per_tsc_q32) >> 32);
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffull)
        ticks = 0xffffffffull;      /* re-armed by the timer softirq when it fires early */
    apic_write(APIC_TMICT, (uint32_t)ticks);
}
