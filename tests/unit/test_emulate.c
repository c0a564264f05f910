/*
 * Host tests of the instruction emulator core (src/hvm/emulate/): decoding
 * in each mode, prefixes, addressing forms, the instructions it executes,
 * flags checked against what this CPU computes for the same operation, REP
 * string instructions, and the faults it must raise.  The guest is the fake
 * in emul_fake.h.
 */
#include "test.h"
#include "emul_fake.h"

static uint64_t emul_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

#define CODE64  0x401000ull
#define MMIO    0xfee00000ull
#define RAM     0x200000ull
#define FL_ALL  (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | EMUL_FL_OF)

static struct emul_ctx ctx;

static enum emul_rc run(const char *hex)
{
    bool m64 = emul_mode(ctx.cr0, ctx.efer, ctx.regs.rflags, ctx.seg[EMUL_CS].attr) == 64;
    fake_code(ctx.regs.rip + (m64 ? 0 : ctx.seg[EMUL_CS].base), hex);
    return emul_run(&ctx);
}

static void setup64(void)
{
    fake_setup(&ctx, 64, CODE64);
    fake_map(CODE64, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    fake_map(RAM, PG_RAM);
    fake_map(RAM + 4096, PG_RAM);
}

/* ---- native oracle: the same ALU operation on this CPU ---------------- */

/* Flags in and out through PUSHF/POPF; the red zone is skipped because the
 * pushes below would land in it. */
#define NATIVE2(mn, size, x, y, f, c) \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[fl]\n\tpopf\n\t" mn " %[b], %[a]\n\tpushf\n\tpop %[fl]\n\t" \
                 "lea 128(%%rsp), %%rsp" : [a] "+" c(x), [fl] "+r"(f) : [b] c(y) : "cc", "memory")
#define NATIVE1(mn, x, f, c) \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[fl]\n\tpopf\n\t" mn " %[a]\n\tpushf\n\tpop %[fl]\n\t" \
                 "lea 128(%%rsp), %%rsp" : [a] "+" c(x), [fl] "+r"(f) : : "cc", "memory")

#define NATIVE_ALL2(mn, size, a, b, f) do {                                         \
        switch (size) {                                                             \
        case 1: { uint8_t x = (uint8_t)a, y = (uint8_t)b; NATIVE2(mn "b", 1, x, y, f, "q"); a = x; break; } \
        case 2: { uint16_t x = (uint16_t)a, y = (uint16_t)b; NATIVE2(mn "w", 2, x, y, f, "r"); a = x; break; } \
        case 4: { uint32_t x = (uint32_t)a, y = (uint32_t)b; NATIVE2(mn "l", 4, x, y, f, "r"); a = x; break; } \
        default: { uint64_t x = a, y = b; NATIVE2(mn "q", 8, x, y, f, "r"); a = x; break; } \
        }                                                                           \
    } while (0)
#define NATIVE_ALL1(mn, size, a, f) do {                                            \
        switch (size) {                                                             \
        case 1: { uint8_t x = (uint8_t)a; NATIVE1(mn "b", x, f, "q"); a = x; break; } \
        case 2: { uint16_t x = (uint16_t)a; NATIVE1(mn "w", x, f, "r"); a = x; break; } \
        case 4: { uint32_t x = (uint32_t)a; NATIVE1(mn "l", x, f, "r"); a = x; break; } \
        default: { uint64_t x = a; NATIVE1(mn "q", x, f, "r"); a = x; break; } \
        }                                                                           \
    } while (0)

enum { N_ADD, N_OR, N_ADC, N_SBB, N_AND, N_SUB, N_XOR, N_CMP, N_TEST, N_INC, N_DEC, N_NEG, N_NOT };

static uint64_t native(int op, unsigned size, uint64_t a, uint64_t b, uint64_t *fl)
{
    uint64_t f = *fl;
    switch (op) {
    case N_ADD: NATIVE_ALL2("add", size, a, b, f); break;
    case N_OR: NATIVE_ALL2("or", size, a, b, f); break;
    case N_ADC: NATIVE_ALL2("adc", size, a, b, f); break;
    case N_SBB: NATIVE_ALL2("sbb", size, a, b, f); break;
    case N_AND: NATIVE_ALL2("and", size, a, b, f); break;
    case N_SUB: NATIVE_ALL2("sub", size, a, b, f); break;
    case N_XOR: NATIVE_ALL2("xor", size, a, b, f); break;
    case N_CMP: NATIVE_ALL2("cmp", size, a, b, f); break;
    case N_TEST: NATIVE_ALL2("test", size, a, b, f); break;
    case N_INC: NATIVE_ALL1("inc", size, a, f); break;
    case N_DEC: NATIVE_ALL1("dec", size, a, f); break;
    case N_NEG: NATIVE_ALL1("neg", size, a, f); break;
    default: NATIVE_ALL1("not", size, a, f); break;
    }
    *fl = f;
    return a;
}

/* Flags the SDM leaves undefined per operation (not compared). */
static uint64_t undefined_flags(int op)
{
    return op == N_AND || op == N_OR || op == N_XOR || op == N_TEST ? EMUL_FL_AF : 0;
}

static const uint64_t vals[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0x0f0f0f0f0f0f0f0full, 0x123456789abcdef0ull, 0xfedcba9876543210ull, 0x8, 0x9, 0x10, 0xf,
};

/* Size prefix bytes and the "w" bit for the 64-bit-mode encodings. */
static const char *size_prefix(unsigned size)
{
    return size == 2 ? "66 " : size == 8 ? "48 " : "";
}

/* op [rbx], rcx (two-operand ops) or grp [rbx] (one-operand ops) against
 * MMIO, each size, each value pair, CF in and out. */
static void test_alu_vs_native(void)
{
    static const struct { int op; const char *opc; const char *opc8; const char *modrm; } ops[] = {
        { N_ADD, "01", "00", "0b" }, { N_OR, "09", "08", "0b" }, { N_ADC, "11", "10", "0b" },
        { N_SBB, "19", "18", "0b" }, { N_AND, "21", "20", "0b" }, { N_SUB, "29", "28", "0b" },
        { N_XOR, "31", "30", "0b" }, { N_CMP, "39", "38", "0b" }, { N_TEST, "85", "84", "0b" },
        { N_INC, "ff", "fe", "03" }, { N_DEC, "ff", "fe", "0b" }, { N_NEG, "f7", "f6", "1b" },
        { N_NOT, "f7", "f6", "13" },
    };
    unsigned n = 0, bad = 0;
    for (unsigned o = 0; o < ARRAY_SIZE(ops); o++)
        for (unsigned size = 1; size <= 8; size *= 2)
            for (unsigned i = 0; i < ARRAY_SIZE(vals); i++)
                for (unsigned j = 0; j < ARRAY_SIZE(vals); j += (ops[o].op >= N_INC ? 100 : 1))
                    for (unsigned cf = 0; cf < 2; cf++) {
                        char code[32];
                        snprintf(code, sizeof(code), "%s%s %s", size_prefix(size),
                                 size == 1 ? ops[o].opc8 : ops[o].opc, ops[o].modrm);
                        setup64();
                        uint64_t a = vals[i], b = vals[j], fl = 0x202 | cf | (i & 1 ? EMUL_FL_ZF : 0);
                        ctx.regs.rbx = MMIO + 0x20;
                        ctx.regs.rcx = b;
                        ctx.regs.rflags = fl;
                        fake_poke_u(MMIO + 0x20, a, 8);
                        uint64_t want = native(ops[o].op, size, a, b, &fl);
                        enum emul_rc rc = run(code);
                        uint64_t mask = emul_size_mask(size), undef = undefined_flags(ops[o].op);
                        uint64_t got = fake_peek(MMIO + 0x20, size);
                        bool writes = ops[o].op != N_CMP && ops[o].op != N_TEST;
                        n++;
                        if (rc != EMUL_OK || (writes ? got != (want & mask) : got != (a & mask)) ||
                            ((ctx.regs.rflags ^ fl) & (FL_ALL & ~undef)) ||
                            ctx.regs.rip != CODE64 + (size == 1 ? 2 : strlen(size_prefix(size)) / 3 + 2)) {
                            if (bad++ < 10)
                                fprintf(stderr, "alu %s (size %u) a=%#llx b=%#llx cf=%u: rc %d got %#llx fl %#llx,"
                                        " want %#llx fl %#llx\n", code, size, (unsigned long long)a,
                                        (unsigned long long)b, cf, rc, (unsigned long long)got,
                                        (unsigned long long)ctx.regs.rflags, (unsigned long long)want,
                                        (unsigned long long)fl);
                        }
                    }
    CHECK_EQ(bad, 0);
    CHECK(n > 2000);
}

/* Register destination (Gv, Ev forms and the accumulator/imm forms) and
 * the 80/81/83 immediates, against the native op. */
static void test_alu_forms(void)
{
    static const struct { const char *code; int op; unsigned size; uint64_t imm; int dst; } t[] = {
        { "03 13", N_ADD, 4, 0, 2 },            /* add edx, [rbx] */
        { "48 2b 13", N_SUB, 8, 0, 2 },         /* sub rdx, [rbx] */
        { "66 0b 13", N_OR, 2, 0, 2 },          /* or dx, [rbx] */
        { "32 33", N_XOR, 1, 0, 6 },            /* xor dh, [rbx] */
        { "80 03 85", N_ADD, 1, 0x85, -1 },     /* add byte [rbx], 0x85 */
        { "83 2b ff", N_SUB, 4, ~0ull, -1 },    /* sub dword [rbx], -1 */
        { "48 83 23 f0", N_AND, 8, ~0xfull, -1 }, /* and qword [rbx], -16 */
        { "48 81 33 78 56 34 82", N_XOR, 8, 0xffffffff82345678ull, -1 }, /* imm32 sign-extended */
        { "66 81 3b 34 12", N_CMP, 2, 0x1234, -1 },
        { "81 13 00 00 00 80", N_ADC, 4, 0x80000000, -1 },
        { "83 1b 01", N_SBB, 4, 1, -1 },
        { "f6 03 81", N_TEST, 1, 0x81, -1 },
        { "66 f7 03 00 80", N_TEST, 2, 0x8000, -1 },
        { "f7 0b 01 00 00 00", N_TEST, 4, 1, -1 },  /* F7 /1: TEST alias */
    };
    for (unsigned k = 0; k < ARRAY_SIZE(t); k++)
        for (unsigned i = 0; i < ARRAY_SIZE(vals); i += 3)
            for (unsigned j = 0; j < ARRAY_SIZE(vals); j += 5) {
                setup64();
                uint64_t memv = vals[i], regv = vals[j], fl = 0x203;
                ctx.regs.rbx = MMIO + 0x40;
                fake_poke_u(MMIO + 0x40, memv, 8);
                ctx.regs.rflags = fl;
                uint64_t want, mask = emul_size_mask(t[k].size);
                if (t[k].dst < 0) {
                    want = native(t[k].op, t[k].size, memv, t[k].imm, &fl);
                } else if (t[k].dst == 6) {     /* DH */
                    ctx.regs.rdx = regv;
                    want = native(t[k].op, 1, regv >> 8, memv, &fl);
                } else {
                    ctx.regs.rdx = regv;
                    want = native(t[k].op, t[k].size, regv, memv, &fl);
                }
                CHECK_EQ(run(t[k].code), EMUL_OK);
                CHECK_EQ(ctx.regs.rflags & FL_ALL & ~undefined_flags(t[k].op), fl & FL_ALL & ~undefined_flags(t[k].op));
                if (t[k].dst < 0 && t[k].op != N_CMP && t[k].op != N_TEST) {
                    CHECK_EQ(fake_peek(MMIO + 0x40, t[k].size), want & mask);
                } else if (t[k].dst == 6) {
                    CHECK_EQ(ctx.regs.rdx, (regv & ~0xff00ull) | ((want & 0xff) << 8));
                } else if (t[k].dst == 2) {
                    uint64_t exp = t[k].size == 4 ? (want & mask)
                                 : t[k].size == 8 ? want : (regv & ~mask) | (want & mask);
                    CHECK_EQ(ctx.regs.rdx, exp);
                }
                CHECK_EQ(ctx.regs.rip, CODE64 + (strlen(t[k].code) + 1) / 3);
            }
    /* Accumulator forms: 04/05/3C/A8 (no memory at all, but decoded). */
    setup64();
    ctx.regs.rax = 0x7f;
    CHECK_EQ(run("04 01"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0x80);
    CHECK_EQ(ctx.regs.rflags & FL_ALL, EMUL_FL_OF | EMUL_FL_SF | EMUL_FL_AF);
}

/* ---- MOV and friends --------------------------------------------------- */

static void test_mov(void)
{
    setup64();
    ctx.regs.rax = 0x1122334455667788ull;
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("89 43 10"), EMUL_OK);                         /* mov [rbx+0x10], eax */
    CHECK_EQ(fake_peek(MMIO + 0x10, 8), 0x55667788);
    CHECK_EQ(fk.nr_log, 1);
    CHECK(fk.log[0].write && fk.log[0].len == 4 && fk.log[0].la == MMIO + 0x10);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);

    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO + 0x30, 0x80000001, 4);
    ctx.regs.rcx = ~0ull;
    CHECK_EQ(run("8b 4b 30"), EMUL_OK);                         /* mov ecx, [rbx+0x30]: zero-extends */
    CHECK_EQ(ctx.regs.rcx, 0x80000001);

    setup64();
    ctx.regs.rax = 0xaabb;
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("88 23"), EMUL_OK);                            /* mov [rbx], ah */
    CHECK_EQ(fake_peek(MMIO, 1), 0xaa);
    setup64();
    ctx.regs.rsp = 0x11223344;
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("40 88 23"), EMUL_OK);                         /* with REX: spl */
    CHECK_EQ(fake_peek(MMIO, 1), 0x44);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rdx = 0x1234;
    fake_poke_u(MMIO, 0x99, 1);
    CHECK_EQ(run("8a 33"), EMUL_OK);                            /* mov dh, [rbx] */
    CHECK_EQ(ctx.regs.rdx, 0x9934);
    setup64();
    ctx.regs.r9 = 0xffffffffffff0000ull;
    ctx.regs.r12 = MMIO;
    fake_poke_u(MMIO + 8, 0xbeef, 2);
    CHECK_EQ(run("66 45 8b 4c 24 08"), EMUL_OK);                /* mov r9w, [r12+8] */
    CHECK_EQ(ctx.regs.r9, 0xffffffffffffbeefull);

    /* MOV r, imm (B0-BF): the register in the opcode, no memory access. */
    setup64();
    ctx.regs.rcx = ~0ull;
    CHECK_EQ(run("b9 78 56 34 12"), EMUL_OK);                   /* mov ecx, 0x12345678: zero-extends */
    CHECK_EQ(ctx.regs.rcx, 0x12345678);
    CHECK_EQ(ctx.regs.rip, CODE64 + 5);
    CHECK_EQ(fk.nr_log, 0);
    setup64();
    CHECK_EQ(run("49 bb 88 77 66 55 44 33 22 11"), EMUL_OK);    /* mov r11, imm64 */
    CHECK_EQ(ctx.regs.r11, 0x1122334455667788ull);
    CHECK_EQ(ctx.regs.rip, CODE64 + 10);
    setup64();
    ctx.regs.rdx = 0xffff;
    CHECK_EQ(run("b6 5a"), EMUL_OK);                            /* mov dh, 0x5a */
    CHECK_EQ(ctx.regs.rdx, 0x5aff);
    setup64();
    ctx.regs.rsi = 0xffff;
    CHECK_EQ(run("40 b6 5a"), EMUL_OK);                         /* with REX: sil */
    CHECK_EQ(ctx.regs.rsi, 0xff5a);
    setup64();
    ctx.regs.rax = 0xffffffffull;
    CHECK_EQ(run("66 b8 34 12"), EMUL_OK);                      /* mov ax, 0x1234 */
    CHECK_EQ(ctx.regs.rax, 0xffff1234ull);
    CHECK_EQ(ctx.regs.rip, CODE64 + 4);

    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("48 c7 43 08 fe ff ff ff"), EMUL_OK);          /* mov qword [rbx+8], -2 */
    CHECK_EQ(fake_peek(MMIO + 8, 8), 0xfffffffffffffffeull);
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("c6 03 5a"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 2), 0x5a);
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("66 c7 03 34 12"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 4), 0x1234);
    CHECK_EQ(ctx.regs.rip, CODE64 + 5);

    /* moffs: 8-byte offset in 64-bit mode, 4 with 67. */
    setup64();
    ctx.regs.rax = 0xcafef00d;
    CHECK_EQ(run("a3 04 00 e0 fe 00 00 00 00"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 4, 4), 0xcafef00d);
    CHECK_EQ(ctx.regs.rip, CODE64 + 9);
    setup64();
    fake_poke_u(MMIO + 0x10, 0x42, 1);
    ctx.regs.rax = 0x1100;
    CHECK_EQ(run("67 a0 10 00 e0 fe"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0x1142);
    CHECK_EQ(ctx.regs.rip, CODE64 + 6);
    setup64();
    fake_poke_u(MMIO + 0x18, 0x0102030405060708ull, 8);
    CHECK_EQ(run("48 a1 18 00 e0 fe 00 00 00 00"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0x0102030405060708ull);

    /* MOVZX / MOVSX / MOVSXD / MOVNTI / MOV Ev,Sreg. */
    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0x8081, 2);
    CHECK_EQ(run("0f b6 03"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0x81);
    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0x8081, 2);
    CHECK_EQ(run("48 0f bf 03"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0xffffffffffff8081ull);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0x12345678;
    fake_poke_u(MMIO, 0x81, 1);
    CHECK_EQ(run("66 0f be 03"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0x1234ff81);
    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0x80000000, 4);
    CHECK_EQ(run("48 63 03"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0xffffffff80000000ull);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rcx = 0x1111222233334444ull;
    CHECK_EQ(run("48 0f c3 0b"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 8), 0x1111222233334444ull);
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("0f c3 cb"), EMUL_EXCEPTION);                  /* MOVNTI with a register: #UD */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.seg[EMUL_FS].sel = 0x2b;
    CHECK_EQ(run("8c 23"), EMUL_OK);                            /* mov [rbx], fs */
    CHECK_EQ(fake_peek(MMIO, 4), 0x2b);
    CHECK_EQ(fk.log[0].len, 2);
}

/* ---- addressing forms and prefixes -------------------------------------- */

static void test_addressing64(void)
{
    /* RIP-relative: the displacement counts from the next instruction. */
    setup64();
    ctx.regs.rip = MMIO - 0x1000 + 0x10;
    fake_map(MMIO - 0x1000, PG_RAM);
    ctx.regs.rax = 0x77;
    /* mov [rip+disp], eax at MMIO-0xff0 (6 bytes): target MMIO+0x20 */
    uint32_t disp = (uint32_t)(MMIO + 0x20 - (MMIO - 0x1000 + 0x10 + 6));
    char code[64];
    snprintf(code, sizeof(code), "89 05 %02x %02x %02x %02x", disp & 0xff, (disp >> 8) & 0xff,
             (disp >> 16) & 0xff, disp >> 24);
    CHECK_EQ(run(code), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 0x20, 4), 0x77);
    /* RIP-relative with an immediate after the displacement. */
    setup64();
    ctx.regs.rip = MMIO - 0x1000 + 0x10;
    fake_map(MMIO - 0x1000, PG_RAM);
    disp = (uint32_t)(MMIO + 0x24 - (MMIO - 0x1000 + 0x10 + 10));
    snprintf(code, sizeof(code), "c7 05 %02x %02x %02x %02x 44 33 22 11", disp & 0xff, (disp >> 8) & 0xff,
             (disp >> 16) & 0xff, disp >> 24);
    CHECK_EQ(run(code), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 0x24, 4), 0x11223344);

    /* SIB: base + index*scale + disp8, REX.X and REX.B. */
    setup64();
    ctx.regs.r13 = MMIO;
    ctx.regs.r10 = 3;
    ctx.regs.rax = 0xab;
    CHECK_EQ(run("43 88 44 95 04"), EMUL_OK);                   /* mov [r13+r10*4+4], al */
    CHECK_EQ(fake_peek(MMIO + 16, 1), 0xab);
    /* SIB without base (disp32) and index rsp = none. */
    setup64();
    ctx.regs.rsi = 0x8;
    ctx.regs.rax = 0xcd;
    CHECK_EQ(run("88 04 f5 00 00 e0 fe"), EMUL_EXCEPTION);      /* mov [rsi*8+0xfee00000]: disp32 sign-ext */
    CHECK_EQ(ctx.exc.cr2, 0xfffffffffee00040ull);               /* so not the MMIO page */
    CHECK_EQ(fk.nr_log, 0);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0xef;
    CHECK_EQ(run("88 44 23 08"), EMUL_OK);                      /* index 100b: none */
    CHECK_EQ(fake_peek(MMIO + 8, 1), 0xef);
    /* 67: 32-bit address arithmetic wraps. */
    setup64();
    ctx.regs.rbx = 0xffffffff00000000ull | (MMIO + 0x100);
    ctx.regs.rax = 0x5;
    CHECK_EQ(run("67 88 03"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 0x100, 1), 5);
    /* FS and GS bases count in 64-bit mode; DS/ES overrides do not. */
    setup64();
    ctx.seg[EMUL_GS].base = MMIO;
    ctx.seg[EMUL_DS].base = 0x1000;
    ctx.regs.rax = 0x66;
    CHECK_EQ(run("65 88 04 25 40 00 00 00"), EMUL_OK);          /* mov gs:[0x40], al */
    CHECK_EQ(fake_peek(MMIO + 0x40, 1), 0x66);
    setup64();
    ctx.seg[EMUL_ES].base = 0x1000;
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0x67;
    CHECK_EQ(run("26 88 03"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 1), 0x67);
    /* REX before a legacy prefix is ignored: 48 66 89 03 is a 16-bit store. */
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0x1122334455667788ull;
    CHECK_EQ(run("48 66 89 03"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 8), 0x7788);
}

static void test_addressing32_16(void)
{
    /* 32-bit protected mode: segment bases apply, disp32 without SIB. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    ctx.seg[EMUL_ES].base = MMIO - 0x100;
    ctx.regs.rax = 0x12345678;
    CHECK_EQ(run("26 a3 20 01 00 00"), EMUL_OK);                /* mov es:[0x120], eax */
    CHECK_EQ(fake_peek(MMIO + 0x20, 4), 0x12345678);
    CHECK_EQ(ctx.regs.rip, 0x1006);
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    ctx.regs.rax = 0xbeef;
    CHECK_EQ(run("66 89 05 10 00 e0 fe"), EMUL_OK);             /* mov [0xfee00010], ax */
    CHECK_EQ(fake_peek(MMIO + 0x10, 4), 0xbeef);
    /* EBP base: SS segment. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    ctx.seg[EMUL_SS].base = MMIO;
    ctx.regs.rbp = 0x30;
    ctx.regs.rax = 0x9;
    CHECK_EQ(run("88 45 04"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 0x34, 1), 9);
    /* 67 in 32-bit mode: 16-bit addressing [bx+si+disp8]. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    ctx.seg[EMUL_DS].base = MMIO;
    ctx.regs.rbx = 0xffff0010;
    ctx.regs.rsi = 0x20;
    ctx.regs.rax = 0x3;
    CHECK_EQ(run("67 88 40 02"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 0x32, 1), 3);

    /* Real mode: base = selector * 16, 16-bit forms, wrap at 64 KiB. */
    fake_setup(&ctx, 16, 0x100);
    seg_set(&ctx.seg[EMUL_CS], 0x1000, 0x10000, 0xffff, 0x9b);
    fake_map(0x10000, PG_RAM);
    fake_map(0x20000, PG_MMIO);
    fake_map(0x21000, PG_MMIO);
    fake_map(0x2f000, PG_MMIO);
    seg_set(&ctx.seg[EMUL_DS], 0x2000, 0x20000, 0xffff, 0x93);
    seg_set(&ctx.seg[EMUL_SS], 0x2000, 0x20000, 0xffff, 0x93);
    ctx.regs.rbp = 0x10;
    ctx.regs.rdi = 0x6;
    ctx.regs.rax = 0x4142;
    fake_code(0x10100, "89 03");                                /* mov [bp+di], ax */
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(fake_peek(0x20016, 2), 0x4142);
    CHECK_EQ(ctx.regs.rip, 0x102);
    fake_code(0x10102, "c6 06 34 12 77");                       /* mov byte [0x1234], 0x77 */
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(fake_peek(0x21234, 1), 0x77);
    ctx.regs.rbx = 0xfff0;
    ctx.regs.rsi = 0x0020;
    fake_code(0x10107, "88 20");                                /* mov [bx+si], ah: wraps to 0x10 */
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(fake_peek(0x20010, 1), 0x41);
    ctx.regs.rbx = 0xf000;
    fake_code(0x10109, "66 89 87 00 00");                       /* mov [bx+0], eax (66: 32-bit operand) */
    ctx.regs.rax = 0xdeadbeef;
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(fake_peek(0x2f000, 4), 0xdeadbeef);
    CHECK_EQ(ctx.regs.rip, 0x10e);
    /* Past the 64 KiB limit: #GP(0); via BP: #SS(0). */
    ctx.regs.rbx = 0xfffe;
    fake_code(0x1010e, "89 07");
    CHECK_EQ(emul_run(&ctx), EMUL_OK);                          /* 2 bytes at 0xfffe..0xffff: fine */
    fake_code(0x10110, "66 89 07");
    CHECK_EQ(emul_run(&ctx), EMUL_EXCEPTION);                   /* 4 bytes: past the limit */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.regs.rip, 0x110);
    ctx.regs.rbp = 0xffff;
    fake_code(0x10110, "89 46 00");
    CHECK_EQ(emul_run(&ctx), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_SS);
}

/* ---- string instructions ---------------------------------------------- */

static void test_strings(void)
{
    /* REP MOVSB from MMIO to RAM, DF clear. */
    setup64();
    for (unsigned i = 0; i < 16; i++)
        fake_poke_u(MMIO + i, 0xa0 + i, 1);
    ctx.regs.rsi = MMIO;
    ctx.regs.rdi = RAM;
    ctx.regs.rcx = 16;
    CHECK_EQ(run("f3 a4"), EMUL_OK);
    CHECK_EQ(fake_peek(RAM, 8), 0xa7a6a5a4a3a2a1a0ull);
    CHECK_EQ(fake_peek(RAM + 8, 8), 0xafaeadacabaaa9a8ull);
    CHECK_EQ(ctx.regs.rcx, 0);
    CHECK_EQ(ctx.regs.rsi, MMIO + 16);
    CHECK_EQ(ctx.regs.rdi, RAM + 16);
    CHECK_EQ(ctx.regs.rip, CODE64 + 2);
    CHECK_EQ(fk.nr_log, 16);
    /* REP STOSD downwards (DF set), into MMIO. */
    setup64();
    ctx.regs.rflags |= EMUL_FL_DF;
    ctx.regs.rdi = MMIO + 12;
    ctx.regs.rcx = 4;
    ctx.regs.rax = 0x5a5a0000;
    CHECK_EQ(run("f3 ab"), EMUL_OK);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(fake_peek(MMIO + 4 * i, 4), 0x5a5a0000);
    CHECK_EQ(ctx.regs.rdi, MMIO - 4);
    CHECK_EQ(fk.log[0].la, MMIO + 12);
    CHECK_EQ(fk.log[3].la, MMIO);
    /* A bounded chunk: RIP stays, the guest re-executes for the rest. */
    setup64();
    ctx.max_reps = 3;
    ctx.regs.rdi = MMIO;
    ctx.regs.rcx = 5;
    ctx.regs.rax = 0x11;
    CHECK_EQ(run("f3 aa"), EMUL_OK);
    CHECK_EQ(ctx.regs.rcx, 2);
    CHECK_EQ(ctx.regs.rip, CODE64);
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(ctx.regs.rcx, 0);
    CHECK_EQ(ctx.regs.rip, CODE64 + 2);
    CHECK_EQ(fk.nr_log, 5);
    /* Zero count: nothing touched, RIP advances. */
    setup64();
    ctx.regs.rdi = 0x8000000000000000ull;                       /* would fault if used */
    CHECK_EQ(run("f3 48 ab"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);
    CHECK_EQ(fk.nr_calls, 1);                                   /* only the fetch */
    /* LODSW without REP, with a segment override. */
    setup64();
    ctx.seg[EMUL_FS].base = MMIO;
    ctx.regs.rsi = 0x10;
    ctx.regs.rax = 0xffffffffffffffffull;
    fake_poke_u(MMIO + 0x10, 0x1234, 2);
    CHECK_EQ(run("64 66 ad"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0xffffffffffff1234ull);
    CHECK_EQ(ctx.regs.rsi, 0x12);
    /* REPE CMPSB stops at the first difference. */
    setup64();
    fake_poke(MMIO, "abcdef", 6);
    fake_poke(RAM, "abcxef", 6);
    ctx.regs.rsi = MMIO;
    ctx.regs.rdi = RAM;
    ctx.regs.rcx = 6;
    CHECK_EQ(run("f3 a6"), EMUL_OK);
    CHECK_EQ(ctx.regs.rcx, 2);
    CHECK_EQ(ctx.regs.rsi, MMIO + 4);
    CHECK(!(ctx.regs.rflags & EMUL_FL_ZF));
    CHECK(ctx.regs.rflags & EMUL_FL_CF);                        /* 'd' < 'x' */
    CHECK_EQ(ctx.regs.rip, CODE64 + 2);
    /* REPNE SCASB finds the byte. */
    setup64();
    fake_poke(MMIO, "hello", 5);
    ctx.regs.rdi = MMIO;
    ctx.regs.rcx = 100;
    ctx.regs.rax = 'l';
    CHECK_EQ(run("f2 ae"), EMUL_OK);
    CHECK_EQ(ctx.regs.rdi, MMIO + 3);
    CHECK_EQ(ctx.regs.rcx, 97);
    CHECK(ctx.regs.rflags & EMUL_FL_ZF);
    /* 16-bit addressing: SI/DI/CX wrap at 64 KiB and keep the upper bits. */
    fake_setup(&ctx, 16, 0x100);
    fake_map(0x100, PG_RAM);
    fake_map(0x0f000, PG_MMIO);
    fake_map(0x00000, PG_RAM);
    ctx.regs.rsi = 0xabcd0000ffffull;
    ctx.regs.rdi = 0xf000;
    ctx.regs.rcx = 0x55550002;
    fake_poke_u(0xffff, 0x7e, 1);
    fake_poke_u(0x0000, 0x7f, 1);
    CHECK_EQ(run("f3 a4"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsi, 0xabcd00000001ull);
    CHECK_EQ(ctx.regs.rcx, 0x55550000);
    CHECK_EQ(fake_peek(0xf000, 2), 0x7f7e);
    /* A fault in the middle of REP MOVS: the completed iterations stand. */
    setup64();
    ctx.regs.rsi = MMIO;
    ctx.regs.rdi = RAM + 8192 - 8;                              /* RAM+8192 is not mapped */
    ctx.regs.rcx = 4;
    CHECK_EQ(run("f3 48 a5"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_PF);
    CHECK_EQ(ctx.exc.cr2, RAM + 8192);
    CHECK_EQ(ctx.exc.err, 2);
    CHECK_EQ(ctx.regs.rcx, 3);
    CHECK_EQ(ctx.regs.rdi, RAM + 8192);
    CHECK_EQ(ctx.regs.rip, CODE64);
}

/* ---- the rest of the instruction set ----------------------------------- */

static void test_misc(void)
{
    /* XCHG. */
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0xaaaa;
    fake_poke_u(MMIO, 0xbbbb, 4);
    CHECK_EQ(run("87 03"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 0xbbbb);
    CHECK_EQ(fake_peek(MMIO, 4), 0xaaaa);
    /* CMPXCHG: equal stores, different loads the accumulator. */
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 5;
    ctx.regs.rcx = 9;
    fake_poke_u(MMIO, 5, 4);
    CHECK_EQ(run("f0 0f b1 0b"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 4), 9);
    CHECK(ctx.regs.rflags & EMUL_FL_ZF);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rax = 0xffffffff00000006ull;
    fake_poke_u(MMIO, 5, 4);
    CHECK_EQ(run("0f b1 0b"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 5);
    CHECK(!(ctx.regs.rflags & EMUL_FL_ZF));
    CHECK_EQ(fk.nr_log, 1);                                     /* no write-back on a mismatch */
    /* CMPXCHG8B / 16B. */
    setup64();
    ctx.regs.rdi = MMIO + 8;
    ctx.regs.rax = 0x11111111;
    ctx.regs.rdx = 0x22222222;
    ctx.regs.rbx = 0x33333333;
    ctx.regs.rcx = 0x44444444;
    fake_poke_u(MMIO + 8, 0x2222222211111111ull, 8);
    CHECK_EQ(run("0f c7 0f"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 8, 8), 0x4444444433333333ull);
    CHECK(ctx.regs.rflags & EMUL_FL_ZF);
    setup64();
    ctx.regs.rdi = MMIO + 8;
    CHECK_EQ(run("48 0f c7 0f"), EMUL_EXCEPTION);               /* 16B misaligned */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    setup64();
    ctx.regs.rdi = MMIO + 16;
    fake_poke_u(MMIO + 16, 1, 8);
    fake_poke_u(MMIO + 24, 2, 8);
    CHECK_EQ(run("48 0f c7 0f"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax, 1);
    CHECK_EQ(ctx.regs.rdx, 2);
    CHECK(!(ctx.regs.rflags & EMUL_FL_ZF));
    /* XADD. */
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rcx = 0xff;
    fake_poke_u(MMIO, 0x01, 1);
    CHECK_EQ(run("0f c0 0b"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 1), 0);
    CHECK_EQ(ctx.regs.rcx, 1);
    CHECK_EQ(ctx.regs.rflags & FL_ALL, EMUL_FL_CF | EMUL_FL_ZF | EMUL_FL_AF | EMUL_FL_PF);
    /* BT family: register offsets reach outside the operand, both ways. */
    setup64();
    ctx.regs.rbx = MMIO + 0x100;
    ctx.regs.rcx = 35;                                          /* dword +1, bit 3 */
    CHECK_EQ(run("0f ab 0b"), EMUL_OK);                         /* bts [rbx], ecx */
    CHECK_EQ(fake_peek(MMIO + 0x104, 4), 8);
    CHECK(!(ctx.regs.rflags & EMUL_FL_CF));
    setup64();
    ctx.regs.rbx = MMIO + 0x100;
    ctx.regs.rcx = (uint64_t)-1;                                /* bit 31 of the dword below */
    fake_poke_u(MMIO + 0xfc, 0x80000000, 4);
    CHECK_EQ(run("0f b3 0b"), EMUL_OK);                         /* btr */
    CHECK_EQ(fake_peek(MMIO + 0xfc, 4), 0);
    CHECK(ctx.regs.rflags & EMUL_FL_CF);
    setup64();
    ctx.regs.rbx = MMIO + 0x100;
    ctx.regs.rcx = (uint64_t)-17;                               /* 16-bit: word -2, bit 15 */
    fake_poke_u(MMIO + 0xfc, 0x8000, 2);
    CHECK_EQ(run("66 0f a3 0b"), EMUL_OK);                      /* bt */
    CHECK(ctx.regs.rflags & EMUL_FL_CF);
    CHECK_EQ(fk.log[0].la, MMIO + 0xfc);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rcx = 64 + 63;
    CHECK_EQ(run("48 0f bb 0b"), EMUL_OK);                      /* btc qword, +1 qword */
    CHECK_EQ(fake_peek(MMIO + 8, 8), 0x8000000000000000ull);
    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0x10, 4);
    CHECK_EQ(run("0f ba 2b 24"), EMUL_OK);                      /* bts dword [rbx], 36: imm masked to 4 */
    CHECK(ctx.regs.rflags & EMUL_FL_CF);
    CHECK_EQ(fake_peek(MMIO, 8), 0x10);
    CHECK_EQ(run("0f ba 33 00"), EMUL_OK);                      /* btr /6 */
    CHECK_EQ(fake_peek(MMIO, 4), 0x10);
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("0f ba 03 00"), EMUL_EXCEPTION);               /* /0: #UD */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    /* SETcc. */
    setup64();
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0xff, 1);
    ctx.regs.rflags |= EMUL_FL_ZF;
    CHECK_EQ(run("0f 94 03"), EMUL_OK);                         /* sete */
    CHECK_EQ(fake_peek(MMIO, 1), 1);
    CHECK_EQ(run("0f 9f 03"), EMUL_OK);                         /* setg: ZF set -> 0 */
    CHECK_EQ(fake_peek(MMIO, 1), 0);
    /* PUSH / POP of memory. */
    setup64();
    ctx.regs.rsp = RAM + 0x800;
    ctx.regs.rbx = MMIO;
    fake_poke_u(MMIO, 0x1122334455667788ull, 8);
    CHECK_EQ(run("ff 33"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, RAM + 0x7f8);
    CHECK_EQ(fake_peek(RAM + 0x7f8, 8), 0x1122334455667788ull);
    setup64();
    ctx.regs.rsp = RAM + 0x800;
    fake_poke_u(RAM + 0x800, 0xabcdef, 8);
    fake_poke_u(RAM + 0x808, 0x1111, 8);
    CHECK_EQ(run("8f 44 24 00"), EMUL_OK);                      /* pop [rsp]: address after the increment */
    CHECK_EQ(ctx.regs.rsp, RAM + 0x808);
    CHECK_EQ(fake_peek(RAM + 0x808, 8), 0xabcdef);
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    fake_map(RAM, PG_RAM);
    ctx.regs.rsp = RAM + 0x100;
    fake_poke_u(MMIO + 4, 0xfeedface, 4);
    CHECK_EQ(run("ff 35 04 00 e0 fe"), EMUL_OK);                /* push dword [0xfee00004] */
    CHECK_EQ(ctx.regs.rsp, RAM + 0xfc);
    CHECK_EQ(fake_peek(RAM + 0xfc, 4), 0xfeedface);
    /* NOT leaves the flags alone. */
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.regs.rflags = 0x202 | FL_ALL;
    fake_poke_u(MMIO, 0x0f, 2);
    CHECK_EQ(run("66 f7 13"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO, 2), 0xfff0);
    CHECK_EQ(ctx.regs.rflags, 0x202 | FL_ALL);
}

/* ---- faults and refusals ----------------------------------------------- */

static void test_faults(void)
{
    /* Operand on an absent page: #PF, CR2 = the address, W/R bit, U/S bit. */
    setup64();
    ctx.regs.rbx = 0x700000;
    ctx.regs.rax = 1;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_PF);
    CHECK(ctx.exc.has_err && ctx.exc.has_cr2);
    CHECK_EQ(ctx.exc.cr2, 0x700000);
    CHECK_EQ(ctx.exc.err, 2);
    CHECK_EQ(ctx.regs.rip, CODE64);
    CHECK_EQ(ctx.regs.rax, 1);
    setup64();
    ctx.cpl = 3;
    ctx.regs.rbx = 0x700000;
    CHECK_EQ(run("8b 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.err, 4);
    /* A read-modify-write checks write access before reading. */
    setup64();
    fake_find(MMIO)->readonly = true;
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("f0 ff 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.err, 3);
    CHECK_EQ(fk.nr_log, 0);
    /* A store that crosses into an absent page writes nothing. */
    setup64();
    ctx.regs.rbx = RAM + 8192 - 2;
    ctx.regs.rax = 0xffffffff;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.cr2, RAM + 8192);
    CHECK_EQ(fake_peek(RAM + 8190, 2), 0);
    /* Page-crossing MMIO access: one callback, the split is the glue's job. */
    setup64();
    fake_map(MMIO + 4096, PG_MMIO);
    ctx.regs.rbx = MMIO + 4094;
    ctx.regs.rax = 0x44332211;
    CHECK_EQ(run("89 03"), EMUL_OK);
    CHECK_EQ(fake_peek(MMIO + 4094, 4), 0x44332211);
    /* An instruction straddling into an absent page: #PF on the fetch, CR2
     * = the start of that page, I/D set. */
    setup64();
    ctx.regs.rip = CODE64 + 4096 - 2;
    fake_code(CODE64 + 4094, "89 83");                          /* mov [rbx+disp32], eax: disp on the next page */
    ctx.regs.rbx = MMIO;
    CHECK_EQ(emul_run(&ctx), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_PF);
    CHECK_EQ(ctx.exc.cr2, CODE64 + 4096);
    CHECK_EQ(ctx.exc.err, 16);
    CHECK_EQ(fk.nr_log, 0);
    /* ... but an instruction ending at the page end runs, never touching
     * the next page. */
    setup64();
    ctx.regs.rip = CODE64 + 4096 - 2;
    fake_code(CODE64 + 4094, "89 03");
    ctx.regs.rbx = MMIO;
    CHECK_EQ(emul_run(&ctx), EMUL_OK);
    CHECK_EQ(fk.nr_log, 1);
    /* Over 15 bytes: #GP(0). */
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(fk.nr_log, 0);
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("66 66 66 66 66 66 66 66 66 66 66 66 66 89 03"), EMUL_OK);   /* 15 bytes: fine */
    /* LOCK on MOV: #UD. */
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("f0 89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    CHECK_EQ(fk.nr_log, 0);
    /* Non-canonical in 64-bit mode: #GP(0); rSP-based: #SS(0). */
    setup64();
    ctx.regs.rbx = 0x0000800000000000ull;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    setup64();
    ctx.regs.rsp = 0x0000800000000000ull;
    CHECK_EQ(run("89 04 24"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_SS);
    /* 32-bit segments: limit, read-only data, expand-down, not present. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    seg_set(&ctx.seg[EMUL_DS], 0x18, MMIO, 0xfff, 0x493);
    ctx.regs.rbx = 0xffe;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.exc.err, 0);
    CHECK_EQ(run("66 89 03"), EMUL_OK);
    ctx.regs.rip = 0x1000;
    ctx.seg[EMUL_DS].attr = 0x491;                              /* read-only data */
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    CHECK_EQ(run("8b 03"), EMUL_EXCEPTION);                     /* 4 bytes past the limit still */
    CHECK_EQ(run("66 8b 03"), EMUL_OK);
    ctx.regs.rip = 0x1000;
    seg_set(&ctx.seg[EMUL_DS], 0x18, MMIO - 0x1000, 0xfff, 0x497);  /* expand-down, 32-bit: (0xfff, 4G) */
    ctx.regs.rbx = 0x1000;
    CHECK_EQ(run("89 03"), EMUL_OK);
    ctx.regs.rip = 0x1000;
    ctx.regs.rbx = 0xfff;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    ctx.seg[EMUL_DS].attr = 0x413;                              /* not present */
    ctx.regs.rbx = 0x1000;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    seg_set(&ctx.seg[EMUL_DS], 0x18, MMIO, 0xfff, 0x49b);       /* code, readable: no writes */
    ctx.regs.rbx = 0x10;
    CHECK_EQ(run("8b 03"), EMUL_OK);
    ctx.regs.rip = 0x1000;
    CHECK_EQ(run("89 03"), EMUL_EXCEPTION);
    /* CS limit on the fetch. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(MMIO, PG_MMIO);
    ctx.seg[EMUL_CS].limit = 0x1001;
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("89 43 04"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(fk.nr_log, 0);
    /* Unsupported: x87 store, SSE store, MUL; the reason names the bytes. */
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("d9 3b"), EMUL_UNHANDLEABLE);
    CHECK_CONTAINS(ctx.reason, "d9 3b");
    CHECK_CONTAINS(ctx.reason, "64-bit");
    CHECK_EQ(ctx.regs.rip, CODE64);
    setup64();
    ctx.regs.rbx = MMIO;
    ctx.cr4 |= 1u << 9;                                         /* CR4.OSFXSR: no #UD */
    CHECK_EQ(run("66 0f 7e 03"), EMUL_UNHANDLEABLE);            /* movd [rbx], xmm0 */
    CHECK_CONTAINS(ctx.reason, "66 0f 7e 03");
    setup64();
    ctx.regs.rbx = MMIO;
    CHECK_EQ(run("f7 23"), EMUL_UNHANDLEABLE);
    CHECK_EQ(fk.nr_log, 0);
    setup64();
    CHECK_EQ(run("0f 38 00 03"), EMUL_UNHANDLEABLE);
    setup64();
    CHECK_EQ(run("06"), EMUL_UNHANDLEABLE);
}

/* An IDT gate at vector vec of the fake IDT at RAM: type byte tb
 * (P, DPL, type); 16-byte gates in long mode, 8-byte ones otherwise. */
static void gate(unsigned vec, uint8_t tb)
{
    unsigned gs = (ctx.efer & 0x400) ? 16 : 8;
    struct fake_page *p = fake_find(RAM);
    memset(&p->data[vec * gs], 0, gs);
    p->data[vec * gs + 5] = tb;
    ctx.idtr_base = RAM;
    ctx.idtr_limit = 256 * gs - 1;
}

/* INT n / INT3 / INTO / INT1: the gate checks, then a trap or software
 * interrupt with RIP past the instruction. */
static void test_soft_events(void)
{
    for (unsigned m = 0; m < 2; m++) {
        uint64_t rip = m ? CODE64 : 0x1000;
        if (m) {
            setup64();
        } else {
            fake_setup(&ctx, 32, rip);
            fake_map(rip, PG_RAM);
            fake_map(RAM, PG_RAM);
        }
        unsigned gs = m ? 16 : 8;
        gate(3, 0xee);                                          /* DPL 3 interrupt gate */
        CHECK_EQ(run("cc"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_BP);
        CHECK_EQ(ctx.exc.kind, EMUL_EVT_TRAP);
        CHECK_EQ(ctx.regs.rip, rip + 1);
        ctx.regs.rip = rip;
        gate(0x80, 0x8f);                                       /* DPL 0 trap gate */
        CHECK_EQ(run("cd 80"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, 0x80);
        CHECK_EQ(ctx.exc.kind, EMUL_EVT_SOFTINT);
        CHECK_EQ(ctx.exc.has_err, false);
        CHECK_EQ(ctx.regs.rip, rip + 2);
        /* CPL 3: DPL 0 gate is #GP(vector*8+2), RIP stays; INT1 skips the DPL check. */
        ctx.regs.rip = rip;
        ctx.cpl = 3;
        CHECK_EQ(run("cd 80"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
        CHECK_EQ(ctx.exc.kind, EMUL_EVT_FAULT);
        CHECK_EQ(ctx.exc.err, 0x80 * 8 + 2);
        CHECK_EQ(ctx.regs.rip, rip);
        gate(1, 0x8e);
        CHECK_EQ(run("f1"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_DB);
        CHECK_EQ(ctx.exc.kind, EMUL_EVT_TRAP);
        CHECK_EQ(ctx.regs.rip, rip + 1);
        ctx.regs.rip = rip;
        gate(3, 0x8e);
        CHECK_EQ(run("cc"), EMUL_EXCEPTION);                    /* INT3 is checked */
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
        CHECK_EQ(ctx.exc.err, 3 * 8 + 2);
        ctx.cpl = 0;
        /* Not present: #NP; a call gate: #GP; past the limit: #GP. */
        gate(0x41, 0x0e);
        CHECK_EQ(run("cd 41"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_NP);
        CHECK_EQ(ctx.exc.err, 0x41 * 8 + 2);
        gate(0x42, 0x8c);
        CHECK_EQ(run("cd 42"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
        CHECK_EQ(ctx.exc.err, 0x42 * 8 + 2);
        gate(0x43, 0x85);                                       /* a task gate: legacy mode only */
        CHECK_EQ(run("cd 43"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, m ? EMUL_EXC_GP : 0x43);
        ctx.regs.rip = rip;
        ctx.idtr_limit = 0x50 * gs - 1;
        CHECK_EQ(run("cd 60"), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
        CHECK_EQ(ctx.exc.err, 0x60 * 8 + 2);
        CHECK_EQ(ctx.regs.rip, rip);
        /* INTO: #UD in 64-bit mode; nothing with OF clear; #OF with it set. */
        gate(4, 0x8e);
        CHECK_EQ(run("ce"), m ? EMUL_EXCEPTION : EMUL_OK);
        if (m) {
            CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
        } else {
            CHECK_EQ(ctx.regs.rip, rip + 1);
            ctx.regs.rip = rip;
            ctx.regs.rflags |= EMUL_FL_OF;
            CHECK_EQ(run("ce"), EMUL_EXCEPTION);
            CHECK_EQ(ctx.exc.vector, EMUL_EXC_OF);
            CHECK_EQ(ctx.exc.kind, EMUL_EVT_TRAP);
            CHECK_EQ(ctx.regs.rip, rip + 1);
        }
    }
    /* Real mode: no gates, just the event. */
    fake_setup(&ctx, 16, 0x100);
    fake_map(0, PG_RAM);
    CHECK_EQ(run("cd 10"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.kind, EMUL_EVT_SOFTINT);
    CHECK_EQ(ctx.regs.rip, 0x102);
    /* VM86 with IOPL 0: INT n is #GP(0). */
    fake_setup(&ctx, 32, 0x100);
    fake_map(0, PG_RAM);
    ctx.regs.rflags |= EMUL_FL_VM;
    CHECK_EQ(run("cd 10"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.exc.err, 0);
}

/* x87/MMX/SSE/VEX: #UD or #NM from CR0/CR4/XCR0, else unhandleable. */
static void test_fpu_classes(void)
{
    static const struct {
        const char *hex;
        uint64_t cr0, cr4;
        int want;                                               /* vector, or -1: unhandleable */
    } t[] = {
        { "d9 d0", 0x4, 0x200, EMUL_EXC_NM },                   /* FNOP, EM */
        { "d9 d0", 0x8, 0x200, EMUL_EXC_NM },                   /* FNOP, TS */
        { "d9 d0", 0x2, 0x200, -1 },
        { "dd 03", 0x8, 0x200, EMUL_EXC_NM },                   /* FLD qword [rbx] */
        { "9b", 0x8, 0, -1 },                                   /* WAIT, TS without MP */
        { "9b", 0xa, 0, EMUL_EXC_NM },                          /* WAIT, TS and MP */
        { "9b", 0x4, 0, -1 },                                   /* WAIT ignores EM */
        { "0f 57 c0", 0x4, 0x200, EMUL_EXC_UD },                /* XORPS, EM: #UD not #NM */
        { "0f 57 c0", 0xc, 0x200, EMUL_EXC_UD },                /* EM beats TS */
        { "0f 57 c0", 0x8, 0x200, EMUL_EXC_NM },
        { "0f 57 c0", 0x8, 0, EMUL_EXC_UD },                    /* OSFXSR clear */
        { "0f 57 c0", 0x0, 0x200, -1 },
        { "66 0f ef c0", 0x8, 0x200, EMUL_EXC_NM },             /* PXOR xmm */
        { "66 0f ef c0", 0x0, 0, EMUL_EXC_UD },
        { "0f ef c0", 0x4, 0, EMUL_EXC_UD },                    /* PXOR mm, EM */
        { "0f ef c0", 0x8, 0, EMUL_EXC_NM },                    /* MMX ignores OSFXSR */
        { "0f 77", 0x8, 0, EMUL_EXC_NM },                       /* EMMS */
        { "0f 70 c0 1b", 0x8, 0x200, EMUL_EXC_NM },             /* PSHUFW with imm8 */
        { "0f ae 03", 0x4, 0x200, EMUL_EXC_NM },                /* FXSAVE, EM: #NM */
        { "0f ae 13", 0x4, 0x200, EMUL_EXC_UD },                /* LDMXCSR, EM: #UD */
        { "0f ae 1b", 0x8, 0x200, EMUL_EXC_NM },                /* STMXCSR, TS */
        { "0f ae f0", 0x8, 0x200, -1 },                         /* MFENCE: no checks */
        { "c5 f8 57 c0", 0x8, 0x200, EMUL_EXC_UD },             /* VXORPS: OSXSAVE clear */
        { "c5 f8 57 c0", 0x8, 0x40200, EMUL_EXC_UD },           /* XCR0 without AVX */
        { "66 c5 f8 57 c0", 0x0, 0x40200, EMUL_EXC_UD },        /* a prefix before VEX */
        { "c4 e1 78 57 c0", 0x0, 0x40200, EMUL_EXC_UD },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        setup64();
        ctx.regs.rbx = RAM;
        ctx.cr0 = 0x80000001 | t[i].cr0;
        ctx.cr4 = 0x20 | t[i].cr4;
        ctx.xcr0 = 3;
        enum emul_rc rc = run(t[i].hex);
        if (t[i].want < 0) {
            CHECK_EQ(rc, EMUL_UNHANDLEABLE);
        } else {
            CHECK_EQ(rc, EMUL_EXCEPTION);
            CHECK_EQ(ctx.exc.vector, (unsigned)t[i].want);
            CHECK_EQ(ctx.regs.rip, CODE64);
        }
        if (rc != (t[i].want < 0 ? EMUL_UNHANDLEABLE : EMUL_EXCEPTION) ||
            (t[i].want >= 0 && ctx.exc.vector != (unsigned)t[i].want))
            printf("  case %u: %s cr0 %#llx cr4 %#llx\n", i, t[i].hex, (unsigned long long)t[i].cr0,
                   (unsigned long long)t[i].cr4);
    }
    /* VEX with everything enabled: no fault, not executed; TS: #NM. */
    setup64();
    ctx.cr4 |= 0x40200;
    ctx.xcr0 = 7;
    CHECK_EQ(run("c5 f8 57 c0"), EMUL_UNHANDLEABLE);
    ctx.cr0 |= 0x8;
    CHECK_EQ(run("c5 f8 57 c0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_NM);
    /* 32-bit mode: C5 with ModRM-like mod != 11 is LDS (not emulated). */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    ctx.cr4 = 0x40200;
    ctx.xcr0 = 7;
    CHECK_EQ(run("c5 03"), EMUL_UNHANDLEABLE);
    CHECK_EQ(run("c5 f8 57 c0"), EMUL_UNHANDLEABLE);
    /* A fetch fault on the ModRM byte comes before the #NM. */
    setup64();
    ctx.cr0 |= 0x8;
    ctx.regs.rip = CODE64 + 4095;
    CHECK_EQ(run("d9"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_PF);
}

/* SGDT/SIDT/SLDT/STR/SMSW with and without CR4.UMIP, LGDT/LIDT, LLDT/LTR,
 * MOV from CR. */
static void test_sys(void)
{
    struct fake_page *ram;

    setup64();
    ram = fake_find(RAM);
    ctx.gdtr_base = RAM + 0x100;
    ctx.gdtr_limit = 0x3f;
    ctx.idtr_base = 0xffff800000001000ull;
    ctx.idtr_limit = 0xfff;
    ctx.ldtr.sel = 0x28;
    ctx.tr.sel = 0x30;
    ctx.cr0 = 0x80050033;
    ctx.regs.rbx = RAM;
    CHECK_EQ(run("0f 01 03"), EMUL_OK);                         /* sgdt [rbx]: 10 bytes */
    CHECK_EQ(ram->data[0] | (ram->data[1] << 8), 0x3f);
    CHECK_EQ(ram->data[2] | (ram->data[3] << 8), 0x100);
    CHECK_EQ(ram->data[6], 0);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 01 0b"), EMUL_OK);                         /* sidt [rbx] */
    CHECK_EQ(ram->data[9], 0xff);
    CHECK_EQ(ram->data[7], 0x80);
    ctx.regs.rip = CODE64;
    ctx.regs.rax = ~0ull;
    CHECK_EQ(run("0f 00 c0"), EMUL_OK);                         /* sldt eax: zero-extended */
    CHECK_EQ(ctx.regs.rax, 0x28);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("66 0f 00 c8"), EMUL_OK);                      /* str ax */
    CHECK_EQ(ctx.regs.rax, 0x30);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("48 0f 01 e0"), EMUL_OK);                      /* smsw rax */
    CHECK_EQ(ctx.regs.rax, 0x80050033);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 01 23"), EMUL_OK);                         /* smsw [rbx]: 16 bits */
    CHECK_EQ(ram->data[0] | (ram->data[1] << 8), 0x0033);
    CHECK_EQ(ram->data[2], 0x00);
    /* CR4.UMIP: #GP(0) at CPL 3 for all five, nothing written; CPL 0 still works. */
    static const char *const umip[] = { "0f 01 03", "0f 01 0b", "0f 00 c0", "0f 00 c8", "0f 01 e0" };
    ctx.cr4 |= 1u << 11;
    for (unsigned i = 0; i < 5; i++) {
        ctx.regs.rip = CODE64;
        ctx.cpl = 3;
        ctx.regs.rax = 0x1234;
        CHECK_EQ(run(umip[i]), EMUL_EXCEPTION);
        CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
        CHECK_EQ(ctx.exc.err, 0);
        CHECK_EQ(ctx.regs.rax, 0x1234);
        CHECK_EQ(ctx.regs.rip, CODE64);
        ctx.cpl = 0;
        CHECK_EQ(run(umip[i]), EMUL_OK);
    }
    ctx.cr4 &= ~(1ull << 11);
    ctx.regs.rip = CODE64;
    ctx.cpl = 3;
    CHECK_EQ(run("0f 01 03"), EMUL_OK);                         /* without UMIP CPL 3 may */
    /* LGDT/LIDT: CPL 0 only. */
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 01 13"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    ctx.cpl = 0;
    memcpy(ram->data, "\x7f\x00\x00\x20\x20\x00\x00\x00\x00\x00", 10);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 01 13"), EMUL_OK);                         /* lgdt [rbx] */
    CHECK_EQ(ctx.gdtr_base, 0x202000);
    CHECK_EQ(ctx.gdtr_limit, 0x7f);
    CHECK_EQ(ctx.sys_dirty, EMUL_DIRTY_GDTR);
    /* LTR/LLDT from a GDT at RAM + 0x100 (16-byte descriptors in long mode). */
    ctx.gdtr_base = RAM + 0x100;
    ctx.gdtr_limit = 0x3f;
    uint8_t *g = &ram->data[0x100];
    memset(g, 0, 0x40);
    memcpy(g + 0x10, "\x67\x00\x00\x30\x20\x89\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 16);  /* TSS */
    memcpy(g + 0x20, "\xff\x0f\x00\x40\x20\x82\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16);  /* LDT */
    memcpy(g + 0x30, "\xff\x0f\x00\x40\x20\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16);  /* not present */
    ctx.regs.rip = CODE64;
    ctx.regs.rax = 0x10;
    ctx.sys_dirty = 0;
    CHECK_EQ(run("0f 00 d8"), EMUL_OK);                         /* ltr ax */
    CHECK_EQ(ctx.tr.sel, 0x10);
    CHECK_EQ(ctx.tr.base, 0x100203000ull);
    CHECK_EQ(ctx.tr.limit, 0x67);
    CHECK_EQ(ctx.tr.attr, 0x8b);
    CHECK_EQ(g[0x15], 0x8b);                                    /* busy in the GDT */
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 00 d8"), EMUL_EXCEPTION);                  /* busy now: #GP(sel) */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.exc.err, 0x10);
    ctx.regs.rip = CODE64;
    ctx.regs.rax = 0x23;                                        /* RPL 3 is ignored */
    CHECK_EQ(run("0f 00 d0"), EMUL_OK);                         /* lldt ax */
    CHECK_EQ(ctx.ldtr.base, 0x204000);
    CHECK_EQ(ctx.ldtr.attr, 0x82);
    CHECK_EQ(ctx.sys_dirty, EMUL_DIRTY_TR | EMUL_DIRTY_LDTR);
    ctx.regs.rip = CODE64;
    ctx.regs.rax = 0x30;
    CHECK_EQ(run("0f 00 d0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_NP);
    CHECK_EQ(ctx.exc.err, 0x30);
    ctx.regs.rax = 0x40;                                        /* past the limit */
    CHECK_EQ(run("0f 00 d0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.exc.err, 0x40);
    ctx.regs.rax = 0x14;                                        /* TI = LDT */
    CHECK_EQ(run("0f 00 d0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.err, 0x14);
    ctx.regs.rax = 0;                                           /* null: LDTR unusable */
    CHECK_EQ(run("0f 00 d0"), EMUL_OK);
    CHECK_EQ(ctx.ldtr.attr, 0);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 00 d8"), EMUL_EXCEPTION);                  /* ltr with null: #GP(0) */
    CHECK_EQ(ctx.exc.err, 0);
    /* MOV from CR: CPL 0 only; CR8 not emulated. */
    ctx.cr3 = 0x1000;
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 20 d9"), EMUL_OK);                         /* mov rcx, cr3 */
    CHECK_EQ(ctx.regs.rcx, 0x1000);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("0f 20 20"), EMUL_OK);                         /* mod ignored: mov rax, cr4 */
    CHECK_EQ(ctx.regs.rax, ctx.cr4);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);
    ctx.regs.rip = CODE64;
    CHECK_EQ(run("44 0f 20 c0"), EMUL_UNHANDLEABLE);
    ctx.cpl = 3;
    CHECK_EQ(run("0f 20 c0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    /* Real mode: SLDT is #UD, SGDT stores 6 bytes. */
    fake_setup(&ctx, 16, 0x100);
    fake_map(0, PG_RAM);
    ctx.gdtr_base = 0x12345678;
    ctx.gdtr_limit = 0x17;
    CHECK_EQ(run("0f 00 c0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    ctx.regs.rbx = 0x800;
    CHECK_EQ(run("0f 01 07"), EMUL_OK);                         /* sgdt [bx] */
    CHECK_EQ(fake_find(0)->data[0x805], 0x12);
}

/* INVLPG m (intercepted for shadow paging): the linear address named by
 * the operand (segment base included), reported through sys_dirty and
 * nothing touched in memory; #GP(0) at CPL 3; register forms stay
 * unhandled. */
static void test_invlpg(void)
{
    setup64();
    ctx.regs.rbx = 0xffff800000123456ull;
    CHECK_EQ(run("0f 01 7b 10"), EMUL_OK);                      /* invlpg [rbx+0x10] */
    CHECK_EQ(ctx.sys_dirty & EMUL_DIRTY_INVLPG, EMUL_DIRTY_INVLPG);
    CHECK_EQ(ctx.invlpg_la, 0xffff800000123466ull);
    CHECK_EQ(ctx.regs.rip, CODE64 + 4);
    ctx.sys_dirty = 0;
    ctx.regs.rip = CODE64;
    ctx.seg[EMUL_FS].base = 0x10000;
    CHECK_EQ(run("64 0f 01 38"), EMUL_OK);                      /* invlpg fs:[rax] */
    CHECK_EQ(ctx.invlpg_la, 0x10000 + ctx.regs.rax);
    ctx.sys_dirty = 0;
    ctx.regs.rip = CODE64;
    ctx.cpl = 3;
    CHECK_EQ(run("0f 01 3b"), EMUL_EXCEPTION);                  /* CPL 3: #GP(0) */
    CHECK_EQ(ctx.exc.vector, 13);
    CHECK_EQ(ctx.sys_dirty, 0);
    ctx.cpl = 0;
}

/* LMSW (0F 01 /6): the 16-bit source from a register or memory, for the
 * caller to load (EMUL_DIRTY_LMSW); #GP at CPL 3 and in VM86. */
static void test_lmsw(void)
{
    setup64();
    ctx.regs.rbx = RAM + 4095;                                  /* across a page boundary */
    fake_poke_u(RAM + 4095, 0xabcd, 2);
    CHECK_EQ(run("0f 01 33"), EMUL_OK);                         /* lmsw [rbx] */
    CHECK_EQ(ctx.sys_dirty, EMUL_DIRTY_LMSW);
    CHECK_EQ(ctx.lmsw_val, 0xabcd);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);
    ctx.sys_dirty = 0;
    ctx.regs.rip = CODE64;
    ctx.seg[EMUL_FS].base = RAM;
    ctx.regs.rax = 0x10;
    fake_poke_u(RAM + 0x18, 0x1235, 2);
    CHECK_EQ(run("64 0f 01 70 08"), EMUL_OK);                   /* lmsw fs:[rax+8] */
    CHECK_EQ(ctx.lmsw_val, 0x1235);
    CHECK_EQ(ctx.regs.rip, CODE64 + 5);
    ctx.sys_dirty = 0;
    ctx.regs.rip = CODE64;
    ctx.regs.rsi = 0xffffffff0000fffeull;                       /* register form: bits 15:0 only */
    CHECK_EQ(run("0f 01 f6"), EMUL_OK);                         /* lmsw si */
    CHECK_EQ(ctx.lmsw_val, 0xfffe);
    CHECK_EQ(ctx.regs.rip, CODE64 + 3);
    ctx.sys_dirty = 0;
    ctx.regs.rip = CODE64;
    ctx.regs.rbx = 0x7000000000ull;                             /* nothing mapped: #PF, nothing loaded */
    CHECK_EQ(run("0f 01 33"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, 14);
    CHECK_EQ(ctx.sys_dirty, 0);
    ctx.regs.rip = CODE64;
    ctx.cpl = 3;                                                /* CPL 3: #GP(0), RIP stays */
    enum emul_rc rc = run("0f 01 f6");
    ctx.cpl = 0;
    CHECK_EQ(rc, EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull);
    CHECK_EQ(ctx.sys_dirty + ctx.regs.rip, CODE64);
}

int main(void)
{
    RUN(test_alu_vs_native);
    RUN(test_alu_forms);
    RUN(test_mov);
    RUN(test_addressing64);
    RUN(test_addressing32_16);
    RUN(test_strings);
    RUN(test_misc);
    RUN(test_faults);
    RUN(test_soft_events);
    RUN(test_fpu_classes);
    RUN(test_sys);
    RUN(test_invlpg);
    RUN(test_lmsw);
    printf("%d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
