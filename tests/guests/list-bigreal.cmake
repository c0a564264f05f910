# bigreal: real-mode states virtual-8086 mode cannot hold (docs/shadow.md
# "Emulating real mode virtual-8086 mode cannot hold"); an ordinary HVM
# guest (NPT run from ALL.txt), and in the hap = 0 lists of list-shadow.cmake.
list(APPEND GUESTS bigreal)
set(bigreal_EXTRA_SOURCES bigreal_rm.S)
# The hostile variant: an instruction the emulator does not do while the
# state cannot be entered crashes that domain only (penryn: no unrestricted
# guest); bigreal runs next to it and must still pass.
configure_file(${G}/bigreal_bad.cfg ${GO}/bigreal_bad.cfg COPYONLY)
guest_rv_test(shadow_bochs_penryn_bigreal_bad TIMEOUT 600 LABELS integration bochs hvm shadow
              REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/bigreal.elf
              ARGS --bochs core2_penryn_t9600 --smp 2 --mem 1G ${GO}/bigreal_bad.cfg ${GO}/bigreal_hap0.cfg)
