#!/usr/bin/env python3
"""Unit tests for rv-run's stuck-vCPU report (tools/rvlib/hangdump.py and
runner.run with hang_dump), without emulators: stand-in "emulators" print
console lines and answer (or ignore) the debug keys on their stdin."""

import os
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))

from rvlib import runner  # noqa: E402
from rvlib.hangdump import CTRL_A3, KEYS, HangDump  # noqa: E402

WHERE = "(d1 spin) v0: where: RIP 0x101234, long 64-bit, CPL0, running on cpu1, last exit intr"


class HangDumpTests(unittest.TestCase):
    def test_focus_on_hypervisor(self):
        h = HangDump()
        self.assertEqual(h.on_line("ringvisor: console input to the hypervisor (type Ctrl-A ...)"), b"")
        self.assertEqual(h.trigger(1, 100.0), KEYS)
        self.assertFalse(h.finished(101.0))
        for line in ("key 'q': domains", "(d1 spin) PVH, running 5 ms, restarts 0", "key 'q': end",
                     "key 'd': registers", WHERE, "cpu0: idle; answers",
                     "cpu1: runs d1 v0; does not answer",
                     "cpu1: NMI found it at hypervisor RIP 0xffff800000101000 (spin_lock+0x12)"):
            self.assertEqual(h.on_line(line), b"")
        self.assertFalse(h.finished(130.0))          # answered: wait for the end line
        h.on_line("key 'd': end")
        self.assertTrue(h.finished(101.0))
        self.assertEqual(h.summary(),
                         "spin v0: RIP 0x101234, long 64-bit, CPL0, running on cpu1, last exit intr; "
                         "cpu1: runs d1 v0; does not answer; "
                         "cpu1: NMI found it at hypervisor RIP 0xffff800000101000 (spin_lock+0x12)")

    def test_focus_on_domain_switches_back_first(self):
        h = HangDump()
        h.on_line("ringvisor: console input to domain 'a' (console_to) (type Ctrl-A three times to switch)")
        self.assertEqual(h.trigger(2, 0.0), CTRL_A3)
        # a -> b -> hypervisor: one more switch, then the keys.
        self.assertEqual(h.on_line("ringvisor: console input to domain 'b' (type Ctrl-A three times to switch)"),
                         CTRL_A3)
        self.assertEqual(h.on_line("ringvisor: console input to the hypervisor (type Ctrl-A three times to switch)"),
                         KEYS)
        # Later announcements send nothing more.
        self.assertEqual(h.on_line("ringvisor: console input to the hypervisor"), b"")

    def test_no_answer(self):
        h = HangDump()
        h.trigger(0, 10.0)
        self.assertFalse(h.finished(12.0))
        self.assertTrue(h.finished(16.0))
        self.assertIn("did not answer the debug keys", h.summary())
        self.assertEqual(HangDump().summary(), "")   # never triggered: nothing to say

    def test_where_lines_before_trigger_ignored(self):
        h = HangDump()
        h.on_line(WHERE)        # e.g. someone typed 'd' earlier
        h.trigger(0, 0.0)
        h.on_line("key 'd': registers")
        h.on_line("key 'd': end")
        self.assertEqual(h.summary(), "no vCPU to show")


class SelfReportTests(unittest.TestCase):
    def test_no_progress_report_without_keys(self):
        h = HangDump()
        h.on_line(WHERE)                # a 'd' typed by someone: not a report
        self.assertEqual(h.summary(), "")
        h.on_line("(d1 spin) no progress for 10 s (no hypercall, I/O, MSR, CPUID, HLT or fault exit); its vCPUs:")
        h.on_line("(d1 spin) 1 vCPU(s), running")
        h.on_line(WHERE)
        h.on_line("(d1 spin) end of the no-progress report")
        self.assertEqual(h.summary(), "no-progress report: spin v0: RIP 0x101234, long 64-bit, CPL0, "
                                      "running on cpu1, last exit intr")

    def test_bochs_value(self):
        from rvlib.hangdump import bochs_hang_report
        self.assertEqual(bochs_hang_report(20), 10)
        self.assertEqual(bochs_hang_report(120), 30)
        self.assertEqual(bochs_hang_report(600), 60)


ANSWERING_EMULATOR = textwrap.dedent("""\
    import os, sys, time
    print("ringvisor: ready: 2 CPUs online, 100 MiB free, used 1 KiB", flush=True)
    print("ringvisor: console input to the hypervisor (type Ctrl-A three times to switch)", flush=True)
    data = b""
    while b"d" not in data:
        chunk = os.read(0, 16)
        if not chunk:
            sys.exit(3)
        data += chunk
    print("key 'd': registers", flush=True)
    print("%s", flush=True)
    print("key 'd': end", flush=True)
    time.sleep(60)
    """) % WHERE

SILENT_EMULATOR = textwrap.dedent("""\
    import time
    print("ringvisor: ready: 1 CPUs online, 100 MiB free, used 1 KiB", flush=True)
    time.sleep(60)
    """)


class RunnerHangTests(unittest.TestCase):
    def _run(self, program, timeout_s):
        with tempfile.TemporaryDirectory() as d:
            emu = os.path.join(d, "emu.py")
            with open(emu, "w") as f:
                f.write(program)
            h = HangDump()
            t0 = time.monotonic()
            res = runner.run([sys.executable, emu], cwd=d, timeout_s=timeout_s, hang_dump=h)
            return h, res, time.monotonic() - t0

    def test_dump_collected_then_killed(self):
        h, res, took = self._run(ANSWERING_EMULATOR, 2)
        self.assertTrue(res.timed_out)
        self.assertTrue(h.complete)
        self.assertIn("spin v0: RIP 0x101234", h.summary())
        self.assertIn(WHERE, res.console.lines)
        self.assertLess(took, 15)          # killed once the end line came, not after WAIT_S

    def test_self_report_only(self):
        """Bochs: no stdin; the emulator's own report is quoted, nothing is sent."""
        program = textwrap.dedent("""\
            import sys, time
            print("ringvisor: ready: 1 CPUs online, 100 MiB free, used 1 KiB", flush=True)
            print("(d1 spin) no progress for 10 s (no hypercall, I/O, MSR, CPUID, HLT or fault exit); its vCPUs:", flush=True)
            print("%s", flush=True)
            sys.stdout.flush()
            time.sleep(60)
            """) % WHERE
        with tempfile.TemporaryDirectory() as d:
            emu = os.path.join(d, "emu.py")
            with open(emu, "w") as f:
                f.write(program)
            h = HangDump()
            res = runner.run([sys.executable, emu], cwd=d, timeout_s=2, hang_dump=h, hang_dump_keys=False)
        self.assertTrue(res.timed_out)
        self.assertFalse(h.triggered)
        self.assertIn("no-progress report: spin v0", h.summary())

    def test_silent_hypervisor(self):
        h, res, took = self._run(SILENT_EMULATOR, 1)
        self.assertTrue(res.timed_out)
        self.assertFalse(h.answered)
        self.assertIn("did not answer", h.summary())
        self.assertLess(took, 15)


if __name__ == "__main__":
    unittest.main()
