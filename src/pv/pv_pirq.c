/*
 * The initial domain's physical interrupts as PIRQ event channels
 * (docs/dom0.md "Device interrupts").
 *
 * dom0 maps a source to a pirq (PHYSDEVOP_map_pirq: a GSI, or a device's
 * MSI), binds the pirq to an event channel (EVTCHNOP_bind_pirq, evtchn.c)
 * and acknowledges level-triggered ones (PHYSDEVOP_eoi, told which need it
 * by PHYSDEVOP_irq_status_query or the bitmap page it registers with
 * PHYSDEVOP_pirq_eoi_gmfn_v2).  The hypervisor keeps the hardware:
 *
 *  - GSI: at bind the GSI's I/O APIC pin is routed to a host vector of the
 *    boot CPU (physical, fixed), with the trigger and polarity from the
 *    MADT, the PCI default (level, active low) or PHYSDEVOP_setup_gsi.  A
 *    level interrupt masks its pin before the local APIC's EOI and sets the
 *    pirq's bit in dom0's EOI bitmap; dom0's PHYSDEVOP_eoi unmasks it (the
 *    I/O APIC delivers again if the line is still asserted).  Edge ones
 *    need no EOI.  GSIs of the hypervisor's own devices (PIT, cascade,
 *    legacy UARTs, RTC) are refused.
 *  - MSI: map_pirq finds the device's MSI capability itself, picks a
 *    vector and writes the message address (the boot CPU's local APIC,
 *    physical) and data (the vector, fixed, edge).  dom0 only sets the
 *    enable bit; its later writes to those address/data registers through
 *    0xcf8/0xcfc are dropped (pv_pci.c), so the device can only ever
 *    signal the vector the hypervisor chose.
 *  - MSI-X (a nonzero table_base): one pirq per table entry; the
 *    hypervisor finds the table from the device's capability and BAR,
 *    writes the entry's message and unmasks it (pv_msix.c); unmapping masks
 *    it again.  Multi-message MSI is not done (-EOPNOTSUPP: Linux then
 *    asks for one message).
 *
 * Only the initial domain has pirqs, so the table is global.  Numbers and
 * layouts are those of Xen's public physdev.h, written anew.
 */
#include "pv/pv.h"
#include "pv/pv_pirq.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "evtchn/evtchn.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/traps.h"
#include "arch/x86/uart.h"
#include "mm/mm.h"
#include "mm/pgtype.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PHYSDEVOP_irq_status_query      5
#define PHYSDEVOP_alloc_irq_vector      10
#define PHYSDEVOP_eoi                   12
#define PHYSDEVOP_map_pirq              13
#define PHYSDEVOP_unmap_pirq            14
#define PHYSDEVOP_restore_msi           19
#define PHYSDEVOP_setup_gsi             21
#define PHYSDEVOP_pirq_eoi_gmfn_v2      28
/* The device list (pv_pci.c). */
#define PHYSDEVOP_manage_pci_add        15
#define PHYSDEVOP_manage_pci_remove     16
#define PHYSDEVOP_manage_pci_add_ext    20
#define PHYSDEVOP_pci_device_add        25
#define PHYSDEVOP_pci_device_remove     26

#define MAP_PIRQ_TYPE_MSI               0
#define MAP_PIRQ_TYPE_GSI               1
#define MAP_PIRQ_TYPE_MSI_SEG           3
#define MAP_PIRQ_TYPE_MULTI_MSI         4

#define XENIRQSTAT_needs_eoi            1u

struct physdev_map_pirq {
    uint16_t domid;
    uint16_t pad;
    int32_t type, index, pirq;
    int32_t bus;            /* MSI_SEG: segment in bits 31:16 */
    int32_t devfn, entry_nr;
    uint32_t pad2;
    uint64_t table_base;    /* nonzero: MSI-X */
};
_Static_assert(sizeof(struct physdev_map_pirq) == 40, "physdev_map_pirq layout");
struct physdev_unmap_pirq { uint16_t domid; uint16_t pad; int32_t pirq; };
struct physdev_irq_status_query { uint32_t irq, flags; };
struct physdev_eoi { uint32_t irq; };
struct physdev_setup_gsi { int32_t gsi; uint8_t triggering, polarity; uint16_t pad; };
struct physdev_restore_msi { uint8_t bus, devfn; };

/* Host vectors for pirqs: 0x30-0x3f stay free for the self-tests. */
#define PIRQ_VEC_FIRST  0x40u
#define PIRQ_VEC_LAST   VEC_DEVICE_LAST

enum { PIRQ_FREE, PIRQ_GSI, PIRQ_MSI };

struct pirq {
    uint8_t kind;           /* PIRQ_* */
    uint8_t vector;         /* host vector (MSI: from map; GSI: from map too) */
    bool level, active_low; /* GSI trigger and polarity */
    bool eoi_pending;       /* level GSI: pin masked until dom0's EOI */
    uint8_t bus, devfn, msi_cap;    /* MSI: the device and its capability */
    bool msi64;             /* MSI: 64-bit address (data at +0xc, else +8) */
    uint16_t msix_nr;       /* MSI-X: the table entry */
    volatile uint32_t *msix;    /* MSI-X: the entry, mapped (pv_msix.c); NULL for MSI */
    uint32_t gsi;
    uint32_t port;          /* bound event channel, 0 = none */
    struct domain *dom;     /* the domain the port belongs to while bound */
    uint64_t count;         /* interrupts taken (debug) */
};

/* pirq_lock: pirqs[], vec_pirq[], gsi_cfg[], the EOI bitmap pointer.  Taken
 * with interrupts off (the vector handler takes it); inside the evtchn
 * domain lock (bind/close), never around it; ioapic_lock and pv_pci.c's
 * pci_lock nest inside. */
static spinlock_t pirq_lock = SPINLOCK_INIT;
static struct pirq pirqs[PIRQ_MAX];             /* (pirq_lock) */
static uint16_t vec_pirq[256];                  /* (pirq_lock) vector -> pirq + 1, 0 = none */
/* setup_gsi's trigger/polarity per GSI: bit 0 set, bit 1 level, bit 2 low. */
static uint8_t gsi_cfg[PIRQ_MAX];               /* (pirq_lock) */
static uint64_t *eoi_map;                       /* (pirq_lock) dom0's bitmap page, NULL = none */
static uint64_t eoi_mfn;                        /* (pirq_lock) its frame, held writable */
/* Handlers between dropping pirq_lock and the end of their event delivery
 * (atomic): teardown waits for them before the domain's ports go. */
static int pirq_inflight;

static uint32_t boot_apic_id(void)
{
    return percpu_of[0] ? percpu_of[0]->apic_id : 0;
}

/* GSIs the hypervisor keeps: the ISA lines of the PIT (0), the cascade (2),
 * the legacy UARTs (3, 4) and the RTC (8), through the MADT's overrides. */
static bool gsi_kept(uint32_t gsi)
{
    static const unsigned isa[] = { 0, 2, 3, 4, 8 };
    bool level, low;

    for (unsigned i = 0; i < ARRAY_SIZE(isa); i++)
        if (ioapic_isa_to_gsi(isa[i], &level, &low) == gsi)
            return true;
    return false;
}

/* Trigger and polarity of a GSI: setup_gsi's, else an ISA line's from the
 * MADT (edge, high unless overridden), else PCI's (level, low). */
static void gsi_mode(uint32_t gsi, bool *level, bool *low)
{
    if (gsi < PIRQ_MAX && (gsi_cfg[gsi] & 1)) {
        *level = gsi_cfg[gsi] & 2;
        *low = gsi_cfg[gsi] & 4;
        return;
    }
    for (unsigned irq = 0; irq < 16; irq++)
        if (ioapic_isa_to_gsi(irq, level, low) == gsi)
            return;
    *level = true;
    *low = true;
}

static void eoi_bit(unsigned pirq, bool set)
{
    if (!eoi_map)
        return;
    if (set)
        __atomic_fetch_or(&eoi_map[pirq / 64], 1ull << (pirq % 64), __ATOMIC_RELEASE);
    else
        __atomic_fetch_and(&eoi_map[pirq / 64], ~(1ull << (pirq % 64)), __ATOMIC_RELEASE);
}

/* A host vector no pirq uses, 0 if none; pirq_lock held. */
static unsigned vector_alloc(unsigned pirq)
{
    for (unsigned v = PIRQ_VEC_FIRST; v <= PIRQ_VEC_LAST; v++)
        if (!vec_pirq[v]) {
            vec_pirq[v] = (uint16_t)(pirq + 1);
            return v;
        }
    return 0;
}

static void pirq_interrupt(struct cpu_regs *regs)
{
    unsigned vec = (unsigned)regs->vector & 0xff;
    struct domain *d = NULL;
    uint32_t port = 0;
    unsigned pirq;

    spin_lock(&pirq_lock);          /* interrupts are off here */
    if (!vec_pirq[vec]) {
        spin_unlock(&pirq_lock);
        return;                     /* unmapped meanwhile: nothing listens */
    }
    pirq = vec_pirq[vec] - 1u;
    struct pirq *p = &pirqs[pirq];
    p->count++;
    if (p->kind == PIRQ_GSI && p->level) {
        /* Masked before the local APIC's EOI (x86_trap sends it after us),
         * so the still-asserted line cannot come back before dom0 has
         * serviced its device; PHYSDEVOP_eoi unmasks. */
        ioapic_mask(p->gsi, true);
        if (p->port) {
            p->eoi_pending = true;
            eoi_bit(pirq, true);
        }
    }
    port = p->port;
    d = port ? p->dom : NULL;
    if (d)
        __atomic_fetch_add(&pirq_inflight, 1, __ATOMIC_ACQ_REL);
    spin_unlock(&pirq_lock);
    if (d) {
        evtchn_send_pirq(d, port, pirq);
        __atomic_fetch_sub(&pirq_inflight, 1, __ATOMIC_RELEASE);
    }
}

/* ---- map / unmap ------------------------------------------------------------- */

static void msi_program(const struct pirq *p)
{
    unsigned cap = p->msi_cap;
    uint32_t addr = 0xfee00000u | (boot_apic_id() & 0xff) << 12;     /* physical, no redirection hint */

    if (p->msix) {
        pv_msix_program(p->msix, addr, p->vector);
        return;
    }

    pv_pci_write(p->bus, p->devfn, cap + 4, 4, addr);
    if (p->msi64)
        pv_pci_write(p->bus, p->devfn, cap + 8, 4, 0);
    /* Data: the vector, fixed delivery, edge. */
    pv_pci_write(p->bus, p->devfn, cap + (p->msi64 ? 0xc : 8), 2, p->vector);
}

static long map_gsi(struct physdev_map_pirq *m)
{
    if (m->index < 0 || (unsigned)m->index >= ioapic_nr_gsis() || (unsigned)m->index >= PIRQ_MAX)
        return -EINVAL;
    uint32_t gsi = (uint32_t)m->index;
    if (gsi_kept(gsi))
        return -EPERM;              /* the hypervisor's own device */
    /* A GSI's pirq is its number (Linux asks for that or for any). */
    if (m->pirq != -1 && m->pirq != (int32_t)gsi)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    struct pirq *p = &pirqs[gsi];
    long rc = 0;
    if (p->kind == PIRQ_GSI && p->gsi == gsi) {
        /* Mapped already: the same answer again. */
    } else if (p->kind != PIRQ_FREE) {
        rc = -EEXIST;               /* an MSI took this number */
    } else {
        unsigned vec = vector_alloc(gsi);
        if (!vec) {
            rc = -ENOSPC;
        } else {
            memset(p, 0, sizeof(*p));
            p->kind = PIRQ_GSI;
            p->gsi = gsi;
            p->vector = (uint8_t)vec;
            set_irq_handler(vec, pirq_interrupt);
        }
    }
    spin_unlock_irqrestore(&pirq_lock, f);
    if (rc == 0)
        m->pirq = (int32_t)gsi;
    return rc;
}

static long map_msi(struct physdev_map_pirq *m)
{
    unsigned seg = m->type == MAP_PIRQ_TYPE_MSI_SEG ? (uint32_t)m->bus >> 16 : 0;
    unsigned bus = (uint32_t)m->bus & 0xffff;

    if (seg != 0 || bus > 0xff || m->devfn < 0 || m->devfn > 0xff)
        return -ENODEV;
    if (m->pirq != -1 && (m->pirq < 0 || (unsigned)m->pirq >= PIRQ_MAX))
        return -EINVAL;
    bool x = m->table_base != 0;    /* MSI-X: table_base only says so (pv_msix.c) */
    if (x && (m->entry_nr < 0 || m->entry_nr > 0x7ff))
        return -EINVAL;
    unsigned cap = x ? 0 : pv_pci_find_cap(bus, (unsigned)m->devfn, 0x05);
    if (!x && !cap)
        return -ENODEV;             /* no such device, or no MSI capability */
    bool is64 = !x && (pv_pci_read(bus, (unsigned)m->devfn, cap + 2, 2) & 0x80);

    uint64_t f = spin_lock_irqsave(&pirq_lock);
    long rc = 0;
    volatile uint32_t *entry = NULL;
    if (x && (rc = pv_msix_locate(bus, (unsigned)m->devfn, (unsigned)m->entry_nr, &entry)))
        goto out;
    /* MSI: one pirq per device (single message); MSI-X: one per entry, and
     * never both kinds on one device. */
    for (unsigned i = 0; i < PIRQ_MAX; i++)
        if (pirqs[i].kind == PIRQ_MSI && pirqs[i].bus == bus && pirqs[i].devfn == (unsigned)m->devfn &&
            (!x || !pirqs[i].msix || pirqs[i].msix_nr == (unsigned)m->entry_nr)) {
            rc = -EEXIST;
            goto out;
        }
    int pirq = m->pirq;
    if (pirq == -1) {
        /* From the top, away from the GSIs' numbers. */
        for (int i = PIRQ_MAX - 1; i >= (int)ioapic_nr_gsis() && pirq < 0; i--)
            if (pirqs[i].kind == PIRQ_FREE)
                pirq = i;
        if (pirq < 0) {
            rc = -ENOSPC;
            goto out;
        }
    } else if (pirqs[pirq].kind != PIRQ_FREE) {
        rc = -EEXIST;
        goto out;
    }
    unsigned vec = vector_alloc((unsigned)pirq);
    if (!vec) {
        rc = -ENOSPC;
        goto out;
    }
    struct pirq *p = &pirqs[pirq];
    memset(p, 0, sizeof(*p));
    p->kind = PIRQ_MSI;
    p->vector = (uint8_t)vec;
    p->bus = (uint8_t)bus;
    p->devfn = (uint8_t)m->devfn;
    p->msi_cap = (uint8_t)cap;
    p->msi64 = is64;
    p->msix = entry;
    p->msix_nr = x ? (uint16_t)m->entry_nr : 0;
    set_irq_handler(vec, pirq_interrupt);
    msi_program(p);                 /* pci_lock inside pirq_lock */
    m->pirq = pirq;
out:
    spin_unlock_irqrestore(&pirq_lock, f);
    return rc;
}

static long map_pirq(struct vcpu *v, uint64_t arg)
{
    struct physdev_map_pirq m;

    if (copy_from_guest(v, &m, arg, sizeof(m)))
        return -EFAULT;
    if (!domain_is_self(v->domain, m.domid))
        return -EPERM;              /* pirqs for other domains (passthrough): no */
    long rc;
    switch (m.type) {
    case MAP_PIRQ_TYPE_GSI:
        rc = map_gsi(&m);
        break;
    case MAP_PIRQ_TYPE_MSI:
    case MAP_PIRQ_TYPE_MSI_SEG:
        rc = map_msi(&m);
        break;
    case MAP_PIRQ_TYPE_MULTI_MSI:
        rc = -EOPNOTSUPP;           /* Linux retries with one message */
        break;
    default:
        rc = -EINVAL;
    }
    if (rc == 0 && copy_to_guest(v, arg, &m, sizeof(m)))
        return -EFAULT;             /* the mapping stays: dom0 can unmap the pirq it asked for */
    if (rc == 0 && m.type == MAP_PIRQ_TYPE_GSI)
        domain_log(v->domain, LOG_INFO, "pirq %d: GSI %d, vector %#x\n", m.pirq, m.index, pirqs[m.pirq].vector);
    else if (rc == 0 && m.table_base)
        domain_log(v->domain, LOG_INFO, "pirq %d: MSI-X entry %d of %02x:%02x.%u, vector %#x\n", m.pirq,
                   m.entry_nr, (unsigned)m.bus & 0xff, (unsigned)m.devfn >> 3, (unsigned)m.devfn & 7,
                   pirqs[m.pirq].vector);
    else if (rc == 0)
        domain_log(v->domain, LOG_INFO, "pirq %d: MSI of %02x:%02x.%u, vector %#x\n", m.pirq,
                   (unsigned)m.bus & 0xff, (unsigned)m.devfn >> 3, (unsigned)m.devfn & 7, pirqs[m.pirq].vector);
    return rc;
}

/* Release p's source and vector; pirq_lock held. */
static void pirq_free(unsigned pirq)
{
    struct pirq *p = &pirqs[pirq];

    if (p->kind == PIRQ_GSI)
        ioapic_mask(p->gsi, true);
    /* An MSI device stops signalling (enable bit, control register bit 0)
     * before its vector can go to another pirq: a late message would
     * otherwise raise that pirq's event. */
    if (p->kind == PIRQ_MSI && p->msix) {
        pv_msix_mask(p->msix);      /* the entry; the device's other entries may still serve */
    } else if (p->kind == PIRQ_MSI) {
        uint32_t ctl = pv_pci_read(p->bus, p->devfn, p->msi_cap + 2u, 2);
        if (ctl != 0xffff && (ctl & 1))
            pv_pci_write(p->bus, p->devfn, p->msi_cap + 2u, 2, ctl & ~1u);
    }
    if (p->vector)
        vec_pirq[p->vector] = 0;
    eoi_bit(pirq, false);
    memset(p, 0, sizeof(*p));
}

static long unmap_pirq(struct vcpu *v, uint64_t arg)
{
    struct physdev_unmap_pirq u;

    if (copy_from_guest(v, &u, arg, sizeof(u)))
        return -EFAULT;
    if (!domain_is_self(v->domain, u.domid))
        return -EPERM;
    if (u.pirq < 0 || (unsigned)u.pirq >= PIRQ_MAX)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    long rc = 0;
    if (pirqs[u.pirq].kind == PIRQ_FREE)
        rc = -EINVAL;
    else if (pirqs[u.pirq].port)
        rc = -EBUSY;                /* close the event channel first */
    else
        pirq_free((unsigned)u.pirq);
    spin_unlock_irqrestore(&pirq_lock, f);
    return rc;
}

/* ---- binding (evtchn.c, through evtchn_pirq_ops) ------------------------------ */

/* -EPERM (not the initial domain), -EINVAL (out of range or not mapped),
 * -EEXIST (already bound). */
static int pv_pirq_attach(struct domain *d, unsigned pirq, uint32_t port)
{
    if (!domain_is_privileged(d))
        return -EPERM;
    if (pirq >= PIRQ_MAX)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    struct pirq *p = &pirqs[pirq];
    int rc = 0;
    if (p->kind == PIRQ_FREE) {
        rc = -EINVAL;
    } else if (p->port) {
        rc = -EEXIST;
    } else {
        p->port = port;
        p->dom = d;
        p->eoi_pending = false;
        eoi_bit(pirq, false);
        if (p->kind == PIRQ_GSI) {
            bool level, low;
            gsi_mode(p->gsi, &level, &low);
            p->level = level;
            p->active_low = low;
            rc = ioapic_route(p->gsi, p->vector, boot_apic_id(), level, low);  /* unmasked */
            if (rc) {
                p->port = 0;
                p->dom = NULL;
            }
        }
    }
    spin_unlock_irqrestore(&pirq_lock, f);
    return rc;
}

static void pv_pirq_detach(struct domain *d, unsigned pirq, uint32_t port)
{
    if (pirq >= PIRQ_MAX)
        return;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    struct pirq *p = &pirqs[pirq];
    if (p->port == port && p->dom == d) {
        p->port = 0;
        p->dom = NULL;
        p->eoi_pending = false;
        eoi_bit(pirq, false);
        if (p->kind == PIRQ_GSI)
            ioapic_mask(p->gsi, true);
    }
    spin_unlock_irqrestore(&pirq_lock, f);
}

static const struct evtchn_pirq_ops pirq_ops = {
    .nr_pirqs = PIRQ_MAX,
    .attach = pv_pirq_attach,
    .detach = pv_pirq_detach,
};

void pv_pirq_init(void)
{
    evtchn_set_pirq_ops(&pirq_ops);
}

/* ---- EOI, status, GSI set-up ---------------------------------------------- */

static long pirq_eoi(unsigned pirq)
{
    if (pirq >= PIRQ_MAX)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    struct pirq *p = &pirqs[pirq];
    long rc = 0;
    if (p->kind == PIRQ_FREE) {
        rc = -EINVAL;
    } else if (p->eoi_pending) {
        p->eoi_pending = false;
        eoi_bit(pirq, false);
        if (p->port)
            ioapic_mask(p->gsi, false);
    }
    spin_unlock_irqrestore(&pirq_lock, f);
    return rc;
}

static long irq_status_query(struct vcpu *v, uint64_t arg)
{
    struct physdev_irq_status_query q;

    if (copy_from_guest(v, &q, arg, sizeof(q)))
        return -EFAULT;
    if (q.irq >= PIRQ_MAX)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    struct pirq *p = &pirqs[q.irq];
    long rc = 0;
    if (p->kind == PIRQ_FREE) {
        rc = -EINVAL;
    } else {
        bool level = p->level, low;
        if (p->kind == PIRQ_GSI && !p->port)
            gsi_mode(p->gsi, &level, &low);     /* what bind will program */
        q.flags = p->kind == PIRQ_GSI && level ? XENIRQSTAT_needs_eoi : 0;
    }
    spin_unlock_irqrestore(&pirq_lock, f);
    if (rc == 0 && copy_to_guest(v, arg, &q, sizeof(q)))
        return -EFAULT;
    return rc;
}

static long setup_gsi(struct vcpu *v, uint64_t arg)
{
    struct physdev_setup_gsi s;

    if (copy_from_guest(v, &s, arg, sizeof(s)))
        return -EFAULT;
    if (s.gsi < 0 || (unsigned)s.gsi >= ioapic_nr_gsis() || (unsigned)s.gsi >= PIRQ_MAX || s.triggering > 1 ||
        s.polarity > 1)
        return -EINVAL;
    if (gsi_kept((uint32_t)s.gsi))
        return -EPERM;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    gsi_cfg[s.gsi] = (uint8_t)(1 | (s.triggering ? 2 : 0) | (s.polarity ? 4 : 0));
    struct pirq *p = &pirqs[s.gsi];
    if (p->kind == PIRQ_GSI && p->port) {
        /* Bound already: the pin takes the new mode now. */
        p->level = s.triggering;
        p->active_low = s.polarity;
        ioapic_route(p->gsi, p->vector, boot_apic_id(), p->level, p->active_low);
    }
    spin_unlock_irqrestore(&pirq_lock, f);
    return 0;
}

static long eoi_gmfn(struct vcpu *v, uint64_t arg)
{
    uint64_t mfn;

    if (copy_from_guest(v, &mfn, arg, sizeof(mfn)))
        return -EFAULT;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    bool have = eoi_map != NULL;
    spin_unlock_irqrestore(&pirq_lock, f);
    if (have)
        return -EBUSY;              /* once per domain lifetime */
    if (pv_mmu_get_writable(v, mfn))
        return -EINVAL;             /* not dom0's, or a page-table or descriptor frame now */
    uint64_t *map = phys_to_virt(mfn << 12);
    f = spin_lock_irqsave(&pirq_lock);
    if (eoi_map) {
        spin_unlock_irqrestore(&pirq_lock, f);
        pgt_put_top(&((struct pv_domain *)v->domain->kind_priv)->env, mfn);
        return -EBUSY;              /* another vCPU won the race */
    }
    eoi_map = map;
    eoi_mfn = mfn;
    /* The page starts as dom0 wrote it; make it tell the truth now. */
    for (unsigned i = 0; i < PIRQ_MAX; i++)
        eoi_bit(i, pirqs[i].eoi_pending);
    spin_unlock_irqrestore(&pirq_lock, f);
    return 0;
}

static long restore_msi(struct vcpu *v, uint64_t arg)
{
    struct physdev_restore_msi r;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    for (unsigned i = 0; i < PIRQ_MAX; i++)
        if (pirqs[i].kind == PIRQ_MSI && pirqs[i].bus == r.bus && pirqs[i].devfn == r.devfn)
            msi_program(&pirqs[i]);
    spin_unlock_irqrestore(&pirq_lock, f);
    return 0;
}

bool pv_pirq_msi_protected(unsigned bus, unsigned devfn, unsigned reg, unsigned size)
{
    /* Called under pci_lock with interrupts off; pirq_lock nests outside
     * pci_lock elsewhere, so only look (a racy read of bytes that change
     * under pirq_lock: a map in progress is finished by the same dom0
     * vCPU before it enables MSI). */
    for (unsigned i = 0; i < PIRQ_MAX; i++) {
        const struct pirq *p = &pirqs[i];
        if (__atomic_load_n(&p->kind, __ATOMIC_ACQUIRE) != PIRQ_MSI || p->bus != bus || p->devfn != devfn ||
            p->msix)
            continue;
        unsigned lo = p->msi_cap + 4u, hi = p->msi_cap + (p->msi64 ? 0xeu : 0xau);
        if (reg < hi && reg + size > lo)
            return true;
    }
    return false;
}

/* ---- dispatch, teardown --------------------------------------------------- */

bool pv_pirq_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    switch (cmd) {
    case PHYSDEVOP_irq_status_query:
    case PHYSDEVOP_eoi:
    case PHYSDEVOP_map_pirq:
    case PHYSDEVOP_unmap_pirq:
    case PHYSDEVOP_restore_msi:
    case PHYSDEVOP_setup_gsi:
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
    case PHYSDEVOP_alloc_irq_vector:
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove:
    case PHYSDEVOP_manage_pci_add_ext:
    case PHYSDEVOP_pci_device_add:
    case PHYSDEVOP_pci_device_remove:
        break;
    default:
        return false;
    }
    if (!domain_is_privileged(v->domain)) {
        *ret = -EPERM;              /* before anything of the caller's is read */
        return true;
    }
    switch (cmd) {
    case PHYSDEVOP_irq_status_query: *ret = irq_status_query(v, arg); break;
    case PHYSDEVOP_eoi: {
        struct physdev_eoi e;
        *ret = copy_from_guest(v, &e, arg, sizeof(e)) ? -EFAULT : pirq_eoi(e.irq);
        break;
    }
    case PHYSDEVOP_map_pirq:         *ret = map_pirq(v, arg); break;
    case PHYSDEVOP_unmap_pirq:       *ret = unmap_pirq(v, arg); break;
    case PHYSDEVOP_restore_msi:      *ret = restore_msi(v, arg); break;
    case PHYSDEVOP_setup_gsi:        *ret = setup_gsi(v, arg); break;
    case PHYSDEVOP_pirq_eoi_gmfn_v2: *ret = eoi_gmfn(v, arg); break;
    case PHYSDEVOP_alloc_irq_vector: {
        /* Linux's dom0 asks for a "vector" for each GSI it binds; vectors
         * are the hypervisor's business (chosen at map time), so the
         * answer is the number it gave, as Xen's is. */
        struct { uint32_t irq, vector; } a;
        if (copy_from_guest(v, &a, arg, sizeof(a))) {
            *ret = -EFAULT;
            break;
        }
        a.vector = a.irq;
        *ret = copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
        break;
    }
    default:                         (void)pv_pci_physdev_op(v, cmd, arg, ret); break;
    }
    return true;
}

void pv_pirq_teardown(struct domain *d)
{
    if (!domain_is_privileged(d))
        return;
    uint64_t f = spin_lock_irqsave(&pirq_lock);
    for (unsigned i = 0; i < PIRQ_MAX; i++)
        if (pirqs[i].kind != PIRQ_FREE)
            pirq_free(i);
    memset(gsi_cfg, 0, sizeof(gsi_cfg));
    uint64_t mfn = eoi_map ? eoi_mfn : 0;
    eoi_map = NULL;
    spin_unlock_irqrestore(&pirq_lock, f);
    /* No handler picks up a port of d any more; let those that did finish
     * before evtchn_domain_destroy frees the ports. */
    while (__atomic_load_n(&pirq_inflight, __ATOMIC_ACQUIRE))
        cpu_relax();
    if (mfn)
        pgt_put_top(&((struct pv_domain *)d->kind_priv)->env, mfn);
}
