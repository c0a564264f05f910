/*
 * long hypercall(nr, a1, a2, a3, a4, a5) for 32-bit guests (cdecl).
 * Xen HVM convention: EAX = nr (the stub loads it), arguments in EBX, ECX,
 * EDX, ESI, EDI, result in EAX.  We call hypercall page + nr * 32.  The
 * argument registers are not assumed to survive; EBX, ESI, EDI and EBP are
 * callee-saved in cdecl, so they are saved here.
 */
    .section .text
    .code32
    .globl hypercall
hypercall:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov 20(%esp), %eax              /* nr */
    shl $5, %eax
    add hv_page_addr, %eax
    mov 24(%esp), %ebx
    mov 28(%esp), %ecx
    mov 32(%esp), %edx
    mov 36(%esp), %esi
    mov 40(%esp), %edi
    call *%eax
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .section .note.GNU-stack, "", @progbits
