"""PV-interface figures for rv-bench: event-channel ping-pong and grant copies.

Boots the two PVH benchmark guests (tests/guests/pvh/pvh_bench_a.c and
pvh_bench_b.c) together under Ringvisor (QEMU TCG, -kernel boot, 2 CPUs),
several times:

- a base run: no ping-pong; B copies A's granted page into its own pages
  with GNTTABOP_copy ("grant copy MB/s: N", from B), and A times xen_version
  calls through its hypercall page ("hypercall round trip: N ns",
  VMCALL/VMMCALL): the floor, one exit round trip.  Its exit counts, less
  those calls, are the set-up every run pays.
- one run per event-channel case: same-CPU (both domains' vCPUs pinned to
  CPU 1 with the domain file's cpus key) and cross-CPU (A on CPU 0, B on
  CPU 1), each waiting by SCHEDOP_poll and by upcall-in-HLT: round trips/s
  and the exits per round trip, (exits of both domains - set-up) / round
  trips, from the hypervisor's exit statistics at vCPU teardown.

Then the PV bench kernel (tests/guests/pv/pv_bench.c) boots alone: the same
call through SYSCALL and mmu_update entries/s in 1,000-entry batches.  Guest
TSC/pvclock time.  Figures only, never asserted here (tests/integration/
evtchn_exits.py bounds the exit counts).
"""

import math
import os
import re
import shutil
import tempfile
from typing import Dict, List, Optional, Tuple

from . import domcfg, emulators, runner, summary
from .console import Console
from .domains import judge_domains

GUESTS = ("pvh_bench_a", "pvh_bench_b")
PV_GUEST = "pv_bench"
HC_RE = re.compile(r"hypercall round trip: (\d+) ns \((\d+) TSC ticks\)")
MMU_RE = re.compile(r"mmu_update: (\d+) entries/s in 1000-entry batches(.*)")
RT_RE = re.compile(r"evtchn round trips/s: (\d+)(.*)")
URT_RE = re.compile(r"evtchn upcall round trips/s: (\d+)(.*)")
COPY_RE = re.compile(r"grant copy MB/s: (\d+)(.*)")
MEMCPY_RE = re.compile(r"memcpy MB/s: (\d+)(.*)")
LAST_EXIT_RT_NS: Optional[int] = None  # pvh_bench_a's median xen_version round trip (linuxbench's HVM floor)
LAST_MEMCPY_MBS: Optional[int] = None  # the guest's 4 KiB copies (floor of grant copy and of the build's zeroing)
SP_RE = re.compile(r"send round trip: (\d+) ns; poll \(port pending\) round trip: (\d+) ns")
COPY_BATCH = 16         # pvh_bench_b.c: GNTTABOP_copy calls carry 16 copies
# (name, A's cpus, B's cpus): the domain files' cpus key, 2 host CPUs.
PLACEMENTS = (("same-CPU", "1", "1"), ("cross-CPU", "0", "1"))
MODES = ("poll", "upcall")


def available(build: str, names=GUESTS) -> Optional[str]:
    """None if the guests are there, else the first missing file."""
    g = os.path.join(build, "guests")
    for name in names:
        for ext in (".cfg", ".elf"):
            if not os.path.isfile(os.path.join(g, name + ext)):
                return os.path.join(g, name + ext)
    return None


def _variant(gdir: str, work: str, name: str, keys: Dict[str, str]) -> str:
    """A copy of name.cfg in work with keys replaced or added (values are
    written quoted), its kernel linked next to it; returns its path."""
    with open(os.path.join(gdir, name + ".cfg")) as f:
        lines = [l for l in f.read().splitlines()
                 if l.split("=")[0].strip() not in keys]
    lines += ['%s = "%s"' % (k, v) for k, v in keys.items()]
    path = os.path.join(work, name + ".cfg")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    elf = name + ".elf"
    if not os.path.exists(os.path.join(work, elf)):
        os.symlink(os.path.abspath(os.path.join(gdir, elf)), os.path.join(work, elf))
    return path


def run_pair(build: str, cmdline: str, timeout: float, smp: int,
             names=GUESTS, keys: Optional[Dict[str, Dict[str, str]]] = None) -> Tuple[Console, str]:
    """Boot the named benchmark domains together: (console, failure or "").
    keys: per domain, domain-file keys to set (cmdline, cpus) in a copy."""
    build = os.path.abspath(build)
    gdir = os.path.join(build, "guests")
    work = tempfile.mkdtemp(prefix="rv-bench-")
    try:
        cfgdir = os.path.join(work, "cfg")     # apart from the emulator's files
        os.mkdir(cfgdir)
        paths = [_variant(gdir, cfgdir, n, keys[n]) if keys and n in keys else os.path.join(gdir, n + ".cfg")
                 for n in names]
        doms = [domcfg.load(p) for p in paths]
        spec = emulators.BootSpec(elf=os.path.join(build, "ringvisor.elf"), cmdline=cmdline, smp=smp,
                                  mem_mib=512, modules=domcfg.modules_for(doms))
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


def domain_exits(con: Console, name: str) -> Optional[int]:
    """All exits of the domain's vCPUs (teardown statistics), or None."""
    log = con.domains.get(name)
    if not log or not log.exits:
        return None
    return sum(e.exits for e in log.exits)


def pair_keys(mode: str, n: int, a_cpus: str, b_cpus: str, copies: int = 0, rt: int = 0):
    """Domain-file keys for a ping-pong run: n round trips by mode
    ("poll", "upcall" or "none"), pinned as given."""
    pn = n if mode == "poll" else 0
    un = n if mode == "upcall" else 0
    return {"pvh_bench_a": {"cmdline": "peer=2 n=%d nu=%d rt=%d" % (pn, un, rt), "cpus": a_cpus},
            "pvh_bench_b": {"cmdline": "peer=1 n=%d nu=%d copies=%d" % (pn, un, copies), "cpus": b_cpus}}


def rt_times(rest: str):
    """(mean, median, 10th percentile) ns from the rest of pvh_bench_a's
    round-trip line ("... 99000 ns each, median 94000 ns, p10 91000 ns)"),
    None for each one missing."""
    found = [re.search(r, rest) for r in (r"(\d+) ns each", r"median (\d+) ns", r"p10 (\d+) ns")]
    return tuple(int(f.group(1)) if f else None for f in found)


def ping_pong(build: str, cmdline: str, timeout: float, mode: str, n: int, a_cpus: str, b_cpus: str,
              setup_exits: int = 0):
    """One run: (round trips/s or None, mean ns or None, median ns or None,
    exits per round trip or None, failure or "", 10th percentile ns or None)."""
    try:
        con, failure = run_pair(build, cmdline, timeout, 2, keys=pair_keys(mode, n, a_cpus, b_cpus))
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        return None, None, None, None, str(e), None
    m = _find(con, "pvh_bench_a", RT_RE if mode == "poll" else URT_RE)
    ea, eb = domain_exits(con, "pvh_bench_a"), domain_exits(con, "pvh_bench_b")
    per_rt = (ea + eb - setup_exits) / n if ea is not None and eb is not None else None
    if not failure and not m:
        failure = "no '%s' line" % ("evtchn round trips/s" if mode == "poll" else "evtchn upcall round trips/s")
    if not failure and per_rt is None:
        failure = "no exit statistics"
    ns, med, p10 = rt_times(m.group(2)) if m else (None, None, None)
    return (int(m.group(1)) if m else None), ns, med, per_rt, failure, p10


def base_run(build: str, cmdline: str, timeout: float, copies: int = 20000, rt: int = 10000):
    """The run without ping-pong: (console, failure, set-up exits or None)."""
    try:
        con, failure = run_pair(build, cmdline, timeout, 2,
                                keys=pair_keys("none", 0, "0", "1", copies=copies, rt=rt))
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        return None, str(e), None
    ea, eb = domain_exits(con, "pvh_bench_a"), domain_exits(con, "pvh_bench_b")
    setup = None
    if ea is not None and eb is not None:
        # The timed calls are one exit each: what is left is the set-up.
        # (rt xen_version calls, then rt sends, rt polls and rt polls with the list elsewhere: pvh_bench_a.c)
        setup = max(0, ea + eb - 4 * rt - math.ceil(copies / COPY_BATCH))
    return con, failure, setup


ALL_CASES = tuple((place, mode) for place, _, _ in PLACEMENTS for mode in MODES)


def parse_cases(text: str) -> Tuple[Tuple[str, str], ...]:
    """rv-bench --evtchn-cases: 'all', a placement ('cross-CPU'), or
    placement/mode items ('cross-CPU/poll'), comma-separated; ValueError
    naming the item it does not know."""
    chosen = []
    for item in (t.strip() for t in text.split(",")):
        if item == "all":
            found = list(ALL_CASES)
        else:
            found = [c for c in ALL_CASES if item in (c[0], "%s/%s" % c)]
        if not found:
            raise ValueError("unknown case %r (all, same-CPU, cross-CPU, or one of %s)"
                             % (item, ", ".join("%s/%s" % c for c in ALL_CASES)))
        chosen += [c for c in found if c not in chosen]
    return tuple(c for c in ALL_CASES if c in chosen)


def evtchn_rows(build: str, cmdline: str, timeout: float, rts: int, setup: int, floor: int,
                cases) -> Tuple[List[str], List[str]]:
    """The ping-pong rows for cases ((placement, mode), ...): (lines, failures).
    floor: the exit round trip in ns, 0 if not measured."""
    out, failures = [], []
    cpus = {place: (ac, bc) for place, ac, bc in PLACEMENTS}
    for place, mode in cases:
        ac, bc = cpus[place]
        rate, ns, med, per_rt, f, p10 = ping_pong(build, cmdline, timeout, mode, rts, ac, bc, setup)
        if f:
            failures.append("PVH evtchn %s %s: %s" % (place, mode, f))
        floors = (" = %.1f exit round trips" % (med / floor)) if med and floor else ""
        summary.add("evtchn round trips/s, %s, %s" % (place, mode),
                    ("%d/s (median %s ns), %.2f exits/round trip" % (rate, med or "?", per_rt))
                    if rate is not None and per_rt is not None else "FAILED",
                    ("exit round trip %d ns" % floor) if floor else "?",
                    ("%.1f exit round trips" % (med / floor)) if med and floor else None,
                    ">= 10,000/s cross-CPU")
        out.append("    evtchn round trips/s %-9s %-6s: %s" % (
            place, mode, ("%d (mean %d ns; median %s ns%s, %s/s at the median; p10 %s ns; %.2f exits per round trip)"
                          % (rate, ns or 0, med or "?", floors, (1000000000 // med) if med else "?", p10 or "?",
                             per_rt))
            if rate is not None and per_rt is not None else "FAILED"))
    return out, failures


def evtchn_figures(build: str, cmdline: str, timeout: float, rts: int = 20000,
                   cases=ALL_CASES) -> Tuple[List[str], List[str]]:
    """rv-bench --evtchn-only: a run without ping-pong, copies or timed
    calls (its exits are the set-up), then the chosen ping-pong rows."""
    out = ["Event-channel round trips between two PVH domains (QEMU TCG, 2 CPUs; %d each)" % rts]
    missing = available(build)
    if missing:
        return out + ["  skipped: %s not built (cmake --build build --target guests)" % missing], []
    con, failure, setup = base_run(build, cmdline, timeout, copies=0, rt=0)
    if failure or setup is None:
        return out, ["PVH benchmark guests (set-up run): %s" % (failure or "no exit statistics")]
    out.append("  exits per round trip: exits of both domains less the %d set-up exits, / round trips" % setup)
    rows, failures = evtchn_rows(build, cmdline, timeout, rts, setup, 0, cases)
    return out + rows, failures


def figures(build: str, cmdline: str, timeout: float, smp: int = 2,
            rts: int = 20000) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    out = ["PV interface between two PVH domains (QEMU TCG, %d CPUs, QEMU -kernel boot)" % smp]
    missing = available(build)
    if missing:
        return out + ["  skipped: %s not built (cmake --build build --target guests)" % missing], []
    failures = []
    con, failure, setup = base_run(build, cmdline, timeout)
    cp = _find(con, "pvh_bench_b", COPY_RE) if con else None
    pvh_hc = _find(con, "pvh_bench_a", HC_RE) if con else None
    if failure:
        failures.append("PVH benchmark guests (base run): %s" % failure)
    elif not cp or not pvh_hc:
        failures.append("PVH benchmark guests: no '%s' line" % ("grant copy MB/s" if not cp
                                                                 else "hypercall round trip"))
    global LAST_EXIT_RT_NS
    LAST_EXIT_RT_NS = int(pvh_hc.group(1)) if pvh_hc else None
    out.append("  exit round trip (the floor): %s" % (("%s ns, one xen_version hypercall (median)"
                                                       % pvh_hc.group(1)) if pvh_hc else "FAILED"))
    sp = _find(con, "pvh_bench_a", SP_RE) if con else None
    if sp:
        out.append("    event-channel calls alone (median): %s" % sp.group(0))
    out.append("  event-channel round trips (%d each; exits per round trip: exits of both domains less "
               "the %s set-up exits of a run without ping-pong, / round trips)"
               % (rts, setup if setup is not None else "?"))
    rows, fails = evtchn_rows(build, cmdline, timeout, rts, setup or 0,
                              int(pvh_hc.group(1)) if pvh_hc else 0, ALL_CASES)
    out += rows
    failures += fails
    out.append("  grant copy MB/s: %s" % (("%s%s" % (cp.group(1), cp.group(2))) if cp else "FAILED"))
    mc = _find(con, "pvh_bench_b", MEMCPY_RE) if con else None
    global LAST_MEMCPY_MBS
    LAST_MEMCPY_MBS = int(mc.group(1)) if mc else None
    ratio = ("%.2f of memcpy" % (int(cp.group(1)) / int(mc.group(1)))) if cp and mc and int(mc.group(1)) else None
    out.append("  the floor, memcpy MB/s in the guest: %s%s" % (
        ("%s%s" % (mc.group(1), mc.group(2))) if mc else "not printed", ("; grant copy = %s" % ratio) if ratio else ""))
    summary.add("grant copy (16 x 4 KiB per call)", ("%s MB/s" % cp.group(1)) if cp else "FAILED",
                ("memcpy %s MB/s" % mc.group(1)) if mc else "?", ratio, "memcpy speed")
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
