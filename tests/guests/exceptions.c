/*
 * exceptions: exceptions raised in the guest reach the guest's own IDT with
 * the right vector, error code and return address, whatever the hypervisor
 * intercepts (a hypervisor that intercepts #UD to emulate VMCALL/VMMCALL,
 * for instance, must reflect the others).  Faults resume after the
 * instruction through the .rv_fixup table; int3 is a trap (the saved EIP
 * is already past it).
 */
#include "guest.h"

static const char *vec_str(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

void test_main(void)
{
    hv_require();

    uint32_t zero = 0, q = 7, r = 0;
    exc_clear();
    asm volatile("1: divl %2\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(q), "+d"(r) : "rm"(zero) : "memory");
    check(exc_caught == EXC_DE, "divide-error", "DIV by zero: %s, expected #DE", vec_str(exc_caught));

    exc_clear();
    asm volatile("1: ud2\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    check(exc_caught == EXC_UD, "invalid-opcode", "UD2: %s, expected #UD", vec_str(exc_caught));

    exc_clear();
    asm volatile("int3\n2:\n\t" EXC_FIXUP("2b", "2b") : : : "memory");
    check(exc_caught == EXC_BP, "breakpoint", "INT3: %s, expected #BP with EIP after it", vec_str(exc_caught));

    /* Selector 0x1230 is far beyond our 4-entry GDT: #GP with the selector
     * as error code (Intel SDM vol. 3, 6.13). */
    exc_clear();
    asm volatile("mov $0x1230, %%eax\n1: mov %%eax, %%es\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "eax", "memory");
    check(exc_caught == EXC_GP && exc_error == 0x1230, "gp-error-code",
          "loading selector 0x1230 into ES: %s error %#lx, expected #GP error 0x1230", vec_str(exc_caught),
          exc_error);
    asm volatile("mov %0, %%es" : : "r"(SEL_DATA));

    /* The guest is told of neither SVM nor MONITOR/MWAIT: their
     * instructions are #UD, as on Xen without nested virtualisation (the
     * CPU runs the guest with EFER.SVME set, so the hypervisor must raise
     * it; an unhandled intercept used to crash the domain). */
#define UD_INSN(bytes) ({ exc_clear(); \
        asm volatile("1: .byte " bytes "\n2:\n\t" EXC_FIXUP("1b", "2b") : : "a"(0), "c"(0), "d"(0) : "memory"); \
        exc_caught == EXC_UD; })
    unsigned ud = 0;
    ud += UD_INSN("0x0f, 0x01, 0xd8");     /* VMRUN */
    ud += UD_INSN("0x0f, 0x01, 0xda");     /* VMLOAD */
    ud += UD_INSN("0x0f, 0x01, 0xdb");     /* VMSAVE */
    ud += UD_INSN("0x0f, 0x01, 0xdc");     /* STGI */
    ud += UD_INSN("0x0f, 0x01, 0xdd");     /* CLGI */
    ud += UD_INSN("0x0f, 0x01, 0xde");     /* SKINIT */
    ud += UD_INSN("0x0f, 0x01, 0xdf");     /* INVLPGA */
    check(ud == 7, "svm-insns-ud", "%u of VMRUN VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA raised #UD, expected 7", ud);
    uint32_t a1, b1, c1, d1;
    asm volatile("cpuid" : "=a"(a1), "=b"(b1), "=c"(c1), "=d"(d1) : "a"(1), "c"(0));
    ud = UD_INSN("0x0f, 0x01, 0xc8") + UD_INSN("0x0f, 0x01, 0xc9");    /* MONITOR, MWAIT */
    check(!(c1 & (1u << 3)) && ud == 2, "monitor-mwait-ud",
          "CPUID MONITOR %u; %u of MONITOR MWAIT raised #UD, expected hidden and 2", (c1 >> 3) & 1, ud);
#undef UD_INSN

    /* A software interrupt to a vector >= 32 reaches our gate too. */
    uint32_t before = gi->irq_count;
    asm volatile("int $0x80" : : : "memory");
    check(gi->irq_count == before + 1 && gi->irq_last == 0x80, "int-0x80",
          "INT 0x80: %u interrupts counted (last vector %#x), expected 1 with vector 0x80",
          (unsigned)(gi->irq_count - before), (unsigned)gi->irq_last);
}
