/*
 * fw_cfg: QEMU's firmware configuration device as a test kernel written for
 * QEMU reads it (selector 0x510, data 0x511): the signature, the interface
 * bits, the CPU count and RAM size the domain was built with, the command
 * line, and the file directory with etc/e820 matching the memory map.  The
 * same checks pass on plain QEMU (-kernel with the cfg's -m/-smp/-append).
 */
#include "guest.h"

#define FW_SEL      0x510
#define FW_DATA     0x511

static void fw_select(uint16_t key) { outw(FW_SEL, key); }

static void fw_read(uint16_t key, void *buf, unsigned len)
{
    uint8_t *p = buf;
    fw_select(key);
    for (unsigned i = 0; i < len; i++)
        p[i] = inb(FW_DATA);
}

static uint64_t fw_le(uint16_t key, unsigned n)
{
    uint8_t b[8] = { 0 };
    uint64_t v = 0;
    fw_read(key, b, n);
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Finds a file in the directory: its key and size, or false. */
static bool fw_find(const char *name, uint16_t *key, uint32_t *size)
{
    uint8_t cnt[4], e[64];
    fw_select(0x19);
    for (unsigned i = 0; i < 4; i++)
        cnt[i] = inb(FW_DATA);
    uint32_t n = be32(cnt);
    for (uint32_t i = 0; i < n && i < 256; i++) {
        for (unsigned j = 0; j < 64; j++)
            e[j] = inb(FW_DATA);
        if (!strcmp((const char *)e + 8, name)) {
            *size = be32(e);
            *key = be16(e + 4);
            return true;
        }
    }
    return false;
}

void test_main(void)
{
    hv_require();
    char sig[5] = { 0 };
    fw_read(0x00, sig, 4);
    if (!check(!memcmp(sig, "QEMU", 4), "fw_cfg-signature", "signature %02x %02x %02x %02x, expected \"QEMU\"",
               (uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]))
        finish();
    uint32_t id = (uint32_t)fw_le(0x01, 4);
    check(id & 1, "fw_cfg-id", "FW_CFG_ID = %#x: traditional interface bit clear", id);

    uint32_t ncpu = (uint32_t)fw_le(0x05, 2), maxcpu = (uint32_t)fw_le(0x0f, 2);
    check(ncpu == guest_cfg_vcpus, "fw_cfg-nb-cpus", "FW_CFG_NB_CPUS = %u, domain has %u vCPUs", ncpu,
          guest_cfg_vcpus);
    check(maxcpu >= ncpu && maxcpu < 0x100, "fw_cfg-max-cpus", "FW_CFG_MAX_CPUS = %u (NB_CPUS %u)", maxcpu, ncpu);
    uint64_t ram = fw_le(0x03, 8);
    check(ram == (uint64_t)guest_cfg_memory_mib << 20, "fw_cfg-ram-size", "FW_CFG_RAM_SIZE = %#llx, expected %u MiB",
          (unsigned long long)ram, guest_cfg_memory_mib);

    /* Reading past an item's end gives zeros. */
    fw_select(0x05);
    uint8_t tail[4];
    for (unsigned i = 0; i < 4; i++)
        tail[i] = inb(FW_DATA);
    check(tail[2] == 0 && tail[3] == 0, "fw_cfg-past-end", "bytes after NB_CPUS read %#x %#x", tail[2], tail[3]);
    /* Re-selecting starts again at offset 0. */
    uint32_t again = (uint32_t)fw_le(0x05, 2);
    check(again == ncpu, "fw_cfg-reselect", "NB_CPUS read again = %u, first %u", again, ncpu);

    uint32_t clen = (uint32_t)fw_le(0x14, 4);
    size_t want = strlen(guest_cfg_cmdline);
    char cl[256] = { 0 };
    if (clen && clen <= sizeof(cl))
        fw_read(0x15, cl, clen);
    /* QEMU fills the command-line items only for a Linux -kernel boot, not
     * for a multiboot kernel; Ringvisor gives every HVM domain its own. */
    if (!gi->hv_present && clen == 0)
        skip("fw_cfg-cmdline", "plain QEMU gives a multiboot kernel no fw_cfg command line");
    else
        check(want == 0 ? clen <= 1 : (clen == want + 1 && !strcmp(cl, guest_cfg_cmdline)), "fw_cfg-cmdline",
              "CMDLINE_SIZE %u, data \"%s\"; cfg command line \"%s\"", clen, cl, guest_cfg_cmdline);

    uint16_t key = 0;
    uint32_t size = 0;
    if (check(fw_find("etc/e820", &key, &size), "fw_cfg-dir-e820", "no etc/e820 in the file directory")) {
        uint8_t e[20 * 8];
        bool ok = size % 20 == 0 && size >= 40 && size <= sizeof(e);
        uint64_t ram_seen = 0;
        bool ram_at_0 = false;
        if (ok) {
            fw_read(key, e, size);
            for (uint32_t i = 0; i < size / 20; i++) {
                uint64_t a = 0, l = 0;
                for (unsigned j = 0; j < 8; j++) {
                    a |= (uint64_t)e[20 * i + j] << (8 * j);
                    l |= (uint64_t)e[20 * i + 8 + j] << (8 * j);
                }
                uint32_t t = e[20 * i + 16] | e[20 * i + 17] << 8;
                if (t == 1) {
                    ram_seen += l;
                    ram_at_0 |= a == 0;
                }
            }
        }
        /* Usable RAM is what the domain has, less at most the holes kept
         * reserved under 1 MiB (Ringvisor's map keeps the EBDA and BIOS area
         * out; QEMU's etc/e820 lists RAM from 0 whole). */
        uint64_t ram_want = (uint64_t)guest_cfg_memory_mib << 20;
        check(ok && ram_at_0 && ram_seen <= ram_want && ram_seen + (1u << 20) >= ram_want, "fw_cfg-e820",
              "etc/e820 %u bytes, RAM entry at 0: %s, %llu KiB usable of %u MiB", size, ram_at_0 ? "yes" : "no",
              (unsigned long long)(ram_seen >> 10), guest_cfg_memory_mib);
    }
    /* The selector is write-only. */
    uint16_t sel = inw(FW_SEL);
    check(sel == 0xffff || sel == 0, "fw_cfg-selector-read", "inw 0x510 = %#x", sel);
}
