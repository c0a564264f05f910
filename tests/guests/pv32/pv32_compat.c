/*
 * pv32_compat: hostile uses of the compat hypercall ABI by a 32-bit PV
 * kernel (docs/pv.md "Ring 1 and compat"): structures that straddle the
 * end of mapped memory (12-byte mmuext_op, 16-byte mmu_update, 32-byte
 * multicall entry, xen_version's 16-byte extraversion, bind_virq's 12
 * bytes) give -EFAULT and change nothing; 64-bit-only sub-ops
 * (set_segment_base, MMUEXT_NEW_USER_BASEPTR) give Xen's errors; the
 * vcpumask of MMUEXT_*_MULTI is read as 32-bit words (a 4-byte mask in
 * the last 4 bytes of mapped memory works).
 */
#include "pv32_lib.h"

#define HC_multicall            13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_TLB_FLUSH_MULTI  8
#define MMUEXT_INVLPG_MULTI     9
#define XENVER_extraversion     1
#define DOMID_SELF              0x7ff0
#define HC_callback_op          30
#define CALLBACKOP_register     0
#define CALLBACKOP_unregister   1

static const struct start_info32 *si;

static volatile uint8_t *shinfo;
static uint32_t timer_port, timer_seen;

/* Consumes every pending port (32-bit shared_info: pending words at
 * 2048, the vcpu_info's selector word at 4). */
void ev_handler(void)
{
    volatile uint32_t *pending = (volatile uint32_t *)(shinfo + 2048);
    shinfo[0] = 0;
    uint32_t sel = __atomic_exchange_n((volatile uint32_t *)(shinfo + 4), 0, __ATOMIC_SEQ_CST);
    for (unsigned w = 0; w < 32; w++)
        if (sel & (1u << w)) {
            uint32_t bits = __atomic_exchange_n(&pending[w], 0, __ATOMIC_SEQ_CST);
            if (timer_port / 32 == w && (bits & (1u << (timer_port % 32))))
                timer_seen++;
        }
    ev_count++;
}

void pv32_main(const struct start_info32 *start)
{
    long r;
    si = start;
    put("pv32_compat: hostile compat structures");
    flush();

    /* Two padding pages: 'page' stays mapped, the one after is unmapped;
     * 'end' is the first byte that is not. */
    uint32_t page = si->pt_base + (si->nr_pt_frames + 20) * 4096, end = page + 4096;
    r = hc(HC_update_va_mapping, end, 0, 0, UVMF_INVLPG);
    check(r == 0, "unmap-page-after", "ret", (uint32_t)r, 0);
    volatile uint8_t *p = (volatile uint8_t *)page;
    for (unsigned i = 0; i < 4096; i++)
        p[i] = 0;

    /* mmuext_op: one 12-byte entry, 8 bytes mapped. */
    uint32_t done = 0x55;
    struct mmuext_op32 *op = (struct mmuext_op32 *)(end - 8);
    op->cmd = MMUEXT_TLB_FLUSH_MULTI;
    op->arg1 = 0;
    r = hc(HC_mmuext_op, (uint32_t)op, 1, (uint32_t)&done, DOMID_SELF);
    check(r == -14 && done == 0, "mmuext-op-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);

    /* mmu_update: one 16-byte entry, 8 bytes mapped (the ptr half). */
    struct mmu_update *u = (struct mmu_update *)(end - 8);
    u->ptr = ((uint64_t)pv32_mfn_of(si, VIRT_BASE + 0x100000) << 12);   /* an ordinary page of the kernel */
    done = 0x55;
    r = hc(HC_mmu_update, (uint32_t)u, 1, (uint32_t)&done, DOMID_SELF);
    check(r == -14 && done == 0, "mmu-update-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);

    /* multicall: one 32-byte entry, 16 bytes mapped. */
    uint32_t *mc = (uint32_t *)(end - 16);
    mc[0] = HC_xen_version;
    mc[1] = 0x77;
    r = hc(HC_multicall, (uint32_t)mc, 1, 0, 0);
    check(r == -14 && mc[1] == 0x77, "multicall-entry-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);

    /* Through the compat layer: xen_version's 16-byte extraversion and
     * bind_virq's 12 bytes, 8 mapped. */
    r = hc(HC_xen_version, XENVER_extraversion, end - 8, 0, 0);
    check(r == -14, "xen-version-extraversion-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);
    uint32_t *bv = (uint32_t *)(end - 8);
    bv[0] = 0;      /* VIRQ_TIMER */
    bv[1] = 0;      /* vCPU 0; the port (out) would be past the end */
    r = hc(HC_event_channel_op, 1 /* EVTCHNOP_bind_virq */, (uint32_t)bv, 0, 0);
    check(r == -14, "bind-virq-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);

    /* 64-bit-only sub-ops. */
    r = hc(HC_set_segment_base, 0, 0, 0, 0);
    check(r == -38, "set-segment-base-enosys", "ret", (uint32_t)r, (uint32_t)-38);
    struct mmuext_op32 nub = { MMUEXT_NEW_USER_BASEPTR, 0, 0 };
    r = hc(HC_mmuext_op, (uint32_t)&nub, 1, 0, DOMID_SELF);
    check(r == -22, "new-user-baseptr-zero-einval", "ret", (uint32_t)r, (uint32_t)-22);
    nub.arg1 = pv32_mfn_of(si, si->pt_base);
    r = hc(HC_mmuext_op, (uint32_t)&nub, 1, 0, DOMID_SELF);
    check(r == -22, "new-user-baseptr-l3-einval", "ret", (uint32_t)r, (uint32_t)-22);

    /* The vcpumask as 32-bit words: a one-word mask in the last 4 mapped
     * bytes (a 64-bit read would run into the unmapped page). */
    uint32_t *mask = (uint32_t *)(end - 4);
    *mask = 1;
    static struct mmuext_op32 fl[2];
    fl[0] = (struct mmuext_op32){ MMUEXT_TLB_FLUSH_MULTI, 0, (uint32_t)mask };
    fl[1] = (struct mmuext_op32){ MMUEXT_INVLPG_MULTI, page, (uint32_t)mask };
    done = 0;
    r = hc(HC_mmuext_op, (uint32_t)fl, 2, (uint32_t)&done, DOMID_SELF);
    check(r == 0 && done == 2, "multi-vcpumask-32bit-words", "ret", (uint32_t)r, 0);
    fl[0].arg2 = end;       /* the mask itself unmapped: Xen's -EINVAL */
    r = hc(HC_mmuext_op, (uint32_t)fl, 1, 0, DOMID_SELF);
    check(r == -22, "multi-vcpumask-unmapped-einval", "ret", (uint32_t)r, (uint32_t)-22);

    /* callback_op in the x86_32 layout (type, flags, cs, eip): the event
     * callback registered this way gets the timer VIRQ's upcall; syscall
     * (64-bit only), a handler in the hypervisor range, an unknown
     * command and a structure straddling the end of mapped memory are
     * refused. */
    struct { uint16_t type, flags; uint32_t cs, eip; } cb = { 0 /* event */, 0, FLAT_RING1_CS, (uint32_t)ev_entry };
    r = hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&cb, 0, 0);
    check(r == 0, "callback-op-register-event", "ret", (uint32_t)r, 0);
    cb.type = 2;    /* syscall */
    r = hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&cb, 0, 0);
    check(r == -22, "callback-op-syscall-einval", "ret", (uint32_t)r, (uint32_t)-22);
    cb.type = 1;    /* failsafe */
    cb.eip = 0xf5800000u;
    r = hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&cb, 0, 0);
    check(r == -22, "callback-op-hv-range-einval", "ret", (uint32_t)r, (uint32_t)-22);
    r = hc(HC_callback_op, 7, (uint32_t)&cb, 0, 0);
    check(r == -38, "callback-op-bad-cmd-enosys", "ret", (uint32_t)r, (uint32_t)-38);
    r = hc(HC_callback_op, CALLBACKOP_register, end - 8, 0, 0);
    check(r == -14, "callback-op-straddling-efault", "ret", (uint32_t)r, (uint32_t)-14);
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    r = hc(HC_update_va_mapping, pad, si->shared_info | 0x23, 0, UVMF_INVLPG);
    shinfo = (volatile uint8_t *)pad;
    struct { uint32_t virq, vcpu, port; } bvt = { 0 /* VIRQ_TIMER */, 0, 0 };
    r = r ? r : hc(HC_event_channel_op, 1 /* bind_virq */, (uint32_t)&bvt, 0, 0);
    timer_port = bvt.port;
    uint64_t now = *(volatile uint64_t *)(shinfo + 32 + 16) + 1000000;
    r = r ? r : hc(HC_set_timer_op, (uint32_t)now, (uint32_t)(now >> 32), 0, 0);
    for (unsigned i = 0; i < 100 && !timer_seen; i++)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
    check(r == 0 && timer_seen >= 1 && (ev_cs & 0xffff) == FLAT_RING1_CS, "callback-op-event-upcall", "upcalls",
          timer_seen, 1);

    /* The kernel still works: a page mapped back, a hypercall. */
    r = hc(HC_update_va_mapping, end, ((uint64_t)pv32_mfn_of(si, end) << 12) | 0x23, 0, UVMF_INVLPG);
    check(r == 0 && hc(HC_xen_version, 0, 0, 0, 0) > 0, "remap-and-continue", "ret", (uint32_t)r, 0);
    pv32_finish();
}
