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

#include <stdint.h>

/* Domain ids with a meaning of their own. */
typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED    0x7ff0u
#define DOMID_SELF              0x7ff0u     /* "the calling domain" in hypercall arguments */
#define DOMID_IO                0x7ff1u
#define DOMID_XEN               0x7ff2u     /* the hypervisor */
#define DOMID_COW               0x7ff3u
#define DOMID_INVALID           0x7ff4u
#define DOMID_IDLE              0x7fffu

/*
 * Shared pages (x86-64 layouts; a 32-bit guest sees the same offsets for the
 * fields it uses except where noted).  Every field the guest can write is
 * read by the hypervisor with single atomic loads and never trusted.
 */

/*
 * Guest system time.  A guest computes now = system_time +
 * ((tsc - tsc_timestamp) << tsc_shift (>> -tsc_shift when negative)) *
 * tsc_to_system_mul >> 32, reading the record between two equal even
 * 'version' values (odd = update in progress).
 */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;         /* TSC at the last update */
    uint64_t system_time;           /* ns since the domain's clock started, at tsc_timestamp */
    uint32_t tsc_to_system_mul;     /* 32.32 fixed-point ns per (shifted) tick */
    int8_t   tsc_shift;
    uint8_t  flags;                 /* XEN_PVCLOCK_* */
    uint8_t  pad1[2];
};
#define XEN_PVCLOCK_TSC_STABLE_BIT  (1u << 0)   /* TSC is synchronized: readings from any vCPU are monotonic */
#define XEN_PVCLOCK_GUEST_STOPPED   (1u << 1)
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info layout");

struct arch_vcpu_info {
    uint64_t cr2;                   /* PV only */
    uint64_t pad;
};

/*
 * Per-vCPU event state.  The hypervisor sets evtchn_upcall_pending (and a bit
 * in evtchn_pending_sel per 64 ports with the 2-level ABI) then notifies the
 * vCPU; the guest clears them as it scans.  evtchn_upcall_mask is the PV
 * guest's interrupt flag (HVM guests use RFLAGS.IF instead).
 */
struct vcpu_info {
    uint8_t  evtchn_upcall_pending;
    uint8_t  evtchn_upcall_mask;
    uint8_t  pad0[6];
    uint64_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info layout");

#define XEN_LEGACY_MAX_VCPUS 32     /* vcpu_info slots inside shared_info */

struct arch_shared_info {
    uint64_t max_pfn;                       /* PV only */
    uint64_t pfn_to_mfn_frame_list_list;    /* PV only */
    uint64_t nmi_reason;
    uint64_t pad[32];
};

/* One page per domain, placed in its physical map with XENMEM_add_to_physmap
 * (XENMAPSPACE_shared_info). */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];    /* 2-level ABI: 4096 ports, bit per port */
    uint64_t evtchn_mask[64];
    /* Wall clock at system time 0: wc_sec (+ wc_sec_hi << 32) s + wc_nsec ns,
     * read between equal even wc_version values. */
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;             /* 64-bit layout only */
    struct arch_shared_info arch;
};
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info layout");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072, "shared_info layout");
_Static_assert(sizeof(struct shared_info) <= 4096, "shared_info fits a page");

#endif /* RV_PUBLIC_XEN_H */
