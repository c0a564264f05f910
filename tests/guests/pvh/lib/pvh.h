/*
 * The PVH test-guest library (tests/guests/pvh/lib): what a PVH test guest
 * (tests/guests/pvh/<name>.c) uses.
 *
 * A guest defines pvh_guest_name[] and test_main().  entry.S starts in
 * 32-bit protected mode at the XEN_ELFNOTE_PHYS32_ENTRY note, switches to
 * long mode and calls pvh_start64(), which copies the start info, sets up
 * the IDT, finds the hypervisor (CPUID 0x40000000, hypercall page through
 * the MSR of leaf 0x40000002) and calls test_main(); finish() ends the guest.
 * Every hypercall uses the 64-bit ABI and layouts.  What this library shares
 * with the 32-bit one (pvh32/lib) is in tests/guests/lib/pvh_common.[ch].
 *
 * Output goes through console_io (hypercall 18), one line per call; when
 * that fails, or without a hypervisor (plain QEMU's PVH boot), to the UART
 * at 0x3f8.  Result protocol as the HVM guests (tests/guests/README.md):
 * "PASS <check>" / "FAIL <check>: <reason>", then SCHEDOP_shutdown poweroff
 * if all passed, crash otherwise (a triple fault if the shutdown fails).
 *
 * Guest-physical layout: RAM from the start info's memory map; the image at
 * 1 MiB; pages the guest maps from elsewhere (shared_info, grant-table
 * frames, other domains' granted pages) at PVH_XMAP_BASE and up, outside
 * RAM, inside the identity map of 0-4 GiB.
 */
#ifndef PVH_LIB_PVH_H
#define PVH_LIB_PVH_H

#include "pvh_common.h"             /* tests/guests/lib: printf, check, start of day, ... */
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/vcpu.h"

#define PVH_XMAP_BASE       0x80000000ull           /* 2 GiB: outside any test guest's RAM */
#define PVH_GFN_SHARED_INFO (PVH_XMAP_BASE >> 12)
#define PVH_GFN_GNTTAB      ((PVH_XMAP_BASE >> 12) + 0x10)  /* up to 64 table frames */
#define PVH_GFN_FREE        ((PVH_XMAP_BASE >> 12) + 0x100) /* for the guest's own mappings */
#define PVH_UPCALL_VECTOR   0xf3
#define PVH_MAX_PORTS       4096u                   /* 2-level ABI on x86-64 */
#ifdef PVH_LIB_ON_PV
/* The same frontends built as 64-bit PV kernels (tests/guests/pv/pv_fe.c):
 * pseudo-physical frame N is at PV_FE_VIRT_BASE + N * 4096 (the builder's
 * bootstrap mapping), and a grant names the machine frame (the p2m's). */
#define PV_FE_VIRT_BASE 0xffffffff80000000ull
#define gfn_ptr(gfn)  ((void *)(uintptr_t)(PV_FE_VIRT_BASE + ((uint64_t)(gfn) << 12)))
#define ptr_gfn(p)    (((uint64_t)(uintptr_t)(p) - PV_FE_VIRT_BASE) >> 12)
uint64_t grant_frame(const void *p);
/* The frames a hostile PV frontend names (pv_fe.c): its own that are not
 * plain data (start_info, shared_info, grant-table frame 0, the bootstrap
 * L4 and an L1 with their addresses) and the range of its RAM's MFNs. */
struct pv_fe_frames {
    uint64_t start_info, shared_info, gnttab, l4, l1, min_own, max_own;
    const void *l4_va, *l1_va;
};
void pv_fe_frames(struct pv_fe_frames *f);
/* Whether mfn is in our p2m list. */
bool pv_fe_owns(uint64_t mfn);
/* Unmaps page from our tables and gives its frame back
 * (XENMEM_decrease_reservation); *mfn = its MFN; the extents done (1) or
 * the error. */
long pv_fe_give_back(void *page, uint64_t *mfn);
#else
#define gfn_ptr(gfn)  ((void *)(uintptr_t)((uint64_t)(gfn) << 12))
#define ptr_gfn(p)    ((uint64_t)(uintptr_t)(p) >> 12)
/* The frame a grant entry names for a page of ours: a PVH guest's GFN. */
static inline uint64_t grant_frame(const void *p) { return ptr_gfn(p); }
#endif

struct pvh_state {
    PVH_COMMON_STATE                /* pvh_common.h: start of day, results */
    struct shared_info *sh;         /* NULL until pvh_map_shared_info() */
    struct vcpu_info *vi;           /* vCPU 0's vcpu_info now */
    struct grant_entry_v1 *gt;      /* NULL until gnttab_map_frames() */
    uint32_t gt_frames;
    bool fifo;                      /* FIFO event ABI in force */
    event_word_t *fifo_words;       /* one page: ports 0..1023 */
    struct evtchn_fifo_control_block *fifo_cb;
};
extern struct pvh_state pvh;

/* Provided by the guest (and test_main(): pvh_common.h). */
extern const char pvh_guest_name[];

/* Output, results, the command line, pvh_shutdown(): pvh_common.h and
 * testlib.h (tests/guests/lib). */

/* ---- hypercalls (hcall64.S of tests/guests/lib: RDI RSI RDX R10 R8) ---- */
#define HC(nr, a, b, c) hypercall((nr), (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), 0, 0)
static inline long evtchn_op(unsigned cmd, void *arg) { return HC(__HYPERVISOR_event_channel_op, cmd, arg, 0); }
static inline long gnttab_op(unsigned cmd, void *uop, unsigned n) { return HC(__HYPERVISOR_grant_table_op, cmd, uop, n); }
static inline long memory_op(unsigned cmd, void *arg) { return HC(__HYPERVISOR_memory_op, cmd, arg, 0); }
static inline long hvm_op(unsigned cmd, void *arg) { return HC(__HYPERVISOR_hvm_op, cmd, arg, 0); }
static inline long vcpu_op(unsigned cmd, unsigned vcpu, void *arg) { return HC(__HYPERVISOR_vcpu_op, cmd, vcpu, arg); }
static inline long sched_op(unsigned cmd, void *arg) { return HC(__HYPERVISOR_sched_op, cmd, arg, 0); }
static inline long xen_version(unsigned cmd, void *arg) { return HC(__HYPERVISOR_xen_version, cmd, arg, 0); }
static inline long set_timer_op(uint64_t deadline) { return HC(__HYPERVISOR_set_timer_op, deadline, 0, 0); }
long hvm_get_param(unsigned index, uint64_t *value);
long hvm_set_param(unsigned index, uint64_t value);
long add_to_physmap(unsigned space, uint64_t idx, uint64_t gfn);

/* ---- shared_info, time (lib.c) ---- */
/* Maps shared_info at PVH_GFN_SHARED_INFO; 0 or the error. */
long pvh_map_shared_info(void);
/* Guest system time from vCPU 0's vcpu_time_info (pvclock), ns. */
uint64_t pvclock_ns(void);

/* ---- event channels (lib.c) ---- */
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
/* The port's pending bit (2-level bitmap or FIFO event word). */
bool evtchn_pending(evtchn_port_t port);
bool evtchn_test_and_clear(evtchn_port_t port);
void evtchn_set_mask(evtchn_port_t port, bool masked);
/* Waits until the port is pending (and clears it): SCHEDOP_poll, with no
 * upcall needed; false after timeout_ns of pvclock time (0: 10 s). */
bool evtchn_wait(evtchn_port_t port, uint64_t timeout_ns);

/* Upcall: HVM_PARAM_CALLBACK_IRQ = vector type, PVH_UPCALL_VECTOR.  The
 * handler consumes pending, unmasked ports: counts them in evt_count[] and
 * records the order in evt_log[] (first 64). */
long pvh_enable_upcall(void);
extern volatile uint32_t evt_count[PVH_MAX_PORTS];
extern volatile uint32_t evt_log[64], evt_log_len, upcalls;
/* Waits (STI; HLT with a set_timer_op deadline) until evt_count[port]
 * reaches n; false after timeout_ns. */
bool wait_count(evtchn_port_t port, uint32_t n, uint64_t timeout_ns);

/* FIFO ABI: init_control for vCPU 0 on a page of ours, one array page. */
long pvh_fifo_init(uint8_t *link_bits);

/* ---- grant tables (lib.c) ---- */
/* Maps table frames 0..n-1 at PVH_GFN_GNTTAB; 0 or the first error. */
long gnttab_map_frames(unsigned n);
void gnttab_grant(grant_ref_t ref, domid_t dom, uint64_t gfn, bool readonly);
void gnttab_revoke(grant_ref_t ref);
int16_t gnttab_map(domid_t dom, grant_ref_t ref, uint64_t gfn, uint32_t flags, grant_handle_t *handle);
int16_t gnttab_unmap(grant_handle_t handle, uint64_t gfn);

static inline void mb(void) { asm volatile("mfence" : : : "memory"); }

#endif
