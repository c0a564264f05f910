#!/usr/bin/env python3
"""Writes a copy of an ELF image with some fields rewritten, for the image-layout test guests.

  elf_layout.py IN OUT [--no-pt-note] [--machine N] [--vaddr-offset X] [--note-section-size N]

--no-pt-note          turn every PT_NOTE program header into PT_NULL, so that the
                      Xen notes are only reachable through their SHT_NOTE section
--machine N           set e_machine (e.g. 40, to make an image the builder must refuse)
--vaddr-offset X      add X to every PT_LOAD p_vaddr and to e_entry (p_paddr unchanged):
                      a higher-half link like Linux's, which a PVH builder ignores
--note-section-size N set sh_size of every SHT_NOTE section (a note area past the file)
--compress gzip|xz    then compress the whole file (a vmlinux.gz-style kernel)
--corrupt             then flip one byte in the middle of the compressed data

Only the ELF header, program headers and section headers are touched; the
class (32/64) is taken from the file.  Standard library only.
"""
import argparse
import gzip
import lzma
import struct
import sys

PT_NULL, PT_LOAD, PT_NOTE, SHT_NOTE = 0, 1, 4, 7


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--no-pt-note", action="store_true")
    ap.add_argument("--machine", type=lambda s: int(s, 0))
    ap.add_argument("--vaddr-offset", type=lambda s: int(s, 0))
    ap.add_argument("--note-section-size", type=lambda s: int(s, 0))
    ap.add_argument("--compress", choices=("gzip", "xz"))
    ap.add_argument("--corrupt", action="store_true")
    a = ap.parse_args()

    b = bytearray(open(a.inp, "rb").read())
    if b[:4] != b"\x7fELF" or b[4] not in (1, 2) or b[5] != 1:
        sys.exit("elf_layout.py: %s is not a little-endian ELF32/ELF64 file" % a.inp)
    is64 = b[4] == 2
    if is64:
        entry_fmt, entry_off = "<Q", 24
        phoff, = struct.unpack_from("<Q", b, 32)
        shoff, = struct.unpack_from("<Q", b, 40)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", b, 54)
        vaddr_at, addr_fmt, mask = 16, "<Q", (1 << 64) - 1
        sh_size_at = 32
    else:
        entry_fmt, entry_off = "<I", 24
        phoff, shoff = struct.unpack_from("<II", b, 28)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", b, 42)
        vaddr_at, addr_fmt, mask = 8, "<I", (1 << 32) - 1
        sh_size_at = 20

    if a.machine is not None:
        struct.pack_into("<H", b, 18, a.machine)
    if a.vaddr_offset is not None:
        e, = struct.unpack_from(entry_fmt, b, entry_off)
        struct.pack_into(entry_fmt, b, entry_off, (e + a.vaddr_offset) & mask)
    changed = 0
    for i in range(phnum):
        ph = phoff + i * phentsize
        ptype, = struct.unpack_from("<I", b, ph)
        if ptype == PT_NOTE and a.no_pt_note:
            struct.pack_into("<I", b, ph, PT_NULL)
            changed += 1
        if ptype == PT_LOAD and a.vaddr_offset is not None:
            v, = struct.unpack_from(addr_fmt, b, ph + vaddr_at)
            struct.pack_into(addr_fmt, b, ph + vaddr_at, (v + a.vaddr_offset) & mask)
            changed += 1
    for i in range(shnum if shoff else 0):
        sh = shoff + i * shentsize
        stype, = struct.unpack_from("<I", b, sh + 4)
        if stype == SHT_NOTE and a.note_section_size is not None:
            struct.pack_into(addr_fmt, b, sh + sh_size_at, a.note_section_size & mask)
            changed += 1
    if (a.no_pt_note or a.vaddr_offset is not None or a.note_section_size is not None) and not changed:
        sys.exit("elf_layout.py: %s has nothing the options apply to" % a.inp)
    if a.compress == "gzip":
        b = bytearray(gzip.compress(bytes(b), 9, mtime=0))
    elif a.compress == "xz":
        b = bytearray(lzma.compress(bytes(b), check=lzma.CHECK_CRC32))
    if a.corrupt:
        if not a.compress:
            sys.exit("elf_layout.py: --corrupt needs --compress")
        b[len(b) // 2] ^= 0xff
    open(a.out, "wb").write(b)


if __name__ == "__main__":
    main()
