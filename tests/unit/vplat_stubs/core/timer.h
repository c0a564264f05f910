/* Host unit tests: timers are recorded, and fired by the test. */
#ifndef RV_CORE_TIMER_H
#define RV_CORE_TIMER_H
#include "lib/compiler.h"
struct timer {
    uint64_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned cpu;
    bool active;
};
void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned cpu);
void timer_set(struct timer *t, uint64_t expires_ns);
void timer_stop(struct timer *t);
void timer_kill(struct timer *t);
#endif
