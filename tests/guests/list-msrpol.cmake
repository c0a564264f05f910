# The MSR policy (src/hvm/msr.c, src/hvm/cpu_policy.c): MSR existence by the
# guest's CPUID, Xen's values, reserved-bit #GPs, CPUID faulting at CPL 3
# (lib/ring3.c).  Also in the Bochs ryzen list (tests/integration).
list(APPEND GUESTS msr_matrix)
