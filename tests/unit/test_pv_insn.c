/*
 * The PV privileged-instruction decoder and set_debugreg's checks
 * (src/pv/pv_insn.c): every form the hypervisor emulates, the prefixes,
 * REX and the 15-byte limit, truncated input, and random bytes (no read
 * past the input, lengths within it).
 */
#include "test.h"
#include "pv/pv_insn.h"
#include "pv/pv_emul.h"
#include "lib/errno.h"

static struct pv_insn in;

static unsigned dec(const char *hex)
{
    uint8_t b[32];
    unsigned n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        if (*p == ' ')
            p--;
        else
            b[n++] = (uint8_t)strtoul((char[3]){ p[0], p[1], 0 }, NULL, 16);
    }
    /* Exactly n bytes, in a heap block of that size (ASan sees over-reads). */
    uint8_t *h = malloc(n ? n : 1);
    memcpy(h, b, n);
    unsigned op = pv_insn_decode(h, n, &in);
    free(h);
    return op;
}

static void test_forms(void)
{
    CHECK_EQ(dec("0fa2"), PVI_CPUID); CHECK_EQ(in.len, 2);
    CHECK_EQ(dec("0f0b78656e0fa2"), PVI_FORCED_CPUID); CHECK_EQ(in.len, 7);
    CHECK_EQ(dec("0f0b78656e0f"), PVI_NONE);          /* truncated: just a UD2 */
    CHECK_EQ(dec("0f0b78656f0fa2"), PVI_NONE);        /* "xeo" */
    CHECK_EQ(dec("0f32"), PVI_RDMSR);
    CHECK_EQ(dec("0f30"), PVI_WRMSR);
    CHECK_EQ(dec("0f31"), PVI_RDTSC);
    CHECK_EQ(dec("0f33"), PVI_RDPMC);
    CHECK_EQ(dec("0f06"), PVI_CLTS);
    CHECK_EQ(dec("0f08"), PVI_INVD);
    CHECK_EQ(dec("0f09"), PVI_WBINVD);
    CHECK_EQ(dec("0f01f9"), PVI_RDTSCP); CHECK_EQ(in.len, 3);
    CHECK_EQ(dec("0f01f8"), PVI_NONE);                /* SWAPGS */
    CHECK_EQ(dec("0f01"), PVI_NONE);
    CHECK_EQ(dec("f4"), PVI_HLT);
    CHECK_EQ(dec("fa"), PVI_CLI);
    CHECK_EQ(dec("fb"), PVI_STI);
    CHECK_EQ(dec("0f"), PVI_NONE);
    CHECK_EQ(dec(""), PVI_NONE);
    CHECK_EQ(dec("90"), PVI_NONE);
}

static void test_io(void)
{
    CHECK_EQ(dec("e480"), PVI_IN); CHECK_EQ(in.size, 1); CHECK_EQ(in.port, 0x80); CHECK(in.port_imm);
    CHECK_EQ(in.len, 2);
    CHECK_EQ(dec("e4"), PVI_NONE);                    /* the immediate is missing */
    CHECK_EQ(dec("66e510"), PVI_IN); CHECK_EQ(in.size, 2); CHECK_EQ(in.len, 3);
    CHECK_EQ(dec("e510"), PVI_IN); CHECK_EQ(in.size, 4);
    CHECK_EQ(dec("48e510"), PVI_IN); CHECK_EQ(in.size, 4);    /* REX.W: still 32 bits */
    CHECK_EQ(dec("e6ff"), PVI_OUT); CHECK_EQ(in.size, 1); CHECK_EQ(in.port, 0xff);
    CHECK_EQ(dec("e7ff"), PVI_OUT); CHECK_EQ(in.size, 4);
    CHECK_EQ(dec("ec"), PVI_IN); CHECK(!in.port_imm); CHECK_EQ(in.size, 1); CHECK_EQ(in.len, 1);
    CHECK_EQ(dec("66ed"), PVI_IN); CHECK_EQ(in.size, 2);
    CHECK_EQ(dec("ee"), PVI_OUT); CHECK_EQ(in.size, 1);
    CHECK_EQ(dec("ef"), PVI_OUT); CHECK_EQ(in.size, 4);
    CHECK_EQ(dec("6c"), PVI_INS); CHECK(!in.rep); CHECK_EQ(in.size, 1);
    CHECK_EQ(dec("f36d"), PVI_INS); CHECK(in.rep); CHECK_EQ(in.size, 4); CHECK_EQ(in.len, 2);
    CHECK_EQ(dec("f3666f"), PVI_OUTS); CHECK(in.rep); CHECK_EQ(in.size, 2); CHECK_EQ(in.len, 3);
    CHECK_EQ(dec("67f36e"), PVI_OUTS); CHECK(in.addr32); CHECK_EQ(in.size, 1);
    CHECK_EQ(dec("646e"), PVI_OUTS); CHECK_EQ(in.seg, PVS_FS);
    CHECK_EQ(dec("656e"), PVI_OUTS); CHECK_EQ(in.seg, PVS_GS);
    CHECK_EQ(dec("f06e"), PVI_NONE);                  /* LOCK */
}

static void test_mov_crdr(void)
{
    CHECK_EQ(dec("0f20c0"), PVI_MOV_FROM_CR); CHECK_EQ(in.reg, 0); CHECK_EQ(in.gpr, 0); CHECK_EQ(in.len, 3);
    CHECK_EQ(dec("0f20d8"), PVI_MOV_FROM_CR); CHECK_EQ(in.reg, 3); CHECK_EQ(in.gpr, 0);
    CHECK_EQ(dec("0f22e3"), PVI_MOV_TO_CR); CHECK_EQ(in.reg, 4); CHECK_EQ(in.gpr, 3);
    CHECK_EQ(dec("440f22c0"), PVI_MOV_TO_CR); CHECK_EQ(in.reg, 8); CHECK_EQ(in.gpr, 0); CHECK_EQ(in.len, 4);
    CHECK_EQ(dec("410f20c7"), PVI_MOV_FROM_CR); CHECK_EQ(in.reg, 0); CHECK_EQ(in.gpr, 15);
    CHECK_EQ(dec("0f2007"), PVI_MOV_FROM_CR); CHECK_EQ(in.gpr, 7);        /* mod is ignored */
    CHECK_EQ(dec("41660f20c7"), PVI_MOV_FROM_CR); CHECK_EQ(in.gpr, 7);    /* REX before 66: ignored */
    CHECK_EQ(dec("66410f20c7"), PVI_MOV_FROM_CR); CHECK_EQ(in.gpr, 15);
    CHECK_EQ(dec("0f21f8"), PVI_MOV_FROM_DR); CHECK_EQ(in.reg, 7); CHECK_EQ(in.gpr, 0);
    CHECK_EQ(dec("0f23c1"), PVI_MOV_TO_DR); CHECK_EQ(in.reg, 0); CHECK_EQ(in.gpr, 1);
    CHECK_EQ(dec("0f23"), PVI_NONE);                  /* ModRM missing */
    CHECK_EQ(dec("f00f20c0"), PVI_NONE);              /* LOCK MOV CR: AMD's CR8 alias, not offered */
}

/* INVLPG (0F 01 /7, memory operand): ModRM, SIB, displacements, REX. */
static void test_invlpg(void)
{
    CHECK_EQ(dec("0f0138"), PVI_INVLPG); CHECK_EQ(in.len, 3);         /* invlpg (%rax) */
    CHECK_EQ(in.mem_base, 0); CHECK_EQ(in.mem_index, PV_NO_REG); CHECK_EQ(in.mem_disp, 0);
    CHECK_EQ(dec("410f017b10"), PVI_INVLPG); CHECK_EQ(in.len, 5);     /* invlpg 0x10(%r11) */
    CHECK_EQ(in.mem_base, 11); CHECK_EQ(in.mem_disp, 16);
    CHECK_EQ(dec("0f01bb00f0ffff"), PVI_INVLPG); CHECK_EQ(in.len, 7); /* invlpg -0x1000(%rbx) */
    CHECK_EQ(in.mem_base, 3); CHECK_EQ(in.mem_disp, -0x1000);
    CHECK_EQ(dec("0f013d10000000"), PVI_INVLPG); CHECK_EQ(in.len, 7); /* invlpg 0x10(%rip) */
    CHECK(in.mem_riprel); CHECK_EQ(in.mem_base, PV_NO_REG); CHECK_EQ(in.mem_disp, 0x10);
    CHECK_EQ(dec("420f013cc8"), PVI_INVLPG); CHECK_EQ(in.len, 5);     /* invlpg (%rax,%r9,8) */
    CHECK_EQ(in.mem_base, 0); CHECK_EQ(in.mem_index, 9); CHECK_EQ(in.mem_scale, 8);
    CHECK_EQ(dec("0f013c2578563412"), PVI_INVLPG); CHECK_EQ(in.len, 8);   /* invlpg 0x12345678 (SIB, no base/index) */
    CHECK_EQ(in.mem_base, PV_NO_REG); CHECK_EQ(in.mem_index, PV_NO_REG); CHECK_EQ(in.mem_disp, 0x12345678);
    CHECK_EQ(dec("650f0138"), PVI_INVLPG); CHECK_EQ(in.seg, PVS_GS);   /* invlpg %gs:(%rax) */
    CHECK_EQ(dec("0f01f8"), PVI_NONE);                /* mod 3, reg 7: SWAPGS */
    CHECK_EQ(dec("0f0130"), PVI_NONE);                /* /6: LMSW */
    CHECK_EQ(dec("0f01bb00f0ff"), PVI_NONE);          /* displacement cut short */
    CHECK_EQ(dec("0f013c"), PVI_NONE);                /* SIB missing */
    CHECK_EQ(dec("f00f0138"), PVI_NONE);              /* LOCK */
}

static void test_length(void)
{
    char hex[64] = "";
    for (int i = 0; i < 14; i++)
        strcat(hex, "66");
    strcat(hex, "f4");
    CHECK_EQ(dec(hex), PVI_HLT);                      /* 15 bytes */
    CHECK_EQ(in.len, 15);
    hex[0] = 0;
    for (int i = 0; i < 15; i++)
        strcat(hex, "66");
    strcat(hex, "f4");
    CHECK_EQ(dec(hex), PVI_NONE);                     /* 16: the CPU's #GP stands */
    hex[0] = 0;
    for (int i = 0; i < 13; i++)
        strcat(hex, "66");
    strcat(hex, "e480");
    CHECK_EQ(dec(hex), PVI_IN);                       /* 15 with the immediate */
    hex[0] = 0;
    for (int i = 0; i < 14; i++)
        strcat(hex, "66");
    strcat(hex, "e480");
    CHECK_EQ(dec(hex), PVI_NONE);
}

static void test_random(void)
{
    for (unsigned k = 0; k < 200000; k++) {
        unsigned n = (unsigned)(t_rand() % 17);
        uint8_t *b = malloc(n ? n : 1);
        for (unsigned i = 0; i < n; i++) {
            uint64_t r = t_rand();
            /* Bias towards the bytes that matter. */
            static const uint8_t hot[] = { 0x0f, 0x66, 0x67, 0xf3, 0xf0, 0x41, 0x44, 0x20, 0x22, 0xe4, 0xec, 0x6c,
                                           0x0b, 'x', 'e', 'n', 0xa2, 0x01, 0xf9 };
            b[i] = (r & 1) ? hot[(r >> 8) % sizeof(hot)] : (uint8_t)(r >> 16);
        }
        unsigned op = pv_insn_decode(b, n, &in);
        CHECK(op < PVI_NR);
        if (op != PVI_NONE) {
            CHECK(in.len >= 1 && in.len <= n && in.len <= 15);
        } else {
            CHECK_EQ(in.len, 0);
        }
        free(b);
    }
}

static void test_dr_check(void)
{
    uint64_t s = 0;
    CHECK_EQ(pv_dr_check(0, 0x1000, &s), 0); CHECK_EQ(s, 0x1000);
    CHECK_EQ(pv_dr_check(3, 0x00007ffffffffff8ull, &s), 0);
    CHECK_EQ(pv_dr_check(1, 0x00007ffffffffff9ull, &s), -EPERM);     /* its 8 bytes leave the lower half */
    CHECK_EQ(pv_dr_check(1, 0x0000800000000000ull, &s), -EPERM);
    CHECK_EQ(pv_dr_check(2, 0xffff800000000000ull, &s), -EPERM);     /* the hypervisor's */
    CHECK_EQ(pv_dr_check(2, 0xffff87fffffffff8ull, &s), -EPERM);
    CHECK_EQ(pv_dr_check(2, 0xffff7ffffffffff8ull, &s), -EPERM);     /* non-canonical, ends inside */
    CHECK_EQ(pv_dr_check(2, 0xffff880000000000ull, &s), 0);
    CHECK_EQ(pv_dr_check(0, 0xfffffffffffffff8ull, &s), 0);
    CHECK_EQ(pv_dr_check(0, 0xfffffffffffffff9ull, &s), -EPERM);     /* wraps */
    CHECK_EQ(pv_dr_check(6, 0, &s), 0); CHECK_EQ(s, 0xffff0ff0ull);
    CHECK_EQ(pv_dr_check(6, 0x4001, &s), 0); CHECK_EQ(s, 0xffff4ff1ull);
    CHECK_EQ(pv_dr_check(4, 0x1ull << 32, &s), -EPERM);
    CHECK_EQ(pv_dr_check(7, 0, &s), 0); CHECK_EQ(s, 0x400);
    CHECK_EQ(pv_dr_check(7, 0xf801, &s), -EPERM);                     /* GD (bit 13) */
    CHECK_EQ(pv_dr_check(7, 0xd800, &s), 0); CHECK_EQ(s, 0x400);   /* 11, 12, 14, 15 read as 0 */
    for (unsigned b = 0; b < 8; b++) {                                /* each L/G bit alone: armed, accepted */
        CHECK_EQ(pv_dr_check(7, 1ull << b, &s), 0); CHECK_EQ(s, 0x400 | 1ull << b);
    }
    CHECK_EQ(pv_dr_check(7, 0xff | 0xd1d1ull << 16, &s), 0);          /* all four armed: write breakpoints of 1 and 4 bytes */
    CHECK_EQ(s, 0xd1d104ffull);
    CHECK_EQ(pv_dr_check(7, 0x300 | 3ull << 16, &s), 0); CHECK_EQ(s, 0x30700); /* LE/GE and types, nothing armed */
    CHECK_EQ(pv_dr_check(7, 0x1ull << 32, &s), -EPERM);
    CHECK_EQ(pv_dr_check(7, 1 | 2ull << 16, &s), -EPERM);            /* armed I/O breakpoint */
    CHECK_EQ(pv_dr_check(7, 0x80 | 2ull << 28, &s), -EPERM);         /* G3, I/O */
    CHECK_EQ(pv_dr_check(7, 0x3 | 2ull << 20, &s), 0);                /* DR0 armed, I/O type on DR1 (off) */
    CHECK_EQ(pv_dr_check(7, 0xc | 2ull << 20, &s), -EPERM);           /* DR1 armed with the I/O type */
    CHECK_EQ(pv_dr_check(7, 0x40 | 2ull << 28, &s), -EPERM);          /* L3, I/O */
    CHECK_EQ(pv_dr_check(7, 2ull << 20, &s), 0);                      /* I/O type on DR1, nothing armed */
    CHECK_EQ(pv_dr_check(5, 0x1 | 1ull << 16 | 3ull << 18, &s), 0);   /* DR5 is DR7: armed */
    CHECK_EQ(s, 0xd0401ull);
    CHECK_EQ(pv_dr_check(5, 0x1 | 2ull << 16, &s), -EPERM);           /* DR5 is DR7: I/O */
    CHECK_EQ(pv_dr_check(5, 1ull << 16 | 3ull << 18, &s), 0); CHECK_EQ(s, 0xd0400ull);
    CHECK_EQ(pv_dr_check(8, 0, &s), -EINVAL);
    CHECK_EQ(pv_dr_check(15, 0, &s), -EINVAL);
}

int main(void)
{
    RUN(test_forms);
    RUN(test_io);
    RUN(test_mov_crdr);
    RUN(test_invlpg);
    RUN(test_length);
    RUN(test_random);
    RUN(test_dr_check);
    return t_finish("pv_insn");
}
