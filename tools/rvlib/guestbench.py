"""HVM figures for rv-bench: the cost of an exit and of running under Ringvisor.

Uses three test guests (tests/guests) when they are built:
  cpuid_loop   N CPUID(0), each intercepted; prints "... ns per CPUID"
  portio_loop  N IN from an unclaimed port, each intercepted; "... ns per INB"
  spin         a fixed CPU-bound loop timed with the TSC; prints
               "spin: N iterations in T us" under Ringvisor, and booted
               directly by QEMU (-kernel, multiboot1, "nohv" on its command
               line) "spin: N iterations in C TSC cycles" -- the same host TSC
               under TCG, so the two give the overhead of running as a domain.
From the hypervisor's "(dN name) v0: ..." line: its share of the vCPU's time
and its time per exit. Figures only, never asserted: the build machines are
shared and TCG timings vary with load, so each guest runs `runs` times and
the fastest run counts.
"""

import os
import re
import shutil
import tempfile
from typing import List, Optional, Tuple

from . import domcfg, emulators, runner
from .console import Console
from .domains import judge_domains

GUESTS = ("cpuid_loop", "portio_loop", "spin0")
PER_OP_RE = re.compile(r"^\S+: (\d+) (\w+) in (\d+) us: (\d+) ns per (\w+)")
SPIN_US_RE = re.compile(r"^spin: (\d+) iterations in (\d+) us")
SPIN_CYCLES_RE = re.compile(r"spin: (\d+) iterations in (\d+) TSC cycles")
TSC_KHZ_RE = re.compile(r"TSC (\d+) kHz")


TLB_RE = re.compile(r"^tlb: cpu\d+ tags handed out (\d+), generations (\d+), full flushes (\d+)")


def available(build: str) -> Optional[str]:
    """None if the guests are there, else what is missing."""
    g = os.path.join(build, "guests")
    for f in ("cpuid_loop.cfg", "cpuid_loop.elf", "portio_loop.cfg", "portio_loop.elf",
              "spin0.cfg", "spin.elf"):
        if not os.path.isfile(os.path.join(g, f)):
            return os.path.join(g, f)
    return None


def run_domain(elf: str, cfg: str, timeout: float, cmdline: str,
               bochs_model: Optional[str] = None) -> Tuple[Console, str]:
    """Boot one domain under Ringvisor (QEMU -kernel, or Bochs with bochs_model;
    1 CPU): (console, failure or "")."""
    d = domcfg.load(cfg)
    spec = emulators.BootSpec(elf=elf, cmdline=cmdline, smp=1, mem_mib=256,
                              modules=domcfg.modules_for([d]))
    work = tempfile.mkdtemp(prefix="rv-bench-")
    try:
        launch = emulators.prepare(spec, "bochs" if bochs_model else "direct", work,
                                   bochs_model=bochs_model)
        con = Console(domain_names=[d.name] if d.name else [])
        res = runner.run(launch.argv, cwd=launch.cwd, timeout_s=timeout, console=con,
                         console_file=launch.console_file)
        v = judge_domains(con, [d], emulator=launch.emulator, exit_status=res.exit_status,
                          timed_out=res.timed_out, timeout_s=timeout)
        return con, "" if v.ok else v.reason
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_bare(kernel: str, args: str, timeout: float) -> Tuple[Console, str]:
    """Boot a guest kernel directly in QEMU (multiboot1), no hypervisor."""
    spec = emulators.BootSpec(elf=kernel, cmdline=args, smp=1, mem_mib=64)
    work = tempfile.mkdtemp(prefix="rv-bench-")
    try:
        argv = emulators.qemu_common(spec) + ["-kernel", kernel, "-append", args]
        res = runner.run(argv, cwd=work, timeout_s=timeout)
        if res.timed_out:
            return res.console, "timeout after %g s" % timeout
        return res.console, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _guest_lines(con: Console, name: str) -> List[str]:
    log = con.domains.get(name)
    return log.output if log else []


def _first(regex, lines):
    for line in lines:
        m = regex.search(line)
        if m:
            return m
    return None


def _best(runs: int, once, metric):
    """Run once() up to runs times: (console, failure) of the run with the
    lowest metric(console) (None = no figure), or of the first failure."""
    best = None
    for _ in range(max(1, runs)):
        con, failure = once()
        if failure:
            return con, failure
        val = metric(con)
        if best is None or (val is not None and (best[2] is None or val < best[2])):
            best = (con, failure, val)
    return best[0], best[1]


def _per_op_ns(name):
    def metric(con):
        m = _first(PER_OP_RE, _guest_lines(con, name))
        return int(m.group(4)) if m else None
    return metric


def _spin_us(con):
    m = _first(SPIN_US_RE, _guest_lines(con, "spin0"))
    return int(m.group(2)) if m else None


def _spin_cycles(con):
    m = _first(SPIN_CYCLES_RE, con.lines)
    return int(m.group(2)) if m else None


def figures(build: str, cmdline: str, timeout: float, runs: int = 1
            ) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    out = ["HVM guests under Ringvisor (QEMU TCG, 1 CPU, QEMU -kernel boot; fastest of %d runs)"
           % max(1, runs)]
    missing = available(build)
    if missing:
        return out + ["  skipped: %s not built (cmake --build build --target guests)"
                      % missing], []
    elf = os.path.join(build, "ringvisor.elf")
    gdir = os.path.join(build, "guests")
    failures = []
    out.append("  %-12s %14s %12s %14s %10s %14s" % ("guest", "operations", "ns per op",
                                                      "exits per s", "hv share", "hv ns/exit"))
    spin_con = None
    tlb_note = []
    for name in GUESTS:
        cfg = os.path.join(gdir, name + ".cfg")
        try:
            con, failure = _best(runs, lambda: run_domain(elf, cfg, timeout, cmdline),
                                 _spin_us if name == "spin0" else _per_op_ns(name))
        except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
            con, failure = None, str(e)
        if failure:
            failures.append("%s under Ringvisor: %s" % (name, failure))
            out.append("  %-12s FAILED: %s" % (name, failure))
            continue
        log = con.domains[name]
        stats = log.exits[0] if log.exits else None
        tags = [m for m in (TLB_RE.search(l) for l in con.lines) if m]
        if tags:
            tlb_note.append("  tagged TLB during %s: %d tags handed out, %d generations, %d full flushes"
                            % (name, sum(int(m.group(1)) for m in tags), sum(int(m.group(2)) for m in tags),
                               sum(int(m.group(3)) for m in tags)))
        hv = ("%9.1f%% %14d" % (stats.hv_percent, stats.ns_per_exit)) if stats else "%10s %14s" % (
            "-", "-")
        if name == "spin0":
            spin_con = con
            continue
        m = _first(PER_OP_RE, log.output)
        if m:
            ns = int(m.group(4))
            out.append("  %-12s %14s %12d %14s %s" % (
                name, "%s %s" % (m.group(1), m.group(2)), ns,
                "%.0f" % (1e9 / ns) if ns else "-", hv))
        else:
            out.append("  %-12s %14s %12s %14s %s" % (name, "?", "?", "?", hv))
            failures.append("%s: no '... ns per ...' line from the guest" % name)

    out.extend(tlb_note)
    out.extend(bochs_figures(elf, gdir, cmdline, timeout, failures))
    if spin_con is not None:
        lines = _guest_lines(spin_con, "spin0")
        us = _first(SPIN_US_RE, lines)
        khz = _first(TSC_KHZ_RE, lines)
        d = domcfg.load(os.path.join(gdir, "spin0.cfg"))
        args = (d.keys or {}).get("cmdline", "")
        bare_args = ((args if isinstance(args, str) else "") + " nohv").strip()
        bare_con, failure = _best(runs, lambda: run_bare(os.path.join(gdir, "spin.elf"),
                                                         bare_args, timeout), _spin_cycles)
        bare = _first(SPIN_CYCLES_RE, bare_con.lines)
        if failure or not bare:
            failures.append("spin in bare QEMU: %s" % (failure or "no 'spin: N iterations in C "
                                                        "TSC cycles' line"))
        elif not us or not khz:
            failures.append("spin under Ringvisor: no 'spin: N iterations in T us' or TSC kHz line")
        else:
            rv_cycles = int(us.group(2)) * int(khz.group(1)) / 1000.0
            bare_cycles = int(bare.group(2))
            out.append("")
            out.append("  spin, %s iterations: under Ringvisor %.1f M TSC cycles (%s us), "
                       "bare QEMU %.1f M cycles; ratio %.2f"
                       % (us.group(1), rv_cycles / 1e6, us.group(2), bare_cycles / 1e6,
                          rv_cycles / bare_cycles if bare_cycles else float("nan")))
    return out, failures


BOCHS_MODELS = (("VMX", "corei7_skylake_x"), ("SVM", "ryzen"))


def bochs_figures(elf: str, gdir: str, cmdline: str, timeout: float, failures: List[str]) -> List[str]:
    """The CPUID loop under Bochs with an Intel and an AMD model, side by side."""
    if not shutil.which(emulators.bochs_binary()):
        return ["", "  Bochs: not installed, VMX/SVM comparison skipped"]
    out = ["", "  Bochs, cpuid_loop, 1 CPU (emulated time; Bochs runs ~50-80 MIPS)",
           "  %-6s %-20s %12s %14s %10s %14s" % ("vendor", "model", "ns per op", "exits per s",
                                                "hv share", "hv ns/exit")]
    cfg = os.path.join(gdir, "cpuid_loop.cfg")
    for vendor, model in BOCHS_MODELS:
        try:
            con, failure = run_domain(elf, cfg, max(timeout, 300), cmdline, bochs_model=model)
        except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
            con, failure = None, str(e)
        log = con.domains.get("cpuid_loop") if con else None
        m = _first(PER_OP_RE, log.output) if log else None
        if failure or not m:
            failures.append("cpuid_loop under Bochs %s: %s" % (model, failure or "no timing line"))
            out.append("  %-6s %-20s FAILED: %s" % (vendor, model, failure or "no timing line"))
            continue
        stats = log.exits[0] if log.exits else None
        ns = int(m.group(4))
        out.append("  %-6s %-20s %12d %14s %9.1f%% %14d" % (
            vendor, model, ns, "%.0f" % (1e9 / ns) if ns else "-",
            stats.hv_percent if stats else 0.0, stats.ns_per_exit if stats else 0))
    return out
