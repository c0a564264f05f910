/*
 * The guest page-table walker (gwalk.h; rules in docs/shadow.md "The
 * walker").  Written from the Intel SDM vol. 3A chapter 4 (4.3 32-bit
 * paging, 4.4 PAE, 4.5 4- and 5-level, 4.6 access rights, 4.7 #PF error
 * code, 4.8 accessed and dirty flags) and the AMD APM vol. 2 chapter 5.
 *
 * One walk is: read each level's entry through the caller's callback,
 * stop at the first not-present or reserved-bit entry, collect the rights
 * over the levels, decide the access, then set the accessed flags of the
 * entries used (and the leaf's dirty flag for a successful write) with
 * compare-and-exchange.  A failed exchange means the entry changed after we
 * read it: the walk starts again, so what is returned is always the result
 * of one consistent set of entries, as a CPU's locked A/D updates give.
 */
#include "mm/gwalk.h"
#include "lib/errno.h"
#include "lib/compiler.h"

#define CR0_WP      (1ull << 16)
#define CR0_PG      (1ull << 31)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define CR4_LA57    (1ull << 12)
#define CR4_SMEP    (1ull << 20)
#define CR4_SMAP    (1ull << 21)
#define CR4_PKE     (1ull << 22)
#define EFER_LMA    (1ull << 10)
#define EFER_NXE    (1ull << 11)

#define E_P         (1ull << 0)
#define E_RW        (1ull << 1)
#define E_US        (1ull << 2)
#define E_A         (1ull << 5)
#define E_D         (1ull << 6)
#define E_PS        (1ull << 7)
#define E_XD        (1ull << 63)

/* A guest whose other vCPUs rewrite the entries we are updating can make us
 * restart; this many restarts and the caller retries the instruction. */
#define GW_MAX_RESTARTS 16

/* Bits hi..lo set (none when hi < lo). */
static uint64_t bits(unsigned hi, unsigned lo)
{
    if (hi < lo)
        return 0;
    return (~0ull >> (63 - hi)) & (~0ull << lo);
}

__hot_path enum gwalk_mode gwalk_mode(const struct gwalk_cpu *cpu)
{
    if (!(cpu->cr0 & CR0_PG))
        return GW_MODE_NONE;
    if (cpu->efer & EFER_LMA)
        return (cpu->cr4 & CR4_LA57) ? GW_MODE_5L : GW_MODE_4L;
    return (cpu->cr4 & CR4_PAE) ? GW_MODE_PAE : GW_MODE_32;
}

/* MAXPHYADDR as the walk uses it: outside 32..52 would be a broken CPUID. */
static unsigned phys_bits(const struct gwalk_cpu *cpu)
{
    unsigned m = cpu->maxphyaddr;
    return m < 32 ? 32 : m > 52 ? 52 : m;
}

/*
 * The reserved bits of a present entry at level (1 = the page table) in
 * mode; e decides between the large-page and the table formats.  Bit 63 is
 * XD only with EFER.NXE; the address bits above MAXPHYADDR are reserved up
 * to 62 with PAE paging and up to 51 in long mode (62:52 are ignored there,
 * or the protection key).  32-bit paging reserves only what a 4-MiB page's
 * PSE-36 bits cannot hold.
 */
static uint64_t rsvd_mask(const struct gwalk_cpu *cpu, enum gwalk_mode mode, unsigned level, uint64_t e)
{
    unsigned m = phys_bits(cpu);
    bool nxe = cpu->efer & EFER_NXE;

    if (mode == GW_MODE_32) {
        if (level == 2 && (e & E_PS) && (cpu->cr4 & CR4_PSE))
            return (1ull << 21) | bits(20, 13 + (m < 40 ? m : 40) - 32);
        return 0;
    }
    uint64_t high = (mode == GW_MODE_PAE ? bits(62, m) : bits(51, m)) | (nxe ? 0 : E_XD);
    switch (level) {
    case 1:
        return high;
    case 2:
        return high | ((e & E_PS) ? bits(20, 13) : 0);
    case 3:
        if (!(e & E_PS))
            return high;
        return cpu->gbpages ? high | bits(29, 13) : high | E_PS;
    default:                                    /* PML4E, PML5E: no large pages */
        return high | E_PS;
    }
}

/* The PAE PDPTE's reserved bits (SDM 4.4.1 table 4-8: 2:1, 8:5, 63:M).
 * Bit 5 is spared when the entry comes from memory (no cached register):
 * QEMU's TCG (at least 7.2) writes an accessed flag there on its own walks
 * of a PAE guest under SVM, and refusing it failed every hypercall argument
 * copy of such a guest (tests/guests/pae32.c, pvh32_pae). */
static uint64_t pdpte_rsvd(const struct gwalk_cpu *cpu)
{
    uint64_t r = bits(2, 1) | bits(8, 5) | bits(63, phys_bits(cpu));
    return cpu->pdptes_cached ? r : r & ~E_A;
}

struct gw_step {
    uint64_t gpa, e;
};

/* Sets A on steps [0, n) and, with dirty, D on step n - 1; each through a
 * compare-and-exchange against the value the walk used. */
static int set_ad(const struct gwalk_mem *mem, struct gw_step *path, unsigned n, unsigned size, bool dirty)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t want = path[i].e | E_A | (dirty && i == n - 1 ? E_D : 0);
        if (want == path[i].e)
            continue;
        int rc = mem->cmpxchg(mem->ctx, path[i].gpa, size, path[i].e, want);
        if (rc)
            return rc;                          /* -EAGAIN: changed under us, walk again */
        path[i].e = want;
    }
    return 0;
}

static int walk_once(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, enum gwalk_mode mode,
                     uint64_t va, unsigned access, struct gwalk_result *res)
{
    bool write = access & GW_WRITE, fetch = access & GW_FETCH, implicit = access & GW_IMPLICIT;
    bool user = (access & GW_USER) && !implicit, set = access & GW_SET_AD;
    bool nxe = mode != GW_MODE_32 && (cpu->efer & EFER_NXE);
    unsigned m = phys_bits(cpu), size = mode == GW_MODE_32 ? 4 : 8;
    uint64_t addr_mask = bits(m - 1, 12);
    struct gw_step path[5];
    unsigned n = 0, level, shift = 12;
    uint64_t table, e = 0;
    bool rw = true, us = true, xd = false, up_rw = true, up_us = true, up_xd = false, all_a = true;

    /* The error code's access bits describe the access, whatever failed. */
    uint32_t code = (write ? PFEC_W : 0) | (user ? PFEC_U : 0) |
                    (fetch && ((cpu->cr4 & CR4_SMEP) || nxe) ? PFEC_ID : 0);

    if (mode == GW_MODE_32) {
        va &= 0xffffffffull;
        level = 2;
        table = cpu->cr3 & 0xfffff000ull;
    } else if (mode == GW_MODE_PAE) {
        va &= 0xffffffffull;
        unsigned i = (unsigned)(va >> 30);
        uint64_t pdpte = cpu->pdpte[i];
        if (!cpu->pdptes_cached) {
            int rc = mem->read(mem->ctx, (cpu->cr3 & 0xffffffe0ull) + 8 * i, 8, &pdpte);
            if (rc)
                return rc;
        }
        if (!(pdpte & E_P))
            goto fault;
        if (pdpte & pdpte_rsvd(cpu)) {
            code |= PFEC_P | PFEC_RSVD;
            goto fault;
        }
        level = 2;
        table = pdpte & addr_mask;
    } else {
        level = mode == GW_MODE_5L ? 5 : 4;
        table = cpu->cr3 & addr_mask;
    }

    for (;; level--) {
        unsigned idx;
        if (mode == GW_MODE_32) {
            shift = 12 + 10 * (level - 1);
            idx = (unsigned)(va >> shift) & 1023;
        } else {
            shift = 12 + 9 * (level - 1);
            idx = (unsigned)(va >> shift) & 511;
        }
        uint64_t gpa = table + (uint64_t)idx * size;
        int rc = mem->read(mem->ctx, gpa, size, &e);
        if (rc)
            return rc;
        if (size == 4)
            e &= 0xffffffffull;
        if (!(e & E_P))
            goto fault;
        if (e & rsvd_mask(cpu, mode, level, e)) {
            code |= PFEC_P | PFEC_RSVD;
            goto fault;
        }
        path[n].gpa = gpa;
        path[n].e = e;
        n++;
        all_a = all_a && (e & E_A);
        up_rw = rw;                             /* the levels above this one, for gwalk_near */
        up_us = us;
        up_xd = xd;
        rw = rw && (e & E_RW);
        us = us && (e & E_US);
        xd = xd || (nxe && (e & E_XD));
        bool large = (e & E_PS) &&
                     (mode == GW_MODE_32 ? level == 2 && (cpu->cr4 & CR4_PSE) : level == 2 || level == 3);
        if (level == 1 || large)
            break;
        table = mode == GW_MODE_32 ? e & 0xfffff000ull : e & addr_mask;
    }

    /* Access rights (SDM 4.6.1). */
    bool deny, smap = (cpu->cr4 & CR4_SMAP) && (implicit || !(access & GW_AC));
    bool wp = cpu->cr0 & CR0_WP;
    if (access & GW_PROBE)
        deny = false;                           /* the caller decides from perms */
    else if (user)
        deny = !us || (write && !rw) || (fetch && xd);
    else if (fetch)
        deny = xd || (us && (cpu->cr4 & CR4_SMEP));
    else
        deny = (write && !rw && wp) || (us && smap);

    /* Protection keys (4.6.2): data accesses to user-mode addresses in
     * long mode.  PK is reported whenever the key forbids the access, also
     * when another rule forbids it too. */
    unsigned pkey = 0;
    if (mode >= GW_MODE_4L && (cpu->cr4 & CR4_PKE) && !(access & GW_PROBE)) {
        pkey = (unsigned)(e >> 59) & 15;
        bool ad = (cpu->pkru >> (2 * pkey)) & 1, wd = (cpu->pkru >> (2 * pkey + 1)) & 1;
        if (!fetch && us && (ad || (wd && write && (user || wp)))) {
            deny = true;
            code |= PFEC_PK;
        }
    }
    if (deny) {
        code |= PFEC_P;
        /* The leaf was looked at but gave no access: its A flag stays as it
         * is (model-specific on real CPUs); the levels above were used. */
        n--;
        goto fault;
    }

    if (set) {
        int rc = set_ad(mem, path, n, size, write);
        if (rc)
            return rc;
        e = path[n - 1].e;
    }
    uint64_t span = 1ull << shift, frame;
    if (mode == GW_MODE_32 && shift == 22)      /* PSE-36: bits 20:13 are address bits 39:32 */
        frame = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32);
    else if (mode == GW_MODE_32)
        frame = e & 0xfffff000ull;
    else
        frame = e & addr_mask & ~(span - 1);
    res->gpa = frame | (va & (span - 1));
    res->leaf = e;
    res->page_shift = shift;
    res->perms = (rw ? GW_PERM_W : 0) | (us ? GW_PERM_U : 0) | (xd ? 0 : GW_PERM_X);
    res->pkey = pkey;
    res->pfec = 0;
    res->leaf_gpa = path[n - 1].gpa;
    res->up_perms = (up_rw ? GW_PERM_W : 0) | (up_us ? GW_PERM_U : 0) | (up_xd ? 0 : GW_PERM_X);
    res->accessed = all_a;
    return 0;

fault:
    /* The entries above the failing one were used for the translation:
     * their accessed flags are set as the CPU's walk sets them. */
    if (set && n) {
        int rc = set_ad(mem, path, n, size, false);
        if (rc)
            return rc;
    }
    res->pfec = code;
    return -EFAULT;
}

__hot_path int gwalk(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, uint64_t va, unsigned access,
          struct gwalk_result *res)
{
    enum gwalk_mode mode = gwalk_mode(cpu);

    res->pfec = 0;
    res->pkey = 0;
    if (mode == GW_MODE_NONE) {
        res->gpa = va & 0xffffffffull;          /* no paging: 32-bit linear = physical */
        res->leaf = 0;
        res->page_shift = 12;
        res->perms = res->up_perms = GW_PERM_W | GW_PERM_U | GW_PERM_X;
        res->leaf_gpa = 0;
        res->accessed = true;
        return 0;
    }
    for (unsigned tries = 0; tries < GW_MAX_RESTARTS; tries++) {
        int rc = walk_once(cpu, mem, mode, va, access, res);
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

/*
 * The other pages of va's aligned block of n (gwalk.h).  Sound because each
 * page given is exactly what gwalk() would return for it without an access
 * check, from entries a TLB may cache: the upper levels are the ones the
 * walk of va just used (and marked accessed), the leaf has A already.
 */
unsigned gwalk_near(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, uint64_t va,
                    const struct gwalk_result *res, unsigned n, struct gwalk_near *out)
{
    enum gwalk_mode mode = gwalk_mode(cpu);
    unsigned cnt = 0;

    if (n < 2 || n > 512 || (n & (n - 1)))
        return 0;
    if (mode != GW_MODE_4L && mode != GW_MODE_5L)
        va &= 0xffffffffull;
    uint64_t page = va & ~0xfffull, base = va & ~(((uint64_t)n << 12) - 1);
    bool nxe = mode != GW_MODE_32 && (cpu->efer & EFER_NXE);

    if (mode == GW_MODE_NONE) {
        /* No paging: linear = physical, every right (gwalk()). */
        for (unsigned j = 0; j < n; j++, base += 4096)
            if (base != page)
                out[cnt++] = (struct gwalk_near){ base, base, 0, GW_PERM_W | GW_PERM_U | GW_PERM_X };
        return cnt;
    }
    if (!(res->leaf & E_A))
        return 0;                               /* not from a walk that set A: nothing to go on */
    if (res->page_shift > 12) {
        /* A large page holds the whole block (n pages <= 2 MiB, aligned):
         * the same leaf, the frame offset by the distance. */
        uint64_t span = 1ull << res->page_shift;
        uint64_t frame = res->gpa - (va & (span - 1));
        unsigned perms = res->perms & ((res->leaf & E_D) ? ~0u : ~GW_PERM_W);
        for (unsigned j = 0; j < n; j++, base += 4096)
            if (base != page)
                out[cnt++] = (struct gwalk_near){ base, frame + (base & (span - 1)), res->leaf, perms };
        return cnt;
    }
    unsigned size = mode == GW_MODE_32 ? 4 : 8, per_table = 4096 / size;
    uint64_t table = res->leaf_gpa & ~0xfffull, addr_mask = bits(phys_bits(cpu) - 1, 12);
    for (unsigned j = 0; j < n; j++, base += 4096) {
        if (base == page)
            continue;
        uint64_t e;
        if (mem->read(mem->ctx, table + ((base >> 12) & (per_table - 1)) * size, size, &e))
            continue;
        if (size == 4)
            e &= 0xffffffffull;
        if (!(e & E_P) || !(e & E_A) || (e & rsvd_mask(cpu, mode, 1, e)))
            continue;
        bool rw = (res->up_perms & GW_PERM_W) && (e & E_RW) && (e & E_D);
        bool us = (res->up_perms & GW_PERM_U) && (e & E_US);
        bool x = (res->up_perms & GW_PERM_X) && !(nxe && (e & E_XD));
        uint64_t frame = size == 4 ? e & 0xfffff000ull : e & addr_mask;
        out[cnt++] = (struct gwalk_near){ base, frame, e,
                                          (rw ? GW_PERM_W : 0) | (us ? GW_PERM_U : 0) | (x ? GW_PERM_X : 0) };
    }
    return cnt;
}
