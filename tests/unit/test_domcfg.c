/*
 * Domain configuration parser (core/domcfg.c, core/domcfg_lex.c): every key,
 * defaults, xl's syntax variants, warnings, and a table of malformed files
 * with the exact message expected.
 */
#include <stdbool.h>

#include "core/domcfg.h"
#include "lib/errno.h"
#include "test.h"

static struct domcfg cfg;
static char err[256];

struct warns {
    unsigned n;
    char msg[48][192];
};
static struct warns w;

static void collect(const char *msg, void *ctx)
{
    struct warns *ws = ctx;

    if (ws->n < 48)
        snprintf(ws->msg[ws->n], sizeof(ws->msg[0]), "%s", msg);
    ws->n++;
}

/* Parses an exactly sized copy (ASan catches reads past len; no NUL). */
static int parse(const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    int rc;

    memcpy(copy, text, len);
    memset(&w, 0, sizeof(w));
    memset(err, 0x5a, sizeof(err));
    rc = domcfg_parse(copy, len, &cfg, collect, &w, err, sizeof(err));
    free(copy);
    CHECK(memchr(err, 0, sizeof(err)) != NULL);
    CHECK_EQ(cfg.nr_warnings, w.n);
    if (rc)
        CHECK(!strncmp(err, "domcfg: ", 8) && !strchr(err, '\n'));
    else
        CHECK_STR(err, "");
    return rc;
}

#define BASE "name = \"t\"\nmemory = 16\nkernel = \"k.elf\"\n"

static bool cpu(unsigned c)
{
    return domcfg_cpu_allowed(&cfg, c);
}

static void test_full_example(void)
{
    static const char text[] =
        "# the example of notes/guest-abi.md\n"
        "name = \"cpuid\"\n"
        "type = \"hvm\"\n"
        "kernel = \"cpuid.elf\"          # file name of a boot module passed next to the cfg\n"
        "ramdisk = \"initrd.img\"\n"
        "cmdline = \"verbose\"\n"
        "memory = 16                   # MiB\n"
        "maxmem = 32\n"
        "vcpus = 2\n"
        "maxvcpus = 4\n"
        "cpus = \"0-3\"                  # hard affinity (optional)\n"
        "on_poweroff = \"destroy\"\n"
        "on_reboot = \"preserve\"\n"
        "on_crash = \"restart\"\n"
        "rv_expect = \"crash\"\n"
        "rv_hide_hypervisor = 1\n";

    CHECK_EQ(parse(text), 0);
    CHECK_STR(cfg.name, "cpuid");
    CHECK_EQ(cfg.type, DOMCFG_HVM);
    CHECK_STR(cfg.kernel, "cpuid.elf");
    CHECK_STR(cfg.ramdisk, "initrd.img");
    CHECK_STR(cfg.cmdline, "verbose");
    CHECK_EQ(cfg.memory_mib, 16);
    CHECK_EQ(cfg.maxmem_mib, 32);
    CHECK_EQ(cfg.vcpus, 2);
    CHECK_EQ(cfg.maxvcpus, 4);
    CHECK(cfg.cpus_given);
    CHECK_EQ(cfg.cpus_mask[0], 0xf);
    CHECK_EQ(cfg.cpus_mask[1] | cfg.cpus_mask[2] | cfg.cpus_mask[3], 0);
    CHECK_EQ(cfg.on_poweroff, DOMCFG_DESTROY);
    CHECK_EQ(cfg.on_reboot, DOMCFG_PRESERVE);
    CHECK_EQ(cfg.on_crash, DOMCFG_RESTART);
    CHECK_STR(cfg.rv_expect, "crash");
    CHECK(cfg.hide_hypervisor_cpuid);
    CHECK_EQ(cfg.nr_warnings, 0);
    CHECK_STR(domcfg_type_name(DOMCFG_HVM), "hvm");
    CHECK_STR(domcfg_type_name(DOMCFG_PVH), "pvh");
    CHECK_STR(domcfg_type_name(DOMCFG_PV), "pv");
    CHECK_STR(domcfg_type_name((enum domcfg_type)7), "?");
    CHECK_STR(domcfg_action_name(DOMCFG_DESTROY), "destroy");
    CHECK_STR(domcfg_action_name(DOMCFG_RESTART), "restart");
    CHECK_STR(domcfg_action_name(DOMCFG_PRESERVE), "preserve");
    CHECK_STR(domcfg_action_name(DOMCFG_RENAME_RESTART), "rename-restart");
    CHECK_STR(domcfg_action_name(DOMCFG_COREDUMP_DESTROY), "coredump-destroy");
    CHECK_STR(domcfg_action_name(DOMCFG_COREDUMP_RESTART), "coredump-restart");
    CHECK_STR(domcfg_action_name((enum domcfg_action)7), "?");
}

static void test_defaults(void)
{
    unsigned i;

    CHECK_EQ(parse(BASE), 0);
    CHECK_STR(cfg.name, "t");
    CHECK_EQ(cfg.type, DOMCFG_PV);          /* xl's default */
    CHECK_STR(cfg.ramdisk, "");
    CHECK_STR(cfg.cmdline, "");
    CHECK_EQ(cfg.memory_mib, 16);
    CHECK_EQ(cfg.maxmem_mib, 16);
    CHECK_EQ(cfg.vcpus, 1);
    CHECK_EQ(cfg.maxvcpus, 1);
    CHECK(!cfg.cpus_given);
    for (i = 0; i < 4; i++)
        CHECK_EQ(cfg.cpus_mask[i], ~0ull);
    CHECK(cpu(0) && cpu(255) && !cpu(256));
    CHECK_EQ(cfg.on_poweroff, DOMCFG_DESTROY);
    CHECK_EQ(cfg.on_reboot, DOMCFG_RESTART);
    CHECK_EQ(cfg.on_crash, DOMCFG_DESTROY);
    CHECK_EQ(cfg.on_watchdog, DOMCFG_DESTROY);      /* xl.cfg(5) */
    CHECK_STR(cfg.rv_expect, "poweroff");
    CHECK_EQ(cfg.rv_expect_restarts, 0);
    CHECK(!cfg.hide_hypervisor_cpuid);
    CHECK(cfg.fw_cfg);                  /* on by default */
    CHECK(cfg.hpet);                    /* on by default, as xl's */
    CHECK_EQ(cfg.debug_exit, 0);
    CHECK_EQ(parse(BASE "fw_cfg = 0\ndebug_exit = 0xf4\nrv_expect_exit = 33\n"), 0);
    CHECK(!cfg.fw_cfg);
    CHECK(cfg.hpet);
    CHECK_EQ(cfg.debug_exit, 0xf4);
    CHECK_EQ(parse(BASE "hpet = 0\n"), 0);
    CHECK(!cfg.hpet);
    CHECK_EQ(parse(BASE "hpet = 1\n"), 0);
    CHECK(cfg.hpet);
    CHECK(cfg.xen_platform_pci);        /* on by default, as xl's */
    CHECK_EQ(parse(BASE "xen_platform_pci = 0\n"), 0);
    CHECK(!cfg.xen_platform_pci);
    /* Paging (docs/shadow.md): nested paging unless hap = 0; shadow budget
     * 0 = the default, else MiB. */
    CHECK(cfg.hap);
    CHECK_EQ(cfg.shadow_memory_mib, 0);
    CHECK_EQ(parse(BASE "hap = 0\nshadow_memory = 8\n"), 0);
    CHECK(!cfg.hap);
    CHECK_EQ(cfg.shadow_memory_mib, 8);
    CHECK_EQ(parse(BASE "hap = 1\n"), 0);
    CHECK(cfg.hap);
    /* Ringvisor diagnostics and the PVH port 0x42 choice (docs/pvh.md). */
    CHECK(!cfg.pvh_pit_ones && !cfg.exit_stats);
    CHECK_EQ(parse(BASE "rv_pvh_pit_ones = 1\nrv_exit_stats = 1\n"), 0);
    CHECK(cfg.pvh_pit_ones && cfg.exit_stats);
    /* The initial domain (docs/dom0.md): off unless asked for. */
    CHECK(!cfg.dom0);
    CHECK_EQ(parse(BASE "dom0 = 1\n"), 0);
    CHECK(cfg.dom0);
    CHECK_EQ(parse(BASE "dom0 = \"0\"\n"), 0);
    CHECK(!cfg.dom0);
    /* The stand-in xenstore (pv/pv_xs_empty.c): off unless asked for. */
    CHECK(!cfg.xenstore_empty);
    CHECK_EQ(parse(BASE "rv_xenstore = \"empty\"\n"), 0);
    CHECK(cfg.xenstore_empty);
    CHECK_EQ(parse(BASE "rv_xenstore = 'none'\n"), 0);
    CHECK(!cfg.xenstore_empty);
    CHECK_EQ(parse(BASE "debug_exit = 0x501\n"), 0);     /* ends just before fw_cfg's 0x510 */
    CHECK_EQ(cfg.cpu_weight, 256);
    CHECK_EQ(cfg.nr_warnings, 0);
    /* maxvcpus follows vcpus when not given. */
    CHECK_EQ(parse(BASE "vcpus = 3\n"), 0);
    CHECK_EQ(cfg.maxvcpus, 3);
}

/* The same configuration written in every way xl's syntax allows. */
static void test_syntax_variants(void)
{
    static const char *const texts[] = {
        "name=\"v\"\nmemory=0x20\nkernel='a b.elf'\ncpus=[\"1\",\"3-4\",]\n",
        "name = 'v';memory = \"32\";kernel = \"a b.elf\";cpus = [ \"1\", \"3-4\" ];\n",
        "\n\n   # comment only\n\tname\t=\t\"v\"   # trailing comment\n\nmemory = 32\r\nkernel = \"a\\x20b.elf\"\r\n"
        "cpus = [ # per-vCPU lists may span lines\n   \"1\",\n\n   \"3-4\" # comment\n  ,\n]\n",
        "name = \"x\"\nname = \"v\"\nmemory = 1\nmemory = 32\nkernel = \"z\"\nkernel = \"a b.elf\"\n"
        "cpus = \"7\"\ncpus = [\"1\", \"4,3\"]",                 /* last wins; no final newline */
        ";;\nname = \"v\" ; memory = 32 ; ; kernel = \"a b.elf\" ; cpus = [ '1' , '3' , \"4\" ] ;;",
    };
    unsigned i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        CHECK_EQ(parse(texts[i]), 0);
        CHECK_STR(cfg.name, "v");
        CHECK_EQ(cfg.memory_mib, 32);
        CHECK_STR(cfg.kernel, "a b.elf");
        CHECK_EQ(cfg.cpus_mask[0], 0x1a);
        CHECK(cfg.cpus_given);
        CHECK_EQ(cfg.nr_warnings, 1);       /* cpus given per vCPU: the union is used */
        CHECK_CONTAINS(w.msg[0], "cpus: per-vCPU affinity lists are not supported, every vCPU gets the union");
    }
}

static void test_strings(void)
{
    CHECK_EQ(parse(BASE "cmdline = \"a\\tb\\n\\r\\\\ \\\" \\' \\x41\\x7e\\xAf q='x'\"\n"), 0);
    CHECK_STR(cfg.cmdline, "a\tb\n\r\\ \" ' A~\xaf q='x'");
    CHECK_EQ(parse(BASE "cmdline = 'say \"hi\" # not a comment'\n"), 0);
    CHECK_STR(cfg.cmdline, "say \"hi\" # not a comment");
    CHECK_EQ(parse(BASE "cmdline = \"\"\n"), 0);
    CHECK_STR(cfg.cmdline, "");
    CHECK_EQ(parse(BASE "cmdline = \"caf\xc3\xa9\"\n"), 0);    /* UTF-8 passes through */
    CHECK_STR(cfg.cmdline, "caf\xc3\xa9");
    CHECK_EQ(parse("name = 123\nmemory = '8'\nkernel = 'k'\n"), 0);   /* atoms are atoms, as in xl */
    CHECK_STR(cfg.name, "123");
    CHECK_EQ(cfg.memory_mib, 8);
    /* Exactly the longest values that fit. */
    {
        char text[2200];
        char big[DOMCFG_CMDLINE_MAX];

        memset(big, 'c', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        snprintf(text, sizeof(text), BASE "cmdline = \"%s\"\n", big);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.cmdline), DOMCFG_CMDLINE_MAX - 1);
        memset(big, 'n', DOMCFG_NAME_MAX - 1);
        big[DOMCFG_NAME_MAX - 1] = '\0';
        snprintf(text, sizeof(text), BASE "name = \"%s\"\n", big);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.name), DOMCFG_NAME_MAX - 1);
        memset(big, 'p', DOMCFG_PATH_MAX - 1);
        big[DOMCFG_PATH_MAX - 1] = '\0';
        snprintf(text, sizeof(text), BASE "kernel = \"%s\"\nramdisk = \"%s\"\n", big, big);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.kernel), DOMCFG_PATH_MAX - 1);
        CHECK_EQ(strlen(cfg.ramdisk), DOMCFG_PATH_MAX - 1);
    }
}

static void test_type_builder(void)
{
    CHECK_EQ(parse(BASE "type = \"pvh\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_PVH);
    CHECK_EQ(parse(BASE "type = \"pv\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_PV);
    CHECK_EQ(parse(BASE "builder = \"hvm\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_HVM);
    CHECK_EQ(parse(BASE "builder = \"generic\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_PV);
    /* type wins over builder whatever the order. */
    CHECK_EQ(parse(BASE "type = \"pvh\"\nbuilder = \"hvm\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_PVH);
    CHECK_EQ(parse(BASE "builder = \"hvm\"\ntype = \"pv\"\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_PV);
}

/* firmware_override (xl; XTF's HVM configurations): the file becomes the
 * domain's image with the firmware flag; only for HVM; kernel= beside it is
 * ignored with a warning; it satisfies the required kernel. */
static void test_firmware_override(void)
{
    /* XTF's template: builder = "hvm", no kernel, shadow_memory. */
    CHECK_EQ(parse("name = \"test-hvm32-example\"\nbuilder = \"hvm\"\nmemory = 128\n"
                   "firmware_override = \"test-hvm32-example\"\nshadow_memory = 4\n"), 0);
    CHECK_EQ(cfg.type, DOMCFG_HVM);
    CHECK(cfg.firmware);
    CHECK_STR(cfg.kernel, "test-hvm32-example");
    CHECK_EQ(cfg.shadow_memory_mib, 4);
    CHECK_EQ(w.n, 0);
    /* Given before the type, and with a kernel: the firmware wins, one warning. */
    CHECK_EQ(parse("name = \"t\"\nmemory = 16\nfirmware_override = \"fw.elf\"\nkernel = \"k.elf\"\n"
                   "type = \"hvm\"\n"), 0);
    CHECK(cfg.firmware);
    CHECK_STR(cfg.kernel, "fw.elf");
    CHECK_EQ(w.n, 1);
    CHECK_STR(w.msg[0], "domcfg: 'kernel' is ignored because 'firmware_override' is given");
    /* Without it: no flag. */
    CHECK_EQ(parse(BASE "type = \"hvm\"\n"), 0);
    CHECK(!cfg.firmware);
    /* PV (the default type) and PVH refuse it. */
    CHECK_EQ(parse("name = \"t\"\nmemory = 16\nfirmware_override = \"fw.elf\"\n"), -EINVAL);
    CHECK_STR(err, "domcfg: firmware_override is for type = \"hvm\" (this domain is pv)");
    CHECK_EQ(parse("name = \"t\"\nmemory = 16\ntype = \"pvh\"\nfirmware_override = \"fw.elf\"\n"), -EINVAL);
    CHECK_STR(err, "domcfg: firmware_override is for type = \"hvm\" (this domain is pvh)");
    /* Neither kernel nor firmware: the kernel is still required. */
    CHECK_EQ(parse("name = \"t\"\nmemory = 16\ntype = \"hvm\"\n"), -EINVAL);
    CHECK_STR(err, "domcfg: missing required key 'kernel'");
}

/* xl: cmdline wins over root/extra (with a warning); otherwise "root=R E". */
static void test_root_extra(void)
{
    CHECK_EQ(parse(BASE "root = \"/dev/xvda1 ro\"\nextra = \"console=hvc0\"\n"), 0);
    CHECK_STR(cfg.cmdline, "root=/dev/xvda1 ro console=hvc0");
    CHECK_EQ(parse(BASE "extra = \"quiet\"\n"), 0);
    CHECK_STR(cfg.cmdline, "quiet");
    CHECK_EQ(parse(BASE "root = \"/dev/sda\"\n"), 0);
    CHECK_STR(cfg.cmdline, "root=/dev/sda");
    CHECK_EQ(parse(BASE "cmdline = \"c\"\nroot = \"/dev/sda\"\nextra = \"e\"\n"), 0);
    CHECK_STR(cfg.cmdline, "c");
    CHECK_EQ(w.n, 1);
    CHECK_STR(w.msg[0], "domcfg: 'root' and 'extra' are ignored because 'cmdline' is given");
    CHECK_EQ(parse(BASE "extra = \"e\"\ncmdline = \"c\"\n"), 0);
    CHECK_STR(cfg.cmdline, "c");
    CHECK_EQ(w.n, 1);
    /* Lengths: root= plus the value plus ' ' plus extra must fit. */
    {
        char text[2400], a[1100], e[600];

        memset(a, 'a', 500);
        a[500] = '\0';
        memset(e, 'e', 517);
        e[517] = '\0';
        snprintf(text, sizeof(text), BASE "root = \"%s\"\nextra = \"%s\"\n", a, e);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.cmdline), 5 + 500 + 1 + 517);
        e[517] = 'e';
        e[518] = '\0';
        snprintf(text, sizeof(text), BASE "root = \"%s\"\nextra = \"%s\"\n", a, e);
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_STR(err, "domcfg: root= and extra= together are longer than 1023 characters");
        /* root= alone, and root= filling the line so that not even the blank fits. */
        memset(a, 'a', 1019);
        a[1019] = '\0';
        snprintf(text, sizeof(text), BASE "root = \"%s\"\n", a);
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_STR(err, "domcfg: root= and extra= together are longer than 1023 characters");
        a[1018] = '\0';
        snprintf(text, sizeof(text), BASE "root = \"%s\"\n", a);
        CHECK_EQ(parse(text), 0);
        CHECK_EQ(strlen(cfg.cmdline), 1023);
        snprintf(text, sizeof(text), BASE "root = \"%s\"\nextra = ''\n", a);
        CHECK_EQ(parse(text), -EINVAL);
        CHECK_STR(err, "domcfg: root= and extra= together are longer than 1023 characters");
    }
    CHECK_EQ(parse(BASE "extra = [ 'a' ]\n"), -EINVAL);
    CHECK_STR(err, "domcfg: line 4: extra = [ 'a' ]: expected a string, not a list");
}

static void test_numbers_and_actions(void)
{
    CHECK_EQ(parse(BASE "memory = 1048576\nvcpus = 128\nmaxvcpus = 128\n"), 0);
    CHECK_EQ(cfg.memory_mib, 1048576);
    CHECK_EQ(cfg.maxmem_mib, 1048576);
    CHECK_EQ(cfg.vcpus, 128);
    CHECK_EQ(parse(BASE "memory = 0x10\nmaxmem = \"0X20\"\nrv_hide_hypervisor = 0\n"), 0);
    CHECK_EQ(cfg.memory_mib, 16);
    CHECK_EQ(cfg.maxmem_mib, 32);
    CHECK(!cfg.hide_hypervisor_cpuid);
    /* Every xl action is kept apart: the hypervisor acts on each differently. */
    CHECK_EQ(parse(BASE "on_poweroff = \"rename-restart\"\non_reboot = \"coredump-destroy\"\n"
                   "on_crash = \"coredump-restart\"\non_watchdog = \"preserve\"\n"), 0);
    CHECK_EQ(cfg.on_poweroff, DOMCFG_RENAME_RESTART);
    CHECK_EQ(cfg.on_reboot, DOMCFG_COREDUMP_DESTROY);
    CHECK_EQ(cfg.on_crash, DOMCFG_COREDUMP_RESTART);
    CHECK_EQ(cfg.on_watchdog, DOMCFG_PRESERVE);
    CHECK_EQ(parse(BASE "on_watchdog = 'restart'\non_watchdog = \"destroy\"\n"), 0);
    CHECK_EQ(cfg.on_watchdog, DOMCFG_DESTROY);     /* the last one wins */
    CHECK_EQ(parse(BASE "on_watchdog = \"rename-restart\"\n"), 0);
    CHECK_EQ(cfg.on_watchdog, DOMCFG_RENAME_RESTART);
    CHECK_EQ(cfg.on_poweroff, DOMCFG_DESTROY);     /* the others keep their defaults */
    CHECK_EQ(cfg.on_reboot, DOMCFG_RESTART);
    CHECK_EQ(cfg.on_crash, DOMCFG_DESTROY);
    CHECK_EQ(parse(BASE "rv_expect = \"watchdog\"\nrv_expect_restarts = 5\n"), 0);
    CHECK_STR(cfg.rv_expect, "watchdog");
    CHECK_EQ(cfg.rv_expect_restarts, 5);
    CHECK_EQ(parse(BASE "rv_expect = 'restart-loop'\nrv_expect_restarts = \"1000\"\n"), 0);
    CHECK_STR(cfg.rv_expect, "restart-loop");
    CHECK_EQ(cfg.rv_expect_restarts, 1000);
    CHECK_EQ(parse(BASE "rv_expect = 'reboot'\n"), 0);
    CHECK_STR(cfg.rv_expect, "reboot");
    CHECK_EQ(parse(BASE "rv_expect = \"poweroff\"\nrv_expect = 'crash'\nrv_expect = \"poweroff\"\n"), 0);
    CHECK_STR(cfg.rv_expect, "poweroff");
    CHECK_EQ(parse(BASE "cpu_weight = 512\n"), 0);
    CHECK_EQ(cfg.cpu_weight, 512);
    CHECK_EQ(parse(BASE "cpu_weight = 0\n"), -EINVAL);
    CHECK_EQ(parse(BASE "cpu_weight = 65536\n"), -EINVAL);
    /* Event-channel and grant limits: xl's defaults, ranges checked. */
    CHECK_EQ(parse(BASE), 0);
    CHECK_EQ(cfg.max_event_channels, 1023);
    CHECK_EQ(cfg.max_grant_frames, 64);
    CHECK_EQ(cfg.max_maptrack_frames, 1024);
    CHECK_EQ(parse(BASE "max_event_channels = 4096\nmax_grant_frames = 4\nmax_maptrack_frames = 0\n"), 0);
    CHECK_EQ(cfg.max_event_channels, 4096);
    CHECK_EQ(cfg.max_grant_frames, 4);
    CHECK_EQ(cfg.max_maptrack_frames, 0);
    CHECK_EQ(parse(BASE "max_event_channels = 0\n"), -EINVAL);
    CHECK_EQ(parse(BASE "max_event_channels = 131073\n"), -EINVAL);
    CHECK_EQ(parse(BASE "max_grant_frames = 65\n"), -EINVAL);
    CHECK_EQ(parse(BASE "max_maptrack_frames = 4097\n"), -EINVAL);
}

static void test_cpus(void)
{
    CHECK_EQ(parse(BASE "cpus = \"all\"\n"), 0);
    CHECK(cfg.cpus_given && cpu(0) && cpu(255));
    CHECK_EQ(parse(BASE "cpus = \"all,^0,^64-127\"\n"), 0);
    CHECK(!cpu(0) && cpu(1) && cpu(63) && !cpu(64) && !cpu(127) && cpu(128) && cpu(255));
    CHECK_EQ(parse(BASE "cpus = \" 0 - 2 \"\n"), -EINVAL);   /* no blanks inside a range */
    CHECK_EQ(parse(BASE "cpus = \" 0-2 , 200 \"\n"), 0);
    CHECK_EQ(cfg.cpus_mask[0], 7);
    CHECK_EQ(cfg.cpus_mask[3], 1ull << (200 - 192));
    CHECK_EQ(parse(BASE "cpus = 5\n"), 0);
    CHECK_EQ(cfg.cpus_mask[0], 0x20);
    CHECK_EQ(parse(BASE "cpus = \"255\"\n"), 0);
    CHECK_EQ(cfg.cpus_mask[3], 1ull << 63);
    CHECK_EQ(cfg.cpus_mask[0] | cfg.cpus_mask[1] | cfg.cpus_mask[2], 0);
    CHECK_EQ(parse(BASE "cpus = [\"2\"]\n"), 0);            /* one item: no warning */
    CHECK_EQ(cfg.cpus_mask[0], 4);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(parse(BASE "cpus = \"1-3,^2\"\n"), 0);
    CHECK_EQ(cfg.cpus_mask[0], 0xa);
}

static void test_unknown_keys(void)
{
    char text[4096];
    size_t n;
    unsigned i;

    CHECK_EQ(parse(BASE "vif = [ 'bridge=xenbr0' ]\ndisk = [ 'phy:/dev/vg/d,xvda,w',\n"
                   "  'file:/x.iso,hdc:cdrom,r' ]\nvif = []\nacpi = 1\nserial = 'pty'\n"
                   "device_model_version = \"qemu-xen\"\nvnc.listen = '0'\n"), 0);
    /* disk and vif are parsed (test_domcfg_dev.c); the last vif = wins. */
    CHECK_EQ(w.n, 4);
    CHECK_EQ(cfg.nr_disks, 2);
    CHECK_EQ(cfg.nr_vifs, 0);
    CHECK_STR(w.msg[0], "domcfg: line 8: key 'acpi' not supported, ignored");
    CHECK_STR(w.msg[1], "domcfg: line 9: key 'serial' not supported, ignored");
    CHECK_STR(w.msg[2], "domcfg: line 10: key 'device_model_version' not supported, ignored");
    CHECK_STR(w.msg[3], "domcfg: line 11: key 'vnc.listen' not supported, ignored");
    /* A long key is shortened in the message. */
    CHECK_EQ(parse(BASE "a_very_long_key_name_that_goes_on_and_on_forever = 1\n"), 0);
    CHECK_STR(w.msg[0], "domcfg: line 4: key 'a_very_long_key_name_that_goes_o...' not supported, ignored");
    /* 40 distinct keys twice: the first 32 are remembered, the rest warn again. */
    n = (size_t)snprintf(text, sizeof(text), BASE);
    for (i = 0; i < 80; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "k%u = %u\n", i % 40, i);
    CHECK_EQ(parse(text), 0);
    CHECK_EQ(w.n, 40 + 8);
    CHECK_STR(w.msg[32], "domcfg: line 36: key 'k32' not supported, ignored");
    CHECK_STR(w.msg[40], "domcfg: line 76: key 'k32' not supported, ignored");
    /* warn == NULL: still counted; err == NULL: still an error code. */
    CHECK_EQ(domcfg_parse(BASE "x = 1\ny = 2\n", strlen(BASE) + 12, &cfg, NULL, NULL, NULL, 0), 0);
    CHECK_EQ(cfg.nr_warnings, 2);
    CHECK_EQ(domcfg_parse("x", 1, &cfg, NULL, NULL, NULL, 0), -EINVAL);
}

/* The text's length, not a NUL, ends it. */
static void test_length_bound(void)
{
    static const char text[] = BASE "memory = 32\nGARBAGE";

    CHECK_EQ(domcfg_parse(text, strlen(BASE) + 12, &cfg, collect, &w, err, sizeof(err)), 0);
    CHECK_EQ(cfg.memory_mib, 32);
    CHECK_EQ(domcfg_parse(text, strlen(BASE) + 11, &cfg, collect, &w, err, sizeof(err)), 0);
    CHECK_EQ(cfg.memory_mib, 32);
    CHECK_EQ(domcfg_parse(text, strlen(BASE) + 10, &cfg, collect, &w, err, sizeof(err)), 0);
    CHECK_EQ(cfg.memory_mib, 3);
    CHECK_EQ(domcfg_parse(text, sizeof(text) - 1, &cfg, collect, &w, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "domcfg: line 5: expected '=' after 'GARBAGE'");
    CHECK_EQ(domcfg_parse(NULL, 0, &cfg, NULL, NULL, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "domcfg: missing required key 'name'");
    /* A short error buffer truncates, never overflows. */
    memset(err, 0x5a, sizeof(err));
    CHECK_EQ(domcfg_parse("memory = 'x'", 12, &cfg, NULL, NULL, err, 20), -EINVAL);
    CHECK_STR(err, "domcfg: line 1: mem");
    CHECK_EQ((unsigned char)err[20], 0x5a);
    memset(err, 0x5a, sizeof(err));
    CHECK_EQ(domcfg_parse("memory = 'x'", 12, &cfg, NULL, NULL, err, 5), -EINVAL);
    CHECK_STR(err, "domc");
    CHECK_EQ((unsigned char)err[5], 0x5a);
}

static const struct {
    const char *text;       /* appended to BASE (3 lines) unless it starts with '!' */
    const char *msg;        /* the whole message */
} bad[] = {
    /* values of known keys */
    { "memory = \"abc\"", "domcfg: line 4: memory = \"abc\": expected a number" },
    { "memory = 0", "domcfg: line 4: memory = 0: must be between 1 and 1048576" },
    { "memory = 1048577", "domcfg: line 4: memory = 1048577: must be between 1 and 1048576" },
    { "memory = 99999999999999999999999", "domcfg: line 4: memory = 99999999999999999999999: must be between 1 and" },
    { "memory = 9999999999999999999999999999999999999999999999999999999999999999",
      "domcfg: line 4: memory = 9999999999999999999999999999999999999999...: expected a number between 1 and 1048576" },
    { "memory = 18446744073709551616", "domcfg: line 4: memory = 18446744073709551616: must be between 1 and 1048576" },
    { "memory = -1", "domcfg: line 4: memory = -1: expected a number" },
    { "memory = 1.5", "domcfg: line 4: memory = 1.5: expected a number" },
    { "memory = 16M", "domcfg: line 4: memory = 16M: expected a number" },
    { "memory = [ 16 ]", "domcfg: line 4: memory = [ 16 ]: expected a number, not a list" },
    { "memory = \"\"", "domcfg: line 4: memory = \"\": expected a number" },
    { "maxmem = 8", "domcfg: maxmem (8 MiB) is less than memory (16 MiB)" },
    { "vcpus = 0", "domcfg: line 4: vcpus = 0: must be between 1 and 128" },
    { "vcpus = 129", "domcfg: line 4: vcpus = 129: must be between 1 and 128" },
    { "vcpus = 4\nmaxvcpus = 2", "domcfg: maxvcpus (2) is less than vcpus (4)" },
    { "name = \"a b\"", "domcfg: line 4: name = \"a b\": only letters, digits, '_', '.' and '-' are allowed" },
    { "name = \"a/b\"", "domcfg: line 4: name = \"a/b\": only letters, digits, '_', '.' and '-' are allowed" },
    { "name = \"\"", "domcfg: line 4: name = \"\": the name is empty" },
    { "name = \"0123456789012345678901234567890123456789012345678901234567890123\"",
      "domcfg: line 4: name = \"012345678901234567890123456789012345678...: longer than 63 characters" },
    { "name = [\"a\"]", "domcfg: line 4: name = [\"a\"]: expected a string, not a list" },
    { "type = \"xen\"", "domcfg: line 4: type = \"xen\": expected \"hvm\", \"pvh\" or \"pv\"" },
    { "type = \"HVM\"", "domcfg: line 4: type = \"HVM\": expected \"hvm\", \"pvh\" or \"pv\"" },
    { "type = 1", "domcfg: line 4: type = 1: expected \"hvm\", \"pvh\" or \"pv\"" },
    { "builder = \"hvmx\"", "domcfg: line 4: builder = \"hvmx\": expected \"hvm\" or \"generic\"" },
    { "kernel = \"\"", "domcfg: line 4: kernel = \"\": the file name is empty" },
    { "ramdisk = ''", "domcfg: line 4: ramdisk = '': the file name is empty" },
    { "firmware_override = ''", "domcfg: line 4: firmware_override = '': the file name is empty" },
    { "on_crash = \"explode\"",
      "domcfg: line 4: on_crash = \"explode\": expected \"destroy\", \"restart\", \"preserve\", \"rename-restart\", "
      "\"coredump-destroy\" or \"coredump-restart\"" },
    { "on_poweroff = \"soft-reset\"", "domcfg: line 4: on_poweroff = \"soft-reset\": expected \"destroy\"," },
    { "fw_cfg = 2", "domcfg: line 4: fw_cfg = 2: must be between 0 and 1" },
    { "hpet = 2", "domcfg: line 4: hpet = 2: must be between 0 and 1" },
    { "hap = 2", "domcfg: line 4: hap = 2: must be between 0 and 1" },
    { "shadow_memory = 4097", "domcfg: line 4: shadow_memory = 4097: must be between 0 and 4096" },
    { "rv_pvh_pit_ones = 2", "domcfg: line 4: rv_pvh_pit_ones = 2: must be between 0 and 1" },
    { "rv_exit_stats = -1", "domcfg: line 4: rv_exit_stats = -1: " },
    { "dom0 = 2", "domcfg: line 4: dom0 = 2: must be between 0 and 1" },
    { "rv_xenstore = \"full\"", "domcfg: line 4: rv_xenstore = \"full\": expected \"none\" or \"empty\"" },
    { "debug_exit = 0x12", "domcfg: line 4: debug_exit = 0x12: ports 0x12-0x15 overlap the Xen platform unplug ports" },
    { "xen_platform_pci = 2", "domcfg: line 4: xen_platform_pci = 2: must be between 0 and 1" },
    { "debug_exit = 0x3f6", "domcfg: line 4: debug_exit = 0x3f6: ports 0x3f6-0x3f9 overlap the UART" },
    { "debug_exit = 0x50e", "domcfg: line 4: debug_exit = 0x50e: ports 0x50e-0x511 overlap fw_cfg" },
    { "debug_exit = 0", "domcfg: line 4: debug_exit = 0: must be between 1 and 65532" },
    { "debug_exit = 0xfffd", "domcfg: line 4: debug_exit = 0xfffd: must be between 1 and 65532" },
    { "rv_expect_exit = 0", "domcfg: line 4: rv_expect_exit = 0: must be between 1 and 8589934591" },
    { "rv_expect = \"hang\"", "domcfg: line 4: rv_expect = \"hang\": expected \"poweroff\", \"crash\", \"reboot\", "
      "\"watchdog\" or \"restart-loop\"" },
    { "rv_expect = \"restart_loop\"", "domcfg: line 4: rv_expect = \"restart_loop\": expected \"poweroff\"," },
    { "rv_expect_restarts = 1001", "domcfg: line 4: rv_expect_restarts = 1001: must be between 0 and 1000" },
    { "rv_expect_restarts = -1", "domcfg: line 4: rv_expect_restarts = -1: expected a number" },
    { "rv_expect_restarts = [ 1 ]", "domcfg: line 4: rv_expect_restarts = [ 1 ]: expected a number, not a list" },
    { "on_watchdog = \"reboot\"", "domcfg: line 4: on_watchdog = \"reboot\": expected \"destroy\"," },
    { "on_watchdog = \"Destroy\"", "domcfg: line 4: on_watchdog = \"Destroy\": expected \"destroy\"," },
    { "rv_hide_hypervisor = 2", "domcfg: line 4: rv_hide_hypervisor = 2: must be between 0 and 1" },
    { "rv_hide_hypervisor = \"yes\"", "domcfg: line 4: rv_hide_hypervisor = \"yes\": expected a number" },
    { "cpus = \"0-x\"", "domcfg: line 4: cpus = \"0-x\": expected CPU numbers or ranges N-M separated by ',', or \"all\"" },
    { "cpus = \"5-3\"", "domcfg: line 4: cpus = \"5-3\": range 5-3 is backwards" },
    { "cpus = \"256\"", "domcfg: line 4: cpus = \"256\": CPU 256 is beyond the 256 supported" },
    { "cpus = \"0-99999999999999999999999\"",
      "domcfg: line 4: cpus = \"0-99999999999999999999999\": CPU number too large (the last CPU is 255)" },
    { "cpus = \"4294967296\"", "domcfg: line 4: cpus = \"4294967296\": CPU 4294967296 is beyond the 256 supported" },
    { "cpus = \"^1\"", "domcfg: line 4: cpus = \"^1\": selects no CPU" },
    { "cpus = \"0,^0\"", "domcfg: line 4: cpus = \"0,^0\": selects no CPU" },
    { "cpus = []", "domcfg: line 4: cpus = []: selects no CPU" },
    { "cpus = \"\"", "domcfg: line 4: cpus = \"\": expected CPU numbers" },
    { "cpus = \"1,,2\"", "domcfg: line 4: cpus = \"1,,2\": expected CPU numbers" },
    { "cpus = \"1,\"", "domcfg: line 4: cpus = \"1,\": expected CPU numbers" },
    { "cpus = \"allx\"", "domcfg: line 4: cpus = \"allx\": expected CPU numbers" },
    { "cpus = \"\\x31\"", "domcfg: line 4: cpus = \"\\x31\": expected CPU numbers" },
    { "cpus = \"nodes:0\"", "domcfg: line 4: cpus = \"nodes:0\": NUMA node affinity (nodes:) is not supported" },
    { "cpus = [\"0\",\n \"x\"]", "domcfg: line 4: cpus = [\"0\",...: expected CPU numbers" },
    { "cpus = 0x3", "domcfg: line 4: cpus = 0x3: expected CPU numbers" },
    /* syntax */
    { "memory 16", "domcfg: line 4: expected '=' after 'memory'" },
    { "memory", "domcfg: line 4: expected '=' after 'memory'" },
    { "memory += 16", "domcfg: line 4: '+=' is not supported" },
    { "memory =", "domcfg: line 4: missing value after 'memory ='" },
    { "memory = # sixteen", "domcfg: line 4: missing value after 'memory ='" },
    { "memory = ;", "domcfg: line 4: missing value after 'memory ='" },
    { "memory = 16 32", "domcfg: line 4: unexpected '3' after the value (one key = value per line)" },
    { "x = \"a\" y = 2", "domcfg: line 4: unexpected 'y' after the value (one key = value per line)" },
    { "x = 1-2", "domcfg: line 4: unexpected '-' after the value (one key = value per line)" },
    { "name = \"abc", "domcfg: line 4: unterminated string (strings end on the same line)" },
    { "name = \"abc\ndef\"", "domcfg: line 4: unterminated string (strings end on the same line)" },
    { "name = 'abc\"", "domcfg: line 4: unterminated string (strings end on the same line)" },
    { "name = \"abc\\\"", "domcfg: line 4: unterminated string (strings end on the same line)" },
    { "name = \"a\\qb\"", "domcfg: line 4: unknown escape \\q in a string" },
    { "name = \"a\\x4\"", "domcfg: line 4: escape \\x needs two hex digits" },
    { "name = \"a\\x4", "domcfg: line 4: escape \\x needs two hex digits" },
    { "name = \"a\\x00\"", "domcfg: line 4: escape \\x00 (NUL) is not allowed in a string" },
    { "name = \"a\\", "domcfg: line 4: backslash at the end of a string or before byte 0x00" },
    { "name = \"a\001b\"", "domcfg: line 4: control byte 0x01 in a string" },
    { "name = \"a\177b\"", "domcfg: line 4: control byte 0x7f in a string" },
    { "type = hvm", "domcfg: line 4: expected a quoted string, a number or a list (bare words need quotes)" },
    { "x = @", "domcfg: line 4: unexpected '@' where a value should be" },
    { "x = -", "domcfg: line 4: unexpected '-' where a value should be" },
    { "x = -a", "domcfg: line 4: unexpected '-' where a value should be" },
    { "x = [ \"a\", \"b\"", "domcfg: line 4: unterminated list (no ']')" },
    { "x = [ \"a\",\n\n", "domcfg: line 4: unterminated list (no ']')" },
    { "x = [ \"a\" \"b\" ]", "domcfg: line 4: unexpected '\"' in a list (expected ',' or ']')" },
    { "x = [ \"a\",, ]", "domcfg: line 4: unexpected ',' where a value should be" },
    { "x = [ [ \"a\" ] ]", "domcfg: line 4: lists cannot be nested" },
    { "x = [ \"a\",\n  ; ]", "domcfg: line 5: missing value after 'x ='" },
    { "x = [ 1 ] ]", "domcfg: line 4: unexpected ']' after the value (one key = value per line)" },
    { "3x = 1", "domcfg: line 4: unexpected '3' where a key should be" },
    { "= 1", "domcfg: line 4: unexpected '=' where a key should be" },
    { "\"name\" = 1", "domcfg: line 4: unexpected '\"' where a key should be" },
    { "caf\xc3\xa9 = 1", "domcfg: line 4: expected '=' after 'caf'" },
    { "\xc3\xa9 = 1", "domcfg: line 4: unexpected byte 0xc3 where a key should be" },
    { "\f", "domcfg: line 4: unexpected byte 0x0c where a key should be" },
    /* line numbers after multi-line lists and comments */
    { "disk = [ 'a,,xvda',\n  'b,,xvdb', # c\n\n]\nmemory = 'x'", "domcfg: line 8: memory = 'x': expected a number" },
    { "vif = [\n'bridge=b'\n]; memory = ;", "domcfg: line 6: missing value after 'memory ='" },
    /* required keys ('!': the whole text) */
    { "!memory = 16\nkernel = \"k\"", "domcfg: missing required key 'name'" },
    { "!name = \"t\"\nkernel = \"k\"", "domcfg: missing required key 'memory'" },
    { "!name = \"t\"\nmemory = 16", "domcfg: missing required key 'kernel'" },
    { "!name = \"t\"\nmemory = 16\ntype = \"hvm\"", "domcfg: missing required key 'kernel'" },
    { "!", "domcfg: missing required key 'name'" },
    { "!\n\n# nothing\n", "domcfg: missing required key 'name'" },
};

static void test_errors(void)
{
    char text[512];
    unsigned i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;

        if (bad[i].text[0] == '!')
            snprintf(text, sizeof(text), "%s", bad[i].text + 1);
        else
            snprintf(text, sizeof(text), BASE "%s", bad[i].text);
        rc = parse(text);
        CHECK_EQ(rc, -EINVAL);
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg))) {
            fprintf(stderr, "case %u (%s):\n  got  \"%s\"\n  want \"%s\"\n", i, bad[i].text, err, bad[i].msg);
            CHECK(0);
        }
    }
    /* A NUL byte inside the text is an error, not the end. */
    {
        static const char nul[] = BASE "x = 1\n\0y = 2\n";

        CHECK_EQ(domcfg_parse(nul, sizeof(nul) - 1, &cfg, NULL, NULL, err, sizeof(err)), -EINVAL);
        CHECK_STR(err, "domcfg: line 5: unexpected byte 0x00 where a key should be");
    }
    /* Overlong values, exactly one past the limit. */
    {
        char big[DOMCFG_CMDLINE_MAX + 1], t[2200];

        memset(big, 'c', DOMCFG_CMDLINE_MAX);
        big[DOMCFG_CMDLINE_MAX] = '\0';
        snprintf(t, sizeof(t), BASE "cmdline = \"%s\"", big);
        CHECK_EQ(parse(t), -EINVAL);
        CHECK_STR(err, "domcfg: line 4: cmdline = \"ccccccccccccccccccccccccccccccccccccccc...: longer than 1023 characters");
        snprintf(t, sizeof(t), BASE "extra = \"%s\"", big);
        CHECK_EQ(parse(t), -EINVAL);
        CHECK_CONTAINS(err, ": longer than 1023 characters");
        big[DOMCFG_PATH_MAX] = '\0';
        snprintf(t, sizeof(t), BASE "kernel = \"%s\"", big);
        CHECK_EQ(parse(t), -EINVAL);
        CHECK_CONTAINS(err, "domcfg: line 4: kernel = \"cccc");
        CHECK_CONTAINS(err, ": longer than 127 characters");
    }
}

/* Random corruption of a valid file: 0 or -EINVAL with a one-line message,
 * and the invariants of a successful parse. */
static void test_random_corruption(void)
{
    static const char good[] =
        "name = \"rand\"\ntype = \"hvm\"\nkernel = \"k.elf\"\nmemory = 64\nmaxmem = 0x80\n"
        "vcpus = 2\ncpus = [ \"0-3\", '^1,7' ]\ncmdline = \"a\\tb\"\nroot = 'r'\non_crash = \"preserve\"\n"
        "disk = [ 'x,,xvda', 'y,raw,xvdb,ro' ] # c\nvif = [ 'mac=00:16:3e:00:00:01,bridge=b' ]\nrv_expect = \"crash\"; rv_hide_hypervisor = 1\n";
    static const char alphabet[] = "\"'[],;#=\\\n x0-^a";
    char text[sizeof(good)];
    unsigned iter, j;

    for (iter = 0; iter < 20000; iter++) {
        unsigned k = 1 + (unsigned)t_rand_below(4);
        size_t len = sizeof(good) - 1;
        int rc;

        memcpy(text, good, len);
        for (j = 0; j < k; j++) {
            size_t at = (size_t)t_rand_below(len);

            text[at] = t_rand() & 1 ? alphabet[t_rand_below(sizeof(alphabet) - 1)] : (char)t_rand();
        }
        if (iter % 5 == 0)
            len = (size_t)t_rand_below(len + 1);
        memset(err, 0x5a, sizeof(err));
        memset(&w, 0, sizeof(w));
        rc = domcfg_parse(text, len, &cfg, collect, &w, err, sizeof(err));
        CHECK(rc == 0 || rc == -EINVAL);
        CHECK_EQ(cfg.nr_warnings, w.n);
        if (rc) {
            CHECK(!strncmp(err, "domcfg: ", 8) && !strchr(err, '\n') && strlen(err) < sizeof(err));
            continue;
        }
        CHECK(cfg.name[0] && strlen(cfg.name) < DOMCFG_NAME_MAX);
        CHECK(cfg.kernel[0] && strlen(cfg.kernel) < DOMCFG_PATH_MAX);
        CHECK(cfg.memory_mib >= 1 && cfg.memory_mib <= cfg.maxmem_mib && cfg.maxmem_mib <= 1048576);
        CHECK(cfg.vcpus >= 1 && cfg.vcpus <= cfg.maxvcpus && cfg.maxvcpus <= 128);
        CHECK(cfg.cpus_mask[0] | cfg.cpus_mask[1] | cfg.cpus_mask[2] | cfg.cpus_mask[3]);
        CHECK(!strcmp(cfg.rv_expect, "poweroff") || !strcmp(cfg.rv_expect, "crash") || !strcmp(cfg.rv_expect, "reboot"));
        CHECK(cfg.nr_disks <= DOMCFG_MAX_DISKS && cfg.nr_vifs <= DOMCFG_MAX_VIFS);
        for (j = 0; j < cfg.nr_disks; j++)
            CHECK(cfg.disks[j].vdev && cfg.disks[j].vdev < DOMCFG_VBD_RESERVED && cfg.disks[j].vdev_name[0] &&
                  (cfg.disks[j].target[0] || cfg.disks[j].cdrom));
        for (j = 0; j < cfg.nr_vifs; j++)
            CHECK(cfg.vifs[j].bridge[0] && cfg.vifs[j].devid <= 65535);
    }
}

int main(void)
{
    RUN(test_full_example);
    RUN(test_defaults);
    RUN(test_syntax_variants);
    RUN(test_strings);
    RUN(test_type_builder);
    RUN(test_firmware_override);
    RUN(test_root_extra);
    RUN(test_numbers_and_actions);
    RUN(test_cpus);
    RUN(test_unknown_keys);
    RUN(test_length_bound);
    RUN(test_errors);
    RUN(test_random_corruption);
    return t_finish("test_domcfg");
}
