/*
 * The virtual PC of an HVM domain: creating its devices and dispatching
 * port and MMIO accesses to them.  The devices themselves are one file each
 * (platform.h lists them); this file only knows which addresses are whose.
 */
#include "hvm/platform.h"
#include "hvm/vlapic.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "hvm/fwcfg.h"
#include "mm/e820.h"

/* QEMU's fw_cfg (hvm/fwcfg.h) with what this domain was built with; HVM
 * domains only, unless the domain file says fw_cfg = 0. */
static int fwcfg_create(struct domain *d)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    uint8_t raw[E820_MAX_ENTRIES * 20];

    if (d->cfg && !d->cfg->fw_cfg)
        return 0;
    unsigned n = e820_build(d->mem_bytes, e);
    for (unsigned i = 0; i < n; i++)
        fwcfg_e820_entry(raw + 20 * i, e[i].addr, e[i].size, e[i].type);
    struct fwcfg_params p = {
        .ram_bytes = d->mem_bytes,
        /* Only the vCPUs that exist: Ringvisor has no CPU hot-plug, so the
         * maximum is the count (QEMU's default when -smp gives no maxcpus). */
        .boot_cpus = (uint16_t)d->nr_vcpus,
        .max_cpus = (uint16_t)d->nr_vcpus,
        .cmdline = d->cfg ? d->cfg->cmdline : NULL,
        .e820 = raw,
        .e820_bytes = n * 20,
    };
    d->plat->fwcfg = xzalloc(sizeof(struct fwcfg), HEAP_HVM);
    if (!d->plat->fwcfg)
        return -ENOMEM;
    /* Cannot fail: the blob holds the longest domain command line. */
    return fwcfg_build(d->plat->fwcfg, &p) ? -EINVAL : 0;
}

/* The HPET unless the domain file says hpet = 0 (xl's key). */
static int hpet_create(struct domain *d)
{
    return d->cfg && !d->cfg->hpet ? 0 : vhpet_init(d);
}

int hvm_platform_create(struct domain *d)
{
    int rc;

    d->plat = xzalloc(sizeof(*d->plat), HEAP_HVM);
    if (!d->plat)
        return -ENOMEM;
    d->plat->kbd_lock = (spinlock_t)SPINLOCK_INIT;
    d->plat->fwcfg_lock = (spinlock_t)SPINLOCK_INIT;
    d->plat->mux_lock = (spinlock_t)SPINLOCK_INIT;
    d->plat->debug_exit_port = d->cfg ? d->cfg->debug_exit : 0;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if ((rc = vlapic_create(d->vcpus[i])))
            return rc;
    /* PVH (docs/pvh.md): the local APICs are the whole platform, as under
     * Xen; the console is the PV ring (core/pvconsole.c). */
    if (d->type == DOMCFG_PVH)
        return 0;
    /* Order: interrupt controllers before the devices that raise lines. */
    if ((rc = vpic_init(d)) || (rc = vioapic_init(d)) || (rc = vuart_init(d)) || (rc = vpit_init(d)) ||
        (rc = vrtc_init(d)) || (rc = hpet_create(d)) || (rc = vpm_init(d)) || (rc = vpci_init(d)) || (rc = vxenplat_init(d)) ||
        (rc = fwcfg_create(d)))
        return rc;
    return 0;
}

/* Tolerates a half-built platform (hvm_platform_create failed part way). */
void hvm_platform_destroy(struct domain *d)
{
    if (!d->plat)
        return;
    /* Devices with timers first: a timer must not fire into a freed
     * interrupt controller. */
    xfree(d->plat->fwcfg);
    vxenplat_destroy(d);
    vpci_destroy(d);
    vpm_destroy(d);
    vhpet_destroy(d);
    vrtc_destroy(d);
    vpit_destroy(d);
    vuart_destroy(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vlapic_destroy(d->vcpus[i]);
    vioapic_destroy(d);
    vpic_destroy(d);
    xfree(d->plat);
    d->plat = NULL;
}

bool hvm_portio(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    /* The test harness's exit device, where the domain file put it (it may
     * not overlap the devices below: domcfg refuses such ports). */
    if (d->plat->debug_exit_port && port >= d->plat->debug_exit_port && port - d->plat->debug_exit_port < 4)
        return vdebugexit_io(d, port, in, size, val);
    /* PVH: only the sleep registers; every other port is unclaimed (reads
     * all-ones, writes ignored: hvm/io.c) -- except reads of PIT channel 2,
     * which return 0 (docs/pvh.md "PIT channel 2"). */
    if (d->type == DOMCFG_PVH) {
        if (port == PORT_PVH_SLEEP_CTL || port == PORT_PVH_SLEEP_STS)
            return vpm_sleep_io(d, port, in, size, val);
        if (port == PORT_PVH_PIT_CH2 && in && !(d->cfg && d->cfg->pvh_pit_ones)) {
            *val = 0;
            return true;
        }
        return false;
    }
    /* Cheap range checks first; each device re-checks its own ports. */
    if (port >= 0x3f8 && port <= 0x3ff)
        return vuart_io(d, port, in, size, val);
    if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 || port == 0x4d1)
        return vpic_io(d, port, in, size, val);
    if ((port >= 0x40 && port <= 0x43) || port == 0x61)
        return vpit_io(d, port, in, size, val);
    if (port == 0x70 || port == 0x71)
        return vrtc_io(d, port, in, size, val);
    if (port >= PORT_PM_BASE && port < PORT_PM_BASE + 12)
        return vpm_io(d, port, in, size, val);
    if (port == PORT_RESET && size == 1)
        return vreset_io(d, port, in, size, val);
    if (port >= 0xcf8 && port <= 0xcff)
        return vpci_io(d, port, in, size, val);
    if (port >= PORT_XENPLAT_FIRST && port <= PORT_XENPLAT_LAST)
        return vxenplat_io(d, port, in, size, val);
    if (port == 0x60 || port == 0x64)
        return vreset_io(d, port, in, size, val);
    if ((port == FWCFG_PORT_SEL || port == FWCFG_PORT_DATA) && d->plat->fwcfg) {
        uint64_t f = spin_lock_irqsave(&d->plat->fwcfg_lock);
        bool ok = fwcfg_io(d->plat->fwcfg, port, in, size, val);
        spin_unlock_irqrestore(&d->plat->fwcfg_lock, f);
        return ok;
    }
    return false;
}

bool hvm_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
    if (vlapic_mmio(v, gpa, size, write, val))
        return true;
    /* PVH has no IOAPIC and no HPET: those pages are unclaimed like any
     * other, and the emulator crashes the domain that touches them. */
    if (v->domain->type == DOMCFG_PVH)
        return false;
    if (gpa >= GPA_IOAPIC && gpa < GPA_IOAPIC + 0x1000)
        return vioapic_mmio(v, gpa, size, write, val);
    if (vhpet_mmio(v, gpa, size, write, val))
        return true;
    /* The Xen platform device's memory BAR where the guest put no grant
     * frame (those are RAM to it and never come here). */
    if (vxenplat_mmio(v->domain, gpa, write, val))
        return true;
    /* The rest of the chipset's fixed window (the IOAPIC range, the HPET
     * page with hpet = 0 or past its 1 KiB, the LAPIC range outside the
     * vCPU's APIC page, 0xfef00000-0xfeffffff): nothing decodes it, and a
     * PC answers such a cycle with all ones and drops writes.  Other
     * addresses outside RAM stay a guest error (docs/hvm-platform.md). */
    if (gpa >= GPA_FIXED_WINDOW && gpa < GPA_FIXED_WINDOW_END) {
        if (!write)
            *val = ~0ull;
        return true;
    }
    return false;
}
