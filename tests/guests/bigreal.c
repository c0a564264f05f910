/*
 * bigreal: real mode with cached descriptors virtual-8086 mode cannot hold
 * ("unreal" / big-real mode, a segment base not a multiple of 16) and a
 * switch to protected mode from a CS whose selector has RPL 1
 * (bigreal_rm.S).  On VMX without unrestricted guest the hypervisor must
 * emulate these stretches (docs/shadow.md "Emulating real mode
 * virtual-8086 mode cannot hold"); under SVM they run natively.  The
 * checks are the same everywhere.
 */
#include "guest.h"

#define RM_BASE     0x10000u
#define ODD_BASE    0x12345u
#define HI_A        0x800000u
#define HI_B        0x900000u
#define HI_C        0xa00000u
#define GP_PROBE    0x40000u
#define LAPIC_BASE  0xfee00000u        /* FS = 0x3000, offset 0x10000: beyond a 64 KiB limit */

struct __attribute__((packed)) bg_results {
    uint16_t gsread, loop, pop, cs_far, ds_pop, intax, int40n, intfl;
    uint32_t hia, hib, hic;
    uint16_t phase_b, cs_b, gp_skip, gpn, cs_rpl, hostile;
    uint16_t pa_sp0, pa_spslot, pa_ax, pa_di, pa_bp, pa_sp1, sh_ax, sh_fl;
    uint16_t mul_dx, mul_ax, div_ax, div_dx;
    uint32_t mul32_lo, mul32_hi;
    uint16_t de_skip, den, les_di, les_es, en_bp, en_sp, en_slot, en_old, lv_bp, lv_spd;
    uint16_t irr, sti_want, sti_ip, sti_n;
    uint32_t cs32;
    uint16_t cs32_push;
};

extern char bg_start[], bg_end[], bg_results[];
void bigreal_run(void);

static bool cpu_is_intel(void)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;     /* "GenuineIntel" */
}

void test_main(void)
{
    hv_require();
    memcpy((void *)RM_BASE, bg_start, (size_t)(bg_end - bg_start));
    struct bg_results *rw = (void *)(uintptr_t)(RM_BASE + (bg_results - bg_start));
    rw->hostile = cmdline_has("hostile");
    if (rw->hostile)
        printf("bigreal: hostile: BSF (not emulated) in the emulated stretch\n");
    *(volatile uint16_t *)(ODD_BASE + 0x10) = 0x4242;
    *(volatile uint16_t *)(ODD_BASE + 0x12) = 0;
    *(volatile uint32_t *)HI_A = 0;
    *(volatile uint32_t *)HI_B = 0;
    *(volatile uint32_t *)HI_C = 0;
    *(volatile uint32_t *)GP_PROBE = 0x11111111;
    *(volatile uint32_t *)(LAPIC_BASE + 0xf0) = 0x1ff;     /* LAPIC software-enabled (the STI check) */
    printf("bigreal: to real mode with FS = 4 GiB and GS base %#x, code at %#x (%u bytes)\n", ODD_BASE, RM_BASE,
           (unsigned)(bg_end - bg_start));
    uart_drain();
    /* The STI window in real mode must see only the LAPIC timer: the 8259s
     * (firmware leaves IRQ0 unmasked on plain QEMU) would vector through an
     * IVT that has no handler for them. */
    uint8_t pic1 = inb(0x21), pic2 = inb(0xa1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    bigreal_run();
    outb(0x21, pic1);
    outb(0xa1, pic2);
    printf("bigreal: back in 32-bit protected mode\n");

    const struct bg_results *r = (const void *)(uintptr_t)(RM_BASE + (bg_results - bg_start));
    check(r->gsread == 0x4242 && *(volatile uint16_t *)(ODD_BASE + 0x12) == 0x6a6a, "odd-base",
          "GS base %#x in real mode: read %#x (expected 0x4242), wrote %#x at linear %#x (expected 0x6a6a)",
          ODD_BASE, r->gsread, *(volatile uint16_t *)(ODD_BASE + 0x12), ODD_BASE + 0x12);
    check(r->loop == 15, "loop-near-call", "LOOP of 5 near CALL/RET adding 3: BX = %u, expected 15", r->loop);
    check(r->pop == 0x1357, "push-pop", "PUSH 0x1357 / POP DX gave %#x", r->pop);
    check(r->cs_far == RM_BASE / 16 - 0x10 && r->ds_pop == RM_BASE / 16, "far-call",
          "far call: CS %#x inside (expected %#x), DS pushed/popped %#x (expected %#x)", r->cs_far,
          RM_BASE / 16 - 0x10, r->ds_pop, RM_BASE / 16);
    check(r->intax == 0x77 && r->int40n == 1 && (r->intfl & 0x3202) == 2, "int-ivt",
          "INT 0x40 with GS odd: handler saw AX %#x, ran %u times, FLAGS pushed %#x (expected 0x77, once, "
          "IF and IOPL 0)", r->intax, r->int40n, r->intfl);
    check(r->hia == 0xcafef00d && *(volatile uint32_t *)HI_A == 0xcafef00d, "unreal-rw",
          "FS:EBX = %#x in unreal mode: read back %#x, memory holds %#x (expected 0xcafef00d)", HI_A, r->hia,
          *(volatile uint32_t *)HI_A);
    check(r->hib == 0x600dbeef && *(volatile uint32_t *)HI_B == 0x600dbeef, "unreal-kept",
          "FS reloaded in real mode keeps its 4 GiB limit: read %#x, memory at %#x holds %#x (expected 0x600dbeef)",
          r->hib, HI_B, *(volatile uint32_t *)HI_B);
    check(r->phase_b == 0x5a5a && r->hic == 0x12345678 && *(volatile uint32_t *)HI_C == 0x12345678 &&
              r->cs_b == RM_BASE / 16, "unreal-representable",
          "GS reloaded (representable again): marker %#x, FS:%#x read %#x, memory %#x, CS after far jump %#x",
          r->phase_b, HI_C, r->hic, *(volatile uint32_t *)HI_C, r->cs_b);
    /* FS given a 64 KiB limit in protected mode and reloaded in real mode:
     * the store at FS:0x10000 must fault.  QEMU's TCG does not check
     * segment limits at all, so without faulting there it is reported, not
     * failed; on Intel (Bochs: every VMX run, where the hypervisor does the
     * check when it emulates) the #GP is required. */
    uint32_t probe = *(volatile uint32_t *)GP_PROBE;
    if (r->gpn == 0 && !cpu_is_intel())
        skip("limit-gp", "no #GP for FS:0x10000 beyond a 64 KiB limit: this CPU (not Intel: QEMU TCG under SVM) "
             "does not check limits; memory %#x", probe);
    else
        check(r->gpn == 1 && probe == 0x11111111, "limit-gp",
              "FS:0x10000 (linear %#x) beyond the 64 KiB limit: #GP through the IVT %u times (expected 1), memory %#x "
              "(expected 0x11111111, untouched)", GP_PROBE, r->gpn, probe);
    check(r->cs_rpl == RM_BASE / 16 + 1, "pe-cs-rpl1",
          "CS before CR0.PE = 1 was %#x (expected %#x, RPL 1); the far jump back to 32-bit code came back",
          r->cs_rpl, RM_BASE / 16 + 1);
    check(read_cr0() & CR0_PE, "back-in-pm", "CR0 = %#lx after the return", read_cr0());

    /* The instructions the VMX real-mode emulator gained (issue 18 item 3),
     * run in phase A. */
    check(r->pa_spslot == r->pa_sp0 && r->pa_sp1 == r->pa_sp0 && r->pa_ax == 0x1111 && r->pa_di == 0x7777 &&
              r->pa_bp == 0x5555, "pusha-popa",
          "SP %#x before PUSHA, its slot %#x, SP after POPA %#x; AX %#x DI %#x BP %#x (expected 0x1111 0x7777 0x5555)",
          r->pa_sp0, r->pa_spslot, r->pa_sp1, r->pa_ax, r->pa_di, r->pa_bp);
    check(r->sh_ax == 0x0c0c && (r->sh_fl & 0x8c5) == 0x845, "shifts",
          "ROL 0x8181 by 4 then SHR 1: %#x (expected 0xc0c); SHL 0x80 by 1: flags %#x (OF SF ZF PF CF %#x, "
          "expected 0x845)", r->sh_ax, r->sh_fl, r->sh_fl & 0x8c5);
    check(r->mul_dx == 0x6a && r->mul_ax == 0xe9bc && r->div_ax == 7006 && r->div_dx == 652 &&
              r->mul32_hi == 6 && r->mul32_lo == 0xfc23ac00u, "mul-div",
          "1234 * 5678 = %#x:%#x (expected 0x6a:0xe9bc); / 1000 = %u rem %u (expected 7006 rem 652); "
          "100000 * 300000 = %#x:%#x (expected 6:0xfc23ac00)", r->mul_dx, r->mul_ax, r->div_ax, r->div_dx,
          r->mul32_hi, r->mul32_lo);
    check(r->den == 1, "div-zero-de", "DIV by 0: #DE through the IVT %u times (expected 1)", r->den);
    check(r->les_di == 0x1234 && r->les_es == 0x2468, "les", "LES: DI %#x ES %#x (expected 0x1234 0x2468)",
          r->les_di, r->les_es);
    check(r->en_sp == r->en_bp - 10 && r->en_slot == r->en_bp && r->en_old == 0xbeef && r->lv_bp == 0xbeef &&
              r->lv_spd == 0, "enter-leave",
          "ENTER 8, 1: BP %#x SP %#x (expected BP - 10), [BP-2] %#x (expected BP), [BP] %#x (expected 0xbeef); "
          "LEAVE: BP %#x, SP moved by %d (expected 0xbeef, 0)", r->en_bp, r->en_sp, r->en_slot, r->en_old,
          r->lv_bp, (int16_t)r->lv_spd);
    check(r->cs32 == 0x12345678 && r->cs32_push == 4, "real-cs32",
          "real mode with a 32-bit CS: MOV imm32 / moffs32 stored %#x (expected 0x12345678), PUSH EAX moved "
          "ESP by %u (expected 4)", r->cs32, r->cs32_push);
    if (!(r->irr & 2))
        skip("sti-shadow", "the LAPIC timer (vector 0x41) never showed in IRR (%#x): shadow not testable; it ran "
             "%u times", r->irr, r->sti_n);
    else
        check(r->sti_n == 1 && r->sti_ip == r->sti_want, "sti-shadow",
              "interrupt pending at STI: taken %u times (expected 1), returning to IP %#x (expected %#x, after "
              "the instruction following STI)", r->sti_n, r->sti_ip, r->sti_want);
}
