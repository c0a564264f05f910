/*
 * The vif key of the domain configuration parser: vif = [ 'VIFSPEC', ... ]
 * as xl-network-configuration(5) defines it.  Each spec is decoded into a
 * bounded buffer and every field copied into struct domcfg is length- and
 * character-checked (the file is untrusted text).
 */
#include "core/domcfg.h"
#include "core/domcfg_dev.h"
#include "lib/errno.h"
#include "lib/string.h"

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

static int hexval(char c)
{
    if (dc_is_digit(c))
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
            return dc_spec_fail(sp, "mac '%.24s': expected six hex pairs separated by ':'", val);
        f->mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (f->mac[0] & 1)
        return dc_spec_fail(sp, "mac %s is a multicast address (bit 0 of the first byte)", val);
    f->mac_given = true;
    return 0;
}

/* Digits then a unit; *scale set from units[] (first match). */
static bool num_unit(const char **s, uint64_t *n, const char *const *units, const uint64_t *scales,
                     unsigned nunits, uint64_t *scale)
{
    const char *p = *s;
    uint64_t v = 0;

    if (!dc_is_digit(*p))
        return false;
    for (; dc_is_digit(*p); p++) {
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
        return dc_spec_fail(sp, "rate '%.24s': expected N{GB,MB,KB,B,Gb,Mb,Kb,b}/s[@N{s,ms,us}]", val);
    s += 2;
    if (*s == '@') {
        s++;
        if (!num_unit(&s, &ivn, iunits, iscales, 4, &iscale) || *s)
            return dc_spec_fail(sp, "rate '%.24s': expected the interval as N{s,ms,us} after '@'", val);
        iv = ivn * iscale;
        if (!iv || iv > 0xffffffffull)
            return dc_spec_fail(sp, "rate '%.24s': the interval must be 1 us to 4294 s", val);
    } else if (*s) {
        return dc_spec_fail(sp, "rate '%.24s': unexpected text after /s", val);
    }
    /* n < 2^40 and scale <= 8e9 < 2^33: the product fits in 64 bits. */
    if (n * scale < 8)
        return dc_spec_fail(sp, "rate '%.24s': below 1 byte/s", val);
    f->rate_bytes_per_sec = n * scale / 8;
    f->rate_interval_us = (uint32_t)iv;
    return 0;
}

static int vf_ifname(struct dc_spec *sp, const char *key, char *dst, const char *val)
{
    if (!valid_ifname(val))
        return dc_spec_fail(sp, "%s '%.24s': expected an interface name (1-15 characters, no '/', ':' or blanks)",
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
        return dc_spec_fail(sp, "unknown key '%.*s'", (int)(klen < 24 ? klen : 24), key);
    bit = 1u << (k == 12 ? 2 : k);      /* netdev is gatewaydev's old name */
    if (*given & bit)
        return dc_spec_fail(sp, "%s is given twice", keys[k == 12 ? 2 : k]);
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
        return dc_spec_fail(sp, "type '%.24s': expected vif or ioemu", val);
    case 4:
        for (p = val; *p; p++)
            if (!(dc_is_lower(*p) || (*p >= 'A' && *p <= 'Z') || dc_is_digit(*p) || *p == '_' || *p == '-'))
                break;
        if (!*val || *p || strlen(val) >= DOMCFG_IFNAME_MAX)
            return dc_spec_fail(sp, "model '%.24s': expected a device model name, e.g. e1000", val);
        memcpy(f->model, val, strlen(val) + 1);
        return 0;
    case 5:
        return vf_ifname(sp, "vifname", f->vifname, val);
    case 6:
        if (!dc_valid_script(val))
            return dc_spec_fail(sp, "script '%.24s': expected 1-%u characters without blanks", val,
                             DOMCFG_SCRIPT_MAX - 1);
        memcpy(f->script, val, strlen(val) + 1);
        return 0;
    case 7:
        for (p = val; *p; p++)
            if (!(hexval(*p) >= 0 || *p == '.' || *p == ':' || *p == '/' || *p == ' '))
                break;
        if (!*val || *p || strlen(val) >= DOMCFG_IP_MAX)
            return dc_spec_fail(sp, "ip '%.24s': expected IP addresses separated by spaces (at most %u characters)",
                             val, DOMCFG_IP_MAX - 1);
        memcpy(f->ip, val, strlen(val) + 1);
        return 0;
    case 8:
        if (!dc_valid_domain(val))
            return dc_spec_fail(sp, "backend '%.24s': expected a domain name or id", val);
        memcpy(f->backend, val, strlen(val) + 1);
        return 0;
    case 9:
        return vf_rate(sp, f, val);
    case 10:
    case 11:
        p = val;
        if (!dc_dec_num(&p, 65535, &n) || *p || (k == 11 && n < 68))
            return dc_spec_fail(sp, "%s '%.24s': expected a number from %u to 65535", keys[k], val, k == 10 ? 0 : 68);
        if (k == 11) {
            f->mtu = (unsigned)n;
            return 0;
        }
        for (unsigned i = 0; i < sp->idx; i++)
            if (sp->ps->out->vifs[i].devid_given && sp->ps->out->vifs[i].devid == n)
                return dc_spec_fail(sp, "devid %u is vif %u's as well", (unsigned)n, i);
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
    struct dc_spec sp = { ps, item, dc_item_line(ps, item), "vif", ps->out->nr_vifs };
    char buf[DC_SPEC_MAX];
    char *s = buf;
    unsigned given = 0;
    struct domcfg_vif *f;
    int rc;

    (void)list;
    if (ps->out->nr_vifs >= DOMCFG_MAX_VIFS)
        return dc_spec_fail(&sp, "too many vifs (at most %u)", DOMCFG_MAX_VIFS);
    if ((rc = dc_spec_decode(&sp, buf)))
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
                return dc_spec_fail(&sp, "'%.24s': expected key=value", s);
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
