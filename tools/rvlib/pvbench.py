"""PV-interface figures for rv-bench: event-channel ping-pong and grant copies.

Boots the two PVH benchmark guests (tests/guests/pvh/pvh_bench_a.c and
pvh_bench_b.c) together under Ringvisor (QEMU TCG, -kernel boot, 2 CPUs):
A and B bounce an event n times ("evtchn round trips/s: N", from A), then
B copies A's granted page into its own pages with GNTTABOP_copy ("grant copy
MB/s: N", from B), and last A times xen_version calls through its
hypercall page ("hypercall round trip: N ns", VMCALL/VMMCALL).  Then the PV
bench kernel (tests/guests/pv/pv_bench.c) boots alone: the same call through
SYSCALL and mmu_update entries/s in 1,000-entry batches.  Guest TSC/pvclock
time.  Figures only, never asserted.
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
PV_GUEST = "pv_bench"
HC_RE = re.compile(r"hypercall round trip: (\d+) ns \((\d+) TSC ticks\)")
MMU_RE = re.compile(r"mmu_update: (\d+) entries/s in 1000-entry batches(.*)")
RT_RE = re.compile(r"evtchn round trips/s: (\d+)(.*)")
COPY_RE = re.compile(r"grant copy MB/s: (\d+)(.*)")


def available(build: str, names=GUESTS) -> Optional[str]:
    """None if the guests are there, else the first missing file."""
    g = os.path.join(build, "guests")
    for name in names:
        for ext in (".cfg", ".elf"):
            if not os.path.isfile(os.path.join(g, name + ext)):
                return os.path.join(g, name + ext)
    return None


def run_pair(build: str, cmdline: str, timeout: float, smp: int,
             names=GUESTS) -> Tuple[Console, str]:
    """Boot the named benchmark domains together: (console, failure or "")."""
    gdir = os.path.join(build, "guests")
    doms = [domcfg.load(os.path.join(gdir, n + ".cfg")) for n in names]
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
    pvh_hc = _find(con, "pvh_bench_a", HC_RE) if con else None
    lines, pv_failures = pv_figures(build, cmdline, timeout, pvh_hc)
    return out + lines, failures + pv_failures


def pv_figures(build: str, cmdline: str, timeout: float, pvh_hc) -> Tuple[List[str], List[str]]:
    """The PV bench kernel alone (1 CPU), set against pvh_bench_a's round trip."""
    out = ["PV kernel vs PVH (QEMU TCG, 1 CPU; pv_bench alone, after the PVH pair)"]
    missing = available(build, (PV_GUEST,))
    if missing:
        return out + ["  skipped: %s not built (cmake --build build --target guests)" % missing], []
    try:
        con, failure = run_pair(build, cmdline, timeout, 1, (PV_GUEST,))
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        con, failure = None, str(e)
    hc = _find(con, PV_GUEST, HC_RE) if con else None
    mmu = _find(con, PV_GUEST, MMU_RE) if con else None
    failures = ["PV bench kernel: %s" % failure] if failure else []
    fmt = lambda m: ("%s ns" % m.group(1)) if m else "FAILED"
    ratio = ""
    if hc and pvh_hc and int(pvh_hc.group(1)):
        ratio = " (PV/PVH = %.2f)" % (int(hc.group(1)) / int(pvh_hc.group(1)))
    out.append("  hypercall round trip: PV %s, PVH %s%s" % (fmt(hc), fmt(pvh_hc), ratio))
    out.append("    (median of 10,000 xen_version(XENVER_version); PV: SYSCALL, PVH: VMCALL/VMMCALL "
               "through the hypercall page; TSC ticks PV %s, PVH %s)"
               % (hc.group(2) if hc else "-", pvh_hc.group(2) if pvh_hc else "-"))
    out.append("  mmu_update: %s" % (("%s entries/s in 1000-entry batches%s" % (mmu.group(1), mmu.group(2)))
                                     if mmu else "FAILED"))
    if not failure and (not hc or not mmu):
        failures.append("PV bench kernel: no '%s' line" % ("hypercall round trip" if not hc
                                                             else "mmu_update"))
    return out, failures
