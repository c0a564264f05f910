/*
 * libFuzzer harness of direct-paging validation (src/mm/pgtype.c) over the
 * fake machine of tests/unit/pgtype_fake.h: the input is a sequence of guest
 * actions (write a frame that is not a page table, pin, unpin, mmu_update
 * with or without preemption, take or drop a base pointer, abandon a
 * preempted operation).  After every step with nothing part-validated the
 * reference counts must equal a recount from the tables, and after the
 * domain's teardown every count must be 0.
 */
#include <stdint.h>
#include <stdlib.h>

#define PGF_FAIL(...) do { fprintf(stderr, __VA_ARGS__); abort(); } while (0)
#define PGF_CHECKED() ((void)0)
#include "pgtype_fake.h"

static bool any_partial(void)
{
    for (int f = 0; f < NF; f++)
        if (ft[f].type_info & PGT_PARTIAL)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    reset();
    env.cache_attrs_ok = n && (d[0] & 1);
    for (size_t k = 1; k + 4 <= n; k += 4) {
        unsigned op = d[k] & 7, f = d[k + 1] % NF, i = d[k + 2] % 16, c = d[k + 3] % NF;
        unsigned lvl = 1 + ((d[k] >> 3) & 3);
        uint64_t fl = ((d[k] >> 5) & 1 ? 3 : 1) | ((d[k] >> 6) & 1 ? 0x80 : 0) | ((d[k] >> 7) ? 0x10 : 0);
        preempt_every = (d[k + 2] >> 4) & 3;
        unsigned pf = preempt_every ? PGT_PREEMPTIBLE : 0;
        int rc;
        switch (op) {
        case 0:     /* the guest writes a frame it may write: no page-table type held */
            if (!pgt_level(frame_type_of(&ft[f])) || !(ft[f].type_info & PGT_COUNT_MASK))
                mem[f][i] = ((uint64_t)c << 12) | fl;
            break;
        case 1:
            rc = pgt_pin(&env, DOM, f, lvl, pf);
            if (rc && rc != -EINVAL && rc != -EBUSY && rc != -ERESTART)
                PGF_FAIL("pin rc %d\n", rc);
            break;
        case 2:
            pgt_unpin(&env, DOM, f);
            break;
        case 3:
            rc = pgt_mod_entry(&env, DOM, f, i, (d[k + 3] & 1) ? ((uint64_t)c << 12) | fl : 0, pf);
            if (rc < 0 && rc != -EINVAL && rc != -EBUSY && rc != -ERESTART)
                PGF_FAIL("mod rc %d\n", rc);
            break;
        case 4:     /* a base pointer (CR3): general and type reference, not preemptible */
            if (env.get_ref(&env, f, DOM)) {
                if (pgt_get_type(&env, DOM, f, FRAME_TYPE_PT_L4, 0) == 0) {
                    held_gen[f]++;
                    held_typ[f]++;
                } else {
                    env.put_ref(&env, f);
                }
            }
            break;
        case 5:
            if (held_typ[f]) {
                held_typ[f]--;
                held_gen[f]--;
                pgt_put_type(&env, f);
                env.put_ref(&env, f);
            }
            break;
        case 6:     /* a preempted top-level operation never continued */
            pgt_relinquish(&env, DOM, f);
            break;
        default:    /* keep continuing whatever is partial, as a well-behaved guest would */
            preempt_every = 0;
            for (int t = 0; t < NF; t++)
                if ((ft[t].type_info & PGT_PARTIAL_TOP) && pgt_pin(&env, DOM, t, pgt_level(frame_type_of(&ft[t])), 0) == 0)
                    pgt_unpin(&env, DOM, t);
            break;
        }
        preempt_every = 0;
        if (!any_partial())
            check_consistent("step");
    }
    /* Teardown: the vCPUs drop their base pointers, then every frame. */
    for (int f = 0; f < NF; f++)
        while (held_typ[f]) {
            held_typ[f]--;
            held_gen[f]--;
            pgt_put_type(&env, f);
            env.put_ref(&env, f);
        }
    for (int f = 0; f < NF; f++)
        pgt_relinquish(&env, DOM, f);
    check_all_zero("teardown");
    return 0;
}
