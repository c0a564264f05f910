#!/usr/bin/env python3
"""The debug keys and the stuck-vCPU report, under a real emulator.

  test_debugkeys.py keys RV_RUN_ARGS...   boot pvh_keys, type "hdegrmtxq" on the
                                          serial console, check each dump
  test_debugkeys.py hang RV_RUN_ARGS...   boot pvh_keys_hang (spins forever):
                                          rv-run must fail at its timeout with
                                          the vCPU's RIP inside the guest's loop
                                          (QEMU: from the keys rv-run types;
                                          Bochs: from hang_report=)

The guest (tests/guests/pvh/pvh_keys.c) prints the values the dumps must
show: its CR0/CR3/EFER, its ports, its grant and the address range of the
loop it spins in. Exits 0 when every check holds, 1 otherwise (each failed
check named).
"""

import re
import subprocess
import sys

KEYS = "hdegrmtxq"


def run(args):
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace")
    sys.stdout.write(proc.stdout)
    sys.stdout.write("---- stderr ----\n" + proc.stderr)
    return proc


def guest_facts(out):
    """The values pvh_keys printed about itself."""
    m = re.search(r"^\S+: state cr0=(0x[0-9a-f]+) cr3=(0x[0-9a-f]+) efer=(0x[0-9a-f]+)$", out, re.M)
    p = re.search(r"^\S+: ports debug=(\d+) unbound=(\d+); grant ref (\d+) gfn (0x[0-9a-f]+)$", out, re.M)
    lp = re.search(r"^\S+: loop (0x[0-9a-f]+)-(0x[0-9a-f]+)$", out, re.M)
    if not (m and p and lp):
        return None
    return {"cr0": int(m.group(1), 16), "cr3": int(m.group(2), 16), "efer": int(m.group(3), 16),
            "debug_port": int(p.group(1)), "unbound_port": int(p.group(2)), "ref": int(p.group(3)),
            "gfn": int(p.group(4), 16), "loop": (int(lp.group(1), 16), int(lp.group(2), 16))}


def where_rips(text, name):
    return [int(x, 16) for x in re.findall(r"\(d\d+ %s\) v0: where: RIP (0x[0-9a-f]+)," % name, text)]


def check_keys(args):
    proc = run(args + ["--input-when", r"^pvh_keys: spinning until VIRQ_DEBUG", "--input", KEYS])
    out, problems = proc.stdout, []

    def need(cond, what):
        if not cond:
            problems.append(what)

    need(proc.returncode == 0, "rv-run exit status %d, expected 0 (the guest ends after 'q')"
         % proc.returncode)
    g = guest_facts(out)
    if g is None:
        problems.append("the guest did not print its state, ports and loop lines")
        return problems
    # 'h': every key listed.
    for k in "deghmqrtx":
        need(re.search(r"^key '%s': \S" % k, out, re.M), "'h' does not list key '%s'" % k)
    # Each key's dump is framed.
    for k in KEYS:
        need(re.search(r"^key '%s': end$" % k, out, re.M), "no end line for key '%s'" % k)
    # 'd': the vCPU inside the loop, with the guest's control registers.
    rips = where_rips(out, "pvh_keys")
    need(rips, "'d' printed no where: line for pvh_keys v0")
    lo, hi = g["loop"]
    need(all(lo <= r < hi for r in rips), "'d' RIP(s) %s outside the loop %#x-%#x"
         % ([hex(r) for r in rips], lo, hi))
    regs = re.search(r"^\(d\d+ pvh_keys\) v0: CR0 ([0-9a-f]+) CR2 [0-9a-f]+ CR3 ([0-9a-f]+)$", out, re.M)
    efer = re.search(r"^\(d\d+ pvh_keys\) v0: CR4 [0-9a-f]+ EFER ([0-9a-f]+)$", out, re.M)
    need(regs and int(regs.group(1), 16) == g["cr0"], "'d' CR0 differs from the guest's %#x" % g["cr0"])
    need(regs and int(regs.group(2), 16) == g["cr3"], "'d' CR3 differs from the guest's %#x" % g["cr3"])
    need(efer and int(efer.group(1), 16) == g["efer"], "'d' EFER differs from the guest's %#x" % g["efer"])
    need(re.search(r"^\(d\d+ pvh_keys\) v0: CPL0 long 64-bit$", out, re.M), "'d' mode is not 'CPL0 long 64-bit'")
    need(re.search(r"^\(d\d+ pvh_keys\) v0: code at RIP: [0-9a-f]{2}( [0-9a-f]{2}){15}$", out, re.M),
         "'d' shows no 16 code bytes at RIP")
    need(re.search(r"^cpu0: (idle|runs d\d+ v\d+); answers$", out, re.M), "'d' has no line for cpu0")
    # 'q': the domain and its vCPU.
    need(re.search(r"^\(d\d+ pvh_keys\) PVH, running \d+ ms, restarts 0$", out, re.M), "'q' does not list pvh_keys")
    need(re.search(r"^\(d\d+ pvh_keys\) v0: (running|runnable), cpu\d+, ", out, re.M), "'q' has no v0 line")
    # 'e': the bound VIRQ and the unbound port.
    need(re.search(r"^\(d\d+ pvh_keys\) evtchn port %d: virq 1, vcpu 0" % g["debug_port"], out, re.M),
         "'e' does not show port %d bound to VIRQ_DEBUG" % g["debug_port"])
    need(re.search(r"^\(d\d+ pvh_keys\) evtchn port %d: unbound, for d0, vcpu 0" % g["unbound_port"], out, re.M),
         "'e' does not show unbound port %d" % g["unbound_port"])
    # 'g': the grant.
    need(re.search(r"^\(d\d+ pvh_keys\) gnttab ref %d: to d0 gfn %#x ro, pins r0 w0$" % (g["ref"], g["gfn"]),
                   out, re.M), "'g' does not show grant ref %d of gfn %#x" % (g["ref"], g["gfn"]))
    need(re.search(r"^\(d\d+ pvh_keys\) gnttab: 1 of \d+ frames; 1 entries granted", out, re.M),
         "'g' summary does not count 1 grant")
    # 'r', 'm', 't'.
    need(re.search(r"^sched: cpu0 (runs d\d+ v\d+|idle); queue \d+", out, re.M), "'r' shows no run queue")
    need(re.search(r"^mem: \d+ of \d+ frames free", out, re.M), "'m' shows no frame counts")
    need(re.search(r"^time: up \d+\.\d{6} s, TSC \d+ kHz$", out, re.M), "'t' shows no uptime")
    need(re.search(r"^\(d\d+ pvh_keys\) system time \d+\.\d{6} s", out, re.M), "'t' shows no domain time")
    # 'x': the exit statistics of the running vCPU, MSRs included (the
    # guest wrote the hypercall page MSR once; it made hypercalls).
    xk = out[out.find("exit statistics of "):]
    need(re.search(r"^exit statistics of \d+ domain\(s\) \(debug key 'x'\)$", out, re.M), "'x' printed no header")
    need(re.search(r"^\(d\d+ pvh_keys\) v0: exits by reason: .*hypercall [1-9]", xk, re.M),
         "'x' shows no hypercall exits for pvh_keys v0")
    need(re.search(r"^\(d\d+ pvh_keys\) v0: MSR exits: 0x[0-9a-f]+ (r\d+ )?w[1-9]", xk, re.M),
         "'x' shows no MSR write for pvh_keys v0 (its hypercall page)")
    # ... and the hypervisor's time per exit kind, hypercalls by number.
    need(re.search(r"^\(d\d+ pvh_keys\) v0: exit cost \(count, mean/min/median/p99/max ns from #VMEXIT to VMRUN\)(, more)?: "
                   r".*hypercall [1-9]\d* [1-9]\d*/\d+/[1-9]\d*/[1-9]\d*/[1-9]\d*", xk, re.M),
         "'x' shows no timed hypercall exits for pvh_keys v0")
    need(re.search(r"^\(d\d+ pvh_keys\) v0: hypercall cost \(count, mean ns\)(, more)?: .*\w+ [1-9]\d* [1-9]", xk, re.M),
         "'x' shows no hypercall cost line for pvh_keys v0")
    return problems


def check_hang(args):
    proc = run(args)
    out, err, problems = proc.stdout, proc.stderr, []
    if proc.returncode != 1:
        problems.append("rv-run exit status %d, expected 1" % proc.returncode)
    g = guest_facts(out)
    m = re.search(r"^rv-run: FAIL: .*timeout.*; stuck: (no-progress report: )?pvh_keys_hang(_sti)? v0: RIP (0x[0-9a-f]+), "
                  r"long 64-bit, CPL0, (running on cpu\d+|runnable, cpu\d+)", err, re.M)
    if not m:
        problems.append("the FAIL line does not name pvh_keys_hang v0's RIP and where it runs")
    elif g is None:
        problems.append("the guest did not print its loop range")
    else:
        lo, hi = g["loop"]
        rip = int(m.group(3), 16)
        if not lo <= rip < hi:
            problems.append("the reported RIP %#x is outside the loop %#x-%#x" % (rip, lo, hi))
    return problems


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("keys", "hang"):
        sys.stderr.write(__doc__)
        return 2
    args = sys.argv[2:]
    problems = check_keys(args) if sys.argv[1] == "keys" else check_hang(args)
    for p in problems:
        sys.stdout.write("test_debugkeys: FAIL: %s\n" % p)
    if not problems:
        sys.stdout.write("test_debugkeys: PASS (%s)\n" % sys.argv[1])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
