"""Split-driver figures for rv-bench (issue 17's benchmark): disks and TCP
through dom0's blkback/netback against dom0's own floors, in one run.

One boot of the bench_split scenario (tools/linux-assets --scenario
bench_split; its shell text is tools/linux_assets_split.py): Debian's kernel
as dom0 (2 vCPUs, 1 GiB) with Debian's fio and iperf3 from an ext4 tools
image.  dom0 first measures its floors -- fio with O_DIRECT on a loop device
over a 64 MiB file in its tmpfs (seqwrite, seqread 1 MiB; randwrite,
randread 4 KiB; psync, queue depth 1, 4 s each) and one iperf3 TCP stream
over its loopback -- then creates a PVH and a PV Debian domU (1 vCPU,
256 MiB each), each with such a file as /dev/xvda (rv's loop device below
blkback: the same stack under the disk as dom0's floor) and a vif on rvbr0.
Each domU runs the same fio jobs on /dev/xvda; the PV one then runs iperf3
to dom0 (and -R: dom0 to it) and to the PVH one (and -R).  dom0 prints every
figure as "RV-BENCH: fio TAG JOB <fio's terse v3 line or its error>" and
"RV-BENCH: iperf3 ROW <iperf3's receiver line or its error>"; this module
makes the table.  Figures only, never asserted; a row that did not come
says why.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

from . import domcfg, emulators, runner, summary
from .console import Console
from .domains import judge_domains

SCENARIO = "bench_split"
ASSETS_TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "linux-assets")
FIO_RE = re.compile(r"RV-BENCH: fio (\S+) (\S+) ?(.*)$")
IPERF_RE = re.compile(r"RV-BENCH: iperf3 (\S+) ?(.*)$")
MBIT_RE = re.compile(r"([0-9.]+) Mbits/sec\s.*receiver")
JOBS = (("seqwrite", "sequential write, 1 MiB"), ("seqread", "sequential read, 1 MiB"),
        ("randwrite", "random write, 4 KiB"), ("randread", "random read, 4 KiB"))
SIDES = (("pv", "PV domU"), ("pvh", "PVH domU"))
TCP_ROWS = (("domU-dom0", "PV domU -> dom0"), ("dom0-domU", "dom0 -> PV domU"),
            ("domU-domU", "PV domU -> PVH domU"), ("domU-domU-R", "PVH domU -> PV domU"))


def parse_fio(text: str, job: str) -> Tuple[Optional[Tuple[float, float]], str]:
    """((MB/s, IOPS), "") from fio's terse v3 line, or (None, why).
    Fields (1-based): 7/8 the read KiB/s and IOPS, 48/49 the write ones;
    dom0 prints fields 1-9 and 47-50 only (13: the whole line is longer than
    a console line), so there the write ones are 11/12."""
    f = text.strip().split(";")
    if f[0] != "3" or len(f) not in (13,) and len(f) < 50:
        return None, (text.strip()[:160] or "no output")
    if f[4] != "0":
        return None, "fio error %s" % f[4]
    i = (47 if len(f) >= 50 else 10) if "write" in job else 6
    try:
        kib, iops = float(f[i]), float(f[i + 1])
    except ValueError:
        return None, "unreadable terse line"
    return (kib * 1024 / 1e6, iops), ""


def parse_iperf(text: str) -> Tuple[Optional[float], str]:
    """(MB/s, "") from iperf3's receiver line (-f m), or (None, why)."""
    m = MBIT_RE.search(text)
    if not m:
        return None, (text.strip()[:160] or "no receiver line")
    return float(m.group(1)) / 8, ""


def collect(lines: List[str]) -> Tuple[Dict[Tuple[str, str], str], Dict[str, str], List[str]]:
    """({(tag, job): fio text}, {row: iperf3 text}, other RV-BENCH lines)."""
    fio, tcp, other = {}, {}, []
    for line in lines:
        line = line.rstrip("\r")
        m = FIO_RE.search(line)
        if m:
            fio[(m.group(1), m.group(2))] = m.group(3)
            continue
        m = IPERF_RE.search(line)
        if m:
            tcp[m.group(1)] = m.group(2)
            continue
        if "RV-BENCH:" in line:
            other.append(line[line.index("RV-BENCH:") + 10:])
    return fio, tcp, other


def table(fio: Dict[Tuple[str, str], str], tcp: Dict[str, str]) -> List[str]:
    """The report lines; adds the summary rows."""
    out = ["  disk (fio, O_DIRECT, psync, queue depth 1, 4 s over 32 MiB; dom0: loop device on the same kind "
           "of tmpfs file):"]
    out.append("    %-26s %-22s %-30s %-30s" % ("job", "dom0 direct (floor)", "PV domU /dev/xvda", "PVH domU /dev/xvda"))
    for job, label in JOBS:
        floor, why = parse_fio(fio.get(("dom0", job), "no line (dom0 did not get there)"), job)
        cells = ["%.2f MB/s %.0f IOPS" % floor if floor else "FAILED: " + why]
        for tag, name in SIDES:
            v, w = parse_fio(fio.get((tag, job), "no line (the %s did not get there)" % name), job)
            if v:
                r = ("%.2f" % (v[0] / floor[0])) if floor and floor[0] else "-"
                cells.append("%.2f MB/s %.0f IOPS (x%s)" % (v[0], v[1], r))
                summary.add("%s %s (MB/s, IOPS)" % (name, label), "%.2f MB/s, %.0f IOPS" % v,
                            ("dom0 direct %.2f MB/s, %.0f IOPS" % floor) if floor else "dom0 FAILED",
                            r if floor else None, "-")
            else:
                cells.append("FAILED: " + w)
                summary.add("%s %s (MB/s, IOPS)" % (name, label), "FAILED", "-", None, "-")
        out.append("    %-26s %-22s %-30s %-30s" % (label, *cells))
    for (tag, job), text in sorted(fio.items()):
        if tag in ("dom0", "pv", "pvh") and job not in dict(JOBS):
            out.append("    %s: %s" % (tag, text))
    lo, why = parse_iperf(tcp.get("dom0-lo", "no line (dom0 did not get there)"))
    out.append("  TCP (iperf3, one stream, 4 s, the receiver's rate):")
    out.append("    %-26s %s" % ("dom0 loopback (floor)", ("%.2f MB/s" % lo) if lo else "FAILED: " + why))
    for row, label in TCP_ROWS:
        v, w = parse_iperf(tcp.get(row, "no line (the PV domU did not get there)"))
        if v is None:
            out.append("    %-26s FAILED: %s" % (label, w))
            summary.add("TCP %s" % label, "FAILED", "-", None, "-")
            continue
        r = ("%.3f" % (v / lo)) if lo else "-"
        out.append("    %-26s %.2f MB/s (x%s of dom0's loopback)" % (label, v, r))
        summary.add("TCP %s" % label, "%.2f MB/s" % v, ("dom0 loopback %.2f MB/s" % lo) if lo else "FAILED",
                    r if lo else None, "-")
    return out


COUNTERS_RE = re.compile(r"RV-BENCH: counters (\S+) (before|after)")
GNT_RE = re.compile(r"\(d(\d+) [^)]*\) gnttab calls: map (\d+) \((\d+) ops\), unmap (\d+) \((\d+) ops\), "
                    r"copy (\d+) \((\d+) ops\); PV unmap flushes (\d+)")
HC_RE = re.compile(r"\(d(\d+) [^)]*\) v(\d+): hypercall cost \(count, mean ns\)(?:, more)?: (.*)$")
BYTES_RE = re.compile(r"([0-9.]+) ([KMG])Bytes\s")


def snapshots(lines: List[str]) -> Dict[Tuple[str, str], Dict]:
    """{(row, before|after): {"gnt": {domid: (map calls, map ops, unmap calls,
    unmap ops, copy calls, copy ops, flushes)}, "hc": {(domid, name):
    (count, count * mean ns)}}} from the hypervisor's lines after each of
    dom0's "RV-BENCH: counters ROW before|after" markers (debug keys g, x)."""
    snaps: Dict[Tuple[str, str], Dict] = {}
    cur = None
    for line in lines:
        m = COUNTERS_RE.search(line)
        if m:
            cur = snaps.setdefault((m.group(1), m.group(2)), {"gnt": {}, "hc": {}})
            continue
        if cur is None:
            continue
        g = GNT_RE.search(line)
        if g:
            cur["gnt"][int(g.group(1))] = tuple(int(x) for x in g.groups()[1:])
            continue
        h = HC_RE.search(line)
        if h:
            dom = int(h.group(1))
            for item in h.group(3).split(", "):
                f = item.split()
                if len(f) == 3 and f[1].isdigit() and f[2].isdigit():
                    n, t = cur["hc"].get((dom, f[0]), (0, 0))
                    cur["hc"][(dom, f[0])] = (n + int(f[1]), t + int(f[1]) * int(f[2]))
    return snaps


def counter_lines(lines: List[str], tcp: Dict[str, str]) -> List[str]:
    """Per TCP row: dom0's grant operations and flushes in the row's window,
    per MB the receiver got, and dom0's grant_table_op calls and mean cost."""
    snaps = snapshots(lines)
    out = []
    for row, label in TCP_ROWS:
        a, b = snaps.get((row, "before")), snaps.get((row, "after"))
        if not a or not b or 0 not in a["gnt"] or 0 not in b["gnt"]:
            continue
        d = [y - x for x, y in zip(a["gnt"][0], b["gnt"][0])]
        # iperf3's transfer column (binary units) as MB of 10^6 bytes.
        m = BYTES_RE.search(tcp.get(row, ""))
        mb = float(m.group(1)) * {"K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30}[m.group(2)] / 1e6 if m else 0.0
        n0, t0 = a["hc"].get((0, "grant_table_op"), (0, 0))
        n1, t1 = b["hc"].get((0, "grant_table_op"), (0, 0))
        calls = n1 - n0
        per = (lambda x: " (%.0f/MB)" % (x / mb)) if mb else (lambda x: "")
        out.append("    %-26s %.2f MB moved; dom0: map %d ops in %d calls%s, unmap %d ops in %d calls%s, "
                   "copy %d ops in %d calls%s; %d unmap flushes%s; grant_table_op %d calls, mean %s ns" %
                   (label, mb, d[1], d[0], per(d[1]), d[3], d[2], per(d[3]), d[5], d[4], per(d[5]), d[6],
                    per(d[6]), calls, ("%.0f" % ((t1 - t0) / calls)) if calls > 0 else "-"))
    if out:
        out.insert(0, "  counters (hypervisor, debug keys g and x, before and after each row):")
    return out


def ensure_assets(out: str) -> Optional[str]:
    p = subprocess.run([sys.executable, ASSETS_TOOL, "--out", out, "--scenario", SCENARIO],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return "tools/linux-assets --scenario %s failed: %s" % (SCENARIO, p.stderr.strip()[-300:])
    return None


def figures(build: str, cmdline: str, timeout: float) -> Tuple[List[str], List[str]]:
    """(report lines, failures)."""
    out = ["Split drivers (issue 17): fio and iperf3 in a PV and a PVH Debian domU against dom0's own "
           "(QEMU TCG, 2 CPUs; one run)"]
    assets = os.path.join(build, "linux")
    sys.stderr.write("rv-bench: split drivers: tools/linux-assets --scenario %s ...\n" % SCENARIO)
    why = ensure_assets(assets)
    if why:
        return out + ["  skipped: %s" % why], []
    cfg = os.path.join(assets, SCENARIO + ".cfg")
    elf = os.path.join(build, "ringvisor.elf")
    work = tempfile.mkdtemp(prefix="rv-bench-split-")
    try:
        d = domcfg.load(cfg)
        # RV_BENCH_SPLIT_OPTS: more hypervisor boot options (e.g.
        # gnttab_unmap_batch=0, docs/boot.md), for before/after runs.
        extra = os.environ.get("RV_BENCH_SPLIT_OPTS", "").strip()
        if extra:
            cmdline = cmdline + " " + extra
            out.append("  hypervisor boot options added: %s" % extra)
        spec = emulators.BootSpec(elf=elf, cmdline=cmdline, smp=2, mem_mib=3072,
                                  modules=domcfg.modules_for([d]))
        launch = emulators.prepare(spec, "direct", work)
        con = Console(domain_names=[d.name])
        sys.stderr.write("rv-bench: split drivers: dom0 with fio and iperf3, then a PVH and a PV domU "
                         "(several minutes under TCG) ...\n")
        res = runner.run(launch.argv, cwd=launch.cwd, timeout_s=timeout, console=con)
        v = judge_domains(con, [d], emulator="qemu", exit_status=res.exit_status,
                          timed_out=res.timed_out, timeout_s=timeout)
    except (domcfg.DomainError, emulators.LaunchError, RuntimeError, OSError) as e:
        return out + ["  FAILED: %s" % e], ["split drivers: %s" % e]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log = con.domains.get(d.name)
    lines = log.output if log else []
    save = os.environ.get("RV_BENCH_SPLIT_LOG")
    if save:
        # The whole console (hypervisor lines included), for reading later.
        with open(save, "w") as f:
            f.write("\n".join(con.lines) + "\n")
    fio, tcp, other = collect(lines)
    out += ["  " + l for l in other if "done" not in l and " counters " not in l and " row " not in l]
    out += table(fio, tcp)
    out += counter_lines(con.lines, tcp)
    failures = []
    if not v.ok:
        failures.append("split drivers: %s" % v.reason)
        out.append("  the run: %s; last lines:" % v.reason)
        out += ["    " + l for l in [l for l in lines if l.strip()][-8:]]
    return out, failures
