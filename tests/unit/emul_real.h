/*
 * The real-mode guest the emulator's flow tests share (test_emul_flow.c,
 * test_emul_rmode.c): one context, real mode with CS = 0x1000 (code at
 * linear 0x10000 + IP), DS = ES = SS = 0, SP = 0x8000, pages at 0, 0x7000
 * (stack), 0x10000 and 0x12000; run_at puts an instruction at CS:IP and
 * runs it.  Include after emul_fake.h.
 */
#ifndef RV_TESTS_UNIT_EMUL_REAL_H
#define RV_TESTS_UNIT_EMUL_REAL_H

static struct emul_ctx ctx;

static void real_setup(uint16_t ip)
{
    fake_setup(&ctx, 16, ip);
    seg_set(&ctx.seg[EMUL_CS], 0x1000, 0x10000, 0xffff, 0x9b);
    fake_map(0x0, PG_RAM);
    fake_map(0x7000, PG_RAM);
    fake_map(0x10000, PG_RAM);
    fake_map(0x12000, PG_RAM);
    ctx.regs.rsp = 0x8000;
}

static enum emul_rc run_at(const char *hex)
{
    fake_code(ctx.seg[EMUL_CS].base + ctx.regs.rip, hex);
    return emul_run(&ctx);
}

#endif
