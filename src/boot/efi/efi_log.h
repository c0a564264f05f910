/*
 * Console messages of the UEFI loader.
 *
 * The parsers (efi_cfg.c, efi_elf.c, efi_mmap.c) only see this interface, so
 * they stay free of firmware calls and can be built for the host as well.
 * The format strings are ASCII and checked by the compiler (printf subset:
 * %d %i %u %x %X %s %c %p %% with '0', width, the l, ll, z modifiers, and a
 * precision (.N or .*) for %s).
 */
#ifndef RV_BOOT_EFI_LOG_H
#define RV_BOOT_EFI_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum efi_log_level {
	EFI_LOG_INFO,	/* progress: one line per step */
	EFI_LOG_WARN,	/* something ignored; the boot goes on */
	EFI_LOG_ERR,	/* the boot stops; control returns to the firmware */
};

void efi_log(enum efi_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void efi_logv(enum efi_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define efi_info(...) efi_log(EFI_LOG_INFO, __VA_ARGS__)
#define efi_warn(...) efi_log(EFI_LOG_WARN, __VA_ARGS__)
#define efi_err(...)  efi_log(EFI_LOG_ERR, __VA_ARGS__)

/* Stop all output: called once ExitBootServices() may have run, since
 * ConOut belongs to boot services (UEFI 2.10 section 7.4). */
void efi_log_disable(void);

#endif
