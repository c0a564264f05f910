/*
 * Internals shared by the disk (domcfg_dev.c) and vif (domcfg_vif.c) keys of
 * the domain configuration parser.  Not for use elsewhere.
 */
#ifndef RV_CORE_DOMCFG_DEV_H
#define RV_CORE_DOMCFG_DEV_H

#include "core/domcfg_lex.h"

#define DC_SPEC_MAX 512     /* a decoded DISKSPEC/VIFSPEC, with its NUL */

/* The spec being parsed, for messages: "disk = '<spec>': disk N: ...". */
struct dc_spec {
    struct domcfg_parser *ps;
    const struct domcfg_value *item;
    unsigned line;          /* the item's own line (a list may span lines) */
    const char *what;       /* "disk" or "vif" */
    unsigned idx;
};

static inline bool dc_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool dc_is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* Fails the parse with "<what> <idx>: <reason>" after the item's line and text. */
int dc_spec_fail(struct dc_spec *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The line an item of the current statement's list starts on. */
unsigned dc_item_line(const struct domcfg_parser *ps, const struct domcfg_value *item);
/* Decimal digits at *s, no leading zero unless "0", at most max; advances *s. */
bool dc_dec_num(const char **s, uint64_t max, uint64_t *val);
/* A backend domain: a domain name (as name=) or a domain id. */
bool dc_valid_domain(const char *s);
/* A script name: 1-63 printable bytes without blanks. */
bool dc_valid_script(const char *s);
/* The item (a string or bare number) decoded into buf[DC_SPEC_MAX]. */
int dc_spec_decode(struct dc_spec *sp, char *buf);

#endif
