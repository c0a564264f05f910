/*
 * Fake environment of the compat-layer host tests and fuzzer: one vCPU with
 * a flat guest memory (gva GUEST_BASE.. GUEST_BASE + GUEST_BYTES; anything
 * else faults), copy_from_guest/copy_to_guest that consult the translation
 * area first (as hvm/guest_mem.c does), and fake native handlers
 * (memory_op, gnttab_hypercall, vcpu_op, sched_op, xen_version, hvm_op,
 * console_io, evtchn_hypercall, vcpu_set_singleshot) that read their native
 * structures through copy_from_guest, record what they saw in fake_seen,
 * and write the results fake_out tells them to.
 */
#ifndef RV_TESTS_COMPAT_FAKE_H
#define RV_TESTS_COMPAT_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/domain.h"
#include "core/compat/layout.h"

#define GUEST_BASE  0x10000u
#define GUEST_BYTES 0x10000u

extern struct domain fake_dom;
extern struct vcpu fake_vcpu;
extern uint8_t fake_guest[GUEST_BYTES];

/* What the last native handler was called with. */
struct fake_seen {
    const char *fn;             /* handler name, NULL = none called */
    unsigned cmd;
    uint64_t arg, arg2, arg3;
    bool compat;                /* compat_active() during the call */
    union {
        struct xen_add_to_physmap atp;
        struct xen_remove_from_physmap rfp;
        struct xen_memory_map mmap;
        struct xen_reservation res;
        struct gnttab_setup_table setup;
        struct gnttab_copy copy[4];
        struct vcpu_register_runstate_memory_area rsa;
        struct vcpu_set_singleshot_timer sst;
        struct sched_poll poll;
        uint8_t raw[48];        /* pv_physdev_op: the native structure through copy_from_guest */
    } u;
    uint64_t extents[600];      /* reservation: the extents read through the handle */
    uint32_t ports[8];          /* poll: the first ports read through the handle */
    unsigned calls;             /* native calls since fake_reset */
    unsigned ncopies;           /* gnttab_copy elements the handler saw (the first 4 in u.copy) */
    int xlat_faults;            /* copy_*_guest of the area that the area refused */
};
extern struct fake_seen fake_seen;

/* What the fake handlers answer. */
struct fake_out {
    long rc;                    /* return value (reservation: capped by what it read) */
    unsigned map_entries;       /* memory_map: records written */
    int16_t status;             /* setup_table/copy status */
    uint64_t frames[8];         /* setup_table: frame numbers reported (others: i) */
    bool rewrite_extents;       /* reservation: write extent i as extent_value + i */
    uint64_t extent_value;
    struct vcpu_runstate_info runstate;
    uint8_t physdev_out[48];    /* pv_physdev_op: written back over its structure when physdev_len */
    unsigned physdev_len;       /* pv_physdev_op: bytes read (and written back) at its argument */
};
extern struct fake_out fake_out;

void fake_reset(void);
/* Guest memory at gva (GUEST_BASE based). */
void *fake_gva(uint64_t gva);

#endif
