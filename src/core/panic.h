/* Fatal errors: print everything useful, stop every CPU. */
#ifndef RV_CORE_PANIC_H
#define RV_CORE_PANIC_H

#include "lib/compiler.h"

struct cpu_regs;

void panic(const char *fmt, ...) __noreturn __printf(1, 2);
void panic_regs(const struct cpu_regs *regs, const char *fmt, ...) __noreturn __printf(2, 3);
bool panic_in_progress(void);
void panic_stop_this_cpu(void) __noreturn;
/* Print a stack trace starting at the given frame pointer. */
void dump_stack_from(uint64_t rip, uint64_t rbp);
/* Symbol lookup for traces: name and offset of the function holding addr. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)
#define ASSERT(c) BUG_ON(!(c))

#endif
