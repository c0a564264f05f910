/*
 * The Xen platform PCI device of an HVM domain, and the emulated-device
 * unplug ports beside it (docs/hvm-platform.md "Xen platform device").
 *
 * Why it exists: a Linux (or any PVHVM) guest decides whether it may use
 * PV disks and NICs from two things Xen's device model gives every HVM
 * guest.  Early in boot it reads the unplug protocol's magic at port 0x10
 * (Xen's docs/misc/hvm-emulated-unplug): without it the guest concludes it
 * has no PV devices, and blkfront/netfront never attach.  Later its
 * xen-platform-pci driver binds to the PCI device (vendor 0x5853, device
 * 0x0001) and carves the grant-table frames out of the device's memory BAR
 * (XENMEM_add_to_physmap of XENMAPSPACE_grant_table at GFNs inside it).
 *
 * The device: 00:02.0 (where xl's HVM guests have it), header type 0,
 * class ff 80 00, revision 1, subsystem 5853:0001, no capabilities;
 * BAR0 256 bytes of I/O at 0xc000, BAR1 16 MiB of 32-bit prefetchable
 * memory at 0xf0000000 (both placed here, as firmware would: the guest
 * finds them assigned and enabled; it may move them, and sizing by writing
 * all ones works).  Nothing is behind BAR0 (reads all ones, writes
 * dropped, as any unclaimed port); the parts of BAR1 the guest has not put
 * grant frames into read all ones and drop writes while memory decoding is
 * on.  Interrupt pin 0: the device raises no INTx.  Event-channel upcalls
 * reach an HVM guest by the callback vector (HVM_PARAM_CALLBACK_IRQ, vector
 * form), which every Linux since 4.x uses; the GSI and PCI INTx forms stay
 * refused (hvm_op.c), so a guest asking for the INTx form is told so
 * instead of waiting for an interrupt that never comes.
 *
 * The unplug ports (decoded only while the device exists):
 *   16-bit read  0x10: the magic 0x49d2 (this host never blacklists a
 *                      driver, so it never reads 0xd249);
 *    8-bit read  0x12: protocol version 1;
 *   16-bit write 0x12: the driver's product number (recorded, logged);
 *   32-bit write 0x10: the driver's build number (recorded, logged);
 *   16-bit write 0x10: the unplug mask (bit 0 IDE/SCSI disks, 1 NICs,
 *                      2 auxiliary IDE disks, 3 NVMe disks).  This PC has
 *                      no emulated disks or NICs, so there is nothing to
 *                      take away: the mask is recorded and logged;
 *    8-bit write 0x12: one byte of a driver log line, printed at '\n'.
 * Any other width or port there is unclaimed (all ones / dropped).  Log
 * lines are bounded (XP_LOG_MAX lines, then one "dropped" note) so that a
 * guest cannot flood the hypervisor's console.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define XP_VENDOR           0x5853          /* XenSource */
#define XP_DEVICE           0x0001          /* the platform device */
#define XP_REVISION         0x01
#define XP_CLASS            0xff            /* unassigned class ... */
#define XP_SUBCLASS         0x80            /* ... "other" */
#define XP_CMD_WRITABLE     0x0407          /* I/O space, memory space, bus master, INTx disable */
#define XP_CMD_RESET        0x0003          /* BARs assigned and decoding, as firmware leaves them */
#define XP_BAR0_SIZE        0x100u
#define XP_BAR0_RESET       0xc000u
#define XP_BAR0_FLAGS       0x1u            /* I/O space */
#define XP_BAR1_SIZE        0x1000000u      /* 16 MiB: room for any grant table (64 frames) and more */
#define XP_BAR1_RESET       0xf0000000u
#define XP_BAR1_FLAGS       0x8u            /* memory, 32-bit, prefetchable */

#define XP_PORT_MAGIC       0x10            /* 16-bit: magic / unplug mask; 32-bit: build number */
#define XP_PORT_VERSION     0x12            /* 8-bit: version / log byte; 16-bit: product number */
#define XP_MAGIC            0x49d2
#define XP_PROTOCOL         1
#define XP_LOG_LINE         120
#define XP_LOG_MAX          64              /* log lines a domain may print */
#define XP_NOTE_MAX         16              /* product/build/unplug notes a domain may print */

/*
 * (i) set in vxenplat_init; (l) guarded by lock.  Lock order: taken inside
 * the vpci lock (configuration cycles), otherwise alone; a leaf.  Owner:
 * d->plat->xenplat, freed by vxenplat_destroy.
 */
struct vxenplat {
    spinlock_t lock;
    uint16_t command;           /* (l) command register, XP_CMD_WRITABLE bits */
    uint32_t bar0, bar1;        /* (l) base address registers as the guest reads them */
    uint8_t int_line;           /* (l) interrupt line register (scratch for the OS) */
    uint16_t product;           /* (l) last product number written to 0x12 */
    uint32_t build;             /* (l) last build number written to 0x10 */
    uint16_t unplug_mask;       /* (l) every unplug bit ever written (OR of the writes) */
    unsigned unplug_writes;     /* (l) how many unplug writes */
    unsigned notes, log_lines;  /* (l) log lines printed so far (bounded) */
    unsigned log_len;           /* (l) bytes in log */
    char log[XP_LOG_LINE + 1];  /* (l) the driver log line being assembled */
};

static struct vxenplat *xp_of(struct domain *d)
{
    return d->plat ? d->plat->xenplat : NULL;
}

uint8_t vxenplat_cfg_read(struct domain *d, unsigned reg)
{
    struct vxenplat *x = xp_of(d);
    uint32_t dw;

    if (!x || reg > 0xff)
        return 0xff;
    uint64_t f = spin_lock_irqsave(&x->lock);
    switch (reg & ~3u) {
    case 0x00: dw = XP_VENDOR | (uint32_t)XP_DEVICE << 16; break;
    case 0x04: dw = x->command; break;      /* status 0: no capabilities, no errors */
    case 0x08: dw = XP_REVISION | (uint32_t)XP_SUBCLASS << 16 | (uint32_t)XP_CLASS << 24; break;
    case 0x10: dw = x->bar0; break;
    case 0x14: dw = x->bar1; break;
    case 0x2c: dw = XP_VENDOR | (uint32_t)XP_DEVICE << 16; break;  /* subsystem IDs */
    case 0x3c: dw = x->int_line; break;     /* interrupt pin 0: no INTx */
    default:   dw = 0; break;               /* header type 0, BARs 2-5, ROM, capabilities: none */
    }
    spin_unlock_irqrestore(&x->lock, f);
    return (uint8_t)(dw >> (8 * (reg & 3)));
}

/* One byte into a BAR: the size's low bits stay the flags, as the PCI
 * sizing protocol expects (all ones written reads back ~(size - 1) | flags). */
static uint32_t bar_byte(uint32_t bar, unsigned lane, uint8_t v, uint32_t size, uint32_t flags)
{
    bar = (bar & ~(0xffu << (8 * lane))) | (uint32_t)v << (8 * lane);
    return (bar & ~(size - 1)) | flags;
}

void vxenplat_cfg_write(struct domain *d, unsigned reg, uint8_t v)
{
    struct vxenplat *x = xp_of(d);

    if (!x || reg > 0xff)
        return;
    uint64_t f = spin_lock_irqsave(&x->lock);
    switch (reg) {
    case 0x04:
    case 0x05: {
        unsigned shift = 8 * (reg - 0x04);
        uint16_t mask = (uint16_t)(XP_CMD_WRITABLE & (0xffu << shift));
        x->command = (uint16_t)((x->command & ~mask) | ((unsigned)v << shift & mask));
        break;
    }
    case 0x10: case 0x11: case 0x12: case 0x13:
        x->bar0 = bar_byte(x->bar0, reg - 0x10, v, XP_BAR0_SIZE, XP_BAR0_FLAGS);
        break;
    case 0x14: case 0x15: case 0x16: case 0x17:
        x->bar1 = bar_byte(x->bar1, reg - 0x14, v, XP_BAR1_SIZE, XP_BAR1_FLAGS);
        break;
    case 0x3c:
        x->int_line = v;
        break;
    default:
        break;                              /* read-only or reserved: dropped */
    }
    spin_unlock_irqrestore(&x->lock, f);
}

bool vxenplat_mmio(struct domain *d, uint64_t gpa, bool write, uint64_t *val)
{
    struct vxenplat *x = xp_of(d);

    if (!x)
        return false;
    uint64_t f = spin_lock_irqsave(&x->lock);
    uint64_t base = x->bar1 & ~(uint64_t)(XP_BAR1_SIZE - 1);
    bool hit = (x->command & 0x2) && base && gpa >= base && gpa - base < XP_BAR1_SIZE;
    spin_unlock_irqrestore(&x->lock, f);
    if (hit && !write)
        *val = ~0ull;
    return hit;
}

/* A note about what the guest's driver said, while the budget lasts. */
static bool note_ok(struct vxenplat *x)
{
    return x->notes++ < XP_NOTE_MAX;
}

static void log_byte(struct domain *d, struct vxenplat *x, uint8_t c)
{
    if (c != '\n' && x->log_len < XP_LOG_LINE) {
        x->log[x->log_len++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
        return;
    }
    x->log[x->log_len] = 0;
    if (x->log_lines < XP_LOG_MAX)
        domain_log(d, LOG_INFO, "xen platform: driver log: %s\n", x->log);
    else if (x->log_lines == XP_LOG_MAX)
        domain_log(d, LOG_INFO, "xen platform: further driver log lines dropped\n");
    x->log_lines++;
    x->log_len = 0;
    if (c != '\n')
        log_byte(d, x, c);                  /* the byte that did not fit starts the next line */
}

bool vxenplat_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vxenplat *x = xp_of(d);

    if (!x)
        return false;
    bool claimed = true;
    uint64_t f = spin_lock_irqsave(&x->lock);
    if (in && port == XP_PORT_MAGIC && size == 2) {
        *val = XP_MAGIC;
    } else if (in && port == XP_PORT_VERSION && size == 1) {
        *val = XP_PROTOCOL;
    } else if (!in && port == XP_PORT_VERSION && size == 2) {
        x->product = (uint16_t)*val;
        if (note_ok(x))
            domain_log(d, LOG_INFO, "xen platform: PV driver product number %u\n", x->product);
    } else if (!in && port == XP_PORT_MAGIC && size == 4) {
        x->build = *val;
        if (note_ok(x))
            domain_log(d, LOG_INFO, "xen platform: PV driver build number %#x\n", x->build);
    } else if (!in && port == XP_PORT_MAGIC && size == 2) {
        uint16_t m = (uint16_t)*val;
        x->unplug_mask |= m;
        x->unplug_writes++;
        if (note_ok(x))
            domain_log(d, LOG_INFO, "xen platform: unplug%s%s%s%s%s (mask %#x): no emulated disks or NICs "
                       "on this platform, nothing to unplug\n", m & 1 ? " disks" : "", m & 2 ? " NICs" : "",
                       m & 4 ? " aux-IDE" : "", m & 8 ? " NVMe" : "", m & 0xfff0 ? " unknown bits" : "", m);
    } else if (!in && port == XP_PORT_VERSION && size == 1) {
        log_byte(d, x, (uint8_t)*val);
    } else {
        claimed = false;                    /* other widths and ports: unclaimed */
    }
    spin_unlock_irqrestore(&x->lock, f);
    return claimed;
}

int vxenplat_init(struct domain *d)
{
    if (d->cfg && !d->cfg->xen_platform_pci)
        return 0;
    struct vxenplat *x = xzalloc(sizeof(*x), HEAP_HVM);
    if (!x)
        return -ENOMEM;
    x->lock = (spinlock_t)SPINLOCK_INIT;
    x->command = XP_CMD_RESET;
    x->bar0 = XP_BAR0_RESET | XP_BAR0_FLAGS;
    x->bar1 = XP_BAR1_RESET | XP_BAR1_FLAGS;
    d->plat->xenplat = x;
    return 0;
}

void vxenplat_destroy(struct domain *d)
{
    struct vxenplat *x = xp_of(d);

    if (!x)
        return;
    if (x->unplug_writes || x->product || x->build)
        domain_log(d, LOG_INFO, "xen platform: %u unplug write(s), mask %#x; product %u, build %#x\n",
                   x->unplug_writes, x->unplug_mask, x->product, x->build);
    d->plat->xenplat = NULL;
    xfree(x);
}
