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

from rvlib import qemumon, runner  # noqa: E402
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


NM = """ffff830000200000 T __text_start
ffff830000201000 T spin_lock
ffff830000201100 t timer_kill
ffff830000202000 T sched_loop
ffff830000203000 T __text_end
ffff830000300000 D some_data
"""

REGS = """RAX=0000000000000000 RBX=0000000000000001 RCX=0000000000000002 RDX=0000000000000003
RSI=0000000000000004 RDI=0000000000000005 RBP=ffff830000400f00 RSP=ffff830000400e00
RIP=ffff830000201104 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
CR0=80050033 CR2=0000000000000000 CR3=0000000000102000 CR4=000006f0
"""

STACK = """ffff830000400e00: 0x0000000000000001 0xffff830000201010
ffff830000400e10: 0xffff830000201020 0xffff830000202040
ffff830000400e20: 0xffff830000300000 0x1234
"""


class QemuMonitorTests(unittest.TestCase):
    """tools/rvlib/qemumon.py: QEMU's view of a hypervisor that no longer answers."""

    def test_symbols(self):
        syms = qemumon.Symbols(NM.splitlines())
        self.assertEqual(syms.name(0xffff830000201104), "timer_kill+0x4")
        self.assertEqual(syms.name(0xffff830000201000), "spin_lock+0x0")
        self.assertIsNone(syms.name(0xffff830000300000))     # data, past __text_end
        self.assertIsNone(syms.name(0x1000))                  # a guest address

    def test_registers_and_stack(self):
        regs = qemumon.parse_registers(REGS)
        self.assertEqual(regs["RIP"], 0xffff830000201104)
        self.assertEqual(regs["RSP"], 0xffff830000400e00)
        self.assertEqual(regs["HLT"], 0)
        self.assertEqual((regs["RFL"] >> 9) & 1, 0)
        words = qemumon.parse_words(STACK)
        self.assertEqual(words[:2], [1, 0xffff830000201010])
        line = qemumon.describe_cpu(0, regs, words, qemumon.Symbols(NM.splitlines()))
        self.assertEqual(line, "cpu0: RIP 0xffff830000201104 (timer_kill+0x4), IF 0; on its stack: "
                               "spin_lock+0x10 < spin_lock+0x20 < sched_loop+0x40")

    def test_lapic_summary(self):
        text = ("dumping local APIC state for CPU 0 \n\n"
                "LVT0\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
                "LVTT\t 0x000000ec active-hi edge                 one-shot     Fixed  (vec 236)\n"
                "Timer\t DCR=0xb (divide by 1) initial_count = 0 current_count = 0\n"
                "SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255\n"
                "ISR\t 240\n"
                "IRR\t 236\n\n"
                "APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0xf0\n")
        self.assertEqual(qemumon.summarize_lapic(text),
                         "LVTT 0x000000ec active-hi edge one-shot Fixed (vec 236); "
                         "Timer DCR=0xb (divide by 1) initial_count = 0 current_count = 0; "
                         "ISR 240; IRR 236; APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0xf0")
        self.assertEqual(qemumon.summarize_lapic(""), "")

    def test_guest_cpu(self):
        regs = qemumon.parse_registers(REGS.replace("RIP=ffff830000201104", "RIP=ffffffff81000000"))
        line = qemumon.describe_cpu(1, regs, [], qemumon.Symbols(NM.splitlines()))
        self.assertEqual(line, "cpu1: RIP 0xffffffff81000000 (in a guest or not in the hypervisor's text), IF 0")
        self.assertEqual(qemumon.describe_cpu(2, {}, [], qemumon.Symbols([])), "cpu2: QEMU gave no registers")

    def test_query_fake_monitor(self):
        """A stand-in HMP monitor on a Unix socket: banner, prompt, echo, answer."""
        import socket
        import threading
        d = tempfile.mkdtemp(prefix="qmon-")
        path = os.path.join(d, "mon.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)

        def serve():
            c, _ = srv.accept()
            c.sendall(b"QEMU 7.2.0 monitor - type 'help' for more information\r\n(qemu) ")
            buf = b""
            while True:
                data = c.recv(4096)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    cmd, buf = buf.split(b"\n", 1)
                    out = b"\x1b[D" + cmd + b"\r\n"
                    if cmd == b"info registers":
                        out += REGS.replace("\n", "\r\n").encode()
                    elif cmd.startswith(b"x/"):
                        out += STACK.replace("\n", "\r\n").encode()
                    c.sendall(out + b"(qemu) ")
            c.close()

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        lines = qemumon.cpu_report(path, 1, qemumon.Symbols(NM.splitlines()), timeout_s=5)
        srv.close()
        self.assertEqual(lines, ["cpu0: RIP 0xffff830000201104 (timer_kill+0x4), IF 0; on its stack: "
                                 "spin_lock+0x10 < spin_lock+0x20 < sched_loop+0x40"])
        # Nothing listening: one line that blames QEMU, no exception.
        lines = qemumon.cpu_report(os.path.join(d, "none.sock"), 2, qemumon.Symbols([]))
        self.assertEqual(len(lines), 1)
        self.assertIn("QEMU itself is stuck", lines[0])
        # Listening but never answering (a QEMU whose main loop is stuck).
        mute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mute.bind(os.path.join(d, "mute.sock"))
        mute.listen(1)
        lines = qemumon.cpu_report(os.path.join(d, "mute.sock"), 1, qemumon.Symbols([]), timeout_s=1)
        mute.close()
        self.assertEqual(len(lines), 1)
        self.assertIn("QEMU itself is stuck", lines[0])


if __name__ == "__main__":
    unittest.main()
