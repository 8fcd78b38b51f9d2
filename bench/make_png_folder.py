"""Writes a folder of N RGB PNG files (W × H, smooth random colour fields with noise, in class
sub-folders) for the streaming-loader benchmark. Python's standard library only.

    python3 bench/make_png_folder.py OUT [--count 2000] [--width 48] [--height 40] [--seed 0]
"""
import argparse
import math
import os
import random
import struct
import zlib


def png_bytes(width, height, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for i in range(args.count):
        folder = os.path.join(args.out, f"class{i % 10}")
        os.makedirs(folder, exist_ok=True)
        waves = [(rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4), rng.uniform(0, 6.3)) for _ in range(3)]
        rows = []
        for y in range(args.height):
            row = []
            for x in range(args.width):
                for fx, fy, phase in waves:
                    value = 127.5 + 100 * math.sin(fx * x + fy * y + phase) + rng.uniform(-20, 20)
                    row.append(max(0, min(255, int(value))))
            rows.append(row)
        with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
            f.write(png_bytes(args.width, args.height, rows))


if __name__ == "__main__":
    main()
