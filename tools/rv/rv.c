/*
 * rv: the Ringvisor toolstack's command, in xl's style (docs/toolstack.md).
 * Runs in the control domain; talks to the hypervisor through libringctl
 * (ringctl.h).  `rv create -n FILE` checks a domain file with the same
 * xl.cfg parser the hypervisor's boot path uses (core/domcfg.c), anywhere.
 *
 * Every failure prints one line "rv CMD: what went wrong" to stderr and
 * exits 1; a usage error exits 2.
 */
#include "rv_devs.h"
#include "ringctl.h"
#include "pvh_build.h"
#include "pv_build.h"
#include "hvm_build.h"
#include "rv_cmds.h"
#include "rv_xs.h"
#include "cpulist.h"
#include "rv_domu.h"
#include "rv_blk.h"
#include "rv_net.h"
#include "rv_monitor.h"
#include "kimage.h"
#include "build_common.h"
#include "core/domcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *args;
    const char *help;
};

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "rv %s: %s (rv help)\n", cmd, msg);
    return 2;
}

static struct rc_handle *open_or_say(const char *cmd)
{
    char err[256];
    struct rc_handle *h = rc_open(err, sizeof(err));
    if (!h)
        fprintf(stderr, "rv %s: %s\n", cmd, err);
    return h;
}

struct rc_handle *rv_open(const char *cmd)
{
    return open_or_say(cmd);
}

/* A domain id: decimal, 0-32751 (DOMID_FIRST_RESERVED is 0x7ff0). */
static int parse_domid(const char *cmd, const char *s, uint16_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v >= 0x7ff0) {
        fprintf(stderr, "rv %s: '%s' is not a domain id (a number below 32752)\n",
                cmd, s);
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

static void state_string(uint32_t flags, char out[7])
{
    unsigned reason = (flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    out[0] = flags & XEN_DOMINF_running ? 'r' : '-';
    out[1] = flags & XEN_DOMINF_blocked ? 'b' : '-';
    out[2] = flags & XEN_DOMINF_paused ? 'p' : '-';
    out[3] = (flags & XEN_DOMINF_shutdown) && reason != 3 ? 's' : '-';     /* SHUTDOWN_crash is 3 */
    out[4] = (flags & XEN_DOMINF_shutdown) && reason == 3 ? 'c' : '-';
    out[5] = flags & XEN_DOMINF_dying ? 'd' : '-';
    out[6] = 0;
}

/* xenstore's /local/domain/N/name; "(dN)" for a domain without one (or no xenstored). */
static void domain_name(uint16_t domid, char *buf, size_t len)
{
    if (domid == 0)
        snprintf(buf, len, "Domain-0");
    else if (rv_domu_name(domid, buf, len))
        snprintf(buf, len, "(d%u)", domid);
}

/* True if a running domain has this xenstore name (its id in *out). */
static bool domain_named(struct rc_handle *h, const char *name, uint16_t *out)
{
    static struct xen_domctl_getdomaininfo info[1024];
    long n = rc_domain_list(h, 0, info, 1024);
    for (long i = 0; i < n; i++) {
        char have[128];
        domain_name(info[i].domain, have, sizeof(have));
        if (!strcmp(have, name)) {
            *out = info[i].domain;
            return true;
        }
    }
    return false;
}

int rv_lookup_domain(struct rc_handle *h, const char *cmd, const char *s, uint16_t *out)
{
    if (*s >= '0' && *s <= '9')
        return parse_domid(cmd, s, out);
    static struct xen_domctl_getdomaininfo info[1024];
    long n = rc_domain_list(h, 0, info, 1024), found = 0;
    for (long i = 0; i < n; i++) {
        char name[128];
        domain_name(info[i].domain, name, sizeof(name));
        if (!strcmp(name, s) && found++ == 0)
            *out = info[i].domain;
    }
    if (found == 1)
        return 0;
    if (found > 1)     /* rv create refuses a name in use; older or foreign entries can still clash */
        fprintf(stderr, "rv %s: %ld domains are named '%s': give the domain id\n", cmd, found, s);
    else
        fprintf(stderr, "rv %s: no domain named '%s' (names come from xenstore: is xenstored running?)\n", cmd, s);
    return -1;
}

struct rv_xs *rv_open_xs(const char *cmd)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        fprintf(stderr, "rv %s: no xenstored: %s\n", cmd, strerror(errno));
    return x;
}

int rv_domain_arg(const char *cmd, const char *s, uint16_t *id)
{
    struct rc_handle *h = rv_open(cmd);
    if (!h)
        return -1;
    int rc = rv_lookup_domain(h, cmd, s, id);
    rc_close(h);
    return rc;
}

void rv_printable(char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            *s = '?';
}

static int cmd_list(int argc, char **argv)
{
    struct rc_handle *h = open_or_say("list");
    if (!h)
        return 1;
    static struct xen_domctl_getdomaininfo info[1024];
    long n;
    /* -v: one more column, the domain's kind (as xl list -v adds columns):
     * pv, pvh (hvm_guest, the local APIC alone) or hvm (hvm_guest with the
     * whole PC), from getdomaininfo's flags and emulation flags. */
    int verbose = argc > 1 && !strcmp(argv[1], "-v");
    if (verbose) {
        argc--;
        argv++;
    }
    if (argc > 1) {
        n = 0;
        for (int i = 1; i < argc && n < 1024; i++) {
            uint16_t id;
            if (parse_domid("list", argv[i], &id)) {
                rc_close(h);
                return 1;
            }
            long rc = rc_domain_info(h, id, &info[n]);
            if (rc < 0 || info[n].domain != id) {
                fprintf(stderr, "rv list: domain %u: %s\n", id, rc < 0 ? rc_strerror(rc) : "no such domain");
                rc_close(h);
                return 1;
            }
            n++;
        }
    } else {
        n = rc_domain_list(h, 0, info, 1024);
        if (n < 0) {
            fprintf(stderr, "rv list: getdomaininfolist: %s\n", rc_strerror(n));
            rc_close(h);
            return 1;
        }
    }
    printf("%-40s %5s %5s %5s %-6s %9s%s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)", verbose ? " Type" : "");
    for (long i = 0; i < n; i++) {
        char name[64], st[7];
        domain_name(info[i].domain, name, sizeof(name));
        state_string(info[i].flags, st);
        const char *type = !(info[i].flags & XEN_DOMINF_hvm_guest) ? "pv"
                           : info[i].arch_emulation_flags == XEN_X86_EMU_LAPIC ? "pvh" : "hvm";
        printf("%-40s %5u %5llu %5u %-6s %9.1f%s%s\n", name, info[i].domain,
               (unsigned long long)(info[i].tot_pages * 4096 >> 20), info[i].nr_online_vcpus, st,
               (double)info[i].cpu_time / 1e9, verbose ? " " : "", verbose ? type : "");
    }
    rc_close(h);
    return 0;
}

static int cmd_simple(int argc, char **argv, unsigned op)
{
    if (argc != 2)
        return usage_error(argv[0], "needs exactly one domain id");
    uint16_t id;
    if (parse_domid(argv[0], argv[1], &id))
        return 1;
    struct rc_handle *h = open_or_say(argv[0]);
    if (!h)
        return 1;
    long rc = rc_domain_simple(h, op, id);
    rc_close(h);
    if (rc < 0) {
        fprintf(stderr, "rv %s: domain %u: %s\n", argv[0], id, rc_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_pause(int argc, char **argv) { return cmd_simple(argc, argv, XEN_DOMCTL_pausedomain); }
static int cmd_unpause(int argc, char **argv) { return cmd_simple(argc, argv, XEN_DOMCTL_unpausedomain); }
/* Destroyed, the domain's store connection is released and its entries removed. */
static int cmd_destroy(int argc, char **argv)
{
    if (argc != 2)
        return usage_error(argv[0], "needs exactly one domain id");
    uint16_t id;
    if (parse_domid(argv[0], argv[1], &id))
        return 1;
    struct rc_handle *h = open_or_say(argv[0]);
    if (!h)
        return 1;
    long rc = rc_domain_simple(h, XEN_DOMCTL_destroydomain, id);
    rc_close(h);
    if (rc < 0 && rc != -ESRCH) {
        fprintf(stderr, "rv destroy: domain %u: %s\n", id, rc_strerror(rc));
        return 1;
    }
    /* Destroyed, or already gone (it stopped on its own and the hypervisor
     * carried out its on_* action): either way its disks (nodes removed,
     * loop devices detached) and its store entries go now. */
    if (id != 0) {
        rv_blk_remove_all(id);
        rv_net_remove_all(id);
        rv_domu_forget(id);
    }
    if (rc < 0) {
        fprintf(stderr, "rv destroy: domain %u: %s (what it left in xenstore and its loop devices are removed)\n",
                id, rc_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_vcpu_list(int argc, char **argv)
{
    struct rc_handle *h = open_or_say("vcpu-list");
    if (!h)
        return 1;
    static struct xen_domctl_getdomaininfo info[1024];
    long n = rc_domain_list(h, 0, info, 1024);
    if (n < 0) {
        fprintf(stderr, "rv vcpu-list: getdomaininfolist: %s\n", rc_strerror(n));
        rc_close(h);
        return 1;
    }
    int want = -1;
    if (argc > 1) {
        uint16_t id;
        if (parse_domid("vcpu-list", argv[1], &id)) {
            rc_close(h);
            return 1;
        }
        want = id;
    }
    struct xen_sysctl_physinfo pi;
    if (rc_physinfo(h, &pi) < 0)
        pi.nr_cpus = 64;
    printf("%-32s %5s %5s %4s %-5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "Affinity (Hard / Soft)");
    int shown = 0;
    for (long i = 0; i < n; i++) {
        if (want >= 0 && info[i].domain != want)
            continue;
        shown++;
        char name[64];
        domain_name(info[i].domain, name, sizeof(name));
        for (uint32_t v = 0; info[i].max_vcpu_id != XEN_INVALID_MAX_VCPU_ID && v <= info[i].max_vcpu_id; v++) {
            struct xen_domctl_getvcpuinfo vi;
            long rc = rc_vcpu_info(h, info[i].domain, v, &vi);
            if (rc < 0) {
                fprintf(stderr, "rv vcpu-list: domain %u vCPU %u: %s\n", info[i].domain, v, rc_strerror(rc));
                continue;
            }
            const char *st = !vi.online ? "---" : vi.running ? "r--" : vi.blocked ? "-b-" : "---";
            uint64_t hard;
            char aff[128] = "?";
            if (rc_vcpu_get_affinity(h, info[i].domain, v, &hard) >= 0)
                cpulist_format(hard, pi.nr_cpus, aff, sizeof(aff));
            char cpu[12] = "-";
            if (vi.online)
                snprintf(cpu, sizeof(cpu), "%u", vi.cpu);
            printf("%-32s %5u %5u %4s %-5s %9.1f %s / all\n", name, info[i].domain, v, cpu, st,
                   (double)vi.cpu_time / 1e9, aff);
        }
    }
    rc_close(h);
    if (want >= 0 && !shown) {
        fprintf(stderr, "rv vcpu-list: domain %d: no such domain\n", want);
        return 1;
    }
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return usage_error("info", "takes no arguments");
    struct rc_handle *h = open_or_say("info");
    if (!h)
        return 1;
    struct xen_sysctl_physinfo pi;
    long rc = rc_physinfo(h, &pi);
    rc_close(h);
    if (rc < 0) {
        fprintf(stderr, "rv info: physinfo: %s\n", rc_strerror(rc));
        return 1;
    }
    printf("nr_cpus                : %u\n", pi.nr_cpus);
    printf("max_cpu_id             : %u\n", pi.max_cpu_id);
    printf("threads_per_core       : %u\n", pi.threads_per_core);
    printf("cores_per_socket       : %u\n", pi.cores_per_socket);
    printf("cpu_mhz                : %u.%03u\n", pi.cpu_khz / 1000, pi.cpu_khz % 1000);
    printf("virt_caps              :%s%s%s%s\n", pi.capabilities & XEN_SYSCTL_PHYSCAP_pv ? " pv" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_hvm ? " hvm" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_hap ? " hap" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_shadow ? " shadow" : "");
    printf("total_memory           : %llu\n", (unsigned long long)(pi.total_pages * 4096 >> 20));
    printf("free_memory            : %llu\n", (unsigned long long)(pi.free_pages * 4096 >> 20));
    printf("free_pages             : %llu\n", (unsigned long long)pi.free_pages);
    printf("max_mfn                : %#llx\n", (unsigned long long)pi.max_mfn);
    return 0;
}

static int cmd_dmesg(int argc, char **argv)
{
    int clear = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c"))
            clear = 1;
        else
            return usage_error("dmesg", "the only option is -c (clear the ring after reading)");
    }
    struct rc_handle *h = open_or_say("dmesg");
    if (!h)
        return 1;
    size_t len = 1u << 20;
    char *buf = malloc(len);
    if (!buf) {
        rc_close(h);
        fprintf(stderr, "rv dmesg: out of memory\n");
        return 1;
    }
    long n = rc_readconsole(h, buf, len, clear);
    rc_close(h);
    if (n < 0) {
        fprintf(stderr, "rv dmesg: readconsole: %s\n", rc_strerror(n));
        free(buf);
        return 1;
    }
    fwrite(buf, 1, (size_t)n, stdout);
    free(buf);
    return 0;
}

/* xl debug-keys: the keys run in the hypervisor; their dumps go to its
 * console (and its ring: `rv dmesg` shows them). */
static int cmd_debug_keys(int argc, char **argv)
{
    if (argc != 2 || !argv[1][0])
        return usage_error("debug-keys", "give the keys as one word, e.g. `rv debug-keys ed`");
    size_t n = strlen(argv[1]);
    if (n > 64)
        return usage_error("debug-keys", "at most 64 keys at a time");
    struct rc_handle *h = open_or_say("debug-keys");
    if (!h)
        return 1;
    long rc = rc_debug_keys(h, argv[1], n);
    rc_close(h);
    if (rc < 0) {
        fprintf(stderr, "rv debug-keys: %s\n", rc_strerror(rc));
        return 1;
    }
    return 0;
}

/* domcfg's "domcfg: line N: ..." becomes "FILE:N: ...", the compiler's form. */
static void say_cfg(const char *file, const char *msg, const char *kind)
{
    const char *p = strstr(msg, "line ");
    if (!strncmp(msg, "domcfg: ", 8) && p == msg + 8) {
        char *end;
        unsigned long line = strtoul(p + 5, &end, 10);
        if (end != p + 5 && *end == ':') {
            fprintf(stderr, "%s:%lu:%s%s\n", file, line, kind, end + 1);
            return;
        }
    }
    fprintf(stderr, "%s:%s %s\n", file, kind, !strncmp(msg, "domcfg: ", 8) ? msg + 8 : msg);
}

struct warn_ctx {
    const char *file;
};

static void on_warn(const char *msg, void *ctx)
{
    say_cfg(((struct warn_ctx *)ctx)->file, msg, " warning:");
}

/* A file named by the domain file (kernel, ramdisk): relative names are
 * taken from the domain file's directory (as xl does). */
static void *read_named(const char *cfgfile, const char *what, const char *name, size_t *size)
{
    char path[4096], err[512];
    const char *slash = strrchr(cfgfile, '/');
    if (name[0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - cfgfile), cfgfile, name);
    void *buf = kimage_read_file(path, size, err, sizeof(err));
    if (!buf)
        fprintf(stderr, "rv create: %s %s\n", what, err);
    return buf;
}

/* struct rv_domu's devices hook: the disks (rv_blk.c), then the vifs
 * (rv_net.c); a vif that fails takes the disks back out. */
static int plug_devices(struct rv_xs *x, uint16_t domid, const void *ctx, char *err, size_t errlen)
{
    const struct domcfg *cfg = ctx;
    if (cfg->nr_disks && rv_blk_add_all(x, domid, cfg, err, errlen))
        return -1;
    if (cfg->nr_vifs && rv_net_add_all(x, domid, cfg, err, errlen)) {
        rv_blk_remove_all(domid);
        return -1;
    }
    return 0;
}

/* rv create -e clears it: no monitor process (as xl create -e). */
static int create_monitor = 1;

/* Builds the domain from dom0: pvh_build.c, pv_build.c (64-bit PV). */
static int create_domain(const char *file, const struct domcfg *cfg)
{
    int (*build)(struct rc_handle *, const struct pvh_build_req *, uint16_t *, char *, size_t) =
        cfg->type == DOMCFG_PVH ? rv_build_pvh : cfg->type == DOMCFG_PV ? rv_build_pv
        : cfg->type == DOMCFG_HVM ? rv_build_hvm : NULL;
    if (!build) {
        fprintf(stderr, "rv create: %s: type = \"%s\": building it from the control domain is not available yet "
                "(type = \"pvh\", \"pv\" and \"hvm\" are)\n", file, domcfg_type_name(cfg->type));
        return 1;
    }
    /* HVM from dom0 (hvm_build.c): a bzImage or a multiboot kernel and the
     * PC the boot path gives it, the Xen platform device included, PV disks
     * and vifs as for PV/PVH, hap = 0 as shadow paging; what that domain
     * cannot have yet is refused here (a ramdisk with a multiboot kernel:
     * by the builder).  No createdomain field carries hpet or
     * xen_platform_pci (under Xen the device model decides them). */
    if (cfg->type == DOMCFG_HVM) {
        const char *no = !cfg->hpet ? "hpet = 0 (the domain always has the HPET)"
                         : !cfg->xen_platform_pci ? "xen_platform_pci = 0 (the domain always has the device)" : NULL;
        if (no) {
            fprintf(stderr, "rv create: %s: type = \"hvm\" with %s: not available from the control domain yet\n",
                    file, no);
            return 1;
        }
    }
    size_t fsize = 0, ksize = 0, rdsize = 0;
    void *file_data = read_named(file, cfg->firmware ? "firmware_override" : "kernel", cfg->kernel, &fsize);
    void *unpacked = NULL, *ramdisk = NULL;
    if (!file_data)
        return 1;
    /* A bzImage or a compressed kernel: the ELF inside (kimage.c).  Not
     * for HVM: its kernel is started as the file is (a bzImage through the
     * Linux boot protocol, or multiboot). */
    const void *kernel;
    const char *kind;
    char kerr[256];
    uint64_t t_unpack = rv_now_us();
    if (cfg->type == DOMCFG_HVM) {
        kernel = file_data;
        ksize = fsize;
    } else if (kimage_unpack(file_data, fsize, &kernel, &ksize, &unpacked, &kind, kerr, sizeof(kerr))) {
        fprintf(stderr, "rv create: %s: kernel %s: %s\n", file, cfg->kernel, kerr);
        free(file_data);
        return 1;
    }
    if (unpacked)
        printf("rv create: kernel %s: %s, %zu KiB unpacked to a %zu KiB ELF in %llu ms\n", cfg->kernel, kind,
               fsize >> 10, ksize >> 10, (unsigned long long)((rv_now_us() - t_unpack) / 1000));
    if (cfg->ramdisk[0] && !(ramdisk = read_named(file, "ramdisk", cfg->ramdisk, &rdsize))) {
        free(unpacked);
        free(file_data);
        return 1;
    }
    struct rv_rings pv_rings;
    memset(&pv_rings, 0, sizeof(pv_rings));
    struct rv_domu domu = { .name = cfg->name, .ram_pages = cfg->memory_mib << 8, .memory_kib = cfg->memory_mib << 10,
                            .vcpus = cfg->vcpus, .pv = cfg->type == DOMCFG_PV ? &pv_rings : NULL,
                            .devices = cfg->nr_disks || cfg->nr_vifs ? plug_devices : NULL,
                            .devices_ctx = cfg, .need_store = cfg->nr_disks || cfg->nr_vifs };
    /* The xenstore and console rings (rv_domu.c): a PVH domain's are pages
     * above its RAM; a PV domain's are in its initial region (pv_build.c). */
    bool rings = true;
    struct pvh_build_req req = { kernel, ksize, cfg->cmdline, cfg->memory_mib, cfg->vcpus, 1,
                                 cfg->type != DOMCFG_PV ? RV_DOMU_SPECIAL_PAGES : 0, rv_domu_prepare, &domu,
                                 ramdisk, rdsize, cfg->type == DOMCFG_PV ? &pv_rings : NULL, cfg->kernel,
                                 cfg->type == DOMCFG_HVM && !cfg->hap, cfg->firmware };
    char err[256];
    uint16_t domid;
    int ret = 1;
    /* The file's own problems first, without the hypervisor. */
    for (unsigned i = 0; i < cfg->nr_disks; i++)
        if (rv_hotplug_check(&cfg->disks[i], err, sizeof(err))) {
            fprintf(stderr, "rv create: %s: disk %u: %s\n", file, i, err);
            goto out;
        }
    for (unsigned i = 0; i < cfg->nr_vifs; i++)
        if (rv_net_check(&cfg->vifs[i], err, sizeof(err))) {
            fprintf(stderr, "rv create: %s: %s\n", file, err);
            goto out;
        }
    if (build(NULL, &req, &domid, err, sizeof(err))) {
        fprintf(stderr, "rv create: %s: %s\n", file, err);
        goto out;
    }
    struct rc_handle *h = open_or_say("create");
    if (!h)
        goto out;
    /* Names are how rv console/shutdown find a domain: one name, one
     * domain (as xl).  Known only for domains with xenstore entries. */
    uint16_t same;
    if (rings && domain_named(h, cfg->name, &same)) {
        fprintf(stderr, "rv create: %s: name '%s' is in use by domain %u\n", file, cfg->name, same);
        rc_close(h);
        goto out;
    }
    int rc = build(h, &req, &domid, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "rv create: %s: %s\n", file, err);
        if (domu.in_store) {
            rv_blk_remove_all(rv_build_pvh_failed_domid);
            rv_net_remove_all(rv_build_pvh_failed_domid);
            rv_domu_forget(rv_build_pvh_failed_domid);
        }     /* introduced, then unpause failed */
    } else if (!rings) {
        printf("rv create: domain %u (%s) started\n", domid, cfg->name);
    } else {
        const char *fr = domu.pv ? "mfn" : "gfn";
        printf("rv create: d%u: console ring %s %#llx port %u, store ring %s %#llx port %u\n"
               "rv create: domain %u (%s) started\n", domid, fr, (unsigned long long)domu.console_gfn,
               domu.console_port, fr, (unsigned long long)domu.store_gfn, domu.store_port, domid, cfg->name);
    }
    rc_close(h);
    ret = rc ? 1 : 0;
    /* As xl create: a monitor stays behind to tidy up after the domain if
     * it stops on its own (rv_monitor.c); -e: none. */
    if (!rc && create_monitor) {
        const char *q = getenv("RV_QUICK_RESTARTS");     /* set by the monitor that restarts it */
        struct rv_monitor_plan plan = { cfg->name, file, cfg->on_poweroff, cfg->on_reboot, cfg->on_crash,
                                        cfg->on_watchdog, q ? (unsigned)strtoul(q, NULL, 10) : 0 };
        int m = rv_monitor_spawn(domid, &plan);
        if (m)
            fprintf(stderr, "rv create: d%u: no monitor (%s): if it stops on its own, its disks and xenstore "
                    "entries stay until rv destroy %u\n", domid, strerror(-m), domid);
    }
out:
    free(ramdisk);
    free(unpacked);
    free(file_data);
    return ret;
}

static int cmd_create(int argc, char **argv)
{
    int dry = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
            dry = 1;
        else if (!strcmp(argv[i], "-e"))
            create_monitor = 0;
        else if (argv[i][0] == '-')
            return usage_error("create", "unknown option (-n, -e)");
        else if (!file)
            file = argv[i];
        else
            return usage_error("create", "one domain file at a time");
    }
    if (!file)
        return usage_error("create", "needs a domain file");
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "rv create: %s: %s\n", file, strerror(errno));
        return 1;
    }
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text), f);
    int big = !feof(f);
    fclose(f);
    if (big) {
        fprintf(stderr, "rv create: %s: larger than 1 MiB: not a domain file\n", file);
        return 1;
    }
    static struct domcfg cfg;
    char err[256] = "";
    struct warn_ctx wc = { file };
    if (domcfg_parse(text, len, &cfg, on_warn, &wc, err, sizeof(err))) {
        say_cfg(file, err, " error:");
        return 1;
    }
    printf("%s: name \"%s\", type %s, kernel \"%s\"%s%s%s, memory %llu MiB (max %llu), %u vCPU(s)%s\n", file,
           cfg.name, domcfg_type_name(cfg.type), cfg.kernel, cfg.ramdisk[0] ? ", ramdisk \"" : "", cfg.ramdisk,
           cfg.ramdisk[0] ? "\"" : "", (unsigned long long)cfg.memory_mib, (unsigned long long)cfg.maxmem_mib,
           cfg.vcpus, cfg.dom0 ? ", initial domain" : "");
    printf("%s: on_poweroff %s, on_reboot %s, on_crash %s\n", file, domcfg_action_name(cfg.on_poweroff),
           domcfg_action_name(cfg.on_reboot), domcfg_action_name(cfg.on_crash));
    rv_print_devices(file, &cfg);
    if (dry)
        return 0;
    /* PVH, HVM and PV domUs get the same vbd nodes (rv_blk.c): the
     * frontend names its own protocol, the grants are the hypervisor's. */
    return create_domain(file, &cfg);
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
    { "help", cmd_help, "", "this list" },
    { "list", cmd_list, "[-v] [DOMID ...]", "domains: name, id, memory (MiB), vCPUs, state (r b p s c d), CPU time; -v: type (pv, pvh, hvm)" },
    { "info", cmd_info, "", "the host: CPUs, memory, virtualization capabilities" },
    { "dmesg", cmd_dmesg, "[-c]", "the hypervisor's console ring (-c: clear it after reading)" },
    { "pause", cmd_pause, "DOMID", "stop a domain's vCPUs until unpause" },
    { "unpause", cmd_unpause, "DOMID", "let a paused domain run again" },
    { "destroy", cmd_destroy, "DOMID", "end a domain at once and return its memory" },
    { "vcpu-list", cmd_vcpu_list, "[DOMID]", "vCPUs: where each runs, its state and CPU time" },
    { "vcpu-pin", rv_cmd_vcpu_pin, "DOMAIN VCPU|all CPUS [-|all]",
      "set vCPUs' hard affinity (CPUS: all, N, N-M, lists, ^N; no soft affinity here)" },
    { "debug-keys", cmd_debug_keys, "KEYS", "run the hypervisor's debug keys (h lists them; output: rv dmesg)" },
    { "create", cmd_create, "[-n] [-e] FILE",
      "build and start a PVH, HVM or PV (64-bit or 32-bit PAE) domain (-n: only check the file; -e: no monitor left behind)" },
    { "console", rv_cmd_console, "[-f] [-i] [-t S] [-m MARK] DOMAIN",
      "the domain's console: interactive through rv consoled's pty (Ctrl-] detaches), or printed (-f: follow "
      "until it ends, MARK is seen or S seconds; -i: stdin to the domain); the ring itself without the daemon" },
    { "consoled", rv_cmd_consoled, "[-l DIR]",
      "the console daemon: each domU's console ring to a pty (console/tty) and DIR/NAME.log (/var/log/rv/console)" },
    { "block-list", rv_cmd_block_list, "DOMAIN", "the domain's disks: vdev, states, event channel, ring, device" },
    { "block-attach", rv_cmd_block_attach, "DOMAIN SPEC", "give a running domain a disk (SPEC as in disk = [...])" },
    { "block-detach", rv_cmd_block_detach, "DOMAIN DEV", "take a disk away (waits 5 s for the frontend to close)" },
    { "network-list", rv_cmd_network_list, "DOMAIN", "the domain's vifs: MAC, states, event channel, rings, bridge" },
    { "network-attach", rv_cmd_network_attach, "DOMAIN SPEC",
      "give a running domain a vif (SPEC as in vif = [...]) on a bridge of dom0" },
    { "network-detach", rv_cmd_network_detach, "DOMAIN DEVID|MAC",
      "take a vif away (waits 5 s for the frontend to close)" },
    { "shutdown", rv_cmd_shutdown, "[-F] [-t S] DOMAIN",
      "ask the domain to power off through xenstore, wait S s (30); -F: destroy it if it does not" },
    { "reboot", rv_cmd_reboot, "[-w] [-t S] DOMAIN",
      "ask the domain to reboot through xenstore; its monitor rebuilds it (-w: wait for the new one)" },
    { "ioreq-test", rv_cmd_ioreq_test, "[-m echo|stall|destroy|hostile] [-s ID] [-p PVDOM] DOMAIN",
      "a test device model for an HVM domain's ports 0x5a0-0x5a7 (docs/ioreq.md)" },
    { "mem-set", rv_cmd_mem_set, "DOMAIN SIZE",
      "set the domain's balloon target (memory/target) and its limit to SIZE MiB (or k/m/g)" },
    { "xs-bench", rv_cmd_xs_bench, "[-n N] [PATH ...]",
      "xenstore writes/s and reads/s from dom0 over the socket and /dev/xen/xenbus (or each PATH)" },
};

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: rv COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        printf("  %-10s %-12s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return cmd_help(argc, argv) ? 1 : (argc < 2 ? 2 : 0);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rv: unknown command '%s' (rv help lists them)\n", argv[1]);
    return 2;
}
