/*
 * libFuzzer harness of the PV MMU hypercalls (src/pv/mm_hcall.c) over the
 * fake vCPU and machine of tests/unit/pvmmu_fake.h.  The input is a
 * sequence of guest actions, 8 bytes each: writes to frames the guest may
 * write, mmu_update batches (every command, with or without preemption,
 * continued to the end or abandoned part-way), every mmuext_op command,
 * update_va_mapping with every flush kind, set_gdt, update_descriptor.
 * After every step with nothing part-validated: the reference counts equal
 * a recount from the tables, pins, base pointers and GDT (pgtype_fake.h's
 * checker), every base pointer is a validated L4, and every descriptor
 * frame in use holds only descriptors the check accepts unchanged.  After
 * the domain's death every count must be 0.
 */
#include <stdint.h>
#include <stdlib.h>

#define PGF_FAIL(...) do { fprintf(stderr, __VA_ARGS__); abort(); } while (0)
#define PGF_CHECKED() ((void)0)
#include "pvmmu_fake.h"
#include "pv/desc.h"

#define GREQ   GVA_BASE
#define GDONE  (GVA_BASE + 4096)
#define GMASK  (GVA_BASE + 8192)
#define GLIST  (GVA_BASE + 12288)

static const uint64_t descs[] = {
    0, 0x00cf9b000000ffffull /* ring-0 code */, 0x00affb000000ffffull /* ring-3 code */,
    0x00cf93000000ffffull /* ring-0 data */, 0x0000ec0000100000ull /* call gate */,
    0x0000890000000067ull /* TSS */, 0x0000800000000000ull /* system type 0 */,
};

static uint64_t entry(uint8_t f, uint8_t bits)
{
    /* P, RW, US, PCD, PS, G, NX in various mixes; sometimes not present. */
    static const uint64_t fl[8] = { P | RW, P, P | RW | US, P | PCD, P | RW | PS, P | G, P | NX, 0 };
    return ((uint64_t)(f % (NF + 2)) << 12) | fl[bits & 7] | ((bits & 8) ? 0x60 : 0);
}

static uint64_t frame(uint8_t b) { return b % (NF + 2); }     /* now and then beyond the table */

/* The invariants the hypercalls add to pgtype's. */
static void check_vcpu(void)
{
    if (vcpu.base && (ttype((int)vcpu.base) != FRAME_TYPE_PT_L4 || !validated((int)vcpu.base)))
        PGF_FAIL("base pointer %llu is not a validated L4\n", (unsigned long long)vcpu.base);
    if (vcpu.user_base && (ttype((int)vcpu.user_base) != FRAME_TYPE_PT_L4 || !validated((int)vcpu.user_base)))
        PGF_FAIL("user base pointer %llu is not a validated L4\n", (unsigned long long)vcpu.user_base);
    for (int f = 0; f < NF; f++) {
        if (ttype(f) != FRAME_TYPE_SEG_DESC || !tcount(f))
            continue;
        if (!validated(f))
            PGF_FAIL("descriptor frame %d in use unvalidated\n", f);
        for (int i = 0; i < 512; i++) {
            uint64_t d = mem[f][i];
            if (pv_check_descriptor(&d) || d != mem[f][i])
                PGF_FAIL("descriptor frame %d entry %d holds %#llx\n", f, i, (unsigned long long)mem[f][i]);
        }
    }
}

/* Runs a batch call; 'abandon': stop after the first preemption as a
 * guest that never re-issues would. */
static void call(long (*fn)(const struct pv_mmu_env *, uint64_t *), unsigned n, uint32_t fd, bool abandon)
{
    uint64_t a[4] = { GREQ, n, GDONE, fd };
    long rc;
    int k = 0;
    /* Every call makes progress, so re-issuing always ends. */
    while ((rc = fn(&penv, a)) == -ERESTART && !abandon && k++ < 100000)
        ;
    if (rc > 0 || (rc == -ERESTART && !abandon))
        PGF_FAIL("batch rc %ld after %d continuations\n", rc, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    pv_reset();
    ft[NF - 1].owner = OTHER;
    ft[NF - 2].owner = DOMID_XEN;
    env.cache_attrs_ok = n && (d[0] & 1);
    for (size_t k = 1; k + 8 <= n; k += 8) {
        const uint8_t *r = d + k;
        unsigned op = r[0] & 7, f = (unsigned)frame(r[1]), i = r[2] % 16;
        preempt_every = (r[0] >> 3) & 3;
        preempt_calls = 0;
        bool abandon = (r[0] >> 5) & 1;
        switch (op) {
        case 0:     /* the guest writes a frame it may write (no table or descriptor type held) */
            if (f < NF && ft[f].owner == DOM &&
                (!tcount((int)f) || ttype((int)f) == FRAME_TYPE_WRITABLE || ttype((int)f) == FRAME_TYPE_NONE))
                mem[f][i] = (r[5] & 1) ? descs[r[6] % 7] : entry(r[3], r[4]);
            break;
        case 1: {   /* mmu_update, 1-3 requests */
            struct mmu_update u[3];
            unsigned cnt = 1 + r[7] % 3;
            for (unsigned j = 0; j < cnt; j++) {
                uint64_t t = frame((uint8_t)(r[1] + j * r[6]));
                u[j].ptr = (t << 12) | ((uint64_t)((i + j) % 16) << 3) | (r[5] >> (2 * j) & 3);
                u[j].val = entry((uint8_t)(r[3] + j), (uint8_t)(r[4] >> j));
            }
            if (r[6] == 0xff)
                u[0].ptr |= 4;      /* an unknown command */
            memcpy(gmem, u, sizeof(u));
            call(pv_mmu_update, cnt, r[7] == 0xfe ? OTHER : DOMID_SELF, abandon);
            break;
        }
        case 2: {   /* mmuext_op */
            struct mmuext_op o = { .cmd = r[3] % 22, .arg1 = f, .arg2 = frame(r[4]) };
            if (o.cmd == MMUEXT_INVLPG_LOCAL || o.cmd == MMUEXT_INVLPG_ALL || o.cmd == MMUEXT_SET_LDT)
                o.arg1 = ((uint64_t)r[4] << 12) | ((r[5] & 1) ? 0xffff800000000000ull : 0);
            if (o.cmd == MMUEXT_TLB_FLUSH_MULTI || o.cmd == MMUEXT_INVLPG_MULTI)
                o.arg2 = (r[5] & 2) ? GMASK : 0x1000;
            if (o.cmd == MMUEXT_SET_LDT)
                o.arg2 = (uint64_t)r[6] * 40;
            memcpy(gmem + (GMASK - GVA_BASE), &r[6], 1);
            memcpy(gmem, &o, sizeof(o));
            call(pv_mmuext_op, 1, DOMID_SELF, abandon);
            break;
        }
        case 3: {   /* update_va_mapping */
            static const uint64_t l4s[] = { 0, 1, 255, 256, 271, 272, 511, 0x1ffff };
            uint64_t va = (l4s[r[1] & 7] << 39) | ((uint64_t)(r[2] & 3) << 30) | ((uint64_t)(r[2] >> 2 & 3) << 21) |
                          ((uint64_t)(r[5] & 15) << 12);
            if (va & (1ull << 47))
                va |= 0xffff000000000000ull;
            static const uint64_t where[] = { UVMF_LOCAL, UVMF_ALL, GMASK, 0x1000 };
            uint64_t flags = (r[6] & 3) | where[(r[6] >> 2) & 3];
            long rc = (r[7] & 1) ? pv_update_va_mapping(&penv, va, entry(r[3], r[4]), flags)
                                 : pv_update_va_mapping_otherdomain(&penv, va, entry(r[3], r[4]), flags,
                                                                    r[7] & 2 ? DOMID_SELF : OTHER);
            if (rc > 0)
                PGF_FAIL("update_va_mapping rc %ld\n", rc);
            break;
        }
        case 4: {   /* set_gdt with up to 2 frames */
            uint64_t fl[2] = { f, frame(r[3]) };
            memcpy(gmem + (GLIST - GVA_BASE), fl, sizeof(fl));
            if (pv_set_gdt(&penv, GLIST, (r[4] & 1) ? 0 : (uint64_t)r[5] * 8) > 0)
                PGF_FAIL("set_gdt\n");
            break;
        }
        case 5:     /* update_descriptor */
            if (pv_update_descriptor(&penv, ((uint64_t)f << 12) | ((uint64_t)i << 3) | (r[3] & 1 ? 4 : 0),
                                     descs[r[4] % 7]) > 0)
                PGF_FAIL("update_descriptor\n");
            break;
        case 6:     /* a well-behaved guest continues whatever it left part-way */
            preempt_every = 0;
            for (int t = 0; t < NF; t++)
                if ((ft[t].type_info & PGT_PARTIAL_TOP) &&
                    pgt_pin(&env, DOM, t, pgt_level(frame_type_of(&ft[t])), 0) == 0)
                    pgt_unpin(&env, DOM, t);
            break;
        default: {  /* the base pointers */
            struct mmuext_op o = { .cmd = r[3] & 1 ? MMUEXT_NEW_USER_BASEPTR : MMUEXT_NEW_BASEPTR,
                                   .arg1 = (r[4] & 1) ? 0 : f };
            memcpy(gmem, &o, sizeof(o));
            call(pv_mmuext_op, 1, DOMID_SELF, abandon);
            break;
        }
        }
        preempt_every = 0;
        if (!any_partial()) {
            pv_check("step");
            check_vcpu();
        }
    }
    pv_teardown("teardown");
    return 0;
}
