/*
 * Unit test of the guest page-table walker (src/mm/gwalk.c): one or more
 * hand-built cases per rule of docs/shadow.md "The walker", each checking
 * the guest-physical address or the exact #PF error code, and the A/D
 * flags left in the tables.
 */
#include "test.h"
#include "gwalk_fake.h"

#define P   0x001ull
#define RW  0x002ull
#define US  0x004ull
#define A   0x020ull
#define D   0x040ull
#define PS  0x080ull
#define XD  (1ull << 63)

#define CR0_PG   (1ull << 31)
#define CR0_WP   (1ull << 16)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE  (1ull << 22)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static struct fake_mem fm;
static struct gwalk_mem ops;
static struct gwalk_result res;

static struct gwalk_cpu cpu32(void)
{
    struct gwalk_cpu c;
    memset(&c, 0, sizeof(c));
    c.cr0 = CR0_PG;
    c.cr3 = 0x1000;
    c.maxphyaddr = 36;
    return c;
}

static struct gwalk_cpu cpu64(void)
{
    struct gwalk_cpu c = cpu32();
    c.cr4 = CR4_PAE;
    c.efer = EFER_LMA | EFER_NXE;
    c.maxphyaddr = 40;
    c.gbpages = true;
    return c;
}

/* 32-bit tables: va 0x00403123 -> PDE 1 at 0x1004 -> PT 0x2000, PTE 3 at 0x200c -> 0x5000. */
static void build32(uint64_t pde_flags, uint64_t pte_flags)
{
    fake_mem_init(&fm, &ops);
    fake_set(&fm, 0x1004, 4, 0x2000 | pde_flags);
    fake_set(&fm, 0x200c, 4, 0x5000 | pte_flags);
}

/* 4-level tables for va 0x0000008040201123 (indexes 1, 1, 1, 1):
 * PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> 0x7000. */
#define VA64 0x0000008040201123ull
static void build64(uint64_t upper, uint64_t pte)
{
    fake_mem_init(&fm, &ops);
    fake_set(&fm, 0x1008, 8, 0x2000 | upper);
    fake_set(&fm, 0x2008, 8, 0x3000 | upper);
    fake_set(&fm, 0x3008, 8, 0x4000 | upper);
    fake_set(&fm, 0x4008, 8, pte);
}

static int walk(const struct gwalk_cpu *c, uint64_t va, unsigned acc)
{
    memset(&res, 0xa5, sizeof(res));
    return gwalk(c, &ops, va, acc, &res);
}

static void test_no_paging(void)
{
    struct gwalk_cpu c = cpu32();
    c.cr0 = 0;
    fake_mem_init(&fm, &ops);
    CHECK_EQ(walk(&c, 0x1234567812345678ull, GW_WRITE | GW_USER), 0);
    CHECK_EQ(res.gpa, 0x12345678);
    CHECK_EQ(fm.reads, 0);
}

static void test_32bit_4k(void)
{
    struct gwalk_cpu c = cpu32();
    build32(P | RW | US, P | RW | US);
    CHECK_EQ(walk(&c, 0xffffffff00403123ull, GW_SET_AD), 0);    /* bits 63:32 ignored */
    CHECK_EQ(res.gpa, 0x5123);
    CHECK_EQ(res.page_shift, 12);
    CHECK_EQ(res.perms, GW_PERM_W | GW_PERM_U | GW_PERM_X);
    CHECK_EQ(fake_get(&fm, 0x1004, 4), 0x2000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x200c, 4), 0x5000 | P | RW | US | A);    /* a read: no D */
    CHECK_EQ(walk(&c, 0x00403123, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(fake_get(&fm, 0x200c, 4), 0x5000 | P | RW | US | A | D);
    CHECK_EQ(fake_get(&fm, 0x1004, 4), 0x2000 | P | RW | US | A);    /* D only on the leaf */
    /* Without GW_SET_AD nothing is written. */
    build32(P | RW | US, P | RW | US);
    CHECK_EQ(walk(&c, 0x00403123, GW_WRITE), 0);
    CHECK_EQ(fm.xchgs, 0);
    CHECK_EQ(fake_get(&fm, 0x200c, 4), 0x5000 | P | RW | US);
    /* High bits of a 32-bit PTE are not reserved (bit 7 is PAT). */
    build32(P | RW, P | 0x80 | 0x100);
    CHECK_EQ(walk(&c, 0x00403123, 0), 0);
    CHECK_EQ(res.gpa, 0x5123);
}

static void test_32bit_not_present(void)
{
    struct gwalk_cpu c = cpu32();
    build32(P | RW | US, RW | US);
    CHECK_EQ(walk(&c, 0x00403123, 0), -EFAULT);
    CHECK_EQ(res.pfec, 0);
    CHECK_EQ(walk(&c, 0x00403123, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_W);
    CHECK_EQ(walk(&c, 0x00403123, GW_WRITE | GW_USER | GW_SET_AD), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_W | PFEC_U);
    CHECK_EQ(fake_get(&fm, 0x1004, 4), 0x2000 | P | RW | US | A);    /* the PDE was used */
    /* Not-present PDE: the PT is never read. */
    build32(0, P);
    CHECK_EQ(walk(&c, 0x00403123, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, 0);                      /* no I/D with 32-bit paging and no SMEP */
    c.cr4 = CR4_SMEP;
    CHECK_EQ(walk(&c, 0x00403123, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_ID);
    c.efer = EFER_NXE;                          /* NXE means nothing to 32-bit paging */
    c.cr4 = 0;
    CHECK_EQ(walk(&c, 0x00403123, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, 0);
    /* A table outside memory. */
    build32(P, P);
    fake_set(&fm, 0x1004, 4, 0x80000000u | P);
    CHECK_EQ(walk(&c, 0x00403123, 0), -EIO);
}

static void test_32bit_pse(void)
{
    struct gwalk_cpu c = cpu32();
    c.cr4 = CR4_PSE;
    fake_mem_init(&fm, &ops);
    /* PDE 1: a 4 MiB page at 0x3_00c00000 (PSE-36: bits 14:13 = PA 33:32). */
    fake_set(&fm, 0x1004, 4, 0x00c00000 | (3u << 13) | P | RW | PS);
    CHECK_EQ(walk(&c, 0x00512345, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x300d12345ull);
    CHECK_EQ(res.page_shift, 22);
    CHECK_EQ(fake_get(&fm, 0x1004, 4), 0x00c00000 | (3u << 13) | P | RW | PS | A | D);
    /* Bit 21 is always reserved. */
    fake_set(&fm, 0x1004, 4, 0x00c00000 | (1u << 21) | P | PS);
    CHECK_EQ(walk(&c, 0x00512345, GW_USER), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD | PFEC_U);
    /* MAXPHYADDR 36: bit 17 would be PA bit 36, reserved; with 40 it is an address bit. */
    fake_set(&fm, 0x1004, 4, 0x00c00000 | (1u << 17) | P | PS);
    CHECK_EQ(walk(&c, 0x00512345, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    c.maxphyaddr = 40;
    CHECK_EQ(walk(&c, 0x00512345, 0), 0);
    CHECK_EQ(res.gpa, 0x1000d12345ull);
    c.maxphyaddr = 32;                          /* no PSE-36 bits at all */
    fake_set(&fm, 0x1004, 4, 0x00c00000 | (1u << 13) | P | PS);
    CHECK_EQ(walk(&c, 0x00512345, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    /* Without CR4.PSE, PS is ignored: the PDE points to a page table. */
    c.cr4 = 0;
    fake_set(&fm, 0x1004, 4, 0x2000 | P | PS);
    fake_set(&fm, 0x2000 + 4 * 0x112, 4, 0x9000 | P);
    CHECK_EQ(walk(&c, 0x00512345, 0), 0);
    CHECK_EQ(res.gpa, 0x9345);
    CHECK_EQ(res.page_shift, 12);
}

/* PAE: va 0x40201123 -> PDPTE 1 -> PD 0x3000, PDE 1 at 0x3008 -> PT 0x4000, PTE 1 at 0x4008 -> 0x7000. */
static void build_pae(uint64_t pde, uint64_t pte)
{
    fake_mem_init(&fm, &ops);
    fake_set(&fm, 0x3008, 8, pde);
    fake_set(&fm, 0x4008, 8, pte);
}

static void test_pae(void)
{
    struct gwalk_cpu c = cpu32();
    c.cr4 = CR4_PAE;
    c.cr3 = 0x1020;
    c.pdptes_cached = true;
    c.pdpte[1] = 0x3000 | P;
    build_pae(0x4000 | P | RW | US, 0x7000 | P | RW | US);
    fake_set(&fm, 0x1028, 8, 0xdead000 | RW);   /* memory's PDPTE differs: the register wins */
    CHECK_EQ(walk(&c, 0x40201123, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x7123);
    CHECK_EQ(fake_get(&fm, 0x3008, 8), 0x4000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), 0x7000 | P | RW | US | A | D);
    CHECK_EQ(fake_get(&fm, 0x1028, 8), 0xdead000 | RW);     /* PDPTEs have no A flag */
    /* Not-present and reserved PDPTE registers. */
    c.pdpte[1] = 0x3000;
    CHECK_EQ(walk(&c, 0x40201123, GW_USER), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_U);
    c.pdpte[1] = 0x3000 | P | 0x20;             /* bit 5: reserved in the register */
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    c.pdpte[1] = 0x3000 | P | RW;               /* bit 1: reserved */
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    c.pdpte[1] = 0x3000 | P | XD;               /* bit 63 is reserved in a PDPTE even with NXE */
    c.efer = EFER_NXE;
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    /* From memory (no registers): bit 5 tolerated, bit 6 reserved. */
    c.pdptes_cached = false;
    c.efer = 0;
    fake_set(&fm, 0x1028, 8, 0x3000 | P | A);
    CHECK_EQ(walk(&c, 0x40201123, 0), 0);
    CHECK_EQ(res.gpa, 0x7123);
    fake_set(&fm, 0x1028, 8, 0x3000 | P | D);
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    fake_set(&fm, 0x1028, 8, 0x3000);
    CHECK_EQ(walk(&c, 0x40201123, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_W);
}

static void test_pae_bits(void)
{
    struct gwalk_cpu c = cpu32();
    c.cr4 = CR4_PAE;
    c.pdptes_cached = true;
    c.pdpte[1] = 0x3000 | P;
    /* XD without NXE: reserved. */
    build_pae(0x4000 | P | RW | US, 0x7000 | P | XD);
    CHECK_EQ(walk(&c, 0x40201123, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);     /* no I/D without NXE or SMEP */
    c.efer = EFER_NXE;
    CHECK_EQ(walk(&c, 0x40201123, 0), 0);
    CHECK_EQ(res.perms, 0);                     /* the PTE gives neither R/W nor U/S, and XD */
    CHECK_EQ(walk(&c, 0x40201123, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_ID);
    /* Address bits: with MAXPHYADDR 36, bit 40 is reserved (PAE: up to bit 62). */
    build_pae(0x4000 | P | RW | US, (1ull << 40) | 0x7000 | P);
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    c.maxphyaddr = 52;
    CHECK_EQ(walk(&c, 0x40201123, 0), 0);
    CHECK_EQ(res.gpa, (1ull << 40) | 0x7123);
    build_pae(0x4000 | P, (1ull << 55) | 0x7000 | P);   /* 62:52 reserved with PAE paging */
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    /* 2 MiB page: bits 20:13 reserved, PAT (bit 12) is not. */
    c.maxphyaddr = 36;
    build_pae(0x00600000 | 0x1000 | P | RW | PS, 0);
    CHECK_EQ(walk(&c, 0x40201123, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x00601123);
    CHECK_EQ(res.page_shift, 21);
    CHECK_EQ(fake_get(&fm, 0x3008, 8), 0x00600000 | 0x1000 | P | RW | PS | A | D);
    build_pae(0x00600000 | 0x2000 | P | RW | PS, 0);
    CHECK_EQ(walk(&c, 0x40201123, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
}

static void test_4level(void)
{
    struct gwalk_cpu c = cpu64();
    build64(P | RW | US, 0x7000 | P | RW | US);
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_USER | GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x7123);
    CHECK_EQ(res.page_shift, 12);
    CHECK_EQ(fake_get(&fm, 0x1008, 8), 0x2000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x2008, 8), 0x3000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x3008, 8), 0x4000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), 0x7000 | P | RW | US | A | D);
    /* Bits 62:52 are ignored in long mode; 51:M reserved. */
    build64(P | RW | (0x7ffull << 52), 0x7000 | P | (0x7ffull << 52));
    CHECK_EQ(walk(&c, VA64, 0), 0);
    CHECK_EQ(res.gpa, 0x7123);
    build64(P | RW, 0x7000 | P | (1ull << 45));
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    /* PS in a PML4E is reserved. */
    build64(P | RW, 0x7000 | P);
    fake_set(&fm, 0x1008, 8, 0x2000 | P | PS);
    CHECK_EQ(walk(&c, VA64, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD | PFEC_W);
    /* 1 GiB page at 0x80000000; bits 29:13 reserved; refused without gbpages. */
    build64(P | RW, 0);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | P | RW | PS);
    CHECK_EQ(walk(&c, VA64, 0), 0);
    CHECK_EQ(res.gpa, 0x80201123ull);
    CHECK_EQ(res.page_shift, 30);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | (1u << 20) | P | RW | PS);
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | (1u << 13) | P | RW | PS);
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | (1u << 12) | P | RW | PS);     /* PAT */
    CHECK_EQ(walk(&c, VA64, 0), 0);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | P | RW | PS);
    c.gbpages = false;
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    /* 2 MiB page. */
    c.gbpages = true;
    build64(P | RW, 0);
    fake_set(&fm, 0x3008, 8, 0x40000000ull | P | RW | PS);
    CHECK_EQ(walk(&c, VA64, 0), 0);
    CHECK_EQ(res.gpa, 0x40001123ull);
    CHECK_EQ(res.page_shift, 21);
    /* CR3's bits above MAXPHYADDR and its low 12 bits (PCID) are not address bits. */
    build64(P | RW, 0x7000 | P);
    c.cr3 = 0x1000 | 0x123 | (1ull << 63);
    CHECK_EQ(walk(&c, VA64, 0), 0);
    CHECK_EQ(res.gpa, 0x7123);
}

static void test_5level(void)
{
    struct gwalk_cpu c = cpu64();
    c.cr4 |= CR4_LA57;
    /* va with PML5 index 2: bits 56:48 = 2. */
    uint64_t va = (2ull << 48) | VA64;
    build64(P | RW, 0x7000 | P);
    fake_set(&fm, 0x5000 + 16, 8, 0x1000 | P | RW);
    c.cr3 = 0x5000;
    CHECK_EQ(walk(&c, va, GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x7123);
    CHECK_EQ(fake_get(&fm, 0x5010, 8), 0x1000 | P | RW | A);
    fake_set(&fm, 0x5010, 8, 0x1000 | P | RW | PS);
    CHECK_EQ(walk(&c, va, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
}

static void test_rights(void)
{
    struct gwalk_cpu c = cpu64();
    /* User access to a supervisor page (U/S clear in one upper level). */
    build64(P | RW | US, 0x7000 | P | RW | US);
    fake_set(&fm, 0x2008, 8, 0x3000 | P | RW);
    CHECK_EQ(walk(&c, VA64, GW_USER), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U);
    CHECK_EQ(walk(&c, VA64, 0), 0);
    CHECK_EQ(res.perms, GW_PERM_W | GW_PERM_X);
    /* R/W clear in the PDE, set in the PTE: read-only for the user... */
    build64(P | RW | US, 0x7000 | P | RW | US);
    fake_set(&fm, 0x3008, 8, 0x4000 | P | US);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U | PFEC_W);
    CHECK_EQ(walk(&c, VA64, GW_USER), 0);
    /* ...writable by the supervisor while CR0.WP = 0, not with WP = 1. */
    CHECK_EQ(walk(&c, VA64, GW_WRITE), 0);
    c.cr0 |= CR0_WP;
    CHECK_EQ(walk(&c, VA64, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W);
    /* XD in any level forbids fetches (user and supervisor), not reads. */
    build64(P | RW | US, 0x7000 | P | RW | US);
    fake_set(&fm, 0x1008, 8, 0x2000 | P | RW | US | XD);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U | PFEC_ID);
    CHECK_EQ(walk(&c, VA64, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_ID);
    CHECK_EQ(walk(&c, VA64, GW_USER), 0);
    CHECK_EQ(res.perms, GW_PERM_W | GW_PERM_U);
}

static void test_smep_smap(void)
{
    struct gwalk_cpu c = cpu64();
    c.efer = EFER_LMA;                          /* no NXE: I/D comes from SMEP alone */
    build64(P | RW | US, 0x7000 | P | RW | US);
    CHECK_EQ(walk(&c, VA64, GW_FETCH), 0);      /* supervisor fetch from a user page */
    c.cr4 |= CR4_SMEP;
    CHECK_EQ(walk(&c, VA64, GW_FETCH), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_ID);
    CHECK_EQ(walk(&c, VA64, GW_FETCH | GW_USER), 0);
    CHECK_EQ(walk(&c, VA64, GW_WRITE), 0);      /* SMEP is about fetches */
    c.cr4 |= CR4_SMAP;
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P);
    CHECK_EQ(walk(&c, VA64, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W);
    CHECK_EQ(walk(&c, VA64, GW_AC), 0);         /* explicit, EFLAGS.AC = 1 */
    CHECK_EQ(walk(&c, VA64, GW_AC | GW_WRITE), 0);
    /* Implicit supervisor accesses: SMAP whatever AC, and never U in the code. */
    CHECK_EQ(walk(&c, VA64, GW_AC | GW_IMPLICIT), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_IMPLICIT | GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W);
    CHECK_EQ(walk(&c, VA64, GW_USER), 0);       /* user accesses are not SMAP's */
    /* A supervisor page is fine for implicit accesses. */
    fake_set(&fm, 0x4008, 8, 0x7000 | P | RW);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_IMPLICIT), 0);
    CHECK_EQ(walk(&c, VA64, GW_FETCH), 0);
}

static void test_pku(void)
{
    struct gwalk_cpu c = cpu64();
    uint64_t key3 = 3ull << 59;
    build64(P | RW | US, 0x7000 | P | RW | US | key3);
    c.pkru = 1u << 6;                           /* AD3 */
    CHECK_EQ(walk(&c, VA64, GW_USER), 0);       /* PKE off: keys ignored */
    c.cr4 |= CR4_PKE;
    CHECK_EQ(walk(&c, VA64, GW_USER), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U | PFEC_PK);
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);       /* supervisor data access to a user page too */
    CHECK_EQ(res.pfec, PFEC_P | PFEC_PK);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_FETCH), 0);    /* fetches ignore keys */
    CHECK_EQ(res.pkey, 3);
    c.pkru = 1u << 7;                           /* WD3 */
    CHECK_EQ(walk(&c, VA64, GW_USER), 0);
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U | PFEC_W | PFEC_PK);
    CHECK_EQ(walk(&c, VA64, GW_WRITE), 0);      /* supervisor, WP = 0: WD does not apply */
    c.cr0 |= CR0_WP;
    CHECK_EQ(walk(&c, VA64, GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W | PFEC_PK);
    /* PK is reported along with another violation (read-only page). */
    fake_set(&fm, 0x4008, 8, 0x7000 | P | US | key3);
    c.pkru = 1u << 6;
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_WRITE), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_U | PFEC_W | PFEC_PK);
    /* Supervisor pages have no keys (PKS is not modelled). */
    fake_set(&fm, 0x4008, 8, 0x7000 | P | RW | key3);
    CHECK_EQ(walk(&c, VA64, GW_WRITE), 0);
    /* Other keys unaffected; a 1 GiB leaf's key is used. */
    c.pkru = ~0u & ~(3u << 2);                  /* everything but key 1 denied */
    build64(P | RW | US, 0);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | P | RW | US | PS | (1ull << 59));
    CHECK_EQ(walk(&c, VA64, GW_USER | GW_WRITE), 0);
    CHECK_EQ(res.pkey, 1);
}

static void test_ad(void)
{
    struct gwalk_cpu c = cpu64();
    c.cr0 |= CR0_WP;
    /* A protection fault: A on the levels above the leaf, the leaf untouched. */
    build64(P | RW | US, 0x7000 | P | US);
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_SET_AD), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W);
    CHECK_EQ(fake_get(&fm, 0x3008, 8), 0x4000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), 0x7000 | P | US);
    /* Reserved bit in the PDE: PML4E and PDPTE get A, the PDE does not. */
    build64(P | RW | US, 0x7000 | P | RW);
    fake_set(&fm, 0x3008, 8, 0x4000 | P | RW | (1ull << 50));
    CHECK_EQ(walk(&c, VA64, GW_SET_AD), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_RSVD);
    CHECK_EQ(fake_get(&fm, 0x2008, 8), 0x3000 | P | RW | US | A);
    CHECK_EQ(fake_get(&fm, 0x3008, 8), 0x4000 | P | RW | (1ull << 50));
    /* Flags already set: no exchanges at all. */
    build64(P | RW | A, 0x7000 | P | RW | A | D);
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(fm.xchgs, 0);
    /* Another vCPU moves the PTE between our read and our exchange: the
     * walk starts again and returns the new frame, with A/D set on it. */
    build64(P | RW, 0x7000 | P | RW);
    fm.meddle = 1;
    fm.meddle_gpa = 0x4008;
    fm.meddle_val = 0x9000 | P | RW;
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(res.gpa, 0x9123);
    CHECK_EQ(res.leaf, 0x9000 | P | RW | A | D);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), 0x9000 | P | RW | A | D);
    /* ...or makes it read-only: the retried walk faults instead. */
    build64(P | RW, 0x7000 | P | RW);
    fm.meddle = 1;
    fm.meddle_gpa = 0x4008;
    fm.meddle_val = 0x7000 | P;
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_SET_AD), -EFAULT);
    CHECK_EQ(res.pfec, PFEC_P | PFEC_W);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), 0x7000 | P);
    /* An entry that never holds still: bounded, -EAGAIN. */
    build64(P | RW, 0x7000 | P | RW);
    fm.meddle = 1000;
    fm.meddle_gpa = 0x4008;
    fm.meddle_val = 0x7000 | P | RW | 0x200;    /* an ignored bit, flipped at every exchange */
    fm.meddle_flip = 0x200;
    CHECK_EQ(walk(&c, VA64, GW_WRITE | GW_SET_AD), -EAGAIN);
    CHECK_EQ(fm.meddle, 1000 - 16);             /* 16 walks, each lost its exchange */
    /* 32-bit entries are exchanged as 4 bytes: the next entry is untouched. */
    struct gwalk_cpu c32 = cpu32();
    build32(P | RW, P | RW);
    fake_set(&fm, 0x2010, 4, 0x12345001);
    CHECK_EQ(walk(&c32, 0x00403123, GW_WRITE | GW_SET_AD), 0);
    CHECK_EQ(fake_get(&fm, 0x2010, 4), 0x12345001);
}

/* GW_PROBE (the shadow's revalidation): the translation whatever the access
 * rules say, nothing written; accessed says whether every level had A. */
static void test_probe(void)
{
    struct gwalk_cpu c = cpu64();
    c.cr4 |= CR4_SMAP | CR4_SMEP;
    build64(P | RW | US | A, 0x7000 | P | US | A);
    CHECK_EQ(walk(&c, VA64, 0), -EFAULT);               /* SMAP: a supervisor read is refused */
    CHECK_EQ(walk(&c, VA64, GW_PROBE), 0);
    CHECK_EQ(res.gpa, 0x7123);
    CHECK_EQ(res.perms, GW_PERM_U | GW_PERM_X);
    CHECK(res.accessed);
    /* A clear at one level (the PDPTE): the same translation, not accessed. */
    fake_set(&fm, 0x2008, 8, 0x3000 | P | RW | US);
    CHECK_EQ(walk(&c, VA64, GW_PROBE), 0);
    CHECK(!res.accessed);
    CHECK_EQ(fm.xchgs, 0);
    CHECK_EQ(fake_get(&fm, 0x2008, 8), 0x3000 | P | RW | US);
    /* Not present is still a fault. */
    fake_set(&fm, 0x4008, 8, 0x7000 | US | A);
    CHECK_EQ(walk(&c, VA64, GW_PROBE), -EFAULT);
    CHECK_EQ(res.pfec, 0);
    /* A walk that sets A/D reports the flags as they were before it. */
    build64(P | RW | A, 0x7000 | P | RW);
    CHECK_EQ(walk(&c, VA64, GW_SET_AD), 0);
    CHECK(!res.accessed);
    CHECK_EQ(walk(&c, VA64, GW_SET_AD), 0);
    CHECK(res.accessed);
}

int main(void)
{
    RUN(test_no_paging);
    RUN(test_32bit_4k);
    RUN(test_32bit_not_present);
    RUN(test_32bit_pse);
    RUN(test_pae);
    RUN(test_pae_bits);
    RUN(test_4level);
    RUN(test_5level);
    RUN(test_rights);
    RUN(test_smep_smap);
    RUN(test_pku);
    RUN(test_ad);
    RUN(test_probe);
    printf("%d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
