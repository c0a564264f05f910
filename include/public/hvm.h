/*
 * Xen-compatible public ABI for HVM and PVH guests: hvm_op and its
 * parameters, and the PVH start-of-day structure (Xen public interface
 * "hvm/hvm_op.h", "hvm/params.h", "arch-x86/hvm/start_info.h"; numbers and
 * layouts only, written anew for Ringvisor).
 */
#ifndef RV_PUBLIC_HVM_H
#define RV_PUBLIC_HVM_H

#include <stdint.h>

#define HVMOP_set_param                 0
#define HVMOP_get_param                 1
#define HVMOP_pagetable_dying           9
#define HVMOP_get_time                  10
#define HVMOP_set_evtchn_upcall_vector  23

struct xen_hvm_param {
    uint16_t domid;                 /* DOMID_SELF or the caller's id */
    uint16_t pad;
    uint32_t index;                 /* HVM_PARAM_* */
    uint64_t value;
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "hvm_param layout");

/* A per-vCPU event-channel upcall vector, delivered through the vCPU's local
 * APIC like any fixed interrupt (the guest must EOI it). */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;                 /* 0x10..0xff */
    uint8_t pad[3];
};

/*
 * Parameters.  Ringvisor keeps a checked list: the guest may set
 * CALLBACK_IRQ (and the ones a guest legitimately writes, e.g. TIMER_MODE
 * within its range); the ones describing the platform (STORE_*, CONSOLE_*)
 * are read-only to the guest; unknown indices get -EINVAL.
 */
#define HVM_PARAM_CALLBACK_IRQ      0
#define HVM_PARAM_STORE_PFN         1
#define HVM_PARAM_STORE_EVTCHN      2
#define HVM_PARAM_PAE_ENABLED       4
#define HVM_PARAM_IOREQ_PFN         5
#define HVM_PARAM_BUFIOREQ_PFN      6
#define HVM_PARAM_TIMER_MODE        10
#define HVM_PARAM_HPET_ENABLED      11
#define HVM_PARAM_IDENT_PT          12
#define HVM_PARAM_ACPI_S_STATE      14
#define HVM_PARAM_VM86_TSS          15
#define HVM_PARAM_VPT_ALIGN         16
#define HVM_PARAM_CONSOLE_PFN       17
#define HVM_PARAM_CONSOLE_EVTCHN    18
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_NESTEDHVM         24
#define HVM_PARAM_PAGING_RING_PFN   27
#define HVM_PARAM_MONITOR_RING_PFN  28
#define HVM_PARAM_SHARING_RING_PFN  29
#define HVM_PARAM_TRIPLE_FAULT_REASON 31
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34
#define HVM_PARAM_ALTP2M            35
#define HVM_PARAM_X87_FIP_WIDTH     36
#define HVM_PARAM_VM86_TSS_SIZED    37
#define HVM_PARAM_MCA_CAP           38
#define HVM_NR_PARAMS               39

/* HVM_PARAM_CALLBACK_IRQ: how event-channel upcalls reach the guest;
 * bits 63:56 say which form, the rest its argument. */
#define HVM_PARAM_CALLBACK_TYPE_SHIFT   56
#define HVM_PARAM_CALLBACK_TYPE_GSI     0   /* val[55:0] = GSI (0 = none) */
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR  2   /* val[7:0] = vector, injected directly (no EOI) */

/*
 * PVH start of day: a vCPU starts at the kernel's XEN_ELFNOTE_PHYS32_ENTRY in
 * 32-bit protected mode with paging off: CS = flat 32-bit code, DS/ES/SS =
 * flat data, TR = a 32-bit busy TSS, CR0 = PE | ET, CR4 = 0, EFLAGS = 2,
 * EBX = guest-physical address of struct hvm_start_info; GDTR/IDTR and the
 * other registers are undefined.
 */
#define XEN_HVM_START_MAGIC_VALUE   0x336ec578u

struct hvm_start_info {
    uint32_t magic;                 /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;               /* 1: memmap fields valid */
    uint32_t flags;                 /* SIF_* (none for an unprivileged domain) */
    uint32_t nr_modules;
    uint64_t modlist_paddr;         /* struct hvm_modlist_entry[nr_modules]; the first is the initrd */
    uint64_t cmdline_paddr;         /* NUL-terminated, 0 = none */
    uint64_t rsdp_paddr;            /* ACPI RSDP, 0 = none */
    uint64_t memmap_paddr;          /* struct hvm_memmap_table_entry[memmap_entries] */
    uint32_t memmap_entries;
    uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");

struct hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
    uint64_t addr, size;
    uint32_t type;                  /* e820 types: 1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable */
    uint32_t reserved;
};

#endif /* RV_PUBLIC_HVM_H */
