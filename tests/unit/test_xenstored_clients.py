#!/usr/bin/env python3
"""xenstored against real clients: starts the daemon (built with ASan/UBSan)
on a temporary socket and drives it with Debian's xenstore-utils, whose
libxenstore connects to $XENSTORED_PATH, and with a raw wire-protocol client
for what the utilities cannot show (a transaction conflict, an oversized
message).  Exit 77 (skipped) if xenstore-utils is not installed."""
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

XS_READ, XS_WRITE, XS_TRANSACTION_START, XS_TRANSACTION_END, XS_ERROR = 2, 11, 6, 7, 16

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"PASS {what}")
    else:
        failed += 1
        print(f"FAIL {what}")


class Raw:
    """Minimal client of the wire protocol: 16-byte header + payload."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.req = 1

    def send(self, typ, payload, tx=0, length=None):
        n = len(payload) if length is None else length
        self.s.sendall(struct.pack("<IIII", typ, self.req, tx, n) + payload)
        self.req += 1

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def call(self, typ, *args, tx=0, raw=None):
        payload = raw if raw is not None else b"".join(a.encode() + b"\0" for a in args)
        self.send(typ, payload, tx)
        while True:
            hdr = self.recv_exact(16)
            if hdr is None:
                return None, None
            t, _, _, n = struct.unpack("<IIII", hdr)
            body = self.recv_exact(n)
            if t != 15:                      # skip watch events
                return t, body


def run(env, *cmd, check_rc=True):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=20)
    if check_rc and p.returncode != 0:
        print(f"  {' '.join(cmd)} -> {p.returncode}: {p.stderr.strip()}")
    return p


def main():
    if len(sys.argv) != 2:
        print("usage: test_xenstored_clients.py XENSTORED")
        return 2
    if not shutil.which("xenstore-read"):
        print("SKIP: xenstore-utils not installed (tools/install-deps installs it)")
        return 77
    tmp = tempfile.mkdtemp(prefix="xsd-")
    sock = os.path.join(tmp, "sock")
    log = open(os.path.join(tmp, "log"), "w+")
    # A small output queue per client, so that the pipelining check below
    # runs into the daemon's backpressure.
    daemon = subprocess.Popen([sys.argv[1], "--socket", sock, "--socket-queue", "1024"], stderr=log)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    env = dict(os.environ, XENSTORED_PATH=sock)
    try:
        # xenstore-write / -read / -ls / -list / -exists / -chmod / -rm
        check(run(env, "xenstore-write", "/vm/a", "1", "/vm/b", "two words").returncode == 0,
              "xenstore-write of two keys")
        check(run(env, "xenstore-read", "/vm/b").stdout == "two words\n", "xenstore-read returns the value")
        ls = run(env, "xenstore-ls", "/vm").stdout
        check(ls == 'a = "1"\nb = "two words"\n', f"xenstore-ls lists the subtree ({ls!r})")
        check(run(env, "xenstore-list", "/vm").stdout == "a\nb\n", "xenstore-list names the children")
        check(run(env, "xenstore-exists", "/vm/a").returncode == 0, "xenstore-exists finds a key")
        check(run(env, "xenstore-exists", "/vm/zz", check_rc=False).returncode != 0,
              "xenstore-exists fails for a missing key")
        check(run(env, "xenstore-chmod", "/vm/a", "n5", "r6").returncode == 0, "xenstore-chmod")
        lsp = run(env, "xenstore-ls", "-p", "/vm").stdout
        check("(n5,r6)" in lsp, "xenstore-ls -p shows the permissions set")
        check(run(env, "xenstore-rm", "/vm/b").returncode == 0, "xenstore-rm")
        r = run(env, "xenstore-read", "/vm/b", check_rc=False)
        check(r.returncode != 0, "xenstore-read of a removed key fails")

        # A directory longer than one payload: libxenstore falls back to DIRECTORY_PART.
        raw = Raw(sock)
        for i in range(300):
            raw.call(XS_WRITE, raw=f"/big/child-with-a-long-name-{i:04d}\0".encode())
        lst = run(env, "xenstore-list", "/big").stdout.split()
        check(len(lst) == 300 and lst[0] == "child-with-a-long-name-0000"
              and lst[-1] == "child-with-a-long-name-0299",
              f"xenstore-list of 300 children ({len(lst)} names, via DIRECTORY_PART)")

        # xenstore-watch: the initial event, then one per change below the path.
        w = subprocess.Popen(["xenstore-watch", "-n", "3", "/vm/w"], env=env,
                             stdout=subprocess.PIPE, text=True)
        # The initial event says the watch is registered: only then write.
        ready, _, _ = select.select([w.stdout], [], [], 10)
        first = w.stdout.readline().strip() if ready else ""
        run(env, "xenstore-write", "/vm/w/x", "1")
        run(env, "xenstore-write", "/vm/other", "not watched")
        run(env, "xenstore-write", "/vm/w/y", "2")
        try:
            out, _ = w.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()
            out, _ = w.communicate()
        events = [first] + out.split()
        check(events == ["/vm/w", "/vm/w/x", "/vm/w/y"], f"xenstore-watch events ({events})")

        # Transaction conflict over the socket, then a successful retry.
        a, b = Raw(sock), Raw(sock)
        t, body = a.call(XS_TRANSACTION_START, "")
        tx = int(body.rstrip(b"\0"))
        t, body = a.call(XS_READ, "/vm/a", tx=tx)
        check(body == b"1", "read inside a transaction")
        a.call(XS_WRITE, raw=b"/vm/c\0from-tx", tx=tx)
        b.call(XS_WRITE, raw=b"/vm/a\0changed")
        t, body = a.call(XS_TRANSACTION_END, "T", tx=tx)
        check(t == XS_ERROR and body == b"EAGAIN\0", f"conflicting commit gets EAGAIN ({body!r})")
        t, body = b.call(XS_READ, "/vm/c")
        check(t == XS_ERROR and body == b"ENOENT\0", "the conflicting transaction changed nothing")
        t, body = a.call(XS_TRANSACTION_START, "")
        tx = int(body.rstrip(b"\0"))
        a.call(XS_READ, "/vm/a", tx=tx)
        a.call(XS_WRITE, raw=b"/vm/c\0from-tx", tx=tx)
        t, body = a.call(XS_TRANSACTION_END, "T", tx=tx)
        check(t == XS_TRANSACTION_END and body == b"OK\0", "the retried transaction commits")
        check(run(env, "xenstore-read", "/vm/c").stdout == "from-tx\n", "its write is visible")

        # An oversized message drops that client only.
        bad = Raw(sock)
        bad.send(XS_READ, b"", length=5000)
        bad.s.settimeout(5)
        try:
            gone = bad.s.recv(16) == b""
        except (ConnectionResetError, socket.timeout):
            gone = True
        check(gone, "a payload over 4096 bytes closes that connection")
        t, body = a.call(XS_READ, "/vm/a")
        check(body == b"changed", "other clients keep working")

        # Pipelining: 3000 requests sent without waiting; the daemon stops
        # reading at its queue cap and must resume once replies are read.
        pipe = Raw(sock)
        reqs = b"".join(struct.pack("<IIII", XS_READ, 10000 + i, 0, 6) + b"/vm/a\0" for i in range(3000))
        sender = threading.Thread(target=pipe.s.sendall, args=(reqs,))
        sender.start()
        ids = []
        while len(ids) < 3000:
            hdr = pipe.recv_exact(16)
            if hdr is None:
                break
            t, rid, _, n = struct.unpack("<IIII", hdr)
            body = pipe.recv_exact(n)
            if body != b"changed":
                break
            ids.append(rid)
        sender.join(timeout=10)
        check(ids == list(range(10000, 13000)), f"3000 pipelined requests answered in order ({len(ids)})")

        # Throughput from dom0's socket (one client, one request at a time).
        n = 2000
        t0 = time.monotonic()
        for i in range(n):
            a.call(XS_WRITE, raw=f"/bench/k{i % 50}\0v{i}".encode())
        t1 = time.monotonic()
        for i in range(n):
            a.call(XS_READ, f"/bench/k{i % 50}")
        t2 = time.monotonic()
        print(f"{os.path.basename(sys.argv[1])} over its socket: {n / (t1 - t0):.0f} writes/s, "
              f"{n / (t2 - t1):.0f} reads/s (one client, one request in flight)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            rc = daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            rc = -9
        log.seek(0)
        text = log.read()
        check(rc == 0, f"daemon exits cleanly on SIGTERM (status {rc})")
        check("AddressSanitizer" not in text and "runtime error" not in text,
              "no sanitizer report in the daemon's log")
        if failed:
            print("--- daemon log ---\n" + text)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
