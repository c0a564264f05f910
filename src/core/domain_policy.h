/*
 * What happens to a domain after its shutdown (xl.cfg on_poweroff /
 * on_reboot / on_crash / on_watchdog): core/domain_policy.c decides,
 * core/domain.c owns the domain list and does the list operations below.
 * Only these two files use this header.
 */
#ifndef RV_CORE_DOMAIN_POLICY_H
#define RV_CORE_DOMAIN_POLICY_H

#include <stdbool.h>
#include "core/domain.h"

/* domain_policy.c */
void domain_policy_init(void);          /* boot CPU (CPU 0), from domain_subsys_init */

/* domain.c */
/* Builds and starts a domain; restarts / quick_restarts: its history when it
 * replaces a restarted one (0 for a first boot), set before any vCPU runs. */
struct domain *domain_build(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                            unsigned restarts, unsigned quick_restarts);
/* Frees everything of d, which is on no list and runs nowhere. */
void domain_destroy(struct domain *d);
/* Unlinks a shut-down domain whose vCPUs have all parked and that nobody
 * holds (it no longer counts as alive), or returns NULL. */
struct domain *domain_take_stopped(void);
/* Counts a domain that has stopped for good in the all-stopped report. */
void domain_count_stopped(bool crashed);
/* Puts d (taken with domain_take_stopped) back on the list as
 * DOMAIN_PRESERVED, renamed first if new_name is given. */
void domain_keep_preserved(struct domain *d, const char *new_name);
bool domain_name_in_use(const char *name);
/* Unlinks a preserved domain nobody holds; *busy: one is held.  With
 * marked_only, only one the control domain has destroyed (ctl_destroy). */
struct domain *domain_take_preserved(bool *busy, bool marked_only);
/* Every domain has stopped and the all-stopped hook has not run yet. */
bool domain_all_stopped_due(void);
/* Runs the all-stopped hook once (with the counts), if every domain has stopped. */
void domain_report_all_stopped(void);

#endif
