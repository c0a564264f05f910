/*
 * rv create's kernel files (kimage.c): read whole, and unpacked when they
 * are a bzImage (its gzip or xz payload) or a gzip/xz-compressed file, with
 * the hypervisor's own decoders (src/image/bzpayload.c, src/lib/decompress.c)
 * built for the host.  The PV and PVH builders then read the ELF inside.
 */
#ifndef RV_TOOLS_KIMAGE_H
#define RV_TOOLS_KIMAGE_H

#include <stddef.h>

/* An unpacked kernel larger than this is refused before allocating: the
 * declared size is the file's word (Debian's is ~60 MiB). */
#define KIMAGE_UNPACK_MAX (512u << 20)
/* A kernel or ramdisk file larger than this is refused while reading. */
#define KIMAGE_FILE_MAX   (512u << 20)

/* The whole file at path (owned by the caller, free()); NULL with a reason
 * ("PATH: ...") in err. */
void *kimage_read_file(const char *path, size_t *size, char *err, size_t errlen);

/*
 * The ELF inside a kernel file: *elf and *elf_size point at data itself when it
 * is not packed, else at a new buffer (free() it: it is also returned in
 * *owned, NULL when nothing was allocated).  *what says which ("ELF",
 * "bzImage/xz", "gzip"...).  0, or -1 with a one-line reason in err (a
 * corrupt payload, a size beyond KIMAGE_UNPACK_MAX).
 */
int kimage_unpack(const void *data, size_t size, const void **elf, size_t *elf_size, void **owned,
                  const char **what, char *err, size_t errlen);

#endif
