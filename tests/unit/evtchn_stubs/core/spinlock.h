/* Host tests of event channels: a real (test-and-set) lock so the
 * concurrency test can run the subsystem on several threads, plus a
 * per-thread count of held locks that the tests check returns to 0. */
#ifndef RV_CORE_SPINLOCK_H
#define RV_CORE_SPINLOCK_H
#include "lib/compiler.h"
#include <sched.h>

typedef struct spinlock { int locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

extern _Thread_local int evtchn_test_locks_held;

static inline void cpu_relax(void) { sched_yield(); }

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            sched_yield();
    evtchn_test_locks_held++;
}

static inline void spin_unlock(spinlock_t *l)
{
    evtchn_test_locks_held--;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l) { spin_lock(l); return 0x200; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f) { (void)f; spin_unlock(l); }
#endif
