/*
 * Boot-time memory set-up and the locked front ends of the frame allocator
 * and the heap.
 *
 * Boot order (mm_init): clip the firmware map (mem=), list what must not be
 * handed out (real-mode page 0, the image, modules, the boot info), carve a
 * bump region below 4 GiB for the frame table and the first page-table
 * pages, build the final tables (image with per-section permissions, direct
 * map of RAM), switch to them, then give every remaining RAM frame to the
 * buddy allocator.
 */
#include "mm/mm.h"
#include "mm/m2p.h"
#include "mm/paging.h"
#include "mm/buddy.h"
#include "mm/frametable.h"
#include "boot/bootinfo.h"
#include "core/spinlock.h"
#include "core/console.h"
#include "core/panic.h"
#include "arch/x86/asm.h"
#include "lib/string.h"
#include "lib/errno.h"

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[];

/*
 * mm_lock guards the buddy allocator, the frame table's owner fields for
 * allocation and free, the page tables and the ioremap cursor.  Lock order:
 * heap_lock -> mm_lock -> console_lock.  IRQ-safe.
 */
static spinlock_t mm_lock = SPINLOCK_INIT;
static spinlock_t heap_lock = SPINLOCK_INIT;    /* guards the heap's own state */

static struct buddy buddy;              /* (mm_lock) */
static struct frame *frame_table;       /* (i) direct-map address */
static uint64_t nr_frames;              /* (i) frame table length = highest RAM pfn */
static uint64_t total_ram_frames;       /* (i) handed to the buddy at boot */
static uint64_t hv_boot_pages;          /* (i) image + bump region */
static uint64_t hv_alloc_pages;         /* (mm_lock) pages allocated to DOMID_XEN */
static uint64_t ioremap_next = HV_IOREMAP_VIRT;  /* (mm_lock) */
static bool nx_enabled;                 /* (i) */

/* Boot bump allocator, below 4 GiB: [bump_start, bump_end). */
static uint64_t bump_start, bump_cur, bump_end;
static bool bump_closed;

static void mm_heap_init(void);

#define IMAGE_PHYS(p)   ((uint64_t)(p) - HV_IMAGE_VIRT)

uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;

    if (v >= HV_DIRECTMAP_VIRT && v < HV_DIRECTMAP_VIRT + HV_DIRECTMAP_SIZE)
        return v - HV_DIRECTMAP_VIRT;
    if (v >= (uint64_t)__image_start && v < (uint64_t)__image_end)
        return v - HV_IMAGE_VIRT;
    return paging_translate(v);
}

bool mm_nx_enabled(void)
{
    return nx_enabled;
}

static uint64_t bump_alloc_page(void)
{
    if (bump_closed || bump_cur + 4096 > bump_end)
        panic("mm: boot page-table region exhausted");
    uint64_t pa = bump_cur;
    bump_cur += 4096;
    memset((void *)(HV_IMAGE_VIRT + pa), 0, 4096);
    return pa;
}

static uint64_t buddy_alloc_page(void)
{
    int64_t pfn = buddy_alloc(&buddy, 0);

    if (pfn < 0)
        return 0;
    frame_table[pfn].owner = DOMID_XEN;
    hv_alloc_pages++;
    memset(phys_to_virt((uint64_t)pfn << PAGE_SHIFT), 0, 4096);
    return (uint64_t)pfn << PAGE_SHIFT;
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    return a0 < b1 && b0 < a1;
}

/* The largest piece of RAM below 4 GiB avoiding every exclusion. */
static void find_bump_region(const struct mem_region *ram, unsigned nr_ram,
                             const struct mem_region *ex, unsigned nr_ex, uint64_t need)
{
    uint64_t best0 = 0, best1 = 0;

    for (unsigned i = 0; i < nr_ram; i++) {
        uint64_t r0 = ALIGN_UP(ram[i].base, 4096);
        uint64_t r1 = ALIGN_DOWN(MIN(ram[i].base + ram[i].len, GiB(4)), 4096);
        /* Walk the gaps between exclusions inside [r0, r1). */
        uint64_t cur = MAX(r0, MiB(1));
        while (cur < r1) {
            uint64_t gap_end = r1;
            bool moved = false;
            for (unsigned j = 0; j < nr_ex; j++) {
                uint64_t e0 = ALIGN_DOWN(ex[j].base, 4096), e1 = ALIGN_UP(ex[j].base + ex[j].len, 4096);
                if (overlaps(cur, gap_end, e0, e1)) {
                    if (e0 <= cur) {
                        cur = e1;
                        moved = true;
                        break;
                    }
                    gap_end = e0;
                }
            }
            if (moved)
                continue;
            if (gap_end - cur > best1 - best0) {
                best0 = cur;
                best1 = gap_end;
            }
            cur = gap_end;
        }
    }
    if (best1 - best0 < need)
        panic("mm: no free RAM below 4 GiB for the frame table (%lu KiB needed, largest gap %lu KiB)",
              (unsigned long)(need >> 10), (unsigned long)((best1 - best0) >> 10));
    /* Take the top of the gap: low memory is more useful to others. */
    bump_start = bump_cur = ALIGN_DOWN(best1 - need, 4096);
    bump_end = best1;
}

static void map_image(void)
{
    uint64_t text0 = (uint64_t)__text_start, text1 = (uint64_t)__text_end;
    uint64_t ro0 = (uint64_t)__rodata_start, ro1 = (uint64_t)__rodata_end;
    uint64_t rw0 = (uint64_t)__data_start, rw1 = (uint64_t)__image_end;
    uint64_t nx = nx_enabled ? PTE_NX : 0;

    /* Text read-only and executable, rodata read-only, data writable but
     * not executable: a stray write cannot patch code, stray data cannot run. */
    if (paging_map(text0, IMAGE_PHYS(text0), text1 - text0, 0, false) ||
        paging_map(ro0, IMAGE_PHYS(ro0), ro1 - ro0, nx, false) ||
        paging_map(rw0, IMAGE_PHYS(rw0), rw1 - rw0, PTE_RW | nx, false))
        panic("mm: cannot map the hypervisor image");
}

void mm_init(const struct boot_info *bi, uint32_t info_phys, uint32_t info_size, uint64_t mem_limit)
{
    /* Static, not on the boot stack (6 KiB): mm_init runs once, on the boot CPU. */
    static struct mem_region ram[BOOT_MAX_MMAP], ex[BOOT_MAX_MODULES + 4];
    unsigned nr_ram = 0, nr_ex = 0;
    uint64_t total = 0, max_end = 0;
    uint32_t a, b, c, d;

    /* RAM, clipped to mem= if given. */
    for (unsigned i = 0; i < bi->nr_mmap; i++) {
        const struct mem_region *r = &bi->mmap[i];
        if (r->type != MEM_RAM)
            continue;
        uint64_t len = r->len;
        if (mem_limit && total + len > mem_limit)
            len = mem_limit > total ? mem_limit - total : 0;
        if (!len)
            continue;
        ram[nr_ram++] = (struct mem_region){ r->base, len, MEM_RAM };
        total += len;
        max_end = MAX(max_end, r->base + len);
    }
    if (!nr_ram)
        panic("mm: the memory map lists no RAM");

    ex[nr_ex++] = (struct mem_region){ 0, 4096, MEM_RESERVED };    /* real-mode IVT/BDA */
    ex[nr_ex++] = (struct mem_region){ IMAGE_PHYS(__image_start),
                                       (uint64_t)(__image_end - __image_start), MEM_RESERVED };
    ex[nr_ex++] = (struct mem_region){ info_phys, info_size, MEM_RESERVED };
    for (unsigned i = 0; i < bi->nr_mods; i++)
        ex[nr_ex++] = (struct mem_region){ bi->mods[i].start, bi->mods[i].end - bi->mods[i].start,
                                           MEM_RESERVED };

    nr_frames = ALIGN_UP(max_end, 4096) >> PAGE_SHIFT;
    if (nr_frames > 0xffffffffull)
        panic("mm: %lu frames exceed the 32-bit frame numbers of the frame table",
              (unsigned long)nr_frames);
    uint64_t ft_bytes = ALIGN_UP(nr_frames * sizeof(struct frame), 4096);
    /* Page tables for the direct map: one PD per GiB plus edge PTs. */
    uint64_t pt_budget = (max_end / GiB(1) + 1 + 2 * nr_ram + 64) * 4096;
    find_bump_region(ram, nr_ram, ex, nr_ex, ft_bytes + pt_budget);

    uint64_t ft_phys = bump_cur;
    bump_cur += ft_bytes;

    /* NX is used for data mappings once EFER.NXE is on (CPUID 0x80000001 EDX 20). */
    cpuid(0x80000001, &a, &b, &c, &d);
    if (d & (1u << 20)) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        nx_enabled = true;
    }

    paging_set_allocator(bump_alloc_page);
    paging_new_root();
    map_image();
    for (unsigned i = 0; i < nr_ram; i++) {
        uint64_t r0 = ALIGN_DOWN(ram[i].base, 4096), r1 = ALIGN_UP(ram[i].base + ram[i].len, 4096);
        if (paging_map(HV_DIRECTMAP_VIRT + r0, r0, r1 - r0, PTE_RW | (nx_enabled ? PTE_NX : 0), true))
            panic("mm: cannot build the direct map");
    }
    paging_activate();

    /* Frame table: zero it, then let frametable_populate() hand out RAM. */
    frame_table = phys_to_virt(ft_phys);
    memset(frame_table, 0, nr_frames * sizeof(struct frame));
    bump_closed = true;
    ex[nr_ex++] = (struct mem_region){ bump_start, bump_cur > bump_end ? 0 : bump_end - bump_start, MEM_RESERVED };
    total_ram_frames = frametable_populate(&buddy, frame_table, nr_frames, ram, nr_ram, ex, nr_ex);

    /* Owner of what the hypervisor itself occupies, for accounting. */
    for (uint64_t pa = ALIGN_DOWN(IMAGE_PHYS(__image_start), 4096); pa < IMAGE_PHYS(__image_end); pa += 4096)
        frame_table[pa >> PAGE_SHIFT].owner = DOMID_XEN, hv_boot_pages++;
    for (uint64_t pa = bump_start; pa < bump_end; pa += 4096)
        frame_table[pa >> PAGE_SHIFT].owner = DOMID_XEN, hv_boot_pages++;

    paging_set_allocator(buddy_alloc_page);

    mm_heap_init();

    log_info("mm: %lu MiB RAM usable, %lu frames, frame table %lu KiB at %#lx, NX %s\n",
             (unsigned long)(total_ram_frames >> 8), (unsigned long)nr_frames,
             (unsigned long)(ft_bytes >> 10), (unsigned long)ft_phys, nx_enabled ? "on" : "off");
}

/* ---- frames ---- */

struct frame *pfn_to_frame(uint64_t pfn)
{
    return pfn < nr_frames ? &frame_table[pfn] : NULL;
}

/* Zeroes the 4096 << order bytes at va (page-aligned) by eight 8-byte
 * stores per step.  On hardware as fast as a rep string for page-sized runs;
 * under an emulator that runs each rep iteration as a step of its own
 * (QEMU's TCG) several times faster: every frame of a domain's RAM comes
 * through here at its build, where zeroing was nearly all of the build's
 * 11 ms per MiB under TCG (docs/testing.md "Hypervisor cost").  Inline
 * assembly, so the compiler does not turn the loop back into memset. */
static void zero_pages(void *va, unsigned order)
{
    char *p = va, *end = p + (4096ull << order);

    for (; p < end; p += 64)
        __asm__ __volatile__("movq %1, 0(%0)\n\tmovq %1, 8(%0)\n\tmovq %1, 16(%0)\n\tmovq %1, 24(%0)\n\t"
                             "movq %1, 32(%0)\n\tmovq %1, 40(%0)\n\tmovq %1, 48(%0)\n\tmovq %1, 56(%0)"
                             : : "r"(p), "r"(0ull) : "memory");
}

static void *alloc_common(unsigned order, uint64_t limit_pfn, uint16_t owner)
{
    uint64_t f = spin_lock_irqsave(&mm_lock);
    int64_t pfn = limit_pfn ? buddy_alloc_below(&buddy, order, limit_pfn) : buddy_alloc(&buddy, order);

    if (pfn >= 0) {
        for (uint64_t i = 0; i < (1ull << order); i++) {
            frame_table[pfn + i].owner = owner;
            frame_table[pfn + i].count = 0;
            frame_table[pfn + i].type_info = 0;
            frame_table[pfn + i].linear = 0;
            frame_table[pfn + i].oflags = 0;
        }
        if (owner == DOMID_XEN)
            hv_alloc_pages += 1ull << order;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    if (pfn < 0)
        return NULL;
    void *va = phys_to_virt((uint64_t)pfn << PAGE_SHIFT);
    zero_pages(va, order);
    return va;
}

void *alloc_pages(unsigned order, uint16_t owner)
{
    return alloc_common(order, 0, owner);
}

void *alloc_pages_below(unsigned order, uint64_t limit_phys, uint16_t owner)
{
    return alloc_common(order, limit_phys >> PAGE_SHIFT, owner);
}

void free_pages(void *va, unsigned order)
{
    uint64_t pfn = virt_to_phys(va) >> PAGE_SHIFT;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    uint16_t owner = frame_table[pfn].owner;
    int rc = buddy_free(&buddy, pfn, order);

    if (rc == 0 && owner == DOMID_XEN)
        hv_alloc_pages -= 1ull << order;
    spin_unlock_irqrestore(&mm_lock, f);
    /* Freeing what is not allocated means the hypervisor lost track of a
     * frame: continuing could hand it out twice. */
    if (rc)
        panic("free_pages: bad free of pfn %#lx order %u (%d)", (unsigned long)pfn, order, rc);
}

/* ---- references on domain frames (mm.h) ----
 * Under mm_lock, so that a reference is never taken on a frame that is being
 * freed or handed to someone else: owner, flags and count are checked and
 * changed together. */

bool frame_get(uint64_t mfn, uint16_t owner)
{
    bool ok = false;

    if (mfn >= nr_frames)
        return false;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    struct frame *fr = &frame_table[mfn];
    if (!(fr->flags & (FRAME_F_FREE | FRAME_F_RESERVED)) && fr->owner == owner && owner < DOMID_FIRST_RESERVED &&
        !(fr->oflags & FRAME_O_ORPHAN) && fr->count < 0xffff0000u) {
        fr->count++;
        ok = true;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    return ok;
}

void frame_put(uint64_t mfn)
{
    int rc = 0;

    uint64_t f = spin_lock_irqsave(&mm_lock);
    struct frame *fr = &frame_table[mfn];
    if (mfn >= nr_frames || fr->count == 0) {
        rc = -1;
    } else if (--fr->count == 0 && (fr->oflags & FRAME_O_ORPHAN)) {
        bool xen = fr->owner == DOMID_XEN;      /* a shared frame (alloc_shared_page) */
        fr->oflags = 0;
        rc = buddy_free(&buddy, mfn, 0);
        if (rc == 0 && xen)
            hv_alloc_pages--;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    /* An unbalanced put means a reference was lost: the frame could be
     * reused while someone still maps it. */
    if (rc)
        panic("frame_put: pfn %#lx has no reference to drop (%d)", (unsigned long)mfn, rc);
}

/* ---- hypervisor frames shared with a domain (mm.h) ----
 * Owner DOMID_XEN, FRAME_O_SHARED and 'shared' set once at allocation and
 * never changed until the frame is free again: so neither the domain (its
 * frame_get, frame_release, exchange, pins: they need owner == the domain)
 * nor anyone else can make it a page table or another domain's page.
 * Every mapping of one holds a general reference (frame_get_shared); the
 * hypervisor's own use ends with free_shared_page, after which the frame is
 * an orphan until the last reference goes (frame_put frees it). */

/* A live shared frame (allocated, the hypervisor's, shared, not yet an
 * orphan); mm_lock held. */
static bool shared_live(const struct frame *fr)
{
    return !(fr->flags & (FRAME_F_FREE | FRAME_F_RESERVED)) && fr->owner == DOMID_XEN &&
           (fr->oflags & (FRAME_O_SHARED | FRAME_O_ORPHAN)) == FRAME_O_SHARED;
}

void *alloc_shared_page(uint16_t domid)
{
    void *va = alloc_pages(0, DOMID_XEN);

    if (!va)
        return NULL;
    uint64_t pfn = virt_to_phys(va) >> PAGE_SHIFT;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    frame_table[pfn].shared = domid;
    frame_table[pfn].oflags = FRAME_O_SHARED;
    spin_unlock_irqrestore(&mm_lock, f);
    return va;
}

bool frame_get_shared(uint64_t mfn, uint16_t domid)
{
    bool ok = false;

    if (mfn >= nr_frames || domid >= DOMID_FIRST_RESERVED)
        return false;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    struct frame *fr = &frame_table[mfn];
    if (shared_live(fr) && fr->shared == domid && fr->count < 0xffff0000u) {
        fr->count++;
        ok = true;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    return ok;
}

bool frame_is_shared_with(uint64_t mfn, uint16_t domid)
{
    if (mfn >= nr_frames)
        return false;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    const struct frame *fr = &frame_table[mfn];
    bool ok = shared_live(fr) && fr->shared == domid;
    spin_unlock_irqrestore(&mm_lock, f);
    return ok;
}

void free_shared_page(void *va)
{
    uint64_t pfn = virt_to_phys(va) >> PAGE_SHIFT;
    int rc = 0;

    uint64_t f = spin_lock_irqsave(&mm_lock);
    struct frame *fr = &frame_table[pfn];
    if (pfn >= nr_frames || !shared_live(fr)) {
        rc = -1;
    } else if (fr->count) {
        fr->oflags |= FRAME_O_ORPHAN;   /* still mapped: the last frame_put frees it */
    } else {
        fr->oflags = 0;
        rc = buddy_free(&buddy, pfn, 0);
        if (rc == 0)
            hv_alloc_pages--;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    if (rc)
        panic("free_shared_page: pfn %#lx is not a live shared frame (%d)", (unsigned long)pfn, rc);
}

/* A frame of 'owner' still counted as its RAM: another domain's (or the
 * allocator's) after the owner gave it back (frame_release) is skipped, so
 * a block may have holes and a frame may lie in two of the owner's blocks
 * (released, then populated again): the first visit frees it, the second
 * finds it free or someone else's. */
static bool frame_owned_by(const struct frame *fr, uint16_t owner)
{
    return !(fr->flags & (FRAME_F_FREE | FRAME_F_RESERVED)) && fr->owner == owner;
}

/* Frees one owned frame at destruction, or makes it an orphan if someone
 * still refers to it (mm_lock held).  Returns 1 if it was orphaned now. */
static uint64_t free_or_orphan(uint64_t mfn, int *rc)
{
    struct frame *fr = &frame_table[mfn];

    if (fr->oflags & FRAME_O_ORPHAN)
        return 0;               /* met before (listed twice) */
    m2p_invalidate(mfn, 1);     /* no PV domain calls it anything any more (mm/m2p.h) */
    if (fr->count) {
        fr->oflags |= FRAME_O_ORPHAN;
        return 1;
    }
    *rc = buddy_free(&buddy, mfn, 0);
    return 0;
}

uint64_t free_domain_pages(uint64_t mfn, unsigned order, uint16_t owner)
{
    uint64_t n = 1ull << order, orphans = 0;
    bool whole = true;
    int rc = 0;

    uint64_t f = spin_lock_irqsave(&mm_lock);
    for (uint64_t i = 0; i < n && whole; i++)
        whole = frame_owned_by(&frame_table[mfn + i], owner) && !frame_table[mfn + i].count &&
                !(frame_table[mfn + i].oflags & FRAME_O_ORPHAN);
    if (whole) {
        m2p_invalidate(mfn, n);
        rc = buddy_free(&buddy, mfn, order);
    } else {
        /* Someone still maps part of it, or parts were given back: frame
         * by frame, the referenced ones freed when their last reference
         * goes. */
        for (uint64_t i = 0; i < n && !rc; i++)
            if (frame_owned_by(&frame_table[mfn + i], owner))
                orphans += free_or_orphan(mfn + i, &rc);
    }
    spin_unlock_irqrestore(&mm_lock, f);
    if (rc)
        panic("free_domain_pages: bad free of pfn %#lx order %u (%d)", (unsigned long)mfn, order, rc);
    return orphans;
}

uint64_t free_domain_leftovers(uint16_t owner)
{
    uint64_t freed = 0;
    int rc = 0;

    /* The whole table under the lock, in slices: interrupts are not held
     * off for the whole host at once. */
    for (uint64_t base = 0; base < nr_frames && !rc; base += 4096) {
        uint64_t f = spin_lock_irqsave(&mm_lock);
        for (uint64_t mfn = base; mfn < nr_frames && mfn < base + 4096 && !rc; mfn++)
            if (frame_owned_by(&frame_table[mfn], owner) && !(frame_table[mfn].oflags & FRAME_O_ORPHAN)) {
                free_or_orphan(mfn, &rc);
                freed++;
            }
        spin_unlock_irqrestore(&mm_lock, f);
    }
    if (rc)
        panic("free_domain_leftovers: bad free (%d)", rc);
    return freed;
}

int frame_release(uint64_t mfn, uint16_t owner)
{
    int rc;

    if (mfn >= nr_frames || owner >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    struct frame *fr = &frame_table[mfn];
    uint64_t ti = __atomic_load_n(&fr->type_info, __ATOMIC_ACQUIRE);
    if (!frame_owned_by(fr, owner) || (fr->oflags & FRAME_O_ORPHAN)) {
        rc = -EINVAL;
    } else if (fr->count || (ti & (PGT_COUNT_MASK | PGT_PINNED | PGT_PARTIAL))) {
        /* Mapped, granted, pinned or typed: the hypervisor or another
         * domain may still reach it through that reference. */
        rc = -EBUSY;
    } else {
        m2p_invalidate(mfn, 1);
        rc = buddy_free(&buddy, mfn, 0);
        if (rc)
            panic("frame_release: bad free of pfn %#lx (%d)", (unsigned long)mfn, rc);
    }
    spin_unlock_irqrestore(&mm_lock, f);
    return rc;
}

uint64_t frames_m2p_set(uint64_t mfn, uint64_t n, uint64_t pfn, uint16_t owner)
{
    uint64_t done = 0;

    if (owner >= DOMID_FIRST_RESERVED)
        return 0;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    for (uint64_t j = 0; j < n && mfn + j < nr_frames; j++) {
        const struct frame *fr = &frame_table[mfn + j];
        if (!frame_owned_by(fr, owner) || (fr->oflags & FRAME_O_ORPHAN))
            continue;
        m2p_set(mfn + j, pfn == INVALID_M2P_ENTRY ? INVALID_M2P_ENTRY : pfn + j);
        done++;
    }
    spin_unlock_irqrestore(&mm_lock, f);
    return done;
}

int frames_release_extents(const uint64_t *base, unsigned nr, unsigned order, uint16_t owner)
{
    uint64_t n = 1ull << order;
    int rc = 0;

    if (owner >= DOMID_FIRST_RESERVED || order > 20)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    for (unsigned i = 0; i < nr && !rc; i++) {
        /* Aligned extents of one order overlap only when their bases are
         * equal: a base named twice would be freed twice. */
        if ((base[i] & (n - 1)) || base[i] >= nr_frames || nr_frames - base[i] < n) {
            rc = -EINVAL;
            break;
        }
        for (unsigned k = 0; k < i; k++)
            if (base[k] == base[i])
                rc = -EINVAL;
        for (uint64_t j = 0; j < n && !rc; j++) {
            struct frame *fr = &frame_table[base[i] + j];
            uint64_t ti = __atomic_load_n(&fr->type_info, __ATOMIC_ACQUIRE);
            if (!frame_owned_by(fr, owner) || (fr->oflags & FRAME_O_ORPHAN))
                rc = -EINVAL;
            else if (fr->count || (ti & (PGT_COUNT_MASK | PGT_PINNED | PGT_PARTIAL)))
                rc = -EBUSY;    /* as frame_release: still reachable through that reference */
        }
    }
    for (unsigned i = 0; i < nr && !rc; i++)
        for (uint64_t j = 0; j < n; j++) {
            m2p_invalidate(base[i] + j, 1);
            int e = buddy_free(&buddy, base[i] + j, 0);
            if (e)
                panic("frames_release_extents: bad free of pfn %#lx (%d)", (unsigned long)(base[i] + j), e);
        }
    spin_unlock_irqrestore(&mm_lock, f);
    return rc;
}

uint64_t count_referenced_pages(uint64_t mfn, unsigned order, uint16_t owner)
{
    uint64_t n = 1ull << order, refs = 0;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    for (uint64_t i = 0; i < n; i++)
        if (frame_owned_by(&frame_table[mfn + i], owner) && frame_table[mfn + i].count)
            refs++;
    spin_unlock_irqrestore(&mm_lock, f);
    return refs;
}

uint64_t mm_free_frames(void)
{
    return READ_ONCE(buddy.free_frames);
}

uint64_t mm_total_frames(void)
{
    return total_ram_frames;
}

uint64_t mm_hv_used_kib(void)
{
    return (hv_boot_pages + READ_ONCE(hv_alloc_pages)) * 4;
}

struct frame *mm_frame_table(uint64_t *nr)
{
    *nr = nr_frames;
    return frame_table;
}

uint64_t mm_root_phys(void)
{
    return paging_root_phys();
}

/* ---- heap ---- */

static void *heap_get_pages(unsigned order, void *ctx)
{
    return alloc_pages(order, DOMID_XEN);
}

static void heap_put_pages(void *p, unsigned order, void *ctx)
{
    free_pages(p, order);
}

static void mm_heap_init(void)
{
    static const struct heap_page_ops ops = { heap_get_pages, heap_put_pages, NULL };
    heap_init(&ops);
}

void *xmalloc(size_t size, enum heap_tag tag)
{
    uint64_t f = spin_lock_irqsave(&heap_lock);
    void *p = heap_alloc(size, tag);
    spin_unlock_irqrestore(&heap_lock, f);
    return p;
}

void *xzalloc(size_t size, enum heap_tag tag)
{
    void *p = xmalloc(size, tag);
    if (p)
        memset(p, 0, size);
    return p;
}

static void (*free_check)(const void *p, size_t len);     /* (i) set once at boot */

void mm_set_free_check(void (*check)(const void *p, size_t len))
{
    free_check = check;
}

void xfree(void *p)
{
    if (p && free_check) {
        /* Read without the heap lock: the block is the caller's until freed. */
        size_t len = heap_usable_size(p);
        if (len)
            free_check(p, len);
    }
    uint64_t f = spin_lock_irqsave(&heap_lock);
    heap_free(p);
    spin_unlock_irqrestore(&heap_lock, f);
}

/* ---- mappings ---- */

void *ioremap(uint64_t phys, size_t len)
{
    uint64_t off = phys & 4095, base = phys - off, size = ALIGN_UP(len + off, 4096);
    uint64_t f = spin_lock_irqsave(&mm_lock);
    uint64_t va = ioremap_next;
    int rc = -ENOSPC;

    if (va + size <= HV_IOREMAP_VIRT + HV_IOREMAP_SIZE) {
        /* PCD|PWT: strong uncacheable regardless of MTRRs, as device
         * registers need (SDM vol. 3 11.5.2.1). */
        rc = paging_map(va, base, size, PTE_RW | PTE_PCD | PTE_PWT | (nx_enabled ? PTE_NX : 0), false);
        if (rc == 0)
            ioremap_next += size + 4096;    /* keep an unmapped gap between mappings */
    }
    spin_unlock_irqrestore(&mm_lock, f);
    return rc ? NULL : (void *)(va + off);
}

const void *map_firmware_table(uint64_t phys, size_t len)
{
    uint64_t base = ALIGN_DOWN(phys, 4096), end = ALIGN_UP(phys + len, 4096);

    if (!len || phys + len < phys || end > HV_DIRECTMAP_SIZE)
        return NULL;
    uint64_t f = spin_lock_irqsave(&mm_lock);
    int rc = paging_map(HV_DIRECTMAP_VIRT + base, base, end - base, nx_enabled ? PTE_NX : 0, false);
    spin_unlock_irqrestore(&mm_lock, f);
    return rc ? NULL : phys_to_virt(phys);
}

int map_identity_page(uint64_t phys, bool exec)
{
    uint64_t f = spin_lock_irqsave(&mm_lock);
    int rc = paging_map(phys, phys, 4096, PTE_RW | (!exec && nx_enabled ? PTE_NX : 0), false);
    spin_unlock_irqrestore(&mm_lock, f);
    return rc;
}

uint64_t map_stack_slot(unsigned cpu)
{
    uint64_t base = HV_STACKS_VIRT + (uint64_t)cpu * STACK_SLOT_PAGES * 4096;
    static const unsigned ist_pages[] = { 1, 3, 5, 7 };  /* NMI, #DF, #MC, #DB */

    for (unsigned i = 0; i < STACK_SLOT_PAGES; i++) {
        bool want = i >= STACK_PRIMARY_FIRST;
        for (unsigned j = 0; j < ARRAY_SIZE(ist_pages); j++)
            want |= i == ist_pages[j];
        if (!want)
            continue;   /* guard page: left unmapped so an overflow faults */
        void *page = alloc_pages(0, DOMID_XEN);
        if (!page)
            return 0;
        uint64_t f = spin_lock_irqsave(&mm_lock);
        int rc = paging_map(base + i * 4096ull, virt_to_phys(page), 4096,
                            PTE_RW | (nx_enabled ? PTE_NX : 0), false);
        spin_unlock_irqrestore(&mm_lock, f);
        if (rc)
            return 0;
    }
    return base;
}
