/*
 * emul_ioapic: MMIO through many instruction forms, checked against the
 * IOAPIC's registers (IOREGSEL at 0xFEC00000, IOWIN at +0x10; register 0 =
 * ID, 1 = version 0x00170011 for 24 pins, 0x10 + 2n = redirection entry n,
 * low half; 82093AA datasheet 3.0).  The hypervisor has no decode assist
 * under QEMU TCG: each access exits and is decoded and executed by
 * src/hvm/emulate/.  Redirection entry 5 (ISA IRQ 5: nothing attached)
 * stays masked and edge-triggered, so no value written here raises an
 * interrupt.
 */
#include "guest.h"

#define IOREGSEL    0xfec00000u
#define IOWIN       0xfec00010u
#define VERSION     0x00170011u
#define RTE5_LO     0x1au
#define MASKED      0x00010000u     /* RTE bit 16 */

static volatile uint32_t *const sel = (volatile uint32_t *)IOREGSEL;
static volatile uint32_t *const win = (volatile uint32_t *)IOWIN;

static uint32_t rte5(void)
{
    *sel = RTE5_LO;
    return *win;
}

static void set_rte5(uint32_t v)
{
    *sel = RTE5_LO;
    *win = v;
}

#define FLAGS_ZF (1u << 6)
#define FLAGS_CF (1u << 0)

void test_main(void)
{
    uint32_t v, f;

    hv_require();

    /* MOV moffs forms (A3 / A1) and C7 with disp32. */
    asm volatile("movl %1, %%eax\n\tmovl %%eax, 0xfec00000\n\tmovl 0xfec00010, %%eax"
                 : "=&a"(v) : "i"(1) : "memory");
    check(v == VERSION, "mov-moffs", "A3/A1 read the version as %#x, expected %#x", v, VERSION);
    asm volatile("movl $1, 0xfec00000\n\tmovl 0xfec00010, %0" : "=r"(v) : : "memory");
    check(v == VERSION, "mov-imm-disp32", "C7 05 + 8B 05 read %#x", v);

    /* Register base, displacement, SIB with scaled index. */
    uint32_t base = IOREGSEL - 0x100, idx = 0x44;
    asm volatile("movl %2, 0x100(%1)\n\tmovl -0x100(%1,%3,4), %0"
                 : "=r"(v) : "r"(base), "r"(1u), "r"((IOWIN - IOREGSEL + 0x200) / 4) : "memory");
    (void)idx;
    check(v == VERSION, "mov-base-sib", "[base+disp] / [base+index*4+disp] read %#x", v);

    /* Segment override prefixes (flat segments: same address). */
    asm volatile("movl $1, %%es:0xfec00000\n\tmovl %%ss:0xfec00010, %0" : "=r"(v) : : "memory");
    check(v == VERSION, "seg-override", "ES:/SS: overrides read %#x", v);

    /* The ID register (0) keeps bits 24-31 of what is written. */
    *sel = 0;
    uint32_t old_id = *win;
    asm volatile("movl $0, 0xfec00000\n\tmovl %1, 0xfec00010\n\tmovl 0xfec00010, %0"
                 : "=r"(v) : "r"(0x0a000000u) : "memory");
    check(v == 0x0a000000u, "id-roundtrip", "ID register wrote 0x0a000000, read %#x", v);
    *sel = 0;
    *win = old_id;

    /* Read-modify-write instructions on IOWIN (redirection entry 5). */
    set_rte5(MASKED | 0x30);
    asm volatile("orl $0x2000, 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x2030), "or-mem", "OR: %#x", v);
    asm volatile("andl $0xffffdfff, 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x30), "and-mem", "AND: %#x", v);
    asm volatile("addl $0x11, 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x41), "add-mem", "ADD: %#x", v);
    asm volatile("subl $1, 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x40), "sub-mem", "SUB: %#x", v);
    asm volatile("incl 0xfec00010\n\tincl 0xfec00010\n\tdecl 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x41), "inc-dec-mem", "INC/INC/DEC: %#x", v);
    asm volatile("xorl $0x3, 0xfec00010" : : : "memory");
    v = rte5();
    check(v == (MASKED | 0x42), "xor-mem", "XOR: %#x", v);
    asm volatile("lock orl %0, 0xfec00010" : : "r"(0x8u) : "memory");
    v = rte5();
    check(v == (MASKED | 0x4a), "lock-or-reg", "LOCK OR r: %#x", v);

    /* Flags from memory operands. */
    asm volatile("cmpl $0x1004a, 0xfec00010\n\tpushf\n\tpop %0" : "=r"(f) : : "memory", "cc");
    check(f & FLAGS_ZF, "cmp-mem", "CMP equal: flags %#x, ZF clear", f);
    asm volatile("testl $0x10000, 0xfec00010\n\tpushf\n\tpop %0" : "=r"(f) : : "memory", "cc");
    check(!(f & FLAGS_ZF), "test-mem", "TEST of the mask bit: flags %#x, ZF set", f);
    asm volatile("btl $16, 0xfec00010\n\tpushf\n\tpop %0" : "=r"(f) : : "memory", "cc");
    check(f & FLAGS_CF, "bt-mem", "BT 16: flags %#x, CF clear", f);
    asm volatile("btsl $13, 0xfec00010" : : : "memory", "cc");
    v = rte5();
    check(v == (MASKED | 0x204a), "bts-mem", "BTS 13: %#x", v);
    asm volatile("btrl %0, 0xfec00010" : : "r"(13u) : "memory", "cc");
    v = rte5();
    check(v == (MASKED | 0x4a), "btr-mem", "BTR 13: %#x", v);

    /* XCHG, CMPXCHG, XADD. */
    v = MASKED | 0x55;
    asm volatile("xchgl %0, 0xfec00010" : "+r"(v) : : "memory");
    check(v == (MASKED | 0x4a) && rte5() == (MASKED | 0x55), "xchg-mem", "XCHG returned %#x", v);
    uint32_t expect = MASKED | 0x55, nv = MASKED | 0x66;
    asm volatile("lock cmpxchgl %[nv], 0xfec00010" : "+a"(expect) : [nv] "r"(nv) : "memory", "cc");
    check(rte5() == (MASKED | 0x66), "cmpxchg-mem", "CMPXCHG (equal) left %#x", rte5());
    v = 2;
    asm volatile("lock xaddl %0, 0xfec00010" : "+r"(v) : : "memory", "cc");
    check(v == (MASKED | 0x66) && rte5() == (MASKED | 0x68), "xadd-mem", "XADD returned %#x, left %#x", v, rte5());

    /* MOVZX of the low byte, MOVSX of the low word (the device only
     * decodes dword accesses; a narrower read returns 0). */
    *sel = 1;
    asm volatile("movl 0xfec00010, %%eax\n\tmovzbl %%al, %0" : "=r"(v) : : "eax", "memory");
    check(v == 0x11, "movzx-after-mov", "version low byte %#x", v);

    /* String instructions: MOVSD to IOREGSEL, LODSD from IOWIN, STOSD to IOWIN. */
    uint32_t src = 1, dst = 0;
    void *s = &src, *d = (void *)IOREGSEL;
    unsigned cnt = 1;
    asm volatile("cld\n\trep movsl" : "+S"(s), "+D"(d), "+c"(cnt) : : "memory");
    check(*win == VERSION && cnt == 0, "rep-movsd-to-mmio", "REP MOVSD to IOREGSEL: IOWIN %#x", *win);
    s = (void *)IOWIN;
    d = &dst;
    asm volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
    check(dst == VERSION && s == (void *)(IOWIN + 4), "movsd-from-mmio", "MOVSD from IOWIN gave %#x", dst);
    s = (void *)IOWIN;
    asm volatile("lodsl" : "=a"(v), "+S"(s) : : "memory");
    check(v == VERSION, "lodsd", "LODSD from IOWIN gave %#x", v);
    *sel = RTE5_LO;
    d = (void *)IOWIN;
    asm volatile("stosl" : "+D"(d) : "a"(MASKED | 0x77) : "memory");
    check(rte5() == (MASKED | 0x77), "stosd", "STOSD left %#x", rte5());
    /* Backwards (DF set): one element, the index goes down. */
    *sel = 1;
    s = (void *)IOWIN;
    asm volatile("std\n\tlodsl\n\tcld" : "=a"(v), "+S"(s) : : "memory");
    check(v == VERSION && s == (void *)(IOWIN - 4), "lodsd-df", "LODSD with DF=1: %#x, ESI %p", v, s);

    /* PUSH and POP of memory operands. */
    asm volatile("pushl 0xfec00010\n\tpopl %0" : "=r"(v) : : "memory");
    check(v == VERSION, "push-mem", "PUSH [IOWIN] pushed %#x", v);
    asm volatile("pushl %0\n\tpopl 0xfec00000" : : "r"(RTE5_LO) : "memory");
    check(*win == (MASKED | 0x77), "pop-mem", "POP [IOREGSEL] selected a register reading %#x", *win);

    set_rte5(MASKED);
}
