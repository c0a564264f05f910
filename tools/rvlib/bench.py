"""rv-bench: boot-time, image-size and memory figures for Ringvisor.

Boot time is measured from just before the emulator process starts to the
arrival of the 'ringvisor: ready:' line on the console, so it includes the
firmware and GRUB but not building the ISO. It is reported, never asserted:
the build machines are shared and timings vary by 2x with load.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

from . import costbench, elfinfo, emulators, guestbench, linuxbench, media, pvbench, runner, splitbench, summary
from .cli import BASE_CMDLINE, REPO_ROOT
from .console import judge

CONFIGS = [
    ("QEMU SeaBIOS, GRUB ISO", "iso"),
    ("QEMU -kernel (multiboot1)", "direct"),
    ("QEMU OVMF, GRUB ISO", "uefi"),
]
OPTIONAL_CONFIGS = [
    ("QEMU OVMF, EFI application", "efi-app"),
]


def build_parser():
    p = argparse.ArgumentParser(prog="rv-bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", default=os.path.join(REPO_ROOT, "build"), metavar="DIR")
    p.add_argument("--runs", type=int, default=5, help="boots per configuration (default 5)")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--mem", default="512M")
    p.add_argument("--timeout", type=float, default=120.0, help="per boot, seconds")
    p.add_argument("--bochs", metavar="MODEL", help="also time Bochs with this CPU model")
    p.add_argument("--no-guests", action="store_true",
                   help="leave out the HVM guest figures (exit cost, overhead of a domain)")
    p.add_argument("--guests-only", action="store_true",
                   help="only the HVM guest figures (no boot-time runs)")
    p.add_argument("--no-linux", action="store_true",
                   help="leave out the Linux figures (Debian's kernel under Ringvisor vs bare "
                        "QEMU); otherwise tools/linux-assets fetches the kernel (~75 MB, once)")
    p.add_argument("--linux-only", action="store_true", help="only the Linux figures")
    p.add_argument("--no-pv", action="store_true",
                   help="leave out the PV-interface figures (event-channel round trips and grant "
                        "copies between two PVH domains; hypercall round trip PV vs PVH; "
                        "mmu_update entries/s)")
    p.add_argument("--pv-only", action="store_true",
                   help="only the PV-interface figures: prints the exit round trip (the floor), "
                        "'evtchn round trips/s same-CPU|cross-CPU poll|upcall: N (mean, median, rate at "
                        "the median, exits per round trip)', 'grant copy MB/s: N', 'hypercall round trip: PV N ns, PVH M "
                        "ns (PV/PVH = r)' and 'mmu_update: N entries/s in 1000-entry batches'")
    p.add_argument("--no-cost", action="store_true",
                   help="leave out the hypervisor-cost figures (time per exit kind against the CPUID "
                        "round trip, domain build ms/MiB at two sizes, payload unpack rate vs the "
                        "host's xz/gzip)")
    p.add_argument("--cost-only", action="store_true",
                   help="only the hypervisor-cost figures, plus one Linux boot's most common exit "
                        "kinds with their hypervisor time (if tools/linux-assets has run)")
    p.add_argument("--no-bochs", action="store_true",
                   help="leave out the hypervisor-cost rows under Bochs (reported as skipped)")
    p.add_argument("--cost-exits", type=int, default=20000, metavar="N",
                   help="exits of each kind the exit_mix guest makes (default 20000)")
    p.add_argument("--evtchn-rts", type=int, default=20000, metavar="N",
                   help="event-channel round trips per case (default 20000)")
    p.add_argument("--evtchn-only", action="store_true",
                   help="only the event-channel ping-pong rows (no exit floor, grant copy or PV kernel): "
                        "one short run without ping-pong for the set-up exits, then the cases chosen by "
                        "--evtchn-cases; for quick before/after comparisons (docs/bench.md)")
    p.add_argument("--evtchn-cases", default="all", metavar="LIST",
                   help="with --evtchn-only: comma-separated cases among same-CPU/poll, same-CPU/upcall, "
                        "cross-CPU/poll, cross-CPU/upcall, or 'cross-CPU', 'same-CPU', 'all' (default)")
    p.add_argument("--shadow-only", action="store_true",
                   help="only the shadow-pager figures: Debian's kernel to /init under NPT, under hap = 0 "
                        "and under hap = 0 with shadow_keep_global=0, alternately; prints the times, "
                        "exits, #PF exits and the ratio shadow / NPT; then 500 fork+exec and 200 x "
                        "mmap/touch/munmap of 256 pages under NPT and shadow, as ratios, and the worst "
                        "single exit of each (docs/shadow.md)")
    p.add_argument("--no-fork", action="store_true",
                   help="leave out the Linux fork+exec figures (three more boots)")
    p.add_argument("--linux-runs", type=int, default=1, metavar="N",
                   help="Linux boots per side (default 1: each takes tens of seconds)")
    p.add_argument("--no-split", action="store_true",
                   help="leave out the split-driver figures (fio and iperf3 in dom0 and in a PV and a PVH "
                        "Debian domU; one dom0 boot of several minutes; needs fio and iperf3 on the build host)")
    p.add_argument("--split-only", action="store_true",
                   help="only the split-driver figures: fio MB/s and IOPS (seq/random, read/write) on a domU's "
                        "/dev/xvda against dom0 on the same kind of file, iperf3 domU<->dom0 and domU<->domU "
                        "against dom0's loopback, as ratios")
    return p


def bench_config(spec, mode, runs, timeout, bochs_model=None):
    """Boot runs times; return (list of seconds to ready, last Ready, failure or None)."""
    times, ready, failure = [], None, None
    for i in range(runs):
        work = tempfile.mkdtemp(prefix="rv-bench-")
        try:
            launch = emulators.prepare(spec, mode, work, bochs_model=bochs_model)
            res = runner.run(launch.argv, cwd=work, timeout_s=timeout,
                             console_file=launch.console_file)
            v = judge(res.console, selftest=False, emulator=launch.emulator,
                      exit_status=res.exit_status, timed_out=res.timed_out, timeout_s=timeout)
            if not v.ok:
                failure = "run %d: %s" % (i + 1, v.reason)
                break
            times.append(res.ready_seconds)
            ready = res.console.ready
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sys.stderr.write(".")
        sys.stderr.flush()
    return times, ready, failure


def _fmt_s(x):
    return "%7.2f s" % x


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.runs < 1:
        sys.stderr.write("rv-bench: --runs must be at least 1\n")
        return 2
    build = os.path.abspath(args.build_dir)
    elf = os.path.join(build, "ringvisor.elf")
    efi = os.path.join(build, "ringvisor.efi")
    iso = os.path.join(build, "ringvisor.iso")
    if not os.path.isfile(elf):
        sys.stderr.write("rv-bench: %s not found; build first\n" % elf)
        return 2
    try:
        mem = emulators.parse_mem(args.mem)
    except ValueError as e:
        sys.stderr.write("rv-bench: --mem: %s\n" % e)
        return 2
    spec = emulators.BootSpec(elf=elf, cmdline=BASE_CMDLINE, smp=args.smp, mem_mib=mem,
                              efi_app=efi if os.path.isfile(efi) else None)
    if args.shadow_only:
        lines, fails = linuxbench.shadow_figures(build, BASE_CMDLINE, max(args.timeout, 600), args.linux_runs)
        print("\n".join(lines))
        for f in fails:
            sys.stderr.write("rv-bench: FAIL: %s\n" % f)
        return 1 if fails else 0
    if args.evtchn_only:
        try:
            cases = pvbench.parse_cases(args.evtchn_cases)
        except ValueError as e:
            sys.stderr.write("rv-bench: --evtchn-cases: %s\n" % e)
            return 2
        runner.install_signal_handlers()
        lines, fails = pvbench.evtchn_figures(build, BASE_CMDLINE, max(args.timeout, 600),
                                              rts=max(args.evtchn_rts, 1), cases=cases)
        print("\n".join(lines))
        for f in fails:
            sys.stderr.write("rv-bench: FAIL: %s\n" % f)
        return 1 if fails else 0
    if args.split_only:
        args.guests_only, args.no_guests, args.no_pv, args.no_linux, args.no_cost = True, True, True, True, True
    if args.linux_only or args.pv_only or args.cost_only:
        args.no_split = True
    if args.linux_only:
        args.guests_only, args.no_guests, args.no_pv = True, True, True
    if args.pv_only:
        args.guests_only, args.no_guests, args.no_linux, args.no_cost = True, True, True, True
    if args.linux_only:
        args.no_cost = True
    if args.cost_only:
        args.guests_only, args.no_guests, args.no_linux, args.no_pv = True, True, True, True
    configs = [] if args.guests_only else list(CONFIGS)
    if spec.efi_app and not args.guests_only:
        configs += OPTIONAL_CONFIGS
    if args.bochs:
        configs.append(("Bochs %s, GRUB ISO" % args.bochs, "bochs"))
    runner.install_signal_handlers()
    summary.clear()

    rows, failures = [], []
    for name, mode in configs:
        sys.stderr.write("rv-bench: %s " % name)
        try:
            times, ready, failure = bench_config(spec, mode, args.runs, args.timeout,
                                                 bochs_model=args.bochs)
        except (media.MediaError, emulators.LaunchError, RuntimeError, OSError) as e:
            times, ready, failure = [], None, str(e)
        sys.stderr.write("\n")
        rows.append((name, times, ready, failure))
        if failure:
            failures.append("%s: %s" % (name, failure))

    out = []
    load = os.getloadavg()
    out.append("Ringvisor benchmark: %s" % build)
    out.append("%d CPU(s), %s RAM, %d boots per configuration; load average %.2f %.2f %.2f"
               % (args.smp, args.mem, args.runs, *load))
    out.append("")
    out.append("Time from emulator start to 'ringvisor: ready:'")
    out.append("  %-30s %10s %10s %10s %6s" % ("configuration", "median", "min", "max", "runs"))
    for name, times, _, failure in rows:
        if times and not failure:
            out.append("  %-30s %10s %10s %10s %6s" % (
                name, _fmt_s(statistics.median(times)), _fmt_s(min(times)),
                _fmt_s(max(times)), "%d/%d" % (len(times), args.runs)))
        else:
            out.append("  %-30s %10s   %s" % (name, "FAILED", failure))
    out.append("")
    out.append("Image size")
    out.append("  %-50s %12d bytes" % ("ringvisor.elf, file", os.path.getsize(elf)))
    try:
        info = elfinfo.load_info_file(elf)
        out.append("  %-50s %12d bytes" % ("ringvisor.elf, loaded (sum of PT_LOAD memsz)",
                                            info.mem_bytes))
        out.append("  %-50s %12d bytes" % ("ringvisor.elf, loaded span (lowest..highest)",
                                            info.span_bytes))
        out.append("  %-50s %12d bytes" % ("ringvisor.elf, copied from file (PT_LOAD filesz)",
                                            info.file_bytes))
    except elfinfo.ElfError as e:
        out.append("  ringvisor.elf program headers unreadable: %s" % e)
    for path in (efi, iso):
        if os.path.isfile(path):
            out.append("  %-50s %12d bytes" % (os.path.basename(path) + ", file",
                                                os.path.getsize(path)))
    out.append("")
    out.append("Hypervisor memory after boot (from the ready line, last run)")
    out.append("  %-30s %12s %12s" % ("configuration", "used KiB", "free MiB"))
    for name, _, ready, _ in rows:
        if ready:
            out.append("  %-30s %12d %12d" % (name, ready.used_kib, ready.free_mib))
        else:
            out.append("  %-30s %12s %12s" % (name, "-", "-"))
    if not args.no_guests:
        sys.stderr.write("rv-bench: HVM guests ...\n")
        lines, guest_failures = guestbench.figures(build, BASE_CMDLINE, args.timeout, args.runs)
        out.append("")
        out += lines
        failures += guest_failures
    if not args.no_cost:
        sys.stderr.write("rv-bench: hypervisor cost per exit kind, domain build, unpack ...\n")
        lines, cost_failures = costbench.figures(build, BASE_CMDLINE, args.timeout, args.runs,
                                                 n=max(args.cost_exits, 1), linux=args.cost_only,
                                                 bochs=not args.no_bochs)
        out.append("")
        out += lines
        failures += cost_failures
    if not args.no_pv:
        sys.stderr.write("rv-bench: PVH event channels and grant copies, PV kernel ...\n")
        lines, pv_failures = pvbench.figures(build, BASE_CMDLINE, max(args.timeout, 600),
                                             rts=max(args.evtchn_rts, 1))
        out.append("")
        out += lines
        failures += pv_failures
    if not args.no_linux:
        sys.stderr.write("rv-bench: Linux guest ...\n")
        lines, linux_failures = linuxbench.figures(build, BASE_CMDLINE, max(args.timeout, 600),
                                                   args.linux_runs, fork=not args.no_fork)
        out.append("")
        out += lines
        failures += linux_failures
    if not args.no_split:
        sys.stderr.write("rv-bench: split drivers (fio, iperf3) ...\n")
        lines, split_failures = splitbench.figures(build, BASE_CMDLINE, max(args.timeout, 2400))
        out.append("")
        out += lines
        failures += split_failures
    b = costbench.LAST_BUILD
    if b is not None:
        # The builder's floor: writing each page once at the emulated CPU's
        # speed, here its 4 KiB copy rate in a guest of the same run.
        mbs = pvbench.LAST_MEMCPY_MBS
        floor = 1.048576e3 / mbs if mbs else None
        summary.add("domain build, %d MiB HVM" % b.mib, "%.3f ms/MiB (RAM part %s)" % (
                        b.ms_per_mib, ("%.3f" % b.ram_ms_per_mib) if b.ram_ms_per_mib is not None else "?"),
                    ("guest memcpy %.3f ms/MiB" % floor) if floor else "guest memcpy not measured",
                    ("%.1f" % (b.ms_per_mib / floor)) if floor else None, "page zeroing speed")
    if summary.ROWS:
        out.append("")
        out += summary.lines()
    print("\n".join(out))
    if failures:
        for f in failures:
            sys.stderr.write("rv-bench: FAIL: %s\n" % f)
        return 1
    return 0
