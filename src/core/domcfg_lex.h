/*
 * Internals shared by the domain configuration parser's two halves: the
 * lexer (domcfg_lex.c: syntax, messages, string decoding) and the key
 * handlers (domcfg.c).  Not for use elsewhere.
 */
#ifndef RV_CORE_DOMCFG_LEX_H
#define RV_CORE_DOMCFG_LEX_H

#include "core/domcfg.h"

#define DOMCFG_MAX_UNKNOWN 32   /* distinct unknown keys remembered to warn once each */
#define DOMCFG_KEY_SHOWN   32   /* bytes of a key quoted in a message */

enum domcfg_kind { DOMCFG_VAL_STR, DOMCFG_VAL_NUM, DOMCFG_VAL_LIST };

struct domcfg_value {
    enum domcfg_kind kind;
    const char *raw;        /* as written, quotes/brackets included */
    size_t rawlen;
    unsigned nitems;        /* DOMCFG_VAL_LIST */
};

/* One parse; lives on the caller's stack (about 0.7 KiB). */
struct domcfg_parser {
    const char *p, *end;
    unsigned line;                  /* line of p, from 1 */
    struct domcfg *out;
    void (*warn)(const char *msg, void *ctx);
    void *ctx;
    char *err;
    size_t errlen;

    /* The statement being applied, for messages. */
    const char *key;
    size_t keylen;
    unsigned keyline;

    unsigned seen;                  /* DC_SEEN_* (domcfg.c) */
    enum domcfg_type builder_type;
    struct domcfg_value root, extra;    /* combined into cmdline at the end */
    struct domcfg_value firmware;       /* firmware_override: replaces kernel at the end */
    struct { const char *s; size_t len; } unknown[DOMCFG_MAX_UNKNOWN];
    unsigned nr_unknown;
};

/*
 * Lexes the next `key = value` statement: 1 with ps->key/keylen/keyline and
 * *v set, 0 at the end of the text, -EINVAL (message in ps->err) on a syntax
 * error.
 */
int domcfg_next_statement(struct domcfg_parser *ps, struct domcfg_value *v);

/* Calls fn for each item of a list value; stops at and returns fn's error. */
int domcfg_list_for_each(struct domcfg_parser *ps, const struct domcfg_value *list,
                         int (*fn)(struct domcfg_parser *ps, const struct domcfg_value *list,
                                   const struct domcfg_value *item));

/* A string or number value without quotes and escapes into dst[0..size)
 * with a NUL; -E2BIG if it does not fit (dst == NULL: length check only). */
int domcfg_decode(const struct domcfg_value *v, char *dst, size_t size);

/* Writes "domcfg: line L: key = value: <reason>" (v == NULL: no key/value
 * part; line 0: no line either) into ps->err and returns -EINVAL. */
int domcfg_fail(struct domcfg_parser *ps, unsigned line, const struct domcfg_value *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Counts a warning and passes it to the caller's warn(). */
void domcfg_warn(struct domcfg_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The disk and vif keys (domcfg_dev.c, domcfg_vif.c). */
int domcfg_key_disk(struct domcfg_parser *ps, const struct domcfg_value *v);
int domcfg_key_vif(struct domcfg_parser *ps, const struct domcfg_value *v);

#endif
