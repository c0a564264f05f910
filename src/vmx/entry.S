/*
 * int vmx_enter(struct guest_regs *regs, uint64_t launched, uint64_t *host_rsp):
 * one world switch.
 * Returns 0 after a VM exit (guest registers saved in *regs), 1 when
 * VMLAUNCH/VMRESUME failed with VMfailInvalid (CF=1) and 2 with VMfailValid
 * (ZF=1; the VM-instruction error field says why; SDM vol. 3C 30.2).
 *
 * Called with interrupts disabled; they stay disabled until after the exit
 * (the VM exit loads RFLAGS = 2, SDM 27.5.3), so a host interrupt that
 * arrives in the guest causes an external-interrupt exit and is taken when
 * common code re-enables interrupts.
 *
 * VMX saves and restores only RSP, RIP and RFLAGS of the guest (in the VMCS,
 * handled in C); the other general-purpose registers are swapped here.  The
 * host continues at vmx_exit_stub with RSP = the value written to
 * VMCS_HOST_RSP below, where the regs pointer sits.
 */
#include "arch/x86/cpu_regs_asm.h"
#include "hvm/regs.h"

#define VMCS_HOST_RSP 0x6c14

    .section .text.hot, "ax", @progbits     /* the exit path (lib/compiler.h __hot_path) */
    .globl vmx_enter
vmx_enter:
    PUSH_CALLEE_SAVED
    push    %rdi                    /* (%rsp): regs, found again after the exit */

    /* HOST_RSP only when it differs from what the VMCS holds (*host_rsp). */
    cmp     %rsp, (%rdx)
    je      3f
    mov     $VMCS_HOST_RSP, %eax
    vmwrite %rsp, %rax
    jbe     .Lvmwrite_failed
    mov     %rsp, (%rdx)
3:

    /* Decide VMLAUNCH or VMRESUME now: the MOVs below keep the flags. */
    test    %rsi, %rsi
    mov     GREG_RAX(%rdi), %rax
    GUEST_GPRS_LOAD %rdi
    mov     GREG_RDI(%rdi), %rdi
    jnz     1f
    vmlaunch
    jmp     .Lentry_failed
1:  vmresume

.Lentry_failed:
    /* Still in the host: nothing of the guest ran.  CF=1 VMfailInvalid,
     * ZF=1 VMfailValid; MOV leaves the flags alone. */
    mov     $1, %eax
    jc      2f
    mov     $2, %eax
2:  pop     %rdi
    POP_CALLEE_SAVED
    ret

.Lvmwrite_failed:
    mov     $2, %eax
    jmp     2b

    .globl vmx_exit_stub
vmx_exit_stub:
    push    %rdi                    /* guest RDI; the regs pointer is now at 8(%rsp) */
    mov     8(%rsp), %rdi
    mov     %rax, GREG_RAX(%rdi)
    GUEST_GPRS_SAVE %rdi
    popq    GREG_RDI(%rdi)
    xor     %eax, %eax
    jmp     2b
