/*
 * The multiboot2 information block, ExitBootServices() and the jump.
 *
 * Layout (Multiboot2 specification 2.0, section 3.6 "Boot information
 * format"): u32 total_size, u32 reserved, then tags, each u32 type, u32 size
 * (excluding padding) and starting on an 8-byte boundary, ending with a tag
 * of type 0, size 8.
 *
 * The memory map tags must describe memory as it is when boot services end.
 * UEFI 2.10 section 7.4 (ExitBootServices()) requires the MapKey of the
 * current map, and says that when the key is stale the call fails with
 * EFI_INVALID_PARAMETER, the loader must call GetMemoryMap() again (and
 * nothing else) and retry. So the block is allocated first with room for a
 * larger map, the prefix tags are written, and GetMemoryMap() writes the
 * descriptors straight into the tag 17 payload: nothing is allocated between
 * taking the map and exiting boot services.
 */
#include "efi_boot.h"
#include "efi_log.h"
#include "efi_mmap.h"

#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289U

#define MULTIBOOT_TAG_TYPE_END              0
#define MULTIBOOT_TAG_TYPE_CMDLINE          1
#define MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME 2
#define MULTIBOOT_TAG_TYPE_MODULE           3
#define MULTIBOOT_TAG_TYPE_MMAP             6
#define MULTIBOOT_TAG_TYPE_EFI64            12
#define MULTIBOOT_TAG_TYPE_ACPI_OLD         14
#define MULTIBOOT_TAG_TYPE_ACPI_NEW         15
#define MULTIBOOT_TAG_TYPE_EFI_MMAP         17

#define EFI_MB2_LOADER_NAME "ringvisor.efi"
#define EFI_MB2_EBS_TRIES   8	/* stale-MapKey retries before giving up */
#define EFI_MB2_SPARE_DESCS 32	/* map growth allowed after sizing the block */

static int efi_mb2_ebs_called;

int efi_mb2_services_gone(void)
{
	return efi_mb2_ebs_called;
}

/* Writer over the block; with base == NULL it only measures. */
struct efi_mb2_buf {
	UINT8 *base;
	UINTN off;
};

static UINTN efi_mb2_align8(UINTN v)
{
	return (v + 7) & ~(UINTN)7;
}

static UINTN efi_mb2_strlen(const char *s)
{
	UINTN n = 0;

	while (s[n])
		n++;
	return n;
}

/* Start a tag of `size` bytes (header included); returns its payload. */
static UINT8 *efi_mb2_tag(struct efi_mb2_buf *b, UINT32 type, UINT32 size)
{
	UINT8 *p = b->base ? b->base + b->off : NULL;

	if (p) {
		((UINT32 *)p)[0] = type;
		((UINT32 *)p)[1] = size;
	}
	b->off += efi_mb2_align8(size);
	return p ? p + 8 : NULL;
}

static void efi_mb2_string_tag(struct efi_mb2_buf *b, UINT32 type, const char *s)
{
	UINTN n = efi_mb2_strlen(s) + 1;
	UINT8 *p = efi_mb2_tag(b, type, (UINT32)(8 + n));

	if (p)
		CopyMem(p, s, n);
}

static int efi_mb2_sum_ok(const UINT8 *p, UINTN n)
{
	UINT8 sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

/*
 * The RSDP from the EFI configuration table (UEFI 2.10 section 4.6; ACPI 6.5
 * section 5.2.5.3): checked before it is copied, because the kernel trusts
 * the copy and a bad pointer here would send it into junk.
 */
static const UINT8 *efi_mb2_rsdp(EFI_GUID *guid, int v2, UINT32 *len)
{
	static const UINT8 sig[8] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };
	UINTN i, j;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const UINT8 *r = t->VendorTable;

		if (CompareMem(&t->VendorGuid, guid, sizeof(*guid)) || !r)
			continue;
		for (j = 0; j < 8 && r[j] == sig[j]; j++)
			;
		if (j < 8 || !efi_mb2_sum_ok(r, 20)) {
			efi_warn("ACPI %s RSDP at %p has a bad signature or checksum; not passed on",
				 v2 ? "2.0" : "1.0", r);
			return NULL;
		}
		*len = 20;
		if (!v2)
			return r;
		*len = *(const UINT32 *)(r + 20);
		if (r[15] < 2 || *len < 36 || *len > 256 || !efi_mb2_sum_ok(r, *len)) {
			efi_warn("ACPI 2.0 RSDP at %p: revision %u, length %u, or extended checksum wrong; not passed on",
				 r, r[15], *len);
			return NULL;
		}
		return r;
	}
	return NULL;
}

/* Tags that do not depend on the final memory map. */
static void efi_mb2_prefix(struct efi_mb2_buf *b, const struct efi_boot_info *bi)
{
	EFI_GUID acpi1 = ACPI_TABLE_GUID, acpi2 = ACPI_20_TABLE_GUID;
	const UINT8 *rsdp;
	UINT32 len;
	unsigned i;
	UINT8 *p;

	b->off = 8;	/* total_size, reserved */
	efi_mb2_string_tag(b, MULTIBOOT_TAG_TYPE_CMDLINE, bi->cmdline);
	efi_mb2_string_tag(b, MULTIBOOT_TAG_TYPE_BOOT_LOADER_NAME, EFI_MB2_LOADER_NAME);
	for (i = 0; i < bi->nmods; i++) {
		UINTN n = efi_mb2_strlen(bi->mods[i].string) + 1;

		p = efi_mb2_tag(b, MULTIBOOT_TAG_TYPE_MODULE, (UINT32)(16 + n));
		if (p) {
			((UINT32 *)p)[0] = bi->mods[i].start;
			((UINT32 *)p)[1] = bi->mods[i].end;
			CopyMem(p + 8, bi->mods[i].string, n);
		}
	}
	p = efi_mb2_tag(b, MULTIBOOT_TAG_TYPE_EFI64, 16);
	if (p)
		*(UINT64 *)p = (UINT64)(UINTN)ST;
	rsdp = efi_mb2_rsdp(&acpi1, 0, &len);
	if (rsdp) {
		p = efi_mb2_tag(b, MULTIBOOT_TAG_TYPE_ACPI_OLD, 8 + len);
		if (p)
			CopyMem(p, rsdp, len);
	}
	rsdp = efi_mb2_rsdp(&acpi2, 1, &len);
	if (rsdp) {
		p = efi_mb2_tag(b, MULTIBOOT_TAG_TYPE_ACPI_NEW, 8 + len);
		if (p)
			CopyMem(p, rsdp, len);
	}
}

/*
 * The handover: interrupts off (the firmware's IDT and timer are no longer
 * ours to rely on), RDI = multiboot2 magic, RSI = info block, still on the
 * firmware's identity-mapped page tables, GDT and stack (UEFI 2.10 section
 * 2.3.4 describes that state); the core loads its own at once.
 */
static void __attribute__((noreturn)) efi_mb2_jump(UINT64 entry, UINT64 info)
{
	__asm__ volatile("cli\n\t"
			 "cld\n\t"
			 "jmp *%0"
			 :
			 : "r"(entry), "D"((UINT64)MULTIBOOT2_BOOTLOADER_MAGIC),
			   "S"(info)
			 : "memory");
	__builtin_unreachable();
}

/* After ExitBootServices() succeeded: no firmware calls, no output. */
static void __attribute__((noreturn))
efi_mb2_finish(UINT8 *base, UINTN off17, UINTN msize, UINTN dsize, UINT32 dver,
	       UINTN max_ent, UINT64 entry64)
{
	struct efi_mb2_buf b = { base, off17 };
	struct efi_mmap_mb2_entry *ent;
	UINT8 *p;
	UINTN n;

	__asm__ volatile("cli" ::: "memory");
	efi_log_disable();

	p = efi_mb2_tag(&b, MULTIBOOT_TAG_TYPE_EFI_MMAP, (UINT32)(16 + msize));
	((UINT32 *)p)[0] = (UINT32)dsize;
	((UINT32 *)p)[1] = dver;	/* descriptors are already at p + 8 */

	ent = (struct efi_mmap_mb2_entry *)(base + b.off + 16);
	n = efi_mmap_convert(p + 8, msize, dsize, ent, max_ent);
	p = efi_mb2_tag(&b, MULTIBOOT_TAG_TYPE_MMAP,
			(UINT32)(16 + n * sizeof(*ent)));
	((UINT32 *)p)[0] = sizeof(*ent);
	((UINT32 *)p)[1] = 0;	/* entry_version */

	efi_mb2_tag(&b, MULTIBOOT_TAG_TYPE_END, 8);
	((UINT32 *)base)[0] = (UINT32)b.off;
	((UINT32 *)base)[1] = 0;
	efi_mb2_jump(entry64, (UINT64)(UINTN)base);
}

EFI_STATUS efi_mb2_boot(EFI_HANDLE image, const struct efi_boot_info *bi)
{
	struct efi_mb2_buf b = { NULL, 0 };
	UINTN msize = 0, key, dsize = 0, room, max_ent, total, pages, prefix, tries;
	UINT32 dver;
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;
	unsigned grow;

	efi_mb2_prefix(&b, bi);
	prefix = b.off;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &msize, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL || dsize < EFI_MMAP_DESC_MIN) {
		efi_err("cannot size the memory map (%s, descriptor size %lu)",
			efi_status_str(st), dsize);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}

	for (grow = 1; grow <= 4; grow *= 2) {
		/* Room for the map as it is now plus spare descriptors: the
		 * block's own allocation and any firmware activity until the
		 * final GetMemoryMap() can add a few. */
		room = efi_mb2_align8(msize + grow * EFI_MB2_SPARE_DESCS * dsize);
		max_ent = room / dsize;
		total = prefix + 16 + room + 16 + max_ent * sizeof(struct efi_mmap_mb2_entry) + 8;
		pages = (total + 4095) / 4096;
		addr = EFI_BOOT_MAX_ADDR32;
		st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress,
				       EfiLoaderData, pages, &addr);
		if (EFI_ERROR(st)) {
			efi_err("no memory below 4 GiB for the multiboot2 information (%lu pages, %s)",
				pages, efi_status_str(st));
			return st;
		}
		b.base = (UINT8 *)(UINTN)addr;
		efi_mb2_prefix(&b, bi);
		efi_info("starting the kernel at 0x%lx with multiboot2 information at 0x%lx",
			 bi->entry64, addr);

		for (tries = 0; tries < EFI_MB2_EBS_TRIES; tries++) {
			msize = room;
			st = uefi_call_wrapper(BS->GetMemoryMap, 5, &msize,
					       (EFI_MEMORY_DESCRIPTOR *)(b.base + prefix + 16),
					       &key, &dsize, &dver);
			if (EFI_ERROR(st))
				break;
			if (dsize < EFI_MMAP_DESC_MIN) {
				st = EFI_DEVICE_ERROR;
				break;
			}
			efi_mb2_ebs_called = 1;
			st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
			if (!EFI_ERROR(st))
				efi_mb2_finish(b.base, prefix, msize, dsize, dver,
					       max_ent, bi->entry64);
			if (st != EFI_INVALID_PARAMETER)
				break;
			/* Stale MapKey: from here on, only GetMemoryMap(). */
		}
		if (efi_mb2_ebs_called) {
			/* No firmware calls (not even output) allowed now. */
			efi_log_disable();
			return st;
		}
		uefi_call_wrapper(BS->FreePages, 2, addr, pages);
		if (st != EFI_BUFFER_TOO_SMALL)
			break;
		efi_warn("memory map grew while sizing it; retrying with more room");
	}
	efi_err("cannot take the final memory map (%s)", efi_status_str(st));
	return st;
}
