/*
 * fw_cfg items and the selector/data protocol (hvm/fwcfg.h).
 *
 * Byte order follows the specification item by item: the integers of the
 * well-known items are little-endian, while the file directory (count and
 * each entry's size and key) is big-endian.  Reading past an item's end,
 * or reading an item that does not exist, gives zeros.
 */
#include "hvm/fwcfg.h"
#include "lib/string.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[n - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* Appends an item of len bytes (copied from data, or zeros when data is
 * NULL) and returns its bytes in the blob, or NULL when it does not fit. */
static uint8_t *add_item(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
    if (f->nr_items >= sizeof(f->items) / sizeof(f->items[0]) || len > FWCFG_BLOB_MAX - f->blob_len)
        return NULL;
    struct fwcfg_item *it = &f->items[f->nr_items++];
    it->key = key;
    it->off = (uint16_t)f->blob_len;
    it->len = len;
    uint8_t *p = f->blob + f->blob_len;
    if (data)
        memcpy(p, data, len);
    else
        memset(p, 0, len);
    f->blob_len += len;
    return p;
}

static bool add_int(struct fwcfg *f, uint16_t key, uint64_t v, unsigned n)
{
    uint8_t *p = add_item(f, key, NULL, n);
    if (p)
        put_le(p, v, n);
    return p != NULL;
}

void fwcfg_e820_entry(uint8_t out[20], uint64_t addr, uint64_t size, uint32_t type)
{
    put_le(out, addr, 8);
    put_le(out + 8, size, 8);
    put_le(out + 16, type, 4);
}

int fwcfg_build(struct fwcfg *f, const struct fwcfg_params *p)
{
    static const struct { const char *name; } files[] = {
        { "bootorder" },        /* no boot devices yet: empty (SeaBIOS then uses its defaults) */
        { "etc/e820" },
    };
    size_t cl = p->cmdline ? strlen(p->cmdline) : 0;

    memset(f, 0, sizeof(*f));
    f->select = 0xffff;                 /* nothing selected: reads give zeros */
    if (!add_item(f, FW_CFG_SIGNATURE, "QEMU", 4) ||
        !add_int(f, FW_CFG_ID, 1, 4) ||
        !add_item(f, FW_CFG_UUID, NULL, 16) ||
        !add_int(f, FW_CFG_RAM_SIZE, p->ram_bytes, 8) ||
        !add_int(f, FW_CFG_NOGRAPHIC, 1, 2) ||
        !add_int(f, FW_CFG_NB_CPUS, p->boot_cpus, 2) ||
        !add_int(f, FW_CFG_MAX_CPUS, p->max_cpus, 2) ||
        !add_int(f, FW_CFG_BOOT_MENU, 0, 2) ||
        !add_int(f, FW_CFG_KERNEL_CMDLINE, 0, 4) ||
        !add_int(f, FW_CFG_CMDLINE_SIZE, cl ? cl + 1 : 0, 4) ||
        !add_item(f, FW_CFG_CMDLINE_DATA, cl ? p->cmdline : NULL, cl ? (uint32_t)cl + 1 : 0) ||
        !add_int(f, FW_CFG_ARCH_IRQ0_OVERRIDE, 1, 4))
        return -1;

    /* The files, then the directory that names them. */
    uint32_t sizes[FWCFG_MAX_FILES];
    unsigned nf = sizeof(files) / sizeof(files[0]);
    if (!add_item(f, FW_CFG_FILE_FIRST, NULL, 0) ||
        !add_item(f, FW_CFG_FILE_FIRST + 1, p->e820, p->e820_bytes))
        return -1;
    sizes[0] = 0;
    sizes[1] = p->e820_bytes;
    uint8_t *dir = add_item(f, FW_CFG_FILE_DIR, NULL, 4 + nf * 64);
    if (!dir)
        return -1;
    put_be(dir, nf, 4);
    for (unsigned i = 0; i < nf; i++) {
        uint8_t *e = dir + 4 + i * 64;          /* size BE32, select BE16, reserved, name[56] */
        put_be(e, sizes[i], 4);
        put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
        memcpy(e + 8, files[i].name, strlen(files[i].name) + 1);
    }
    return 0;
}

static const struct fwcfg_item *selected(const struct fwcfg *f)
{
    uint16_t key = f->select & (uint16_t)~FW_CFG_WRITE_CHANNEL;
    for (unsigned i = 0; i < f->nr_items; i++)
        if (f->items[i].key == key)
            return &f->items[i];
    return NULL;
}

bool fwcfg_io(struct fwcfg *f, uint16_t port, bool in, unsigned size, uint32_t *val)
{
    if (port == FWCFG_PORT_SEL) {
        /* The selector is a 16-bit write-only register; QEMU also takes a
         * 16-bit access at 0x510 only. */
        if (in)
            *val = 0xffffffffu;
        else if (size == 2) {
            f->select = (uint16_t)*val;
            f->offset = 0;
        }
        return true;
    }
    if (port != FWCFG_PORT_DATA)
        return false;
    if (!in)
        return true;                    /* writes ignored (no write channel offered) */
    if (size != 1) {
        *val = 0xffffffffu;
        return true;
    }
    const struct fwcfg_item *it = selected(f);
    uint8_t b = 0;
    if (it && f->offset < it->len)
        b = f->blob[it->off + f->offset];
    if (it && f->offset < it->len)
        f->offset++;
    *val = b;
    return true;
}
