/*
 * What to boot: the hypervisor command line, the kernel file and the modules,
 * taken from the image's load options and from ringvisor.cfg.
 *
 * Pure parsing (no firmware calls), so it can be built for the host too.
 */
#ifndef RV_BOOT_EFI_CFG_H
#define RV_BOOT_EFI_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EFI_CFG_CMDLINE_MAX 1024	/* bytes including the NUL */
#define EFI_CFG_PATH_MAX    256
#define EFI_CFG_MODS_MAX    32
#define EFI_CFG_KERNEL_DEFAULT "ringvisor.elf"

struct efi_cfg_module {
	char file[EFI_CFG_PATH_MAX];	/* as written; relative to the app's dir */
	char string[EFI_CFG_CMDLINE_MAX]; /* multiboot2 module string */
};

struct efi_cfg {
	bool have_cmdline;		/* a cmdline= line was seen */
	char cmdline[EFI_CFG_CMDLINE_MAX];
	char kernel[EFI_CFG_PATH_MAX];
	unsigned nmods;
	struct efi_cfg_module mods[EFI_CFG_MODS_MAX];
};

/* Empty config: no command line, default kernel, no modules. */
void efi_cfg_init(struct efi_cfg *cfg);

/*
 * Parse the text of ringvisor.cfg (`name` is used in messages). Junk lines
 * get a warning and are ignored. Returns 0, or -1 after printing an error
 * when a value does not fit (the boot must stop: a silently shortened command
 * line or a dropped module would boot something other than what was asked).
 */
int efi_cfg_parse(struct efi_cfg *cfg, const char *name, const char *text,
		  size_t len);

/*
 * Turn the image's load options (UCS-2, `bytes` long, maybe without a NUL)
 * into an ASCII command line. `own_name` is the image's file name (e.g.
 * "BOOTX64.EFI", may be NULL): a first word naming it (the UEFI shell passes
 * argv[0]) is dropped. Returns 1 when a non-empty command line was produced,
 * 0 when there is none (absent, empty, or not text: a warning says so),
 * -1 after printing an error when it is too long.
 */
int efi_cfg_from_load_options(const uint16_t *opts, size_t bytes,
			      const char *own_name, char *out, size_t outsz);

/* True if `word` appears as a whole blank-separated word of `cmdline`
 * (alone or as "word=..."). */
bool efi_cfg_has_word(const char *cmdline, const char *word);

#endif
