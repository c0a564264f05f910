/*
 * CPU lists as xl writes them ("all", "0-3", "0,2,5-7", "^1" to take a CPU
 * out): parsed to and printed from a 64-bit mask (RV_MAX_CPUS <= 64).  Pure
 * code: host unit test tests/unit/test_cpulist.c.
 */
#ifndef RV_TOOLS_CPULIST_H
#define RV_TOOLS_CPULIST_H

#include <stddef.h>
#include <stdint.h>

/* 0 and *mask, or -1 with why in err: an empty list, a CPU past 63, a range
 * that runs backwards, junk.  "^N" items are applied after the others, so
 * "all,^0" is every CPU but 0 (a list of only "^" items starts from all). */
int cpulist_parse(const char *s, uint64_t *mask, char *err, size_t errlen);
/* "all" for every one of the nr_cpus CPUs, else "0-1,3"; "none" for 0. */
void cpulist_format(uint64_t mask, unsigned nr_cpus, char *out, size_t len);

#endif
