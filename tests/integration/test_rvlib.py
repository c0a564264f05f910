#!/usr/bin/env python3
"""Unit tests for the emulator tooling in tools/rvlib (rv-run, mkiso, rv-bench).

They check rv-run's own logic without booting the hypervisor: the verdict on
canned console logs, command-line and boot-medium generation, ELF size parsing,
and the process runner against small stand-in "emulators" written in Python
(streaming, exit status, timeout, killing the whole process group).
"""

import contextlib
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools")
sys.path.insert(0, TOOLS)

from rvlib import cli, domcfg, domains, elfinfo, emulators, media, runner  # noqa: E402
from rvlib.console import Console, ExitStats, judge, sanitize  # noqa: E402

GOOD_LOG = """\
ringvisor: ready: 4 CPUs online, 480 MiB free, used 2048 KiB
selftest: PASS fmt_basic
selftest: PASS buddy_alloc
selftest: PASS smp_ipi
selftest summary: 3 passed, 0 failed
"""


def console_of(text):
    c = Console()
    c.feed_text(text)
    return c


def verdict(text, **kw):
    args = dict(selftest=True, emulator="qemu", exit_status=33, timed_out=False,
                timeout_s=120)
    args.update(kw)
    return judge(console_of(text), **args)


class VerdictTest(unittest.TestCase):
    def test_good_selftest_run_passes(self):
        v = verdict(GOOD_LOG)
        self.assertTrue(v.ok, v.reason)
        self.assertEqual(v.reason, "")

    def test_qemu_status_must_be_33(self):
        v = verdict(GOOD_LOG, exit_status=35)
        self.assertFalse(v.ok)
        self.assertIn("status 35", v.reason)
        v = verdict(GOOD_LOG, exit_status=0)
        self.assertFalse(v.ok)
        self.assertIn("triple fault", v.reason)

    def test_bochs_status_is_not_used(self):
        # Bochs ends with status 1 on the Shutdown port write.
        self.assertTrue(verdict(GOOD_LOG, emulator="bochs", exit_status=1).ok)

    def test_failed_selftest(self):
        log = GOOD_LOG.replace("selftest: PASS smp_ipi",
                               "selftest: FAIL smp_ipi: no reply from CPU 2")
        log = log.replace("3 passed, 0 failed", "2 passed, 1 failed")
        v = verdict(log, exit_status=35)
        self.assertFalse(v.ok)
        self.assertIn("self-tests failed", v.reason)
        self.assertIn("smp_ipi: no reply from CPU 2", v.reason)

    def test_fail_line_beats_clean_summary(self):
        log = GOOD_LOG + "selftest: FAIL late_one: oops\n"
        self.assertFalse(verdict(log).ok)

    def test_summary_with_failures_but_no_fail_line(self):
        v = verdict(GOOD_LOG.replace("0 failed", "2 failed"))
        self.assertFalse(v.ok)
        self.assertIn("self-tests failed", v.reason)

    def test_panic(self):
        log = GOOD_LOG + "PANIC on CPU 1: page fault at 0xdead\n  rip ffff8300...\n"
        v = verdict(log, exit_status=37)
        self.assertFalse(v.ok)
        self.assertIn("panicked", v.reason)
        self.assertIn("CPU 1: page fault", v.reason)

    def test_panic_in_non_selftest_mode(self):
        v = verdict("ringvisor: ready: 1 CPUs online, 1 MiB free, used 1 KiB\nPANIC on CPU 0: x\n",
                    selftest=False)
        self.assertFalse(v.ok)

    def test_missing_summary(self):
        log = "\n".join(GOOD_LOG.splitlines()[:-1]) + "\n"
        v = verdict(log, exit_status=33)
        self.assertFalse(v.ok)
        self.assertIn("missing self-test summary", v.reason)

    def test_timeout_without_summary(self):
        log = "\n".join(GOOD_LOG.splitlines()[:2]) + "\n"
        v = verdict(log, exit_status=-9, timed_out=True, timeout_s=5)
        self.assertFalse(v.ok)
        self.assertIn("timeout after 5 s", v.reason)

    def test_timeout_after_summary(self):
        v = verdict(GOOD_LOG, exit_status=-9, timed_out=True)
        self.assertFalse(v.ok)
        self.assertIn("timeout", v.reason)
        self.assertIn("did not end the emulator", v.reason)

    def test_zero_selftests_is_a_failure(self):
        v = verdict("selftest summary: 0 passed, 0 failed\n")
        self.assertFalse(v.ok)
        self.assertIn("no self-tests ran", v.reason)

    def test_summary_must_match_pass_lines(self):
        v = verdict(GOOD_LOG.replace("3 passed", "4 passed"))
        self.assertFalse(v.ok)
        self.assertIn("4 passed but 3", v.reason)

    def test_firmware_escapes_and_cr_are_ignored(self):
        # OVMF clears the screen without a newline before the hypervisor's first line.
        log = ("\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: starting Boot0001\r\n"
               "\x1b[0m\x1b[37m\x1b[40mringvisor: ready: 2 CPUs online, 500 MiB free, "
               "used 900 KiB\r\n" + GOOD_LOG.split("\n", 1)[1].replace("\n", "\r\n"))
        c = console_of(log)
        self.assertEqual((c.ready.cpus, c.ready.free_mib, c.ready.used_kib), (2, 500, 900))
        self.assertTrue(judge(c, selftest=True, emulator="qemu", exit_status=33,
                              timed_out=False, timeout_s=1, min_cpus=2).ok)

    def test_sanitize(self):
        self.assertEqual(sanitize("\x1b[0m\x1b[30m\x1b[47mWelcome\r"), "Welcome")
        self.assertEqual(sanitize("a\x07b\x00c\tz"), "abc\tz")

    def test_ready_only_mode(self):
        ready = "ringvisor: ready: 1 CPUs online, 100 MiB free, used 10 KiB\n"
        self.assertTrue(verdict(ready, selftest=False).ok)
        v = verdict("booting...\n", selftest=False)
        self.assertFalse(v.ok)
        self.assertIn("no 'ringvisor: ready:' line", v.reason)
        v = verdict("booting...\n", selftest=False, timed_out=True, exit_status=-9)
        self.assertIn("timeout", v.reason)
        v = verdict(ready, selftest=False, timed_out=True, exit_status=-9)
        self.assertFalse(v.ok)

    def test_min_cpus(self):
        self.assertTrue(verdict(GOOD_LOG, min_cpus=4).ok)
        v = verdict(GOOD_LOG, min_cpus=8)
        self.assertFalse(v.ok)
        self.assertIn("only 4 CPUs online, wanted at least 8", v.reason)
        v = verdict(GOOD_LOG.split("\n", 1)[1], min_cpus=1)
        self.assertFalse(v.ok)
        self.assertIn("no 'ringvisor: ready:' line", v.reason)

    def test_grub_giving_up(self):
        log = ("  Booting `Ringvisor'\r\nerror: entry point isn't in a segment.\r\n"
               "Press any key to continue...\r\n"
               "  Failed to boot both default and fallback entries.\r\n")
        c = console_of(log)
        self.assertTrue(c.fatal)
        v = judge(c, selftest=True, emulator="qemu", exit_status=-9, timed_out=False,
                  timeout_s=1)
        self.assertEqual(v.reason, "GRUB could not boot the hypervisor: "
                                   "entry point isn't in a segment.")

    def test_grub_error_alone_is_not_fatal(self):
        # Under OVMF GRUB complains about the video mode and boots on.
        log = "error: no suitable video mode found.\n" + GOOD_LOG
        c = console_of(log)
        self.assertFalse(c.fatal)
        self.assertTrue(judge(c, selftest=True, emulator="qemu", exit_status=33,
                              timed_out=False, timeout_s=1).ok)

    def test_first_ready_line_counts(self):
        c = console_of("ringvisor: ready: 2 CPUs online, 5 MiB free, used 6 KiB\n"
                       "ringvisor: ready: 9 CPUs online, 5 MiB free, used 6 KiB\n")
        self.assertEqual(c.ready.cpus, 2)


class OptionsTest(unittest.TestCase):
    def test_parse_mem(self):
        self.assertEqual(emulators.parse_mem("512"), 512)
        self.assertEqual(emulators.parse_mem("128M"), 128)
        self.assertEqual(emulators.parse_mem("128MiB"), 128)
        self.assertEqual(emulators.parse_mem("8G"), 8192)
        self.assertEqual(emulators.parse_mem("2g"), 2048)
        for bad in ("", "abc", "8T", "-1G", "1.5G", "8"):
            with self.assertRaises(ValueError, msg=bad):
                emulators.parse_mem(bad)

    def test_hypervisor_cmdline(self):
        p = cli.build_parser()
        a = p.parse_args(["--selftest", "--cmdline", " loglvl=debug  maxcpus=2 "])
        self.assertEqual(cli.hypervisor_cmdline(a),
                         "console=com1,115200 emu_exit selftest loglvl=debug maxcpus=2")
        a = p.parse_args([])
        self.assertEqual(cli.hypervisor_cmdline(a), "console=com1,115200 emu_exit")

    def test_modes_are_exclusive(self):
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(SystemExit):
                cli.build_parser().parse_args(["--uefi", "--direct"])
        p = cli.build_parser()
        self.assertEqual(cli.mode_of(p.parse_args([])), "iso")
        self.assertEqual(cli.mode_of(p.parse_args(["--efi-app"])), "efi-app")
        self.assertEqual(cli.mode_of(p.parse_args(["--bochs", "ryzen"])), "bochs")

    def run_main(self, argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(argv)
        return status, err.getvalue()

    def test_domain_file_errors(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "ringvisor.elf"), "wb").close()
            cfg = os.path.join(d, "g.cfg")
            with open(cfg, "w") as f:
                f.write('name = "g"\nkernel = "g.elf"\nmemory = 16\n')
            b = ["--build-dir", d]
            cases = (
                ([os.path.join(d, "absent.cfg")], "cannot read domain file"),
                ([cfg], "kernel file 'g.elf' not found (looked for %s)"
                        % os.path.join(d, "g.elf")),
                ([os.path.join(d, "ringvisor.elf")], "must end in .cfg"),
                ([], "demo list %s does not exist" % os.path.join(d, "guests", "DEMO.txt")),
                (["--no-domains", cfg], "--no-domains contradicts"),
            )
            for argv, msg in cases:
                status, err = self.run_main(b + argv)
                self.assertEqual(status, 2, argv)
                self.assertIn(msg, err, argv)
                self.assertEqual(len(err.splitlines()), 1, err)
            open(os.path.join(d, "g.elf"), "wb").close()
            for argv, msg in ((["--expect", "other=crash"], "no domain file other.cfg"),
                              (["--expect", "g=maybe"], "use NAME=poweroff|crash|rejected"),
                              (["--fairness"], "at least two domains")):
                status, err = self.run_main(b + [cfg] + argv)
                self.assertEqual(status, 2, argv)
                self.assertIn(msg, err, argv)
            with open(cfg, "w") as f:
                f.write('name = "ringvisor"\nkernel = "g.elf"\nmemory = 16\n')
            status, err = self.run_main(b + [cfg])
            self.assertEqual(status, 2)
            self.assertIn("domain name 'ringvisor' is reserved", err)

    def test_missing_build_output(self):
        status, err = self.run_main(["--build-dir", "/nonexistent/rv-build"])
        self.assertEqual(status, 2)
        self.assertIn("/nonexistent/rv-build/ringvisor.elf not found", err)

    def test_bad_options(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "ringvisor.elf"), "wb").close()
            for argv, msg in ((["--smp", "0"], "--smp"), (["--mem", "lots"], "--mem"),
                              (["--timeout", "0"], "--timeout"),
                              (["--cmdline", "a;reboot"], "GRUB would interpret"),
                              (["--efi-app"], "ringvisor.efi not found")):
                status, err = self.run_main(["--build-dir", d] + argv)
                self.assertEqual(status, 2, argv)
                self.assertIn(msg, err, argv)


class MediaTest(unittest.TestCase):
    def test_check_cmdline(self):
        self.assertEqual(media.check_cmdline("  a=b   c,d "), "a=b c,d")
        for bad in ("a;b", "$x", "a'b", 'a"b', "a\nb", "a#b", "a{b", "a|b", "a\\b"):
            with self.assertRaises(media.MediaError, msg=bad):
                media.check_cmdline(bad)

    def test_grub_cfg(self):
        mods = [media.Module("/x/dom0.bin", "console=hvc0"), media.Module("/y/dom0.bin")]
        cfg = media.grub_cfg([("Ringvisor", "console=com1,115200 selftest")], mods)
        self.assertIn("set timeout=0\n", cfg)
        self.assertIn("multiboot2 /boot/ringvisor.elf console=com1,115200 selftest\n", cfg)
        self.assertIn("module2 /boot/dom0.bin console=hvc0\n", cfg)
        self.assertIn("module2 /boot/1-dom0.bin\n", cfg)
        self.assertIn("terminal_output serial\n", cfg)
        self.assertLess(cfg.index("dom0.bin console"), cfg.index("1-dom0.bin"))
        cfg = media.grub_cfg(media.default_iso_entries("console=com1"), timeout=3, screen=True)
        self.assertEqual(cfg.count("menuentry"), 2)
        self.assertIn("terminal_output serial console\n", cfg)
        self.assertIn("multiboot2 /boot/ringvisor.elf console=com1 selftest\n", cfg)

    def test_module_parse_and_names(self):
        m = media.Module.parse("  /a/b/initrd.img   root=/dev/xvda  ro ")
        self.assertEqual((m.path, m.args), ("/a/b/initrd.img", "root=/dev/xvda  ro"))
        names = media.staged_names([media.Module("/a/k"), media.Module("/b/K"),
                                    media.Module("/c/ringvisor.elf")])
        self.assertEqual(names, ["k", "1-K", "2-ringvisor.elf"])

    def test_efi_cfg_and_esp(self):
        with tempfile.TemporaryDirectory() as d:
            for n in ("app.efi", "ringvisor.elf", "mod.bin"):
                with open(os.path.join(d, n), "wb") as f:
                    f.write(n.encode())
            esp = os.path.join(d, "esp")
            app = media.build_esp(esp, os.path.join(d, "app.efi"),
                                  os.path.join(d, "ringvisor.elf"), "console=com1 selftest",
                                  [media.Module(os.path.join(d, "mod.bin"), "x=1")])
            boot = os.path.join(esp, "EFI", "BOOT")
            self.assertEqual(app, os.path.join(boot, "BOOTX64.EFI"))
            self.assertEqual(sorted(os.listdir(boot)),
                             ["BOOTX64.EFI", "mod.bin", "ringvisor.cfg", "ringvisor.elf"])
            with open(os.path.join(boot, "ringvisor.cfg")) as f:
                self.assertEqual(f.read(), "cmdline=console=com1 selftest\nmodule=mod.bin x=1\n")
            with open(app, "rb") as f:
                self.assertEqual(f.read(), b"app.efi")
            with self.assertRaises(media.MediaError):
                media.build_esp(esp, os.path.join(d, "missing.efi"),
                                os.path.join(d, "ringvisor.elf"), "a")

    def test_missing_grub_platform_is_reported(self):
        saved = media.GRUB_PLATFORM_DIRS
        media.GRUB_PLATFORM_DIRS = {"/nonexistent/x86_64-efi": "grub-efi-amd64-bin"}
        try:
            with self.assertRaisesRegex(media.MediaError, "grub-efi-amd64-bin"):
                media.check_iso_tools()
        finally:
            media.GRUB_PLATFORM_DIRS = saved


@unittest.skipUnless(shutil.which("grub-mkrescue") and shutil.which("xorriso")
                     and shutil.which("mdir"), "ISO tools not installed")
class IsoTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rv-isotest-")
        self.elf = os.path.join(self.dir, "ringvisor.elf")
        with open(self.elf, "wb") as f:
            f.write(b"\x7fELF not really")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_build_and_verify(self):
        mod = os.path.join(self.dir, "dom0")
        with open(mod, "wb") as f:
            f.write(b"module")
        iso = os.path.join(self.dir, "rv.iso")
        media.build_iso(self.elf, iso, [("Ringvisor", "console=com1")],
                        [media.Module(mod, "a=b")])
        facts = media.verify_iso(iso, ["/boot/ringvisor.elf", "/boot/dom0"])
        self.assertTrue(any("BIOS" in f for f in facts))
        self.assertTrue(any("BOOTX64.EFI" in f for f in facts))
        with self.assertRaisesRegex(media.MediaError, "/boot/other missing"):
            media.verify_iso(iso, ["/boot/other"])

    def test_single_platform_iso_is_rejected(self):
        stage = os.path.join(self.dir, "stage")
        os.makedirs(os.path.join(stage, "boot", "grub"))
        shutil.copy(self.elf, os.path.join(stage, "boot"))
        with open(os.path.join(stage, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(media.grub_cfg([("R", "x")]))
        for platform, missing in (("i386-pc", "UEFI"), ("x86_64-efi", "BIOS")):
            iso = os.path.join(self.dir, platform + ".iso")
            subprocess.run(["grub-mkrescue", "-d", "/usr/lib/grub/" + platform, "-o", iso,
                            "--locales=", "--fonts=", "--themes=", stage], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with self.assertRaisesRegex(media.MediaError, "no %s El Torito" % missing):
                media.verify_iso(iso)

    def test_not_an_iso(self):
        with self.assertRaises(media.MediaError):
            media.verify_iso(self.elf)
        with self.assertRaises(media.MediaError):
            media.verify_iso(os.path.join(self.dir, "absent.iso"))


class EmulatorCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rv-emutest-")
        self.elf = os.path.join(self.dir, "ringvisor.elf")
        open(self.elf, "wb").close()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_direct(self):
        mod = os.path.join(self.dir, "m,1")
        spec = emulators.BootSpec(self.elf, "console=com1 selftest", smp=4, mem_mib=8192,
                                  modules=[media.Module(mod, "x=1,2")])
        l = emulators.prepare(spec, "direct", self.dir)
        a = l.argv
        self.assertEqual(l.emulator, "qemu")
        self.assertIsNone(l.console_file)
        self.assertEqual(a[a.index("-kernel") + 1], self.elf)
        self.assertEqual(a[a.index("-append") + 1], "console=com1 selftest")
        self.assertEqual(a[a.index("-smp") + 1], "4")
        self.assertEqual(a[a.index("-m") + 1], "8192M")
        self.assertEqual(a[a.index("-cpu") + 1], "EPYC,+svm,+npt")
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=4", a)
        self.assertIn("-no-reboot", a)
        self.assertEqual(a[a.index("-initrd") + 1], mod.replace(",", ",,") + " x=1,,2")

    def test_kvm_and_cpu_override(self):
        spec = emulators.BootSpec(self.elf, "a")
        a = emulators.prepare(spec, "direct", self.dir, accel="kvm").argv
        self.assertEqual(a[a.index("-accel") + 1], "kvm")
        self.assertEqual(a[a.index("-cpu") + 1], "host")
        a = emulators.prepare(spec, "direct", self.dir, qemu_cpu="EPYC,+svm,-npt").argv
        self.assertEqual(a[a.index("-cpu") + 1], "EPYC,+svm,-npt")

    def test_bochsrc(self):
        spec = emulators.BootSpec(self.elf, "a", smp=2, mem_mib=256)
        rc = emulators.bochsrc(spec, "ryzen", "rv.iso")
        self.assertIn("cpu: model=ryzen, count=2, ips=50000000, reset_on_triple_fault=0\n", rc)
        self.assertIn("memory: guest=256, host=256\n", rc)
        big = emulators.bochsrc(emulators.BootSpec(self.elf, "a", mem_mib=8192), "ryzen", "x")
        self.assertIn("memory: guest=8192, host=2048\n", big)
        self.assertIn("ata0-master: type=cdrom, path=rv.iso, status=inserted\n", rc)
        self.assertIn('display_library: rfb, options="timeout=0"\n', rc)
        self.assertIn("com1: enabled=1, mode=file, dev=com1.log\n", rc)
        self.assertIn("clock: sync=none", rc)

    def test_unknown_mode_and_missing_elf(self):
        spec = emulators.BootSpec(self.elf, "a")
        with self.assertRaises(emulators.LaunchError):
            emulators.prepare(spec, "floppy", self.dir)
        with self.assertRaises(emulators.LaunchError):
            emulators.prepare(emulators.BootSpec("/nonexistent.elf", "a"), "direct", self.dir)


class DomCfgParseTest(unittest.TestCase):
    def test_strings_numbers_lists_comments(self):
        text = textwrap.dedent("""\
            # a comment line
            name = "web-1"   # trailing comment
            kernel = 'k.elf'; memory = 0x20 ; vcpus=2
            cmdline = "a=\\"q\\" tab\\there \\x41 back\\\\slash # not a comment"
            cpus = [ "0-3",   # first
                     '5', ]
            empty = []
            negative = -1
            ;;
            name = "web-2"
            """)
        k = domcfg.parse_text(text)
        self.assertEqual(k["name"], "web-2")          # the last one wins, as in xl
        self.assertEqual(k["kernel"], "k.elf")
        self.assertEqual(k["memory"], "0x20")
        self.assertEqual(k["vcpus"], "2")
        self.assertEqual(k["cmdline"], 'a="q" tab\there A back\\slash # not a comment')
        self.assertEqual(k["cpus"], ["0-3", "5"])
        self.assertEqual(k["empty"], [])
        self.assertEqual(k["negative"], "-1")

    def test_syntax_errors(self):
        cases = {
            'name = "x\n': "line 1: unterminated string",
            'a = 1\ntype = hvm\n': "line 2: expected a quoted string",
            'a = [1, [2]]': "lists cannot be nested",
            'a = [1, 2\n\n': "line 1: unterminated list",
            'a = "\\q"': "unknown escape \\q",
            'a = "\\x0"': "two hex digits",
            'a = "\\x00"': "NUL",
            'a += "x"': "'+=' is not supported",
            'a "x"': "expected '=' after 'a'",
            'a = 1 2': "after the value",
            'a =\n': "missing value after 'a ='",
            '= 1': "where a key should be",
            'a = [1 2]': "expected ',' or ']'",
            'a = "x\x01"': "control byte 0x01",
            'a = 1\0': "NUL byte",
        }
        for text, msg in cases.items():
            with self.assertRaises(domcfg.CfgSyntaxError, msg=text) as cm:
                domcfg.parse_text(text)
            self.assertIn(msg, str(cm.exception), text)

    def test_read_list(self):
        with tempfile.TemporaryDirectory() as d:
            lst = os.path.join(d, "DEMO.txt")
            with open(lst, "w") as f:
                f.write("# demo\na.cfg\n\n  sub/b.cfg  # comment\n/abs/c.cfg\n")
            self.assertEqual(domcfg.read_list(lst), [os.path.join(d, "a.cfg"),
                                                     os.path.join(d, "sub/b.cfg"), "/abs/c.cfg"])


class StagingTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rv-stagetest-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, rel, text):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def cfg(self, rel, name, kernel, extra=""):
        return self.write(rel, 'name = "%s"\nkernel = "%s"\nmemory = 16\n%s' % (name, kernel, extra))

    def test_load_and_expectations(self):
        self.write("k/spin.elf", "ELF")
        self.write("k/rd.img", "RD")
        d = domcfg.load(self.cfg("k/spin0.cfg", "spin0", "spin.elf",
                                 'ramdisk = "rd.img"\nrv_expect = "crash"\n'))
        self.assertEqual(d.files, [os.path.join(self.dir, "k/spin.elf"),
                                   os.path.join(self.dir, "k/rd.img")])
        self.assertEqual((d.name, d.stem, d.file_name, d.expect),
                         ("spin0", "spin0", "spin0.cfg", "crash"))
        domcfg.apply_expectations([d], ["spin0=rejected"])
        self.assertEqual(d.expect, "rejected")
        with self.assertRaisesRegex(domcfg.DomainError, "ramdisk file 'nope' not found"):
            domcfg.load(self.cfg("k/x.cfg", "x", "spin.elf", 'ramdisk = "nope"\n'))

    def test_odd_files_pass_through(self):
        bad = domcfg.load(self.write("bad.cfg", 'name = "b"\ntype = hvm\n'))
        self.assertIsNone(bad.keys)
        self.assertIn("line 2", bad.syntax_error)
        self.assertEqual((bad.files, bad.label, bad.expect), ([], "bad", "poweroff"))
        nokernel = domcfg.load(self.write("nok.cfg", 'name = "n"\nmemory = 16\n'))
        self.assertEqual(nokernel.files, [])
        empty = domcfg.load(self.write("empty.cfg", "\n"))
        self.assertEqual((empty.files, empty.name), ([], None))
        odd = domcfg.load(self.write("odd.cfg", 'name = "o"\nkernel = ["a"]\n'
                                                'rv_expect = "maybe"\n'))
        self.assertEqual((odd.files, odd.expect), ([], "poweroff"))
        mods = domcfg.modules_for([bad, nokernel, empty, odd])
        self.assertEqual([m.args for m in mods], ["bad.cfg", "nok.cfg", "empty.cfg", "odd.cfg"])

    def test_modules_deduplicated_by_base_name(self):
        self.write("g/spin.elf", "SPIN")
        self.write("copy/spin.elf", "SPIN")
        self.write("g/cpuid.elf", "CPUID")
        ds = [domcfg.load(self.cfg("g/spin%d.cfg" % i, "spin%d" % i, "spin.elf"))
              for i in range(3)]
        ds.append(domcfg.load(self.cfg("copy/spin3.cfg", "spin3", "spin.elf")))
        ds.append(domcfg.load(self.cfg("g/cpuid.cfg", "cpuid", "cpuid.elf")))
        domcfg.check_unique(ds)
        mods = domcfg.modules_for(ds)
        self.assertEqual([(os.path.relpath(m.path, self.dir), m.args) for m in mods], [
            ("g/spin0.cfg", "spin0.cfg"), ("g/spin.elf", "spin.elf"),
            ("g/spin1.cfg", "spin1.cfg"), ("g/spin2.cfg", "spin2.cfg"),
            ("copy/spin3.cfg", "spin3.cfg"),
            ("g/cpuid.cfg", "cpuid.cfg"), ("g/cpuid.elf", "cpuid.elf")])

    def test_conflicts_are_refused(self):
        self.write("a/k.elf", "ONE")
        self.write("b/k.elf", "TWO")
        a = domcfg.load(self.cfg("a/x.cfg", "x", "k.elf"))
        b = domcfg.load(self.cfg("b/y.cfg", "y", "k.elf"))
        with self.assertRaisesRegex(domcfg.DomainError, "two different files named k.elf"):
            domcfg.modules_for([a, b])
        same_file = domcfg.load(self.cfg("b/x.cfg", "z", "k.elf"))
        with self.assertRaisesRegex(domcfg.DomainError, "same base name"):
            domcfg.check_unique([a, same_file])
        same_name = domcfg.load(self.cfg("b/w.cfg", "x", "k.elf"))
        with self.assertRaisesRegex(domcfg.DomainError, "both define a domain named 'x'"):
            domcfg.check_unique([a, same_name])
        self.write("c/bad name.elf", "K")
        sp = domcfg.load(self.cfg("c/s.cfg", "s", "bad name.elf"))
        with self.assertRaisesRegex(domcfg.DomainError, "blanks or characters"):
            domcfg.modules_for([sp])

    def test_module_strings_per_boot_path(self):
        """The module string is the base name under GRUB, the EFI app and -kernel."""
        self.write("g/k.elf", "K")
        d = domcfg.load(self.cfg("g/x.cfg", "x", "k.elf"))
        mods = domcfg.modules_for([d]) + [media.Module("/other/dom0.bin", "console=hvc0")]
        cfg = media.grub_cfg([("R", "a")], mods)
        self.assertIn("module2 /boot/x.cfg x.cfg\n", cfg)
        self.assertIn("module2 /boot/k.elf k.elf\n", cfg)
        self.assertEqual(media.efi_cfg("a", mods), "cmdline=a\nmodule=x.cfg x.cfg\n"
                         "module=k.elf k.elf\nmodule=dom0.bin console=hvc0\n")
        work = os.path.join(self.dir, "work")
        os.mkdir(work)
        elf = self.write("ringvisor.elf", "")
        a = emulators.prepare(emulators.BootSpec(elf, "a", modules=mods), "direct", work).argv
        self.assertEqual(a[a.index("-initrd") + 1], "x.cfg,k.elf,/other/dom0.bin console=hvc0")
        self.assertEqual(os.path.realpath(os.path.join(work, "x.cfg")), d.path)
        self.assertEqual(os.path.realpath(os.path.join(work, "k.elf")), d.files[0])


def domain_log(*events, stopped=True, leaked=False, started=None, mods=None):
    """A console log of a domain run; events are lines after 'domains: K of N'."""
    lines = ["ringvisor: ready: 4 CPUs online, 480 MiB free, used 2048 KiB"]
    for i, m in enumerate(mods or []):
        lines.append("boot: module %d at 0x252000-0x2520fa '%s'" % (i, m))
    lines.append("hvm: using SVM")
    if started:
        lines.append("domains: %d of %d started" % started)
    lines += list(events)
    if stopped:
        lines.append("ringvisor: all domains stopped: %d powered off, %d crashed; frames %s"
                     % (sum("shut down" in e for e in events),
                        sum(e.endswith(") crashed") for e in events),
                        "LEAKED" if leaked else "all returned"))
    return "\r\n".join(lines) + "\r\n"


def life(domid, name, end="poweroff", output=(), crash=None):
    ev = ["(d%d %s) created: 16 MiB, 1 vCPU(s), kernel %s.elf entry 0x10000c" % (domid, name, name)]
    ev += ["%s: %s" % (name, o) for o in output]
    if crash:
        ev.append("(d%d %s) crash: %s" % (domid, name, crash))
    if end == "crash":
        ev.append("(d%d %s) crashed" % (domid, name))
    elif end:
        ev.append("(d%d %s) shut down (%s)" % (domid, name, end))
    if end:
        ev.append("(d%d %s) v0: 1302 exits; in guest 19 ms, in hypervisor 16 ms (46.7%%), "
                  "12997 ns of hypervisor time per exit" % (domid, name))
        ev.append("(d%d %s) destroyed" % (domid, name))
    return ev


def dom(name, expect="poweroff", stem=None, parsed=True):
    path = "/x/%s.cfg" % (stem or name)
    return domcfg.DomainFile(path, {"name": name} if parsed else None, expect=expect)


class DomainVerdictTest(unittest.TestCase):
    def judge(self, log, doms, status=33, timed_out=False, **kw):
        con = Console(domain_names=[d.name for d in doms if d.name])
        con.feed_text(log)
        return domains.judge_domains(con, doms, emulator=kw.pop("emulator", "qemu"),
                                     exit_status=status, timed_out=timed_out, timeout_s=60,
                                     **kw)

    def test_all_power_off(self):
        log = domain_log(*life(1, "cpuid", output=["PASS leaf0", "PASS leaf1"]),
                         *life(2, "msr"), started=(2, 2))
        doms = [dom("cpuid"), dom("msr")]
        v = self.judge(log, doms, nr_cfg_modules=2)
        self.assertTrue(v.ok, v.reason)
        con = Console(domain_names=["cpuid", "msr"])
        con.feed_text(log)
        c = con.domains["cpuid"]
        self.assertEqual((c.domid, c.shutdown, c.guest_passed, c.destroyed),
                         (1, "poweroff", ["leaf0", "leaf1"], True))
        self.assertEqual(c.exits[0], ExitStats(0, 1302, 19, 16, 46.7, 12997))
        self.assertEqual(con.all_stopped, (2, 0, False))

    def test_unexpected_crash_names_the_first_domain(self):
        log = domain_log(*life(1, "cpuid"), *life(2, "msr", end="crash", crash="triple fault"),
                         *life(3, "hlt", end="crash", crash="bad"), started=(3, 3))
        v = self.judge(log, [dom("cpuid"), dom("msr"), dom("hlt")], status=35)
        self.assertFalse(v.ok)
        self.assertEqual(v.reason, "domain msr: expected poweroff, got crash: triple fault")

    def test_expected_crash(self):
        log = domain_log(*life(1, "triple_fault", end="crash", crash="triple fault",
                               output=["FAIL not-reached: oops"]), started=(1, 1))
        self.assertTrue(self.judge(log, [dom("triple_fault", "crash")], status=35).ok)
        v = self.judge(log, [dom("triple_fault", "crash")], status=33)
        self.assertFalse(v.ok)
        self.assertIn("expected status 35", v.reason)
        v = self.judge(domain_log(*life(1, "tf"), started=(1, 1)), [dom("tf", "crash")],
                       status=35)
        self.assertEqual(v.reason, "domain tf: expected crash, got poweroff")

    def test_guest_requested_crash(self):
        log = domain_log(*life(1, "g", end="crash", output=["FAIL t1: got 3"]), started=(1, 1))
        v = self.judge(log, [dom("g")], status=35)
        self.assertEqual(v.reason, "domain g: expected poweroff, got crash: requested by the "
                                   "guest after FAIL t1: got 3")

    def test_fail_line_with_poweroff(self):
        log = domain_log(*life(1, "g", output=["PASS a", "FAIL b: wrong value 7"]),
                         started=(1, 1))
        v = self.judge(log, [dom("g")])
        self.assertEqual(v.reason, "domain g: guest reported FAIL b: wrong value 7")

    def test_other_shutdown_reasons(self):
        log = domain_log(*life(1, "g", end="reboot"), started=(1, 1))
        self.assertEqual(self.judge(log, [dom("g")]).reason,
                         "domain g: expected poweroff, got reboot")

    def test_rejected(self):
        log = domain_log("bad_syntax.cfg: domcfg: line 5: expected a quoted string; domain skipped",
                         "domain bad_kernel: kernel: no multiboot1 header",
                         "(d1 bad_kernel) destroyed",
                         *life(2, "boot32"), started=(1, 3))
        doms = [dom("bad_syntax", "rejected", parsed=False), dom("bad_kernel", "rejected"),
                dom("boot32")]
        self.assertTrue(self.judge(log, doms, status=35, nr_cfg_modules=3).ok)
        v = self.judge(log, doms, status=33)
        self.assertIn("expected status 35", v.reason)
        doms[0].expect = "poweroff"
        v = self.judge(log, doms, status=35)
        self.assertEqual(v.reason, "domain bad_syntax: expected poweroff, got rejected: "
                                   "domcfg: line 5: expected a quoted string")
        doms[0].expect = "rejected"
        v = self.judge(log, doms + [dom("late", "rejected")], status=35)
        self.assertIn("domain late: expected rejected, but the hypervisor neither started nor "
                      "rejected it (is late.cfg among its boot modules?)", v.reason)
        v = self.judge(log, doms, status=35, nr_cfg_modules=4)
        self.assertEqual(v.reason, "the hypervisor saw 3 domain files, rv-run passed 4")

    def test_all_rejected(self):
        log = domain_log("a.cfg: domcfg: missing required key 'memory'; domain skipped",
                         started=(0, 1), stopped=False)
        self.assertTrue(self.judge(log, [dom("a", "rejected")], status=35).ok)
        v = self.judge(log.replace("domains: 0 of 1", "domains: 1 of 1"),
                       [dom("a", "rejected")], status=35)
        self.assertIn("expected 'domains: 0 of 1 started'", v.reason)

    def test_leak(self):
        log = domain_log(*life(1, "g"), "leak: 12 frames free, 20 before the domains",
                         started=(1, 1), leaked=True)
        v = self.judge(log, [dom("g")])
        self.assertEqual(v.reason, "frames LEAKED after all domains stopped: "
                                   "12 frames free, 20 before the domains")

    def test_counts_must_match(self):
        log = domain_log(*life(1, "g"), started=(1, 1)).replace("1 powered off", "2 powered off")
        v = self.judge(log, [dom("g")], nr_cfg_modules=1)
        self.assertIn("counted 2 powered off, 0 crashed; expected 1, 0", v.reason)

    def test_timeouts(self):
        log = domain_log(*life(1, "a"), *life(2, "spin", end=None), started=(2, 2), stopped=False)
        v = self.judge(log, [dom("a"), dom("spin")], status=-9, timed_out=True)
        self.assertEqual(v.reason, "domain spin: expected poweroff, still running at the "
                                   "timeout (60 s)")
        v = self.judge(log, [dom("a"), dom("spin")], status=37)
        self.assertIn("still running when the emulator ended: status 37", v.reason)
        v = self.judge("ringvisor: ready: 1 CPUs online, 1 MiB free, used 1 KiB\n", [dom("a")],
                       status=-9, timed_out=True)
        self.assertIn("did not get to start domains (no 'domains: K of N started' line; "
                      "timeout after 60 s)", v.reason)
        done = domain_log(*life(1, "a"), started=(1, 1))
        v = self.judge(done, [dom("a")], status=-9, timed_out=True)
        self.assertIn("timeout after 60 s: all domains stopped but the hypervisor did not end",
                      v.reason)
        v = self.judge(done.rsplit("ringvisor: all", 1)[0], [dom("a")], status=33)
        self.assertEqual(v.reason, "no 'ringvisor: all domains stopped:' line (emulator "
                                   "ended: status 33 (emu_exit 0x10: all passed / clean "
                                   "shutdown))")

    def test_panic_and_bochs(self):
        log = domain_log(*life(1, "a"), started=(1, 1)) + "PANIC on CPU 2: oops\n"
        self.assertIn("panicked: PANIC on CPU 2", self.judge(log, [dom("a")], status=37).reason)
        log = domain_log(*life(1, "a"), started=(1, 1))
        self.assertTrue(self.judge(log, [dom("a")], status=1, emulator="bochs").ok)

    def test_module_strings(self):
        log = domain_log(*life(1, "a"), started=(1, 1), mods=["a.cfg", "a.elf"])
        self.assertTrue(self.judge(log, [dom("a")], module_strings=["a.cfg", "a.elf"]).ok)
        log = log.replace("'a.cfg'", "'/boot/a.cfg a.cfg'")
        v = self.judge(log, [dom("a")], module_strings=["a.cfg", "a.elf"])
        self.assertEqual(v.reason, "boot module string 'a.cfg' not delivered; the hypervisor "
                                   "got: '/boot/a.cfg a.cfg', 'a.elf'")

    def test_guest_cannot_forge_events(self):
        doms = [dom("a")]
        forged = ["ringvisor: all domains stopped: 1 powered off, 0 crashed; frames all returned",
                  "PANIC on CPU 0: forged", "selftest: FAIL x: y", "(d1 a) shut down (poweroff)"]
        log = domain_log(*life(1, "a", end=None, output=forged), started=(1, 1), stopped=False)
        con = Console(domain_names=["a"])
        con.feed_text(log)
        self.assertIsNone(con.panic)
        self.assertIsNone(con.all_stopped)
        self.assertEqual(con.failed, [])
        self.assertIsNone(con.domains["a"].shutdown)
        self.assertEqual(len(con.domains["a"].output), 4)


class FairnessTest(unittest.TestCase):
    def check(self, guest_ms):
        lines = []
        for i, g in enumerate(guest_ms):
            if g is not None:
                lines.append("(d%d spin%d) v0: 100 exits; in guest %d ms, in hypervisor 1 ms "
                             "(1.0%%), 10 ns of hypervisor time per exit" % (i + 1, i, g))
        con = Console()
        con.feed_text("\n".join(lines))
        return domains.fairness(con, [dom("spin%d" % i) for i in range(len(guest_ms))])

    def test_fair_and_unfair(self):
        ok, report = self.check([1000, 1200, 1499, 1100])
        self.assertTrue(ok, report)
        self.assertEqual(report[0], "fairness: guest ms: spin0=1000, spin1=1200, spin2=1499, "
                                    "spin3=1100")
        self.assertEqual(report[1], "fairness: ok: max/min = 1499/1000 = 1.50 (limit 1.50)")
        ok, report = self.check([1000, 1600])
        self.assertFalse(ok)
        self.assertEqual(report[-1], "fairness: FAIL: max/min = 1600/1000 = 1.60 (limit 1.50)")
        ok, report = self.check([0, 10])
        self.assertFalse(ok)
        ok, report = self.check([10, None])
        self.assertFalse(ok)
        self.assertIn("no 'v0: ... in guest G ms' line for domain spin1", report[0])

    def test_vcpus_are_summed(self):
        con = Console()
        con.feed_text("(d1 a) v0: 1 exits; in guest 600 ms, in hypervisor 1 ms (0.1%), 1 ns "
                      "of hypervisor time per exit\n(d1 a) v1: 1 exits; in guest 600 ms, in "
                      "hypervisor 1 ms (0.1%), 1 ns of hypervisor time per exit\n(d2 b) v0: 1 "
                      "exits; in guest 1000 ms, in hypervisor 1 ms (0.1%), 1 ns of hypervisor "
                      "time per exit\n")
        ok, report = domains.fairness(con, [dom("a"), dom("b")])
        self.assertTrue(ok, report)
        self.assertIn("a=1200, b=1000", report[0])


def _elf64(segments, extra_phdrs=0):
    """A minimal ELF64 header plus program headers: segments = [(type, paddr, filesz, memsz)]."""
    phnum = len(segments)
    hdr = bytearray(64)
    hdr[0:4] = b"\x7fELF"
    hdr[4], hdr[5], hdr[6] = 2, 1, 1
    struct.pack_into("<HHIQQQIHHHHHH", hdr, 16, 2, 62, 1, 0x200000, 64, 0, 0, 64, 56,
                     phnum + extra_phdrs, 0, 0, 0)
    body = b""
    for t, paddr, filesz, memsz in segments:
        body += struct.pack("<IIQQQQQQ", t, 5, 0, paddr + 0xffff830000000000, paddr,
                            filesz, memsz, 0x1000)
    return bytes(hdr) + body


class ElfInfoTest(unittest.TestCase):
    def test_load_segments(self):
        data = _elf64([(1, 0x200000, 0x3000, 0x3000), (4, 0, 0x20, 0x20),
                       (1, 0x204000, 0x1000, 0x5000)])
        info = elfinfo.load_info(data)
        self.assertEqual(len(info.segments), 2)
        self.assertEqual(info.mem_bytes, 0x8000)
        self.assertEqual(info.file_bytes, 0x4000)
        self.assertEqual(info.span_bytes, 0x9000)

    def test_bad_input(self):
        with self.assertRaises(elfinfo.ElfError):
            elfinfo.load_info(b"MZ" + b"\0" * 100)
        with self.assertRaisesRegex(elfinfo.ElfError, "outside the file"):
            elfinfo.load_info(_elf64([(1, 0, 1, 1)], extra_phdrs=3))
        with self.assertRaisesRegex(elfinfo.ElfError, "file size exceeds"):
            elfinfo.load_info(_elf64([(1, 0, 2, 1)]))


def fake_emulator(body):
    """argv for a stand-in emulator: a Python program with the given body."""
    return [sys.executable, "-c", textwrap.dedent(body)]


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rv-runtest-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_streams_lines_and_exit_status(self):
        seen = []
        argv = fake_emulator("""
            import sys, time
            print("\\x1b[2Jfirmware noise\\r")
            print("ringvisor: ready: 2 CPUs online, 10 MiB free, used 20 KiB\\r", flush=True)
            time.sleep(0.3)
            sys.stdout.write("selftest: PASS a\\nselftest summary: 1 passed, 0 failed")
            sys.stderr.write("qemu-system-x86_64: warning: TCG doesn't support requested feature: x\\n")
            sys.stderr.write("real diagnostic\\n")
            sys.exit(33)
        """)
        r = runner.run(argv, cwd=self.dir, timeout_s=30, on_line=seen.append)
        self.assertEqual(r.exit_status, 33)
        self.assertFalse(r.timed_out)
        self.assertEqual(seen, ["firmware noise",
                                "ringvisor: ready: 2 CPUs online, 10 MiB free, used 20 KiB",
                                "selftest: PASS a", "selftest summary: 1 passed, 0 failed"])
        self.assertEqual(r.console.summary, (1, 0))
        self.assertIsNotNone(r.ready_seconds)
        self.assertLess(r.ready_seconds, r.t_end - r.t_start - 0.2)
        self.assertEqual(r.stderr, ["real diagnostic"])
        self.assertTrue(judge(r.console, selftest=True, emulator="qemu",
                              exit_status=r.exit_status, timed_out=r.timed_out,
                              timeout_s=30).ok)

    def test_timeout_kills_the_whole_group(self):
        pidfile = os.path.join(self.dir, "grandchild.pid")
        argv = fake_emulator("""
            import subprocess, time
            p = subprocess.Popen(["sleep", "300"])
            open(%r, "w").write(str(p.pid))
            print("selftest: PASS a", flush=True)
            time.sleep(300)
        """ % pidfile)
        t0 = time.monotonic()
        r = runner.run(argv, cwd=self.dir, timeout_s=1.5)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertTrue(r.timed_out)
        self.assertEqual(r.console.passed, ["a"])
        with open(pidfile) as f:
            grandchild = int(f.read())
        time.sleep(0.2)
        alive = os.path.exists("/proc/%d" % grandchild)
        if alive:
            with open("/proc/%d/stat" % grandchild) as f:
                alive = f.read().split(")")[1].split()[0] != "Z"
        self.assertFalse(alive, "the emulator's child survived the timeout")
        v = judge(r.console, selftest=True, emulator="qemu", exit_status=r.exit_status,
                  timed_out=r.timed_out, timeout_s=1.5)
        self.assertIn("timeout after 1.5 s", v.reason)

    def test_panic_ends_the_run_early(self):
        saved = runner.PANIC_GRACE_S
        runner.PANIC_GRACE_S = 0.5
        try:
            argv = fake_emulator("""
                import time
                print("PANIC on CPU 0: test", flush=True)
                time.sleep(300)
            """)
            t0 = time.monotonic()
            r = runner.run(argv, cwd=self.dir, timeout_s=60)
            self.assertLess(time.monotonic() - t0, 20)
        finally:
            runner.PANIC_GRACE_S = saved
        self.assertFalse(r.timed_out)
        v = judge(r.console, selftest=True, emulator="qemu", exit_status=r.exit_status,
                  timed_out=r.timed_out, timeout_s=60)
        self.assertIn("panicked", v.reason)

    def test_loader_giving_up_ends_the_run(self):
        argv = fake_emulator("""
            import time
            print("error: no multiboot header found.", flush=True)
            print("  Failed to boot both default and fallback entries.", flush=True)
            time.sleep(300)
        """)
        t0 = time.monotonic()
        r = runner.run(argv, cwd=self.dir, timeout_s=60)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertFalse(r.timed_out)
        self.assertEqual(r.console.loader_errors, ["no multiboot header found."])

    def test_console_file_is_tailed(self):
        com1 = os.path.join(self.dir, "com1.log")
        seen = []
        argv = fake_emulator("""
            import sys, time
            print("bochs banner")
            with open(%r, "w") as f:
                for i in range(3):
                    f.write("selftest: PASS t%%d\\n" %% i); f.flush(); time.sleep(0.2)
                f.write("selftest summary: 3 passed, 0 failed")
            sys.exit(1)
        """ % com1)
        r = runner.run(argv, cwd=self.dir, timeout_s=30, console_file=com1,
                       on_line=seen.append)
        self.assertEqual(r.exit_status, 1)
        self.assertEqual(seen, ["selftest: PASS t0", "selftest: PASS t1", "selftest: PASS t2",
                                "selftest summary: 3 passed, 0 failed"])
        self.assertIn("bochs banner", r.stderr)
        self.assertTrue(judge(r.console, selftest=True, emulator="bochs",
                              exit_status=r.exit_status, timed_out=False, timeout_s=30).ok)

    def test_missing_binary(self):
        with self.assertRaises(RuntimeError):
            runner.run(["/nonexistent/qemu"], cwd=self.dir, timeout_s=5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
