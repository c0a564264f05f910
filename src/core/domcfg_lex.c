/*
 * Lexer of the domain configuration parser: the xl.cfg(5) syntax.  The text
 * is untrusted (it comes from a boot module): every read is bounded by the
 * text's end, every loop advances, and a value is only located here; the key
 * handlers in domcfg.c decode it.  Keeping the raw position means a list can
 * be walked again and root/extra can be combined at the end without copies.
 */
#include "core/domcfg_lex.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define DC_SNIP 40      /* bytes of a value quoted in an error message */

/* ---- messages ---- */

/* Copies up to DC_SNIP bytes of v's text, one line, control bytes as '?'. */
static void dc_snip(const struct domcfg_value *v, char *buf, size_t size)
{
    size_t i, n = 0;

    for (i = 0; i < v->rawlen && n + 4 < size; i++) {
        unsigned char c = (unsigned char)v->raw[i];

        if (c == '\n' || i == DC_SNIP)
            break;
        buf[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    if (i < v->rawlen) {
        buf[n++] = '.';
        buf[n++] = '.';
        buf[n++] = '.';
    }
    buf[n] = '\0';
}

/* "domcfg: line L: [key = value: ]<reason>"; line 0 leaves the line out. */
int domcfg_fail(struct domcfg_parser *ps, unsigned line, const struct domcfg_value *v, const char *fmt, ...)
{
    char snip[DC_SNIP + 8];
    size_t n;
    int w;
    va_list ap;

    if (!ps->err || !ps->errlen)
        return -EINVAL;
    if (v) {
        dc_snip(v, snip, sizeof(snip));
        w = fmt_snprintf(ps->err, ps->errlen, "domcfg: line %u: %.*s = %s: ", line,
                         (int)(ps->keylen < DOMCFG_KEY_SHOWN ? ps->keylen : DOMCFG_KEY_SHOWN), ps->key, snip);
    } else if (line) {
        w = fmt_snprintf(ps->err, ps->errlen, "domcfg: line %u: ", line);
    } else {
        w = fmt_snprintf(ps->err, ps->errlen, "domcfg: ");
    }
    n = w < 0 ? 0 : (size_t)w;
    if (n >= ps->errlen)
        return -EINVAL;
    va_start(ap, fmt);
    fmt_vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

void domcfg_warn(struct domcfg_parser *ps, const char *fmt, ...)
{
    char msg[192];
    va_list ap;

    ps->out->nr_warnings++;
    if (!ps->warn)
        return;
    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ps->warn(msg, ps->ctx);
}

/* Describes the byte at p for "unexpected ..." messages: "'x'" or "byte 0x07". */
static int dc_unexpected(struct domcfg_parser *ps, const char *what)
{
    unsigned char c = (unsigned char)*ps->p;

    if (c > 0x20 && c < 0x7f)
        return domcfg_fail(ps, ps->line, NULL, "unexpected '%c' %s", c, what);
    return domcfg_fail(ps, ps->line, NULL, "unexpected byte 0x%02x %s", c, what);
}

/* ---- lexer ---- */

static bool dc_is_key_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool dc_is_key_char(char c)
{
    return dc_is_key_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static bool dc_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned dc_hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

/* Skips blanks and comments, and newlines too when 'nl' (inside a list). */
static void dc_skip(struct domcfg_parser *ps, bool nl)
{
    while (ps->p < ps->end) {
        char c = *ps->p;

        if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else if (c == '#') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else if (c == '\n' && nl) {
            ps->line++;
            ps->p++;
        } else {
            break;
        }
    }
}

/* A quoted string, from its opening quote; checks escapes and bytes. */
static int dc_lex_string(struct domcfg_parser *ps, struct domcfg_value *v)
{
    const char *start = ps->p;
    char q = *ps->p++;

    for (;;) {
        unsigned char c;

        if (ps->p >= ps->end || *ps->p == '\n')
            return domcfg_fail(ps, ps->line, NULL, "unterminated string (strings end on the same line)");
        c = (unsigned char)*ps->p;
        if (c == (unsigned char)q) {
            ps->p++;
            break;
        }
        if (c == '\\') {
            char e = ps->end - ps->p > 1 ? ps->p[1] : '\0';

            if (e == 'x') {
                if (ps->end - ps->p < 4 || !dc_is_hex(ps->p[2]) || !dc_is_hex(ps->p[3]))
                    return domcfg_fail(ps, ps->line, NULL, "escape \\x needs two hex digits");
                if (dc_hex_val(ps->p[2]) == 0 && dc_hex_val(ps->p[3]) == 0)
                    return domcfg_fail(ps, ps->line, NULL, "escape \\x00 (NUL) is not allowed in a string");
                ps->p += 4;
                continue;
            }
            if (e != 'n' && e != 't' && e != 'r' && e != '\\' && e != '"' && e != '\'') {
                if (e > 0x20 && e < 0x7f)
                    return domcfg_fail(ps, ps->line, NULL, "unknown escape \\%c in a string", e);
                return domcfg_fail(ps, ps->line, NULL,
                                   "backslash at the end of a string or before byte 0x%02x", (unsigned char)e);
            }
            ps->p += 2;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return domcfg_fail(ps, ps->line, NULL, "control byte 0x%02x in a string", c);
        ps->p++;
    }
    v->kind = DOMCFG_VAL_STR;
    v->raw = start;
    v->rawlen = (size_t)(ps->p - start);
    return 0;
}

/* A number token: [-]digit followed by letters, digits, '_' and '.'; the
 * key's handler decides whether it is a number it accepts. */
static int dc_lex_number(struct domcfg_parser *ps, struct domcfg_value *v)
{
    const char *start = ps->p;

    if (*ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        ps->p = start;
        return dc_unexpected(ps, "where a value should be");
    }
    while (ps->p < ps->end && (dc_is_key_char(*ps->p)))
        ps->p++;
    v->kind = DOMCFG_VAL_NUM;
    v->raw = start;
    v->rawlen = (size_t)(ps->p - start);
    return 0;
}

static int dc_lex_scalar(struct domcfg_parser *ps, struct domcfg_value *v)
{
    char c;

    if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == ';')
        return domcfg_fail(ps, ps->line, NULL, "missing value after '%.*s ='",
                           (int)(ps->keylen < DOMCFG_KEY_SHOWN ? ps->keylen : DOMCFG_KEY_SHOWN), ps->key);
    c = *ps->p;
    if (c == '"' || c == '\'')
        return dc_lex_string(ps, v);
    if (c == '-' || (c >= '0' && c <= '9'))
        return dc_lex_number(ps, v);
    if (c == '[')
        return domcfg_fail(ps, ps->line, NULL, "lists cannot be nested");
    if (dc_is_key_start(c))
        return domcfg_fail(ps, ps->line, NULL,
                           "expected a quoted string, a number or a list (bare words need quotes)");
    return dc_unexpected(ps, "where a value should be");
}

/* [ item, item, ... ] with newlines and comments allowed, trailing comma too. */
static int dc_lex_list(struct domcfg_parser *ps, struct domcfg_value *v)
{
    const char *start = ps->p;
    unsigned line = ps->line;
    int rc;

    v->nitems = 0;
    ps->p++;
    for (;;) {
        struct domcfg_value item;

        dc_skip(ps, true);
        if (ps->p >= ps->end)
            return domcfg_fail(ps, line, NULL, "unterminated list (no ']')");
        if (*ps->p == ']')
            break;
        rc = dc_lex_scalar(ps, &item);
        if (rc)
            return rc;
        v->nitems++;
        dc_skip(ps, true);
        if (ps->p >= ps->end)
            return domcfg_fail(ps, line, NULL, "unterminated list (no ']')");
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p != ']')
            return dc_unexpected(ps, "in a list (expected ',' or ']')");
        break;
    }
    ps->p++;
    v->kind = DOMCFG_VAL_LIST;
    v->raw = start;
    v->rawlen = (size_t)(ps->p - start);
    return 0;
}

/* Visits the items of a list the lexer has already accepted. */
int domcfg_list_for_each(struct domcfg_parser *ps, const struct domcfg_value *list,
                            int (*fn)(struct domcfg_parser *ps, const struct domcfg_value *list,
                                      const struct domcfg_value *item))
{
    const char *save_p = ps->p;
    unsigned save_line = ps->line, i;
    int rc = 0;

    ps->p = list->raw + 1;
    for (i = 0; i < list->nitems && !rc; i++) {
        struct domcfg_value item;

        dc_skip(ps, true);
        rc = dc_lex_scalar(ps, &item);
        if (!rc)
            rc = fn(ps, list, &item);
        dc_skip(ps, true);
        if (ps->p < ps->end && *ps->p == ',')
            ps->p++;
    }
    ps->p = save_p;
    ps->line = save_line;
    return rc;
}

/* ---- value decoding ---- */

/* The value of a string or number token, unescaped, into dst; -E2BIG if it
 * does not fit with its NUL.  dst == NULL only checks the length.  The lexer
 * has validated the escapes. */
int domcfg_decode(const struct domcfg_value *v, char *dst, size_t size)
{
    const char *s = v->raw, *e = v->raw + v->rawlen;
    size_t n = 0;

    if (v->kind == DOMCFG_VAL_STR) {
        s++;
        e--;
    }
    while (s < e) {
        char c = *s++;

        if (c == '\\' && v->kind == DOMCFG_VAL_STR) {
            char x = *s++;

            switch (x) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'x':
                c = (char)(dc_hex_val(s[0]) << 4 | dc_hex_val(s[1]));
                s += 2;
                break;
            default: c = x; break;   /* \\ \" \' */
            }
        }
        if (n + 1 >= size)
            return -E2BIG;
        if (dst)
            dst[n] = c;
        n++;
    }
    if (dst)
        dst[n] = '\0';
    return 0;
}

/* key = value, then a newline, ';' or the end of the text. */
static int dc_statement(struct domcfg_parser *ps, struct domcfg_value *v)
{
    int rc;

    if (!dc_is_key_start(*ps->p))
        return dc_unexpected(ps, "where a key should be");
    ps->key = ps->p;
    ps->keyline = ps->line;
    while (ps->p < ps->end && dc_is_key_char(*ps->p))
        ps->p++;
    ps->keylen = (size_t)(ps->p - ps->key);
    dc_skip(ps, false);
    if (ps->end - ps->p >= 2 && ps->p[0] == '+' && ps->p[1] == '=')
        return domcfg_fail(ps, ps->line, NULL, "'+=' is not supported");
    if (ps->p >= ps->end || *ps->p != '=')
        return domcfg_fail(ps, ps->line, NULL, "expected '=' after '%.*s'",
                           (int)(ps->keylen < DOMCFG_KEY_SHOWN ? ps->keylen : DOMCFG_KEY_SHOWN), ps->key);
    ps->p++;
    dc_skip(ps, false);
    v->nitems = 0;
    rc = ps->p < ps->end && *ps->p == '[' ? dc_lex_list(ps, v) : dc_lex_scalar(ps, v);
    if (rc)
        return rc;
    dc_skip(ps, false);
    if (ps->p < ps->end && *ps->p != '\n' && *ps->p != ';')
        return dc_unexpected(ps, "after the value (one key = value per line)");
    return 0;
}

int domcfg_next_statement(struct domcfg_parser *ps, struct domcfg_value *v)
{
    int rc;

    for (;;) {
        dc_skip(ps, true);
        if (ps->p >= ps->end)
            return 0;
        if (*ps->p != ';')
            break;
        ps->p++;            /* empty statement */
    }
    rc = dc_statement(ps, v);
    return rc ? rc : 1;
}
