/*
 * libFuzzer harness: the guest page-table walker (src/mm/gwalk.c) against
 * the reference model of gwalk_ref.h.  The input picks the control
 * registers, EFER, PKRU, MAXPHYADDR, 1-GiB support, PDPTE registers, the
 * linear address and the access, and the entry of every level along that
 * address's path (flags, high bits, where it points: the next table of the
 * chain, any table of the pool (self-maps, loops), or outside memory).
 * Both run on their own copy of the same memory; their results and the
 * memories afterwards (A/D flags) must be identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include "gwalk_fake.h"
#include "gwalk_ref.h"

struct input {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
        if (in->n) {
            in->p++;
            in->n--;
        }
    }
    return v;
}

#define POOL_BASE 0x10000ull    /* tables at 0x10000, 0x11000, ... */
#define POOL      6

static struct fake_mem mem_a, mem_b;

static const struct gwalk_cpu *cur_cpu;
static uint64_t cur_va;
static unsigned cur_access;
static uint32_t cur_pfec;

static void die(const char *what, uint64_t a, uint64_t b)
{
    const struct gwalk_cpu *c = cur_cpu;
    fprintf(stderr, "fuzz_gwalk: %s differs: walker %#llx, model %#llx\n", what, (unsigned long long)a,
            (unsigned long long)b);
    fprintf(stderr, "  cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx pkru %#x maxphy %u gb %d cached %d "
            "va %#llx access %#x walker pfec %#x\n", (unsigned long long)c->cr0, (unsigned long long)c->cr3,
            (unsigned long long)c->cr4, (unsigned long long)c->efer, c->pkru, c->maxphyaddr, c->gbpages,
            c->pdptes_cached, (unsigned long long)cur_va, cur_access, cur_pfec);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct gwalk_cpu cpu;
    struct gwalk_mem ops;

    memset(&cpu, 0, sizeof(cpu));
    uint64_t modes = take(&in, 2);
    cpu.cr0 = ((modes & 1) ? 1ull << 31 : 0) | ((modes & 2) ? 1ull << 16 : 0);
    unsigned kind = (modes >> 2) & 3;           /* 0: 32-bit, 1: PAE, 2: 4-level, 3: 5-level */
    cpu.cr4 = ((modes & 0x10) ? 1ull << 4 : 0) | ((modes & 0x20) ? 1ull << 20 : 0) |
              ((modes & 0x40) ? 1ull << 21 : 0) | ((modes & 0x80) ? 1ull << 22 : 0);
    if (kind >= 1)
        cpu.cr4 |= 1ull << 5;
    if (kind >= 2)
        cpu.efer |= 1ull << 10;                 /* LMA (with LME; PAE is set: a valid state) */
    if (kind == 3)
        cpu.cr4 |= 1ull << 12;
    if (modes & 0x100)
        cpu.efer |= 1ull << 11;
    cpu.gbpages = modes & 0x200;
    cpu.pdptes_cached = modes & 0x400;
    unsigned access = (unsigned)(modes >> 11) & 0x1f;
    if (access & GW_FETCH)
        access &= ~(GW_WRITE | GW_IMPLICIT);    /* a fetch is a read, and never implicit */
    if (modes & 0x8000)
        access |= GW_SET_AD;
    cpu.maxphyaddr = (uint8_t)(32 + take(&in, 1) % 21);
    cpu.pkru = (uint32_t)take(&in, 4);
    uint64_t va = take(&in, 8);
    cpu.cr3 = POOL_BASE + (take(&in, 2) & 0xfff);  /* low bits: PCID, PAE's 32-byte offset */

    fake_mem_init(&mem_a, &ops);
    for (unsigned i = 0; i < POOL; i++)
        fake_at(&mem_a, POOL_BASE + 0x1000 * i, 1);
    /* The PAE PDPT and the PDPTE registers. */
    for (unsigned i = 0; i < 4; i++) {
        uint64_t v = take(&in, 8);
        uint64_t pt = POOL_BASE + 0x1000 * (1 + (v & 3));
        uint64_t e = (v & 0x80000000000001ffull) | ((v >> 9) & 1 ? pt : (v & 0x000ffffffffff000ull));
        if ((v >> 10) & 1)
            e &= pt | 0x19;                     /* a well-formed one: P, PWT, PCD only */
        cpu.pdpte[i] = e;
        fake_set(&mem_a, (cpu.cr3 & 0xffffffe0ull) + 8 * i, 8, e ^ (take(&in, 1) & 0x61));
    }
    /* The entries along va's path, top level first: level L's table is pool
     * page L - 1 unless an entry points elsewhere. */
    unsigned top = kind == 3 ? 5 : kind == 2 ? 4 : 2, esize = kind == 0 ? 4 : 8;
    uint64_t table = kind == 1 ? POOL_BASE + 0x1000 * (1 + (cpu.pdpte[(va >> 30) & 3] & 3)) :
                     cpu.cr3 & ~0xfffull;
    for (unsigned level = top; level >= 1 && in.n; level--) {
        uint64_t flags = take(&in, 2), high = take(&in, 1), where = take(&in, 1), poke = take(&in, 1);
        unsigned shift = kind == 0 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
        unsigned idx = kind == 0 ? (va >> shift) & 1023 : (va >> shift) & 511;
        if (kind <= 1)
            idx = kind == 0 ? ((uint32_t)va >> shift) & 1023 : ((uint32_t)va >> shift) & 511;
        uint64_t next;
        if (where < 0xa0)
            next = POOL_BASE + 0x1000 * (level - 1 < POOL ? level - 1 : 0);
        else if (where < 0xd0)
            next = POOL_BASE + 0x1000 * (where % POOL);
        else if (where < 0xe8)
            next = (where & 7) << 21;           /* 2-MiB aligned: not memory, or a large page's frame */
        else
            next = (where & 15) << 30;          /* 1-GiB aligned */
        uint64_t e = (flags & 0xfff) | next;
        if (flags & 0x1000)
            e |= ((high & 0x3f) << 13);         /* bits a large page must (or may) keep clear */
        if (flags & 0x2000)
            e |= (high << 36) & 0x000ffff000000000ull;      /* around MAXPHYADDR */
        if (flags & 0x4000)
            e |= (high << 52) | ((high & 0x80) << 56);     /* 62:52 (keys) and 63 (XD) */
        if (flags & 0x8000)
            e |= 1ull << 63;
        if (poke < 64)
            e |= 1ull << poke;                  /* any one bit: reserved or not */
        if (esize == 4)
            e &= 0xffffffffull;
        fake_set(&mem_a, table + (uint64_t)idx * esize, esize, e);
        table = next;
    }
    /* The rest of the input sprinkles entries anywhere in the pool. */
    while (in.n >= 4) {
        uint64_t pos = take(&in, 2), v = take(&in, 2);
        fake_set(&mem_a, POOL_BASE + 0x1000 * (pos % POOL) + (((pos >> 3) & 511) * esize),
                 esize, (v & 0xfff) | (POOL_BASE + 0x1000 * ((v >> 12) % POOL)));
    }
    memcpy(&mem_b, &mem_a, sizeof(mem_a));

    struct gwalk_result r;
    struct ref_out o;
    int rc = gwalk(&cpu, &ops, va, access, &r);
    cur_cpu = &cpu;
    cur_va = va;
    cur_access = access;
    cur_pfec = r.pfec;
    ref_walk(&cpu, &mem_b, va, access, &o);

    if (rc != o.rc)
        die("return code", (uint64_t)(int64_t)rc, (uint64_t)(int64_t)o.rc);
    if (rc == -EFAULT && r.pfec != o.pfec)
        die("#PF error code", r.pfec, o.pfec);
    if (rc == 0) {
        if (r.gpa != o.gpa)
            die("gpa", r.gpa, o.gpa);
        if (r.page_shift != o.shift)
            die("page size", r.page_shift, o.shift);
        if (r.perms != o.perms)
            die("permissions", r.perms, o.perms);
        if (r.pkey != o.pkey)
            die("protection key", r.pkey, o.pkey);
    }
    for (unsigned i = 0; i < mem_a.nr; i++)
        if (memcmp(mem_a.page[i], mem_b.page[i], 4096))
            die("memory after the walk (A/D flags) of page", mem_a.pfn[i], mem_b.pfn[i]);
    return 0;
}
