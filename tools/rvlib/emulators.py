"""Emulator command lines for booting Ringvisor (see shared/design/PLATFORMS.md).

prepare() turns a BootSpec and a boot mode into a Launch: the argv to start,
where the console appears (the emulator's stdout or a file it writes) and which
emulator it is, after building the boot medium (ISO or ESP directory) in a work
directory.

Modes:
  iso       QEMU + SeaBIOS, GRUB ISO (multiboot2)
  uefi      QEMU + OVMF, the same GRUB ISO
  direct    QEMU -kernel (multiboot1 with the a.out-kludge fields; no firmware menu, no GRUB)
  efi-app   QEMU + OVMF, ringvisor.efi as EFI/BOOT/BOOTX64.EFI on a host directory
            served as a FAT drive
  bochs     Bochs + its BIOS, the GRUB ISO; COM1 goes to a file
"""

import os
import signal
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import List, Optional

from . import firmware, media, qemumon

MODES = ("iso", "uefi", "direct", "efi-app", "bochs")

QEMU_DEFAULT_CPU = "EPYC,+svm,+npt"
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGABIOS = "/usr/share/bochs/VGABIOS-lgpl-latest"
BOCHS_COM1 = "com1.log"
BOCHS_MAX_HOST_MIB = 2048


class LaunchError(Exception):
    pass


@dataclass
class BootSpec:
    """What to boot; independent of the emulator."""
    elf: str
    cmdline: str
    smp: int = 1
    mem_mib: int = 512
    modules: List[media.Module] = field(default_factory=list)
    efi_app: Optional[str] = None      # needed by mode efi-app
    qemu_args: List[str] = field(default_factory=list)   # appended to QEMU's command line (--qemu-arg)


@dataclass
class Launch:
    argv: List[str]
    emulator: str                      # "qemu" or "bochs"
    cwd: str
    console_file: Optional[str] = None  # None: console is the emulator's stdout
    description: str = ""
    monitor_sock: Optional[str] = None  # QEMU's human monitor (qemumon.py), read at a timeout


def parse_mem(text: str) -> int:
    """'512', '512M', '128MiB', '8G', '8GiB' -> MiB. Raises ValueError."""
    m = re.fullmatch(r"\s*(\d+)\s*([MG])?(?:i?B)?\s*", text, re.I)
    if not m:
        raise ValueError("bad memory size %r (use e.g. 512M or 8G)" % text)
    n = int(m.group(1))
    if (m.group(2) or "M").upper() == "G":
        n *= 1024
    if n < 16:
        raise ValueError("memory size %r is below 16 MiB" % text)
    return n


def qemu_binary() -> str:
    return os.environ.get("RV_QEMU", "qemu-system-x86_64")


def bochs_binary() -> str:
    return os.environ.get("RV_BOCHS", "bochs")


def qemu_common(spec: BootSpec, accel: str = "tcg", cpu: Optional[str] = None) -> List[str]:
    accel_opt = accel
    if accel in ("tcg", "mttcg"):
        cpu = cpu or QEMU_DEFAULT_CPU
        # One host thread for all vCPUs by default: QEMU 7.2's multi-threaded
        # TCG now and then completes a VMRUN with the host's own state in
        # the guest's save area (docs/hvm.md: 0 sightings in 1,500
        # single-threaded runs; several a day multi-threaded, twice in one
        # CI run).  "mttcg" keeps the threads for stress runs.
        accel_opt = "tcg,thread=single" if accel == "tcg" else "tcg,thread=multi"
    elif accel == "kvm":
        # Nested virtualisation on a real host: the host CPU model carries
        # vmx or svm when the kvm module allows nesting.
        cpu = cpu or "host"
    else:
        raise LaunchError("unknown accelerator %r (tcg, mttcg or kvm)" % accel)
    return [qemu_binary(), "-accel", accel_opt, "-cpu", cpu, "-M", "q35",
            "-m", "%dM" % spec.mem_mib, "-smp", str(spec.smp),
            "-display", "none", "-serial", "stdio", "-no-reboot",
            # Port 0xf4: emu_exit's code v ends QEMU with status (v<<1)|1.
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            # No NIC: nothing uses one yet, and firmware would try PXE on it.
            "-nic", "none"] + list(spec.qemu_args)


def bochs_models() -> List[str]:
    """CPU models this Bochs build knows (from `bochs --help cpu`)."""
    try:
        p = subprocess.run([bochs_binary(), "--help", "cpu"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LaunchError("cannot run %s: %s" % (bochs_binary(), e))
    out = p.stdout
    if "Supported CPU models:" not in out:
        return []
    block = out.split("Supported CPU models:", 1)[1]
    return [w for w in re.findall(r"^([a-z0-9_]+)\s*$", block, re.M)]


def bochsrc(spec: BootSpec, model: str, iso: str) -> str:
    """A bochsrc after the skeleton in PLATFORMS.md.

    Debian's Bochs has no headless 'nogui' library; 'rfb' (a VNC server,
    built into the bochs package) with timeout=0 starts without waiting for a
    viewer. It listens on the first free TCP port from 5900, so parallel runs
    do not collide. reset_on_triple_fault=0 makes a triple fault end the run
    instead of rebooting into a loop; clock sync=none keeps emulated time
    deterministic. Bochs allocates at most 2048 MiB of host memory for guest
    RAM ('megs' is capped there); 'memory: guest=, host=' gives larger guests
    their RAM with the host part used as a cache.
    """
    return "\n".join([
        "# Generated by tools/rvlib/emulators.py",
        "memory: guest=%d, host=%d" % (spec.mem_mib, min(spec.mem_mib, BOCHS_MAX_HOST_MIB)),
        "cpu: model=%s, count=%d, ips=50000000, reset_on_triple_fault=0" % (model, spec.smp),
        "romimage: file=%s" % BOCHS_BIOS,
        "vgaromimage: file=%s" % BOCHS_VGABIOS,
        "ata0-master: type=cdrom, path=%s, status=inserted" % iso,
        "boot: cdrom",
        "com1: enabled=1, mode=file, dev=%s" % BOCHS_COM1,
        'display_library: rfb, options="timeout=0"',
        "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy",
        "speaker: enabled=0",
        "log: bochs.log",
        "panic: action=fatal",
        "clock: sync=none, time0=local",
        "",
    ])


# Files in the work directory that direct mode must not overwrite with a module.
_DIRECT_RESERVED = ("emulator.stderr",)


def _direct_initrd(modules: List[media.Module], workdir: Optional[str] = None) -> List[str]:
    """-initrd for QEMU's multiboot1 loader: "file args,file args" (a comma
    inside an entry is written twice).

    QEMU makes the whole entry, file name included, the module's string
    (hw/i386/multiboot.c). A module whose args are just its own base name
    (domain files and the kernels they name, see domcfg.py) must reach the
    hypervisor with exactly that string, as under GRUB and the EFI
    application; so it is linked into workdir, where QEMU runs, and passed by
    that bare name.
    """
    if not modules:
        return []
    items = []
    for m in modules:
        base = os.path.basename(m.path)
        if workdir and m.args and m.args == base:
            if base in _DIRECT_RESERVED:
                raise LaunchError("module %s: its name is used by rv-run's own files" % m.path)
            link = os.path.join(workdir, base)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(os.path.abspath(m.path), link)
            item = base
        else:
            item = m.path + (" " + m.args if m.args else "")
        items.append(item.replace(",", ",,"))
    return ["-initrd", ",".join(items)]


def prepare(spec: BootSpec, mode: str, workdir: str, *, accel: str = "tcg",
            qemu_cpu: Optional[str] = None, bochs_model: Optional[str] = None) -> Launch:
    """Build the boot medium in workdir and return how to start the emulator."""
    if mode not in MODES:
        raise LaunchError("unknown boot mode %r" % mode)
    if not os.path.isfile(spec.elf):
        raise LaunchError("%s: no such file" % spec.elf)
    cmdline = media.check_cmdline(spec.cmdline)
    entries = [("Ringvisor", cmdline)]
    qp = firmware.qemu_path
    mon = os.path.join(workdir, qemumon.SOCK_NAME)
    if len(mon) > 100:
        mon = None      # longer than a Unix socket path may be: no monitor

    if mode == "direct":
        argv = qemu_common(spec, accel, qemu_cpu) + [
            "-kernel", spec.elf, "-append", cmdline] + _direct_initrd(spec.modules, workdir)
        return Launch(argv + qemumon.monitor_args(mon), "qemu", workdir, description="QEMU -kernel (multiboot1)",
                      monitor_sock=mon)

    if mode == "efi-app":
        if not spec.efi_app:
            raise LaunchError("no EFI application given")
        esp = os.path.join(workdir, "esp")
        media.build_esp(esp, spec.efi_app, spec.elf, cmdline, spec.modules)
        argv = (qemu_common(spec, accel, qemu_cpu) + firmware.pflash_args(workdir) +
                ["-drive", "format=raw,file=fat:rw:" + qp(esp)])
        return Launch(argv + qemumon.monitor_args(mon), "qemu", workdir,
                      description="QEMU + OVMF, EFI application", monitor_sock=mon)

    iso = os.path.join(workdir, "ringvisor.iso")
    media.build_iso(spec.elf, iso, entries, spec.modules, timeout=0)

    if mode == "iso":
        argv = qemu_common(spec, accel, qemu_cpu) + ["-cdrom", qp(iso), "-boot", "d"]
        return Launch(argv + qemumon.monitor_args(mon), "qemu", workdir, description="QEMU + SeaBIOS, GRUB ISO",
                      monitor_sock=mon)
    if mode == "uefi":
        argv = (qemu_common(spec, accel, qemu_cpu) + firmware.pflash_args(workdir) +
                ["-cdrom", qp(iso)])
        return Launch(argv + qemumon.monitor_args(mon), "qemu", workdir, description="QEMU + OVMF, GRUB ISO",
                      monitor_sock=mon)

    # bochs
    if shutil.which(bochs_binary()) is None:
        raise LaunchError("%s not found (install the bochs, bochsbios and vgabios packages)"
                          % bochs_binary())
    for f, pkg in ((BOCHS_BIOS, "bochsbios"), (BOCHS_VGABIOS, "vgabios")):
        if not os.path.isfile(f):
            raise LaunchError("%s missing (install package %s)" % (f, pkg))
    model = bochs_model or "corei7_skylake_x"
    known = bochs_models()
    if known and model not in known:
        raise LaunchError("Bochs does not know CPU model %r; it knows: %s"
                          % (model, " ".join(known)))
    rc = os.path.join(workdir, "bochsrc")
    with open(rc, "w") as f:
        f.write(bochsrc(spec, model, "ringvisor.iso"))
    cmds = os.path.join(workdir, "bochs.cmds")
    with open(cmds, "w") as f:
        # /usr/bin/bochs is the debugger build: without 'c' it stops at the
        # first instruction waiting for a command.
        f.write("c\n")
    argv = [bochs_binary(), "-q", "-f", rc, "-rc", cmds]
    return Launch(argv, "bochs", workdir, console_file=os.path.join(workdir, BOCHS_COM1),
                  description="Bochs (%s), GRUB ISO" % model)


# QEMU's isa-debug-exit turns a write of v into status (v << 1) | 1, so an
# even status never comes from the guest or the hypervisor; 1 is QEMU's own
# exit on an error of its own (a bad option, a failed device, "fatal:").
_QEMU_OWN_STATUSES = {1}


def died_on_its_own(launch: Launch, exit_status: Optional[int], timed_out: bool,
                    stderr_lines: List[str]) -> Optional[str]:
    """Why the emulator ended by itself rather than by the guest, the
    hypervisor's emu_exit or rv-run's timeout; None when it did not.

    A signal that rv-run did not send (a glibc fortify abort, a segfault in a
    device model), QEMU's own error status, and a Bochs panic in its log are
    the emulator's doing: the guest under test can cause none of them.
    """
    if timed_out or exit_status is None:
        return None
    last = next((l for l in reversed(stderr_lines) if l.strip()), "")
    words = ("; its last words: %s" % last.strip()) if last else ""
    if exit_status < 0:
        try:
            name = signal.Signals(-exit_status).name
        except ValueError:
            name = "signal %d" % -exit_status
        return "%s was killed by %s (signal %d)%s" % (launch.emulator, name, -exit_status, words)
    if launch.emulator == "qemu":
        if exit_status in _QEMU_OWN_STATUSES or (exit_status > 0 and exit_status % 2 == 0):
            return "QEMU exited with its own error status %d%s" % (exit_status, words)
        return None
    log = os.path.join(launch.cwd, "bochs.log")
    if exit_status not in (0, 1):
        return "Bochs exited with status %d%s" % (exit_status, words)
    if os.path.isfile(log):
        with open(log, errors="replace") as f:
            # Bochs log lines: <ticks><level>[<module>] ...; p = panic.
            # The "Shutdown" port write is reported at panic level too
            # ("panic: action=fatal" then ends Bochs): that is the
            # hypervisor's emu_exit, not the emulator giving up.
            panics = [l.rstrip() for l in f
                      if re.match(r"\d+p\[", l) and "Shutdown port: shutdown requested" not in l]
        if panics:
            return "Bochs panicked: %s" % panics[-1]
    return None
