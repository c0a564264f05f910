/*
 * In-hypervisor self-tests (boot option `selftest`): code that needs the
 * real CPU (page tables, interrupts, other CPUs).  Each test returns 0 or
 * fails with a reason; the runner prints one PASS/FAIL line per test and a
 * summary (docs/testing.md has the line formats rv-run parses).
 */
#ifndef RV_CORE_SELFTEST_H
#define RV_CORE_SELFTEST_H

#include "lib/compiler.h"
#include "lib/fmt.h"

/* Aligned to its size so entries from different objects pack into an
 * array in the .selftests section without padding. */
struct selftest {
    const char *name;
    int (*fn)(char *why, size_t len);
} __aligned(16);

#define SELFTEST(n) \
    static int selftest_##n(char *why, size_t len); \
    static const struct selftest selftest_desc_##n __section(".selftests") __used = { #n, selftest_##n }; \
    static int selftest_##n(char *why, size_t len)

#define ST_FAIL(...) do { fmt_snprintf(why, len, __VA_ARGS__); return -1; } while (0)
/* Not applicable here (reported, counted neither as passed nor failed). */
#define ST_SKIP(...) do { fmt_snprintf(why, len, __VA_ARGS__); return 1; } while (0)
#define ST_CHECK(cond, ...) do { if (!(cond)) ST_FAIL(__VA_ARGS__); } while (0)

/* Runs every registered test; returns the number that failed.  A test
 * returns 0 (pass), 1 (skipped: ST_SKIP) or negative (fail). */
unsigned selftest_run_all(unsigned *passed);
extern bool selftest_inject_fail;
void selftest_trigger_fault(void);       /* (i) boot option: one test fails on purpose */

#endif
