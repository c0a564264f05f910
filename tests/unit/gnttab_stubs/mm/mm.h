/* Host tests of src/gnttab/: the memory interface the grant code uses, over
 * a fake frame table in host memory (gnttab_fake.c). */
#ifndef RV_MM_MM_H
#define RV_MM_MM_H
#include "lib/compiler.h"
#include "mm/frame.h"
#include "mm/heap.h"
void *alloc_pages(unsigned order, uint16_t owner);
void free_pages(void *va, unsigned order);
void *alloc_shared_page(uint16_t domid);
void free_shared_page(void *va);
bool frame_get(uint64_t mfn, uint16_t owner);
void frame_put(uint64_t mfn);
void *phys_to_virt(uint64_t pa);
uint64_t virt_to_phys(const void *va);
void *xzalloc(size_t size, enum heap_tag tag);
void xfree(void *p);
#endif
