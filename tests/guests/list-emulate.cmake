# Guests of the MMIO instruction emulator (src/hvm/emulate/): instruction
# forms against the IOAPIC, a page-straddling instruction with a missing
# second page, self-modifying code, and an x87 store that must crash.
list(APPEND GUESTS emul_ioapic emul_pf_straddle emul_smc emul_x87)
