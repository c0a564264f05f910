"""The hypervisor's per-kind exit cost and build-time lines, parsed.

At vCPU teardown (and on debug key 'x') the hypervisor prints, per vCPU
(src/hvm/exit_stats.c):

    (d1 name) v0: exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN): cpuid 3005 29484/6342/9000/60000/800000
    (d1 name) v0: exit cost (count, mean/min/median/p99/max ns from #VMEXIT to VMRUN), more: ...
    (d1 name) v0: pv exit cost (count, mean/min/median/p99/max ns from exit to entry): hypercall 10051 ...; untimed 3
    (d1 name) v0: hypercall cost (count, mean ns): xen_version 1001 26988, sched_op 1 1138322

(older builds printed "mean/min" only: parsed too, without the rest).  The
median and p99 come from a histogram per vCPU (within +-25 %); over several
vCPUs the figures of the vCPU with the most exits of that kind are kept.

and once per domain, after its "created:" line (src/core/domain.c):

    (d2 name) build: 1024 MiB in 5611.044 ms (5.479 ms/MiB); RAM 5605.560 ms (5.474 ms/MiB), kernel 0.276 ms

and for a PVH kernel the hypervisor unpacked (src/hvm/loader_pvh.c):

    (d1 name) pvh: unpack time: <KiB in> KiB to <KiB out> KiB in <ms> ms
"""

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

COST_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): exit cost \(count, mean/min(?:/median/p99/max)? ns from #VMEXIT to VMRUN\)"
                     r"(?:, more)?: (.*)$")
PV_COST_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): pv exit cost \(count, mean/min/median/p99/max ns from exit to entry\)"
                        r"(?:, more)?: (.*)$")
COST_ITEM_RE = re.compile(r"(\w+) (\d+) (\d+)/(\d+)(?:/(\d+)/(\d+)/(\d+))?")
UNTIMED_RE = re.compile(r"untimed (\d+)")
HC_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): hypercall cost \(count, mean ns\)(?:, more)?: (.*)$")
HC_ITEM_RE = re.compile(r"(\w+) (\d+) (\d+)")
REASONS_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): exits by reason: (.*); injected")
BUILD_RE = re.compile(r"^\(d\d+ (\S+)\) build: (\d+) MiB in ([\d.]+) ms \(([\d.]+) ms/MiB\)"
                      r"(?:; RAM ([\d.]+) ms \(([\d.]+) ms/MiB\), kernel ([\d.]+) ms)?")
UNPACK_RE = re.compile(r"^\(d\d+ (\S+)\) pvh: unpack time: (\d+) KiB to (\d+) KiB in ([\d.]+) ms")


@dataclass
class Cost:
    """Exits of one kind over a domain's vCPUs: count, mean and least ns."""
    n: int
    mean_ns: float
    min_ns: Optional[int] = None
    median_ns: Optional[int] = None
    p99_ns: Optional[int] = None
    max_ns: Optional[int] = None
    top_n: int = 0          # exits of the vCPU whose median/p99 are kept


def _merge(into: Dict[str, Cost], kind: str, n: int, mean: float, mn: Optional[int],
           dist: Optional[tuple] = None) -> None:
    c = into.get(kind)
    if c is None:
        c = into[kind] = Cost(n, float(mean), mn)
        if dist:
            c.median_ns, c.p99_ns, c.max_ns = dist
            c.top_n = n
        return
    if dist:
        if n > c.top_n:
            c.median_ns, c.p99_ns, c.top_n = dist[0], dist[1], n
        c.max_ns = dist[2] if c.max_ns is None else max(c.max_ns, dist[2])
    total = c.n + n
    c.mean_ns = (c.mean_ns * c.n + mean * n) / total if total else 0.0
    c.n = total
    if mn is not None:
        c.min_ns = mn if c.min_ns is None else min(c.min_ns, mn)


def exit_costs(lines: Iterable[str], name: str) -> Dict[str, Cost]:
    """{exit kind: Cost} of the domain called name, all vCPUs."""
    out: Dict[str, Cost] = {}
    for line in lines:
        m = COST_RE.match(line)
        if m and m.group(1) == name:
            _items(out, m.group(3))
    return out


def _items(out: Dict[str, Cost], text: str) -> None:
    for k, n, mean, mn, med, p99, mx in COST_ITEM_RE.findall(text):
        _merge(out, k, int(n), int(mean), int(mn), (int(med), int(p99), int(mx)) if med else None)


def pv_exit_costs(lines: Iterable[str], name: str) -> Tuple[Dict[str, Cost], int]:
    """({PV exit kind: Cost}, untimed exits) of the PV domain called name."""
    out: Dict[str, Cost] = {}
    untimed = 0
    for line in lines:
        m = PV_COST_RE.match(line)
        if m and m.group(1) == name:
            _items(out, m.group(3))
            u = UNTIMED_RE.search(m.group(3))
            if u:
                untimed += int(u.group(1))
    return out, untimed


def hypercall_costs(lines: Iterable[str], name: str) -> Dict[str, Cost]:
    """{hypercall name: Cost (no min)} of the domain called name."""
    out: Dict[str, Cost] = {}
    for line in lines:
        m = HC_RE.match(line)
        if m and m.group(1) == name:
            for k, n, mean in HC_ITEM_RE.findall(m.group(3)):
                _merge(out, k, int(n), int(mean), None)
    return out


def exits_by_reason(lines: Iterable[str], name: str) -> Dict[str, int]:
    """{reason: count} from the 'exits by reason' lines, all vCPUs."""
    out: Dict[str, int] = {}
    for line in lines:
        m = REASONS_RE.match(line)
        if m and m.group(1) == name:
            for k, v in re.findall(r"(\w+) (\d+)", m.group(3)):
                out[k] = out.get(k, 0) + int(v)
    return out


@dataclass
class Build:
    mib: int
    ms: float
    ms_per_mib: float
    ram_ms: Optional[float] = None
    ram_ms_per_mib: Optional[float] = None
    kernel_ms: Optional[float] = None


def build_time(lines: Iterable[str], name: str) -> Optional[Build]:
    """The domain's last 'build:' line, or None."""
    found = None
    for line in lines:
        m = BUILD_RE.match(line)
        if m and m.group(1) == name:
            found = Build(int(m.group(2)), float(m.group(3)), float(m.group(4)),
                          float(m.group(5)) if m.group(5) else None,
                          float(m.group(6)) if m.group(6) else None,
                          float(m.group(7)) if m.group(7) else None)
    return found


def unpack_time(lines: Iterable[str], name: Optional[str] = None):
    """(domain, KiB in, KiB out, ms) of the first 'pvh: unpack time' line."""
    for line in lines:
        m = UNPACK_RE.match(line)
        if m and (name is None or m.group(1) == name):
            return m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4))
    return None
