"""District outlines of the off-site home map: the operator's GeoJSON, else cells from centres.

A bureau that has licensed outlines (its GIS department's, or a surveying authority's) sets
``HUANJIAN_DISTRICT_OUTLINES`` to a GeoJSON FeatureCollection: one feature per district,
its division code in ``properties.code`` (or ``adcode``), a Polygon or MultiPolygon
geometry in longitude/latitude; the map draws the outer rings (:func:`outlines`).
Without it the map draws the approximate cells described below.

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

from huanjian.errors import ValidationError

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


def outlines(path: Path | None) -> dict[str, Any]:
    """``{"cells": [{"code", "centre", "rings"}], "extent", "source"}`` for the home map."""
    if path is None:
        _, _, meta = centres()
        cells_ = [{"code": c["code"], "centre": c["centre"], "rings": [c["cell"]]} for c in cells()]
        return {
            "cells": cells_,
            "extent": extent(),
            "source": f"{meta['source']} ({meta['confidence']}, {meta['version']})",
        }
    stat = path.stat() if path.exists() else None
    if stat is None:
        raise ValidationError(f"district outlines {path}: no such file", field="HUANJIAN_DISTRICT_OUTLINES")
    return _geojson(path, stat.st_mtime_ns)


@cache
def _geojson(path: Path, _mtime: int) -> dict[str, Any]:
    where = f"district outlines {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            f"{where}: not a readable JSON file ({exc})", field="HUANJIAN_DISTRICT_OUTLINES"
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        raise ValidationError(
            f"{where}: expected a GeoJSON FeatureCollection", field="HUANJIAN_DISTRICT_OUTLINES"
        )
    out: list[dict[str, Any]] = []
    xs: list[float] = []
    ys: list[float] = []
    for n, feature in enumerate(features):
        props = (feature or {}).get("properties") or {}
        code = next((str(props[k]) for k in ("code", "adcode") if props.get(k) not in (None, "")), None)
        geom = (feature or {}).get("geometry") or {}
        if code is None:
            raise ValidationError(f"{where}: feature {n} has no properties.code or properties.adcode")
        if geom.get("type") == "Polygon":
            polygons = [geom.get("coordinates") or []]
        elif geom.get("type") == "MultiPolygon":
            polygons = geom.get("coordinates") or []
        else:
            raise ValidationError(
                f"{where}: feature {n} ({code}) is a {geom.get('type')!r}, not a Polygon or MultiPolygon"
            )
        try:
            rings = [[[float(x), float(y)] for x, y, *_ in polygon[0]] for polygon in polygons if polygon]
        except (TypeError, ValueError, IndexError) as exc:
            raise ValidationError(f"{where}: feature {n} ({code}) has malformed coordinates ({exc})") from exc
        if not rings or any(len(r) < 4 for r in rings):
            raise ValidationError(f"{where}: feature {n} ({code}) has a ring of fewer than 4 positions")
        largest = max(rings, key=len)
        centre = (
            props.get("centre")
            or props.get("center")
            or [
                sum(p[0] for p in largest[:-1]) / (len(largest) - 1),
                sum(p[1] for p in largest[:-1]) / (len(largest) - 1),
            ]
        )
        out.append({"code": code, "centre": [float(centre[0]), float(centre[1])], "rings": rings})
        xs += [p[0] for r in rings for p in r]
        ys += [p[1] for r in rings for p in r]
    if not out:
        raise ValidationError(f"{where}: no features")
    name = data.get("name") or path.name
    return {"cells": out, "extent": [min(xs), min(ys), max(xs), max(ys)], "source": f"{name} ({path})"}
