/*
 * Fake surroundings of the event-channel subsystem for host tests and the
 * fuzzer: domains with a few vCPUs, a shared_info page, a little guest RAM
 * (gfn = page index), a hypercall-argument buffer (gva = offset in it),
 * recorded upcalls and poller wake-ups, and allocation-failure injection.
 */
#ifndef RV_TESTS_EVTCHN_FAKE_H
#define RV_TESTS_EVTCHN_FAKE_H

#include "core/domain.h"
#include "evtchn/evtchn.h"

#define FAKE_MAX_DOMS   8
#define FAKE_VCPUS      4
#define FAKE_RAM_PAGES  8
#define FAKE_ARGS_BYTES 256

struct fake_dom {
    struct domain d;
    struct vcpu v[FAKE_VCPUS];
    struct shared_info *si;
    uint8_t *ram;                   /* FAKE_RAM_PAGES pages */
    uint8_t args[FAKE_ARGS_BYTES];
    int upcalls[FAKE_VCPUS];        /* evtchn_arch_upcall calls (atomic) */
    int wakes[FAKE_VCPUS];          /* evtchn_arch_wake_poller calls (atomic) */
};

/* Creates domain 'domid' (< FAKE_MAX_DOMS) and runs evtchn_domain_init;
 * NULL if that fails (*rc gets its result). */
struct fake_dom *fake_dom_new(uint16_t domid, unsigned nr_vcpus, unsigned max_ports, int *rc);
/* Hides it from domain_get_by_id, runs evtchn_domain_destroy, frees it. */
void fake_dom_free(struct fake_dom *fd);
/* event_channel_op from vCPU 'vcpu' with the structure at 'arg' (copied
 * into the argument buffer and back). */
long fake_op(struct fake_dom *fd, unsigned vcpu, unsigned cmd, void *arg, size_t len);
static inline uint32_t *fake_page(struct fake_dom *fd, unsigned gfn) { return (uint32_t *)(fd->ram + 4096u * gfn); }

extern int fake_alloc_fail_after;   /* < 0: never; else fail once this many more allocations succeeded */
extern long fake_live_allocs;
extern int fake_domain_refs;        /* domain_get_by_id - domain_put */
extern char fake_log[8192];         /* what printk printed since fake_log_clear */
void fake_log_clear(void);

#endif
