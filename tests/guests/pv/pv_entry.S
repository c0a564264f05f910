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
    UNEXPECTED 13, 1

    .bss
    .balign 16
    .space 16384
stack_top:
