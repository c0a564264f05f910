/*
 * Helpers shared by the plat_* guests (the legacy platform devices of an
 * HVM domain): 8259 set-up and EOI, PIT programming, CMOS access, a wait
 * loop on the guest clock.  Header-only (static functions) because the
 * guest build compiles each extra source once per guest under one name.
 *
 * Port numbers and bit layouts come from the device datasheets (Intel
 * 8259A, 82C54, Motorola MC146818A) and the ACPI specification; PM ports
 * are Ringvisor's (src/hvm/platform.h, described by the guest's FADT).
 */
#ifndef GUEST_PLAT_H
#define GUEST_PLAT_H

#include "guest.h"

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1
#define PIC_EOI         0x20            /* OCW2: non-specific EOI */
#define PIC_READ_IRR    0x0a            /* OCW3 */
#define PIC_READ_ISR    0x0b
#define PIC_POLL        0x0c
#define PIC1_VECTOR     0x20            /* IRQ 0-7 -> 0x20-0x27 */
#define PIC2_VECTOR     0x28            /* IRQ 8-15 -> 0x28-0x2f */

#define PIT_CH0         0x40
#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PIT_HZ          1193182u
#define PORT_SYSCTL_B   0x61

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71

#define PM_BASE         0xb000
#define PM1_STS         (PM_BASE + 0)
#define PM1_EN          (PM_BASE + 2)
#define PM1_CNT         (PM_BASE + 4)
#define PM_TMR          (PM_BASE + 8)
#define PM_TMR_HZ       3579545u

/* ICW1-ICW4: 8086 mode, cascade on IRQ2, vectors 0x20/0x28, edge; then
 * every input masked. */
static inline void pic_init(uint8_t master_mask, uint8_t slave_mask)
{
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, PIC1_VECTOR);
    outb(PIC2_DATA, PIC2_VECTOR);
    outb(PIC1_DATA, 0x04);              /* slave on input 2 */
    outb(PIC2_DATA, 0x02);              /* slave identity 2 */
    outb(PIC1_DATA, 0x01);              /* 8086 mode, normal EOI */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, master_mask);
    outb(PIC2_DATA, slave_mask);
}

static inline void pic_eoi(unsigned vector)
{
    if (vector >= PIC2_VECTOR && vector < PIC2_VECTOR + 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

static inline uint8_t pic_read(uint16_t cmd_port, uint8_t ocw3)
{
    outb(cmd_port, ocw3);
    return inb(cmd_port);
}

/* Channel 0 in mode `mode`, LSB then MSB, binary. */
static inline void pit_ch0_program(unsigned mode, uint16_t count)
{
    outb(PIT_CMD, (uint8_t)(0x30 | mode << 1));
    outb(PIT_CH0, (uint8_t)count);
    outb(PIT_CH0, (uint8_t)(count >> 8));
}

static inline uint8_t cmos_read(uint8_t idx)
{
    outb(CMOS_INDEX, idx);
    return inb(CMOS_DATA);
}

static inline void cmos_write(uint8_t idx, uint8_t v)
{
    outb(CMOS_INDEX, idx);
    outb(CMOS_DATA, v);
}

/* Channel 2 in mode 0 counting `count` CLKs from now, gate on, speaker
 * off: what Linux's pit_calibrate_tsc() sets up before polling OUT2. */
static inline void pit_ch2_oneshot(uint16_t count)
{
    outb(PORT_SYSCTL_B, (uint8_t)((inb(PORT_SYSCTL_B) & ~0x02) | 0x01));
    outb(PIT_CMD, 0xb0);                /* channel 2, LSB then MSB, mode 0, binary */
    outb(PIT_CH2, (uint8_t)count);
    outb(PIT_CH2, (uint8_t)(count >> 8));
}

/* TSC ticks for `count` PIT CLKs measured on OUT2 (0 if OUT2 never rises
 * within ~2^32 polls). */
static inline uint64_t pit_ch2_measure_tsc(uint16_t count)
{
    pit_ch2_oneshot(count);
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < 0xffffffffu; i++)
        if (inb(PORT_SYSCTL_B) & 0x20)
            return rdtsc() - t0;
    return 0;
}

/*
 * The guest clock needs the TSC rate (CPUID 0x40000003 under Ringvisor).
 * In plain QEMU ("nohv", for checking the guests themselves) take it from
 * the PIT instead, so the rate checks still mean something there.
 */
static inline bool plat_clock_init(void)
{
    if (!gi->tsc_khz && gi->nohv) {
        uint64_t ticks = pit_ch2_measure_tsc(59659);    /* 50 ms */
        gi->tsc_khz = (uint32_t)(ticks / 50);
        printf("note: nohv: TSC %u kHz from the PIT\n", (unsigned)gi->tsc_khz);
    }
    return check(clock_available(), "clock", "no TSC frequency (CPUID 0x40000003)");
}

/* Busy-waits ns of guest time with interrupts enabled (no HLT: the wait
 * must end even when no interrupt comes). */
static inline void wait_ns_sti(uint64_t ns)
{
    uint64_t end = clock_ns() + ns;
    sti();
    while (clock_ns() < end)
        pause();
    cli();
}

static inline void wait_ns(uint64_t ns)
{
    uint64_t end = clock_ns() + ns;
    while (clock_ns() < end)
        pause();
}

#endif /* GUEST_PLAT_H */
