#!/bin/sh
# rv's command line on the build host (no hypervisor here): help lists every
# command, `create -n` checks domain files with file:line messages, and the
# hypervisor commands fail with one clear line when there is no privcmd.
# Usage: rv_cli.sh PATH_TO_RV WORKDIR
set -u
RV=$1; W=$2
mkdir -p "$W"
fail=0
check() {   # check NAME CONDITION-EXIT-STATUS DETAIL
    if [ "$2" -eq 0 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; fail=1; fi
}

out=$("$RV" help); rc=$?
check help-exit $rc "exit $rc"
for c in list info dmesg pause unpause destroy vcpu-list debug-keys create console shutdown; do
    echo "$out" | grep -q "^  $c " ; check "help-lists-$c" $? "rv help does not list $c"
done

printf 'name = "demo"\ntype = "pvh"\nkernel = "k.elf"\nmemory = 128\nvcpus = 2\nvif = [ "bridge=rvbr0" ]\n' > "$W/good.cfg"
out=$("$RV" create -n "$W/good.cfg" 2>"$W/err"); rc=$?
check create-n-good-exit $rc "exit $rc: $(cat "$W/err")"
echo "$out" | grep -q 'name "demo", type pvh, kernel "k.elf", memory 128 MiB (max 128), 2 vCPU(s)'
check create-n-good-summary $? "summary: $out"
grep -q "^$W/good.cfg:6: warning: key 'vif' not supported, ignored" "$W/err"
check create-n-warning-line $? "stderr: $(cat "$W/err")"

printf 'name = "demo"\n# a comment\nmemory = "lots"\nkernel = "k"\n' > "$W/bad.cfg"
"$RV" create -n "$W/bad.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ]; check create-n-bad-exit $? "exit $rc"
grep -q "^$W/bad.cfg:3: error: memory = \"lots\": expected a number$" "$W/err"
check create-n-bad-line $? "stderr: $(cat "$W/err")"

"$RV" create -n "$W/missing.cfg" >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "missing.cfg: No such file" "$W/err"; check create-missing-file $? "exit $rc: $(cat "$W/err")"

# Building: PVH only; the kernel must be an ELF with the PVH entry note.
create_refused() {   # create_refused NAME FILE-TEXT GREP-PATTERN: rv create exits 1 saying it
    printf "$2" > "$W/$1.cfg"
    "$RV" create "$W/$1.cfg" >/dev/null 2>"$W/err"; rc=$?
    [ $rc -eq 1 ] && grep -q "$3" "$W/err"
    check "$1" $? "exit $rc: $(cat "$W/err")"
}
create_refused create-hvm-not-yet 'name = "h"\ntype = "hvm"\nkernel = "k.elf"\nmemory = 16\n' \
    'type = "hvm": building it from the control domain is not available yet'
create_refused create-missing-kernel 'name = "p"\ntype = "pvh"\nkernel = "nokernel.elf"\nmemory = 16\n' \
    "kernel $W/nokernel.elf: No such file"
cp "$RV" "$W/notpvh.elf"
create_refused create-not-pvh-kernel 'name = "p"\ntype = "pvh"\nkernel = "notpvh.elf"\nmemory = 16\n' \
    "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel"
create_refused create-too-big 'name = "p"\ntype = "pvh"\nkernel = "notpvh.elf"\nmemory = 4096\n' \
    "memory = 4096: a PVH domain from dom0 takes 1-3072 MiB"

"$RV" pause 40000 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "is not a domain id" "$W/err"; check bad-domid $? "exit $rc: $(cat "$W/err")"
"$RV" frobnicate >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'frobnicate'" "$W/err"; check unknown-command $? "exit $rc"
"$RV" reboot 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 1 ] && grep -q "not available yet" "$W/err"; check not-yet-command $? "exit $rc"
"$RV" console >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv console: needs a domain" "$W/err"; check console-no-domain $? "exit $rc: $(cat "$W/err")"
"$RV" console -x 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "usage: rv console \[-f\]" "$W/err"; check console-bad-option $? "exit $rc: $(cat "$W/err")"
"$RV" shutdown -t lots 1 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "^rv shutdown: -t takes seconds" "$W/err"; check shutdown-bad-timeout $? "exit $rc: $(cat "$W/err")"
"$RV" shutdown 1 2 >/dev/null 2>"$W/err"; rc=$?
[ $rc -eq 2 ] && grep -q "usage: rv shutdown \[-F\]" "$W/err"; check shutdown-two-domains $? "exit $rc: $(cat "$W/err")"

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
