/*
 * The writable-page-table assist's instruction emulation (src/pv/pv_ptwr.c
 * over the emulator core): the write forms a kernel uses (MOV from a
 * register and from an immediate, XCHG, LOCK CMPXCHG both ways, a REP
 * STOSQ step), parts of an entry merged into it (1, 2, 4 bytes), what is
 * refused (a write across two entries, another page, a second write,
 * unreadable code, a refused entry) with the registers unchanged,
 * -ERESTART passed through, and only arithmetic flags taken back; the
 * atomic merge: partial and read-modify-write stores are compare-exchanges
 * against the entry they were computed from, and another vCPU's change in
 * between (simulated) makes the guest run the instruction again with
 * nothing stored.
 */
#include <stdbool.h>

#include "test.h"
#include "pv/pv_ptwr.h"
#include "lib/errno.h"

#define CODE    0x400000ull
#define PT      0xffff880000010000ull     /* an upper-half table page */
#define OTHER   0x7000ull
#define PT32    0x00c45000ull             /* the same table seen by a 32-bit kernel */

static uint8_t code[4096];
static uint64_t pt[512], other[512];
static int entry_rc;            /* what write_entry answers */
static unsigned nr_writes;
static uint64_t last_la, last_val;
static bool last_had_expect;
static uint64_t last_expect;
/* Another vCPU's store into pt[race_idx] (^= race_bits): after the
 * race_after'th read of the table page (1: the first), or (race_after 0,
 * race_in_write) inside write_entry, before its comparison. */
static unsigned race_after, nr_pt_reads, race_idx;
static uint64_t race_bits;
static bool race_in_write;
/* A present entry with any of these bits is refused (the compat high-half
 * rule's test). */
static uint64_t refuse_present_bits;

static void *page_of(uint64_t la)
{
    switch (la & ~0xfffull) {
    case CODE: return code;
    case PT: case PT32: return pt;
    case OTHER: return other;
    default: return NULL;
    }
}

static int f_read(void *ctx, uint64_t la, void *buf, unsigned len)
{
    (void)ctx;
    uint8_t *p = page_of(la);
    if (!p || (la & 0xfff) + len > 4096)
        return -EFAULT;
    memcpy(buf, p + (la & 0xfff), len);
    if (((la & ~0xfffull) == PT || (la & ~0xfffull) == PT32) && ++nr_pt_reads == race_after)
        pt[race_idx] ^= race_bits;
    return 0;
}

/* As pgt_cmpxchg_entry: with expect, stores only over that value. */
static int f_write(void *ctx, uint64_t la, const uint64_t *expect, uint64_t val)
{
    (void)ctx;
    nr_writes++;
    last_la = la;
    last_val = val;
    last_had_expect = expect != NULL;
    last_expect = expect ? *expect : 0;
    CHECK((la & ~0xfffull) == PT || (la & ~0xfffull) == PT32);
    CHECK_EQ(la & 7, 0);
    if (entry_rc)
        return entry_rc;
    if ((val & 1) && (val & refuse_present_bits))
        return -EINVAL;     /* as pgt refuses a present entry naming a frame not the domain's */
    if (race_in_write) {
        race_in_write = false;
        pt[race_idx] ^= race_bits;
    }
    if (expect && pt[(la & 0xfff) / 8] != *expect)
        return -EAGAIN;
    pt[(la & 0xfff) / 8] = val;
    return 0;
}

static const struct pv_ptwr_env env = { .read = f_read, .write_entry = f_write };

static struct guest_regs regs(void)
{
    struct guest_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = CODE;
    r.rflags = 0x202 | 0x100;       /* IF, TF: not the emulation's to change */
    r.rsp = 0x8000;
    return r;
}

static void load(const uint8_t *b, unsigned n)
{
    memset(code, 0x90, sizeof(code));
    memcpy(code, b, n);
    memset(pt, 0, sizeof(pt));
    nr_writes = 0;
    entry_rc = 0;
    race_after = nr_pt_reads = 0;
    race_in_write = false;
    refuse_present_bits = 0;
}

static void test_mov(void)
{
    static const uint8_t mov_r64[] = { 0x48, 0x89, 0x07 };              /* mov %rax,(%rdi) */
    load(mov_r64, sizeof(mov_r64));
    struct guest_regs r = regs();
    r.rax = 0x1234067;
    r.rdi = PT + 3 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 3 * 8), 0);
    CHECK_EQ(pt[3], 0x1234067);
    CHECK_EQ(r.rip, CODE + 3);
    CHECK_EQ(r.rflags, 0x302);
    CHECK_EQ(nr_writes, 1);

    static const uint8_t mov_imm[] = { 0x48, 0xc7, 0x47, 0x20, 0xff, 0xff, 0xff, 0xff };   /* movq $-1,0x20(%rdi) */
    load(mov_imm, sizeof(mov_imm));
    r = regs();
    r.rdi = PT;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 0x20), 0);
    CHECK_EQ(pt[4], ~0ull);
    CHECK_EQ(r.rip, CODE + sizeof(mov_imm));
}

static void test_xchg_cmpxchg(void)
{
    static const uint8_t xchg[] = { 0x48, 0x87, 0x07 };                 /* xchg %rax,(%rdi) */
    load(xchg, sizeof(xchg));
    pt[5] = 0xaaaa067;
    struct guest_regs r = regs();
    r.rax = 0xbbbb067;
    r.rdi = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), 0);
    CHECK_EQ(pt[5], 0xbbbb067);
    CHECK_EQ(r.rax, 0xaaaa067);

    static const uint8_t cx[] = { 0xf0, 0x48, 0x0f, 0xb1, 0x0f };       /* lock cmpxchg %rcx,(%rdi) */
    load(cx, sizeof(cx));
    pt[6] = 0x5000067;
    r = regs();
    r.rax = 0x5000067;
    r.rcx = 0x6000067;
    r.rdi = PT + 6 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 6 * 8), 0);
    CHECK_EQ(pt[6], 0x6000067);
    CHECK(r.rflags & 0x40);                                             /* ZF */
    CHECK_EQ(r.rflags & ~0x8d5ull, 0x302);
    CHECK_EQ(r.rip, CODE + sizeof(cx));
    /* Comparison fails: RAX gets the entry, the entry stays. */
    load(cx, sizeof(cx));
    pt[6] = 0x7000067;
    r = regs();
    r.rax = 0x5000067;
    r.rcx = 0x6000067;
    r.rdi = PT + 6 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 6 * 8), 0);
    CHECK_EQ(pt[6], 0x7000067);
    CHECK_EQ(r.rax, 0x7000067);
    CHECK(!(r.rflags & 0x40));
    CHECK(nr_writes <= 1);
    if (nr_writes)
        CHECK_EQ(last_val, 0x7000067);                                  /* an unchanged write-back */
}

static void test_rep_stos(void)
{
    static const uint8_t stos[] = { 0xf3, 0x48, 0xab };                 /* rep stosq */
    load(stos, sizeof(stos));
    struct guest_regs r = regs();
    r.rax = 0x9000067;
    r.rdi = PT + 8 * 8;
    r.rcx = 3;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 8 * 8), 0);
    CHECK_EQ(pt[8], 0x9000067);
    CHECK_EQ(pt[9], 0);
    CHECK_EQ(nr_writes, 1);
    CHECK_EQ(r.rcx, 2);                 /* one step; RIP stays, the guest runs it again */
    CHECK_EQ(r.rip, CODE);
    CHECK_EQ(r.rdi, PT + 9 * 8);
}

static void refused(const uint8_t *b, unsigned n, struct guest_regs r, uint64_t cr2, int want)
{
    struct guest_regs before = r;
    load(b, n);
    CHECK_EQ(pv_ptwr_emulate(&env, &r, cr2), want);
    CHECK(memcmp(&r, &before, sizeof(r)) == 0);
}

static void test_refused(void)
{
    static const uint8_t movl[] = { 0x89, 0x07 };                       /* mov %eax,(%rdi) */
    static const uint8_t mov_r64[] = { 0x48, 0x89, 0x07 };
    static const uint8_t movs[] = { 0x48, 0xa5 };                       /* movsq: reads OTHER, writes PT */
    struct guest_regs r = regs();
    r.rdi = PT + 6;
    refused(movl, sizeof(movl), r, PT + 6, -EINVAL);                    /* 4 bytes across two entries */
    CHECK_EQ(nr_writes, 0);
    r.rdi = PT + 4;
    refused(mov_r64, sizeof(mov_r64), r, PT + 4, -EINVAL);              /* 8 bytes across two entries */
    r.rdi = OTHER;
    refused(mov_r64, sizeof(mov_r64), r, PT, -EINVAL);                  /* not the page that faulted */
    CHECK_EQ(nr_writes, 0);
    r.rdi = PT + 8;
    r.rip = 0x999000;                                                   /* code unreadable */
    refused(mov_r64, sizeof(mov_r64), r, PT + 8, -EINVAL);
    r = regs();
    r.rdi = PT + 8;
    load(mov_r64, sizeof(mov_r64));
    entry_rc = -EINVAL;
    struct guest_regs b = r;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 8), -EINVAL);               /* the entry refused */
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    load(mov_r64, sizeof(mov_r64));
    entry_rc = -ERESTART;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 8), -ERESTART);
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    /* MOVSQ from readable memory: one aligned write, accepted. */
    load(movs, sizeof(movs));
    other[0] = 0x3000067;
    r = regs();
    r.rsi = OTHER;
    r.rdi = PT + 16;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 16), 0);
    CHECK_EQ(pt[2], 0x3000067);
    /* A privileged or unknown instruction: nothing. */
    static const uint8_t hlt[] = { 0xf4 };
    r = regs();
    refused(hlt, 1, r, PT, -EINVAL);
}

/* Parts of an entry (Linux clears RW with "andb $0xfd,(%r12)"): merged
 * into the entry as it is and the whole entry written once (Xen). */
static void test_partial(void)
{
    static const uint8_t andb[] = { 0x41, 0x80, 0x24, 0x24, 0xfd };    /* andb $0xfd,(%r12) */
    static const uint8_t movl[] = { 0x89, 0x07 };                       /* mov %eax,(%rdi) */
    static const uint8_t movw[] = { 0x66, 0x89, 0x07 };                 /* mov %ax,(%rdi) */
    struct guest_regs r = regs();

    load(andb, sizeof(andb));
    pt[5] = 0x8000000012345067ull;
    r.r12 = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), 0);
    CHECK_EQ(nr_writes, 1);
    CHECK_EQ(last_la, PT + 5 * 8);
    CHECK_EQ(last_val, 0x8000000012345065ull);                          /* RW cleared, the rest kept */
    CHECK_EQ(pt[5], 0x8000000012345065ull);
    CHECK_EQ(r.rip, CODE + sizeof(andb));

    load(movl, sizeof(movl));                                           /* the high half of entry 3 */
    pt[3] = 0x0000000000abc067ull;
    r = regs();
    r.rdi = PT + 3 * 8 + 4;
    r.rax = 0x80000000;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 3 * 8 + 4), 0);
    CHECK_EQ(last_la, PT + 3 * 8);
    CHECK_EQ(pt[3], 0x8000000000abc067ull);

    load(movw, sizeof(movw));                                           /* 2 bytes at offset 6 */
    pt[7] = 0x1111111111111111ull;
    r = regs();
    r.rdi = PT + 7 * 8 + 6;
    r.rax = 0xbeef;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 7 * 8 + 6), 0);
    CHECK_EQ(pt[7], 0xbeef111111111111ull);

    /* Refused by the check: nothing changes, the registers neither. */
    load(andb, sizeof(andb));
    pt[5] = 0x12345067ull;
    entry_rc = -EINVAL;
    r = regs();
    r.r12 = PT + 5 * 8;
    struct guest_regs b = r;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), -EINVAL);
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    CHECK_EQ(pt[5], 0x12345067ull);
}

/* The atomic merge (docs/pv.md "The writable-page-table assist"). */
static void test_atomic(void)
{
    static const uint8_t andb[] = { 0x41, 0x80, 0x24, 0x24, 0xfd };    /* andb $0xfd,(%r12) */
    static const uint8_t movl[] = { 0x89, 0x07 };                       /* mov %eax,(%rdi) */
    static const uint8_t mov_r64[] = { 0x48, 0x89, 0x07 };              /* mov %rax,(%rdi) */
    static const uint8_t xchg[] = { 0x48, 0x87, 0x07 };                 /* xchg %rax,(%rdi) */
    static const uint8_t cx[] = { 0xf0, 0x48, 0x0f, 0xb1, 0x0f };       /* lock cmpxchg %rcx,(%rdi) */
    struct guest_regs r, b;

    /* A plain 8-byte MOV does not depend on the old entry: unconditional. */
    load(mov_r64, sizeof(mov_r64));
    r = regs();
    r.rax = 0x1234067;
    r.rdi = PT + 3 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 3 * 8), 0);
    CHECK(!last_had_expect);

    /* A partial store expects the entry it merged into. */
    load(movl, sizeof(movl));
    pt[3] = 0xabc067ull;
    r = regs();
    r.rdi = PT + 3 * 8 + 4;
    r.rax = 0x80000000;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 3 * 8 + 4), 0);
    CHECK(last_had_expect);
    CHECK_EQ(last_expect, 0xabc067ull);
    CHECK_EQ(pt[3], 0x8000000000abc067ull);

    /* XCHG and CMPXCHG read the entry first: they expect what they read. */
    load(xchg, sizeof(xchg));
    pt[5] = 0xaaaa067;
    r = regs();
    r.rax = 0xbbbb067;
    r.rdi = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), 0);
    CHECK(last_had_expect);
    CHECK_EQ(last_expect, 0xaaaa067);
    CHECK_EQ(r.rax, 0xaaaa067);

    /* MOVSQ from a misaligned place in the same table (across entries 0
     * and 1) to entry 2: the write did not read its own entry. */
    static const uint8_t movs[] = { 0x48, 0xa5 };
    load(movs, sizeof(movs));
    pt[0] = 0x1111111111111111ull;
    pt[1] = 0x2222222222222222ull;
    r = regs();
    r.rsi = PT + 4;
    r.rdi = PT + 16;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 16), 0);
    CHECK_EQ(pt[2], 0x2222222211111111ull);
    CHECK(!last_had_expect);

    /* Another vCPU sets D in byte 0 after the AND read it: the AND's
     * result would drop that change: nothing stored, run again. */
    load(andb, sizeof(andb));
    pt[5] = 0x8000000012345027ull;
    race_idx = 5, race_bits = 0x40, race_after = 1;
    r = b = regs();
    r.r12 = b.r12 = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), -ERESTART);
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    CHECK_EQ(nr_writes, 0);
    CHECK_EQ(pt[5], 0x8000000012345067ull);                             /* only the other change */
    /* Run again (no race now): RW cleared, D kept. */
    race_after = 0;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), 0);
    CHECK_EQ(pt[5], 0x8000000012345065ull);

    /* A change to bytes the AND did not read, before the merge: merged
     * into, kept. */
    load(andb, sizeof(andb));
    pt[5] = 0x12345067ull;
    race_idx = 5, race_bits = 0x8000000000000000ull, race_after = 1;
    r = regs();
    r.r12 = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), 0);
    CHECK_EQ(pt[5], 0x8000000012345065ull);

    /* A change between the merge and the store: the compare-exchange
     * fails, nothing stored, run again. */
    load(andb, sizeof(andb));
    pt[5] = 0x12345067ull;
    race_idx = 5, race_bits = 0x8000000000000000ull, race_in_write = true;
    r = b = regs();
    r.r12 = b.r12 = PT + 5 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 5 * 8), -ERESTART);
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    CHECK_EQ(pt[5], 0x8000000012345067ull);

    /* LOCK CMPXCHG whose entry changes after its comparison: its store
     * would be over a value it did not compare: run again, and then the
     * comparison fails against the new value. */
    load(cx, sizeof(cx));
    pt[6] = 0x5000067;
    race_idx = 6, race_bits = 0x1000000, race_after = 1;
    r = b = regs();
    r.rax = b.rax = 0x5000067;
    r.rcx = b.rcx = 0x6000067;
    r.rdi = b.rdi = PT + 6 * 8;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 6 * 8), -ERESTART);
    CHECK(memcmp(&r, &b, sizeof(r)) == 0);
    CHECK_EQ(pt[6], 0x4000067);
    race_after = 0;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 6 * 8), 0);
    CHECK_EQ(pt[6], 0x4000067);
    CHECK_EQ(r.rax, 0x4000067);
    CHECK(!(r.rflags & 0x40));
}

static void test_random(void)
{
    static const uint8_t hot[] = { 0x48, 0x89, 0x87, 0xc7, 0xf0, 0x0f, 0xb1, 0xc7, 0x07, 0x47, 0xab, 0xf3, 0x66 };
    for (unsigned k = 0; k < 100000; k++) {
        uint8_t b[16];
        for (unsigned i = 0; i < sizeof(b); i++) {
            uint64_t x = t_rand();
            b[i] = (x & 1) ? hot[(x >> 8) % sizeof(hot)] : (uint8_t)(x >> 16);
        }
        load(b, sizeof(b));
        struct guest_regs r = regs();
        r.rdi = PT + (t_rand() & 0xfff);
        r.rsi = OTHER + (t_rand() & 0xff8);
        r.rax = t_rand();
        r.rcx = t_rand() & 7;
        struct guest_regs before = r;
        entry_rc = (t_rand() & 3) == 0 ? -EINVAL : 0;
        int rc = pv_ptwr_emulate(&env, &r, PT);
        CHECK(rc == 0 || rc == -EINVAL || rc == -ERESTART);
        CHECK(nr_writes <= 1);
        if (rc)
            CHECK(memcmp(&r, &before, sizeof(r)) == 0);
        else
            CHECK_EQ(r.rflags & ~0x8d5ull, before.rflags & ~0x8d5ull);
    }
}

/* ---- A 32-bit PV kernel in ring 1 (compatibility mode) ----------------- */

#define ATTR_CODE32 0xcbau      /* present, DPL 1, execute/read, D, G */
#define ATTR_DATA32 0xcb2u      /* present, DPL 1, read/write, B, G */

static struct pv_ptwr_env env32(uint64_t ds_base)
{
    struct pv_ptwr_env e = { .read = f_read, .write_entry = f_write, .compat = true, .cpl = 1 };
    for (unsigned s = 0; s < 6; s++)
        e.seg[s] = (struct pv_ptwr_seg){ 0xe021, ATTR_DATA32, 0xffffffffu, 0 };
    e.seg[1] = (struct pv_ptwr_seg){ 0xe019, ATTR_CODE32, 0xffffffffu, 0 };
    e.seg[3].base = ds_base;
    return e;
}

static struct guest_regs regs32(void)
{
    struct guest_regs r = regs();
    r.rflags = 0x202;
    return r;
}

static void test_compat(void)
{
    /* A PAE entry in two 32-bit MOVs, high half first (Linux's order for
     * a new entry): each half merged and the entry checked whole. */
    static const uint8_t two_movs[] = { 0x89, 0x47, 0x04,      /* mov %eax,4(%edi) */
                                        0x89, 0x0f };          /* mov %ecx,(%edi) */
    struct pv_ptwr_env e = env32(0);
    load(two_movs, sizeof(two_movs));
    struct guest_regs r = regs32();
    r.rdi = PT32 + 6 * 8;
    r.rax = 0x80000000;
    r.rcx = 0x01234067;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 6 * 8 + 4), 0);
    CHECK_EQ(pt[6], 0x8000000000000000ull);
    CHECK_EQ(r.rip, CODE + 3);
    CHECK(last_had_expect);
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 6 * 8), 0);
    CHECK_EQ(pt[6], 0x8000000001234067ull);
    CHECK_EQ(r.rip, CODE + 5);
    CHECK_EQ(nr_writes, 2);

    /* DS's base is added: the offset alone is not in the table. */
    static const uint8_t mov_ds[] = { 0x89, 0x0b };            /* mov %ecx,(%ebx) */
    e = env32(0x00c00000);
    load(mov_ds, sizeof(mov_ds));
    r = regs32();
    r.rbx = PT32 - 0x00c00000 + 9 * 8;
    r.rcx = 0x05555067;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 9 * 8), 0);
    CHECK_EQ(pt[9], 0x05555067);

    /* 67: 16-bit addressing, BX only (the rest of EBX ignored). */
    static const uint8_t mov_a16[] = { 0x67, 0x89, 0x0f };     /* mov %ecx,(%bx) */
    e = env32(PT32 & ~0xffffull);
    load(mov_a16, sizeof(mov_a16));
    r = regs32();
    r.rbx = 0xdead0000u | ((PT32 & 0xffff) + 10 * 8);
    r.rcx = 0x07777063;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 10 * 8), 0);
    CHECK_EQ(pt[10], 0x07777063);
    CHECK_EQ(r.rip, CODE + 3);

    /* LOCK CMPXCHG8B: the whole entry, a compare-exchange. */
    static const uint8_t cx8[] = { 0xf0, 0x0f, 0xc7, 0x0f };   /* lock cmpxchg8b (%edi) */
    e = env32(0);
    load(cx8, sizeof(cx8));
    pt[4] = 0x0000000100000000ull;
    r = regs32();
    r.rdi = PT32 + 4 * 8;
    r.rdx = 1, r.rax = 0;
    r.rcx = 0x80000000u, r.rbx = 0x02345067;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 4 * 8), 0);
    CHECK_EQ(pt[4], 0x8000000002345067ull);
    CHECK(r.rflags & 0x40);         /* ZF: equal */
    CHECK(last_had_expect);
    CHECK_EQ(last_expect, 0x0000000100000000ull);
    /* Unequal: no write, EDX:EAX get the entry. */
    r = regs32();
    r.rdi = PT32 + 4 * 8;
    nr_writes = 0;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 4 * 8), 0);
    CHECK_EQ(nr_writes, 0);
    CHECK(!(r.rflags & 0x40));
    CHECK_EQ(r.rdx, 0x80000000u);
    CHECK_EQ(r.rax, 0x02345067u);

    /* Xen's PAE rule: a high half that makes a present entry invalid is
     * stored with P clear; the low half cannot make it present again
     * while the high half is bad; a 64-bit kernel's same store refused. */
    static const uint8_t mov_hi[] = { 0x89, 0x47, 0x04 };      /* mov %eax,4(%edi) */
    e = env32(0);
    load(mov_hi, sizeof(mov_hi));
    refuse_present_bits = 1ull << 32;
    pt[2] = 0x01234067;
    r = regs32();
    r.rdi = PT32 + 2 * 8;
    r.rax = 1;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 2 * 8 + 4), 0);
    CHECK_EQ(pt[2], 0x0000000101234066ull);
    CHECK_EQ(nr_writes, 2);
    CHECK_EQ(r.rip, CODE + 3);
    load(two_movs + 3, 2);
    refuse_present_bits = 1ull << 32;
    pt[2] = 0x0000000101234066ull;
    r = regs32();
    r.rdi = PT32 + 2 * 8;
    r.rcx = 0x01234067;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32 + 2 * 8), -EINVAL);
    CHECK_EQ(pt[2], 0x0000000101234066ull);
    CHECK_EQ(r.rip, CODE);
    /* The high half through a 64-bit kernel's MOV: no such rule. */
    static const uint8_t mov_hi64[] = { 0x89, 0x47, 0x04 };    /* mov %eax,4(%rdi) */
    load(mov_hi64, sizeof(mov_hi64));
    refuse_present_bits = 1ull << 32;
    pt[2] = 0x01234067;
    r = regs();
    r.rdi = PT + 2 * 8;
    r.rax = 1;
    CHECK_EQ(pv_ptwr_emulate(&env, &r, PT + 2 * 8 + 4), -EINVAL);
    CHECK_EQ(pt[2], 0x01234067);

    /* An unusable DS (null selector): the emulator's #GP, the #PF goes
     * back to the guest, nothing written. */
    e = env32(0);
    e.seg[3].attr = 0;
    load(mov_ds, sizeof(mov_ds));
    r = regs32();
    r.rbx = PT32;
    CHECK_EQ(pv_ptwr_emulate(&e, &r, PT32), -EINVAL);
    CHECK_EQ(nr_writes, 0);
}

int main(void)
{
    RUN(test_mov);
    RUN(test_xchg_cmpxchg);
    RUN(test_rep_stos);
    RUN(test_refused);
    RUN(test_partial);
    RUN(test_atomic);
    RUN(test_random);
    RUN(test_compat);
    return t_finish("pv_ptwr");
}
