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

struct domcfg {
    char name[DOMCFG_NAME_MAX];             /* required; [A-Za-z0-9_.-]+ */
    enum domcfg_type type;                  /* type = "hvm"|"pvh"|"pv", or legacy builder = "hvm"
                                               (type wins); default pv, as in xl */
    char kernel[DOMCFG_PATH_MAX];           /* required; file name as given */
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
    uint16_t debug_exit;                    /* debug_exit = PORT: QEMU's isa-debug-exit at PORT..PORT+3; 0 = none */
    bool hap;                               /* hap = 0|1: nested paging (default 1), else the shadow pager */
    unsigned shadow_memory_mib;             /* shadow_memory = MiB: shadow pager budget, 0 = default */
    bool dom0;                              /* dom0 = 1: the initial, privileged domain (PV only; docs/dom0.md) */
    bool ctl_built;                         /* not a key: made by XEN_DOMCTL_createdomain (core/domctl_build.c):
                                               no RAM or kernel at build, started paused by the controller */
    unsigned nr_warnings;                   /* warnings passed to warn() */
};

/*
 * Parses text[0..len) (need not be NUL-terminated; a NUL byte in it is an
 * error).  Returns 0 with *out filled, or -EINVAL with a one-line message in
 * err, e.g. "domcfg: line 3: memory = \"abc\": expected a number" (syntax
 * error, bad value for a known key, or a missing required key: name, memory,
 * kernel).  *out is not meaningful after an error.
 *
 * Keys xl knows but Ringvisor does not implement (vif, disk, ...) are
 * accepted: warn(msg, ctx) is called once per distinct key with e.g.
 * "domcfg: line 7: key 'vif' not supported, ignored" (warn may be NULL; the
 * warnings are counted in out->nr_warnings either way).  A repeated key: the
 * last one wins, as in xl.  err may be NULL.  Uses about 1.5 KiB of stack
 * and nothing else.
 */
int domcfg_parse(const char *text, size_t len, struct domcfg *out,
                 void (*warn)(const char *msg, void *ctx), void *ctx, char *err, size_t errlen);

/* True if CPU 'cpu' is in the hard-affinity mask. */
static inline bool domcfg_cpu_allowed(const struct domcfg *cfg, unsigned cpu)
{
    return cpu < DOMCFG_MAX_CPUS && (cfg->cpus_mask[cpu / 64] >> (cpu % 64)) & 1;
}

const char *domcfg_type_name(enum domcfg_type t);
const char *domcfg_action_name(enum domcfg_action a);

#endif
