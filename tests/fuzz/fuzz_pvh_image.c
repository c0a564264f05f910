/* libFuzzer harness of PVH kernel loading (src/hvm/pvh_image.c with
 * src/lib/decompress): a bzImage's payload, or a whole gzip/xz file, is
 * decompressed and planned; any other input is planned as an ELF directly.  Every plan is
 * checked for the properties the domain builder relies on when it copies
 * bytes per the plan. */
#include "fuzz_check.h"
#include "hvm/pvh_image.h"
#include "lib/decompress.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (1u << 20)
#define MEM     (64ull << 20)

static uint64_t work[DECOMP_WORK_SIZE / 8];

static void plan_elf(const uint8_t *elf, size_t size)
{
    struct kimg_plan p;
    char err[200];
    uint64_t lo = UINT64_MAX, hi = 0;
    bool entry_in = false;
    int rc = pvh_elf_plan(elf, size, MEM, &p, err, sizeof(err));

    FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC);
    if (rc) {
        fuzz_check_err(err, sizeof(err));
        FUZZ_ASSERT(!strncmp(err, "pvh: ", 5));
        return;
    }
    FUZZ_ASSERT(p.format == KIMG_ELF32_MB1 || p.format == KIMG_ELF64_MB1);
    FUZZ_ASSERT(p.mb_flags == 0 && p.nr_segs >= 1 && p.nr_segs <= KIMG_MAX_SEGS);
    for (unsigned i = 0; i < p.nr_segs; i++) {
        const struct kimg_seg *s = &p.segs[i];

        FUZZ_ASSERT(s->mem_size > 0 && s->file_size <= s->mem_size);
        FUZZ_ASSERT(s->file_off <= size && s->file_size <= size - s->file_off);
        FUZZ_ASSERT(s->gpa <= MEM && s->mem_size <= MEM - s->gpa);
        FUZZ_ASSERT(s->gpa >= KIMG_HOLE_END || s->gpa + s->mem_size <= KIMG_HOLE_START);
        for (unsigned j = 0; j < i; j++)
            FUZZ_ASSERT(s->gpa >= p.segs[j].gpa + p.segs[j].mem_size || p.segs[j].gpa >= s->gpa + s->mem_size);
        if (p.entry >= s->gpa && p.entry - s->gpa < s->mem_size)
            entry_in = true;
        lo = s->gpa < lo ? s->gpa : lo;
        hi = s->gpa + s->mem_size > hi ? s->gpa + s->mem_size : hi;
    }
    FUZZ_ASSERT(entry_in && p.entry <= 0xffffffffull);
    FUZZ_ASSERT(p.lowest == lo && p.highest == hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *img = malloc(size ? size : 1);     /* exactly sized: ASan sees overreads */
    const void *pl = NULL;
    size_t len = 0;
    char err[200];
    int rc;

    memcpy(img, data, size);
    rc = pvh_bzimage_payload(img, size, &pl, &len, err, sizeof(err));
    FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -ENOEXEC);
    if (rc == -ENOENT && decomp_detect(img, size) != DECOMP_NONE) {
        /* A whole compressed kernel file (hvm/loader_pvh.c): unpacked like a payload. */
        pl = img;
        len = size;
        rc = 0;
    }
    if (rc == -ENOENT) {
        plan_elf(img, size);
    } else if (rc == -ENOEXEC) {
        fuzz_check_err(err, sizeof(err));
    } else {
        const uint8_t *p = pl;
        size_t olen;
        uint8_t *out;

        FUZZ_ASSERT(p >= img && len > 0 && len <= size && (size_t)(p - img) <= size - len);
        out = malloc(OUT_CAP);
        rc = decomp_run(pl, len, out, OUT_CAP, &olen, work, err, sizeof(err));
        FUZZ_ASSERT(rc == 0 || rc == -ENOEXEC || rc == -E2BIG);
        if (rc == 0) {
            /* Exactly sized copy of the decompressed kernel for the planner. */
            uint8_t *elf = malloc(olen ? olen : 1);

            FUZZ_ASSERT(olen <= OUT_CAP);
            memcpy(elf, out, olen);
            plan_elf(elf, olen);
            free(elf);
        } else {
            fuzz_check_err(err, sizeof(err));
        }
        free(out);
    }
    free(img);
    return 0;
}
