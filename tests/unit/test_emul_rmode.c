/*
 * Host tests of what the emulator gained for real mode on VMX without
 * unrestricted guest (issue 18 item 3): shifts and rotates and MUL/IMUL
 * against this CPU, DIV/IDIV against C arithmetic (#DE), the BCD adjusts,
 * PUSHA/POPA, ENTER/LEAVE, LES/LDS, the STI / MOV SS shadow report, 32-bit
 * code in real mode and LDT selectors (src/hvm/emulate/exec_arith.c and
 * exec_flow.c).  The guest is the fake in emul_fake.h.
 */
#include "test.h"
#include "emul_fake.h"
#include "emul_real.h"

/* The same shift or rotate by CL on this CPU (flags in and out). */
#define NSHIFT(mn, T, cons, x, cnt, f)                                                            \
    do {                                                                                          \
        T v_ = (T)(x);                                                                            \
        asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[fl]\n\tpopf\n\t" mn " %%cl, %[a]\n\tpushf\n\t" \
                     "pop %[fl]\n\tlea 128(%%rsp), %%rsp"                                         \
                     : [a] "+" cons(v_), [fl] "+r"(f) : "c"(cnt) : "cc", "memory");              \
        x = v_;                                                                                   \
    } while (0)
#define NSHIFT_SZ(mn, size, x, cnt, f)                                                            \
    do {                                                                                          \
        if (size == 1) NSHIFT(mn "b", uint8_t, "q", x, cnt, f);                                   \
        else if (size == 2) NSHIFT(mn "w", uint16_t, "r", x, cnt, f);                             \
        else NSHIFT(mn "l", uint32_t, "r", x, cnt, f);                                            \
    } while (0)

static uint64_t native_shift(unsigned kind, unsigned size, uint64_t x, uint8_t cnt, uint64_t *fl)
{
    uint64_t f = *fl;
    switch (kind) {
    case 0: NSHIFT_SZ("rol", size, x, cnt, f); break;
    case 1: NSHIFT_SZ("ror", size, x, cnt, f); break;
    case 2: NSHIFT_SZ("rcl", size, x, cnt, f); break;
    case 3: NSHIFT_SZ("rcr", size, x, cnt, f); break;
    case 5: NSHIFT_SZ("shr", size, x, cnt, f); break;
    case 7: NSHIFT_SZ("sar", size, x, cnt, f); break;
    default: NSHIFT_SZ("shl", size, x, cnt, f); break;
    }
    *fl = f;
    return x;
}

static const uint64_t svals[] = { 0, 1, 2, 0x40, 0x7f, 0x80, 0x81, 0xff, 0x7fff, 0x8000, 0xc001, 0xffff,
                                  0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff, 0x12345678 };

/* Every group-2 kind, size, value, count 0..40 and CF in, emulated in real
 * mode ("d2/d3 /k" on AX, count in CL) against this CPU.  Compared: the
 * result and CF (CF only where defined: not for SHL/SHR counts beyond the
 * width), OF for a masked count of 1, SF/ZF/PF for shifts, and all flags
 * unchanged for a masked count of 0. */
static void test_shift_native(void)
{
    unsigned n = 0, bad = 0;
    for (unsigned kind = 0; kind < 8; kind++)
        for (unsigned size = 1; size <= 4; size *= 2)
            for (unsigned vi = 0; vi < ARRAY_SIZE(svals); vi++)
                for (unsigned cnt = 0; cnt <= 40; cnt++)
                    for (unsigned cin = 0; cin < 2; cin++) {
                        uint64_t x = svals[vi] & ((1ull << (8 * size)) - 1) ;
                        uint64_t fl0 = 0x2 | cin | EMUL_FL_AF | EMUL_FL_ZF;   /* ZF/AF set going in */
                        uint64_t nfl = fl0, want = native_shift(kind, size, x, (uint8_t)cnt, &nfl);
                        char hex[16];
                        snprintf(hex, sizeof(hex), "%s%s %02x", size == 4 ? "66 " : "", size == 1 ? "d2" : "d3",
                                 0xc0 | (kind << 3));
                        real_setup(0x100);
                        ctx.regs.rax = x;
                        ctx.regs.rcx = cnt;
                        ctx.regs.rflags = fl0;
                        enum emul_rc rc = run_at(hex);
                        uint64_t got = ctx.regs.rax & ((1ull << (8 * size)) - 1), gfl = ctx.regs.rflags;
                        unsigned mc = cnt & 31, w = 8 * size;
                        uint64_t cmp = 0;
                        if (mc == 0) {
                            cmp = ~0ull;
                        } else {
                            bool cf_def = kind < 4 || mc <= w;
                            cmp = (cf_def ? EMUL_FL_CF : 0) | (mc == 1 ? EMUL_FL_OF : 0);
                            if (kind >= 4)
                                cmp |= EMUL_FL_SF | EMUL_FL_ZF | EMUL_FL_PF;
                            else
                                cmp |= EMUL_FL_SF | EMUL_FL_ZF | EMUL_FL_PF | EMUL_FL_AF;  /* rotates: untouched */
                        }
                        n++;
                        if (rc != EMUL_OK || got != want || ((gfl ^ nfl) & cmp & EMUL_FL_ARITH)) {
                            if (bad++ < 8)
                                fprintf(stderr, "shift /%u size %u x %#llx cnt %u cf %u: got %#llx fl %#llx, "
                                        "native %#llx fl %#llx (rc %d)\n", kind, size, (unsigned long long)x, cnt,
                                        cin, (unsigned long long)got, (unsigned long long)gfl,
                                        (unsigned long long)want, (unsigned long long)nfl, rc);
                        }
                    }
    printf("shift/rotate vs native: %u cases, %u mismatches\n", n, bad);
    CHECK_EQ(bad, 0);
    CHECK(n > 10000);
}

/* MUL (kind 4), one-operand IMUL (5) and IMUL r, r/m (6) of a and b on this
 * CPU at 16 or 32 bits: lo, hi (DX) and the flags f. */
#define NMUL_ASM(insn, T)                                                                  \
    asm("push %[f]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]"                            \
        : "+a"(ax_), "+d"(dx_), [f] "+r"(f) : [b] "r"(b_) : "cc")
#define NMUL(T, sfx, acc)                                                                  \
    do {                                                                                   \
        T ax_ = (T)a, dx_ = 0, b_ = (T)b;                                                  \
        if (kind == 4)                                                                     \
            NMUL_ASM("mul" sfx " %[b]", T);                                                \
        else if (kind == 5)                                                                \
            NMUL_ASM("imul" sfx " %[b]", T);                                               \
        else                                                                               \
            NMUL_ASM("imul" sfx " %[b], %%" acc, T);                                       \
        lo = ax_;                                                                          \
        hi = dx_;                                                                          \
    } while (0)

/* MUL/IMUL (F6/F7 /4 /5, 0F AF, 6B) against this CPU: result and CF/OF. */
static void test_mul_native(void)
{
    unsigned n = 0, bad = 0;
    for (unsigned size = 1; size <= 4; size *= 2)
        for (unsigned ai = 0; ai < ARRAY_SIZE(svals); ai++)
            for (unsigned bi = 0; bi < ARRAY_SIZE(svals); bi++)
                for (unsigned kind = 4; kind <= 6; kind++) {
                    uint64_t m = (1ull << (8 * size)) - 1, a = svals[ai] & m, b = svals[bi] & m;
                    uint64_t lo, hi = 0, f = 0x2;
                    if (kind == 6 && size == 1)
                        continue;                               /* no byte form of IMUL r, r/m */
                    if (size == 1) {
                        uint16_t ax = (uint16_t)a;
                        uint8_t bb = (uint8_t)b;
                        if (kind == 4)
                            asm("push %[f]\n\tpopf\n\tmulb %[b]\n\tpushf\n\tpop %[f]" : "+a"(ax), [f] "+r"(f) : [b] "q"(bb) : "cc");
                        else
                            asm("push %[f]\n\tpopf\n\timulb %[b]\n\tpushf\n\tpop %[f]" : "+a"(ax), [f] "+r"(f) : [b] "q"(bb) : "cc");
                        lo = ax & 0xff;
                        hi = ax >> 8;
                    } else if (size == 2) {
                        NMUL(uint16_t, "w", "ax");
                    } else {
                        NMUL(uint32_t, "l", "eax");
                    }
                    real_setup(0x100);
                    ctx.regs.rax = a;
                    ctx.regs.rbx = b;
                    ctx.regs.rdx = 0;
                    const char *pre = size == 4 ? "66 " : "";
                    char hex[24];
                    if (kind == 6)
                        snprintf(hex, sizeof(hex), "%s0f af c3", pre);         /* imul ax, bx */
                    else
                        snprintf(hex, sizeof(hex), "%s%s %02x", pre, size == 1 ? "f6" : "f7", 0xc3 | (kind << 3));
                    enum emul_rc rc = run_at(hex);
                    uint64_t glo = size == 1 ? ctx.regs.rax & 0xff : ctx.regs.rax & m;
                    uint64_t ghi = size == 1 ? (ctx.regs.rax >> 8) & 0xff : ctx.regs.rdx & m;
                    n++;
                    if (rc != EMUL_OK || glo != lo || (kind != 6 && ghi != hi) ||
                        ((ctx.regs.rflags ^ f) & (EMUL_FL_CF | EMUL_FL_OF))) {
                        if (bad++ < 8)
                            fprintf(stderr, "mul /%u size %u %#llx * %#llx: got %#llx:%#llx fl %#llx, native %#llx:%#llx "
                                    "fl %#llx\n", kind, size, (unsigned long long)a, (unsigned long long)b,
                                    (unsigned long long)ghi, (unsigned long long)glo,
                                    (unsigned long long)ctx.regs.rflags, (unsigned long long)hi,
                                    (unsigned long long)lo, (unsigned long long)f);
                    }
                }
    printf("MUL/IMUL vs native: %u cases, %u mismatches\n", n, bad);
    CHECK_EQ(bad, 0);
    CHECK(n > 500);
}

/* DIV/IDIV: results against C arithmetic, #DE for 0 and quotient overflow
 * (IP stays on the instruction, registers untouched). */
static void test_div(void)
{
    unsigned n = 0, bad = 0;
    static const int64_t dvals[] = { 0, 1, -1, 2, -2, 3, 7, -7, 0x7f, -0x80, 0x7fff, -0x8000, 0x10000, 0x7fffffff,
                                     -0x7fffffffll - 1, 0x123456789ll, -0x123456789ll, 0xffffffffll };
    for (unsigned size = 1; size <= 4; size *= 2)
        for (unsigned si = 0; si < 2; si++)
            for (unsigned ni = 0; ni < ARRAY_SIZE(dvals); ni++)
                for (unsigned di = 0; di < ARRAY_SIZE(dvals); di++) {
                    unsigned w = 8 * size;
                    uint64_t m = (1ull << w) - 1;
                    /* dividend of 2w bits (w <= 32: fits in 64) */
                    uint64_t dividend = (uint64_t)dvals[ni] & (w == 32 ? ~0ull : (1ull << (2 * w)) - 1);
                    uint64_t divisor = (uint64_t)dvals[di] & m;
                    bool de;
                    uint64_t q = 0, r = 0;
                    if (divisor == 0) {
                        de = true;
                    } else if (!si) {
                        unsigned __int128 qq = (unsigned __int128)dividend / divisor;
                        de = qq > m;
                        q = (uint64_t)qq;
                        r = dividend % divisor;
                    } else {
                        __int128 nn = (__int128)(int64_t)(dividend << (64 - 2 * w)) >> (64 - 2 * w);
                        __int128 dd = (__int128)(int64_t)(divisor << (64 - w)) >> (64 - w);
                        __int128 qq = nn / dd, rr = nn % dd;
                        de = qq > (__int128)(m >> 1) || qq < -(__int128)(m >> 1) - 1;
                        q = (uint64_t)qq & m;
                        r = (uint64_t)rr & m;
                    }
                    real_setup(0x100);
                    if (size == 1) {
                        ctx.regs.rax = dividend & 0xffff;
                    } else {
                        ctx.regs.rax = dividend & m;
                        ctx.regs.rdx = dividend >> w;
                    }
                    ctx.regs.rbx = divisor;
                    struct guest_regs before = ctx.regs;
                    char hex[24];
                    snprintf(hex, sizeof(hex), "%s%s %02x", size == 4 ? "66 " : "", size == 1 ? "f6" : "f7",
                             0xc3 | ((6 + si) << 3));
                    enum emul_rc rc = run_at(hex);
                    bool ok;
                    if (de) {
                        ok = rc == EMUL_EXCEPTION && ctx.exc.vector == EMUL_EXC_DE && !ctx.exc.has_err &&
                             !memcmp(&ctx.regs, &before, sizeof(before));
                    } else {
                        uint64_t gq = size == 1 ? ctx.regs.rax & 0xff : ctx.regs.rax & m;
                        uint64_t gr = size == 1 ? (ctx.regs.rax >> 8) & 0xff : ctx.regs.rdx & m;
                        ok = rc == EMUL_OK && gq == (q & m) && gr == (r & m) && ctx.regs.rip == 0x102 + (size == 4);
                    }
                    n++;
                    if (!ok && bad++ < 8)
                        fprintf(stderr, "%s size %u %#llx / %#llx: rc %d vec %u, rax %#llx rdx %#llx (want de %d q %#llx "
                                "r %#llx)\n", si ? "idiv" : "div", size, (unsigned long long)dividend,
                                (unsigned long long)divisor, rc, ctx.exc.vector, (unsigned long long)ctx.regs.rax,
                                (unsigned long long)ctx.regs.rdx, de, (unsigned long long)q, (unsigned long long)r);
                }
    printf("DIV/IDIV: %u cases, %u wrong\n", n, bad);
    CHECK_EQ(bad, 0);
    /* The named edges: IDIV -32768 / -1 (quotient 32768 does not fit),
     * DIV by 0, DIV 0x10000 / 1 with a 16-bit quotient. */
    real_setup(0x100);
    ctx.regs.rax = 0x8000;
    ctx.regs.rdx = 0xffff;
    ctx.regs.rbx = 0xffff;
    CHECK_EQ(run_at("f7 fb"), EMUL_EXCEPTION);                  /* idiv bx */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_DE);
    CHECK_EQ(ctx.regs.rip, 0x100);
    ctx.regs.rbx = 0;
    CHECK_EQ(run_at("f6 f3"), EMUL_EXCEPTION);                  /* div bl */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_DE);
    ctx.regs.rax = 0;
    ctx.regs.rdx = 1;
    ctx.regs.rbx = 1;
    CHECK_EQ(run_at("f7 f3"), EMUL_EXCEPTION);                  /* div bx: 0x10000 / 1 */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_DE);
    ctx.regs.rbx = 2;
    CHECK_EQ(run_at("f7 f3"), EMUL_OK);                         /* 0x10000 / 2 = 0x8000 */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x8000);
    CHECK_EQ(ctx.regs.rdx & 0xffff, 0);
    /* IMUL r, r/m, imm8 and imm16; AAM 0 is #DE too. */
    real_setup(0x100);
    ctx.regs.rbx = 0xfff0;                                      /* -16 */
    CHECK_EQ(run_at("6b c3 fd"), EMUL_OK);                      /* imul ax, bx, -3 */
    CHECK_EQ(ctx.regs.rax & 0xffff, 48);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF), 0);
    CHECK_EQ(run_at("69 c3 00 10"), EMUL_OK);                   /* imul ax, bx, 0x1000: -65536 */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF), EMUL_FL_CF | EMUL_FL_OF);
}

/* Shift edge cases named in the SDM, by hand: count 0 keeps every flag,
 * count 1's OF rule, the 5-bit mask, RCL/RCR through CF, a memory operand. */
static void test_shift_edges(void)
{
    real_setup(0x100);
    ctx.regs.rax = 0x80;
    ctx.regs.rflags = 0x2 | EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_ZF;
    CHECK_EQ(run_at("c0 e0 00"), EMUL_OK);                      /* shl al, 0 */
    CHECK_EQ(ctx.regs.rflags, 0x2 | EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_ZF);
    CHECK_EQ(ctx.regs.rax, 0x80);
    CHECK_EQ(run_at("c0 e0 20"), EMUL_OK);                      /* shl al, 32: masked to 0 */
    CHECK_EQ(ctx.regs.rflags, 0x2 | EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_ZF);
    CHECK_EQ(run_at("d0 e0"), EMUL_OK);                         /* shl al, 1: 0x80 -> 0, CF 1, OF 1 */
    CHECK_EQ(ctx.regs.rax, 0);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_ZF), EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_ZF);
    ctx.regs.rax = 0xc0;
    CHECK_EQ(run_at("d0 e0"), EMUL_OK);                         /* 0xc0 -> 0x80: CF 1, OF 0 */
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF), EMUL_FL_CF);
    ctx.regs.rax = 0x81;
    CHECK_EQ(run_at("d0 f8"), EMUL_OK);                         /* sar al, 1: 0xc0, CF 1, OF 0 */
    CHECK_EQ(ctx.regs.rax, 0xc0);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF), EMUL_FL_CF);
    ctx.regs.rax = 0x81;
    CHECK_EQ(run_at("d0 e8"), EMUL_OK);                         /* shr al, 1: 0x40, CF 1, OF = old MSB 1 */
    CHECK_EQ(ctx.regs.rax, 0x40);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_OF), EMUL_FL_CF | EMUL_FL_OF);
    ctx.regs.rax = 0x01;
    ctx.regs.rflags = 0x2 | EMUL_FL_CF;
    CHECK_EQ(run_at("d0 d8"), EMUL_OK);                         /* rcr al, 1: CF in at the top */
    CHECK_EQ(ctx.regs.rax, 0x80);
    CHECK_EQ(ctx.regs.rflags & EMUL_FL_CF, EMUL_FL_CF);
    ctx.regs.rax = 0x1234;
    CHECK_EQ(run_at("c1 c0 04"), EMUL_OK);                      /* rol ax, 4 */
    CHECK_EQ(ctx.regs.rax, 0x2341);
    /* A memory operand (word at DS:0x40), shl by 3; beyond the DS limit #GP. */
    fake_poke_u(0x40, 0x1111, 2);
    CHECK_EQ(run_at("c1 26 40 00 03"), EMUL_OK);                /* shl word [0x40], 3 */
    CHECK_EQ(fake_peek(0x40, 2), 0x8888);
    ctx.seg[EMUL_DS].limit = 0x40;
    CHECK_EQ(run_at("c1 26 40 00 03"), EMUL_EXCEPTION);         /* bytes 0x40-0x41 beyond 0x40 */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull);
    CHECK_EQ(fake_peek(0x40, 2), 0x8888);
    /* Not in protected mode without c->flow, nor in 64-bit mode. */
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    CHECK_EQ(run_at("d1 e0"), EMUL_UNHANDLEABLE);
    CHECK_CONTAINS(ctx.reason, "outside real mode");
    fake_setup(&ctx, 64, 0x1000);
    fake_map(0x1000, PG_RAM);
    ctx.flow = true;
    CHECK_EQ(run_at("48 f7 e3"), EMUL_UNHANDLEABLE);            /* mul rbx */
}

/* DAA, DAS, AAA, AAS, AAM, AAD: the SDM's examples and edges. */
static void test_bcd(void)
{
    real_setup(0x100);
    ctx.regs.rax = 0x79 + 0x35;                                 /* add al, bl of 79 + 35: AL 0xae */
    ctx.regs.rflags = 0x2;
    CHECK_EQ(run_at("27"), EMUL_OK);                            /* daa: 0x14, CF 1, AF 1 */
    CHECK_EQ(ctx.regs.rax & 0xff, 0x14);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_AF), EMUL_FL_CF | EMUL_FL_AF);
    ctx.regs.rax = 0x35 - 0x47 + 0x100;                         /* sub: 0xee, CF 1 AF 1 */
    ctx.regs.rflags = 0x2 | EMUL_FL_CF | EMUL_FL_AF;
    CHECK_EQ(run_at("2f"), EMUL_OK);                            /* das: 0x88, CF 1, AF 1, SF 1 */
    CHECK_EQ(ctx.regs.rax & 0xff, 0x88);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_AF | EMUL_FL_SF | EMUL_FL_ZF),
             EMUL_FL_CF | EMUL_FL_AF | EMUL_FL_SF);
    ctx.regs.rax = 0x0006 + 0x0009;                             /* AAA after 6 + 9: AX 0x0105 */
    ctx.regs.rflags = 0x2;
    CHECK_EQ(run_at("37"), EMUL_OK);
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x0105);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_AF), EMUL_FL_CF | EMUL_FL_AF);
    ctx.regs.rax = 0x01ff;                                      /* AAS: AX 0x01ff (from 1,3 - 4 ...) */
    ctx.regs.rflags = 0x2 | EMUL_FL_AF;
    CHECK_EQ(run_at("3f"), EMUL_OK);                            /* AX - 6 = 0x01f9, AH - 1: 0x00, AL & 0xf */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x0009);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_AF), EMUL_FL_CF | EMUL_FL_AF);
    ctx.regs.rax = 0x0003;
    ctx.regs.rflags = 0x2 | EMUL_FL_CF;
    CHECK_EQ(run_at("37"), EMUL_OK);                            /* AF 0, AL < 10: no adjust, CF cleared */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x0003);
    CHECK_EQ(ctx.regs.rflags & (EMUL_FL_CF | EMUL_FL_AF), 0);
    ctx.regs.rax = 63;
    CHECK_EQ(run_at("d4 0a"), EMUL_OK);                         /* aam: AH 6, AL 3 */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x0603);
    CHECK_EQ(run_at("d5 0a"), EMUL_OK);                         /* aad: back to 63 */
    CHECK_EQ(ctx.regs.rax & 0xffff, 63);
    CHECK_EQ(run_at("d4 00"), EMUL_EXCEPTION);                  /* aam 0: #DE */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_DE);
    CHECK_EQ(ctx.regs.rax & 0xffff, 63);
}

/* PUSHA/POPA (SP pushed as it was), ENTER with nesting 0, 1 and 3, LEAVE,
 * LES/LDS, and the limit checks. */
static void test_stack_more(void)
{
    real_setup(0x100);
    ctx.regs.rax = 0x1111; ctx.regs.rcx = 0x2222; ctx.regs.rdx = 0x3333; ctx.regs.rbx = 0x4444;
    ctx.regs.rbp = 0x5555; ctx.regs.rsi = 0x6666; ctx.regs.rdi = 0x7777;
    CHECK_EQ(run_at("60"), EMUL_OK);                            /* pusha */
    CHECK_EQ(ctx.regs.rsp, 0x8000 - 16);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x1111);                     /* AX first, at the top */
    CHECK_EQ(fake_peek(0x7ff6, 2), 0x8000);                     /* SP as before PUSHA */
    CHECK_EQ(fake_peek(0x7ff0, 2), 0x7777);                     /* DI last */
    ctx.regs.rax = ctx.regs.rcx = ctx.regs.rdx = ctx.regs.rbx = ctx.regs.rbp = ctx.regs.rsi = ctx.regs.rdi = 0;
    fake_poke_u(0x7ff6, 0x1234, 2);                             /* the SP slot is skipped by POPA */
    CHECK_EQ(run_at("61"), EMUL_OK);                            /* popa */
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    CHECK_EQ(ctx.regs.rax + ctx.regs.rbx * 0x10000, 0x1111 + 0x4444ull * 0x10000);
    CHECK_EQ(ctx.regs.rdi, 0x7777);
    CHECK_EQ(ctx.regs.rbp, 0x5555);
    /* PUSHAD: 32 bytes, ESP's old value; a stack limit that leaves less
     * room than 32 bytes: #SS(0), nothing written. */
    real_setup(0x100);
    ctx.regs.rax = 0xaabbccdd;
    CHECK_EQ(run_at("66 60"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, 0x8000 - 32);
    CHECK_EQ(fake_peek(0x7ffc, 4), 0xaabbccdd);
    CHECK_EQ(fake_peek(0x7fec, 4), 0x8000);
    CHECK_EQ(run_at("66 61"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    real_setup(0x100);
    fake_map(0xf000, PG_RAM);
    ctx.regs.rsp = 0x8;                                         /* SP 8: the pushes wrap at 16 bits */
    ctx.regs.rax = 0x4321;
    ctx.regs.rdi = 0x8765;
    CHECK_EQ(run_at("60"), EMUL_OK);                            /* pushed piecewise */
    CHECK_EQ(ctx.regs.rsp, 0xfff8);
    CHECK_EQ(fake_peek(0x0006, 2), 0x4321);                     /* AX at SP - 2 */
    CHECK_EQ(fake_peek(0xfff8, 2), 0x8765);                     /* DI after the wrap */
    real_setup(0x100);
    ctx.seg[EMUL_SS].limit = 0x7ff7;                            /* SP 0x7ff8: 0x7fd8..0x7ff7 is within */
    ctx.regs.rsp = 0x7ff8;
    CHECK_EQ(run_at("66 60"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, 0x7fd8);
    real_setup(0x100);
    ctx.seg[EMUL_SS].limit = 0x7ffd;                            /* SP 0x8000: the top word is beyond */
    fake_poke_u(0x7ffe, 0xbeef, 2);
    CHECK_EQ(run_at("60"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 12 * 0x10000ull);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0xbeef);                     /* nothing written */
    CHECK_EQ(fake_peek(0x7ff0, 2), 0);

    /* ENTER 8, 0: push BP, BP = SP, SP -= 8; LEAVE undoes it. */
    real_setup(0x100);
    ctx.regs.rbp = 0x1234;
    CHECK_EQ(run_at("c8 08 00 00"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 0x104);
    CHECK_EQ(ctx.regs.rbp, 0x7ffe);
    CHECK_EQ(ctx.regs.rsp, 0x7ff6);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x1234);
    CHECK_EQ(run_at("c9"), EMUL_OK);                            /* leave */
    CHECK_EQ(ctx.regs.rbp, 0x1234);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    /* ENTER 4, 1: push BP, push the frame pointer. */
    CHECK_EQ(run_at("c8 04 00 01"), EMUL_OK);
    CHECK_EQ(ctx.regs.rbp, 0x7ffe);
    CHECK_EQ(fake_peek(0x7ffc, 2), 0x7ffe);
    CHECK_EQ(ctx.regs.rsp, 0x7ffc - 4);
    /* ENTER 0, 3 from inside that frame: copies 2 frame pointers from the
     * old frame (BP - 2, BP - 4), then pushes the new one. */
    fake_poke_u(0x7ffc, 0xaaaa, 2);                             /* [BP - 2] */
    fake_poke_u(0x7ffa, 0xbbbb, 2);                             /* [BP - 4] */
    ctx.regs.rsp = 0x7f00;
    CHECK_EQ(run_at("c8 00 00 03"), EMUL_OK);
    CHECK_EQ(fake_peek(0x7efe, 2), 0x7ffe);                     /* old BP */
    CHECK_EQ(fake_peek(0x7efc, 2), 0xaaaa);
    CHECK_EQ(fake_peek(0x7efa, 2), 0xbbbb);
    CHECK_EQ(fake_peek(0x7ef8, 2), 0x7efe);                     /* the new frame pointer */
    CHECK_EQ(ctx.regs.rbp, 0x7efe);
    CHECK_EQ(ctx.regs.rsp, 0x7ef8);
    /* ENTER whose allocation goes below... a limit above the new SP is
     * fine in real mode (not expand-down); beyond the top: #SS. */
    real_setup(0x100);
    ctx.seg[EMUL_SS].limit = 0x7ffd;
    CHECK_EQ(run_at("c8 02 00 00"), EMUL_EXCEPTION);            /* push BP at 0x7ffe: beyond */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_SS);
    CHECK_EQ(ctx.regs.rsp, 0x8000);

    /* LES / LDS in real mode: base = sel << 4, limit and attributes kept. */
    real_setup(0x100);
    seg_set(&ctx.seg[EMUL_ES], 0x10, 0, 0xffffffff, 0xc093);
    fake_poke_u(0x60, 0x98765432, 4);                           /* offset 0x5432, selector 0x9876 */
    CHECK_EQ(run_at("c4 3e 60 00"), EMUL_OK);                   /* les di, [0x60] */
    CHECK_EQ(ctx.regs.rdi & 0xffff, 0x5432);
    CHECK_EQ(ctx.seg[EMUL_ES].sel, 0x9876);
    CHECK_EQ(ctx.seg[EMUL_ES].base, 0x98760);
    CHECK_EQ(ctx.seg[EMUL_ES].limit, 0xffffffffu);
    CHECK_EQ(ctx.seg[EMUL_ES].attr, 0xc093);
    CHECK_EQ(ctx.seg_dirty, 1u << EMUL_ES);
    fake_poke_u(0x68, 0x0000002012345678ull, 8);                /* m16:32: offset 0x12345678, sel 0x20 */
    CHECK_EQ(run_at("66 c5 36 68 00"), EMUL_OK);                /* lds esi, [0x68] */
    CHECK_EQ(ctx.regs.rsi, 0x12345678);
    CHECK_EQ(ctx.seg[EMUL_DS].base, 0x200);
    /* The pointer beyond DS's kept limit: #GP, nothing loaded. */
    real_setup(0x100);
    ctx.seg[EMUL_DS].limit = 0x61;
    CHECK_EQ(run_at("c4 3e 60 00"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull);
    CHECK_EQ(ctx.seg[EMUL_ES].sel, 0);
    CHECK_EQ(ctx.seg_dirty, 0);
    /* LES with a register operand (C4 with mod 3) is not LES: VEX, #UD in
     * real mode without OSXSAVE. */
    CHECK_EQ(run_at("c4 c0 00"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
}

/* STI (IF 0 -> 1) and MOV SS / POP SS report their shadow; STI with IF
 * already set, CLI and LSS do not. */
static void test_shadow(void)
{
    real_setup(0x100);
    CHECK_EQ(run_at("fb"), EMUL_OK);
    CHECK_EQ(ctx.shadow, EMUL_SHADOW_STI);
    CHECK_EQ(run_at("fb"), EMUL_OK);                            /* IF already 1 */
    CHECK_EQ(ctx.shadow, 0);
    CHECK_EQ(run_at("90"), EMUL_OK);
    CHECK_EQ(ctx.shadow, 0);
    CHECK_EQ(run_at("8e d0"), EMUL_OK);                         /* mov ss, ax */
    CHECK_EQ(ctx.shadow, EMUL_SHADOW_MOVSS);
    fake_poke_u(0x7ffe, 0, 2);
    ctx.regs.rsp = 0x7ffe;
    CHECK_EQ(run_at("17"), EMUL_OK);                            /* pop ss */
    CHECK_EQ(ctx.shadow, EMUL_SHADOW_MOVSS);
    CHECK_EQ(run_at("8e d8"), EMUL_OK);                         /* mov ds, ax */
    CHECK_EQ(ctx.shadow, 0);
    CHECK_EQ(run_at("fa"), EMUL_OK);
    CHECK_EQ(ctx.shadow, 0);
}

/* 32-bit code in real mode: CS.D as cached decides the operand and address
 * size (a 32-bit immediate, EIP not wrapped at 16 bits). */
static void test_cs32_real(void)
{
    real_setup(0x100);
    ctx.seg[EMUL_CS].attr = 0xc9b;                              /* G, D = 1: limit kept 4 GiB */
    ctx.seg[EMUL_CS].limit = 0xffffffff;
    CHECK_EQ(run_at("b8 78 56 34 12"), EMUL_OK);                /* mov eax, 0x12345678 */
    CHECK_EQ(ctx.regs.rax, 0x12345678);
    CHECK_EQ(ctx.regs.rip, 0x105);
    CHECK_EQ(run_at("66 b8 cd ab"), EMUL_OK);                   /* mov ax, 0xabcd */
    CHECK_EQ(ctx.regs.rax, 0x1234abcd);
    CHECK_EQ(run_at("e9 00 00 01 00"), EMUL_OK);                /* jmp rel32 +0x10000 */
    CHECK_EQ(ctx.regs.rip, 0x1010e);                            /* 0x109 + 5 + 0x10000 */
    CHECK_EQ(ctx.mode, 32);
    /* PUSHAD is the default there. */
    fake_map(0x20000, PG_RAM);
    CHECK_EQ(run_at("60"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, 0x8000 - 32);
}

/* LDT selectors in protected mode (c->flow): through LDTR's table; a null
 * LDTR or a selector beyond its limit: #GP(sel). */
static void test_ldt(void)
{
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(0x6000, PG_RAM);
    ctx.flow = true;
    ctx.regs.rax = 0x0c;                                        /* LDT index 1, RPL 0 */
    CHECK_EQ(run_at("8e e0"), EMUL_EXCEPTION);                  /* no LDT */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull + 0x0c);
    seg_set(&ctx.ldtr, 0x28, 0x6000, 0x0f, 0x82);
    fake_poke_u(0x6008, 0x00cf92010000ffffull, 8);              /* base 0x10000, flat data */
    CHECK_EQ(run_at("8e e0"), EMUL_OK);                         /* mov fs, ax */
    CHECK_EQ(ctx.seg[EMUL_FS].sel, 0x0c);
    CHECK_EQ(ctx.seg[EMUL_FS].base, 0x10000);
    CHECK_EQ(fake_peek(0x600d, 1), 0x93);                       /* accessed, in the LDT */
    ctx.regs.rax = 0x14;                                        /* index 2: beyond the LDT limit */
    CHECK_EQ(run_at("8e e0"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull + 0x14);
}

int main(void)
{
    RUN(test_shift_native);
    RUN(test_shift_edges);
    RUN(test_mul_native);
    RUN(test_div);
    RUN(test_bcd);
    RUN(test_stack_more);
    RUN(test_shadow);
    RUN(test_cs32_real);
    RUN(test_ldt);
    printf("%d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
