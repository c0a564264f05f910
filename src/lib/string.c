/* Freestanding memory/string functions (see string.h). */
#include "lib/string.h"
#include <stdint.h>
#include "lib/compiler.h"

/* Large aligned fills and copies go by 8-byte strings, the rest by bytes.
 * On hardware rep movsq/stosq are fast strings like movsb/stosb (no slower);
 * an emulator that runs each iteration of a rep string as one step (QEMU's
 * TCG) does an eighth of the steps (kernel images copied into a domain at
 * its build, guest copies; whole pages are zeroed by mm.c's zero_pages).
 * Forward copying by qwords is still right for the overlapping dst < src
 * of memmove: each qword is read before the store that could overlap it.
 * selftest string_ops checks lengths and alignments around the switch. */
#define STRING_QWORDS_MIN 64

__hot_path void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    if (n >= STRING_QWORDS_MIN && !(((uintptr_t)dst | (uintptr_t)src) & 7)) {
        size_t q = n >> 3;
        __asm__ __volatile__("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) : : "memory");
        n &= 7;
    }
    /* rep movsb is fast on every CPU with ERMS and correct on all others. */
    __asm__ __volatile__("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    /* Overlap with dst above src: copy backwards. */
    while (n--)
        d[n] = s[n];
    return dst;
}

__hot_path void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    if (n >= STRING_QWORDS_MIN && !((uintptr_t)dst & 7)) {
        size_t q = n >> 3;
        uint64_t pattern = (uint64_t)(uint8_t)c * 0x0101010101010101ull;
        __asm__ __volatile__("rep stosq" : "+D"(dst), "+c"(q) : "a"(pattern) : "memory");
        n &= 7;
    }
    __asm__ __volatile__("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
