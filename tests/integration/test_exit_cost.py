#!/usr/bin/env python3
"""The hypervisor's per-kind exit cost figures count what the guest did
(src/hvm/exit_stats.c; docs/testing.md "Hypervisor cost").

  test_exit_cost.py BUILD_DIR

Boots the exit_mix guest (tests/guests/exit_mix.c: 3000 CPUID, 2000 INB,
1000 xen_version by its domain file) alone on one CPU and checks counts,
never times:

- the guest finished and says what it did;
- the hypervisor's "exit cost" lines have a row for cpuid, io and hypercall,
  each timing exactly as many exits as the "exits by reason" line counts
  (none of them blocks: only exits after which the vCPU blocked go untimed),
  and at least as many as the guest made of that kind;
- the "hypercall cost" line's xen_version row counts the guest's calls (plus
  the few its library makes) and the rows add up to the hypercall exits;
- every row's mean is positive and at least its least time;
- the domain's "build:" line names its 16 MiB, with a RAM part.

Also checks the parser (tools/rvlib/exitcost.py) on canned lines.  Exits 0
when every check holds, 1 otherwise.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))

from rvlib import costbench, exitcost  # noqa: E402
from rvlib.cli import BASE_CMDLINE  # noqa: E402

GUEST = "exit_mix"
DID = {"cpuid": 3000, "io": 2000, "hypercall": 1000}    # exit_mix.cfg's cmdline
LIB_HYPERCALLS = 10         # xen_version calls of the guest library and its own first one


def parser_checks(fail):
    lines = [
        "(d3 x) v0: exit cost (count, mean/min ns from #VMEXIT to VMRUN): cpuid 10 800/600, io 4 2000/1000",
        "(d3 x) v0: exit cost (count, mean/min ns from #VMEXIT to VMRUN), more: hypercall 2 900/700",
        "(d3 x) v1: exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN): cpuid 30 400/300/350/900/950",
        "(d3 x) v0: hypercall cost (count, mean ns): xen_version 2 900",
        "(d4 y) v0: exit cost (count, mean/min ns from #VMEXIT to VMRUN): cpuid 1 1/1",
        "(d3 x) build: 512 MiB in 85.312 ms (0.166 ms/MiB); RAM 80.100 ms (0.156 ms/MiB), kernel 4.200 ms",
        "(d3 x) pvh: unpack time: 7931 KiB to 64361 KiB in 812.345 ms",
    ]
    c = exitcost.exit_costs(lines, "x")
    if set(c) != {"cpuid", "io", "hypercall"} or c["cpuid"].n != 40 or c["cpuid"].mean_ns != 500 \
            or c["cpuid"].min_ns != 300 or c["hypercall"].n != 2 or c["cpuid"].median_ns != 350 \
            or c["cpuid"].max_ns != 950:
        fail("parser: exit_costs gave %r" % c)
    h = exitcost.hypercall_costs(lines, "x")
    if set(h) != {"xen_version"} or h["xen_version"].n != 2:
        fail("parser: hypercall_costs gave %r" % h)
    b = exitcost.build_time(lines, "x")
    if not b or b.mib != 512 or b.ram_ms_per_mib != 0.156 or b.kernel_ms != 4.2:
        fail("parser: build_time gave %r" % b)
    if exitcost.unpack_time(lines) != ("x", 7931, 64361, 812.345):
        fail("parser: unpack_time gave %r" % (exitcost.unpack_time(lines),))


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
    log = con.domains.get(GUEST)
    did = "exit_mix: did cpuid %d, io %d, xen_version %d" % (DID["cpuid"], DID["io"], DID["hypercall"])
    if not log or not any(did in l for l in log.output):
        fail("no '%s' line from the guest" % did)
    reasons = exitcost.exits_by_reason(con.lines, GUEST)
    costs = exitcost.exit_costs(con.lines, GUEST)
    hcs = exitcost.hypercall_costs(con.lines, GUEST)
    for line in con.lines:
        if "exit cost" in line or "hypercall cost" in line or "exits by reason" in line or " build: " in line:
            print(line)
    for kind, n in DID.items():
        c = costs.get(kind)
        if c is None:
            fail("no '%s' row in the exit cost lines" % kind)
            continue
        if c.n < n:
            fail("%s: %d exits timed, the guest made %d" % (kind, c.n, n))
        r = reasons.get(kind, 0)
        if c.n != r:
            fail("%s: %d exits timed against %d by reason" % (kind, c.n, r))
    for kind, c in costs.items():
        if c.n <= 0 or c.mean_ns <= 0 or c.min_ns is None or c.min_ns > c.mean_ns \
                or None in (c.median_ns, c.p99_ns, c.max_ns) \
                or not c.min_ns <= c.median_ns <= c.p99_ns <= c.max_ns or c.mean_ns > c.max_ns + 1:
            fail("%s: implausible row %r" % (kind, c))
        if c.n > reasons.get(kind, 0):
            fail("%s: %d timed, more than the %d exits by reason" % (kind, c.n, reasons.get(kind, 0)))
    xv = hcs.get("xen_version")
    if xv is None or not DID["hypercall"] <= xv.n <= DID["hypercall"] + LIB_HYPERCALLS:
        fail("hypercall cost: xen_version row %r, expected %d..%d calls"
             % (xv, DID["hypercall"], DID["hypercall"] + LIB_HYPERCALLS))
    if "hypercall" in costs and sum(h.n for h in hcs.values()) != costs["hypercall"].n:
        fail("hypercall cost rows add up to %d, the exit cost row says %d"
             % (sum(h.n for h in hcs.values()), costs["hypercall"].n))
    b = exitcost.build_time(con.lines, GUEST)
    if b is None or b.mib != 16 or b.ram_ms is None or b.ms < b.ram_ms:
        fail("build line: %r" % b)
    print("exit_cost: %s" % ("FAILED (%d)" % len(errors) if errors else "all checks passed"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
