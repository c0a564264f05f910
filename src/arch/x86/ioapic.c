/*
 * IOAPIC (82093AA data sheet: IOREGSEL at +0, IOWIN at +0x10; register 1 =
 * version with the highest redirection entry in bits 23:16; entries at
 * 0x10 + 2n) and 8259 PIC shutdown.
 */
#include "arch/x86/ioapic.h"
#include "arch/x86/acpi_tables.h"
#include "arch/x86/asm.h"
#include "arch/x86/traps.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "mm/mm.h"
#include "lib/errno.h"

struct ioapic {
    volatile uint32_t *regs;    /* (i) */
    uint32_t id, gsi_base;      /* (i) */
    unsigned nr_pins;           /* (i) */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];   /* (i) */
static unsigned nr_ioapics;                       /* (i) */
static struct acpi_iso isos[ACPI_MAX_ISOS];       /* (i) */
static unsigned nr_isos;                          /* (i) */
/* ioapic_lock: IOREGSEL/IOWIN is a two-step access; leaf lock, IRQ-safe. */
static spinlock_t ioapic_lock = SPINLOCK_INIT;

void pic_disable(void)
{
    /* Re-initialise both 8259s (ICW1-4) so that even a spurious IRQ lands
     * on 0x20-0x2f rather than on an exception vector, then mask them. */
    outb(0x20, 0x11); outb(0xa0, 0x11);
    outb(0x21, VEC_PIC_BASE); outb(0xa1, VEC_PIC_BASE + 8);
    outb(0x21, 4); outb(0xa1, 2);           /* master: slave on IRQ2; slave id 2 */
    outb(0x21, 1); outb(0xa1, 1);           /* 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);
}

static uint32_t io_read(struct ioapic *io, uint32_t reg)
{
    io->regs[0] = reg;
    return io->regs[4];
}

static void io_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[0] = reg;
    io->regs[4] = v;
}

static struct ioapic *find(uint32_t gsi, unsigned *pin)
{
    for (unsigned i = 0; i < nr_ioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].nr_pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    return NULL;
}

void ioapic_init(const struct acpi_info *acpi)
{
    for (unsigned i = 0; i < acpi->nr_ioapics && nr_ioapics < ACPI_MAX_IOAPICS; i++) {
        struct ioapic *io = &ioapics[nr_ioapics];
        io->regs = ioremap(acpi->ioapics[i].addr, 0x20);
        if (!io->regs) {
            log_warn("ioapic: cannot map IOAPIC %u at %#x\n", acpi->ioapics[i].id, acpi->ioapics[i].addr);
            continue;
        }
        io->id = acpi->ioapics[i].id;
        io->gsi_base = acpi->ioapics[i].gsi_base;
        uint32_t ver = io_read(io, 1);
        io->nr_pins = ((ver >> 16) & 0xff) + 1;
        /* Mask every pin: nothing is routed until a driver asks. */
        for (unsigned pin = 0; pin < io->nr_pins; pin++) {
            io_write(io, 0x10 + 2 * pin, 1u << 16);
            io_write(io, 0x11 + 2 * pin, 0);
        }
        log_info("ioapic: id %u at %#x, GSIs %u-%u\n", io->id, acpi->ioapics[i].addr,
                 io->gsi_base, io->gsi_base + io->nr_pins - 1);
        nr_ioapics++;
    }
    nr_isos = acpi->nr_isos;
    for (unsigned i = 0; i < nr_isos; i++)
        isos[i] = acpi->isos[i];
    if (!nr_ioapics)
        log_warn("ioapic: none found; device interrupts unavailable\n");
}

unsigned ioapic_nr_gsis(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nr_ioapics; i++)
        n = MAX(n, ioapics[i].gsi_base + ioapics[i].nr_pins);
    return n;
}

uint32_t ioapic_isa_to_gsi(unsigned irq, bool *level, bool *active_low)
{
    /* ISA defaults: edge, active high, GSI = IRQ (ACPI 6.4 5.2.12.5). */
    *level = false;
    *active_low = false;
    for (unsigned i = 0; i < nr_isos; i++) {
        if (isos[i].bus != 0 || isos[i].source != irq)
            continue;
        unsigned pol = isos[i].flags & 3, trig = (isos[i].flags >> 2) & 3;
        *active_low = pol == 3;
        *level = trig == 3;
        return isos[i].gsi;
    }
    return irq;
}

int ioapic_route(uint32_t gsi, unsigned vector, uint32_t apic_id, bool level, bool active_low)
{
    unsigned pin;
    struct ioapic *io = find(gsi, &pin);

    if (!io || vector < VEC_DEVICE_FIRST || vector > VEC_DEVICE_LAST || apic_id > 0xff)
        return -EINVAL;
    uint32_t lo = vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
    uint64_t f = spin_lock_irqsave(&ioapic_lock);
    /* High word (destination) first, so the entry is never live with a
     * stale destination. */
    io_write(io, 0x11 + 2 * pin, apic_id << 24);
    io_write(io, 0x10 + 2 * pin, lo);
    spin_unlock_irqrestore(&ioapic_lock, f);
    return 0;
}

int ioapic_mask(uint32_t gsi, bool masked)
{
    unsigned pin;
    struct ioapic *io = find(gsi, &pin);

    if (!io)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&ioapic_lock);
    uint32_t lo = io_read(io, 0x10 + 2 * pin);
    io_write(io, 0x10 + 2 * pin, masked ? lo | (1u << 16) : lo & ~(1u << 16));
    spin_unlock_irqrestore(&ioapic_lock, f);
    return 0;
}
