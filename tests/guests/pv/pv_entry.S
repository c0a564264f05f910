/*
 * Start of a 64-bit PV test kernel: the Xen ELF notes, the entry, and the
 * exception handlers that the hypervisor bounces to (frame on the stack,
 * from the lowest address: RCX, R11, [error code], RIP, CS, RFLAGS, RSP,
 * SS) and that return with the iret hypercall (RAX, R11, RCX, flags pushed
 * above the iret frame, then SYSCALL with RAX = 23).
 */
#define XEN_ELFNOTE_ENTRY           1
#define XEN_ELFNOTE_VIRT_BASE       3
#define XEN_ELFNOTE_PADDR_OFFSET    4
#define XEN_ELFNOTE_XEN_VERSION     5
#define XEN_ELFNOTE_GUEST_OS        6
#define XEN_ELFNOTE_LOADER          8
#define XEN_ELFNOTE_FEATURES        10

    .macro NOTE type, desc_start, desc_end
    .balign 4
    .long 4                         /* namesz: "Xen\0" */
    .long \desc_end - \desc_start
    .long \type
    .asciz "Xen"
    .endm

    .section .note.Xen, "a", @note
    NOTE XEN_ELFNOTE_GUEST_OS, 1f, 2f
1:  .asciz "ringvisor-test"
2:  NOTE XEN_ELFNOTE_XEN_VERSION, 1f, 2f
1:  .asciz "xen-3.0"
2:  NOTE XEN_ELFNOTE_LOADER, 1f, 2f
1:  .asciz "generic"
2:  NOTE XEN_ELFNOTE_VIRT_BASE, 1f, 2f
1:  .quad 0xffffffff80000000
2:  NOTE XEN_ELFNOTE_PADDR_OFFSET, 1f, 2f
1:  .quad 0
2:  NOTE XEN_ELFNOTE_ENTRY, 1f, 2f
1:  .quad _start
2:  NOTE XEN_ELFNOTE_FEATURES, 1f, 2f
1:  .ascii "pae_pgdir_above_4gb"       /* unterminated, as Linux writes it */
2:  .balign 4

    .section .text.entry, "ax"
    .globl _start
_start:
    /* RSI = start_info, RSP = top of the builder's boot stack. */
    mov     %rsp, entry_rsp(%rip)
    mov     %rsi, %rdi
    lea     stack_top(%rip), %rsp
    call    pv_main
    ud2

/* The iret hypercall with the standard iret frame at RSP. */
    .macro IRET_HYPERCALL
    pushq   $0                      /* flags: not from a syscall */
    push    %rcx
    push    %r11
    push    %rax
    mov     $23, %eax
    syscall
    .endm

/* #BP: record the frame, return after the INT3. */
    .globl bp_handler
bp_handler:
    pop     %rcx
    pop     %r11
    push    %rax
    incq    bp_count(%rip)
    mov     8(%rsp), %rax
    mov     %rax, bp_rip(%rip)
    mov     16(%rsp), %rax
    mov     %rax, bp_cs(%rip)
    mov     24(%rsp), %rax
    mov     %rax, bp_rflags(%rip)
    mov     %rcx, bp_rcx(%rip)
    mov     %r11, bp_r11(%rip)
    pop     %rax
    IRET_HYPERCALL

/* #PF: record error code and RIP, resume at pf_resume. */
    .globl pf_handler
pf_handler:
    pop     %rcx
    pop     %r11
    push    %rax
    incq    pf_count(%rip)
    mov     8(%rsp), %rax
    mov     %rax, pf_err(%rip)
    mov     16(%rsp), %rax
    mov     %rax, pf_rip(%rip)
    mov     pf_resume(%rip), %rax
    mov     %rax, 16(%rsp)
    pop     %rax
    add     $8, %rsp                /* the error code */
    IRET_HYPERCALL

/* #GP: like #PF, resume at gp_resume. */
    .globl gp_handler
gp_handler:
    pop     %rcx
    pop     %r11
    push    %rax
    incq    gp_count(%rip)
    mov     8(%rsp), %rax
    mov     %rax, gp_err(%rip)
    mov     gp_resume(%rip), %rax
    mov     %rax, 16(%rsp)
    pop     %rax
    add     $8, %rsp
    IRET_HYPERCALL

/* INT 0x80 (a software interrupt the trap table allows): count, return. */
    .globl int80_handler
int80_handler:
    pop     %rcx
    pop     %r11
    incq    int80_count(%rip)
    push    %rax
    mov     8(%rsp), %rax
    mov     %rax, int80_rip(%rip)
    pop     %rax
    IRET_HYPERCALL

/* Event upcall: record the frame; return with events still masked (the
 * pending flag stays set: shared_info is not mapped here to clear it). */
    .globl ev_handler
ev_handler:
    pop     %rcx
    pop     %r11
    push    %rax
    incq    ev_count(%rip)
    mov     16(%rsp), %rax
    mov     %rax, ev_cs(%rip)
    mov     24(%rsp), %rax
    mov     %rax, ev_rflags(%rip)
    andq    $~0x200, 24(%rsp)
    pop     %rax
    IRET_HYPERCALL

/* iret with a frame the hypervisor must refuse: iret_bad(rip, cs). */
    .globl iret_bad
iret_bad:
    pushq   $0xe02b                 /* ss */
    push    %rsp                    /* rsp */
    pushq   $0x202                  /* rflags */
    push    %rsi                    /* cs */
    push    %rdi                    /* rip */
    pushq   $0                      /* flags */
    push    %rcx
    push    %r11
    push    %rax
    mov     $23, %eax
    syscall
    ud2

/*
 * spin_regs(cycles): every general register but RAX, RCX, RDX, RSP holds a
 * pattern while ring 3 spins for 'cycles' TSC ticks (host interrupts come
 * and go meanwhile); returns the OR of each register XOR its pattern: 0
 * when every exit and re-entry preserved them.
 */
    .macro PAT reg, val
    movabs  $\val, %rdx
    mov     %rdx, \reg
    .endm
    .macro CHK reg, val
    movabs  $\val, %rdx
    xor     %rdx, \reg
    or      \reg, %rax
    .endm
    .globl spin_regs
spin_regs:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rdi, %rcx
    rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    add     %rax, %rcx
    PAT     %rbx, 0x1111111111111111
    PAT     %rbp, 0x2222222222222222
    PAT     %rsi, 0x3333333333333333
    PAT     %rdi, 0x4444444444444444
    PAT     %r8,  0x5555555555555555
    PAT     %r9,  0x6666666666666666
    PAT     %r10, 0x7777777777777777
    PAT     %r11, 0x8888888888888888
    PAT     %r12, 0x9999999999999999
    PAT     %r13, 0xaaaaaaaaaaaaaaaa
    PAT     %r14, 0xbbbbbbbbbbbbbbbb
    PAT     %r15, 0xcccccccccccccccc
1:  rdtsc
    shl     $32, %rdx
    or      %rdx, %rax
    cmp     %rcx, %rax
    jb      1b
    xor     %eax, %eax
    CHK     %rbx, 0x1111111111111111
    CHK     %rbp, 0x2222222222222222
    CHK     %rsi, 0x3333333333333333
    CHK     %rdi, 0x4444444444444444
    CHK     %r8,  0x5555555555555555
    CHK     %r9,  0x6666666666666666
    CHK     %r10, 0x7777777777777777
    CHK     %r11, 0x8888888888888888
    CHK     %r12, 0x9999999999999999
    CHK     %r13, 0xaaaaaaaaaaaaaaaa
    CHK     %r14, 0xbbbbbbbbbbbbbbbb
    CHK     %r15, 0xcccccccccccccccc
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret

/*
 * iret_flags(rflags): the iret hypercall back to the next instruction with
 * these RFLAGS (the hypervisor must sanitize them); returns RFLAGS as
 * PUSHF sees them there.
 */
    .globl iret_flags
iret_flags:
    mov     %rsp, %rax
    pushq   $0xe02b                 /* ss */
    push    %rax                    /* rsp: as it was */
    push    %rdi                    /* rflags */
    pushq   $0xe030                 /* cs: RPL 0 = back to the kernel (RPL 3 would enter user mode) */
    lea     1f(%rip), %rax
    push    %rax                    /* rip */
    pushq   $0                      /* flags */
    push    %rcx
    push    %r11
    push    %rax
    mov     $23, %eax
    syscall
1:  pushf
    pop     %rax
    ret

/* bad_stack_int3(rsp): INT3 with RSP in the hypervisor's range: the
 * bounce frame cannot be written, the domain must crash. */
    .globl bad_stack_int3
bad_stack_int3:
    mov     %rdi, %rsp
    int3
    ud2

/* Anything else: report the vector (pushed by the stub) and stop. */
    .macro UNEXPECTED vec, err
    .globl unexpected_\vec
unexpected_\vec:
    pop     %rcx
    pop     %r11
    .if \err
    add     $8, %rsp
    .endif
    mov     (%rsp), %rsi            /* RIP */
    mov     $\vec, %edi
    and     $~15, %rsp
    call    pv_unexpected
    ud2
    .endm
    UNEXPECTED 0, 0
    UNEXPECTED 6, 0

    .bss
    .balign 16
    .space 16384
stack_top:
