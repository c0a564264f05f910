# CPU behaviour test kernels written for QEMU check (docs/hvm-platform.md):
# the guest's own TSC (IA32_TSC / IA32_TSC_ADJUST writes), the CR0/CR4/EFER
# #GP policy, NMI nesting, legal CR/EFER values entered again (vmstate_legal).
list(APPEND GUESTS tsc_msr cr_policy cr_policy64 nmi_nest vmstate_legal)
list(APPEND GUESTS_64 cr_policy64)
