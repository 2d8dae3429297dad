"""Writes the PNG fixtures of PNGTests with Python's zlib and struct (no image library).

png_plain.png     5 x 3 RGB, filter 0 on every row, zlib level 0 (stored blocks): what
                  PNG.encode must reproduce byte for byte.
png_filters.png   7 x 5 RGB, rows filtered with none, sub, up, average, Paeth, stored blocks:
                  what PNG.decode must undo.
png_pixels.json   the pixels of both images (row-major R, G, B), computed by the formula below.

Run: ~/.refenv/bin/python make_png_fixture.py   (from this folder)
"""
import json
import struct
import zlib


def pixels(width, height):
    return [[((x * 40 + y * 7) % 256, (x * y * 13 + 5) % 256, (255 - x * 20 - y * 3) % 256)
             for x in range(width)] for y in range(height)]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filtered(rows, filters):
    raw = bytearray()
    previous = [0] * (len(rows[0]) * 3)
    for row, kind in zip(rows, filters):
        line = [v for pixel in row for v in pixel]
        raw.append(kind)
        for i, value in enumerate(line):
            a = line[i - 3] if i >= 3 else 0
            b = previous[i]
            c = previous[i - 3] if i >= 3 else 0
            prediction = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            raw.append((value - prediction) % 256)
        previous = line
    return bytes(raw)


def png(rows, filters):
    width, height = len(rows[0]), len(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(filtered(rows, filters), 0)     # level 0: stored blocks
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


plain = pixels(5, 3)
with open("png_plain.png", "wb") as f:
    f.write(png(plain, [0, 0, 0]))
with_filters = pixels(7, 5)
with open("png_filters.png", "wb") as f:
    f.write(png(with_filters, [0, 1, 2, 3, 4]))
with open("png_pixels.json", "w") as f:
    json.dump({"plain": {"width": 5, "height": 3, "pixels": [v for row in plain for p in row for v in p]},
               "filters": {"width": 7, "height": 5, "pixels": [v for row in with_filters for p in row for v in p]}},
              f)
    f.write("\n")
