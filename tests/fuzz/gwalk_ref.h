/*
 * A reference model of x86 linear-address translation, for fuzz_gwalk.c
 * only.  Deliberately naive and organised differently from src/mm/gwalk.c:
 * reserved bits are asked bit by bit of an entry format (as the SDM's
 * format tables list them), access rights are the SDM's "may" statements
 * (4.6.1) spelled out as what is allowed, and A/D flags are written with
 * plain stores.  Speed and atomicity do not matter here; being obviously
 * right does.
 */
#ifndef RV_TESTS_GWALK_REF_H
#define RV_TESTS_GWALK_REF_H

#include <stdbool.h>
#include <stdint.h>
#include "gwalk_fake.h"

struct ref_out {
    int rc;
    uint64_t gpa;
    unsigned shift;
    unsigned perms;
    unsigned pkey;
    uint32_t pfec;
};

enum ref_fmt {
    F32_PDE_TABLE, F32_PDE_4M, F32_PTE,
    FPAE_PDPTE_REG, FPAE_PDPTE_MEM, FPAE_PDE_TABLE, FPAE_PDE_2M, FPAE_PTE,
    FLM_TOP,                /* PML5E and PML4E */
    FLM_PDPTE_TABLE, FLM_PDPTE_1G, FLM_PDPTE_1G_NOSUPPORT, FLM_PDE_TABLE, FLM_PDE_2M, FLM_PTE,
};

static int ref_bit(uint64_t v, unsigned b)
{
    return (int)((v >> b) & 1);
}

/* Is bit b of an entry of format f reserved (must be 0)? */
static bool ref_reserved_bit(enum ref_fmt f, unsigned b, unsigned maxphy, bool nxe)
{
    switch (f) {
    case F32_PDE_TABLE:
    case F32_PTE:
        return false;
    case F32_PDE_4M: {
        if (b == 21)
            return true;
        if (b >= 13 && b <= 20) {
            unsigned pa_bit = 32 + (b - 13);    /* the physical-address bit it would carry */
            return pa_bit >= maxphy || pa_bit >= 40;
        }
        return false;
    }
    case FPAE_PDPTE_REG:
    case FPAE_PDPTE_MEM:
        if (b == 1 || b == 2 || b == 6 || b == 7 || b == 8)
            return true;
        if (b == 5)
            return f == FPAE_PDPTE_REG;
        return b >= maxphy;                     /* through bit 63 */
    case FPAE_PDE_TABLE:
    case FPAE_PTE:
    case FPAE_PDE_2M:
        if (b == 63)
            return !nxe;
        if (b >= maxphy)
            return true;                        /* 62:M */
        return f == FPAE_PDE_2M && b >= 13 && b <= 20;
    default:
        break;
    }
    /* Long mode. */
    if (b == 63)
        return !nxe;
    if (b >= maxphy && b <= 51)
        return true;
    switch (f) {
    case FLM_TOP:
        return b == 7;
    case FLM_PDPTE_1G:
        return b >= 13 && b <= 29;
    case FLM_PDPTE_1G_NOSUPPORT:
        return b == 7;
    case FLM_PDE_2M:
        return b >= 13 && b <= 20;
    default:
        return false;
    }
}

static bool ref_has_reserved(enum ref_fmt f, uint64_t e, unsigned maxphy, bool nxe)
{
    for (unsigned b = 0; b < 64; b++)
        if (ref_bit(e, b) && ref_reserved_bit(f, b, maxphy, nxe))
            return true;
    return false;
}

struct ref_used {
    uint64_t gpa;
    unsigned size;
};

static void ref_set_flags(struct fake_mem *m, const struct ref_used *u, unsigned n, bool dirty_last)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = fake_get(m, u[i].gpa, u[i].size);
        v |= 1ull << 5;
        if (dirty_last && i == n - 1)
            v |= 1ull << 6;
        fake_set(m, u[i].gpa, u[i].size, v);
    }
}

static void ref_walk(const struct gwalk_cpu *c, struct fake_mem *m, uint64_t va, unsigned acc, struct ref_out *o)
{
    bool paging = ref_bit(c->cr0, 31), wp = ref_bit(c->cr0, 16);
    bool cr4_pae = ref_bit(c->cr4, 5), pse = ref_bit(c->cr4, 4), la57 = ref_bit(c->cr4, 12);
    bool smep = ref_bit(c->cr4, 20), smap = ref_bit(c->cr4, 21), pke = ref_bit(c->cr4, 22);
    bool lma = ref_bit(c->efer, 10), nxe_bit = ref_bit(c->efer, 11);
    bool write = acc & GW_WRITE, fetch = acc & GW_FETCH, implicit = acc & GW_IMPLICIT;
    bool user_access = (acc & GW_USER) && !implicit;
    bool ac = acc & GW_AC, set_flags = acc & GW_SET_AD;
    unsigned maxphy = c->maxphyaddr;

    o->rc = 0;
    o->gpa = o->shift = o->perms = o->pkey = o->pfec = 0;
    if (!paging) {
        o->gpa = va % (1ull << 32);
        o->shift = 12;
        o->perms = 7;
        return;
    }
    /* 32-bit, PAE, 4-level or 5-level. */
    int kind = lma ? (la57 ? 5 : 4) : cr4_pae ? 3 : 2;
    bool nxe = kind >= 3 && nxe_bit;            /* XD exists */
    if (kind <= 3)
        va %= 1ull << 32;

    uint32_t err = 0;
    if (write)
        err |= PFEC_W;
    if (user_access)
        err |= PFEC_U;
    if (fetch && (smep || (cr4_pae && nxe_bit)))
        err |= PFEC_ID;

    uint64_t addr_of_page = 0;                  /* bits M-1:12 as a mask */
    for (unsigned b = 12; b < maxphy; b++)
        addr_of_page |= 1ull << b;

    struct ref_used used[5];
    unsigned nused = 0;
    bool all_user = true, all_write = true, any_xd = false;
    uint64_t entry = 0, table;
    unsigned shift = 0;
    int level;                                  /* 1 = page table */

    if (kind == 2) {
        table = c->cr3 & 0xfffff000ull;
        level = 2;
    } else if (kind == 3) {
        unsigned i = (unsigned)(va >> 30);
        uint64_t pdpte;
        enum ref_fmt f = c->pdptes_cached ? FPAE_PDPTE_REG : FPAE_PDPTE_MEM;
        if (c->pdptes_cached) {
            pdpte = c->pdpte[i];
        } else {
            uint64_t where = (c->cr3 & 0xffffffe0ull) + 8 * i;
            if (!fake_at(m, where, 0)) {
                o->rc = -EIO;
                return;
            }
            pdpte = fake_get(m, where, 8);
        }
        if (!ref_bit(pdpte, 0)) {
            o->rc = -EFAULT;
            o->pfec = err;
            return;
        }
        if (ref_has_reserved(f, pdpte, maxphy, nxe)) {
            o->rc = -EFAULT;
            o->pfec = err | PFEC_P | PFEC_RSVD;
            return;
        }
        table = pdpte & addr_of_page;
        level = 2;
    } else {
        table = c->cr3 & addr_of_page;
        level = kind;
    }

    for (;;) {
        unsigned size = kind == 2 ? 4 : 8;
        unsigned idx_bits = kind == 2 ? 10 : 9;
        shift = 12 + idx_bits * (unsigned)(level - 1);
        uint64_t idx = (va >> shift) % (1ull << idx_bits);
        uint64_t where = table + idx * size;
        if (!fake_at(m, where, 0)) {
            o->rc = -EIO;
            return;
        }
        entry = fake_get(m, where, size);
        bool ps = ref_bit(entry, 7);
        bool leaf;
        enum ref_fmt f;
        if (kind == 2) {
            leaf = level == 1 || (ps && pse);
            f = level == 1 ? F32_PTE : leaf ? F32_PDE_4M : F32_PDE_TABLE;
        } else if (kind == 3) {
            leaf = level == 1 || ps;
            f = level == 1 ? FPAE_PTE : leaf ? FPAE_PDE_2M : FPAE_PDE_TABLE;
        } else if (level >= 4) {
            leaf = false;
            f = FLM_TOP;
        } else if (level == 3) {
            leaf = ps;
            f = !ps ? FLM_PDPTE_TABLE : c->gbpages ? FLM_PDPTE_1G : FLM_PDPTE_1G_NOSUPPORT;
        } else {
            leaf = level == 1 || ps;
            f = level == 1 ? FLM_PTE : leaf ? FLM_PDE_2M : FLM_PDE_TABLE;
        }
        if (!ref_bit(entry, 0)) {
            if (set_flags)
                ref_set_flags(m, used, nused, false);
            o->rc = -EFAULT;
            o->pfec = err;
            return;
        }
        if (ref_has_reserved(f, entry, maxphy, nxe)) {
            if (set_flags)
                ref_set_flags(m, used, nused, false);
            o->rc = -EFAULT;
            o->pfec = err | PFEC_P | PFEC_RSVD;
            return;
        }
        used[nused].gpa = where;
        used[nused].size = size;
        nused++;
        if (!ref_bit(entry, 2))
            all_user = false;
        if (!ref_bit(entry, 1))
            all_write = false;
        if (nxe && ref_bit(entry, 63))
            any_xd = true;
        if (leaf)
            break;
        table = kind == 2 ? entry & 0xfffff000ull : entry & addr_of_page;
        level--;
    }

    /* What the SDM allows (4.6.1), case by case. */
    bool allowed;
    if (user_access) {
        if (fetch)
            allowed = all_user && !any_xd;
        else if (write)
            allowed = all_user && all_write;
        else
            allowed = all_user;
    } else if (fetch) {
        allowed = !any_xd && !(all_user && smep);
    } else {
        bool smap_lets = !all_user || !smap || (ac && !implicit);
        bool wp_lets = !write || all_write || !wp;
        allowed = smap_lets && wp_lets;
    }
    bool pk_fault = false;
    unsigned key = 0;
    if (kind >= 4 && pke) {
        key = (unsigned)(entry >> 59) % 16;
        bool adi = ref_bit(c->pkru, 2 * key), wdi = ref_bit(c->pkru, 2 * key + 1);
        if (all_user && !fetch && (adi || (wdi && write && (wp || user_access))))
            pk_fault = true;
    }
    if (!allowed || pk_fault) {
        if (set_flags)
            ref_set_flags(m, used, nused - 1, false);
        o->rc = -EFAULT;
        o->pfec = err | PFEC_P | (pk_fault ? PFEC_PK : 0);
        return;
    }
    if (set_flags)
        ref_set_flags(m, used, nused, write);

    uint64_t base;
    if (kind == 2 && shift == 22) {
        base = (entry & 0xffc00000ull);
        for (unsigned b = 13; b <= 20; b++)
            if (ref_bit(entry, b))
                base |= 1ull << (32 + b - 13);
    } else if (kind == 2) {
        base = entry & 0xfffff000ull;
    } else {
        base = (entry & addr_of_page) >> shift << shift;
    }
    o->gpa = base + va % (1ull << shift);
    o->shift = shift;
    o->perms = (all_write ? GW_PERM_W : 0) | (all_user ? GW_PERM_U : 0) | (any_xd ? 0 : GW_PERM_X);
    o->pkey = key;
}

#endif
