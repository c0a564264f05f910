/*
 * plat_pci: PCI configuration mechanism #1.  00:00.0 is the i440FX host
 * bridge (8086:1237, class 06 00 00, header type 0) through dword, word
 * and byte reads; CONFIG_ADDRESS reads back; its read-only IDs ignore
 * writes and the latency timer keeps them; empty device numbers, other
 * functions and buses, and cycles with the enable bit clear read as
 * all-ones.
 *
 * On Ringvisor, the Xen platform device at 00:02.0 (src/hvm/vxenplat.c) as
 * Linux's xen-platform-pci driver and its unplug code see it: IDs
 * 5853:0001, class ff 80, BAR0 I/O and BAR1 16 MiB of memory assigned and
 * decoding, sizing by all ones; the unplug ports: magic 0x49d2 at 0x10,
 * version 1 at 0x12, product and build numbers written, the magic still
 * there (not blacklisted), the unplug mask written; a grant-table frame
 * put into BAR1 by XENMEM_add_to_physmap (as Linux places its grant
 * table) holds what is written to it, the rest of the BAR reads all ones.
 */
#include "plat.h"
#include "public/xen.h"
#include "public/memory.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    outl(CFG_ADDR, cfg_addr(bus, dev, fn, reg));
    return inl(CFG_DATA);
}

static void cfg_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
    outl(CFG_ADDR, cfg_addr(bus, dev, fn, reg));
    outl(CFG_DATA, v);
}

#define XP_DEV 2

static void xen_platform(void)
{
    uint32_t id = cfg_read32(0, XP_DEV, 0, 0), class = cfg_read32(0, XP_DEV, 0, 8);
    uint32_t sub = cfg_read32(0, XP_DEV, 0, 0x2c), irq = cfg_read32(0, XP_DEV, 0, 0x3c);
    uint32_t htype = cfg_read32(0, XP_DEV, 0, 0x0c) >> 16 & 0x7f, cmd = cfg_read32(0, XP_DEV, 0, 4) & 0xffff;
    check(id == 0x00015853u && class >> 8 == 0xff8000u && (class & 0xff) == 1 && sub == 0x00015853u &&
          htype == 0, "xenplat-ids", "00:02.0 id %#x class/rev %#x subsystem %#x header %#x", id, class, sub, htype);
    check((cmd & 3) == 3 && (irq >> 8 & 0xff) == 0, "xenplat-decoding",
          "command %#x (I/O and memory decoding wanted), interrupt pin %u (0: no INTx)", cmd, irq >> 8 & 0xff);
    uint32_t bar0 = cfg_read32(0, XP_DEV, 0, 0x10), bar1 = cfg_read32(0, XP_DEV, 0, 0x14);
    cfg_write32(0, XP_DEV, 0, 0x10, 0xffffffffu);
    cfg_write32(0, XP_DEV, 0, 0x14, 0xffffffffu);
    uint32_t sz0 = cfg_read32(0, XP_DEV, 0, 0x10), sz1 = cfg_read32(0, XP_DEV, 0, 0x14);
    cfg_write32(0, XP_DEV, 0, 0x10, bar0);
    cfg_write32(0, XP_DEV, 0, 0x14, bar1);
    uint32_t io_size = ~(sz0 & ~3u) + 1, mem_size = ~(sz1 & ~15u) + 1;
    check((bar0 & 1) && (bar0 & ~3u) && (bar1 & 7) == 0 && (bar1 & ~15u) && io_size == 0x100 &&
          mem_size == 0x1000000 && cfg_read32(0, XP_DEV, 0, 0x14) == bar1,
          "xenplat-bars", "BAR0 %#x (%#x bytes), BAR1 %#x (%#x bytes)", bar0, io_size, bar1, mem_size);

    /* The unplug protocol (Xen's docs/misc/hvm-emulated-unplug). */
    uint16_t magic = inw(0x10);
    uint8_t ver = inb(0x12);
    outw(0x12, 3);                      /* a product number (Linux's is 3) */
    outl(0x10, 0x00060100u);            /* a build number */
    uint16_t magic2 = inw(0x10);
    outw(0x10, 0x3);                    /* unplug disks and NICs: none here */
    uint16_t magic3 = inw(0x10);
    check(magic == 0x49d2 && ver == 1 && magic2 == 0x49d2 && magic3 == 0x49d2, "xenplat-unplug",
          "magic %#x, version %u, after product/build %#x, after unplug %#x", magic, ver, magic2, magic3);
    const char *logmsg = "plat_pci: hello from the unplug log port\n";
    for (const char *p = logmsg; *p; p++)
        outb(0x12, (uint8_t)*p);

    /* Grant-table frame 0 in BAR1, as Linux's driver puts it there. */
    uint32_t base = bar1 & ~15u;
    volatile uint32_t *frame = (volatile uint32_t *)(uintptr_t)(base + 0x1000);
    volatile uint32_t *hole = (volatile uint32_t *)(uintptr_t)(base + 0x800000);
    uint32_t before = *frame, in_hole = *hole;
#ifdef __x86_64__
    struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0,
                                    .gpfn = (base + 0x1000) >> 12 };
#else
    /* A 32-bit caller's layout: idx and gpfn are 32-bit (xen_ulong_t and
     * xen_pfn_t of x86_32), the hypervisor's compat layer widens them. */
    struct { uint16_t domid, size; uint32_t space, idx, gpfn; } a = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0, .gpfn = (base + 0x1000) >> 12 };
#endif
    long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)(uintptr_t)&a, 0, 0, 0);
    frame[2] = 0x12345678u;             /* grant entry 1's flags and domid: unused here */
    uint32_t after = frame[2];
    frame[2] = 0;
    *hole = 0;                          /* dropped */
    check(before == 0xffffffffu && in_hole == 0xffffffffu && rc == 0 && after == 0x12345678u &&
          *hole == 0xffffffffu, "xenplat-bar-grant-frame",
          "before mapping %#x, hole %#x, add_to_physmap %ld, written back %#x", before, in_hole, rc, after);
}

void test_main(void)
{
    hv_require();
    uint32_t id = cfg_read32(0, 0, 0, 0);
    check(id == 0x12378086u, "hostbridge-id", "00:00.0 reads %#x, want 0x12378086", id);
    uint32_t a = inl(CFG_ADDR);
    check(a == cfg_addr(0, 0, 0, 0), "config-address", "CONFIG_ADDRESS reads %#x", a);
    uint16_t dev = inw(CFG_DATA + 2);
    uint8_t vlo = inb(CFG_DATA), vhi = inb(CFG_DATA + 1);
    check(dev == 0x1237 && vlo == 0x86 && vhi == 0x80, "hostbridge-narrow", "word at +2 %#x, bytes %#x %#x", dev,
          vlo, vhi);
    uint32_t class = cfg_read32(0, 0, 0, 8) >> 8;
    uint8_t htype = (uint8_t)(cfg_read32(0, 0, 0, 0x0c) >> 16);
    check(class == 0x060000 && (htype & 0x7f) == 0, "hostbridge-class", "class %#x header type %#x", class, htype);

    outl(CFG_ADDR, cfg_addr(0, 0, 0, 0));
    outl(CFG_DATA, 0xdeadbeef);
    uint32_t id2 = cfg_read32(0, 0, 0, 0);
    check(id2 == 0x12378086u, "hostbridge-ro", "IDs read %#x after a write", id2);
    if (gi->hv_present) {               /* QEMU's i440FX has a read-only latency timer */
        outl(CFG_ADDR, cfg_addr(0, 0, 0, 0x0c));
        outb(CFG_DATA + 1, 0x40);
        uint8_t lat = inb(CFG_DATA + 1);
        check(lat == 0x40, "hostbridge-latency", "latency timer read %#x after writing 0x40", lat);
    }

    uint32_t empty = cfg_read32(0, 0x1f, 0, 0), fn = cfg_read32(0, 0, 5, 0), bus = cfg_read32(3, 0, 0, 0);
    check(empty == 0xffffffffu && fn == 0xffffffffu && bus == 0xffffffffu, "empty-all-ones",
          "00:1f.0 %#x, 00:00.5 %#x, 03:00.0 %#x", empty, fn, bus);
    if (gi->hv_present) {
        bool all = true;
        for (unsigned d = 1; d < 32; d++)
            all &= d == 2 || cfg_read32(0, d, 0, 0) == 0xffffffffu;
        check(all, "only-hostbridge-and-xen", "a device other than 00:00.0 and 00:02.0 answers on bus 0");
        xen_platform();
    }
    outl(CFG_ADDR, 0x00000000u);        /* enable bit clear */
    uint32_t off = inl(CFG_DATA);
    check(off == 0xffffffffu, "config-disabled", "data port reads %#x with the enable bit clear", off);
}
