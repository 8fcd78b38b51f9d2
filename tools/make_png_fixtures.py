#!/usr/bin/env python3
"""Writes the PNG fixtures of Tests/DatasetsTests/Fixtures/png/ and expected.json.

The Swift decoder is tested against files it did not write. Most fixtures are
written by Pillow; the cases Pillow cannot write (gray at 2/4 bits, 16-bit
RGB/RGBA/gray+alpha, Adam7 interlacing, explicit per-row filter types, split
IDAT chunks) are written by the small independent encoder below (zlib +
struct) and then read back with Pillow to check them.

expected.json maps each file name to the pixels the decoder should return:
{width, height, colorModel (gray|grayAlpha|rgb|rgba), bitDepth (8|16),
samples (row-major, channels interleaved)}. Sub-byte gray is scaled to 8 bits
(v * 255 / (2^d - 1)); palette images expand to RGB, or RGBA with tRNS.

Usage: python3 tools/make_png_fixtures.py   (needs Pillow; never run by tests)
"""
import json
import os
import random
import struct
import zlib

from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DatasetsTests", "Fixtures", "png")
rng = random.Random(20240607)
expected = {}

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_line(kind, line, prev, bpp):
    out = bytearray()
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if (prev is not None and i >= bpp) else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def pack_row(values, depth):
    """Packs stored sample values (already in stored order) into scanline bytes."""
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    if depth == 8:
        return bytes(values)
    out, acc, bits = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def write_own(name, width, height, color_type, depth, stored, interlace=False, palette=None, trns=None,
              filters=None, idat_split=None, extra_chunks=()):
    """stored: row-major list of rows, each a list of stored samples (channels interleaved)."""
    ch = CHANNELS[color_type]
    bpp = max(1, ch * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = bytearray()
    row_counter = 0
    for x0, y0, dx, dy in passes:
        pw = (width - x0 + dx - 1) // dx if width > x0 else 0
        ph = (height - y0 + dy - 1) // dy if height > y0 else 0
        if pw == 0 or ph == 0:
            continue
        prev = None
        for j in range(ph):
            y = y0 + j * dy
            values = []
            for i in range(pw):
                x = x0 + i * dx
                values += stored[y][x * ch:(x + 1) * ch]
            line = pack_row(values, depth)
            kind = filters[row_counter % len(filters)] if filters else 0
            row_counter += 1
            raw.append(kind)
            raw += filter_line(kind, line, prev, bpp)
            prev = line
    data = zlib.compress(bytes(raw), 9)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0))
    for kind, body in extra_chunks:
        png += chunk(kind, body)
    if palette is not None:
        png += chunk(b"PLTE", bytes(v for rgb in palette for v in rgb))
    if trns is not None:
        png += chunk(b"tRNS", bytes(trns))
    step = idat_split or len(data)
    for start in range(0, len(data), step):
        png += chunk(b"IDAT", data[start:start + step])
    png += chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png)


def record(name, width, height, model, depth, samples, writer):
    expected[name] = {"width": width, "height": height, "colorModel": model, "bitDepth": depth,
                      "samples": samples, "writer": writer}


def random_rows(width, height, channels, maximum):
    return [[rng.randint(0, maximum) for _ in range(width * channels)] for _ in range(height)]


def flat(rows):
    return [v for row in rows for v in row]


def pixels(im):
    return list(im.get_flattened_data() if hasattr(im, "get_flattened_data") else im.getdata())


def check_with_pillow(name, expect_8bit, mode=None):
    """Pillow reads the file back; compare with the expected values reduced to 8 bits."""
    im = Image.open(os.path.join(OUT, name))
    im.load()
    if mode is not None:
        im = im.convert(mode)
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("I", "I;16"):
        got = pixels(im)
        assert got == expect_8bit, (name, "pillow mismatch (16-bit gray)")
        return
    if im.mode == "1":
        im = im.convert("L")
    got = pixels(im)
    got = [v for px in got for v in (px if isinstance(px, tuple) else (px,))]
    assert got == expect_8bit, (name, "pillow mismatch", im.mode, got[:8], expect_8bit[:8])


def pillow_fixtures():
    # 8-bit gray, gray+alpha, RGB, RGBA.
    for name, mode, model, ch in [("gray8.png", "L", "gray", 1), ("graya8.png", "LA", "grayAlpha", 2),
                                  ("rgb8.png", "RGB", "rgb", 3), ("rgba8.png", "RGBA", "rgba", 4)]:
        w, h = 7, 5
        samples = flat(random_rows(w, h, ch, 255))
        Image.frombytes(mode, (w, h), bytes(samples)).save(os.path.join(OUT, name))
        record(name, w, h, model, 8, samples, "pillow")
        check_with_pillow(name, samples)
    # 16-bit gray (Pillow mode I;16 is little-endian in memory, big-endian in the file).
    w, h = 6, 4
    samples = flat(random_rows(w, h, 1, 65535))
    Image.frombytes("I;16", (w, h), b"".join(struct.pack("<H", v) for v in samples)).save(os.path.join(OUT, "gray16.png"))
    record("gray16.png", w, h, "gray", 16, samples, "pillow")
    check_with_pillow("gray16.png", samples)
    # 1-bit gray.
    w, h = 13, 3
    bits = flat(random_rows(w, h, 1, 1))
    Image.frombytes("L", (w, h), bytes(255 * b for b in bits)).convert("1").save(os.path.join(OUT, "gray1.png"))
    record("gray1.png", w, h, "gray", 8, [255 * b for b in bits], "pillow")
    check_with_pillow("gray1.png", [255 * b for b in bits])
    # Palettes of 2, 4, 16 and 200 colours: Pillow stores them at 1, 2, 4 and 8 bits.
    for colors, name in [(2, "palette1.png"), (4, "palette2.png"), (16, "palette4.png"), (200, "palette8.png")]:
        w, h = 9, 4
        pal = [(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(colors)]
        idx = flat(random_rows(w, h, 1, colors - 1))
        im = Image.frombytes("P", (w, h), bytes(idx))
        im.putpalette([v for rgb in pal for v in rgb])
        im.save(os.path.join(OUT, name))
        samples = [v for i in idx for v in pal[i]]
        record(name, w, h, "rgb", 8, samples, "pillow")
        check_with_pillow(name, samples)
    # Palette with per-entry alpha (tRNS).
    w, h, colors = 5, 3, 6
    pal = [(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(colors)]
    alpha = [0, 64, 128, 255, 10, 200]
    idx = flat(random_rows(w, h, 1, colors - 1))
    im = Image.frombytes("P", (w, h), bytes(idx))
    im.putpalette([v for rgb in pal for v in rgb])
    im.info["transparency"] = bytes(alpha)
    im.save(os.path.join(OUT, "palette_trns.png"), transparency=bytes(alpha))
    samples = [v for i in idx for v in (*pal[i], alpha[i])]
    record("palette_trns.png", w, h, "rgba", 8, samples, "pillow")
    check_with_pillow("palette_trns.png", samples)


def own_fixtures():
    every_filter = [0, 1, 2, 3, 4]
    # Sub-byte gray with every filter type.
    for depth in (2, 4):
        w, h = 11, 6
        rows = random_rows(w, h, 1, (1 << depth) - 1)
        name = f"gray{depth}_filters.png"
        write_own(name, w, h, 0, depth, rows, filters=every_filter)
        samples = [v * 255 // ((1 << depth) - 1) for v in flat(rows)]
        record(name, w, h, "gray", 8, samples, "script")
        check_with_pillow(name, samples)
    # 8-bit RGB and RGBA, every filter on successive rows, split into small IDAT chunks, with a tEXt chunk.
    w, h = 6, 10
    rows = random_rows(w, h, 3, 255)
    write_own("rgb8_filters.png", w, h, 2, 8, rows, filters=every_filter, idat_split=17,
              extra_chunks=[(b"tEXt", b"Comment\x00fixture")])
    record("rgb8_filters.png", w, h, "rgb", 8, flat(rows), "script")
    check_with_pillow("rgb8_filters.png", flat(rows))
    rows = random_rows(w, h, 4, 255)
    write_own("rgba8_filters.png", w, h, 6, 8, rows, filters=[4, 3, 2, 1, 0])
    record("rgba8_filters.png", w, h, "rgba", 8, flat(rows), "script")
    check_with_pillow("rgba8_filters.png", flat(rows))
    # 16-bit gray+alpha, RGB and RGBA (Pillow cannot write these), every filter.
    for color_type, model, ch in [(4, "grayAlpha", 2), (2, "rgb", 3), (6, "rgba", 4)]:
        w, h = 5, 5
        rows = random_rows(w, h, ch, 65535)
        name = f"{model.lower()}16_filters.png"
        write_own(name, w, h, color_type, 16, rows, filters=every_filter)
        record(name, w, h, model, 16, flat(rows), "script")
        check_with_pillow(name, [v >> 8 for v in flat(rows)], mode="LA" if ch == 2 else None)
    # 16-bit gray with every filter (Pillow reads it as mode I;16 / I).
    w, h = 5, 5
    rows = random_rows(w, h, 1, 65535)
    write_own("gray16_filters.png", w, h, 0, 16, rows, filters=every_filter)
    record("gray16_filters.png", w, h, "gray", 16, flat(rows), "script")
    check_with_pillow("gray16_filters.png", flat(rows))
    # Adam7 interlacing: odd sizes so that some passes are partial; sub-byte, 8-bit and 16-bit; a 1x1 image.
    for name, w, h, ct, depth, model, ch, maximum in [
            ("gray8_adam7.png", 11, 9, 0, 8, "gray", 1, 255),
            ("rgb8_adam7.png", 10, 13, 2, 8, "rgb", 3, 255),
            ("gray1_adam7.png", 9, 7, 0, 1, "gray", 1, 1),
            ("gray2_adam7.png", 12, 5, 0, 2, "gray", 1, 3),
            ("rgba16_adam7.png", 7, 6, 6, 16, "rgba", 4, 65535),
            ("gray8_adam7_1x1.png", 1, 1, 0, 8, "gray", 1, 255)]:
        rows = random_rows(w, h, ch, maximum)
        write_own(name, w, h, ct, depth, rows, interlace=True, filters=[1, 4, 2, 3, 0])
        scale = 255 // maximum if depth < 8 else 1
        samples = [v * scale for v in flat(rows)]
        record(name, w, h, model, 16 if depth == 16 else 8, samples, "script")
        check_with_pillow(name, [v >> 8 for v in samples] if depth == 16 and ch > 1 else samples)
    # Interlaced palette at 4 bits.
    w, h, colors = 10, 10, 12
    pal = [(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(colors)]
    rows = random_rows(w, h, 1, colors - 1)
    write_own("palette4_adam7.png", w, h, 3, 4, rows, interlace=True, palette=pal, filters=[0, 1, 2, 3, 4])
    samples = [v for i in flat(rows) for v in pal[i]]
    record("palette4_adam7.png", w, h, "rgb", 8, samples, "script")
    check_with_pillow("palette4_adam7.png", samples)


def main():
    os.makedirs(OUT, exist_ok=True)
    pillow_fixtures()
    own_fixtures()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=None, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {len(expected)} fixtures to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
