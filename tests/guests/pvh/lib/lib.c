/*
 * The 64-bit PVH test-guest library: start of day after entry.S, the upcall
 * vector, the hypervisor interface with the 64-bit layouts (shared_info,
 * pvclock, event channels in the 2-level and FIFO ABIs, grant tables).  See
 * pvh.h; the console, results and exceptions are tests/guests/lib/pvh_common.c.
 */
#include "pvh.h"

struct pvh_state pvh;

/* ---- the upcall vector (exc_dispatch, IDT: tests/guests/lib) ---------------- */

volatile uint32_t evt_count[PVH_MAX_PORTS];
volatile uint32_t evt_log[64], evt_log_len, upcalls;
static volatile uint32_t other_irqs;

static void record(evtchn_port_t port)
{
    if (port < PVH_MAX_PORTS)
        evt_count[port]++;
    if (evt_log_len < ARRAY_SIZE(evt_log))
        evt_log[evt_log_len++] = port;
}

static evtchn_port_t fifo_head[EVTCHN_FIFO_MAX_QUEUES];

static void upcall_2l(void)
{
    struct shared_info *sh = pvh.sh;
    do {
        pvh.vi->evtchn_upcall_pending = 0;
        uint64_t sel = __atomic_exchange_n(&pvh.vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned i = (unsigned)__builtin_ctzll(sel);
            sel &= sel - 1;
            uint64_t bits = __atomic_load_n(&sh->evtchn_pending[i], __ATOMIC_SEQ_CST) & ~sh->evtchn_mask[i];
            while (bits) {
                unsigned j = (unsigned)__builtin_ctzll(bits);
                bits &= bits - 1;
                __atomic_fetch_and(&sh->evtchn_pending[i], ~(1ull << j), __ATOMIC_SEQ_CST);
                record(i * 64 + j);
            }
        }
    } while (__atomic_load_n(&pvh.vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
}

/* FIFO (the event-channel FIFO ABI design): READY bit q = queue q has
 * events; a queue is a list linked through the event words' LINK fields,
 * starting at HEAD[q].  We keep our own head per queue; when it is 0 we
 * start again from the control block's. */
static void upcall_fifo(void)
{
    struct evtchn_fifo_control_block *cb = pvh.fifo_cb;
    pvh.vi->evtchn_upcall_pending = 0;
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    for (unsigned guard = 0; ready && guard < 100000; guard++) {
        unsigned q = (unsigned)__builtin_ctz(ready);    /* lowest number = highest priority */
        evtchn_port_t port = fifo_head[q];
        if (!port)
            port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
        if (!port || port >= EVTCHN_FIFO_WORDS_PER_PAGE) {
            ready &= ~(1u << q);
            fifo_head[q] = 0;
            continue;
        }
        event_word_t *w = &pvh.fifo_words[port];
        event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST), nw;
        do {
            nw = old & ~((1u << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
        } while (!__atomic_compare_exchange_n(w, &old, nw, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        evtchn_port_t next = old & EVTCHN_FIFO_LINK_MASK;
        fifo_head[q] = next;
        if (!next)
            ready &= ~(1u << q);
        if ((old & (1u << EVTCHN_FIFO_PENDING)) && !(old & (1u << EVTCHN_FIFO_MASKED))) {
            __atomic_fetch_and(w, ~(1u << EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
            record(port);
        }
        if (!ready)
            ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
}

void pvh_interrupt(unsigned vector)
{
    if (vector == PVH_UPCALL_VECTOR) {
        upcalls++;
        if (pvh.fifo)
            upcall_fifo();
        else if (pvh.sh)
            upcall_2l();
        return;
    }
    other_irqs++;
}

/* ---- start of day ---------------------------------------------------------- */

#ifndef PVH_LIB_ON_PV /* a PV kernel starts in pv_fe.c */
void pvh_start64(uint32_t si_gpa);

void pvh_start64(uint32_t si_gpa)
{
    pvh_start_common(si_gpa);
    printf("note: start info version %u, cmdline at %#llx, memmap at %#llx (%u entries)\n", pvh.si.version,
           (unsigned long long)pvh.si.cmdline_paddr, (unsigned long long)pvh.si.memmap_paddr, pvh.si.memmap_entries);
    printf("\n%s: PVH test guest in 64-bit mode, start info at %#x, command line \"%s\"\n", pvh_guest_name,
           si_gpa, pvh.cmdline);
    pvh_start_checks(false);
    test_main();
    finish();
}
#endif

/* ---- hypervisor helpers ----------------------------------------------------- */

#ifndef PVH_LIB_ON_PV /* a PV kernel: start_info, update_va_mapping (tests/guests/pv/pv_fe.c) */
long hvm_get_param(unsigned index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = hvm_op(HVMOP_get_param, &p);
    if (!rc)
        *value = p.value;
    return rc;
}
#endif

long hvm_set_param(unsigned index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };
    return hvm_op(HVMOP_set_param, &p);
}

long add_to_physmap(unsigned space, uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn };
    return memory_op(XENMEM_add_to_physmap, &a);
}

#ifndef PVH_LIB_ON_PV
long pvh_map_shared_info(void)
{
    long rc = add_to_physmap(XENMAPSPACE_shared_info, 0, PVH_GFN_SHARED_INFO);
    if (rc)
        return rc;
    pvh.sh = gfn_ptr(PVH_GFN_SHARED_INFO);
    pvh.vi = &pvh.sh->vcpu_info[0];
    return 0;
}
#endif

uint64_t pvclock_ns(void)
{
    return pvh_time_ns(pvh.vi ? &pvh.vi->time : NULL);
}

/* ---- event channels ----------------------------------------------------------- */

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
    if (!rc)
        *port = a.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
    long rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
    if (!rc)
        *port = b.local_port;
    return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = evtchn_op(EVTCHNOP_bind_virq, &b);
    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);
    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = { port };
    return evtchn_op(EVTCHNOP_send, &s);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close c = { port };
    return evtchn_op(EVTCHNOP_close, &c);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { port };
    return evtchn_op(EVTCHNOP_unmask, &u);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return evtchn_op(EVTCHNOP_status, st);
}

bool evtchn_pending(evtchn_port_t port)
{
    if (pvh.fifo)
        return port < EVTCHN_FIFO_WORDS_PER_PAGE &&
               (__atomic_load_n(&pvh.fifo_words[port], __ATOMIC_SEQ_CST) >> EVTCHN_FIFO_PENDING) & 1;
    return port < PVH_MAX_PORTS && (__atomic_load_n(&pvh.sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

bool evtchn_test_and_clear(evtchn_port_t port)
{
    if (pvh.fifo) {
        if (port >= EVTCHN_FIFO_WORDS_PER_PAGE)
            return false;
        return (__atomic_fetch_and(&pvh.fifo_words[port], ~(1u << EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST) >>
                EVTCHN_FIFO_PENDING) & 1;
    }
    if (port >= PVH_MAX_PORTS)
        return false;
    uint64_t bit = 1ull << (port % 64);
    return __atomic_fetch_and(&pvh.sh->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

void evtchn_set_mask(evtchn_port_t port, bool masked)
{
    if (pvh.fifo) {
        if (masked)
            __atomic_fetch_or(&pvh.fifo_words[port], 1u << EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_and(&pvh.fifo_words[port], ~(1u << EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
        return;
    }
    uint64_t bit = 1ull << (port % 64);
    if (masked)
        __atomic_fetch_or(&pvh.sh->evtchn_mask[port / 64], bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&pvh.sh->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
}

bool evtchn_wait(evtchn_port_t port, uint64_t timeout_ns)
{
    uint64_t deadline = pvclock_ns() + (timeout_ns ? timeout_ns : 10000000000ull);
    for (;;) {
        /* Re-arm the 0 -> 1 transitions a send notifies on, then look. */
        __atomic_store_n(&pvh.vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&pvh.vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        if (evtchn_test_and_clear(port))
            return true;
        if (pvclock_ns() >= deadline)
            return false;
        struct sched_poll p = { .ports = (uintptr_t)&port, .nr_ports = 1, .timeout = deadline };
        sched_op(SCHEDOP_poll, &p);
    }
}

long pvh_enable_upcall(void)
{
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT) |
                             PVH_UPCALL_VECTOR);
}

bool wait_count(evtchn_port_t port, uint32_t n, uint64_t timeout_ns)
{
    uint64_t deadline = pvclock_ns() + timeout_ns;
    sti();
    while (evt_count[port] < n && pvclock_ns() < deadline)
        pause();
    cli();
    return evt_count[port] >= n;
}

static uint8_t fifo_pages[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

long pvh_fifo_init(uint8_t *link_bits)
{
    memset(fifo_pages, 0, sizeof(fifo_pages));
    struct evtchn_init_control ic = { .control_gfn = ptr_gfn(fifo_pages[0]), .offset = 0, .vcpu = 0 };
    long rc = evtchn_op(EVTCHNOP_init_control, &ic);
    if (rc)
        return rc;
    *link_bits = ic.link_bits;
    pvh.fifo_cb = (struct evtchn_fifo_control_block *)fifo_pages[0];
    pvh.fifo_words = (event_word_t *)fifo_pages[1];
    struct evtchn_expand_array ea = { .array_gfn = ptr_gfn(fifo_pages[1]) };
    rc = evtchn_op(EVTCHNOP_expand_array, &ea);
    memset(fifo_head, 0, sizeof(fifo_head));
    pvh.fifo = true;
    return rc;
}

/* ---- grant tables ----------------------------------------------------------- */

#ifndef PVH_LIB_ON_PV /* PV: setup_table's MFNs mapped by update_va_mapping (pv_fe.c) */
long gnttab_map_frames(unsigned n)
{
    for (unsigned i = pvh.gt_frames; i < n; i++) {
        long rc = add_to_physmap(XENMAPSPACE_grant_table, i, PVH_GFN_GNTTAB + i);
        if (rc)
            return rc;
        pvh.gt_frames = i + 1;
    }
    pvh.gt = gfn_ptr(PVH_GFN_GNTTAB);
    return 0;
}
#endif

void gnttab_grant(grant_ref_t ref, domid_t dom, uint64_t gfn, bool readonly)
{
    volatile struct grant_entry_v1 *e = &pvh.gt[ref];
    e->domid = dom;
    e->frame = (uint32_t)gfn;
    mb();                           /* the entry before the flags that make it valid */
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

void gnttab_revoke(grant_ref_t ref)
{
    __atomic_store_n(&pvh.gt[ref].flags, 0, __ATOMIC_SEQ_CST);
}

int16_t gnttab_map(domid_t dom, grant_ref_t ref, uint64_t gfn, uint32_t flags, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = { .host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom,
                                      .status = 1 };
    long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);
    if (rc)
        return (int16_t)rc;
    if (handle)
        *handle = m.handle;
    return m.status;
}

int16_t gnttab_unmap(grant_handle_t handle, uint64_t gfn)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = gfn << 12, .handle = handle, .status = 1 };
    long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);
    return rc ? (int16_t)rc : u.status;
}
