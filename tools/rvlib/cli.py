"""rv-run: boot Ringvisor in an emulator and judge the run from its console.

With domain files (DOMAIN.cfg, xl.cfg syntax) it boots them as guests and
judges each domain's outcome (domains.py); with none and no --selftest it
boots the demo set listed in <build>/guests/DEMO.txt.

Exit status: 0 the run succeeded, 1 it failed (reason on stderr, one line
starting "rv-run: FAIL:"), 2 usage or setup error.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

from . import domcfg, emulators, firmware, hangdump, media, qemumon, runner, serialinput
from .console import Console, RESERVED_DOMAIN_NAMES, Verdict, judge
from .domains import FAIRNESS_MAX_RATIO, fairness, judge_domains, outcome

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_CMDLINE = "console=com1,115200 emu_exit"
DEMO_LIST = os.path.join("guests", "DEMO.txt")      # in the build directory


class UsageError(Exception):
    pass


class _InputStep(argparse.Action):
    """Collects --input-when/--input/--input-file in command-line order."""
    KINDS = {"--input-when": "when", "--input": "text", "--input-file": "file"}

    def __call__(self, parser, namespace, values, option_string=None):
        steps = list(getattr(namespace, self.dest, None) or [])
        steps.append((self.KINDS[option_string], values))
        setattr(namespace, self.dest, steps)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rv-run",
        description="Boot Ringvisor under QEMU (default: SeaBIOS + GRUB ISO) or Bochs, stream "
                    "its console to stdout and decide success from the console protocol.",
        epilog="Exit status: 0 success, 1 the run failed (reason on stderr), 2 usage/setup "
               "error. Environment: RV_QEMU, RV_BOCHS (emulator binaries), RV_OVMF_CODE and "
               "RV_OVMF_VARS (firmware images).")
    what = p.add_argument_group("what to run")
    what.add_argument("--selftest", action="store_true",
                      help="run the in-hypervisor self-tests; success needs a summary with "
                           "P > 0 passed and 0 failed")
    what.add_argument("--cmdline", default="", metavar="OPTS",
                      help="extra hypervisor options, appended to '%s'" % BASE_CMDLINE)
    what.add_argument("--no-vmstate-check", action="store_true",
                      help="leave out the boot option 'vmstate_check' (the guest-state checker, "
                           "on by default; off for timing runs)")
    what.add_argument("--module", action="append", default=[], metavar="'FILE [ARGS]'",
                      help="pass FILE as a boot module (repeatable)")
    what.add_argument("domains", nargs="*", metavar="DOMAIN.cfg",
                      help="xl.cfg-style domain files to boot as guests, with the files they "
                           "name (default without --selftest: the demo set in "
                           "<build>/%s)" % DEMO_LIST)
    what.add_argument("--expect", action="append", default=[], metavar="NAME=OUTCOME",
                      help="expected outcome of the domain file NAME.cfg: poweroff, crash, reboot, "
                           "watchdog, restart-loop or rejected (the hypervisor must refuse the "
                           "file); overrides its rv_expect key (default poweroff); repeatable")
    what.add_argument("--no-domains", action="store_true",
                      help="boot without domains (not even the demo set)")
    inp = p.add_argument_group(
        "console input (QEMU only; see tools/rvlib/serialinput.py)",
        "Steps run in command-line order. Without them, a terminal on stdin is passed through "
        "to the serial port key by key (three Ctrl-A switch the hypervisor's input focus).")
    inp.add_argument("--input-when", action=_InputStep, dest="input_steps", metavar="REGEX",
                     help="wait for a console line matching REGEX before the next --input")
    inp.add_argument("--input", action=_InputStep, dest="input_steps", metavar="TEXT",
                     help="send TEXT to the serial port (backslash escapes: \\n, \\r, "
                          "\\x01 for Ctrl-A); repeatable")
    inp.add_argument("--input-file", action=_InputStep, dest="input_steps", metavar="FILE",
                     help="send FILE's bytes to the serial port")
    what.add_argument("--fairness", action="store_true",
                      help="also fail if the domains' guest CPU times (from the hypervisor's "
                           "per-vCPU exit statistics) differ by more than a factor %g"
                           % FAIRNESS_MAX_RATIO)

    how = p.add_argument_group("how to boot (default: QEMU, SeaBIOS, GRUB ISO)")
    mode = how.add_mutually_exclusive_group()
    mode.add_argument("--uefi", action="store_true", help="QEMU with OVMF, GRUB ISO")
    mode.add_argument("--efi-app", action="store_true",
                      help="QEMU with OVMF, ringvisor.efi started directly (no GRUB)")
    mode.add_argument("--direct", action="store_true",
                      help="QEMU -kernel ringvisor.elf (multiboot1 fast path, no firmware menu)")
    mode.add_argument("--bochs", metavar="MODEL",
                      help="Bochs with CPU MODEL (e.g. corei7_skylake_x, ryzen), GRUB ISO")
    how.add_argument("--smp", type=int, default=1, metavar="N", help="CPUs (default 1)")
    how.add_argument("--mem", default="512M", metavar="SIZE",
                     help="RAM, e.g. 128M or 8G (default 512M)")
    how.add_argument("--accel", choices=("tcg", "mttcg", "kvm"), default="tcg",
                     help="QEMU accelerator: tcg (one host thread for all vCPUs, the default), mttcg "
                          "(a thread per vCPU: stress runs; see docs/hvm.md for the VMRUN defect it "
                          "shows), kvm (needs nested virtualisation)")
    how.add_argument("--qemu-cpu", metavar="MODEL",
                     help="QEMU -cpu value (default %s under tcg, host under kvm)"
                          % emulators.QEMU_DEFAULT_CPU)
    how.add_argument("--timeout", type=float, default=120.0, metavar="S",
                     help="seconds before the emulator is killed (default 120); under QEMU "
                          "the hypervisor is first asked for its debug dump ('q', 'd'), and the "
                          "failure names where each vCPU is")
    how.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                     help="one more QEMU command-line word, appended after rv-run's own (repeat for "
                          "each word), e.g. --qemu-arg=-device --qemu-arg=e1000,netdev=n0: devices for "
                          "the initial domain (docs/dom0.md); QEMU runs only")
    how.add_argument("--no-hang-dump", action="store_true",
                     help="at the timeout, kill the emulator at once (no debug-key dump); "
                          "under Bochs, no hang_report= either")

    files = p.add_argument_group("files and output")
    files.add_argument("--build-dir", metavar="DIR", default=os.path.join(REPO_ROOT, "build"),
                       help="where ringvisor.elf / ringvisor.efi are (default <repo>/build)")
    files.add_argument("--keep", action="store_true",
                       help="keep the work directory (ISO, logs) and print its path")
    files.add_argument("--quiet", action="store_true",
                       help="do not echo the console; print only the verdict")
    p.add_argument("--min-cpus", type=int, default=0, metavar="N",
                   help="fail unless the ready line reports at least N CPUs online")
    return p


def mode_of(args) -> str:
    if args.uefi:
        return "uefi"
    if args.efi_app:
        return "efi-app"
    if args.direct:
        return "direct"
    if args.bochs:
        return "bochs"
    return "iso"


def hypervisor_cmdline(args) -> str:
    parts = [BASE_CMDLINE]
    if not args.no_vmstate_check:
        # Every test boot checks guest state before each VM entry (docs/hvm.md).
        parts.append("vmstate_check")
    if args.selftest:
        parts.append("selftest")
    if args.bochs and not args.no_hang_dump and "hang_report=" not in args.cmdline:
        # Bochs takes no console input: the hypervisor reports a hang itself.
        parts.append("hang_report=%d" % hangdump.bochs_hang_report(args.timeout))
    if args.cmdline.strip():
        parts.append(args.cmdline.strip())
    return media.check_cmdline(" ".join(parts), "hypervisor command line")


def load_domains(args, quiet: bool) -> list:
    """The domain files to boot (positional, else the demo set), loaded and
    checked; raises UsageError."""
    paths = list(args.domains)
    if args.no_domains:
        if paths or args.expect or args.fairness:
            raise UsageError("--no-domains contradicts domain files, --expect and --fairness")
        return []
    if not paths and not args.selftest and not args.module:
        demo = os.path.join(os.path.abspath(args.build_dir), DEMO_LIST)
        if not os.path.isfile(demo):
            raise UsageError("no domain files given and the demo list %s does not exist; "
                             "build the guests (cmake --build build) or pass --no-domains"
                             % demo)
        try:
            paths = domcfg.read_list(demo)
        except OSError as e:
            raise UsageError("cannot read %s: %s" % (demo, e))
        if not paths:
            raise UsageError("the demo list %s names no domain files" % demo)
    try:
        domains = [domcfg.load(p) for p in paths]
        domcfg.check_unique(domains)
        domcfg.apply_expectations(domains, args.expect)
    except (domcfg.DomainError, ValueError) as e:
        raise UsageError(str(e))
    if args.fairness and len(domains) < 2:
        raise UsageError("--fairness needs at least two domains")
    for d in domains:
        if d.name in RESERVED_DOMAIN_NAMES:
            raise UsageError("%s: domain name '%s' is reserved: the hypervisor's own console "
                             "lines start with '%s: '" % (d.path, d.name, d.name))
        if d.keys is None and not quiet:
            sys.stderr.write("rv-run: note: %s: %s; passed to the hypervisor unchanged\n"
                             % (d.path, d.syntax_error))
    return domains


def make_spec(args):
    """Validate the options, locate the build outputs and load the domain
    files: (BootSpec, [DomainFile]). Raises UsageError."""
    if args.smp < 1:
        raise UsageError("--smp must be at least 1")
    if args.min_cpus < 0:
        raise UsageError("--min-cpus must not be negative")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    try:
        mem = emulators.parse_mem(args.mem)
    except ValueError as e:
        raise UsageError("--mem: %s" % e)
    try:
        cmdline = hypervisor_cmdline(args)
    except media.MediaError as e:
        raise UsageError(str(e))
    build = os.path.abspath(args.build_dir)
    elf = os.path.join(build, "ringvisor.elf")
    if not os.path.isfile(elf):
        raise UsageError("%s not found; build first (cmake -S . -B build && cmake --build "
                         "build) or pass --build-dir" % elf)
    efi = None
    if args.efi_app:
        efi = os.path.join(build, "ringvisor.efi")
        if not os.path.isfile(efi):
            raise UsageError("%s not found (the EFI application is built by "
                             "src/boot/efi)" % efi)
    try:
        serialinput.InputScript.from_args(args.input_steps or [])
    except serialinput.InputError as e:
        raise UsageError(str(e))
    if args.input_steps and args.bochs:
        raise UsageError("--input needs QEMU: Bochs's COM1 is an output file")
    domains = load_domains(args, args.quiet)
    try:
        modules = [media.Module.parse(s) for s in args.module]
    except media.MediaError as e:
        raise UsageError(str(e))
    for m in modules:
        if not os.path.isfile(m.path):
            raise UsageError("module %s: no such file" % m.path)
    try:
        modules += domcfg.modules_for(domains)
    except domcfg.DomainError as e:
        raise UsageError(str(e))
    want_mib = sum(_int(d.keys.get("memory")) for d in domains if d.keys)
    if want_mib and want_mib + 64 > mem and not args.quiet:
        sys.stderr.write("rv-run: warning: the domains want %d MiB of RAM, the machine has %d "
                         "(--mem)\n" % (want_mib, mem))
    return emulators.BootSpec(elf=elf, cmdline=cmdline, smp=args.smp, mem_mib=mem,
                              modules=modules, efi_app=efi, qemu_args=list(args.qemu_arg)), domains


def _int(v) -> int:
    try:
        return int(v, 0) if isinstance(v, str) else 0
    except ValueError:
        return 0


def _print_diagnostics(launch: emulators.Launch, result: runner.RunResult, failed: bool):
    err = sys.stderr
    if launch.emulator == "qemu":
        for line in result.stderr:
            err.write("rv-run: qemu: %s\n" % line)
        return
    if not failed:
        return
    # Bochs: its own stdout/stderr (banner, debugger) and its log are noisy;
    # show them only when the run failed.
    for line in result.stderr[-15:]:
        err.write("rv-run: bochs: %s\n" % line)
    log = os.path.join(launch.cwd, "bochs.log")
    if os.path.isfile(log):
        with open(log, errors="replace") as f:
            # Bochs log lines: <ticks><level>[<module>] ...; e = error, p = panic.
            bad = [l.rstrip() for l in f if re.match(r"\d+[ep]\[", l)]
        for line in bad[-10:]:
            err.write("rv-run: bochs.log: %s\n" % line)


def console_input(args, launch: emulators.Launch):
    """(InputScript or None, keyboard pass-through?) for this run."""
    script = serialinput.InputScript.from_args(args.input_steps or [])
    if launch.emulator != "qemu":
        if script:
            raise serialinput.InputError("--input needs QEMU: Bochs's COM1 is an output file")
        return None, False
    keyboard = script is None and not args.quiet and sys.stdin is not None and sys.stdin.isatty()
    if keyboard:
        sys.stderr.write("rv-run: keys go to the hypervisor console (three Ctrl-A switch "
                         "between the hypervisor and the domains; Ctrl-C ends the run)\n")
    return script, keyboard


def run_once(args, spec: emulators.BootSpec, workdir: str, domains=()) -> int:
    mode = mode_of(args)
    launch = emulators.prepare(spec, mode, workdir, accel=args.accel,
                               qemu_cpu=args.qemu_cpu, bochs_model=args.bochs)
    if not args.quiet:
        sys.stderr.write("rv-run: %s: %s\n" % (launch.description, " ".join(launch.argv)))
        sys.stderr.write("rv-run: hypervisor command line: %s\n" % spec.cmdline)
        sys.stderr.flush()

    echoing = [not args.quiet]

    def echo(line: str) -> None:
        if not echoing[0] or not line.strip():
            return
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            # e.g. `rv-run | head`: keep judging the run, stop echoing.
            echoing[0] = False
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())

    con = Console(domain_names=[d.name for d in domains if d.name])
    script, keyboard = console_input(args, launch)
    # Only QEMU's serial port takes input (hangdump.py).
    hang = hangdump.HangDump() if not args.no_hang_dump else None
    can_type = launch.emulator == "qemu"
    probe = None
    if launch.monitor_sock and hang is not None:
        def probe():
            return qemumon.cpu_report(launch.monitor_sock, spec.smp, qemumon.Symbols.from_elf(spec.elf))
    result = runner.run(launch.argv, cwd=launch.cwd, timeout_s=args.timeout,
                        console_file=launch.console_file, on_line=echo,
                        stderr_path=os.path.join(workdir, "emulator.stderr"), console=con,
                        input_script=script, keyboard=keyboard, hang_dump=hang,
                        hang_dump_keys=can_type, nr_domains=len(domains), probe=probe)
    verdict = judge(con, selftest=args.selftest, emulator=launch.emulator,
                    exit_status=result.exit_status, timed_out=result.timed_out,
                    timeout_s=args.timeout, min_cpus=args.min_cpus, check_end=not domains)
    if verdict.ok and domains:
        verdict = judge_domains(
            con, domains, emulator=launch.emulator, exit_status=result.exit_status,
            timed_out=result.timed_out, timeout_s=args.timeout,
            module_strings=[os.path.basename(p) for d in domains for p in [d.path] + d.files],
            nr_cfg_modules=None if args.module else len(domains))
    if verdict.ok and args.fairness:
        fair, report = fairness(con, domains)
        for line in report:
            sys.stderr.write("rv-run: %s\n" % line)
        if not fair:
            verdict = Verdict(False, "unfair scheduling: " + report[-1].split("FAIL: ", 1)[1])
    if verdict.ok and script and script.waiting_for is not None:
        verdict = Verdict(False, "console input not sent: no console line matched --input-when "
                                 "%r" % script.waiting_for)
    died = emulators.died_on_its_own(launch, result.exit_status, result.timed_out, result.stderr)
    if died and not verdict.ok:
        # One distinct line, so that an emulator crash is never read as the
        # guest's or the hypervisor's failure (or as a timeout).
        sys.stderr.write("rv-run: EMULATOR DIED: %s\n" % died)
        verdict = Verdict(False, "the emulator died on its own (%s), not the guest; the run itself: %s"
                          % (died, verdict.reason))
    if not verdict.ok and result.timed_out and hang is not None and hang.summary():
        verdict = Verdict(False, "%s; stuck: %s" % (verdict.reason, hang.summary()))
    if not verdict.ok and result.probe:
        # QEMU's own view of its CPUs: the only word on a hypervisor that
        # no longer answers its console.
        for line in result.probe:
            sys.stderr.write("rv-run: qemu says %s\n" % line)
        if any("QEMU itself is stuck" in l for l in result.probe):
            # One distinct line, as for an emulator that died on its own: the
            # emulator, not the guest or the hypervisor, stopped.
            sys.stderr.write("rv-run: EMULATOR HUNG: QEMU's own monitor did not answer at the timeout\n")
            verdict = Verdict(False, "the emulator hung on its own (its monitor did not answer); the run "
                                     "itself: %s" % verdict.reason)
        elif hang is not None and hang.triggered and not hang.answered:
            verdict = Verdict(False, "%s; QEMU: %s" % (verdict.reason, "; ".join(result.probe)))
    _print_diagnostics(launch, result, not verdict.ok)
    elapsed = result.t_end - result.t_start
    if verdict.ok:
        what = []
        if args.selftest:
            what.append("%d self-tests passed" % con.summary[0])
        if domains:
            what.append("%d domains as expected (%s)" % (len(domains), ", ".join(
                "%s %s" % (d.label, outcome(con, d)[0]) for d in domains)))
        cpus = con.ready.cpus if con.ready else "?"
        sys.stderr.write("rv-run: PASS: %s, %s CPUs online, %.1f s\n"
                         % ("; ".join(what) or "ready", cpus, elapsed))
        return 0
    sys.stderr.write("rv-run: FAIL: %s\n" % verdict.reason)
    return 1


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        spec, domains = make_spec(args)
    except UsageError as e:
        sys.stderr.write("rv-run: %s\n" % e)
        return 2
    runner.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix="rv-run-")
    try:
        return run_once(args, spec, workdir, domains)
    except (media.MediaError, emulators.LaunchError, firmware.FirmwareError,
            serialinput.InputError, RuntimeError) as e:
        sys.stderr.write("rv-run: %s\n" % e)
        return 2
    finally:
        if args.keep:
            sys.stderr.write("rv-run: work directory kept: %s\n" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
