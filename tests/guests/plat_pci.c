/*
 * plat_pci: PCI configuration mechanism #1.  00:00.0 is the i440FX host
 * bridge (8086:1237, class 06 00 00, header type 0) through dword, word
 * and byte reads; CONFIG_ADDRESS reads back; its read-only IDs ignore
 * writes and the latency timer keeps them; empty device numbers, other
 * functions and buses, and cycles with the enable bit clear read as
 * all-ones.
 */
#include "plat.h"

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
            all &= cfg_read32(0, d, 0, 0) == 0xffffffffu;
        check(all, "only-hostbridge", "a device other than 00:00.0 answers on bus 0");
    }
    outl(CFG_ADDR, 0x00000000u);        /* enable bit clear */
    uint32_t off = inl(CFG_DATA);
    check(off == 0xffffffffu, "config-disabled", "data port reads %#x with the enable bit clear", off);
}
