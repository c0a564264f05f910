# Debug keys and the stuck-vCPU report (docs/testing.md "When a run hangs").
# Included by CMakeLists.txt here (uses RV_RUN, RV_GUESTS_DIR, RV_ELF).
#
#   debugkeys_qemu        boots tests/guests/pvh/pvh_keys.c, types "hdegrmtq"
#                         on the serial console and checks each dump against
#                         what the guest printed about itself
#   debugkeys_hang_qemu   the same guest spinning forever: rv-run's timeout
#                         must name the vCPU's RIP inside the guest's loop
#   debugkeys_hang_bochs_skylake  the same under Bochs/VMX, from the
#                         hypervisor's own no-progress report
#   rvlib_hangdump_unit   the rv-run side without an emulator
set(_dk_run ${Python3_EXECUTABLE} ${RV_RUN} --build-dir ${CMAKE_BINARY_DIR})
set(_dk_test ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_debugkeys.py)
add_test(NAME debugkeys_qemu
         COMMAND ${_dk_test} keys ${_dk_run} --direct --timeout 240 --smp 2 --mem 512M
                 ${RV_GUESTS_DIR}/pvh_keys.cfg)
add_test(NAME debugkeys_hang_qemu
         COMMAND ${_dk_test} hang ${_dk_run} --direct --timeout 30 --smp 2 --mem 512M
                 ${RV_GUESTS_DIR}/pvh_keys_hang.cfg)
set_tests_properties(debugkeys_qemu debugkeys_hang_qemu PROPERTIES
    LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
    REQUIRED_FILES "${RV_ELF};${RV_GUESTS_DIR}/pvh_keys.elf")
# Bochs (Intel VMX, Skylake model) has no serial input: the hypervisor's own
# no-progress report (hang_report=10) must name the loop, sampled from the VMCS.
# The guest spins with IF set: with IF clear Bochs delivers no host interrupt
# to that CPU, which then cannot answer (docs/testing.md).
add_test(NAME debugkeys_hang_bochs_skylake
         COMMAND ${_dk_test} hang ${_dk_run} --bochs corei7_skylake_x --timeout 200 --smp 2 --mem 512M
                 --cmdline hang_report=10 ${RV_GUESTS_DIR}/pvh_keys_hang_sti.cfg)
set_tests_properties(debugkeys_hang_bochs_skylake PROPERTIES
    LABELS "integration;bochs;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
    REQUIRED_FILES "${RV_ELF};${CMAKE_BINARY_DIR}/ringvisor.iso;${RV_GUESTS_DIR}/pvh_keys.elf")
add_test(NAME rvlib_hangdump_unit COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_hangdump.py)
set_tests_properties(rvlib_hangdump_unit PROPERTIES LABELS "integration;unit" TIMEOUT 120)
