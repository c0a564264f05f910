/*
 * The table of domain kinds (domain_kind.h), collected by the linker from
 * the DOMAIN_KIND() definitions in hvm/ (and later pv/).
 */
#include "core/domain_kind.h"
#include "core/domcfg.h"

extern const struct domain_kind __domain_kinds_start[], __domain_kinds_end[];

#define MAX_KINDS 8
static bool ready[MAX_KINDS];           /* (i) after domain_kinds_init, indexed like the table */

const struct domain_kind *domain_kind_get(int type)
{
    for (const struct domain_kind *k = __domain_kinds_start; k < __domain_kinds_end; k++)
        if (k->type == type)
            return k;
    return NULL;
}

unsigned domain_kinds_init(void)
{
    unsigned n = 0;

    for (const struct domain_kind *k = __domain_kinds_start; k < __domain_kinds_end && k - __domain_kinds_start < MAX_KINDS;
         k++) {
        ready[k - __domain_kinds_start] = k->init() == 0;
        n += ready[k - __domain_kinds_start];
    }
    return n;
}

bool domain_kind_ready(const struct domain_kind *k)
{
    long i = k - __domain_kinds_start;
    return i >= 0 && i < MAX_KINDS && ready[i];
}

void domain_kinds_print_stats(void)
{
    /* Kinds sharing an engine share its counters: print each function once. */
    for (const struct domain_kind *k = __domain_kinds_start; k < __domain_kinds_end; k++) {
        bool seen = false;
        for (const struct domain_kind *j = __domain_kinds_start; j < k; j++)
            seen |= j->print_stats == k->print_stats;
        if (k->print_stats && !seen && domain_kind_ready(k))
            k->print_stats();
    }
}
