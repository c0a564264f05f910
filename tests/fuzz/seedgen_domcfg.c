/*
 * Writes the seed corpora of fuzz_domcfg and fuzz_kimg: seedgen_domcfg OUTDIR
 * creates OUTDIR/domcfg/ (configuration files) and OUTDIR/kimg/ (kernel
 * images built with the unit tests' kimgbuild), valid inputs that get past
 * the first checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kimgbuild.h"

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

static const struct { const char *name, *text; } cfgs[] = {
    { "guest_abi",
      "name = \"cpuid\"\ntype = \"hvm\"\nkernel = \"cpuid.elf\"          # boot module\n"
      "cmdline = \"verbose\"\nmemory = 16                   # MiB\nvcpus = 1\ncpus = \"0-3\"\n"
      "on_poweroff = \"destroy\"\non_crash = \"destroy\"\nrv_expect = \"poweroff\"\n" },
    { "every_key",
      "name='all.keys-1'\nbuilder='hvm'\ntype=\"pvh\"\nkernel=\"/boot/vmlinuz\"\nramdisk='initrd.img'\n"
      "root = \"/dev/xvda1 ro\"\nextra = \"console=hvc0 quiet\"\nmemory = 0x100\nmaxmem = \"512\"\n"
      "vcpus = 2; maxvcpus = 4\ncpus = [ \"0-3\", '^1,7', \"all,^5\" ]\non_poweroff = \"preserve\"\n"
      "on_reboot = \"rename-restart\"\non_crash = \"coredump-restart\"\non_watchdog = \"preserve\"\n"
      "rv_expect = 'crash'\nrv_expect_restarts = 2\n"
      "rv_hide_hypervisor = 1\n" },
    { "xl_example",
      "# an xl.cfg as found in the wild\nname = \"debian\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz-6.1\"\n"
      "ramdisk = \"/boot/initrd.img-6.1\"\nextra = \"root=/dev/xvda1 console=hvc0\"\nmemory = 1024\n"
      "vcpus = 2\nvif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n"
      "disk = [\n    'phy:/dev/vg0/debian,xvda,w',\n    'file:/srv/x.iso,hdc:cdrom,r',\n]\n"
      "on_reboot = 'restart'\nserial = 'pty'\nvnc = 1\nvnclisten = \"0.0.0.0\"\n" },
    { "escapes",
      "name = \"esc\"\nmemory = 8\nkernel = 'k.bin'\ncmdline = \"a\\tb\\n\\\\ \\\" \\' \\x41 #x\"\n"
      "cmdline = 'single \"quoted\" # not a comment'\r\n;;\n" },
    { "flat",
      "name=\"flat\";memory=2;kernel=\"guest.bin\";cpus=5;rv_hide_hypervisor=\"0\";" },
    /* disk and vif (core/domcfg_dev.c): every disk form of xl-disk-configuration(5)
     * and every vif key of xl-network-configuration(5). */
    { "disks",
      "name = \"d\"\nmemory = 64\nkernel = \"k\"\ndisk = [ '/dev/vg/guest-volume,,hda',\n"
      "  '/dev/vg/guest-volume,raw,xvdb,rw', 'format=raw, vdev=sdc, access=ro, target=/img,a b ',\n"
      "  'raw:/root/image.iso,hdc:cdrom,ro', ',hdd:cdrom,r', 'tap:aio:/x,xvdq,w', 'nbd:host:1234,d536p37,w',\n"
      "  '/x,,xvdaa1,no-discard,direct-io-safe,backend=dom-1,backendtype=phy,script=block-x',\n"
      "  '/y,,0xca20,devtype=cdrom,w', 'vdev=xvdtq38,/z,,ro', '/d,,d1048575p255' ]\n" },
    { "vifs",
      "name = \"v\"\nmemory = 64\nkernel = \"k\"\nvif = [ '', 'mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0',\n"
      "  ' type=vif , vifname=vif-web,script=vif-route,ip=10.0.0.2 fd00::2,gatewaydev=eth0,backend=0',\n"
      "  'rate=1MB/s@20ms,mtu=9000,devid=3', 'rate=10Mb/s', 'rate=100b/s@1s,netdev=e1', 'type=ioemu,model=e1000',\n"
      "  'devid=0' ]\n" },
};

static void seeds_domcfg(void)
{
    unsigned i;

    for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++)
        write_seed("domcfg", cfgs[i].name, cfgs[i].text, strlen(cfgs[i].text));
}

static struct kb b;

static void seeds_kimg(void)
{
    const uint32_t aout[5] = { 0x100200, 0x100000, 0x100800, 0x104000, 0x100210 };
    const uint32_t addr[4] = { 0x100010, 0x100000, 0, 0x110000 };
    const uint32_t entry = 0x100040, fb[3] = { 80, 25, 0 }, req[2] = { 4, 6 };
    unsigned i;

    kb_std_kernel(&b, 32);
    write_seed("kimg", "elf32_mb1", b.buf, b.len);
    kb_std_kernel(&b, 64);
    write_seed("kimg", "elf64_mb1", b.buf, b.len);
    /* Each class with the other x86 machine (the multiboot header sets the mode). */
    kb_std_kernel(&b, 32);
    kb_put16(&b, 18, 62);
    write_seed("kimg", "elf32_x86_64_mb1", b.buf, b.len);
    kb_std_kernel(&b, 64);
    kb_put16(&b, 18, 3);
    write_seed("kimg", "elf64_i386_mb1", b.buf, b.len);

    kb_std_kernel(&b, 64);
    kb_mb1(&b, 0x200, 0x10003, aout);
    write_seed("kimg", "elf64_aout", b.buf, b.len);

    /* Higher-half ELF64, like the hypervisor itself. */
    kb_init(&b);
    kb_elf(&b, 64, 0xffff830000200040ull, 2);
    kb_mb1(&b, 0x400, 3, NULL);
    kb_fill(&b, 0x1000, 0x400, 0xcc);
    kb_phdr(&b, 64, 0, 1, 0x1000, 0xffff830000200000ull, 0x200000, 0x400, 0x1000);
    kb_phdr(&b, 64, 1, 1, 0x1400, 0xffff830000201000ull, 0x201000, 0, 0x4000);
    write_seed("kimg", "elf64_higher_half", b.buf, b.len);

    /* Multiboot2 ELF32 with several tags. */
    kb_std_kernel(&b, 32);
    kb_fill(&b, 0x200, 12, 0);
    kb_mb2_begin(&b, 0x300, 0);
    kb_mb2_tag(&b, 1, 0, req, sizeof(req));
    kb_mb2_tag(&b, 3, 0, &entry, 4);
    kb_mb2_tag(&b, 4, 0, &entry, 4);
    kb_mb2_tag(&b, 5, 1, fb, sizeof(fb));
    kb_mb2_end(&b);
    write_seed("kimg", "elf32_mb2", b.buf, b.len);

    /* Raw binaries with address fields. */
    kb_init(&b);
    kb_fill(&b, 0, 0x800, 0x90);
    kb_mb2_begin(&b, 0x10, 0);
    kb_mb2_tag(&b, 2, 0, addr, sizeof(addr));
    kb_mb2_tag(&b, 3, 0, &entry, 4);
    kb_mb2_end(&b);
    write_seed("kimg", "bin_mb2_address", b.buf, b.len);
    kb_init(&b);
    kb_fill(&b, 0, 0x600, 0xf4);
    {
        const uint32_t a0[5] = { 0x100020, 0x100000, 0, 0x101000, 0x100040 };

        kb_mb1(&b, 0x20, 0x10000, a0);
    }
    write_seed("kimg", "bin_mb1_aout", b.buf, b.len);

    /* A flat binary with no header (valid only as a .bin). */
    kb_init(&b);
    kb_fill(&b, 0, 0x200, 0xf4);
    write_seed("kimg", "flat", b.buf, b.len);

    /* The most segments allowed. */
    kb_init(&b);
    kb_elf(&b, 32, 0x100000, 16);
    kb_mb1(&b, 0x300, 3, NULL);
    kb_fill(&b, 0x400, 0x40, 0x90);
    for (i = 0; i < 16; i++)
        kb_phdr(&b, 32, i, 1, 0x400, 0x100000 + i * 0x1000, 0x100000 + i * 0x1000, 0x40, 0x1000);
    write_seed("kimg", "elf32_16segs", b.buf, b.len);
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
    seeds_domcfg();
    seeds_kimg();
    return 0;
}
