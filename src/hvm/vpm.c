/*
 * ACPI fixed-hardware power management registers (ACPI 6.0, 4.8.3):
 * the PM1a event block at PORT_PM1A_EVT (PM1_STS, then PM1_EN at +2), the
 * PM1a control block at PORT_PM1A_CNT, and the power-management timer at
 * PORT_PM_TMR.  hvm/acpi_build.c describes them in the FADT.
 *
 * PM timer: 3.579545 MHz from now_ns() (counting from domain creation),
 * 32 bits wide because the FADT sets TMR_VAL_EXT.  TMR_STS is set whenever
 * the counter's top bit changes (4.8.3.3); with TMR_EN, that raises the
 * SCI.  The other status bits (power button, RTC, wake) have no source
 * here; they are write-1-to-clear as specified.
 *
 * PM1_CNT: SCI_EN reads 1 (the platform is always in ACPI mode: the FADT
 * has no SMI_CMD), BM_RLD and GBL_RLS are stored, SLP_EN (bit 13) is
 * write-only and, together with SLP_TYP (bits 12:10) = 5 (the \_S5 value
 * in our DSDT), turns the domain off: domain_shutdown(SHUTDOWN_poweroff).
 * Other sleep types are not offered by the DSDT; a request for one is
 * ignored and the guest keeps running.
 *
 * SCI: ISA IRQ SCI_IRQ, level, high while any enabled status bit is set.
 *
 * Any access width (1, 2, 4) at any port of the blocks is served byte by
 * byte; 16-bit registers are little-endian.  (The PM timer read as bytes
 * can tear, as on hardware: the FADT tells the OS to use 32-bit reads.)
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "arch/x86/time.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define PM_TMR_HZ           3579545ull
#define PM_TMR_BITS         32
#define NS_PER_S            1000000000ull

#define PM1_TMR_STS         (1u << 0)
#define PM1_STS_DEFINED     0xc731u     /* TMR BM GBL PWRBTN SLPBTN RTC PCIEXP_WAKE WAK */
#define PM1_EN_DEFINED      0x4721u     /* TMR GBL PWRBTN SLPBTN RTC PCIEXP_WAKE_DIS */
#define PM1_SCI_EN          (1u << 0)
#define PM1_CNT_STORED      0x0006u     /* BM_RLD, GBL_RLS */
#define PM1_SLP_TYP_SHIFT   10
#define PM1_SLP_EN          (1u << 13)
#define SLP_TYP_S5          5

/*
 * Per-domain PM registers.
 * (i) set in vpm_init; (l) guarded by lock.
 * Lock order: lock, then the interrupt controllers (the SCI level is set
 * while holding it), then the timer queue lock.  domain_shutdown is called
 * after lock is released.  The timer handler takes lock: vpm_destroy
 * kills the timer without holding it.
 */
struct vpm {
    spinlock_t lock;
    struct domain *d;           /* (i) */
    uint64_t start_ns;          /* (i) PM timer 0 */
    uint16_t sts;               /* (l) PM1_STS bits other than TMR_STS */
    uint16_t en;                /* (l) PM1_EN */
    uint16_t cnt;               /* (l) PM1_CNT stored bits */
    uint64_t tmr_sts_period;    /* (l) top-bit period index at the last TMR_STS clear */
    bool tmr_sts;               /* (l) latched TMR_STS */
    bool sci;                   /* (l) SCI as last driven */
    struct timer timer;         /* own locking: the next top-bit change, while TMR_EN */
};

static struct vpm *pm_of(struct domain *d)
{
    return d->plat ? d->plat->pm : NULL;
}

static uint64_t pm_ticks(const struct vpm *p, uint64_t now)
{
    uint64_t ns = now - p->start_ns;
    return ns / NS_PER_S * PM_TMR_HZ + ns % NS_PER_S * PM_TMR_HZ / NS_PER_S;
}

static uint32_t pm_timer(const struct vpm *p, uint64_t now)
{
    return (uint32_t)(pm_ticks(p, now) & ((1ull << PM_TMR_BITS) - 1));
}

/* The counter's top bit changes every 2^(bits-1) ticks. */
static uint64_t period_index(const struct vpm *p, uint64_t now)
{
    return pm_ticks(p, now) >> (PM_TMR_BITS - 1);
}

static uint16_t status(struct vpm *p, uint64_t now)
{
    if (!p->tmr_sts && period_index(p, now) != p->tmr_sts_period)
        p->tmr_sts = true;
    return (uint16_t)(p->sts | (p->tmr_sts ? PM1_TMR_STS : 0));
}

static void update_sci(struct vpm *p, uint64_t now)
{
    bool level = (status(p, now) & p->en) != 0;
    if (level != p->sci) {
        p->sci = level;
        hvm_isa_irq_set(p->d, SCI_IRQ, level);
    }
    if ((p->en & PM1_TMR_STS) && !p->tmr_sts) {
        uint64_t t = (p->tmr_sts_period + 1) << (PM_TMR_BITS - 1);     /* in ticks */
        uint64_t ns = t / PM_TMR_HZ * NS_PER_S + (t % PM_TMR_HZ * NS_PER_S + PM_TMR_HZ - 1) / PM_TMR_HZ;
        timer_set(&p->timer, p->start_ns + ns);
    } else {
        timer_stop(&p->timer);
    }
}

static void pm_timer_fn(void *data)
{
    struct vpm *p = data;
    uint64_t f = spin_lock_irqsave(&p->lock);
    update_sci(p, now_ns());
    spin_unlock_irqrestore(&p->lock, f);
}

/* One byte of the register file at offset off from PORT_PM_BASE. */
static uint8_t read_byte(struct vpm *p, unsigned off, uint64_t now)
{
    unsigned shift = 8 * (off & 1);
    switch (off) {
    case 0: case 1:
        return (uint8_t)(status(p, now) >> shift);
    case 2: case 3:
        return (uint8_t)(p->en >> shift);
    case 4: case 5:
        return (uint8_t)((p->cnt | PM1_SCI_EN) >> shift);
    case 8: case 9: case 10: case 11:
        return (uint8_t)(pm_timer(p, now) >> (8 * (off - 8)));
    default:
        return 0xff;                /* 6, 7: not part of a block */
    }
}

/* Returns true when the write asks for soft-off. */
static bool write_byte(struct vpm *p, unsigned off, uint8_t v, uint64_t now)
{
    unsigned shift = 8 * (off & 1);
    uint16_t bits = (uint16_t)(v << shift);
    switch (off) {
    case 0: case 1:                 /* write 1 to clear */
        bits &= PM1_STS_DEFINED;
        if (bits & PM1_TMR_STS) {
            status(p, now);
            p->tmr_sts = false;
            p->tmr_sts_period = period_index(p, now);
        }
        p->sts &= (uint16_t)~bits;
        return false;
    case 2: case 3:
        p->en = (uint16_t)((p->en & ~(0xffu << shift)) | (bits & PM1_EN_DEFINED));
        return false;
    case 4: case 5:
        p->cnt = (uint16_t)((p->cnt & ~(0xffu << shift)) | (bits & PM1_CNT_STORED));
        return (bits & PM1_SLP_EN) && ((bits >> PM1_SLP_TYP_SHIFT) & 7) == SLP_TYP_S5;
    default:
        return false;               /* the PM timer is read-only */
    }
}

bool vpm_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vpm *p = pm_of(d);
    if (!p || port < PORT_PM_BASE || port >= PORT_PM_BASE + 12 || (size != 1 && size != 2 && size != 4))
        return false;
    bool off_req = false;
    uint32_t out = 0;
    uint64_t f = spin_lock_irqsave(&p->lock);
    uint64_t now = now_ns();
    for (unsigned i = 0; i < size; i++) {
        unsigned off = port - PORT_PM_BASE + i;
        if (off >= 12) {
            out |= 0xffu << (8 * i);
            continue;
        }
        if (in)
            out |= (uint32_t)read_byte(p, off, now) << (8 * i);
        else
            off_req |= write_byte(p, off, (uint8_t)(*val >> (8 * i)), now);
    }
    if (!in)
        update_sci(p, now);
    spin_unlock_irqrestore(&p->lock, f);
    if (in)
        *val = out;
    if (off_req)
        domain_shutdown(d, SHUTDOWN_poweroff);
    return true;
}

int vpm_init(struct domain *d)
{
    struct vpm *p = xzalloc(sizeof(*p), HEAP_HVM);
    if (!p)
        return -ENOMEM;
    p->d = d;
    p->start_ns = now_ns();
    timer_init(&p->timer, pm_timer_fn, p, d->nr_vcpus ? d->vcpus[0]->processor : 0);
    d->plat->pm = p;
    return 0;
}

void vpm_destroy(struct domain *d)
{
    struct vpm *p = pm_of(d);
    if (!p)
        return;
    timer_kill(&p->timer);
    d->plat->pm = NULL;
    xfree(p);
}

/*
 * PVH sleep registers (ACPI 6.5 4.8.3.7 Sleep Control Register: SLP_TYPx in
 * bits 4:2, SLP_EN bit 5, write-only; 4.8.3.8 Sleep Status Register: WAK_STS
 * bit 7, write 1 to clear).  The OS writes the \_S5 package's SLP_TYP with
 * SLP_EN to power off; nothing ever wakes, so the status reads 0.  Stateless:
 * a PVH domain has no struct vpm.  Wider accesses see the other byte of the
 * pair, and all-ones beyond it, as with any unclaimed port.
 */
#define SLEEP_TYP_SHIFT     2
#define SLEEP_TYP_MASK      7u
#define SLEEP_EN            (1u << 5)

bool vpm_sleep_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    if ((port != PORT_PVH_SLEEP_CTL && port != PORT_PVH_SLEEP_STS) || (size != 1 && size != 2 && size != 4))
        return false;
    if (in) {
        /* Both registers read 0 (control is write-only); bytes past
         * PORT_PVH_SLEEP_STS belong to no device. */
        uint32_t out = 0;
        for (unsigned i = 0; i < size; i++)
            if (port + i > PORT_PVH_SLEEP_STS)
                out |= 0xffu << (8 * i);
        *val = out;
        return true;
    }
    if (port == PORT_PVH_SLEEP_CTL) {
        uint8_t v = (uint8_t)*val;
        if ((v & SLEEP_EN) && ((v >> SLEEP_TYP_SHIFT) & SLEEP_TYP_MASK) == SLP_TYP_S5)
            domain_shutdown(d, SHUTDOWN_poweroff);
        /* Other sleep types are not offered (the DSDT has only \_S5): ignored. */
    }
    return true;
}
