"""Input for the emulated machine's serial port (the hypervisor console).

Tests script it: `--input-when REGEX` waits for a console line matching
REGEX, `--input TEXT` / `--input-file FILE` send bytes; the steps run in the
order given, each "when" starting from the line after the previous step.
Sends before the first "when" go out at once (the emulator buffers them
until the UART takes them).  TEXT takes backslash escapes (\\n, \\r, \\x01
for Ctrl-A, ...).

Interactively (stdin a terminal, no scripted input) the keyboard is passed
through byte by byte: the terminal is put in cbreak mode (no local echo or
line editing; Ctrl-C still interrupts rv-run).  Only QEMU's serial port
takes input (its -serial stdio reads rv-run's pipe); Bochs writes COM1 to a
file and has none.
"""

import codecs
import os
import re
import sys
import threading
from typing import List, Optional, Tuple


class InputError(Exception):
    pass


def decode_text(text: str) -> bytes:
    """'abc\\r\\x01' -> bytes, with Python's backslash escapes; raises InputError."""
    try:
        return codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape"
                             ).encode("latin-1")
    except (UnicodeError, ValueError) as e:
        raise InputError("--input %r: bad escape or non-Latin-1 character (%s)" % (text, e))


class InputScript:
    """Ordered steps: ("when", compiled regex) or ("send", bytes)."""

    def __init__(self, steps: List[Tuple[str, object]]):
        self.steps = steps
        self.pos = 0

    @classmethod
    def from_args(cls, items: List[Tuple[str, str]]) -> Optional["InputScript"]:
        """items: ("when"|"text"|"file", argument) in command-line order."""
        steps: List[Tuple[str, object]] = []
        for kind, arg in items:
            if kind == "when":
                try:
                    steps.append(("when", re.compile(arg)))
                except re.error as e:
                    raise InputError("--input-when %r: bad regular expression: %s" % (arg, e))
            elif kind == "text":
                steps.append(("send", decode_text(arg)))
            else:
                try:
                    with open(arg, "rb") as f:
                        steps.append(("send", f.read()))
                except OSError as e:
                    raise InputError("--input-file %s: %s" % (arg, e.strerror or e))
        if not any(k == "send" for k, _ in steps):
            if steps:
                raise InputError("--input-when without any --input or --input-file after it")
            return None
        if steps[-1][0] == "when":
            raise InputError("the last --input-when has no --input or --input-file after it")
        return cls(steps)

    def _sends(self) -> bytes:
        out = b""
        while self.pos < len(self.steps) and self.steps[self.pos][0] == "send":
            out += self.steps[self.pos][1]
            self.pos += 1
        return out

    def start(self) -> bytes:
        """What to send as soon as the emulator runs."""
        return self._sends()

    def on_line(self, line: str) -> bytes:
        """What to send after this console line (b"" for nothing)."""
        if self.pos >= len(self.steps):
            return b""
        kind, rx = self.steps[self.pos]
        if kind == "when" and rx.search(line):
            self.pos += 1
            return self._sends()
        return b""

    @property
    def waiting_for(self) -> Optional[str]:
        """The pattern still awaited (for the failure message), or None when done."""
        for kind, val in self.steps[self.pos:]:
            if kind == "when":
                return val.pattern
        return None


class KeyboardPump:
    """Copies the terminal's keystrokes to the emulator's stdin until stopped."""

    def __init__(self, write):
        self.write = write
        self.saved = None
        self.fd = sys.stdin.fileno()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        try:
            import termios
            import tty
            self.saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
        except (ImportError, OSError):
            self.saved = None
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 256)
            except OSError:
                return
            if not data or not self.write(data):
                return

    def stop(self) -> None:
        if self.saved is not None:
            import termios
            try:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
            except OSError:
                pass
            self.saved = None
