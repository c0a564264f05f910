/*
 * libFuzzer harness of the event channels (src/evtchn/): the input is a
 * sequence of 8-byte operations (domain, vCPU, command, arguments) run on
 * three fake domains (tests/unit/evtchn_stubs/evtchn_fake.c), including
 * hypervisor-raised VIRQs, guest scribbles over its own event words and
 * destruction/re-creation of a domain.  After every step: no lock held, the
 * interdomain links of all domains are symmetric, stats agree with status,
 * and at the end nothing leaks.
 */
#include "evtchn_fake.h"
#include "lib/errno.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern _Thread_local int evtchn_test_locks_held;

#define ASSERT(c) do { if (!(c)) { fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)
#define NDOM 3
#define MAXP 70     /* two buckets per domain */

static struct fake_dom *doms[NDOM];

static void status_of(struct fake_dom *fd, evtchn_port_t p, struct evtchn_status *s)
{
    memset(s, 0, sizeof(*s));
    s->dom = DOMID_SELF;
    s->port = p;
    ASSERT(fake_op(fd, 0, EVTCHNOP_status, s, sizeof(*s)) == 0);
}

static void check_invariants(void)
{
    unsigned i;
    evtchn_port_t p;

    ASSERT(evtchn_test_locks_held == 0);
    for (i = 0; i < NDOM; i++) {
        struct evtchn_stats st;
        unsigned open = 0;
        if (!doms[i])
            continue;
        evtchn_get_stats(&doms[i]->d, &st);
        for (p = 1; p <= st.max_ports; p++) {
            struct evtchn_status s, r;
            status_of(doms[i], p, &s);
            if (s.status != EVTCHNSTAT_closed)
                open++;
            ASSERT(s.status <= EVTCHNSTAT_ipi && s.status != EVTCHNSTAT_pirq);
            if (s.status == EVTCHNSTAT_interdomain && s.u.interdomain.dom != DOMID_XEN) {
                unsigned rd = s.u.interdomain.dom - 1;
                ASSERT(rd < NDOM && doms[rd]);
                status_of(doms[rd], s.u.interdomain.port, &r);
                ASSERT(r.status == EVTCHNSTAT_interdomain);
                ASSERT(r.u.interdomain.dom == doms[i]->d.domid && r.u.interdomain.port == p);
            }
        }
        ASSERT(open == st.open);
        ASSERT(evtchn_port_pending(&doms[i]->d, 0) == -EINVAL);
    }
}

static void xen_cb(struct domain *d, void *ctx) { (void)d; (void)ctx; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned i;

    for (i = 0; i < NDOM; i++)
        doms[i] = fake_dom_new((uint16_t)(i + 1), 2, MAXP, NULL);
    for (; size >= 8; data += 8, size -= 8) {
        struct fake_dom *fd = doms[data[0] % NDOM];
        unsigned vcpu = (data[0] >> 4) & 1, cmd = data[1];
        uint32_t a = data[2] | (uint32_t)data[3] << 8, b = data[4] | (uint32_t)data[5] << 8;
        uint16_t dom = (data[6] & 3) == 3 ? DOMID_SELF : (uint16_t)(data[6] & 3);
        uint8_t buf[32];

        if (!fd) {
            doms[data[0] % NDOM] = fake_dom_new((uint16_t)(data[0] % NDOM + 1), 2, MAXP, NULL);
            continue;
        }
        memset(buf, 0, sizeof(buf));
        if (cmd < 16) {
            /* A hypercall with fields taken from the input. */
            switch (cmd) {
            case EVTCHNOP_alloc_unbound:
                ((struct evtchn_alloc_unbound *)buf)->dom = data[7] & 1 ? DOMID_SELF : dom;
                ((struct evtchn_alloc_unbound *)buf)->remote_dom = dom;
                break;
            case EVTCHNOP_bind_interdomain:
                ((struct evtchn_bind_interdomain *)buf)->remote_dom = dom;
                ((struct evtchn_bind_interdomain *)buf)->remote_port = a % 80;
                break;
            case EVTCHNOP_status:
                ((struct evtchn_status *)buf)->dom = data[7] & 1 ? DOMID_SELF : dom;
                ((struct evtchn_status *)buf)->port = a;
                break;
            case EVTCHNOP_reset:
                ((struct evtchn_reset *)buf)->dom = data[7] & 1 ? DOMID_SELF : dom;
                break;
            case EVTCHNOP_init_control:
                ((struct evtchn_init_control *)buf)->control_gfn = data[7] % 10;
                ((struct evtchn_init_control *)buf)->offset = (a & 1) ? a : (a % 64) * 64;
                ((struct evtchn_init_control *)buf)->vcpu = b % 3;
                break;
            case EVTCHNOP_expand_array:
                ((struct evtchn_expand_array *)buf)->array_gfn = data[7] % 10;
                break;
            default:        /* two 32-bit fields: port-like, then vCPU/virq/priority-like */
                memcpy(buf, &(uint32_t){ a % 80 }, 4);
                memcpy(buf + 4, &(uint32_t){ b % 26 }, 4);
                break;
            }
            (void)fake_op(fd, vcpu, cmd, buf, sizeof(buf));
        } else if (cmd < 0x40) {
            evtchn_send_virq(&fd->v[vcpu], b % 26);
        } else if (cmd < 0x50) {
            evtchn_send_global_virq(&fd->d, b % 26);
        } else if (cmd < 0x60) {
            (void)evtchn_alloc_xen_port(&fd->d, xen_cb, NULL);
        } else if (cmd < 0x70) {
            (void)evtchn_xen_notify(&fd->d, a % 80);
        } else if (cmd < 0x90) {
            /* The guest writes its own shared memory: words of shared_info
             * or of a RAM page (control blocks, event arrays). */
            if (data[7] & 1)
                ((uint64_t *)fd->si)[a % 512] = (uint64_t)b * 0x9e3779b97f4a7c15ull;
            else
                fake_page(fd, data[7] % FAKE_RAM_PAGES)[a % 1024] = b | (uint32_t)data[6] << 24;
        } else if (cmd < 0xa0) {
            __atomic_store_n(&fd->v[vcpu].polling, (bool)(a & 1), __ATOMIC_RELEASE);
        } else if (cmd < 0xa8) {
            (void)evtchn_port_pending(&fd->d, a % 80);
        } else if (cmd == 0xff) {
            fake_dom_free(fd);
            doms[data[0] % NDOM] = NULL;
        }
        check_invariants();
    }
    for (i = 0; i < NDOM; i++) {
        fake_dom_free(doms[i]);
        doms[i] = NULL;
    }
    ASSERT(fake_live_allocs == 0);
    ASSERT(fake_domain_refs == 0);
    return 0;
}
