/*
 * x86 instruction helpers for the test guests: CPUID, MSRs, port I/O, TSC,
 * control registers, and "safe" variants that report an exception instead of
 * taking the guest down (see exc.c: the fault handler looks the faulting
 * instruction up in the .rv_fixup table and resumes at the fixup address).
 * Builds for both 32-bit and 64-bit guests.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>
#include <stdbool.h>

#ifdef __x86_64__
#define ASM_PTR ".quad"
#else
#define ASM_PTR ".long"
#endif

/*
 * One .rv_fixup entry: an exception at address `from` (a fault's EIP, or the
 * return address of a trap such as int3) resumes at `to`, and exc_caught
 * records the vector.  Entries are pairs of pointers.
 */
#define EXC_FIXUP(from, to) \
    ".pushsection .rv_fixup, \"a\"\n\t" ASM_PTR " " from ", " to "\n\t.popsection\n\t"

#define NO_FAULT (-1)

/* Vector and error code of the last exception caught through .rv_fixup
 * (exc_caught = NO_FAULT when none since exc_clear()). */
extern volatile int exc_caught;
extern volatile unsigned long exc_error;

static inline void exc_clear(void)
{
    exc_caught = NO_FAULT;
    exc_error = 0;
}

/* MOV to CR0/CR4 that reports a fault (the vector, or NO_FAULT) instead
 * of taking the guest down: for the CR policy tests (32-bit code). */
#ifndef __x86_64__
static inline int write_cr0_safe(uint32_t v)
{
    exc_clear();
    asm volatile("1: mov %0, %%cr0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(v) : "memory");
    return exc_caught;
}

static inline int write_cr4_safe(uint32_t v)
{
    exc_clear();
    asm volatile("1: mov %0, %%cr4\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(v) : "memory");
    return exc_caught;
}
#endif

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
}

/* Returns NO_FAULT, or the vector of the exception RDMSR raised (*val is
 * then unchanged). */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;
    exc_clear();
    asm volatile("1: rdmsr\n2:\n\t" EXC_FIXUP("1b", "2b")
                 : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    if (exc_caught == NO_FAULT)
        *val = ((uint64_t)hi << 32) | lo;
    return exc_caught;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t val)
{
    exc_clear();
    asm volatile("1: wrmsr\n2:\n\t" EXC_FIXUP("1b", "2b")
                 : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
    return exc_caught;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline unsigned long read_cr0(void)
{
    unsigned long v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr3(void)
{
    unsigned long v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr4(void)
{
    unsigned long v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_flags(void)
{
    unsigned long v;
    asm volatile("pushf\n\tpop %0" : "=r"(v));
    return v;
}

static inline void cli(void) { asm volatile("cli" : : : "memory"); }
static inline void sti(void) { asm volatile("sti" : : : "memory"); }

/* STI's one-instruction interrupt shadow makes "sti; hlt" atomic: an
 * interrupt that is already pending wakes the HLT instead of slipping in
 * between (Intel SDM vol. 2, STI). */
static inline void sti_hlt_cli(void)
{
    asm volatile("sti\n\thlt\n\tcli" : : : "memory");
}

static inline void pause(void) { asm volatile("pause"); }

/* Architectural MSRs used by the tests (Intel SDM vol. 4; AMD APM vol. 2). */
#define MSR_TSC             0x00000010u
#define MSR_APIC_BASE       0x0000001bu
#define MSR_PAT             0x00000277u
#define MSR_EFER            0xc0000080u
#define MSR_STAR            0xc0000081u
#define MSR_LSTAR           0xc0000082u
#define MSR_CSTAR           0xc0000083u
#define MSR_SFMASK          0xc0000084u

#define EFER_SCE            (1u << 0)
#define EFER_LME            (1u << 8)
#define EFER_LMA            (1u << 10)
#define EFER_NXE            (1u << 11)

#define CR0_PE              (1u << 0)
#define CR0_PG              (1u << 31)
#define CR4_PAE             (1u << 5)

#define FLAGS_IF            (1u << 9)
#define FLAGS_DF            (1u << 10)

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
#define EXC_DE  0
#define EXC_BP  3
#define EXC_UD  6
#define EXC_DF  8
#define EXC_GP  13
#define EXC_PF  14

#endif /* GUEST_X86_H */
