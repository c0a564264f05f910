/*
 * The guest page-table walker: linear to guest-physical through a guest's
 * own page tables, with the CPU's access rules, #PF error codes and
 * accessed/dirty updates (Intel SDM vol. 3A chapter 4; AMD APM vol. 2
 * chapter 5).  One walker for every user: the instruction emulator and the
 * hypervisor's copies of hypercall arguments (hvm/guest_mem.c) today, the
 * shadow pager next (docs/shadow.md).
 *
 * Pure C: the walker touches guest memory only through struct gwalk_mem, so
 * the same file builds into the hypervisor and into the host unit test and
 * fuzzer (tests/unit/test_gwalk.c, tests/fuzz/fuzz_gwalk.c).  No locks, no
 * state: everything it knows is in its arguments, and the entries it reads
 * may change under it (other vCPUs); see gwalk() for how that is handled.
 */
#ifndef RV_MM_GWALK_H
#define RV_MM_GWALK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Guest-physical access to paging-structure entries, supplied by the
 * caller.  Entries are naturally aligned, 4 bytes (32-bit paging) or 8.
 *   read:    0 with *val, or -EIO when gpa is not memory a walk may use
 *            (outside the domain's RAM: MMIO, nothing).
 *   cmpxchg: atomically replace the entry by new if it still equals old.
 *            0 done; -EAGAIN it had changed (nothing written); -EIO.
 */
struct gwalk_mem {
    void *ctx;
    int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
    int (*cmpxchg)(void *ctx, uint64_t gpa, unsigned size, uint64_t old, uint64_t new_val);
};

/* The vCPU state a walk depends on.  Owned by the caller, read only. */
struct gwalk_cpu {
    uint64_t cr0, cr3, cr4, efer;
    uint32_t pkru;          /* used only when CR4.PKE and long mode */
    uint8_t maxphyaddr;     /* the guest's CPUID 0x80000008 EAX[7:0]: 32..52 */
    bool gbpages;           /* 1-GiB pages exist (CPUID 0x80000001 EDX[26]) */
    /*
     * PAE paging: true when pdpte[] holds the CPU's PDPTE registers (Intel:
     * loaded at MOV to CR0/CR3/CR4 and kept in the VMCS under EPT), which
     * the walk then uses instead of memory, as the CPU does.  False: the
     * four entries are read from CR3 at every walk (AMD under nested
     * paging, which caches nothing across walks).
     */
    bool pdptes_cached;
    uint64_t pdpte[4];
};

/* Access kinds (gwalk's access argument). */
#define GW_WRITE     0x01u      /* a write (or a read-modify-write) */
#define GW_USER      0x02u      /* an explicit access at CPL 3 */
#define GW_FETCH     0x04u      /* an instruction fetch */
#define GW_AC        0x08u      /* EFLAGS.AC = 1: lifts SMAP for explicit supervisor data accesses */
#define GW_IMPLICIT  0x10u      /* implicit supervisor access (GDT/IDT/TSS...): never user, SMAP whatever AC */
#define GW_SET_AD    0x20u      /* set accessed/dirty flags as the CPU would */
#define GW_PROBE     0x40u      /* translation only: no access-rights or protection-key check (the
                                 * shadow's revalidation, docs/shadow.md "Cached shadows per CR3") */

/* #PF error code bits (SDM 4.7). */
#define PFEC_P       0x01u      /* protection violation (0: not present) */
#define PFEC_W       0x02u      /* the access was a write */
#define PFEC_U       0x04u      /* the access was a user-mode access */
#define PFEC_RSVD    0x08u      /* a reserved bit was set in an entry */
#define PFEC_ID      0x10u      /* instruction fetch (when NX or SMEP is on) */
#define PFEC_PK      0x20u      /* protection-key violation */

/* Effective rights of a translation (struct gwalk_result.perms). */
#define GW_PERM_W    0x1u       /* R/W = 1 at every level */
#define GW_PERM_U    0x2u       /* U/S = 1 at every level: a user-mode address */
#define GW_PERM_X    0x4u       /* XD = 0 at every level (or XD not enabled) */

/* Paging modes (gwalk_mode). */
enum gwalk_mode { GW_MODE_NONE, GW_MODE_32, GW_MODE_PAE, GW_MODE_4L, GW_MODE_5L };

struct gwalk_result {
    uint64_t gpa;           /* success: the guest-physical address of va */
    uint64_t leaf;          /* success: the leaf entry as used (A/D as they now are) */
    unsigned page_shift;    /* success: 12, 21 (2 MiB), 22 (4 MiB) or 30 (1 GiB) */
    unsigned perms;         /* success: GW_PERM_* */
    unsigned pkey;          /* success, 4/5-level with CR4.PKE: the leaf's protection key */
    uint32_t pfec;          /* -EFAULT: the #PF error code (CR2 is va) */
    uint64_t leaf_gpa;      /* success with paging: where the leaf entry is (gwalk_near) */
    unsigned up_perms;      /* success: GW_PERM_* of the levels above the leaf alone */
    bool accessed;          /* success: every entry the walk used had A set when read (before any
                             * update of its own); true without paging.  A PAE PDPTE has no A. */
};

enum gwalk_mode gwalk_mode(const struct gwalk_cpu *cpu);

/*
 * Translates va for the access kinds in access (GW_*).  Returns 0 with
 * res filled; -EFAULT with res->pfec; -EIO when an entry is outside
 * memory (mem->read/cmpxchg said so); -EAGAIN when the entries kept
 * changing under the accessed/dirty updates (a bounded number of restarts:
 * the caller retries the instruction later).  va is taken as given:
 * canonical checks (#GP/#SS) are the caller's, and in 32-bit modes only
 * bits 31:0 are used.
 */
int gwalk(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, uint64_t va, unsigned access,
          struct gwalk_result *res);

/*
 * Prefetch (docs/shadow.md "Prefetch on fill"): after a successful walk of
 * va (res), the translations a TLB could hold for the other 4 KiB pages of
 * the aligned block of n pages around va (n a power of two, 2..512; so the
 * block never leaves the guest's page table of va, nor its large page).
 * A page is given only when its leaf entry is present, has its accessed
 * flag set already (a TLB caches only entries the guest's walks marked
 * accessed), has no reserved bit, and sits under va's own upper-level
 * entries (the same table; for a large page, the same leaf).  perms are
 * what a full walk of that page finds, except GW_PERM_W, given only when
 * the leaf's D is set (no write happened otherwise: the first one must
 * fault and set D).  Nothing is written (no A/D update); entries are
 * read once each through mem->read.  Returns how many went to out (at most
 * n - 1), in ascending address order.
 */
struct gwalk_near {
    uint64_t va;            /* the page's linear address (4 KiB aligned) */
    uint64_t gpa;           /* its guest-physical frame */
    uint64_t leaf;          /* the guest's leaf entry as read */
    unsigned perms;         /* GW_PERM_*; W only with D */
};

unsigned gwalk_near(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, uint64_t va,
                    const struct gwalk_result *res, unsigned n, struct gwalk_near *out);

#endif
