/*
 * Decompressors for kernel payloads: gzip (RFC 1952 around RFC 1951 deflate)
 * and xz (the .xz container with LZMA2, the x86 BCJ filter and CRC32/CRC64/
 * SHA-256-less checks).  Pure, freestanding, single-call: the whole input is
 * in memory and the output buffer doubles as the LZ dictionary, so no window
 * is allocated.  The caller provides the work area (probability tables,
 * Huffman tables).  Hostile input gets an error, never a read or write
 * outside the buffers.  Built for the host too, unit-tested and fuzzed.
 */
#ifndef RV_LIB_DECOMPRESS_H
#define RV_LIB_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECOMP_WORK_SIZE (64u * 1024)   /* bytes of work area every call needs (8-byte aligned) */

enum decomp_format { DECOMP_NONE, DECOMP_GZIP, DECOMP_XZ };

/* The format by its magic bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00). */
enum decomp_format decomp_detect(const void *in, size_t len);
const char *decomp_format_name(enum decomp_format f);

/* The uncompressed size the stream declares (gzip: ISIZE of the last member,
 * modulo 2^32; xz: the sum of the index's uncompressed sizes), or -ENOEXEC
 * when it cannot be read.  Callers size the output with it but must still
 * treat the decompressor's own limit as the truth. */
int decomp_size(const void *in, size_t len, uint64_t *size);

/* Decompresses in[0..len) into out[0..out_cap): 0 with *out_len set, or
 * -ENOEXEC (corrupt or unsupported stream), -E2BIG (output does not fit),
 * -EINVAL (bad arguments) with a one-line reason in err ("xz: block 0: CRC32
 * mismatch").  Checks are verified (gzip CRC32 and ISIZE, xz CRC32/CRC64 of
 * each block, index and footer).  Trailing zero padding after the stream is
 * accepted, and so is the 4-byte little-endian size trailer Linux appends to
 * an xz payload when it equals the decoded size; other trailing bytes are an
 * error. */
int decomp_run(const void *in, size_t len, void *out, size_t out_cap, size_t *out_len, void *work,
               char *err, size_t errlen);

#endif
