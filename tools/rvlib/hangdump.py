"""The stuck-vCPU report of a run that timed out (docs/testing.md).

When a run reaches its timeout, rv-run does not kill the emulator at once:
it types the debug keys 'q' and 'd' on the hypervisor's serial console
(the focus is moved to the hypervisor first with three Ctrl-A, as often as
the announcements say is needed), waits up to WAIT_S for the "key 'd': end"
line, and only then kills it. The failure line then names where each vCPU
is, from the "(dN name) vV: where: ..." lines of the 'd' dump, or says that
the hypervisor did not answer (CPU 0, which polls the console, is stuck).

Only QEMU's serial port takes input (rv-run's pipe is its stdin); under
Bochs COM1 is an output file, so rv-run turns on the hypervisor's own
no-progress report instead (hang_report=S, bochs_hang_report()): a domain
without a guest-caused exit for S seconds gets its 'd' dump by itself, and
the FAIL line quotes its "where:" lines the same way.

Pure logic: the runner feeds it console lines and sends what it returns.
"""

import re
from typing import List, Optional

WAIT_S = 20.0           # TCG on a loaded host prints a few hundred lines slowly
ANSWER_S = 5.0          # the console is polled at 100 Hz: no "key" line by then, no answer
KEYS = b"qed"
CTRL_A3 = b"\x01\x01\x01"

FOCUS_HV_RE = re.compile(r"ringvisor: console input to the hypervisor")
FOCUS_DOM_RE = re.compile(r"ringvisor: console input to domain '([^']*)'")
WHERE_RE = re.compile(r"^\(d(\d+) ([A-Za-z0-9_.-]+)\) v(\d+): where: (.*)$")
CPU_RE = re.compile(r"^cpu(\d+): (.*)$")
END_RE = re.compile(r"^key 'd': end$")
NOPROGRESS_RE = re.compile(r"^\(d\d+ [A-Za-z0-9_.-]+\) no progress for \d+ s")
START_RE = re.compile(r"^key 'd': ")
ANSWER_RE = re.compile(r"^key '.': ")


class HangDump:
    """Tracks the console focus; after trigger(), collects the 'd' dump."""

    def __init__(self, keys: bytes = KEYS, wait_s: float = WAIT_S):
        self.keys = keys
        self.wait_s = wait_s
        self.focus_on_domain = False    # from the hypervisor's announcements
        self.triggered = False
        self.switches_left = 0
        self.t_trigger = 0.0
        self.answered = False           # any "key 'x': ..." line seen
        self.started = False            # "key 'd': ..." seen
        self.complete = False           # "key 'd': end" seen
        self.where: List[str] = []      # "name v0: RIP ..., running on cpu1, ..."
        self.cpus: List[str] = []       # "cpu1: runs d1 v0; answers", NMI lines
        self.self_reported = False      # the hypervisor's own no-progress report seen

    def on_line(self, line: str) -> bytes:
        """Feed one sanitised console line; returns bytes to send (b"" for none)."""
        text = line.strip()
        if FOCUS_HV_RE.search(text):
            self.focus_on_domain = False
            if self.triggered and self.switches_left >= 0:
                self.switches_left = -1
                return self.keys
            return b""
        if FOCUS_DOM_RE.search(text):
            self.focus_on_domain = True
            if self.triggered and self.switches_left > 0:
                self.switches_left -= 1
                return CTRL_A3
            return b""
        if NOPROGRESS_RE.match(text):
            self.self_reported = True
        if not self.triggered:
            m = WHERE_RE.match(text) if self.self_reported else None
            if m:
                self.where.append("%s v%s: %s" % (m.group(2), m.group(3), m.group(4)))
            elif self.self_reported and CPU_RE.match(text) and "NMI" in text:
                self.cpus.append(text)
            return b""
        if ANSWER_RE.match(text):
            self.answered = True
        if START_RE.match(text):
            self.started = True
        m = WHERE_RE.match(text)
        if m:
            self.where.append("%s v%s: %s" % (m.group(2), m.group(3), m.group(4)))
        elif self.started and CPU_RE.match(text):
            self.cpus.append(text)
        if END_RE.match(text):
            self.complete = True
        return b""

    def finished(self, now: float) -> bool:
        """Nothing more to wait for: the dump is in, or no answer came in ANSWER_S."""
        return self.complete or (not self.answered and now - self.t_trigger > ANSWER_S)

    def trigger(self, nr_domains: int = 0, now: float = 0.0) -> bytes:
        """The bytes that ask for the dump now (now: time.monotonic())."""
        self.triggered = True
        self.where = []                 # the dump asked for now replaces any earlier report
        self.t_trigger = now
        if not self.focus_on_domain:
            self.switches_left = -1
            return self.keys
        # hypervisor -> each domain -> hypervisor: at most nr_domains + 1 switches.
        self.switches_left = max(1, nr_domains + 1) - 1
        return CTRL_A3

    def summary(self) -> str:
        """One line for rv-run's FAIL message."""
        if not self.triggered:
            if self.where:
                return "no-progress report: " + "; ".join(self.where + self.cpus)
            return ""
        if not self.answered:
            return ("the hypervisor did not answer the debug keys within %g s (CPU 0, which "
                    "polls the console, is stuck in the hypervisor)" % ANSWER_S)
        if not self.started:
            return "the hypervisor answered but printed no 'd' dump"
        if not self.where:
            stuck = [c for c in self.cpus if "does not answer" in c or "NMI" in c]
            return "no vCPU to show" + ("; " + "; ".join(stuck) if stuck else "")
        out = "; ".join(self.where)
        stuck = [c for c in self.cpus if "NMI" in c or "does not answer" in c]
        if stuck:
            out += "; " + "; ".join(stuck)
        if not self.complete:
            out += " (dump incomplete)"
        return out


def bochs_hang_report(timeout_s: float) -> int:
    """hang_report= seconds for a Bochs run of timeout_s: a quarter of it, 10..60."""
    return int(min(60, max(10, timeout_s / 4)))
