# Devices and behaviour that test kernels written for QEMU rely on
# (docs/hvm-platform.md): fw_cfg, the debug-exit device.
list(APPEND GUESTS fw_cfg fw_cfg_off debug_exit smp_start pmu_msrs)
