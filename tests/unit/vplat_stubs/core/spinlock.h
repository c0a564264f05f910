/* Host unit tests of the platform devices (test_vplat.c): single-threaded
 * stand-in for the hypervisor's spinlocks.  Counts holders so the test can
 * check that every lock is released. */
#ifndef RV_CORE_SPINLOCK_H
#define RV_CORE_SPINLOCK_H
#include "lib/compiler.h"
typedef struct spinlock { int held; } spinlock_t;
#define SPINLOCK_INIT { 0 }
extern int vplat_locks_held;
static inline uint64_t spin_lock_irqsave(spinlock_t *l) { l->held++; vplat_locks_held++; return 0; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f) { (void)f; l->held--; vplat_locks_held--; }
static inline void cpu_relax(void) { }
#endif
