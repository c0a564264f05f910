# Virtual local APIC and event injection (src/hvm/vlapic.c, src/hvm/intr.c).
list(APPEND GUESTS lapic lapic_esr)
list(APPEND GUESTS hostile_io)
