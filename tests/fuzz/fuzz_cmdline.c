/* libFuzzer harness: the input is a command line (NUL appended), and the raw
 * bytes for the length-bounded value parsers. */
#include "boot/bootopts.h"
#include "boot/cmdline.h"
#include "fuzz_check.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
    const char *s;
    size_t len;
};

static int item(const char *name, size_t nlen, const char *val, size_t vlen, void *ctx)
{
    const struct span *sp = ctx;

    FUZZ_ASSERT(name >= sp->s && nlen <= sp->len - (size_t)(name - sp->s));
    FUZZ_ASSERT(!memchr(name, 0, nlen) && !memchr(name, ' ', nlen) && !memchr(name, '=', nlen));
    if (val) {
        FUZZ_ASSERT(val >= sp->s && vlen <= sp->len - (size_t)(val - sp->s));
        FUZZ_ASSERT(!memchr(val, 0, vlen));
    }
    return 0;
}

static void warn(const char *msg, void *ctx)
{
    unsigned *n = ctx;

    FUZZ_ASSERT(strncmp(msg, "cmdline: ", 9) == 0);
    FUZZ_ASSERT(strlen(msg) < 192);
    (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct span sp = { s, size };
    struct boot_options o;
    unsigned nwarn = 0;
    uint64_t v;
    bool b;
    int rc;

    memcpy(s, data, size);
    s[size] = '\0';
    rc = cmdline_parse(s, item, &sp);
    FUZZ_ASSERT(rc >= 0 || rc == -EINVAL);

    bootopts_defaults(&o);
    rc = bootopts_parse(s, &o, warn, &nwarn);
    FUZZ_ASSERT(rc == (int)nwarn);
    FUZZ_ASSERT(o.com_port >= 1 && o.com_port <= 4);
    FUZZ_ASSERT(o.com_baud >= 1200 && o.com_baud <= 115200 && 115200 % o.com_baud == 0);
    FUZZ_ASSERT(o.loglvl >= LOG_ERR && o.loglvl <= LOG_DEBUG);
    FUZZ_ASSERT(o.maxcpus >= 1 && o.maxcpus <= 256);
    FUZZ_ASSERT(o.mem_limit == 0 || o.mem_limit >= (64ull << 20));

    /* The value parsers read exactly 'size' bytes of an unterminated buffer. */
    rc = cmdline_parse_uint((const char *)data, size, &v);
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
    rc = cmdline_parse_size((const char *)data, size, &v);
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
    rc = cmdline_parse_bool((const char *)data, size, &b);
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
    free(s);
    return 0;
}
