/*
 * The 32-bit (i386) layouts of the Xen hypercall structures, as a 32-bit
 * guest compiles the Xen public headers: a guest handle is a 4-byte pointer,
 * xen_ulong_t and xen_pfn_t are 4 bytes (unsigned long), and a uint64_t
 * inside a struct is aligned to 4 bytes only (the i386 SysV ABI), so the
 * padding before it differs from the 64-bit layouts of include/public/.
 *
 * Each layout is written from the public header's definition (memory.h,
 * grant_table.h, vcpu.h, sched.h, version.h) and pinned with _Static_assert
 * on its size and every field offset.  Structures whose i386 layout equals
 * the 64-bit one are listed at the end, with the offsets that make them
 * equal: those go to the native handlers untranslated.
 */
#ifndef RV_CORE_COMPAT_LAYOUT_H
#define RV_CORE_COMPAT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "public/memory.h"
#include "public/grant_table.h"
#include "public/vcpu.h"
#include "public/sched.h"
#include "public/event_channel.h"
#include "public/hvm.h"
#include "public/features.h"

/* A uint64_t as i386 places it in a struct: 4-byte aligned.  (On a typedef
 * the aligned attribute may lower the alignment; the asserts below check it
 * did.) */
typedef uint64_t compat_u64 __attribute__((aligned(4)));
typedef uint32_t compat_handle_t;   /* XEN_GUEST_HANDLE(...) of a 32-bit guest */
typedef uint32_t compat_ulong_t;    /* xen_ulong_t, xen_pfn_t, unsigned long */

#define COMPAT_LAYOUT(type, size) _Static_assert(sizeof(type) == (size), #type " size")
#define COMPAT_OFF(type, field, off) _Static_assert(offsetof(type, field) == (off), #type "." #field " offset")

/* ---- memory.h ---- */

struct compat_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    compat_ulong_t idx;
    compat_ulong_t gpfn;
};
COMPAT_LAYOUT(struct compat_add_to_physmap, 16);
COMPAT_OFF(struct compat_add_to_physmap, space, 4);
COMPAT_OFF(struct compat_add_to_physmap, idx, 8);
COMPAT_OFF(struct compat_add_to_physmap, gpfn, 12);

struct compat_remove_from_physmap {
    uint16_t domid;
    uint16_t pad;
    compat_ulong_t gpfn;
};
COMPAT_LAYOUT(struct compat_remove_from_physmap, 8);
COMPAT_OFF(struct compat_remove_from_physmap, gpfn, 4);

struct compat_memory_map {
    uint32_t nr_entries;            /* IN: room in buffer; OUT: entries written */
    compat_handle_t buffer;         /* e820 records (20 bytes, packed: same in both modes) */
};
COMPAT_LAYOUT(struct compat_memory_map, 8);
COMPAT_OFF(struct compat_memory_map, buffer, 4);

struct compat_reservation {
    compat_handle_t extent_start;   /* xen_pfn_t[nr_extents]: 4-byte elements */
    compat_ulong_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
    uint16_t pad;
};
COMPAT_LAYOUT(struct compat_reservation, 20);
COMPAT_OFF(struct compat_reservation, nr_extents, 4);
COMPAT_OFF(struct compat_reservation, extent_order, 8);
COMPAT_OFF(struct compat_reservation, mem_flags, 12);
COMPAT_OFF(struct compat_reservation, domid, 16);

/* ---- grant_table.h ---- */

struct compat_gnttab_setup_table {
    uint16_t dom;
    uint16_t pad0;
    uint32_t nr_frames;
    int16_t status;
    uint16_t pad1;
    compat_handle_t frame_list;     /* xen_pfn_t[nr_frames]: 4-byte elements */
};
COMPAT_LAYOUT(struct compat_gnttab_setup_table, 16);
COMPAT_OFF(struct compat_gnttab_setup_table, nr_frames, 4);
COMPAT_OFF(struct compat_gnttab_setup_table, status, 8);
COMPAT_OFF(struct compat_gnttab_setup_table, frame_list, 12);

struct compat_gnttab_copy_ptr {
    uint32_t u;                     /* union { grant_ref_t ref; xen_pfn_t gmfn; }: 4 bytes either way */
    uint16_t domid;
    uint16_t offset;
};
COMPAT_LAYOUT(struct compat_gnttab_copy_ptr, 8);
COMPAT_OFF(struct compat_gnttab_copy_ptr, domid, 4);
COMPAT_OFF(struct compat_gnttab_copy_ptr, offset, 6);

struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
    uint16_t pad;
};
COMPAT_LAYOUT(struct compat_gnttab_copy, 24);
COMPAT_OFF(struct compat_gnttab_copy, dest, 8);
COMPAT_OFF(struct compat_gnttab_copy, len, 16);
COMPAT_OFF(struct compat_gnttab_copy, flags, 18);
COMPAT_OFF(struct compat_gnttab_copy, status, 20);

/* ---- vcpu.h ---- */

struct compat_vcpu_runstate_info {
    int32_t state;
    compat_u64 state_entry_time;    /* at 4: no padding on i386 */
    compat_u64 time[4];
};
COMPAT_LAYOUT(struct compat_vcpu_runstate_info, 44);
COMPAT_OFF(struct compat_vcpu_runstate_info, state_entry_time, 4);
COMPAT_OFF(struct compat_vcpu_runstate_info, time, 12);

/* union { XEN_GUEST_HANDLE(vcpu_runstate_info) h; ...; uint64_t p; }: 8
 * bytes, of which a 32-bit caller's handle is the low 4 (the rest is not
 * read: a 32-bit guest need not clear it). */
struct compat_vcpu_register_runstate_memory_area {
    compat_handle_t addr;
    uint32_t high;
};
COMPAT_LAYOUT(struct compat_vcpu_register_runstate_memory_area, 8);

struct compat_vcpu_set_singleshot_timer {
    compat_u64 timeout_abs_ns;
    uint32_t flags;                 /* at 8: the struct is 12 bytes, not 16 */
};
COMPAT_LAYOUT(struct compat_vcpu_set_singleshot_timer, 12);
COMPAT_OFF(struct compat_vcpu_set_singleshot_timer, flags, 8);

/* ---- sched.h ---- */

struct compat_sched_poll {
    compat_handle_t ports;          /* evtchn_port_t[nr_ports]: 4 bytes in both modes */
    uint32_t nr_ports;
    compat_u64 timeout;             /* at 8, not 16 */
};
COMPAT_LAYOUT(struct compat_sched_poll, 16);
COMPAT_OFF(struct compat_sched_poll, nr_ports, 4);
COMPAT_OFF(struct compat_sched_poll, timeout, 8);

/* ---- version.h ---- */

struct compat_platform_parameters { compat_ulong_t virt_start; };
COMPAT_LAYOUT(struct compat_platform_parameters, 4);

/*
 * ---- Layouts equal in both modes: the native structure is the compat one ----
 * Every 8-byte field sits at a multiple of 8 in the i386 layout too, and no
 * handle or xen_ulong_t appears, so size and offsets agree.
 */
COMPAT_LAYOUT(struct gnttab_map_grant_ref, 32);         /* host_addr 0, flags 8, ref 12, dom 16, status 18, handle 20, dev_bus_addr 24 */
COMPAT_OFF(struct gnttab_map_grant_ref, dev_bus_addr, 24);
COMPAT_LAYOUT(struct gnttab_unmap_grant_ref, 24);       /* host_addr 0, dev_bus_addr 8, handle 16, status 20; i386 pads 22 -> 24 */
COMPAT_OFF(struct gnttab_unmap_grant_ref, status, 20);
COMPAT_LAYOUT(struct gnttab_query_size, 16);
COMPAT_LAYOUT(struct gnttab_set_version, 4);
COMPAT_LAYOUT(struct gnttab_get_version, 8);
COMPAT_LAYOUT(struct vcpu_register_vcpu_info, 16);      /* mfn 0 (uint64_t), offset 8, rsvd 12 */
COMPAT_LAYOUT(struct vcpu_set_periodic_timer, 8);
COMPAT_LAYOUT(struct sched_shutdown, 4);
COMPAT_LAYOUT(struct xen_hvm_param, 16);                /* domid 0, index 4, value 8 */
COMPAT_OFF(struct xen_hvm_param, value, 8);
COMPAT_LAYOUT(struct xen_hvm_evtchn_upcall_vector, 8);
COMPAT_LAYOUT(struct xen_feature_info, 8);
COMPAT_LAYOUT(struct evtchn_alloc_unbound, 8);
COMPAT_LAYOUT(struct evtchn_bind_interdomain, 12);
COMPAT_LAYOUT(struct evtchn_bind_virq, 12);
COMPAT_LAYOUT(struct evtchn_bind_ipi, 8);
COMPAT_LAYOUT(struct evtchn_status, 24);
COMPAT_LAYOUT(struct evtchn_bind_vcpu, 8);
COMPAT_LAYOUT(struct evtchn_init_control, 24);          /* control_gfn 0, offset 8, vcpu 12, link_bits 16 */
COMPAT_OFF(struct evtchn_init_control, link_bits, 16);
COMPAT_LAYOUT(struct evtchn_expand_array, 8);
COMPAT_LAYOUT(struct evtchn_set_priority, 8);

/* ---- xen.h: shared_info and vcpu_info as a 32-bit guest sees them ----
 * Xen keeps one layout per domain, latched from the mode of the vCPU that
 * installs the hypercall page or sets HVM_PARAM_CALLBACK_IRQ (the first
 * things a guest's Xen support does); compat_latch_shinfo().  Only the
 * 2-level event words and the wall clock move: upcall_pending/mask and the
 * vcpu_time_info are at the same offsets in both. */
struct compat_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad0[2];
    uint32_t evtchn_pending_sel;    /* bit i: look at pending word i (32 ports each) */
    uint32_t arch[6];               /* arch_vcpu_info of x86_32: cr2 and pad[5] */
    uint8_t time[32];               /* struct vcpu_time_info, same layout */
};
COMPAT_LAYOUT(struct compat_vcpu_info, 64);
COMPAT_OFF(struct compat_vcpu_info, evtchn_pending_sel, 4);
COMPAT_OFF(struct compat_vcpu_info, time, 32);

#define COMPAT_2L_NR_CHANNELS 1024u     /* 32 words of 32 bits */
struct compat_shared_info {
    struct compat_vcpu_info vcpu_info[32];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    /* arch_shared_info of x86_32: max_pfn, pfn_to_mfn_frame_list_list,
     * nmi_reason, p2m_cr3, p2m_vaddr, p2m_generation (unsigned long each),
     * then wc_sec_hi, which has no room before them on i386. */
    uint32_t arch_pv[6];
    uint32_t wc_sec_hi;
};
COMPAT_OFF(struct compat_shared_info, evtchn_pending, 2048);
COMPAT_OFF(struct compat_shared_info, evtchn_mask, 2176);
COMPAT_OFF(struct compat_shared_info, wc_version, 2304);
COMPAT_OFF(struct compat_shared_info, wc_sec_hi, 2340);
_Static_assert(sizeof(struct compat_shared_info) <= 4096, "compat shared_info fits the page");

/* ---- Conversions (pure: unit-tested on the host) ---- */

/* The FXSAVE image of vcpu_guest_context.fpu_ctxt (512 bytes; SDM vol. 1
 * 10.5.1, tables 10-2 and 10-3).  A 32-bit guest's is the 32-bit layout:
 * the last x87 instruction's address as a 32-bit offset at 8 with its
 * selector FCS at 12, the operand's as a 32-bit offset at 16 with FDS at
 * 20 (bytes 14-15 and 22-23 reserved).  The hypervisor keeps every vCPU's
 * image in the 64-bit layout (core/vcpu_fpu.h: FXSAVE64/FXRSTOR64, 64-bit
 * FIP at 8 and FDP at 16): the offsets are zero-extended into it, the
 * selectors have no place there (FXSAVE64 does not keep them either).
 * Every other byte has the same meaning in both. */
#define FXSAVE_BYTES 512u
static inline void compat_fxsave_to_native(uint8_t *n, const uint8_t *c)
{
    uint32_t fip, fdp;
    uint64_t w;

    __builtin_memcpy(n, c, FXSAVE_BYTES);
    __builtin_memcpy(&fip, c + 8, 4);
    __builtin_memcpy(&fdp, c + 16, 4);
    w = fip;
    __builtin_memcpy(n + 8, &w, 8);
    w = fdp;
    __builtin_memcpy(n + 16, &w, 8);
}

static inline void compat_runstate_from_native(struct compat_vcpu_runstate_info *c,
                                               const struct vcpu_runstate_info *n)
{
    c->state = n->state;
    c->state_entry_time = n->state_entry_time;
    for (unsigned i = 0; i < 4; i++)
        c->time[i] = n->time[i];
}

#endif
