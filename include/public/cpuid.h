/*
 * Xen-compatible public ABI: the hypervisor CPUID leaves (Xen public
 * interface "arch-x86/cpuid.h"; the leaf range 0x40000000-0x400000ff is the
 * one x86 vendors reserve for hypervisors: with CPUID.1:ECX bit 31 set,
 * software may look there for a hypervisor signature).  Written anew for
 * Ringvisor; the layout of leaf 0x40000003 is Ringvisor's own (see below).
 *
 * Plain C11, no libc.
 */
#ifndef RV_PUBLIC_CPUID_H
#define RV_PUBLIC_CPUID_H

/* CPUID.1:ECX bit 31: "running under a hypervisor" (reserved as 0 on hardware). */
#define CPUID1_ECX_HYPERVISOR       (1u << 31)

/* Leaf base + 0: EAX = highest hypervisor leaf; EBX, ECX, EDX = "XenVMMXenVMM". */
#define XEN_CPUID_FIRST_LEAF        0x40000000u
#define XEN_CPUID_SIGNATURE_EBX     0x566e6558u     /* "XenV" (little-endian bytes) */
#define XEN_CPUID_SIGNATURE_ECX     0x65584d4du     /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX     0x4d4d566eu     /* "nVMM" */

/* Leaf base + 1: EAX = version, (major << 16) | minor, as XENVER_version returns. */
#define XEN_CPUID_LEAF_VERSION      1u

/*
 * Leaf base + 2: hypercall pages.
 *   EAX = number of hypercall pages (Ringvisor: 1)
 *   EBX = MSR index to write the page's guest-physical address to (with the
 *         page index within the area in the low 12 bits, page-aligned
 *         address above them); the hypervisor then fills the page with stubs.
 */
#define XEN_CPUID_LEAF_HCALL        2u
#define XEN_HYPERCALL_MSR_DEFAULT   0x40000000u     /* what Ringvisor reports in EBX */

/*
 * Leaf base + 3: time.
 *   Ringvisor: EAX = frequency of the guest's TSC in kHz.  Guest system time
 *   (the clock of set_timer_op deadlines) is TSC * 1000000 / kHz ns.
 *   NOTE: this is NOT Xen's layout: Xen's leaf 3 has sub-leaves, with the
 *   guest TSC frequency in kHz in ECX of sub-leaf 0 and the host's in EAX of
 *   sub-leaf 2; a guest written for Xen reads those.
 */
#define XEN_CPUID_LEAF_TIME         3u

/*
 * Leaf base + 4: HVM features (Xen layout).  EAX flags; EBX = the vCPU id
 * when VCPU_ID_PRESENT, ECX = the domain id when DOMID_PRESENT.
 */
#define XEN_CPUID_LEAF_HVM              4u
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT  (1u << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT       (1u << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS    (1u << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT   (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT     (1u << 4)
#define XEN_HVM_CPUID_UPCALL_VECTOR     (1u << 5)   /* HVMOP_set_evtchn_upcall_vector works */

/* Virtualization extensions hidden from guests. */
#define CPUID1_ECX_VMX              (1u << 5)       /* CPUID.1:ECX bit 5 */
#define CPUID80000001_ECX_SVM       (1u << 2)       /* CPUID.80000001h:ECX bit 2 */

#endif /* RV_PUBLIC_CPUID_H */
