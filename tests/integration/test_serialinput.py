#!/usr/bin/env python3
"""Unit tests for rv-run's console input (tools/rvlib/serialinput.py, runner.run
with input) and for tools/linux-assets' initramfs writer, without emulators:
a stand-in "emulator" echoes its stdin to stdout."""

import gzip
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools")
sys.path.insert(0, TOOLS)

from rvlib import runner  # noqa: E402
from rvlib.serialinput import InputError, InputScript, decode_text  # noqa: E402


def load_linux_assets():
    loader = importlib.machinery.SourceFileLoader("linux_assets", os.path.join(TOOLS, "linux-assets"))
    spec = importlib.util.spec_from_loader("linux_assets", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class ScriptTests(unittest.TestCase):
    def test_escapes(self):
        self.assertEqual(decode_text(r"\x01\x01\x01ab\r\n"), b"\x01\x01\x01ab\r\n")
        self.assertEqual(decode_text("plain"), b"plain")

    def test_order(self):
        s = InputScript.from_args([("text", "first"), ("when", "^go$"), ("text", "A"),
                                   ("text", "B"), ("when", "again"), ("text", "C")])
        self.assertEqual(s.start(), b"first")
        self.assertEqual(s.on_line("nothing"), b"")
        self.assertEqual(s.on_line("go"), b"AB")
        self.assertEqual(s.waiting_for, "again")
        self.assertEqual(s.on_line("go"), b"")
        self.assertEqual(s.on_line("x again"), b"C")
        self.assertIsNone(s.waiting_for)

    def test_errors(self):
        self.assertIsNone(InputScript.from_args([]))
        with self.assertRaisesRegex(InputError, "bad regular expression"):
            InputScript.from_args([("when", "("), ("text", "x")])
        with self.assertRaisesRegex(InputError, "without any --input"):
            InputScript.from_args([("when", "x")])
        with self.assertRaisesRegex(InputError, "has no --input"):
            InputScript.from_args([("text", "x"), ("when", "y")])
        with self.assertRaisesRegex(InputError, "no-such-file"):
            InputScript.from_args([("file", "/no-such-file")])


ECHO_EMULATOR = textwrap.dedent("""\
    import sys
    print("ringvisor: ready: 1 CPUs online, 100 MiB free, used 1 KiB", flush=True)
    print("prompt>", flush=True)
    line = sys.stdin.readline()
    print("got: " + line.strip(), flush=True)
    """)


class RunnerInputTests(unittest.TestCase):
    def test_input_after_prompt(self):
        with tempfile.TemporaryDirectory() as d:
            emu = os.path.join(d, "emu.py")
            with open(emu, "w") as f:
                f.write(ECHO_EMULATOR)
            script = InputScript.from_args([("when", "^prompt>"), ("text", r"hello\n")])
            res = runner.run([sys.executable, emu], cwd=d, timeout_s=30, input_script=script)
            self.assertIn("got: hello", res.console.lines)
            self.assertFalse(res.timed_out)
            self.assertIsNone(script.waiting_for)


class InitramfsTests(unittest.TestCase):
    def test_newc_archive(self):
        la = load_linux_assets()
        img = la.initramfs(b"\x7fELF-busybox", [("bin", "sh"), ("sbin", "poweroff")], b"#!/bin/sh\n")
        data = gzip.decompress(img)
        entries, pos = {}, 0
        while True:
            self.assertEqual(data[pos:pos + 6], b"070701")
            fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
            mode, size, namesize = fields[1], fields[6], fields[11]
            name = data[pos + 110:pos + 110 + namesize - 1].decode()
            pos += 110 + namesize
            pos += -pos % 4
            body = data[pos:pos + size]
            pos += size
            pos += -pos % 4
            if name == "TRAILER!!!":
                break
            entries[name] = (mode, body, fields[9], fields[10])
        self.assertEqual(entries["init"][0], 0o100755)
        self.assertEqual(entries["init"][1], b"#!/bin/sh\n")
        self.assertEqual(entries["bin/busybox"][1], b"\x7fELF-busybox")
        self.assertEqual(entries["sbin/poweroff"], (0o120777, b"../bin/busybox", 0, 0))
        self.assertEqual(entries["dev/console"][0] & 0o170000, 0o020000)
        self.assertEqual(entries["dev/console"][2:], (5, 1))

    def test_scripts_and_cfgs(self):
        la = load_linux_assets()
        for name, sc in la.SCENARIOS.items():
            init = la.init_script(name, sc).decode()
            self.assertIn(la.MARKER, init)
            self.assertIn("poweroff -f", init)
            cfg = la.domain_cfg(name, sc)
            self.assertIn('name = "%s"' % name, cfg)
            self.assertIn('ramdisk = "%s.cpio.gz"' % name, cfg)
            self.assertIn("vcpus = %d" % sc["vcpus"], cfg)


if __name__ == "__main__":
    unittest.main()
