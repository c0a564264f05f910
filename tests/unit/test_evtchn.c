/*
 * Host tests of the event channels (src/evtchn/): every EVTCHNOP and its
 * documented errors, interdomain round trips between fake domains, the
 * exact 2-level bits, FIFO queueing with a guest-side consumer, the switch
 * to FIFO with ports open, reset and destruction with live peers, and two
 * threads sending to each other without losing an event.
 */
#include "evtchn_fake.h"
#include "core/compat/layout.h"
#include "evtchn/evtchn_private.h"
#include "core/domcfg.h"
#include "lib/errno.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <time.h>

extern _Thread_local int evtchn_test_locks_held;

#define LOCKS_FREE() CHECK_EQ(evtchn_test_locks_held, 0)

static long op(struct fake_dom *fd, unsigned vcpu, unsigned cmd, void *arg, size_t len)
{
    long rc = fake_op(fd, vcpu, cmd, arg, len);
    LOCKS_FREE();
    return rc;
}

static long alloc_unbound(struct fake_dom *fd, uint16_t dom, uint16_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = op(fd, 0, EVTCHNOP_alloc_unbound, &a, sizeof(a));
    if (port)
        *port = rc ? 0 : a.port;
    return rc;
}

static long bind_inter(struct fake_dom *fd, uint16_t rdom, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
    long rc = op(fd, 0, EVTCHNOP_bind_interdomain, &b, sizeof(b));
    if (port)
        *port = rc ? 0 : b.local_port;
    return rc;
}

static long bind_virq(struct fake_dom *fd, uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = op(fd, 0, EVTCHNOP_bind_virq, &b, sizeof(b));
    if (port)
        *port = rc ? 0 : b.port;
    return rc;
}

static long bind_ipi(struct fake_dom *fd, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = op(fd, 0, EVTCHNOP_bind_ipi, &b, sizeof(b));
    if (port)
        *port = rc ? 0 : b.port;
    return rc;
}

static long port_op(struct fake_dom *fd, unsigned cmd, evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };   /* close, send, unmask: same layout */
    return op(fd, 0, cmd, &s, sizeof(s));
}
#define ev_close(fd, p)  port_op(fd, EVTCHNOP_close, p)
#define ev_send(fd, p)   port_op(fd, EVTCHNOP_send, p)
#define ev_unmask(fd, p) port_op(fd, EVTCHNOP_unmask, p)

static long ev_status(struct fake_dom *fd, evtchn_port_t port, struct evtchn_status *s)
{
    memset(s, 0xa5, sizeof(*s));
    s->dom = DOMID_SELF;
    s->port = port;
    return op(fd, 0, EVTCHNOP_status, s, sizeof(*s));
}

static long bind_vcpu(struct fake_dom *fd, evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
    return op(fd, 0, EVTCHNOP_bind_vcpu, &b, sizeof(b));
}

static long ev_reset(struct fake_dom *fd, uint16_t dom)
{
    struct evtchn_reset r = { .dom = dom };
    return op(fd, 0, EVTCHNOP_reset, &r, sizeof(r));
}

static long init_control(struct fake_dom *fd, uint64_t gfn, uint32_t off, uint32_t vcpu)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = off, .vcpu = vcpu };
    long rc = op(fd, 0, EVTCHNOP_init_control, &ic, sizeof(ic));
    if (rc == 0)
        CHECK_EQ(ic.link_bits, 17);
    return rc;
}

static long expand(struct fake_dom *fd, uint64_t gfn)
{
    struct evtchn_expand_array e = { .array_gfn = gfn };
    return op(fd, 0, EVTCHNOP_expand_array, &e, sizeof(e));
}

static long set_prio(struct fake_dom *fd, evtchn_port_t port, uint32_t prio)
{
    struct evtchn_set_priority s = { .port = port, .priority = prio };
    return op(fd, 0, EVTCHNOP_set_priority, &s, sizeof(s));
}

static bool pend2(struct fake_dom *fd, evtchn_port_t p) { return (fd->si->evtchn_pending[p / 64] >> (p % 64)) & 1; }
static void clear_pend2(struct fake_dom *fd, evtchn_port_t p) { fd->si->evtchn_pending[p / 64] &= ~(1ull << (p % 64)); }
static void mask2(struct fake_dom *fd, evtchn_port_t p) { fd->si->evtchn_mask[p / 64] |= 1ull << (p % 64); }

static void check_no_leaks(void)
{
    CHECK_EQ(fake_live_allocs, 0);
    CHECK_EQ(fake_domain_refs, 0);
}

/* ---- tests ---- */

static void test_alloc_and_limits(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 10, NULL);
    struct evtchn_stats st;
    evtchn_port_t p, i;

    evtchn_get_stats(&a->d, &st);
    CHECK_EQ(st.max_ports, 10);
    CHECK_EQ(st.open, 0);
    CHECK(!st.fifo);
    for (i = 1; i <= 10; i++) {
        CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &p), 0);
        CHECK_EQ(p, i);                        /* lowest first, port 0 never */
    }
    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &p), -ENOSPC);
    CHECK_EQ(bind_ipi(a, 0, &p), -ENOSPC);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 0, &p), -ENOSPC);
    CHECK_EQ(ev_close(a, 5), 0);
    CHECK_EQ(ev_close(a, 3), 0);
    CHECK_EQ(bind_ipi(a, 1, &p), 0);
    CHECK_EQ(p, 3);
    CHECK_EQ(alloc_unbound(a, 1, 2, &p), 0);   /* own id is "self" too */
    CHECK_EQ(p, 5);
    CHECK_EQ(alloc_unbound(a, 2, 1, &p), -EPERM);
    CHECK_EQ(alloc_unbound(a, DOMID_XEN, 1, &p), -EPERM);
    evtchn_get_stats(&a->d, &st);
    CHECK_EQ(st.open, 10);
    CHECK_EQ(st.unbound, 9);
    CHECK_EQ(st.ipi, 1);
    fake_dom_free(a);

    /* 2-level caps at 4096 ports whatever the configuration says. */
    a = fake_dom_new(1, 1, 100000, NULL);
    evtchn_get_stats(&a->d, &st);
    CHECK_EQ(st.max_ports, 4095);
    for (i = 1; i < 4096; i++)
        if (bind_ipi(a, 0, &p) || p != i)
            break;
    CHECK_EQ(i, 4096);
    CHECK_EQ(bind_ipi(a, 0, &p), -ENOSPC);
    fake_dom_free(a);

    /* Default. */
    a = fake_dom_new(1, 1, 0, NULL);
    evtchn_get_stats(&a->d, &st);
    CHECK_EQ(st.max_ports, EVTCHN_DEFAULT_MAX_PORTS);
    fake_dom_free(a);
    check_no_leaks();
}

/* A toolstack in the control domain gives a new domain its xenstore and
 * console ports: alloc_unbound naming the domain, offered to itself
 * (libxl's way).  Nobody else may allocate in another domain's table. */
static void test_alloc_unbound_for_other(void)
{
    struct fake_dom *z = fake_dom_new(0, 1, 64, NULL), *u = fake_dom_new(4, 1, 64, NULL);
    struct fake_dom *w = fake_dom_new(5, 1, 64, NULL);
    struct domcfg cfg = { .dom0 = true };
    struct domcfg *saved = z->d.cfg;
    struct evtchn_status s;
    evtchn_port_t q, q2, lz;

    z->d.cfg = &cfg;
    int refs = fake_domain_refs;
    CHECK_EQ(alloc_unbound(z, 4, 0, &q), 0);
    CHECK_EQ(q, 1);
    CHECK_EQ(ev_status(u, q, &s), 0);                  /* in the domain's table, for dom0 */
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 0);
    CHECK_EQ(ev_status(z, q, &s), 0);                  /* nothing opened in the caller's */
    CHECK_EQ(s.status, EVTCHNSTAT_closed);
    CHECK_EQ(alloc_unbound(z, 4, DOMID_SELF, &q2), 0); /* "self" is the caller, as in Xen */
    CHECK_EQ(ev_status(u, q2, &s), 0);
    CHECK_EQ(s.u.unbound.dom, 0);
    CHECK_EQ(alloc_unbound(z, 7, 0, NULL), -ESRCH);    /* no such domain */
    CHECK_EQ(fake_domain_refs, refs);                  /* every reference given back */
    /* The domain and its peers may not. */
    CHECK_EQ(alloc_unbound(u, 5, 4, NULL), -EPERM);
    CHECK_EQ(alloc_unbound(u, 0, 4, NULL), -EPERM);
    CHECK_EQ(alloc_unbound(w, 4, 0, NULL), -EPERM);
    /* dom0 binds it as xenstored does; a send reaches the domain. */
    CHECK_EQ(bind_inter(z, 4, q, &lz), 0);
    CHECK_EQ(ev_status(u, q, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(s.u.interdomain.dom, 0);
    CHECK_EQ(s.u.interdomain.port, lz);
    z->d.cfg = saved;
    fake_dom_free(w);
    fake_dom_free(u);
    fake_dom_free(z);
    check_no_leaks();
}

static void test_interdomain(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 64, NULL), *b = fake_dom_new(2, 2, 64, NULL);
    struct fake_dom *c = fake_dom_new(3, 1, 64, NULL);
    struct evtchn_status s;
    evtchn_port_t pa, pb, pc, x;

    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pa), 0);
    CHECK_EQ(ev_status(a, pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 2);
    CHECK_EQ(s.vcpu, 0);
    /* Offered to B only. */
    CHECK_EQ(bind_inter(c, 1, pa, &x), -EINVAL);
    CHECK_EQ(bind_inter(b, 1, 0, &x), -EINVAL);
    CHECK_EQ(bind_inter(b, 1, 64, &x), -EINVAL);
    CHECK_EQ(bind_inter(b, 1, 1000000, &x), -EINVAL);
    CHECK_EQ(bind_inter(b, 1, pa + 1, &x), -EINVAL);       /* closed */
    CHECK_EQ(bind_inter(b, 7, pa, &x), -ESRCH);
    CHECK_EQ(bind_inter(b, DOMID_XEN, pa, &x), -ESRCH);
    CHECK_EQ(bind_ipi(b, 0, &x), 0);                       /* so B's port differs from A's */
    CHECK_EQ(bind_inter(b, 1, pa, &pb), 0);
    CHECK_EQ(pb, 2);
    CHECK(pend2(b, pb));                                   /* raised once at bind, as Xen */
    clear_pend2(b, pb);
    CHECK_EQ(bind_inter(b, 1, pa, &x), -EINVAL);           /* no longer unbound */
    CHECK_EQ(ev_status(a, pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(s.u.interdomain.dom, 2);
    CHECK_EQ(s.u.interdomain.port, pb);
    CHECK_EQ(ev_status(b, pb, &s), 0);
    CHECK_EQ(s.u.interdomain.dom, 1);
    CHECK_EQ(s.u.interdomain.port, pa);

    /* Round trips. */
    CHECK_EQ(ev_send(a, pa), 0);
    CHECK(pend2(b, pb));
    CHECK(!pend2(a, pa));
    CHECK_EQ(ev_send(b, pb), 0);
    CHECK(pend2(a, pa));
    CHECK_EQ(b->si->vcpu_info[0].evtchn_pending_sel, 1);
    CHECK_EQ(a->si->vcpu_info[0].evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[0], 1);
    /* bind_vcpu moves the notification. */
    CHECK_EQ(bind_vcpu(a, pa, 1), 0);
    clear_pend2(a, pa);
    CHECK_EQ(ev_send(b, pb), 0);
    CHECK_EQ(a->si->vcpu_info[1].evtchn_pending_sel, 1);
    CHECK_EQ(a->upcalls[1], 1);
    CHECK_EQ(bind_vcpu(a, pa, 4), -ENOENT);
    CHECK_EQ(bind_vcpu(a, pa, 2), -ENOENT);
    CHECK_EQ(bind_vcpu(a, 0, 0), -EINVAL);
    CHECK_EQ(bind_vcpu(a, 30, 0), -EINVAL);
    CHECK_EQ(ev_status(a, pa, &s), 0);
    CHECK_EQ(s.vcpu, 1);

    /* Close reverts the peer to unbound, offered to the closer. */
    CHECK_EQ(ev_close(b, pb), 0);
    CHECK_EQ(ev_status(a, pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 2);
    CHECK_EQ(ev_status(b, pb, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_send(a, pa), 0);                           /* unbound: dropped, not an error */
    CHECK_EQ(ev_send(b, pb), -EINVAL);
    CHECK_EQ(ev_close(b, pb), -EINVAL);
    CHECK_EQ(ev_close(b, 0), -EINVAL);
    CHECK_EQ(ev_close(b, 64), -EINVAL);
    CHECK_EQ(ev_close(b, 0xffffffffu), -EINVAL);
    CHECK_EQ(ev_send(b, 0), -EINVAL);
    CHECK_EQ(ev_send(b, 1u << 20), -EINVAL);
    /* And it can be bound again; then A closes and B's side reverts. */
    CHECK_EQ(bind_inter(b, 1, pa, &pb), 0);
    CHECK_EQ(ev_close(a, pa), 0);
    CHECK_EQ(ev_status(b, pb, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 1);

    /* C binds to a port A offers it with DOMID_SELF-relative ids. */
    CHECK_EQ(alloc_unbound(c, 3, 1, &pc), 0);
    CHECK_EQ(bind_inter(a, 3, pc, &x), 0);
    CHECK_EQ(ev_send(c, pc), 0);
    CHECK(pend2(a, x));
    /* Status of another domain: not ours. */
    memset(&s, 0, sizeof(s));
    s.dom = 2;
    s.port = 1;
    CHECK_EQ(op(a, 0, EVTCHNOP_status, &s, sizeof(s)), -EPERM);
    CHECK_EQ(ev_status(a, 0, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_status(a, 65, &s), -EINVAL);
    fake_dom_free(c);
    fake_dom_free(b);
    fake_dom_free(a);
    check_no_leaks();
}

static void test_loopback(void)
{
    struct fake_dom *a = fake_dom_new(1, 1, 32, NULL);
    struct evtchn_status s;
    evtchn_port_t p, q;

    CHECK_EQ(alloc_unbound(a, DOMID_SELF, DOMID_SELF, &p), 0);
    CHECK_EQ(ev_status(a, p, &s), 0);
    CHECK_EQ(s.u.unbound.dom, 1);
    CHECK_EQ(bind_inter(a, DOMID_SELF, p, &q), 0);
    CHECK(q != p);
    clear_pend2(a, q);
    CHECK_EQ(ev_send(a, p), 0);
    CHECK(pend2(a, q));
    CHECK(!pend2(a, p));
    CHECK_EQ(ev_send(a, q), 0);
    CHECK(pend2(a, p));
    CHECK_EQ(ev_close(a, q), 0);
    CHECK(!pend2(a, q));                                   /* close clears a stale event */
    CHECK_EQ(ev_status(a, p, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 1);
    CHECK_EQ(bind_inter(a, 1, p, &q), 0);
    fake_dom_free(a);
    check_no_leaks();
}

static void test_virq_ipi(void)
{
    struct fake_dom *a = fake_dom_new(1, 3, 64, NULL);
    struct evtchn_status s;
    evtchn_port_t t1, t2, con, ipi, x;

    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 1, &t1), 0);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 1, &x), -EEXIST);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 2, &t2), 0);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 3, &x), -ENOENT);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 64, &x), -ENOENT);
    CHECK_EQ(bind_virq(a, VIRQ_CONSOLE, 1, &x), -EINVAL);
    CHECK_EQ(bind_virq(a, NR_VIRQS, 0, &x), -EINVAL);
    CHECK_EQ(bind_virq(a, 0xffffffffu, 0, &x), -EINVAL);
    CHECK_EQ(bind_virq(a, VIRQ_CONSOLE, 0, &con), 0);
    CHECK_EQ(bind_virq(a, VIRQ_CONSOLE, 0, &x), -EEXIST);
    CHECK_EQ(ev_status(a, t2, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_virq);
    CHECK_EQ(s.u.virq, VIRQ_TIMER);
    CHECK_EQ(s.vcpu, 2);

    evtchn_send_virq(&a->v[1], VIRQ_TIMER);
    LOCKS_FREE();
    CHECK(pend2(a, t1));
    CHECK(!pend2(a, t2));
    CHECK_EQ(a->si->vcpu_info[1].evtchn_pending_sel, 1);
    CHECK_EQ(a->si->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[1], 1);
    CHECK_EQ(a->upcalls[2], 0);
    evtchn_send_virq(&a->v[0], VIRQ_TIMER);                /* not bound there: no-op */
    evtchn_send_virq(&a->v[0], VIRQ_DEBUG);
    evtchn_send_virq(&a->v[0], 99);
    CHECK_EQ(a->upcalls[0], 0);
    evtchn_send_global_virq(&a->d, VIRQ_CONSOLE);
    CHECK(pend2(a, con));
    CHECK_EQ(a->upcalls[0], 1);
    /* Global VIRQs move, per-vCPU ones and IPIs do not. */
    CHECK_EQ(bind_vcpu(a, con, 2), 0);
    clear_pend2(a, con);
    evtchn_send_global_virq(&a->d, VIRQ_CONSOLE);
    CHECK_EQ(a->si->vcpu_info[2].evtchn_pending_sel, 1);
    CHECK_EQ(a->upcalls[2], 1);
    CHECK_EQ(bind_vcpu(a, t1, 0), -EINVAL);
    CHECK_EQ(ev_send(a, con), -EINVAL);                    /* guests do not raise VIRQs */
    CHECK_EQ(ev_close(a, t1), 0);
    clear_pend2(a, t1);
    evtchn_send_virq(&a->v[1], VIRQ_TIMER);
    CHECK(!pend2(a, t1));
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 1, &x), 0);
    CHECK_EQ(x, t1);

    CHECK_EQ(bind_ipi(a, 3, &x), -ENOENT);
    CHECK_EQ(bind_ipi(a, 2, &ipi), 0);
    CHECK_EQ(bind_vcpu(a, ipi, 0), -EINVAL);
    a->si->vcpu_info[2].evtchn_pending_sel = 0;
    a->si->vcpu_info[2].evtchn_upcall_pending = 0;
    CHECK_EQ(ev_send(a, ipi), 0);
    CHECK(pend2(a, ipi));
    CHECK_EQ(a->si->vcpu_info[2].evtchn_pending_sel, 1ull << (ipi / 64));
    CHECK_EQ(a->upcalls[2], 2);
    CHECK_EQ(ev_status(a, ipi, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_ipi);
    CHECK_EQ(s.vcpu, 2);
    fake_dom_free(a);
    check_no_leaks();
}

static void test_2l_bits(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 300, NULL);
    struct vcpu_info *vi = &a->si->vcpu_info[0];
    evtchn_port_t p, i;

    for (i = 1; i < 200; i++)
        CHECK_EQ(bind_ipi(a, 0, &p), 0);
    /* Port 70: word 1, bit 6. */
    CHECK_EQ(ev_send(a, 70), 0);
    CHECK_EQ(a->si->evtchn_pending[1], 1ull << 6);
    CHECK_EQ(a->si->evtchn_pending[0], 0);
    CHECK_EQ(vi->evtchn_pending_sel, 1ull << 1);
    CHECK_EQ(vi->evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[0], 1);
    CHECK_EQ(ev_send(a, 70), 0);                           /* already pending: nothing new */
    CHECK_EQ(a->upcalls[0], 1);
    CHECK_EQ(ev_send(a, 71), 0);                           /* upcall flag still set: no new upcall */
    CHECK_EQ(a->si->evtchn_pending[1], 3ull << 6);
    CHECK_EQ(a->upcalls[0], 1);
    /* The guest scanned: flags cleared, pending bits left. */
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    CHECK_EQ(ev_send(a, 70), 0);
    CHECK_EQ(vi->evtchn_pending_sel, 0);
    CHECK_EQ(a->upcalls[0], 1);
    /* Masked: pending, nothing else; unmask re-delivers. */
    mask2(a, 130);
    CHECK_EQ(ev_send(a, 130), 0);
    CHECK(pend2(a, 130));
    CHECK_EQ(vi->evtchn_pending_sel, 0);
    CHECK_EQ(vi->evtchn_upcall_pending, 0);
    CHECK_EQ(ev_unmask(a, 130), 0);
    CHECK_EQ(a->si->evtchn_mask[2], 0);
    CHECK_EQ(vi->evtchn_pending_sel, 1ull << 2);
    CHECK_EQ(vi->evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[0], 2);
    /* Unmasking a port that is not pending notifies nobody. */
    mask2(a, 131);
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    CHECK_EQ(ev_unmask(a, 131), 0);
    CHECK_EQ(a->si->evtchn_mask[2], 0);
    CHECK_EQ(vi->evtchn_pending_sel, 0);
    CHECK_EQ(a->upcalls[0], 2);
    CHECK_EQ(ev_unmask(a, 0), -EINVAL);
    CHECK_EQ(ev_unmask(a, 250), -EINVAL);                  /* closed */
    CHECK_EQ(ev_unmask(a, 301), -EINVAL);                  /* beyond the limit */
    /* evtchn_port_pending for SCHEDOP_poll. */
    CHECK_EQ(evtchn_port_pending(&a->d, 70), 1);
    CHECK_EQ(evtchn_port_pending(&a->d, 72), 0);
    CHECK_EQ(evtchn_port_pending(&a->d, 0), -EINVAL);
    CHECK_EQ(evtchn_port_pending(&a->d, 301), -EINVAL);
    /* The list form (one lock): in order, the first bad or pending port decides. */
    {
        const evtchn_port_t none[] = { 72, 72 }, last[] = { 72, 72, 70 }, bad_first[] = { 72, 301, 70 },
                            pend_first[] = { 70, 301 }, zero[] = { 0 };
        CHECK_EQ(evtchn_ports_pending(&a->d, none, 2), 0);
        CHECK_EQ(evtchn_ports_pending(&a->d, last, 3), 1);
        CHECK_EQ(evtchn_ports_pending(&a->d, last, 2), 0);     /* the pending one not in the count */
        CHECK_EQ(evtchn_ports_pending(&a->d, bad_first, 3), -EINVAL);
        CHECK_EQ(evtchn_ports_pending(&a->d, pend_first, 2), 1);
        CHECK_EQ(evtchn_ports_pending(&a->d, zero, 1), -EINVAL);
        CHECK_EQ(evtchn_ports_pending(&a->d, zero, 0), 0);      /* an empty list: nothing pending */
    }
    /* Pollers: any event of the domain wakes them, masked or not. */
    __atomic_store_n(&a->v[1].polling, true, __ATOMIC_RELEASE);
    mask2(a, 5);
    CHECK_EQ(ev_send(a, 5), 0);
    CHECK_EQ(a->wakes[1], 1);
    CHECK_EQ(a->wakes[0], 0);
    fake_dom_free(a);
    check_no_leaks();
}

/* The 32-bit shared_info layout (d->shinfo_compat, core/compat/layout.h):
 * words of 32 bits, the mask at 2176, a 32-bit selector at offset 4 of
 * vcpu_info, 1024 ports; nothing written where the 64-bit layout has them. */
static void test_2l_compat_layout(void)
{
    struct fake_dom *a = fake_dom_new(1, 1, 2000, NULL);
    struct compat_shared_info *cs = (struct compat_shared_info *)a->si;
    struct compat_vcpu_info *cvi = &cs->vcpu_info[0];
    evtchn_port_t p, i;

    a->d.shinfo_compat = true;
    for (i = 1; i < 100; i++)
        CHECK_EQ(bind_ipi(a, 0, &p), 0);
    /* Port 70: word 2, bit 6 of 32-bit words; selector bit 2 at offset 4. */
    CHECK_EQ(ev_send(a, 70), 0);
    CHECK_EQ(cs->evtchn_pending[2], 1u << 6);
    CHECK_EQ(cvi->evtchn_pending_sel, 1u << 2);
    CHECK_EQ(cvi->evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[0], 1);
    CHECK_EQ(cvi->arch[0], 0);                          /* the 64-bit selector's place: untouched */
    CHECK_EQ(cvi->arch[1], 0);
    /* Masked through the 32-bit mask bitmap (2176), not the 64-bit one (2560). */
    cvi->evtchn_upcall_pending = 0;
    cvi->evtchn_pending_sel = 0;
    cs->evtchn_mask[1] = 1u << 1;                       /* port 33 */
    CHECK_EQ(ev_send(a, 33), 0);
    CHECK_EQ(cs->evtchn_pending[1], 1u << 1);
    CHECK_EQ(cvi->evtchn_pending_sel, 0);
    CHECK_EQ(cvi->evtchn_upcall_pending, 0);
    CHECK_EQ(ev_unmask(a, 33), 0);
    CHECK_EQ(cs->evtchn_mask[1], 0);
    CHECK_EQ(cvi->evtchn_pending_sel, 1u << 1);
    CHECK_EQ(evtchn_port_pending(&a->d, 33), 1);
    /* Ports past 1023 do not exist in this layout. */
    for (; i < 1100; i++)
        bind_ipi(a, 0, &p);
    CHECK(p < 1024);
    CHECK_EQ(ev_send(a, 1030), -EINVAL);
    for (unsigned w = 0; w < 64; w++)                   /* the 64-bit layout's mask (2560..) untouched */
        CHECK_EQ(a->si->evtchn_mask[w], 0);
    a->d.shinfo_compat = false;
    fake_dom_free(a);
    check_no_leaks();
}

static int xen_notified;
static void *xen_seen_ctx;
static struct domain *xen_seen_dom;

static void xen_notify_fn(struct domain *d, void *ctx)
{
    xen_notified++;
    xen_seen_ctx = ctx;
    xen_seen_dom = d;
}

static void test_xen_port_and_errors(void)
{
    struct fake_dom *a = fake_dom_new(1, 1, 16, NULL);
    struct evtchn_status s;
    int xp, ctx;
    evtchn_port_t p;
    uint8_t buf[64];

    CHECK_EQ(evtchn_alloc_xen_port(&a->d, NULL, NULL), -EINVAL);
    CHECK_EQ(bind_ipi(a, 0, &p), 0);
    xp = evtchn_alloc_xen_port(&a->d, xen_notify_fn, &ctx);
    CHECK_EQ(xp, 2);
    CHECK_EQ(ev_status(a, (evtchn_port_t)xp, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(s.u.interdomain.dom, DOMID_XEN);
    CHECK_EQ(s.u.interdomain.port, 0);
    CHECK_EQ(s.vcpu, 0);
    CHECK_EQ(ev_send(a, (evtchn_port_t)xp), 0);
    CHECK_EQ(xen_notified, 1);
    CHECK(xen_seen_ctx == &ctx);
    CHECK(xen_seen_dom == &a->d);
    CHECK(!pend2(a, (evtchn_port_t)xp));
    CHECK_EQ(evtchn_xen_notify(&a->d, (evtchn_port_t)xp), 0);
    LOCKS_FREE();
    CHECK(pend2(a, (evtchn_port_t)xp));
    CHECK_EQ(a->upcalls[0], 1);
    CHECK_EQ(evtchn_xen_notify(&a->d, p), -EINVAL);        /* an IPI port */
    CHECK_EQ(evtchn_xen_notify(&a->d, 0), -EINVAL);
    CHECK_EQ(evtchn_xen_notify(&a->d, 9999), -EINVAL);
    CHECK_EQ(ev_close(a, (evtchn_port_t)xp), -EINVAL);     /* the back end's */
    CHECK_EQ(bind_vcpu(a, (evtchn_port_t)xp, 0), 0);

    /* Hypercall-level errors. */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, buf, 16), -EPERM);     /* an ordinary domain: no pirqs */
    CHECK_EQ(op(a, 0, 14, buf, 16), -ENOSYS);
    CHECK_EQ(op(a, 0, 0xffffffffu, buf, 16), -ENOSYS);
    CHECK_EQ(evtchn_hypercall(&a->v[0], EVTCHNOP_status, FAKE_ARGS_BYTES - 8), -EFAULT);
    CHECK_EQ(evtchn_hypercall(&a->v[0], EVTCHNOP_send, ~0ull), -EFAULT);
    CHECK_EQ(evtchn_hypercall(NULL, EVTCHNOP_send, 0), -ENOSYS);
    CHECK_EQ(ev_reset(a, 2), -EPERM);
    CHECK_EQ(set_prio(a, p, 3), -ENOSYS);                  /* 2-level */
    CHECK_EQ(expand(a, 1), -EOPNOTSUPP);
    CHECK_EQ(expand(a, 100), -EINVAL);
    LOCKS_FREE();

    /* Reset: every guest port closed, the back end's stays. */
    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 0, &p), 0);
    CHECK_EQ(ev_reset(a, DOMID_SELF), 0);
    CHECK_EQ(ev_status(a, 1, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_status(a, (evtchn_port_t)xp, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(ev_reset(a, 1), 0);
    CHECK_EQ(bind_ipi(a, 0, &p), 0);
    CHECK_EQ(p, 1);
    fake_dom_free(a);
    check_no_leaks();
}

/* Hypervisor-consumed ports (evtchn_consumed.c): the ioreq servers'. */
static unsigned consumed_calls;
static struct domain *consumed_dom;
static evtchn_port_t consumed_port;
static void consumed_fn(struct domain *d, evtchn_port_t port)
{
    consumed_calls++;
    consumed_dom = d;
    consumed_port = port;
}

static void test_consumed_ports(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 64, NULL), *b = fake_dom_new(2, 1, 64, NULL);
    struct evtchn_status s;
    evtchn_port_t pb, pb2, ip;

    consumed_calls = 0;
    evtchn_set_consumer(EVTCHN_CONSUMER_IOREQ, NULL);
    CHECK_EQ(evtchn_alloc_consumed(&a->d, 2, 1, EVTCHN_CONSUMER_IOREQ), -EINVAL);   /* none registered */
    evtchn_set_consumer(EVTCHN_CONSUMER_IOREQ, consumed_fn);
    CHECK_EQ(evtchn_alloc_consumed(&a->d, 2, 0, EVTCHN_CONSUMER_NONE), -EINVAL);
    CHECK_EQ(evtchn_alloc_consumed(&a->d, 2, 0, EVTCHN_CONSUMER_NR), -EINVAL);
    CHECK_EQ(evtchn_alloc_consumed(NULL, 2, 0, EVTCHN_CONSUMER_IOREQ), -EINVAL);
    int pa = evtchn_alloc_consumed(&a->d, 2, 1, EVTCHN_CONSUMER_IOREQ);
    CHECK(pa > 0);
    CHECK_EQ(ev_status(a, (evtchn_port_t)pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 2);
    CHECK_EQ(s.vcpu, 1);
    /* Unbound: the hypervisor's event goes nowhere. */
    CHECK_EQ(evtchn_consumed_send(&a->d, (evtchn_port_t)pa), 0);
    /* The guest owning it can neither send, close nor move it. */
    CHECK_EQ(ev_send(a, (evtchn_port_t)pa), -EINVAL);
    CHECK_EQ(ev_close(a, (evtchn_port_t)pa), -EINVAL);
    CHECK_EQ(bind_vcpu(a, (evtchn_port_t)pa, 0), -EINVAL);
    /* Only the named domain binds it, with an ordinary bind_interdomain. */
    CHECK_EQ(bind_inter(b, 3, (evtchn_port_t)pa, &pb), -ESRCH);
    CHECK_EQ(bind_inter(b, 1, (evtchn_port_t)pa, &pb), 0);
    CHECK(pend2(b, pb));
    clear_pend2(b, pb);
    /* The peer's event calls the consumer and is never pending in A. */
    CHECK_EQ(ev_send(b, pb), 0);
    LOCKS_FREE();
    CHECK_EQ(consumed_calls, 1);
    CHECK(consumed_dom == &a->d);
    CHECK_EQ(consumed_port, (evtchn_port_t)pa);
    CHECK(!pend2(a, (evtchn_port_t)pa));
    CHECK_EQ(a->upcalls[0] + a->upcalls[1], 0);
    /* The hypervisor's event is pending at the peer. */
    CHECK_EQ(evtchn_consumed_send(&a->d, (evtchn_port_t)pa), 0);
    CHECK(pend2(b, pb));
    clear_pend2(b, pb);
    CHECK_EQ(evtchn_consumed_send(&a->d, 9999), -EINVAL);
    CHECK_EQ(bind_ipi(a, 0, &ip), 0);
    CHECK_EQ(evtchn_consumed_send(&a->d, ip), -EINVAL);   /* an ordinary port */
    CHECK_EQ(evtchn_consumed_close(&a->d, ip), -EINVAL);
    /* The peer closes: unbound again, still consumed, bindable again. */
    CHECK_EQ(ev_close(b, pb), 0);
    CHECK_EQ(ev_status(a, (evtchn_port_t)pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(bind_inter(b, 1, (evtchn_port_t)pa, &pb2), 0);
    clear_pend2(b, pb2);
    CHECK_EQ(ev_send(b, pb2), 0);
    CHECK_EQ(consumed_calls, 2);
    /* The guest's reset leaves it. */
    CHECK_EQ(ev_reset(a, DOMID_SELF), 0);
    CHECK_EQ(ev_status(a, (evtchn_port_t)pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_interdomain);
    /* The hypervisor closes it: the peer's end goes back to unbound. */
    CHECK_EQ(evtchn_consumed_close(&a->d, (evtchn_port_t)pa), 0);
    CHECK_EQ(ev_status(a, (evtchn_port_t)pa, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_status(b, pb2, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(evtchn_consumed_close(&a->d, (evtchn_port_t)pa), -EINVAL);
    LOCKS_FREE();
    fake_dom_free(a);
    fake_dom_free(b);
    check_no_leaks();
}

static void test_alloc_failures(void)
{
    struct fake_dom *a;
    evtchn_port_t p;
    int rc, n, ok = 0;

    for (n = 0; n < 6; n++) {
        fake_alloc_fail_after = n;
        a = fake_dom_new(1, 3, 200, &rc);
        if (a) {
            ok++;
            fake_dom_free(a);
        } else {
            CHECK_EQ(rc, -ENOMEM);
        }
        fake_alloc_fail_after = -1;
        CHECK_EQ(fake_live_allocs, 0);
    }
    CHECK_EQ(ok, 1);                /* ed, buckets, 3 vCPUs: the 6th try succeeds */
    a = fake_dom_new(1, 1, 200, NULL);
    for (n = 1; n < 64; n++)
        CHECK_EQ(bind_ipi(a, 0, &p), 0);
    fake_alloc_fail_after = 0;      /* port 64 needs a second bucket */
    CHECK_EQ(bind_ipi(a, 0, &p), -ENOMEM);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 0, &p), 0);
    CHECK_EQ(p, 64);
    fake_dom_free(a);
    check_no_leaks();
}

static void test_destroy_with_peers(void)
{
    struct fake_dom *a = fake_dom_new(1, 1, 64, NULL), *b = fake_dom_new(2, 1, 64, NULL);
    struct evtchn_status s;
    evtchn_port_t pa1, pa2, pb1, pb2, x;

    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pa1), 0);
    CHECK_EQ(bind_inter(b, 1, pa1, &pb1), 0);
    CHECK_EQ(alloc_unbound(b, DOMID_SELF, 1, &pb2), 0);
    CHECK_EQ(bind_inter(a, 2, pb2, &pa2), 0);
    CHECK_EQ(alloc_unbound(b, DOMID_SELF, 1, &x), 0);      /* offered, never bound */
    CHECK_EQ(bind_virq(b, VIRQ_TIMER, 0, &x), 0);
    fake_dom_free(b);
    CHECK_EQ(ev_status(a, pa1, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 2);
    CHECK_EQ(ev_status(a, pa2, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(ev_send(a, pa1), 0);
    CHECK_EQ(ev_send(a, pa2), 0);
    CHECK_EQ(bind_inter(a, 2, 3, &x), -ESRCH);
    /* A new domain 2 can pick the offer up again. */
    b = fake_dom_new(2, 1, 64, NULL);
    CHECK_EQ(bind_inter(b, 1, pa1, &pb1), 0);
    CHECK_EQ(ev_send(b, pb1), 0);
    CHECK(pend2(a, pa1));
    fake_dom_free(a);
    CHECK_EQ(ev_status(b, pb1, &s), 0);
    CHECK_EQ(s.status, EVTCHNSTAT_unbound);
    CHECK_EQ(s.u.unbound.dom, 1);
    fake_dom_free(b);
    /* Destroy is safe on a domain whose init failed half-way. */
    {
        struct domain d;
        memset(&d, 0, sizeof(d));
        evtchn_domain_destroy(&d);
    }
    check_no_leaks();
}

/* ---- FIFO ---- */

#define W_P (1u << EVTCHN_FIFO_PENDING)
#define W_M (1u << EVTCHN_FIFO_MASKED)
#define W_L (1u << EVTCHN_FIFO_LINKED)

/* Event array: gfn 1 + i holds page i. */
static uint32_t *fword(struct fake_dom *fd, evtchn_port_t p)
{
    return fake_page(fd, 1 + p / 1024) + p % 1024;
}

static struct evtchn_fifo_control_block *fcb(struct fake_dom *fd, unsigned vcpu)
{
    return (struct evtchn_fifo_control_block *)((uint8_t *)fake_page(fd, 0) + 128 * vcpu);
}

/* The guest's consumer: take the head of queue q (local head kept in *lh),
 * clear LINKED and LINK, drop READY when the queue runs empty, acknowledge
 * PENDING.  Returns the port or 0 when the queue is empty. */
static evtchn_port_t guest_pop(struct fake_dom *fd, unsigned vcpu, unsigned q, evtchn_port_t *lh)
{
    struct evtchn_fifo_control_block *cb = fcb(fd, vcpu);
    evtchn_port_t head = *lh, next;
    uint32_t *w, old;

    /* HEAD is only meaningful while READY says the queue has events. */
    if (!head && (__atomic_load_n(&cb->ready, __ATOMIC_SEQ_CST) & (1u << q)))
        head = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
    if (!head)
        return 0;
    w = fword(fd, head);
    old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(w, &old, old & ~(W_L | EVTCHN_FIFO_LINK_MASK), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    next = old & EVTCHN_FIFO_LINK_MASK;
    if (!next)
        __atomic_fetch_and(&cb->ready, ~(1u << q), __ATOMIC_SEQ_CST);
    *lh = next;
    __atomic_fetch_and(w, ~W_P, __ATOMIC_SEQ_CST);
    return head;
}

static void test_fifo_setup_errors(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 5000, NULL);
    struct evtchn_stats st;
    evtchn_port_t p;
    int i;

    CHECK_EQ(init_control(a, 0, 0, 2), -ENOENT);
    CHECK_EQ(init_control(a, 0, 0, 0xffffffffu), -ENOENT);
    CHECK_EQ(init_control(a, 0, 4, 0), -EINVAL);
    CHECK_EQ(init_control(a, 0, 4096 - 64, 0), -EINVAL);
    CHECK_EQ(init_control(a, 0, 4096, 0), -EINVAL);
    CHECK_EQ(init_control(a, FAKE_RAM_PAGES, 0, 0), -EINVAL);
    CHECK_EQ(init_control(a, ~0ull, 0, 0), -EINVAL);
    evtchn_get_stats(&a->d, &st);
    CHECK(!st.fifo);
    CHECK_EQ(st.max_ports, 4095);
    CHECK_EQ(init_control(a, 0, 4096 - 72, 0), 0);      /* the last place it fits */
    CHECK_EQ(init_control(a, 0, 0, 0), -EINVAL);        /* already set up */
    evtchn_get_stats(&a->d, &st);
    CHECK(st.fifo);
    CHECK_EQ(st.max_ports, 5000);
    CHECK_EQ(expand(a, FAKE_RAM_PAGES), -EINVAL);
    for (i = 0; i < (int)EVTCHN_FIFO_MAX_PAGES; i++)
        if (expand(a, 1 + i % 4))
            break;
    CHECK_EQ(i, EVTCHN_FIFO_MAX_PAGES);
    CHECK_EQ(expand(a, 1), -ENOSPC);
    CHECK_EQ(bind_ipi(a, 0, &p), 0);
    CHECK_EQ(set_prio(a, p, 16), -EINVAL);
    CHECK_EQ(set_prio(a, p + 1, 3), -EINVAL);
    CHECK_EQ(set_prio(a, 0, 3), -EINVAL);
    CHECK_EQ(set_prio(a, p, 15), 0);
    /* Reset goes back to 2-level. */
    CHECK_EQ(ev_reset(a, DOMID_SELF), 0);
    evtchn_get_stats(&a->d, &st);
    CHECK(!st.fifo);
    CHECK_EQ(st.open, 0);
    CHECK_EQ(set_prio(a, 1, 3), -ENOSYS);
    fake_dom_free(a);
    check_no_leaks();
}

static void test_fifo_queues(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 3000, NULL);
    struct evtchn_fifo_control_block *cb0 = fcb(a, 0), *cb1 = fcb(a, 1);
    evtchn_port_t p[8], lh = 0, x;
    unsigned i;

    CHECK_EQ(init_control(a, 0, 0, 0), 0);
    CHECK_EQ(init_control(a, 0, 128, 1), 0);
    CHECK_EQ(expand(a, 1), 0);
    for (i = 0; i < 8; i++) {
        CHECK_EQ(bind_ipi(a, 0, &p[i]), 0);
        CHECK_EQ(p[i], i + 1);
    }
    CHECK_EQ(ev_send(a, p[2]), 0);
    CHECK_EQ(ev_send(a, p[0]), 0);
    CHECK_EQ(ev_send(a, p[1]), 0);
    CHECK_EQ(ev_send(a, p[0]), 0);                      /* already linked: no change */
    CHECK_EQ(cb0->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p[2]);
    CHECK_EQ(cb0->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK_EQ(*fword(a, p[2]), W_P | W_L | p[0]);
    CHECK_EQ(*fword(a, p[0]), W_P | W_L | p[1]);
    CHECK_EQ(*fword(a, p[1]), W_P | W_L);
    CHECK_EQ(a->si->vcpu_info[0].evtchn_upcall_pending, 1);
    CHECK_EQ(a->upcalls[0], 1);
    CHECK_EQ(a->si->vcpu_info[0].evtchn_pending_sel, 0);  /* no 2-level selector in FIFO */
    /* Priorities: port 4 at priority 2, port 5 at the highest. */
    CHECK_EQ(set_prio(a, p[3], 2), 0);
    CHECK_EQ(set_prio(a, p[4], EVTCHN_FIFO_PRIORITY_MAX), 0);
    CHECK_EQ(ev_send(a, p[3]), 0);
    CHECK_EQ(ev_send(a, p[4]), 0);
    CHECK_EQ(cb0->head[2], p[3]);
    CHECK_EQ(cb0->head[0], p[4]);
    CHECK_EQ(cb0->ready, (1u << 7) | (1u << 2) | 1u);
    /* Consume queue 7 in order. */
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[2]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[0]);
    /* An event while the consumer is mid-queue goes after the tail. */
    CHECK_EQ(ev_send(a, p[5]), 0);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[1]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[5]);
    CHECK_EQ(lh, 0);
    CHECK_EQ(cb0->ready & (1u << 7), 0);
    /* Queue empty (tail consumed): the next event is a new HEAD. */
    CHECK_EQ(ev_send(a, p[0]), 0);
    CHECK_EQ(cb0->head[7], p[0]);
    CHECK_EQ(*fword(a, p[0]), W_P | W_L);
    CHECK(cb0->ready & (1u << 7));
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[0]);
    /* Re-sending the consumed tail itself must not link it to itself. */
    CHECK_EQ(ev_send(a, p[0]), 0);
    CHECK_EQ(*fword(a, p[0]), W_P | W_L);
    CHECK_EQ(cb0->head[7], p[0]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[0]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), 0);

    /* Masked: PENDING only; the guest unmasks and asks, it is queued. */
    *fword(a, p[6]) = W_M;
    CHECK_EQ(ev_send(a, p[6]), 0);
    CHECK_EQ(*fword(a, p[6]), W_P | W_M);
    CHECK_EQ(evtchn_port_pending(&a->d, p[6]), 1);
    __atomic_fetch_and(fword(a, p[6]), ~W_M, __ATOMIC_SEQ_CST);
    CHECK_EQ(ev_unmask(a, p[6]), 0);
    CHECK_EQ(*fword(a, p[6]), W_P | W_L);
    CHECK_EQ(cb0->head[7], p[6]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[6]);
    CHECK_EQ(ev_unmask(a, p[6]), 0);                    /* not pending: nothing */
    CHECK_EQ(*fword(a, p[6]), 0);
    /* Linux's way when the port is pending: MASKED still set at the call;
     * the hypervisor clears it and queues the event. */
    *fword(a, p[6]) = W_M;
    CHECK_EQ(ev_send(a, p[6]), 0);
    CHECK_EQ(*fword(a, p[6]), W_P | W_M);
    CHECK_EQ(ev_unmask(a, p[6]), 0);
    CHECK_EQ(*fword(a, p[6]), W_P | W_L);
    CHECK_EQ(cb0->head[7], p[6]);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[6]);
    CHECK_EQ(*fword(a, p[6]) & W_M, 0);

    /* Moving a consumed tail to another queue (priority 3) keeps queue 7
     * sane: the next event on 7 becomes its HEAD, p[0]'s LINK stays 0. */
    CHECK_EQ(ev_send(a, p[0]), 0);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), p[0]);
    CHECK_EQ(set_prio(a, p[0], 3), 0);
    CHECK_EQ(ev_send(a, p[0]), 0);
    CHECK_EQ(cb0->head[3], p[0]);
    CHECK_EQ(ev_send(a, p[1]), 0);
    CHECK_EQ(cb0->head[7], p[1]);
    CHECK_EQ(*fword(a, p[0]), W_P | W_L);
    /* Another vCPU's queues. */
    CHECK_EQ(bind_ipi(a, 1, &x), 0);
    CHECK_EQ(x, 9);
    CHECK_EQ(ev_send(a, x), 0);
    CHECK_EQ(cb1->head[7], x);
    CHECK_EQ(cb1->ready, 1u << 7);
    CHECK_EQ(a->upcalls[1], 1);
    /* A linked port is not reused before the guest consumes it. */
    CHECK_EQ(ev_close(a, p[1]), 0);
    CHECK_EQ(bind_ipi(a, 0, &x), 0);
    CHECK_EQ(x, 10);
    /* Beyond the event array: remembered, delivered with its page. */
    for (i = 11; i < 1100; i++)
        CHECK_EQ(bind_ipi(a, 0, &x), 0);
    CHECK_EQ(x, 1099);
    CHECK_EQ(ev_send(a, 1050), 0);
    CHECK_EQ(evtchn_port_pending(&a->d, 1050), 1);
    CHECK_EQ(evtchn_port_pending(&a->d, 1051), 0);
    CHECK_EQ(expand(a, 2), 0);
    CHECK_EQ(*fword(a, 1050), W_P | W_L);
    CHECK_EQ(*fword(a, 1051), 0);
    CHECK_EQ(evtchn_port_pending(&a->d, 1050), 1);
    fake_dom_free(a);
    check_no_leaks();
}

/* 2-level pending state survives the switch to FIFO. */
static void test_fifo_switch(void)
{
    struct fake_dom *a = fake_dom_new(1, 1, 100, NULL), *b = fake_dom_new(2, 1, 100, NULL);
    evtchn_port_t pa, pb, i, lh = 0;
    struct evtchn_fifo_control_block *cb = fcb(a, 0);

    for (i = 1; i <= 6; i++)
        CHECK_EQ(bind_ipi(a, 0, &pa), 0);
    CHECK_EQ(alloc_unbound(b, DOMID_SELF, 1, &pb), 0);
    CHECK_EQ(bind_inter(a, 2, pb, &pa), 0);
    CHECK_EQ(pa, 7);
    clear_pend2(a, pa);
    CHECK_EQ(ev_send(a, 2), 0);
    CHECK_EQ(ev_send(b, pb), 0);
    CHECK(pend2(a, pa));
    CHECK_EQ(init_control(a, 0, 0, 0), 0);
    CHECK_EQ(evtchn_port_pending(&a->d, 2), 1);
    CHECK_EQ(evtchn_port_pending(&a->d, 3), 0);
    CHECK_EQ(evtchn_port_pending(&a->d, 7), 1);
    CHECK_EQ(cb->ready, 0);
    CHECK_EQ(expand(a, 1), 0);
    CHECK_EQ(*fword(a, 2), W_P | W_L | 7);
    CHECK_EQ(*fword(a, 7), W_P | W_L);
    CHECK_EQ(*fword(a, 3), 0);
    CHECK_EQ(cb->ready, 1u << 7);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), 2);
    CHECK_EQ(guest_pop(a, 0, 7, &lh), 7);
    /* Interdomain delivery into the FIFO domain. */
    CHECK_EQ(ev_send(b, pb), 0);
    CHECK_EQ(cb->head[7], 7);
    CHECK_EQ(*fword(a, 7), W_P | W_L);
    /* And from it into a 2-level one. */
    CHECK_EQ(ev_send(a, pa), 0);
    CHECK(pend2(b, pb));
    fake_dom_free(a);
    fake_dom_free(b);
    check_no_leaks();
}

/* ---- concurrency ---- */

#define CONC_EVENTS 200000
/* Seconds without any send or receive on either side after which the run
 * stops: only a lost event (or a hang) gets there; a slow, loaded machine
 * keeps making progress, however slowly, and is waited for. */
#define CONC_STALL_SECONDS 30

/* Sends and receives of both sides, counted together: the progress both
 * threads watch (a side whose peer is descheduled makes none itself). */
static long conc_progress;

struct conc_side {
    struct fake_dom *self, *peer;
    evtchn_port_t port, peer_port;
    long target;                /* events to send and to receive */
    long lose_at;               /* test of the test: this send's event is taken away at once (-1: none) */
    double stall_seconds;       /* stop after this long without progress */
    long sent, received, errors;
    bool stalled;               /* stopped for want of progress */
    double longest_pause;       /* seconds, the longest time this side saw no progress */
};

static double conc_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sends only when the peer has consumed the previous event, so every send
 * is a 0 -> 1 transition of the peer's pending bit and must be seen; in the
 * meantime consumes its own incoming events.  A lost event leaves the
 * receiving side short for good: once every other send and receive is
 * done nothing moves, and after CONC_STALL_SECONDS both sides stop with
 * the wrong counts. */
static void *conc_thread(void *arg)
{
    struct conc_side *s = arg;
    uint64_t *peer_word = &s->peer->si->evtchn_pending[s->peer_port / 64];
    uint64_t *my_word = &s->self->si->evtchn_pending[s->port / 64];
    uint64_t peer_bit = 1ull << (s->peer_port % 64), my_bit = 1ull << (s->port % 64);
    long seen = -1;
    double since = conc_now();
    unsigned spins = 0;

    while (s->sent < s->target || s->received < s->target) {
        bool idle = true;
        if (s->sent < s->target && !(__atomic_load_n(peer_word, __ATOMIC_SEQ_CST) & peer_bit)) {
            idle = false;
            struct evtchn_send snd = { .port = s->port };
            long rc;
            /* The argument buffer is per domain and this thread is its only user. */
            rc = fake_op(s->self, 0, EVTCHNOP_send, &snd, sizeof(snd));
            if (rc)
                s->errors++;
            /* A lost event, simulated: the peer's bit cleared before it
             * can see it (the peer may have taken it first: then the
             * next send is the one lost). */
            if (s->sent >= s->lose_at && s->lose_at >= 0 &&
                (__atomic_fetch_and(peer_word, ~peer_bit, __ATOMIC_SEQ_CST) & peer_bit))
                s->lose_at = -1;
            s->sent++;
            __atomic_fetch_add(&conc_progress, 1, __ATOMIC_RELAXED);
        }
        if (__atomic_fetch_and(my_word, ~my_bit, __ATOMIC_SEQ_CST) & my_bit) {
            s->received++;
            __atomic_fetch_add(&conc_progress, 1, __ATOMIC_RELAXED);
            idle = false;
        }
        if (idle)
            sched_yield();      /* the 2 host cores are shared: let the peer run */
        if (++spins % 64 == 0) {
            /* Also raise and acknowledge this side's VIRQ now and then. */
            evtchn_send_virq(&s->self->v[1], VIRQ_TIMER);
        }
        if (spins % 1024 == 0) {
            long p = __atomic_load_n(&conc_progress, __ATOMIC_RELAXED);
            double now = conc_now();
            if (p != seen) {
                seen = p;
                since = now;
            } else if (now - since > s->longest_pause) {
                s->longest_pause = now - since;
                if (s->longest_pause > s->stall_seconds) {
                    s->stalled = true;
                    break;
                }
            }
        }
    }
    if (evtchn_test_locks_held)
        s->errors++;
    return NULL;
}

/* Both sides sending and receiving 'events' each way (one send of side
 * a lost if lose_at >= 0); the sides back in *ra, *rb. */
static void conc_run(long events, long lose_at, double stall, struct conc_side *ra, struct conc_side *rb)
{
    struct fake_dom *a = fake_dom_new(1, 2, 64, NULL), *b = fake_dom_new(2, 2, 64, NULL);
    struct conc_side sa = { .self = a, .peer = b, .target = events, .lose_at = lose_at, .stall_seconds = stall };
    struct conc_side sb = { .self = b, .peer = a, .target = events, .lose_at = -1, .stall_seconds = stall };
    evtchn_port_t x;
    pthread_t ta, tb;

    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &sa.port), 0);
    CHECK_EQ(bind_inter(b, 1, sa.port, &sb.port), 0);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 1, &x), 0);
    CHECK_EQ(bind_virq(b, VIRQ_TIMER, 1, &x), 0);
    clear_pend2(b, sb.port);
    sa.peer_port = sb.port;
    sb.peer_port = sa.port;
    double t0 = conc_now();
    CHECK_EQ(pthread_create(&ta, NULL, conc_thread, &sa), 0);
    CHECK_EQ(pthread_create(&tb, NULL, conc_thread, &sb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    printf("concurrent_send%s: %ld/%ld sent, %ld/%ld received in %.2f s; longest pause without progress %.3f s "
           "(stop after %.0f s)\n", lose_at >= 0 ? " (one event lost on purpose)" : "",
           sa.sent, sb.sent, sa.received, sb.received, conc_now() - t0,
           sa.longest_pause > sb.longest_pause ? sa.longest_pause : sb.longest_pause, stall);
    CHECK(a->upcalls[0] >= 1);
    CHECK(b->upcalls[0] >= 1);
    fake_dom_free(a);
    fake_dom_free(b);
    check_no_leaks();
    *ra = sa;
    *rb = sb;
}

static void test_concurrent_send(void)
{
    struct conc_side sa, sb;

    conc_run(CONC_EVENTS, -1, CONC_STALL_SECONDS, &sa, &sb);
    CHECK(!sa.stalled && !sb.stalled);
    CHECK_EQ(sa.sent, CONC_EVENTS);
    CHECK_EQ(sb.sent, CONC_EVENTS);
    CHECK_EQ(sa.received, CONC_EVENTS);
    CHECK_EQ(sb.received, CONC_EVENTS);
    CHECK_EQ(sa.errors + sb.errors, 0);
}

/* The same check can fail: one of side a's events taken away (after its
 * 1000th send) leaves side b one short; nothing moves after the rest are
 * done, and the run stops for want of progress (after 1 s here) with
 * b's received count wrong, as test_concurrent_send would report. */
static void test_concurrent_send_detects_loss(void)
{
    struct conc_side sa, sb;

    conc_run(20000, 1000, 1.0, &sa, &sb);
    CHECK(sb.stalled);
    CHECK_EQ(sa.sent, 20000);
    CHECK_EQ(sb.received, 20000 - 1);
    CHECK_EQ(sa.errors + sb.errors, 0);
}

/* Sends racing with close/re-bind and destruction of the peer. */
struct churn_arg { struct fake_dom *a; evtchn_port_t port; int stop; long errors; };

static void *churn_sender(void *arg)
{
    struct churn_arg *c = arg;
    while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
        struct evtchn_send snd = { .port = c->port };
        long rc = fake_op(c->a, 1, EVTCHNOP_send, &snd, sizeof(snd));
        (void)rc;   /* 0 or -EINVAL depending on the moment */
        c->a->si->evtchn_pending[0] = 0;
    }
    if (evtchn_test_locks_held)
        c->errors++;
    return NULL;
}

static void test_concurrent_churn(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 64, NULL), *b;
    struct churn_arg c = { .a = a };
    evtchn_port_t pa, pb;
    pthread_t t;
    int i;

    /* a's sender thread uses vCPU 1's argument buffer: give it its own. */
    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pa), 0);
    c.port = pa;
    CHECK_EQ(pthread_create(&t, NULL, churn_sender, &c), 0);
    for (i = 0; i < 300; i++) {
        b = fake_dom_new(2, 1, 64, NULL);
        CHECK_EQ(bind_inter(b, 1, pa, &pb), 0);
        if (i % 2)
            CHECK_EQ(ev_close(b, pb), 0);
        fake_dom_free(b);
    }
    __atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    CHECK_EQ(c.errors, 0);
    fake_dom_free(a);
    check_no_leaks();
}

/* Debug key 'e': one line a port, naming the binding, the vCPU and the
 * pending/masked snapshot; closed ports are not shown. */
static void test_dump(void)
{
    struct fake_dom *a = fake_dom_new(1, 2, 64, NULL), *b = fake_dom_new(2, 1, 64, NULL);
    evtchn_port_t pu, pa, pb, pv, pi, pc;

    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pa), 0);
    CHECK_EQ(bind_inter(b, 1, pa, &pb), 0);
    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pu), 0);
    CHECK_EQ(bind_virq(a, VIRQ_TIMER, 1, &pv), 0);
    CHECK_EQ(bind_ipi(a, 0, &pi), 0);
    CHECK_EQ(alloc_unbound(a, DOMID_SELF, 2, &pc), 0);
    CHECK_EQ(ev_close(a, pc), 0);
    mask2(a, pv);
    strcpy(a->d.name, "alpha");
    CHECK_EQ(ev_send(b, pb), 0);            /* a's port pa becomes pending */
    fake_log_clear();
    evtchn_dump_domain(&a->d);
    char want[80];
    snprintf(want, sizeof(want), "(d1 alpha) evtchn port %u: interdomain -> d2 port %u, vcpu 0, pending\n", pa, pb);
    CHECK_CONTAINS(fake_log, want);
    snprintf(want, sizeof(want), "(d1 alpha) evtchn port %u: unbound, for d2, vcpu 0\n", pu);
    CHECK_CONTAINS(fake_log, want);
    snprintf(want, sizeof(want), "(d1 alpha) evtchn port %u: virq %u, vcpu 1, masked\n", pv, VIRQ_TIMER);
    CHECK_CONTAINS(fake_log, want);
    snprintf(want, sizeof(want), "(d1 alpha) evtchn port %u: ipi, vcpu 0\n", pi);
    CHECK_CONTAINS(fake_log, want);
    snprintf(want, sizeof(want), "port %u:", pc);
    CHECK(strstr(fake_log, want) == NULL);
    /* The pure formatter never overruns a short buffer. */
    struct evtchn_port_snap s = { .state = EVTCHNSTAT_interdomain, .peer_dom = 7, .peer_port = 9, .pending = true };
    char small[12];
    memset(small, 'x', sizeof(small));
    CHECK_EQ(evtchn_format_port(small, sizeof(small), 3, &s), sizeof(small) - 1);
    CHECK_EQ(small[sizeof(small) - 1], 0);
    CHECK_EQ(evtchn_format_port(small, sizeof(small), 3, &(struct evtchn_port_snap){ 0 }), 0);
    fake_dom_free(b);
    fake_dom_free(a);
    check_no_leaks();
}

/* EVTCHNOP_bind_pirq through the registered owner (evtchn_set_pirq_ops):
 * none registered, no pirqs; registered, attach with the new port, its
 * range and refusals honoured, detach at close. */
static int pirq_attaches, pirq_detaches;
static unsigned pirq_seen;
static uint32_t pirq_port_seen;
static struct domain *pirq_dom_seen;

static int fake_pirq_attach(struct domain *d, unsigned pirq, uint32_t port)
{
    if (pirq == 7)
        return -EEXIST;                 /* the owner's refusal */
    pirq_attaches++;
    pirq_seen = pirq;
    pirq_port_seen = port;
    pirq_dom_seen = d;
    return 0;
}

static void fake_pirq_detach(struct domain *d, unsigned pirq, uint32_t port)
{
    pirq_detaches++;
    pirq_seen = pirq;
    pirq_port_seen = port;
    pirq_dom_seen = d;
}

static void test_pirq_ops(void)
{
    static const struct evtchn_pirq_ops ops = { 16, fake_pirq_attach, fake_pirq_detach };
    struct fake_dom *a = fake_dom_new(1, 1, 10, NULL);
    struct domcfg cfg = { .dom0 = true };
    struct domcfg *saved = a->d.cfg;
    struct evtchn_bind_pirq b = { .pirq = 5 };
    struct evtchn_status st;

    a->d.cfg = &cfg;
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, &b, sizeof(b)), -EINVAL);      /* no owner: no pirqs */
    evtchn_set_pirq_ops(&ops);
    b = (struct evtchn_bind_pirq){ .pirq = 5 };
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, &b, sizeof(b)), 0);
    LOCKS_FREE();
    CHECK_EQ(pirq_attaches, 1);
    CHECK_EQ(pirq_seen, 5);
    CHECK(b.port != 0);
    CHECK_EQ(pirq_port_seen, b.port);
    CHECK(pirq_dom_seen == &a->d);
    CHECK_EQ(ev_status(a, b.port, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_pirq);
    CHECK_EQ(st.u.pirq, 5);
    evtchn_port_t bound = b.port;
    b = (struct evtchn_bind_pirq){ .pirq = 16 };                        /* beyond nr_pirqs */
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, &b, sizeof(b)), -EINVAL);
    b = (struct evtchn_bind_pirq){ .pirq = 7 };
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, &b, sizeof(b)), -EEXIST);
    CHECK_EQ(pirq_attaches, 1);
    CHECK_EQ(pirq_detaches, 0);
    CHECK_EQ(ev_close(a, bound), 0);
    LOCKS_FREE();
    CHECK_EQ(pirq_detaches, 1);
    CHECK_EQ(pirq_seen, 5);
    CHECK_EQ(pirq_port_seen, bound);
    a->d.cfg = saved;
    b = (struct evtchn_bind_pirq){ .pirq = 5 };
    CHECK_EQ(op(a, 0, EVTCHNOP_bind_pirq, &b, sizeof(b)), -EPERM);      /* an ordinary domain */
    CHECK_EQ(pirq_attaches, 1);
    evtchn_set_pirq_ops(NULL);
    fake_dom_free(a);
    check_no_leaks();
}

int main(void)
{
    RUN(test_dump);
    RUN(test_alloc_and_limits);
    RUN(test_interdomain);
    RUN(test_alloc_unbound_for_other);
    RUN(test_loopback);
    RUN(test_virq_ipi);
    RUN(test_2l_bits);
    RUN(test_2l_compat_layout);
    RUN(test_xen_port_and_errors);
    RUN(test_consumed_ports);
    RUN(test_pirq_ops);
    RUN(test_alloc_failures);
    RUN(test_destroy_with_peers);
    RUN(test_fifo_setup_errors);
    RUN(test_fifo_queues);
    RUN(test_fifo_switch);
    RUN(test_concurrent_send);
    RUN(test_concurrent_send_detects_loss);
    RUN(test_concurrent_churn);
    return t_finish("unit_evtchn");
}
