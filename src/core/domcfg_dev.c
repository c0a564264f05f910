/*
 * The split-driver device keys of the domain configuration parser:
 * disk = [ 'DISKSPEC', ... ] as xl-disk-configuration(5) defines it, with
 * vdevs numbered as xen-vbd-interface(7) says, and the helpers it shares
 * with vif = [ ... ] (domcfg_vif.c).  Every spec is decoded into a
 * bounded buffer on the stack and every field copied into struct domcfg is
 * length- and character-checked: the file is untrusted text.  What dom0's
 * backends cannot serve (qcow2, qdisk, COLO, ...) is refused here by name,
 * so that a file is either fully understood or rejected.
 */
#include <stdarg.h>

#include "core/domcfg.h"
#include "core/domcfg_dev.h"
#include "core/domcfg_lex.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

int dc_spec_fail(struct dc_spec *sp, const char *fmt, ...)
{
    char reason[160];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    /* The reason quotes decoded text, which escapes can fill with newlines
     * and control bytes: the message stays one printable line. */
    for (char *c = reason; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    return domcfg_fail(sp->ps, sp->line, sp->item, "%s %u: %s", sp->what, sp->idx, reason);
}

/* The line an item of the current statement's list starts on. */
unsigned dc_item_line(const struct domcfg_parser *ps, const struct domcfg_value *item)
{
    unsigned line = ps->keyline;

    for (const char *c = ps->key; c < item->raw; c++)
        line += *c == '\n';
    return line;
}

/* Decimal digits at *s, no leading zero unless it is "0"; false if none or
 * above max. */
bool dc_dec_num(const char **s, uint64_t max, uint64_t *val)
{
    const char *p = *s;
    uint64_t v = 0;

    if (!dc_is_digit(*p) || (p[0] == '0' && dc_is_digit(p[1])))
        return false;
    for (; dc_is_digit(*p); p++) {
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

    if (!dc_is_lower(*p))
        return false;
    for (; dc_is_lower(*p); p++) {
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

        if (dc_is_digit(*s))
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

    if (dc_is_digit(*s))
        return vdev_number(s, num);
    if (s[0] == 'd' && dc_is_digit(s[1])) {
        /* d<disk>[p<partition>]: a Xen virtual disk */
        s++;
        if (!dc_dec_num(&s, (1u << 20) - 1, &disk))
            return "disk number above 1048575 or with a leading zero";
        if (*s == 'p') {
            s++;
            if (!dc_dec_num(&s, 255, &part))
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
        if (*s && !dc_dec_num(&s, 255, &part))
            return "partition number above 255 or with a leading zero";
        if (*s)
            return "expected letters then a partition number";
        goto xvd;
    }
    if (!strncmp(s, "hd", 2)) {
        s += 2;
        if (!disk_letters(&s, 3, &disk))
            return "IDE disks are hda..hdd";
        if (*s && !dc_dec_num(&s, 63, &part))
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
        if (*s && !dc_dec_num(&s, 15, &part))
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
bool dc_valid_domain(const char *s)
{
    if (!*s || strlen(s) >= DOMCFG_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!(dc_is_lower(*s) || (*s >= 'A' && *s <= 'Z') || dc_is_digit(*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* A script name: printable, no spaces (it is run, not parsed by a shell). */
bool dc_valid_script(const char *s)
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
int dc_spec_decode(struct dc_spec *sp, char *buf)
{
    if (sp->item->kind == DOMCFG_VAL_LIST)
        return dc_spec_fail(sp, "expected a '...' string, not a list");
    if (domcfg_decode(sp->item, buf, DC_SPEC_MAX))
        return dc_spec_fail(sp, "longer than %u characters", DC_SPEC_MAX - 1);
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
        return dc_spec_fail(&st->sp, "%s is given twice", name);
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
            return dc_spec_fail(&st->sp, "format %s is not supported (only raw: dom0's blkback serves raw images)",
                             val);
    return dc_spec_fail(&st->sp, "format '%.24s': expected raw (or qcow, qcow2, vhd, qed: not supported)", val);
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
        return dc_spec_fail(&st->sp, "target longer than %u characters", DOMCFG_PATH_MAX - 1);
    memcpy(st->d->target, val, strlen(val) + 1);
    return 0;
}

static int dk_script(struct dk_state *st, const char *val, size_t len)
{
    int rc = dk_once(st, DK_SCRIPT, "script");

    if (rc || !len)
        return rc;
    if (len >= DOMCFG_SCRIPT_MAX)
        return dc_spec_fail(&st->sp, "script longer than %u characters", DOMCFG_SCRIPT_MAX - 1);
    memcpy(st->d->script, val, len);
    st->d->script[len] = '\0';
    if (!dc_valid_script(st->d->script))
        return dc_spec_fail(&st->sp, "script '%.24s': white space or control characters", st->d->script);
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
    return dc_spec_fail(&st->sp, "'%.24s': too many positional parameters (target, format, vdev, access)", val);
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
        return dc_spec_fail(&st->sp, "COLO replication is not supported");
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
            return dc_spec_fail(&st->sp, "devtype '%.24s': expected cdrom", val);
        st->d->cdrom = *val != '\0';
        return 0;
    }
    if (IS("backend")) {
        if ((rc = dk_once(st, DK_BACKEND, "backend")))
            return rc;
        if (*val && !dc_valid_domain(val))
            return dc_spec_fail(&st->sp, "backend '%.24s': expected a domain name or id", val);
        memcpy(st->d->backend, val, strlen(val) + 1);
        return 0;
    }
    if (IS("backendtype")) {
        if ((rc = dk_once(st, DK_BTYPE, "backendtype")))
            return rc;
        if (!*val || !strcmp(val, "phy"))
            return 0;
        if (!strcmp(val, "qdisk") || !strcmp(val, "tap") || !strcmp(val, "standalone"))
            return dc_spec_fail(&st->sp, "backendtype %s is not supported (only phy: dom0's blkback)", val);
        return dc_spec_fail(&st->sp, "backendtype '%.24s': expected phy (or qdisk, tap: not supported)", val);
    }
    if (IS("script"))
        return dk_script(st, val, strlen(val));
    if (IS("colo-host") || IS("colo-port") || IS("colo-export") || IS("active-disk") || IS("hidden-disk"))
        return dc_spec_fail(&st->sp, "COLO replication (%.*s) is not supported", (int)klen, tok);
#undef IS
    return dc_spec_fail(&st->sp, "unknown parameter '%.*s'", (int)(klen < 24 ? klen : 24), tok);
}

static int dk_finish(struct dk_state *st)
{
    struct domcfg *o = st->sp.ps->out;
    struct domcfg_disk *d = st->d;
    const char *why;

    if (!st->vdev || !*st->vdev)
        return dc_spec_fail(&st->sp, "no vdev (the guest's name for the disk, e.g. xvda)");
    if (strlen(st->vdev) >= DOMCFG_VDEV_MAX)
        return dc_spec_fail(&st->sp, "vdev '%.24s': longer than %u characters", st->vdev, DOMCFG_VDEV_MAX - 1);
    if ((why = domcfg_vdev_decode(st->vdev, &d->vdev)))
        return dc_spec_fail(&st->sp, "vdev '%s': %s", st->vdev, why);
    memcpy(d->vdev_name, st->vdev, strlen(st->vdev) + 1);
    if (!st->access || !*st->access)
        d->readonly = d->cdrom;
    else if (!strcmp(st->access, "r") || !strcmp(st->access, "ro"))
        d->readonly = true;
    else if (!strcmp(st->access, "w") || !strcmp(st->access, "rw"))
        d->readonly = false;
    else
        return dc_spec_fail(&st->sp, "access '%.24s': expected r, ro, w or rw", st->access);
    if (!d->target[0] && !d->cdrom)
        return dc_spec_fail(&st->sp, "no target (only a cdrom drive may be empty)");
    for (unsigned i = 0; i < st->sp.idx; i++)
        if (o->disks[i].vdev == d->vdev)
            return dc_spec_fail(&st->sp, "vdev %s is the same device as disk %u's %s", d->vdev_name, i,
                             o->disks[i].vdev_name);
    return 0;
}

static int dk_one(struct domcfg_parser *ps, const struct domcfg_value *list, const struct domcfg_value *item)
{
    struct dk_state st = { { ps, item, dc_item_line(ps, item), "disk", ps->out->nr_disks }, NULL, 0, NULL, NULL };
    char buf[DC_SPEC_MAX];
    char *s = buf;
    int rc;

    (void)list;
    if (ps->out->nr_disks >= DOMCFG_MAX_DISKS)
        return dc_spec_fail(&st.sp, "too many disks (at most %u)", DOMCFG_MAX_DISKS);
    if ((rc = dc_spec_decode(&st.sp, buf)))
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
