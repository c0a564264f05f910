/*
 * Running test code at CPL 3 (ring3_call, guest.h).
 *
 * The first call replaces the flat GDT by a copy with three user segments
 * and a TSS (the kernel selectors keep their values), loads TR, points IDT
 * vector RING3_RET_VECTOR at a DPL-3 interrupt gate whose handler returns
 * to ring3_call's caller, and, in 64-bit mode, sets U/S in the identity
 * page tables (the whole guest becomes user-accessible; no SMEP/SMAP).
 * ring3_call then IRETs to a trampoline at CPL 3 on a stack of its own,
 * which calls fn(arg) and raises INT RING3_RET_VECTOR; its handler, on
 * the TSS's ring-0 stack, switches back to the caller's stack.  Exceptions
 * at CPL 3 go through the library's IDT as usual (a .rv_fixup entry
 * resumes at CPL 3).  Intel SDM vol. 3, 5.8 (privilege levels), 6.12.1
 * (stack switch on interrupts), 7.2 (TSS); AMD APM vol. 2, 12.2.5.
 */
#include "guest.h"

#define SEL_UCODE32     0x23        /* 0x20 | RPL 3 */
#define SEL_UDATA       0x2b
#define SEL_UCODE64     0x33
#define SEL_TSS         0x38
#define STR_(x)         #x
#define STR(x)          STR_(x)

static uint64_t gdt[9] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t kstack[8192] __attribute__((aligned(16)));
static uint8_t ustack[8192] __attribute__((aligned(16)));
static bool ready;

/* Used by the assembly below. */
uintptr_t ring3_ksp;                /* the caller's stack pointer during the call */
uintptr_t ring3_ustack_top;

unsigned long ring3_enter(unsigned long (*fn)(unsigned long), unsigned long arg);
extern const char ring3_return[];

#ifdef __x86_64__
asm(".text\n"
    ".globl ring3_enter\n"
    "ring3_enter:\n\t"                      /* rdi = fn, rsi = arg */
    "push %rbp\n\tpush %rbx\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
    "mov %rsp, ring3_ksp(%rip)\n\t"
    "pushq $0x2b\n\t"                       /* SS: user data */
    "pushq ring3_ustack_top(%rip)\n\t"
    "pushfq\n\t"
    "pushq $0x33\n\t"                       /* CS: user 64-bit code */
    "lea 1f(%rip), %rax\n\t"
    "push %rax\n\t"
    "iretq\n"
    "1:\n\t"                                /* CPL 3 */
    "mov %rdi, %rax\n\t"
    "mov %rsi, %rdi\n\t"
    "call *%rax\n\t"
    "int $" STR(RING3_RET_VECTOR) "\n"
    ".globl ring3_return\n"
    "ring3_return:\n\t"                     /* CPL 0, on the TSS stack; rax = result */
    "mov $0x10, %ecx\n\tmov %ecx, %ds\n\tmov %ecx, %es\n\t"
    "mov ring3_ksp(%rip), %rsp\n\t"
    "pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbx\n\tpop %rbp\n\t"
    "ret\n");
#else
asm(".text\n"
    ".globl ring3_enter\n"
    "ring3_enter:\n\t"
    "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
    "mov 20(%esp), %ecx\n\t"                /* fn */
    "mov 24(%esp), %edx\n\t"                /* arg */
    "mov %esp, ring3_ksp\n\t"
    "pushl $0x2b\n\t"
    "pushl ring3_ustack_top\n\t"
    "pushfl\n\t"
    "pushl $0x23\n\t"
    "pushl $1f\n\t"
    "iret\n"
    "1:\n\t"                                /* CPL 3: data segments of DPL 0 were nulled */
    "mov $0x2b, %eax\n\tmov %eax, %ds\n\tmov %eax, %es\n\t"
    "push %edx\n\t"
    "call *%ecx\n\t"
    "add $4, %esp\n\t"
    "int $" STR(RING3_RET_VECTOR) "\n"
    ".globl ring3_return\n"
    "ring3_return:\n\t"
    "mov $0x10, %ecx\n\tmov %ecx, %ds\n\tmov %ecx, %es\n\tmov %ecx, %fs\n\tmov %ecx, %gs\n\t"
    "mov ring3_ksp, %esp\n\t"
    "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
    "ret\n");
#endif

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

#ifdef __x86_64__
/* U/S on every present entry of the identity map (4 levels, 2 MiB leaves). */
static void user_pages(void)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);

    for (unsigned i = 0; i < 512; i++) {
        if (!(pml4[i] & 1))
            continue;
        pml4[i] |= 4;
        uint64_t *pdpt = (uint64_t *)(pml4[i] & 0x000ffffffffff000ull);
        for (unsigned j = 0; j < 512; j++) {
            if (!(pdpt[j] & 1))
                continue;
            pdpt[j] |= 4;
            if (pdpt[j] & 0x80)
                continue;
            uint64_t *pd = (uint64_t *)(pdpt[j] & 0x000ffffffffff000ull);
            for (unsigned k = 0; k < 512; k++)
                if (pd[k] & 1)
                    pd[k] |= 4;
        }
    }
    asm volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}
#endif

static void ring3_init(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uintptr_t base;
    } d;
    uintptr_t t = (uintptr_t)tss, ret = (uintptr_t)ring3_return;
    uint16_t cs;

    asm volatile("sgdt %0" : "=m"(d));
    memcpy(gdt, (void *)d.base, 4 * 8);                 /* null, SEL_CODE32, SEL_DATA, SEL_CODE64 */
    gdt[4] = seg_desc(0, 0xfffff, 0xfa, 0xc);           /* user code, 32-bit */
    gdt[5] = seg_desc(0, 0xfffff, 0xf2, 0xc);           /* user data */
    gdt[6] = seg_desc(0, 0xfffff, 0xfa, 0xa);           /* user code, 64-bit (L) */
    gdt[7] = seg_desc((uint32_t)t, sizeof(tss) - 1, 0x89, 0);      /* available TSS */
    gdt[8] = (uint64_t)t >> 32;                         /* 64-bit TSS: base 63:32 */
    memset(tss, 0, sizeof(tss));
    uintptr_t sp0 = (uintptr_t)kstack + sizeof(kstack);
#ifdef __x86_64__
    memcpy(tss + 4, &sp0, 8);                           /* RSP0 */
#else
    memcpy(tss + 4, &sp0, 4);                           /* ESP0 */
    tss[8] = SEL_DATA;                                  /* SS0 */
#endif
    tss[102] = sizeof(tss);                             /* no I/O bitmap */
    d.limit = sizeof(gdt) - 1;
    d.base = (uintptr_t)gdt;
    asm volatile("lgdt %0\n\tltr %w1" : : "m"(d), "r"(SEL_TSS) : "memory");

    /* The return gate: DPL 3 interrupt gate to ring3_return. */
    asm volatile("sidt %0" : "=m"(d));
    asm volatile("mov %%cs, %0" : "=r"(cs));
#ifdef __x86_64__
    uint8_t *g = (uint8_t *)d.base + RING3_RET_VECTOR * 16;
    memset(g, 0, 16);
    g[6] = (uint8_t)(ret >> 16);
    g[7] = (uint8_t)(ret >> 24);
    g[8] = (uint8_t)(ret >> 32);
    g[9] = (uint8_t)(ret >> 40);
    g[10] = (uint8_t)(ret >> 48);
    g[11] = (uint8_t)(ret >> 56);
    user_pages();
#else
    uint8_t *g = (uint8_t *)d.base + RING3_RET_VECTOR * 8;
    memset(g, 0, 8);
    g[6] = (uint8_t)(ret >> 16);
    g[7] = (uint8_t)(ret >> 24);
#endif
    g[0] = (uint8_t)ret;
    g[1] = (uint8_t)(ret >> 8);
    g[2] = (uint8_t)cs;
    g[3] = (uint8_t)(cs >> 8);
    g[5] = 0xee;                                        /* present, DPL 3, interrupt gate */
    ring3_ustack_top = (uintptr_t)ustack + sizeof(ustack);
    ready = true;
}

unsigned long ring3_call(unsigned long (*fn)(unsigned long), unsigned long arg)
{
    if (!ready)
        ring3_init();
    return ring3_enter(fn, arg);
}
