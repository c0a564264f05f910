/*
 * Memory and string functions.  The hypervisor has no libc, so src/lib/string.c
 * provides them (the compiler also emits calls to memcpy/memset).  Host builds
 * of pure modules (unit tests, fuzzers: -DRV_HOST_BUILD) use the C library's.
 */
#ifndef RV_LIB_STRING_H
#define RV_LIB_STRING_H

#include <stddef.h>

#ifdef RV_HOST_BUILD
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
size_t strlcpy(char *dst, const char *src, size_t size);
#endif

#endif
