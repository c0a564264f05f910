#!/usr/bin/env python3
"""The hypervisor's per-kind cost figures of a 64-bit PV guest count what
the guest did (src/hvm/exit_stats.c, src/pv/pv_vcpu.c pv_account_exit;
docs/bench.md "Exit cost").

  test_pv_exit_cost.py BUILD_DIR

Boots pv_bench (tests/guests/pv/pv_bench.c: 10,000 xen_version calls
through SYSCALL, 100 + 1 mmu_update batches of 1,000 entries) alone on one
CPU and checks counts, never times:

- the guest printed both figures and powered off;
- the "pv exit cost" line's timed exits plus its untimed ones (exits after
  which the vCPU blocked) are exactly the exits of the vCPU's "pv: N exits"
  line; its hypercall row is the "H hypercalls" of that line less at most
  the untimed ones; the bounce rows (pf/gp/other bounces, INT n) add up to
  its "bounced exceptions" likewise;
- the "hypercall cost" rows add up to the hypercall row, with xen_version
  10,000..10,000+LIB and mmu_update 101..101+continuations;
- every row has min <= median <= p99 <= max and min <= mean <= max.

Also checks the parser (tools/rvlib/exitcost.py) on canned lines.  Exits 0
when every check holds, 1 otherwise.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))

from rvlib import costbench, exitcost  # noqa: E402
from rvlib.cli import BASE_CMDLINE  # noqa: E402

GUEST = "pv_bench"
XEN_VERSION = 10000         # pv_bench.c ROUNDS
MMU_UPDATE = 100 + 1        # BATCHES, and the one that puts the L1 back
LIB = 10                    # calls pv_lib may make of either
PV_RE = re.compile(r"^\(d\d+ pv_bench\) v0: pv: (\d+) exits: (\d+) hypercalls, (\d+) interrupts, "
                   r"(\d+) bounced exceptions, (\d+) event upcalls, (\d+) MMU hypercalls, (\d+) continuations")
BOUNCES = ("pf_bounce", "gp_bounce", "other_bounce", "int_n")


def parser_checks(fail):
    lines = [
        "(d3 x) v0: pv exit cost (count, mean/min/median/p99/max ns from exit to entry): hypercall 100 "
        "20/10/15/30/40, irq 3 5/5/5/5/5",
        "(d3 x) v0: pv exit cost (count, mean/min/median/p99/max ns from exit to entry), more: pf_bounce 2 "
        "50/40/45/60/60, untimed 2",
        "(d3 x) v0: exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN): cpuid 10 800/600/700/900/1000",
        "(d3 x) v1: exit cost (count, mean/min ns from #VMEXIT to VMRUN): cpuid 30 400/300",
    ]
    c, untimed = exitcost.pv_exit_costs(lines, "x")
    if set(c) != {"hypercall", "irq", "pf_bounce"} or untimed != 2 or c["hypercall"].median_ns != 15 \
            or c["pf_bounce"].max_ns != 60:
        fail("parser: pv_exit_costs gave %r, %r" % (c, untimed))
    h = exitcost.exit_costs(lines, "x")
    if h["cpuid"].n != 40 or h["cpuid"].median_ns != 700 or h["cpuid"].max_ns != 1000 or h["cpuid"].min_ns != 300:
        fail("parser: exit_costs (old and new formats) gave %r" % h)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    build = os.path.abspath(sys.argv[1])
    errors = []

    def fail(msg):
        errors.append(msg)
        print("FAIL: %s" % msg)

    parser_checks(fail)
    con, failure = costbench.boot(build, BASE_CMDLINE, 240, [os.path.join(build, "guests", GUEST + ".cfg")])
    if failure or con is None:
        fail("%s did not run as expected: %s" % (GUEST, failure))
        return 1
    for line in con.lines:
        if "exit cost" in line or "hypercall cost" in line or " pv: " in line:
            print(line)
    log = con.domains.get(GUEST)
    for fig in ("hypercall round trip", "mmu_update"):
        if not log or not any(fig in l for l in log.output):
            fail("no '%s' line from the guest" % fig)
    pv = next((PV_RE.match(l) for l in con.lines if PV_RE.match(l)), None)
    if not pv:
        fail("no 'pv: N exits' line")
        return 1
    exits, hcalls, _irqs, bounces, _ups, _mmu, restarts = (int(x) for x in pv.groups())
    costs, untimed = exitcost.pv_exit_costs(con.lines, GUEST)
    hcs = exitcost.hypercall_costs(con.lines, GUEST)
    timed = sum(c.n for c in costs.values())
    if timed + untimed != exits:
        fail("%d exits timed + %d untimed, the vCPU made %d" % (timed, untimed, exits))
    hc = costs.get("hypercall")
    if hc is None or not hcalls - untimed <= hc.n <= hcalls:
        fail("hypercall row %r against %d hypercalls (%d untimed exits)" % (hc, hcalls, untimed))
    nb = sum(costs[k].n for k in BOUNCES if k in costs)
    if not bounces - untimed <= nb <= bounces:
        fail("bounce rows add up to %d against %d bounced exceptions" % (nb, bounces))
    if hc is not None and sum(h.n for h in hcs.values()) != hc.n:
        fail("hypercall cost rows add up to %d, the hypercall row says %d" % (sum(h.n for h in hcs.values()), hc.n))
    xv, mu = hcs.get("xen_version"), hcs.get("mmu_update")
    if xv is None or not XEN_VERSION <= xv.n <= XEN_VERSION + LIB:
        fail("xen_version row %r, expected %d..%d" % (xv, XEN_VERSION, XEN_VERSION + LIB))
    if mu is None or not MMU_UPDATE <= mu.n <= MMU_UPDATE + restarts + LIB:
        fail("mmu_update row %r, expected %d..%d" % (mu, MMU_UPDATE, MMU_UPDATE + restarts + LIB))
    for kind, c in costs.items():
        if c.n <= 0 or None in (c.min_ns, c.median_ns, c.p99_ns, c.max_ns) \
                or not c.min_ns <= c.median_ns <= c.p99_ns <= c.max_ns \
                or not c.min_ns <= c.mean_ns <= c.max_ns + 1 or c.max_ns <= 0:
            fail("%s: implausible row %r" % (kind, c))
    print("pv_exit_cost: %s" % ("FAILED (%d)" % len(errors) if errors else "all checks passed"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
