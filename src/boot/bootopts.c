/*
 * Boot option parsing on top of the cmdline tokenizer.  Each option has a
 * handler that validates its value completely before touching its field, so a
 * rejected value leaves the previous one in place.
 */
#include "boot/bootopts.h"

#include <stdarg.h>

#include "boot/cmdline.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* The guest-state checker's default: on in debug builds (src/CMakeLists.txt). */
#ifndef RV_VMSTATE_CHECK_DEFAULT
#define RV_VMSTATE_CHECK_DEFAULT 0
#endif

/* Longest piece of an option name or value quoted in a warning. */
#define SHOW 40

struct bootopts_run {
    struct boot_options *o;
    void (*warn)(const char *msg, void *ctx);
    void *ctx;
    int warnings;
    int items;
    /* the item being handled */
    const char *name;
    size_t nlen;
    const char *val;    /* NULL when the item has no '=' */
    size_t vlen;
};

static int show(size_t len)
{
    return (int)(len > SHOW ? SHOW : len);
}

static void bo_warn(struct bootopts_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bo_warn(struct bootopts_run *r, const char *fmt, ...)
{
    char msg[192];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->warnings++;
    if (r->warn)
        r->warn(msg, r->ctx);
}

/* Every value warning starts with "cmdline: name=value: ". */
#define ITEM "cmdline: %.*s=%.*s: "
#define ITEM_ARGS(r) show((r)->nlen), (r)->name, show((r)->vlen), (r)->val

static bool val_is(const struct bootopts_run *r, const char *word)
{
    size_t n = strlen(word);

    return r->vlen == n && memcmp(r->val, word, n) == 0;
}

static bool has_value(const struct bootopts_run *r)
{
    return r->val && r->vlen;
}

static void describe_console(const struct boot_options *o, char *buf, size_t size)
{
    if (o->console_enabled)
        fmt_snprintf(buf, size, "com%u,%u", o->com_port, (unsigned)o->com_baud);
    else
        fmt_snprintf(buf, size, "none");
}

/* console=comN[,baud] | none */
static void opt_console(struct bootopts_run *r)
{
    struct boot_options *o = r->o;
    const char *comma;
    size_t plen;
    uint64_t port, baud;
    char cur[32];

    describe_console(o, cur, sizeof(cur));
    if (!has_value(r)) {
        bo_warn(r, "cmdline: console needs a value (comN[,baud] or none), keeping %s", cur);
        return;
    }
    if (val_is(r, "none")) {
        o->console_enabled = false;
        return;
    }
    if (r->vlen < 4 || memcmp(r->val, "com", 3) != 0) {
        bo_warn(r, ITEM "expected comN[,baud] or none, keeping %s", ITEM_ARGS(r), cur);
        return;
    }
    comma = r->val + 3;
    while (comma < r->val + r->vlen && *comma != ',')
        comma++;
    plen = (size_t)(comma - (r->val + 3));
    if (cmdline_parse_uint(r->val + 3, plen, &port) || port < 1 || port > 4) {
        bo_warn(r, ITEM "port must be com1..com4, keeping %s", ITEM_ARGS(r), cur);
        return;
    }
    o->console_enabled = true;
    o->com_port = (unsigned)port;
    if (comma == r->val + r->vlen)
        return;
    /* The UART divisor latch is 115200 / baud (16550 data sheet): only exact
     * divisors give the requested rate. */
    if (cmdline_parse_uint(comma + 1, (size_t)(r->val + r->vlen - comma - 1), &baud) ||
        baud < 1200 || baud > 115200 || 115200 % baud != 0) {
        bo_warn(r, ITEM "baud rate must divide 115200 (1200..115200), keeping %u",
                ITEM_ARGS(r), (unsigned)o->com_baud);
        return;
    }
    o->com_baud = (uint32_t)baud;
}

static const char *const loglvl_names[] = { "err", "warn", "info", "debug" };

/* loglvl=err|warn|info|debug (or 0..3) */
static void opt_loglvl(struct bootopts_run *r)
{
    const char *cur = loglvl_names[r->o->loglvl >= LOG_ERR && r->o->loglvl <= LOG_DEBUG ?
                                   r->o->loglvl : LOG_INFO];
    uint64_t n;
    int i;

    if (!has_value(r)) {
        bo_warn(r, "cmdline: loglvl needs a value (err, warn, info or debug), keeping %s", cur);
        return;
    }
    for (i = LOG_ERR; i <= LOG_DEBUG; i++) {
        if (val_is(r, loglvl_names[i])) {
            r->o->loglvl = i;
            return;
        }
    }
    if (cmdline_parse_uint(r->val, r->vlen, &n) == 0 && n <= LOG_DEBUG) {
        r->o->loglvl = (int)n;
        return;
    }
    bo_warn(r, ITEM "expected err, warn, info or debug, keeping %s", ITEM_ARGS(r), cur);
}

/* maxcpus=N */
static void opt_maxcpus(struct bootopts_run *r)
{
    unsigned cur = r->o->maxcpus;
    uint64_t n;
    int rc;

    if (!has_value(r)) {
        bo_warn(r, "cmdline: maxcpus needs a value, keeping %u", cur);
        return;
    }
    rc = cmdline_parse_uint(r->val, r->vlen, &n);
    if (rc == -EINVAL) {
        bo_warn(r, ITEM "not a number, keeping %u", ITEM_ARGS(r), cur);
        return;
    }
    if (rc || n < 1 || n > BOOTOPTS_MAX_CPUS) {
        bo_warn(r, ITEM "out of range 1..%u, keeping %u", ITEM_ARGS(r), BOOTOPTS_MAX_CPUS, cur);
        return;
    }
    r->o->maxcpus = (unsigned)n;
}

/* hang_report=S (seconds, 0 = off) */
static void opt_hang_report(struct bootopts_run *r)
{
    uint64_t n;

    if (!has_value(r) || cmdline_parse_uint(r->val, r->vlen, &n) || n > 3600) {
        bo_warn(r, "cmdline: hang_report needs a number of seconds 0..3600, keeping %u", r->o->hang_report);
        return;
    }
    r->o->hang_report = (unsigned)n;
}

static void opt_shadow_prefetch(struct bootopts_run *r)
{
    uint64_t n;

    if (!has_value(r) || cmdline_parse_uint(r->val, r->vlen, &n) || n > BOOTOPTS_SHADOW_PREFETCH_MAX ||
        (n > 1 && (n & (n - 1)))) {
        bo_warn(r, "cmdline: shadow_prefetch needs 0 (off) or a power of two up to %u, keeping %u",
                BOOTOPTS_SHADOW_PREFETCH_MAX, r->o->shadow_prefetch);
        return;
    }
    r->o->shadow_prefetch = n > 1 ? (unsigned)n : 0;
}

static void opt_shadow_cache(struct bootopts_run *r)
{
    uint64_t n;

    if (!has_value(r) || cmdline_parse_uint(r->val, r->vlen, &n) || n > BOOTOPTS_SHADOW_CACHE_MAX) {
        bo_warn(r, "cmdline: shadow_cache needs 0..%u, keeping %u", BOOTOPTS_SHADOW_CACHE_MAX,
                r->o->shadow_cache);
        return;
    }
    r->o->shadow_cache = n ? (unsigned)n : 1;
}

static void opt_first_domid(struct bootopts_run *r)
{
    uint64_t n;

    /* 0x7ff0 and above are reserved ids (DOMID_SELF, DOMID_XEN, ...). */
    if (!has_value(r) || cmdline_parse_uint(r->val, r->vlen, &n) || n < 1 || n > 0x7fef) {
        bo_warn(r, "cmdline: first_domid needs a domain id 1..32751, keeping %u", r->o->first_domid);
        return;
    }
    r->o->first_domid = (unsigned)n;
}

/* compat_m2p_frames=N: the compat M2P covers at most the first N frames
 * (0: all it can).  As a host larger than the window's 166 GiB would have
 * it, on a small test machine (docs/pv.md "32-bit domains' memory"). */
static void opt_compat_m2p_frames(struct bootopts_run *r)
{
    uint64_t n;

    if (!has_value(r) || cmdline_parse_uint(r->val, r->vlen, &n) || (n && n < 4096)) {
        bo_warn(r, "cmdline: compat_m2p_frames needs 0 or a number of frames >= 4096, keeping %llu",
                (unsigned long long)r->o->compat_m2p_frames);
        return;
    }
    r->o->compat_m2p_frames = n;
}

static void describe_size(uint64_t v, char *buf, size_t size)
{
    if (v == 0)
        fmt_snprintf(buf, size, "no limit");
    else if (v % (1u << 20) == 0)
        fmt_snprintf(buf, size, "%lluM", (unsigned long long)(v >> 20));
    else
        fmt_snprintf(buf, size, "%llu bytes", (unsigned long long)v);
}

/* mem=SIZE */
static void opt_mem(struct bootopts_run *r)
{
    char cur[32];
    uint64_t v;
    int rc;

    describe_size(r->o->mem_limit, cur, sizeof(cur));
    if (!has_value(r)) {
        bo_warn(r, "cmdline: mem needs a value (e.g. mem=512M), keeping %s", cur);
        return;
    }
    rc = cmdline_parse_size(r->val, r->vlen, &v);
    if (rc == -EINVAL) {
        bo_warn(r, ITEM "not a size (e.g. 512M), keeping %s", ITEM_ARGS(r), cur);
        return;
    }
    if (rc) {
        bo_warn(r, ITEM "too large, keeping %s", ITEM_ARGS(r), cur);
        return;
    }
    if (v < BOOTOPTS_MIN_MEM_LIMIT) {
        bo_warn(r, ITEM "below the 64M minimum, keeping %s", ITEM_ARGS(r), cur);
        return;
    }
    r->o->mem_limit = v;
}

/* console_to=NAME: the domain that gets console input first (instead of the
 * hypervisor's debug keys).  Names as domain files allow them. */
static void opt_console_to(struct bootopts_run *r)
{
    char *out = r->o->console_to;

    if (!has_value(r)) {
        bo_warn(r, "cmdline: console_to needs a domain name, keeping '%s'", out);
        return;
    }
    if (r->vlen >= BOOTOPTS_NAME_MAX) {
        bo_warn(r, ITEM "name longer than %u characters, keeping '%s'", ITEM_ARGS(r),
                BOOTOPTS_NAME_MAX - 1, out);
        return;
    }
    for (size_t i = 0; i < r->vlen; i++) {
        char c = r->val[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.')) {
            bo_warn(r, ITEM "a domain name has only letters, digits, '_', '-' and '.', keeping '%s'",
                    ITEM_ARGS(r), out);
            return;
        }
    }
    memcpy(out, r->val, r->vlen);
    out[r->vlen] = 0;
}

/* A flag: the bare name means true, else any cmdline_parse_bool spelling. */
static void opt_bool(struct bootopts_run *r, bool *field)
{
    bool v;

    if (!r->val) {
        *field = true;
        return;
    }
    if (cmdline_parse_bool(r->val, r->vlen, &v)) {
        bo_warn(r, ITEM "expected 1/0, yes/no, on/off, true/false or enable/disable, keeping %d",
                ITEM_ARGS(r), (int)*field);
        return;
    }
    *field = v;
}

static void opt_selftest(struct bootopts_run *r) { opt_bool(r, &r->o->selftest); }
static void opt_emu_exit(struct bootopts_run *r) { opt_bool(r, &r->o->emu_exit); }
static void opt_inject_fail(struct bootopts_run *r) { opt_bool(r, &r->o->selftest_inject_fail); }
static void opt_inject_hang(struct bootopts_run *r) { opt_bool(r, &r->o->selftest_inject_hang); }
static void opt_inject_panic(struct bootopts_run *r) { opt_bool(r, &r->o->selftest_inject_panic); }
static void opt_x2apic(struct bootopts_run *r)   { opt_bool(r, &r->o->x2apic); }
static void opt_shadow_keep_global(struct bootopts_run *r) { opt_bool(r, &r->o->shadow_keep_global); }
static void opt_hap(struct bootopts_run *r)      { opt_bool(r, &r->o->hap); }
static void opt_gnttab_unmap_batch(struct bootopts_run *r) { opt_bool(r, &r->o->gnttab_unmap_batch); }
static void opt_sched_wake_tickle(struct bootopts_run *r) { opt_bool(r, &r->o->sched_wake_tickle); }
static void opt_hvm_fep(struct bootopts_run *r)  { opt_bool(r, &r->o->hvm_fep); }
static void opt_vmstate_check(struct bootopts_run *r) { opt_bool(r, &r->o->vmstate_check); }

static const struct {
    const char *name;
    void (*handle)(struct bootopts_run *r);
} options[] = {
    { "console",  opt_console },
    { "loglvl",   opt_loglvl },
    { "maxcpus",  opt_maxcpus },
    { "selftest", opt_selftest },
    { "emu_exit", opt_emu_exit },
    { "selftest_inject_fail", opt_inject_fail },
    { "selftest_inject_hang", opt_inject_hang },
    { "selftest_inject_panic", opt_inject_panic },
    { "x2apic",   opt_x2apic },
    { "shadow_keep_global", opt_shadow_keep_global },
    { "hap",      opt_hap },
    { "shadow_prefetch", opt_shadow_prefetch },
    { "shadow_cache", opt_shadow_cache },
    { "gnttab_unmap_batch", opt_gnttab_unmap_batch },
    { "sched_wake_tickle", opt_sched_wake_tickle },
    { "mem",      opt_mem },
    { "console_to", opt_console_to },
    { "hvm_fep",  opt_hvm_fep },
    { "vmstate_check", opt_vmstate_check },
    { "hang_report", opt_hang_report },
    { "first_domid", opt_first_domid },
    { "compat_m2p_frames", opt_compat_m2p_frames },
};

static bool looks_like_path(const char *s, size_t n)
{
    while (n--)
        if (*s++ == '/')
            return true;
    return false;
}

static int bootopts_item(const char *name, size_t nlen, const char *val, size_t vlen, void *ctx)
{
    struct bootopts_run *r = ctx;
    size_t i;

    r->name = name;
    r->nlen = nlen;
    r->val = val;
    r->vlen = vlen;
    if (r->items++ == 0 && !val && looks_like_path(name, nlen))
        return 0;
    if (nlen == 0) {
        bo_warn(r, "cmdline: malformed item '=%.*s' ignored", show(vlen), val ? val : "");
        return 0;
    }
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        if (strlen(options[i].name) == nlen && memcmp(options[i].name, name, nlen) == 0) {
            options[i].handle(r);
            return 0;
        }
    }
    bo_warn(r, "cmdline: unknown option '%.*s' ignored", show(nlen), name);
    return 0;
}

void bootopts_defaults(struct boot_options *o)
{
    o->console_enabled = true;
    o->com_port = 1;
    o->com_baud = 115200;
    o->loglvl = LOG_INFO;
    o->maxcpus = BOOTOPTS_MAX_CPUS;
    o->selftest = false;
    o->emu_exit = false;
    o->selftest_inject_fail = false;
    o->selftest_inject_hang = false;
    o->selftest_inject_panic = false;
    o->x2apic = true;
    o->shadow_keep_global = true;
    o->hap = true;
    o->shadow_prefetch = BOOTOPTS_SHADOW_PREFETCH;
    o->shadow_cache = BOOTOPTS_SHADOW_CACHE;
    o->gnttab_unmap_batch = true;
    o->sched_wake_tickle = false;
    o->mem_limit = 0;
    o->console_to[0] = 0;
    o->hvm_fep = false;
    o->vmstate_check = RV_VMSTATE_CHECK_DEFAULT;
    o->hang_report = 0;
    o->compat_m2p_frames = 0;
}

int bootopts_parse(const char *cmdline, struct boot_options *o,
                   void (*warn)(const char *msg, void *ctx), void *ctx)
{
    struct bootopts_run r = { .o = o, .warn = warn, .ctx = ctx };

    if (cmdline_parse(cmdline, bootopts_item, &r) == -EINVAL)
        bo_warn(&r, "cmdline: unterminated quote, rest of the command line ignored");
    return r.warnings;
}
