/*
 * rv create -n shows what it understood of disk = [...] and vif = [...]
 * (core/domcfg_dev.c parses them), every field with its default filled in,
 * so that a file can be checked before the backends are wired up
 * (docs/split-drivers.md).
 */
#include "rv_devs.h"

#include <stdio.h>
#include <string.h>

static const char *backend_of(const char *b)
{
    return b[0] ? b : "0";
}

static void print_disk(const char *file, unsigned i, const struct domcfg_disk *d)
{
    printf("%s: disk %u: vdev %s (device %u), %s%s%s%s, %s, backend domain %s (phy)", file, i, d->vdev_name,
           d->vdev, d->target[0] ? "target \"" : "empty", d->target, d->target[0] ? "\"" : "",
           d->cdrom ? ", cdrom" : "", d->readonly ? "read-only" : "read-write", backend_of(d->backend));
    if (d->script[0])
        printf(", script %s", d->script);
    printf("%s%s\n", d->discard ? "" : ", no-discard", d->direct_io_safe ? ", direct-io-safe" : "");
}

static void print_vif(const char *file, unsigned i, const struct domcfg_vif *f)
{
    static const char *const types[] = { "default", "vif", "ioemu" };

    printf("%s: vif %u: devid %u, mac ", file, i, f->devid);
    if (f->mac_given)
        printf("%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
    else
        printf("auto (00:16:3e:xx:xx:xx)");
    printf(", bridge %s, backend domain %s, type %s", f->bridge, backend_of(f->backend), types[f->type]);
    if (f->vifname[0])
        printf(", vifname %s", f->vifname);
    if (f->model[0])
        printf(", model %s", f->model);
    if (f->ip[0])
        printf(", ip \"%s\"", f->ip);
    if (f->script[0])
        printf(", script %s", f->script);
    if (f->gatewaydev[0])
        printf(", gatewaydev %s", f->gatewaydev);
    if (f->rate_bytes_per_sec)
        printf(", rate %llu bytes/s in %u us periods", (unsigned long long)f->rate_bytes_per_sec,
               f->rate_interval_us);
    if (f->mtu)
        printf(", mtu %u", f->mtu);
    printf("\n");
}

void rv_print_devices(const char *file, const struct domcfg *cfg)
{
    for (unsigned i = 0; i < cfg->nr_disks; i++)
        print_disk(file, i, &cfg->disks[i]);
    for (unsigned i = 0; i < cfg->nr_vifs; i++)
        print_vif(file, i, &cfg->vifs[i]);
}

int rv_parse_device_spec(const char *cmd, const char *key, const char *spec, struct domcfg *cfg)
{
    if (strpbrk(spec, "'\"\n\\")) {
        fprintf(stderr, "rv %s: the %s spec may not hold quotes, backslashes or newlines\n", cmd, key);
        return -1;
    }
    static char text[4096];
    int n = snprintf(text, sizeof(text), "name = \"attach\"\nmemory = 16\nkernel = \"none\"\n%s = [ '%s' ]\n", key, spec);
    if (n < 0 || (size_t)n >= sizeof(text)) {
        fprintf(stderr, "rv %s: %s spec too long\n", cmd, key);
        return -1;
    }
    char err[256] = "";
    bool disk = !strcmp(key, "disk");
    if (domcfg_parse(text, (size_t)n, cfg, NULL, NULL, err, sizeof(err)) || (disk ? cfg->nr_disks : cfg->nr_vifs) != 1) {
        fprintf(stderr, "rv %s: '%s': %s\n", cmd, spec, err[0] ? err : "not one device");
        return -1;
    }
    return 0;
}
