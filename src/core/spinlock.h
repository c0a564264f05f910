/*
 * Ticket spinlocks.  Fair (FIFO) so a CPU cannot be starved by others
 * re-taking the lock, which matters once guests drive lock traffic.
 *
 * Lock order (take locks only in this order; docs/locking.md keeps the full
 * list):   console_lock  is a leaf (printing is allowed under any lock);
 *          mm_lock -> heap (heap_lock is taken inside mm_lock never the reverse)
 *          timer queue locks (per CPU) are leaves apart from console_lock;
 *          callfunc_lock (one cross-CPU call at a time) before timer locks.
 * Locks taken from interrupt handlers must be taken with the _irqsave forms
 * everywhere, or an interrupt on the same CPU deadlocks against its holder.
 */
#ifndef RV_CORE_SPINLOCK_H
#define RV_CORE_SPINLOCK_H

#include "arch/x86/asm.h"

typedef struct spinlock {
    volatile uint16_t owner;    /* ticket being served */
    volatile uint16_t next;     /* next ticket to hand out */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    uint16_t expect = owner;
    /* Only succeed if nobody holds or waits: next == owner. */
    return __atomic_compare_exchange_n(&l->next, &expect, (uint16_t)(owner + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return l->owner != l->next;
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
    uint64_t f = irq_save();
    spin_lock(l);
    return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f)
{
    spin_unlock(l);
    irq_restore(f);
}

#endif
