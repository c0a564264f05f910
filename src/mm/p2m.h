/*
 * Per-domain guest-physical to machine map.  The table *is* the hardware
 * nested page table (NPT or EPT): both are 4-level radix trees with 9 bits per
 * level, bit 7 marking large pages and the frame address in bits 51:12; only
 * the permission and memory-type bits differ, and the vendor backend encodes
 * those: the HVM layer hands mm its encoder once at start-up (p2m_set_format),
 * so mm calls up into no vendor code.  So there is one p2m and nothing to
 * keep in sync.
 */
#ifndef RV_MM_P2M_H
#define RV_MM_P2M_H

#include "lib/compiler.h"
#include "core/spinlock.h"

/* Access rights of a mapping (each vendor encodes them its own way). */
#define P2M_R   1u
#define P2M_W   2u
#define P2M_X   4u

struct p2m {
    spinlock_t lock;            /* guards the table; leaf apart from mm_lock (table pages) */
    uint64_t root_pa;           /* (i) after p2m_init */
    uint64_t nr_table_pages;    /* (lock) */
    uint64_t nr_4k, nr_2m, nr_1g;   /* (lock) mappings by size */
    uint64_t generation;        /* (a) bumped on every change that needs a TLB flush */
    uint16_t domid;             /* (i) */
};

/* The vendor's entry encoder (NPT or EPT bits for an entry at 'level'
 * pointing at mfn_addr, a leaf or a table, with P2M_R/W/X perms).  Set once
 * by hvm_init before any domain exists; without HVM no p2m gets entries
 * (PV domains keep an empty root), as before the hook. */
typedef uint64_t (*p2m_encode_fn)(uint64_t mfn_addr, unsigned level, bool leaf, unsigned perms);
void p2m_set_format(p2m_encode_fn encode);

int p2m_init(struct p2m *p, uint16_t domid);
/* Map 2^order frames (order 0, 9 or 18) at gfn to mfn with P2M_R/W/X perms. */
int p2m_set_entry(struct p2m *p, uint64_t gfn, uint64_t mfn, unsigned order, unsigned perms);
/* Returns the machine frame for gfn, or ~0 when unmapped; *perms gets the rights. */
uint64_t p2m_lookup(struct p2m *p, uint64_t gfn, unsigned *perms);
/* Log-dirty's write protection (p2m.c has the rules). */
int p2m_set_hw_write(struct p2m *p, uint64_t gfn, bool writable);
bool p2m_hw_write_protected(struct p2m *p, uint64_t gfn);
/* Frees every table page; calls free_leaf (if not NULL) for each mapped leaf first. */
void p2m_teardown(struct p2m *p, void (*free_leaf)(uint64_t mfn, unsigned order, void *ctx), void *ctx);

#endif
