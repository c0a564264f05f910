/* libFuzzer harness: the input is a kernel image, planned against three
 * guests (16 MiB ELF-or-header only; 1 MiB + 64 KiB as a .bin; 8 GiB as a
 * .bin), checking every property the domain builder relies on when it
 * copies bytes per the plan. */
#include "fuzz_check.h"
#include "hvm/kernel_image.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plan(const struct kimg_plan *p, size_t size, uint64_t mem, bool flat)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    bool entry_in = false;
    unsigned i, j;

    FUZZ_ASSERT(p->nr_segs >= 1 && p->nr_segs <= KIMG_MAX_SEGS);
    FUZZ_ASSERT(p->format <= KIMG_BIN_MB2);
    FUZZ_ASSERT(flat || p->format != KIMG_FLAT);
    for (i = 0; i < p->nr_segs; i++) {
        const struct kimg_seg *s = &p->segs[i];

        FUZZ_ASSERT(s->mem_size > 0 && s->file_size <= s->mem_size);
        FUZZ_ASSERT(s->file_off <= size && s->file_size <= size - s->file_off);
        FUZZ_ASSERT(s->gpa <= mem && s->mem_size <= mem - s->gpa);
        FUZZ_ASSERT(s->gpa >= KIMG_HOLE_END || s->gpa + s->mem_size <= KIMG_HOLE_START);
        for (j = 0; j < i; j++)
            FUZZ_ASSERT(s->gpa >= p->segs[j].gpa + p->segs[j].mem_size ||
                        p->segs[j].gpa >= s->gpa + s->mem_size);
        if (p->entry >= s->gpa && p->entry - s->gpa < s->mem_size)
            entry_in = true;
        lo = s->gpa < lo ? s->gpa : lo;
        hi = s->gpa + s->mem_size > hi ? s->gpa + s->mem_size : hi;
    }
    FUZZ_ASSERT(entry_in && p->entry <= 0xffffffffull);
    FUZZ_ASSERT(p->lowest == lo && p->highest == hi);
    if (p->format == KIMG_FLAT)
        FUZZ_ASSERT(p->nr_segs == 1 && p->segs[0].gpa == KIMG_FLAT_LOAD && p->entry == KIMG_FLAT_LOAD &&
                    p->segs[0].file_size == size && p->mb_flags == 0);
    if (kimg_is_mb2(p->format))
        FUZZ_ASSERT(p->mb_flags == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct { uint64_t mem; bool flat; } guests[] = {
        { 16ull << 20, false }, { (1ull << 20) + 0x10000, true }, { 8ull << 30, true },
    };
    uint8_t *img = malloc(size ? size : 1);    /* exactly sized: ASan sees overreads */
    struct kimg_plan plan;
    char err[160];
    unsigned g;

    memcpy(img, data, size);
    for (g = 0; g < sizeof(guests) / sizeof(guests[0]); g++) {
        int rc;

        memset(err, 0x5a, sizeof(err));
        rc = kimg_plan(img, size, guests[g].mem, guests[g].flat, &plan, err, sizeof(err));
        if (rc) {
            FUZZ_ASSERT(rc == -ENOEXEC);
            fuzz_check_err(err, sizeof(err));
            FUZZ_ASSERT(strncmp(err, "kernel: ", 8) == 0 && err[8] != '\0');
        } else {
            FUZZ_ASSERT(err[0] == '\0');
            check_plan(&plan, size, guests[g].mem, guests[g].flat);
        }
    }
    free(img);
    return 0;
}
