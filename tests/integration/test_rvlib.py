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

from rvlib import cli, elfinfo, emulators, media, runner  # noqa: E402
from rvlib.console import Console, judge, sanitize  # noqa: E402

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
                         "console=com1,115200 emu_exit vmstate_check selftest loglvl=debug maxcpus=2")
        a = p.parse_args([])
        self.assertEqual(cli.hypervisor_cmdline(a), "console=com1,115200 emu_exit vmstate_check")
        a = p.parse_args(["--no-vmstate-check"])
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
                              (["--expect", "g=maybe"], "use NAME=poweroff|crash|reboot|watchdog|restart-loop|rejected"),
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


class BenchOptionsTest(unittest.TestCase):
    """rv-bench --evtchn-only/--evtchn-cases (rvlib/pvbench.py)."""

    def test_evtchn_cases(self):
        from rvlib import pvbench
        self.assertEqual(pvbench.parse_cases("all"), pvbench.ALL_CASES)
        self.assertEqual(len(pvbench.ALL_CASES), 4)
        self.assertEqual(pvbench.parse_cases("cross-CPU"), (("cross-CPU", "poll"), ("cross-CPU", "upcall")))
        # Listed order does not matter, duplicates count once, the table's order is kept.
        self.assertEqual(pvbench.parse_cases("cross-CPU/upcall, same-CPU/poll,cross-CPU/upcall"),
                         (("same-CPU", "poll"), ("cross-CPU", "upcall")))
        for bad in ("", "cross", "cross-CPU/spin", "all,x"):
            with self.assertRaises(ValueError, msg=bad):
                pvbench.parse_cases(bad)

    def test_bad_evtchn_cases_option(self):
        from rvlib import bench
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "ringvisor.elf"), "wb").close()
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                status = bench.main(["--build-dir", d, "--evtchn-only", "--evtchn-cases", "nowhere"])
            self.assertEqual(status, 2)
            self.assertIn("unknown case 'nowhere'", err.getvalue())

    def test_round_trip_line(self):
        from rvlib import pvbench
        line = ("evtchn round trips/s: 10101 (10000 round trips in 990000 us, 99000 ns each, "
                "median 94000 ns, p10 91000 ns)")
        m = pvbench.RT_RE.search(line)
        self.assertEqual(m.group(1), "10101")
        self.assertEqual(pvbench.rt_times(m.group(2)), (99000, 94000, 91000))
        m = pvbench.URT_RE.search("evtchn upcall round trips/s: 9000 (10000 round trips in 1100000 us, "
                                  "110000 ns each, median 88000 ns, p10 85000 ns; 10000 upcalls)")
        self.assertEqual(pvbench.rt_times(m.group(2)), (110000, 88000, 85000))
        # A guest from before the p10 figure: the others still read.
        self.assertEqual(pvbench.rt_times("5 ns each, median 4 ns)"), (5, 4, None))


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
        # No sound card on a fresh machine: Bochs 2.7's ALSA output aborts
        # the emulator when its PCM open fails (docs/testing.md).
        self.assertIn("sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n", rc)
        self.assertIn("speaker: enabled=0\n", rc)

    def test_emulator_death_is_told_apart(self):
        q = emulators.Launch([], "qemu", self.dir)
        b = emulators.Launch([], "bochs", self.dir)
        die = emulators.died_on_its_own
        abort = die(b, -6, False, ["ALSA lib pcm.c: Unknown PCM default",
                                   "*** buffer overflow detected ***: terminated"])
        self.assertIn("SIGABRT", abort)
        self.assertIn("buffer overflow detected", abort)
        self.assertIsNone(die(b, -9, True, []))          # rv-run's own timeout kill
        self.assertIsNone(die(q, 33, False, []))         # emu_exit codes are the hypervisor's
        self.assertIsNone(die(q, 35, False, []))
        self.assertIsNone(die(q, 0, False, []))          # guest reset with -no-reboot
        self.assertIn("status 1", die(q, 1, False, ["qemu-system-x86_64: -device x: not found"]))
        self.assertIn("status 4", die(q, 4, False, []))  # even: never isa-debug-exit's
        self.assertIsNone(die(b, 1, False, []))          # Shutdown port / triple fault
        with open(os.path.join(self.dir, "bochs.log"), "w") as f:
            f.write("00001234567i[CPU0 ] ok\n00001234999p[CPU0 ] >>PANIC<< bad state\n")
        self.assertIn("PANIC<< bad state", die(b, 1, False, []))
        # The Shutdown port (emu_exit) is logged at panic level: not a death.
        with open(os.path.join(self.dir, "bochs.log"), "w") as f:
            f.write("02115597985p[UNMAP ] >>PANIC<< Shutdown port: shutdown requested\n")
        self.assertIsNone(die(b, 1, False, []))

    def test_unknown_mode_and_missing_elf(self):
        spec = emulators.BootSpec(self.elf, "a")
        with self.assertRaises(emulators.LaunchError):
            emulators.prepare(spec, "floppy", self.dir)
        with self.assertRaises(emulators.LaunchError):
            emulators.prepare(emulators.BootSpec("/nonexistent.elf", "a"), "direct", self.dir)


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

    def test_emulator_that_aborts_gets_one_distinct_line(self):
        argv = fake_emulator("""
            import os, signal, sys
            print("ringvisor: ready: 1 CPUs online, 10 MiB free, used 20 KiB", flush=True)
            sys.stderr.write("*** buffer overflow detected ***: terminated\\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGABRT)
        """)
        r = runner.run(argv, cwd=self.dir, timeout_s=30)
        self.assertEqual(r.exit_status, -6)
        self.assertFalse(r.timed_out)
        why = emulators.died_on_its_own(emulators.Launch(argv, "qemu", self.dir),
                                        r.exit_status, r.timed_out, r.stderr)
        self.assertIn("killed by SIGABRT (signal 6)", why)

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


class SplitBenchParseTest(unittest.TestCase):
    """rv-bench's split-driver rows (tools/rvlib/splitbench.py) from canned
    RV-BENCH lines: fio's terse line whole and cut to the fields dom0 keeps,
    iperf3's receiver line, and a row that did not come saying why."""

    def setUp(self):
        from rvlib import summary
        summary.clear()

    def test_fio_terse(self):
        from rvlib import splitbench
        full = ";".join(["3", "fio-3.33", "randwrite", "0", "0", "0", "0", "0", "0"] + ["0"] * 37 +
                        ["4096", "2048", "512", "2000"] + ["0"] * 80)
        cut = "3;fio-3.33;randwrite;0;0;0;0;0;0;4096;2048;512;2000"
        for text in (full, cut):
            v, why = splitbench.parse_fio(text, "randwrite")
            self.assertEqual(why, "")
            self.assertAlmostEqual(v[0], 2048 * 1024 / 1e6)
            self.assertEqual(v[1], 512.0)
        v, _ = splitbench.parse_fio("3;fio-3.33;seqread;0;0;144384;35836;34;4029;0;0;0;0", "seqread")
        self.assertEqual(v, (35836 * 1024 / 1e6, 34.0))
        self.assertEqual(splitbench.parse_fio("3;fio-3.33;seqread;0;5;1;1;1;1;0;0;0;0", "seqread"),
                         (None, "fio error 5"))
        v, why = splitbench.parse_fio("fio: pid=0, err=2/file:filesetup.c", "seqread")
        self.assertIsNone(v)
        self.assertIn("err=2", why)

    def test_table(self):
        from rvlib import splitbench, summary
        lines = ["bench_split: RV-BENCH: fio dom0 seqread 3;fio-3.33;seqread;0;0;1;8000;8;4000;0;0;0;0\r",
                 "bench_split: RV-BENCH: fio pv seqread 3;fio-3.33;seqread;0;0;1;2000;2;4000;0;0;0;0",
                 "bench_split: RV-BENCH: iperf3 dom0-lo [  5]   0.00-4.00   sec  64.0 MBytes   128 Mbits/sec"
                 "                  receiver",
                 "bench_split: RV-BENCH: iperf3 domU-dom0 [  5]   0.00-4.00   sec  2.0 MBytes   4.00 Mbits/sec"
                 "                  receiver",
                 "bench_split: RV-BENCH: iperf3 dom0-domU iperf3: error - unable to connect to server"]
        fio, tcp, _ = splitbench.collect(lines)
        out = "\n".join(splitbench.table(fio, tcp))
        self.assertIn("8.19 MB/s 8 IOPS", out)
        self.assertIn("2.05 MB/s 2 IOPS (x0.25)", out)
        self.assertIn("PV domU -> dom0            0.50 MB/s (x0.031 of dom0's loopback)", out)
        self.assertIn("FAILED: iperf3: error - unable to connect to server", out)
        self.assertIn("FAILED: no line (the PVH domU did not get there)", out)
        rows = {r[0]: r for r in summary.ROWS}
        self.assertEqual(rows["TCP PV domU -> dom0"][3], "0.031")
        self.assertEqual(rows["TCP dom0 -> PV domU"][1], "FAILED")


if __name__ == "__main__":
    unittest.main(verbosity=2)
