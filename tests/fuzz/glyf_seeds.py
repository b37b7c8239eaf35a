#!/usr/bin/python3
"""glyf_seeds.py — writes the seed corpus of fuzz_glyf (tests/fuzz/
corpus/glyf/) from real glyphs of the fonts scripts/deps.sh installs, and
some made from them to reach the parser's edges.

  glyf_seeds.py OUT_DIR [NAME…]

A seed is fuzz_glyf's input: a byte (bit 0: loca's short format), a byte
n - 1 (glyphs), loca's n + 1 offsets as stored, then the glyf table. A real
glyph is copied with the components it names, renumbered from 0 (the glyph
itself). Reads TrueType with the struct module only (no fontTools).
"""
import os
import struct
import sys

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LOMA = "/usr/share/fonts/truetype/tlwg/Loma.ttf"
LOHIT = "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"
DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"


class Font:
    def __init__(self, path):
        self.d = open(path, "rb").read()
        n = struct.unpack(">H", self.d[4:6])[0]
        self.t = {}
        for i in range(n):
            tag, _, off, ln = struct.unpack(">4sIII", self.d[12 + 16 * i:28 + 16 * i])
            self.t[tag.decode("latin1")] = (off, ln)
        head, maxp, loca = self.t["head"][0], self.t["maxp"][0], self.t["loca"][0]
        short = struct.unpack(">h", self.d[head + 50:head + 52])[0] == 0
        ng = struct.unpack(">H", self.d[maxp + 4:maxp + 6])[0]
        if short:
            self.loca = [2 * x for x in struct.unpack(">%dH" % (ng + 1), self.d[loca:loca + 2 * ng + 2])]
        else:
            self.loca = list(struct.unpack(">%dI" % (ng + 1), self.d[loca:loca + 4 * ng + 4]))
        self.cmap = self._cmap()

    def _cmap(self):
        off = self.t["cmap"][0]
        d = self.d
        for i in range(struct.unpack(">H", d[off + 2:off + 4])[0]):
            pid, _, so = struct.unpack(">HHI", d[off + 4 + 8 * i:off + 12 + 8 * i])
            s = off + so
            if pid != 3 or struct.unpack(">H", d[s:s + 2])[0] != 4:
                continue
            x2 = struct.unpack(">H", d[s + 6:s + 8])[0]
            sc = x2 // 2
            ends = struct.unpack(">%dH" % sc, d[s + 14:s + 14 + x2])
            starts = struct.unpack(">%dH" % sc, d[s + 16 + x2:s + 16 + 2 * x2])
            deltas = struct.unpack(">%dh" % sc, d[s + 16 + 2 * x2:s + 16 + 3 * x2])
            ro = s + 16 + 3 * x2
            ros = struct.unpack(">%dH" % sc, d[ro:ro + x2])
            m = {}
            for k in range(sc):
                for c in range(starts[k], min(ends[k], 0xFFFE) + 1):
                    if ros[k] == 0:
                        m[c] = (c + deltas[k]) & 0xFFFF
                    else:
                        a = ro + 2 * k + ros[k] + 2 * (c - starts[k])
                        g = struct.unpack(">H", d[a:a + 2])[0]
                        m[c] = (g + deltas[k]) & 0xFFFF if g else 0
            return m
        return {}

    def glyph(self, gid):
        base = self.t["glyf"][0]
        return self.d[base + self.loca[gid]:base + self.loca[gid + 1]]


def parts(g):
    """[(offset of the record's glyph number, glyph)] of a composite glyph."""
    out = []
    if len(g) < 10 or struct.unpack(">h", g[:2])[0] >= 0:
        return out
    i = 10
    while True:
        fl, gi = struct.unpack(">HH", g[i:i + 4])
        out.append((i + 2, gi))
        i += 4 + (4 if fl & 1 else 2)
        i += 2 if fl & 8 else 4 if fl & 0x40 else 8 if fl & 0x80 else 0
        if not fl & 0x20:
            return out


def pack(glyphs, short):
    """A seed of glyph byte strings (padded to even lengths)."""
    glyf, loca = b"", [0]
    for g in glyphs:
        glyf += g + (b"\0" if len(g) % 2 else b"")
        loca.append(len(glyf))
    if short:
        head = struct.pack(">%dH" % len(loca), *[x // 2 for x in loca])
    else:
        head = struct.pack(">%dI" % len(loca), *loca)
    return bytes([1 if short else 0, len(glyphs) - 1]) + head + glyf


def real(font, cp, short=False):
    """cp's glyph in font and its components, renumbered from 0."""
    root = font.cmap[cp]
    order, todo = [], [root]
    while todo:
        g = todo.pop(0)
        if g not in order:
            order.append(g)
            todo += [gi for _, gi in parts(font.glyph(g))]
    out = []
    for g in order:
        b = bytearray(font.glyph(g))
        for at, gi in parts(bytes(b)):
            b[at:at + 2] = struct.pack(">H", order.index(gi))
        out.append(bytes(b))
    return pack(out, short)


def composite(records, box=b"\0" * 8):
    """A composite glyph of (flags, glyph, args bytes, scale bytes)."""
    out = struct.pack(">h", -1) + box
    for k, (fl, gi, args, scale) in enumerate(records):
        more = 0x20 if k + 1 < len(records) else 0
        out += struct.pack(">HH", fl | more, gi) + args + scale
    return out


def simple(ends, ninstr, flags, xs, ys):
    return (struct.pack(">h", len(ends)) + b"\0" * 8 + struct.pack(">%dH" % len(ends), *ends) +
            struct.pack(">H", ninstr) + b"\0" * ninstr + bytes(flags) + bytes(xs) + bytes(ys))


def seeds():
    dv, loma, lohit, droid = Font(DEJAVU), Font(LOMA), Font(LOHIT), Font(DROID)
    acute = dv.glyph(dv.cmap[0x0301])
    xy = struct.pack(">hh", 30, -40)
    s = {
        "simple-dejavu-acute": real(dv, 0x0301),
        "simple-dejavu-O": real(dv, ord("O"), short=True),
        "simple-loma-mai-ek": real(loma, 0x0E48),
        "simple-lohit-vowel-i": real(lohit, 0x093F),
        "simple-droid-east": real(droid, 0x6771),
        "composite-dejavu-eacute": real(dv, 0x00E9),
        "composite-loma-eacute": real(loma, 0x00E9, short=True),
        "nested-dejavu-a-circumflex-acute": real(dv, 0x1EA5),
        # a composite naming itself, and two naming each other
        "cycle-self": pack([composite([(3, 0, xy, b"")])], False),
        "cycle-two": pack([composite([(3, 1, xy, b"")]), composite([(3, 0, xy, b"")]), acute], False),
        # nested deeper than pdf_outline reads (4), and as deep as it reads
        "deep-6": pack([composite([(3, k + 1, xy, b"")]) for k in range(6)] + [acute], False),
        "deep-4": pack([composite([(3, k + 1, xy, b"")]) for k in range(4)] + [acute], False),
        # a scale, x and y scales, a 2x2 matrix (F2Dot14), byte offsets
        "scale": pack([composite([(0x0B, 1, xy, struct.pack(">h", 0x2000))]), acute], False),
        "scale-xy": pack([composite([(0x43, 1, xy, struct.pack(">hh", 0x6000, -0x4000))]), acute],
                         False),
        "matrix": pack([composite([(0x83, 1, xy, struct.pack(">hhhh", 0x3000, 0x1000, -0x1000,
                                                             0x3000))]), acute], False),
        "byte-offsets": pack([composite([(0x02, 1, bytes([0x10, 0xF0]), b""),
                                         (0x02, 1, bytes([0x80, 0x7F]), b"")]), acute], False),
        # ARGS_ARE_XY_VALUES off: the args are point numbers (bytes, words)
        "points-matched": pack([composite([(0x02, 1, bytes([0, 0]), b""),
                                           (0x00, 1, bytes([3, 1]), b"")]), acute], False),
        "points-matched-words": pack([composite([(0x03, 1, xy, b""),
                                                 (0x01, 1, struct.pack(">HH", 5, 300), b"")]),
                                      acute], False),
        # flags repeated past the last point, end points not increasing,
        # huge contour and point counts, a cut header, an empty glyph
        "repeat-overflow": pack([simple([2], 0, [0x39, 200], [], [])], False),
        "ends-decreasing": pack([simple([5, 3], 0, [1] * 6, [0] * 12, [0] * 12)], False),
        "huge-contours": pack([struct.pack(">h", 32767) + b"\0" * 8 + b"\0\1" * 40], False),
        "huge-points": pack([simple([65535], 0, [0x37], [], [])], False),
        "cut-header": pack([b"\0\1\0\0\0"], False),
        "empty-glyph": pack([b"", composite([(3, 0, xy, b"")])], True),
        "instructions-beyond": pack([simple([0], 60000, [], [], [])[:14]], False),
    }
    # as many components as pdf_outline reads (32), and one more
    s["parts-32"] = pack([composite([(3, 1, xy, b"")] * 32), acute], False)
    s["parts-33"] = pack([composite([(3, 1, xy, b"")] * 33), acute], False)
    # 32 components of 32 components … 4 deep over an empty glyph: a
    # million reads for no point
    s["fan-out"] = pack([composite([(3, k + 1, xy, b"")] * 32) for k in range(5)] + [b""], False)
    # loca decreasing, and a glyph beyond the glyf table
    s["loca-decreasing"] = bytes([0, 1]) + struct.pack(">III", 0, len(acute), 4) + acute
    s["loca-beyond"] = bytes([0, 0]) + struct.pack(">II", 0, len(acute) + 100) + acute
    return s


def main():
    out = sys.argv[1]
    want = set(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        if not want or name in want:
            assert len(data) <= 4096, name
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
