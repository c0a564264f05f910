# Reboot and crash policy (on_poweroff/on_reboot/on_crash/on_watchdog) and
# SCHEDOP_watchdog: src/core/domain_policy.c, src/core/watchdog.c.  Their runs with
# extra console checks (frame counts, preserve) are in
# tests/integration/policy.cmake.
list(APPEND GUESTS reboot_self reboot_triple restart_loop crash_preserve rename_restart coredump_restart
     watchdog_expire watchdog_pet)
