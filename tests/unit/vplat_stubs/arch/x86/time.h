/* Host unit tests: now_ns() is the test's fake clock. */
#ifndef RV_ARCH_X86_TIME_H
#define RV_ARCH_X86_TIME_H
#include "lib/compiler.h"
uint64_t now_ns(void);
#endif
