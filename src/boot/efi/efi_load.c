/*
 * Placing the kernel and the modules in physical memory.
 *
 * Memory is claimed from the firmware with AllocatePages() (UEFI 2.10 section
 * 7.2) so that nothing else the firmware does before ExitBootServices() can
 * land on it, and so the final memory map shows it as ours (kernel EfiLoaderCode, modules EfiLoaderData):
 *  - kernel segments at their p_paddr (AllocateAddress): the core is linked
 *    for that physical address;
 *  - modules anywhere below 4 GiB (AllocateMaxAddress): multiboot2 module
 *    tags carry 32-bit addresses.
 */
#include "efi_boot.h"
#include "efi_elf.h"
#include "efi_log.h"

#define EFI_LOAD_PAGE 4096ULL
#define EFI_LOAD_KERNEL_MAX (256ULL << 20)	/* sanity bound on the ELF file */

/* Everything claimed so far, so a failed boot can give it back. */
static struct {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN pages;
} efi_load_allocs[EFI_ELF_SEGS_MAX + EFI_CFG_MODS_MAX];
static unsigned efi_load_nallocs;

static EFI_STATUS efi_load_alloc(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, UINTN pages,
				 EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_STATUS st;

	if (efi_load_nallocs == sizeof(efi_load_allocs) / sizeof(efi_load_allocs[0]))
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(BS->AllocatePages, 4, how, type, pages, addr);
	if (!EFI_ERROR(st)) {
		efi_load_allocs[efi_load_nallocs].addr = *addr;
		efi_load_allocs[efi_load_nallocs].pages = pages;
		efi_load_nallocs++;
	}
	return st;
}

void efi_load_release_all(void)
{
	while (efi_load_nallocs) {
		efi_load_nallocs--;
		uefi_call_wrapper(BS->FreePages, 2,
				  efi_load_allocs[efi_load_nallocs].addr,
				  efi_load_allocs[efi_load_nallocs].pages);
	}
}

static const char *efi_load_type_name(UINT32 type)
{
	static const char *const names[] = {
		"Reserved", "LoaderCode", "LoaderData", "BootServicesCode",
		"BootServicesData", "RuntimeServicesCode", "RuntimeServicesData",
		"Conventional", "Unusable", "ACPIReclaim", "ACPINVS", "MMIO",
		"MMIOPortSpace", "PalCode", "Persistent", "Unaccepted",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "(unknown)";
}

void efi_load_describe_range(UINT64 lo, UINT64 hi)
{
	UINTN size = 0, key, dsize = 0, off;
	UINT32 dver;
	UINT8 *map = NULL;
	EFI_STATUS st;
	int shown = 0;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL || dsize < sizeof(EFI_MEMORY_DESCRIPTOR))
		return;
	size += 8 * dsize;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, size,
					(void **)&map)))
		return;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map,
			       &key, &dsize, &dver);
	for (off = 0; !EFI_ERROR(st) && off + dsize <= size; off += dsize) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map + off);
		UINT64 end = d->PhysicalStart + d->NumberOfPages * EFI_LOAD_PAGE;

		if (end <= lo || d->PhysicalStart >= hi)
			continue;
		efi_info("  memory map: 0x%lx-0x%lx %s", d->PhysicalStart,
			 end - 1, efi_load_type_name(d->Type));
		shown++;
	}
	if (!EFI_ERROR(st) && !shown)
		efi_info("  memory map: nothing at 0x%lx-0x%lx (no RAM there)",
			 lo, hi - 1);
	uefi_call_wrapper(BS->FreePool, 1, map);
}

/*
 * Claim the pages under all segments. Segments that share a page (a linker
 * script without page alignment) are merged into one request, since
 * AllocateAddress refuses pages that are already ours.
 */
static EFI_STATUS efi_load_claim(const struct efi_elf_image *img, const char *path)
{
	unsigned i = 0;

	while (i < img->nsegs) {
		UINT64 lo = img->segs[i].paddr & ~(EFI_LOAD_PAGE - 1);
		UINT64 hi = img->segs[i].paddr + img->segs[i].memsz;
		EFI_PHYSICAL_ADDRESS addr;
		EFI_STATUS st;

		for (i++; i < img->nsegs &&
			  (img->segs[i].paddr & ~(EFI_LOAD_PAGE - 1)) <
			  ((hi + EFI_LOAD_PAGE - 1) & ~(EFI_LOAD_PAGE - 1)); i++)
			hi = img->segs[i].paddr + img->segs[i].memsz;
		hi = (hi + EFI_LOAD_PAGE - 1) & ~(EFI_LOAD_PAGE - 1);
		addr = lo;
		/* LoaderCode: the image is executed, and firmware that maps
		 * LoaderData no-execute (UEFI 2.10 2.3.4, memory protection)
		 * would fault on the jump to it. */
		st = efi_load_alloc(AllocateAddress, EfiLoaderCode, (hi - lo) / EFI_LOAD_PAGE, &addr);
		if (EFI_ERROR(st)) {
			efi_err("%s: physical range 0x%lx-0x%lx is not free RAM (%s); it holds:",
				path, lo, hi - 1, efi_status_str(st));
			efi_load_describe_range(lo, hi);
			return st;
		}
	}
	return EFI_SUCCESS;
}

EFI_STATUS efi_load_kernel(const char *name, UINT64 *entry64)
{
	char path[EFI_CFG_PATH_MAX];
	struct efi_elf_image img;
	EFI_FILE_HANDLE fh;
	UINT64 size;
	UINT8 *buf;
	EFI_STATUS st;
	unsigned i;

	st = efi_file_open(name, &fh, &size, path);
	if (st == EFI_NOT_FOUND)
		efi_err("kernel file %s not found", path);
	if (EFI_ERROR(st))
		return st;
	if (size > EFI_LOAD_KERNEL_MAX) {
		efi_err("%s: %lu bytes is too large for a kernel image", path, size);
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_LOAD_ERROR;
	}
	/* The file is read whole before its segments' addresses are known.
	 * EDK2 serves large pool requests top-down, far from the low load
	 * address; if a firmware put it in the way, the claim below fails
	 * with a message naming the range, rather than anything breaking. */
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, size ? size : 1,
			       (void **)&buf);
	if (EFI_ERROR(st)) {
		efi_err("no memory to read %s (%lu bytes)", path, size);
		uefi_call_wrapper(fh->Close, 1, fh);
		return st;
	}
	st = efi_file_read_close(fh, buf, size, path);
	if (EFI_ERROR(st))
		goto out;
	/* Everything about the file is checked before memory is claimed. */
	if (efi_elf_check(buf, size, path, &img) < 0 ||
	    efi_elf_find_entry(buf, size, path, &img) < 0) {
		st = EFI_LOAD_ERROR;
		goto out;
	}
	st = efi_load_claim(&img, path);
	if (EFI_ERROR(st))
		goto out;
	for (i = 0; i < img.nsegs; i++) {
		const struct efi_elf_seg *s = &img.segs[i];
		UINT8 *dst = (UINT8 *)(UINTN)s->paddr;

		/* UEFI runs with memory identity mapped (UEFI 2.10 section
		 * 2.3.4), so the physical address is the pointer. */
		CopyMem(dst, buf + s->offset, s->filesz);
		SetMem(dst + s->filesz, s->memsz - s->filesz, 0);
	}
	*entry64 = img.entry64;
	efi_info("kernel %s: %u segment%s at 0x%lx-0x%lx, entry 0x%lx",
		 path, img.nsegs, img.nsegs == 1 ? "" : "s", img.lo, img.hi - 1,
		 img.entry64);
out:
	uefi_call_wrapper(BS->FreePool, 1, buf);
	return st;
}

EFI_STATUS efi_load_module(const char *name, struct efi_boot_mod *mod)
{
	char path[EFI_CFG_PATH_MAX];
	EFI_PHYSICAL_ADDRESS addr = EFI_BOOT_MAX_ADDR32;
	EFI_FILE_HANDLE fh;
	UINT64 size, pages;
	EFI_STATUS st;

	st = efi_file_open(name, &fh, &size, path);
	if (st == EFI_NOT_FOUND)
		efi_err("module file %s not found", path);
	if (EFI_ERROR(st))
		return st;
	pages = (size + EFI_LOAD_PAGE - 1) / EFI_LOAD_PAGE;
	if (size > EFI_BOOT_MAX_ADDR32) {
		efi_err("module %s: %lu bytes cannot fit below 4 GiB", path, size);
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_OUT_OF_RESOURCES;
	}
	st = efi_load_alloc(AllocateMaxAddress, EfiLoaderData, pages ? pages : 1, &addr);
	if (EFI_ERROR(st)) {
		efi_err("module %s: no room for %lu bytes below 4 GiB (%s)", path,
			size, efi_status_str(st));
		uefi_call_wrapper(fh->Close, 1, fh);
		return st;
	}
	st = efi_file_read_close(fh, (void *)(UINTN)addr, size, path);
	if (EFI_ERROR(st))
		return st;
	/* Zero the tail of the last page: no stale data next to the module. */
	SetMem((UINT8 *)(UINTN)addr + size, (pages ? pages : 1) * EFI_LOAD_PAGE - size, 0);
	mod->start = (UINT32)addr;
	mod->end = (UINT32)(addr + size);
	efi_info("module %s: %lu bytes at 0x%lx", path, size, addr);
	return EFI_SUCCESS;
}
