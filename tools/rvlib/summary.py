"""rv-bench's closing table (issue 20's "Done when"): every figure of the
run beside the floor it is compared with, measured in the same run, their
ratio, and the target the issue sets.  The parts (pvbench, costbench,
linuxbench) add rows as they measure; bench.main prints them last, so one
run gives the whole table.  A part that did not run leaves its rows out;
one that failed adds its row with "FAILED".
"""

from typing import List, Optional

ROWS: List[tuple] = []


def clear() -> None:
    del ROWS[:]


def add(figure: str, measured: str, floor: str = "-", ratio: Optional[str] = None, target: str = "-") -> None:
    ROWS.append((figure, measured, floor, ratio or "-", target))


def lines() -> List[str]:
    if not ROWS:
        return []
    w = [max(len(r[i]) for r in ROWS + [("figure", "measured", "floor (same run)", "ratio", "target")])
         for i in range(5)]
    fmt = "  %%-%ds  %%-%ds  %%-%ds  %%-%ds  %%s" % tuple(w[:4])
    out = ["Issue 20 figures, one run (measured | floor it is set against | ratio | target)",
           fmt % ("figure", "measured", "floor (same run)", "ratio", "target")]
    out += [fmt % r for r in ROWS]
    return out
