/*
 * domctl (hypercall 36): domain control for the toolstack in the initial
 * domain.  Numbers and layouts follow Xen 4.17's public domctl.h (interface
 * version 0x15), written anew from that header's documented ABI; only the
 * operations Ringvisor serves are defined (docs/toolstack.md "domctl and
 * sysctl").  Shared by the hypervisor and the test guests.
 */
#ifndef RV_PUBLIC_DOMCTL_H
#define RV_PUBLIC_DOMCTL_H

#include <stdint.h>

#define XEN_DOMCTL_INTERFACE_VERSION    0x00000015u

#define XEN_DOMCTL_createdomain         1
#define XEN_DOMCTL_destroydomain        2
#define XEN_DOMCTL_pausedomain          3
#define XEN_DOMCTL_unpausedomain        4
#define XEN_DOMCTL_getdomaininfo        5
#define XEN_DOMCTL_setvcpuaffinity      9
#define XEN_DOMCTL_shadow_op            10
#define XEN_DOMCTL_max_mem              11
#define XEN_DOMCTL_setvcpucontext       12      /* PV domains built by the toolstack */
#define XEN_DOMCTL_getvcpuinfo          14
#define XEN_DOMCTL_max_vcpus            15
#define XEN_DOMCTL_hypercall_init       22      /* PV: the hypercall page into a frame */
#define XEN_DOMCTL_getvcpuaffinity      25
#define XEN_DOMCTL_gethvmcontext        33      /* not yet: -ENOSYS */
#define XEN_DOMCTL_sethvmcontext        34
#define XEN_DOMCTL_set_address_size     35      /* PV: 32 makes an empty domain a 32-bit (compat) one */
#define XEN_DOMCTL_get_address_size     36

/* getdomaininfo flags. */
#define XEN_DOMINF_dying        (1u << 0)
#define XEN_DOMINF_hvm_guest    (1u << 1)
#define XEN_DOMINF_shutdown     (1u << 2)
#define XEN_DOMINF_paused       (1u << 3)
#define XEN_DOMINF_blocked      (1u << 4)
#define XEN_DOMINF_running      (1u << 5)
#define XEN_DOMINF_debugged     (1u << 6)
#define XEN_DOMINF_xs_domain    (1u << 7)
#define XEN_DOMINF_hap          (1u << 8)
#define XEN_DOMINF_shutdownshift 16
#define XEN_DOMINF_shutdownmask 255u
#define XEN_INVALID_MAX_VCPU_ID (~0u)

struct xen_domctl_getdomaininfo {
    uint16_t domain;
    uint16_t pad1;
    uint32_t flags;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;
    uint64_t cpu_time;              /* ns, all vCPUs */
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id;
    uint32_t ssidref;
    uint8_t handle[16];
    uint32_t cpupool;
    uint8_t gpaddr_bits;
    uint8_t pad2[7];
    uint32_t arch_emulation_flags;  /* x86 xen_arch_domainconfig */
    uint32_t arch_misc_flags;
};
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "getdomaininfo layout");

/* shadow_op: log-dirty subset. */
#define XEN_DOMCTL_SHADOW_OP_OFF                0
#define XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY    2
#define XEN_DOMCTL_SHADOW_OP_CLEAN              11
#define XEN_DOMCTL_SHADOW_OP_PEEK               12
#define XEN_DOMCTL_SHADOW_OP_ENABLE             32
#define XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY      (1u << 2)

struct xen_domctl_shadow_op {
    uint32_t op;
    uint32_t mode;
    uint32_t mb;
    uint32_t pad;
    uint64_t dirty_bitmap;          /* guest handle: one bit per gfn */
    uint64_t pages;                 /* IN: bits the buffer holds; OUT: bits covered */
    uint32_t fault_count;
    uint32_t dirty_count;
};
_Static_assert(sizeof(struct xen_domctl_shadow_op) == 40, "shadow_op layout");

struct xen_domctl_max_mem {
    uint64_t max_memkb;
};

struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;                  /* IN */
    uint8_t online, blocked, running;
    uint8_t pad;
    uint64_t cpu_time;              /* ns */
    uint32_t cpu;
    uint32_t pad2;
};
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24, "getvcpuinfo layout");

struct xen_domctl_max_vcpus {
    uint32_t max;
};

struct xenctl_bitmap {
    uint64_t bitmap;                /* guest handle */
    uint32_t nr_bits;
    uint32_t pad;
};

#define XEN_VCPUAFFINITY_HARD   (1u << 0)
#define XEN_VCPUAFFINITY_SOFT   (1u << 1)
#define XEN_VCPUAFFINITY_FORCE  (1u << 2)

struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;
    uint32_t flags;
    struct xenctl_bitmap cpumap_hard;
    struct xenctl_bitmap cpumap_soft;
};
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40, "vcpuaffinity layout");

/* createdomain (Xen 4.17, interface 0x15): IN the configuration, OUT the
 * new domain's id in xen_domctl.domain (IN: 0 = the hypervisor picks). */
#define XEN_DOMCTL_CDF_hvm              (1u << 0)
#define XEN_DOMCTL_CDF_hap              (1u << 1)
#define XEN_DOMCTL_CDF_s3_integrity     (1u << 2)
#define XEN_DOMCTL_CDF_oos_off          (1u << 3)
#define XEN_DOMCTL_CDF_xs_domain        (1u << 4)
#define XEN_DOMCTL_CDF_iommu            (1u << 5)
#define XEN_DOMCTL_CDF_nested_virt      (1u << 6)
#define XEN_DOMCTL_CDF_vpmu             (1u << 7)
/* x86 arch.emulation_flags */
#define XEN_X86_EMU_LAPIC               (1u << 0)
#define XEN_X86_EMU_HPET                (1u << 1)
#define XEN_X86_EMU_PM                  (1u << 2)
#define XEN_X86_EMU_RTC                 (1u << 3)
#define XEN_X86_EMU_IOAPIC              (1u << 4)
#define XEN_X86_EMU_PIC                 (1u << 5)
#define XEN_X86_EMU_VGA                 (1u << 6)
#define XEN_X86_EMU_IOMMU               (1u << 7)
#define XEN_X86_EMU_PIT                 (1u << 8)
#define XEN_X86_EMU_USE_PIRQ            (1u << 9)
#define XEN_X86_EMU_VPCI                (1u << 10)
#define XEN_X86_EMU_ALL                 0x7ffu      /* bits 0-10: LAPIC .. VPCI */
/* What libxl asks for an HVM guest (all but VPCI, which is PVH dom0's),
 * and the only HVM set Xen 4.17 accepts besides LAPIC alone (PVH). */
#define XEN_X86_EMU_HVM_DOMU            (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI)

struct xen_domctl_createdomain {
    uint32_t ssidref;
    uint8_t handle[16];
    uint32_t flags;                 /* XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;
    uint32_t max_vcpus;
    uint32_t max_evtchn_port;
    int32_t max_grant_frames;       /* < 0: the default */
    int32_t max_maptrack_frames;    /* < 0: the default */
    uint32_t grant_opts;            /* low 4 bits: highest grant version */
    uint32_t vmtrace_size;
    uint32_t cpupool_id;
    uint32_t arch_emulation_flags;  /* x86 xen_arch_domainconfig */
    uint32_t arch_misc_flags;
};
_Static_assert(sizeof(struct xen_domctl_createdomain) == 64, "createdomain layout");

/* get/sethvmcontext: a buffer of HVM save records (public/hvm_save.h). */
struct xen_domctl_hvmcontext {
    uint32_t size;                  /* IN/OUT: bytes in buffer */
    uint32_t pad;
    uint64_t buffer;                /* guest handle */
};
_Static_assert(sizeof(struct xen_domctl_hvmcontext) == 16, "hvmcontext layout");

/* setvcpucontext: vCPU vcpu's state from a struct vcpu_guest_context
 * (public/arch-x86_64.h) at the guest handle ctxt. */
struct xen_domctl_vcpucontext {
    uint32_t vcpu;
    uint32_t pad;
    uint64_t ctxt;                  /* guest handle */
};
_Static_assert(sizeof(struct xen_domctl_vcpucontext) == 16, "vcpucontext layout");

/* hypercall_init: the hypervisor writes its hypercall page into the
 * domain's frame gmfn (an MFN for a PV domain). */
struct xen_domctl_hypercall_init {
    uint64_t gmfn;
};

/* set/get_address_size: a PV domain's guest word size in bits (32 or 64). */
struct xen_domctl_address_size {
    uint32_t size;
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    uint16_t domain;
    uint16_t pad[3];
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_shadow_op shadow_op;
        struct xen_domctl_max_mem max_mem;
        struct xen_domctl_getvcpuinfo getvcpuinfo;
        struct xen_domctl_max_vcpus max_vcpus;
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_hvmcontext hvmcontext;
        struct xen_domctl_vcpucontext vcpucontext;
        struct xen_domctl_hypercall_init hypercall_init;
        struct xen_domctl_address_size address_size;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl layout");

#endif
