#!/usr/bin/env python3
"""Exits per event-channel round trip stay bounded (docs/event-channels.md
"Latency").

  test_evtchn_exits.py BUILD_DIR [ROUND_TRIPS]

Boots the PVH benchmark pair (tests/guests/pvh/pvh_bench_a.c, _b.c) four
times, as rv-bench does: same-CPU (both vCPUs pinned to CPU 1) and cross-CPU
(A on CPU 0, B on CPU 1), each waiting by SCHEDOP_poll and by upcall in HLT,
ROUND_TRIPS (default 2000) round trips each, and checks counts, never times:

- every run ends as expected and prints its round-trip line;
- all exits of both domains, set-up included, are at most MAX_PER_RT per
  round trip.  A round trip needs 4 (each side: the send hypercall, and the
  poll hypercall or the HLT it waits in); the set-up adds about 0.05.  More
  means a wake that needs extra exits: a poll or HLT that returns without
  the event, interrupts to get the vCPU out of the guest, a lost wake-up
  that the poll timeout ends;
- each side made at most 2 hypercalls per round trip in the poll runs, and
  in the upcall runs each side took one upcall interrupt per round trip
  (the reply came as an upcall, not through a timeout) and at most 1.2 HLT
  exits per round trip;
- vCPU switches (the 'sched: cpuN ... switches S' lines at the end): cross-
  CPU, each vCPU waits for the reply on its own otherwise idle CPU in the
  block spin and is not switched out -- at most MAX_SWITCHES_CROSS per
  round trip (before the block spin: 2, one per side); same-CPU, the two
  switches a round trip needs, at most 2.1 per round trip.

Prints each run's figures.  Exits 0 when every check holds, 1 otherwise.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))

from rvlib import pvbench  # noqa: E402
from rvlib.cli import BASE_CMDLINE  # noqa: E402

MAX_PER_RT = 4.5
MAX_SWITCHES_CROSS = 0.5
SWITCHES_RE = re.compile(r"^sched: cpu\d+ .*switches (\d+)")
REASONS_RE = re.compile(r"^\(d\d+ (\S+)\) v0: exits by reason: (.*); injected (\d+) interrupts")


def reasons(con, name):
    """{reason: count} and injected interrupts of the domain's vCPU 0."""
    for line in con.lines:
        m = REASONS_RE.match(line)
        if m and m.group(1) == name:
            counts = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", m.group(2))}
            return counts, int(m.group(3))
    return None, None


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    problems = []
    for place, ac, bc in pvbench.PLACEMENTS:
        for mode in pvbench.MODES:
            what = "%s %s" % (place, mode)
            try:
                con, failure = pvbench.run_pair(build, BASE_CMDLINE, 300, 2,
                                                keys=pvbench.pair_keys(mode, n, ac, bc))
            except Exception as e:      # a launch problem is a failed check too
                problems.append("%s: %s" % (what, e))
                continue
            line = pvbench._find(con, "pvh_bench_a", pvbench.RT_RE if mode == "poll" else pvbench.URT_RE)
            total = [pvbench.domain_exits(con, g) for g in pvbench.GUESTS]
            print("%s: %s; exits %s" % (what, line.group(0) if line else "no round-trip line", total))
            if failure:
                problems.append("%s: %s" % (what, failure))
            if not line:
                problems.append("%s: no round-trip line" % what)
            if None in total:
                problems.append("%s: no exit statistics" % what)
                continue
            per_rt = sum(total) / n
            print("  %.3f exits per round trip (bound %.1f)" % (per_rt, MAX_PER_RT))
            if per_rt > MAX_PER_RT:
                problems.append("%s: %.3f exits per round trip, at most %.1f allowed" % (what, per_rt, MAX_PER_RT))
            switches = sum(int(m.group(1)) for m in map(SWITCHES_RE.match, con.lines) if m)
            limit = int(MAX_SWITCHES_CROSS * n if place == "cross-CPU" else 2.1 * n)
            print("  %d vCPU switches (bound %d)" % (switches, limit))
            if not any(map(SWITCHES_RE.match, con.lines)):
                problems.append("%s: no 'sched: cpuN ... switches' lines" % what)
            elif switches > limit:
                problems.append("%s: %d vCPU switches for %d round trips, at most %d allowed" %
                                (what, switches, n, limit))
            for g in pvbench.GUESTS:
                counts, injected = reasons(con, g)
                if counts is None:
                    problems.append("%s: no 'exits by reason' line for %s" % (what, g))
                    continue
                print("  %s: %s, injected %d" % (g, counts, injected))
                if mode == "poll" and counts.get("hypercall", 0) > 2 * n + 100:
                    problems.append("%s: %s made %d hypercalls for %d round trips" %
                                    (what, g, counts.get("hypercall", 0), n))
                if mode == "upcall":
                    if injected < n:
                        problems.append("%s: %s took %d upcall interrupts for %d round trips" %
                                        (what, g, injected, n))
                    if counts.get("hlt", 0) > 1.2 * n:
                        problems.append("%s: %s: %d HLT exits for %d round trips" %
                                        (what, g, counts.get("hlt", 0), n))
    for p in problems:
        print("FAIL: %s" % p)
    print("test_evtchn_exits: %s" % ("ok" if not problems else "%d problem(s)" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
