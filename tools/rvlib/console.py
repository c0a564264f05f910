"""The hypervisor console protocol (docs: /work/notes/common.md, "Console protocol").

One event per line on COM1:
    ringvisor: ready: N CPUs online, M MiB free, used K KiB
    selftest: PASS <name>
    selftest: FAIL <name>: <reason>
    selftest summary: P passed, F failed
    PANIC on CPU n: <msg>

and, when domains run (docs/running-domains.md):
    boot: module N at A-B 'STRING'
    domains: K of N started
    <file>.cfg: <error>; domain skipped
    domain <name>: <error>                 (a domain that could not be built)
    (dN name) created: ... | shut down (R) | crash: <reason> | crashed |
              vV: E exits; in guest G ms, in hypervisor H ms (P%), X ns ... per exit |
              destroyed | restart K (...): F frames owned before destruction, N after |
              rebuilt from its file (restart K, replaces dM): F frames owned, F0 before |
              renamed to NEW ... | preserved: paused, F frames owned | restart loop: ...
    <name>: <text>                         a line of the guest's console output
    leak: <what>
    ringvisor: all domains stopped: P powered off, C crashed; frames all returned|LEAKED

Firmware (OVMF, GRUB's serial terminal) shares the same serial line and emits
ANSI escape sequences and carriage returns, sometimes without a newline before
the hypervisor's first line; so lines are sanitised first and events are
searched for anywhere in a line rather than only at its start.

This module is pure logic (no processes), so the verdict can be unit-tested on
canned console logs.
"""

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

# CSI sequences (ESC [ params letter), including OVMF's private "ESC [=3h".
_CSI_RE = re.compile(r"\x1b\[[0-9;=?]*[ -/]*[@-~]")
# Any other two-byte escape, then remaining C0 controls except TAB.
_ESC_RE = re.compile(r"\x1b.?")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

READY_RE = re.compile(
    r"ringvisor: ready: (\d+) CPUs? online, (\d+) MiB free, used (\d+) KiB")
PASS_RE = re.compile(r"selftest: PASS (\S+)")
FAIL_RE = re.compile(r"selftest: FAIL ([^\s:]+):?\s*(.*)")
SUMMARY_RE = re.compile(r"selftest summary: (\d+) passed, (\d+) failed")
PANIC_RE = re.compile(r"^PANIC\b|\bPANIC on CPU\b")
# GRUB reports a failed menu entry with "error: ..." lines and then, having no
# other entry, this line before waiting for a key press forever. "error:"
# alone is not fatal (under OVMF GRUB says "error: no suitable video mode
# found." and boots on).
GRUB_ERROR_RE = re.compile(r"^\s*error: (.*)")
GRUB_GAVE_UP = "Failed to boot both default and fallback entries"

# Domain events. The hypervisor prints these at the start of a line; a guest's
# own output always follows "<name>: ", so a guest cannot forge them.
MODULE_RE = re.compile(r"^boot: module (\d+) at \S+ '(.*)'$")
DOMAINS_STARTED_RE = re.compile(r"^domains: (\d+) of (\d+) started")
SKIPPED_RE = re.compile(r"^(\S+\.cfg): (.*); domain skipped$")
CREATE_ERROR_RE = re.compile(r"^domain ([A-Za-z0-9_.-]+): (.*)$")
DOMAIN_EVENT_RE = re.compile(r"^\(d(\d+) ([A-Za-z0-9_.-]+)\) (.*)$")
SHUTDOWN_RE = re.compile(r"^shut down \((\w+)\)")
EXITS_RE = re.compile(
    r"^v(\d+): (\d+) exits; in guest (\d+) ms, in hypervisor (\d+) ms \(([\d.]+)%\), "
    r"(\d+) ns of hypervisor time per exit")
ALIVE_RE = re.compile(r"^alive (\d+) ms from start to shutdown$")
DEBUG_EXIT_RE = re.compile(r"^debug-exit: wrote 0x[0-9a-f]+, exit status (\d+)$")
# Reboot and crash policy (core/domain_policy.c): the old domain's frames after its
# destruction, the rebuilt one's against the old one's, a preserved domain,
# the restart-loop guard.
RESTART_RE = re.compile(r"^restart (\d+) \((\w+) = [\w-]+\): (\d+) frames owned before destruction, "
                        r"(\d+) after")
REBUILT_RE = re.compile(r"^rebuilt from its file \(restart (\d+), replaces d(\d+)\): (\d+) frames owned, "
                        r"(\d+) before the restart")
PRESERVED_RE = re.compile(r"^preserved: paused, (\d+) frames owned")
RENAMED_RE = re.compile(r"^renamed to ([A-Za-z0-9_.-]+) ")
RESTART_LOOP_RE = re.compile(r"^restart loop: ")
ALL_STOPPED_RE = re.compile(
    r"^ringvisor: all domains stopped: (\d+) powered off, (\d+) crashed; "
    r"frames (all returned|LEAKED)")
LEAK_RE = re.compile(r"^leak: (.*)")
# The guest-state checker (docs/hvm.md): any such line fails the run.
VMSTATE_RE = re.compile(r"^vmstate: (.*)")
# A hypervisor subsystem that caught its own bug and survived it
# ("timer: BUG: ..."): the run goes on, but it fails.
HV_BUG_RE = re.compile(r"^([a-z0-9_]+: BUG: .*)")
GUEST_FAIL_RE = re.compile(r"^FAIL (\S+?):?(?: (.*))?$")
GUEST_PASS_RE = re.compile(r"^PASS (\S+)")

# QEMU's isa-debug-exit turns the value v written to port 0xf4 into the
# process status (v << 1) | 1; these are the emu_exit codes of common.md.
EMU_EXIT_STATUS = {
    33: "emu_exit 0x10: all passed / clean shutdown",
    35: "emu_exit 0x11: a self-test failed or a domain did not power off",
    37: "emu_exit 0x12: panic",
    # With -no-reboot a reset request (triple fault, keyboard-controller reset,
    # ACPI reset) or an ACPI power-off ends QEMU with status 0.
    0: "guest reset or powered off: triple fault?",
}
QEMU_STATUS_OK = 33
QEMU_STATUS_FAIL = 35

# Domain names rv-run refuses: lines starting "<name>: " are the hypervisor's
# own with these, so a guest of that name would be mistaken for it.
RESERVED_DOMAIN_NAMES = ("ringvisor", "boot", "domains", "domain", "selftest", "leak", "hvm", "vmstate",
                         "svm", "vmx", "sched", "tlb", "domcfg", "smp", "mm", "mem", "acpi",
                         "apic", "ioapic", "time", "timer", "cpu", "error", "PANIC")


def sanitize(raw: str) -> str:
    """Strip terminal escapes and control characters from one console line."""
    text = _CSI_RE.sub("", raw)
    text = _ESC_RE.sub("", text)
    return _CTRL_RE.sub("", text)


@dataclass
class Ready:
    cpus: int
    free_mib: int
    used_kib: int


@dataclass
class ExitStats:
    """One '(dN name) vV: ... exits ...' line."""
    vcpu: int
    exits: int
    guest_ms: int
    hv_ms: int
    hv_percent: float
    ns_per_exit: int


@dataclass
class DomainLog:
    """What the console said about one domain (by name)."""
    name: str
    domid: Optional[int] = None
    created: Optional[str] = None          # text after "created: "
    shutdown: Optional[str] = None         # poweroff, reboot, suspend, watchdog, crash (of its last life)
    crash_reasons: List[str] = field(default_factory=list)    # of its last life
    lives: int = 0                          # "created:" lines: 1 + restarts
    ends: List[str] = field(default_factory=list)           # each life's shutdown reason, in order
    restart_frames: List[tuple] = field(default_factory=list)   # (restart, before, after destruction)
    rebuilt: List[tuple] = field(default_factory=list)      # (restart, new domain's frames, old one's)
    preserved: Optional[int] = None        # frames owned when it was preserved
    renamed_to: List[str] = field(default_factory=list)     # rename-restart: the preserved copies' names
    restart_loop: bool = False             # the restart-loop guard destroyed it
    create_errors: List[str] = field(default_factory=list)   # "domain <name>: ..." lines
    destroyed: bool = False
    alive_ms: Optional[int] = None         # "alive N ms from start to shutdown"
    debug_exit: Optional[int] = None       # "debug-exit: wrote V, exit status S": S
    exits: List[ExitStats] = field(default_factory=list)
    output: List[str] = field(default_factory=list)          # the guest's console lines
    guest_passed: List[str] = field(default_factory=list)
    guest_failed: List[str] = field(default_factory=list)    # "test: reason"

    @property
    def guest_ms(self) -> int:
        return sum(e.guest_ms for e in self.exits)


@dataclass
class Console:
    """Accumulates protocol events from console lines as they arrive.

    domain_names: the domains whose console output ("<name>: text") to
    collect; other domains' events are recorded all the same.
    """
    lines: List[str] = field(default_factory=list)
    ready: Optional[Ready] = None
    passed: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)     # "name: reason"
    summary: Optional[tuple] = None                     # (passed, failed)
    panic: Optional[str] = None
    loader_errors: List[str] = field(default_factory=list)
    loader_gave_up: bool = False
    domain_names: Sequence[str] = ()
    modules: List[str] = field(default_factory=list)    # boot module strings, in order
    domains_started: Optional[tuple] = None             # (K, N)
    skipped: Dict[str, str] = field(default_factory=dict)    # "x.cfg" -> error
    domains: Dict[str, DomainLog] = field(default_factory=dict)
    all_stopped: Optional[tuple] = None                 # (powered off, crashed, leaked)
    ctl_created: int = 0                                # domains the control domain built (rv create)
    leaks: List[str] = field(default_factory=list)
    vmstate: List[str] = field(default_factory=list)    # guest-state checker findings
    hv_bugs: List[str] = field(default_factory=list)    # "timer: BUG: ..." lines

    @property
    def fatal(self) -> bool:
        """Nothing useful can follow: a panic, or the boot loader gave up."""
        return self.panic is not None or self.loader_gave_up

    def hypervisor_fault(self) -> Optional[str]:
        """Why the run fails whatever the guests did, or None: a panic, a VM
        entry with state the manuals forbid (a hypervisor bug even in a
        domain expected to crash; docs/hvm.md, guest-state checker), or a
        bug a subsystem caught and logged.  Shared by judge and
        domains.judge_domains so both fail a run for the same things."""
        if self.panic:
            return "hypervisor panicked: %s" % self.panic
        if self.vmstate:
            return "guest-state checker: %s" % self.vmstate[0]
        if self.hv_bugs:
            return "hypervisor bug caught: %s" % self.hv_bugs[0]
        return None

    def domain(self, name: str) -> DomainLog:
        if name not in self.domains:
            self.domains[name] = DomainLog(name)
        return self.domains[name]

    def _feed_domain_event(self, line: str) -> bool:
        """Record a domain event or guest output line; True if it was one."""
        m = DOMAIN_EVENT_RE.match(line)
        if m:
            d = self.domain(m.group(2))
            d.domid = int(m.group(1))
            ev = m.group(3).strip()
            e = EXITS_RE.match(ev)
            s = SHUTDOWN_RE.match(ev)
            if ev.startswith("created by the control domain"):
                # Built from dom0 (XEN_DOMCTL_createdomain, docs/toolstack.md):
                # no domain file; expected to end powered off or destroyed.
                self.ctl_created += 1
            elif ev.startswith("created:"):
                # A new life (a restart): what follows is about it.
                d.created = ev[len("created:"):].strip()
                d.lives += 1
                d.shutdown = None
                d.crash_reasons = []
                d.destroyed = False
            elif e:
                d.exits.append(ExitStats(int(e.group(1)), int(e.group(2)), int(e.group(3)),
                                         int(e.group(4)), float(e.group(5)), int(e.group(6))))
            elif s:
                d.shutdown = s.group(1)
                d.ends.append(d.shutdown)
            elif ev.startswith("crash:"):
                d.crash_reasons.append(ev[len("crash:"):].strip())
            elif ev == "crashed":
                d.shutdown = "crash"
                d.ends.append("crash")
            elif RESTART_RE.match(ev):
                m2 = RESTART_RE.match(ev)
                d.restart_frames.append((int(m2.group(1)), int(m2.group(3)), int(m2.group(4))))
            elif REBUILT_RE.match(ev):
                m2 = REBUILT_RE.match(ev)
                d.rebuilt.append((int(m2.group(1)), int(m2.group(3)), int(m2.group(4))))
            elif PRESERVED_RE.match(ev):
                d.preserved = int(PRESERVED_RE.match(ev).group(1))
            elif RENAMED_RE.match(ev):
                d.renamed_to.append(RENAMED_RE.match(ev).group(1))
            elif RESTART_LOOP_RE.match(ev):
                d.restart_loop = True
            elif ev == "destroyed":
                d.destroyed = True
            elif ALIVE_RE.match(ev):
                d.alive_ms = int(ALIVE_RE.match(ev).group(1))
            elif DEBUG_EXIT_RE.match(ev):
                d.debug_exit = int(DEBUG_EXIT_RE.match(ev).group(1))
            return True
        name, sep, text = line.partition(": ")
        if sep and name in self.domain_names:
            d = self.domain(name)
            d.output.append(text)
            m = GUEST_FAIL_RE.match(text)
            if m:
                d.guest_failed.append(m.group(1) + (": " + m.group(2) if m.group(2) else ""))
            m = GUEST_PASS_RE.match(text)
            if m:
                d.guest_passed.append(m.group(1))
            return True
        m = MODULE_RE.match(line)
        if m:
            self.modules.append(m.group(2))
            return True
        m = DOMAINS_STARTED_RE.match(line)
        if m:
            self.domains_started = (int(m.group(1)), int(m.group(2)))
            return True
        m = SKIPPED_RE.match(line)
        if m:
            self.skipped[m.group(1)] = m.group(2)
            return True
        m = ALL_STOPPED_RE.match(line)
        if m:
            self.all_stopped = (int(m.group(1)), int(m.group(2)), m.group(3) == "LEAKED")
            return True
        m = LEAK_RE.match(line)
        if m:
            self.leaks.append(m.group(1))
            return True
        m = VMSTATE_RE.match(line)
        if m:
            self.vmstate.append(m.group(1))
            return True
        m = HV_BUG_RE.match(line)
        if m:
            self.hv_bugs.append(m.group(1))
            return True
        m = CREATE_ERROR_RE.match(line)
        if m:
            self.domain(m.group(1)).create_errors.append(m.group(2))
            return True
        return False

    def feed(self, raw_line: str) -> str:
        """Record one line (without its newline); return the sanitised text."""
        line = sanitize(raw_line)
        self.lines.append(line)
        if self._feed_domain_event(line.strip()):
            return line
        m = READY_RE.search(line)
        if m and self.ready is None:
            self.ready = Ready(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = PASS_RE.search(line)
        if m:
            self.passed.append(m.group(1))
        m = FAIL_RE.search(line)
        if m:
            reason = m.group(2).strip()
            self.failed.append(m.group(1) + (": " + reason if reason else ""))
        m = SUMMARY_RE.search(line)
        if m:
            self.summary = (int(m.group(1)), int(m.group(2)))
        if self.panic is None and PANIC_RE.search(line):
            self.panic = line.strip()
        m = GRUB_ERROR_RE.match(line)
        if m and self.ready is None:
            self.loader_errors.append(m.group(1).strip())
        if GRUB_GAVE_UP in line:
            self.loader_gave_up = True
        return line

    def feed_text(self, text: str) -> None:
        for raw in text.splitlines():
            self.feed(raw)


@dataclass
class Verdict:
    ok: bool
    reason: str          # one line; "" when ok


def describe_status(status: Optional[int]) -> str:
    if status is None:
        return "no exit status"
    if status < 0:
        return "killed by signal %d" % -status
    meaning = EMU_EXIT_STATUS.get(status)
    return "status %d (%s)" % (status, meaning) if meaning else "status %d" % status


def judge(con: Console, *, selftest: bool, emulator: str,
          exit_status: Optional[int], timed_out: bool, timeout_s: float,
          min_cpus: int = 0, check_end: bool = True) -> Verdict:
    """Decide whether a run succeeded.

    emulator is "qemu" or "bochs". Under QEMU the emu_exit code is visible as
    the process status and must say "clean" (33). Bochs ends with status 1 on
    the "Shutdown" port write, on a triple fault and on its own panics alike,
    so under Bochs only the console counts.

    check_end=False leaves out how the run ended (timeout, exit status):
    when domains run after the boot, domains.judge_domains decides that.
    """
    def fail(reason):
        return Verdict(False, reason)

    fault = con.hypervisor_fault()
    if fault:
        return fail(fault)
    if con.loader_gave_up:
        return fail("GRUB could not boot the hypervisor: %s"
                    % ("; ".join(con.loader_errors) or "no error message"))
    summary_failed = con.summary[1] if con.summary else 0
    if con.failed or summary_failed:
        names = ", ".join(con.failed) if con.failed else "(no FAIL lines seen)"
        extra = ""
        if con.summary:
            extra = " (summary: %d passed, %d failed)" % con.summary
        return fail("self-tests failed: %s%s" % (names, extra))
    if min_cpus:
        if con.ready is None:
            why = "timeout after %g s" % timeout_s if timed_out else describe_status(exit_status)
            return fail("no 'ringvisor: ready:' line, cannot check --min-cpus %d (%s)"
                        % (min_cpus, why))
        if con.ready.cpus < min_cpus:
            return fail("only %d CPUs online, wanted at least %d" % (con.ready.cpus, min_cpus))

    if selftest:
        if con.summary is None:
            if timed_out:
                return fail("timeout after %g s with no self-test summary" % timeout_s)
            return fail("missing self-test summary line (emulator ended: %s)"
                        % describe_status(exit_status))
        passed = con.summary[0]
        if passed <= 0:
            return fail("no self-tests ran (summary: 0 passed)")
        if len(con.passed) != passed:
            return fail("summary says %d passed but %d 'selftest: PASS' lines were seen"
                        % (passed, len(con.passed)))
    elif con.ready is None:
        if timed_out:
            return fail("timeout after %g s with no 'ringvisor: ready:' line" % timeout_s)
        return fail("no 'ringvisor: ready:' line (emulator ended: %s)"
                    % describe_status(exit_status))

    if not check_end:
        return Verdict(True, "")
    if timed_out:
        return fail("timeout after %g s: the hypervisor finished but did not end the "
                    "emulator (emu_exit)" % timeout_s)
    if emulator == "qemu" and exit_status != QEMU_STATUS_OK:
        return fail("QEMU ended with %s, expected status %d (emu_exit 0x10)"
                    % (describe_status(exit_status), QEMU_STATUS_OK))
    return Verdict(True, "")
