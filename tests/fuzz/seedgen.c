/*
 * Writes the fuzzers' seed corpora: seedgen OUTDIR creates OUTDIR/{mb2,mb1,
 * acpi,cmdline}/ with a few valid inputs each (built with the unit tests'
 * builders), so the fuzzers start from inputs that get past the first checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bootbuild.h"

static const char *outdir;

static void write_seed(const char *sub, const char *name, const void *p, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", outdir, sub);
    if (mkdir(path, 0777) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

static void seeds_mb2(void)
{
    static struct mb2b b;
    const struct mem_region map[] = {
        { 0, 0x9fc00, MEM_RAM }, { 0x9fc00, 0x400, MEM_RESERVED }, { 0x100000, 0x7f00000, MEM_RAM },
        { 0x8000000, 0x20000, MEM_ACPI }, { 0xfffc0000, 0x40000, MEM_RESERVED },
    };
    const struct efi_desc_in efi[] = {
        { 3, 0, 0xa0 }, { 0, 0xa0000, 0x60 }, { 7, 0x100000, 0x7f00 }, { 9, 0x8000000, 0x20 },
        { 10, 0x8020000, 0x10 }, { 11, 0xfec00000, 1 },
    };
    uint8_t rsdp[36] = "RSD PTR ";
    uint64_t systab = 0x7fe00018;

    mb2b_start(&b);
    mb2b_string(&b, 1, "/boot/ringvisor.elf console=com1 loglvl=debug");
    mb2b_string(&b, 2, "GRUB 2.06-13");
    mb2b_module(&b, 0x1000000, 0x1800000, "vmlinuz root=/dev/xvda");
    mb2b_module(&b, 0x1800000, 0x1900000, "initrd");
    mb2b_meminfo(&b, 639, 130048);
    mb2b_mmap(&b, map, 5, 24);
    mb2b_tag(&b, 12, &systab, 8);
    mb2b_tag(&b, 14, rsdp, 20);
    rsdp[15] = 2;
    mb2b_tag(&b, 15, rsdp, 36);
    mb2b_efi_mmap(&b, efi, 6, 48);
    mb2b_end(&b);
    write_seed("mb2", "full", b.buf, b.len);

    mb2b_start(&b);
    mb2b_string(&b, 1, "selftest emu_exit");
    mb2b_efi_mmap(&b, efi, 6, 40);
    mb2b_end(&b);
    write_seed("mb2", "efi_only", b.buf, b.len);

    mb2b_start(&b);
    mb2b_meminfo(&b, 640, 65536);
    mb2b_end(&b);
    write_seed("mb2", "meminfo_only", b.buf, b.len);

    mb2b_start(&b);
    mb2b_mmap(&b, map, 5, 32);
    mb2b_end(&b);
    write_seed("mb2", "mmap32", b.buf, b.len);
}

static void mb1_entry(struct fakemem *m, uint64_t at, uint64_t base, uint64_t len, uint32_t type)
{
    fakemem_w32(m, at, 20);
    fakemem_w64(m, at + 4, base);
    fakemem_w64(m, at + 12, len);
    fakemem_w32(m, at + 20, type);
}

static void seeds_mb1(void)
{
    struct fakemem m;

    fakemem_init(&m, 0, 0x500);
    fakemem_w32(&m, 0, 1 | 4 | 8 | 64 | 512);
    fakemem_w32(&m, 4, 639);
    fakemem_w32(&m, 8, 130048);
    fakemem_w32(&m, 16, 0x100);
    fakemem_str(&m, 0x100, "/ringvisor.elf console=com1 maxcpus=2");
    fakemem_w32(&m, 20, 2);
    fakemem_w32(&m, 24, 0x200);
    fakemem_w32(&m, 0x200, 0x1000000);
    fakemem_w32(&m, 0x204, 0x1100000);
    fakemem_w32(&m, 0x208, 0x240);
    fakemem_w32(&m, 0x210, 0x1100000);
    fakemem_w32(&m, 0x214, 0x1100000);
    fakemem_str(&m, 0x240, "dom0");
    mb1_entry(&m, 0x300, 0, 0x9fc00, 1);
    mb1_entry(&m, 0x318, 0x9fc00, 0x400, 2);
    mb1_entry(&m, 0x330, 0x100000, 0x7f00000, 1);
    mb1_entry(&m, 0x348, 0xfffc0000, 0x40000, 2);
    fakemem_w32(&m, 44, 0x60);
    fakemem_w32(&m, 48, 0x300);
    fakemem_w32(&m, 64, 0x400);
    fakemem_str(&m, 0x400, "qemu");
    write_seed("mb1", "full", m.mem, m.size);

    memset(m.mem, 0, m.size);
    fakemem_w32(&m, 0, 1);
    fakemem_w32(&m, 4, 640);
    fakemem_w32(&m, 8, 65536);
    write_seed("mb1", "meminfo_only", m.mem, 0x80);
    fakemem_free(&m);
}

static void seeds_acpi(void)
{
    enum { XSDT = 0x40, RSDT = 0xa0, MADT = 0x100, FADT = 0x300, HPET = 0x480, DSDT = 0x500,
           FACS = 0x580, MCFG = 0x600, SIZE = 0x680 };
    struct fakemem m;
    struct madtb mb;
    struct fadt_in f = {
        .facs = FACS, .dsdt = DSDT, .sci_int = 9, .pm1a_cnt = 0x604, .pm_tmr = 0x608, .iapc_boot_arch = 3,
        .flags = (1u << 8) | (1u << 10), .reset_space = 1, .reset_addr = 0xcf9, .reset_value = 6,
        .x_dsdt = DSDT, .x_pm1a_space = 1, .x_pm1a_cnt = 0x604, .x_pm_tmr_space = 1, .x_pm_tmr = 0x608,
    };
    uint8_t fb[FADT_BODY_LEN], hb[HPET_BODY_LEN], mcfg[24] = { 0 }, aml[16];
    uint64_t x[] = { MADT, FADT, HPET, MCFG };
    uint32_t r[] = { MADT, FADT, HPET, MCFG };

    fakemem_init(&m, 0, SIZE);
    acpi_put_rsdp(&m, 0, 2, RSDT, XSDT);
    acpi_put_table(&m, XSDT, "XSDT", 1, x, sizeof(x));
    acpi_put_table(&m, RSDT, "RSDT", 1, r, sizeof(r));
    madtb_start(&mb, 0xfee00000, 1);
    madtb_lapic(&mb, 0, 0, 1);
    madtb_lapic(&mb, 1, 1, 1);
    madtb_lapic(&mb, 2, 2, 2);
    madtb_x2apic(&mb, 0x100, 3, 1);
    madtb_ioapic(&mb, 0, 0xfec00000, 0);
    madtb_iso(&mb, 0, 0, 2, 0);
    madtb_iso(&mb, 0, 9, 9, 0xd);
    madtb_nmi(&mb);
    madtb_lapic_override(&mb, 0xfee00000);
    acpi_put_table(&m, MADT, "APIC", 5, mb.buf, mb.len);
    fadt_body(fb, &f);
    acpi_put_table(&m, FADT, "FACP", 6, fb, sizeof(fb));
    hpet_body(hb, 0, 0xfed00000, 0);
    acpi_put_table(&m, HPET, "HPET", 1, hb, sizeof(hb));
    memset(aml, 0x10, sizeof(aml));
    acpi_put_table(&m, DSDT, "DSDT", 2, aml, sizeof(aml));
    memcpy(fakemem_ptr(&m, FACS), "FACS", 4);
    fakemem_w32(&m, FACS + 4, 64);
    acpi_put_table(&m, MCFG, "MCFG", 1, mcfg, sizeof(mcfg));
    write_seed("acpi", "v2_full", m.mem, m.size);

    /* Revision 0: RSDT only, ACPI 1.0 FADT. */
    memset(m.mem, 0, 36);
    acpi_put_rsdp(&m, 0, 0, RSDT, 0);
    acpi_put_table(&m, FADT, "FACP", 1, fb, 116 - 36);
    write_seed("acpi", "v1_rsdt", m.mem, m.size);
    fakemem_free(&m);
}

static void seeds_cmdline(void)
{
    static const char *const lines[] = {
        "/boot/ringvisor.elf console=com1 loglvl=debug",
        "console=com2,9600 maxcpus=4 selftest emu_exit x2apic=0 mem=512M",
        "console=none loglvl=err mem=0x100000000 selftest=off",
        "foo bar=\"quoted value\" =x maxcpus=abc mem=16M",
    };
    char name[16];
    unsigned i;

    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        snprintf(name, sizeof(name), "line%u", i);
        write_seed("cmdline", name, lines[i], strlen(lines[i]));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0777) && errno != EEXIST) {
        perror(outdir);
        return 1;
    }
    seeds_mb2();
    seeds_mb1();
    seeds_acpi();
    seeds_cmdline();
    return 0;
}
