/*
 * Xen-compatible public ABI: hypercall numbers and the console_io
 * sub-operations.  Written for Ringvisor from the documented Xen guest ABI
 * (the hypercall table of the Xen public interface, "xen.h", and
 * docs/guest-abi in this repository); only numbers and names are taken, so
 * that readers can look them up.
 *
 * Plain C11, no libc, usable from freestanding code on both sides (the
 * hypervisor in src/ and the test guests in tests/guests/).
 *
 * How a HVM guest makes a hypercall (see cpuid.h for finding the hypercall
 * page): it calls offset nr * 32 of its hypercall page; the stub there loads
 * EAX with nr and executes VMCALL (Intel) or VMMCALL (AMD).
 *   32-bit guests: EAX = nr, arguments EBX, ECX, EDX, ESI, EDI; result EAX.
 *   64-bit guests: RAX = nr, arguments RDI, RSI, RDX, R10, R8;  result RAX.
 * Results < 0 are negated errno values with the Linux/Xen numbering
 * (-ENOSYS = -38 for an unknown hypercall or sub-operation).
 */
#ifndef RV_PUBLIC_XEN_H
#define RV_PUBLIC_XEN_H

/* Hypercall numbers (offset / 32 in the hypercall page). */
#define __HYPERVISOR_set_trap_table                 0
#define __HYPERVISOR_mmu_update                     1
#define __HYPERVISOR_set_gdt                        2
#define __HYPERVISOR_stack_switch                   3
#define __HYPERVISOR_set_callbacks                  4
#define __HYPERVISOR_fpu_taskswitch                 5
#define __HYPERVISOR_sched_op_compat                6   /* superseded by sched_op (29) */
#define __HYPERVISOR_platform_op                    7
#define __HYPERVISOR_set_debugreg                   8
#define __HYPERVISOR_get_debugreg                   9
#define __HYPERVISOR_update_descriptor              10
#define __HYPERVISOR_memory_op                      12
#define __HYPERVISOR_multicall                      13
#define __HYPERVISOR_update_va_mapping              14
#define __HYPERVISOR_set_timer_op                   15  /* arg: absolute deadline, ns of system time; 0 = cancel */
#define __HYPERVISOR_event_channel_op_compat        16  /* superseded by event_channel_op (32) */
#define __HYPERVISOR_xen_version                    17  /* sub-ops in version.h */
#define __HYPERVISOR_console_io                     18  /* sub-ops below */
#define __HYPERVISOR_physdev_op_compat              19  /* superseded by physdev_op (33) */
#define __HYPERVISOR_grant_table_op                 20
#define __HYPERVISOR_vm_assist                      21
#define __HYPERVISOR_update_va_mapping_otherdomain  22
#define __HYPERVISOR_iret                           23  /* PV only */
#define __HYPERVISOR_vcpu_op                        24
#define __HYPERVISOR_set_segment_base               25  /* x86-64 PV only */
#define __HYPERVISOR_mmuext_op                      26
#define __HYPERVISOR_xsm_op                         27
#define __HYPERVISOR_nmi_op                         28
#define __HYPERVISOR_sched_op                       29  /* sub-ops in sched.h */
#define __HYPERVISOR_callback_op                    30
#define __HYPERVISOR_xenoprof_op                    31
#define __HYPERVISOR_event_channel_op               32
#define __HYPERVISOR_physdev_op                     33
#define __HYPERVISOR_hvm_op                         34
#define __HYPERVISOR_sysctl                         35
#define __HYPERVISOR_domctl                         36
#define __HYPERVISOR_kexec_op                       37
#define __HYPERVISOR_tmem_op                        38
#define __HYPERVISOR_argo_op                        39
#define __HYPERVISOR_xenpmu_op                      40
#define __HYPERVISOR_dm_op                          41
#define __HYPERVISOR_hypfs_op                       42
/* 48..55 are reserved for architecture-specific hypercalls. */
#define __HYPERVISOR_arch_0                         48
#define __HYPERVISOR_arch_7                         55

/* The hypercall page holds one 32-byte stub per number: 4096 / 32 stubs. */
#define XEN_HYPERCALL_STUB_SIZE     32
#define XEN_HYPERCALL_PAGE_STUBS    128

/*
 * console_io(cmd, count, buffer):
 *   CONSOLEIO_write: write count bytes from the guest buffer to the
 *   hypervisor console.  (Ringvisor returns the number of bytes written, or
 *   -EFAULT if none could be read from the buffer.)
 *   CONSOLEIO_read: read up to count bytes of console input.
 */
#define CONSOLEIO_write     0
#define CONSOLEIO_read      1

#endif /* RV_PUBLIC_XEN_H */
