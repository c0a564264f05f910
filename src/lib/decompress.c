/*
 * Format detection and dispatch for the kernel-payload decompressors
 * (inflate.c: gzip/deflate; unxz.c + lzma2.c: xz/LZMA2/x86 BCJ).
 */
#include "lib/decompress.h"

#include <stdarg.h>

#include "lib/crc.h"
#include "lib/decomp_priv.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

_Static_assert(DECOMP_CRC_TABLES_OFF + sizeof(struct crc32_tables) <= DECOMP_WORK_SIZE,
               "CRC tables do not fit the work area");

static const uint8_t gzip_magic[2] = { 0x1f, 0x8b };          /* RFC 1952 section 2.3.1 */
static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 }; /* .xz format 2.1.1.1 */

int decomp_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

enum decomp_format decomp_detect(const void *in, size_t len)
{
    if (!in)
        return DECOMP_NONE;
    if (len >= sizeof(xz_magic) && !memcmp(in, xz_magic, sizeof(xz_magic)))
        return DECOMP_XZ;
    if (len >= sizeof(gzip_magic) && !memcmp(in, gzip_magic, sizeof(gzip_magic)))
        return DECOMP_GZIP;
    return DECOMP_NONE;
}

const char *decomp_format_name(enum decomp_format f)
{
    switch (f) {
    case DECOMP_GZIP: return "gzip";
    case DECOMP_XZ:   return "xz";
    case DECOMP_NONE: break;
    }
    return "none";
}

int decomp_size(const void *in, size_t len, uint64_t *size)
{
    switch (decomp_detect(in, len)) {
    case DECOMP_GZIP: return inflate_gzip_size(in, len, size);
    case DECOMP_XZ:   return unxz_size(in, len, size);
    case DECOMP_NONE: break;
    }
    return -ENOEXEC;
}

int decomp_run(const void *in, size_t len, void *out, size_t out_cap, size_t *out_len, void *work, char *err,
               size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!in || !out_len || !work || (!out && out_cap) || ((uintptr_t)work & 7))
        return decomp_fail(err, errlen, -EINVAL, "decompress: bad arguments");
    *out_len = 0;
    switch (decomp_detect(in, len)) {
    case DECOMP_GZIP: return inflate_gzip_run(in, len, out, out_cap, out_len, work, err, errlen);
    case DECOMP_XZ:   return unxz_run(in, len, out, out_cap, out_len, work, err, errlen);
    case DECOMP_NONE: break;
    }
    return decomp_fail(err, errlen, -ENOEXEC, "decompress: neither gzip nor xz (unknown magic bytes)");
}
