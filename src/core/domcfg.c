/*
 * Domain configuration parser (xl.cfg(5) subset): the keys Ringvisor knows,
 * their values and defaults.  domcfg_lex.c has located and syntax-checked
 * each value; this file decodes and range-checks it, and every string copied
 * into struct domcfg is length-checked.
 */
#include "core/domcfg.h"

#include "boot/cmdline.h"
#include "core/domcfg_lex.h"
#include "lib/errno.h"
#include "lib/string.h"

enum {
    DC_SEEN_NAME    = 1u << 0,
    DC_SEEN_TYPE    = 1u << 1,
    DC_SEEN_BUILDER = 1u << 2,
    DC_SEEN_KERNEL  = 1u << 3,
    DC_SEEN_CMDLINE = 1u << 4,
    DC_SEEN_ROOT    = 1u << 5,
    DC_SEEN_EXTRA   = 1u << 6,
    DC_SEEN_MEMORY  = 1u << 7,
    DC_SEEN_MAXMEM  = 1u << 8,
    DC_SEEN_MAXVCPU = 1u << 9,
    DC_SEEN_FIRMWARE = 1u << 10,
};

static int dc_get_str(struct domcfg_parser *ps, const struct domcfg_value *v, char *dst, size_t size)
{
    if (v->kind == DOMCFG_VAL_LIST)
        return domcfg_fail(ps, ps->keyline, v, "expected a string, not a list");
    if (domcfg_decode(v, dst, size))
        return domcfg_fail(ps, ps->keyline, v, "longer than %zu characters", size - 1);
    return 0;
}

/* A number, bare or quoted (xl accepts both), in [min, max]. */
static int dc_get_uint(struct domcfg_parser *ps, const struct domcfg_value *v, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    char buf[64];
    uint64_t val;
    int rc;

    if (v->kind == DOMCFG_VAL_LIST)
        return domcfg_fail(ps, ps->keyline, v, "expected a number, not a list");
    if (domcfg_decode(v, buf, sizeof(buf)))
        return domcfg_fail(ps, ps->keyline, v, "expected a number between %llu and %llu",
                           (unsigned long long)min, (unsigned long long)max);
    rc = cmdline_parse_uint(buf, strlen(buf), &val);
    if (rc == -EINVAL)
        return domcfg_fail(ps, ps->keyline, v, "expected a number");
    if (rc || val < min || val > max)
        return domcfg_fail(ps, ps->keyline, v, "must be between %llu and %llu",
                           (unsigned long long)min, (unsigned long long)max);
    *out = val;
    return 0;
}

/* One of words[] (exact match); returns its index or fails listing them. */
static int dc_get_word(struct domcfg_parser *ps, const struct domcfg_value *v, const char *const *words,
                       unsigned nwords, const char *expected, unsigned *idx)
{
    char buf[24];
    unsigned i;

    if (v->kind != DOMCFG_VAL_LIST && !domcfg_decode(v, buf, sizeof(buf))) {
        for (i = 0; i < nwords; i++) {
            if (!strcmp(buf, words[i])) {
                *idx = i;
                return 0;
            }
        }
    }
    return domcfg_fail(ps, ps->keyline, v, "expected %s", expected);
}

/* ---- keys ---- */

static int key_name(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    char *n = ps->out->name;
    size_t i;
    int rc = dc_get_str(ps, v, n, DOMCFG_NAME_MAX);

    if (rc)
        return rc;
    if (!n[0])
        return domcfg_fail(ps, ps->keyline, v, "the name is empty");
    for (i = 0; n[i]; i++) {
        char c = n[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return domcfg_fail(ps, ps->keyline, v, "only letters, digits, '_', '.' and '-' are allowed");
    }
    ps->seen |= DC_SEEN_NAME;
    return 0;
}

static int key_type(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const char *const words[] = { "hvm", "pvh", "pv" };
    static const enum domcfg_type types[] = { DOMCFG_HVM, DOMCFG_PVH, DOMCFG_PV };
    unsigned i = 0;
    int rc = dc_get_word(ps, v, words, 3, "\"hvm\", \"pvh\" or \"pv\"", &i);

    if (rc)
        return rc;
    ps->out->type = types[i];
    ps->seen |= DC_SEEN_TYPE;
    return 0;
}

/* Deprecated in xl in favour of type=; type wins when both are given. */
static int key_builder(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const char *const words[] = { "hvm", "generic", "linux" };
    unsigned i = 0;
    int rc = dc_get_word(ps, v, words, 3, "\"hvm\" or \"generic\"", &i);

    if (rc)
        return rc;
    ps->builder_type = i == 0 ? DOMCFG_HVM : DOMCFG_PV;
    ps->seen |= DC_SEEN_BUILDER;
    return 0;
}

static int dc_get_path(struct domcfg_parser *ps, const struct domcfg_value *v, char *dst)
{
    int rc = dc_get_str(ps, v, dst, DOMCFG_PATH_MAX);

    if (!rc && !dst[0])
        return domcfg_fail(ps, ps->keyline, v, "the file name is empty");
    return rc;
}

static int key_kernel(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    ps->seen |= DC_SEEN_KERNEL;
    return dc_get_path(ps, v, ps->out->kernel);
}

/* firmware_override = FILE: xl's replacement for hvmloader, an ELF loaded at
 * its physical addresses and entered at e_entry in flat 32-bit protected mode
 * (hvm/loader_pvh.c).  Kept aside: dc_finish checks it against the type. */
static int key_firmware(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    char tmp[DOMCFG_PATH_MAX];
    int rc = dc_get_path(ps, v, tmp);

    if (!rc) {
        ps->firmware = *v;
        ps->seen |= DC_SEEN_FIRMWARE;
    }
    return rc;
}

static int key_ramdisk(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    return dc_get_path(ps, v, ps->out->ramdisk);
}

static int key_cmdline(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    ps->seen |= DC_SEEN_CMDLINE;
    return dc_get_str(ps, v, ps->out->cmdline, DOMCFG_CMDLINE_MAX);
}

/* root/extra: checked now (type, length), combined in dc_finish. */
static int key_root_extra(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    bool root = ps->keylen == 4;

    if (v->kind == DOMCFG_VAL_LIST)
        return domcfg_fail(ps, ps->keyline, v, "expected a string, not a list");
    if (domcfg_decode(v, NULL, DOMCFG_CMDLINE_MAX))
        return domcfg_fail(ps, ps->keyline, v, "longer than %u characters", DOMCFG_CMDLINE_MAX - 1);
    if (root) {
        ps->root = *v;
        ps->seen |= DC_SEEN_ROOT;
    } else {
        ps->extra = *v;
        ps->seen |= DC_SEEN_EXTRA;
    }
    return 0;
}

static int key_memory(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    bool max = ps->key[1] == 'a';   /* "maxmem" */
    int rc = dc_get_uint(ps, v, 1, DOMCFG_MAX_MEM_MIB, max ? &ps->out->maxmem_mib : &ps->out->memory_mib);

    ps->seen |= max ? DC_SEEN_MAXMEM : DC_SEEN_MEMORY;
    return rc;
}

static int key_vcpus(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    bool max = ps->key[0] == 'm';   /* "maxvcpus" */
    uint64_t n;
    int rc = dc_get_uint(ps, v, 1, DOMCFG_MAX_VCPUS, &n);

    if (rc)
        return rc;
    if (max) {
        ps->out->maxvcpus = (unsigned)n;
        ps->seen |= DC_SEEN_MAXVCPU;
    } else {
        ps->out->vcpus = (unsigned)n;
    }
    return 0;
}

/* cpu_weight: the vCPUs' share of CPU time relative to other domains, as
 * in xl's credit scheduler (1-65535, default 256). */
static int key_cpu_weight(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t n;
    int rc = dc_get_uint(ps, v, 1, 65535, &n);

    if (!rc)
        ps->out->cpu_weight = (unsigned)n;
    return rc;
}

/* Event-channel and grant-table limits (xl.cfg max_event_channels,
 * max_grant_frames, max_maptrack_frames). */
static int key_limits(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t n;
    int rc;

    if (ps->keylen == 18 && !memcmp(ps->key, "max_event_channels", 18)) {
        if (!(rc = dc_get_uint(ps, v, 1, DOMCFG_MAX_EVTCHN, &n)))
            ps->out->max_event_channels = (unsigned)n;
    } else if (ps->keylen == 16 && !memcmp(ps->key, "max_grant_frames", 16)) {
        if (!(rc = dc_get_uint(ps, v, 1, DOMCFG_MAX_GRANT_FRAMES, &n)))
            ps->out->max_grant_frames = (unsigned)n;
    } else {
        if (!(rc = dc_get_uint(ps, v, 0, DOMCFG_MAX_MAPTRACK_FRAMES, &n)))
            ps->out->max_maptrack_frames = (unsigned)n;
    }
    return rc;
}

/* Decimal digits at *s (at least one); saturates at UINT64_MAX rather than
 * wrapping, so a huge number is reported as out of range. */
static bool dc_cpu_num(const char **s, const char *e, uint64_t *val)
{
    const char *start = *s;
    uint64_t v = 0;

    for (; *s < e && **s >= '0' && **s <= '9'; (*s)++)
        v = v > 0xffffffffull ? UINT64_MAX : v * 10 + (uint64_t)(**s - '0');
    *val = v;
    return *s != start;
}

/*
 * One CPU list, "0-3,5", "all", "all,^2" (xl's syntax: '^' removes CPUs from
 * what the items before it selected).  Parsed from the raw text: escapes make
 * no sense in it and are refused.
 */
static int dc_cpulist(struct domcfg_parser *ps, const struct domcfg_value *shown,
                      const struct domcfg_value *item)
{
    static const char expect[] = "expected CPU numbers or ranges N-M separated by ',', or \"all\"";
    const char *s = item->raw, *e = item->raw + item->rawlen;
    uint64_t *mask = ps->out->cpus_mask;

    if (item->kind == DOMCFG_VAL_STR) {
        s++;
        e--;
    }
    for (;;) {
        uint64_t lo, hi, cpu;
        bool remove = false;

        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (s < e && *s == '^') {
            remove = true;
            s++;
        }
        if (e - s >= 3 && !memcmp(s, "all", 3)) {
            lo = 0;
            hi = DOMCFG_MAX_CPUS - 1;
            s += 3;
        } else {
            if (e - s >= 6 && !memcmp(s, "nodes:", 6))
                return domcfg_fail(ps, ps->keyline, shown, "NUMA node affinity (nodes:) is not supported");
            if (!dc_cpu_num(&s, e, &lo))
                return domcfg_fail(ps, ps->keyline, shown, "%s", expect);
            hi = lo;
            if (s < e && *s == '-') {
                s++;
                if (!dc_cpu_num(&s, e, &hi))
                    return domcfg_fail(ps, ps->keyline, shown, "%s", expect);
                if (hi < lo)
                    return domcfg_fail(ps, ps->keyline, shown, "range %llu-%llu is backwards",
                                       (unsigned long long)lo, (unsigned long long)hi);
            }
            if (hi == UINT64_MAX)
                return domcfg_fail(ps, ps->keyline, shown, "CPU number too large (the last CPU is %u)",
                                   DOMCFG_MAX_CPUS - 1);
            if (hi >= DOMCFG_MAX_CPUS)
                return domcfg_fail(ps, ps->keyline, shown, "CPU %llu is beyond the %u supported",
                                   (unsigned long long)hi, DOMCFG_MAX_CPUS);
        }
        for (cpu = lo; cpu <= hi; cpu++) {
            if (remove)
                mask[cpu / 64] &= ~(1ull << (cpu % 64));
            else
                mask[cpu / 64] |= 1ull << (cpu % 64);
        }
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (s == e)
            return 0;
        if (*s != ',')
            return domcfg_fail(ps, ps->keyline, shown, "%s", expect);
        s++;
    }
}

static int key_cpus(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    struct domcfg *o = ps->out;
    unsigned i;
    bool any = false;
    int rc;

    memset(o->cpus_mask, 0, sizeof(o->cpus_mask));
    if (v->kind == DOMCFG_VAL_LIST) {
        /* In xl, item i is vCPU i's affinity; one mask serves all vCPUs here. */
        if (v->nitems > 1)
            domcfg_warn(ps, "domcfg: line %u: cpus: per-vCPU affinity lists are not supported, "
                        "every vCPU gets the union", ps->keyline);
        rc = domcfg_list_for_each(ps, v, dc_cpulist);
    } else {
        rc = dc_cpulist(ps, v, v);
    }
    if (rc)
        return rc;
    for (i = 0; i < DOMCFG_MAX_CPUS / 64; i++)
        any |= o->cpus_mask[i] != 0;
    if (!any)
        return domcfg_fail(ps, ps->keyline, v, "selects no CPU");
    o->cpus_given = true;
    return 0;
}

static int key_action(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const char *const words[] = {
        "destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart",
    };
    static const enum domcfg_action acts[] = {
        DOMCFG_DESTROY, DOMCFG_RESTART, DOMCFG_PRESERVE, DOMCFG_RENAME_RESTART, DOMCFG_COREDUMP_DESTROY,
        DOMCFG_COREDUMP_RESTART,
    };
    unsigned i = 0;
    int rc = dc_get_word(ps, v, words, 6, "\"destroy\", \"restart\", \"preserve\", \"rename-restart\", "
                         "\"coredump-destroy\" or \"coredump-restart\"", &i);

    if (rc)
        return rc;
    switch (ps->key[3]) {   /* on_[p]oweroff, on_[r]eboot, on_[c]rash, on_[w]atchdog */
    case 'p': ps->out->on_poweroff = acts[i]; break;
    case 'r': ps->out->on_reboot = acts[i]; break;
    case 'w': ps->out->on_watchdog = acts[i]; break;
    default:  ps->out->on_crash = acts[i]; break;
    }
    return 0;
}

static int key_rv_expect(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const char *const words[] = { "poweroff", "crash", "reboot", "watchdog", "restart-loop" };
    unsigned i = 0;
    int rc = dc_get_word(ps, v, words, 5, "\"poweroff\", \"crash\", \"reboot\", \"watchdog\" or "
                         "\"restart-loop\"", &i);

    if (!rc)
        memcpy(ps->out->rv_expect, words[i], strlen(words[i]) + 1);   /* all fit in 16 */
    return rc;
}

/* How many times rv-run must see the domain restarted (tests only). */
static int key_rv_expect_restarts(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t n;
    int rc = dc_get_uint(ps, v, 0, DOMCFG_MAX_EXPECT_RESTARTS, &n);

    if (!rc)
        ps->out->rv_expect_restarts = (unsigned)n;
    return rc;
}

static int key_rv_hide(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->hide_hypervisor_cpuid = b;
    return rc;
}

/* rv_xenstore = "none" | "empty": "empty" gives a PV domain the
 * hypervisor's stand-in store (pv/pv_xs_empty.c), which answers every
 * request as a store holding nothing; PV bootloaders wait for a reply. */
static int key_rv_xenstore(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const char *const words[] = { "none", "empty" };
    unsigned i = 0;
    int rc = dc_get_word(ps, v, words, 2, "\"none\" or \"empty\"", &i);

    if (!rc)
        ps->out->xenstore_empty = i == 1;
    return rc;
}

/* rv_expect_exit = S: the debug-exit status rv-run requires of the domain
 * (tools/rvlib); checked here only for range, so a typo is reported. */
static int key_rv_expect_exit(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t n;
    return dc_get_uint(ps, v, 1, 0x1ffffffffull, &n);
}

static int key_fw_cfg(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->fw_cfg = b;
    return rc;
}

/* rv_pvh_pit_ones = 0|1 (Ringvisor extension): a PVH domain's reads of
 * port 0x42 return all ones, exactly as under Xen, instead of 0
 * (docs/pvh.md "PIT channel 2"). */
static int key_rv_pvh_pit_ones(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->pvh_pit_ones = b;
    return rc;
}

/* rv_exit_stats = 0|1 (Ringvisor extension): each vCPU's MSR exit
 * histogram is printed with its other exit statistics when it ends
 * (docs/running-domains.md "Exit statistics"). */
static int key_rv_exit_stats(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->exit_stats = b;
    return rc;
}

/* hpet = 0|1, as xl.cfg(5): whether an HVM domain gets an HPET. */
static int key_hpet(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->hpet = b;
    return rc;
}

/* xen_platform_pci = 0|1, as xl.cfg(5): whether an HVM domain gets the Xen
 * platform PCI device and its unplug ports (hvm/vxenplat.c). */
static int key_xen_platform_pci(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->xen_platform_pci = b;
    return rc;
}

/* hap = 0|1, as xl.cfg(5): nested paging (NPT/EPT), or the shadow pager
 * (docs/shadow.md) when 0.  Default 1; a CPU without nested paging uses
 * shadow paging whatever this says. */
static int key_hap(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->hap = b;
    return rc;
}

/* shadow_memory = MiB, as xl.cfg(5): the shadow pager's page budget for
 * the whole domain (0 = the default, 1 MiB per vCPU + 8 KiB per MiB of
 * RAM, docs/shadow.md). */
static int key_shadow_memory(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t n;
    int rc = dc_get_uint(ps, v, 0, 4096, &n);

    if (!rc)
        ps->out->shadow_memory_mib = (unsigned)n;
    return rc;
}

/* debug_exit = PORT: the 4 ports PORT..PORT+3 must not be any of the
 * platform's own (hvm/platform.c), or one of the two would never see its
 * accesses. */
static int key_debug_exit(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    static const struct { uint16_t lo, hi; const char *what; } taken[] = {
        { 0x10, 0x13, "the Xen platform unplug ports" }, { 0x20, 0x21, "the PIC" }, { 0x40, 0x43, "the PIT" }, { 0x60, 0x61, "the i8042/port 0x61" },
        { 0x64, 0x64, "the i8042" }, { 0x70, 0x71, "the RTC" }, { 0xa0, 0xa1, "the PIC" },
        { 0x3f8, 0x3ff, "the UART" }, { 0x4d0, 0x4d1, "the PIC's ELCR" }, { 0x510, 0x511, "fw_cfg" },
        { 0xb000, 0xb011, "the ACPI PM block" }, { 0xcf8, 0xcff, "PCI configuration and reset" },
    };
    uint64_t port;
    int rc = dc_get_uint(ps, v, 1, 0xfffc, &port);

    if (rc)
        return rc;
    for (unsigned i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
        if (port <= taken[i].hi && port + 3 >= taken[i].lo)
            return domcfg_fail(ps, ps->keyline, v, "ports 0x%x-0x%x overlap %s", (unsigned)port, (unsigned)port + 3,
                            taken[i].what);
    ps->out->debug_exit = (uint16_t)port;
    return 0;
}

/* dom0 = 0|1: this (PV) domain is the initial domain, domain id 0, with
 * the privileged hypercalls (docs/dom0.md).  The kind is checked when the
 * domain is created (core/domain.c), where "only one" can be checked too. */
static int key_dom0(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    uint64_t b;
    int rc = dc_get_uint(ps, v, 0, 1, &b);

    if (!rc)
        ps->out->dom0 = b;
    return rc;
}

static const struct {
    const char *name;
    int (*apply)(struct domcfg_parser *ps, const struct domcfg_value *v);
} dc_keys[] = {
    { "name", key_name },
    { "type", key_type },
    { "builder", key_builder },
    { "kernel", key_kernel },
    { "firmware_override", key_firmware },
    { "ramdisk", key_ramdisk },
    { "cmdline", key_cmdline },
    { "root", key_root_extra },
    { "extra", key_root_extra },
    { "memory", key_memory },
    { "maxmem", key_memory },
    { "vcpus", key_vcpus },
    { "maxvcpus", key_vcpus },
    { "cpu_weight", key_cpu_weight },
    { "max_event_channels", key_limits },
    { "max_grant_frames", key_limits },
    { "max_maptrack_frames", key_limits },
    { "cpus", key_cpus },
    { "on_poweroff", key_action },
    { "on_reboot", key_action },
    { "on_crash", key_action },
    { "on_watchdog", key_action },
    { "rv_expect", key_rv_expect },
    { "rv_expect_restarts", key_rv_expect_restarts },
    { "rv_hide_hypervisor", key_rv_hide },
    { "rv_expect_exit", key_rv_expect_exit },
    { "rv_xenstore", key_rv_xenstore },
    { "fw_cfg", key_fw_cfg },
    { "rv_pvh_pit_ones", key_rv_pvh_pit_ones },
    { "rv_exit_stats", key_rv_exit_stats },
    { "hpet", key_hpet },
    { "xen_platform_pci", key_xen_platform_pci },
    { "hap", key_hap },
    { "shadow_memory", key_shadow_memory },
    { "debug_exit", key_debug_exit },
    { "dom0", key_dom0 },
    { "disk", domcfg_key_disk },
    { "vif", domcfg_key_vif },
};

static void dc_unknown_key(struct domcfg_parser *ps)
{
    unsigned i;

    for (i = 0; i < ps->nr_unknown; i++)
        if (ps->unknown[i].len == ps->keylen && !memcmp(ps->unknown[i].s, ps->key, ps->keylen))
            return;
    /* Past DOMCFG_MAX_UNKNOWN distinct keys, a repeated one may warn again. */
    if (ps->nr_unknown < DOMCFG_MAX_UNKNOWN) {
        ps->unknown[ps->nr_unknown].s = ps->key;
        ps->unknown[ps->nr_unknown].len = ps->keylen;
        ps->nr_unknown++;
    }
    domcfg_warn(ps, "domcfg: line %u: key '%.*s%s' not supported, ignored", ps->keyline,
                (int)(ps->keylen < DOMCFG_KEY_SHOWN ? ps->keylen : DOMCFG_KEY_SHOWN), ps->key,
                ps->keylen > DOMCFG_KEY_SHOWN ? "..." : "");
}

static int dc_apply(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    unsigned i;

    for (i = 0; i < sizeof(dc_keys) / sizeof(dc_keys[0]); i++)
        if (strlen(dc_keys[i].name) == ps->keylen && !memcmp(dc_keys[i].name, ps->key, ps->keylen))
            return dc_keys[i].apply(ps, v);
    dc_unknown_key(ps);
    return 0;
}

/* Defaults, required keys and the relations between keys. */
static int dc_finish(struct domcfg_parser *ps)
{
    struct domcfg *o = ps->out;
    static const struct { unsigned bit; const char *key; } required[] = {
        { DC_SEEN_NAME, "name" }, { DC_SEEN_MEMORY, "memory" }, { DC_SEEN_KERNEL, "kernel" },
    };
    unsigned i;

    if (!(ps->seen & DC_SEEN_TYPE) && (ps->seen & DC_SEEN_BUILDER))
        o->type = ps->builder_type;
    if (ps->seen & DC_SEEN_FIRMWARE) {
        /* Under xl the firmware replaces hvmloader; a kernel= beside it is
         * the device model's business (QEMU's direct boot), not ours. */
        if (o->type != DOMCFG_HVM)
            return domcfg_fail(ps, 0, NULL, "firmware_override is for type = \"hvm\" (this domain is %s)",
                               domcfg_type_name(o->type));
        if (ps->seen & DC_SEEN_KERNEL)
            domcfg_warn(ps, "domcfg: 'kernel' is ignored because 'firmware_override' is given");
        domcfg_decode(&ps->firmware, o->kernel, sizeof(o->kernel));     /* length checked by key_firmware */
        o->firmware = true;
        ps->seen |= DC_SEEN_KERNEL;
    }
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!(ps->seen & required[i].bit))
            return domcfg_fail(ps, 0, NULL, "missing required key '%s'", required[i].key);
    if (!(ps->seen & DC_SEEN_MAXMEM))
        o->maxmem_mib = o->memory_mib;
    else if (o->maxmem_mib < o->memory_mib)
        return domcfg_fail(ps, 0, NULL, "maxmem (%llu MiB) is less than memory (%llu MiB)",
                           (unsigned long long)o->maxmem_mib, (unsigned long long)o->memory_mib);
    if (!(ps->seen & DC_SEEN_MAXVCPU))
        o->maxvcpus = o->vcpus;
    else if (o->maxvcpus < o->vcpus)
        return domcfg_fail(ps, 0, NULL, "maxvcpus (%u) is less than vcpus (%u)", o->maxvcpus, o->vcpus);

    /* xl: cmdline wins; otherwise "root=R E", "root=R" or "E". */
    if (ps->seen & DC_SEEN_CMDLINE) {
        if (ps->seen & (DC_SEEN_ROOT | DC_SEEN_EXTRA))
            domcfg_warn(ps, "domcfg: 'root' and 'extra' are ignored because 'cmdline' is given");
    } else if (ps->seen & (DC_SEEN_ROOT | DC_SEEN_EXTRA)) {
        size_t n = 0;

        o->cmdline[0] = '\0';
        if (ps->seen & DC_SEEN_ROOT) {
            memcpy(o->cmdline, "root=", 5);
            n = 5;
            if (domcfg_decode(&ps->root, o->cmdline + n, DOMCFG_CMDLINE_MAX - n))
                goto too_long;
            n += strlen(o->cmdline + n);
        }
        if (ps->seen & DC_SEEN_EXTRA) {
            if (n) {
                if (n + 1 >= DOMCFG_CMDLINE_MAX)
                    goto too_long;
                o->cmdline[n++] = ' ';
            }
            if (domcfg_decode(&ps->extra, o->cmdline + n, DOMCFG_CMDLINE_MAX - n))
                goto too_long;
        }
    }
    return 0;
too_long:
    return domcfg_fail(ps, 0, NULL, "root= and extra= together are longer than %u characters",
                       DOMCFG_CMDLINE_MAX - 1);
}

int domcfg_parse(const char *text, size_t len, struct domcfg *out,
                 void (*warn)(const char *msg, void *ctx), void *ctx, char *err, size_t errlen)
{
    struct domcfg_parser ps;
    int rc;

    memset(out, 0, sizeof(*out));
    out->type = DOMCFG_PV;
    out->vcpus = 1;
    out->cpu_weight = 256;
    out->fw_cfg = true;
    out->hpet = true;
    out->xen_platform_pci = true;
    out->hap = true;
    out->max_event_channels = 1023;
    out->max_grant_frames = DOMCFG_MAX_GRANT_FRAMES;
    out->max_maptrack_frames = 1024;
    memset(out->cpus_mask, 0xff, sizeof(out->cpus_mask));
    out->on_poweroff = DOMCFG_DESTROY;
    out->on_reboot = DOMCFG_RESTART;
    out->on_crash = DOMCFG_DESTROY;
    out->on_watchdog = DOMCFG_DESTROY;
    memcpy(out->rv_expect, "poweroff", sizeof("poweroff"));

    memset(&ps, 0, sizeof(ps));
    ps.p = text;
    ps.end = text ? text + len : text;
    ps.line = 1;
    ps.out = out;
    ps.warn = warn;
    ps.ctx = ctx;
    ps.err = err;
    ps.errlen = errlen;
    if (err && errlen)
        err[0] = '\0';

    for (;;) {
        struct domcfg_value v;

        rc = domcfg_next_statement(&ps, &v);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return dc_finish(&ps);
        rc = dc_apply(&ps, &v);
        if (rc)
            return rc;
    }
}

const char *domcfg_type_name(enum domcfg_type t)
{
    switch (t) {
    case DOMCFG_HVM: return "hvm";
    case DOMCFG_PVH: return "pvh";
    case DOMCFG_PV:  return "pv";
    }
    return "?";
}

const char *domcfg_action_name(enum domcfg_action a)
{
    switch (a) {
    case DOMCFG_DESTROY:  return "destroy";
    case DOMCFG_RESTART:  return "restart";
    case DOMCFG_PRESERVE: return "preserve";
    case DOMCFG_RENAME_RESTART: return "rename-restart";
    case DOMCFG_COREDUMP_DESTROY: return "coredump-destroy";
    case DOMCFG_COREDUMP_RESTART: return "coredump-restart";
    }
    return "?";
}
