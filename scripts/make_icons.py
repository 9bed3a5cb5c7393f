"""Write the PWA icons (static/pwa/icons/): one SVG and PNGs rasterised here from the
same few shapes, so no image tool or third-party artwork is needed.

    .venv/bin/python scripts/make_icons.py
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "pwa" / "icons"
GREEN, WHITE, YELLOW = (11, 110, 79), (255, 255, 255), (242, 193, 78)
# (kind, colour, geometry) on a 512 × 512 canvas: a child over growing bars
SHAPES = [
    ("circle", WHITE, (256, 170, 62)),
    ("rrect", WHITE, (170, 250, 342, 372, 56)),
    ("rrect", YELLOW, (146, 392, 196, 436, 8)),
    ("rrect", YELLOW, (231, 372, 281, 436, 8)),
    ("rrect", YELLOW, (316, 348, 366, 436, 8)),
]


def inside(kind: str, g: tuple, x: float, y: float) -> bool:
    if kind == "circle":
        cx, cy, r = g
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    x0, y0, x1, y1, r = g
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def colour_at(x: float, y: float, corner: float, scale: float) -> tuple[int, int, int, int]:
    if corner and not inside("rrect", (0, 0, 512, 512, corner), x, y):
        return (0, 0, 0, 0)
    # the maskable icon keeps its picture inside the central safe zone
    sx, sy = 256 + (x - 256) / scale, 256 + (y - 256) / scale
    colour = GREEN
    for kind, c, g in SHAPES:
        if inside(kind, g, sx, sy):
            colour = c
    return (*colour, 255)


def png(size: int, corner: float, scale: float, samples: int = 3) -> bytes:
    k = 512 / size
    rows = bytearray()
    offsets = [(i + 0.5) / samples for i in range(samples)]
    for py in range(size):
        for px in range(size):
            acc = [0, 0, 0, 0]
            for oy in offsets:
                for ox in offsets:
                    r, g, b, a = colour_at((px + ox) * k, (py + oy) * k, corner, scale)
                    acc[0] += r * a; acc[1] += g * a; acc[2] += b * a; acc[3] += a
            alpha = acc[3] / samples ** 2
            rows += bytes([round(c / acc[3]) if acc[3] else 0 for c in acc[:3]] + [round(alpha)])
    # a few dozen colours (the shapes' edges): indexed, a byte a pixel, the same pixels in half the bytes
    palette: dict[bytes, int] = {}
    pixels = [bytes(rows[i:i + 4]) for i in range(0, len(rows), 4)]
    index = bytes(palette.setdefault(p, len(palette)) for p in pixels)
    assert len(palette) <= 256
    data = b"".join(b"\0" + index[y * size:(y + 1) * size] for y in range(size))
    chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", b"".join(p[:3] for p in palette)) + chunk(b"tRNS", bytes(p[3] for p in palette))
            + chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b""))


def svg() -> str:
    hexc = lambda c: "#%02x%02x%02x" % c
    parts = [f'<rect width="512" height="512" rx="96" fill="{hexc(GREEN)}"/>']
    for kind, c, g in SHAPES:
        if kind == "circle":
            parts.append(f'<circle cx="{g[0]}" cy="{g[1]}" r="{g[2]}" fill="{hexc(c)}"/>')
        else:
            x0, y0, x1, y1, r = g
            parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{r}" fill="{hexc(c)}"/>')
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">' + "".join(parts) + "</svg>\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg())
    (OUT / "icon-192.png").write_bytes(png(192, 96, 1.0))
    (OUT / "icon-512.png").write_bytes(png(512, 96, 1.0))
    (OUT / "maskable-512.png").write_bytes(png(512, 0, 0.8))
    print("icons written to", OUT)


if __name__ == "__main__":
    main()
