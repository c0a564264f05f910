#!/usr/bin/env python3
"""Test vectors for src/lib/decompress (unit_decompress) and fuzz seeds for
fuzz_decompress / fuzz_pvh_image, made with Python's own zlib, gzip and lzma
modules (the reference encoders), plus .xz containers assembled here from raw
LZMA2 data (multi-block streams, optional size fields, BCJ start offsets) and
deliberately broken streams.  Every valid container assembled here is checked
against lzma.decompress / gzip.decompress before it is written.

usage: gen_decomp_vectors.py vectors OUTDIR   -> OUTDIR/<name>.in, <name>.out, manifest
       gen_decomp_vectors.py seeds SEEDDIR    -> SEEDDIR/decompress/*, SEEDDIR/pvhimg/*
Manifest lines: name rc size substring   (rc 0 = must decode to <name>.out;
size '-' = decomp_size not checked; substring '-' = none; '_' stands for a space).
"""
import gzip
import lzma
import os
import random
import struct
import sys
import zlib

# ---------------------------------------------------------------- helpers


def crc32(b):
    return zlib.crc32(b) & 0xFFFFFFFF


_CRC64_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ (0xC96C5795D7870F42 if _c & 1 else 0)
    _CRC64_TABLE.append(_c)


def crc64(b):
    c = 0xFFFFFFFFFFFFFFFF
    for x in b:
        c = _CRC64_TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFFFFFFFFFF


def vli(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def dict_byte(size):
    for d in range(41):
        if (2 | (d & 1)) << (d // 2 + 11) >= size:
            return d
    return 40


CHECK_SIZE = {0: 0, 1: 4, 4: 8, 10: 32}


def check_bytes(check, data):
    if check == 0:
        return b""
    if check == 1:
        return struct.pack("<I", crc32(data))
    if check == 4:
        return struct.pack("<Q", crc64(data))
    raise ValueError(check)


def xz_build(blocks, check=1, sizes=False, corrupt=None):
    """blocks: [(data, filters)] encoded as raw LZMA2 per block.  corrupt:
    None, 'check' (flip the first block's check), 'index' (index usize + 1,
    CRC recomputed), 'csize' (header compressed size + 4)."""
    flags = bytes([0, check])
    out = bytearray(b"\xfd7zXZ\x00" + flags + struct.pack("<I", crc32(flags)))
    records = []
    for n, (data, filters) in enumerate(blocks):
        raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
        bh = bytearray([0, (len(filters) - 1) | (0xC0 if sizes else 0)])
        if sizes:
            bh += vli(len(raw) + (4 if corrupt == "csize" and n == 0 else 0)) + vli(len(data))
        for f in filters:
            if f["id"] == lzma.FILTER_LZMA2:
                bh += vli(0x21) + vli(1) + bytes([dict_byte(f.get("dict_size", 8 << 20))])
            elif f["id"] == lzma.FILTER_X86:
                so = f.get("start_offset", 0)
                bh += vli(4) + (vli(4) + struct.pack("<I", so) if so else vli(0))
            elif f["id"] == lzma.FILTER_DELTA:
                bh += vli(3) + vli(1) + bytes([f.get("dist", 1) - 1])
        bh += bytes(-(len(bh) + 4) % 4)
        bh[0] = (len(bh) + 4) // 4 - 1
        bh += struct.pack("<I", crc32(bytes(bh)))
        blk = bytes(bh) + raw
        unpadded = len(blk) + CHECK_SIZE[check]
        blk += bytes(-len(blk) % 4)
        ck = bytearray(check_bytes(check, data))
        if corrupt == "check" and n == 0 and ck:
            ck[0] ^= 1
        out += blk + ck
        records.append((unpadded, len(data) + (1 if corrupt == "index" and n == 0 else 0)))
    idx = bytearray(b"\x00" + vli(len(records)))
    for u, s in records:
        idx += vli(u) + vli(s)
    idx += bytes(-len(idx) % 4)
    idx += struct.pack("<I", crc32(bytes(idx)))
    out += idx
    tail = struct.pack("<I", len(idx) // 4 - 1) + flags
    out += struct.pack("<I", crc32(tail)) + tail + b"YZ"
    out = bytes(out)
    if corrupt is None:
        assert lzma.decompress(out) == b"".join(d for d, _ in blocks)
    return out


class BitWriter:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def bits(self, v, n):          # value, least significant bit first
        self.acc |= v << self.n
        self.n += n
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def code(self, c, n):          # Huffman code, most significant bit first
        for i in range(n - 1, -1, -1):
            self.bits((c >> i) & 1, 1)

    def done(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def gz_wrap(raw, data, flags=0, extra=b"", name=b"", comment=b"", bad_hcrc=False):
    hdr = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 1234567) + b"\x00\x03")
    if flags & 4:
        hdr += struct.pack("<H", len(extra)) + extra
    if flags & 8:
        hdr += name + b"\x00"
    if flags & 16:
        hdr += comment + b"\x00"
    if flags & 2:
        hdr += struct.pack("<H", (crc32(bytes(hdr)) ^ (1 if bad_hcrc else 0)) & 0xFFFF)
    return bytes(hdr) + raw + struct.pack("<II", crc32(data), len(data) & 0xFFFFFFFF)


def deflate_raw(data, level=9, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return c.compress(data) + c.flush()


# ------------------------------------------------------------------ data


def text(n, seed):
    r = random.Random(seed)
    words = [bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(r.randrange(2, 9))) for _ in range(300)]
    out = bytearray()
    while len(out) < n:
        out += r.choice(words) + (b"\n" if r.random() < 0.1 else b" ")
    return bytes(out[:n])


def rnd(n, seed):
    return random.Random(seed).randbytes(n)


def x86ish(n, seed):
    """Code-like bytes: CALL/JMP rel32 with near displacements (what BCJ
    rewrites), E8/E9 in other roles, repeated instruction sequences."""
    r = random.Random(seed)
    seqs = [r.randbytes(r.randrange(3, 12)) for _ in range(60)]
    out = bytearray()
    while len(out) < n:
        k = r.random()
        if k < 0.25:
            out += bytes([r.choice((0xE8, 0xE9))]) + struct.pack("<i", r.randrange(-0x8000, 0x8000))
        elif k < 0.3:
            out += bytes([0xE8, r.randrange(256), 0xE8, 0xE9, 0xFF, 0x00, r.randrange(256)])
        elif k < 0.9:
            out += r.choice(seqs)
        else:
            out += r.randbytes(r.randrange(1, 20))
    return bytes(out[:n])


# --------------------------------------------------------------- vectors


def vectors():
    """(name, input, expected output or None, rc, size or None, substring or None)"""
    V = []

    def ok(name, inp, out, size="auto"):
        V.append((name, inp, out, 0, len(out) if size == "auto" else size, None))

    def bad(name, inp, rc, sub):
        V.append((name, inp, None, rc, None, sub))

    t100k, r70k, x300k = text(100000, 1), rnd(70000, 2), x86ish(300000, 3)
    # gzip
    ok("gz_empty", gzip.compress(b"", 9), b"")
    ok("gz_text", gzip.compress(t100k, 9), t100k)
    ok("gz_random", gzip.compress(r70k, 6), r70k)
    ok("gz_small", gzip.compress(b"hello, hello, hello world\n", 9), b"hello, hello, hello world\n")
    fixed = getattr(zlib, "Z_FIXED", 4)
    ok("gz_fixed", gz_wrap(deflate_raw(t100k[:5000], 9, fixed), t100k[:5000]), t100k[:5000])
    ok("gz_stored", gz_wrap(deflate_raw(t100k[:70000], 0), t100k[:70000]), t100k[:70000])
    far = rnd(32768, 4)
    ok("gz_window", gzip.compress(far + b"xy" + far + far[:1000], 9), far + b"xy" + far + far[:1000])
    hdr_all = gz_wrap(deflate_raw(t100k[:3000]), t100k[:3000], 4 | 8 | 16 | 2, b"AB\x04\x00wxyz", b"vmlinux",
                      b"a comment")
    assert gzip.decompress(hdr_all) == t100k[:3000]
    ok("gz_header_fields", hdr_all, t100k[:3000])
    multi = gzip.compress(t100k[:4000]) + gzip.compress(b"") + gzip.compress(r70k[:500])
    ok("gz_multi", multi, t100k[:4000] + r70k[:500], 500)
    ok("gz_zero_pad", gzip.compress(t100k[:2000]) + bytes(7), t100k[:2000], None)
    ok("gz_rle", gzip.compress(bytes(1 << 20), 9), bytes(1 << 20))
    g = bytearray(gzip.compress(t100k[:3000]))
    g[-8] ^= 0x10
    bad("gz_bad_crc", bytes(g), -8, "CRC32 mismatch")
    g = bytearray(gzip.compress(t100k[:3000]))
    g[-1] ^= 0x01
    bad("gz_bad_isize", bytes(g), -8, "ISIZE mismatch")
    bad("gz_bad_hcrc", gz_wrap(deflate_raw(b"abc"), b"abc", 2, bad_hcrc=True), -8, "header CRC16 mismatch")
    bad("gz_trailing", gzip.compress(b"abc") + b"junk", -8, "unexpected data")
    bad("gz_method", b"\x1f\x8b\x07" + gzip.compress(b"abc")[3:], -8, "not deflate")
    bad("gz_btype3", gz_wrap(b"\x07\x00", b""), -8, "reserved deflate block type")
    w = BitWriter()            # fixed block: a match before any output
    w.bits(1, 1), w.bits(1, 2), w.code(1, 7), w.code(0, 5), w.code(0, 7)
    bad("gz_dist_far", gz_wrap(w.done(), b"abc"), -8, "before the start")
    w = BitWriter()            # fixed block: distance symbol 30
    w.bits(1, 1), w.bits(1, 2), w.code(0x30 + 0x61, 8), w.code(1, 7), w.code(30, 5), w.code(0, 7)
    bad("gz_dist30", gz_wrap(w.done(), b"a"), -8, "distance")
    w = BitWriter()            # dynamic block: over-subscribed code length code
    w.bits(1, 1), w.bits(2, 2), w.bits(0, 5), w.bits(0, 5), w.bits(15, 4)
    for _ in range(19):
        w.bits(1, 3)
    bad("gz_oversub", gz_wrap(w.done(), b""), -8, "code length code")
    w = BitWriter()            # stored block with NLEN not the complement
    w.bits(1, 1), w.bits(0, 2)
    bad("gz_nlen", gz_wrap(w.done() + b"\x03\x00\xfc\xfe" + b"abc", b"abc"), -8, "NLEN")

    # xz through liblzma's own container writer
    F = lambda d, **kw: [{"id": lzma.FILTER_X86}, dict({"id": lzma.FILTER_LZMA2}, **kw)]
    for ck, cn in ((lzma.CHECK_NONE, "none"), (lzma.CHECK_CRC32, "crc32"), (lzma.CHECK_CRC64, "crc64")):
        ok("xz_x86_" + cn, lzma.compress(x300k, check=ck, filters=F(0, dict_size=1 << 20)), x300k)
        ok("xz_text_" + cn, lzma.compress(t100k, check=ck), t100k)
    for ds in (4096, 65536, 8 << 20):
        ok("xz_dict_%d" % ds, lzma.compress(x300k, check=lzma.CHECK_CRC32, filters=F(0, dict_size=ds)), x300k)
    ok("xz_empty", lzma.compress(b"", check=lzma.CHECK_CRC32), b"")
    ok("xz_empty_nocheck", lzma.compress(b"", check=lzma.CHECK_NONE), b"")
    ok("xz_random", lzma.compress(r70k, check=lzma.CHECK_CRC64), r70k)
    ok("xz_zeros", lzma.compress(bytes(3 << 20), check=lzma.CHECK_CRC32), bytes(3 << 20))
    mixed = b"".join(rnd(150000, 10 + i) + text(100000, 20 + i) for i in range(6)) + text(2500000, 30)
    ok("xz_mixed_chunks", lzma.compress(mixed, check=lzma.CHECK_CRC32,
                                        filters=F(0, dict_size=1 << 20)), mixed)
    for lc, lp, pb in ((0, 0, 0), (4, 0, 4), (0, 4, 2), (1, 3, 1), (2, 2, 3)):
        ok("xz_lc%dlp%dpb%d" % (lc, lp, pb), lzma.compress(x300k[:60000], check=lzma.CHECK_CRC32,
           filters=[{"id": lzma.FILTER_LZMA2, "lc": lc, "lp": lp, "pb": pb}]), x300k[:60000])
    linux = lzma.compress(x300k, check=lzma.CHECK_CRC32, filters=F(0, dict_size=1 << 20))
    ok("xz_linux_trailer", linux + struct.pack("<I", len(x300k)), x300k)
    bad("xz_wrong_trailer", linux + struct.pack("<I", len(x300k) + 1), -8, "unexpected data")
    ok("xz_padded", linux + bytes(8), x300k)
    bad("xz_bad_padding", linux + bytes(6), -8, "multiple of 4")
    s1, s2 = lzma.compress(t100k[:5000]), lzma.compress(x300k[:7000], filters=F(0))
    ok("xz_concat", s1 + bytes(4) + s2 + s1, t100k[:5000] + x300k[:7000] + t100k[:5000])
    bad("xz_sha256", lzma.compress(b"abc", check=lzma.CHECK_SHA256), -8, "SHA-256")
    bad("xz_delta", xz_build([(t100k[:1000], [{"id": lzma.FILTER_DELTA, "dist": 2}, {"id": lzma.FILTER_LZMA2}])],
                             corrupt="filter"), -8, "filter_0x3_not_supported")
    bad("xz_bcj_arm", lzma.compress(b"abcd" * 100, filters=[{"id": lzma.FILTER_ARM}, {"id": lzma.FILTER_LZMA2}]),
        -8, "filter_0x7_not_supported")

    # xz assembled here
    blocks = [(x300k[:100000], F(0, dict_size=1 << 16)), (t100k[:30000], [{"id": lzma.FILTER_LZMA2}]),
              (b"", [{"id": lzma.FILTER_LZMA2}]), (x300k[100000:], F(0))]
    allb = b"".join(d for d, _ in blocks)
    ok("xz_multiblock", xz_build(blocks, 1), allb)
    ok("xz_multiblock_sizes_crc64", xz_build(blocks, 4, sizes=True), allb)
    bcjs = [(x300k[:50000], [{"id": lzma.FILTER_X86, "start_offset": 0x1000000}, {"id": lzma.FILTER_LZMA2}])]
    ok("xz_bcj_start", xz_build(bcjs, 1, sizes=True), x300k[:50000])
    bad("xz_bad_check32", xz_build(blocks, 1, corrupt="check"), -8, "block_0:_CRC32_mismatch")
    bad("xz_bad_check64", xz_build(blocks, 4, corrupt="check"), -8, "block_0:_CRC64_mismatch")
    bad("xz_bad_index", xz_build(blocks, 1, corrupt="index"), -8, "index does not match")
    bad("xz_bad_csize", xz_build(blocks, 1, sizes=True, corrupt="csize"), -8, "compressed size")
    # the output buffer is checked separately for every valid vector (-E2BIG)
    bad("junk", b"PK\x03\x04not compressed", -8, "neither gzip nor xz")
    return V


def write_vectors(outdir):
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, inp, out, rc, size, sub in vectors():
        with open(os.path.join(outdir, name + ".in"), "wb") as f:
            f.write(inp)
        if out is not None:
            with open(os.path.join(outdir, name + ".out"), "wb") as f:
                f.write(out)
        lines.append("%s %d %s %s" % (name, rc, "-" if size is None else size,
                                      "-" if sub is None else sub.replace(" ", "_")))
    with open(os.path.join(outdir, "manifest"), "w") as f:
        f.write("\n".join(lines) + "\n")
    # For unit_pvh_image: bzImages whose payload is a PVH ELF (entry 0x100000).
    for name, img in pvh_bzimages().items():
        with open(os.path.join(outdir, name + ".bin"), "wb") as f:
            f.write(img)


def pvh_bzimages():
    elf64, elf32 = elf_image(True), elf_image(False)
    xz = lzma.compress(elf64, check=lzma.CHECK_CRC32, filters=[{"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2}])
    return {"pvh_bz_xz": bzimage(xz + struct.pack("<I", len(elf64))),     # Linux appends the size
            "pvh_bz_gz": bzimage(gzip.compress(elf32, 9))}


# ------------------------------------------------------- PVH ELF seeds


def elf_image(is64, entry_note=0x100000, note_in="segment", desc8=False, machine=None, etype=2, desc2=False):
    """A minimal ET_EXEC with one PT_LOAD at 1 MiB, a PT_NOTE and a .note section.

    machine defaults to the class's own (62 for ELF64, 3 for ELF32); the PVH
    builder also takes the other one in either class."""
    if machine is None:
        machine = 62 if is64 else 3
    name = b"Xen\x00"
    desc = struct.pack("<Q" if desc8 else "<H" if desc2 else "<I", entry_note)
    notes = struct.pack("<III", 4, 4, 6) + name + b"lnx\x00"
    notes += struct.pack("<III", 4, len(desc), 18) + name + desc
    ehsz, phsz, shsz = (64, 56, 64) if is64 else (52, 32, 40)
    phnum = 2 if note_in == "segment" else 1
    code_off = 0x100
    code = b"\x90" * 0x200
    note_off = code_off + len(code)
    sh_off = note_off + len(notes)
    shnum = 2 if note_in == "section" else 0
    img = bytearray(sh_off + shsz * shnum)
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1]) + bytes(9)
    if is64:
        hdr = ident + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, 0x100000, ehsz, sh_off if shnum else 0, 0, ehsz,
                                  phsz, phnum, shsz, shnum, 0)
    else:
        hdr = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, 0x100000, ehsz, sh_off if shnum else 0, 0, ehsz,
                                  phsz, phnum, shsz, shnum, 0)
    img[:len(hdr)] = hdr
    phs = [(1, code_off, 0x100000, len(code), len(code) + 0x1000)]
    if note_in == "segment":
        phs.append((4, note_off, 0, len(notes), len(notes)))
    for i, (t, off, pa, fs, ms) in enumerate(phs):
        if is64:
            ph = struct.pack("<IIQQQQQQ", t, 7, off, pa, pa, fs, ms, 4)
        else:
            ph = struct.pack("<IIIIIIII", t, off, pa, pa, fs, ms, 7, 4)
        img[ehsz + i * phsz:ehsz + (i + 1) * phsz] = ph
    img[code_off:code_off + len(code)] = code
    img[note_off:note_off + len(notes)] = notes
    if shnum:
        if is64:
            sh = struct.pack("<IIQQQQIIQQ", 1, 7, 2, 0, note_off, len(notes), 0, 0, 4, 0)
        else:
            sh = struct.pack("<IIIIIIIIII", 1, 7, 2, 0, note_off, len(notes), 0, 0, 4, 0)
        img[sh_off + shsz:sh_off + 2 * shsz] = sh
    return bytes(img)


def bzimage(payload, version=0x20F, setup_sects=4):
    setup = bytearray((setup_sects + 1) * 512)
    setup[0x1F1] = setup_sects
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    struct.pack_into("<II", setup, 0x248, 0x40, len(payload))
    return bytes(setup) + bytes(0x40) + payload + bytes(16)


def write_seeds(seeddir):
    d = os.path.join(seeddir, "decompress")
    os.makedirs(d, exist_ok=True)
    for name, inp, _out, _rc, _size, _sub in vectors():
        if len(inp) <= 16384:
            with open(os.path.join(d, name), "wb") as f:
                f.write(inp)
    x = x86ish(6000, 7)
    small = {"s_xz_x86": lzma.compress(x, check=lzma.CHECK_CRC32, filters=[{"id": lzma.FILTER_X86},
                                                                         {"id": lzma.FILTER_LZMA2}]),
             "s_xz_crc64": lzma.compress(text(5000, 8), check=lzma.CHECK_CRC64),
             "s_gz_dyn": gzip.compress(x, 9), "s_gz_fixed": gz_wrap(deflate_raw(x[:300], 9, getattr(zlib, "Z_FIXED", 4)),
                                                                    x[:300]),
             "s_xz_blocks": xz_build([(x[:3000], [{"id": lzma.FILTER_LZMA2, "dict_size": 4096}]),
                                      (x[3000:], [{"id": lzma.FILTER_X86, "start_offset": 16},
                                                  {"id": lzma.FILTER_LZMA2}])], 4, sizes=True)}
    # Raw LZMA2 (fuzz_decompress feeds non-gzip/xz input to the LZMA2 decoder, first byte = dictionary).
    for i, (data, opts) in enumerate(((x, {}), (text(8000, 9), {"lc": 0, "lp": 2, "pb": 0}), (rnd(3000, 5), {}),
                                      (bytes(5000) + x[:500], {"lc": 4, "pb": 4}))):
        small["s_raw_lzma2_%d" % i] = bytes([16]) + lzma.compress(data, format=lzma.FORMAT_RAW, filters=[
            dict({"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}, **opts)])
    for k, v in small.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)

    p = os.path.join(seeddir, "pvhimg")
    os.makedirs(p, exist_ok=True)
    seeds = {}
    for is64 in (False, True):
        b = "elf64" if is64 else "elf32"
        seeds[b + "_seg"] = elf_image(is64)
        seeds[b + "_sec"] = elf_image(is64, note_in="section")
        seeds[b + "_desc8"] = elf_image(is64, desc8=True)
        seeds[b + "_badentry"] = elf_image(is64, entry_note=0x200000)
        # The other x86 machine in this class (ELF32/EM_X86_64, ELF64/EM_386), ET_DYN, a 2-byte note.
        seeds[b + "_xmachine"] = elf_image(is64, machine=3 if is64 else 62)
        seeds[b + "_xmachine_sec"] = elf_image(is64, note_in="section", machine=3 if is64 else 62)
        seeds[b + "_dyn"] = elf_image(is64, etype=3)
        seeds[b + "_desc2"] = elf_image(is64, entry_note=0x1000, desc2=True)
        seeds[b + "_arm"] = elf_image(is64, machine=40)
    elf = elf_image(True)
    seeds.update(pvh_bzimages())
    seeds["bz_old"] = bzimage(gzip.compress(elf), version=0x207)
    # Whole compressed kernel files (a vmlinux.gz), as the PVH loader also takes.
    seeds["elf64_gz"] = gzip.compress(elf, 9)
    seeds["elf32_xz"] = lzma.compress(elf_image(False), check=lzma.CHECK_CRC32)
    for k, v in seeds.items():
        with open(os.path.join(p, k), "wb") as f:
            f.write(v)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("vectors", "seeds"):
        sys.exit(__doc__)
    if sys.argv[1] == "vectors":
        write_vectors(sys.argv[2])
    else:
        write_seeds(sys.argv[2])
