"""Sizes of an ELF image from its program headers (System V gABI, "Program Header").

Used by the benchmark to report how much memory the loader has to provide for
the hypervisor, which is not the file size: .bss occupies memory but no file
bytes, and headers, symbols and debug sections take file bytes but no memory.
"""

import struct
from dataclasses import dataclass
from typing import List

PT_LOAD = 1


class ElfError(Exception):
    pass


@dataclass
class Segment:
    paddr: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass
class LoadInfo:
    segments: List[Segment]

    @property
    def mem_bytes(self) -> int:
        """Sum of the PT_LOAD segments' memory sizes."""
        return sum(s.memsz for s in self.segments)

    @property
    def file_bytes(self) -> int:
        """Bytes of the file that the loader copies."""
        return sum(s.filesz for s in self.segments)

    @property
    def span_bytes(self) -> int:
        """From the lowest to the highest physical byte a PT_LOAD segment covers."""
        if not self.segments:
            return 0
        lo = min(s.paddr for s in self.segments)
        hi = max(s.paddr + s.memsz for s in self.segments)
        return hi - lo


def load_info(data: bytes) -> LoadInfo:
    """Parse the PT_LOAD program headers of a little-endian ELF32 or ELF64 image."""
    if len(data) < 52 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    cls, enc = data[4], data[5]
    if enc != 1:
        raise ElfError("not a little-endian ELF file")
    if cls == 2:
        if len(data) < 64:
            raise ElfError("truncated ELF64 header")
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        fmt, need = "<IIQQQQQQ", 56
    elif cls == 1:
        phoff, = struct.unpack_from("<I", data, 0x1c)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x2a)
        fmt, need = "<IIIIIIII", 32
    else:
        raise ElfError("unknown ELF class %d" % cls)
    if phnum and phentsize < need:
        raise ElfError("program header entries too small (%d bytes)" % phentsize)
    segs = []
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + need > len(data):
            raise ElfError("program header %d lies outside the file" % i)
        f = struct.unpack_from(fmt, data, off)
        if cls == 2:
            p_type, _flags, _offset, vaddr, paddr, filesz, memsz, _align = f
        else:
            p_type, _offset, vaddr, paddr, filesz, memsz, _flags, _align = f
        if p_type == PT_LOAD:
            if filesz > memsz:
                raise ElfError("segment %d: file size exceeds memory size" % i)
            segs.append(Segment(paddr, vaddr, filesz, memsz))
    return LoadInfo(segs)


def load_info_file(path: str) -> LoadInfo:
    with open(path, "rb") as f:
        return load_info(f.read())
