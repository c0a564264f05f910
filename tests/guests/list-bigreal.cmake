# bigreal: real-mode states virtual-8086 mode cannot hold (docs/shadow.md
# "Emulating real mode virtual-8086 mode cannot hold"); an ordinary HVM
# guest (NPT run from ALL.txt), and in the hap = 0 lists of list-shadow.cmake.
list(APPEND GUESTS bigreal)
set(bigreal_EXTRA_SOURCES bigreal_rm.S)
