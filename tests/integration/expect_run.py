#!/usr/bin/env python3
"""Run a command that is supposed to fail in a specific way.

  expect_run.py --status N [--stderr REGEX] [--stdout REGEX]...
                [--stdout-count N REGEX]...
                [--io-exits-max DOMAIN N]... [--io-port-max DOMAIN PORT N]...
                -- COMMAND [ARGS...]

Succeeds (exit 0) only if COMMAND exits with exactly status N and, when
--stderr is given, its standard error matches REGEX (Python re.search,
multi-line). Used by the negative tests, which prove that rv-run reports a
failed self-test, a timeout or a refused request as such, instead of passing
(CTest's WILL_FAIL would also accept a crash of rv-run itself).
--stdout-count N REGEX: standard output has exactly N lines matching REGEX
(re.search on each line), e.g. a line that must appear once, not twice.
--io-exits-max DOMAIN N: every vCPU of DOMAIN took at most N I/O exits, from
the statistics the hypervisor prints when a domain ends ("(dK DOMAIN) vV:
exits by reason: ..., io C, ..." and "vV: I/O exits by port: 0x42 C, ...").
DOMAIN must have printed its statistics (a run that never got there fails).
--io-port-max DOMAIN PORT N: PORT is left out of DOMAIN's --io-exits-max sum
and has a bound of its own, N per vCPU (for a guest whose own code is known
to poll one port; the bound still catches it doing more).
"""
import argparse
import re
import subprocess
import sys


def io_exit_problems(lines, limits, port_limits):
    """Per-vCPU I/O exit counts of each domain in limits against its bound."""
    problems = []
    for dom, maxn in limits:
        pre = r"^\(d[0-9]+ " + re.escape(dom) + r"\) v([0-9]+): "
        total, ports = {}, {}
        for line in lines:
            m = re.search(pre + r"exits by reason: (.*?);", line)
            if m:
                io = re.search(r"(?:^|, )io ([0-9]+)(?:,|$)", m.group(2))
                total[m.group(1)] = int(io.group(1)) if io else 0
            m = re.search(pre + r"I/O exits by port: (.*)$", line)
            if m:
                for port, n in re.findall(r"(0x[0-9a-f]+|others) ([0-9]+)", m.group(2)):
                    ports.setdefault(m.group(1), {})[port] = int(n)
        if not total:
            problems.append("no exit statistics printed for domain %s" % dom)
            continue
        for vcpu, n in sorted(total.items()):
            for pdom, port, pmax in port_limits:
                if pdom != dom:
                    continue
                c = ports.get(vcpu, {}).get("%#x" % int(port, 0), 0)
                if c > int(pmax):
                    problems.append("%s v%s: %d I/O exits at port %s, at most %s allowed" %
                                    (dom, vcpu, c, port, pmax))
                n -= c
            print("expect_run: %s v%s: %d I/O exits counted against the bound %s" % (dom, vcpu, n, maxn))
            if n > int(maxn):
                problems.append("%s v%s: %d I/O exits, at most %s allowed" % (dom, vcpu, n, maxn))
    return problems


def main():
    p = argparse.ArgumentParser(prog="expect_run")
    p.add_argument("--status", type=int, required=True)
    p.add_argument("--stderr", metavar="REGEX")
    p.add_argument("--stdout", metavar="REGEX", action="append", default=[],
                   help="standard output must match REGEX too (repeatable)")
    p.add_argument("--stdout-count", metavar=("N", "REGEX"), nargs=2, action="append", default=[],
                   help="exactly N lines of standard output match REGEX (repeatable)")
    p.add_argument("--io-exits-max", metavar=("DOMAIN", "N"), nargs=2, action="append", default=[],
                   help="each vCPU of DOMAIN took at most N I/O exits (repeatable)")
    p.add_argument("--io-port-max", metavar=("DOMAIN", "PORT", "N"), nargs=3, action="append", default=[],
                   help="PORT is not counted in DOMAIN's --io-exits-max; at most N exits there per vCPU")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        p.error("no command given")
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace")
    sys.stdout.write(proc.stdout)
    sys.stdout.write("---- stderr ----\n" + proc.stderr)
    problems = []
    if proc.returncode != args.status:
        problems.append("exit status %d, expected %d" % (proc.returncode, args.status))
    if args.stderr and not re.search(args.stderr, proc.stderr, re.M):
        problems.append("stderr does not match %r" % args.stderr)
    for rx in args.stdout:
        if not re.search(rx, proc.stdout, re.M):
            problems.append("stdout does not match %r" % rx)
    lines = proc.stdout.splitlines()
    for n, rx in args.stdout_count:
        found = sum(1 for line in lines if re.search(rx, line))
        if found != int(n):
            problems.append("%d lines of stdout match %r, expected %s" % (found, rx, n))
    problems += io_exit_problems(lines, args.io_exits_max, args.io_port_max)
    if problems:
        print("expect_run: FAIL: " + "; ".join(problems))
        return 1
    print("expect_run: ok: exit status %d%s" % (
        proc.returncode, ", stderr matches %r" % args.stderr if args.stderr else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
