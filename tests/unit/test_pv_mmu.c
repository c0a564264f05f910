/*
 * The PV MMU hypercalls (src/pv/mm_hcall.c) over the fake machine of
 * pvmmu_fake.h: every operation's normal path, the hostile cases of issue
 * 14 item 6 that belong to MMU operations (each gets the ABI's error and
 * leaves every frame and page-table entry as it was: compared with a
 * snapshot), continuations of a 100,000-entry batch and of a deep pin, and
 * a domain that dies holding every kind of reference.  After the steps a
 * checker recounts every reference from the validated tables, pins, base
 * pointers and GDT frames.
 */
#include "test.h"

#define PGF_FAIL(...) do { fprintf(stderr, __VA_ARGS__); t_failures++; } while (0)
#define PGF_CHECKED() (t_checks++)
#include "pvmmu_fake.h"

#define GREQ   GVA_BASE                         /* request arrays */
#define GDONE  (GVA_BASE + GVA_SIZE - 64)       /* *pdone */
#define GMASK  (GVA_BASE + GVA_SIZE - 128)      /* a vCPU bitmap */
#define GFRAMES (GVA_BASE + GVA_SIZE - 512)     /* set_gdt's frame list */
#define BAD_GVA 0x1000ull                       /* not mapped in the fake guest */

static uint64_t args[4];
static int rounds;                              /* continuations of the last call */

static uint64_t ma(uint64_t mfn, unsigned idx) { return (mfn << 12) | ((uint64_t)idx << 3); }
static uint64_t va_of(unsigned l2slot, unsigned l1idx) { return ((uint64_t)l2slot << 21) | ((uint64_t)l1idx << 12); }
static uint32_t done_val(void) { uint32_t d; memcpy(&d, gmem + (GDONE - GVA_BASE), 4); return d; }

/* Issues a hypercall and its continuations, as the vCPU would. */
static long run(long (*fn)(const struct pv_mmu_env *, uint64_t *), uint64_t reqs, unsigned n, uint32_t fd)
{
    uint32_t zero = 0;
    memcpy(gmem + (GDONE - GVA_BASE), &zero, 4);
    args[0] = reqs;
    args[1] = n;
    args[2] = GDONE;
    args[3] = fd;
    long rc;
    rounds = 0;
    while ((rc = fn(&penv, args)) == -ERESTART && rounds < 1000000)
        rounds++;
    return rc;
}

static long mmu(const struct mmu_update *r, unsigned n, uint32_t fd)
{
    memcpy(gmem, r, n * sizeof(*r));
    return run(pv_mmu_update, GREQ, n, fd);
}

static long upd1(uint64_t ptr, uint64_t val)
{
    struct mmu_update r = { ptr, val };
    return mmu(&r, 1, DOMID_SELF);
}

static long ext(const struct mmuext_op *ops, unsigned n, uint32_t fd)
{
    memcpy(gmem, ops, n * sizeof(*ops));
    return run(pv_mmuext_op, GREQ, n, fd);
}

static long ext1(unsigned cmd, uint64_t a1, uint64_t a2)
{
    struct mmuext_op op = { .cmd = cmd, .arg1 = a1, .arg2 = a2 };
    return ext(&op, 1, DOMID_SELF);
}

/* A descriptor: base 0, limit 0xfffff, access byte and flags given. */
static uint64_t seg(unsigned access, unsigned flags)
{
    return 0xffffull | (0xfull << 48) | ((uint64_t)access << 40) | ((uint64_t)flags << 52);
}
#define CODE_DPL0   seg(0x9b, 0xa)
#define CODE_DPL3   seg(0xfb, 0xa)
#define CALL_GATE   ((1ull << 47) | (3ull << 45) | (12ull << 40) | 0x00100000ull)

/* L4 10 -> L3 11 (slot 0) -> L2 12 (slot 0) -> L1 13 (slot 0), L1 14
 * (slot 1); L1 13 maps 20 writable and 21 read-only.  Pinned and installed
 * as the vCPU's base pointer. */
static void setup(void)
{
    pv_reset();
    mem[10][0] = pte(11, P | RW | US);
    mem[11][0] = pte(12, P | RW | US);
    mem[12][0] = pte(13, P | RW | US);
    mem[12][1] = pte(14, P | RW | US);
    mem[13][0] = pte(20, P | RW);
    mem[13][1] = pte(21, P);
    CHECK_EQ(ext1(MMUEXT_PIN_L4_TABLE, 10, 0), 0);
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 10, 0), 0);
    CHECK_EQ(vcpu.base, 10);
}

/* ---- snapshots: a refused operation changes nothing ---- */

static struct frame snap_ft[NF];
static uint64_t snap_mem[NF][512];
static struct pv_mmu_vcpu snap_vcpu;

static void snapshot(void)
{
    memcpy(snap_ft, ft, sizeof(ft));
    memcpy(snap_mem, mem, sizeof(mem));
    snap_vcpu = vcpu;
}

/* The type of a frame nobody holds a type reference to means nothing (a
 * refused validation leaves it behind), so it is not compared. */
static uint64_t ti_cmp(const struct frame *f)
{
    return (f->type_info & PGT_COUNT_MASK) ? f->type_info : f->type_info & ~PGT_TYPE_MASK;
}

static void same_as_snapshot(const char *what)
{
    t_checks++;
    for (int f = 0; f < NF; f++) {
        if (ft[f].count != snap_ft[f].count || ti_cmp(&ft[f]) != ti_cmp(&snap_ft[f]) ||
            ft[f].linear != snap_ft[f].linear || ft[f].owner != snap_ft[f].owner) {
            fprintf(stderr, "%s: frame %d changed: count %u -> %u, type_info %#llx -> %#llx\n", what, f,
                    snap_ft[f].count, ft[f].count, (unsigned long long)snap_ft[f].type_info,
                    (unsigned long long)ft[f].type_info);
            t_failures++;
            return;
        }
        if (memcmp(mem[f], snap_mem[f], sizeof(mem[f]))) {
            fprintf(stderr, "%s: contents of frame %d changed\n", what, f);
            t_failures++;
            return;
        }
    }
    if (memcmp(&vcpu, &snap_vcpu, sizeof(vcpu))) {
        fprintf(stderr, "%s: vCPU state changed\n", what);
        t_failures++;
    }
}

#define HOSTILE(what, call, want) do {                                           \
        snapshot();                                                              \
        long r_ = (call);                                                        \
        t_checks++;                                                              \
        if (r_ != (want)) {                                                      \
            fprintf(stderr, "%s:%d: %s: rc %ld, want %ld\n", __FILE__, __LINE__, what, r_, (long)(want)); \
            t_failures++;                                                        \
        }                                                                        \
        same_as_snapshot(what);                                                  \
    } while (0)

/* ---- normal paths ---- */

static void test_mmu_update(void)
{
    setup();
    pv_check("set up");
    /* A new L1 entry, then a changed one (the old translation is stale). */
    CHECK_EQ(upd1(ma(13, 2), pte(22, P | RW)), 0);
    CHECK_EQ(nr_stale, 0);
    CHECK_EQ(ttype(22), FRAME_TYPE_WRITABLE);
    CHECK(mem[13][2] & US);                     /* the kernel runs in ring 3 */
    CHECK_EQ(upd1(ma(13, 2), pte(23, P)), 0);
    CHECK_EQ(nr_stale, 1);
    CHECK_EQ(tcount(22), 0);
    pv_check("L1 updates");
    /* PRESERVE_AD keeps the A/D bits the processor set. */
    mem[13][1] |= 0x60;
    CHECK_EQ(upd1(ma(13, 1) | MMU_PT_UPDATE_PRESERVE_AD, pte(21, P | NX)), 0);
    CHECK_EQ(mem[13][1], pte(21, P | NX | US | 0x60));
    CHECK_EQ(upd1(ma(13, 1), pte(21, P)), 0);  /* a normal update does not */
    CHECK_EQ(mem[13][1], pte(21, P | US));
    /* NO_TRANSLATE is the same for a PV guest. */
    CHECK_EQ(upd1(ma(13, 3) | MMU_PT_UPDATE_NO_TRANSLATE, pte(24, P)), 0);
    CHECK_EQ(ft[24].count, 1);
    /* An L2 entry naming a fresh L1: validated on the way in. */
    mem[15][0] = pte(25, P | RW);
    CHECK_EQ(upd1(ma(12, 2), pte(15, P | RW)), 0);
    CHECK_EQ(ttype(15), FRAME_TYPE_PT_L1);
    CHECK_EQ(ttype(25), FRAME_TYPE_WRITABLE);
    pv_check("L2 update");
    /* M2P. */
    CHECK_EQ(upd1(ma(25, 0) | MMU_MACHPHYS_UPDATE, 0x1234), 0);
    CHECK_EQ(m2p[25], 0x1234);
    /* A frame that is not a page table is simply written. */
    CHECK_EQ(upd1(ma(26, 9), 0xabcdef), 0);
    CHECK_EQ(mem[26][9], 0xabcdef);
    CHECK_EQ(tcount(26), 0);
    CHECK_EQ(ft[26].count, 0);
    /* A batch stops at its first failure; done says how many were done. */
    struct mmu_update b[4] = {
        { ma(13, 10), pte(27, P) }, { ma(13, 11), pte(27, P) }, { ma(13, 12) | 5, 0 }, { ma(13, 13), pte(27, P) },
    };
    CHECK_EQ(mmu(b, 4, DOMID_SELF), -ENOSYS);
    CHECK_EQ(done_val(), 2);
    CHECK_EQ(ft[27].count, 2);
    CHECK_EQ(mem[13][13], 0);
    /* The request array must be the guest's. */
    CHECK_EQ(run(pv_mmu_update, 0xffff800000000000ull, 1, DOMID_SELF), -EFAULT);
    CHECK_EQ(run(pv_mmu_update, BAD_GVA, 1, DOMID_SELF), -EFAULT);
    CHECK_EQ(done_val(), 0);
    CHECK_EQ(run(pv_mmu_update, GREQ, 0, DOMID_SELF), 0);
    /* Foreign domains. */
    CHECK_EQ(upd1(ma(13, 14), 0), 0);
    struct mmu_update one = { ma(13, 14), pte(27, P) };
    CHECK_EQ(mmu(&one, 1, DOM), -ESRCH);            /* itself by id */
    CHECK_EQ(mmu(&one, 1, OTHER), -EPERM);
    CHECK_EQ(mmu(&one, 1, DOMID_SELF | ((OTHER + 1u) << 16)), -EPERM);
    CHECK_EQ(mmu(&one, 1, DOMID_SELF | ((DOM + 1u) << 16)), 0);
    pv_check("mmu_update done");
    pv_teardown("mmu_update teardown");
}

static void test_mmuext(void)
{
    setup();
    /* Pins of each level, unpins. */
    mem[30][0] = pte(31, P);                    /* L3 30 -> L2 31 -> L1 32 */
    mem[31][0] = pte(32, P);
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, 33, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 31, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L3_TABLE, 30, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L3_TABLE, 30, 0), -EINVAL);   /* already pinned */
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 30, 0), -EINVAL);   /* another type */
    CHECK(ft[30].type_info & PGT_PINNED);
    pv_check("pinned");
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, 30, 0), 0);
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, 30, 0), -EINVAL);
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, 31, 0), 0);
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, 33, 0), 0);
    CHECK_EQ(ext1(MMUEXT_UNPIN_TABLE, 34, 0), -EINVAL);
    pv_check("unpinned");
    /* Base pointers: the new one validated (not pinned), the old one's
     * references dropped; the same again reloads CR3. */
    mem[35][0] = pte(11, P);
    reloads = 0;
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 35, 0), 0);
    CHECK_EQ(vcpu.base, 35);
    CHECK_EQ(reloads, PV_RELOAD_BASE);
    CHECK_EQ(tcount(10), 1);                    /* only its pin now */
    CHECK_EQ(tcount(35), 1);
    reloads = 0;
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 35, 0), 0);
    CHECK_EQ(reloads, PV_RELOAD_BASE);
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 0, 0), -EINVAL);
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 10, 0), 0);
    CHECK_EQ(tcount(35), 0);
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 35, 0), 0);
    CHECK_EQ(vcpu.user_base, 35);
    pv_check("base pointers");
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    CHECK_EQ(vcpu.user_base, 0);
    CHECK_EQ(tcount(35), 0);
    /* Flushes. */
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_TLB | PV_FLUSH_LOCAL);
    CHECK_EQ(ext1(MMUEXT_INVLPG_LOCAL, 0x7000, 0), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_LOCAL);
    CHECK_EQ(last_flush_va, 0x7000);
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_TLB | PV_FLUSH_DOMAIN);
    CHECK_EQ(ext1(MMUEXT_INVLPG_ALL, 0xffff880000001000ull, 0), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_DOMAIN);
    uint64_t m = 0xff;                          /* bits beyond the 3 vCPUs are ignored */
    memcpy(gmem + (GMASK - GVA_BASE), &m, 8);
    CHECK_EQ(ext1(MMUEXT_TLB_FLUSH_MULTI, 0, GMASK), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_TLB | PV_FLUSH_VCPUS);
    CHECK_EQ(last_flush_mask[0], 7);
    CHECK_EQ(ext1(MMUEXT_INVLPG_MULTI, 0x5000, GMASK), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_VCPUS);
    CHECK_EQ(ext1(MMUEXT_INVLPG_MULTI, 0x5000, BAD_GVA), -EINVAL);
    int before = nr_flush;                      /* the hypervisor's range: nothing of the guest's */
    CHECK_EQ(ext1(MMUEXT_INVLPG_LOCAL, 0xffff800000001000ull, 0), 0);
    CHECK_EQ(ext1(MMUEXT_INVLPG_ALL, 0x0000800000000000ull, 0), 0);
    CHECK_EQ(nr_flush, before);
    /* Caches: only with devices. */
    CHECK_EQ(ext1(MMUEXT_FLUSH_CACHE, 0, 0), -EACCES);
    CHECK_EQ(ext1(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), -EINVAL);
    env.cache_attrs_ok = true;
    CHECK_EQ(ext1(MMUEXT_FLUSH_CACHE, 0, 0), 0);
    CHECK_EQ(ext1(MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), 0);
    CHECK_EQ(nr_cache, 2);
    env.cache_attrs_ok = false;
    /* LDT. */
    reloads = 0;
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10000, 16), 0);
    CHECK_EQ(vcpu.ldt_base, 0x10000);
    CHECK_EQ(vcpu.ldt_ents, 16);
    CHECK_EQ(reloads, PV_RELOAD_LDT);
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10008, 16), -EINVAL);
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x10000, 8193), -EINVAL);
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0xffff800000000000ull, 1), -EINVAL);
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x00007ffffffff000ull, 1024), -EINVAL);  /* runs past the lower half */
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x1234, 0), 0);                           /* no LDT: base ignored */
    CHECK_EQ(vcpu.ldt_base, 0);
    /* Clear and copy. */
    for (int i = 0; i < 512; i++)
        mem[36][i] = 0x1111111111111111ull * (i & 7);
    CHECK_EQ(ext1(MMUEXT_COPY_PAGE, 37, 36), 0);
    CHECK(!memcmp(mem[37], mem[36], sizeof(mem[36])));
    CHECK_EQ(ext1(MMUEXT_CLEAR_PAGE, 36, 0), 0);
    CHECK_EQ(mem[36][7], 0);
    CHECK_EQ(ext1(MMUEXT_COPY_PAGE, 37, 13), 0);    /* reading a page table is fine */
    CHECK_EQ(mem[37][0], mem[13][0]);
    /* The rest. */
    CHECK_EQ(ext1(MMUEXT_MARK_SUPER, 36, 0), -EOPNOTSUPP);
    CHECK_EQ(ext1(MMUEXT_UNMARK_SUPER, 36, 0), -EOPNOTSUPP);
    CHECK_EQ(ext1(14, 0, 0), -ENOSYS);
    CHECK_EQ(ext1(0x80000000u, 0, 0), -ENOSYS);
    /* Batches: done counts up to the failing op. */
    struct mmuext_op ops[3] = {
        { .cmd = MMUEXT_PIN_L1_TABLE, .arg1 = 38 }, { .cmd = MMUEXT_PIN_L1_TABLE, .arg1 = 38 },
        { .cmd = MMUEXT_UNPIN_TABLE, .arg1 = 38 },
    };
    CHECK_EQ(ext(ops, 3, DOMID_SELF), -EINVAL);
    CHECK_EQ(done_val(), 1);
    CHECK_EQ(ext(ops + 2, 1, DOMID_SELF), 0);
    CHECK_EQ(ext(ops, 1, OTHER), -EPERM);
    CHECK_EQ(ext(ops, 1, DOM), -ESRCH);
    CHECK_EQ(run(pv_mmuext_op, 0xffff810000000000ull, 1, DOMID_SELF), -EFAULT);
    /* A long batch of cheap ops is preempted between ops too. */
    static struct mmuext_op many[5000];
    for (int i = 0; i < 5000; i++)
        many[i] = (struct mmuext_op){ .cmd = i % 2 ? MMUEXT_INVLPG_LOCAL : MMUEXT_TLB_FLUSH_LOCAL, .arg1 = 0x3000 };
    before = nr_flush;
    preempt_every = 100;
    preempt_calls = 0;
    CHECK_EQ(ext(many, 5000, DOMID_SELF), 0);
    preempt_every = 0;
    CHECK_EQ(rounds, 49);                       /* 50 calls of 100 ops */
    CHECK_EQ(done_val(), 5000);
    CHECK_EQ(nr_flush - before, 5000);
    pv_check("mmuext done");
    pv_teardown("mmuext teardown");
}

static void test_update_va_mapping(void)
{
    setup();
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(0, 5), pte(22, P | RW), UVMF_INVLPG | UVMF_LOCAL), 0);
    CHECK_EQ(mem[13][5], pte(22, P | RW | US));
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_LOCAL);
    CHECK_EQ(last_flush_va, va_of(0, 5));
    CHECK_EQ(nr_stale, 0);
    /* A changed entry: the guest's local flush does not reach other CPUs. */
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(0, 5), pte(23, P), UVMF_TLB_FLUSH | UVMF_LOCAL), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_TLB | PV_FLUSH_LOCAL);
    CHECK_EQ(nr_stale, 1);
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(0, 5), pte(22, P), UVMF_INVLPG | UVMF_ALL), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_DOMAIN);
    CHECK_EQ(nr_stale, 1);                      /* ... an INVLPG on every CPU does */
    uint64_t m = 2;
    memcpy(gmem + (GMASK - GVA_BASE), &m, 8);
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(1, 9), pte(24, P), UVMF_INVLPG | GMASK), 0);
    CHECK_EQ(last_flush_how, PV_FLUSH_VA | PV_FLUSH_VCPUS);
    CHECK_EQ(last_flush_mask[0], 2);
    CHECK_EQ(mem[14][9], pte(24, P | US));
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(1, 9), 0, UVMF_INVLPG | BAD_GVA), -EFAULT);
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(1, 9), pte(24, P), UVMF_NONE), 0);
    /* Nothing mapped there at an upper level. */
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(2, 0), pte(24, P), 0), -EINVAL);
    CHECK_EQ(pv_update_va_mapping(&penv, 1ull << 39, pte(24, P), 0), -EINVAL);
    /* Other domains. */
    CHECK_EQ(pv_update_va_mapping_otherdomain(&penv, va_of(0, 6), pte(24, P), 0, DOMID_SELF), 0);
    CHECK_EQ(mem[13][6], pte(24, P | US));
    CHECK_EQ(pv_update_va_mapping_otherdomain(&penv, va_of(0, 6), 0, 0, OTHER), -EPERM);
    CHECK_EQ(pv_update_va_mapping_otherdomain(&penv, va_of(0, 6), 0, 0, DOM), -ESRCH);
    CHECK_EQ(mem[13][6], pte(24, P | US));
    /* No base pointer: nothing to walk. */
    pv_check("update_va_mapping");
    pv_teardown("update_va_mapping teardown");
    CHECK_EQ(pv_update_va_mapping(&penv, va_of(0, 6), 0, 0), -EINVAL);
}

static void test_descriptors(void)
{
    setup();
    /* GDT frames 40 and 41: a ring-0 code descriptor is raised to ring 3. */
    mem[40][1] = CODE_DPL0;
    mem[40][2] = seg(0x93, 0xc);
    mem[41][5] = CODE_DPL3;
    uint64_t fl[2] = { 40, 41 };
    memcpy(gmem + (GFRAMES - GVA_BASE), fl, sizeof(fl));
    reloads = 0;
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, 600), 0);
    CHECK_EQ(reloads, PV_RELOAD_GDT);
    CHECK_EQ(vcpu.gdt_ents, 600);
    CHECK_EQ(vcpu.gdt_frames[1], 41);
    CHECK_EQ(ttype(40), FRAME_TYPE_SEG_DESC);
    CHECK_EQ(mem[40][1], CODE_DPL3);
    CHECK_EQ(mem[40][2], seg(0xf3, 0xc));
    pv_check("GDT");
    /* update_descriptor: into the GDT (checked, raised) and into a plain frame. */
    CHECK_EQ(pv_update_descriptor(&penv, ma(40, 3), CODE_DPL0), 0);
    CHECK_EQ(mem[40][3], CODE_DPL3);
    CHECK_EQ(pv_update_descriptor(&penv, ma(42, 0), CODE_DPL3), 0);
    CHECK_EQ(mem[42][0], CODE_DPL3);
    CHECK_EQ(tcount(42), 0);
    /* A descriptor frame cannot be mapped writable or written with mmu_update. */
    CHECK_EQ(upd1(ma(13, 7), pte(40, P | RW)), -EINVAL);
    CHECK_EQ(upd1(ma(40, 0), CALL_GATE), -EINVAL);
    CHECK_EQ(upd1(ma(13, 7), pte(40, P)), 0);   /* read-only it may */
    /* A new GDT replaces the old; an empty one drops everything. */
    fl[0] = 42;
    memcpy(gmem + (GFRAMES - GVA_BASE), fl, 8);
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, 512), 0);
    CHECK_EQ(tcount(40), 0);
    CHECK_EQ(tcount(41), 0);
    CHECK_EQ(tcount(42), 1);
    pv_check("GDT replaced");
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, 0), 0);
    CHECK_EQ(tcount(42), 0);
    CHECK_EQ(pv_set_gdt(&penv, BAD_GVA, 1), -EFAULT);
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, PV_GDT_MAX_ENTRIES + 1), -EINVAL);
    CHECK_EQ(pv_set_gdt(&penv, BAD_GVA, 0), 0);  /* no frames to read */
    pv_check("GDT done");
    pv_teardown("GDT teardown");
}

/* ---- hostile cases (issue 14 item 6) ---- */

static void test_hostile(void)
{
    setup();
    ft[50].owner = OTHER;
    ft[51].owner = DOMID_XEN;
    mem[45][0] = pte(12, P);                    /* L2 45 maps L2 12 linearly (read-only) */
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 45, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 48, 0), 0); /* an empty L2 */
    mem[40][1] = CODE_DPL3;
    uint64_t fl[1] = { 40 };
    memcpy(gmem + (GFRAMES - GVA_BASE), fl, 8);
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, 16), 0);
    pv_check("hostile set-up");

    /* A writable mapping of a page-table frame, by every route. */
    HOSTILE("L1 maps itself writable", upd1(ma(13, 5), pte(13, P | RW)), -EINVAL);
    HOSTILE("L1 maps an L2 writable", upd1(ma(13, 5), pte(12, P | RW)), -EINVAL);
    HOSTILE("L1 maps the L4 writable", upd1(ma(13, 5), pte(10, P | RW)), -EINVAL);
    HOSTILE("update_va_mapping to an L3, writable", pv_update_va_mapping(&penv, va_of(0, 5), pte(11, P | RW), 0),
            -EINVAL);
    HOSTILE("pin a frame mapped writable", ext1(MMUEXT_PIN_L1_TABLE, 20, 0), -EINVAL);
    HOSTILE("base pointer on a frame mapped writable", ext1(MMUEXT_NEW_BASEPTR, 20, 0), -EINVAL);
    HOSTILE("clear a page table", ext1(MMUEXT_CLEAR_PAGE, 12, 0), -EINVAL);
    HOSTILE("copy onto a page table", ext1(MMUEXT_COPY_PAGE, 13, 21), -EINVAL);
    HOSTILE("descriptor into a page table", pv_update_descriptor(&penv, ma(13, 0), CODE_DPL3), -EINVAL);
    HOSTILE("GDT frame that is a page table", (memcpy(gmem + (GFRAMES - GVA_BASE), &(uint64_t){ 13 }, 8),
                                               pv_set_gdt(&penv, GFRAMES, 16)), -EINVAL);

    /* Linear page tables: read-only, same level, one deep. */
    HOSTILE("writable L4 self-map", upd1(ma(10, 5), pte(10, P | RW)), -EINVAL);
    HOSTILE("L2 names an L3", upd1(ma(12, 7), pte(11, P)), -EINVAL);
    HOSTILE("L3 names the L4", upd1(ma(11, 7), pte(10, P)), -EINVAL);
    HOSTILE("L2 names the L4", upd1(ma(12, 7), pte(10, P)), -EINVAL);
    HOSTILE("writable linear L2", upd1(ma(45, 1), pte(12, P | RW)), -EINVAL);
    HOSTILE("linear to a table holding linear entries", upd1(ma(48, 9), pte(45, P)), -EINVAL);
    HOSTILE("linear from a linear target", upd1(ma(12, 9), pte(48, P)), -EINVAL);
    CHECK_EQ(upd1(ma(10, 5), pte(10, P)), 0);   /* a read-only self-map is allowed */
    CHECK_EQ(upd1(ma(10, 5), 0), 0);
    pv_check("linear");

    /* Another domain's frames, the hypervisor's, frames beyond the table. */
    HOSTILE("map another domain's frame", upd1(ma(13, 5), pte(50, P)), -EINVAL);
    HOSTILE("map a hypervisor frame", upd1(ma(13, 5), pte(51, P)), -EINVAL);
    HOSTILE("map beyond memory", upd1(ma(13, 5), pte(NF + 3, P)), -EINVAL);
    HOSTILE("update another domain's frame", upd1(ma(50, 0), 0), -EINVAL);
    HOSTILE("update a hypervisor frame", upd1(ma(51, 0), 0), -EINVAL);
    HOSTILE("M2P of a hypervisor frame", upd1(ma(51, 0) | MMU_MACHPHYS_UPDATE, 1), -EINVAL);
    HOSTILE("pin another domain's frame", ext1(MMUEXT_PIN_L1_TABLE, 50, 0), -EINVAL);
    HOSTILE("base pointer on a hypervisor frame", ext1(MMUEXT_NEW_BASEPTR, 51, 0), -EINVAL);
    HOSTILE("user base pointer beyond memory", ext1(MMUEXT_NEW_USER_BASEPTR, NF + 1, 0), -EINVAL);
    HOSTILE("copy from a hypervisor frame", ext1(MMUEXT_COPY_PAGE, 22, 51), -EINVAL);
    HOSTILE("clear another domain's frame", ext1(MMUEXT_CLEAR_PAGE, 50, 0), -EINVAL);
    HOSTILE("unpin another domain's frame", ext1(MMUEXT_UNPIN_TABLE, 50, 0), -EINVAL);
    HOSTILE("update_va_mapping of a hypervisor frame", pv_update_va_mapping(&penv, va_of(0, 5), pte(51, P), 0),
            -EINVAL);
    HOSTILE("GDT frame of another domain", (memcpy(gmem + (GFRAMES - GVA_BASE), &(uint64_t){ 50 }, 8),
                                            pv_set_gdt(&penv, GFRAMES, 16)), -EINVAL);
    HOSTILE("descriptor into a hypervisor frame", pv_update_descriptor(&penv, ma(51, 0), CODE_DPL3), -EINVAL);
    HOSTILE("foreign frames in mmu_update", mmu(&(struct mmu_update){ ma(13, 5), pte(50, P) }, 1, OTHER), -EPERM);
    HOSTILE("foreign frames in mmuext_op", ext(&(struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE, .arg1 = 50 }, 1,
                                                OTHER), -EPERM);
    HOSTILE("update_va_mapping_otherdomain", pv_update_va_mapping_otherdomain(&penv, va_of(0, 5), pte(50, P), 0,
                                                                              OTHER), -EPERM);

    /* Superpages. */
    HOSTILE("L2 superpage", upd1(ma(12, 5), pte(30, P | RW | PS)), -EINVAL);
    HOSTILE("L3 superpage", upd1(ma(11, 5), pte(30, P | RW | PS)), -EINVAL);
    mem[46][3] = pte(30, P | PS);
    HOSTILE("pin an L2 holding a superpage", ext1(MMUEXT_PIN_L2_TABLE, 46, 0), -EINVAL);
    HOSTILE("L1 with cache attributes, no devices", upd1(ma(13, 5), pte(30, P | PCD)), -EINVAL);
    HOSTILE("global bit in an L2", upd1(ma(12, 5), pte(14, P | G)), -EINVAL);

    /* The hypervisor's L4 slots and addresses. */
    HOSTILE("L4 slot 256", upd1(ma(10, 256), pte(11, P)), -EINVAL);
    HOSTILE("L4 slot 271", upd1(ma(10, 271), pte(11, P)), -EINVAL);
    HOSTILE("clearing L4 slot 260", upd1(ma(10, 260), 0), -EINVAL);
    HOSTILE("update_va_mapping in the hypervisor's range",
            pv_update_va_mapping(&penv, 0xffff800000001000ull, pte(22, P), 0), -EINVAL);
    HOSTILE("update_va_mapping at its top", pv_update_va_mapping(&penv, 0xffff87fffffff000ull, pte(22, P), 0),
            -EINVAL);
    HOSTILE("update_va_mapping non-canonical", pv_update_va_mapping(&penv, 0x0000800000000000ull, pte(22, P), 0),
            -EINVAL);
    HOSTILE("update_va_mapping non-canonical alias of a guest address",
            pv_update_va_mapping(&penv, 0xffff000000000000ull | va_of(0, 5), pte(22, P), 0), -EINVAL);
    HOSTILE("request array in the hypervisor's range", run(pv_mmu_update, 0xffff840000000000ull, 2, DOMID_SELF),
            -EFAULT);
    HOSTILE("request array wrapping", run(pv_mmu_update, 0xfffffffffffffff0ull, 2, DOMID_SELF), -EFAULT);
    CHECK_EQ(upd1(ma(10, 272), pte(11, P)), 0);   /* the guest's slots on either side are fine */
    CHECK_EQ(upd1(ma(10, 255), pte(11, P)), 0);

    /* Descriptors: ring 0 is raised to 3, gates and system descriptors refused. */
    HOSTILE("call gate via update_descriptor", pv_update_descriptor(&penv, ma(40, 4), CALL_GATE), -EINVAL);
    HOSTILE("TSS via update_descriptor",
            pv_update_descriptor(&penv, ma(40, 4), (1ull << 47) | (9ull << 40) | 0x67), -EINVAL);
    HOSTILE("misaligned update_descriptor", pv_update_descriptor(&penv, ma(40, 4) + 4, CODE_DPL3), -EINVAL);
    mem[47][9] = CALL_GATE;
    HOSTILE("GDT frame holding a call gate", (memcpy(gmem + (GFRAMES - GVA_BASE), &(uint64_t){ 47 }, 8),
                                              pv_set_gdt(&penv, GFRAMES, 16)), -EINVAL);
    snapshot();
    CHECK_EQ(pv_update_descriptor(&penv, ma(40, 4), CODE_DPL0), 0);
    CHECK_EQ(mem[40][4], CODE_DPL3);
    CHECK_EQ(ft[40].count, snap_ft[40].count);
    CHECK_EQ(ft[40].type_info, snap_ft[40].type_info);
    pv_check("hostile done");
    pv_teardown("hostile teardown");
}

/* A table that held a frame as a page table must be flushed from every
 * TLB before the frame becomes anything else. */
static void test_retype_flushes(void)
{
    setup();
    CHECK_EQ(upd1(ma(12, 1), 0), 0);            /* L1 14 is no longer a table */
    CHECK_EQ(nr_stale, 1);
    CHECK_EQ(tcount(14), 0);
    CHECK_EQ(nr_table_gone, 0);
    CHECK_EQ(upd1(ma(13, 8), pte(14, P | RW)), 0);
    CHECK_EQ(nr_table_gone, 1);
    CHECK_EQ(ttype(14), FRAME_TYPE_WRITABLE);
    flushes = 0;                                /* and writable frames before they become tables */
    CHECK_EQ(upd1(ma(13, 8), 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, 14, 0), 0);
    CHECK_EQ(flushes, 1);
    pv_check("retype");
    pv_teardown("retype teardown");
}

/* ---- continuations ---- */

static struct mmu_update big[100000];
static uint64_t want_mem[NF][512];
static struct frame want_ft[NF];
static uint64_t want_m2p[NF];

static void big_batch_setup(void)
{
    setup();
    for (int t = 15; t <= 18; t++)
        CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, t, 0), 0);
    for (unsigned k = 0; k < 100000; k++) {
        uint64_t t = 15 + k % 4, idx = (k * 7) % 512;
        if (k % 1000 == 999)
            big[k] = (struct mmu_update){ ma(20 + k % 10, 0) | MMU_MACHPHYS_UPDATE, k };
        else
            big[k] = (struct mmu_update){ ma(t, (unsigned)idx), k % 3 == 0 ? 0 : pte(20 + k % 10, P | (k & 1 ? RW : 0)) };
    }
}

static void test_big_batch(void)
{
    /* Without preemption: the reference result. */
    big_batch_setup();
    CHECK_EQ(mmu(big, 100000, DOMID_SELF), 0);
    CHECK_EQ(rounds, 0);
    CHECK_EQ(done_val(), 100000);
    pv_check("big batch");
    memcpy(want_mem, mem, sizeof(mem));
    memcpy(want_ft, ft, sizeof(ft));
    memcpy(want_m2p, m2p, sizeof(m2p));
    pv_teardown("big batch teardown");

    /* Preempted: the first call stops with its continuation's arguments. */
    big_batch_setup();
    memcpy(gmem, big, sizeof(big));
    preempt_every = 997;
    preempt_calls = 0;
    uint32_t zero = 0;
    memcpy(gmem + (GDONE - GVA_BASE), &zero, 4);
    args[0] = GREQ;
    args[1] = 100000;
    args[2] = GDONE;
    args[3] = DOMID_SELF;
    CHECK_EQ(pv_mmu_update(&penv, args), -ERESTART);
    uint32_t d1 = done_val();
    CHECK_EQ(d1, 997);
    CHECK_EQ(args[0], GREQ + d1 * 16ull);
    CHECK_EQ(args[1], (100000 - d1) | MMU_UPDATE_PREEMPTED);
    CHECK_EQ(args[2], GDONE);
    CHECK_EQ(args[3], DOMID_SELF);
    int n = 1;
    long rc;
    while ((rc = pv_mmu_update(&penv, args)) == -ERESTART && n < 100000)
        n++;
    preempt_every = 0;
    CHECK_EQ(rc, 0);
    CHECK(n > 90);
    CHECK_EQ(done_val(), 100000);
    CHECK(!memcmp(mem, want_mem, sizeof(mem)));
    CHECK(!memcmp(ft, want_ft, sizeof(ft)));
    CHECK(!memcmp(m2p, want_m2p, sizeof(m2p)));
    printf("pv_mmu: 100,000-entry batch done in %d calls\n", n + 1);
    pv_check("preempted big batch");
    pv_teardown("preempted big batch teardown");
}

/* L4 80 -> L3 81, 82 -> L2 83, 84 -> L1 85..88 -> data 89..95, shared so
 * that preemption stops at every level. */
static void build_wide(void)
{
    mem[80][0] = pte(81, P | RW);
    mem[80][1] = pte(82, P | RW);
    for (int i = 0; i < 3; i++) {
        mem[81][i] = pte(83 + (i & 1), P | RW);
        mem[82][i * 7] = pte(84 - (i & 1), P | RW);
    }
    for (int i = 0; i < 4; i++) {
        mem[83][i] = pte(85 + i, P | RW);
        mem[84][i * 3] = pte(85 + ((i + 1) & 3), P | RW);
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 7; j++)
            mem[85 + i][j * 11] = pte(89 + (i + j) % 7, (i + j) & 1 ? P | RW : P);
}

static void test_deep_pin(void)
{
    for (int every = 1; every <= 3; every++) {
        setup();
        build_wide();
        struct mmuext_op ops[2] = { { .cmd = MMUEXT_PIN_L4_TABLE, .arg1 = 80 }, { .cmd = MMUEXT_NEW_BASEPTR, .arg1 = 80 } };
        preempt_every = every;
        preempt_calls = 0;
        CHECK_EQ(ext(ops, 2, DOMID_SELF), 0);
        preempt_every = 0;
        CHECK(rounds > 2);
        CHECK_EQ(done_val(), 2);
        CHECK(ft[80].type_info & PGT_PINNED);
        CHECK_EQ(vcpu.base, 80);
        CHECK_EQ(tcount(10), 1);                /* the old base's reference went */
        pv_check("deep pin");
        pv_teardown("deep pin teardown");
    }
    /* A base pointer whose validation is preempted, continued. */
    setup();
    build_wide();
    preempt_every = 1;
    preempt_calls = 0;
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 80, 0), 0);
    preempt_every = 0;
    CHECK(rounds > 2);
    CHECK_EQ(vcpu.base, 80);
    CHECK(!(ft[80].type_info & PGT_PINNED));
    pv_check("preempted base pointer");
    pv_teardown("preempted base pointer teardown");
    /* Abandoned part-way: other uses refused meanwhile, the domain's
     * death drops it. */
    setup();
    build_wide();
    preempt_every = 2;
    preempt_calls = 0;
    args[0] = GREQ;
    args[1] = 1;
    args[2] = 0;
    args[3] = DOMID_SELF;
    memcpy(gmem, &(struct mmuext_op){ .cmd = MMUEXT_PIN_L4_TABLE, .arg1 = 80 }, sizeof(struct mmuext_op));
    CHECK_EQ(pv_mmuext_op(&penv, args), -ERESTART);
    preempt_every = 0;
    CHECK(ft[80].type_info & PGT_PARTIAL);
    CHECK_EQ(ext1(MMUEXT_PIN_L3_TABLE, 80, 0), -EBUSY);
    CHECK_EQ(upd1(ma(13, 9), pte(80, P | RW)), -EINVAL);
    pv_teardown("abandoned pin");
    /* A pin stopped part-way is continued by the next top-level operation
     * of the same type on the frame: here a base-pointer switch, whose
     * references the partial ones become; the pin issued again then pins. */
    setup();
    build_wide();
    preempt_every = 2;
    preempt_calls = 0;
    args[0] = GREQ;
    args[1] = 1;
    args[2] = 0;
    args[3] = DOMID_SELF;
    memcpy(gmem, &(struct mmuext_op){ .cmd = MMUEXT_PIN_L4_TABLE, .arg1 = 80 }, sizeof(struct mmuext_op));
    CHECK_EQ(pv_mmuext_op(&penv, args), -ERESTART);
    preempt_every = 0;
    CHECK_EQ(ext1(MMUEXT_NEW_BASEPTR, 80, 0), 0);
    CHECK(!(ft[80].type_info & PGT_PINNED));
    CHECK_EQ(tcount(80), 1);
    CHECK_EQ(ft[80].count, 1);
    pv_check("pin continued by a base pointer");
    memcpy(gmem, &(struct mmuext_op){ .cmd = MMUEXT_PIN_L4_TABLE, .arg1 = 80 }, sizeof(struct mmuext_op));
    CHECK_EQ(pv_mmuext_op(&penv, args), 0);     /* the guest re-issues its continuation */
    CHECK(ft[80].type_info & PGT_PINNED);
    CHECK_EQ(tcount(80), 2);
    pv_check("pin issued again");
    pv_teardown("pin continued teardown");
}

/* Every kind of reference a domain can hold, then its death. */
static void test_death(void)
{
    setup();
    build_wide();
    mem[60][0] = pte(61, P);                    /* pinned L3 60 -> L2 61 -> L1 62 */
    mem[61][0] = pte(62, P);
    mem[61][1] = pte(61, P);                    /* a self-map */
    mem[62][0] = pte(63, P | RW);
    CHECK_EQ(ext1(MMUEXT_PIN_L3_TABLE, 60, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 64, 0), 0);
    CHECK_EQ(ext1(MMUEXT_PIN_L1_TABLE, 65, 0), 0);
    mem[66][0] = pte(12, P);                    /* linear L2 */
    CHECK_EQ(ext1(MMUEXT_PIN_L2_TABLE, 66, 0), 0);
    CHECK_EQ(ext1(MMUEXT_NEW_USER_BASEPTR, 67, 0), 0);
    mem[68][0] = CODE_DPL0;
    memcpy(gmem + (GFRAMES - GVA_BASE), &(uint64_t){ 68 }, 8);
    CHECK_EQ(pv_set_gdt(&penv, GFRAMES, 1), 0);
    CHECK_EQ(upd1(ma(13, 20), pte(69, P | RW)), 0);
    CHECK_EQ(ext1(MMUEXT_SET_LDT, 0x20000, 4), 0);
    /* and a deep pin abandoned part-way */
    preempt_every = 2;
    preempt_calls = 0;
    args[0] = GREQ;
    args[1] = 1;
    args[2] = 0;
    args[3] = DOMID_SELF;
    memcpy(gmem, &(struct mmuext_op){ .cmd = MMUEXT_PIN_L4_TABLE, .arg1 = 80 }, sizeof(struct mmuext_op));
    CHECK_EQ(pv_mmuext_op(&penv, args), -ERESTART);
    preempt_every = 0;
    int kinds[8] = { 0 };
    for (int f = 0; f < NF; f++)
        if (ft[f].type_info & PGT_COUNT_MASK)
            kinds[ttype(f)]++;
    for (int k = FRAME_TYPE_WRITABLE; k <= FRAME_TYPE_SEG_DESC; k++)
        CHECK(kinds[k] > 0);
    pv_teardown("death");
}

int main(void)
{
    test_mmu_update();
    test_mmuext();
    test_update_va_mapping();
    test_descriptors();
    test_hostile();
    test_retype_flushes();
    test_big_batch();
    test_deep_pin();
    test_death();
    printf("pv_mmu: %d checks, %d failures\n", t_checks, t_failures);
    free(gmem);
    return t_failures != 0;
}
