#!/usr/bin/env python3
"""Unit tests for rv-run's handling of domains (tools/rvlib: domcfg, domains,
the domain events of console): reading xl.cfg files, staging them and the
files they name as boot modules, and the verdict on canned console logs of
domain runs (poweroff, crash, rejected, leaks, FAIL lines, timeouts,
fairness). No emulator runs.
"""

import os
import shutil
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools")
sys.path.insert(0, TOOLS)

from rvlib import domcfg, domains, emulators, media  # noqa: E402
from rvlib.console import Console, ExitStats  # noqa: E402


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
        w = domcfg.load(self.cfg("k/w.cfg", "w", "spin.elf",
                                 'rv_expect = "watchdog"\nrv_expect_restarts = 3\n'))
        self.assertEqual((w.expect, w.expect_restarts), ("watchdog", 3))
        w = domcfg.load(self.cfg("k/l.cfg", "l", "spin.elf", 'rv_expect = "restart-loop"\n'))
        self.assertEqual((w.expect, w.expect_restarts), ("restart-loop", 0))
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

    def test_control_domain_built_domains_count_as_powered_off(self):
        # rv create from dom0 (docs/toolstack.md): a domain with no file,
        # destroyed by the control domain, ends as a power-off.
        built = ["(d2 domU) created: 0 MiB, 1 vCPU(s), kernel  entry 0",
                 "(d2 domU) created by the control domain (d1): PVH, 1 vCPU(s), paused, no memory yet",
                 "(d2 domU) shut down (poweroff)", "(d2 domU) destroyed"]
        log = domain_log(*life(1, "cpuid"), *built, started=(1, 1))
        v = self.judge(log, [dom("cpuid")], nr_cfg_modules=1)
        self.assertTrue(v.ok, v.reason)
        # Without the 'created by the control domain' line it is one too many.
        log = domain_log(*life(1, "cpuid"), built[0], *built[2:], started=(1, 1))
        v = self.judge(log, [dom("cpuid")], nr_cfg_modules=1)
        self.assertFalse(v.ok)
        self.assertIn("counted 2 powered off, 0 crashed; expected 1, 0", v.reason)

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

    def test_vmstate_finding_fails_the_run(self):
        # The guest-state checker's line fails a run whatever the domains
        # did, even when the domain was expected to crash.
        line = ('vmstate: d1 v0: before VMRUN: CR4 = 0x800 breaks "CR4 reserved bits, incl. '
                'features this CPU lacks, must be 0 (APM 15.5.1)"')
        log = domain_log(*life(1, "g", end="crash", crash="the guest-state checker refused the state"),
                         line, started=(1, 1))
        v = self.judge(log, [dom("g", "crash")], status=35)
        self.assertFalse(v.ok)
        self.assertIn("guest-state checker: d1 v0: before VMRUN: CR4 = 0x800", v.reason)
        self.assertTrue(self.judge(log.replace(line + "\r\n", ""), [dom("g", "crash")], status=35).ok)

    def test_hypervisor_bug_line_fails_the_run(self):
        # A subsystem that caught its own bug keeps the host up, but the run fails.
        line = ("timer: BUG: memory freed while queued on cpu0: timer 0xffff830000400000, "
                "handler vlapic_timer_fire+0x0; taken off the queue")
        log = domain_log(*life(1, "g"), line, started=(1, 1))
        v = self.judge(log, [dom("g")])
        self.assertFalse(v.ok)
        self.assertIn("hypervisor bug caught: timer: BUG: memory freed", v.reason)
        self.assertTrue(self.judge(log.replace(line + "\r\n", ""), [dom("g")]).ok)

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

def restart_lines(old, new, name, reason="reboot", n=1, before=4096, after=0, new_frames=4096):
    """What the hypervisor prints between two lives of a restarted domain."""
    return ["(d%d %s) restart %d (on_%s = restart): %d frames owned before destruction, %d after; "
            "free frames 100 -> 4223" % (old, name, n, reason, before, after),
            "(d%d %s) created: 16 MiB, 1 vCPU(s), kernel %s.elf entry 0x10000c" % (new, name, name),
            "(d%d %s) rebuilt from its file (restart %d, replaces d%d): %d frames owned, %d before "
            "the restart" % (new, name, n, old, new_frames, before)]


def stopped(off, crashed):
    return "ringvisor: all domains stopped: %d powered off, %d crashed; frames all returned" % (
        off, crashed)


class PolicyVerdictTest(unittest.TestCase):
    """Restarts, preserved domains, the restart-loop guard, watchdog outcomes."""

    def judge(self, log, doms, status=33, **kw):
        con = Console(domain_names=[d.name for d in doms if d.name])
        con.feed_text(log)
        return domains.judge_domains(con, doms, emulator="qemu", exit_status=status,
                                     timed_out=kw.pop("timed_out", False), timeout_s=60, **kw)

    def rdom(self, name, expect="poweroff", restarts=0, **keys):
        d = domcfg.DomainFile("/x/%s.cfg" % name, dict(name=name, **keys), expect=expect)
        d.expect_restarts = restarts
        return d

    def reboot_once(self, **kw):
        first = life(1, "r", end="reboot")[:-1]        # no "created" again below: drop "destroyed"
        return domain_log(*first, "(d1 r) on_reboot = restart", "(d1 r) destroyed",
                          *restart_lines(1, 2, "r", **kw),
                          "(d2 r) shut down (poweroff)", "(d2 r) destroyed",
                          stopped(1, 0), started=(1, 1), stopped=False)

    def test_restart_counted_and_checked(self):
        log = self.reboot_once()
        self.assertTrue(self.judge(log, [self.rdom("r", restarts=1)], nr_cfg_modules=1).ok)
        con = Console(domain_names=["r"])
        con.feed_text(log)
        r = con.domains["r"]
        self.assertEqual((r.lives, r.ends, r.shutdown, r.domid), (2, ["reboot", "poweroff"],
                                                                 "poweroff", 2))
        self.assertEqual(r.rebuilt, [(1, 4096, 4096)])
        self.assertEqual(r.restart_frames, [(1, 4096, 0)])
        v = self.judge(log, [self.rdom("r")])
        self.assertEqual(v.reason, "domain r: expected 0 restart(s) (rv_expect_restarts), saw 1 "
                                   "(shutdowns: reboot, poweroff)")

    def test_restart_frame_counts(self):
        v = self.judge(self.reboot_once(new_frames=4095), [self.rdom("r", restarts=1)])
        self.assertEqual(v.reason, "domain r: restart 1: the rebuilt domain owns 4095 frames, "
                                   "the old one owned 4096")
        v = self.judge(self.reboot_once(after=3), [self.rdom("r", restarts=1)])
        self.assertEqual(v.reason, "domain r: restart 1: 3 of the old domain's 4096 frames still "
                                   "owned after its destruction")

    def test_second_life_still_running(self):
        first = life(1, "r", end="reboot")
        log = domain_log(*first, *restart_lines(1, 2, "r"), started=(1, 1), stopped=False)
        v = self.judge(log, [self.rdom("r", restarts=1)], status=None, timed_out=True)
        self.assertEqual(v.reason, "domain r: expected poweroff, still running at the timeout "
                                   "(60 s)")

    def test_preserved(self):
        ev = life(1, "p", end="crash")[:-1] + [
            "(d1 p) on_crash = preserve",
            "(d1 p) preserved: paused, 4096 frames owned, 1 vCPU(s) with their state (v0 RIP 0x1)",
            "(d1 p) run over: destroying the preserved domain (4096 frames owned)",
            "(d1 p) destroyed"]
        log = domain_log(*ev, stopped(0, 1), started=(1, 1), stopped=False)
        d = self.rdom("p", "crash", on_crash="preserve")
        self.assertTrue(self.judge(log, [d], status=35).ok)
        con = Console(domain_names=["p"])
        con.feed_text(log)
        self.assertEqual(con.domains["p"].preserved, 4096)
        no = log.replace("(d1 p) preserved: paused", "(d1 p) something else")
        self.assertEqual(self.judge(no, [d], status=35).reason,
                         "domain p: on_crash = preserve, but the hypervisor did not report it "
                         "preserved")
        # Without preserve in its file, a preserved line is not required.
        self.assertTrue(self.judge(no, [self.rdom("p", "crash")], status=35).ok)

    def test_rename_restart(self):
        ev = life(1, "rr", end="crash")[:-1] + [
            "(d1 rr) on_crash = rename-restart",
            "(d1 rr) renamed to rr-20261205T1449Z (on_crash = rename-restart)",
            "(d1 rr-20261205T1449Z) preserved: paused, 4096 frames owned, 1 vCPU(s) with their "
            "state (v0 RIP 0x1)",
            "(d2 rr) created: 16 MiB, 1 vCPU(s), kernel rr.elf entry 0x10000c",
            "(d2 rr) rebuilt from its file (restart 1, replaces d1): 4096 frames owned, 4096 "
            "before the restart",
            "(d2 rr) shut down (poweroff)", "(d2 rr) destroyed",
            "(d1 rr-20261205T1449Z) destroyed"]
        log = domain_log(*ev, stopped(1, 0), started=(1, 1), stopped=False)
        self.assertTrue(self.judge(log, [self.rdom("rr", restarts=1,
                                                   on_crash="rename-restart")]).ok)
        con = Console(domain_names=["rr"])
        con.feed_text(log)
        self.assertEqual(con.domains["rr"].renamed_to, ["rr-20261205T1449Z"])
        self.assertEqual(con.domains["rr-20261205T1449Z"].preserved, 4096)

    def test_restart_loop(self):
        ev = life(1, "l", end="reboot")[:-1]
        for n in range(1, 3):
            ev += ["(d%d l) destroyed" % n] + restart_lines(n, n + 1, "l", n=n)
            ev += ["(d%d l) shut down (reboot)" % (n + 1)]
        ev += ["(d3 l) restart loop: restarted 2 times in a row, each life under 1000 ms of vCPU time; "
               "destroyed instead of restarting again", "(d3 l) destroyed"]
        log = domain_log(*ev, stopped(0, 1), started=(1, 1), stopped=False)
        self.assertTrue(self.judge(log, [self.rdom("l", "restart-loop", restarts=2)],
                                   status=35, nr_cfg_modules=1).ok)
        v = self.judge(log, [self.rdom("l", "reboot", restarts=2)], status=35)
        self.assertEqual(v.reason, "domain l: expected reboot, got restart-loop: after 2 "
                                   "restart(s), last shutdown reboot")
        v = self.judge(log, [self.rdom("l", "restart-loop", restarts=2)], status=33)
        self.assertIn("expected status 35", v.reason)

    def test_watchdog(self):
        log = domain_log(*life(1, "w", end="watchdog"), started=(1, 1))
        self.assertTrue(self.judge(log, [self.rdom("w", "watchdog")], nr_cfg_modules=1).ok)
        self.assertEqual(self.judge(log, [self.rdom("w")]).reason,
                         "domain w: expected poweroff, got watchdog")

    def test_cfg_keys(self):
        d = domcfg.DomainFile("/x/a.cfg", {"name": "a", "on_reboot": "destroy"})
        self.assertEqual((d.action("reboot"), d.action("crash"), d.action("watchdog"),
                          d.action("poweroff")), ("destroy", "destroy", "destroy", "destroy"))
        d = domcfg.DomainFile("/x/a.cfg", {"name": "a"})
        self.assertEqual(d.action("reboot"), "restart")     # xl's default
        self.assertEqual(domcfg.parse_expect("a=restart-loop"), ("a", "restart-loop"))
        self.assertEqual(domcfg.parse_expect("a=watchdog"), ("a", "watchdog"))


class FairnessTest(unittest.TestCase):
    def check(self, guest_ms):
        lines = []
        for i, g in enumerate(guest_ms):
            if g is not None:
                lines.append("(d%d spin%d) alive %d ms from start to shutdown" % (i + 1, i, g))
        con = Console()
        con.feed_text("\n".join(lines))
        return domains.fairness(con, [dom("spin%d" % i) for i in range(len(guest_ms))])

    def test_fair_and_unfair(self):
        ok, report = self.check([1000, 1200, 1499, 1100])
        self.assertTrue(ok, report)
        self.assertEqual(report[0], "fairness: ms from start to shutdown: spin0=1000, spin1=1200, "
                                    "spin2=1499, spin3=1100")
        self.assertEqual(report[1], "fairness: ok: max/min = 1499/1000 = 1.50 (limit 1.50)")
        ok, report = self.check([1000, 1600])
        self.assertFalse(ok)
        self.assertEqual(report[-1], "fairness: FAIL: max/min = 1600/1000 = 1.60 (limit 1.50)")
        ok, report = self.check([0, 10])
        self.assertFalse(ok)
        ok, report = self.check([10, None])
        self.assertFalse(ok)
        self.assertIn("no 'alive A ms' line for domain spin1", report[0])

    def test_sequential_run_is_unfair(self):
        # One after the other: equal guest time, but the second finished twice as late.
        con = Console()
        con.feed_text("(d1 a) v0: 1 exits; in guest 600 ms, in hypervisor 1 ms (0.1%), 1 ns "
                      "of hypervisor time per exit\n(d1 a) alive 600 ms from start to shutdown\n"
                      "(d2 b) v0: 1 exits; in guest 600 ms, in hypervisor 1 ms (0.1%), 1 ns "
                      "of hypervisor time per exit\n(d2 b) alive 1200 ms from start to shutdown\n")
        ok, report = domains.fairness(con, [dom("a"), dom("b")])
        self.assertFalse(ok, report)
        self.assertIn("a=600, b=1200", report[0])



if __name__ == "__main__":
    unittest.main(verbosity=2)
