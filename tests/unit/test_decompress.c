/*
 * Unit tests of src/lib/decompress (gzip/deflate, xz/LZMA2/BCJ, CRCs).
 * argv[1]: the vector directory written by gen_decomp_vectors.py (Python's
 * zlib/gzip/lzma as reference encoders).  Every valid vector must decode
 * exactly, report its size, and fail with -E2BIG one byte short; every
 * broken vector must fail with its message; bit flips and truncations of
 * the valid ones must never crash and never produce wrong output silently
 * when the stream carries a check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc.h"
#include "lib/decompress.h"
#include "lib/errno.h"
#include "test.h"

static uint64_t work_area[DECOMP_WORK_SIZE / 8];

static uint8_t *load(const char *dir, const char *name, const char *ext, size_t *len)
{
    char path[1024];
    FILE *f;
    long n;
    uint8_t *b;

    snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc(n ? (size_t)n : 1);      /* exactly sized: ASan sees overreads */
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int run(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *olen, char *err, size_t errlen)
{
    int rc = decomp_run(in, len, out, cap, olen, work_area, err, errlen);

    /* Failures explain themselves in one line. */
    if (rc) {
        CHECK(err[0] != '\0');
        CHECK(strchr(err, '\n') == NULL);
    }
    return rc;
}

static void test_crc(void)
{
    CHECK_EQ(crc32_update(0, "123456789", 9), 0xcbf43926u);
    CHECK_EQ(crc64_update(0, "123456789", 9), 0x995dc9bbdf1939faull);
    CHECK_EQ(crc32_update(crc32_update(0, "1234", 4), "56789", 5), 0xcbf43926u);
    CHECK_EQ(crc64_update(crc64_update(0, "12345", 5), "6789", 4), 0x995dc9bbdf1939faull);
    CHECK_EQ(crc32_update(0, "", 0), 0);

    /* Slicing by 4 agrees with the byte-wise CRC at every length and alignment. */
    {
        static struct crc32_tables tab;
        uint8_t buf[300];
        unsigned i, off, len;

        crc32_tables_init(&tab);
        for (i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)t_rand();
        for (off = 0; off < 4; off++)
            for (len = 0; len + off <= sizeof(buf); len += 7)
                CHECK_EQ(crc32_update_fast(&tab, 0x12345678u, buf + off, len),
                         crc32_update(0x12345678u, buf + off, len));
        CHECK_EQ(crc32_update_fast(&tab, 0, "123456789", 9), 0xcbf43926u);
    }
}

static void test_api(void)
{
    static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 }, gz[] = { 0x1f, 0x8b };
    uint8_t out[16];
    size_t olen = 99;
    char err[128];
    uint64_t sz;

    CHECK_EQ(decomp_detect(xz, 6), DECOMP_XZ);
    CHECK_EQ(decomp_detect(xz, 5), DECOMP_NONE);
    CHECK_EQ(decomp_detect(gz, 2), DECOMP_GZIP);
    CHECK_EQ(decomp_detect(gz, 1), DECOMP_NONE);
    CHECK_EQ(decomp_detect(NULL, 10), DECOMP_NONE);
    CHECK_STR(decomp_format_name(DECOMP_XZ), "xz");
    CHECK_STR(decomp_format_name(DECOMP_GZIP), "gzip");
    CHECK_EQ(decomp_size(out, 0, &sz), -ENOEXEC);
    CHECK_EQ(decomp_size(xz, 6, &sz), -ENOEXEC);
    CHECK_EQ(decomp_size(gz, 2, &sz), -ENOEXEC);
    CHECK_EQ(decomp_run(gz, 2, out, sizeof(out), &olen, NULL, err, sizeof(err)), -EINVAL);
    CHECK_EQ(decomp_run(gz, 2, out, sizeof(out), &olen, (uint8_t *)work_area + 4, err, sizeof(err)), -EINVAL);
    CHECK_EQ(decomp_run(gz, 2, NULL, 4, &olen, work_area, err, sizeof(err)), -EINVAL);
    CHECK_EQ(decomp_run(gz, 2, out, sizeof(out), &olen, work_area, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(decomp_run(xz, 6, out, sizeof(out), &olen, work_area, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(decomp_run(xz, 6, out, sizeof(out), &olen, work_area, NULL, 0), -ENOEXEC);
    CHECK_EQ(decomp_run(out, 0, out, sizeof(out), &olen, work_area, err, sizeof(err)), -ENOEXEC);
}

/* Every bit (small inputs) or a sample of bits flipped, and every truncation. */
static void corrupt(const char *name, const uint8_t *in, size_t len, const uint8_t *want, size_t wlen,
                    bool checked, bool prefix_may_be_valid)
{
    uint8_t *c = malloc(len ? len : 1), *out = malloc(wlen + 64);
    size_t flips = len * 8 <= 8000 ? len * 8 : 800, i, olen;
    unsigned silent = 0, wrong_ok = 0;
    char err[160];

    for (i = 0; i < flips; i++) {
        size_t bit = len * 8 <= 8000 ? i : (size_t)t_rand_below(len * 8);
        int rc;

        memcpy(c, in, len);
        c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        rc = run(c, len, out, wlen + 64, &olen, err, sizeof(err));
        CHECK(rc == 0 || rc == -ENOEXEC || rc == -E2BIG);
        if (rc == 0) {
            CHECK(olen <= wlen + 64);
            if (olen != wlen || memcmp(out, want, wlen))
                wrong_ok++;
            else
                silent++;
        }
    }
    if (checked && wrong_ok) {
        fprintf(stderr, "%s: %u bit flips decoded to wrong output without an error\n", name, wrong_ok);
        CHECK(wrong_ok == 0);
    }
    /* Truncation at every length (sampled for big inputs): always an error. */
    if (!prefix_may_be_valid) {
        size_t step = len > 2000 ? len / 600 : 1;

        for (i = 0; i < len; i += step) {
            uint8_t *t = malloc(i ? i : 1);
            int rc;

            memcpy(t, in, i);
            rc = run(t, i, out, wlen + 64, &olen, err, sizeof(err));
            if (rc == 0)
                fprintf(stderr, "%s: truncated to %zu bytes decodes\n", name, i);
            CHECK(rc != 0);
            free(t);
        }
    }
    (void)silent;
    free(c);
    free(out);
}

static void test_vectors(const char *dir)
{
    char path[1024], line[512];
    FILE *m;
    unsigned nok = 0, nbad = 0;

    snprintf(path, sizeof(path), "%s/manifest", dir);
    m = fopen(path, "r");
    CHECK(m != NULL);
    if (!m)
        return;
    while (fgets(line, sizeof(line), m)) {
        char name[128], size_s[32], sub[128];
        int want_rc;
        size_t len, wlen = 0, olen = 0, k;
        uint8_t *in, *want = NULL, *out;
        char err[200];
        int rc;

        if (sscanf(line, "%127s %d %31s %127s", name, &want_rc, size_s, sub) != 4)
            continue;
        for (k = 0; sub[k]; k++)
            if (sub[k] == '_')
                sub[k] = ' ';
        in = load(dir, name, ".in", &len);
        CHECK(in != NULL);
        if (!in)
            continue;
        if (want_rc == 0) {
            uint64_t sz = 0;

            want = load(dir, name, ".out", &wlen);
            CHECK(want != NULL);
            if (!want)
                continue;
            if (strcmp(size_s, "-")) {
                CHECK_EQ(decomp_size(in, len, &sz), 0);
                CHECK_EQ(sz, strtoull(size_s, NULL, 10));
            }
            /* Exact-size buffer (ASan catches any write past it). */
            out = malloc(wlen ? wlen : 1);
            rc = run(in, len, out, wlen, &olen, err, sizeof(err));
            if (rc)
                fprintf(stderr, "%s: %s\n", name, err);
            CHECK_EQ(rc, 0);
            CHECK_EQ(olen, wlen);
            CHECK(memcmp(out, want, wlen) == 0);
            free(out);
            if (wlen) {
                out = malloc(wlen - 1 ? wlen - 1 : 1);
                rc = run(in, len, out, wlen - 1, &olen, err, sizeof(err));
                CHECK_EQ(rc, -E2BIG);
                CHECK_CONTAINS(err, "too small");
                free(out);
            }
            if (len <= 70000 && wlen <= 110000) {
                bool checked = !strstr(name, "none") && !strstr(name, "nocheck");
                bool prefix = strstr(name, "multi") || strstr(name, "concat") || strstr(name, "pad") ||
                              strstr(name, "trailer");

                corrupt(name, in, len, want, wlen, checked, prefix);
            }
            nok++;
        } else {
            out = malloc(1 << 20);
            rc = run(in, len, out, 1 << 20, &olen, err, sizeof(err));
            if (rc != want_rc || !strstr(err, sub))
                fprintf(stderr, "%s: rc %d, \"%s\" (wanted %d, \"%s\")\n", name, rc, err, want_rc, sub);
            CHECK_EQ(rc, want_rc);
            CHECK_CONTAINS(err, sub);
            free(out);
            nbad++;
        }
        free(in);
        free(want);
    }
    fclose(m);
    printf("  %u valid vectors, %u broken vectors\n", nok, nbad);
    CHECK(nok >= 35 && nbad >= 20);
}

/* Random garbage behind valid magic bytes: errors, no crashes. */
static void test_garbage(void)
{
    uint8_t in[600], out[4096];
    size_t olen;
    char err[160];
    unsigned i;

    for (i = 0; i < 3000; i++) {
        size_t n = 8 + t_rand_below(sizeof(in) - 8), k;
        int rc;

        for (k = 0; k < n; k++)
            in[k] = (uint8_t)t_rand();
        if (i & 1) {
            static const uint8_t xz[12] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 1, 0x69, 0x22, 0xde, 0x36 };

            memcpy(in, xz, sizeof(xz));
        } else {
            in[0] = 0x1f;
            in[1] = 0x8b;
            in[2] = 8;
            in[3] = 0;
        }
        rc = run(in, n, out, sizeof(out), &olen, err, sizeof(err));
        CHECK(rc == -ENOEXEC || rc == -E2BIG);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
        return 2;
    }
    RUN(test_crc);
    RUN(test_api);
    test_vectors(argv[1]);
    printf("%-40s %s\n", "test_vectors", t_failures ? "FAILED" : "ok");
    RUN(test_garbage);
    return t_finish("unit_decompress");
}
