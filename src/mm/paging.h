/* The hypervisor's own page tables (one set, shared by every CPU). */
#ifndef RV_MM_PAGING_H
#define RV_MM_PAGING_H

#include "lib/compiler.h"

/* Where new page-table pages come from: a boot-time bump allocator first,
 * the buddy allocator once it exists.  Returns a zeroed page's physical
 * address, or 0. */
typedef uint64_t (*pt_page_alloc_fn)(void);

void paging_set_allocator(pt_page_alloc_fn fn);
/* Start a fresh root (boot CPU, before the switch). */
void paging_new_root(void);
/* Map [va, va+size) to [pa, ...) with leaf flags; 2 MiB pages where
 * alignment allows and large is set.  Existing leaf mappings are kept
 * (returns 0 for them: mapping twice is not an error). -ENOMEM if a table
 * page could not be allocated. */
int paging_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, bool large);
/* Translate through the current tables; returns ~0ull when unmapped. */
uint64_t paging_translate(uint64_t va);
/* Whether the leaf mapping of va forbids execution (false if unmapped). */
bool paging_is_nx(uint64_t va);
/* Load the root into CR3 and switch table access to the direct map. */
void paging_activate(void);
uint64_t paging_root_phys(void);
uint64_t paging_table_pages(void);      /* page-table pages allocated so far */

#endif
