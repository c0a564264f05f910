/*
 * Console output of the UEFI loader: a small printf subset formatted into an
 * ASCII buffer, then handed to ConOut->OutputString() as UCS-2.
 *
 * Why our own formatter rather than gnu-efi's Print(): Print() takes UCS-2
 * formats the compiler cannot check; a mismatched argument there prints junk
 * or faults in the one place (error reporting) that must be reliable.
 */
#include <efi.h>
#include <efilib.h>

#include "efi_log.h"

static int efi_log_off;

void efi_log_disable(void)
{
	efi_log_off = 1;
}

struct efi_fmt_buf {
	char *p;
	size_t len, cap;	/* cap includes room for the final NUL */
};

static void efi_fmt_putc(struct efi_fmt_buf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len++] = c;
}

static void efi_fmt_num(struct efi_fmt_buf *b, unsigned long long v,
			unsigned base, int upper, int neg, unsigned width, int zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		width = width ? width - 1 : 0;
	if (neg && zero)
		efi_fmt_putc(b, '-');
	while (width > n) {
		efi_fmt_putc(b, zero ? '0' : ' ');
		width--;
	}
	if (neg && !zero)
		efi_fmt_putc(b, '-');
	while (n)
		efi_fmt_putc(b, tmp[--n]);
}

static void efi_fmt(struct efi_fmt_buf *b, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned width = 0, prec = ~0u;
		int zero = 0, lng = 0;

		if (*fmt != '%') {
			efi_fmt_putc(b, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			zero = 1;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		if (*fmt == '.') {	/* precision: only used by %s */
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				prec = p < 0 ? ~0u : (unsigned)p;
				fmt++;
			} else {
				for (prec = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 + (unsigned)(*fmt - '0');
			}
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v
						     : (unsigned long long)v;
			efi_fmt_num(b, m, 10, 0, v < 0, width, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			/* On x86_64 long, long long and size_t are all 64-bit. */
			unsigned long long v = lng ? va_arg(ap, unsigned long long)
						   : va_arg(ap, unsigned int);
			efi_fmt_num(b, v, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				    0, width, zero);
			break;
		}
		case 'p':
			efi_fmt_putc(b, '0');
			efi_fmt_putc(b, 'x');
			efi_fmt_num(b, (unsigned long long)(uintptr_t)va_arg(ap, void *),
				    16, 0, 0, width, zero);
			break;
		case 'c':
			efi_fmt_putc(b, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;

			if (!s)
				s = "(null)";
			for (; n < prec && s[n]; n++)
				;
			for (; width > n; width--)
				efi_fmt_putc(b, ' ');
			while (n--)
				efi_fmt_putc(b, *s++);
			break;
		}
		case '%':
			efi_fmt_putc(b, '%');
			break;
		default:	/* unknown conversion: show it rather than guess */
			efi_fmt_putc(b, '%');
			if (!*fmt)
				return;
			efi_fmt_putc(b, *fmt);
			break;
		}
	}
}

/* ConOut wants UCS-2 with CR LF line ends (UEFI 2.10 section 12.4,
 * EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL.OutputString). */
static void efi_log_out(const char *s)
{
	CHAR16 out[130];
	unsigned n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			out[n++] = L'\r';
		out[n++] = (c >= 0x20 && c < 0x7f) || c == '\n' ? c : L'?';
		if (n >= 126) {
			out[n] = 0;
			uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, out);
			n = 0;
		}
	}
	out[n] = 0;
	if (n)
		uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, out);
}

void efi_logv(enum efi_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[EFI_LOG_INFO] = "ringvisor.efi: ",
		[EFI_LOG_WARN] = "ringvisor.efi: warning: ",
		[EFI_LOG_ERR] = "ringvisor.efi: error: ",
	};
	char line[512];
	struct efi_fmt_buf b = { line, 0, sizeof(line) };
	const char *p;

	if (efi_log_off || !ST || !ST->ConOut)
		return;
	for (p = prefix[level]; *p; p++)
		efi_fmt_putc(&b, *p);
	efi_fmt(&b, fmt, ap);
	if (b.len == 0 || line[b.len - 1] != '\n') {
		if (b.len + 1 >= b.cap)
			b.len--;
		line[b.len++] = '\n';
	}
	line[b.len] = 0;
	efi_log_out(line);
}

void efi_log(enum efi_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	efi_logv(level, fmt, ap);
	va_end(ap);
}

const char *efi_status_str(EFI_STATUS st)
{
	switch (st) {
	case EFI_SUCCESS:		return "SUCCESS";
	case EFI_LOAD_ERROR:		return "LOAD_ERROR";
	case EFI_INVALID_PARAMETER:	return "INVALID_PARAMETER";
	case EFI_UNSUPPORTED:		return "UNSUPPORTED";
	case EFI_BUFFER_TOO_SMALL:	return "BUFFER_TOO_SMALL";
	case EFI_NOT_READY:		return "NOT_READY";
	case EFI_DEVICE_ERROR:		return "DEVICE_ERROR";
	case EFI_OUT_OF_RESOURCES:	return "OUT_OF_RESOURCES";
	case EFI_VOLUME_CORRUPTED:	return "VOLUME_CORRUPTED";
	case EFI_NOT_FOUND:		return "NOT_FOUND";
	case EFI_ACCESS_DENIED:		return "ACCESS_DENIED";
	case EFI_END_OF_FILE:		return "END_OF_FILE";
	case EFI_ABORTED:		return "ABORTED";
	default: {
		/* Rare codes: show the number (one caller at a time). */
		static char hex[2 + 16 + 1];
		UINT64 v = st;
		int i;

		hex[0] = '0';
		hex[1] = 'x';
		for (i = 0; i < 16; i++)
			hex[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
		hex[18] = 0;
		return hex;
	}
	}
}
