/*
 * What every test-guest library provides, whatever the guest's kind and
 * width: the HVM library (lib/, guest.h), the 64-bit PVH library (pvh/lib,
 * pvh.h) and the 32-bit one (pvh32/lib, pvh32.h) each include this header
 * and implement it.  Result protocol: tests/guests/README.md.
 */
#ifndef GUEST_TESTLIB_H
#define GUEST_TESTLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- output: %d %i %u %x %p %s %c %% with '-', '0', '#', a width and
 * l/ll/z (l and z follow the width of long and size_t) ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* ---- results ---- */
/* Prints "PASS name" or "FAIL name: <fmt...>"; returns cond. */
bool check(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints "SKIP name: <fmt...>". */
void skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* check() and skip() (results.c) count each result here; each library
 * defines it on its own totals, which finish() reports. */
enum check_result { CHECK_PASS, CHECK_FAIL, CHECK_SKIP };
void count_result(enum check_result r);
/* Ends the guest: poweroff if every check passed (and at least one ran),
 * crash otherwise; without a hypervisor, exits QEMU through port 0xf4. */
__attribute__((noreturn)) void finish(void);
/* Whether the word is on the guest's command line. */
bool cmdline_has(const char *word);

/* ---- string.c: what the compiler may call, and a few helpers ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---- hypercall(nr, a1..a5) through the hypercall page (hcall32.S: EBX
 * ECX EDX ESI EDI; hcall64.S: RDI RSI RDX R10 R8); result in EAX/RAX ---- */
long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
               unsigned long a4, unsigned long a5);

#endif
