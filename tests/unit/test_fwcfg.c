/* QEMU's fw_cfg device (hvm/fwcfg.c): items, byte order, the protocol. */
#include <stdlib.h>
#include <string.h>

#include "hvm/fwcfg.h"
#include "test.h"

static struct fwcfg *dev;

static void sel(uint16_t key)
{
    uint32_t v = key;
    CHECK(fwcfg_io(dev, FWCFG_PORT_SEL, false, 2, &v));
}

static uint8_t byte(void)
{
    uint32_t v = 0x12345678;
    CHECK(fwcfg_io(dev, FWCFG_PORT_DATA, true, 1, &v));
    CHECK(v <= 0xff);
    return (uint8_t)v;
}

static uint64_t le(uint16_t key, unsigned n)
{
    uint64_t v = 0;
    sel(key);
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)byte() << (8 * i);
    return v;
}

static void build(const char *cmdline)
{
    uint8_t e820[40];
    fwcfg_e820_entry(e820, 0, 0x9fc00, 1);
    fwcfg_e820_entry(e820 + 20, 0x100000, 0x2f00000, 1);
    struct fwcfg_params p = { .ram_bytes = 48ull << 20, .boot_cpus = 3, .max_cpus = 3, .cmdline = cmdline,
                              .e820 = e820, .e820_bytes = sizeof(e820) };
    CHECK_EQ(fwcfg_build(dev, &p), 0);
}

static void test_well_known(void)
{
    build("console=ttyS0 x=1");
    char sig[4];
    sel(FW_CFG_SIGNATURE);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)byte();
    CHECK(!memcmp(sig, "QEMU", 4));
    CHECK_EQ(byte(), 0);                    /* past the end: zeros, offset stays */
    CHECK_EQ(le(FW_CFG_ID, 4), 1);          /* traditional interface only: no DMA */
    CHECK_EQ(le(FW_CFG_RAM_SIZE, 8), 48ull << 20);
    CHECK_EQ(le(FW_CFG_NB_CPUS, 2), 3);
    CHECK_EQ(le(FW_CFG_MAX_CPUS, 2), 3);
    CHECK_EQ(le(FW_CFG_CMDLINE_SIZE, 4), strlen("console=ttyS0 x=1") + 1);
    char cl[32] = { 0 };
    sel(FW_CFG_CMDLINE_DATA);
    for (size_t i = 0; i <= strlen("console=ttyS0 x=1"); i++)
        cl[i] = (char)byte();
    CHECK(!strcmp(cl, "console=ttyS0 x=1"));
    CHECK_EQ(le(FW_CFG_ARCH_IRQ0_OVERRIDE, 4), 1);
    /* The write-channel bit selects the same item (writes are ignored). */
    CHECK_EQ(le(FW_CFG_NB_CPUS | FW_CFG_WRITE_CHANNEL, 2), 3);
    uint32_t w = 0x55;
    sel(FW_CFG_NB_CPUS | FW_CFG_WRITE_CHANNEL);
    CHECK(fwcfg_io(dev, FWCFG_PORT_DATA, false, 1, &w));
    CHECK_EQ(le(FW_CFG_NB_CPUS, 2), 3);
    /* Unknown keys read zeros. */
    CHECK_EQ(le(0x1234, 8), 0);
    CHECK_EQ(le(0xffff, 8), 0);
}

static void test_no_cmdline(void)
{
    build(NULL);
    CHECK_EQ(le(FW_CFG_CMDLINE_SIZE, 4), 0);
    sel(FW_CFG_CMDLINE_DATA);
    CHECK_EQ(byte(), 0);
    build("");
    CHECK_EQ(le(FW_CFG_CMDLINE_SIZE, 4), 0);
}

static void test_files(void)
{
    build("a");
    sel(FW_CFG_FILE_DIR);
    uint8_t hdr[4];
    for (int i = 0; i < 4; i++)
        hdr[i] = byte();
    uint32_t n = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];   /* big-endian */
    CHECK_EQ(n, 2);
    int found = 0;
    uint16_t e820_key = 0;
    uint32_t e820_size = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[64];
        for (int j = 0; j < 64; j++)
            e[j] = byte();
        uint32_t size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        uint16_t key = (uint16_t)(e[4] << 8 | e[5]);
        CHECK(key >= FW_CFG_FILE_FIRST);
        CHECK_EQ(e[6] | e[7], 0);
        CHECK(memchr(e + 8, 0, 56) != NULL);
        if (!strcmp((char *)e + 8, "etc/e820")) {
            found++;
            e820_key = key;
            e820_size = size;
        }
        if (!strcmp((char *)e + 8, "bootorder")) {
            found++;
            CHECK_EQ(size, 0);
        }
    }
    CHECK_EQ(found, 2);
    CHECK_EQ(e820_size, 40);
    CHECK_EQ(le(e820_key, 8), 0);                           /* first entry: address 0 */
    sel(e820_key);
    uint8_t e[40];
    for (int i = 0; i < 40; i++)
        e[i] = byte();
    CHECK_EQ(e[16], 1);                                     /* type RAM, LE32 */
    CHECK_EQ(e[20 + 2], 0x10);                              /* 0x100000 little-endian */
}

static void test_bad_accesses(void)
{
    build("a");
    uint32_t v;
    /* The selector is write-only, 16 bits; other widths are ignored. */
    CHECK(fwcfg_io(dev, FWCFG_PORT_SEL, true, 2, &v));
    CHECK_EQ(v, 0xffffffffu);
    sel(FW_CFG_NB_CPUS);
    v = FW_CFG_SIGNATURE;
    CHECK(fwcfg_io(dev, FWCFG_PORT_SEL, false, 1, &v));     /* byte write: ignored */
    CHECK(fwcfg_io(dev, FWCFG_PORT_SEL, false, 4, &v));     /* dword write: ignored */
    CHECK_EQ(byte(), 3);                                    /* still NB_CPUS, offset 0 */
    /* Data reads wider than a byte: all ones, offset unchanged. */
    CHECK(fwcfg_io(dev, FWCFG_PORT_DATA, true, 2, &v));
    CHECK_EQ(v, 0xffffffffu);
    CHECK_EQ(byte(), 0);                                    /* NB_CPUS's second byte */
    /* Not its ports. */
    CHECK(!fwcfg_io(dev, 0x512, true, 1, &v));
    CHECK(!fwcfg_io(dev, 0x50f, false, 2, &v));
}

static void test_longest_cmdline_fits(void)
{
    char *big = malloc(1024);
    memset(big, 'x', 1023);
    big[1023] = 0;
    uint8_t e820[16 * 20] = { 0 };
    struct fwcfg_params p = { .ram_bytes = 1, .boot_cpus = 128, .max_cpus = 128, .cmdline = big,
                              .e820 = e820, .e820_bytes = sizeof(e820) };
    CHECK_EQ(fwcfg_build(dev, &p), 0);
    CHECK_EQ(le(FW_CFG_CMDLINE_SIZE, 4), 1024);
    /* Past the blob's room: refused, not overflowed. */
    char *huge = malloc(4096);
    memset(huge, 'y', 4095);
    huge[4095] = 0;
    p.cmdline = huge;
    CHECK_EQ(fwcfg_build(dev, &p), -1);
    free(big);
    free(huge);
}

int main(void)
{
    dev = malloc(sizeof(*dev));
    RUN(test_well_known);
    RUN(test_no_cmdline);
    RUN(test_files);
    RUN(test_bad_accesses);
    RUN(test_longest_cmdline_fits);
    free(dev);
    return t_finish("fwcfg");
}
