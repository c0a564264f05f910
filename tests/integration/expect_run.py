#!/usr/bin/env python3
"""Run a command that is supposed to fail in a specific way.

  expect_run.py --status N [--stderr REGEX] [--stdout REGEX]...
                [--stdout-count N REGEX]... -- COMMAND [ARGS...]

Succeeds (exit 0) only if COMMAND exits with exactly status N and, when
--stderr is given, its standard error matches REGEX (Python re.search,
multi-line). Used by the negative tests, which prove that rv-run reports a
failed self-test, a timeout or a refused request as such, instead of passing
(CTest's WILL_FAIL would also accept a crash of rv-run itself).
--stdout-count N REGEX: standard output has exactly N lines matching REGEX
(re.search on each line), e.g. a line that must appear once, not twice.
"""
import argparse
import re
import subprocess
import sys


def main():
    p = argparse.ArgumentParser(prog="expect_run")
    p.add_argument("--status", type=int, required=True)
    p.add_argument("--stderr", metavar="REGEX")
    p.add_argument("--stdout", metavar="REGEX", action="append", default=[],
                   help="standard output must match REGEX too (repeatable)")
    p.add_argument("--stdout-count", metavar=("N", "REGEX"), nargs=2, action="append", default=[],
                   help="exactly N lines of standard output match REGEX (repeatable)")
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
    if problems:
        print("expect_run: FAIL: " + "; ".join(problems))
        return 1
    print("expect_run: ok: exit status %d%s" % (
        proc.returncode, ", stderr matches %r" % args.stderr if args.stderr else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
