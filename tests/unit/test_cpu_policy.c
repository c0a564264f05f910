/*
 * unit_cpu_policy: the shared CPUID/MSR table (src/hvm/cpu_policy.c).
 *
 * The property the table exists for: an MSR exists exactly when the
 * guest's CPUID enumerates it.  Checked here structurally (every feature
 * that gates an MSR is in the feature table; every MSR msr.c cannot
 * emulate is gated only on features the table hides, so applying the
 * table to any host CPUID leaves none of them reachable) and by example
 * (vendors, gates, write checks).
 */
#include "test.h"
#include "hvm/cpu_policy.h"

static const struct cpu_feat_desc *feat_desc(uint16_t f)
{
    for (unsigned i = 0; i < cpu_feat_table_len; i++)
        if (cpu_feat_table[i].feat == f)
            return &cpu_feat_table[i];
    return NULL;
}

/* The kinds hvm/msr.c has no handler for: reachable only through a hidden feature. */
static bool kind_unemulated(uint8_t k)
{
    switch (k) {
    case MSRK_FLUSH_CMD:
    case MSRK_VIRT_SPEC_CTRL: case MSRK_XSS: case MSRK_PKRS: case MSRK_BNDCFGS:
    case MSRK_OSVW: case MSRK_DR_MASK: case MSRK_NEVER:
        return true;
    default:
        return false;
    }
}

/* A policy built as hvm_cpu_policy does: host words with the table applied. */
static void policy_from_host(struct cpu_policy *p, const uint32_t host[CPW_NR], bool intel)
{
    memset(p, 0, sizeof(*p));
    p->intel = intel;
    p->amd = !intel;
    p->maxphysaddr = 40;
    for (unsigned w = 0; w < CPW_NR; w++) {
        uint32_t out[4] = { 0, 0, 0, 0 };
        out[cpu_word_src[w].reg] = host[w];
        cpu_policy_adjust_leaf(cpu_word_src[w].leaf, cpu_word_src[w].sub, out);
        p->w[w] = out[cpu_word_src[w].reg];
    }
}

static void test_table_structure(void)
{
    for (unsigned i = 0; i < msr_table_len; i++) {
        const struct msr_desc *d = &msr_table[i];
        CHECK(d->first <= d->last);
        CHECK(d->vendors != 0 && d->access != 0);
        /* No overlap with a later entry. */
        for (unsigned j = i + 1; j < msr_table_len; j++)
            CHECK(d->last < msr_table[j].first || d->first > msr_table[j].last);
        for (unsigned g = 0; g < 2; g++) {
            if (d->gate[g] == F_NONE)
                continue;
            const struct cpu_feat_desc *f = feat_desc(d->gate[g]);
            if (!f)
                fprintf(stderr, "MSR %s: gate %u not in the feature table\n", d->name, d->gate[g]);
            CHECK(f != NULL);
            if (f && kind_unemulated(d->kind)) {
                if (f->action != CPF_HIDE)
                    fprintf(stderr, "MSR %s: not emulated but gated on %s, which is not hidden\n", d->name,
                            f->name);
                CHECK(f->action == CPF_HIDE);
            }
        }
        /* An MSR msr.c cannot emulate must have a gate (else it would
         * always exist) or be MSRK_NEVER. */
        if (kind_unemulated(d->kind) && d->kind != MSRK_NEVER)
            CHECK(d->gate[0] != F_NONE);
    }
    /* Every feature appears once. */
    for (unsigned i = 0; i < cpu_feat_table_len; i++)
        for (unsigned j = i + 1; j < cpu_feat_table_len; j++)
            CHECK(cpu_feat_table[i].feat != cpu_feat_table[j].feat);
}

/* With every host bit set, on either vendor, no unemulated MSR exists. */
static void test_all_host_bits(void)
{
    uint32_t host[CPW_NR];
    struct cpu_policy p;

    memset(host, 0xff, sizeof(host));
    for (int intel = 0; intel < 2; intel++) {
        policy_from_host(&p, host, intel);
        for (unsigned i = 0; i < msr_table_len; i++) {
            const struct msr_desc *d = &msr_table[i];
            for (uint32_t m = d->first; m <= d->last && m >= d->first; m++) {
                const struct msr_desc *got = cpu_policy_msr(&p, m);
                if (kind_unemulated(d->kind))
                    CHECK(got == NULL);
                else if (d->vendors & (intel ? CPV_INTEL : CPV_AMD))
                    CHECK(got == d);
                else
                    CHECK(got == NULL);
            }
        }
        /* Hidden features are hidden, forced ones forced. */
        CHECK(!cpu_policy_has(&p, F_SMCA) && !cpu_policy_has(&p, F_L1D_FLUSH) && !cpu_policy_has(&p, F_XSAVES));
        /* The host's: RDTSCP/RDPID (TSC_AUX) and the speculation controls. */
        CHECK(cpu_policy_has(&p, F_IBRSB) && cpu_policy_has(&p, F_RDTSCP) && cpu_policy_has(&p, F_RDPID));
        CHECK(cpu_policy_has(&p, F_ARCH_CAPS) && cpu_policy_has(&p, F_IBPB) && cpu_policy_has(&p, F_AMD_SSBD));
        CHECK(cpu_policy_msr(&p, 0x48) != NULL && cpu_policy_msr(&p, 0xc0000103) != NULL);
        CHECK(cpu_policy_msr(&p, 0x10a) != NULL && cpu_policy_msr(&p, 0x49) != NULL);
        CHECK(cpu_policy_has(&p, F_MTRR) && cpu_policy_has(&p, F_PAT) && cpu_policy_has(&p, F_MCA));
    }
    /* No host bits at all: forced features still show. */
    memset(host, 0, sizeof(host));
    policy_from_host(&p, host, true);
    CHECK(cpu_policy_has(&p, F_X2APIC) && cpu_policy_has(&p, F_TSC_ADJUST) && cpu_policy_has(&p, F_APIC));
    CHECK(cpu_policy_msr(&p, 0x3b) != NULL);        /* TSC_ADJUST */
    CHECK(cpu_policy_msr(&p, 0xfe) == NULL);        /* no MTRR bit: no MTRRcap */
    CHECK(cpu_policy_msr(&p, 0x277) == NULL);       /* no PAT bit: no PAT */
    /* A host without them: TSC_AUX, SPEC_CTRL, PRED_CMD, ARCH_CAPS #GP. */
    CHECK(!cpu_policy_has(&p, F_RDTSCP) && !cpu_policy_has(&p, F_IBRSB));
    CHECK(cpu_policy_msr(&p, 0xc0000103) == NULL && cpu_policy_msr(&p, 0x48) == NULL);
    CHECK(cpu_policy_msr(&p, 0x49) == NULL && cpu_policy_msr(&p, 0x10a) == NULL);
}

static void test_gates_by_example(void)
{
    struct cpu_policy p;

    memset(&p, 0, sizeof(p));
    p.intel = true;
    p.maxphysaddr = 36;
    CHECK(cpu_policy_msr(&p, 0x48) == NULL);
    p.w[CPW_E8B] |= 1u << 14;                       /* AMD's IBRS bit gates SPEC_CTRL too */
    CHECK(cpu_policy_msr(&p, 0x48) != NULL && cpu_policy_msr(&p, 0x48)->kind == MSRK_SPEC_CTRL);
    CHECK(cpu_policy_msr(&p, 0x49) == NULL);        /* PRED_CMD: IBRSB or IBPB */
    p.w[CPW_E8B] |= 1u << 12;
    CHECK(cpu_policy_msr(&p, 0x49) != NULL && cpu_policy_msr(&p, 0x49)->access == MSRA_W);
    CHECK(cpu_policy_msr(&p, 0xc0000103) == NULL);
    p.w[CPW_7C] |= 1u << 22;                        /* RDPID alone makes TSC_AUX exist */
    CHECK(cpu_policy_msr(&p, 0xc0000103) != NULL);
    CHECK(cpu_policy_msr(&p, 0x122) == NULL);       /* TSX_CTRL never */
    p.w[CPW_7D] |= 1u << 29;
    CHECK(cpu_policy_msr(&p, 0x122) == NULL);
    CHECK(cpu_policy_msr(&p, 0x10a) != NULL);
    /* Vendors. */
    CHECK(cpu_policy_msr(&p, 0x1a0) != NULL && cpu_policy_msr(&p, 0xc0010015) == NULL);
    p.intel = false;
    p.amd = true;
    CHECK(cpu_policy_msr(&p, 0x1a0) == NULL && cpu_policy_msr(&p, 0xc0010015) != NULL);
    CHECK(cpu_policy_msr(&p, 0xce) != NULL && cpu_policy_msr(&p, 0x140) != NULL);    /* both, as Xen */
    CHECK(cpu_policy_msr(&p, 0x12345678) == NULL && cpu_policy_msr(&p, 0xc0001000) == NULL);
    /* SPEC_CTRL valid bits. */
    CHECK_EQ(cpu_policy_spec_ctrl_valid(&p), 3);
    p.w[CPW_E8B] |= 1u << 24;
    CHECK_EQ(cpu_policy_spec_ctrl_valid(&p), 7);
    p.w[CPW_E8B] |= 1u << 28;
    CHECK_EQ(cpu_policy_spec_ctrl_valid(&p), 0x87);
}

static void test_write_checks(void)
{
    struct cpu_policy p;

    for (unsigned t = 0; t < 256; t++)
        CHECK(cpu_policy_mtrr_type_ok((uint8_t)t) == (t == 0 || t == 1 || t == 4 || t == 5 || t == 6));
    CHECK(cpu_policy_mtrr_def_ok(0xc06) && cpu_policy_mtrr_def_ok(0) && !cpu_policy_mtrr_def_ok(0x807));
    for (unsigned b = 8; b < 64; b++)
        CHECK(cpu_policy_mtrr_def_ok(6 | (1ull << b)) == (b == 10 || b == 11));
    CHECK(cpu_policy_mtrr_fixed_ok(0x0606060606060606ull) && cpu_policy_mtrr_fixed_ok(0));
    for (unsigned i = 0; i < 8; i++)
        CHECK(!cpu_policy_mtrr_fixed_ok(0x0606060606060606ull ^ (4ull << (8 * i))));
    memset(&p, 0, sizeof(p));
    p.maxphysaddr = 36;
    CHECK(cpu_policy_mtrr_var_ok(&p, false, 0xfff000006ull));
    CHECK(!cpu_policy_mtrr_var_ok(&p, false, 0x1000000006ull));      /* bit 36 */
    CHECK(!cpu_policy_mtrr_var_ok(&p, false, 0x106ull));             /* bit 8 */
    CHECK(!cpu_policy_mtrr_var_ok(&p, false, 0x1002ull));            /* type 2 */
    CHECK(cpu_policy_mtrr_var_ok(&p, true, 0xffff00800ull));
    CHECK(!cpu_policy_mtrr_var_ok(&p, true, 0xffff00801ull));        /* bit 0 */
    CHECK(!cpu_policy_mtrr_var_ok(&p, true, 0x1ffff00800ull));       /* bit 36 */
    p.maxphysaddr = 52;
    CHECK(cpu_policy_mtrr_var_ok(&p, true, 0xffffffffff800ull));
    CHECK(!cpu_policy_mtrr_var_ok(&p, true, 1ull << 52 | 0x800));
    CHECK(cpu_policy_pat_ok(0x0007040600070406ull) && !cpu_policy_pat_ok(0x0007040600070402ull) &&
          !cpu_policy_pat_ok(0x0807040600070406ull));
}

int main(void)
{
    test_table_structure();
    test_all_host_bits();
    test_gates_by_example();
    test_write_checks();
    return t_finish("unit_cpu_policy");
}
