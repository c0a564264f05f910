/* libFuzzer harness of the kernel-payload decompressors (src/lib/decompress.c,
 * inflate.c, unxz.c, lzma2.c).  Input with gzip or xz magic goes through
 * decomp_size and decomp_run (output buffer exactly sized, so ASan sees any
 * write past it); any other input is fed to the LZMA2 chunk decoder
 * directly (first byte: dictionary size property), which reaches the LZMA
 * code without the container's CRC32-protected headers in the way. */
#include "fuzz_check.h"
#include "lib/decomp_priv.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (1u << 20)

static uint64_t work[DECOMP_WORK_SIZE / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);      /* exactly sized: ASan sees overreads */
    uint8_t *out = malloc(OUT_CAP);
    size_t olen = 0, used = 0;
    char err[160];
    uint64_t sz;
    int rc;

    memcpy(in, data, size);
    if (decomp_detect(in, size) != DECOMP_NONE) {
        rc = decomp_size(in, size, &sz);
        FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC);
        rc = decomp_run(in, size, out, OUT_CAP, &olen, work, err, sizeof(err));
        FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC || rc == -E2BIG);
        if (rc) {
            fuzz_check_err(err, sizeof(err));
        } else {
            FUZZ_ASSERT(olen <= OUT_CAP);
            if (olen) {
                /* Deterministic, and one byte less does not fit. */
                uint8_t *small = malloc(olen - 1 ? olen - 1 : 1);
                size_t l2;

                FUZZ_ASSERT(decomp_run(in, size, small, olen - 1, &l2, work, err, sizeof(err)) == -E2BIG);
                free(small);
            }
        }
    } else if (size >= 1) {
        uint32_t d = in[0] % 24;    /* 4 KiB .. 24 MiB dictionaries */
        uint32_t dict = (2u | (d & 1u)) << (d / 2 + 11);
        size_t cap = size & 1 ? 4096 : OUT_CAP;

        rc = lzma2_decode(in + 1, size - 1, &used, out, 0, cap, UINT64_MAX, &olen, dict, work, 0, err,
                          sizeof(err));
        FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC || rc == -E2BIG);
        if (rc)
            fuzz_check_err(err, sizeof(err));
        else
            FUZZ_ASSERT(used <= size - 1 && olen <= cap);
    }
    free(out);
    free(in);
    return 0;
}
