/*
 * Kernel files for rv create's builders (kimage.h).  The unpacking is the
 * hypervisor's boot path's (src/pv/pv_boot.c) in user space: find the
 * bzImage payload (boot protocol 2.08+), detect gzip or xz, size the output
 * by what the stream declares (bounded), decode with the checks verified.
 */
#include "kimage.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/bzpayload.h"
#include "lib/decompress.h"

void *kimage_read_file(const char *path, size_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* Sized by fstat when it can be (one allocation, no copies: this runs
     * in dom0, where every new page is a fault the hypervisor sees), and
     * grown if the file is longer than that said. */
    struct stat st;
    size_t cap = 1 << 20, len = 0;
    if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < KIMAGE_FILE_MAX)
        cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len < cap)
            continue;
        if (cap >= KIMAGE_FILE_MAX) {
            snprintf(err, errlen, "%s: larger than %u MiB", path, KIMAGE_FILE_MAX >> 20);
            free(buf);
            fclose(f);
            return NULL;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : "read error");
        free(buf);
        return NULL;
    }
    *size = len;
    return buf;
}

int kimage_unpack(const void *data, size_t size, const void **elf, size_t *elf_size, void **owned,
                  const char **what, char *err, size_t errlen)
{
    const void *payload = data;
    size_t plen = size;
    char why[128] = "";
    int bz = 0;

    *elf = data;
    *elf_size = size;
    *owned = NULL;
    *what = "ELF";
    int rc = bzpayload_find(data, size, &payload, &plen, why, sizeof(why));
    if (rc == -ENOENT) {
        if (decomp_detect(data, size) == DECOMP_NONE)
            return 0;                   /* the ELF itself (its reader judges it) */
        payload = data;
        plen = size;
    } else if (rc) {
        snprintf(err, errlen, "bzImage: %s", why);
        return -1;
    } else
        bz = 1;
    enum decomp_format fmt = decomp_detect(payload, plen);
    if (fmt == DECOMP_NONE) {
        snprintf(err, errlen, "bzImage: the payload is neither gzip nor xz");
        return -1;
    }
    *what = fmt == DECOMP_XZ ? (bz ? "bzImage/xz" : "xz") : (bz ? "bzImage/gzip" : "gzip");
    uint64_t out_size;
    if (decomp_size(payload, plen, &out_size) || out_size == 0) {
        snprintf(err, errlen, "%s kernel: the stream does not declare its size", *what);
        return -1;
    }
    if (out_size > KIMAGE_UNPACK_MAX) {
        snprintf(err, errlen, "%s kernel: unpacks to %llu MiB, more than the %u MiB allowed", *what,
                 (unsigned long long)(out_size >> 20), KIMAGE_UNPACK_MAX >> 20);
        return -1;
    }
    void *out = malloc(out_size);
    void *work = aligned_alloc(8, DECOMP_WORK_SIZE);
    if (!out || !work) {
        snprintf(err, errlen, "out of memory unpacking the kernel (%llu MiB)", (unsigned long long)(out_size >> 20));
        free(out);
        free(work);
        return -1;
    }
    size_t out_len = 0;
    rc = decomp_run(payload, plen, out, out_size, &out_len, work, why, sizeof(why));
    free(work);
    if (rc) {
        snprintf(err, errlen, "%s kernel: unpacking failed: %s", *what, why[0] ? why : "corrupt");
        free(out);
        return -1;
    }
    *elf = out;
    *elf_size = out_len;
    *owned = out;
    return 0;
}
