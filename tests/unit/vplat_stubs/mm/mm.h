#ifndef RV_MM_MM_H
#define RV_MM_MM_H
#include <stddef.h>
enum heap_tag { HEAP_HVM };
void *xzalloc(size_t size, enum heap_tag tag);
void xfree(void *p);
#endif
