/*
 * ringvisor.cfg and load-option parsing (see efi_cfg.h for the contract).
 *
 * The file format is line based so it can be written with any editor on any
 * OS: CR LF line ends and a UTF-8 byte order mark are accepted, `#` starts a
 * comment line, and every other line is `key=value`.
 */
#include "efi_cfg.h"
#include "efi_log.h"

static bool efi_cfg_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char efi_cfg_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Copy [s, s+n) into out[outsz] with a NUL; false if it does not fit. */
static bool efi_cfg_copy(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i;

	if (n >= outsz)
		return false;
	for (i = 0; i < n; i++)
		out[i] = s[i];
	out[n] = 0;
	return true;
}

static bool efi_cfg_key_is(const char *k, size_t klen, const char *want)
{
	size_t i;

	for (i = 0; i < klen && want[i]; i++)
		if (efi_cfg_lower(k[i]) != want[i])
			return false;
	return i == klen && !want[i];
}

void efi_cfg_init(struct efi_cfg *cfg)
{
	cfg->have_cmdline = false;
	cfg->cmdline[0] = 0;
	efi_cfg_copy(cfg->kernel, sizeof(cfg->kernel), EFI_CFG_KERNEL_DEFAULT,
		     sizeof(EFI_CFG_KERNEL_DEFAULT) - 1);
	cfg->nmods = 0;
}

/* module=FILE [ARGS...]: the module string is ARGS, or FILE if none. */
static int efi_cfg_module(struct efi_cfg *cfg, const char *name, unsigned lineno,
			  const char *v, size_t vlen)
{
	struct efi_cfg_module *m;
	size_t flen = 0, a;

	while (flen < vlen && !efi_cfg_blank(v[flen]))
		flen++;
	if (flen == 0) {
		efi_warn("%s:%u: module= without a file name; line ignored",
			 name, lineno);
		return 0;
	}
	if (cfg->nmods == EFI_CFG_MODS_MAX) {
		efi_err("%s:%u: more than %u modules", name, lineno,
			EFI_CFG_MODS_MAX);
		return -1;
	}
	m = &cfg->mods[cfg->nmods];
	if (!efi_cfg_copy(m->file, sizeof(m->file), v, flen)) {
		efi_err("%s:%u: module file name longer than %u characters",
			name, lineno, EFI_CFG_PATH_MAX - 1);
		return -1;
	}
	for (a = flen; a < vlen && efi_cfg_blank(v[a]); a++)
		;
	if (a == vlen) {
		a = 0;
		vlen = flen;
	}
	if (!efi_cfg_copy(m->string, sizeof(m->string), v + a, vlen - a)) {
		efi_err("%s:%u: module arguments longer than %u characters",
			name, lineno, EFI_CFG_CMDLINE_MAX - 1);
		return -1;
	}
	cfg->nmods++;
	return 0;
}

/* One line without its end, already trimmed and not empty/comment. */
static int efi_cfg_line(struct efi_cfg *cfg, const char *name, unsigned lineno,
			const char *s, size_t n)
{
	size_t i, eq = n, klen, vs;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e) {
			efi_warn("%s:%u: control or non-ASCII character; line ignored",
				 name, lineno);
			return 0;
		}
		if (c == '=' && eq == n)
			eq = i;
	}
	if (eq == n) {
		efi_warn("%s:%u: not a key=value line; ignored", name, lineno);
		return 0;
	}
	for (klen = eq; klen && efi_cfg_blank(s[klen - 1]); klen--)
		;
	for (vs = eq + 1; vs < n && efi_cfg_blank(s[vs]); vs++)
		;

	if (efi_cfg_key_is(s, klen, "cmdline")) {
		if (cfg->have_cmdline)
			efi_warn("%s:%u: second cmdline= line replaces the first",
				 name, lineno);
		if (!efi_cfg_copy(cfg->cmdline, sizeof(cfg->cmdline), s + vs, n - vs)) {
			efi_err("%s:%u: cmdline longer than %u characters",
				name, lineno, EFI_CFG_CMDLINE_MAX - 1);
			return -1;
		}
		cfg->have_cmdline = true;
		return 0;
	}
	if (efi_cfg_key_is(s, klen, "kernel")) {
		for (i = vs; i < n && !efi_cfg_blank(s[i]); i++)
			;
		if (i == vs || i != n) {
			efi_warn("%s:%u: kernel= takes exactly one file name; line ignored",
				 name, lineno);
			return 0;
		}
		if (!efi_cfg_copy(cfg->kernel, sizeof(cfg->kernel), s + vs, n - vs)) {
			efi_err("%s:%u: kernel file name longer than %u characters",
				name, lineno, EFI_CFG_PATH_MAX - 1);
			return -1;
		}
		return 0;
	}
	if (efi_cfg_key_is(s, klen, "module"))
		return efi_cfg_module(cfg, name, lineno, s + vs, n - vs);

	efi_warn("%s:%u: unknown key '%.*s'; line ignored", name, lineno,
		 (int)klen, s);
	return 0;
}

int efi_cfg_parse(struct efi_cfg *cfg, const char *name, const char *text,
		  size_t len)
{
	size_t pos = 0;
	unsigned lineno = 0;

	if (len >= 3 && (unsigned char)text[0] == 0xef &&
	    (unsigned char)text[1] == 0xbb && (unsigned char)text[2] == 0xbf)
		pos = 3;	/* UTF-8 byte order mark */

	while (pos < len) {
		size_t start = pos, end;

		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos;
		if (pos < len)
			pos++;	/* the '\n' */
		lineno++;

		while (end > start && (efi_cfg_blank(text[end - 1]) ||
				       text[end - 1] == '\r'))
			end--;
		while (start < end && efi_cfg_blank(text[start]))
			start++;
		if (start == end || text[start] == '#')
			continue;
		if (efi_cfg_line(cfg, name, lineno, text + start, end - start) < 0)
			return -1;
	}
	return 0;
}

bool efi_cfg_has_word(const char *cmdline, const char *word)
{
	const char *p = cmdline;

	while (*p) {
		size_t i = 0;

		while (efi_cfg_blank(*p))
			p++;
		while (word[i] && p[i] == word[i])
			i++;
		if (!word[i] && (!p[i] || efi_cfg_blank(p[i]) || p[i] == '='))
			return true;
		while (*p && !efi_cfg_blank(*p))
			p++;
	}
	return false;
}

/*
 * Does `w` (n chars) name this image? The shell passes argv[0] as typed:
 * "BOOTX64.EFI", "fs0:\EFI\BOOT\BOOTX64.EFI", or without ".efi".
 */
static bool efi_cfg_is_own_name(const char *w, size_t n, const char *own)
{
	size_t b = n, olen = 0, i;

	while (b && w[b - 1] != '\\' && w[b - 1] != '/' && w[b - 1] != ':')
		b--;
	w += b;
	n -= b;
	if (own) {
		for (; own[olen]; olen++)
			;
		for (i = 0; i < n && i < olen; i++)
			if (efi_cfg_lower(w[i]) != efi_cfg_lower(own[i]))
				break;
		if (i == n && (n == olen || (n + 4 == olen &&
				efi_cfg_key_is(own + n, 4, ".efi"))))
			return true;
	}
	return n > 4 && efi_cfg_key_is(w + n - 4, 4, ".efi");
}

int efi_cfg_from_load_options(const uint16_t *opts, size_t bytes,
			      const char *own_name, char *out, size_t outsz)
{
	size_t n = 0, i, s, e, w;

	if (!opts || bytes < 2)
		return 0;
	if (bytes & 1) {
		efi_warn("load options have an odd size (%zu bytes), so they are not a UCS-2 command line; ignored",
			 bytes);
		return 0;
	}
	while (n < bytes / 2 && opts[n])
		n++;
	for (i = 0; i < n; i++) {
		uint16_t c = opts[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c > 0x7e) {
			efi_warn("load options are not a text command line (character 0x%x at %zu); ignored",
				 c, i);
			return 0;
		}
	}
	/* Blanks, CR and LF all separate words. */
#define EFI_CFG_SEP(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
	for (s = 0; s < n && EFI_CFG_SEP(opts[s]); s++)
		;
	for (w = s; w < n && !EFI_CFG_SEP(opts[w]); w++)
		;
	if (w > s) {
		char first[EFI_CFG_PATH_MAX];
		size_t fl = w - s < sizeof(first) ? w - s : sizeof(first) - 1;

		for (i = 0; i < fl; i++)
			first[i] = (char)opts[s + i];
		if (efi_cfg_is_own_name(first, fl, own_name))
			for (s = w; s < n && EFI_CFG_SEP(opts[s]); s++)
				;
	}
	for (e = n; e > s && EFI_CFG_SEP(opts[e - 1]); e--)
		;
	if (e == s)
		return 0;
	if (e - s >= outsz) {
		efi_err("command line in the load options is longer than %zu characters",
			outsz - 1);
		return -1;
	}
	for (i = s; i < e; i++)
		out[i - s] = EFI_CFG_SEP(opts[i]) ? ' ' : (char)opts[i];
	out[e - s] = 0;
#undef EFI_CFG_SEP
	return 1;
}
