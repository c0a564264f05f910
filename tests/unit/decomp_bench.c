/*
 * decomp_bench: the hypervisor's kernel-payload decoder (src/lib/
 * decompress.c and friends, the code the PVH and PV builders run) built for
 * the host with optimisation and without sanitizers, timed on a real
 * payload, so that rv-bench can set its rate against the host's own `xz -d`
 * / `gzip -d` on the same bytes (tools/rvlib/costbench.py).  Not a test.
 *
 *   decomp_bench [--payload-out FILE] [--runs N] IMAGE
 *
 * IMAGE is a bzImage (its payload is used) or a bare gzip/xz stream.
 * Prints one line:
 *   decomp_bench: xz payload 8123 KiB -> 40123 KiB: best 812.345 ms of 3 (49.4 MB/s out)
 * (CPU time of the best of N runs).
 * and with --payload-out writes the compressed payload to FILE.
 */
#include "lib/decompress.h"
#include "image/bzpayload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        unsigned char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* CPU time of this process, not wall time: the build machines are shared,
 * and the host `xz -d` it is compared with is timed the same way. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *image_path = NULL;
    int runs = 3;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--payload-out") && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!image_path && argv[i][0] != '-')
            image_path = argv[i];
        else {
            fprintf(stderr, "usage: decomp_bench [--payload-out FILE] [--runs N] IMAGE\n");
            return 2;
        }
    }
    if (!image_path || runs < 1) {
        fprintf(stderr, "usage: decomp_bench [--payload-out FILE] [--runs N] IMAGE\n");
        return 2;
    }
    size_t size;
    void *image = read_file(image_path, &size);
    if (!image) {
        fprintf(stderr, "decomp_bench: %s: %s\n", image_path, strerror(errno));
        return 1;
    }
    const void *payload = image;
    size_t plen = size;
    char why[128];
    int rc = bzpayload_find(image, size, &payload, &plen, why, sizeof(why));
    if (rc && rc != -ENOENT) {
        fprintf(stderr, "decomp_bench: %s: %s\n", image_path, why);
        return 1;
    }
    const char *what = rc ? "kernel" : "payload";
    enum decomp_format fmt = decomp_detect(payload, plen);
    uint64_t out_size;
    if (fmt == DECOMP_NONE || decomp_size(payload, plen, &out_size) || !out_size) {
        fprintf(stderr, "decomp_bench: %s: no gzip or xz stream of known size\n", image_path);
        return 1;
    }
    if (out_path) {
        FILE *f = fopen(out_path, "wb");
        if (!f || fwrite(payload, 1, plen, f) != plen || fclose(f)) {
            fprintf(stderr, "decomp_bench: %s: cannot write\n", out_path);
            return 1;
        }
    }
    size_t cap = (size_t)out_size + 4096, out_len = 0;
    void *out = malloc(cap), *work = aligned_alloc(8, DECOMP_WORK_SIZE);
    if (!out || !work) {
        fprintf(stderr, "decomp_bench: out of memory\n");
        return 1;
    }
    double best = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        rc = decomp_run(payload, plen, out, cap, &out_len, work, why, sizeof(why));
        double dt = now_ms() - t0;
        if (rc) {
            fprintf(stderr, "decomp_bench: %s: %s\n", image_path, why);
            return 1;
        }
        if (!i || dt < best)
            best = dt;
    }
    printf("decomp_bench: %s %s %zu KiB -> %zu KiB: best %.3f ms of %d (%.1f MB/s out)\n",
           decomp_format_name(fmt), what, plen >> 10, out_len >> 10, best, runs,
           best > 0 ? out_len / 1e6 / (best / 1e3) : 0.0);
    free(out);
    free(work);
    free(image);
    return 0;
}
