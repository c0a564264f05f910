/* Host tests of event channels: the heap is the C library's, with failure
 * injection (evtchn_fake.c). */
#ifndef RV_MM_MM_H
#define RV_MM_MM_H
#include <stddef.h>
#include "mm/heap.h"
void *xzalloc(size_t size, enum heap_tag tag);
void xfree(void *p);
#endif
