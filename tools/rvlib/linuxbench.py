"""Linux figures for rv-bench: Debian's kernel under Ringvisor vs bare QEMU.

Both boot the same bzImage and initramfs (tools/linux-assets, scenario
linux1) and are timed from just before the emulator starts to the guest's
"RV-LINUX-MARKER: init reached" line: under Ringvisor via QEMU -kernel
(SVM, 1 CPU), and directly with `qemu-system-x86_64 -cpu EPYC -kernel
vmlinuz -initrd ...` -- the same TCG, without the hypervisor.  The two are
measured alternately in one run, so host load affects both alike.  From the
hypervisor it also reports the VM exits by reason during the boot, parsed
from its per-vCPU line at domain destruction:
    (d1 linux1) v0: exits by reason: cpuid 123, io 4567, npf 89, ...
Then the fork+exec figure: the same kernel as HVM, PVH and PV domains
(scenarios bench_fork_hvm/_pvh/_pv, 1 vCPU, 256 MiB), booted one after the
other under Ringvisor; each /init times 500 `sh -c 'exit 7'` in guest time
(/proc/uptime) and prints "RV-LINUX: fork+exec: 500 in X.XX s".
Figures only, never asserted.
"""

import os
import re
import subprocess
import sys
import tempfile
import shutil
import time
from typing import Dict, List, Optional, Tuple

from . import costbench, domcfg, emulators, exitcost, runner, summary
from .console import Console
from .domains import judge_domains

SCENARIO = "linux1"
PVH_SCENARIO = "linux_pvh1"     # the same kernel as a PVH domain, console on hvc0
PORTS_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): I/O exits by port: (.*)$")
MARKER = "RV-LINUX-MARKER: init reached"
REASONS_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): exits by reason: (.*)$")
FORK_SCENARIOS = (("HVM", "bench_fork_hvm"), ("PVH", "bench_fork_pvh"), ("PV", "bench_fork_pv"))
FORK_RE = re.compile(r"RV-LINUX: fork\+exec: 500 in ([0-9.]+) s")
ASSETS_TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "linux-assets")


def ensure_assets(out: str, fetch: bool) -> Optional[str]:
    """None when the assets are in out (fetching them if allowed), else why not."""
    check = subprocess.run([sys.executable, ASSETS_TOOL, "--out", out, "--check"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if check.returncode == 0:
        return None
    if not fetch:
        return "Linux assets not in %s (run tools/linux-assets --out %s)" % (out, out)
    sys.stderr.write("rv-bench: fetching Debian's kernel and busybox with tools/linux-assets "
                     "(about 75 MB once, cached in %s) ...\n" % out)
    p = subprocess.run([sys.executable, ASSETS_TOOL, "--out", out], stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        return "tools/linux-assets failed (status %d; offline?)" % p.returncode
    return None


# The kernel's first line (start_kernel's banner): what comes before it is
# firmware/hypervisor boot, the domain build and the bzImage's own unpack.
KERNEL_RE = re.compile(r"Linux version \d")


def _timed(argv: List[str], cwd: str, timeout: float, con: Console,
           marker_re: "re.Pattern", info: Optional[dict] = None) -> Tuple[Optional[float], runner.RunResult]:
    """Run argv; seconds from start to the first line matching marker_re.
    info, if given, gets "kernel": seconds to the kernel's banner."""
    seen, kernel = [], []

    def on_line(line: str) -> None:
        if not kernel and KERNEL_RE.search(line):
            kernel.append(time.monotonic())
        if not seen and marker_re.search(line):
            seen.append(time.monotonic())

    res = runner.run(argv, cwd=cwd, timeout_s=timeout, console=con, on_line=on_line)
    if info is not None:
        info["kernel"] = kernel[0] - res.t_start if kernel else None
    return (seen[0] - res.t_start if seen else None), res


def under_ringvisor(elf: str, cfg: str, cmdline: str, timeout: float, info: Optional[dict] = None
                    ) -> Tuple[Optional[float], Console, str]:
    """(seconds to the marker, console, failure or ""); info, if given,
    gets "ready": seconds to Ringvisor's own 'ringvisor: ready:' line."""
    d = domcfg.load(cfg)
    spec = emulators.BootSpec(elf=elf, cmdline=cmdline, smp=1, mem_mib=1024,
                              modules=domcfg.modules_for([d]))
    work = tempfile.mkdtemp(prefix="rv-bench-linux-")
    try:
        launch = emulators.prepare(spec, "direct", work)
        con = Console(domain_names=[d.name])
        secs, res = _timed(launch.argv, launch.cwd, timeout, con,
                           re.compile(r"^%s: %s" % (re.escape(d.name), re.escape(MARKER))), info)
        if info is not None:
            info["ready"] = res.ready_seconds
        v = judge_domains(con, [d], emulator="qemu", exit_status=res.exit_status,
                          timed_out=res.timed_out, timeout_s=timeout)
        return secs, con, "" if v.ok else v.reason
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _cmdline(assets: str) -> str:
    """The kernel command line of the domain file, so both sides boot alike."""
    v = (domcfg.load(os.path.join(assets, SCENARIO + ".cfg")).keys or {}).get("cmdline")
    return v if isinstance(v, str) else "console=ttyS0"


def bare_qemu(assets: str, timeout: float, info: Optional[dict] = None) -> Tuple[Optional[float], str]:
    argv = [emulators.qemu_binary(), "-accel", "tcg", "-cpu", "EPYC", "-m", "256M",
            "-display", "none", "-serial", "stdio", "-no-reboot", "-nic", "none",
            "-kernel", os.path.join(assets, "vmlinuz"),
            "-initrd", os.path.join(assets, SCENARIO + ".cpio.gz"),
            "-append", _cmdline(assets)]
    work = tempfile.mkdtemp(prefix="rv-bench-linux-")
    try:
        secs, res = _timed(argv, work, timeout, Console(), re.compile(re.escape(MARKER)), info)
        if secs is None:
            return None, ("timeout after %g s" % timeout if res.timed_out else
                          "no marker line (QEMU status %s)" % res.exit_status)
        return secs, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def exit_reasons(con: Console, name: str) -> Dict[str, int]:
    """Exit counts by reason, summed over the domain's vCPUs."""
    total: Dict[str, int] = {}
    for line in con.lines:
        m = REASONS_RE.match(line.strip())
        if not m or m.group(1) != name:
            continue
        for item in m.group(3).split(","):
            parts = item.strip().rsplit(" ", 1)
            if len(parts) == 2 and parts[1].isdigit():
                total[parts[0]] = total.get(parts[0], 0) + int(parts[1])
    return total


def io_ports(con: Console, name: str) -> List[Tuple[int, int]]:
    """[(port, exits)] from the 'I/O exits by port' lines, most first."""
    tot: Dict[int, int] = {}
    for line in con.lines:
        m = PORTS_RE.match(line.strip())
        if m and m.group(1) == name:
            for port, n in re.findall(r"(0x[0-9a-f]+|others) (\d+)", m.group(3)):
                key = -1 if port == "others" else int(port, 16)
                tot[key] = tot.get(key, 0) + int(n)
    return sorted(tot.items(), key=lambda kv: -kv[1])


def pvbench_floor() -> Optional[int]:
    """The median exit round trip (a xen_version hypercall of pvh_bench_a)
    measured by the PV part of this run, ns, or None."""
    from . import pvbench
    return pvbench.LAST_EXIT_RT_NS


def hvm_floor(rv: Tuple[float, Console, dict], bare: float, bare_info: dict, name: str,
              exit_rt_ns: Optional[int]) -> List[str]:
    """Where the HVM boot's time goes against bare QEMU's, split at the
    kernel's banner ("Linux version"): before it, Ringvisor's own boot,
    the domain build and the bzImage's unpack (bare QEMU: SeaBIOS, its
    linuxboot ROM and the same unpack); after it, the same kernel code on
    both sides, plus, under Ringvisor, each exit's round trip.  The exits'
    cost is counted as exits x the median exit round trip of this run (the
    emulator's world switch and the hypervisor's handling together;
    medians, as the means hold the host's descheduling, which bare QEMU
    suffers too) and, as a bound, with the per-kind median hypervisor time
    plus the world switch."""
    secs, con, info = rv
    extra = secs - bare
    ready = info.get("ready") or 0.0
    k_rv, k_bare = info.get("kernel"), bare_info.get("kernel")
    b = exitcost.build_time(con.lines, name)
    build_s = b.ms / 1e3 if b else 0.0
    tot = _sum_lines(con, name, COST_RE, (3, 4, 5))
    costs = exitcost.exit_costs(con.lines, name)
    reasons = exit_reasons(con, name)
    exits = sum(reasons.values()) if reasons else (tot[0] if tot else 0)
    hv_med_s = sum(c.n * (c.median_ns or c.mean_ns) for c in costs.values()) / 1e9
    out = ["  HVM boot against bare QEMU: %.2f s vs %.2f s, %+.2f s (ratio %.2f)" % (secs, bare, extra, secs / bare)]
    if k_rv is None or k_bare is None:
        out.append("    (no 'Linux version' line seen on %s: no split)" % ("Ringvisor" if k_rv is None else "bare QEMU"))
        return out
    pre, post = k_rv - k_bare, (secs - k_rv) - (bare - k_bare)
    out.append("    to the kernel's banner: %.2f s vs %.2f s (%+.2f s): Ringvisor's boot to ready %.2f s, the domain "
               "build %.2f s, then the bzImage's own unpack; bare QEMU: SeaBIOS + linuxboot ROM + the same unpack"
               % (k_rv, k_bare, pre, ready, build_s))
    out.append("    banner to /init:        %.2f s vs %.2f s (%+.2f s): the same kernel code, plus the exits"
               % (secs - k_rv, bare - k_bare, post))
    ex_s = exits * exit_rt_ns / 1e9 if exit_rt_ns else None
    out.append("    exits: %d (%s), x the median exit round trip %s = %s; of it the hypervisor's own share "
               "(per-kind medians) %.2f s" % (
                   exits, ", ".join("%s %d" % kv for kv in sorted(reasons.items(), key=lambda kv: -kv[1])[:4]),
                   ("%d ns" % exit_rt_ns) if exit_rt_ns else "unknown (the PV part did not run)",
                   ("%.2f s" % ex_s) if ex_s is not None else "?", hv_med_s))
    if ex_s is not None:
        out.append("    banner to /init: %.2f s extra against %.2f s of exits: %s" % (
            post, ex_s, "the exits account for it" if post <= ex_s * 1.25 else
            "%.2f s not in exits (the guest's own code slower under nested paging in TCG)" % (post - ex_s)))
    summary.add("HVM boot, extra over bare QEMU",
                "%+.2f s: %+.2f s before the kernel, %+.2f s after" % (extra, pre, post),
                ("%d exits x %d ns = %.2f s" % (exits, exit_rt_ns, ex_s)) if ex_s is not None else "?",
                ("after-kernel extra / exits = %.2f" % (post / ex_s)) if ex_s else None,
                "<= 1.15 or explained")
    return out


def exits_vs_pvh(hvm: Tuple[float, Console, dict], pvh: Tuple[float, Console, dict]) -> List[str]:
    """The same kernel code from its banner to /init as HVM and as PVH
    (same NPT under the same TCG, few exits): the difference per extra
    exit is what one HVM exit costs a real guest, TLB refills after the
    world switch included -- more than a tight loop's round trip."""
    (hs, hc, hi), (ps, pc, pi) = hvm, pvh
    if hi.get("kernel") is None or pi.get("kernel") is None:
        return []
    h_post, p_post = hs - hi["kernel"], ps - pi["kernel"]
    h_ex, p_ex = sum(exit_reasons(hc, SCENARIO).values()), sum(exit_reasons(pc, PVH_SCENARIO).values())
    out = ["  banner to /init as HVM %.2f s (%d exits) vs as PVH %.2f s (%d exits): %+.2f s for %d more exits"
           % (h_post, h_ex, p_post, p_ex, h_post - p_post, h_ex - p_ex)]
    if h_ex > p_ex:
        per = (h_post - p_post) / (h_ex - p_ex) * 1e9
        out.append("    = %.0f ns per extra exit, the effective cost of an HVM exit in this boot" % per)
        summary.add("HVM boot: effective cost per exit (HVM vs PVH, banner to /init)",
                    "%.0f ns per exit (%d vs %d exits)" % (per, h_ex, p_ex),
                    ("exit round trip %d ns" % pvbench_floor()) if pvbench_floor() else "?",
                    ("%.1f" % (per / pvbench_floor())) if pvbench_floor() else None, "-")
    return out


def fork_figures(build: str, assets: str, cmdline: str, timeout: float
                 ) -> Tuple[List[str], List[str]]:
    """The fork+exec loop as HVM, PVH and PV, one boot each: (report lines, failures)."""
    elf = os.path.join(build, "ringvisor.elf")
    secs: Dict[str, Optional[float]] = {}
    failures, unpacks = [], []
    for kind, name in FORK_SCENARIOS:
        sys.stderr.write("rv-bench: Linux fork+exec as %s ...\n" % kind)
        secs[kind] = None
        try:
            _, con, failure = under_ringvisor(elf, os.path.join(assets, name + ".cfg"), cmdline, timeout)
        except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
            con, failure = None, str(e)
        log = con.domains.get(name) if con is not None else None
        up = exitcost.unpack_time(con.lines, name) if con is not None else None
        if up:
            unpacks.append("  the hypervisor unpacked the %s kernel (under TCG): %d KiB to %d KiB in %.1f ms "
                           "(%.1f MB/s out)" % (kind, up[1], up[2], up[3],
                                                up[2] * 1024 / 1e6 / (up[3] / 1e3) if up[3] else 0.0))
        for line in (log.output if log else []):
            m = FORK_RE.search(line)
            if m:
                secs[kind] = float(m.group(1))
                break
        if failure:
            failures.append("Linux fork+exec as %s: %s" % (kind, failure))
        elif secs[kind] is None:
            failures.append("Linux fork+exec as %s: no 'RV-LINUX: fork+exec: 500 in X s' line" % kind)
    fmt = lambda k: "%.2f s" % secs[k] if secs[k] is not None else "FAILED"
    ratio = lambda a, b: ("%.2f" % (secs[a] / secs[b])) if secs[a] is not None and secs[b] else "-"
    out = ["  fork+exec (500, guest time): HVM %s, PVH %s, PV %s; PV/HVM = %s, PV/PVH = %s"
           % (fmt("HVM"), fmt("PVH"), fmt("PV"), ratio("PV", "HVM"), ratio("PV", "PVH"))]
    return out + unpacks, failures


def figures(build: str, cmdline: str, timeout: float, runs: int = 1, fetch: bool = True, fork: bool = True
            ) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    assets = os.path.join(build, "linux")
    out = ["Linux guest: Debian's kernel + busybox initramfs to /init (QEMU TCG, 1 CPU; "
           "fastest of %d)" % max(1, runs)]
    why = ensure_assets(assets, fetch)
    if why:
        return out + ["  skipped: %s" % why], []
    try:
        with open(os.path.join(assets, "vmlinuz.version")) as f:
            out.append("  kernel: %s" % f.read().strip())
    except OSError:
        pass
    elf = os.path.join(build, "ringvisor.elf")
    # HVM, PVH and bare QEMU, interleaved so that host load hits all alike.
    sides = (("HVM", SCENARIO), ("PVH", PVH_SCENARIO))
    best: Dict[str, Tuple[float, Console, dict]] = {}
    bare_best, bare_info, failures = None, {}, []
    last_con: Dict[str, Console] = {}
    for _ in range(max(1, runs)):
        for kind, name in sides:
            sys.stderr.write("rv-bench: Linux to /init as %s ...\n" % kind)
            info: dict = {}
            try:
                secs, con, failure = under_ringvisor(elf, os.path.join(assets, name + ".cfg"), cmdline, timeout, info)
            except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
                secs, con, failure = None, None, str(e)
            if con is not None:
                last_con[kind] = con
            if failure:
                failures.append("Linux as %s under Ringvisor: %s" % (kind, failure))
            elif secs is not None and (kind not in best or secs < best[kind][0]):
                best[kind] = (secs, con, info)
        sys.stderr.write("rv-bench: Linux to /init in bare QEMU ...\n")
        binfo: dict = {}
        bsecs, bfail = bare_qemu(assets, timeout, binfo)
        if bsecs is not None and (bare_best is None or bsecs < bare_best):
            bare_best, bare_info = bsecs, binfo
        if bfail:
            failures.append("Linux in bare QEMU: %s" % bfail)
    fmt = lambda s: "%8.2f s" % s if s is not None else "  FAILED"
    for kind, name in sides:
        secs = best[kind][0] if kind in best else None
        out.append("  %-40s %s%s" % ("as %s under Ringvisor (QEMU -kernel, SVM+NPT)" % kind, fmt(secs),
                                     ("  = %.2f x bare" % (secs / bare_best)) if secs and bare_best else ""))
    out.append("  %-40s %s" % ("bare QEMU (-kernel bzImage -initrd)", fmt(bare_best)))
    ratios = {k: best[k][0] / bare_best for k, _ in sides if k in best and bare_best}
    for kind, name in sides:
        con = best[kind][1] if kind in best else last_con.get(kind)
        if con is None:
            continue
        reasons = exit_reasons(con, name)
        items = sorted(reasons.items(), key=lambda kv: -kv[1])
        out.append("  %s: VM exits by reason (%d in all): %s" % (kind, sum(reasons.values()),
                                                              ", ".join("%s %d" % kv for kv in items) or "none"))
        ports = io_ports(con, name)
        if ports:
            out.append("  %s: I/O exits by port: %s" % (kind, ", ".join(("%#x %d" % kv) if kv[0] >= 0 else ("others %d" % kv[1]) for kv in ports)))
        cost, _ = costbench.linux_cost_lines(con, name, limit=5)
        if cost:
            out.append("  %s: hypervisor time of the most common exit kinds (#VMEXIT to VMRUN):" % kind)
            out += cost
        if kind not in best:
            tail = [l for l in con.lines if l.strip()][-5:]
            out.append("  last console lines (%s):" % kind)
            out += ["    " + l for l in tail]
        summary.add("Debian to /init as %s / bare QEMU" % kind, fmt(best[kind][0]).strip() if kind in best
                    else "FAILED", "bare QEMU %s" % fmt(bare_best).strip(),
                    ("%.2f" % ratios[kind]) if kind in ratios else None,
                    "<= 1.15" if kind == "HVM" else "below HVM's")
        if kind == "PVH":
            summary.add("I/O exits in a PVH Debian boot", str(reasons.get("io", 0)), "0 (no legacy devices)",
                        None, "< 1,000")
    if "HVM" in best and bare_best:
        out += hvm_floor(best["HVM"], bare_best, bare_info, SCENARIO, pvbench_floor())
    if "HVM" in best and "PVH" in best:
        out += exits_vs_pvh(best["HVM"], best["PVH"])
    if not fork:
        return out + ["  fork+exec: skipped (--no-fork)"], failures
    lines, fork_failures = fork_figures(build, assets, cmdline, timeout)
    return out + lines, failures + fork_failures


# ---- rv-bench --shadow-only: Debian's kernel on the shadow pager vs NPT -----------
SHADOW_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+) shadow: (\d+) #PF exits, (\d+) given to the guest, (\d+) MMIO(?:, \d+ log-dirty)?; "
                       r"(\d+) fills .*?(\d+) flushes, (\d+) reclaims, (\d+) INVLPG; (\d+) CR3 flushes")
COST_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): (\d+) exits; in guest (\d+) ms, in hypervisor (\d+) ms")


def _sum_lines(con: Console, name: str, rx: "re.Pattern", groups: Tuple[int, ...]) -> Optional[List[int]]:
    """Per-vCPU figures of the domain's teardown lines, summed over its vCPUs."""
    tot = None
    for line in con.lines:
        m = rx.match(line.strip())
        if m and m.group(1) == name:
            vals = [int(m.group(g)) for g in groups]
            tot = vals if tot is None else [a + b for a, b in zip(tot, vals)]
    return tot


def shadow_figures(build: str, cmdline: str, timeout: float, runs: int = 1, fetch: bool = True
                   ) -> Tuple[List[str], List[str]]:
    """Debian's kernel (linux1, 1 vCPU) to /init under NPT, under the shadow
    pager (linux1_hap0) and under the shadow pager with shadow_keep_global=0
    (every MOV to CR3 empties the shadow), alternately in one run, so host
    load affects all alike.  (report lines, failures)."""
    assets = os.path.join(build, "linux")
    out = ["Linux on the shadow pager (issue 18): Debian's kernel to /init, 1 vCPU, QEMU TCG "
           "(fastest of %d)" % max(1, runs)]
    why = ensure_assets(assets, fetch)
    if why:
        return out + ["  skipped: %s" % why], []
    elf = os.path.join(build, "ringvisor.elf")
    sides = (("NPT (hap = 1)", "linux1", cmdline),
             ("shadow (hap = 0)", "linux1_hap0", cmdline),
             ("shadow, shadow_keep_global=0", "linux1_hap0", cmdline + " shadow_keep_global=0"))
    best: Dict[str, Tuple[float, Console]] = {}
    failures = []
    for _ in range(max(1, runs)):
        for label, name, cl in sides:
            sys.stderr.write("rv-bench: Linux %s ...\n" % label)
            try:
                secs, con, failure = under_ringvisor(elf, os.path.join(assets, name + ".cfg"), cl, timeout)
            except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
                secs, con, failure = None, None, str(e)
            if failure:
                failures.append("Linux %s: %s" % (label, failure))
            elif secs is not None and (label not in best or secs < best[label][0]):
                best[label] = (secs, con)
    for label, name, _ in sides:
        if label not in best:
            out.append("  %-30s   FAILED" % label)
            continue
        secs, con = best[label]
        cost = _sum_lines(con, name, COST_RE, (3, 4, 5))
        line = "  %-30s %7.2f s to /init" % (label, secs)
        if cost:
            line += "; %d exits, %d ms in the hypervisor (%d ns per exit)" % (
                cost[0], cost[2], cost[2] * 1000000 // max(cost[0], 1))
        out.append(line)
        sh = _sum_lines(con, name, SHADOW_RE, (3, 4, 5, 6, 7, 8, 9, 10))
        if sh:
            out.append("  %-30s #PF exits %d (%d to the guest, %d MMIO), fills %d, flushes %d, reclaims %d, "
                       "INVLPG %d, CR3 flushes keeping globals %d" % ("", *sh))
        worst = worst_exit(con, name)
        if worst:
            out.append("  %-30s worst single exit: %s" % ("", worst))
    npt, sh = best.get(sides[0][0]), best.get(sides[1][0])
    if npt and sh:
        out.append("  ratio shadow / NPT: %.2f x" % (sh[0] / npt[0]))
    nog = best.get(sides[2][0])
    if nog and sh:
        out.append("  ratio shadow_keep_global=0 / shadow: %.2f x" % (nog[0] / sh[0]))
    lines, loop_failures = shadow_loops(elf, assets, cmdline, timeout, runs)
    return out + lines, failures + loop_failures


PF_RE = re.compile(r"RV-LINUX: mmap/touch/munmap: (\d+) x (\d+) pages in ([0-9.]+) s")


def worst_exit(con: Console, name: str) -> str:
    """The longest single exit of the domain (hypervisor time from exit to
    entry, exact: src/hvm/exit_stats.c), with its kind; "" when none."""
    costs = exitcost.exit_costs(con.lines, name)
    top = max(((c.max_ns, k) for k, c in costs.items() if c.max_ns is not None), default=None)
    return "%.1f us (%s)" % (top[0] / 1000.0, top[1]) if top else ""


def shadow_loops(elf: str, assets: str, cmdline: str, timeout: float, runs: int
                 ) -> Tuple[List[str], List[str]]:
    """Issue 18's page-fault-heavy loops, bench_shadow under NPT and under
    the shadow pager (bench_shadow_hap0), alternately, fastest of runs:
    500 fork+exec and pf-loop's 200 x mmap/touch/munmap of 256 pages, both
    in guest time, as ratios; the worst single exit of each side."""
    sides = (("NPT", "bench_shadow"), ("shadow", "bench_shadow_hap0"))
    best: Dict[str, Dict[str, float]] = {"NPT": {}, "shadow": {}}
    worst: Dict[str, str] = {}
    failures = []
    for _ in range(max(1, runs)):
        for label, name in sides:
            sys.stderr.write("rv-bench: Linux fork+exec and pf-loop under %s ...\n" % label)
            try:
                _, con, failure = under_ringvisor(elf, os.path.join(assets, name + ".cfg"), cmdline, timeout)
            except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
                con, failure = None, str(e)
            if failure:
                failures.append("Linux loops under %s: %s" % (label, failure))
                continue
            log = con.domains.get(name)
            got = {}
            for line in (log.output if log else []):
                m = FORK_RE.search(line)
                if m:
                    got["fork"] = float(m.group(1))
                m = PF_RE.search(line)
                if m:
                    got["pf"] = float(m.group(3))
            for key, what in (("fork", "'RV-LINUX: fork+exec: 500 in X s'"),
                              ("pf", "'RV-LINUX: mmap/touch/munmap: ... in X s'")):
                if key not in got:
                    failures.append("Linux loops under %s: no %s line" % (label, what))
                elif key not in best[label] or got[key] < best[label][key]:
                    best[label][key] = got[key]
            w = worst_exit(con, name)
            if w:
                worst[label] = w
    fmt = lambda lab, k: "%.2f s" % best[lab][k] if k in best[lab] else "FAILED"
    ratio = lambda k: ("%.2f x" % (best["shadow"][k] / best["NPT"][k])
                       if k in best["shadow"] and best["NPT"].get(k) else "-")
    out = ["Page-fault-heavy loops on the shadow pager (bench_shadow, 1 vCPU, guest time, fastest of %d)"
           % max(1, runs),
           "  500 fork+exec:                         NPT %s, shadow %s; shadow / NPT %s"
           % (fmt("NPT", "fork"), fmt("shadow", "fork"), ratio("fork")),
           "  200 x mmap/touch/munmap of 256 pages: NPT %s, shadow %s; shadow / NPT %s"
           % (fmt("NPT", "pf"), fmt("shadow", "pf"), ratio("pf"))]
    for label, _ in sides:
        out.append("  worst single exit under %s (whole boot and loops): %s" % (label, worst.get(label, "-")))
    return out, failures
