/*
 * pv32_physdev: physdev_op from a 32-bit PV kernel through the compat
 * table (core/compat/compat_physdev.c; docs/pv.md "Ring 1 and compat"):
 *  - set_iobitmap's 8-byte i386 structure (a 32-bit handle, nr_ports):
 *    IN/OUT from ring 1 (IOPL 0) allowed for the ports whose bits are
 *    clear, #GP for a set bit, a port at or past nr_ports, a word access
 *    reaching a denied port; a bit cleared in memory afterwards allows
 *    its port (the bitmap is read through the handle, never copied);
 *    nr_ports 0 denies everything again;
 *  - nr_ports above 65536 -EINVAL (the count read at i386 offset 4), an
 *    unmapped or hypervisor-range structure -EFAULT;
 *  - the pirq and APIC sub-ops reach the native handlers (-EPERM for this
 *    unprivileged domain, where they were -ENOSYS), unknown ones and
 *    pirq_eoi_gmfn v1 (not offered to 64-bit callers either) -ENOSYS.
 */
#include "pv32_lib.h"

#define HC_physdev_op                   33
#define PHYSDEVOP_irq_status_query      5
#define PHYSDEVOP_set_iopl              6
#define PHYSDEVOP_set_iobitmap          7
#define PHYSDEVOP_apic_read             8
#define PHYSDEVOP_eoi                   12
#define PHYSDEVOP_map_pirq              13
#define PHYSDEVOP_unmap_pirq            14
#define PHYSDEVOP_pirq_eoi_gmfn_v1      17
#define PHYSDEVOP_setup_gsi             21
#define PHYSDEVOP_pirq_eoi_gmfn_v2      28
#define EPERM   1
#define EFAULT  14
#define EINVAL  22
#define ENOSYS  38

/* i386 physdev_set_iobitmap: 8 bytes. */
struct set_iobitmap32 { uint32_t bitmap, nr_ports; };

static uint8_t iobmp[8192] __attribute__((aligned(4096)));

/* IN/OUT that may #GP: the #GPs taken. */
static uint32_t inb_gp(uint16_t port, uint32_t *val)
{
    uint32_t g = gp_count, v = 0;
    __asm__ __volatile__("movl $1f, gp_resume\n xor %%eax, %%eax\n inb %%dx, %%al\n 1:"
                         : "=&a"(v) : "d"(port) : "memory");
    *val = v;
    return gp_count - g;
}

static uint32_t inw_gp(uint16_t port)
{
    uint32_t g = gp_count, v;
    __asm__ __volatile__("movl $1f, gp_resume\n inw %%dx, %%ax\n 1:" : "=a"(v) : "d"(port) : "memory");
    return gp_count - g;
}

static uint32_t outb_gp(uint16_t port)
{
    uint32_t g = gp_count;
    __asm__ __volatile__("movl $1f, gp_resume\n mov $0x55, %%al\n outb %%al, %%dx\n 1:" :: "d"(port) : "eax", "memory");
    return gp_count - g;
}

void pv32_main(const struct start_info32 *si)
{
    long r;
    uint32_t v;
    (void)si;
    put("pv32_physdev: physdev_op through the compat table");
    flush();

    pv32_trap_ud_gp();

    /* IOPL 0, no bitmap: #GP. */
    check(inb_gp(0x80, &v) == 1 && gp_err == 0, "in-without-bitmap-gp", "gp", gp_count, 1);

    /* A bitmap of 0x100 ports allowing 0x80 and 0x84 only. */
    for (unsigned i = 0; i < sizeof(iobmp); i++)
        iobmp[i] = 0xff;
    iobmp[0x80 >> 3] &= (uint8_t)~(1u << (0x80 & 7));
    iobmp[0x84 >> 3] &= (uint8_t)~(1u << (0x84 & 7));
    static struct set_iobitmap32 sb;
    sb.bitmap = (uint32_t)iobmp;
    sb.nr_ports = 0x100;
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, (uint32_t)&sb, 0, 0);
    check(r == 0, "set-iobitmap-compat", "ret", (uint32_t)r, 0);
    uint32_t g = inb_gp(0x80, &v);
    check(g == 0 && (v & 0xff) == 0xff, "iobitmap-allows-in", "gp", g, 0);
    g = outb_gp(0x84);
    check(g == 0, "iobitmap-allows-out", "gp", g, 0);
    g = inb_gp(0x81, &v);
    check(g == 1, "iobitmap-denies-in", "gp", g, 1);
    g = outb_gp(0x85);
    check(g == 1, "iobitmap-denies-out", "gp", g, 1);
    g = inw_gp(0x80);
    check(g == 1, "iobitmap-word-reaching-denied-gp", "gp", g, 1);
    /* The bitmap is the guest's memory: clearing 0x81's bit allows it. */
    iobmp[0x81 >> 3] &= (uint8_t)~(1u << (0x81 & 7));
    g = inw_gp(0x80);
    check(g == 0, "iobitmap-read-from-guest-memory", "gp", g, 0);
    /* A port at nr_ports or past it: denied whatever the bytes say. */
    iobmp[0x100 >> 3] = 0;
    g = inb_gp(0x100, &v);
    check(g == 1, "iobitmap-beyond-nr-ports-gp", "gp", g, 1);

    /* nr_ports is at i386 offset 4: 65537 is refused, the old bitmap stays. */
    sb.nr_ports = 65537;
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, (uint32_t)&sb, 0, 0);
    g = inb_gp(0x80, &v);
    check(r == -EINVAL && g == 0, "set-iobitmap-nr-ports-einval", "ret", (uint32_t)r, (uint32_t)-EINVAL);
    /* A structure the guest cannot name: -EFAULT, bitmap unchanged. */
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, 0xbffff000u, 0, 0);
    check(r == -EFAULT, "set-iobitmap-unmapped-efault", "ret", (uint32_t)r, (uint32_t)-EFAULT);
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, 0xf5800000u, 0, 0);
    check(r == -EFAULT, "set-iobitmap-hv-range-efault", "ret", (uint32_t)r, (uint32_t)-EFAULT);
    /* The structure's last 4 bytes past a mapped page: -EFAULT. */
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, VIRT_BASE - 4, 0, 0);
    check(r == -EFAULT, "set-iobitmap-straddling-efault", "ret", (uint32_t)r, (uint32_t)-EFAULT);
    g = inb_gp(0x80, &v);
    check(g == 0, "iobitmap-kept-after-refusals", "gp", g, 0);
    /* nr_ports 0: no port is in the bitmap. */
    sb.nr_ports = 0;
    r = hc(HC_physdev_op, PHYSDEVOP_set_iobitmap, (uint32_t)&sb, 0, 0);
    g = inb_gp(0x80, &v);
    check(r == 0 && g == 1, "set-iobitmap-zero-ports-denies", "gp", g, 1);

    /* set_iopl still passes through (same layout). */
    static uint32_t iopl = 1;
    r = hc(HC_physdev_op, PHYSDEVOP_set_iopl, (uint32_t)&iopl, 0, 0);
    g = inb_gp(0x81, &v);
    check(r == 0 && g == 0, "set-iopl-passthrough", "gp", g, 0);

    /* The pirq/APIC sub-ops reach their handlers: an unprivileged domain
     * gets their -EPERM (was -ENOSYS). */
    static uint32_t buf[16];
    static const unsigned eperm_ops[] = { PHYSDEVOP_irq_status_query, PHYSDEVOP_eoi, PHYSDEVOP_map_pirq,
                                          PHYSDEVOP_unmap_pirq, PHYSDEVOP_setup_gsi, PHYSDEVOP_pirq_eoi_gmfn_v2,
                                          PHYSDEVOP_apic_read };
    unsigned bad = 0;
    long badr = 0;
    for (unsigned i = 0; i < sizeof(eperm_ops) / sizeof(eperm_ops[0]); i++) {
        r = hc(HC_physdev_op, eperm_ops[i], (uint32_t)buf, 0, 0);
        if (r != -EPERM && !bad) {
            bad = eperm_ops[i];
            badr = r;
        }
    }
    check(!bad, "physdev-pirq-ops-routed-eperm", "op", bad, (uint32_t)badr);
    r = hc(HC_physdev_op, 99, (uint32_t)buf, 0, 0);
    check(r == -ENOSYS, "physdev-unknown-enosys", "ret", (uint32_t)r, (uint32_t)-ENOSYS);
    r = hc(HC_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v1, (uint32_t)buf, 0, 0);
    check(r == -ENOSYS, "physdev-eoi-gmfn-v1-enosys", "ret", (uint32_t)r, (uint32_t)-ENOSYS);
    pv32_finish();
}
