#!/usr/bin/env python3
"""The exit path stays on few pages (lib/compiler.h __hot_path/__hot_data,
docs/event-channels.md "Pages touched per exit").

Under QEMU's TCG every page the hypervisor touches after an exit is a TLB
refill on every exit, so the grouping is worth ~6-8 % of an event-channel
round trip; nothing else notices if an annotation or the linker-script line
is lost.  Reads ringvisor.elf's symbol table (nm) and checks:
- each function of HOT_CODE is in .text.hot, and .text.hot spans at most
  MAX_CODE_PAGES pages (5 when written: 22 before the grouping);
- each object of HOT_DATA is in .data.hot, at most MAX_DATA_PAGES pages
  (2 when written: 6 before).
Usage: test_hot_path.py BUILD_DIR
"""

import os
import subprocess
import sys

HOT_CODE = ("hvm_vcpu_run", "svm_vcpu_run", "svm_enter", "sched_may_enter",
            "sched_block", "sched_wake", "hvm_intr_assist", "hvm_hypercall", "hypercall_call",
            "evtchn_hypercall", "evtchn_2l_set_pending", "evtchn_fifo_set_pending", "evtchn_arch_wake_poller",
            "sched_op", "poll_ports", "timer_set", "copy_guest", "gwalk", "memcpy", "memset")
HOT_DATA = ("hvm_vendor", "svm_cpu", "host_msrs", "tags", "percpu_of", "tsc_per_ns_q24", "virq_delivery",
            "hvm_vmstate_check")
MAX_CODE_PAGES = 6
MAX_DATA_PAGES = 2


def section_ranges(elf):
    """{name: (start, end)} of the allocated sections."""
    out = subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True, check=True).stdout
    ranges = {}
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 6 and f[0].startswith("[") and f[1].startswith("."):
            ranges[f[1]] = (int(f[3], 16), int(f[3], 16) + int(f[5], 16))
    return ranges


def main():
    elf = os.path.join(sys.argv[1], "ringvisor.elf")
    out = subprocess.run(["nm", "-S", elf], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:
            syms.setdefault(f[3], (int(f[0], 16), int(f[1], 16)))
        elif len(f) == 3 and f[1] in "tT":      # assembly without .size (svm_enter)
            syms.setdefault(f[2], (int(f[0], 16), 0))
    problems = []
    # The linker script folds .text.hot into .text and .data.hot into
    # .data: the hot ranges are the ones the named symbols occupy, and each
    # must be inside its output section.
    secs = section_ranges(elf)
    for names, sec, limit in ((HOT_CODE, ".text", MAX_CODE_PAGES), (HOT_DATA, ".data", MAX_DATA_PAGES)):
        found = [(n, syms[n]) for n in names if n in syms]
        for n in names:
            if n not in syms:
                problems.append("%s: no symbol %s in ringvisor.elf" % (sec, n))
        if not found:
            continue
        lo = min(a for _, (a, _) in found)
        hi = max(a + max(s, 1) for _, (a, s) in found)
        pages = ((hi - 1) >> 12) - (lo >> 12) + 1
        print("%s: %d symbols in %#x-%#x, %d bytes, %d pages (limit %d)" % (sec, len(found), lo, hi, hi - lo,
                                                                               pages, limit))
        if sec in secs and not (secs[sec][0] <= lo and hi <= secs[sec][1]):
            problems.append("%s: the hot symbols %#x-%#x are not inside %s" % (sec, lo, hi, sec))
        if pages > limit:
            far = sorted(found, key=lambda x: x[1][0])
            problems.append("%s: the hot symbols span %d pages, at most %d allowed (lowest %s, highest %s): "
                            "an annotation or the linker-script line is lost" % (sec, pages, limit, far[0][0],
                                                                                 far[-1][0]))
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("PASS: %d hot functions and %d hot objects on their few pages" % (len(HOT_CODE), len(HOT_DATA)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
