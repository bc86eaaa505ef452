#!/usr/bin/env python3
"""Draw the AllyShare toolbar/store icons.

Pure Python 3 standard library (zlib + struct), no PIL. Run from anywhere:

    python3 tools/make_icons.py

Writes extension/icons/icon-{16,32,48,128}.png and icon-off-32.png
(RGBA, transparent background).

Design: a rounded square in the AllyShare brand indigo (#2F4DB8, with a
subtle top-to-bottom gradient) carrying a white mark: two people (head and
shoulders) joined by an arc over their heads, i.e. two allies connected
and sharing. Rendered with 4x-8x supersampling for anti-aliasing. The mark
is tuned per size; at 16 px it is simplified to the two people alone
(larger, pixel-aligned) so it stays legible. icon-off-32.png is the same
mark, desaturated, for the "not sharing" state.
"""

import math
import os
import struct
import sys
import zlib

# Brand palette (keep in sync with extension/popup.css).
BRAND = (0x2F, 0x4D, 0xB8)        # #2F4DB8
BRAND_TOP = (0x3D, 0x5F, 0xD1)    # lighter top of the gradient
BRAND_BOTTOM = (0x26, 0x3F, 0xA0)  # darker bottom of the gradient
MARK = (0xFF, 0xFF, 0xFF)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "extension", "icons")


# --------------------------------------------------------------------------
# PNG writer
# --------------------------------------------------------------------------

def write_png(path, width, height, rgba_rows):
    """rgba_rows: list of bytes objects, each width*4 long."""
    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + row for row in rgba_rows)  # filter: none
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


# --------------------------------------------------------------------------
# Geometry (unit square, origin top-left, y down)
# --------------------------------------------------------------------------

def in_rounded_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_circle(x, y, cx, cy, r):
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_bust(x, y, cx, cy, head_r, sh_rx, sh_ry, sh_drop):
    """A person: round head at (cx, cy) and half-elliptical shoulders whose
    flat base sits `sh_drop` below the head centre."""
    if in_circle(x, y, cx, cy, head_r):
        return True
    base = cy + sh_drop
    return y <= base and ((x - cx) / sh_rx) ** 2 + ((y - base) / sh_ry) ** 2 <= 1


# --------------------------------------------------------------------------
# The mark: two people joined by an arc (connected, sharing)
# --------------------------------------------------------------------------

def mark_params(size):
    """Geometry of the mark in unit coordinates, tuned per size so that the
    small icons stay legible (bigger heads, thicker link, wider spacing).
    halo: radius around each head that the arc stops short of."""
    if size <= 16:
        # At 16 px a 1-px arc only blurs: show the two people alone, larger,
        # with edges landing on pixel boundaries where possible.
        return dict(px=0.28, head_y=0.3875, head_r=0.1375, sh_rx=0.175,
                    sh_ry=0.18, sh_drop=0.3625, arc_top=None, arc_w=0,
                    halo=0)
    if size <= 32:
        return dict(px=0.285, head_y=0.50, head_r=0.10, sh_rx=0.185,
                    sh_ry=0.16, sh_drop=0.295, arc_top=0.225, arc_w=0.075,
                    halo=0.15)
    return dict(px=0.30, head_y=0.50, head_r=0.095, sh_rx=0.175,
                sh_ry=0.155, sh_drop=0.29, arc_top=0.245, arc_w=0.06,
                halo=0.14)


def make_sampler(size):
    p = mark_params(size)
    lx, rx, hy = p["px"], 1 - p["px"], p["head_y"]
    bust = (p["head_r"], p["sh_rx"], p["sh_ry"], p["sh_drop"])
    # The link is the top of a circle through both head centres whose
    # highest point is at arc_top.
    link = p["arc_top"] is not None
    if link:
        half = 0.5 - lx
        sag = hy - p["arc_top"]
        arc_r = (half * half + sag * sag) / (2 * sag)
        arc_cy = p["arc_top"] + arc_r
        arc_hw = p["arc_w"] / 2
    halo = p["halo"]
    # Background: rounded square, inset a touch so the edge anti-aliases.
    inset = 0.5 / size if size <= 16 else 0.03
    corner = 0.22

    def sample(x, y):
        """Colour (r, g, b) in 0..1 at a point of the unit square, or None
        outside the badge."""
        if not in_rounded_rect(x, y, inset, inset, 1 - inset, 1 - inset, corner):
            return None
        t = (y - inset) / (1 - 2 * inset)
        bg = tuple((BRAND_TOP[i] + (BRAND_BOTTOM[i] - BRAND_TOP[i]) * t) / 255
                   for i in range(3))
        if in_bust(x, y, lx, hy, *bust) or in_bust(x, y, rx, hy, *bust):
            return MARK_F
        if (link and y <= hy
                and abs(math.hypot(x - 0.5, y - arc_cy) - arc_r) <= arc_hw
                and not in_circle(x, y, lx, hy, halo)
                and not in_circle(x, y, rx, hy, halo)):
            return MARK_F
        return bg

    return sample


MARK_F = tuple(c / 255 for c in MARK)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def render(size, ss, grey=False):
    sample = make_sampler(size)
    n = ss * ss
    offs = [((i + 0.5) / ss, (j + 0.5) / ss) for j in range(ss) for i in range(ss)]
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            r = g = b = a = 0.0
            for ox, oy in offs:
                c = sample((px + ox) / size, (py + oy) / size)
                if c is not None:
                    if grey:
                        c = desaturate(*c)
                    r += c[0]
                    g += c[1]
                    b += c[2]
                    a += 1.0
            if a == 0:
                row += b"\x00\x00\x00\x00"
                continue
            r, g, b = r / a, g / a, b / a  # un-premultiply
            row += bytes((round(r * 255), round(g * 255), round(b * 255),
                          round(a / n * 255)))
        rows.append(bytes(row))
    return rows


def desaturate(r, g, b):
    """Greyed "not sharing" look: luminance-based grey, lifted so the badge
    reads as inactive rather than dark."""
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    if lum > 0.95:          # the white mark stays (almost) white
        return (0.96, 0.96, 0.96)
    v = 0.30 + lum * 0.55   # mid grey background
    return (v, v, v)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else OUT_DIR
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(16, 8, False, "icon-16.png"),
            (32, 8, False, "icon-32.png"),
            (48, 6, False, "icon-48.png"),
            (128, 4, False, "icon-128.png"),
            (32, 8, True, "icon-off-32.png")]
    for size, ss, grey, name in jobs:
        path = os.path.join(out_dir, name)
        write_png(path, size, size, render(size, ss, grey))
        print("wrote", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
