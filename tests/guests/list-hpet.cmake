# The HPET of HVM domains (src/hvm/vhpet.c, docs/hvm-platform.md): hpet is
# the device itself (64-bit, for plain 64-bit register accesses), hpet_off
# the domain without one (hpet = 0), and the unclaimed fixed MMIO window.
list(APPEND GUESTS hpet hpet_off)
list(APPEND GUESTS_64 hpet)
