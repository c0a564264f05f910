#!/usr/bin/env python3
"""Checks of the test guests themselves, in plain QEMU (no hypervisor).

  qemu_check.py --qemu QEMU --guests DIR --no-hypervisor NAME
      Boots DIR/NAME.elf with the memory and command line of its cfg.  With no
      Xen-compatible hypervisor the guest must print
      "FAIL hypervisor: not running under Ringvisor" (and no other FAIL line)
      and end QEMU through isa-debug-exit with 0x11 (exit status 35).

  qemu_check.py --qemu QEMU --guests DIR --nohv-checks NAME
      The same with " nohv" appended to the command line: the guest skips the
      hypervisor and runs the checks that do not need it; every one must pass
      (at least one PASS, no FAIL) and QEMU must exit with status 33 (0x10), or
      0 for triple_fault (QEMU -no-reboot ends on the triple fault).

Exit status 0 if the guest behaved, 1 otherwise (the reason on stderr).
"""
import argparse
import os
import re
import subprocess
import sys

NO_HV_LINE = "FAIL hypervisor: not running under Ringvisor"


def cfg_values(path):
    """The key = value pairs of an xl.cfg-style file (only what our cfgs use)."""
    vals = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*(\w+)\s*=\s*(?:"([^"]*)"|([^\s#]+))', line)
            if m:
                vals[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
    return vals


def find_cfg(guests, name):
    for cand in (name, name + "0"):           # spin has spin0..7.cfg
        path = os.path.join(guests, cand + ".cfg")
        if os.path.exists(path):
            return path
    raise SystemExit("qemu_check: no cfg for guest %s in %s" % (name, guests))


def run(qemu, elf, mem_mib, cmdline, timeout, smp=1):
    cmd = [qemu, "-accel", "tcg", "-M", "pc", "-m", "%dM" % mem_mib, "-smp", str(smp), "-display", "none",
           "-serial", "stdio", "-no-reboot", "-nic", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", elf]
    if cmdline:
        cmd += ["-append", cmdline]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        return None, out
    return p.returncode, p.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--guests", required=True, help="directory with <name>.elf and <name>.cfg")
    ap.add_argument("--timeout", type=float, default=45)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--no-hypervisor", action="store_true")
    mode.add_argument("--nohv-checks", action="store_true")
    ap.add_argument("name")
    args = ap.parse_args()

    cfg = cfg_values(find_cfg(args.guests, args.name))
    elf = os.path.join(args.guests, args.name + ".elf")
    cmdline = cfg.get("cmdline", "")
    if args.nohv_checks:
        cmdline = (cmdline + " nohv").strip()
    status, out = run(args.qemu, elf, int(cfg["memory"]), cmdline, args.timeout,
                      int(cfg.get("vcpus", "1")))
    lines = [l.rstrip("\r") for l in out.splitlines()]
    fails = [l for l in lines if l.startswith("FAIL ")]
    passes = [l for l in lines if l.startswith("PASS ")]

    problems = []
    if status is None:
        problems.append("QEMU still running after %g s" % args.timeout)
    if args.no_hypervisor and args.name == "hidden_hv":
        # Passes "no signature", fails the checks TCG cannot pass (it sets
        # CPUID.1:ECX bit 31 and ignores unknown MSRs), exits through 0xf4.
        if "PASS no-signature" not in lines:
            problems.append("no 'PASS no-signature' line")
        if status is not None and status != 35:
            problems.append("exit status %d, expected 35" % status)
    elif args.no_hypervisor:
        if NO_HV_LINE not in lines:
            problems.append("no '%s' line" % NO_HV_LINE)
        if len(fails) != 1:
            problems.append("%d FAIL lines, expected exactly one: %s" % (len(fails), fails))
        if status is not None and status != 35:
            problems.append("exit status %d, expected 35 (isa-debug-exit 0x11)" % status)
    else:
        expect = 0 if args.name == "triple_fault" else 33
        if fails:
            problems.append("FAIL lines: %s" % fails)
        if not passes and args.name != "triple_fault":
            problems.append("no PASS line")
        if not any(l.startswith("SKIP hypervisor:") for l in lines):
            problems.append("no 'SKIP hypervisor:' line")
        if status is not None and status != expect:
            problems.append("exit status %d, expected %d" % (status, expect))

    sys.stdout.write(out)
    if problems:
        sys.stderr.write("qemu_check: %s: %s\n" % (args.name, "; ".join(problems)))
        return 1
    print("qemu_check: %s: OK (%d PASS, %d FAIL, status %s)" % (args.name, len(passes), len(fails), status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
