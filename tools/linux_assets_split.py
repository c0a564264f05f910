"""Scenario text for tools/linux-assets: the split-driver benchmark and
several queues (issue 17; docs/split-drivers.md "Several queues" and
"Benchmark").  Kept apart from linux-assets, which imports it, because that
file is long enough.

bench_split (tools/rvlib/splitbench.py, rv-bench --split-only):
    dom0 measures its floors (fio with O_DIRECT on a loop device over a
    64 MiB file in its tmpfs; iperf3 over its loopback), then creates a
    PVH and then a PV Debian domU, each with such a file as xvda, the tools
    image as a read-only xvdb and a vif on rvbr0; the domUs run the same
    fio jobs on /dev/xvda and iperf3 to dom0 and to each other.  Every
    figure is printed as a "RV-BENCH: ..." line by dom0; the Python side
    makes the table.  A missing figure is a line saying why.
linux_dom0_mq (test linux_dom0_mq):
    a 2-vCPU PV Debian domU with a disk and a vif; netfront and blkfront
    negotiate two queues each with dom0's (2 vCPUs) netback and blkback;
    traffic on every queue is checked by its interrupt count.

fio and iperf3 are Debian's (tools/install-deps installs them on the build
host): make_tools_image copies them with every shared library ldd names
into an ext4 image, run through the image's own dynamic loader
(`ld-linux-x86-64.so.2 --library-path ...`), so neither initramfs holds a
second C library.  fio needs ~80 MB of libraries (librbd, librados,
glusterfs...: Debian links every engine in); an image mounted where it is
needed keeps that out of the domU's memory.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile

# Paths inside the tools image (as on the build host: merged /usr).
TOOLS_LIBPATH = ":".join("/opt/b" + d for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                                "/usr/lib/x86_64-linux-gnu/ceph"))
# bx PROGRAM ARGS: a program of the tools image through the image's loader.
BX = r"""bx() { p=$1; shift; /opt/b/lib64/ld-linux-x86-64.so.2 --library-path %s /opt/b/usr/bin/$p "$@"; }
""" % TOOLS_LIBPATH

# fioall TAG DEVICE: the four jobs (O_DIRECT, psync, queue depth 1, 4 s
# each over the first 32 MiB): one terse (v3) line each, or the error.
# Writes first, so that the reads find written blocks.
FIO_JOBS = r"""fioall() {
    ft=$1; fd=$2
    for j in "seqwrite write 1M" "seqread read 1M" "randwrite randwrite 4k" "randread randread 4k"; do
        set -- $j
        r=$(bx fio --name=$1 --filename=$fd --rw=$2 --bs=$3 --size=32M --runtime=4 --time_based --direct=1 \
            --ioengine=psync --minimal 2>&1 | tr '\n' ' ')
        # The terse line has ~130 fields, longer than a console line: keep
        # version, name, group, error, the read figures (6-9: KiB, KiB/s,
        # IOPS, ms) and the write ones (47-50).
        case "$r" in 3\;*) r=$(echo "$r" | cut -d';' -f1-9,47-50);; *) r=$(echo "$r" | cut -c1-200);; esac
        echo "RV-BENCH: fio $ft $1 $r"
    done
}
# ipf TAG HOST [-R]: one iperf3 TCP stream for 4 s, the receiver's line
# (tried 5 times: the server may not listen yet), then the sender's line
# (its Retr column: retransmissions; splitbench.py lists it as is).
ipf() {
    it=$1; shift
    n=0
    while [ $n -lt 5 ]; do
        r=$(bx iperf3 -c "$@" -t 4 -f m 2>&1)
        echo "$r" | grep -q receiver && break
        n=$((n+1)); sleep 2
    done
    echo "RV-BENCH: iperf3 $it $(echo "$r" | grep -E 'receiver|error' | tail -1)"
    echo "RV-BENCH: iperf3-sender $it $(echo "$r" | grep sender | tail -1)"
}
"""

DOMU_BENCH_MODULES = ["crc16", "mbcache", "jbd2", "crc32c_generic", "ext4", "xen-blkfront", "xen-netfront"]
# The domU: role from its command line (rv_bench=pvh / pv).  PVH first (dom0
# waits for its "ready"), then PV; PVH serves iperf3 for the domU <-> domU rows.
DOMU_BENCH_BODY = r"""mount -t devtmpfs devtmpfs /dev 2>/dev/null
%(bx)s%(jobs)s
t=pv; me=10.0.0.2; grep -q 'rv_bench=pvh' /proc/cmdline && { t=pvh; me=10.0.0.3; }
for m in %(modules)s; do insmod /lib/modules/$m.ko || echo "RV-BENCH: $t insmod $m failed"; done
i=0; while { [ ! -b /dev/xvda ] || [ ! -b /dev/xvdb ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
mkdir -p /opt/b
mount -t ext4 -o ro,noload /dev/xvdb /opt/b || echo "RV-BENCH: $t mounting the tools disk failed"
echo "RV-BENCH: $t $(bx fio --version 2>&1 | head -1) / $(bx iperf3 --version 2>&1 | head -1); xvda $(cat /sys/block/xvda/size 2>/dev/null) sectors"
fioall $t /dev/xvda
i=0; while [ ! -d /sys/class/net/eth0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
ip link set lo up
ip addr add $me/24 dev eth0
if [ $t = pvh ]; then bx iperf3 -s -p 5201 >/dev/null 2>&1 & fi
ip link set eth0 up
i=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
ping -c 2 -W 10 10.0.0.1 >/dev/null 2>&1
# Each row between two markers, with pauses, so that dom0 can take the
# hypervisor's counters (debug keys g and x) just before and after it.
row() { echo "RV-BENCH: pv row $1 start"; sleep 2; ipf "$@"; sleep 3; }
if [ $t = pv ]; then
    row domU-dom0 10.0.0.1
    row dom0-domU 10.0.0.1 -R
    row domU-domU 10.0.0.3
    row domU-domU-R 10.0.0.3 -R
fi
echo "RV-BENCH: $t done"
""" % {"bx": BX, "jobs": FIO_JOBS, "modules": " ".join(DOMU_BENCH_MODULES)}

DOM0_BENCH_MODULES = ["crc16", "mbcache", "jbd2", "crc32c_generic", "ext4", "loop", "xen-blkback",
                      "llc", "stp", "bridge", "xen-netback"]
DOM0_BENCH = r"""# The split-driver benchmark: floors in dom0, then a PVH and a PV domU.
%(bx)s%(jobs)s
for m in %(modules)s; do insmod /lib/modules/$m.ko || echo "RV-BENCH: dom0 insmod $m failed"; done
ip link add rvbr0 type bridge && ip addr add 10.0.0.1/24 dev rvbr0 && ip link set rvbr0 up
ip link set lo up
mkdir -p /opt/b
mount -t ext4 -o ro,loop,noload /etc/rv/bench_tools.img /opt/b || echo "RV-BENCH: dom0 mounting the tools image failed"
echo "RV-BENCH: dom0 $(bx fio --version 2>&1 | head -1) / $(bx iperf3 --version 2>&1 | head -1)"
waitfor() {   # FILE PATTERN SECONDS (of dom0 uptime)
    end=$(( $(cut -d. -f1 /proc/uptime) + $3 ))
    while ! grep -q "$2" "$1"; do
        [ $(cut -d. -f1 /proc/uptime) -ge $end ] && return 1
        sleep 0.5
    done
}
for k in pv pvh; do dd if=/dev/zero of=/tmp/bench_$k.img bs=1M count=64 2>/dev/null; done
# The floor for the disks: the same kind of file, through a loop device.
lo=$(losetup -f)
if losetup $lo /tmp/bench_pv.img; then fioall dom0 $lo; losetup -d $lo
else echo "RV-BENCH: fio dom0 all losetup $lo failed"; fi
# The floor for TCP: dom0's loopback.
bx iperf3 -s -p 5201 >/dev/null 2>&1 & ip3=$!
sleep 1
ipf dom0-lo 127.0.0.1
for k in pvh pv; do
    mac=00:16:3e:52:58:02; [ $k = pvh ] && mac=00:16:3e:52:58:03
    printf 'name = "bench_%%s"\ntype = "%%s"\nkernel = "vmlinuz"\nramdisk = "domu.cpio.gz"\ncmdline = "console=hvc0 panic=-1 rv_bench=%%s"\nmemory = 256\nvcpus = 1\ndisk = [ %%s, %%s ]\nvif = [ %%s ]\n' \
        $k $k $k "'/tmp/bench_$k.img,raw,xvda,rw'" "'/etc/rv/bench_tools.img,raw,xvdb,r'" "'bridge=rvbr0,mac=$mac'" > /etc/rv/bench_$k.cfg
    out=$(rv create /etc/rv/bench_$k.cfg 2>&1); cs=$?
    echo "$out" | sed "s/^/RV-LINUX: rv create bench_$k: /"
    d=$(echo "$out" | sed -n 's/^rv create: domain \([0-9]*\) .*started$/\1/p')
    : > /tmp/bench_$k.log
    if [ -n "$d" ]; then
        rv console -f -t 900 "$d" >/tmp/bench_$k.log 2>&1 &
        # The hypervisor's grant and exit counters just before and after
        # each TCP row (on its console: splitbench.py takes the differences).
        [ $k = pv ] && ( for r in domU-dom0 dom0-domU domU-domU domU-domU-R; do
            waitfor /tmp/bench_pv.log "^RV-BENCH: pv row $r start" 800 || break
            echo "RV-BENCH: counters $r before"; rv debug-keys gx >/dev/null 2>&1
            waitfor /tmp/bench_pv.log "^RV-BENCH: iperf3 $r " 800 || break
            echo "RV-BENCH: counters $r after"; rv debug-keys gx >/dev/null 2>&1
        done ) &
        waitfor /tmp/bench_$k.log "^RV-BENCH: $k done" 800 || echo "RV-BENCH: $k did not finish (create exit $cs)"
    else echo "RV-BENCH: $k not created (exit $cs)"; fi
    eval "dom_$k=$d"
done
for k in pvh pv; do
    grep -a '^RV-BENCH:' /tmp/bench_$k.log | sed 's/\r$//'
    grep -aq "^RV-BENCH: $k done" /tmp/bench_$k.log || tail -15 /tmp/bench_$k.log | sed "s/^/RV-LINUX: bench $k tail: /"
done
kill $ip3 2>/dev/null
for k in pv pvh; do eval "d=\$dom_$k"; [ -n "$d" ] && rv destroy $d; done
echo "RV-BENCH: all done"
""" % {"bx": BX, "jobs": FIO_JOBS, "modules": " ".join(DOM0_BENCH_MODULES)}


# ---- several queues (test linux_dom0_mq) -----------------------------------
DOMU_MQ_MODULES = ["xen-blkfront", "xen-netfront"]
# The 2-vCPU domU: queues as sysfs shows them, a write/read on each CPU (each
# CPU's requests go to its own blk-mq hardware queue), eight TCP streams to
# dom0 (netfront picks the TX queue, netback the RX queue, by the flow's
# hash: eight flows reach both queues but for a 1/128 chance each way), and
# the interrupt count of every queue's event channel.
DOMU_MQ_BODY = r"""mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in %(modules)s; do insmod /lib/modules/$m.ko || echo "RV-MQ: insmod $m failed"; done
i=0; while { [ ! -b /dev/xvda ] || [ ! -d /sys/class/net/eth0 ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "RV-MQ: cpus $(cat /sys/devices/system/cpu/online); eth0 queues '$(ls /sys/class/net/eth0/queues 2>/dev/null | tr '\n' ' ')'; xvda hw queues '$(ls /sys/block/xvda/mq 2>/dev/null | tr '\n' ' ')'"
ts=""; command -v taskset >/dev/null && ts=taskset
ok=0
for c in 0 1; do
    head -c 1048576 /dev/urandom > /tmp/w$c
    if [ -n "$ts" ]; then taskset $((1 << c)) dd if=/tmp/w$c of=/dev/xvda bs=64k seek=$((16 * c)) oflag=direct conv=notrunc,fsync 2>/dev/null
    else dd if=/tmp/w$c of=/dev/xvda bs=64k seek=$((16 * c)) oflag=direct conv=notrunc,fsync 2>/dev/null; fi
done
for c in 0 1; do
    o=$((1 - c))
    if [ -n "$ts" ]; then r=$(taskset $((1 << o)) dd if=/dev/xvda bs=64k skip=$((16 * c)) count=16 iflag=direct 2>/dev/null | md5sum | cut -c1-32)
    else r=$(dd if=/dev/xvda bs=64k skip=$((16 * c)) count=16 iflag=direct 2>/dev/null | md5sum | cut -c1-32); fi
    w=$(md5sum < /tmp/w$c | cut -c1-32)
    echo "RV-MQ: disk: 1 MiB written on CPU $c ($w), read back on CPU $o ($r)"
    [ "$w" = "$r" ] && ok=$((ok+1))
done
echo "RV-MQ: disk data $ok of 2 (taskset '$ts')"
ip link set lo up
ip addr add 10.0.0.2/24 dev eth0
ip link set eth0 up
i=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo "RV-MQ: ping dom0: $(ping -c 3 -W 10 10.0.0.1 2>&1 | grep 'packets transmitted')"
n=0
for p in 5101 5102 5103 5104 5105 5106 5107 5108; do
    dd if=/dev/zero bs=4096 count=64 2>/dev/null | nc 10.0.0.1 $p && n=$((n+1))
done
echo "RV-MQ: tcp streams sent $n of 8"
grep -E 'eth0|-q[0-9]|blkif|xvd' /proc/interrupts | sed 's/^ *//' | while read irq rest; do
    set -- $rest; s=0
    for x in "$@"; do case $x in *[!0-9]*) break;; *) s=$((s + x));; esac; done
    eval "nm=\${$#}"
    echo "RV-MQ: irq $nm $s"
done
echo "RV-MQ: done"
""" % {"modules": " ".join(DOMU_MQ_MODULES)}

DOM0_MQ = r"""# A 2-vCPU PV domU with a disk and a vif: two queues each.
for m in loop xen-blkback llc stp bridge xen-netback; do insmod /lib/modules/$m.ko || echo "RV-LINUX: insmod $m failed"; done
ip link add rvbr0 type bridge && ip addr add 10.0.0.1/24 dev rvbr0 && ip link set rvbr0 up
ip link set lo up
printf '#!/bin/sh\ncat > /dev/null\necho x >> /tmp/sinks\n' > /tmp/sink.sh; chmod +x /tmp/sink.sh; : > /tmp/sinks
for p in 5101 5102 5103 5104 5105 5106 5107 5108; do nc -l -p $p -e /tmp/sink.sh & done
dd if=/dev/zero of=/tmp/mq.img bs=1M count=16 2>/dev/null
printf 'name = "mq_pv"\ntype = "pv"\nkernel = "vmlinuz"\nramdisk = "domu.cpio.gz"\ncmdline = "console=hvc0 panic=-1"\nmemory = 256\nvcpus = 2\ndisk = [ %s ]\nvif = [ %s ]\n' \
    "'/tmp/mq.img,raw,xvda,rw'" "'bridge=rvbr0,mac=00:16:3e:52:59:02'" > /etc/rv/mq_pv.cfg
out=$(rv create /etc/rv/mq_pv.cfg 2>&1); cs=$?
echo "$out" | sed "s/^/RV-LINUX: rv create mq_pv: /"
d=$(echo "$out" | sed -n 's/^rv create: domain \([0-9]*\) .*started$/\1/p')
: > /tmp/mq.log
if [ -n "$d" ]; then
    rv console -f -t 900 "$d" >/tmp/mq.log 2>&1 & cp=$!
    end=$(( $(cut -d. -f1 /proc/uptime) + 600 ))
    while ! grep -q '^RV-MQ: done' /tmp/mq.log && [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do sleep 0.5; done
fi
# rv console passes the domU's CR LF line ends: drop the CRs once.
tr -d '\r' < /tmp/mq.log > /tmp/mq.txt
grep -a '^RV-MQ\|blkfront\|netfront' /tmp/mq.txt | sed 's/^/RV-LINUX: mq domU: /'
grep -aq '^RV-MQ: done' /tmp/mq.txt || tail -20 /tmp/mq.txt | sed 's/^/RV-LINUX: mq domU tail: /'
xr() { timeout 5 xenstore-read "$1" 2>/dev/null; }
bv=/local/domain/0/backend/vif/$d/0; fv=/local/domain/$d/device/vif/0
bb=/local/domain/0/backend/vbd/$d/51712; fb=/local/domain/$d/device/vbd/51712
# netback and blkback offer as many queues as dom0 has vCPUs; each frontend
# takes min(that, its vCPUs) and writes per-queue rings and event channels.
vmax=$(xr $bv/multi-queue-max-queues); vnum=$(xr $fv/multi-queue-num-queues)
bmax=$(xr $bb/multi-queue-max-queues); bnum=$(xr $fb/multi-queue-num-queues)
vq=0; bq=0
for q in 0 1; do
    t=$(xr $fv/queue-$q/tx-ring-ref); r=$(xr $fv/queue-$q/rx-ring-ref)
    et=$(xr $fv/queue-$q/event-channel-tx); er=$(xr $fv/queue-$q/event-channel-rx); e1=$(xr $fv/queue-$q/event-channel)
    echo "RV-LINUX: mq vif queue-$q: tx-ring-ref '$t' rx-ring-ref '$r' event-channel-tx '$et' -rx '$er' event-channel '$e1'"
    [ -n "$t" ] && [ -n "$r" ] && { [ -n "$et" ] && [ -n "$er" ] || [ -n "$e1" ]; } && vq=$((vq+1))
    br=$(xr $fb/queue-$q/ring-ref); [ -z "$br" ] && br=$(xr $fb/queue-$q/ring-ref0); be=$(xr $fb/queue-$q/event-channel)
    echo "RV-LINUX: mq vbd queue-$q: ring-ref '$br' event-channel '$be'"
    [ -n "$br" ] && [ -n "$be" ] && bq=$((bq+1))
done
st="$(xr $bb/state)/$(xr $fb/state) $(xr $bv/state)/$(xr $fv/state)"
echo "RV-LINUX: mq d$d create exit $cs: states vbd/vif $st; vif multi-queue-max-queues '$vmax' (netback) num-queues '$vnum' (netfront), $vq queues with rings; vbd max '$bmax' (blkback) num '$bnum' (blkfront), $bq queues with rings"
rv network-list $d 2>&1 | sed 's/^/RV-LINUX: mq network-list: /'
grep -E "vif$d|blkif" /proc/interrupts | sed 's/^ */RV-LINUX: mq dom0 irq: /'
# Traffic on every queue: the domU's interrupt count of each queue's event
# channel(s) (netfront names them eth0-qN-tx/-rx; blkfront's are "blkif").
irq() { sed -n "s/^RV-MQ: irq [^ ]*$1 \([0-9]*\)$/\1/p" /tmp/mq.txt | awk '{ s += $1 } END { print s + 0 }'; }
nq=0; for q in 0 1; do a=$(irq -q$q-tx); b=$(irq -q$q-rx); c=$(irq -q$q)
    echo "RV-LINUX: mq eth0 queue $q interrupts: tx $a rx $b (one channel: $c)"
    { [ "$a" -gt 0 ] && [ "$b" -gt 0 ]; } || [ "$c" -gt 0 ] && nq=$((nq+1)); done
bl=$(sed -n 's/^RV-MQ: irq blkif \([0-9]*\)$/\1/p' /tmp/mq.txt | tr '\n' ' '); nb=0
for x in $bl; do [ "$x" -gt 0 ] && nb=$((nb+1)); done
echo "RV-LINUX: mq blkif interrupt counts '$bl'; sinks done $(wc -l < /tmp/sinks) of 8"
if [ "$cs" = 0 ] && [ "$st" = "4/4 4/4" ] && [ "$vmax" = 2 ] && [ "$vnum" = 2 ] && [ $vq -eq 2 ] &&
   grep -q "^RV-MQ: cpus 0-1; eth0 queues 'rx-0 rx-1 tx-0 tx-1 '" /tmp/mq.txt &&
   grep -q '^RV-MQ: ping dom0: 3 packets transmitted, 3 packets received' /tmp/mq.txt &&
   grep -q '^RV-MQ: tcp streams sent 8 of 8' /tmp/mq.txt && [ $nq -eq 2 ]; then echo "PASS linux-dom0-mq-net"
else echo "FAIL linux-dom0-mq-net"; fi
if [ "$cs" = 0 ] && [ "$bmax" = 2 ] && [ "$bnum" = 2 ] && [ $bq -eq 2 ] &&
   grep -q "^RV-MQ: cpus 0-1; .* xvda hw queues '0 1 '" /tmp/mq.txt &&
   grep -q "^RV-MQ: disk data 2 of 2 (taskset 'taskset')" /tmp/mq.txt && [ $nb -eq 2 ]; then echo "PASS linux-dom0-mq-blk"
else echo "FAIL linux-dom0-mq-blk"; fi
rv destroy $d; ds=$?
kill $cp 2>/dev/null
i=0; while [ $i -lt 100 ] && ls /sys/class/net | grep -q '^vif'; do sleep 0.1; i=$((i+1)); done
lf=$(for f in /sys/block/loop*/loop/backing_file; do [ -f "$f" ] && cat $f; done | tr '\n' ' ')
lv=$(ls /sys/class/net | grep '^vif' | tr '\n' ' ')
nodes="$(timeout 5 xenstore-list /local/domain/0/backend/vbd 2>/dev/null)$(timeout 5 xenstore-list /local/domain/0/backend/vif 2>/dev/null)"
echo "RV-LINUX: mq destroy exit $ds: loops '$lf' vifs '$lv' backend nodes '$nodes'"
if [ $ds -eq 0 ] && [ -z "$lf" ] && [ -z "$lv" ] && [ -z "$nodes" ] && ! timeout 5 xenstore-exists /local/domain/$d; then
    echo "PASS linux-dom0-mq-destroy"
else echo "FAIL linux-dom0-mq-destroy"; fi
"""


def make_tools_image(out, which, host_elf_with_libs, log, error):
    """An ext4 image (mke2fs -d) holding the build host's fio and iperf3
    with every shared library ldd names, at their own paths; cached as
    out/bench_tools.img, remade when a binary or library changes.  Returns
    its bytes.  error(msg) raises the caller's AssetError."""
    progs = []
    for name in ("fio", "iperf3"):
        p = which(name)
        if not p:
            error("%s not found: install fio and iperf3 (tools/install-deps) for the bench_split scenario" % name)
        progs.append(os.path.realpath(p))
    files = {}
    for p in progs:
        for path, data, mode in host_elf_with_libs(p):
            files[path] = (data, mode)
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b" " + hashlib.sha256(files[path][0]).digest())
    recipe = "tools " + h.hexdigest()
    img = os.path.join(out, "bench_tools.img")
    try:
        with open(img + ".stamp") as f:
            if f.read() == recipe:
                with open(img, "rb") as fi:
                    return fi.read()
    except OSError:
        pass
    mke2fs = shutil.which("mke2fs") or ("/sbin/mke2fs" if os.path.isfile("/sbin/mke2fs") else None)
    if not mke2fs:
        error("mke2fs not found: install e2fsprogs (tools/install-deps)")
    total = sum(len(d) for d, _ in files.values())
    mib = total * 5 // 4 // (1 << 20) + 16
    with tempfile.TemporaryDirectory() as d:
        root = os.path.join(d, "root")
        for path, (data, mode) in files.items():
            dst = os.path.join(root, path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
            os.chmod(dst, mode)
        tmp = os.path.join(d, "img")
        env = dict(os.environ, E2FSPROGS_FAKE_TIME="1000000000")
        p = subprocess.run([mke2fs, "-q", "-F", "-t", "ext4", "-L", "rvtools", "-U", "7c2d9e1a-5b44-4c1e-8f3a-2e9b6d0c4a71",
                            "-E", "hash_seed=3a1f0c9e-6d2b-4f7a-9e8c-1b2d3e4f5a6b,root_owner=0:0", "-d", root, tmp,
                            "%dM" % mib], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env)
        if p.returncode != 0:
            error("mke2fs of the tools image failed (status %d): %s" % (p.returncode, p.stderr.strip()[-400:]))
        with open(tmp, "rb") as f:
            data = f.read()
    with open(img, "wb") as f:
        f.write(data)
    with open(img + ".stamp", "w") as f:
        f.write(recipe)
    log("bench tools image: %s (%d MiB ext4, %d files, %d bytes)" % (img, mib, len(files), total))
    return data
