/*
 * Command-line tokenizer and value parsers.  Pure: they only look at the
 * string they are given, so boot options, module command lines and the
 * fuzzers share them.
 */
#ifndef RV_BOOT_CMDLINE_H
#define RV_BOOT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Called once per item.  'name' is never NULL (nlen is 0 for an item such as
 * "=x"); 'val' is NULL when the item has no '=', else it points at the value
 * (without its quotes, vlen may be 0).  Neither string is NUL-terminated at
 * nlen/vlen.  Returning < 0 stops the parse with that value.
 */
typedef int (*cmdline_cb)(const char *name, size_t nlen, const char *val, size_t vlen, void *ctx);

/*
 * Splits 's' on spaces and tabs into "name" or "name=value" items; a value
 * starting with '"' extends to the next '"' (and may contain blanks).  Returns
 * the number of items, -EINVAL on an unterminated quote (items before it have
 * been reported), or the callback's negative value.  s == NULL is an empty line.
 */
int cmdline_parse(const char *s, cmdline_cb cb, void *ctx);

/* Decimal or 0x-prefixed hex over exactly len bytes; -EINVAL on junk or
 * empty input, -ERANGE if it does not fit in 64 bits. */
int cmdline_parse_uint(const char *s, size_t len, uint64_t *out);

/* As cmdline_parse_uint, plus an optional K/M/G/T suffix (either case,
 * binary units: K = 1024). */
int cmdline_parse_size(const char *s, size_t len, uint64_t *out);

/* 1/0, yes/no, on/off, true/false, enable/disable (any case); -EINVAL otherwise. */
int cmdline_parse_bool(const char *s, size_t len, bool *out);

#endif
