/* Host tests of src/gnttab/: the two domain fields grant tables use, and the
 * lookup by id (implemented in gnttab_fake.c). */
#ifndef RV_CORE_DOMAIN_H
#define RV_CORE_DOMAIN_H
#include "lib/compiler.h"
#include "public/xen.h"
struct gnttab_domain;
struct vcpu { struct domain *domain; };
struct domain {
    uint16_t domid;
    struct gnttab_domain *gnttab;
};
struct domain *domain_get_by_id(uint16_t domid);
void domain_put(struct domain *d);
/* Whether a domid argument names d itself (DOMID_SELF or its own id). */
static inline bool domain_is_self(const struct domain *d, uint16_t domid)
{
    return domid == DOMID_SELF || domid == d->domid;
}
#endif
