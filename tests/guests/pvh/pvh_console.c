/*
 * pvh_console: one domain writing its console through two sources (the
 * console_io hypercall and its PV console ring; a PVH domain has no UART)
 * with the halves of different lines interleaved.  The hypervisor must show each
 * line exactly once and whole (docs/running-domains.md "Console output"):
 *
 * - before the ring is connected: console_io lines, also written in
 *   pieces;
 * - the first write to the ring connects it: from then on console_io output
 *   is read and counted but not shown (a line written to both would appear
 *   twice), a console_io half line pending at that moment is shown on its
 *   own, and the ring's lines (including a burst that wraps the ring) each
 *   appear once;
 * - after connecting, this guest's own PASS/FAIL lines go through the ring.
 *
 * The "exactly once, whole" part is judged from outside: the pvh_console
 * test (list-pvh.cmake) counts each line of the form
 * "pvh_console: console-test: ..." in rv-run's output.
 */
#include "pvh.h"
#include "public/console.h"

const char pvh_guest_name[] = "pvh_console";

#define RING_OUT    sizeof(((struct xencons_interface *)0)->out)
#define BURST       100

static volatile struct xencons_interface *ring;
static evtchn_port_t port;

static long cio(const char *s)
{
    return HC(__HYPERVISOR_console_io, CONSOLEIO_write, strlen(s), s);
}

/* Waits (bounded) until the back end consumed everything: each line is on
 * the hypervisor console before the guest goes on, so the order of the
 * checks' output is the order of the checks. */
static bool ring_drained(void)
{
    uint64_t until = pvclock_ns() + 5000000000ull;
    while (ring->out_cons != ring->out_prod) {
        if (pvclock_ns() > until)
            return false;
        sched_op(SCHEDOP_yield, NULL);
    }
    return true;
}

static void ring_write(const char *s, unsigned n)
{
    uint32_t prod = ring->out_prod;
    for (unsigned i = 0; i < n; i++) {
        if (prod - ring->out_cons >= RING_OUT) {
            ring->out_prod = prod;
            evtchn_send(port);
            ring_drained();
        }
        ring->out[prod % RING_OUT] = s[i];
        prod++;
    }
    mb();                                   /* the bytes before the index (the back end reads after it) */
    ring->out_prod = prod;
    evtchn_send(port);
    ring_drained();
}

static void ring_puts(const char *s)
{
    ring_write(s, (unsigned)strlen(s));
}

void test_main(void)
{
    uint64_t pfn = 0, p = 0;
    if (!check(hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) == 0 && pfn &&
               hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &p) == 0 && p, "console-params",
               "CONSOLE_PFN %#llx, CONSOLE_EVTCHN %llu", (unsigned long long)pfn, (unsigned long long)p))
        return;
    ring = (volatile struct xencons_interface *)(uintptr_t)(pfn << 12);
    port = (evtchn_port_t)p;
    check(ring->out_prod == 0 && ring->out_cons == 0, "ring-fresh", "out_prod %u out_cons %u", ring->out_prod,
          ring->out_cons);

    /* Before the ring: a console_io line in two writes.  (No check()
     * while a half line is pending: its PASS line would join that line.) */
    static const char a1[] = "console-test: cio-A first half, ";
    long rc_a = cio(a1);
    cio("cio-A second half\n");
    check(rc_a == (long)sizeof(a1) - 1, "cio-count", "console_io returned %ld", rc_a);
    cio("console-test: cio-E half a line when the ring connects");

    /* The first bytes in the ring connect it; console_io is hidden from
     * here on, so this guest's own lines go through the ring. */
    ring_puts("console-test: ring-C first half, ");
    pvh_console_out = ring_write;
    static const char d[] = "console-test: cio-D after connect (must not be shown)\n";
    long rc_d = cio(d);
    long rc_bad = HC(__HYPERVISOR_console_io, CONSOLEIO_write, 8, 0xf0000000ul);
    cio("console-test: cio-G half, hidden too, ");
    ring_puts("ring-C second half\n");
    cio("cio-G other half\n");
    check(rc_d == (long)sizeof(d) - 1, "cio-hidden-counted", "console_io returned %ld after connecting", rc_d);
    check(rc_bad == -EFAULT, "cio-hidden-bad-pointer", "console_io from a bad pointer returned %ld", rc_bad);

    /* More than a ring's worth: the index wraps, nothing lost or doubled. */
    for (unsigned i = 1; i <= BURST; i++)
        printf("console-test: ring burst %u of %u\n", i, BURST);
    check(ring->out_prod > RING_OUT && ring_drained(), "ring-wrapped", "out_prod %u out_cons %u", ring->out_prod,
          ring->out_cons);
}
