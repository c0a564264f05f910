#!/usr/bin/env python3
"""The exit path stays on few pages (lib/compiler.h __hot_path/__hot_data,
docs/event-channels.md "Pages touched per exit").

Under QEMU's TCG every page the hypervisor touches after an exit is a TLB
refill on every exit, so the grouping is worth ~6-8 % of an event-channel
round trip; nothing else notices if an annotation or the linker-script line
is lost.  Reads ringvisor.elf's symbol table (nm) and checks:
- each function of HOT_CODE (common), HOT_CODE_SVM and HOT_CODE_VMX is in
  .text.hot: all of them lie inside .text, and the distinct pages one
  vendor's exit path covers (common + that vendor's functions) are at most
  MAX_CODE_PAGES (SVM: 5 when written, 22 before the grouping) resp.
  MAX_CODE_PAGES_VMX (7 when written, 11 before);
- each object of HOT_DATA (common), HOT_DATA_SVM and HOT_DATA_VMX is in
  .data.hot, at most MAX_DATA_PAGES (SVM: 2 when written, 6 before) resp.
  MAX_DATA_PAGES_VMX (3 when written, 5 before) distinct pages.
The VMX functions were annotated later (session 17): before that they were
spread over .text with the rest of vmx.c, intr.c, ept.c and cr.c.  The
linker script orders .text.hot and .data.hot SVM, common, VT-x, so each
vendor's part joins the common one and neither splits the other's run.
Usage: test_hot_path.py BUILD_DIR
"""

import os
import subprocess
import sys

HOT_CODE = ("hvm_vcpu_run", "sched_may_enter",
            "sched_block", "sched_wake", "hvm_intr_assist", "hvm_hypercall", "hypercall_call",
            "evtchn_hypercall", "evtchn_2l_set_pending", "evtchn_fifo_set_pending", "evtchn_arch_wake_poller",
            "sched_op", "poll_ports", "timer_set", "copy_guest", "gwalk", "memcpy", "memset")
HOT_CODE_SVM = ("svm_vcpu_run", "svm_enter")
# The VT-x exit path: the run loop's world switch and exit decode, the
# interrupt window and injection, the VMCS accessors every exit uses, the
# state getters a hypercall's guest walk calls (get_ctrl, get_seg).
HOT_CODE_VMX = ("vmx_vcpu_run", "vmx_enter", "vmcs_get", "vmcs_put", "vmx_inject", "vmx_tlb_prepare",
                "vmx_event_pending", "vmx_interrupts_enabled", "vmx_request_intr_window", "vmx_nmi_allowed",
                "vmx_get_seg", "vmx_get_ctrl", "vmx_guest_cr0", "vmx_guest_cr4", "vmx_hw_efer", "vmx_rm_get_seg")
HOT_DATA = ("hvm_vendor", "tags", "percpu_of", "tsc_per_ns_q24", "hvm_vmstate_check")
HOT_DATA_SVM = ("svm_cpu", "host_msrs", "virq_delivery", "svm_ops")
HOT_DATA_VMX = ("vmx_cpu", "vmx_cfg", "vmx_ops")
MAX_CODE_PAGES = 6
MAX_CODE_PAGES_VMX = 7
MAX_DATA_PAGES = 2
MAX_DATA_PAGES_VMX = 3


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
    checks = (("SVM", HOT_CODE + HOT_CODE_SVM, ".text", MAX_CODE_PAGES),
              ("VMX", HOT_CODE + HOT_CODE_VMX, ".text", MAX_CODE_PAGES_VMX),
              ("SVM", HOT_DATA + HOT_DATA_SVM, ".data", MAX_DATA_PAGES),
              ("VMX", HOT_DATA + HOT_DATA_VMX, ".data", MAX_DATA_PAGES_VMX))
    for vendor, names, sec, limit in checks:
        found = [(n, syms[n]) for n in names if n in syms]
        for n in names:
            if n not in syms:
                problems.append("%s %s: no symbol %s in ringvisor.elf" % (vendor, sec, n))
        if not found:
            continue
        lo = min(a for _, (a, _) in found)
        hi = max(a + max(s, 1) for _, (a, s) in found)
        # The pages an exit of this vendor touches: those its symbols
        # cover (the other vendor's code may lie between them).
        pages = set()
        for _, (a, s) in found:
            pages.update(range(a >> 12, ((a + max(s, 1) - 1) >> 12) + 1))
        print("%s %s: %d symbols in %#x-%#x, %d bytes, %d distinct pages (limit %d)"
              % (vendor, sec, len(found), lo, hi, sum(max(s, 1) for _, (_, s) in found), len(pages), limit))
        if sec in secs and not (secs[sec][0] <= lo and hi <= secs[sec][1]):
            problems.append("%s %s: the hot symbols %#x-%#x are not inside %s" % (vendor, sec, lo, hi, sec))
        if len(pages) > limit:
            far = sorted(found, key=lambda x: x[1][0])
            problems.append("%s %s: the hot symbols cover %d pages, at most %d allowed (lowest %s, highest %s): "
                            "an annotation or the linker-script line is lost" % (vendor, sec, len(pages), limit,
                                                                                 far[0][0], far[-1][0]))
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("PASS: %d hot functions and %d hot objects on their few pages"
              % (len(HOT_CODE + HOT_CODE_SVM + HOT_CODE_VMX), len(HOT_DATA + HOT_DATA_SVM + HOT_DATA_VMX)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
