/*
 * ringvisor.efi: starts the Ringvisor core straight from UEFI firmware,
 * without GRUB, and hands it the same multiboot2 information GRUB would.
 *
 * The contract with the core, step by step, and why each step is done so:
 *
 * 1. Command line. The image's load options (EFI_LOADED_IMAGE_PROTOCOL.
 *    LoadOptions, UEFI 2.10 section 9.1: the OptionalData of a Boot####
 *    variable, section 3.1.3, or the command line from the UEFI Shell, which
 *    passes the whole line including argv[0]) are read as UCS-2 text; a
 *    first word naming this image is dropped. Options that are not text
 *    (binary OptionalData) are ignored with a warning. ringvisor.cfg, beside
 *    the application on the same volume, is read when present (lines
 *    `cmdline=...`, `module=FILE [ARGS...]`, `kernel=FILE` (default
 *    ringvisor.elf), `#` comments; junk lines are warned about and ignored).
 *    Non-empty load options replace only cfg's cmdline, so a shell user can
 *    try other options with the same kernel and modules.
 * 2. Kernel. The ELF file is checked completely (ELF64, x86_64, ET_EXEC,
 *    program headers and segments inside the file, no overlap) before any
 *    memory is claimed; then each PT_LOAD segment is copied to its p_paddr
 *    in pages claimed with AllocatePages(AllocateAddress, EfiLoaderCode)
 *    (section 7.2) and its bss is zeroed. A range that is not free is
 *    reported together with what the memory map says is there.
 * 3. Entry. The core is entered through its 64-bit entry point, found in a
 *    16-byte record { u64 "RVBOOT64" (0x3436544f4f425652), u64 entry64_phys }
 *    on an 8-byte boundary in the first 64 KiB of the image (the ELF e_entry
 *    is the 32-bit multiboot entry used by GRUB and QEMU).
 * 4. Modules. Each module is read into pages below 4 GiB
 *    (AllocateMaxAddress), page-aligned, because multiboot2 module tags hold
 *    32-bit addresses. A missing module stops the boot.
 * 5. Information. A multiboot2 information block below 4 GiB (tags 1
 *    cmdline, 2 loader name, 3 modules, 12 EFI system table, 14/15 RSDP
 *    copies, 17 EFI memory map, 6 memory map, end) is built around the final
 *    memory map taken for ExitBootServices() (section 7.4); see efi_mb2.c.
 * 6. Handover. After ExitBootServices() there are no firmware calls and no
 *    output; interrupts are disabled and the core is entered in 64-bit mode
 *    with RDI = 0x36d76289, RSI = the information block, on the firmware's
 *    identity-mapped page tables (section 2.3.4).
 *
 * Any failure prints "ringvisor.efi: error: ..." on ConOut and returns an
 * error status to the firmware (which goes on to its next boot option), after
 * giving back the memory claimed. If the command line contains `emu_exit`,
 * the loader also ends the emulator the way the core does on a panic (0x12 to
 * port 0xf4, "Shutdown" to port 0x8900), so automated runs do not sit in the
 * firmware's boot menu until their timeout.
 */
#include "efi_boot.h"
#include "efi_log.h"

#define EFI_MAIN_CFG_NAME "ringvisor.cfg"
#define EFI_MAIN_CFG_MAX  (64U << 10)

/* Same codes as the core's emu_exit (docs: console protocol). */
#define EFI_MAIN_EXIT_PANIC 0x12

static int efi_main_emu_exit;

static void efi_main_outb(UINT16 port, UINT8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* Failure exit: maybe end the emulator, otherwise give control back. */
static EFI_STATUS efi_main_fail(EFI_STATUS st)
{
	const char *s = "Shutdown";

	/* After a failed ExitBootServices() the pages stay claimed: freeing
	 * them would be a boot service call. */
	if (!efi_mb2_services_gone())
		efi_load_release_all();
	if (efi_main_emu_exit) {
		efi_info("emu_exit: ending the emulator (code 0x%x)", EFI_MAIN_EXIT_PANIC);
		/* QEMU isa-debug-exit, then the Bochs shutdown port. */
		efi_main_outb(0xf4, EFI_MAIN_EXIT_PANIC);
		while (*s)
			efi_main_outb(0x8900, (UINT8)*s++);
	}
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

/* Read and parse ringvisor.cfg; a missing file means "all defaults". */
static EFI_STATUS efi_main_read_cfg(struct efi_cfg *cfg)
{
	char path[EFI_CFG_PATH_MAX];
	EFI_FILE_HANDLE fh;
	UINT64 size;
	char *text;
	EFI_STATUS st;
	int rc;

	st = efi_file_open(EFI_MAIN_CFG_NAME, &fh, &size, path);
	if (st == EFI_NOT_FOUND) {
		efi_info("no %s; using defaults", path);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return st;
	if (size > EFI_MAIN_CFG_MAX) {
		efi_err("%s is %lu bytes; more than %u is not a config file", path,
			size, EFI_MAIN_CFG_MAX);
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_LOAD_ERROR;
	}
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, size + 1,
			       (void **)&text);
	if (EFI_ERROR(st)) {
		efi_err("no memory to read %s", path);
		uefi_call_wrapper(fh->Close, 1, fh);
		return st;
	}
	st = efi_file_read_close(fh, text, size, path);
	if (!EFI_ERROR(st)) {
		rc = efi_cfg_parse(cfg, path, text, size);
		st = rc < 0 ? EFI_LOAD_ERROR : EFI_SUCCESS;
	}
	uefi_call_wrapper(BS->FreePool, 1, text);
	return st;
}

/* Steps 1-6 once the volume is open; returns only on failure. */
static EFI_STATUS efi_main_boot(EFI_HANDLE image, struct efi_cfg *cfg,
				const char *opt_cmdline)
{
	static struct efi_boot_info bi;
	EFI_STATUS st;
	unsigned i;

	efi_cfg_init(cfg);
	st = efi_main_read_cfg(cfg);
	bi.cmdline = opt_cmdline ? opt_cmdline : cfg->cmdline;
	/* Even a cfg that failed to parse may have asked for emu_exit. */
	if (!opt_cmdline)
		efi_main_emu_exit = efi_cfg_has_word(cfg->cmdline, "emu_exit");
	if (EFI_ERROR(st))
		return st;
	efi_info("command line (from %s): %s",
		 opt_cmdline ? "load options" :
		 cfg->have_cmdline ? EFI_MAIN_CFG_NAME : "default",
		 bi.cmdline[0] ? bi.cmdline : "(empty)");

	st = efi_load_kernel(cfg->kernel, &bi.entry64);
	if (EFI_ERROR(st))
		return st;
	for (i = 0; i < cfg->nmods; i++) {
		st = efi_load_module(cfg->mods[i].file, &bi.mods[i]);
		if (EFI_ERROR(st))
			return st;
		bi.mods[i].string = cfg->mods[i].string;
	}
	bi.nmods = cfg->nmods;
	return efi_mb2_boot(image, &bi);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	char opt_cmdline[EFI_CFG_CMDLINE_MAX];
	EFI_LOADED_IMAGE *li;
	struct efi_cfg *cfg;
	EFI_STATUS st;
	int have_opts;

	InitializeLib(image, systab);
	efi_info("Ringvisor UEFI loader");

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&li);
	if (EFI_ERROR(st)) {
		efi_err("no loaded-image protocol on our own handle (%s)",
			efi_status_str(st));
		return st;
	}
	st = efi_file_init(li);
	if (EFI_ERROR(st)) {
		/* Our name is unknown, but an emu_exit in the options counts. */
		if (efi_cfg_from_load_options(li->LoadOptions, li->LoadOptionsSize,
					      NULL, opt_cmdline,
					      sizeof(opt_cmdline)) > 0)
			efi_main_emu_exit = efi_cfg_has_word(opt_cmdline, "emu_exit");
		return efi_main_fail(st);
	}
	have_opts = efi_cfg_from_load_options(li->LoadOptions, li->LoadOptionsSize,
					      efi_file_own_name(), opt_cmdline,
					      sizeof(opt_cmdline));
	if (have_opts < 0)
		return efi_main_fail(EFI_INVALID_PARAMETER);
	if (have_opts > 0)
		efi_main_emu_exit = efi_cfg_has_word(opt_cmdline, "emu_exit");

	/* ~40 KiB: from the pool rather than in the image's .data. */
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, sizeof(*cfg),
			       (void **)&cfg);
	if (EFI_ERROR(st)) {
		efi_err("no memory for the configuration");
		return efi_main_fail(st);
	}
	st = efi_main_boot(image, cfg, have_opts > 0 ? opt_cmdline : NULL);
	if (!efi_mb2_services_gone())
		uefi_call_wrapper(BS->FreePool, 1, cfg);
	return efi_main_fail(st);
}
