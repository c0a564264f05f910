/*
 * check() and skip() for every test-guest library (testlib.h): the PASS /
 * FAIL / SKIP lines of the result protocol (tests/guests/README.md).  Each
 * library keeps its own totals, for finish(), through count_result().
 * Width-neutral: compiled into the HVM library (both halves) and into both
 * PVH libraries.
 */
#include "testlib.h"

bool check(bool cond, const char *name, const char *fmt, ...)
{
    if (cond) {
        count_result(CHECK_PASS);
        printf("PASS %s\n", name);
        return true;
    }
    va_list ap;
    va_start(ap, fmt);
    count_result(CHECK_FAIL);
    printf("FAIL %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    return false;
}

void skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    count_result(CHECK_SKIP);
    printf("SKIP %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}
