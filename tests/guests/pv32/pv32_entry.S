/*
 * Start of a 32-bit PV test kernel (ring 1, compat mode): the Xen ELF
 * notes (PAE_MODE "yes"), the hypercall page the builder fills, the entry,
 * and the handlers the hypervisor bounces to.  Their frame, from the
 * lowest address: [error code], EIP, CS (saved upcall mask in bits
 * 16-23), EFLAGS, [ESP, SS from ring 3]; they return with the iret
 * hypercall (EAX pushed, then INT $0x82 with EAX = 23).
 */
#define XEN_ELFNOTE_ENTRY           1
#define XEN_ELFNOTE_HYPERCALL_PAGE  2
#define XEN_ELFNOTE_VIRT_BASE       3
#define XEN_ELFNOTE_PADDR_OFFSET    4
#define XEN_ELFNOTE_XEN_VERSION     5
#define XEN_ELFNOTE_GUEST_OS        6
#define XEN_ELFNOTE_LOADER          8
#define XEN_ELFNOTE_PAE_MODE        9

    .macro NOTE type, desc_start, desc_end
    .balign 4
    .long 4
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
1:  .long 0xc0000000
2:  NOTE XEN_ELFNOTE_PADDR_OFFSET, 1f, 2f
1:  .long 0
2:  NOTE XEN_ELFNOTE_ENTRY, 1f, 2f
1:  .long _start
2:  NOTE XEN_ELFNOTE_HYPERCALL_PAGE, 1f, 2f
1:  .long hypercall_page
2:  NOTE XEN_ELFNOTE_PAE_MODE, 1f, 2f
1:  .asciz "yes"
2:  .balign 4

    .section .hcpage, "ax"
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0

    .section .text.entry, "ax"
    .globl _start
_start:
    /* ESI = start_info, ESP = the builder's boot stack. */
    mov     %esp, entry_esp
    lea     stack_top, %esp
    push    %esi
    call    pv32_main
    ud2

    .macro IRET32
    push    %eax
    mov     $23, %eax
    int     $0x82
    .endm

/* #BP: no error code; frame EIP, CS, EFLAGS at ESP. */
    .globl bp_entry
bp_entry:
    incl    bp_count
    push    %eax
    mov     4(%esp), %eax
    mov     %eax, bp_eip
    mov     8(%esp), %eax
    mov     %eax, bp_cs
    mov     12(%esp), %eax
    mov     %eax, bp_eflags
    pop     %eax
    IRET32

/* #PF / #GP: error code, EIP, CS, EFLAGS; record, resume at *_resume. */
    .macro FAULT name
    .globl \name\()_entry
\name\()_entry:
    incl    \name\()_count
    push    %eax
    mov     4(%esp), %eax
    mov     %eax, \name\()_err
    mov     8(%esp), %eax
    mov     %eax, \name\()_eip
    mov     12(%esp), %eax
    mov     %eax, \name\()_cs
    mov     \name\()_resume, %eax
    mov     %eax, 8(%esp)
    pop     %eax
    add     $4, %esp                /* the error code */
    IRET32
    .endm
    FAULT pf
    FAULT gp

/* #UD: no error code; count, resume at gp_resume. */
    .globl ud_entry
ud_entry:
    incl    ud_count
    push    %eax
    mov     gp_resume, %eax
    mov     %eax, 4(%esp)
    pop     %eax
    IRET32

/* Event upcall: EIP, CS, EFLAGS; events masked by the bounce. */
    .globl ev_entry
ev_entry:
    pusha
    mov     40(%esp), %eax          /* 8 registers, then EIP: CS at +36, EFLAGS at +40 */
    mov     %eax, ev_eflags
    mov     36(%esp), %eax
    mov     %eax, ev_cs
    call    ev_handler
    popa
    IRET32

/* INT $0x80 through the trap table (DPL 1 allowed from ring 1). */
    .globl int80_entry
int80_entry:
    incl    int80_count
    IRET32

/* to_user(eip, esp): ring 3 at eip on esp through the iret hypercall
 * (EFLAGS without IF: events stay masked); returns when the user code
 * executes INT $0x81 (user_exit_entry, privilege 3 in the trap table). */
    .globl to_user
to_user:
    push    %ebp
    push    %ebx
    push    %esi
    push    %edi
    mov     %esp, user_ret_esp
    /* DS/ES: FLAT_RING3_DS (DPL 3, usable in both rings, as i386 Linux
     * does): an iret to ring 3 nulls a DPL-1 data selector (hardware and
     * Bochs do; QEMU's TCG does not), and the handlers ring 3 bounces
     * into would then fault on their first memory access. */
    mov     $0xe033, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     20(%esp), %ecx
    mov     24(%esp), %edx
    push    $0xe033                 /* SS: FLAT_RING3_DS */
    push    %edx                    /* ESP */
    push    $0x2                    /* EFLAGS */
    push    $0xe02b                 /* CS: FLAT_RING3_CS */
    push    %ecx                    /* EIP */
    IRET32

/* INT $0x81 from ring 3: frame EIP, CS, EFLAGS, ESP, SS on stack_switch's
 * stack; back to to_user's caller. */
    .globl user_exit_entry
user_exit_entry:
    mov     4(%esp), %eax
    mov     %eax, uexit_cs
    mov     12(%esp), %eax
    mov     %eax, uexit_esp
    mov     16(%esp), %eax
    mov     %eax, uexit_ss
    mov     user_ret_esp, %esp
    mov     $0xe021, %eax
    mov     %eax, %ds
    mov     %eax, %es
    pop     %edi
    pop     %esi
    pop     %ebx
    pop     %ebp
    ret

/* The user code, copied to a user page: INT $0x80 (to the kernel and
 * back), INT $0x82 (the hypercall gate is not for ring 3: #GP, the
 * handler resumes at user_after_82), INT $0x81 (done). */
    .globl user_code, user_after_82, user_code_end
user_code:
    int     $0x80
    int     $0x82
user_after_82:
    int     $0x81
user_code_end:

/* The hostile iret (mode=badiret): to ring 0's 0xe018. */
    .globl bad_iret
bad_iret:
    push    $0x2
    push    $0xe018
    push    $bad_iret
    IRET32

/* vCPU 1's entry (VCPUOP_initialise): its stack is in the context. */
    .globl vcpu1_entry
vcpu1_entry:
    call    vcpu1_main
    ud2

    .globl failsafe_entry
failsafe_entry:
    push    $0xfe
    call    pv32_unexpected

    .bss
    .balign 16
    .space 16384
    .globl stack_top
stack_top:
