/*
 * Domain configuration files: the subset of xl.cfg(5) Ringvisor understands.
 *
 * Syntax (as xl reads it): one `key = value` per line (or several separated
 * by ';'), values are "double" or 'single' quoted strings (backslash escapes
 * \n \t \r \\ \" \' \xHH), integers (decimal or 0x hex, and xl also accepts
 * a quoted number) or lists [ "a", "b", ] that may span lines; '#' starts a
 * comment.  Pure code: it only reads the text it is given and writes *out.
 */
#ifndef RV_CORE_DOMCFG_H
#define RV_CORE_DOMCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOMCFG_NAME_MAX    64
#define DOMCFG_PATH_MAX    128
#define DOMCFG_CMDLINE_MAX 1024
#define DOMCFG_MAX_CPUS    256      /* bits in cpus_mask */
#define DOMCFG_MAX_VCPUS   128
#define DOMCFG_MAX_MEM_MIB 1048576  /* 1 TiB */
#define DOMCFG_MAX_EVTCHN  131072   /* the FIFO ABI's port space */
#define DOMCFG_MAX_GRANT_FRAMES 64  /* the grant frames a domain can place (core/domain.h gnt_slots) */
#define DOMCFG_MAX_MAPTRACK_FRAMES 4096

enum domcfg_type { DOMCFG_HVM, DOMCFG_PVH, DOMCFG_PV };

/* on_poweroff/on_reboot/on_crash/on_watchdog, with xl.cfg(5)'s words:
 * "destroy", "restart", "preserve" (kept paused for inspection),
 * "rename-restart" (the old domain is preserved under a new name and a new
 * one started), "coredump-destroy" and "coredump-restart" (a core dump
 * needs a control domain to write it to: core/domain_policy.c says so and acts as
 * destroy / restart). */
enum domcfg_action {
    DOMCFG_DESTROY, DOMCFG_RESTART, DOMCFG_PRESERVE, DOMCFG_RENAME_RESTART,
    DOMCFG_COREDUMP_DESTROY, DOMCFG_COREDUMP_RESTART,
};
#define DOMCFG_ACTION_LAST DOMCFG_COREDUMP_RESTART

#define DOMCFG_MAX_EXPECT_RESTARTS 1000     /* rv_expect_restarts upper bound */

/*
 * Split-driver devices (docs/split-drivers.md): disk = [ ... ] per
 * xl-disk-configuration(5) and vif = [ ... ] per xl-network-configuration(5).
 * Parsed by core/domcfg_dev.c and domcfg_vif.c; served by dom0's backends,
 * so only a domain built from dom0 (rv create) may have them.
 */
#define DOMCFG_MAX_DISKS   16
#define DOMCFG_MAX_VIFS    8
#define DOMCFG_IFNAME_MAX  16       /* a network interface name: Linux's IFNAMSIZ, 15 characters */
#define DOMCFG_SCRIPT_MAX  64       /* a hotplug script name */
#define DOMCFG_VDEV_MAX    16       /* a vdev as written: "xvda", "d536p37", "hdc" */
#define DOMCFG_IP_MAX      64       /* vif ip=: addresses separated by spaces */
#define DOMCFG_VBD_RESERVED (2u << 28)  /* xen-vbd-interface: numbers from here on are reserved */

struct domcfg_disk {
    char target[DOMCFG_PATH_MAX];           /* file or device as written; "" = an empty cdrom drive */
    char vdev_name[DOMCFG_VDEV_MAX];        /* the guest's name for it as written (no ":cdrom") */
    uint32_t vdev;                          /* its xen-vbd-interface number (the xenstore device id) */
    char backend[DOMCFG_NAME_MAX];          /* backend domain name or id; "" = domain 0 */
    char script[DOMCFG_SCRIPT_MAX];         /* script= (or a deprecated iscsi:/nbd:... prefix); "" = none */
    bool readonly;                          /* access r/ro; default rw, r for a cdrom */
    bool cdrom;                             /* devtype=cdrom, the cdrom flag or vdev "hdc:cdrom" */
    bool discard;                           /* discard (default) / no-discard */
    bool direct_io_safe;                    /* the direct-io-safe flag */
};

enum domcfg_vif_type { DOMCFG_VIF_DEFAULT, DOMCFG_VIF_PV, DOMCFG_VIF_IOEMU };   /* type= absent, "vif", "ioemu" */

struct domcfg_vif {
    uint8_t mac[6];                         /* valid if mac_given, else the toolstack picks one in 00:16:3e */
    bool mac_given;
    bool devid_given;                       /* devid= given; else devid is the lowest one free */
    enum domcfg_vif_type type;              /* meaningful for HVM only (xl) */
    char bridge[DOMCFG_IFNAME_MAX];         /* default "xenbr0" */
    char vifname[DOMCFG_IFNAME_MAX];        /* backend interface name; "" = vifDOMID.DEVID */
    char gatewaydev[DOMCFG_IFNAME_MAX];     /* gatewaydev= (alias netdev=); "" = none */
    char model[DOMCFG_IFNAME_MAX];          /* emulated NIC model (HVM, type=ioemu); "" = default */
    char script[DOMCFG_SCRIPT_MAX];         /* hotplug script; "" = the default (vif-bridge) */
    char ip[DOMCFG_IP_MAX];                 /* "" = none */
    char backend[DOMCFG_NAME_MAX];          /* backend domain name or id; "" = domain 0 */
    uint64_t rate_bytes_per_sec;            /* rate=: 0 = unlimited */
    uint32_t rate_interval_us;              /* credit period when rate is set: default 50000 */
    unsigned mtu;                           /* 0 = default (1500, or the bridge's) */
    unsigned devid;                         /* 0-65535, unique in the domain */
};

struct domcfg {
    char name[DOMCFG_NAME_MAX];             /* required; [A-Za-z0-9_.-]+ */
    enum domcfg_type type;                  /* type = "hvm"|"pvh"|"pv", or legacy builder = "hvm"
                                               (type wins); default pv, as in xl */
    char kernel[DOMCFG_PATH_MAX];           /* required; file name as given (firmware_override's file when
                                               firmware is set) */
    bool firmware;                          /* firmware_override = FILE (HVM): kernel holds an ELF started as
                                               the domain's firmware, as xl's replacement for hvmloader */
    char ramdisk[DOMCFG_PATH_MAX];          /* "" = none */
    char cmdline[DOMCFG_CMDLINE_MAX];       /* cmdline, else "root=R E" built from root/extra */
    uint64_t memory_mib;                    /* required, 1..DOMCFG_MAX_MEM_MIB */
    uint64_t maxmem_mib;                    /* default memory; >= memory */
    unsigned vcpus, maxvcpus;               /* default 1 / vcpus; 1..DOMCFG_MAX_VCPUS, vcpus <= maxvcpus */
    uint64_t cpus_mask[DOMCFG_MAX_CPUS / 64];   /* hard affinity; default all set */
    bool cpus_given;
    enum domcfg_action on_poweroff, on_reboot, on_crash, on_watchdog;   /* default destroy, restart, destroy,
                                                                           destroy (xl's) */
    char rv_expect[16];                     /* Ringvisor test extension: "poweroff" (default), "crash", "reboot",
                                               "watchdog" or "restart-loop" (docs/running-domains.md) */
    unsigned rv_expect_restarts;            /* Ringvisor test extension: restarts rv-run must see, default 0 */
    unsigned cpu_weight;                    /* cpu_weight = N: share of CPU time, 1-65535, default 256 */
    unsigned max_event_channels;            /* ports the domain may open, default 1023 (as xl) */
    unsigned max_grant_frames;              /* grant-table frames, 1-64, default 64 */
    unsigned max_maptrack_frames;           /* frames of handles for mapping others' grants, default 1024 */
    bool hide_hypervisor_cpuid;             /* Ringvisor extension rv_hide_hypervisor = 1 */
    bool xenstore_empty;                    /* Ringvisor extension rv_xenstore = "empty" (PV): the stand-in store */
    bool fw_cfg;                            /* fw_cfg = 0|1: QEMU's fw_cfg device (HVM), default 1 */
    bool pvh_pit_ones;                      /* rv_pvh_pit_ones = 1: PVH port 0x42 reads all ones, as Xen (default 0) */
    bool exit_stats;                        /* rv_exit_stats = 1: MSR exit histogram printed at vCPU end */
    bool hpet;                              /* hpet = 0|1: the HPET and its ACPI table (HVM), default 1 (xl's) */
    bool xen_platform_pci;                  /* xen_platform_pci = 0|1: the Xen platform PCI device (HVM), default 1 */
    uint16_t debug_exit;                    /* debug_exit = PORT: QEMU's isa-debug-exit at PORT..PORT+3; 0 = none */
    bool hap;                               /* hap = 0|1: nested paging (default 1), else the shadow pager */
    unsigned shadow_memory_mib;             /* shadow_memory = MiB: shadow pager budget, 0 = default */
    bool dom0;                              /* dom0 = 1: the initial, privileged domain (PV only; docs/dom0.md) */
    bool ctl_built;                         /* not a key: made by XEN_DOMCTL_createdomain (core/domctl_build.c):
                                               no RAM or kernel at build, started paused by the controller */
    unsigned nr_warnings;                   /* warnings passed to warn() */
    unsigned nr_disks, nr_vifs;             /* disk = [...], vif = [...]: a repeated key replaces the list */
    struct domcfg_disk disks[DOMCFG_MAX_DISKS];
    struct domcfg_vif vifs[DOMCFG_MAX_VIFS];
};

/*
 * Parses text[0..len) (need not be NUL-terminated; a NUL byte in it is an
 * error).  Returns 0 with *out filled, or -EINVAL with a one-line message in
 * err, e.g. "domcfg: line 3: memory = \"abc\": expected a number" (syntax
 * error, bad value for a known key, or a missing required key: name, memory,
 * kernel).  *out is not meaningful after an error.
 *
 * Keys xl knows but Ringvisor does not implement (acpi, serial, ...) are
 * accepted: warn(msg, ctx) is called once per distinct key with e.g.
 * "domcfg: line 7: key 'acpi' not supported, ignored" (warn may be NULL; the
 * warnings are counted in out->nr_warnings either way).  A repeated key: the
 * last one wins, as in xl.  err may be NULL.  Uses about 2.5 KiB of stack
 * and nothing else.
 */
int domcfg_parse(const char *text, size_t len, struct domcfg *out,
                 void (*warn)(const char *msg, void *ctx), void *ctx, char *err, size_t errlen);

/* True if CPU 'cpu' is in the hard-affinity mask. */
static inline bool domcfg_cpu_allowed(const struct domcfg *cfg, unsigned cpu)
{
    return cpu < DOMCFG_MAX_CPUS && (cfg->cpus_mask[cpu / 64] >> (cpu % 64)) & 1;
}

/*
 * A vdev as xen-vbd-interface(7) writes it: xvd<letters>[<partition>],
 * d<disk>[p<partition>], hd<letter>[<partition>], sd<letters>[<partition>]
 * or the device number itself (decimal, 0x hex or 0 octal).  Returns NULL
 * with *num set, or why it is not one.
 */
const char *domcfg_vdev_decode(const char *name, uint32_t *num);

const char *domcfg_type_name(enum domcfg_type t);
const char *domcfg_action_name(enum domcfg_action a);

#endif
