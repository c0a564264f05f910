"""PV-interface figures for rv-bench: event-channel ping-pong and grant copies.

Boots the two PVH benchmark guests (tests/guests/pvh/pvh_bench_a.c and
pvh_bench_b.c) together under Ringvisor (QEMU TCG, -kernel boot, 2 CPUs):
A and B bounce an event n times ("evtchn round trips/s: N", from A), then
B copies A's granted page into its own pages with GNTTABOP_copy ("grant copy
MB/s: N", from B).  Guest pvclock time.  Figures only, never asserted.
"""

import os
import re
import shutil
import tempfile
from typing import List, Optional, Tuple

from . import domcfg, emulators, runner
from .console import Console
from .domains import judge_domains

GUESTS = ("pvh_bench_a", "pvh_bench_b")
RT_RE = re.compile(r"evtchn round trips/s: (\d+)(.*)")
COPY_RE = re.compile(r"grant copy MB/s: (\d+)(.*)")


def available(build: str) -> Optional[str]:
    """None if the guests are there, else the first missing file."""
    g = os.path.join(build, "guests")
    for name in GUESTS:
        for ext in (".cfg", ".elf"):
            if not os.path.isfile(os.path.join(g, name + ext)):
                return os.path.join(g, name + ext)
    return None


def run_pair(build: str, cmdline: str, timeout: float, smp: int) -> Tuple[Console, str]:
    """Boot both benchmark domains: (console, failure or "")."""
    gdir = os.path.join(build, "guests")
    doms = [domcfg.load(os.path.join(gdir, n + ".cfg")) for n in GUESTS]
    spec = emulators.BootSpec(elf=os.path.join(build, "ringvisor.elf"), cmdline=cmdline, smp=smp,
                              mem_mib=512, modules=domcfg.modules_for(doms))
    work = tempfile.mkdtemp(prefix="rv-bench-")
    try:
        launch = emulators.prepare(spec, "direct", work)
        con = Console(domain_names=[d.name for d in doms])
        res = runner.run(launch.argv, cwd=launch.cwd, timeout_s=timeout, console=con,
                         console_file=launch.console_file)
        v = judge_domains(con, doms, emulator=launch.emulator, exit_status=res.exit_status,
                          timed_out=res.timed_out, timeout_s=timeout)
        return con, "" if v.ok else v.reason
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _find(con: Console, name: str, regex):
    log = con.domains.get(name)
    for line in (log.output if log else []):
        m = regex.search(line)
        if m:
            return m
    return None


def figures(build: str, cmdline: str, timeout: float, smp: int = 2) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    out = ["PV interface between two PVH domains (QEMU TCG, %d CPUs, QEMU -kernel boot)" % smp]
    missing = available(build)
    if missing:
        return out + ["  skipped: %s not built (cmake --build build --target guests)" % missing], []
    try:
        con, failure = run_pair(build, cmdline, timeout, smp)
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        con, failure = None, str(e)
    rt = _find(con, "pvh_bench_a", RT_RE) if con else None
    cp = _find(con, "pvh_bench_b", COPY_RE) if con else None
    failures = []
    if failure:
        failures.append("PVH benchmark guests: %s" % failure)
    out.append("  evtchn round trips/s: %s" % (("%s%s" % (rt.group(1), rt.group(2))) if rt else "FAILED"))
    out.append("  grant copy MB/s: %s" % (("%s%s" % (cp.group(1), cp.group(2))) if cp else "FAILED"))
    if not failure and (not rt or not cp):
        failures.append("PVH benchmark guests: no '%s' line" % ("evtchn round trips/s" if not rt
                                                                 else "grant copy MB/s"))
    return out, failures
