/*
 * A fake PV vCPU for src/pv/mm_hcall.c over the fake machine of
 * pgtype_fake.h (shared by unit_pv_mmu and fuzz_pv_mmu): guest-virtual
 * memory for request arrays (a flat buffer at GVA_BASE; anything else
 * faults), recorded flushes and reloads, an M2P array, and the checker's
 * "held" references taken from the vCPU's base pointers and GDT.
 * The includer defines PGF_FAIL and PGF_CHECKED as for pgtype_fake.h.
 */
#ifndef RV_TESTS_PVMMU_FAKE_H
#define RV_TESTS_PVMMU_FAKE_H

#include <stdlib.h>

#include "pgtype_fake.h"
#include "pv/mm_hcall.h"
#include "public/xen.h"

#define GVA_BASE  0x40000000ull
#define GVA_SIZE  (2u << 20)            /* room for 100,000 mmu_update requests */

static uint8_t *gmem;
static struct pv_mmu_vcpu vcpu;
static uint64_t m2p[NF];
static int nr_stale, nr_cache, nr_table_gone, nr_flush;
static unsigned last_flush_how, reloads;
static uint64_t last_flush_va, last_flush_mask[PV_MMU_MAX_VCPUS / 64];

static int g_copy_from(const struct pv_mmu_env *e, void *dst, uint64_t gva, uint64_t len)
{
    (void)e;
    if (gva < GVA_BASE || len > GVA_SIZE || gva - GVA_BASE > GVA_SIZE - len)
        return -EFAULT;
    memcpy(dst, gmem + (gva - GVA_BASE), len);
    return 0;
}

static int g_copy_to(const struct pv_mmu_env *e, uint64_t gva, const void *src, uint64_t len)
{
    (void)e;
    if (gva < GVA_BASE || len > GVA_SIZE || gva - GVA_BASE > GVA_SIZE - len)
        return -EFAULT;
    memcpy(gmem + (gva - GVA_BASE), src, len);
    return 0;
}

static void g_flush(const struct pv_mmu_env *e, unsigned how, uint64_t va, const uint64_t *mask)
{
    (void)e;
    nr_flush++;
    last_flush_how = how;
    last_flush_va = va;
    memset(last_flush_mask, 0, sizeof(last_flush_mask));
    if ((how & PV_FLUSH_WHERE) == PV_FLUSH_VCPUS)
        memcpy(last_flush_mask, mask, sizeof(last_flush_mask));
}

static void g_stale(const struct pv_mmu_env *e) { (void)e; nr_stale++; }
static void g_cache(const struct pv_mmu_env *e, bool global) { (void)e; (void)global; nr_cache++; }
static void g_reload(const struct pv_mmu_env *e, unsigned what) { (void)e; reloads |= what; }
static void g_m2p(const struct pv_mmu_env *e, uint64_t mfn, uint64_t pfn) { (void)e; m2p[mfn] = pfn; }
static void g_table_gone(const struct pgt_env *e, uint64_t mfn) { (void)e; (void)mfn; nr_table_gone++; }

static struct pv_mmu_env penv = {
    .pgt = &env, .dom = DOM, .nr_vcpus = 3, .vcpu = &vcpu,
    .copy_from = g_copy_from, .copy_to = g_copy_to, .flush = g_flush, .stale = g_stale,
    .cache_flush = g_cache, .reload = g_reload, .m2p_set = g_m2p,
};

/* reset() of pgtype_fake.h plus this vCPU; frame 0 is the hypervisor's
 * (a base pointer of 0 means none). */
static void pv_reset(void)
{
    reset();
    ft[0].owner = DOMID_XEN;
    env.validate_desc = pv_desc_frame_ok;
    env.table_gone = g_table_gone;
    if (!gmem)
        gmem = calloc(1, GVA_SIZE);
    memset(gmem, 0, GVA_SIZE);
    memset(&vcpu, 0, sizeof(vcpu));
    memset(m2p, 0, sizeof(m2p));
    nr_stale = nr_cache = nr_table_gone = nr_flush = 0;
    last_flush_how = reloads = 0;
    last_flush_va = 0;
    penv.privileged = false;
}

/* The references the vCPU holds, for the checker. */
static void sync_held(void)
{
    memset(held_gen, 0, sizeof(held_gen));
    memset(held_typ, 0, sizeof(held_typ));
    if (vcpu.base && vcpu.base < NF) {
        held_gen[vcpu.base]++;
        held_typ[vcpu.base]++;
    }
    if (vcpu.user_base && vcpu.user_base < NF) {
        held_gen[vcpu.user_base]++;
        held_typ[vcpu.user_base]++;
    }
    for (unsigned i = 0; i < (vcpu.gdt_ents + 511) / 512; i++)
        if (vcpu.gdt_frames[i] < NF) {
            held_gen[vcpu.gdt_frames[i]]++;
            held_typ[vcpu.gdt_frames[i]]++;
        }
}

static void pv_check(const char *where)
{
    sync_held();
    check_consistent(where);
}

/* The domain dies: its vCPU's references, then every frame's pins and
 * abandoned operations; nothing may remain. */
static void pv_teardown(const char *where)
{
    pv_mmu_vcpu_teardown(&penv);
    memset(held_gen, 0, sizeof(held_gen));
    memset(held_typ, 0, sizeof(held_typ));
    for (int f = 0; f < NF; f++)
        pgt_relinquish(&env, DOM, f);
    check_all_zero(where);
}

static inline bool any_partial(void)
{
    for (int f = 0; f < NF; f++)
        if (ft[f].type_info & PGT_PARTIAL)
            return true;
    return false;
}

#endif
