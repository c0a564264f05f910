/*
 * The virtual PC an HVM domain sees: its guest-physical memory map and the
 * emulated devices, one file each (vlapic.c, vioapic.c, vpic.c, vpit.c,
 * vrtc.c, vpm.c, vpci.c, vreset.c, vuart.c).  This header is the seam between
 * them: device state hangs off struct hvm_platform (one per domain), port and
 * MMIO accesses are dispatched here, and devices raise interrupts only through
 * the ISA-IRQ/GSI functions below, never by poking another device's state.
 *
 * Every device write comes from the guest and is range-checked by the device:
 * a bad value is ignored (or ends the domain, when real hardware would hang),
 * never trusted as an index.
 */
#ifndef RV_HVM_PLATFORM_H
#define RV_HVM_PLATFORM_H

#include "lib/compiler.h"
#include "core/spinlock.h"
#include "mm/e820.h"

struct domain;
struct vcpu;
struct vpic;
struct vioapic;
struct vpit;
struct vrtc;
struct vpm;
struct vpci;
struct vxenplat;
struct vuart;
struct fwcfg;
struct vhpet;

/* Guest-physical memory map (docs/hvm-platform.md); where RAM lies
 * (GPA_EBDA, GPA_BIOS_AREA, GPA_LOWMEM_LIMIT, GPA_HIGHMEM_START) is in
 * mm/e820.h, which every domain kind shares. */
#define GPA_ACPI_RSDP       0xe0000ull
#define GPA_ACPI_TABLES     0xe1000ull      /* up to GPA_ACPI_END */
#define GPA_ACPI_END        0xf0000ull
#define GPA_IOAPIC          0xfec00000ull
#define GPA_HPET            0xfed00000ull   /* 1 KiB register block (hpet = 0 removes it) */
#define GPA_HPET_SIZE       0x400ull
#define GPA_LAPIC           0xfee00000ull
/* The chipset's fixed window around the IOAPIC, HPET and LAPIC: what no
 * device claims in it reads all ones and ignores writes (docs/hvm-platform.md). */
#define GPA_FIXED_WINDOW    0xfec00000ull
#define GPA_FIXED_WINDOW_END 0xff000000ull

/* Fixed I/O ports of the platform (the FADT names the PM ones). */
#define PORT_PM_BASE        0xb000          /* PM1a_EVT (4 bytes), PM1a_CNT at +4 (2), PM timer at +8 (4) */
#define PORT_PM1A_EVT       (PORT_PM_BASE + 0)
#define PORT_PM1A_CNT       (PORT_PM_BASE + 4)
#define PORT_PM_TMR         (PORT_PM_BASE + 8)
#define PORT_RESET          0xcf9           /* FADT RESET_REG */
#define SCI_IRQ             9               /* ISA IRQ of the ACPI SCI (level, active high: MADT override) */
/* PVH only: the ACPI sleep control and status registers of the hardware-
 * reduced FADT (ACPI 6.5 4.8.3.7-8), one byte each; nothing else of the
 * platform's ports exists in a PVH domain (docs/pvh.md). */
#define PORT_PVH_SLEEP_CTL  0xb010
#define PORT_PVH_SLEEP_STS  0xb011
/* PVH: PIT channel 2's counter port.  There is no PIT; reads return 0
 * instead of all ones, so that Linux's early CPU calibration (which spins
 * up to 100,000 reads while the counter's high byte "stays" 0xff) gives up
 * after 4 reads.  docs/pvh.md "PIT channel 2". */
#define PORT_PVH_PIT_CH2    0x42

/* Per-domain device state; each pointer is owned by its device file, which
 * allocates it in *_init and frees it in *_destroy. */
struct hvm_platform {
    struct vpic *pic;
    struct vioapic *ioapic;
    struct vpit *pit;
    struct vrtc *rtc;
    struct vpm *pm;
    struct vpci *pci;
    struct vxenplat *xenplat;   /* (i) hvm/vxenplat.c, NULL with xen_platform_pci = 0 (and for PVH) */
    struct vuart *uart;         /* hvm/vuart.c: the 16550 at 0x3f8 (IRQ 4) */
    uint8_t kbd_cmd;            /* vreset.c: last i8042 command byte (guarded by kbd_lock) */
    spinlock_t kbd_lock;        /* leaf */
    struct fwcfg *fwcfg;        /* (i) hvm/fwcfg.c, NULL with fw_cfg = 0; its state guarded by fwcfg_lock */
    spinlock_t fwcfg_lock;      /* leaf */
    uint16_t debug_exit_port;   /* (i) first of the 4 ports of the debug-exit device, 0 = none */
    struct vhpet *hpet;         /* (i) hvm/vhpet.c, NULL with hpet = 0 */
    spinlock_t mux_lock;        /* irq.c: IRQ 0/8 legacy-replacement switch; inside device locks */
    bool hpet_legacy;           /* (m) the HPET owns IRQ 0 and IRQ 8 (its LEG_RT_CNF) */
    bool src_level[4];          /* (m) each legacy source's own level (enum hvm_legacy_src) */
};

/* Build / tear down the whole platform of d (all devices, vLAPICs of every
 * vCPU).  hvm_platform_create runs after the vCPUs exist.  A PVH domain
 * (d->type == DOMCFG_PVH) gets the vLAPICs and the sleep registers only: no
 * PIC, IOAPIC, PIT, RTC, UART, PM block, PCI or reset ports. */
int hvm_platform_create(struct domain *d);
void hvm_platform_destroy(struct domain *d);

/* Dispatch a guest port access / an MMIO access (after instruction
 * emulation).  Return false when nothing claims the address. */
bool hvm_portio(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);
bool hvm_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);

/*
 * Interrupt lines (hvm/irq.c).  ISA IRQ n drives PIC input n and IOAPIC
 * input hvm_isa_to_gsi(n) (IRQ0 -> GSI2, as the MADT override says).  Level
 * is the wire: an edge-triggered source calls assert then deassert (or
 * hvm_isa_irq_pulse).  Callable from any context; the devices' own locks
 * are taken inside.
 */
void hvm_isa_irq_set(struct domain *d, unsigned isa_irq, bool high);
void hvm_isa_irq_pulse(struct domain *d, unsigned isa_irq);
void hvm_gsi_set(struct domain *d, unsigned gsi, bool high);
unsigned hvm_isa_to_gsi(unsigned isa_irq);

/* IRQ 0 and IRQ 8 through the HPET's legacy-replacement switch (irq.c):
 * the PIT and the RTC drive them only while the HPET's LEG_RT_CNF is
 * clear, the HPET's timers 0 and 1 only while it is set. */
enum hvm_legacy_src { HVM_LSRC_PIT, HVM_LSRC_RTC, HVM_LSRC_HPET0, HVM_LSRC_HPET1, HVM_LSRC_NR };
void hvm_legacy_irq_set(struct domain *d, enum hvm_legacy_src src, bool high);
void hvm_legacy_irq_pulse(struct domain *d, enum hvm_legacy_src src);
void hvm_legacy_route(struct domain *d, bool hpet);

/* Device entry points, one set per file.  *_io returns true when it claimed
 * the port; *_init returns 0 or -errno; *_destroy must tolerate a failed or
 * missing init (pointer NULL). */
int vpic_init(struct domain *d);
void vpic_destroy(struct domain *d);
bool vpic_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);
void vpic_set_irq(struct domain *d, unsigned irq, bool high);
/* The 8259 pair's INTR output towards vCPU0: the vector an INTA cycle would
 * return, or -1 when INTR is low.  vpic_ack does the INTA (IRR -> ISR). */
int vpic_pending(struct domain *d);
int vpic_ack(struct domain *d);

int vioapic_init(struct domain *d);
void vioapic_destroy(struct domain *d);
bool vioapic_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
void vioapic_set_irq(struct domain *d, unsigned gsi, bool high);
/* A vLAPIC EOI of a level-triggered vector: clear Remote IRR of the pins
 * using it and re-deliver any that are still asserted. */
void vioapic_eoi(struct domain *d, uint8_t vector);

int vpit_init(struct domain *d);
void vpit_destroy(struct domain *d);
bool vpit_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);   /* 0x40-0x43, 0x61 */

/* The HPET (hvm/vhpet.c) at GPA_HPET; absent with hpet = 0. */
int vhpet_init(struct domain *d);
void vhpet_destroy(struct domain *d);
bool vhpet_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);

int vrtc_init(struct domain *d);
void vrtc_destroy(struct domain *d);
/* The CMOS memory-size bytes again from d->mem_bytes (a toolstack-built
 * domain's memory size comes after its devices: core/domctl_build.c). */
void vrtc_set_memory(struct domain *d);
bool vrtc_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);   /* 0x70-0x71 */

int vpm_init(struct domain *d);
void vpm_destroy(struct domain *d);
bool vpm_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);    /* PORT_PM_BASE.. */
/* PVH: PORT_PVH_SLEEP_CTL/STS (stateless; SLP_EN with SLP_TYP 5 powers off). */
bool vpm_sleep_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);

int vpci_init(struct domain *d);
void vpci_destroy(struct domain *d);
bool vpci_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);   /* 0xcf8-0xcff */

/* The Xen platform PCI device (00:02.0) and its unplug ports 0x10-0x13
 * (hvm/vxenplat.c).  Configuration bytes come through vpci.c; the MMIO
 * BAR claims the part of its 16 MiB that holds no grant frame. */
#define PORT_XENPLAT_FIRST  0x10
#define PORT_XENPLAT_LAST   0x13
int vxenplat_init(struct domain *d);
void vxenplat_destroy(struct domain *d);
uint8_t vxenplat_cfg_read(struct domain *d, unsigned reg);
void vxenplat_cfg_write(struct domain *d, unsigned reg, uint8_t v);
bool vxenplat_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);
bool vxenplat_mmio(struct domain *d, uint64_t gpa, bool write, uint64_t *val);

int vuart_init(struct domain *d);
void vuart_destroy(struct domain *d);
/* vuart_io: hvm/hvm.h; the console lines: core/domain_console.h */

/* The debug-exit device (QEMU's isa-debug-exit, iosize 4): a write of v to
 * any of its ports ends the domain (poweroff) with exit status (v << 1) | 1,
 * logged and kept in d->debug_exit_status for the report.  Reads give 0. */
bool vdebugexit_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);

/* Reset through 0xcf9 and the i8042 (0x60, 0x64): domain_shutdown(SHUTDOWN_reboot). */
bool vreset_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val);

#endif
