"""Run an emulator, stream its console line by line, enforce a timeout.

The emulator runs in its own session (process group) so that a timeout can
end it together with anything it started. It also gets PR_SET_PDEATHSIG, and
rv-run forwards SIGTERM/SIGINT/SIGHUP, so that a killed rv-run (e.g. by
ctest's own timeout) does not leave an emulator spinning on a shared machine.
"""

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

from .console import Console

# After a PANIC line the hypervisor prints registers and a stack trace, then
# ends the emulator (emu_exit). If it does not, waiting for the full timeout
# would only waste time: the verdict is already known.
PANIC_GRACE_S = 10.0
# When the boot loader has given up it waits for a key press forever.
LOADER_GRACE_S = 0.5
# How long to keep reading the console after killing the emulator.
DRAIN_S = 5.0
# How often the Bochs COM1 file is polled.
TAIL_INTERVAL_S = 0.05

# Emulator stderr lines that are expected on every run and say nothing about it.
_STDERR_NOISE = (
    "TCG doesn't support requested feature",
)

_live_groups = set()          # process-group ids of running emulators
_live_lock = threading.Lock()


@dataclass
class RunResult:
    console: Console
    exit_status: Optional[int]        # negative: killed by that signal (e.g. by the timeout)
    timed_out: bool
    t_start: float                    # time.monotonic() just before the emulator started
    t_ready: Optional[float] = None   # when the 'ringvisor: ready:' line arrived
    t_end: float = 0.0
    stderr: List[str] = field(default_factory=list)   # emulator diagnostics, noise removed
    probe: List[str] = field(default_factory=list)    # probe()'s lines, asked at a timeout

    @property
    def ready_seconds(self) -> Optional[float]:
        return None if self.t_ready is None else self.t_ready - self.t_start


def _child_setup() -> None:
    # Runs in the child between fork and exec: ask the kernel to SIGKILL it
    # when the parent dies (prctl(PR_SET_PDEATHSIG = 1)).
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_all_live() -> None:
    """End every emulator this process started and that is still running."""
    with _live_lock:
        groups = list(_live_groups)
    for g in groups:
        _kill_group(g)


def install_signal_handlers() -> None:
    """On SIGTERM/SIGINT/SIGHUP: end the emulators, then unwind (so work
    directories are removed) and exit with 128 + the signal number."""
    def handler(signum, _frame):
        kill_all_live()
        sys.stderr.write("rv-run: interrupted by signal %d, emulator stopped\n" % signum)
        sys.stderr.flush()
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, handler)


def _split_lines(buf: bytes, chunk: bytes, out: "queue.Queue") -> bytes:
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        out.put(("line", line.decode("utf-8", "replace"), time.monotonic()))
    return buf


def _read_pipe(fd: int, out: "queue.Queue") -> None:
    buf = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf = _split_lines(buf, chunk, out)
    if buf:
        out.put(("line", buf.decode("utf-8", "replace"), time.monotonic()))
    out.put(("eof", None, time.monotonic()))


def _tail_file(path: str, proc: subprocess.Popen, out: "queue.Queue",
               stop: threading.Event) -> None:
    buf, f = b"", None
    try:
        while True:
            exited = proc.poll() is not None or stop.is_set()
            if f is None and os.path.exists(path):
                f = open(path, "rb")
            if f is not None:
                while True:
                    chunk = f.read(65536)
                    if not chunk:
                        break
                    buf = _split_lines(buf, chunk, out)
            if exited:
                break
            time.sleep(TAIL_INTERVAL_S)
    finally:
        if f is not None:
            f.close()
    if buf:
        out.put(("line", buf.decode("utf-8", "replace"), time.monotonic()))
    out.put(("eof", None, time.monotonic()))


def run(argv: List[str], *, cwd: str, timeout_s: float,
        console_file: Optional[str] = None,
        on_line: Optional[Callable[[str], None]] = None,
        stderr_path: Optional[str] = None,
        console: Optional[Console] = None,
        input_script=None, keyboard: bool = False, hang_dump=None,
        hang_dump_keys: bool = True, nr_domains: int = 0,
        probe: Optional[Callable[[], List[str]]] = None) -> RunResult:
    """Start argv, feed each console line to a Console (and on_line), wait for the end.

    console_file: None means the console is the process's stdout; otherwise
    the file is tailed (Bochs), and the process's own output goes to
    stderr_path. console: the Console to feed (default a new one).
    input_script (serialinput.InputScript) and keyboard (pass the terminal's
    keys through) write to the emulator's stdin, which its serial port reads
    (QEMU -serial stdio); without them stdin is /dev/null. hang_dump
    (hangdump.HangDump, QEMU only): at the timeout, ask the hypervisor for its
    debug dump over the serial input and wait for it (up to hang_dump.wait_s)
    before killing the emulator; with hang_dump_keys false (Bochs: no serial
    input) it only reads the hypervisor's own reports. probe: asked once,
    just before a timed-out emulator is killed, for lines that say where its
    CPUs are (qemumon.cpu_report). Returns when the emulator has ended or
    been killed.
    """
    con = console if console is not None else Console()
    stderr_path = stderr_path or os.path.join(cwd, "emulator.stderr")
    err_f = open(stderr_path, "wb")
    lines: "queue.Queue" = queue.Queue()
    t_start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd,
            stdin=subprocess.PIPE if (input_script or keyboard or (hang_dump and hang_dump_keys))
            else subprocess.DEVNULL,
            stdout=subprocess.PIPE if console_file is None else err_f,
            stderr=err_f, start_new_session=True, preexec_fn=_child_setup)
    except OSError as e:
        err_f.close()
        raise RuntimeError("cannot start %s: %s" % (argv[0], e))
    with _live_lock:
        _live_groups.add(proc.pid)
    stop = threading.Event()
    if console_file is None:
        reader = threading.Thread(target=_read_pipe, args=(proc.stdout.fileno(), lines),
                                  daemon=True)
    else:
        reader = threading.Thread(target=_tail_file, args=(console_file, proc, lines, stop),
                                  daemon=True)
    reader.start()
    stdin_lock = threading.Lock()

    def send(data: bytes) -> bool:
        """Write to the emulator's serial input; False once it is gone."""
        if not data:
            return True
        with stdin_lock:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
                return True
            except (BrokenPipeError, OSError, ValueError):
                return False

    pump = None
    if input_script:
        send(input_script.start())
    elif keyboard:
        from .serialinput import KeyboardPump
        pump = KeyboardPump(send)
        pump.start()

    deadline = t_start + timeout_s
    drain_deadline = None       # set once the emulator has been killed
    dump_deadline = None        # set while waiting for the debug dump
    timed_out = False
    probed: List[str] = []
    t_ready = None
    try:
        while True:
            now = time.monotonic()
            if (hang_dump is not None and hang_dump_keys and drain_deadline is None
                    and dump_deadline is None and now >= deadline and not con.fatal):
                # Timed out: ask where it hangs before killing it.
                timed_out = True
                dump_deadline = now + hang_dump.wait_s
                deadline = dump_deadline
                send(hang_dump.trigger(nr_domains, now))
            elif dump_deadline is not None and drain_deadline is None and hang_dump.finished(now):
                deadline = now          # the dump is in (or will not come): end it now
            if drain_deadline is None and now >= deadline:
                if not con.fatal:
                    timed_out = True
                if timed_out and probe is not None and not probed:
                    probed = probe()
                _kill_group(proc.pid)
                stop.set()
                # Collect what was already read; bounded, in case something
                # outside the process group still holds the console pipe open.
                drain_deadline = now + DRAIN_S
            elif drain_deadline is not None and now >= drain_deadline:
                break
            limit = deadline if drain_deadline is None else drain_deadline
            try:
                kind, text, t = lines.get(timeout=max(0.01, min(limit - now, 0.5)))
            except queue.Empty:
                continue
            if kind == "eof":
                break
            was_fatal = con.fatal
            shown = con.feed(text)
            if t_ready is None and con.ready is not None:
                t_ready = t
            if not was_fatal and con.fatal:
                grace = PANIC_GRACE_S if con.panic else LOADER_GRACE_S
                deadline = min(deadline, time.monotonic() + grace)
            if on_line:
                on_line(shown)
            if input_script:
                send(input_script.on_line(shown))
            if hang_dump is not None:
                reply = hang_dump.on_line(shown)
                if hang_dump_keys:
                    send(reply)
        # The console closed (or was drained): the emulator is ending by itself
        # or was killed; do not wait forever for a process that keeps running
        # with its console closed.
        try:
            status = proc.wait(timeout=max(1.0, min(10.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if not con.fatal:
                timed_out = True
            _kill_group(proc.pid)
            status = proc.wait()
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait()
        with _live_lock:
            _live_groups.discard(proc.pid)
        stop.set()
        if pump:
            pump.stop()
        reader.join(timeout=5)
        if proc.stdout:
            proc.stdout.close()
        if proc.stdin:
            with stdin_lock:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        err_f.close()
    t_end = time.monotonic()
    with open(stderr_path, "rb") as f:
        err_lines = f.read().decode("utf-8", "replace").splitlines()
    err_lines = [l for l in err_lines if not any(n in l for n in _STDERR_NOISE)]
    return RunResult(con, status, timed_out, t_start, t_ready, t_end, err_lines, probed)
