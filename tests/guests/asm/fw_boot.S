/*
 * fw_boot: an HVM domain's firmware given by firmware_override (xl's
 * replacement for hvmloader, the way XTF's HVM tests are started): a plain
 * ELF32 with no multiboot header, loaded at its physical addresses and
 * entered at e_entry in flat 32-bit protected mode with paging off, EBX = the
 * HVM start info, the PV console ring in HVM_PARAM_CONSOLE_PFN/EVTCHN.  It
 * prints on all three of the outputs XTF uses: the UART checks, a line on the
 * Xen platform device's log port 0x12, and a line through the PV console ring.
 */
#include "macros.inc"
    .text
    .code32
    /* Not at the start of the segment: the entry must be e_entry. */
    .skip   64, 0xcc
    .globl _start
_start:
    mov     %ebx, start_info
    mov     $0x90000, %esp
    call    1f
1:  pop     %eax
    cmp     $0x100000 + 64 + (1b - _start), %eax
    jne     bad_entry
    cmpb    $0x58, (%eax)           /* flat: the pop's own byte (58: pop %eax) read through DS */
    jne     bad_entry
    PUTS    pass_entry

    pushf
    pop     %eax
    test    $0x200, %eax            /* IF clear */
    jnz     bad_mode
    mov     %cr0, %eax
    and     $0x80000001, %eax       /* PG clear, PE set */
    cmp     $1, %eax
    jne     bad_mode
    mov     %cr4, %eax
    test    %eax, %eax
    jnz     bad_mode
    mov     $0xc0000080, %ecx       /* EFER: all clear */
    rdmsr
    test    %eax, %eax
    jnz     bad_mode
    PUTS    pass_mode

    mov     start_info, %ebx
    cmpl    $0x336ec578, (%ebx)     /* XEN_HVM_START_MAGIC_VALUE */
    jne     bad_si
    cmpl    $0, 12(%ebx)            /* nr_modules */
    jne     bad_si
    mov     32(%ebx), %esi          /* rsdp_paddr (below 4 GiB) */
    cmpl    $0, 36(%ebx)
    jne     bad_si
    cmpl    $0x20445352, (%esi)     /* "RSD " */
    jne     bad_si
    cmpl    $0x20525450, 4(%esi)    /* "PTR " */
    jne     bad_si
    PUTS    pass_si

    /* The hypercall page, for hvm_op and evtchn_op below. */
    mov     $0x40000002, %eax
    cpuid
    mov     %ebx, %ecx
    mov     $hcall_page, %eax
    xor     %edx, %edx
    wrmsr
    movl    $17, param_index        /* HVM_PARAM_CONSOLE_PFN */
    call    get_param
    test    %eax, %eax
    jnz     bad_console
    mov     param_value, %edi
    test    %edi, %edi
    jz      bad_console
    cmpl    $0, param_value + 4
    jne     bad_console
    shl     $12, %edi               /* the ring */
    movl    $18, param_index        /* HVM_PARAM_CONSOLE_EVTCHN */
    call    get_param
    test    %eax, %eax
    jnz     bad_console
    mov     param_value, %eax
    test    %eax, %eax
    jz      bad_console
    mov     %eax, port
    PUTS    pass_console

    /* The platform device's log port, as XTF's HVM console. */
    mov     $plat_line, %esi
    mov     $plat_line_end - plat_line, %ecx
    mov     $0x12, %dx
    rep outsb

    /* A line into the ring's output half (out[] at 1024, 2048 bytes;
     * out_prod at 3084), then a notification on its port. */
    mov     3084(%edi), %edx        /* out_prod */
    mov     $ring_line, %esi
    mov     $ring_line_end - ring_line, %ecx
2:  mov     %edx, %ebp
    and     $2047, %ebp
    lodsb
    mov     %al, 1024(%edi,%ebp)
    inc     %edx
    loop    2b
    mov     %edx, 3084(%edi)
    mov     $4, %ebx                /* EVTCHNOP_send */
    mov     $port, %ecx
    call    hcall_page + 32 * 32    /* __HYPERVISOR_event_channel_op */
    test    %eax, %eax
    jnz     bad_console
    PUTS    pass_sent
    xor     %ecx, %ecx
    jmp     shutdown

/* hvm_op(HVMOP_get_param, &param): eax = result */
get_param:
    movw    $0x7ff0, param_domid    /* DOMID_SELF */
    mov     $1, %ebx                /* HVMOP_get_param */
    mov     $param_domid, %ecx
    call    hcall_page + 34 * 32    /* __HYPERVISOR_hvm_op */
    ret

bad_entry:
    PUTS    fail_entry
    jmp     crash
bad_mode:
    PUTS    fail_mode
    jmp     crash
bad_si:
    PUTS    fail_si
    jmp     crash
bad_console:
    PUTS    fail_console
crash:
    mov     $3, %ecx
    jmp     shutdown

#include "common.inc"

    .data
    .balign 8
param_domid:    .short 0, 0         /* struct xen_hvm_param: domid, pad */
param_index:    .long 0
param_value:    .quad 0
start_info:     .long 0
port:           .long 0

    .section .rodata
plat_line:      .ascii "fw_boot: a line on the platform log port\n"
plat_line_end:
ring_line:      .ascii "fw_boot: a line through the PV console ring\n"
ring_line_end:
pass_entry:     .asciz "PASS fw-entry\n"
pass_mode:      .asciz "PASS fw-protected-mode\n"
pass_si:        .asciz "PASS fw-start-info\n"
pass_console:   .asciz "PASS fw-console-params\n"
pass_sent:      .asciz "PASS fw-console-send\n"
fail_entry:     .asciz "FAIL fw-entry: not entered at e_entry with flat segments\n"
fail_mode:      .asciz "FAIL fw-protected-mode: not PE=1 PG=0 CR4=0 EFER=0 IF=0\n"
fail_si:        .asciz "FAIL fw-start-info: EBX is not an HVM start info (magic, no modules, an RSDP)\n"
fail_console:   .asciz "FAIL fw-console-params: HVM_PARAM_CONSOLE_PFN/EVTCHN missing or the send failed\n"
