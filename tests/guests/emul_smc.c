/*
 * emul_smc: self-modifying code around emulated MMIO.  The guest rewrites
 * the bytes of an MMIO-accessing instruction (register, displacement,
 * immediate, even the opcode) right before each execution; the emulator
 * must act on the bytes as they are when it fetches them (it decodes from
 * guest memory, never from a cache of earlier exits).  Writes to code are
 * coherent on x86 once a jump/call separates them from the execution
 * (Intel SDM vol. 3, 8.1.3), which the indirect call gives us.
 */
#include "guest.h"

#define VERSION 0x00170011u

static uint8_t code[64] __attribute__((aligned(64)));

static void put(const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ((volatile uint8_t *)code)[i] = b[i];
}

/* Calls code[] with EAX = eax, EBX = 0; returns EAX, *ebx = EBX afterwards. */
static uint32_t call_code(uint32_t eax, uint32_t *ebx)
{
    uint32_t b = 0;
    asm volatile("call *%2" : "+a"(eax), "+b"(b) : "r"(code) : "ecx", "edx", "memory", "cc");
    *ebx = b;
    return eax;
}

void test_main(void)
{
    uint32_t ebx, v;

    hv_require();

    /* mov %eax, 0xfec00000 (A3 moffs32); ret */
    static const uint8_t st_sel[] = { 0xa3, 0x00, 0x00, 0xc0, 0xfe, 0xc3 };
    /* mov 0xfec00010, %eax (A1); ret */
    static const uint8_t ld_eax[] = { 0xa1, 0x10, 0x00, 0xc0, 0xfe, 0xc3 };
    /* mov 0xfec00010, %ebx (8B 1D disp32); ret */
    static const uint8_t ld_ebx[] = { 0x8b, 0x1d, 0x10, 0x00, 0xc0, 0xfe, 0xc3 };

    put(st_sel, sizeof(st_sel));
    call_code(1, &ebx);
    put(ld_eax, sizeof(ld_eax));
    v = call_code(0, &ebx);
    check(v == VERSION, "smc-load-eax", "read %#x through rewritten code, expected %#x", v, VERSION);
    put(ld_ebx, sizeof(ld_ebx));
    v = call_code(0x1234, &ebx);
    check(ebx == VERSION && v == 0x1234, "smc-change-register",
          "after rewriting A1 into 8B 1D: EBX %#x EAX %#x", ebx, v);

    /* The same store, its immediate rewritten each time: movl $imm, 0xfec00000 (C7 05);
     * then read IOREGSEL back through a load whose displacement is rewritten too. */
    bool ok = true;
    for (uint32_t i = 0; i < 8 && ok; i++) {
        uint32_t want = 0x10 + 2 * i;           /* redirection entries' low halves */
        uint8_t st_imm[] = { 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, (uint8_t)want, 0, 0, 0, 0xc3 };
        put(st_imm, sizeof(st_imm));
        call_code(0, &ebx);
        uint8_t ld[] = { 0xa1, 0x00, 0x00, 0xc0, 0xfe, 0xc3 };     /* mov 0xfec00000, %eax */
        put(ld, sizeof(ld));
        v = call_code(0, &ebx);
        ok = check(v == want, "smc-rewritten-immediate", "pass %u: IOREGSEL reads %#x, expected %#x", i, v, want);
    }

    /* The opcode itself changes from a load to a store at the same address. */
    static const uint8_t st_imm1[] = { 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x01, 0, 0, 0, 0xc3 };
    put(ld_eax, sizeof(ld_eax));
    call_code(0, &ebx);
    put(st_imm1, sizeof(st_imm1));
    call_code(0, &ebx);
    put(ld_eax, sizeof(ld_eax));
    v = call_code(0, &ebx);
    check(v == VERSION, "smc-load-to-store", "after a rewritten store of 1 to IOREGSEL, IOWIN %#x", v);
}
