"""rv-bench's hypervisor-cost figures (issue 20): its own time per exit kind,
the domain builder's time per MiB, and the kernel-payload decoder's speed.

1. Exit cost: the exit_mix guest (tests/guests/exit_mix.c) makes N CPUID,
   N INB and N xen_version exits and prints the round trip of each as it
   sees it (guest TSC); the hypervisor prints, at vCPU teardown, for each
   exit kind the exits it timed and its mean and least time from #VMEXIT to
   the next VMRUN (RDTSC in the hypervisor, src/hvm/exit_stats.c), and the
   same per hypercall number.  The floor is the CPUID round trip of the same
   run: the cheapest exit there is, hypervisor and emulator's world switch
   together.  Each kind's hypervisor time is set against it as a ratio.
   Then the same under Bochs with an Intel (VMX) and an AMD (SVM) model:
   Bochs's time is emulated, so one binary gives the same means every run
   (the figures to compare before and after a change).
2. Domain build: two copies of exit_mix, of SIZES MiB, booted together; the
   hypervisor's "build:" line gives each build's time, ms per MiB, and the
   RAM part (allocating the zeroed frames, the p2m) per MiB.
3. Unpack: the decoder the PVH/PV builders run (src/lib/decompress.c), built
   for the host (build/tests/unit/decomp_bench), on the Debian bzImage's
   payload against the host's own `xz -d` / `gzip -d` of the same bytes:
   CPU time, best of 3, both native (the floor is the host tool).  Linux's
   in-kernel decompressor prints no timing, so it is not measured; the
   hypervisor's own unpack time under TCG is in the Linux section (its PVH
   boot's "pvh: unpack time" line).
4. With linux=True (rv-bench --cost-only): the Debian kernel booted once as
   HVM (scenario linux1); the most common exit kinds with their hypervisor
   time.

Figures only, never asserted (tests/integration/test_exit_cost.py checks the
counts).  A part that cannot run is printed as skipped with the reason.
"""

import os
import re
import resource
import shutil
import subprocess
import tempfile
from typing import Dict, List, Optional, Tuple

from . import domcfg, emulators, exitcost, runner, summary
from .console import Console
from .domains import judge_domains

GUEST = "exit_mix"
# Set by exit_cost_figures for the Linux part's floor (linuxbench.hvm_floor):
# the CPUID round trip as the guest saw it and the hypervisor's share, ns.
LAST_FLOOR_NS: Optional[int] = None
LAST_CPUID_HV_NS: Optional[float] = None
LAST_BUILD: Optional[exitcost.Build] = None     # the larger domain's build line
SIZES = (64, 1024)
ROUND_RE = re.compile(r"round trip ns: cpuid (\d+), io (\d+), xen_version (\d+)")
# The guest's loop for each exit kind: what its round trip is called.
KIND_OF_LOOP = {"cpuid": "cpuid", "io": "io", "hypercall": "xen_version"}


def _variant(src_cfg: str, kernel: str, work: str, fname: str, keys: Dict[str, str]) -> str:
    """A copy of src_cfg as work/fname with keys replaced (quoted unless
    numeric), its kernel linked next to it; returns its path."""
    with open(src_cfg) as f:
        lines = [l for l in f.read().splitlines() if l.split("=")[0].strip() not in keys]
    lines += ['%s = %s' % (k, v if str(v).isdigit() else '"%s"' % v) for k, v in keys.items()]
    path = os.path.join(work, fname)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    link = os.path.join(work, os.path.basename(kernel))
    if not os.path.exists(link):
        os.symlink(os.path.abspath(kernel), link)
    return path


def boot(build: str, cmdline: str, timeout: float, cfgs: List[str], smp: int = 1,
         mem_mib: int = 256, bochs_model: Optional[str] = None) -> Tuple[Optional[Console], str]:
    """Boot Ringvisor with the domain files (QEMU -kernel, or Bochs with
    bochs_model): (console, failure or "")."""
    try:
        doms = [domcfg.load(p) for p in cfgs]
        spec = emulators.BootSpec(elf=os.path.join(build, "ringvisor.elf"), cmdline=cmdline, smp=smp,
                                  mem_mib=mem_mib, modules=domcfg.modules_for(doms))
        work = tempfile.mkdtemp(prefix="rv-bench-cost-")
        try:
            launch = emulators.prepare(spec, "bochs" if bochs_model else "direct", work,
                                       bochs_model=bochs_model)
            con = Console(domain_names=[d.name for d in doms])
            res = runner.run(launch.argv, cwd=launch.cwd, timeout_s=timeout, console=con,
                             console_file=launch.console_file)
            v = judge_domains(con, doms, emulator=launch.emulator, exit_status=res.exit_status,
                              timed_out=res.timed_out, timeout_s=timeout)
            return con, "" if v.ok else v.reason
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        return None, str(e)


def cost_table(costs: Dict[str, exitcost.Cost], hcs: Dict[str, exitcost.Cost], floor: Optional[int],
               rounds: Optional[Dict[str, int]] = None, limit: Optional[int] = None) -> List[str]:
    """Rows: kind, exits timed, hypervisor mean, least, median, p99 and
    worst ns, mean / floor, and the guest's round trip where it measured
    one.  Median and p99 come from the hypervisor's histograms (+-25 %)."""
    head = "    %-26s %9s %10s %9s %10s %10s %11s %10s %12s"
    out = [head % ("exit kind", "exits", "mean ns", "min ns", "median ns", "p99 ns", "max ns", "mean/floor",
                   "guest rt")]
    items = sorted(costs.items(), key=lambda kv: -kv[1].n)
    if limit:
        items = items[:limit]
    ratio = lambda ns: ("%.3f" % (ns / floor)) if floor else "-"
    opt = lambda x: "-" if x is None else str(x)
    for kind, c in items:
        rt = (rounds or {}).get(kind)
        out.append(head % (kind, c.n, "%.0f" % c.mean_ns, opt(c.min_ns), opt(c.median_ns), opt(c.p99_ns),
                           opt(c.max_ns), ratio(c.mean_ns), ("%d ns" % rt) if rt else "-"))
        if kind == "hypercall":
            for hk, h in sorted(hcs.items(), key=lambda kv: -kv[1].n):
                hrt = (rounds or {}).get(hk)
                out.append(head % ("  hypercall " + hk, h.n, "%.0f" % h.mean_ns, "-", "-", "-", "-",
                                   ratio(h.mean_ns), ("%d ns" % hrt) if hrt else "-"))
    return out


def exit_cost_figures(build: str, cmdline: str, timeout: float, runs: int, n: int
                      ) -> Tuple[List[str], List[str]]:
    gdir = os.path.join(build, "guests")
    out = ["  Hypervisor time per exit kind: %s (%d CPUID, %d INB, %d xen_version), QEMU TCG, 1 CPU, "
           "the run with the lowest floor of %d" % (GUEST, n, n, n, max(1, runs))]
    cfg, elf = os.path.join(gdir, GUEST + ".cfg"), os.path.join(gdir, GUEST + ".elf")
    if not os.path.isfile(cfg) or not os.path.isfile(elf):
        return out + ["    skipped: %s not built (cmake --build build --target guests)" % cfg], []
    best = None
    failures = []
    for _ in range(max(1, runs)):
        work = tempfile.mkdtemp(prefix="rv-bench-cost-")
        try:
            path = _variant(cfg, elf, work, GUEST + ".cfg", {"cmdline": "cpuid=%d io=%d hc=%d" % (n, n, n)})
            con, failure = boot(build, cmdline, timeout, [path])
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if failure:
            failures.append("%s: %s" % (GUEST, failure))
            break
        log = con.domains.get(GUEST)
        m = next((ROUND_RE.search(l) for l in (log.output if log else []) if ROUND_RE.search(l)), None)
        floor = int(m.group(1)) if m else None
        if best is None or (floor is not None and (best[1] is None or floor < best[1])):
            best = (con, floor, m)
    if best is None:
        return out + ["    FAILED: %s" % failures[-1]], failures
    con, floor, m = best
    costs = exitcost.exit_costs(con.lines, GUEST)
    hcs = exitcost.hypercall_costs(con.lines, GUEST)
    if not costs:
        failures.append("%s: no 'exit cost' line from the hypervisor" % GUEST)
        return out + ["    FAILED: no 'exit cost' line from the hypervisor"], failures
    rounds = {"cpuid": int(m.group(1)), "io": int(m.group(2)), "xen_version": int(m.group(3))} if m else {}
    global LAST_FLOOR_NS, LAST_CPUID_HV_NS
    LAST_FLOOR_NS = floor
    LAST_CPUID_HV_NS = costs["cpuid"].mean_ns if "cpuid" in costs else None
    out.append("    floor: a CPUID round trip as the guest sees it, %s (mean of %d, guest TSC); the rest of "
               "it is the emulator's world switch" % (("%d ns" % floor) if floor else "unknown", n))
    out += cost_table(costs, hcs, floor, rounds)
    out.append("    (exits timed: all but those after which the vCPU blocked, hlt and blocking hypercalls; "
               "host interrupts taken meanwhile count with the exit)")
    for kind in ("cpuid", "io", "hypercall"):
        c = costs.get(kind)
        if c:
            summary.add("hypervisor ns per %s exit (HVM)" % kind,
                        "mean %.0f, median %s, p99 %s, max %s" % (c.mean_ns, c.median_ns, c.p99_ns, c.max_ns),
                        ("CPUID round trip %d ns" % floor) if floor else "?",
                        ("mean %.3f, median %.3f" % (c.mean_ns / floor, (c.median_ns or 0) / floor)) if floor else None,
                        "small share of the round trip")
    return out, failures


def pv_exit_cost_figures(build: str, cmdline: str, timeout: float) -> Tuple[List[str], List[str]]:
    """The PV bench kernel (tests/guests/pv/pv_bench.c) alone: the
    hypervisor's time per PV exit kind (SYSCALL hypercalls by number,
    bounces, emulation, interrupts; src/pv/pv_vcpu.c pv_account_exit),
    set against the guest's own median hypercall round trip."""
    out = ["  Hypervisor time per PV exit kind: pv_bench (10,000 xen_version through SYSCALL, 101 mmu_update "
           "of 1,000 entries), QEMU TCG, 1 CPU; from the exit's arrival to the next IRETQ into the guest"]
    cfg = os.path.join(build, "guests", "pv_bench.cfg")
    if not os.path.isfile(cfg):
        return out + ["    skipped: %s not built" % cfg], []
    con, failure = boot(build, cmdline, timeout, [cfg])
    if failure or con is None:
        return out + ["    FAILED: %s" % failure], ["pv_bench (exit cost): %s" % failure]
    costs, untimed = exitcost.pv_exit_costs(con.lines, "pv_bench")
    hcs = exitcost.hypercall_costs(con.lines, "pv_bench")
    log = con.domains.get("pv_bench")
    m = next((re.search(r"hypercall round trip: (\d+) ns", l) for l in (log.output if log else [])
              if re.search(r"hypercall round trip: (\d+) ns", l)), None)
    floor = int(m.group(1)) if m else None
    if not costs:
        return out + ["    FAILED: no 'pv exit cost' line"], ["pv_bench: no 'pv exit cost' line"]
    out.append("    floor: the guest's median xen_version round trip through SYSCALL, %s"
               % (("%d ns" % floor) if floor else "unknown"))
    out += cost_table(costs, hcs, floor, {"xen_version": floor} if floor else None)
    out.append("    (%d exits untimed: the vCPU blocked after them)" % untimed)
    hc = costs.get("hypercall")
    xv = hcs.get("xen_version")
    if hc:
        summary.add("hypervisor ns per PV hypercall (SYSCALL)",
                    "mean %.0f, median %s, p99 %s, max %s; xen_version mean %s" % (
                        hc.mean_ns, hc.median_ns, hc.p99_ns, hc.max_ns, ("%.0f" % xv.mean_ns) if xv else "?"),
                    ("PV xen_version round trip %d ns (median)" % floor) if floor else "?",
                    ("median %.3f" % ((hc.median_ns or 0) / floor)) if floor else None, "small share of the round trip")
    return out, []


BOCHS_MODELS = (("VMX", "corei7_skylake_x"), ("SVM", "ryzen"))
BOCHS_N = 3000


def bochs_exit_cost_figures(build: str, cmdline: str, timeout: float) -> Tuple[List[str], List[str]]:
    """exit_mix under Bochs, Intel and AMD: Bochs's time is emulated (a
    fixed instruction rate), so the same binary gives the same figures run
    after run -- the ones to compare before and after a change."""
    gdir = os.path.join(build, "guests")
    out = ["  The same under Bochs (emulated time: the same binary gives the same means; %d of each kind)"
           % BOCHS_N]
    cfg, elf = os.path.join(gdir, GUEST + ".cfg"), os.path.join(gdir, GUEST + ".elf")
    if not os.path.isfile(cfg) or not os.path.isfile(elf):
        return out + ["    skipped: %s not built" % cfg], []
    if not shutil.which(emulators.bochs_binary()):
        return out + ["    skipped: Bochs not installed"], []
    failures = []
    out.append("    %-4s %-18s %-26s %10s %12s %11s %11s" % ("", "model", "exit kind", "exits", "hv mean ns",
                                                            "hv min ns", "mean/floor"))
    for vendor, model in BOCHS_MODELS:
        work = tempfile.mkdtemp(prefix="rv-bench-cost-")
        try:
            path = _variant(cfg, elf, work, GUEST + ".cfg",
                            {"cmdline": "cpuid=%d io=%d hc=%d" % (BOCHS_N, BOCHS_N, BOCHS_N)})
            con, failure = boot(build, cmdline, max(timeout, 300), [path], bochs_model=model)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        costs = exitcost.exit_costs(con.lines, GUEST) if con else {}
        log = con.domains.get(GUEST) if con else None
        m = next((ROUND_RE.search(l) for l in (log.output if log else []) if ROUND_RE.search(l)), None)
        floor = int(m.group(1)) if m else None
        if failure or not costs:
            failures.append("%s under Bochs %s: %s" % (GUEST, model, failure or "no 'exit cost' line"))
            out.append("    %-4s %-18s FAILED: %s" % (vendor, model, failure or "no 'exit cost' line"))
            continue
        for kind in ("cpuid", "io", "hypercall"):
            c = costs.get(kind)
            if c:
                out.append("    %-4s %-18s %-26s %10d %12.0f %11s %11s" % (
                    vendor, model, kind, c.n, c.mean_ns, c.min_ns, ("%.3f" % (c.mean_ns / floor)) if floor else "-"))
        b = exitcost.build_time(con.lines, GUEST)
        if b and b.ram_ms_per_mib is not None:
            out.append("    %-4s %-18s build of its %d MiB: %.3f ms, RAM %.3f ms/MiB; floor (CPUID round trip) %s ns"
                       % (vendor, model, b.mib, b.ms, b.ram_ms_per_mib, floor or "?"))
    return out, failures


def build_figures(build: str, cmdline: str, timeout: float) -> Tuple[List[str], List[str]]:
    gdir = os.path.join(build, "guests")
    out = ["  Domain build: two HVM domains of %s MiB booted together (the builder's own timing)"
           % " and ".join(str(s) for s in SIZES)]
    cfg, elf = os.path.join(gdir, GUEST + ".cfg"), os.path.join(gdir, GUEST + ".elf")
    if not os.path.isfile(cfg) or not os.path.isfile(elf):
        return out + ["    skipped: %s not built" % cfg], []
    work = tempfile.mkdtemp(prefix="rv-bench-cost-")
    try:
        paths = [_variant(cfg, elf, work, "build_%d.cfg" % s,
                          {"name": "build_%d" % s, "memory": str(s), "cmdline": "cpuid=1 io=1 hc=1"})
                 for s in SIZES]
        con, failure = boot(build, cmdline, timeout, paths, mem_mib=sum(SIZES) + 512)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failures = ["domain build: %s" % failure] if failure else []
    out.append("    %-10s %12s %12s %14s %16s %12s" % ("size", "build ms", "ms/MiB", "RAM ms", "RAM ms/MiB",
                                                        "kernel ms"))
    for s in SIZES:
        b = exitcost.build_time(con.lines, "build_%d" % s) if con else None
        if b is None:
            out.append("    %-10s FAILED: no 'build:' line" % ("%d MiB" % s))
            if not failure:
                failures.append("domain build %d MiB: no 'build:' line" % s)
            continue
        out.append("    %-10s %12.3f %12.4f %14s %16s %12s" % (
            "%d MiB" % b.mib, b.ms, b.ms_per_mib, "%.3f" % b.ram_ms if b.ram_ms is not None else "-",
            "%.4f" % b.ram_ms_per_mib if b.ram_ms_per_mib is not None else "-",
            "%.3f" % b.kernel_ms if b.kernel_ms is not None else "-"))
        if s == SIZES[-1]:
            global LAST_BUILD
            LAST_BUILD = b      # bench.main sets it against the guest's memcpy (pvbench)
    return out, failures


def _child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _host_tool_ms(argv: List[str], path: str, runs: int = 3) -> Tuple[Optional[float], str]:
    """Best CPU time of argv < path > /dev/null, in ms."""
    best = None
    for _ in range(runs):
        t0 = _child_cpu_s()
        with open(path, "rb") as f:
            p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = (_child_cpu_s() - t0) * 1000.0
        # gzip -d warns about the 4-byte size trailer (status 2); xz is told
        # to stop after one stream.
        if p.returncode not in (0, 2):
            return None, "%s: status %d: %s" % (argv[0], p.returncode, p.stderr.decode(errors="replace").strip())
        best = dt if best is None else min(best, dt)
    return best, ""


DB_RE = re.compile(r"decomp_bench: (\w+) (\w+) (\d+) KiB -> (\d+) KiB: best ([\d.]+) ms")


def unpack_figures(build: str) -> Tuple[List[str], List[str]]:
    out = ["  Kernel payload unpack: the hypervisor's decoder built for the host vs the host's own tool "
           "on the same payload (CPU time, best of 3; floor = host tool)"]
    tool = os.path.join(build, "tests", "unit", "decomp_bench")
    if not os.path.isfile(tool):
        return out + ["    skipped: %s not built (cmake --build build --target decomp_bench)" % tool], []
    failures = []
    images = [("vmlinuz", "xz", ["xz", "-d", "--single-stream", "-c"]),
              ("vmlinuz-gz", "gzip", ["gzip", "-d", "-c"])]
    for image, fmt, argv in images:
        path = os.path.join(build, "linux", image)
        if not os.path.isfile(path):
            out.append("    %-10s skipped: %s not there (tools/linux-assets)" % (image, path))
            continue
        if not shutil.which(argv[0]):
            out.append("    %-10s skipped: no %s on this host" % (image, argv[0]))
            continue
        work = tempfile.mkdtemp(prefix="rv-bench-unpack-")
        try:
            payload = os.path.join(work, "payload")
            p = subprocess.run([tool, "--payload-out", payload, path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            m = DB_RE.search(p.stdout.decode(errors="replace"))
            if p.returncode or not m:
                why = (p.stderr.decode(errors="replace").strip() or "no result line")
                failures.append("decomp_bench %s: %s" % (image, why))
                out.append("    %-10s FAILED: %s" % (image, why))
                continue
            ours_ms, out_kib = float(m.group(5)), int(m.group(4))
            host_ms, why = _host_tool_ms(argv, payload)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rate = lambda ms: out_kib * 1024 / 1e6 / (ms / 1e3) if ms else 0.0
        if host_ms is None:
            out.append("    %-10s %s %s KiB -> %d KiB: ours %.1f ms (%.1f MB/s out); host %s FAILED: %s"
                       % (image, m.group(1), m.group(3), out_kib, ours_ms, rate(ours_ms), argv[0], why))
            continue
        summary.add("kernel unpack (%s, host CPU)" % m.group(1), "%.1f MB/s out" % rate(ours_ms),
                    "host %s %.1f MB/s" % (argv[0], rate(host_ms)),
                    ("%.2f (time ours/host)" % (ours_ms / host_ms)) if host_ms else None, "<= 1")
        out.append("    %-10s %s %s KiB -> %d KiB: ours %.1f ms (%.1f MB/s out), host %s %.1f ms (%.1f MB/s); "
                   "ours/host time = %.2f" % (image, m.group(1), m.group(3), out_kib, ours_ms, rate(ours_ms),
                                              argv[0], host_ms, rate(host_ms), ours_ms / host_ms if host_ms else 0))
    return out, failures


def linux_profile(build: str, cmdline: str, timeout: float) -> Tuple[List[str], List[str]]:
    """Debian's kernel as HVM (linux1) once: the three most common exit kinds."""
    from . import linuxbench      # its asset handling and scenario
    assets = os.path.join(build, "linux")
    out = ["  Linux boot (%s, to /init and power-off): the most common exit kinds" % linuxbench.SCENARIO]
    why = linuxbench.ensure_assets(assets, fetch=False)
    if why:
        return out + ["    skipped: %s" % why], []
    secs, con, failure = linuxbench.under_ringvisor(os.path.join(build, "ringvisor.elf"),
                                                    os.path.join(assets, linuxbench.SCENARIO + ".cfg"),
                                                    cmdline, timeout)
    failures = ["Linux profile: %s" % failure] if failure else []
    lines, _ = linux_cost_lines(con, linuxbench.SCENARIO) if con else ([], None)
    if secs is not None:
        out.append("    /init reached after %.2f s" % secs)
    return out + (lines or ["    FAILED: %s" % (failure or "no 'exit cost' line")]), failures


def linux_cost_lines(con: Console, name: str, limit: int = 3) -> Tuple[List[str], Optional[int]]:
    """The table for a Linux boot's console (top `limit` kinds by count)."""
    costs = exitcost.exit_costs(con.lines, name)
    if not costs:
        return [], None
    hcs = exitcost.hypercall_costs(con.lines, name)
    total = sum(c.n for c in costs.values())
    hv = sum(c.n * c.mean_ns for c in costs.values())
    top = sorted(costs.items(), key=lambda kv: -kv[1].n)[:limit]
    out = ["    %d exits timed, %.1f ms of hypervisor time in them; the top %d by count cover %.0f%% of "
           "the exits and %.0f%% of that time" % (total, hv / 1e6, limit,
                                                    100.0 * sum(c.n for _, c in top) / total if total else 0,
                                                    100.0 * sum(c.n * c.mean_ns for _, c in top) / hv if hv else 0)]
    out += cost_table(dict(top), {k: v for k, v in sorted(hcs.items(), key=lambda kv: -kv[1].n)[:5]}, None)
    return out, total


def figures(build: str, cmdline: str, timeout: float, runs: int = 1, n: int = 20000, linux: bool = False,
            bochs: bool = True) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    out = ["Hypervisor cost (issue 20)"]
    failures: List[str] = []
    for part in (lambda: exit_cost_figures(build, cmdline, timeout, runs, n),
                 lambda: pv_exit_cost_figures(build, cmdline, timeout),
                 lambda: bochs_exit_cost_figures(build, cmdline, timeout) if bochs else
                 (["  The same under Bochs: skipped (--no-bochs)"], []),
                 lambda: build_figures(build, cmdline, timeout),
                 lambda: unpack_figures(build)):
        lines, f = part()
        out += lines
        failures += f
    if linux:
        lines, f = linux_profile(build, cmdline, max(timeout, 600))
        out += lines
        failures += f
    return out, failures
