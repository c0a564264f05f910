/*
 * libFuzzer harness of the 32-bit hypercall argument translation
 * (src/core/hypercall.c and src/core/compat/), over the fake vCPU, guest
 * memory and native handlers of tests/unit/compat_stubs/.  Each input is a
 * sequence of calls: number, command, three argument registers, the
 * handlers' answers, and bytes written into guest memory first.  After
 * every call it checks that the translation area is closed again, that no
 * native handler reached outside what the compat layer put in the area,
 * and that a same-layout call reached its handler with the guest's own
 * zero-extended pointer; ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat_fake.h"
#include "core/compat/compat.h"
#include "core/hypercall.h"
#include "public/xen.h"

#define FUZZ_ASSERT(c) do {                                                       \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

static const uint8_t *in;
static size_t in_len;

static uint32_t take(unsigned bytes)
{
    uint32_t v = 0;
    while (bytes--) {
        v = v << 8 | (in_len ? *in : 0);
        if (in_len) {
            in++;
            in_len--;
        }
    }
    return v;
}

static const unsigned numbers[] = {
    __HYPERVISOR_memory_op, __HYPERVISOR_grant_table_op, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
    __HYPERVISOR_xen_version, __HYPERVISOR_set_timer_op, __HYPERVISOR_console_io,
    __HYPERVISOR_event_channel_op, __HYPERVISOR_hvm_op,
};

/* A guest address: mostly inside the fake guest memory, near its end, or anywhere. */
static uint32_t guest_addr(void)
{
    uint32_t sel = take(1), off = take(2);
    switch (sel & 3) {
    case 0: return GUEST_BASE + off % GUEST_BYTES;
    case 1: return GUEST_BASE + GUEST_BYTES - (off & 63);
    case 2: return GUEST_BASE + (off & 0xfff);
    default: return take(4);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in = data;
    in_len = size;
    fake_reset();
    while (in_len) {
        unsigned nr = numbers[take(1) % (sizeof(numbers) / sizeof(numbers[0]))];
        uint32_t cmd = take(1);
        if (cmd & 0x80)
            cmd = take(4);          /* now and then any command at all */
        else
            cmd &= 0x1f;
        uint32_t a2 = guest_addr();
        uint32_t a3 = take(1) & 1 ? take(4) : take(1);
        /* Guest memory: a few bytes at the argument and elsewhere. */
        for (unsigned n = take(1) & 7; n--; ) {
            uint32_t at = take(1) & 1 ? a2 : guest_addr(), len = take(1);
            for (uint32_t i = 0; i < len; i++, at++)
                if (at >= GUEST_BASE && at - GUEST_BASE < GUEST_BYTES)
                    fake_guest[at - GUEST_BASE] = (uint8_t)take(1);
        }
        /* The handlers' answers. */
        fake_out.rc = (int32_t)(take(1) & 1 ? -(int32_t)(take(1) & 127) : 0);
        fake_out.map_entries = take(1) & 15;
        fake_out.status = (int16_t)-(int16_t)(take(1) & 15);
        for (int i = 0; i < 8; i++)
            fake_out.frames[i] = take(1) & 1 ? ~0ull : take(4);
        fake_out.rewrite_extents = take(1) & 1;
        fake_out.extent_value = take(1) & 1 ? 0xfffffff0ull : take(4);
        fake_out.runstate.state_entry_time = take(4);
        fake_seen.fn = NULL;
        fake_seen.xlat_faults = 0;

        uint64_t a[HYPERCALL_NR_ARGS] = { cmd, a2, a3, take(4), take(4) };
        long rc = hypercall_call(&fake_vcpu, nr, a, true);
        (void)rc;
        FUZZ_ASSERT(!fake_vcpu.compat.active);
        FUZZ_ASSERT(fake_seen.xlat_faults == 0);
        /* Same-layout hypercalls: the handler got the guest's pointer. */
        if (fake_seen.fn && (nr == __HYPERVISOR_event_channel_op || nr == __HYPERVISOR_hvm_op))
            FUZZ_ASSERT(fake_seen.arg == a2);
        /* A domid_t sub-op is not translated: the guest's pointer goes through. */
        if (fake_seen.fn && nr == __HYPERVISOR_memory_op && cmd == XENMEM_current_reservation)
            FUZZ_ASSERT(fake_seen.arg == a2);
    }
    return 0;
}
