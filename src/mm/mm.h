/*
 * Memory management interface for the rest of the hypervisor: frames (the
 * buddy allocator behind one lock), the heap, the direct map, device
 * mappings and per-CPU stacks.  See docs/memory-layout.md.
 */
#ifndef RV_MM_MM_H
#define RV_MM_MM_H

#include "lib/compiler.h"
#include "arch/x86/layout.h"
#include "mm/frame.h"
#include "mm/heap.h"

struct boot_info;
struct boot_options;

/* Page-table entry bits (Intel SDM vol. 3 4.5 / AMD APM vol. 2 5.3). */
#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_US      (1ull << 2)
#define PTE_PWT     (1ull << 3)
#define PTE_PCD     (1ull << 4)
#define PTE_A       (1ull << 5)
#define PTE_D       (1ull << 6)
#define PTE_PS      (1ull << 7)
#define PTE_G       (1ull << 8)
#define PTE_NX      (1ull << 63)
#define PTE_ADDR    0x000ffffffffff000ull

static inline void *phys_to_virt(uint64_t pa) { return (void *)(HV_DIRECTMAP_VIRT + pa); }
uint64_t virt_to_phys(const void *va);  /* direct map or image addresses */

/* Boot: build the frame table, the allocators and the final page tables. */
void mm_init(const struct boot_info *bi, uint32_t info_phys, uint32_t info_size, uint64_t mem_limit);
bool mm_nx_enabled(void);

/* Frames.  Owner is a domain id (DOMID_XEN for the hypervisor). */
void *alloc_pages(unsigned order, uint16_t owner);  /* zeroed; NULL when out of memory */
void *alloc_pages_below(unsigned order, uint64_t limit_phys, uint16_t owner);
void free_pages(void *va, unsigned order);
struct frame *pfn_to_frame(uint64_t pfn);           /* NULL beyond the frame table */
uint64_t mm_free_frames(void);
uint64_t mm_total_frames(void);                     /* RAM frames handed to the allocator at boot */
uint64_t mm_hv_used_kib(void);                      /* image + boot tables + pages allocated by/for the hypervisor */

/* References others hold on a domain's RAM frame (grant mappings, grant
 * copies in progress), counted in frame.count.  frame_get fails (false) when
 * mfn is not a frame of 'owner'.  When the owner is destroyed, frames still
 * referenced become orphans (FRAME_O_ORPHAN) and the last frame_put frees
 * them. */
bool frame_get(uint64_t mfn, uint16_t owner);
void frame_put(uint64_t mfn);
/* Hypervisor frames shared with one domain (its grant-table frames and
 * shared_info; docs/grant-tables.md "Lifetime of the table's frames"):
 * owner DOMID_XEN, never the domain's (it cannot pin, release or exchange
 * them), zeroed.  Every mapping of one, the domain's own or the control
 * domain's foreign one, holds a general reference: frame_get_shared fails
 * unless mfn is such a frame shared with domid and not yet given up.
 * free_shared_page gives it up: freed now if nobody maps it, otherwise an
 * orphan that the last frame_put frees (it never changes owner or type
 * meanwhile).  frame_is_shared_with: the same test, no reference. */
void *alloc_shared_page(uint16_t domid);
bool frame_get_shared(uint64_t mfn, uint16_t domid);
bool frame_is_shared_with(uint64_t mfn, uint16_t domid);
void free_shared_page(void *va);
/* Frees a domain's RAM block at destruction: frames nobody references go back
 * to the allocator, referenced ones become orphans.  Frames of the block no
 * longer owner's (given back by frame_release) are skipped.  Returns how
 * many were orphaned. */
uint64_t free_domain_pages(uint64_t mfn, unsigned order, uint16_t owner);
/* Destruction, after the blocks: every frame still owner's that no block
 * lists (PV populate_physmap / increase_reservation, pv/pv_memory.c) freed
 * or orphaned the same way.  A sweep of the frame table.  Returns how many. */
uint64_t free_domain_leftovers(uint16_t owner);
/* A domain gives one of its frames back (PV decrease_reservation): freed
 * at once, its M2P entry invalidated.  0; -EINVAL if it is not owner's;
 * -EBUSY while anyone holds a general or type reference (mapped, granted
 * and mapped, pinned, a page table or descriptor frame): refused, never
 * deferred. */
int frame_release(uint64_t mfn, uint16_t owner);
/* A PV domain's new frames get their M2P entries (populate): M2P[mfn + j] =
 * pfn + j for j < n (INVALID_M2P_ENTRY: every entry invalid), for the
 * frames still owner's and not orphans.  Under the allocator's lock, as
 * frame_release's invalidation: a frame the owner gives back meanwhile
 * (it may guess the MFN) keeps no entry written after it left, which
 * could land on the frame's next owner.  Returns how many were written. */
uint64_t frames_m2p_set(uint64_t mfn, uint64_t n, uint64_t pfn, uint16_t owner);
/* XENMEM_exchange (pv/pv_exchange.c): nr extents of 2^order frames from
 * base[i] given back all together or not at all.  Every frame is checked
 * first (in range, aligned, owner's, not an orphan, nobody's reference, no
 * extent named twice) under mm_lock; only then are they all freed, their M2P
 * entries invalidated.  0, or -EINVAL / -EBUSY with nothing changed. */
int frames_release_extents(const uint64_t *base, unsigned nr, unsigned order, uint16_t owner);
/* How many frames of the block, still owner's, someone holds a reference to right now. */
uint64_t count_referenced_pages(uint64_t mfn, unsigned order, uint16_t owner);

/* Heap (mm/heap.c behind mm's lock). */
void *xmalloc(size_t size, enum heap_tag tag);
void *xzalloc(size_t size, enum heap_tag tag);
void xfree(void *p);
/* Called by xfree with each block and its usable size before the block goes
 * back to the heap (the timer queues check that nothing queued lives in it).
 * Set once at boot. */
void mm_set_free_check(void (*check)(const void *p, size_t len));

/* Mappings. */
void *ioremap(uint64_t phys, size_t len);           /* uncached, for device registers */
const void *map_firmware_table(uint64_t phys, size_t len);  /* read-only, for ACPI tables */
int map_identity_page(uint64_t phys, bool exec);    /* low page for AP start-up */
/* Per-CPU stack slot with guard pages; returns its lowest address. */
uint64_t map_stack_slot(unsigned cpu);
/* Activate the final page tables on an AP (same tables as the boot CPU). */
uint64_t mm_root_phys(void);
/* The frame table and its length (the PV frame-type environment, pv/). */
struct frame *mm_frame_table(uint64_t *nr);

#endif
