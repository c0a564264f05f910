/*
 * ELF64 checks for the hypervisor image (layouts: System V ABI, "ELF-64
 * Object File Format" 1.5, and the x86-64 psABI for EM_X86_64 = 62).
 *
 * Every field is read byte by byte in little-endian order: the buffer comes
 * from a file, its offsets are not trusted to be aligned, and the same code
 * runs on the host under a fuzzer.
 */
#include "efi_elf.h"
#include "efi_log.h"

#define EFI_ELF_EHDR_SIZE  64
#define EFI_ELF_PHDR_SIZE  56
#define EFI_ELF_PHNUM_MAX  64
#define EFI_ELF_ET_EXEC    2
#define EFI_ELF_EM_X86_64  62
#define EFI_ELF_PT_LOAD    1

static uint64_t efi_elf_rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* a + b <= limit without overflow */
static int efi_elf_fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static int efi_elf_check_header(const uint8_t *buf, size_t size, const char *name,
				uint64_t *phoff, unsigned *phnum)
{
	if (size < EFI_ELF_EHDR_SIZE) {
		efi_err("%s: file too short for an ELF header (%zu bytes)", name, size);
		return -1;
	}
	if (buf[0] != 0x7f || buf[1] != 'E' || buf[2] != 'L' || buf[3] != 'F') {
		efi_err("%s: not an ELF file (bad magic)", name);
		return -1;
	}
	/* e_ident[EI_CLASS] = ELFCLASS64, [EI_DATA] = ELFDATA2LSB, [EI_VERSION] = 1 */
	if (buf[4] != 2 || buf[5] != 1 || buf[6] != 1) {
		efi_err("%s: not a little-endian ELF64 version 1 file (class %u, data %u, version %u)",
			name, buf[4], buf[5], buf[6]);
		return -1;
	}
	if (efi_elf_rd(buf + 16, 2) != EFI_ELF_ET_EXEC) {
		efi_err("%s: ELF type %u, expected ET_EXEC (2)", name,
			(unsigned)efi_elf_rd(buf + 16, 2));
		return -1;
	}
	if (efi_elf_rd(buf + 18, 2) != EFI_ELF_EM_X86_64) {
		efi_err("%s: ELF machine %u, expected x86_64 (62)", name,
			(unsigned)efi_elf_rd(buf + 18, 2));
		return -1;
	}
	*phoff = efi_elf_rd(buf + 32, 8);
	*phnum = (unsigned)efi_elf_rd(buf + 56, 2);
	if (efi_elf_rd(buf + 54, 2) != EFI_ELF_PHDR_SIZE) {
		efi_err("%s: program header size %u, expected %u", name,
			(unsigned)efi_elf_rd(buf + 54, 2), EFI_ELF_PHDR_SIZE);
		return -1;
	}
	if (*phnum == 0 || *phnum > EFI_ELF_PHNUM_MAX) {
		efi_err("%s: %u program headers (expected 1..%u)", name, *phnum,
			EFI_ELF_PHNUM_MAX);
		return -1;
	}
	if (!efi_elf_fits(*phoff, (uint64_t)*phnum * EFI_ELF_PHDR_SIZE, size)) {
		efi_err("%s: program headers at offset 0x%llx run past the end of the file (%zu bytes)",
			name, (unsigned long long)*phoff, size);
		return -1;
	}
	return 0;
}

static int efi_elf_add_seg(const uint8_t *ph, size_t size, const char *name,
			   unsigned idx, struct efi_elf_image *img)
{
	struct efi_elf_seg s = {
		.offset = efi_elf_rd(ph + 8, 8),
		.paddr = efi_elf_rd(ph + 24, 8),
		.filesz = efi_elf_rd(ph + 32, 8),
		.memsz = efi_elf_rd(ph + 40, 8),
	};
	unsigned i;

	if (s.filesz > s.memsz) {
		efi_err("%s: segment %u: file size 0x%llx exceeds memory size 0x%llx",
			name, idx, (unsigned long long)s.filesz,
			(unsigned long long)s.memsz);
		return -1;
	}
	if (!efi_elf_fits(s.offset, s.filesz, size)) {
		efi_err("%s: segment %u: bytes 0x%llx+0x%llx lie outside the file (%zu bytes; truncated?)",
			name, idx, (unsigned long long)s.offset,
			(unsigned long long)s.filesz, size);
		return -1;
	}
	/* The end must stay below 2^64 so that page rounding cannot wrap. */
	if (!efi_elf_fits(s.paddr, s.memsz, ~0ULL - 0xfff)) {
		efi_err("%s: segment %u: physical range 0x%llx+0x%llx wraps around",
			name, idx, (unsigned long long)s.paddr,
			(unsigned long long)s.memsz);
		return -1;
	}
	if (s.memsz == 0)
		return 0;
	if (img->nsegs == EFI_ELF_SEGS_MAX) {
		efi_err("%s: more than %u loadable segments", name, EFI_ELF_SEGS_MAX);
		return -1;
	}
	/* Insertion sort by physical address. */
	for (i = img->nsegs; i && img->segs[i - 1].paddr > s.paddr; i--)
		img->segs[i] = img->segs[i - 1];
	img->segs[i] = s;
	img->nsegs++;
	return 0;
}

int efi_elf_check(const uint8_t *buf, size_t size, const char *name,
		  struct efi_elf_image *img)
{
	uint64_t phoff;
	unsigned phnum, i;

	img->nsegs = 0;
	img->entry64 = 0;
	if (efi_elf_check_header(buf, size, name, &phoff, &phnum) < 0)
		return -1;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + (uint64_t)i * EFI_ELF_PHDR_SIZE;

		if (efi_elf_rd(ph, 4) != EFI_ELF_PT_LOAD)
			continue;
		if (efi_elf_add_seg(ph, size, name, i, img) < 0)
			return -1;
	}
	if (img->nsegs == 0) {
		efi_err("%s: no loadable (PT_LOAD) segment", name);
		return -1;
	}
	for (i = 1; i < img->nsegs; i++) {
		const struct efi_elf_seg *a = &img->segs[i - 1], *b = &img->segs[i];

		if (a->paddr + a->memsz > b->paddr) {
			efi_err("%s: segments at 0x%llx and 0x%llx overlap", name,
				(unsigned long long)a->paddr,
				(unsigned long long)b->paddr);
			return -1;
		}
	}
	img->lo = img->segs[0].paddr;
	img->hi = img->segs[img->nsegs - 1].paddr + img->segs[img->nsegs - 1].memsz;
	return 0;
}

/* File bytes backing physical [pa, pa+len), or NULL if not all initialized. */
static const uint8_t *efi_elf_at(const uint8_t *buf, const struct efi_elf_image *img,
				 uint64_t pa, uint64_t len)
{
	unsigned i;

	for (i = 0; i < img->nsegs; i++) {
		const struct efi_elf_seg *s = &img->segs[i];

		if (pa >= s->paddr && pa - s->paddr <= s->filesz &&
		    len <= s->filesz - (pa - s->paddr))
			return buf + s->offset + (pa - s->paddr);
	}
	return NULL;
}

int efi_elf_find_entry(const uint8_t *buf, size_t size, const char *name,
		       struct efi_elf_image *img)
{
	uint64_t pa = (img->lo + 7) & ~7ULL;
	uint64_t end = img->lo + EFI_ELF_RVBOOT64_WINDOW;

	(void)size;	/* efi_elf_check() bounded every segment by it */
	if (end > img->hi || end < img->lo)
		end = img->hi;
	for (; pa + 16 <= end; pa += 8) {
		const uint8_t *rec = efi_elf_at(buf, img, pa, 16);
		uint64_t entry;

		if (!rec || efi_elf_rd(rec, 8) != EFI_ELF_RVBOOT64_MAGIC)
			continue;
		entry = efi_elf_rd(rec + 8, 8);
		if (!efi_elf_at(buf, img, entry, 1)) {
			efi_err("%s: RVBOOT64 record at 0x%llx gives entry 0x%llx, which is not in a loaded segment",
				name, (unsigned long long)pa,
				(unsigned long long)entry);
			return -1;
		}
		img->entry64 = entry;
		return 0;
	}
	efi_err("%s: no RVBOOT64 entry record in the first %u KiB of the image at 0x%llx (is this a Ringvisor image?)",
		name, EFI_ELF_RVBOOT64_WINDOW / 1024, (unsigned long long)img->lo);
	return -1;
}
