/*
 * Host tests of the emulator's control-flow, stack and segment-load
 * instructions (src/hvm/emulate/exec_flow.c): real-mode segment loads keep
 * the limit and attributes (unreal mode), far and near transfers, the
 * stack at 16 and 32 bits, IRET and POPF, limit faults beyond a kept
 * limit, the protected-mode far jump and MOV Sreg through the GDT, and
 * that none of it runs outside real mode unless the caller asks (c->flow).
 * The guest is the fake in emul_fake.h.
 */
#include "test.h"
#include "emul_fake.h"

#include "emul_real.h"

static void test_sreg_real(void)
{
    /* MOV FS, AX in real mode: base = sel << 4, the 4 GiB limit and the
     * attributes stay (unreal mode). */
    real_setup(0x100);
    seg_set(&ctx.seg[EMUL_FS], 0x30, 0, 0xffffffff, 0xc093);
    ctx.regs.rax = 0x1200;
    CHECK_EQ(run_at("8e e0"), EMUL_OK);                         /* mov fs, ax */
    CHECK_EQ(ctx.seg[EMUL_FS].sel, 0x1200);
    CHECK_EQ(ctx.seg[EMUL_FS].base, 0x12000);
    CHECK_EQ(ctx.seg[EMUL_FS].limit, 0xffffffffu);
    CHECK_EQ(ctx.seg[EMUL_FS].attr, 0xc093);
    CHECK_EQ(ctx.seg_dirty, 1u << EMUL_FS);
    CHECK_EQ(ctx.regs.rip, 0x102);
    /* ... and an access at a 32-bit offset above 1 MiB goes through it. */
    fake_map(0x212000, PG_RAM);
    ctx.regs.rbx = 0x200000;
    ctx.regs.rax = 0xcafef00d;
    CHECK_EQ(run_at("64 66 67 89 03"), EMUL_OK);                /* mov fs:[ebx], eax */
    CHECK_EQ(fake_peek(0x212000, 4), 0xcafef00d);
    /* MOV CS is #UD; MOV SS from memory. */
    real_setup(0x100);
    CHECK_EQ(run_at("8e c8"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    CHECK_EQ(ctx.regs.rip, 0x100);
    fake_poke_u(0x40, 0x0700, 2);
    CHECK_EQ(run_at("8e 16 40 00"), EMUL_OK);                   /* mov ss, [0x40] */
    CHECK_EQ(ctx.seg[EMUL_SS].base, 0x7000);
    /* POP ES / PUSH DS / POP GS (0F A9) / LFS. */
    real_setup(0x100);
    fake_poke_u(0x7ffe, 0x0123, 2);
    ctx.regs.rsp = 0x7ffe;
    CHECK_EQ(run_at("07"), EMUL_OK);
    CHECK_EQ(ctx.seg[EMUL_ES].base, 0x1230);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    ctx.seg[EMUL_DS].sel = 0x4444;
    CHECK_EQ(run_at("1e"), EMUL_OK);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x4444);
    CHECK_EQ(run_at("0f a9"), EMUL_OK);
    CHECK_EQ(ctx.seg[EMUL_GS].sel, 0x4444);
    CHECK_EQ(ctx.seg[EMUL_GS].base, 0x44440);
    fake_poke_u(0x50, 0x00345678, 4);                           /* offset 0x5678, selector 0x0034 */
    CHECK_EQ(run_at("0f b4 1e 50 00"), EMUL_OK);                /* lfs bx, [0x50] */
    CHECK_EQ(ctx.regs.rbx & 0xffff, 0x5678);
    CHECK_EQ(ctx.seg[EMUL_FS].base, 0x340);
    /* A fault reading the operand leaves the segment alone. */
    real_setup(0x100);
    uint64_t fs_before = ctx.seg[EMUL_FS].base;
    ctx.seg[EMUL_DS].limit = 0x3f;
    CHECK_EQ(run_at("8e 26 40 00"), EMUL_EXCEPTION);            /* mov fs, [0x40]: beyond DS limit */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.seg[EMUL_FS].base, fs_before);
    CHECK_EQ(ctx.seg_dirty, 0);
}

static void test_limits_real(void)
{
    /* Beyond the kept limit: #GP(0) for DS/FS, #SS(0) for the stack. */
    real_setup(0x100);
    ctx.regs.rbx = 0x10000;
    CHECK_EQ(run_at("66 67 64 c7 03 ef be ad de"), EMUL_EXCEPTION);    /* mov dword fs:[ebx], imm */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull);
    CHECK_EQ(ctx.regs.rip, 0x100);
    ctx.regs.rbx = 0xfffe;                                      /* a 4-byte access straddling the limit */
    CHECK_EQ(run_at("66 64 89 07"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    real_setup(0x100);
    ctx.seg[EMUL_SS].limit = 0x7fff;                            /* a push below is fine, a pop above not */
    ctx.regs.rsp = 0x7fff;
    CHECK_EQ(run_at("58"), EMUL_EXCEPTION);                     /* pop ax at 0x7fff..0x8000 */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 12 * 0x10000ull);
    CHECK_EQ(ctx.regs.rsp, 0x7fff);
    /* A jump beyond the CS limit: #GP(0), IP unchanged. */
    real_setup(0x100);
    ctx.seg[EMUL_CS].limit = 0x1ff;
    CHECK_EQ(run_at("e9 00 01"), EMUL_EXCEPTION);               /* jmp 0x203 */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.regs.rip, 0x100);
}

static void test_near(void)
{
    real_setup(0x100);
    CHECK_EQ(run_at("eb 10"), EMUL_OK);                         /* jmp short +0x10 */
    CHECK_EQ(ctx.regs.rip, 0x112);
    CHECK_EQ(run_at("eb ea"), EMUL_OK);                         /* jmp short -0x16 */
    CHECK_EQ(ctx.regs.rip, 0xfe);
    fake_map(0x1f000, PG_RAM);
    ctx.regs.rip = 0xfffe;                                      /* IP wraps at 16 bits */
    CHECK_EQ(run_at("eb 04"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 0x4);
    /* Jcc taken and not. */
    real_setup(0x100);
    ctx.regs.rflags |= EMUL_FL_ZF;
    CHECK_EQ(run_at("74 20"), EMUL_OK);                         /* jz */
    CHECK_EQ(ctx.regs.rip, 0x122);
    CHECK_EQ(run_at("75 20"), EMUL_OK);                         /* jnz: not taken */
    CHECK_EQ(ctx.regs.rip, 0x124);
    CHECK_EQ(run_at("0f 84 00 01"), EMUL_OK);                   /* jz rel16 */
    CHECK_EQ(ctx.regs.rip, 0x228);
    /* CALL rel16 / RET / RET imm16. */
    real_setup(0x100);
    CHECK_EQ(run_at("e8 fd 00"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 0x200);
    CHECK_EQ(ctx.regs.rsp, 0x7ffe);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x103);
    CHECK_EQ(run_at("c2 04 00"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 0x103);
    CHECK_EQ(ctx.regs.rsp, 0x8004);
    /* CALL r/m16 and JMP r/m16; 32-bit operand size pushes 4 bytes. */
    real_setup(0x100);
    ctx.regs.rbx = 0x345;
    CHECK_EQ(run_at("ff d3"), EMUL_OK);                         /* call bx */
    CHECK_EQ(ctx.regs.rip, 0x345);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x102);
    CHECK_EQ(run_at("ff e3"), EMUL_OK);                         /* jmp bx */
    CHECK_EQ(ctx.regs.rip, 0x345);
    real_setup(0x100);
    CHECK_EQ(run_at("66 e8 00 01 00 00"), EMUL_OK);             /* call rel32 */
    CHECK_EQ(ctx.regs.rsp, 0x7ffc);
    CHECK_EQ(fake_peek(0x7ffc, 4), 0x106);
    CHECK_EQ(ctx.regs.rip, 0x206);
    /* LOOP, LOOPE, JCXZ; CX only with 16-bit addressing, ECX with 67. */
    real_setup(0x100);
    ctx.regs.rcx = 0x10002;
    CHECK_EQ(run_at("e2 10"), EMUL_OK);
    CHECK_EQ(ctx.regs.rcx, 0x10001);
    CHECK_EQ(ctx.regs.rip, 0x112);
    ctx.regs.rip = 0x100;
    CHECK_EQ(run_at("e2 10"), EMUL_OK);                         /* CX reaches 0: falls through */
    CHECK_EQ(ctx.regs.rcx, 0x10000);
    CHECK_EQ(ctx.regs.rip, 0x102);
    CHECK_EQ(run_at("e3 10"), EMUL_OK);                         /* jcxz: CX is 0 */
    CHECK_EQ(ctx.regs.rip, 0x114);
    ctx.regs.rip = 0x100;
    CHECK_EQ(run_at("67 e3 10"), EMUL_OK);                      /* jecxz: ECX 0x10000 */
    CHECK_EQ(ctx.regs.rip, 0x103);
    ctx.regs.rcx = 5;
    ctx.regs.rflags &= ~(uint64_t)EMUL_FL_ZF;
    ctx.regs.rip = 0x100;
    CHECK_EQ(run_at("e1 10"), EMUL_OK);                         /* loope with ZF 0: not taken */
    CHECK_EQ(ctx.regs.rcx, 4);
    CHECK_EQ(ctx.regs.rip, 0x102);
}

static void test_far(void)
{
    /* JMP ptr16:16 and CALL ptr16:16 / RETF in real mode: CS base = sel << 4,
     * the limit kept. */
    real_setup(0x100);
    CHECK_EQ(run_at("ea 34 12 00 20"), EMUL_OK);                /* jmp 0x2000:0x1234 */
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x2000);
    CHECK_EQ(ctx.seg[EMUL_CS].base, 0x20000);
    CHECK_EQ(ctx.seg[EMUL_CS].limit, 0xffff);
    CHECK_EQ(ctx.regs.rip, 0x1234);
    CHECK_EQ(ctx.seg_dirty, 1u << EMUL_CS);
    real_setup(0x100);
    CHECK_EQ(run_at("9a 00 02 f0 0f"), EMUL_OK);                /* call 0x0ff0:0x0200 */
    CHECK_EQ(ctx.seg[EMUL_CS].base, 0xff00);
    CHECK_EQ(ctx.regs.rip, 0x200);
    CHECK_EQ(fake_peek(0x7ffc, 4), 0x10000105ull);              /* IP 0x105, CS 0x1000 */
    CHECK_EQ(run_at("cb"), EMUL_OK);                            /* retf */
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x1000);
    CHECK_EQ(ctx.regs.rip, 0x105);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    /* 32-bit operand size: ptr16:32, 8 bytes of stack. */
    real_setup(0x100);
    CHECK_EQ(run_at("66 9a 00 03 00 00 00 10"), EMUL_OK);
    CHECK_EQ(ctx.regs.rsp, 0x7ff8);
    CHECK_EQ(fake_peek(0x7ff8, 4), 0x108);
    CHECK_EQ(fake_peek(0x7ffc, 4), 0x1000);
    CHECK_EQ(run_at("66 ca 02 00"), EMUL_OK);                   /* retf 2 */
    CHECK_EQ(ctx.regs.rip, 0x108);
    CHECK_EQ(ctx.regs.rsp, 0x8002);
    /* JMP m16:16 and CALL m16:16. */
    real_setup(0x100);
    fake_poke_u(0x60, 0x30000010, 4);
    CHECK_EQ(run_at("ff 2e 60 00"), EMUL_OK);                   /* jmp far [0x60] */
    CHECK_EQ(ctx.seg[EMUL_CS].base, 0x30000);
    CHECK_EQ(ctx.regs.rip, 0x10);
    real_setup(0x100);
    CHECK_EQ(run_at("ff 1e 60 00"), EMUL_OK);                   /* call far [0x60] */
    CHECK_EQ(fake_peek(0x7ffc, 4), 0x10000104ull);
    real_setup(0x100);
    CHECK_EQ(run_at("ff e8"), EMUL_EXCEPTION);                  /* jmp far with a register: #UD */
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_UD);
    /* A far jump past the kept CS limit: #GP, nothing changes. */
    real_setup(0x100);
    ctx.seg[EMUL_CS].limit = 0xfff;
    CHECK_EQ(run_at("ea 00 20 00 20"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_GP);
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x1000);
    CHECK_EQ(ctx.seg_dirty, 0);
    /* A far call whose push faults: CS stays. */
    real_setup(0x100);
    ctx.regs.rsp = 0x1;                                         /* the CS push at 0xffff..0x10000: #SS */
    CHECK_EQ(run_at("9a 00 02 f0 0f"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector, EMUL_EXC_SS);
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x1000);
    CHECK_EQ(ctx.regs.rsp, 0x1);
}

static void test_stack_flags(void)
{
    real_setup(0x100);
    ctx.regs.rbx = 0x1234;
    CHECK_EQ(run_at("53"), EMUL_OK);                            /* push bx */
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x1234);
    CHECK_EQ(run_at("66 6a ff"), EMUL_OK);                      /* push dword -1 */
    CHECK_EQ(fake_peek(0x7ffa, 4), 0xffffffffull);
    CHECK_EQ(run_at("66 5a"), EMUL_OK);                         /* pop edx */
    CHECK_EQ(ctx.regs.rdx, 0xffffffffull);
    CHECK_EQ(run_at("59"), EMUL_OK);                            /* pop cx */
    CHECK_EQ(ctx.regs.rcx & 0xffff, 0x1234);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    /* SS with B set (kept from protected mode): 32-bit ESP. */
    fake_map(0xf000, PG_RAM);
    ctx.seg[EMUL_SS].attr |= EMUL_SEG_DB;
    ctx.regs.rsp = 0x10000;
    CHECK_EQ(run_at("68 22 11"), EMUL_OK);                      /* push word 0x1122 */
    CHECK_EQ(ctx.regs.rsp, 0xfffe);
    CHECK_EQ(fake_peek(0xfffe, 2), 0x1122);
    /* CLI/STI/CLD/STD/STC/CMC, PUSHF/POPF (real mode: IOPL writable). */
    real_setup(0x100);
    CHECK_EQ(run_at("fb"), EMUL_OK);
    CHECK_EQ(ctx.regs.rflags & 0x200, 0x200);
    CHECK_EQ(run_at("fa"), EMUL_OK);
    CHECK_EQ(ctx.regs.rflags & 0x200, 0);
    CHECK_EQ(run_at("fd"), EMUL_OK);
    CHECK_EQ(ctx.regs.rflags & EMUL_FL_DF, EMUL_FL_DF);
    CHECK_EQ(run_at("f9"), EMUL_OK);
    CHECK_EQ(run_at("f5"), EMUL_OK);
    CHECK_EQ(ctx.regs.rflags & EMUL_FL_CF, 0);
    CHECK_EQ(run_at("9c"), EMUL_OK);
    CHECK_EQ(fake_peek(0x7ffe, 2), 0x402);
    fake_poke_u(0x7ffe, 0x3201, 2);                             /* IOPL 3, IF, CF */
    CHECK_EQ(run_at("9d"), EMUL_OK);
    CHECK_EQ(ctx.regs.rflags, 0x3203);
    /* IRET (16-bit): IP, CS, FLAGS. */
    real_setup(0x100);
    ctx.regs.rsp = 0x7ffa;
    fake_poke_u(0x7ffa, 0x0456, 2);
    fake_poke_u(0x7ffc, 0x0200, 2);
    fake_poke_u(0x7ffe, 0x0203, 2);
    CHECK_EQ(run_at("cf"), EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 0x456);
    CHECK_EQ(ctx.seg[EMUL_CS].base, 0x2000);
    CHECK_EQ(ctx.regs.rflags, 0x203);
    CHECK_EQ(ctx.regs.rsp, 0x8000);
    /* LEA, INC/DEC r, XCHG, CBW, CWD. */
    real_setup(0x100);
    ctx.regs.rbx = 0x10;
    ctx.regs.rsi = 0x5;
    CHECK_EQ(run_at("8d 40 07"), EMUL_OK);                      /* lea ax, [bx+si+7] */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x1c);
    CHECK_EQ(run_at("48"), EMUL_OK);                            /* dec ax */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x1b);
    CHECK_EQ(run_at("93"), EMUL_OK);                            /* xchg ax, bx */
    CHECK_EQ(ctx.regs.rbx & 0xffff, 0x1b);
    CHECK_EQ(ctx.regs.rax & 0xffff, 0x10);
    ctx.regs.rax = 0x80;
    CHECK_EQ(run_at("98"), EMUL_OK);                            /* cbw */
    CHECK_EQ(ctx.regs.rax & 0xffff, 0xff80);
    CHECK_EQ(run_at("99"), EMUL_OK);                            /* cwd */
    CHECK_EQ(ctx.regs.rdx & 0xffff, 0xffff);
}

/* Protected mode: refused unless c->flow; then MOV Sreg and far JMP go
 * through the GDT. */
static void test_protected(void)
{
    fake_setup(&ctx, 32, 0x1000);
    fake_map(0x1000, PG_RAM);
    fake_map(0x5000, PG_RAM);
    ctx.gdtr_base = 0x5000;
    ctx.gdtr_limit = 0x2f;
    fake_poke_u(0x5008, 0x00cf9a000000ffffull, 8);              /* 0x08: flat code */
    fake_poke_u(0x5010, 0x00cf92000000ffffull, 8);              /* 0x10: flat data */
    fake_poke_u(0x5018, 0x0000120000000fffull, 8);              /* 0x18: data, not present */
    fake_poke_u(0x5020, 0x00cffa000000ffffull, 8);              /* 0x20: code DPL 3 */
    CHECK_EQ(run_at("eb 00"), EMUL_UNHANDLEABLE);               /* no c->flow: as before */
    CHECK_EQ(run_at("8e e0"), EMUL_UNHANDLEABLE);
    ctx.flow = true;
    ctx.regs.rax = 0x10;
    CHECK_EQ(run_at("8e e0"), EMUL_OK);                         /* mov fs, ax */
    CHECK_EQ(ctx.seg[EMUL_FS].limit, 0xffffffffu);
    CHECK_EQ(ctx.seg[EMUL_FS].attr, 0xc93);                     /* accessed bit set ... */
    CHECK_EQ(fake_peek(0x5015, 1), 0x93);                       /* ... in the GDT too */
    ctx.regs.rax = 0x18;
    CHECK_EQ(run_at("8e e0"), EMUL_EXCEPTION);                  /* not present: #NP(sel) */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 11 * 0x10000ull + 0x18);
    ctx.regs.rax = 0x30;
    CHECK_EQ(run_at("8e e0"), EMUL_EXCEPTION);                  /* beyond the GDT limit: #GP(sel) */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull + 0x30);
    ctx.regs.rax = 0x0;
    CHECK_EQ(run_at("8e d0"), EMUL_EXCEPTION);                  /* null SS: #GP(0) */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull);
    ctx.regs.rax = 0x0c;
    CHECK_EQ(run_at("8e e0"), EMUL_EXCEPTION);                  /* LDT, but LDTR null: #GP(sel) */
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull + 0x0c);
    /* The switch from real mode: 16-bit code, CS 0x1001 (RPL 1), CPL 0,
     * far jump to 0x08: CS becomes 0x08 with the flat descriptor. */
    seg_set(&ctx.seg[EMUL_CS], 0x1001, 0x10010, 0xffff, 0x9b);
    fake_map(0x11000, PG_RAM);
    ctx.regs.rip = 0xff0;
    CHECK_EQ(run_at("66 ea 00 20 00 00 08 00"), EMUL_OK);       /* jmp dword 0x08:0x2000 */
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x08);
    CHECK_EQ(ctx.seg[EMUL_CS].attr & 0xfff, 0xc9b);
    CHECK_EQ(ctx.regs.rip, 0x2000);
    CHECK_EQ(emul_mode(ctx.cr0, ctx.efer, ctx.regs.rflags, ctx.seg[EMUL_CS].attr), 32);
    /* A DPL 3 non-conforming target at CPL 0: #GP(sel). */
    ctx.regs.rip = 0x1000;
    CHECK_EQ(run_at("ea 00 20 00 00 20 00"), EMUL_EXCEPTION);
    CHECK_EQ(ctx.exc.vector * 0x10000ull + ctx.exc.err, 13 * 0x10000ull + 0x20);
    CHECK_EQ(ctx.seg[EMUL_CS].sel, 0x08);
    /* IRET in protected mode is not emulated: named. */
    CHECK_EQ(run_at("cf"), EMUL_UNHANDLEABLE);
    CHECK_CONTAINS(ctx.reason, "IRET");
    /* Never in 64-bit mode, even with flow. */
    fake_setup(&ctx, 64, 0x1000);
    fake_map(0x1000, PG_RAM);
    ctx.flow = true;
    CHECK_EQ(run_at("eb 00"), EMUL_UNHANDLEABLE);
}

int main(void)
{
    RUN(test_sreg_real);
    RUN(test_limits_real);
    RUN(test_near);
    RUN(test_far);
    RUN(test_stack_flags);
    RUN(test_protected);
    printf("%d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
