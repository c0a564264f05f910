"""Domain files (xl.cfg(5) syntax) as rv-run needs them: which files a domain
names, what the test expects, and the boot modules that carry them.

The hypervisor's own parser (src/core/domcfg.c) is the authority on what a
domain file means; this reader only extracts what rv-run must know before the
boot: the domain's name (to find its console lines), the kernel and ramdisk
(to pass them as boot modules) and rv_expect. It follows the same syntax:

    key = value            one per line, or several separated by ';'
    "double" or 'single'   quoted strings with escapes \\n \\t \\r \\\\ \\" \\' \\xHH
    123, 0x1f              numbers (a token starting with a digit or '-')
    [ "a", "b", ]          lists, may span lines, trailing comma allowed
    # comment              to the end of the line

A file this reader cannot parse is still passed to the hypervisor unchanged:
the hypervisor must report it (`<file>.cfg: <error>; domain skipped`), and
tests rely on that.

Boot modules: the hypervisor treats every module whose string ends in ".cfg"
as a domain file and finds the files it names among the other modules by the
base name of their strings. So every module's string is its file's base name
(cpuid.cfg, cpuid.elf), and a file named by several domain files (spin0..7
all use spin.elf) is passed once.
"""

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

from . import media

EXPECTATIONS = ("poweroff", "crash", "reboot", "watchdog", "restart-loop", "rejected")
# Outcomes the hypervisor counts as crashed in its "all domains stopped" line.
CRASH_EXPECTATIONS = ("crash", "restart-loop")
# xl.cfg(5) defaults of the on_* keys, by shutdown reason.
ACTION_KEYS = {"poweroff": ("on_poweroff", "destroy"), "reboot": ("on_reboot", "restart"),
               "suspend": ("on_poweroff", "destroy"), "crash": ("on_crash", "destroy"),
               "watchdog": ("on_watchdog", "destroy")}

_KEY_START = re.compile(r"[A-Za-z_]")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?[0-9][A-Za-z0-9_.]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class CfgSyntaxError(Exception):
    """The text is not xl.cfg syntax; str() is 'line N: reason'."""


class DomainError(Exception):
    """A domain file rv-run cannot use (unreadable, names a missing file, ...)."""


Value = Union[str, List[str]]


class _Lexer:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.line = 1

    def fail(self, msg: str, line: Optional[int] = None):
        raise CfgSyntaxError("line %d: %s" % (line or self.line, msg))

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip(self, newlines: bool) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            elif c == "\n" and newlines:
                self.line += 1
                self.i += 1
            else:
                break

    def string(self) -> str:
        q = self.s[self.i]
        self.i += 1
        out = []
        while True:
            c = self.peek()
            if c in ("", "\n"):
                self.fail("unterminated string (strings end on the same line)")
            self.i += 1
            if c == q:
                return "".join(out)
            if c == "\\":
                e = self.peek()
                if e == "x":
                    h = self.s[self.i + 1:self.i + 3]
                    if not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                        self.fail("escape \\x needs two hex digits")
                    if int(h, 16) == 0:
                        self.fail("escape \\x00 (NUL) is not allowed in a string")
                    out.append(chr(int(h, 16)))
                    self.i += 3
                    continue
                if e not in _ESCAPES:
                    self.fail("unknown escape \\%s in a string" % e)
                out.append(_ESCAPES[e])
                self.i += 1
                continue
            if (ord(c) < 0x20 and c != "\t") or c == "\x7f":
                self.fail("control byte 0x%02x in a string" % ord(c))
            out.append(c)

    def scalar(self, key: str) -> str:
        c = self.peek()
        if c in ("", "\n", ";"):
            self.fail("missing value after '%s ='" % key)
        if c in "\"'":
            return self.string()
        m = _NUMBER.match(self.s, self.i)
        if m:
            self.i = m.end()
            return m.group(0)
        if c == "[":
            self.fail("lists cannot be nested")
        if _KEY_START.match(c):
            self.fail("expected a quoted string, a number or a list (bare words need quotes)")
        self.fail("unexpected %r where a value should be" % c)

    def list(self, key: str) -> List[str]:
        start = self.line
        self.i += 1
        items = []
        while True:
            self.skip(True)
            if not self.peek():
                self.fail("unterminated list (no ']')", start)
            if self.peek() == "]":
                break
            items.append(self.scalar(key))
            self.skip(True)
            c = self.peek()
            if not c:
                self.fail("unterminated list (no ']')", start)
            if c == ",":
                self.i += 1
                continue
            if c != "]":
                self.fail("unexpected %r in a list (expected ',' or ']')" % c)
            break
        self.i += 1
        return items


def parse_text(text: str) -> Dict[str, Value]:
    """key -> value (strings decoded, lists as lists); the last of a repeated key wins.

    Raises CfgSyntaxError. Keys and values are not checked beyond syntax.
    """
    if "\0" in text:
        raise CfgSyntaxError("line %d: NUL byte" % (text[:text.index("\0")].count("\n") + 1))
    lx = _Lexer(text)
    out: Dict[str, Value] = {}
    while True:
        lx.skip(True)
        c = lx.peek()
        if not c:
            return out
        if c == ";":
            lx.i += 1
            continue
        m = _KEY.match(lx.s, lx.i)
        if not m:
            lx.fail("unexpected %r where a key should be" % c)
        key = m.group(0)
        lx.i = m.end()
        lx.skip(False)
        if lx.s.startswith("+=", lx.i):
            lx.fail("'+=' is not supported")
        if lx.peek() != "=":
            lx.fail("expected '=' after '%s'" % key)
        lx.i += 1
        lx.skip(False)
        out[key] = lx.list(key) if lx.peek() == "[" else lx.scalar(key)
        lx.skip(False)
        if lx.peek() not in ("", "\n", ";"):
            lx.fail("unexpected %r after the value (one key = value per line)" % lx.peek())


@dataclass
class DomainFile:
    """One domain file given to rv-run."""
    path: str                          # absolute
    keys: Optional[Dict[str, Value]]   # None: rv-run could not parse it
    syntax_error: str = ""             # why keys is None
    files: List[str] = field(default_factory=list)   # absolute paths of kernel, ramdisk, firmware_override
    expect: str = "poweroff"
    expect_exit: Optional[int] = None  # rv_expect_exit: the debug-exit status it must end with
    expect_restarts: int = 0           # rv_expect_restarts

    def action(self, reason: str) -> str:
        """The on_* action for a shutdown reason (xl's defaults), e.g. 'preserve'."""
        key, default = ACTION_KEYS.get(reason, ("on_poweroff", "destroy"))
        v = (self.keys or {}).get(key, default)
        return v if isinstance(v, str) else default

    @property
    def file_name(self) -> str:
        """The module string: the file's base name, e.g. cpuid.cfg."""
        return os.path.basename(self.path)

    @property
    def stem(self) -> str:
        """The name --expect uses: the base name without .cfg."""
        return self.file_name[:-len(".cfg")]

    @property
    def name(self) -> Optional[str]:
        """The domain name (the 'name' key), if rv-run could read it."""
        v = (self.keys or {}).get("name")
        return v if isinstance(v, str) and v else None

    @property
    def label(self) -> str:
        return self.name or self.stem


def load(path: str) -> DomainFile:
    """Read a domain file and locate the files it names (relative to its directory).

    Raises DomainError when the file cannot be read or names a file that does
    not exist; a syntax error is recorded, not raised.
    """
    if not path.endswith(".cfg"):
        raise DomainError("%s: a domain file's name must end in .cfg (the hypervisor "
                          "recognises domain files by that suffix)" % path)
    apath = os.path.abspath(path)
    try:
        with open(apath, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DomainError("cannot read domain file %s: %s" % (path, e.strerror or e))
    if not raw.strip():
        # Still the hypervisor's to reject (missing keys); nothing to locate.
        return DomainFile(apath, {}, "")
    try:
        keys = parse_text(raw.decode("utf-8", "replace"))
    except CfgSyntaxError as e:
        return DomainFile(apath, None, str(e))
    d = DomainFile(apath, keys)
    base = os.path.dirname(apath)
    # firmware_override (an HVM domain's firmware, as XTF's configurations
    # give it) is a boot module like the kernel.
    for key in ("kernel", "ramdisk", "firmware_override"):
        v = keys.get(key)
        if not isinstance(v, str) or not v:
            continue            # missing or odd: the hypervisor reports it
        f = v if os.path.isabs(v) else os.path.join(base, v)
        if not os.path.isfile(f):
            raise DomainError("%s: %s file '%s' not found (looked for %s)" % (path, key, v, f))
        d.files.append(os.path.normpath(f))
    exp = keys.get("rv_expect")
    if exp in EXPECTATIONS and exp != "rejected":
        d.expect = exp
    ee = keys.get("rv_expect_exit")
    if isinstance(ee, str):
        try:
            d.expect_exit = int(ee, 0)
        except ValueError:
            pass                # the hypervisor reports the bad value
    n = keys.get("rv_expect_restarts")
    if isinstance(n, str) and n.isdigit():
        d.expect_restarts = int(n)
    return d


def parse_expect(spec: str):
    """'NAME=<one of EXPECTATIONS>' -> (NAME, expectation); raises ValueError."""
    name, sep, what = spec.partition("=")
    if not sep or not name or what not in EXPECTATIONS:
        raise ValueError("--expect %r: use NAME=%s" % (spec, "|".join(EXPECTATIONS)))
    return name, what


def apply_expectations(domains: Sequence[DomainFile], specs: Sequence[str]) -> None:
    """Apply --expect options (NAME = the cfg file's base name without .cfg)."""
    by_stem = {d.stem: d for d in domains}
    for spec in specs:
        name, what = parse_expect(spec)
        if name not in by_stem:
            raise ValueError("--expect %s: no domain file %s.cfg was given (known: %s)"
                             % (spec, name, ", ".join(sorted(by_stem)) or "none"))
        by_stem[name].expect = what


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def check_unique(domains: Sequence[DomainFile]) -> None:
    """Refuse what would make the run ambiguous: two domain files with the same
    base name or the same domain name (xl refuses a second domain of a name too)."""
    seen_file: Dict[str, str] = {}
    seen_name: Dict[str, str] = {}
    for d in domains:
        other = seen_file.get(d.file_name)
        if other is not None:
            raise DomainError("domain files %s and %s have the same base name; the hypervisor "
                              "tells modules apart by base name" % (other, d.path))
        seen_file[d.file_name] = d.path
        if d.name:
            other = seen_name.get(d.name)
            if other is not None:
                raise DomainError("%s and %s both define a domain named '%s'"
                                  % (other, d.path, d.name))
            seen_name[d.name] = d.path


def modules_for(domains: Sequence[DomainFile]) -> List[media.Module]:
    """Boot modules for the domains, each with its base name as its string.

    Per domain file: the file itself, then the files it names that are not
    already passed. Two different files with one base name are refused.
    """
    mods: List[media.Module] = []
    by_name: Dict[str, str] = {}
    for d in domains:
        for path in [d.path] + d.files:
            name = os.path.basename(path)
            try:
                if name.split() != [name]:
                    raise media.MediaError("blank")
                media.check_cmdline(name, "file name")
            except media.MediaError:
                raise DomainError("%s: file name has blanks or characters a boot loader "
                                  "would interpret (allowed: letters, digits and "
                                  "_.,=:+@%%~-[])" % path)
            prev = by_name.get(name)
            if prev is not None:
                if _same_file(prev, path):
                    continue
                raise DomainError("two different files named %s (%s and %s): the hypervisor "
                                  "finds a domain's files by base name" % (name, prev, path))
            by_name[name] = path
            mods.append(media.Module(path, name))
    return mods


def read_list(path: str) -> List[str]:
    """A list file (ALL.txt, DEMO.txt): one cfg path per line, relative to the
    list's directory; blank lines and '#' comments ignored."""
    base = os.path.dirname(os.path.abspath(path))
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line if os.path.isabs(line) else os.path.join(base, line))
    return out
