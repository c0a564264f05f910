/* libFuzzer harness: the input is a domain configuration file (not
 * NUL-terminated: the parser must stop at the length). */
#include "core/domcfg.h"
#include "fuzz_check.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct warns {
    unsigned n;
};

static void warn(const char *msg, void *ctx)
{
    struct warns *w = ctx;

    FUZZ_ASSERT(strncmp(msg, "domcfg: ", 8) == 0);
    FUZZ_ASSERT(strlen(msg) < 192 && !strchr(msg, '\n'));
    w->n++;
}

/* A NUL-terminated string inside its array. */
#define CHECK_ARRAY_STR(a) FUZZ_ASSERT(memchr((a), 0, sizeof(a)) != NULL)

static void check_cfg(const struct domcfg *c)
{
    size_t i;

    CHECK_ARRAY_STR(c->name);
    CHECK_ARRAY_STR(c->kernel);
    CHECK_ARRAY_STR(c->ramdisk);
    CHECK_ARRAY_STR(c->cmdline);
    CHECK_ARRAY_STR(c->rv_expect);
    FUZZ_ASSERT(c->name[0] && c->kernel[0]);
    for (i = 0; c->name[i]; i++)
        FUZZ_ASSERT(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", c->name[i]));
    FUZZ_ASSERT(c->type == DOMCFG_HVM || c->type == DOMCFG_PVH || c->type == DOMCFG_PV);
    FUZZ_ASSERT(c->memory_mib >= 1 && c->memory_mib <= c->maxmem_mib && c->maxmem_mib <= DOMCFG_MAX_MEM_MIB);
    FUZZ_ASSERT(c->vcpus >= 1 && c->vcpus <= c->maxvcpus && c->maxvcpus <= DOMCFG_MAX_VCPUS);
    FUZZ_ASSERT(c->cpus_mask[0] | c->cpus_mask[1] | c->cpus_mask[2] | c->cpus_mask[3]);
    FUZZ_ASSERT(c->on_poweroff <= DOMCFG_ACTION_LAST && c->on_reboot <= DOMCFG_ACTION_LAST &&
                c->on_crash <= DOMCFG_ACTION_LAST && c->on_watchdog <= DOMCFG_ACTION_LAST);
    FUZZ_ASSERT(!strcmp(c->rv_expect, "poweroff") || !strcmp(c->rv_expect, "crash") ||
                !strcmp(c->rv_expect, "reboot") || !strcmp(c->rv_expect, "watchdog") ||
                !strcmp(c->rv_expect, "restart-loop"));
    FUZZ_ASSERT(c->rv_expect_restarts <= DOMCFG_MAX_EXPECT_RESTARTS);

    /* disk and vif (core/domcfg_dev.c, domcfg_vif.c): bounded, decoded, distinct. */
    FUZZ_ASSERT(c->nr_disks <= DOMCFG_MAX_DISKS && c->nr_vifs <= DOMCFG_MAX_VIFS);
    for (i = 0; i < c->nr_disks; i++) {
        const struct domcfg_disk *d = &c->disks[i];
        uint32_t num = 0;

        CHECK_ARRAY_STR(d->target);
        CHECK_ARRAY_STR(d->vdev_name);
        CHECK_ARRAY_STR(d->backend);
        CHECK_ARRAY_STR(d->script);
        FUZZ_ASSERT(d->target[0] || d->cdrom);
        FUZZ_ASSERT(!domcfg_vdev_decode(d->vdev_name, &num) && num == d->vdev && num < DOMCFG_VBD_RESERVED);
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(c->disks[j].vdev != d->vdev);
    }
    for (i = 0; i < c->nr_vifs; i++) {
        const struct domcfg_vif *f = &c->vifs[i];

        CHECK_ARRAY_STR(f->bridge);
        CHECK_ARRAY_STR(f->vifname);
        CHECK_ARRAY_STR(f->gatewaydev);
        CHECK_ARRAY_STR(f->model);
        CHECK_ARRAY_STR(f->script);
        CHECK_ARRAY_STR(f->ip);
        CHECK_ARRAY_STR(f->backend);
        FUZZ_ASSERT(f->bridge[0] && f->devid <= 65535 && (!f->mtu || f->mtu >= 68) && f->type <= DOMCFG_VIF_IOEMU);
        FUZZ_ASSERT(!f->mac_given || !(f->mac[0] & 1));
        FUZZ_ASSERT(!f->rate_bytes_per_sec || f->rate_interval_us);
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(c->vifs[j].devid != f->devid);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct domcfg a, b;
    char *text = malloc(size ? size : 1);  /* exactly sized: ASan sees overreads */
    char err[160], err2[160];
    struct warns w = { 0 };
    int rc, rc2;

    memcpy(text, data, size);
    memset(err, 0x5a, sizeof(err));
    rc = domcfg_parse(text, size, &a, warn, &w, err, sizeof(err));
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
    FUZZ_ASSERT(a.nr_warnings == w.n);
    if (rc) {
        fuzz_check_err(err, sizeof(err));
        FUZZ_ASSERT(strncmp(err, "domcfg: ", 8) == 0);
    } else {
        FUZZ_ASSERT(err[0] == '\0');
        check_cfg(&a);
    }

    /* Same answer without the callbacks, and with a tiny error buffer. */
    memset(err2, 0x5a, sizeof(err2));
    rc2 = domcfg_parse(text, size, &b, NULL, NULL, err2, 12);
    FUZZ_ASSERT(rc2 == rc && b.nr_warnings == a.nr_warnings);
    FUZZ_ASSERT((unsigned char)err2[12] == 0x5a && memchr(err2, 0, 12));
    if (rc)
        FUZZ_ASSERT(strncmp(err, err2, 11) == 0);
    else
        FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
    FUZZ_ASSERT(domcfg_parse(text, size, &b, NULL, NULL, NULL, 0) == rc);
    free(text);
    return 0;
}
