/*
 * The split-driver device keys of the domain configuration parser:
 * disk = [ 'DISKSPEC', ... ] as xl-disk-configuration(5) defines it and
 * vif = [ 'VIFSPEC', ... ] as xl-network-configuration(5) does, with vdevs
 * numbered as xen-vbd-interface(7) says.  Every spec is decoded into a
 * bounded buffer on the stack and every field copied into struct domcfg is
 * length- and character-checked: the file is untrusted text.  What dom0's
 * backends cannot serve (qcow2, qdisk, COLO, ...) is refused here by name,
 * so that a file is either fully understood or rejected.
 */
#include <stdarg.h>

#include "core/domcfg.h"
#include "core/domcfg_lex.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define DC_SPEC_MAX 512     /* a decoded DISKSPEC/VIFSPEC, with its NUL */

/* The spec being parsed, for messages: "disk = '<spec>': disk N: ...". */
struct dc_spec {
    struct domcfg_parser *ps;
    const struct domcfg_value *item;
    unsigned line;          /* the item's own line (a list may span lines) */
    const char *what;       /* "disk" or "vif" */
    unsigned idx;
};

static int spec_fail(struct dc_spec *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int spec_fail(struct dc_spec *sp, const char *fmt, ...)
{
    char reason[160];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    return domcfg_fail(sp->ps, sp->line, sp->item, "%s %u: %s", sp->what, sp->idx, reason);
}

/* The line an item of the current statement's list starts on. */
static unsigned item_line(const struct domcfg_parser *ps, const struct domcfg_value *item)
{
    unsigned line = ps->keyline;

    for (const char *c = ps->key; c < item->raw; c++)
        line += *c == '\n';
    return line;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Decimal digits at *s, no leading zero unless it is "0"; false if none or
 * above max. */
static bool dec_num(const char **s, uint64_t max, uint64_t *val)
{
    const char *p = *s;
    uint64_t v = 0;

    if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1])))
        return false;
    for (; is_digit(*p); p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return false;
    }
    *s = p;
    *val = v;
    return true;
}

/* Bijective base 26: a=0 .. z=25, aa=26 .. zz=701, aaa=702 ...  False past max. */
static bool disk_letters(const char **s, uint64_t max, uint64_t *val)
{
    const char *p = *s;
    uint64_t v = 0;

    if (!is_lower(*p))
        return false;
    for (; is_lower(*p); p++) {
        v = v * 26 + (uint64_t)(*p - 'a' + 1);
        if (v - 1 > max)
            return false;
    }
    *s = p;
    *val = v - 1;
    return true;
}

/* The device number written directly: decimal, 0x hex or 0 octal. */
static const char *vdev_number(const char *s, uint32_t *num)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        s++;
    }
    if (!*s)
        return "not a number";
    for (; *s; s++) {
        unsigned d;

        if (is_digit(*s))
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            d = 99;
        if (d >= base)
            return "not a number";
        v = v * base + d;
        if (v >= DOMCFG_VBD_RESERVED)
            return "device numbers from 2<<28 on are reserved";
    }
    if (!v)
        return "device number 0 is not a disk";
    *num = (uint32_t)v;
    return NULL;
}

const char *domcfg_vdev_decode(const char *name, uint32_t *num)
{
    const char *s = name;
    uint64_t disk, part = 0;

    if (is_digit(*s))
        return vdev_number(s, num);
    if (s[0] == 'd' && is_digit(s[1])) {
        /* d<disk>[p<partition>]: a Xen virtual disk */
        s++;
        if (!dec_num(&s, (1u << 20) - 1, &disk))
            return "disk number above 1048575 or with a leading zero";
        if (*s == 'p') {
            s++;
            if (!dec_num(&s, 255, &part))
                return "partition number above 255 or with a leading zero";
        }
        if (*s)
            return "expected d<disk> or d<disk>p<partition>";
        goto xvd;
    }
    if (!strncmp(s, "xvd", 3)) {
        s += 3;
        if (!disk_letters(&s, (1u << 20) - 1, &disk))
            return "expected disk letters after xvd (xvda..xvdz, xvdaa...), at most disk 1048575";
        if (*s && !dec_num(&s, 255, &part))
            return "partition number above 255 or with a leading zero";
        if (*s)
            return "expected letters then a partition number";
        goto xvd;
    }
    if (!strncmp(s, "hd", 2)) {
        s += 2;
        if (!disk_letters(&s, 3, &disk))
            return "IDE disks are hda..hdd";
        if (*s && !dec_num(&s, 63, &part))
            return "IDE partition number above 63 or with a leading zero";
        if (*s)
            return "expected hd<letter><partition>";
        *num = (uint32_t)(disk < 2 ? (3u << 8 | disk << 6 | part) : (22u << 8 | (disk - 2) << 6 | part));
        return NULL;
    }
    if (!strncmp(s, "sd", 2)) {
        s += 2;
        if (!disk_letters(&s, 15, &disk))
            return "SCSI disks are sda..sdp";
        if (*s && !dec_num(&s, 15, &part))
            return "SCSI partition number above 15 or with a leading zero";
        if (*s)
            return "expected sd<letter><partition>";
        *num = (uint32_t)(8u << 8 | disk << 4 | part);
        return NULL;
    }
    return "expected xvd<letters>[N], d<disk>[p<N>], hd<letter>[N], sd<letter>[N] or a device number";
xvd:
    /* The 202 (xvd) major while disk and partition fit in 4 bits each, else the 28-bit form. */
    if (disk < 16 && part < 16)
        *num = (uint32_t)(202u << 8 | disk << 4 | part);
    else
        *num = (uint32_t)(1u << 28 | disk << 8 | part);
    return NULL;
}

/* A backend domain: a domain name (as name=) or a domain id. */
static bool valid_domain(const char *s)
{
    if (!*s || strlen(s) >= DOMCFG_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!(is_lower(*s) || (*s >= 'A' && *s <= 'Z') || is_digit(*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* A network interface name, as Linux accepts one: 1-15 bytes, not "." or
 * "..", no '/', ':' or white space. */
static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);

    if (!n || n >= DOMCFG_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

/* A script name: printable, no spaces (it is run, not parsed by a shell). */
static bool valid_script(const char *s)
{
    if (!*s || strlen(s) >= DOMCFG_SCRIPT_MAX)
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s == 0x7f)
            return false;
    return true;
}

static void skip_blanks(char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
}

/* Decodes a list item into buf; a spec is a string (or a bare number). */
static int spec_decode(struct dc_spec *sp, char *buf)
{
    if (sp->item->kind == DOMCFG_VAL_LIST)
        return spec_fail(sp, "expected a '...' string, not a list");
    if (domcfg_decode(sp->item, buf, DC_SPEC_MAX))
        return spec_fail(sp, "longer than %u characters", DC_SPEC_MAX - 1);
    return 0;   /* the lexer refuses \x00: buf has no NUL before its end */
}

/* ---- disk ---- */

enum {
    DK_TARGET = 1u << 0, DK_FORMAT = 1u << 1, DK_VDEV = 1u << 2, DK_ACCESS = 1u << 3,   /* positional order */
    DK_DEVTYPE = 1u << 4, DK_BACKEND = 1u << 5, DK_BTYPE = 1u << 6, DK_SCRIPT = 1u << 7,
    DK_DISCARD = 1u << 8, DK_DIO = 1u << 9,
};

struct dk_state {
    struct dc_spec sp;
    struct domcfg_disk *d;
    unsigned given;         /* DK_*: "each parameter may be specified at most once" */
    const char *vdev;       /* points into the spec buffer */
    const char *access;
};

static const char *const dk_formats[] = { "raw", "qcow", "qcow2", "vhd", "qed" };

static int dk_once(struct dk_state *st, unsigned bit, const char *name)
{
    if (st->given & bit)
        return spec_fail(&st->sp, "%s is given twice", name);
    st->given |= bit;
    return 0;
}

static int dk_format(struct dk_state *st, const char *val)
{
    int rc = dk_once(st, DK_FORMAT, "format");

    if (rc || !*val || !strcmp(val, "raw"))
        return rc;
    for (unsigned i = 1; i < sizeof(dk_formats) / sizeof(dk_formats[0]); i++)
        if (!strcmp(val, dk_formats[i]))
            return spec_fail(&st->sp, "format %s is not supported (only raw: dom0's blkback serves raw images)",
                             val);
    return spec_fail(&st->sp, "format '%.24s': expected raw (or qcow, qcow2, vhd, qed: not supported)", val);
}

static int dk_target(struct dk_state *st, const char *val, bool named)
{
    /* A named target may follow an empty positional one (the man page). */
    if (named && (st->given & DK_TARGET) && !st->d->target[0])
        st->given &= ~DK_TARGET;
    int rc = dk_once(st, DK_TARGET, "target");

    if (rc)
        return rc;
    if (strlen(val) >= DOMCFG_PATH_MAX)
        return spec_fail(&st->sp, "target longer than %u characters", DOMCFG_PATH_MAX - 1);
    memcpy(st->d->target, val, strlen(val) + 1);
    return 0;
}

static int dk_script(struct dk_state *st, const char *val, size_t len)
{
    int rc = dk_once(st, DK_SCRIPT, "script");

    if (rc || !len)
        return rc;
    if (len >= DOMCFG_SCRIPT_MAX)
        return spec_fail(&st->sp, "script longer than %u characters", DOMCFG_SCRIPT_MAX - 1);
    memcpy(st->d->script, val, len);
    st->d->script[len] = '\0';
    if (!valid_script(st->d->script))
        return spec_fail(&st->sp, "script '%.24s': white space or control characters", st->d->script);
    return 0;
}

/* A positional target may carry the deprecated prefixes: "phy:", "file:",
 * "tap:aio:", ... (ignored), "raw:"/"qcow2:"/"vhd:" (a format) and
 * "iscsi:"/"nbd:"/"enbd:"/"drbd:" (script block-NAME).  Strips them all. */
static int dk_prefixes(struct dk_state *st, const char **val)
{
    static const char *const ignored[] = { "tapdisk", "tap2", "tap", "aio", "ioemu", "file", "phy" };
    static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd" };
    static const char *const scripts[] = { "iscsi", "nbd", "enbd", "drbd" };

    for (;;) {
        const char *colon = strchr(*val, ':');
        size_t n = colon ? (size_t)(colon - *val) : 0;
        bool found = false;
        unsigned i;
        int rc = 0;

        if (!colon)
            return 0;
        for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]) && !found; i++)
            found = strlen(ignored[i]) == n && !strncmp(*val, ignored[i], n);
        for (i = 0; i < sizeof(formats) / sizeof(formats[0]) && !found; i++)
            if (strlen(formats[i]) == n && !strncmp(*val, formats[i], n)) {
                char f[8];

                memcpy(f, *val, n);
                f[n] = '\0';
                rc = dk_format(st, f);
                found = true;
            }
        for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]) && !found; i++)
            if (strlen(scripts[i]) == n && !strncmp(*val, scripts[i], n)) {
                char s[16] = "block-";

                memcpy(s + 6, *val, n + 1);
                s[6 + n] = '\0';
                rc = dk_script(st, s, 6 + n);
                found = true;
            }
        if (rc)
            return rc;
        if (!found)
            return 0;
        *val = colon + 1;
    }
}

/* The vdev, with the deprecated ":cdrom" suffix; checked in dk_finish. */
static int dk_vdev(struct dk_state *st, char *val)
{
    int rc = dk_once(st, DK_VDEV, "vdev");
    size_t n = strlen(val);

    if (rc)
        return rc;
    if (n > 6 && !strcmp(val + n - 6, ":cdrom")) {
        val[n - 6] = '\0';
        if ((rc = dk_once(st, DK_DEVTYPE, "devtype")))
            return rc;
        st->d->cdrom = true;
    }
    st->vdev = val;
    return 0;
}

static int dk_access(struct dk_state *st, const char *val)
{
    int rc = dk_once(st, DK_ACCESS, "access");

    st->access = val;
    return rc;
}

static bool looks_like_vdev(const char *val)
{
    char buf[DOMCFG_VDEV_MAX + 8];
    size_t n = strlen(val);
    uint32_t num;

    if (n >= sizeof(buf))
        return false;
    memcpy(buf, val, n + 1);
    if (n > 6 && !strcmp(buf + n - 6, ":cdrom"))
        buf[n - 6] = '\0';
    return !domcfg_vdev_decode(buf, &num);
}

/* A parameter without '=' and not a flag: the first of target, format,
 * vdev, access not yet given.  In the deprecated syntax
 * "[<format>:]<target>,<vdev>[:cdrom],<access>" the second positional is a
 * vdev, not a format: a vdev can never be a format name, so it is told apart
 * by its value. */
static int dk_positional(struct dk_state *st, char *val)
{
    if (!(st->given & DK_TARGET)) {
        const char *t = val;
        int rc = dk_prefixes(st, &t);

        return rc ? rc : dk_target(st, t, false);
    }
    if (!(st->given & DK_FORMAT)) {
        bool format = !*val;

        for (unsigned i = 0; i < sizeof(dk_formats) / sizeof(dk_formats[0]); i++)
            format |= !strcmp(val, dk_formats[i]);
        if (format || (st->given & DK_VDEV) || !looks_like_vdev(val))
            return dk_format(st, val);
        st->given |= DK_FORMAT;     /* the deprecated syntax: no format here */
        return dk_vdev(st, val);
    }
    if (!(st->given & DK_VDEV))
        return dk_vdev(st, val);
    if (!(st->given & DK_ACCESS))
        return dk_access(st, val);
    return spec_fail(&st->sp, "'%.24s': too many positional parameters (target, format, vdev, access)", val);
}

static int dk_flag(struct dk_state *st, const char *tok, bool *handled)
{
    *handled = true;
    if (!strcmp(tok, "cdrom")) {
        int rc = dk_once(st, DK_DEVTYPE, "devtype");

        st->d->cdrom = true;
        return rc;
    }
    if (!strcmp(tok, "direct-io-safe")) {
        st->d->direct_io_safe = true;
        return dk_once(st, DK_DIO, "direct-io-safe");
    }
    if (!strcmp(tok, "discard") || !strcmp(tok, "no-discard")) {
        st->d->discard = tok[0] == 'd';
        return dk_once(st, DK_DISCARD, "discard/no-discard");
    }
    if (!strcmp(tok, "colo"))
        return spec_fail(&st->sp, "COLO replication is not supported");
    *handled = false;
    return 0;
}

static int dk_keyval(struct dk_state *st, char *tok, char *eq)
{
    const char *val = eq + 1;
    size_t klen = (size_t)(eq - tok);
    int rc;

#define IS(k) (klen == sizeof(k) - 1 && !strncmp(tok, k, klen))
    if (IS("format"))
        return dk_format(st, val);
    if (IS("vdev"))
        return dk_vdev(st, eq + 1);
    if (IS("access"))
        return dk_access(st, val);
    if (IS("devtype")) {
        if ((rc = dk_once(st, DK_DEVTYPE, "devtype")))
            return rc;
        if (*val && strcmp(val, "cdrom"))
            return spec_fail(&st->sp, "devtype '%.24s': expected cdrom", val);
        st->d->cdrom = *val != '\0';
        return 0;
    }
    if (IS("backend")) {
        if ((rc = dk_once(st, DK_BACKEND, "backend")))
            return rc;
        if (*val && !valid_domain(val))
            return spec_fail(&st->sp, "backend '%.24s': expected a domain name or id", val);
        memcpy(st->d->backend, val, strlen(val) + 1);
        return 0;
    }
    if (IS("backendtype")) {
        if ((rc = dk_once(st, DK_BTYPE, "backendtype")))
            return rc;
        if (!*val || !strcmp(val, "phy"))
            return 0;
        if (!strcmp(val, "qdisk") || !strcmp(val, "tap") || !strcmp(val, "standalone"))
            return spec_fail(&st->sp, "backendtype %s is not supported (only phy: dom0's blkback)", val);
        return spec_fail(&st->sp, "backendtype '%.24s': expected phy (or qdisk, tap: not supported)", val);
    }
    if (IS("script"))
        return dk_script(st, val, strlen(val));
    if (IS("colo-host") || IS("colo-port") || IS("colo-export") || IS("active-disk") || IS("hidden-disk"))
        return spec_fail(&st->sp, "COLO replication (%.*s) is not supported", (int)klen, tok);
#undef IS
    return spec_fail(&st->sp, "unknown parameter '%.*s'", (int)(klen < 24 ? klen : 24), tok);
}

static int dk_finish(struct dk_state *st)
{
    struct domcfg *o = st->sp.ps->out;
    struct domcfg_disk *d = st->d;
    const char *why;

    if (!st->vdev || !*st->vdev)
        return spec_fail(&st->sp, "no vdev (the guest's name for the disk, e.g. xvda)");
    if (strlen(st->vdev) >= DOMCFG_VDEV_MAX)
        return spec_fail(&st->sp, "vdev '%.24s': longer than %u characters", st->vdev, DOMCFG_VDEV_MAX - 1);
    if ((why = domcfg_vdev_decode(st->vdev, &d->vdev)))
        return spec_fail(&st->sp, "vdev '%s': %s", st->vdev, why);
    memcpy(d->vdev_name, st->vdev, strlen(st->vdev) + 1);
    if (!st->access || !*st->access)
        d->readonly = d->cdrom;
    else if (!strcmp(st->access, "r") || !strcmp(st->access, "ro"))
        d->readonly = true;
    else if (!strcmp(st->access, "w") || !strcmp(st->access, "rw"))
        d->readonly = false;
    else
        return spec_fail(&st->sp, "access '%.24s': expected r, ro, w or rw", st->access);
    if (!d->target[0] && !d->cdrom)
        return spec_fail(&st->sp, "no target (only a cdrom drive may be empty)");
    for (unsigned i = 0; i < st->sp.idx; i++)
        if (o->disks[i].vdev == d->vdev)
            return spec_fail(&st->sp, "vdev %s is the same device as disk %u's %s", d->vdev_name, i,
                             o->disks[i].vdev_name);
    return 0;
}

static int dk_one(struct domcfg_parser *ps, const struct domcfg_value *list, const struct domcfg_value *item)
{
    struct dk_state st = { { ps, item, item_line(ps, item), "disk", ps->out->nr_disks }, NULL, 0, NULL, NULL };
    char buf[DC_SPEC_MAX];
    char *s = buf;
    int rc;

    (void)list;
    if (ps->out->nr_disks >= DOMCFG_MAX_DISKS)
        return spec_fail(&st.sp, "too many disks (at most %u)", DOMCFG_MAX_DISKS);
    if ((rc = spec_decode(&st.sp, buf)))
        return rc;
    st.d = &ps->out->disks[ps->out->nr_disks];
    memset(st.d, 0, sizeof(*st.d));
    st.d->discard = true;
    for (;;) {
        char *comma, *eq;
        bool flag;

        skip_blanks(&s);
        if (!strncmp(s, "target=", 7)) {
            /* It takes the rest of the spec, commas and trailing blanks included. */
            rc = dk_target(&st, s + 7, true);
            break;
        }
        comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        eq = strchr(s, '=');
        if (eq)
            rc = dk_keyval(&st, s, eq);
        else if (!(rc = dk_flag(&st, s, &flag)) && !flag)
            rc = dk_positional(&st, s);
        if (rc || !comma)
            break;
        s = comma + 1;
    }
    if (rc || (rc = dk_finish(&st)))
        return rc;
    ps->out->nr_disks++;
    return 0;
}

int domcfg_key_disk(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    ps->out->nr_disks = 0;
    if (v->kind != DOMCFG_VAL_LIST)
        return domcfg_fail(ps, ps->keyline, v, "expected a list [ 'DISKSPEC', ... ]");
    return domcfg_list_for_each(ps, v, dk_one);
}

/* ---- vif ---- */

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int vf_mac(struct dc_spec *sp, struct domcfg_vif *f, const char *val)
{
    for (unsigned i = 0; i < 6; i++) {
        const char *p = val + i * 3;
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

        if (hi < 0 || lo < 0 || p[2] != (i == 5 ? '\0' : ':'))
            return spec_fail(sp, "mac '%.24s': expected six hex pairs separated by ':'", val);
        f->mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (f->mac[0] & 1)
        return spec_fail(sp, "mac %s is a multicast address (bit 0 of the first byte)", val);
    f->mac_given = true;
    return 0;
}

/* Digits then a unit; *scale set from units[] (first match). */
static bool num_unit(const char **s, uint64_t *n, const char *const *units, const uint64_t *scales,
                     unsigned nunits, uint64_t *scale)
{
    const char *p = *s;
    uint64_t v = 0;

    if (!is_digit(*p))
        return false;
    for (; is_digit(*p); p++) {
        if (v > 0xffffffffffull)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    for (unsigned i = 0; i < nunits; i++) {
        size_t l = strlen(units[i]);

        if (!strncmp(p, units[i], l)) {
            *s = p + l;
            *n = v;
            *scale = scales[i];
            return true;
        }
    }
    return false;
}

/* rate=RATE/s[@INTERVAL]: RATE in GB MB KB B (bytes) or Gb Mb Kb b (bits),
 * decimal multiples (the man page's 1MB/s@20ms is 20,000 bytes per 20 ms);
 * INTERVAL in s, ms or us (a bare number is us), default 50 ms. */
static int vf_rate(struct dc_spec *sp, struct domcfg_vif *f, const char *val)
{
    /* Scales in eighths of a byte, so that bits divide exactly. */
    static const char *const runits[] = { "GB", "MB", "KB", "B", "Gb", "Mb", "Kb", "b" };
    static const uint64_t rscales[] = { 8000000000ull, 8000000, 8000, 8, 1000000000, 1000000, 1000, 1 };
    static const char *const iunits[] = { "ms", "us", "s", "" };
    static const uint64_t iscales[] = { 1000, 1, 1000000, 1 };
    const char *s = val;
    uint64_t n, scale, iv = 50000, ivn, iscale;

    if (!num_unit(&s, &n, runits, rscales, 8, &scale) || strncmp(s, "/s", 2))
        return spec_fail(sp, "rate '%.24s': expected N{GB,MB,KB,B,Gb,Mb,Kb,b}/s[@N{s,ms,us}]", val);
    s += 2;
    if (*s == '@') {
        s++;
        if (!num_unit(&s, &ivn, iunits, iscales, 4, &iscale) || *s)
            return spec_fail(sp, "rate '%.24s': expected the interval as N{s,ms,us} after '@'", val);
        iv = ivn * iscale;
        if (!iv || iv > 0xffffffffull)
            return spec_fail(sp, "rate '%.24s': the interval must be 1 us to 4294 s", val);
    } else if (*s) {
        return spec_fail(sp, "rate '%.24s': unexpected text after /s", val);
    }
    /* n < 2^40 and scale <= 8e9 < 2^33: the product fits in 64 bits. */
    if (n * scale < 8)
        return spec_fail(sp, "rate '%.24s': below 1 byte/s", val);
    f->rate_bytes_per_sec = n * scale / 8;
    f->rate_interval_us = (uint32_t)iv;
    return 0;
}

static int vf_ifname(struct dc_spec *sp, const char *key, char *dst, const char *val)
{
    if (!valid_ifname(val))
        return spec_fail(sp, "%s '%.24s': expected an interface name (1-15 characters, no '/', ':' or blanks)",
                         key, val);
    memcpy(dst, val, strlen(val) + 1);
    return 0;
}

static int vf_keyval(struct dc_spec *sp, struct domcfg_vif *f, unsigned *given, const char *key, size_t klen,
                     const char *val)
{
    static const char *const keys[] = { "mac", "bridge", "gatewaydev", "type", "model", "vifname", "script",
                                        "ip", "backend", "rate", "devid", "mtu", "netdev" };
    unsigned k, bit;
    uint64_t n;
    const char *p;

    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        if (strlen(keys[k]) == klen && !strncmp(key, keys[k], klen))
            break;
    if (k == sizeof(keys) / sizeof(keys[0]))
        return spec_fail(sp, "unknown key '%.*s'", (int)(klen < 24 ? klen : 24), key);
    bit = 1u << (k == 12 ? 2 : k);      /* netdev is gatewaydev's old name */
    if (*given & bit)
        return spec_fail(sp, "%s is given twice", keys[k == 12 ? 2 : k]);
    *given |= bit;
    switch (k) {
    case 0:
        return vf_mac(sp, f, val);
    case 1:
        return vf_ifname(sp, "bridge", f->bridge, val);
    case 2: case 12:
        return vf_ifname(sp, keys[k], f->gatewaydev, val);
    case 3:
        if (!strcmp(val, "vif") || !strcmp(val, "ioemu")) {
            f->type = val[0] == 'v' ? DOMCFG_VIF_PV : DOMCFG_VIF_IOEMU;
            return 0;
        }
        return spec_fail(sp, "type '%.24s': expected vif or ioemu", val);
    case 4:
        for (p = val; *p; p++)
            if (!(is_lower(*p) || (*p >= 'A' && *p <= 'Z') || is_digit(*p) || *p == '_' || *p == '-'))
                break;
        if (!*val || *p || strlen(val) >= DOMCFG_IFNAME_MAX)
            return spec_fail(sp, "model '%.24s': expected a device model name, e.g. e1000", val);
        memcpy(f->model, val, strlen(val) + 1);
        return 0;
    case 5:
        return vf_ifname(sp, "vifname", f->vifname, val);
    case 6:
        if (!valid_script(val))
            return spec_fail(sp, "script '%.24s': expected 1-%u characters without blanks", val,
                             DOMCFG_SCRIPT_MAX - 1);
        memcpy(f->script, val, strlen(val) + 1);
        return 0;
    case 7:
        for (p = val; *p; p++)
            if (!(hexval(*p) >= 0 || *p == '.' || *p == ':' || *p == '/' || *p == ' '))
                break;
        if (!*val || *p || strlen(val) >= DOMCFG_IP_MAX)
            return spec_fail(sp, "ip '%.24s': expected IP addresses separated by spaces (at most %u characters)",
                             val, DOMCFG_IP_MAX - 1);
        memcpy(f->ip, val, strlen(val) + 1);
        return 0;
    case 8:
        if (!valid_domain(val))
            return spec_fail(sp, "backend '%.24s': expected a domain name or id", val);
        memcpy(f->backend, val, strlen(val) + 1);
        return 0;
    case 9:
        return vf_rate(sp, f, val);
    case 10:
    case 11:
        p = val;
        if (!dec_num(&p, 65535, &n) || *p || (k == 11 && n < 68))
            return spec_fail(sp, "%s '%.24s': expected a number from %u to 65535", keys[k], val, k == 10 ? 0 : 68);
        if (k == 11) {
            f->mtu = (unsigned)n;
            return 0;
        }
        for (unsigned i = 0; i < sp->idx; i++)
            if (sp->ps->out->vifs[i].devid_given && sp->ps->out->vifs[i].devid == n)
                return spec_fail(sp, "devid %u is vif %u's as well", (unsigned)n, i);
        f->devid = (unsigned)n;
        f->devid_given = true;
        return 0;
    }
    return 0;
}

static void trim(char **s, char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

static int vf_one(struct domcfg_parser *ps, const struct domcfg_value *list, const struct domcfg_value *item)
{
    struct dc_spec sp = { ps, item, item_line(ps, item), "vif", ps->out->nr_vifs };
    char buf[DC_SPEC_MAX];
    char *s = buf;
    unsigned given = 0;
    struct domcfg_vif *f;
    int rc;

    (void)list;
    if (ps->out->nr_vifs >= DOMCFG_MAX_VIFS)
        return spec_fail(&sp, "too many vifs (at most %u)", DOMCFG_MAX_VIFS);
    if ((rc = spec_decode(&sp, buf)))
        return rc;
    f = &ps->out->vifs[ps->out->nr_vifs];
    memset(f, 0, sizeof(*f));
    memcpy(f->bridge, "xenbr0", sizeof("xenbr0"));
    for (;;) {
        char *comma = strchr(s, ','), *e = comma ? comma : s + strlen(s), *eq;

        trim(&s, &e);
        *e = '\0';
        if (*s) {       /* empty items: the empty spec '' is a vif with every default */
            eq = strchr(s, '=');
            if (!eq)
                return spec_fail(&sp, "'%.24s': expected key=value", s);
            if ((rc = vf_keyval(&sp, f, &given, s, (size_t)(eq - s), eq + 1)))
                return rc;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    ps->out->nr_vifs++;
    return 0;
}

int domcfg_key_vif(struct domcfg_parser *ps, const struct domcfg_value *v)
{
    struct domcfg *o = ps->out;
    int rc;

    o->nr_vifs = 0;
    if (v->kind != DOMCFG_VAL_LIST)
        return domcfg_fail(ps, ps->keyline, v, "expected a list [ 'VIFSPEC', ... ]");
    if ((rc = domcfg_list_for_each(ps, v, vf_one)))
        return rc;
    /* Without devid=, a vif gets the lowest id no other vif has (xl's rule). */
    for (unsigned i = 0; i < o->nr_vifs; i++) {
        if (o->vifs[i].devid_given)
            continue;
        for (unsigned id = 0;; id++) {
            unsigned j;

            for (j = 0; j < o->nr_vifs; j++)
                if ((o->vifs[j].devid_given || j < i) && o->vifs[j].devid == id)
                    break;
            if (j == o->nr_vifs) {
                o->vifs[i].devid = id;
                break;
            }
        }
    }
    return 0;
}
