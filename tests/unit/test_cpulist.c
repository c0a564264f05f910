/*
 * rv's CPU lists (tools/rv/cpulist.c), as rv vcpu-pin reads them and
 * rv vcpu-list prints them: xl's syntax, and every malformed list refused.
 */
#include "test.h"
#include "cpulist.h"

static uint64_t parse_ok(const char *s)
{
    uint64_t m = 0xdead;
    char err[160] = "";
    int rc = cpulist_parse(s, &m, err, sizeof(err));
    if (rc)
        fprintf(stderr, "unexpected refusal of '%s': %s\n", s, err);
    CHECK_EQ(rc, 0);
    return m;
}

static void refused(const char *s, const char *why)
{
    uint64_t m = 0x1234;
    char err[160] = "";
    CHECK_EQ(cpulist_parse(s, &m, err, sizeof(err)), -1);
    CHECK_EQ(m, 0x1234);        /* untouched on refusal */
    CHECK_CONTAINS(err, why);
}

static void test_parse(void)
{
    CHECK_EQ(parse_ok("0"), 1);
    CHECK_EQ(parse_ok("1"), 2);
    CHECK_EQ(parse_ok("63"), 1ull << 63);
    CHECK_EQ(parse_ok("0-3"), 0xf);
    CHECK_EQ(parse_ok("0,2,5-7"), 0xe5);
    CHECK_EQ(parse_ok("all"), ~0ull);
    CHECK_EQ(parse_ok("all,^0"), ~1ull);
    CHECK_EQ(parse_ok("^1"), ~2ull);                /* only exclusions: from every CPU */
    CHECK_EQ(parse_ok("0-3,^1-2"), 0x9);
    CHECK_EQ(parse_ok("0-63"), ~0ull);
    CHECK_EQ(parse_ok("3,3,3"), 8);
}

static void test_refusals(void)
{
    refused("", "empty");
    refused("64", "at most 64");
    refused("0-64", "at most 64");
    refused("3-1", "backwards");
    refused("a", "expected a CPU number");
    refused("1,", "single commas");
    refused("1,,2", "expected a CPU number");
    refused("1-", "after '-'");
    refused("-1", "expected a CPU number");
    refused("0,^0", "names no CPU");
    refused("all,^all", "names no CPU");
    refused("99999999999", "expected a CPU number");
    refused("alll", "expected a CPU number");
    refused("1 2", "single commas");
}

static void test_format(void)
{
    char b[64];
    cpulist_format(0x3, 2, b, sizeof(b));
    CHECK_STR(b, "all");
    cpulist_format(~0ull, 4, b, sizeof(b));
    CHECK_STR(b, "all");
    cpulist_format(0x2, 2, b, sizeof(b));
    CHECK_STR(b, "1");
    cpulist_format(0xe5, 8, b, sizeof(b));
    CHECK_STR(b, "0,2,5-7");
    cpulist_format(1ull << 63, 64, b, sizeof(b));
    CHECK_STR(b, "63");
    cpulist_format(0, 4, b, sizeof(b));
    CHECK_STR(b, "none");
    char tiny[4];
    cpulist_format(0x55, 8, tiny, sizeof(tiny));        /* "0,2,4,6" does not fit: a prefix, terminated */
    CHECK(strlen(tiny) < sizeof(tiny));
    /* Round trip for every mask of 8 CPUs. */
    for (uint64_t m = 1; m < 256; m++) {
        cpulist_format(m, 16, b, sizeof(b));
        CHECK_EQ(parse_ok(b), m);
    }
}

int main(void)
{
    RUN(test_parse);
    RUN(test_refusals);
    RUN(test_format);
    return t_finish("unit_cpulist");
}
