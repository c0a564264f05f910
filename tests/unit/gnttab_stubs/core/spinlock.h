/* Host tests of src/gnttab/: single-threaded locks that check the grant
 * code's rule "never two gnttab locks at once" and count holders. */
#ifndef RV_CORE_SPINLOCK_H
#define RV_CORE_SPINLOCK_H
#include "lib/compiler.h"
typedef struct spinlock { int held; } spinlock_t;
#define SPINLOCK_INIT { 0 }
extern int gnttab_fake_locks_held;      /* locks held now */
extern int gnttab_fake_lock_nesting;    /* times a lock was taken with another held */
static inline void spin_lock(spinlock_t *l)
{
    if (gnttab_fake_locks_held)
        gnttab_fake_lock_nesting++;
    l->held++;
    gnttab_fake_locks_held++;
}
static inline void spin_unlock(spinlock_t *l) { l->held--; gnttab_fake_locks_held--; }
#endif
