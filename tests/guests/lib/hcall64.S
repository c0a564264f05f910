/*
 * long hypercall(nr, a1, a2, a3, a4, a5) for 64-bit guests (SysV: RDI, RSI,
 * RDX, RCX, R8, R9).  Xen HVM convention: RAX = nr (the stub loads it),
 * arguments in RDI, RSI, RDX, R10, R8, result in RAX.
 */
    .section .text
    .code64
    .globl hypercall
hypercall:
    mov %rdi, %r11
    shl $5, %r11
    add hv_page_addr(%rip), %r11
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
    call *%r11
    ret

/*
 * unsigned long hypercall_regcheck(nr): makes hypercall nr (no arguments
 * that matter) with known values in the callee-saved registers, which the
 * hypercall ABI does not use (RBX, RBP, R12-R15), and returns a bit mask of
 * those that changed: bit 0 RBX, 1 RBP, 2 R12, 3 R13, 4 R14,
 * 5 R15.  A hypervisor must save and restore all of them.
 */
    .globl hypercall_regcheck
hypercall_regcheck:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %r11
    shl $5, %r11
    add hv_page_addr(%rip), %r11
    movabs $0x1111111111111111, %rbx
    movabs $0x2222222222222222, %rbp
    movabs $0x3333333333333333, %r12
    movabs $0x4444444444444444, %r13
    movabs $0x5555555555555555, %r14
    movabs $0x6666666666666666, %r15
    xor %edi, %edi                  /* sub-op 0 (e.g. SCHEDOP_yield, XENVER_version) */
    xor %esi, %esi
    xor %edx, %edx
    call *%r11
    xor %eax, %eax
    movabs $0x1111111111111111, %rcx
    cmp %rcx, %rbx
    je 1f
    or $1, %eax
1:  movabs $0x2222222222222222, %rcx
    cmp %rcx, %rbp
    je 1f
    or $2, %eax
1:  movabs $0x3333333333333333, %rcx
    cmp %rcx, %r12
    je 1f
    or $4, %eax
1:  movabs $0x4444444444444444, %rcx
    cmp %rcx, %r13
    je 1f
    or $8, %eax
1:  movabs $0x5555555555555555, %rcx
    cmp %rcx, %r14
    je 1f
    or $16, %eax
1:  movabs $0x6666666666666666, %rcx
    cmp %rcx, %r15
    je 1f
    or $32, %eax
1:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .section .note.GNU-stack, "", @progbits
