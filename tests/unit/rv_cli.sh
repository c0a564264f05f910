#!/bin/sh
# rv's command line on the build host (no hypervisor here): help lists every
# command, `create -n` checks domain files with file:line messages, and the
# hypervisor commands fail with one clear line when there is no privcmd.
# Usage: rv_cli.sh PATH_TO_RV WORKDIR [GUESTS_DIR [LINUX_ASSETS_DIR]]
set -u
RV=$1; W=$2
mkdir -p "$W"
fail=0
check() {   # check NAME CONDITION-EXIT-STATUS DETAIL
    if [ "$2" -eq 0 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; fail=1; fi
}

out=$("$RV" help); rc=$?
check help-exit $rc "exit $rc"
for c in list info dmesg pause unpause destroy vcpu-list debug-keys create console consoled shutdown block-list block-attach block-detach network-list network-attach network-detach; do
    echo "$out" | grep -q "^  $c " ; check "help-lists-$c" $? "rv help does not list $c"
done

printf 'name = "demo"\ntype = "pvh"\nkernel = "k.elf"\nmemory = 128\nvcpus = 2\nacpi = 1\n' > "$W/good.cfg"
printf 'vif = [ "bridge=rvbr0", "mac=00:16:3e:0a:0b:0c,rate=1MB/s@20ms,devid=0" ]\n' >> "$W/good.cfg"
printf "disk = [ '/srv/d.img,,xvda', 'raw:/srv/x.iso,hdc:cdrom,r',\n  'vdev=d536p37,/dev/vg/v,,ro,no-discard' ]\n" >> "$W/good.cfg"
out=$("$RV" create -n "$W/good.cfg" 2>"$W/err"); rc=$?
check create-n-good-exit $rc "exit $rc: $(cat "$W/err")"
echo "$out" | grep -q 'name "demo", type pvh, kernel "k.elf", memory 128 MiB (max 128), 2 vCPU(s)'
check create-n-good-summary $? "summary: $out"
grep -q "^$W/good.cfg:6: warning: key 'acpi' not supported, ignored" "$W/err"
check create-n-warning-line $? "stderr: $(cat "$W/err")"
# disk = and vif = (core/domcfg_dev.c): every device with its defaults.
echo "$out" | grep -qx "$W/good.cfg: disk 0: vdev xvda (device 51712), target \"/srv/d.img\", read-write, backend domain 0 (phy)"
check create-n-disk0 $? "out: $out"
echo "$out" | grep -qx "$W/good.cfg: disk 1: vdev hdc (device 5632), target \"/srv/x.iso\", cdrom, read-only, backend domain 0 (phy)"
check create-n-disk1-cdrom $? "out: $out"
echo "$out" | grep -qx "$W/good.cfg: disk 2: vdev d536p37 (device 268572709), target \"/dev/vg/v\", read-only, backend domain 0 (phy), no-discard"
check create-n-disk2-28bit $? "out: $out"
echo "$out" | grep -qx "$W/good.cfg: vif 0: devid 1, mac auto (00:16:3e:xx:xx:xx), bridge rvbr0, backend domain 0, type default"
check create-n-vif0 $? "out: $out"
echo "$out" | grep -qx "$W/good.cfg: vif 1: devid 0, mac 00:16:3e:0a:0b:0c, bridge xenbr0, backend domain 0, type default, rate 1000000 bytes/s in 20000 us periods"
check create-n-vif1 $? "out: $out"
# Building it: its kernel is missing here (the devices' own checks, before
# anything is built, are the create-disk-* and create-vif-* cases below).
"$RV" create "$W/good.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "kernel $W/k.elf: No such file or directory" "$W/err"
check create-good-no-kernel $? "exit $rc: $(cat "$W/err")"
# A bad disk and a bad vif: file:line of the item and what is wrong with it.
printf "name = \"demo\"\nmemory = 16\nkernel = \"k\"\ndisk = [ '/a,,xvda',\n  '/b,qcow2,xvdb' ]\n" > "$W/baddisk.cfg"
"$RV" create -n "$W/baddisk.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -qx "$W/baddisk.cfg:5: error: disk = '/b,qcow2,xvdb': disk 1: format qcow2 is not supported (only raw: dom0's blkback serves raw images)" "$W/err"
check create-n-bad-disk $? "exit $rc: $(cat "$W/err")"
printf "name = \"demo\"\nmemory = 16\nkernel = \"k\"\nvif = [ 'mac=01:00:5e:00:00:01' ]\n" > "$W/badvif.cfg"
"$RV" create -n "$W/badvif.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -qx "$W/badvif.cfg:4: error: vif = 'mac=01:00:5e:00:00:01': vif 0: mac 01:00:5e:00:00:01 is a multicast address (bit 0 of the first byte)" "$W/err"
check create-n-bad-vif $? "exit $rc: $(cat "$W/err")"

printf 'name = "demo"\n# a comment\nmemory = "lots"\nkernel = "k"\n' > "$W/bad.cfg"
"$RV" create -n "$W/bad.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ]; check create-n-bad-exit $? "exit $rc"
grep -q "^$W/bad.cfg:3: error: memory = \"lots\": expected a number$" "$W/err"
check create-n-bad-line $? "stderr: $(cat "$W/err")"

"$RV" create -n "$W/missing.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "missing.cfg: No such file" "$W/err"; check create-missing-file $? "exit $rc: $(cat "$W/err")"

# Building: PVH and 64-bit PV; the kernel must be an ELF with the PVH entry note / Xen notes.
create_refused() {   # create_refused NAME FILE-TEXT GREP-PATTERN: rv create exits 1 saying it
    printf "$2" > "$W/$1.cfg"
    "$RV" create "$W/$1.cfg" >/dev/null 2>"$W/err"; rc=$?
    [ $rc -eq 1 ] && grep -q "$3" "$W/err"
    check "$1" $? "exit $rc: $(cat "$W/err")"
}
create_refused create-missing-kernel 'name = "p"\ntype = "pvh"\nkernel = "nokernel.elf"\nmemory = 16\n' \
    "kernel $W/nokernel.elf: No such file"
cp "$RV" "$W/notpvh.elf"
create_refused create-not-pvh-kernel 'name = "p"\ntype = "pvh"\nkernel = "notpvh.elf"\nmemory = 16\n' \
    "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel"
# Disks (tools/rv/rv_blk.c, rv_hotplug.c): the target checked before anything is built.
: > "$W/rw.img"; : > "$W/ro.img"; chmod 444 "$W/ro.img"
create_refused create-disk-missing "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ '$W/none.img,raw,xvda,rw' ]\n" \
    "disk 0: vdev xvda: target '$W/none.img': No such file or directory"
create_refused create-disk-ro-file "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ 'format=raw,vdev=xvdb,target=$W/ro.img' ]\n" \
    "disk 0: vdev xvdb: target '$W/ro.img' is read-only (mode 444) but the disk is rw: give access r"
create_refused create-disk-dir "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ '$W,raw,xvda,r' ]\n" \
    "neither a regular file nor a block device"
# A PV domain's disks (issue 17, test linux_dom0_domu_blk): checked as a PVH
# domain's before the kernel; a good disk lets the kernel check speak.
create_refused create-disk-pv-checked "name = \"p\"\ntype = \"pv\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ '$W/none.img,raw,xvda,rw' ]\n" \
    "disk 0: vdev xvda: target '$W/none.img': No such file or directory"
create_refused create-disk-pv-then-kernel "name = \"p\"\ntype = \"pv\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ '$W/rw.img,raw,xvda,rw' ]\n" \
    "pv: no Xen ELF notes"
create_refused create-disk-hvm-then-kernel "name = \"h\"\ntype = \"hvm\"\nkernel = \"k.elf\"\nmemory = 16\ndisk = [ '$W/rw.img,raw,xvda,rw' ]\n" \
    "kernel $W/k.elf: No such file"
create_refused create-disk-then-kernel "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\ndisk = [ '$W/ro.img,raw,xvda,r' ]\n" \
    "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel"
# vifs (tools/rv/rv_net.c): the bridge must exist in dom0 (here: the build
# host, which has no rvnobr0); what vif-bridge's work in C does not cover is
# refused by name; all before anything is built.
create_refused create-vif-no-bridge "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\nvif = [ 'bridge=rvnobr0' ]\n" \
    "vif 0: bridge rvnobr0: no such bridge in dom0"
create_refused create-vif-not-a-bridge "name = \"p\"\ntype = \"pvh\"\nkernel = \"notpvh.elf\"\nmemory = 16\nvif = [ 'bridge=lo' ]\n" \
    "vif 0: bridge lo: not a bridge in dom0"
# script= as xl takes it: relative in /etc/xen/scripts, and executable.
create_refused create-vif-script "name = \"p\"\ntype = \"pv\"\nkernel = \"notpvh.elf\"\nmemory = 16\nvif = [ 'bridge=lo,script=vif-rvnone' ]\n" \
    "vif 0: script /etc/xen/scripts/vif-rvnone: No such file or directory"
create_refused create-vif-script-not-exec "name = \"p\"\ntype = \"pv\"\nkernel = \"notpvh.elf\"\nmemory = 16\nvif = [ 'script=$W/rw.img' ]\n" \
    "vif 0: script $W/rw.img: not an executable file"
create_refused create-vif-ip "name = \"p\"\ntype = \"pv\"\nkernel = \"notpvh.elf\"\nmemory = 16\nvif = [ 'ip=10.0.0.2,devid=3' ]\n" \
    "vif 3: ip=10.0.0.2: the anti-spoofing rules of vif-bridge are not available yet (a script= may use it)"
"$RV" network-attach 1 "mac=01:00:5e:00:00:01" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "is a multicast address" "$W/err"; check network-attach-bad-spec $? "exit $rc: $(cat "$W/err")"
"$RV" network-list >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ]; check network-list-usage $? "exit $rc: $(cat "$W/err")"
"$RV" network-detach 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ]; check network-detach-usage $? "exit $rc: $(cat "$W/err")"
"$RV" block-detach 1 xvd0 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^rv block-detach: 'xvd0': " "$W/err"; check block-detach-bad-vdev $? "exit $rc: $(cat "$W/err")"
"$RV" block-attach 1 "/a,qcow2,xvda" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "format qcow2 is not supported" "$W/err"; check block-attach-bad-spec $? "exit $rc: $(cat "$W/err")"
"$RV" block-list >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ]; check block-list-usage $? "exit $rc: $(cat "$W/err")"
create_refused create-too-big 'name = "p"\ntype = "pvh"\nkernel = "notpvh.elf"\nmemory = 4096\n' \
    "memory = 4096: a PVH domain from dom0 takes 1-3072 MiB"

# 64-bit PV (tools/rv/pv_build.c): the kernel's Xen notes, the memory
# limit; a good kernel, 64-bit or 32-bit PAE, passes every check and stops
# only at the missing privcmd device (the guests directory is $3).
create_refused create-pv-not-pv-kernel 'name = "p"\ntype = "pv"\nkernel = "notpvh.elf"\nmemory = 16\n' \
    "pv: no Xen ELF notes"
if [ -n "$3" ] && [ -f "$3/pv_built.elf" ] && [ -f "$3/pv32_hello.elf" ]; then
    cp "$3/pv_built.elf" "$3/pv32_hello.elf" "$W/"
    create_refused create-pv-too-big 'name = "p"\ntype = "pv"\nkernel = "pv_built.elf"\nmemory = 8192\n' \
        "memory = 8192: a PV domain from dom0 takes 1-4096 MiB"
    # A 32-bit PAE kernel (tools/rv/pv32_build.c): its checks pass (notes,
    # the compat layout below 0xf5800000); only privcmd is missing here.
    if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
        create_refused create-pv32-checked 'name = "p"\ntype = "pv"\nkernel = "pv32_hello.elf"\nmemory = 16\n' \
            "cannot open /dev/xen/privcmd"
    fi
    # A ramdisk (64-bit PV only): one that does not fit the domain is
    # refused before anything is built; PVH: not yet.
    head -c $((17 << 20)) /dev/zero > "$W/big.rd"
    create_refused create-pv-ramdisk-too-big 'name = "p"\ntype = "pv"\nkernel = "pv_built.elf"\nramdisk = "big.rd"\nmemory = 16\n' \
        "pv: the initrd (17408 KiB) is larger than the domain"
    head -c $((15 << 20)) /dev/zero > "$W/mid.rd"
    create_refused create-pv-ramdisk-no-room 'name = "p"\ntype = "pv"\nkernel = "pv_built.elf"\nramdisk = "mid.rd"\nmemory = 16\n' \
        "pv: the initial mapping.* needs [0-9]* MiB, the domain has 16 MiB"
    create_refused create-pv-ramdisk-missing 'name = "p"\ntype = "pv"\nkernel = "pv_built.elf"\nramdisk = "none.rd"\nmemory = 16\n' \
        "ramdisk $W/none.rd: No such file"
    # PVH (tools/rv/pvh_build.c): the ramdisk goes at the top of RAM above
    # the kernel; one that does not fit is refused before anything is built.
    if [ -f "$3/pvh_hello.elf" ]; then
        cp "$3/pvh_hello.elf" "$W/"
        create_refused create-pvh-ramdisk-too-big 'name = "p"\ntype = "pvh"\nkernel = "pvh_hello.elf"\nramdisk = "big.rd"\nmemory = 16\n' \
            "ramdisk of 17408 KiB does not fit between the kernel's end 0x[0-9a-f]* and the end of RAM 0x1000000"
        create_refused create-pvh-ramdisk-no-room 'name = "p"\ntype = "pvh"\nkernel = "pvh_hello.elf"\nramdisk = "mid.rd"\nmemory = 15\n' \
            "ramdisk of 15360 KiB does not fit between the kernel's end"
        : > "$W/empty.rd"
        create_refused create-pvh-ramdisk-empty 'name = "p"\ntype = "pvh"\nkernel = "pvh_hello.elf"\nramdisk = "empty.rd"\nmemory = 16\n' \
            "the ramdisk file is empty"
        create_refused create-pvh-ramdisk-missing 'name = "p"\ntype = "pvh"\nkernel = "pvh_hello.elf"\nramdisk = "none.rd"\nmemory = 16\n' \
            "ramdisk $W/none.rd: No such file"
    else
        echo "SKIP create-pvh-ramdisk-*: no pvh_hello.elf in $3"
    fi
    # HVM (tools/rv/hvm_build.c): a multiboot kernel; what such a domain
    # cannot have from dom0 yet, and what its plan refuses, is said before
    # anything is built.
    if [ -f "$3/boot32.elf" ]; then
        cp "$3/boot32.elf" "$W/"
        H='name = "h"\ntype = "hvm"\nkernel = "boot32.elf"\n'
        create_refused create-hvm-no-multiboot 'name = "h"\ntype = "hvm"\nkernel = "notpvh.elf"\nmemory = 16\n' \
            "kernel: ELF file without a multiboot header"
        create_refused create-hvm-missing-kernel 'name = "h"\ntype = "hvm"\nkernel = "nok.elf"\nmemory = 16\n' \
            "kernel $W/nok.elf: No such file"
        create_refused create-hvm-too-big "${H}memory = 4096\n" "memory = 4096: an HVM domain from dom0 takes 1-3072 MiB"
        create_refused create-hvm-too-small "${H}memory = 1\n" "is beyond the guest's 1 MiB of RAM"
        create_refused create-hvm-ramdisk "${H}memory = 16\nramdisk = \"boot32.elf\"\n" \
            'ramdisk = with a multiboot kernel: multiboot modules are not offered yet (a Linux bzImage takes one)'
        create_refused create-hvm-hpet0 "${H}memory = 16\nhpet = 0\n" 'type = "hvm" with hpet = 0'
        create_refused create-hvm-xenplat0 "${H}memory = 16\nxen_platform_pci = 0\n" \
            'type = "hvm" with xen_platform_pci = 0 (the domain always has the device)'
        # Disks and vifs are an HVM domU's too now: checked as for PV/PVH.
        create_refused create-hvm-disk-missing "${H}memory = 16\ndisk = [ '$W/none.img,raw,xvda,rw' ]\n" \
            "disk 0: vdev xvda: target '$W/none.img': No such file or directory"
        # A bzImage (boot_flag 0xAA55, "HdrS" at 0x202) goes to the Linux
        # boot protocol's planner (src/hvm/bz_boot.c): protocol 0.00 refused.
        { head -c 510 /dev/zero; printf '\125\252\0\0HdrS'; head -c 1024 /dev/zero; } > "$W/bz.img"
        create_refused create-hvm-bzimage 'name = "h"\ntype = "hvm"\nkernel = "bz.img"\nmemory = 16\n' \
            "bzImage: boot protocol 0.00 is older than 2.12"
        if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
            create_refused create-hvm-checked "${H}memory = 16\n" "cannot open /dev/xen/privcmd"
            # hap = 0 and a vif pass rv's own checks (no longer refused
            # there): they get as far as the hypervisor.
            create_refused create-hvm-hap0-checked "${H}memory = 16\nhap = 0\n" "cannot open /dev/xen/privcmd"
            create_refused create-hvm-vif-checked "${H}memory = 16\nvif = [ 'bridge=rvbr0' ]\n" \
                "vif 0: bridge rvbr0: no such bridge in dom0"
        fi
    else
        echo "SKIP create-hvm-*: no boot32.elf in $3"
    fi
    if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
        create_refused create-pv-checked 'name = "p"\ntype = "pv"\nkernel = "pv_built.elf"\nmemory = 16\n' \
            "cannot open /dev/xen/privcmd"
    fi
else
    echo "SKIP create-pv-*: no guests built in $3"
fi

# Kernels packed as a bzImage (tools/rv/kimage.c): a header whose payload
# lies outside the file, and (when tools/linux-assets made it, $4) Debian's
# bzImage with its xz payload corrupted: one clear line, nothing built.
head -c 4096 /dev/zero > "$W/bad.bz"
printf '\125\252' | dd of="$W/bad.bz" bs=1 seek=510 conv=notrunc 2>/dev/null       # boot flag 0xaa55
printf 'HdrS\014\002' | dd of="$W/bad.bz" bs=1 seek=514 conv=notrunc 2>/dev/null   # "HdrS", protocol 2.12
printf '\001' | dd of="$W/bad.bz" bs=1 seek=497 conv=notrunc 2>/dev/null           # setup_sects 1
printf '\000\000\000\100\000\020\000\000' | dd of="$W/bad.bz" bs=1 seek=584 conv=notrunc 2>/dev/null
create_refused create-pv-bzimage-bad 'name = "p"\ntype = "pv"\nkernel = "bad.bz"\nmemory = 16\n' \
    "kernel bad.bz: bzImage: "
if [ -n "${4:-}" ] && [ -f "$4/vmlinuz-corrupt" ]; then
    cp "$4/vmlinuz-corrupt" "$W/"
    create_refused create-pv-bzimage-corrupt 'name = "p"\ntype = "pv"\nkernel = "vmlinuz-corrupt"\nmemory = 128\n' \
        "kernel vmlinuz-corrupt: bzImage/xz kernel: unpacking failed: "
    create_refused create-pvh-bzimage-corrupt 'name = "p"\ntype = "pvh"\nkernel = "vmlinuz-corrupt"\nmemory = 128\n' \
        "kernel vmlinuz-corrupt: bzImage/xz kernel: unpacking failed: "
    if [ -f "$4/vmlinuz" ]; then
        cp "$4/vmlinuz" "$W/"
        # Debian's bzImage unpacked on this host (xz, and the gzip variant),
        # its notes read and laid out with a 1 MiB ramdisk in 256 MiB: every
        # check passes, only the missing privcmd stops it.
        if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
            head -c $((1 << 20)) /dev/zero > "$W/small.rd"
            [ -f "$4/vmlinuz-gz" ] && cp "$4/vmlinuz-gz" "$W/"
            for k in vmlinuz:xz vmlinuz-gz:gzip; do
                f=${k%%:*}; z=${k#*:}
                [ -f "$W/$f" ] || continue
                printf 'name = "p"\ntype = "pv"\nkernel = "%s"\nramdisk = "small.rd"\nmemory = 256\n' "$f" > "$W/ok-$f.cfg"
                out=$("$RV" create "$W/ok-$f.cfg" 2>"$W/err"); rc=$?
                [ $rc -eq 1 ] && grep -q "cannot open /dev/xen/privcmd" "$W/err" &&
                    echo "$out" | grep -Eq "^rv create: kernel $f: bzImage/$z, [0-9]+ KiB unpacked to a [0-9]+ KiB ELF in [0-9]+ ms$"
                check "create-pv-bzimage-$z-checked" $? "exit $rc: $out $(cat "$W/err")"
            done
            # The same bzImage as PVH: its PHYS32 entry note found, the
            # ramdisk placed, the ACPI tables built; only privcmd stops it.
            printf 'name = "p"\ntype = "pvh"\nkernel = "vmlinuz"\nramdisk = "small.rd"\nmemory = 256\nvcpus = 2\n' > "$W/ok-pvh.cfg"
            out=$("$RV" create "$W/ok-pvh.cfg" 2>"$W/err"); rc=$?
            [ $rc -eq 1 ] && grep -q "cannot open /dev/xen/privcmd" "$W/err" &&
                echo "$out" | grep -Eq "^rv create: kernel vmlinuz: bzImage/xz, [0-9]+ KiB unpacked to a [0-9]+ KiB ELF in [0-9]+ ms$"
            check create-pvh-bzimage-checked $? "exit $rc: $out $(cat "$W/err")"
        fi
        create_refused create-pv-bzimage-ramdisk-too-big 'name = "p"\ntype = "pv"\nkernel = "vmlinuz"\nramdisk = "big.rd"\nmemory = 16\n' \
            "pv: the initrd (17408 KiB) is larger than the domain"
        # Debian's kernel spans 16-74 MiB: 128 MiB RAM with a 60 MiB ramdisk leaves no room above it.
        head -c $((60 << 20)) /dev/zero > "$W/huge.rd"
        create_refused create-pvh-bzimage-ramdisk-no-room 'name = "p"\ntype = "pvh"\nkernel = "vmlinuz"\nramdisk = "huge.rd"\nmemory = 128\n' \
            "ramdisk of 61440 KiB does not fit between the kernel's end 0x[0-9a-f]* and the end of RAM 0x8000000"
        rm -f "$W/huge.rd"
    fi
else
    echo "SKIP create-pv-bzimage-corrupt: no $4/vmlinuz-corrupt (tools/linux-assets)"
fi

"$RV" pause 40000 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "is not a domain id" "$W/err"; check bad-domid $? "exit $rc: $(cat "$W/err")"
"$RV" frobnicate >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'frobnicate'" "$W/err"; check unknown-command $? "exit $rc"
"$RV" reboot >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv reboot: needs a domain" "$W/err"; check reboot-no-domain $? "exit $rc: $(cat "$W/err")"
"$RV" reboot -t 99999 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv reboot: -t takes seconds" "$W/err"; check reboot-bad-timeout $? "exit $rc: $(cat "$W/err")"
"$RV" vcpu-pin 1 0 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^usage: rv vcpu-pin" "$W/err"; check vcpu-pin-usage $? "exit $rc: $(cat "$W/err")"
"$RV" vcpu-pin 1 0 3-1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "runs backwards" "$W/err"; check vcpu-pin-bad-list $? "exit $rc: $(cat "$W/err")"
"$RV" vcpu-pin 1 0 all 2 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "soft affinity '2': not supported" "$W/err"; check vcpu-pin-soft $? "exit $rc: $(cat "$W/err")"
"$RV" console >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv console: needs a domain" "$W/err"; check console-no-domain $? "exit $rc: $(cat "$W/err")"
"$RV" console -x 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "usage: rv console \[-f\]" "$W/err"; check console-bad-option $? "exit $rc: $(cat "$W/err")"
"$RV" consoled -x >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv consoled: usage: rv consoled \[-l LOGDIR\]" "$W/err"; check consoled-bad-option $? "exit $rc: $(cat "$W/err")"
"$RV" consoled -l "$W/conslog" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^rv consoled: " "$W/err" && [ ! -e "$W/conslog" ]; check consoled-no-privcmd $? "exit $rc: $(cat "$W/err")"
"$RV" console -x 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "usage: rv console \[-f\] \[-i\]" "$W/err"; check console-usage-input $? "exit $rc: $(cat "$W/err")"
"$RV" shutdown -t lots 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv shutdown: -t takes seconds" "$W/err"; check shutdown-bad-timeout $? "exit $rc: $(cat "$W/err")"
"$RV" shutdown 1 2 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "usage: rv shutdown \[-F\]" "$W/err"; check shutdown-two-domains $? "exit $rc: $(cat "$W/err")"
"$RV" mem-set 1 0 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^rv mem-set: '0' is not a size" "$W/err"; check mem-set-zero $? "exit $rc: $(cat "$W/err")"
"$RV" mem-set 1 -5 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "is not a size" "$W/err"; check mem-set-negative $? "exit $rc: $(cat "$W/err")"
"$RV" mem-set 1 99999999999999999999g >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "is not a size" "$W/err"; check mem-set-overflow $? "exit $rc: $(cat "$W/err")"
"$RV" mem-set 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^usage: rv mem-set DOMAIN SIZE" "$W/err"; check mem-set-usage $? "exit $rc: $(cat "$W/err")"
"$RV" xs-bench -n 0 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv xs-bench: -n 0: want a count" "$W/err"; check xs-bench-bad-count $? "exit $rc: $(cat "$W/err")"
"$RV" xs-bench -n 3 "$W/no-such-socket" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no-such-socket: No such file" "$W/err"; check xs-bench-no-daemon $? "exit $rc: $(cat "$W/err")"

"$RV" debug-keys >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "give the keys as one word" "$W/err"; check debug-keys-no-keys $? "exit $rc: $(cat "$W/err")"
"$RV" debug-keys $(printf '%065d' 0) >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "at most 64 keys" "$W/err"; check debug-keys-too-many $? "exit $rc: $(cat "$W/err")"

if [ ! -e /dev/xen/privcmd ] && [ ! -e /proc/xen/privcmd ]; then
    "$RV" list >/dev/null 2>"$W/err"; rc=$?
    [ $rc -eq 1 ] && grep -q "^rv list: cannot open /dev/xen/privcmd" "$W/err"; check no-privcmd $? "exit $rc: $(cat "$W/err")"
else
    echo "SKIP no-privcmd: this host has a privcmd device"
fi
[ $fail -eq 0 ] && echo "rv_cli: all passed"
exit $fail
