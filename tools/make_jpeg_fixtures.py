"""Writes the JPEG fixtures of Tests/DatasetsTests/Fixtures/jpeg (run from the package root):
small JPEG files in the forms people have (baseline 4:4:4 / 4:2:2 / 4:2:0, progressive, grey,
every EXIF orientation, restart markers) with, for each, the pixels Pillow decodes (EXIF orientation
applied, as ImageOps.exif_transpose does) as a lossless PNG; and the bad ones: truncated, corrupt
header, CMYK, not a JPEG at all.

    python3 tools/make_jpeg_fixtures.py   (needs Pillow)
"""
import io
import os

from PIL import Image, ImageOps

out = "Tests/DatasetsTests/Fixtures/jpeg"
os.makedirs(out, exist_ok=True)


def pattern(width, height):
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            # Smooth ramps and one sharp corner mark, so a wrong orientation cannot pass.
            pixels[x, y] = (min(255, 16 * x), min(255, 20 * y), 255 if (x < 4 and y < 3) else 60 + 5 * ((x + y) % 8))
    return image


def save(name, image, expected=None, **options):
    path = os.path.join(out, name + ".jpg")
    image.save(path, "JPEG", **options)
    with Image.open(path) as decoded:
        upright = ImageOps.exif_transpose(decoded)
        (expected or upright).save(os.path.join(out, name + ".expected.png"))


base = pattern(16, 12)
save("rgb444", base, quality=90, subsampling=0)
save("rgb422", base, quality=90, subsampling=1)
save("rgb420", base, quality=90, subsampling=2)
save("progressive", base, quality=90, subsampling=2, progressive=True)
save("gray", base.convert("L"), quality=90)
save("restart", pattern(40, 24), quality=85, restart_marker_blocks=1)
for orientation in range(1, 9):
    exif = Image.Exif()
    exif[0x0112] = orientation
    save(f"orientation-{orientation}", base, quality=95, subsampling=0, exif=exif.tobytes())

with open(os.path.join(out, "restart.jpg"), "rb") as f:
    data = f.read()
scan = data.index(b"\xff\xda")
with open(os.path.join(out, "bad-truncated.jpg"), "wb") as f:
    f.write(data[: (scan + len(data)) // 2])  # cut in the middle of the entropy-coded data
with open(os.path.join(out, "rgb420.jpg"), "rb") as f:
    data = f.read()
header = bytearray(data)
sof = header.index(b"\xff\xc0")
header[sof + 5:sof + 9] = b"\x00\x00\x00\x00"  # height and width 0
with open(os.path.join(out, "bad-zero-size.jpg"), "wb") as f:
    f.write(bytes(header))
buffer = io.BytesIO()
Image.new("CMYK", (8, 8), (10, 20, 30, 40)).save(buffer, "JPEG")
with open(os.path.join(out, "bad-cmyk.jpg"), "wb") as f:
    f.write(buffer.getvalue())
with open(os.path.join(out, "bad-not-jpeg.jpg"), "wb") as f:
    f.write(b"GIF89a this is not a JPEG file")
print("wrote", sorted(os.listdir(out)))
