/*
 * physdev_op for 32-bit callers (compat.h), driven by a table: each
 * sub-op the native handler (pv/pv_emul.c pv_physdev_op and what it calls:
 * pv_dom0.c, pv_pirq.c, pv_pci.c) knows is listed with its i386 and
 * native sizes and, for those whose layouts differ, the fields to move
 * between them.  Layouts from Xen's public physdev.h, compiled for i386
 * (4-byte handles and unsigned longs, uint64_t aligned to 4):
 *
 *   set_iobitmap      { handle bitmap; u32 nr_ports }         8 / 16
 *   apic_read/write   { ulong apic_physbase; u32 reg, value } 12 / 16
 *   map_pirq          { domid, type, index, pirq, bus, devfn,
 *                       entry_nr; u64 table_base at 28 }        36 / 40
 *   pirq_eoi_gmfn_v2  { xen_pfn_t gmfn }                       4 / 8
 *
 * The rest (set_iopl, irq_status_query, eoi, unmap_pirq, alloc_irq_vector,
 * manage_pci_*, restore_msi, setup_gsi, pci_device_add/remove) hold only
 * 8/16/32-bit fields at the same offsets: the handler reads the guest's
 * structure itself.  A sub-op not in the table is -ENOSYS here, as the
 * native handler answers it, without any read.
 *
 * A translated call reads the i386 structure (-EFAULT if it cannot),
 * widens the listed IN fields (zero-extended: handles, frame numbers and
 * unsigned longs of a 32-bit guest are unsigned) into the translation area
 * (xlat.h), calls the native handler on COMPAT_XLAT_VA, and after success
 * narrows the OUT fields back into the guest's structure.
 */
#include "core/compat/compat.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Xen's physdev.h numbers. */
#define PHYSDEVOP_irq_status_query      5
#define PHYSDEVOP_set_iopl              6
#define PHYSDEVOP_set_iobitmap          7
#define PHYSDEVOP_apic_read             8
#define PHYSDEVOP_apic_write            9
#define PHYSDEVOP_alloc_irq_vector      10
#define PHYSDEVOP_eoi                   12
#define PHYSDEVOP_map_pirq              13
#define PHYSDEVOP_unmap_pirq            14
#define PHYSDEVOP_manage_pci_add        15
#define PHYSDEVOP_manage_pci_remove     16
#define PHYSDEVOP_restore_msi           19
#define PHYSDEVOP_manage_pci_add_ext    20
#define PHYSDEVOP_setup_gsi             21
#define PHYSDEVOP_pci_device_add        25
#define PHYSDEVOP_pci_device_remove     26
#define PHYSDEVOP_pirq_eoi_gmfn_v2      28

#define F_IN    1u
#define F_OUT   2u

/* One field: i386 offset and width, native offset and width (native >=
 * i386: a wider native field is the zero-extended value). */
struct xlat_field {
    uint8_t coff, clen, noff, nlen, dir;
};

#define XLAT_MAX_FIELDS 3
#define XLAT_MAX_SIZE   40u     /* the largest structure of either layout */

struct xlat_op {
    uint8_t cmd;
    uint8_t csize, nsize;       /* 0, 0: same layout, passed through */
    struct xlat_field f[XLAT_MAX_FIELDS];
};

static const struct xlat_op physdev_ops[] = {
    { PHYSDEVOP_set_iobitmap, 8, 16, {
        { 0, 4, 0, 8, F_IN },                   /* bitmap: a 32-bit handle */
        { 4, 4, 8, 4, F_IN } } },               /* nr_ports */
    { PHYSDEVOP_apic_read, 12, 16, {
        { 0, 4, 0, 8, F_IN },                   /* apic_physbase: unsigned long */
        { 4, 4, 8, 4, F_IN },                   /* reg */
        { 8, 4, 12, 4, F_IN | F_OUT } } },      /* value */
    { PHYSDEVOP_apic_write, 12, 16, {
        { 0, 4, 0, 8, F_IN },
        { 4, 4, 8, 4, F_IN },
        { 8, 4, 12, 4, F_IN | F_OUT } } },
    { PHYSDEVOP_map_pirq, 36, 40, {
        { 0, 28, 0, 28, F_IN | F_OUT },         /* domid .. entry_nr (pirq and entry_nr are OUT too) */
        { 28, 8, 32, 8, F_IN } } },             /* table_base: at 28 on i386, 32 natively */
    { PHYSDEVOP_pirq_eoi_gmfn_v2, 4, 8, {
        { 0, 4, 0, 8, F_IN } } },               /* gmfn: xen_pfn_t */
    { PHYSDEVOP_set_iopl, 0, 0, { { 0 } } },
    { PHYSDEVOP_irq_status_query, 0, 0, { { 0 } } },
    { PHYSDEVOP_alloc_irq_vector, 0, 0, { { 0 } } },
    { PHYSDEVOP_eoi, 0, 0, { { 0 } } },
    { PHYSDEVOP_unmap_pirq, 0, 0, { { 0 } } },
    { PHYSDEVOP_manage_pci_add, 0, 0, { { 0 } } },
    { PHYSDEVOP_manage_pci_remove, 0, 0, { { 0 } } },
    { PHYSDEVOP_restore_msi, 0, 0, { { 0 } } },
    { PHYSDEVOP_manage_pci_add_ext, 0, 0, { { 0 } } },
    { PHYSDEVOP_setup_gsi, 0, 0, { { 0 } } },
    { PHYSDEVOP_pci_device_add, 0, 0, { { 0 } } },
    { PHYSDEVOP_pci_device_remove, 0, 0, { { 0 } } },
};

_Static_assert(XLAT_MAX_SIZE <= COMPAT_XLAT_BYTES, "the native structure fits the translation area");

static long xlat_call(struct vcpu *v, const struct xlat_op *op, uint32_t arg)
{
    uint8_t c[XLAT_MAX_SIZE];
    uint8_t *n = v->compat.buf;
    bool out = false;

    if (copy_from_guest(v, c, arg, op->csize))
        return -EFAULT;
    memset(n, 0, op->nsize);
    for (unsigned i = 0; i < XLAT_MAX_FIELDS; i++) {
        const struct xlat_field *f = &op->f[i];
        if (f->dir & F_IN)
            memcpy(n + f->noff, c + f->coff, f->clen);     /* little-endian: the rest stays 0 */
        out |= (f->dir & F_OUT) != 0;
    }
    long rc = pv_physdev_op(v, op->cmd, COMPAT_XLAT_VA);
    if (rc < 0 || !out)
        return rc;
    for (unsigned i = 0; i < XLAT_MAX_FIELDS; i++) {
        const struct xlat_field *f = &op->f[i];
        if (f->dir & F_OUT)
            memcpy(c + f->coff, n + f->noff, f->clen);     /* equal widths: nothing narrowed away */
    }
    return copy_to_guest(v, arg, c, op->csize) ? -EFAULT : rc;
}

long compat_physdev_op(struct vcpu *v, unsigned cmd, uint32_t arg)
{
    for (unsigned i = 0; i < sizeof(physdev_ops) / sizeof(physdev_ops[0]); i++) {
        const struct xlat_op *op = &physdev_ops[i];
        if (op->cmd != cmd)
            continue;
        if (!op->csize)
            return pv_physdev_op(v, cmd, arg);
        return xlat_call(v, op, arg);
    }
    return -ENOSYS;
}
