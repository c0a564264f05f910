/*
 * Files beside the application, on the volume it was loaded from.
 *
 * The firmware tells us where we came from through the Loaded Image protocol
 * (UEFI 2.10 section 9.1): DeviceHandle is the volume, which carries the
 * Simple File System protocol when it is a FAT ESP (section 13.4), and
 * FilePath holds the image's path as File Path Media nodes (section 10.3.5.4;
 * one node with the whole path, or one node per component). Paths use '\'
 * and are UCS-2 (EFI_FILE_PROTOCOL.Open(), section 13.5).
 */
#include "efi_boot.h"
#include "efi_log.h"

#define EFI_FILE_READ_CHUNK (4ULL << 20)

static EFI_FILE_HANDLE efi_file_root;
static CHAR16 efi_file_dir[EFI_CFG_PATH_MAX + 1];	/* "\EFI\BOOT\" */
static char efi_file_self[EFI_CFG_PATH_MAX];	/* "BOOTX64.EFI" */

/* Collect the File Path nodes of `dp` into `out` (UCS-2, NUL-terminated). */
static int efi_file_dp_path(EFI_DEVICE_PATH *dp, CHAR16 *out, size_t max)
{
	size_t n = 0;
	unsigned guard;

	for (guard = 0; dp && guard < 64 && !IsDevicePathEnd(dp); guard++) {
		size_t len = DevicePathNodeLength(dp), i;

		if (len < 4)
			return -1;	/* malformed: would loop forever */
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
			size_t chars = (len - 4) / 2;

			if (n && out[n - 1] != L'\\' && chars && name[0] != L'\\') {
				if (n + 1 >= max)
					return -1;
				out[n++] = L'\\';
			}
			for (i = 0; i < chars && name[i]; i++) {
				if (n + 1 >= max)
					return -1;
				out[n++] = name[i] == L'/' ? L'\\' : name[i];
			}
		}
		dp = NextDevicePathNode(dp);
	}
	out[n] = 0;
	return 0;
}

EFI_STATUS efi_file_init(EFI_LOADED_IMAGE *li)
{
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	CHAR16 full[EFI_CFG_PATH_MAX];
	EFI_STATUS st;
	size_t i, slash = 0, n;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st)) {
		efi_err("the device the loader was started from has no file system (%s); put ringvisor.efi on a FAT volume such as the ESP",
			efi_status_str(st));
		return st;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &efi_file_root);
	if (EFI_ERROR(st)) {
		efi_err("cannot open the boot volume (%s)", efi_status_str(st));
		return st;
	}
	if (efi_file_dp_path(li->FilePath, full, EFI_CFG_PATH_MAX) < 0) {
		efi_warn("cannot read the loader's own path; looking for files in the volume's root");
		full[0] = 0;
	}
	for (n = 0; full[n]; n++)
		if (full[n] == L'\\')
			slash = n + 1;
	/* Directory part, always starting and ending with '\'. */
	i = 0;
	if (slash == 0 || full[0] != L'\\')
		efi_file_dir[i++] = L'\\';
	for (n = 0; n < slash; n++)
		efi_file_dir[i++] = full[n];
	efi_file_dir[i] = 0;
	for (n = 0; full[slash + n]; n++)
		efi_file_self[n] = full[slash + n] < 0x7f ? (char)full[slash + n] : '?';
	efi_file_self[n] = 0;
	return EFI_SUCCESS;
}

const char *efi_file_own_name(void)
{
	return efi_file_self[0] ? efi_file_self : NULL;
}

EFI_STATUS efi_file_open(const char *name, EFI_FILE_HANDLE *fh, UINT64 *size,
			 char *path)
{
	CHAR16 wpath[EFI_CFG_PATH_MAX];
	UINT64 info_buf[(SIZE_OF_EFI_FILE_INFO + 2 * EFI_CFG_PATH_MAX) / 8 + 1];
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN info_size = sizeof(info_buf);
	EFI_STATUS st;
	const CHAR16 *dir = name[0] == '\\' || name[0] == '/' ? L"" : efi_file_dir;
	size_t n = 0, i;

	/* Bounded copies; a path that does not fit is refused below. */
	for (i = 0; dir[i] && n < EFI_CFG_PATH_MAX; i++)
		wpath[n++] = dir[i];
	for (i = 0; name[i] && n < EFI_CFG_PATH_MAX; i++)
		wpath[n++] = name[i] == '/' ? L'\\' : (CHAR16)(unsigned char)name[i];
	if (n >= EFI_CFG_PATH_MAX) {
		efi_err("path of %s is longer than %u characters", name,
			EFI_CFG_PATH_MAX - 1);
		return EFI_INVALID_PARAMETER;
	}
	wpath[n] = 0;
	for (i = 0; i <= n; i++)
		path[i] = wpath[i] < 0x7f ? (char)wpath[i] : '?';

	st = uefi_call_wrapper(efi_file_root->Open, 5, efi_file_root, fh, wpath,
			       EFI_FILE_MODE_READ, 0ULL);
	if (st == EFI_NOT_FOUND)
		return st;
	if (EFI_ERROR(st)) {
		efi_err("cannot open %s (%s)", path, efi_status_str(st));
		return st;
	}
	st = uefi_call_wrapper((*fh)->GetInfo, 4, *fh, &GenericFileInfo,
			       &info_size, info);
	if (EFI_ERROR(st)) {
		efi_err("cannot get the size of %s (%s)", path, efi_status_str(st));
		uefi_call_wrapper((*fh)->Close, 1, *fh);
		return st;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		efi_err("%s is a directory, not a file", path);
		uefi_call_wrapper((*fh)->Close, 1, *fh);
		return EFI_INVALID_PARAMETER;
	}
	*size = info->FileSize;
	return EFI_SUCCESS;
}

EFI_STATUS efi_file_read_close(EFI_FILE_HANDLE fh, void *buf, UINT64 size,
			       const char *path)
{
	UINT64 done = 0;
	EFI_STATUS st = EFI_SUCCESS;

	while (done < size) {
		UINTN n = size - done < EFI_FILE_READ_CHUNK ? size - done
							    : EFI_FILE_READ_CHUNK;

		st = uefi_call_wrapper(fh->Read, 3, fh, &n, (UINT8 *)buf + done);
		if (EFI_ERROR(st)) {
			efi_err("reading %s failed at byte %llu (%s)", path,
				(unsigned long long)done, efi_status_str(st));
			break;
		}
		if (n == 0) {
			efi_err("%s ended after %llu of %llu bytes", path,
				(unsigned long long)done, (unsigned long long)size);
			st = EFI_END_OF_FILE;
			break;
		}
		done += n;
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}
