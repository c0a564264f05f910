"""Locating OVMF (UEFI firmware for QEMU).

Debian 12's ovmf package ships 4 MiB images (OVMF_CODE_4M.fd / OVMF_VARS_4M.fd)
and the older 2 MiB pair (OVMF_CODE.fd / OVMF_VARS.fd); other distributions use
/usr/share/edk2/... . The CODE image is mapped read-only; the VARS image is the
NVRAM store the firmware writes to, so every run gets its own copy.
RV_OVMF_CODE / RV_OVMF_VARS override the search.
"""

import os
import shutil
from typing import Tuple

# (code, vars) pairs, best first. A pair must come from the same build: the
# variable store layout has to match the code image's flash size.
_CANDIDATES = [
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    ("/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("/usr/share/edk2/x64/OVMF_CODE.4m.fd", "/usr/share/edk2/x64/OVMF_VARS.4m.fd"),
    ("/usr/share/edk2-ovmf/x64/OVMF_CODE.fd", "/usr/share/edk2-ovmf/x64/OVMF_VARS.fd"),
]


class FirmwareError(Exception):
    pass


def find_ovmf() -> Tuple[str, str]:
    """Return (code_path, vars_template_path)."""
    code = os.environ.get("RV_OVMF_CODE")
    varf = os.environ.get("RV_OVMF_VARS")
    if code or varf:
        if not (code and varf):
            raise FirmwareError("set both RV_OVMF_CODE and RV_OVMF_VARS, or neither")
        for p in (code, varf):
            if not os.path.isfile(p):
                raise FirmwareError("%s: no such file" % p)
        return code, varf
    for code, varf in _CANDIDATES:
        if os.path.isfile(code) and os.path.isfile(varf):
            return code, varf
    raise FirmwareError("OVMF firmware not found (looked for %s); install the 'ovmf' package "
                        "or set RV_OVMF_CODE and RV_OVMF_VARS"
                        % ", ".join(c for c, _ in _CANDIDATES))


def qemu_path(path: str) -> str:
    """Escape a file name for a QEMU option list (a comma is written twice)."""
    return path.replace(",", ",,")


def pflash_args(workdir: str) -> list:
    """QEMU arguments for OVMF with a private writable copy of the variable store."""
    code, varf = find_ovmf()
    vars_copy = os.path.join(workdir, "OVMF_VARS.fd")
    shutil.copyfile(varf, vars_copy)
    return ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + qemu_path(code),
            "-drive", "if=pflash,format=raw,unit=1,file=" + qemu_path(vars_copy)]
