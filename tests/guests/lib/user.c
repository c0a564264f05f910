/*
 * CPL 3 for the 32-bit HVM test guests (user.h).  Intel SDM vol. 3A 5.8
 * (call gates), 6.12.1 (stack switch on an exception from CPL 3), 8.2
 * (the 32-bit TSS: SS0:ESP0 is the stack a switch to CPL 0 takes).
 */
#ifndef __x86_64__
#include "user.h"
#include "layout.h"
#include "testlib.h"

struct tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} __attribute__((packed));

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss32 tss __attribute__((aligned(16)));
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));
static uint8_t ring3_stack[8192] __attribute__((aligned(16)));
static int ready;

/* Used by the assembly below. */
uint32_t user_saved_esp;
uint32_t (*user_fn)(uint32_t);
uint32_t user_arg;
uint32_t user_stack_top;
void user_gate_entry(void);
void user_trampoline(void);
uint32_t user_enter(void);

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

static void user_init(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } old, desc;
    uint32_t gate = (uint32_t)(uintptr_t)user_gate_entry;

    asm volatile("sgdt %0" : "=m"(old));
    memcpy(gdt, (const void *)(uintptr_t)old.base, 4 * sizeof(uint64_t));   /* null, CODE32, DATA, CODE64 */
    gdt[4] = seg_desc(0, 0xfffff, 0xfa, 0xc);           /* USER_CS: present, DPL 3, code execute/read, 4 KiB, 32-bit */
    gdt[5] = seg_desc(0, 0xfffff, 0xf2, 0xc);           /* USER_DS: present, DPL 3, data read/write */
    gdt[6] = seg_desc((uint32_t)(uintptr_t)&tss, sizeof(tss) - 1, 0x89, 0);    /* available 32-bit TSS */
    /* 32-bit call gate (type 0xc), DPL 3, to SEL_CODE32:user_gate_entry. */
    gdt[7] = (gate & 0xffff) | ((uint64_t)SEL_CODE32 << 16) | (0xecull << 40) | ((uint64_t)(gate >> 16) << 48);
    tss.ss0 = SEL_DATA;
    tss.esp0 = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
    tss.iomap = sizeof(tss);                             /* no I/O bitmap: every port is #GP at CPL 3 */
    desc.limit = sizeof(gdt) - 1;
    desc.base = (uint32_t)(uintptr_t)gdt;
    asm volatile("lgdt %0\n\tltr %w1" : : "m"(desc), "r"(USER_TSS) : "memory");
    user_stack_top = (uint32_t)(uintptr_t)(ring3_stack + sizeof(ring3_stack));
    ready = 1;
}

uint32_t user_call(uint32_t (*fn)(uint32_t), uint32_t arg)
{
    if (!ready)
        user_init();
    user_fn = fn;
    user_arg = arg;
    return user_enter();
}

/*
 * user_enter: saves the callee-saved registers and ESP, then IRET to
 * CPL 3 at user_trampoline (frame: EIP, CS, EFLAGS, ESP, SS).  The
 * trampoline loads the user data segments (an IRET to CPL 3 leaves DS/ES
 * at null when they hold DPL-0 selectors), calls fn and comes back through
 * the call gate with fn's result in EAX.  user_gate_entry runs at CPL 0 on
 * the TSS stack: it restores the data segments and the saved ESP, and
 * returns from user_enter.
 */
asm(".text\n"
    ".globl user_enter\n"
    "user_enter:\n\t"
    "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
    "mov %esp, user_saved_esp\n\t"
    "push $" "0x2b" "\n\t"                /* SS = USER_DS */
    "push user_stack_top\n\t"
    "pushf\n\t"
    "push $" "0x23" "\n\t"                /* CS = USER_CS */
    "push $user_trampoline\n\t"
    "iret\n"
    ".globl user_trampoline\n"
    "user_trampoline:\n\t"
    "mov $0x2b, %eax\n\t"
    "mov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %fs\n\tmov %eax, %gs\n\t"
    "push user_arg\n\t"
    "call *user_fn\n\t"
    "add $4, %esp\n\t"
    "lcall $0x3b, $0\n"
    ".globl user_gate_entry\n"
    "user_gate_entry:\n\t"
    "mov $0x10, %edx\n\t"
    "mov %edx, %ds\n\tmov %edx, %es\n\tmov %edx, %fs\n\tmov %edx, %gs\n\t"
    "mov user_saved_esp, %esp\n\t"
    "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
    "ret\n");
#endif
