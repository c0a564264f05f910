# Reboot and crash policy (xl.cfg on_poweroff / on_reboot / on_crash /
# on_watchdog, src/core/domain_policy.c) and SCHEDOP_watchdog (src/core/watchdog.c).
# Included by CMakeLists.txt here.  The guests (tests/guests/list-policy.cmake)
# are in ALL.txt, so each also runs alone (hvm_<guest>) and with all the
# others; these runs check the hypervisor's own report lines besides rv-run's
# verdict (which already checks outcomes, restart counts, the frame counts of
# each restart and that a preserved domain was reported preserved).
#
#   ctest -L policy

# rv_policy_test(NAME <name> RUN_TIMEOUT <s> LABELS <labels> [STDOUT <regex>...]
#                GUESTS <guest>... ARGS <rv-run args>...): rv-run must exit 0
# and its output match every regex (Python re, multi-line).
function(rv_policy_test)
  cmake_parse_arguments(T "" "NAME;RUN_TIMEOUT" "LABELS;STDOUT;GUESTS;ARGS" ${ARGN})
  set(expect)
  foreach(rx ${T_STDOUT})
    list(APPEND expect --stdout ${rx})
  endforeach()
  rv_guest_files(files ${T_GUESTS})
  set(cfgs ${T_GUESTS})
  list(TRANSFORM cfgs PREPEND ${RV_GUESTS_DIR}/)
  list(TRANSFORM cfgs APPEND .cfg)
  add_test(NAME ${T_NAME}
           COMMAND ${Python3_EXECUTABLE} ${RV_EXPECT} --status 0 ${expect}
                   -- ${Python3_EXECUTABLE} ${RV_RUN} --build-dir ${CMAKE_BINARY_DIR}
                      --timeout ${T_RUN_TIMEOUT} ${T_ARGS} ${cfgs})
  math(EXPR ctest_timeout "${T_RUN_TIMEOUT} + ${RV_CTEST_MARGIN}")
  set_tests_properties(${T_NAME} PROPERTIES LABELS "integration;policy;${T_LABELS}" TIMEOUT ${ctest_timeout}
                       RUN_SERIAL TRUE REQUIRED_FILES "${RV_ELF};${files}")
endfunction()

# A guest that reboots itself is restarted (on_reboot default) and powers off
# on its second boot; the old domain's frames all come back before the
# rebuild, and the new one owns as many as the old one did.
rv_policy_test(NAME policy_reboot RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS reboot_self
    ARGS --direct --smp 1
    STDOUT "^\\(d1 reboot_self\\) on_reboot = restart$"
           "^\\(d1 reboot_self\\) restart 1 \\(on_reboot = restart\\): ([0-9]+) frames owned before destruction, 0 after"
           "^\\(d2 reboot_self\\) rebuilt from its file \\(restart 1, replaces d1\\): ([0-9]+) frames owned, \\1 before the restart$"
           "^reboot_self: reboot_self: domain 2, boot 2 \\(restarts so far: 1\\)$"
           "frames all returned$")

# A triple fault is a reboot request (HVM_PARAM_TRIPLE_FAULT_REASON, as Xen):
# restarted by default, destroyed with on_reboot = "destroy".
rv_policy_test(NAME policy_triple_fault RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS reboot_triple triple_fault
    ARGS --direct --smp 2
    STDOUT "^\\(d1 reboot_triple\\) v0: triple fault: shutting down with reason reboot \\(HVM_PARAM_TRIPLE_FAULT_REASON\\)$"
           "^\\(d1 reboot_triple\\) on_reboot = restart$"
           "^\\(d2 triple_fault\\) shut down \\(reboot\\)$"
           "^\\(d2 triple_fault\\) on_reboot = destroy$"
           "^\\(d3 reboot_triple\\) rebuilt from its file \\(restart 1, replaces d1\\): ([0-9]+) frames owned, \\1 before the restart$"
           "frames all returned$")

# on_crash = "preserve": the crashed domain stays (paused, its memory owned)
# while another domain (watchdog_pet, ~6 s) runs on, and is destroyed with
# the same frame count when the run ends; every frame comes back.
rv_policy_test(NAME policy_preserve RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS crash_preserve watchdog_pet
    ARGS --direct --smp 2
    STDOUT "^\\(d1 crash_preserve\\) preserved: paused, ([0-9]+) frames owned, 1 vCPU\\(s\\) with their state \\(v0 RIP 0x[0-9a-f]+\\)$[\\s\\S]*^\\(d2 watchdog_pet\\) shut down \\(poweroff\\)$[\\s\\S]*^\\(d1 crash_preserve\\) run over: destroying the preserved domain \\(\\1 frames owned\\)$"
           "^ringvisor: all domains stopped: 1 powered off, 1 crashed; frames all returned$")

# rename-restart: the crashed domain is kept as NAME-YYYYMMDDTHHMMZ (xl's
# naming) and a new one started; coredump-restart: no control domain for the
# dump yet (said so), restarted.
rv_policy_test(NAME policy_rename_restart RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS rename_restart coredump_restart
    ARGS --direct --smp 2
    STDOUT "^\\(d1 rename_restart\\) renamed to rename_restart-[0-9]{8}T[0-9]{4}Z \\(on_crash = rename-restart\\)$"
           "^\\(d1 rename_restart-[0-9]{8}T[0-9]{4}Z\\) preserved: paused, ([0-9]+) frames owned[\\s\\S]*^\\(d1 rename_restart-[0-9]{8}T[0-9]{4}Z\\) run over: destroying the preserved domain \\(\\1 frames owned\\)$"
           "^\\(d[0-9]+ rename_restart\\) rebuilt from its file \\(restart 1, replaces d1\\)"
           "^\\(d2 coredump_restart\\) restart 1 \\(on_crash = coredump-restart\\): ([0-9]+) frames owned before destruction, 0 after"
           "^\\(d2 coredump_restart\\) core dump not written: it waits for a control domain to write it to \\(none yet\\); acting as restart$"
           "^\\(d[0-9]+ coredump_restart\\) rebuilt from its file \\(restart 1, replaces d2\\): ([0-9]+) frames owned, \\1 before the restart$"
           "^ringvisor: all domains stopped: 2 powered off, 0 crashed; frames all returned$")

# SCHEDOP_watchdog: one left alone fires after 1 s (reason watchdog,
# on_watchdog default destroy), one petted survives.
rv_policy_test(NAME policy_watchdog RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS watchdog_expire watchdog_pet
    ARGS --direct --smp 2
    STDOUT "^\\(d1 watchdog_expire\\) watchdog 1 expired$"
           "^\\(d1 watchdog_expire\\) shut down \\(watchdog\\)$"
           "^\\(d1 watchdog_expire\\) on_watchdog = destroy$"
           "^watchdog_pet: PASS survived$")

# The restart-loop guard: a guest that triple-faults at once on every boot
# is destroyed after 5 quick restarts (counted as crashed).
rv_policy_test(NAME policy_restart_loop RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS restart_loop
    ARGS --direct --smp 1
    STDOUT "^\\(d6 restart_loop\\) restart loop: restarted 5 times in a row, each life under 1000 ms of vCPU time; destroyed instead of restarting again$"
           "^ringvisor: all domains stopped: 0 powered off, 1 crashed; frames all returned$")

# Domain ids wrap past the last ordinary id (0x7fef = 32751) to 1, never
# into the reserved ones (DOMID_SELF 0x7ff0, DOMID_XEN 0x7ff2, ...): the
# same restart loop started at id 32749 (first_domid=).
rv_policy_test(NAME policy_domid_wrap RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS restart_loop
    ARGS --direct --smp 1 --cmdline first_domid=32749
    STDOUT "^\\(d32751 restart_loop\\) rebuilt from its file \\(restart 2, replaces d32750\\)"
           "^\\(d1 restart_loop\\) rebuilt from its file \\(restart 3, replaces d32751\\)"
           "^\\(d3 restart_loop\\) restart loop: restarted 5 times in a row"
           "^ringvisor: all domains stopped: 0 powered off, 1 crashed; frames all returned$")

# All of it on Intel VMX (Bochs Skylake model), in one run.
rv_policy_test(NAME policy_bochs_skylake RUN_TIMEOUT 600 LABELS "bochs;hvm"
    GUESTS reboot_self reboot_triple crash_preserve rename_restart coredump_restart watchdog_expire watchdog_pet
           restart_loop triple_fault
    ARGS --bochs corei7_skylake_x --smp 2 --mem 512M
    STDOUT "^\\(d1 reboot_self\\) restart 1 \\(on_reboot = restart\\): ([0-9]+) frames owned before destruction, 0 after"
           "rebuilt from its file \\(restart 1, replaces d2\\): ([0-9]+) frames owned, \\1 before the restart$"
           "^\\(d3 crash_preserve\\) preserved: paused"
           "^\\(d3 crash_preserve\\) run over: destroying the preserved domain"
           "^\\(d6 watchdog_expire\\) shut down \\(watchdog\\)$"
           "restart loop: restarted 5 times in a row"
           "^ringvisor: all domains stopped: 7 powered off, 2 crashed; frames all returned$")

# PVH: a triple fault (what a Linux `reboot` without a reset method ends in)
# is a reboot; the domain, with shared_info, an event channel and its PV
# console set up, is torn down and rebuilt, and its second boot powers off.
rv_policy_test(NAME policy_pvh_reboot RUN_TIMEOUT 240 LABELS "qemu;hvm;pvh" GUESTS pvh_reboot
    ARGS --direct --smp 1 --mem 512M
    STDOUT "^\\(d1 pvh_reboot\\) v0: triple fault: shutting down with reason reboot \\(HVM_PARAM_TRIPLE_FAULT_REASON\\)$"
           "^\\(d1 pvh_reboot\\) restart 1 \\(on_reboot = restart\\): ([0-9]+) frames owned before destruction, 0 after"
           "^\\(d2 pvh_reboot\\) rebuilt from its file \\(restart 1, replaces d1\\): ([0-9]+) frames owned, \\1 before the restart$"
           "^pvh_reboot: pvh_reboot: domain 2, boot 2$"
           "frames all returned$")

# ... and the 'd' debug key shows the preserved domain's saved vCPU state:
# the RIP it was preserved at, its mode, and that it is preserved.
rv_policy_test(NAME policy_preserve_dump RUN_TIMEOUT 240 LABELS "qemu;hvm" GUESTS crash_preserve watchdog_pet
    ARGS --direct --smp 2 --input-when "preserved: paused" --input d
    STDOUT "^\\(d1 crash_preserve\\) preserved: paused, [0-9]+ frames owned, 1 vCPU\\(s\\) with their state \\(v0 RIP (0x[0-9a-f]+)\\)$[\\s\\S]*^\\(d1 crash_preserve\\) 1 vCPU\\(s\\), preserved$[\\s\\S]*^\\(d1 crash_preserve\\) v0: CR0 00000011 [\\s\\S]*^\\(d1 crash_preserve\\) v0: where: RIP \\1, protected 32-bit, no paging, CPL0, .*domain preserved"
           "^ringvisor: all domains stopped: 1 powered off, 1 crashed; frames all returned$")
