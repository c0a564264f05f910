/*
 * rename_restart: crashes on its first boot with on_crash =
 * "rename-restart": the crashed domain is kept (preserved) under the name
 * rename_restart-YYYYMMDDTHHMMZ, as xl names it, and a new domain named
 * rename_restart starts, which powers off.
 */
#include "policy.h"

void test_main(void)
{
    if (!hv_require())
        return;
    shutdown_then_poweroff(SHUTDOWN_crash, "crash");
}
