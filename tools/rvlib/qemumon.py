"""Where QEMU's CPUs are, asked of QEMU itself (docs/testing.md).

When a run times out and the hypervisor does not answer its debug keys (CPU
0, which polls the console, is stuck in the hypervisor), nothing inside the
machine can say where it is stuck.  QEMU can: rv-run starts it with a human
monitor on a Unix socket, and at the timeout reads each CPU's registers
(`info registers`) and the top of its stack (`x/NNgx`), and names the
hypervisor functions found there from `nm -n ringvisor.elf`.

A CPU in a guest (SVM guest mode under TCG) shows the guest's registers;
those addresses name no hypervisor function, and the report says "in a
guest or not in the hypervisor's text".

The parsing is pure logic (tests/integration/test_hangdump.py); Monitor is the
only part that talks to QEMU.
"""

import bisect
import re
import socket
import subprocess
import time
from typing import Dict, List, Optional

SOCK_NAME = "qemu-monitor.sock"
PROMPT = b"(qemu) "
STACK_WORDS = 48

REG_RE = re.compile(r"\b(RIP|RSP|RBP|CR3|RFL)=([0-9a-fA-F]+)")
HLT_RE = re.compile(r"\bHLT=(\d)")
WORD_RE = re.compile(r"\b(?:0x)?([0-9a-fA-F]{16})\b")


def monitor_args(sock_path: Optional[str]) -> List[str]:
    """The QEMU options that open the monitor rv-run reads at a timeout."""
    if not sock_path:
        return []
    return ["-monitor", "unix:%s,server=on,wait=off" % sock_path]


class Monitor:
    """One connection to QEMU's human monitor; cmd() runs one command."""

    def __init__(self, sock_path: str, timeout_s: float = 5.0):
        self.deadline = time.monotonic() + timeout_s
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout_s)
        try:
            self.sock.connect(sock_path)
            _read_to_prompt(self.sock, self.deadline)
        except OSError:
            self.sock.close()
            raise

    def cmd(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\n")
        return _clean(_read_to_prompt(self.sock, self.deadline), command)

    def close(self) -> None:
        self.sock.close()


def _read_to_prompt(s: socket.socket, deadline: float) -> bytes:
    buf = b""
    while not buf.endswith(PROMPT):
        if time.monotonic() > deadline:
            raise OSError(0, "no prompt within the time allowed")
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise OSError(0, "no prompt within the time allowed")
        if not chunk:
            raise OSError(0, "the monitor closed the connection")
        buf += chunk
    return buf[:-len(PROMPT)]


def _clean(raw: bytes, command: str) -> str:
    """Drop the echoed command and terminal escapes from an HMP answer."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.decode("utf-8", "replace")).replace("\r", "")
    lines = [l for l in text.split("\n") if l.strip() and l.strip() != command]
    return "\n".join(lines)


class Symbols:
    """Text symbols of the hypervisor, from `nm -n`."""

    def __init__(self, nm_lines: List[str]):
        pairs = []
        for line in nm_lines:
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                try:
                    pairs.append((int(parts[0], 16), parts[2]))
                except ValueError:
                    continue
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]
        ends = [a for a, n in pairs if n == "__text_end"]
        self.end = ends[0] if ends else (self.addrs[-1] + 0x10000 if self.addrs else 0)

    @classmethod
    def from_elf(cls, elf: str) -> "Symbols":
        try:
            out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        return cls(out.splitlines())

    def name(self, addr: int) -> Optional[str]:
        if not self.addrs or addr < self.addrs[0] or addr >= self.end:
            return None
        i = bisect.bisect_right(self.addrs, addr) - 1
        return "%s+%#x" % (self.names[i], addr - self.addrs[i])


def parse_registers(text: str) -> Dict[str, int]:
    regs = {}
    for name, val in REG_RE.findall(text):
        regs.setdefault(name, int(val, 16))
    m = HLT_RE.search(text)
    if m:
        regs["HLT"] = int(m.group(1))
    return regs


def parse_words(text: str) -> List[int]:
    """The 64-bit words of an `x/NNgx` answer (each line: 'addr: w w')."""
    words = []
    for line in text.splitlines():
        _, sep, rest = line.partition(":")
        if sep:
            words += [int(w, 16) for w in WORD_RE.findall(rest)]
    return words


def describe_cpu(index: int, regs: Dict[str, int], stack: List[int], syms: Symbols) -> str:
    """One line: where CPU index is and the hypervisor functions on its stack."""
    if "RIP" not in regs:
        return "cpu%d: QEMU gave no registers" % index
    rip = regs["RIP"]
    where = syms.name(rip)
    out = "cpu%d: RIP %#x " % (index, rip)
    out += "(%s)" % where if where else "(in a guest or not in the hypervisor's text)"
    if regs.get("HLT"):
        out += ", halted"
    if "RFL" in regs:
        out += ", IF %d" % ((regs["RFL"] >> 9) & 1)
    if where:
        seen = []
        for w in stack:
            n = syms.name(w)
            if n and (not seen or seen[-1] != n):
                seen.append(n)
        if seen:
            out += "; on its stack: " + " < ".join(seen[:12])
    return out


LAPIC_KEEP = re.compile(r"^(LVTT|Timer|ISR|IRR)\b|^APR\b")


def summarize_lapic(text: str) -> str:
    """The parts of `info lapic` that say why a halted CPU never woke: the
    timer's LVT and counts, the in-service and requested vectors, and the
    processor priority (a vector left in service without an EOI blocks
    every vector of its priority class and below)."""
    keep = []
    for line in text.splitlines():
        line = line.strip()
        if LAPIC_KEEP.match(line):
            keep.append(" ".join(line.split()))
    return "; ".join(keep)


def cpu_report(sock_path: str, nr_cpus: int, syms: Symbols, timeout_s: float = 8.0) -> List[str]:
    """Lines naming where each CPU is (empty if the monitor does not answer)."""
    lines: List[str] = []
    try:
        mon = Monitor(sock_path, timeout_s)
    except OSError as e:
        # QEMU answers its monitor from its main loop: no answer means QEMU
        # itself is stuck (or gone), not the machine it runs.
        return ["QEMU's monitor did not answer (%s): QEMU itself is stuck" % (e.strerror or e)]
    try:
        for i in range(max(1, nr_cpus)):
            mon.cmd("cpu %d" % i)
            regs = parse_registers(mon.cmd("info registers"))
            stack: List[int] = []
            if "RSP" in regs and syms.name(regs.get("RIP", 0)):
                stack = parse_words(mon.cmd("x/%dgx %#x" % (STACK_WORDS, regs["RSP"])))
            line = describe_cpu(i, regs, stack, syms)
            if regs.get("HLT") and syms.name(regs.get("RIP", 0)):
                # Halted in the hypervisor and not woken: say what its local
                # APIC holds (a lost timer or an interrupt never EOI'd).
                lapic = summarize_lapic(mon.cmd("info lapic"))
                if lapic:
                    line += "; lapic: " + lapic
            lines.append(line)
    except OSError as e:
        lines.append("QEMU's monitor stopped answering (%s)" % (e.strerror or e))
    finally:
        mon.close()
    return lines
