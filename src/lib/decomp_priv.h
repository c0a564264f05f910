/*
 * Internal interface between the decompressor files (decompress.c, inflate.c,
 * unxz.c, lzma2.c).  Not for use outside src/lib/.
 */
#ifndef RV_LIB_DECOMP_PRIV_H
#define RV_LIB_DECOMP_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "lib/decompress.h"

/* Where in the work area the CRC-32 tables live (after the decoders' own use). */
#define DECOMP_CRC_TABLES_OFF (32u * 1024)

/* Writes a formatted one-line reason to err (if any) and returns rc. */
int decomp_fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

int inflate_gzip_run(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len, void *work,
                     char *err, size_t errlen);
int inflate_gzip_size(const uint8_t *in, size_t len, uint64_t *size);

int unxz_run(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len, void *work,
             char *err, size_t errlen);
int unxz_size(const uint8_t *in, size_t len, uint64_t *size);

/*
 * Decodes one block's LZMA2 data from in[0..in_len) (which may extend past
 * the data: the end-of-data control byte ends it) into out[out_start..),
 * producing at most max_out bytes (declared uncompressed size, or
 * UINT64_MAX) and writing nowhere at or past out_cap.  *in_used and *produced on
 * success.  The whole block output is the dictionary.  Messages are prefixed
 * "xz: block N: ".
 */
#define LZMA2_WORK_BYTES (14200u * 2u)
int lzma2_decode(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out, size_t out_start,
                 size_t out_cap, uint64_t max_out, size_t *produced, uint32_t dict_size, void *work,
                 unsigned block, char *err, size_t errlen);

#endif
