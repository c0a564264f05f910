/*
 * disk = [...] and vif = [...] of the domain configuration parser
 * (core/domcfg_dev.c): every form of xl-disk-configuration(5) and
 * xl-network-configuration(5) Ringvisor takes, the vdev numbers of
 * xen-vbd-interface(7), and every refusal with its exact message.
 */
#include <stdbool.h>

#include "core/domcfg.h"
#include "lib/errno.h"
#include "test.h"

static struct domcfg cfg;
static char err[256];

static void no_warn(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "unexpected warning: %s\n", msg);
}

/* Parses an exactly sized copy (ASan catches reads past len). */
static int parse(const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    int rc;

    memcpy(copy, text, len);
    memset(err, 0x5a, sizeof(err));
    rc = domcfg_parse(copy, len, &cfg, no_warn, NULL, err, sizeof(err));
    free(copy);
    CHECK(memchr(err, 0, sizeof(err)) != NULL);
    CHECK_EQ(cfg.nr_warnings, 0);
    if (rc)
        CHECK(!strncmp(err, "domcfg: ", 8) && !strchr(err, '\n'));
    else
        CHECK_STR(err, "");
    return rc;
}

#define BASE "name = \"t\"\nmemory = 16\nkernel = \"k.elf\"\n"

/* One disk spec, which must parse; returns the disk. */
static const struct domcfg_disk *disk1(const char *spec)
{
    char text[1024];

    snprintf(text, sizeof(text), BASE "disk = [ '%s' ]\n", spec);
    if (parse(text)) {
        fprintf(stderr, "spec '%s': %s\n", spec, err);
        CHECK(0);
    }
    CHECK_EQ(cfg.nr_disks, 1);
    return &cfg.disks[0];
}

static const struct domcfg_vif *vif1(const char *spec)
{
    char text[1024];

    snprintf(text, sizeof(text), BASE "vif = [ '%s' ]\n", spec);
    if (parse(text)) {
        fprintf(stderr, "spec '%s': %s\n", spec, err);
        CHECK(0);
    }
    CHECK_EQ(cfg.nr_vifs, 1);
    return &cfg.vifs[0];
}

static void test_vdev_numbers(void)
{
    static const struct { const char *name; uint32_t num; } good[] = {
        { "xvda", 202u << 8 }, { "xvda1", 202u << 8 | 1 }, { "xvdb", 202u << 8 | 1 << 4 },
        { "xvdp15", 202u << 8 | 15 << 4 | 15 }, { "xvda0", 202u << 8 },
        /* beyond 15: the 28-bit form */
        { "xvdq", 1u << 28 | 16 << 8 }, { "xvda16", 1u << 28 | 16 }, { "xvdaa", 1u << 28 | 26 << 8 },
        { "xvdz", 1u << 28 | 25 << 8 } /* disk 25: past 4 bits */, { "xvdtq37", 1u << 28 | 536 << 8 | 37 },
        { "d0", 202u << 8 }, { "d0p0", 202u << 8 }, { "d1p2", 202u << 8 | 1 << 4 | 2 },
        { "d536p37", 1u << 28 | 536 << 8 | 37 }, { "d1048575p255", 0x1fffffffu }, { "d15p16", 1u << 28 | 15 << 8 | 16 },
        /* IDE: 3 for hda/hdb, 22 for hdc/hdd, 6 bits of partition */
        { "hda", 768 }, { "hdb", 832 }, { "hdc", 5632 }, { "hdd", 5696 }, { "hdc2", 5634 }, { "hda63", 831 },
        /* SCSI: 8, 4 bits each */
        { "sda", 2048 }, { "sdb3", 8u << 8 | 1 << 4 | 3 }, { "sdp15", 2303 },
        /* the number itself: decimal, hex, octal */
        { "51712", 51712 }, { "0xca00", 51712 }, { "0145000", 51712 }, { "536870911", 536870911 },
    };
    static const struct { const char *name; const char *why; } bad[] = {
        { "xvd", "expected disk letters after xvd (xvda..xvdz, xvdaa...), at most disk 1048575" },
        { "xvdA", "expected disk letters after xvd (xvda..xvdz, xvdaa...), at most disk 1048575" },
        { "xvdzzzzz", "expected disk letters after xvd (xvda..xvdz, xvdaa...), at most disk 1048575" },
        { "xvda01", "partition number above 255 or with a leading zero" },
        { "xvda256", "partition number above 255 or with a leading zero" },
        { "xvda1x", "expected letters then a partition number" },
        { "d1048576", "disk number above 1048575 or with a leading zero" },
        { "d01", "disk number above 1048575 or with a leading zero" },
        { "d0p256", "partition number above 255 or with a leading zero" },
        { "d0q1", "expected d<disk> or d<disk>p<partition>" },
        { "hde", "IDE disks are hda..hdd" }, { "hda64", "IDE partition number above 63 or with a leading zero" },
        { "hda1b", "expected hd<letter><partition>" },
        { "sdq", "SCSI disks are sda..sdp" }, { "sda16", "SCSI partition number above 15 or with a leading zero" },
        { "sdb1c", "expected sd<letter><partition>" },
        { "0", "device number 0 is not a disk" }, { "536870912", "device numbers from 2<<28 on are reserved" },
        { "09", "not a number" }, { "0x", "not a number" }, { "12a", "not a number" },
        { "vda", "expected xvd<letters>[N], d<disk>[p<N>], hd<letter>[N], sd<letter>[N] or a device number" },
        { "", "expected xvd<letters>[N], d<disk>[p<N>], hd<letter>[N], sd<letter>[N] or a device number" },
    };
    uint32_t num;

    for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        num = 0;
        const char *why = domcfg_vdev_decode(good[i].name, &num);
        if (why)
            fprintf(stderr, "%s: %s\n", good[i].name, why);
        CHECK(why == NULL);
        if (num != good[i].num)
            fprintf(stderr, "%s: %#x, expected %#x\n", good[i].name, num, good[i].num);
        CHECK_EQ(num, good[i].num);
    }
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = domcfg_vdev_decode(bad[i].name, &num);

        CHECK(why != NULL);
        if (why)
            CHECK_STR(why, bad[i].why);
    }
}

static void check_disk(const struct domcfg_disk *d, const char *target, const char *vdev, uint32_t num, bool ro,
                       bool cdrom)
{
    CHECK_STR(d->target, target);
    CHECK_STR(d->vdev_name, vdev);
    CHECK_EQ(d->vdev, num);
    CHECK_EQ(d->readonly, ro);
    CHECK_EQ(d->cdrom, cdrom);
}

/* The man page's equivalent forms, each giving the same disk. */
static void test_disk_forms(void)
{
    static const char *const hda[] = {
        "/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw",
        "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "raw:/dev/vg/guest-volume,hda,w",
        "phy:/dev/vg/guest-volume,hda,w", "file:/dev/vg/guest-volume,hda,rw", "tap:aio:/dev/vg/guest-volume,hda",
        "/dev/vg/guest-volume,,hda,", "vdev=hda,/dev/vg/guest-volume", "access=w,/dev/vg/guest-volume,,hda",
    };
    static const char *const hdc[] = {
        "/root/image.iso,,hdc,cdrom", "/root/image.iso,,hdc,,cdrom", "/root/image.iso,raw,hdc,devtype=cdrom",
        "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso", "raw:/root/image.iso,hdc:cdrom,ro",
        "/root/image.iso,,hdc:cdrom",
    };
    const struct domcfg_disk *d;

    for (unsigned i = 0; i < sizeof(hda) / sizeof(hda[0]); i++) {
        d = disk1(hda[i]);
        check_disk(d, "/dev/vg/guest-volume", "hda", 768, false, false);
        CHECK(d->discard && !d->direct_io_safe && !d->backend[0] && !d->script[0]);
    }
    for (unsigned i = 0; i < sizeof(hdc) / sizeof(hdc[0]); i++)
        check_disk(disk1(hdc[i]), "/root/image.iso", "hdc", 5632, true, true);

    /* The empty cdrom drive of xend's syntax, and a writable cdrom on request. */
    check_disk(disk1(",hdc:cdrom,r"), "", "hdc", 5632, true, true);
    check_disk(disk1("vdev=xvdd,devtype=cdrom"), "", "xvdd", 202u << 8 | 3 << 4, true, true);
    check_disk(disk1("/x.iso,,xvdd,w,cdrom"), "/x.iso", "xvdd", 202u << 8 | 3 << 4, false, true);
    /* A named target takes the rest, commas and blanks included, even after an empty positional one. */
    check_disk(disk1("vdev=xvdb,target=/a,b c "), "/a,b c ", "xvdb", 202u << 8 | 1 << 4, false, false);
    check_disk(disk1(",,xvdb,ro,target=/img"), "/img", "xvdb", 202u << 8 | 1 << 4, true, false);
    /* A vdev given by name: the positionals skip it. */
    check_disk(disk1("vdev=d536p37,/x.img,,ro"), "/x.img", "d536p37", 1u << 28 | 536 << 8 | 37, true, false);
    check_disk(disk1("/x.img,,51712"), "/x.img", "51712", 51712, false, false);

    /* Deprecated script prefixes, other parameters and flags. */
    d = disk1("nbd:host:1234,xvdc,w");
    check_disk(d, "host:1234", "xvdc", 202u << 8 | 2 << 4, false, false);
    CHECK_STR(d->script, "block-nbd");
    d = disk1("/dev/sdz,,xvde,no-discard,direct-io-safe,backend=drv-1,backendtype=phy,script=/etc/xen/scripts/block");
    CHECK(!d->discard && d->direct_io_safe);
    CHECK_STR(d->backend, "drv-1");
    CHECK_STR(d->script, "/etc/xen/scripts/block");
    d = disk1("/x,,xvda,discard,backend=0");
    CHECK(d->discard);
    CHECK_STR(d->backend, "0");

    /* Several disks, in order; a repeated disk = replaces the list. */
    CHECK_EQ(parse(BASE "disk = [ '/a,,xvda', '/b,,xvdb,r',\n  '/c,,sda' ]\n"), 0);
    CHECK_EQ(cfg.nr_disks, 3);
    check_disk(&cfg.disks[1], "/b", "xvdb", 202u << 8 | 1 << 4, true, false);
    check_disk(&cfg.disks[2], "/c", "sda", 2048, false, false);
    CHECK_EQ(parse(BASE "disk = [ '/a,,xvda', '/b,,xvdb' ]\ndisk = [ '/c,,xvdc' ]\n"), 0);
    CHECK_EQ(cfg.nr_disks, 1);
    CHECK_EQ(parse(BASE "disk = []\n"), 0);
    CHECK_EQ(cfg.nr_disks, 0);
    /* 16 disks fit. */
    {
        char text[2048];
        size_t n = (size_t)snprintf(text, sizeof(text), BASE "disk = [");

        for (unsigned i = 0; i < DOMCFG_MAX_DISKS; i++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, " '/d%u,,xvd%c',", i, 'a' + i);
        snprintf(text + n, sizeof(text) - n, " ]\n");
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(cfg.nr_disks, DOMCFG_MAX_DISKS);
        CHECK_EQ(cfg.disks[15].vdev, 202u << 8 | 15 << 4);
        snprintf(text + n, sizeof(text) - n, " '/x,,xvdq' ]\n");
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_CONTAINS(err, ": disk 16: too many disks (at most 16)");
    }
}

static void test_disk_errors(void)
{
    static const struct { const char *spec, *msg; } bad[] = {
        { "/x", "disk 0: no vdev (the guest's name for the disk, e.g. xvda)" },
        { "/x,raw", "disk 0: no vdev (the guest's name for the disk, e.g. xvda)" },
        { "/x,qcow2,xvda", "disk 0: format qcow2 is not supported (only raw: dom0's blkback serves raw images)" },
        { "qcow2:/x,xvda,w", "disk 0: format qcow2 is not supported (only raw: dom0's blkback serves raw images)" },
        { "format=vhd,vdev=xvda,target=/x", "disk 0: format vhd is not supported (only raw: dom0's blkback serves raw images)" },
        { "format=vmdk,vdev=xvda,target=/x", "disk 0: format 'vmdk': expected raw (or qcow, qcow2, vhd, qed: not supported)" },
        { "/x,xyz,xvda", "disk 0: format 'xyz': expected raw (or qcow, qcow2, vhd, qed: not supported)" },
        { "raw:/x,xvda,w,format=raw", "disk 0: format is given twice" },
        /* the prefix gave the format: the next positional is the vdev */
        { "raw:/x,qcow2,xvda", "disk 0: vdev 'qcow2': expected xvd<letters>[N], d<disk>[p<N>], hd<letter>[N], "
                               "sd<letter>[N] or a device number" },
        { "/x,,xvda,rx", "disk 0: access 'rx': expected r, ro, w or rw" },
        { "/x,,xvda,backendtype=qdisk", "disk 0: backendtype qdisk is not supported (only phy: dom0's blkback)" },
        { "/x,,xvda,backendtype=tap", "disk 0: backendtype tap is not supported (only phy: dom0's blkback)" },
        { "/x,,xvda,backendtype=fast", "disk 0: backendtype 'fast': expected phy (or qdisk, tap: not supported)" },
        { "/x,,xvda,devtype=floppy", "disk 0: devtype 'floppy': expected cdrom" },
        { "/x,,xvda,colo", "disk 0: COLO replication is not supported" },
        { "/x,,xvda,colo-host=h", "disk 0: COLO replication (colo-host) is not supported" },
        { "/x,,xvda,frob=1", "disk 0: unknown parameter 'frob'" },
        { "/x,,xvda,vdev=xvdb", "disk 0: vdev is given twice" },
        { "target=/x,vdev=xvdb", "disk 0: no vdev (the guest's name for the disk, e.g. xvda)" },
        { "/x,,xvda,target=/y", "disk 0: target is given twice" },
        { "/x,,xvda,w,extra", "disk 0: 'extra': too many positional parameters (target, format, vdev, access)" },
        { ",,xvda", "disk 0: no target (only a cdrom drive may be empty)" },
        { "/x,,xvdA", "disk 0: vdev 'xvdA': expected disk letters after xvd (xvda..xvdz, xvdaa...), at most disk 1048575" },
        { "/x,,hde", "disk 0: vdev 'hde': IDE disks are hda..hdd" },
        { "/x,,xvda,cdrom,devtype=cdrom", "disk 0: devtype is given twice" },
        { "/x,,xvda:cdrom,cdrom", "disk 0: devtype is given twice" },
        { "/x,,xvda,discard,no-discard", "disk 0: discard/no-discard is given twice" },
        { "/x,,xvda,direct-io-safe,direct-io-safe", "disk 0: direct-io-safe is given twice" },
        { "/x,,xvda,backend=a b", "disk 0: backend 'a b': expected a domain name or id" },
        { "/x,,xvda,script=a b", "disk 0: script 'a b': white space or control characters" },
        { "/x,,xvda,backend=0,backend=1", "disk 0: backend is given twice" },
        { "/x,,xvda,script=s,script=t", "disk 0: script is given twice" },
        { "iscsi:/x,xvda,w,script=s", "disk 0: script is given twice" },
        { "/x,,xvda,ro,access=w", "disk 0: access is given twice" },
        { "/x,,xvdaaaaaaaaaaaaaaaa", "disk 0: vdev 'xvdaaaaaaaaaaaaaaaa': longer than 15 characters" },
    };
    char text[2048];

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[256];

        snprintf(text, sizeof(text), BASE "disk = [ '%s' ]\n", bad[i].spec);
        CHECK_EQ(parse(text), -EINVAL);
        /* The value shown is the item, quoted as written, cut at 40 bytes. */
        if (strlen(bad[i].spec) + 2 <= 40)
            snprintf(want, sizeof(want), "domcfg: line 4: disk = '%s': %s", bad[i].spec, bad[i].msg);
        else
            snprintf(want, sizeof(want), "domcfg: line 4: disk = '%.39s...: %s", bad[i].spec, bad[i].msg);
        if (strcmp(err, want))
            fprintf(stderr, "spec '%s'\n", bad[i].spec);
        CHECK_STR(err, want);
    }

    /* The item's own line, and its place in the list. */
    CHECK_EQ(parse(BASE "disk = [\n  '/x,,xvda',\n  '/y,,d0p0' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 6: disk = '/y,,d0p0': disk 1: vdev d0p0 is the same device as disk 0's xvda");
    CHECK_EQ(parse(BASE "disk = 'x'\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: disk = 'x': expected a list [ 'DISKSPEC', ... ]");
    CHECK_EQ(parse(BASE "disk = [ 5 ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: disk = 5: disk 0: no vdev (the guest's name for the disk, e.g. xvda)");

    /* Length bounds: the target (127), the whole spec (511). */
    {
        char big[600];

        memset(big, 'p', sizeof(big));
        big[0] = '/';
        big[DOMCFG_PATH_MAX - 1] = '\0';
        snprintf(text, sizeof(text), BASE "disk = [ '%s,,xvda' ]\n", big);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.disks[0].target), DOMCFG_PATH_MAX - 1);
        big[DOMCFG_PATH_MAX - 1] = 'p';
        big[DOMCFG_PATH_MAX] = '\0';
        snprintf(text, sizeof(text), BASE "disk = [ '%s,,xvda' ]\n", big);
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_CONTAINS(err, "...: disk 0: target longer than 127 characters");
        big[DOMCFG_PATH_MAX] = 'p';
        big[sizeof(big) - 1] = '\0';
        snprintf(text, sizeof(text), BASE "disk = [ '%s,,xvda' ]\n", big);
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_CONTAINS(err, "...: disk 0: longer than 511 characters");
    }
}

static void check_mac(const struct domcfg_vif *f, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t g)
{
    CHECK(f->mac_given);
    CHECK(f->mac[0] == a && f->mac[1] == b && f->mac[2] == c && f->mac[3] == d && f->mac[4] == e && f->mac[5] == g);
}

static void test_vif_forms(void)
{
    const struct domcfg_vif *f;

    /* The empty spec: every default. */
    f = vif1("");
    CHECK(!f->mac_given && !f->devid_given && f->devid == 0 && f->type == DOMCFG_VIF_DEFAULT);
    CHECK_STR(f->bridge, "xenbr0");
    CHECK(!f->vifname[0] && !f->script[0] && !f->ip[0] && !f->backend[0] && !f->model[0] && !f->gatewaydev[0]);
    CHECK(f->rate_bytes_per_sec == 0 && f->mtu == 0);

    /* The man page's examples. */
    f = vif1("mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0");
    check_mac(f, 0x00, 0x16, 0x3e, 0x74, 0x3d, 0x76);
    CHECK_STR(f->model, "rtl8139");
    CHECK_STR(f->bridge, "xenbr0");
    f = vif1("mac=00:16:3e:5f:48:e4,bridge=xenbr1");
    check_mac(f, 0x00, 0x16, 0x3e, 0x5f, 0x48, 0xe4);
    CHECK_STR(f->bridge, "xenbr1");

    /* Every other key, blanks around items ignored. */
    f = vif1(" type=vif , vifname=vif-web,script=vif-route,ip=10.0.0.2 fd00::2,gatewaydev=eth0,backend=0,"
             "mtu=9000,devid=3,");
    CHECK_EQ(f->type, DOMCFG_VIF_PV);
    CHECK_STR(f->vifname, "vif-web");
    CHECK_STR(f->script, "vif-route");
    CHECK_STR(f->ip, "10.0.0.2 fd00::2");
    CHECK_STR(f->gatewaydev, "eth0");
    CHECK_STR(f->backend, "0");
    CHECK(f->mtu == 9000 && f->devid == 3 && f->devid_given);
    CHECK_EQ(vif1("type=ioemu,model=e1000")->type, DOMCFG_VIF_IOEMU);
    CHECK_STR(vif1("netdev=eth1")->gatewaydev, "eth1");
    CHECK_EQ(vif1("mtu=68")->mtu, 68);

    /* rate: decimal multiples, bits / 8, the interval (default 50 ms). */
    f = vif1("rate=10Mb/s");
    CHECK(f->rate_bytes_per_sec == 1250000 && f->rate_interval_us == 50000);
    f = vif1("rate=250KB/s");
    CHECK(f->rate_bytes_per_sec == 250000 && f->rate_interval_us == 50000);
    f = vif1("rate=1MB/s@20ms");   /* the man page: 20,000 bytes every 20,000 us */
    CHECK(f->rate_bytes_per_sec == 1000000 && f->rate_interval_us == 20000);
    CHECK_EQ(f->rate_bytes_per_sec * f->rate_interval_us / 1000000, 20000);
    f = vif1("rate=100b/s@1s");
    CHECK(f->rate_bytes_per_sec == 12 && f->rate_interval_us == 1000000);
    f = vif1("rate=5GB/s@500us");
    CHECK(f->rate_bytes_per_sec == 5000000000ull && f->rate_interval_us == 500);
    f = vif1("rate=3Gb/s@250");
    CHECK(f->rate_bytes_per_sec == 375000000 && f->rate_interval_us == 250);
    CHECK_EQ(vif1("rate=7B/s")->rate_bytes_per_sec, 7);

    /* devid: given, else the lowest one free. */
    CHECK_EQ(parse(BASE "vif = [ 'devid=0', '', 'devid=2', '' ]\n"), 0);
    CHECK_EQ(cfg.nr_vifs, 4);
    CHECK(cfg.vifs[0].devid == 0 && cfg.vifs[1].devid == 1 && cfg.vifs[2].devid == 2 && cfg.vifs[3].devid == 3);
    CHECK_EQ(parse(BASE "vif = [ '', 'devid=0', 'bridge=b' ]\n"), 0);
    CHECK(cfg.vifs[0].devid == 1 && cfg.vifs[1].devid == 0 && cfg.vifs[2].devid == 2);
    CHECK_STR(cfg.vifs[2].bridge, "b");
    /* 8 fit, a repeated vif = replaces the list. */
    CHECK_EQ(parse(BASE "vif = [ '', '', '', '', '', '', '', '' ]\nvif = [ 'bridge=a', 'bridge=b' ]\n"), 0);
    CHECK_EQ(cfg.nr_vifs, 2);
    CHECK_EQ(parse(BASE "vif = [ '', '', '', '', '', '', '', '' ]\n"), 0);
    CHECK_EQ(cfg.nr_vifs, DOMCFG_MAX_VIFS);
    CHECK_EQ(cfg.vifs[7].devid, 7);
}

static void test_vif_errors(void)
{
    static const struct { const char *spec, *msg; } bad[] = {
        { "bridge", "vif 0: 'bridge': expected key=value" },
        { "colour=red", "vif 0: unknown key 'colour'" },
        { "mac=00:16:3e:00:00", "vif 0: mac '00:16:3e:00:00': expected six hex pairs separated by ':'" },
        { "mac=00:16:3e:00:00:0g", "vif 0: mac '00:16:3e:00:00:0g': expected six hex pairs separated by ':'" },
        { "mac=00:16:3e:00:00:01:02", "vif 0: mac '00:16:3e:00:00:01:02': expected six hex pairs separated by ':'" },
        { "mac=00-16-3e-00-00-01", "vif 0: mac '00-16-3e-00-00-01': expected six hex pairs separated by ':'" },
        { "mac=01:00:5e:00:00:01", "vif 0: mac 01:00:5e:00:00:01 is a multicast address (bit 0 of the first byte)" },
        { "bridge=", "vif 0: bridge '': expected an interface name (1-15 characters, no '/', ':' or blanks)" },
        { "bridge=a/b", "vif 0: bridge 'a/b': expected an interface name (1-15 characters, no '/', ':' or blanks)" },
        { "vifname=sixteen-chars-xx", "vif 0: vifname 'sixteen-chars-xx': expected an interface name (1-15 characters, "
                                      "no '/', ':' or blanks)" },
        { "gatewaydev=..", "vif 0: gatewaydev '..': expected an interface name (1-15 characters, no '/', ':' or blanks)" },
        { "type=foo", "vif 0: type 'foo': expected vif or ioemu" },
        { "model=e$", "vif 0: model 'e$': expected a device model name, e.g. e1000" },
        { "ip=10.0.0.1;rm", "vif 0: ip '10.0.0.1;rm': expected IP addresses separated by spaces (at most 63 characters)" },
        { "backend=a b", "vif 0: backend 'a b': expected a domain name or id" },
        { "script=", "vif 0: script '': expected 1-63 characters without blanks" },
        { "rate=10Mb", "vif 0: rate '10Mb': expected N{GB,MB,KB,B,Gb,Mb,Kb,b}/s[@N{s,ms,us}]" },
        { "rate=10Xb/s", "vif 0: rate '10Xb/s': expected N{GB,MB,KB,B,Gb,Mb,Kb,b}/s[@N{s,ms,us}]" },
        { "rate=10Mb/s@", "vif 0: rate '10Mb/s@': expected the interval as N{s,ms,us} after '@'" },
        { "rate=10Mb/s@5h", "vif 0: rate '10Mb/s@5h': expected the interval as N{s,ms,us} after '@'" },
        { "rate=10Mb/sx", "vif 0: rate '10Mb/sx': unexpected text after /s" },
        { "rate=0B/s", "vif 0: rate '0B/s': below 1 byte/s" },
        { "rate=7b/s", "vif 0: rate '7b/s': below 1 byte/s" },
        { "rate=1MB/s@0ms", "vif 0: rate '1MB/s@0ms': the interval must be 1 us to 4294 s" },
        { "rate=1MB/s@5000s", "vif 0: rate '1MB/s@5000s': the interval must be 1 us to 4294 s" },
        { "mtu=67", "vif 0: mtu '67': expected a number from 68 to 65535" },
        { "mtu=65536", "vif 0: mtu '65536': expected a number from 68 to 65535" },
        { "devid=65536", "vif 0: devid '65536': expected a number from 0 to 65535" },
        { "devid=01", "vif 0: devid '01': expected a number from 0 to 65535" },
        { "mac=00:16:3e:00:00:01,mac=00:16:3e:00:00:02", "vif 0: mac is given twice" },
        { "gatewaydev=a,netdev=b", "vif 0: gatewaydev is given twice" },
    };
    char text[1024];

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[300];
        size_t l = strlen(bad[i].spec) + 2;

        snprintf(text, sizeof(text), BASE "vif = [ '%s' ]\n", bad[i].spec);
        CHECK_EQ(parse(text), -EINVAL);
        if (l <= 40)
            snprintf(want, sizeof(want), "domcfg: line 4: vif = '%s': %s", bad[i].spec, bad[i].msg);
        else
            snprintf(want, sizeof(want), "domcfg: line 4: vif = '%.39s...: %s", bad[i].spec, bad[i].msg);
        if (strcmp(err, want))
            fprintf(stderr, "spec '%s'\n", bad[i].spec);
        CHECK_STR(err, want);
    }
    /* Decoded escapes are shown as '?': the message stays one line (found by fuzz_domcfg). */
    CHECK_EQ(parse(BASE "vif = [ 'bridge=b,\\n\\x80x' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: vif = 'bridge=b,\\n\\x80x': vif 0: '??x': expected key=value");
    CHECK_EQ(parse(BASE "disk = [ '/x,,xvda,\\nq=1' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: disk = '/x,,xvda,\\nq=1': disk 0: unknown parameter '?q'");
    CHECK_EQ(parse(BASE "vif = [ 'devid=1',\n 'devid=1' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 5: vif = 'devid=1': vif 1: devid 1 is vif 0's as well");
    CHECK_EQ(parse(BASE "vif = [ '', '', '', '', '', '', '', '', '' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: vif = '': vif 8: too many vifs (at most 8)");
    CHECK_EQ(parse(BASE "vif = 'bridge=b'\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: vif = 'bridge=b': expected a list [ 'VIFSPEC', ... ]");
}

int main(void)
{
    RUN(test_vdev_numbers);
    RUN(test_disk_forms);
    RUN(test_disk_errors);
    RUN(test_vif_forms);
    RUN(test_vif_errors);
    return t_finish("test_domcfg_dev");
}
