"""The hypervisor's per-kind exit cost and build-time lines, parsed.

At vCPU teardown (and on debug key 'x') the hypervisor prints, per vCPU
(src/hvm/exit_stats.c):

    (d1 name) v0: exit cost (count, mean/min ns from #VMEXIT to VMRUN): cpuid 3005 29484/6342, io 2841 43320/6452
    (d1 name) v0: exit cost (count, mean/min ns from #VMEXIT to VMRUN), more: ...
    (d1 name) v0: hypercall cost (count, mean ns): xen_version 1001 26988, sched_op 1 1138322

and once per domain, after its "created:" line (src/core/domain.c):

    (d2 name) build: 1024 MiB in 5611.044 ms (5.479 ms/MiB); RAM 5605.560 ms (5.474 ms/MiB), kernel 0.276 ms

and for a PVH kernel the hypervisor unpacked (src/hvm/loader_pvh.c):

    (d1 name) pvh: unpack time: <KiB in> KiB to <KiB out> KiB in <ms> ms
"""

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional

COST_RE = re.compile(r"^\(d\d+ (\S+)\) v(\d+): exit cost \(count, mean/min ns from #VMEXIT to VMRUN\)"
                     r"(?:, more)?: (.*)$")
COST_ITEM_RE = re.compile(r"(\w+) (\d+) (\d+)/(\d+)")
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


def _merge(into: Dict[str, Cost], kind: str, n: int, mean: float, mn: Optional[int]) -> None:
    c = into.get(kind)
    if c is None:
        into[kind] = Cost(n, float(mean), mn)
        return
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
            for k, n, mean, mn in COST_ITEM_RE.findall(m.group(3)):
                _merge(out, k, int(n), int(mean), int(mn))
    return out


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
