"""The verdict on a run of domains, from the console (docs/running-domains.md).

A run of domains succeeds iff
  - every domain's outcome equals its expectation: "poweroff", "reboot" or
    "watchdog" (its last life shut down with that reason), "crash" (the
    hypervisor crashed it, or it asked to be crashed), "restart-loop" (the
    hypervisor's restart-loop guard destroyed it) or "rejected" (the
    hypervisor refused its domain file: "<file>.cfg: <error>; domain
    skipped", or could not build it: "domain <name>: <error>");
  - it was restarted exactly rv_expect_restarts times (default 0), every
    restart returned all the old domain's frames before the rebuild and the
    rebuilt domain owns as many frames as the old one did; and when its
    domain file's on_* action for that last shutdown is "preserve", the
    hypervisor reported it preserved;
  - no guest printed a FAIL line, unless its domain is expected to crash;
  - the hypervisor did not panic, and its guest-state checker reported
    nothing ("vmstate: " lines), and no subsystem reported a bug it caught
    ("timer: BUG: ..." lines);
  - "ringvisor: all domains stopped: ..." appeared with "frames all
    returned" (when every domain is expected to be rejected, none starts and
    "domains: 0 of N started" must appear instead);
  - the emulator ended before the timeout and, under QEMU, with status 33
    (emu_exit 0x10) when every domain is expected to power off, else 35
    (emu_exit 0x11).

Pure logic on a console.Console, so the verdict can be unit-tested on canned
console logs.
"""

from typing import List, Optional, Sequence, Tuple

from .console import (Console, DomainLog, QEMU_STATUS_FAIL, QEMU_STATUS_OK, Verdict,
                      describe_status)
from .domcfg import CRASH_EXPECTATIONS, DomainFile

FAIRNESS_MAX_RATIO = 1.5


def outcome(con: Console, d: DomainFile) -> Tuple[str, str]:
    """(kind, detail) of one domain's last life: kind is poweroff, reboot,
    suspend, watchdog, crash, restart-loop, rejected, running (created, no
    end seen) or missing."""
    skipped = con.skipped.get(d.file_name)
    if skipped is not None:
        return "rejected", skipped
    log: Optional[DomainLog] = con.domains.get(d.name) if d.name else None
    if log is None:
        return "missing", ""
    if log.restart_loop:
        return "restart-loop", "after %d restart(s), last shutdown %s" % (max(log.lives - 1, 0),
                                                                      log.shutdown or "?")
    if log.shutdown:
        if log.shutdown == "crash":
            if log.crash_reasons:
                return "crash", "; ".join(log.crash_reasons)
            if log.guest_failed:
                return "crash", "requested by the guest after FAIL %s" % log.guest_failed[0]
            return "crash", "requested by the guest"
        return log.shutdown, ""
    if log.created is not None:
        return "running", ""
    if log.create_errors:
        return "rejected", "; ".join(log.create_errors)
    return "missing", ""


def _describe(kind: str, detail: str) -> str:
    return kind + (": " + detail if detail else "")


def _how_it_ended(exit_status: Optional[int], timed_out: bool, timeout_s: float) -> str:
    if timed_out:
        return "timeout after %g s" % timeout_s
    return "emulator ended: %s" % describe_status(exit_status)


def _policy_problem(log: DomainLog, d: DomainFile, who: str) -> str:
    """What is wrong with the restarts / preserve of a domain whose outcome
    is the expected one ("" if nothing)."""
    restarts = max(log.lives - 1, 0)
    if restarts != d.expect_restarts:
        return "%s: expected %d restart(s) (rv_expect_restarts), saw %d (shutdowns: %s)" % (
            who, d.expect_restarts, restarts, ", ".join(log.ends) or "none")
    for n, before, after in log.restart_frames:
        if after:
            return ("%s: restart %d: %d of the old domain's %d frames still owned after its "
                    "destruction" % (who, n, after, before))
    for n, new, old in log.rebuilt:
        if new != old:
            return ("%s: restart %d: the rebuilt domain owns %d frames, the old one owned %d"
                    % (who, n, new, old))
    if len(log.rebuilt) != restarts and d.expect != "restart-loop":
        return "%s: %d restart(s) but %d 'rebuilt from its file' line(s)" % (
            who, restarts, len(log.rebuilt))
    last = d.expect
    if last in ("poweroff", "reboot", "watchdog", "crash") and d.action(last) == "preserve":
        if log.preserved is None:
            return "%s: %s = preserve, but the hypervisor did not report it preserved" % (
                who, {"poweroff": "on_poweroff", "reboot": "on_reboot", "watchdog": "on_watchdog",
                      "crash": "on_crash"}[last])
    return ""


def _domain_problem(con: Console, d: DomainFile, exit_status, timed_out, timeout_s) -> str:
    kind, detail = outcome(con, d)
    who = "domain %s" % d.label
    if kind == d.expect:
        log = con.domains.get(d.name) if d.name else None
        if log and log.guest_failed and d.expect != "crash":
            return "%s: guest reported FAIL %s" % (who, log.guest_failed[0])
        if d.expect_exit is not None:
            got = log.debug_exit if log else None
            if got != d.expect_exit:
                return "%s: expected debug-exit status %d, got %s" % (
                    who, d.expect_exit, "none" if got is None else got)
        return _policy_problem(log, d, who) if log else ""
    if kind == "running":
        if timed_out:
            return "%s: expected %s, still running at the timeout (%g s)" % (
                who, d.expect, timeout_s)
        return "%s: expected %s, still running when the %s" % (
            who, d.expect, _how_it_ended(exit_status, timed_out, timeout_s))
    if kind == "missing":
        if con.domains_started is None:
            return ("%s: expected %s, but the hypervisor did not get to start domains (no "
                    "'domains: K of N started' line; %s)"
                    % (who, d.expect, _how_it_ended(exit_status, timed_out, timeout_s)))
        return ("%s: expected %s, but the hypervisor neither started nor rejected it (is "
                "%s among its boot modules?)" % (who, d.expect, d.file_name))
    return "%s: expected %s, got %s" % (who, d.expect, _describe(kind, detail))


def judge_domains(con: Console, domains: Sequence[DomainFile], *, emulator: str,
                  exit_status: Optional[int], timed_out: bool, timeout_s: float,
                  module_strings: Sequence[str] = (), nr_cfg_modules: Optional[int] = None
                  ) -> Verdict:
    """The verdict on a run of domains (see the module docstring).

    module_strings: strings the hypervisor must report for its boot modules
    (checked when it printed its 'boot: module' lines). nr_cfg_modules: how
    many domain files it must have been given (None: not checked).
    """
    def fail(reason):
        return Verdict(False, reason)

    fault = con.hypervisor_fault()
    if fault:
        return fail(fault)
    if con.modules:
        missing = [s for s in module_strings if s not in con.modules]
        if missing:
            return fail("boot module string %r not delivered; the hypervisor got: %s"
                        % (missing[0], ", ".join(repr(m) for m in con.modules)))
    for d in domains:
        problem = _domain_problem(con, d, exit_status, timed_out, timeout_s)
        if problem:
            return fail(problem)
    if (nr_cfg_modules is not None and con.domains_started is not None
            and con.domains_started[1] != nr_cfg_modules):
        return fail("the hypervisor saw %d domain files, rv-run passed %d"
                    % (con.domains_started[1], nr_cfg_modules))

    starting = [d for d in domains if d.expect != "rejected"]
    if starting:
        if con.all_stopped is None:
            return fail("no 'ringvisor: all domains stopped:' line (%s)"
                        % _how_it_ended(exit_status, timed_out, timeout_s))
        off, crashed, leaked = con.all_stopped
        if leaked:
            return fail("frames LEAKED after all domains stopped%s"
                        % (": " + "; ".join(con.leaks) if con.leaks else ""))
        if nr_cfg_modules is not None:
            want_crash = sum(1 for d in domains if d.expect in CRASH_EXPECTATIONS)
            # Domains the control domain built (rv create) have no file:
            # each must end powered off or destroyed by it.
            want_off = len(starting) - want_crash + con.ctl_created
            if (off, crashed) != (want_off, want_crash):
                return fail("the hypervisor counted %d powered off, %d crashed; expected %d, %d"
                            % (off, crashed, want_off, want_crash))
    elif domains:
        if con.domains_started is None or con.domains_started[0] != 0:
            return fail("expected 'domains: 0 of %d started' (every domain file rejected), "
                        "got %s" % (len(domains), "'domains: %d of %d started'"
                                    % con.domains_started if con.domains_started else
                                    "no such line"))

    if timed_out:
        return fail("timeout after %g s: all domains stopped but the hypervisor did not end "
                    "the emulator (emu_exit)" % timeout_s)
    if emulator == "qemu":
        bad = any(d.expect in CRASH_EXPECTATIONS + ("rejected",) for d in domains)
        want = QEMU_STATUS_FAIL if bad else QEMU_STATUS_OK
        if exit_status != want:
            return fail("QEMU ended with %s, expected status %d (emu_exit %s)"
                        % (describe_status(exit_status), want,
                           "0x11: a domain crashed or was rejected" if bad else
                           "0x10: every domain powered off"))
    return Verdict(True, "")


def fairness(con: Console, domains: Sequence[DomainFile],
             max_ratio: float = FAIRNESS_MAX_RATIO) -> Tuple[bool, List[str]]:
    """Fair sharing among equal CPU-bound domains started together: each
    must finish after about the same time from start to shutdown, taken from
    the '(dN name) alive A ms from start to shutdown' lines.  Time in guest
    mode would not do: a scheduler that ran them one after the other gives
    every domain the same guest time, but very different completion times.
    Returns (ok, report lines); fails if a domain has no such line, or
    max(A) / min(A) exceeds max_ratio."""
    values = []
    for d in domains:
        log = con.domains.get(d.name) if d.name else None
        if not log or log.alive_ms is None:
            return False, ["fairness: no 'alive A ms' line for domain %s" % d.label]
        values.append((d.label, log.alive_ms))
    if not values:
        return False, ["fairness: no domains"]
    lines = ["fairness: ms from start to shutdown: " + ", ".join("%s=%d" % v for v in values)]
    lo = min(v for _, v in values)
    hi = max(v for _, v in values)
    if lo <= 0:
        lines.append("fairness: FAIL: a domain was alive 0 ms (max %d ms)" % hi)
        return False, lines
    ratio = hi / lo
    ok = ratio <= max_ratio
    lines.append("fairness: %s: max/min = %d/%d = %.2f (limit %.2f)"
                 % ("ok" if ok else "FAIL", hi, lo, ratio, max_ratio))
    return ok, lines
