/* Command-line tokenizer, value parsers and boot options, including every
 * warning path of bootopts_parse. */
#include <stdbool.h>

#include "boot/bootopts.h"
#include "boot/cmdline.h"
#include "lib/errno.h"
#include "test.h"

/* ---- tokenizer ---- */

struct items {
    int n;
    char text[16][64];      /* "name" or "name=value" with the value in <> */
    int stop_at;            /* return -EPERM at this item (-1: never) */
};

static int collect(const char *name, size_t nlen, const char *val, size_t vlen, void *ctx)
{
    struct items *it = ctx;

    if (it->n == it->stop_at)
        return -EPERM;
    if (it->n < 16) {
        if (val)
            snprintf(it->text[it->n], 64, "%.*s=<%.*s>", (int)nlen, name, (int)vlen, val);
        else
            snprintf(it->text[it->n], 64, "%.*s", (int)nlen, name);
    }
    it->n++;
    return 0;
}

static void test_parse_items(void)
{
    static const struct {
        const char *line;
        int rc;
        const char *want[6];
    } cases[] = {
        { "", 0, { NULL } },
        { "   \t  ", 0, { NULL } },
        { "a", 1, { "a" } },
        { "  a  b\tc  ", 3, { "a", "b", "c" } },
        { "x=1 y=abc", 2, { "x=<1>", "y=<abc>" } },
        { "e= f", 2, { "e=<>", "f" } },
        { "q=\"hello world\" z", 2, { "q=<hello world>", "z" } },
        { "q=\"\"", 1, { "q=<>" } },
        { "q=\"a\"b", 2, { "q=<a>", "b" } },
        { "=v", 1, { "=<v>" } },
        { "a=b=c", 1, { "a=<b=c>" } },
        { "k=\"tab\there\"", 1, { "k=<tab\there>" } },
        { "/boot/rv.elf console=com1", 2, { "/boot/rv.elf", "console=<com1>" } },
        { "a=\"open", -EINVAL, { NULL } },
        { "ok q=\"open", -EINVAL, { "ok" } },
    };
    unsigned i, j;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct items it = { .stop_at = -1 };
        int rc = cmdline_parse(cases[i].line, collect, &it);

        CHECK_EQ(rc, cases[i].rc);
        for (j = 0; cases[i].want[j]; j++)
            CHECK_STR(it.text[j], cases[i].want[j]);
        CHECK_EQ(it.n, j);
    }
    CHECK_EQ(cmdline_parse(NULL, collect, NULL), 0);
    CHECK_EQ(cmdline_parse("a b c", NULL, NULL), 3);
}

static void test_parse_stop(void)
{
    struct items it = { .stop_at = 1 };

    CHECK_EQ(cmdline_parse("a b c", collect, &it), -EPERM);
    CHECK_EQ(it.n, 1);
}

/* ---- value parsers ---- */

static void test_uint(void)
{
    static const struct { const char *s; int rc; uint64_t v; } cases[] = {
        { "0", 0, 0 }, { "7", 0, 7 }, { "1234567890", 0, 1234567890 },
        { "18446744073709551615", 0, UINT64_MAX }, { "18446744073709551616", -ERANGE, 0 },
        { "99999999999999999999999", -ERANGE, 0 }, { "99999999999999999999x", -EINVAL, 0 },
        { "0x0", 0, 0 }, { "0x10", 0, 16 }, { "0XfF", 0, 255 }, { "0xffffffffffffffff", 0, UINT64_MAX },
        { "0x10000000000000000", -ERANGE, 0 },
        { "", -EINVAL, 0 }, { "0x", -EINVAL, 0 }, { "x10", -EINVAL, 0 }, { "12a", -EINVAL, 0 },
        { "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 }, { " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 },
        { "0x1g", -EINVAL, 0 }, { "00012", 0, 12 },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0xdead;
        int rc = cmdline_parse_uint(cases[i].s, strlen(cases[i].s), &v);

        CHECK_EQ(rc, cases[i].rc);
        CHECK_EQ(v, rc ? 0xdead : cases[i].v);  /* untouched on error */
    }
    /* Only 'len' bytes are looked at. */
    {
        uint64_t v = 0;

        CHECK_EQ(cmdline_parse_uint("123junk", 3, &v), 0);
        CHECK_EQ(v, 123);
        CHECK_EQ(cmdline_parse_uint(NULL, 0, &v), -EINVAL);
    }
}

static void test_size(void)
{
    static const struct { const char *s; int rc; uint64_t v; } cases[] = {
        { "0", 0, 0 }, { "4096", 0, 4096 }, { "1K", 0, 1024 }, { "1k", 0, 1024 },
        { "64M", 0, 64ull << 20 }, { "3g", 0, 3ull << 30 }, { "2T", 0, 2ull << 40 },
        { "0x10M", 0, 16ull << 20 }, { "16777215T", 0, 16777215ull << 40 },
        { "16777216T", -ERANGE, 0 }, { "18446744073709551615", 0, UINT64_MAX },
        { "18446744073709551615K", -ERANGE, 0 }, { "M", -EINVAL, 0 }, { "", -EINVAL, 0 },
        { "1KB", -EINVAL, 0 }, { "1P", -EINVAL, 0 }, { "1.5G", -EINVAL, 0 }, { "0xG", -EINVAL, 0 },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0xdead;
        int rc = cmdline_parse_size(cases[i].s, strlen(cases[i].s), &v);

        CHECK_EQ(rc, cases[i].rc);
        CHECK_EQ(v, rc ? 0xdead : cases[i].v);
    }
}

static void test_bool(void)
{
    static const struct { const char *s; int rc; bool v; } cases[] = {
        { "1", 0, true }, { "0", 0, false }, { "yes", 0, true }, { "no", 0, false },
        { "on", 0, true }, { "off", 0, false }, { "true", 0, true }, { "false", 0, false },
        { "enable", 0, true }, { "disable", 0, false }, { "YES", 0, true }, { "Off", 0, false },
        { "", -EINVAL, false }, { "2", -EINVAL, false }, { "y", -EINVAL, false },
        { "yess", -EINVAL, false }, { "tru", -EINVAL, false }, { "enabled", -EINVAL, false },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool v = !cases[i].v;
        int rc = cmdline_parse_bool(cases[i].s, strlen(cases[i].s), &v);

        CHECK_EQ(rc, cases[i].rc);
        if (!rc)
            CHECK_EQ(v, cases[i].v);
    }
    {
        bool v;

        CHECK_EQ(cmdline_parse_bool("onx", 2, &v), 0);  /* length-bounded */
        CHECK_EQ(v, true);
    }
}

/* ---- boot options ---- */

struct warns {
    int n;
    char msg[16][200];
};

static void record_warn(const char *msg, void *ctx)
{
    struct warns *w = ctx;

    if (w->n < 16)
        snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
    w->n++;
}

static bool opts_equal(const struct boot_options *a, const struct boot_options *b)
{
    return a->console_enabled == b->console_enabled && a->com_port == b->com_port &&
           a->com_baud == b->com_baud && a->loglvl == b->loglvl && a->maxcpus == b->maxcpus &&
           a->selftest == b->selftest && a->emu_exit == b->emu_exit && a->x2apic == b->x2apic &&
           a->mem_limit == b->mem_limit && a->hvm_fep == b->hvm_fep && a->vmstate_check == b->vmstate_check;
}

static void test_defaults(void)
{
    struct boot_options o;

    memset(&o, 0xa5, sizeof(o));
    bootopts_defaults(&o);
    CHECK(o.console_enabled);
    CHECK_EQ(o.com_port, 1);
    CHECK_EQ(o.com_baud, 115200);
    CHECK_EQ(o.loglvl, LOG_INFO);
    CHECK_EQ(o.maxcpus, 256);
    CHECK(!o.selftest);
    CHECK(!o.emu_exit);
    CHECK(o.x2apic);
    CHECK(o.hap);
    CHECK_EQ(o.mem_limit, 0);
    CHECK(!o.hvm_fep);
    CHECK(!o.sched_wake_tickle);     /* experimental: off unless asked for */
    CHECK(!o.vmstate_check);    /* the unit tests are not built with RV_VMSTATE_CHECK_DEFAULT */
    CHECK_EQ(o.compat_m2p_frames, 0);
    CHECK_EQ(o.shadow_prefetch, BOOTOPTS_SHADOW_PREFETCH);
    CHECK_EQ(o.shadow_cache, BOOTOPTS_SHADOW_CACHE);
}

/* shadow_prefetch=N: 0 or 1 off, a power of two up to 64, else kept;
 * shadow_cache=K: 0..8 (0 means 1), else kept. */
static void test_shadow_opts(void)
{
    static const struct { const char *line; unsigned want; int warns; bool cache; } cases[] = {
        { "shadow_prefetch=0", 0, 0, false },   { "shadow_prefetch=1", 0, 0, false },
        { "shadow_prefetch=2", 2, 0, false },   { "shadow_prefetch=32", 32, 0, false },
        { "shadow_prefetch=64", 64, 0, false },
        { "shadow_prefetch=128", BOOTOPTS_SHADOW_PREFETCH, 1, false },
        { "shadow_prefetch=24", BOOTOPTS_SHADOW_PREFETCH, 1, false },
        { "shadow_prefetch=x", BOOTOPTS_SHADOW_PREFETCH, 1, false },
        { "shadow_prefetch", BOOTOPTS_SHADOW_PREFETCH, 1, false },
        { "shadow_cache=0", 1, 0, true },       { "shadow_cache=1", 1, 0, true },
        { "shadow_cache=3", 3, 0, true },       { "shadow_cache=8", 8, 0, true },
        { "shadow_cache=9", BOOTOPTS_SHADOW_CACHE, 1, true },
        { "shadow_cache=-1", BOOTOPTS_SHADOW_CACHE, 1, true },
        { "shadow_cache", BOOTOPTS_SHADOW_CACHE, 1, true },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct boot_options o;
        bootopts_defaults(&o);
        CHECK_EQ(bootopts_parse(cases[i].line, &o, NULL, NULL), cases[i].warns);
        CHECK_EQ(cases[i].cache ? o.shadow_cache : o.shadow_prefetch, cases[i].want);
    }
}

static void test_good_options(void)
{
    struct boot_options o;
    struct warns w = { 0 };

    bootopts_defaults(&o);
    CHECK_EQ(bootopts_parse("/boot/ringvisor.elf console=com2,9600 loglvl=debug maxcpus=4 selftest "
                            "emu_exit=yes x2apic=0 mem=512M hap=0", &o, record_warn, &w), 0);
    CHECK_EQ(w.n, 0);
    CHECK(!o.hap);
    CHECK(o.console_enabled);
    CHECK_EQ(o.com_port, 2);
    CHECK_EQ(o.com_baud, 9600);
    CHECK_EQ(o.loglvl, LOG_DEBUG);
    CHECK_EQ(o.maxcpus, 4);
    CHECK(o.selftest);
    CHECK(o.emu_exit);
    CHECK(!o.x2apic);
    CHECK_EQ(o.mem_limit, 512ull << 20);

    /* Later items override earlier ones; numeric loglvl; console=none; bare x2apic. */
    CHECK_EQ(bootopts_parse("loglvl=0 loglvl=warn console=none maxcpus=256 maxcpus=0x10 selftest=off "
                            "x2apic mem=64M mem=0x100000000", &o, record_warn, &w), 0);
    CHECK_EQ(o.loglvl, LOG_WARN);
    CHECK(!o.console_enabled);
    CHECK_EQ(o.maxcpus, 16);
    CHECK(!o.selftest);
    CHECK(o.x2apic);
    CHECK(!o.hap);      /* hap=0 of the first line is not undone by a later line without it */
    CHECK_EQ(o.mem_limit, 4ull << 30);

    /* sched_wake_tickle: on by value, off again (docs/boot.md). */
    CHECK_EQ(bootopts_parse("sched_wake_tickle=1", &o, record_warn, &w), 0);
    CHECK(o.sched_wake_tickle);
    CHECK_EQ(bootopts_parse("sched_wake_tickle=0", &o, record_warn, &w), 0);
    CHECK(!o.sched_wake_tickle);

    /* hvm_fep: bare, then turned off again, then on by value. */
    CHECK_EQ(bootopts_parse("hvm_fep", &o, record_warn, &w), 0);
    CHECK(o.hvm_fep);
    CHECK_EQ(bootopts_parse("hvm_fep=0", &o, record_warn, &w), 0);
    CHECK(!o.hvm_fep);
    CHECK_EQ(bootopts_parse("hvm_fep=on", &o, record_warn, &w), 0);
    CHECK(o.hvm_fep);
    CHECK_EQ(bootopts_parse("hvm_fep=maybe", &o, record_warn, &w), 1);
    CHECK(o.hvm_fep);
    CHECK_EQ(bootopts_parse("hvm_fepx", &o, record_warn, &w), 1);
    o.hvm_fep = false;
    /* vmstate_check: the same flag rules. */
    CHECK_EQ(bootopts_parse("vmstate_check", &o, record_warn, &w), 0);
    CHECK(o.vmstate_check);
    CHECK_EQ(bootopts_parse("vmstate_check=0", &o, record_warn, &w), 0);
    CHECK(!o.vmstate_check);
    CHECK_EQ(bootopts_parse("vmstate_check=yes", &o, record_warn, &w), 0);
    CHECK(o.vmstate_check);
    CHECK_EQ(bootopts_parse("vmstate_check=sometimes", &o, record_warn, &w), 1);
    CHECK(o.vmstate_check);
    o.vmstate_check = false;
    /* compat_m2p_frames: a count of at least 4096, or 0; others warned and kept. */
    CHECK_EQ(bootopts_parse("compat_m2p_frames=65536", &o, record_warn, &w), 0);
    CHECK_EQ(o.compat_m2p_frames, 65536);
    CHECK_EQ(bootopts_parse("compat_m2p_frames=100", &o, record_warn, &w), 1);
    CHECK_EQ(bootopts_parse("compat_m2p_frames=lots", &o, record_warn, &w), 1);
    CHECK_EQ(bootopts_parse("compat_m2p_frames", &o, record_warn, &w), 1);
    CHECK_EQ(o.compat_m2p_frames, 65536);
    CHECK_EQ(bootopts_parse("compat_m2p_frames=0", &o, record_warn, &w), 0);
    CHECK_EQ(o.compat_m2p_frames, 0);

    CHECK_EQ(bootopts_parse("console=com4 console=com1,115200 loglvl=3", &o, NULL, NULL), 0);
    CHECK(o.console_enabled);
    CHECK_EQ(o.com_port, 1);
    CHECK_EQ(o.com_baud, 115200);
    CHECK_EQ(o.loglvl, 3);
    CHECK_EQ(bootopts_parse("console=com3,1200", &o, NULL, NULL), 0);
    CHECK_EQ(o.com_baud, 1200);
    CHECK_EQ(bootopts_parse(NULL, &o, NULL, NULL), 0);
    CHECK_EQ(bootopts_parse("", &o, NULL, NULL), 0);
}

/*
 * Each bad item: exactly one warning, containing the given text, and the
 * options exactly as before.
 */
static void test_warnings(void)
{
    static const struct { const char *line; const char *msg; } cases[] = {
        { "foo", "cmdline: unknown option 'foo' ignored" },
        { "foo=bar", "cmdline: unknown option 'foo' ignored" },
        { "maxcpus=abc", "cmdline: maxcpus=abc: not a number, keeping 256" },
        { "maxcpus=0", "cmdline: maxcpus=0: out of range 1..256, keeping 256" },
        { "maxcpus=257", "cmdline: maxcpus=257: out of range 1..256, keeping 256" },
        { "maxcpus=99999999999999999999", "maxcpus=99999999999999999999: out of range" },
        { "maxcpus", "cmdline: maxcpus needs a value, keeping 256" },
        { "maxcpus=", "cmdline: maxcpus needs a value" },
        { "loglvl=loud", "cmdline: loglvl=loud: expected err, warn, info or debug, keeping info" },
        { "loglvl=4", "cmdline: loglvl=4: expected" },
        { "loglvl", "cmdline: loglvl needs a value" },
        { "console", "cmdline: console needs a value (comN[,baud] or none), keeping com1,115200" },
        { "console=vga", "cmdline: console=vga: expected comN[,baud] or none, keeping com1,115200" },
        { "console=com", "cmdline: console=com: expected comN[,baud] or none" },
        { "console=com0", "cmdline: console=com0: port must be com1..com4, keeping com1,115200" },
        { "console=com5", "cmdline: console=com5: port must be com1..com4" },
        { "console=comx", "cmdline: console=comx: port must be com1..com4" },
        { "selftest=maybe", "cmdline: selftest=maybe: expected 1/0, yes/no, on/off, true/false or enable/disable, keeping 0" },
        { "emu_exit=2", "cmdline: emu_exit=2: expected" },
        { "x2apic=", "cmdline: x2apic=: expected" },
        { "x2apic=nope", "keeping 1" },
        { "mem", "cmdline: mem needs a value (e.g. mem=512M), keeping no limit" },
        { "mem=lots", "cmdline: mem=lots: not a size (e.g. 512M), keeping no limit" },
        { "mem=32M", "cmdline: mem=32M: below the 64M minimum, keeping no limit" },
        { "mem=0", "cmdline: mem=0: below the 64M minimum" },
        { "mem=67108863", "below the 64M minimum" },
        { "mem=99999999T", "cmdline: mem=99999999T: too large, keeping no limit" },
        { "=5", "cmdline: malformed item '=5' ignored" },
        { "maxcpus=\"3", "cmdline: unterminated quote, rest of the command line ignored" },
        { "a/b=1", "cmdline: unknown option 'a/b' ignored" },   /* only a bare first item is a path */
        /* long names are cut to 40 characters in messages */
        { "averyveryveryveryveryveryveryverylongoptionname",
          "cmdline: unknown option 'averyveryveryveryveryveryveryverylongopt' ignored" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct boot_options o, before;
        struct warns w = { 0 };
        int n;

        bootopts_defaults(&o);
        before = o;
        n = bootopts_parse(cases[i].line, &o, record_warn, &w);
        CHECK_EQ(n, 1);
        CHECK_EQ(w.n, 1);
        CHECK_CONTAINS(w.msg[0], cases[i].msg);
        CHECK(opts_equal(&o, &before));
        if (n != 1 || !opts_equal(&o, &before))
            fprintf(stderr, "  (case \"%s\")\n", cases[i].line);
    }
}

static void test_partial_console(void)
{
    struct boot_options o;
    struct warns w = { 0 };

    /* A good port with a bad baud rate: the port is taken, the rate is kept. */
    static const char *const bad_bauds[] = { "console=com2,9601", "console=com2,1100", "console=com2,230400",
                                             "console=com2,", "console=com2,fast", "console=com2,0" };
    unsigned i;

    for (i = 0; i < sizeof(bad_bauds) / sizeof(bad_bauds[0]); i++) {
        bootopts_defaults(&o);
        w.n = 0;
        CHECK_EQ(bootopts_parse(bad_bauds[i], &o, record_warn, &w), 1);
        CHECK_EQ(o.com_port, 2);
        CHECK_EQ(o.com_baud, 115200);
        CHECK_CONTAINS(w.msg[0], "baud rate must divide 115200 (1200..115200), keeping 115200");
    }
    /* After console=none, a bad console value keeps "none". */
    bootopts_defaults(&o);
    w.n = 0;
    CHECK_EQ(bootopts_parse("console=none console=lpt1", &o, record_warn, &w), 1);
    CHECK(!o.console_enabled);
    CHECK_CONTAINS(w.msg[0], "keeping none");
}

static void test_multiple_warnings(void)
{
    struct boot_options o;
    struct warns w = { 0 };

    bootopts_defaults(&o);
    /* The image path is skipped only as the first item; good options still apply. */
    CHECK_EQ(bootopts_parse("(hd0)/boot/rv.gz foo maxcpus=x loglvl=err /other bar=\"1 2\" mem=1G",
                            &o, record_warn, &w), 4);
    CHECK_EQ(w.n, 4);
    CHECK_CONTAINS(w.msg[0], "'foo'");
    CHECK_CONTAINS(w.msg[1], "maxcpus=x");
    CHECK_CONTAINS(w.msg[2], "'/other'");
    CHECK_CONTAINS(w.msg[3], "'bar'");
    CHECK_EQ(o.loglvl, LOG_ERR);
    CHECK_EQ(o.mem_limit, 1ull << 30);
    CHECK_EQ(o.maxcpus, 256);
    /* Warnings are counted without a callback, too. */
    CHECK_EQ(bootopts_parse("a b c=1", &o, NULL, NULL), 3);
    /* Items before an unterminated quote are applied. */
    bootopts_defaults(&o);
    w.n = 0;
    CHECK_EQ(bootopts_parse("maxcpus=2 mem=\"128M x2apic=0", &o, record_warn, &w), 1);
    CHECK_EQ(o.maxcpus, 2);
    CHECK_EQ(o.mem_limit, 0);
    CHECK(o.x2apic);
}

int main(void)
{
    RUN(test_parse_items);
    RUN(test_parse_stop);
    RUN(test_uint);
    RUN(test_size);
    RUN(test_bool);
    RUN(test_defaults);
    RUN(test_shadow_opts);
    RUN(test_good_options);
    RUN(test_warnings);
    RUN(test_partial_console);
    RUN(test_multiple_warnings);
    return t_finish("test_cmdline");
}
