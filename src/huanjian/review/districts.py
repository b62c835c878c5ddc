"""The district grid of the off-site home map, drawn from district centres (no outline package).

No npm package with Shanghai district outlines and a licence that allows redistribution
was found (docs/review.md), so the map approximates the districts by the Voronoi cells of
their centres (``district_centres.json``: approximate area centres, source and confidence
recorded there): every point of the extent belongs to the nearest centre's cell.  Distances
are measured with longitude scaled by cos(latitude), so cells are not stretched east-west.
Each cell is the extent clipped by the bisector half-planes towards every other centre
(Sutherland–Hodgman, 16 centres × 15 half-planes: trivial).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

Point = tuple[float, float]
CENTRES_FILE = Path(__file__).with_name("district_centres.json")


@cache
def centres() -> tuple[dict[str, Point], tuple[float, float, float, float], dict[str, str]]:
    data = json.loads(CENTRES_FILE.read_text(encoding="utf-8"))
    meta = data["meta"]
    for key in ("source", "confidence", "extent", "version"):
        if key not in meta:
            raise ValueError(f"{CENTRES_FILE.name}: meta.{key} missing")
    pts = {code: (float(xy[0]), float(xy[1])) for code, xy in data["centres"].items()}
    x0, y0, x1, y1 = (float(v) for v in meta["extent"])
    return pts, (x0, y0, x1, y1), {k: str(meta[k]) for k in ("source", "confidence", "version")}


def _clip(poly: list[Point], a: Point, b: Point, kx: float) -> list[Point]:
    """Keep the part of ``poly`` nearer to ``a`` than to ``b`` (x scaled by ``kx``)."""

    def side(p: Point) -> float:  # > 0 on a's side of the bisector
        ax, bx, px = a[0] * kx, b[0] * kx, p[0] * kx
        return (bx - ax) * ((ax + bx) / 2 - px) + (b[1] - a[1]) * ((a[1] + b[1]) / 2 - p[1])

    out: list[Point] = []
    for i, p in enumerate(poly):
        q = poly[(i + 1) % len(poly)]
        sp, sq = side(p), side(q)
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def cells(codes: set[str] | None = None) -> list[dict[str, Any]]:
    """Voronoi cell (closed polygon, lon/lat) of each district centre, optionally only ``codes``."""
    pts, (x0, y0, x1, y1), _ = centres()
    kx = math.cos(math.radians((y0 + y1) / 2))
    out = []
    for code, a in sorted(pts.items()):
        if codes is not None and code not in codes:
            continue
        poly: list[Point] = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for other, b in pts.items():
            if other != code and poly:
                poly = _clip(poly, a, b, kx)
        ring = [[round(x, 4), round(y, 4)] for x, y in poly]
        out.append({"code": code, "centre": list(a), "cell": [*ring, ring[0]] if ring else []})
    return out


def extent() -> list[float]:
    return list(centres()[1])


def nearest(lon: float, lat: float) -> str:
    """The district whose cell contains the point (the nearest centre)."""
    pts, (_, y0, _, y1), _ = centres()
    kx = math.cos(math.radians((y0 + y1) / 2))
    return min(pts, key=lambda c: ((pts[c][0] - lon) * kx) ** 2 + (pts[c][1] - lat) ** 2)
