/*
 * 64-bit PV segment-descriptor checks (src/pv/desc.c).
 */
#include "test.h"
#include "pv/desc.h"
#include "lib/errno.h"

/* base 0, limit 0xfffff, G; access byte and flags given. */
static uint64_t seg(unsigned access, unsigned flags)
{
    return 0xffffull | (0xfull << 48) | ((uint64_t)access << 40) | ((uint64_t)flags << 52);
}

int main(void)
{
    uint64_t d;

    /* Ring-3 64-bit code and data: unchanged. */
    d = seg(0xfb, 0xa);                 /* P, DPL3, S, code RX accessed; G, L */
    CHECK_EQ(pv_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xfb, 0xa));
    d = seg(0xf3, 0xc);                 /* data RW, DPL3 */
    CHECK_EQ(pv_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xf3, 0xc));
    /* Ring-0 code and ring-1 data: raised to DPL 3, nothing else changes. */
    d = seg(0x9b, 0xa);
    CHECK_EQ(pv_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xfb, 0xa));
    d = seg(0xb3, 0xc);
    CHECK_EQ(pv_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xf3, 0xc));
    /* Not present: whatever it says (a ring-0 call gate), it faults on use. */
    d = 0x00008c0000100000ull & ~(1ull << 47);
    CHECK_EQ(pv_check_descriptor(&d), 0);
    d = 0;
    CHECK_EQ(pv_check_descriptor(&d), 0);
    /* Present system descriptors: type 0 passes, every other is refused
     * (LDT 2, TSS 9/11, call gate 12, interrupt gate 14, trap gate 15, in
     * every DPL), and a refused descriptor is not rewritten. */
    d = 1ull << 47;
    CHECK_EQ(pv_check_descriptor(&d), 0);
    static const unsigned types[] = { 1, 2, 3, 9, 11, 12, 14, 15 };
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        for (unsigned dpl = 0; dpl < 4; dpl++) {
            uint64_t in = 0x0000000000100000ull | (1ull << 47) | ((uint64_t)dpl << 45) | ((uint64_t)types[i] << 40);
            d = in;
            CHECK_EQ(pv_check_descriptor(&d), -EINVAL);
            CHECK_EQ(d, in);
        }
    /* 32-bit (compat) guests, kernel in ring 1: DPL 0 raised to 1, DPL
     * 1-3 unchanged; 64-bit code refused in every DPL; system descriptors
     * as above. */
    d = seg(0x9b, 0xc);                 /* 32-bit code, DPL 0 */
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xbb, 0xc));
    d = seg(0x93, 0xc);
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xb3, 0xc));
    d = seg(0xb3, 0xc);
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xb3, 0xc));
    d = seg(0xf3, 0xc);
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    CHECK_EQ(d, seg(0xf3, 0xc));
    for (unsigned dpl = 0; dpl < 4; dpl++) {
        uint64_t in = seg(0x9b | (dpl << 5), 0xa);      /* L=1 code */
        d = in;
        CHECK_EQ(pv32_check_descriptor(&d), -EINVAL);
        CHECK_EQ(d, in);
    }
    d = seg(0xbb, 0xa) & ~(1ull << 47);                 /* not present: faults on use */
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    d = 1ull << 47;
    CHECK_EQ(pv32_check_descriptor(&d), 0);
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        for (unsigned dpl = 0; dpl < 4; dpl++) {
            uint64_t in = 0x0000000000100000ull | (1ull << 47) | ((uint64_t)dpl << 45) | ((uint64_t)types[i] << 40);
            d = in;
            CHECK_EQ(pv32_check_descriptor(&d), -EINVAL);
            CHECK_EQ(d, in);
        }
    /* Decoding (pv_desc_base/limit/dpl): the base split over bits 16-39
     * and 56-63, the limit over 0-15 and 48-51, G scaling it to bytes. */
    d = 0xabcff2cdef121234ull;          /* base 0xabcdef12, limit 0xf1234, G, DPL 3 */
    CHECK_EQ(pv_desc_base(d), 0xabcdef12ull);
    CHECK_EQ(pv_desc_limit(d), 0xf1234fffull);
    CHECK_EQ(pv_desc_dpl(d), 3u);
    d &= ~DESC_G;
    CHECK_EQ(pv_desc_limit(d), 0xf1234ull);
    CHECK_EQ(pv_desc_limit(seg(0x9b, 0xc)), 0xffffffffull);
    CHECK_EQ(pv_desc_dpl(seg(0xbb, 0xc)), 1u);
    /* IRET's CS/SS rules for a compat ring (pv32_code/stack_desc_ok). */
    CHECK(pv32_code_desc_ok(seg(0xbb, 0xc), 1));                /* ring-1 32-bit code */
    CHECK(!pv32_code_desc_ok(seg(0xbb, 0xc), 3));               /* DPL != RPL */
    CHECK(!pv32_code_desc_ok(seg(0xbb, 0xa), 1));               /* 64-bit */
    CHECK(!pv32_code_desc_ok(seg(0xbb, 0xc) & ~DESC_P, 1));     /* not present */
    CHECK(!pv32_code_desc_ok(seg(0xb3, 0xc), 1));               /* data */
    CHECK(pv32_code_desc_ok(seg(0xbf, 0xc), 3));                /* conforming DPL 1, RPL 3 */
    CHECK(!pv32_code_desc_ok(seg(0xff, 0xc), 1));               /* conforming DPL 3, RPL 1 */
    CHECK(pv32_stack_desc_ok(seg(0xb3, 0xc), 1));
    CHECK(pv32_stack_desc_ok(seg(0xf3, 0xc), 3));
    CHECK(!pv32_stack_desc_ok(seg(0xf3, 0xc), 1));              /* DPL != RPL */
    CHECK(!pv32_stack_desc_ok(seg(0xb1, 0xc), 1));              /* read-only */
    CHECK(!pv32_stack_desc_ok(seg(0xbb, 0xc), 1));              /* code */
    CHECK(!pv32_stack_desc_ok(seg(0xb3, 0xc) & ~DESC_P, 1));
    printf("pvdesc: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures != 0;
}
