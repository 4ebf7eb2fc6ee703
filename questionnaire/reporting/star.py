"""The spider diagram drawn on the server as inline SVG, for the printout: a vector image that
prints sharply on paper and needs no script. Any self-rating instrument: its areas are the spokes,
its scale (1–5, 0–4, ...) the rings. The on-screen chart is Plotly's (chart.py); this one follows
its look: the newest rating thick and filled, older ones thinner, in colours and dash patterns.

Texts come in as lines (the participant's language, then Swedish); a right-to-left line is
isolated (FSI…PDI) so that it keeps its own reading order inside the left-to-right drawing.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

NEWEST = "#1d4ed8"
#: Older ratings: colour and dash pattern (as chart.OLDER: dot, dash, dashdot, longdash).
OLDER = (("#b45309", "2 4"), ("#0f766e", "8 5"), ("#7e22ce", "8 4 2 4"), ("#be185d", "14 6"))
FSI, PDI = "\u2068", "\u2069"

WIDTH, HEIGHT = 720, 420
CX, CY, RADIUS = 250, 212, 150
LEGEND_X = 510


@dataclass
class Line:
    """One rating drawn: its legend (one text per language), a value per area (None: none)."""

    labels: list[str]
    values: list[int | None]
    strong: bool = False


def _isolated(text: str) -> str:
    """A right-to-left text isolated, so that "6 أشهر" is not drawn as "أشهر 6"."""
    rtl = any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)
    return FSI + text + PDI if rtl else text


def _text(lines: list[str], x: float, y: float, anchor: str, size: float,
          bold: int = 0) -> str:
    """A text of one or more lines, the first `bold` of them bold."""
    spans = []
    for n, line in enumerate(lines):
        weight = ' font-weight="700"' if n < bold else ""
        spans.append(f'<tspan x="{x:.1f}" dy="{0 if n == 0 else size * 1.2:.1f}"{weight}>'
                     f"{escape(_isolated(line))}</tspan>")
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
            f'{"".join(spans)}</text>')


def wrap(text: str, width: int = 14) -> list[str]:
    """A label as lines of at most `width` characters where the words allow it."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


def _styles(lines: list[Line]) -> list[tuple[str, str, float]]:
    """Colour, dash pattern and width of each line: the newest strong, the others in turn."""
    styles, older = [], 0
    for line in lines:
        if line.strong:
            styles.append((NEWEST, "", 3.5))
        else:
            color, dash = OLDER[older % len(OLDER)]
            styles.append((color, dash, 2))
            older += 1
    return styles


def svg(areas: list[list[str]], steps: list[int], lines: list[Line], title: str) -> Markup:
    """The star: `areas` each a list of names (one per language), `steps` the scale's values
    (lowest first), one `Line` per rating (oldest first)."""
    n = len(areas)
    low, high = steps[0], steps[-1]
    floor = low - (high - low) / 2  # as on screen: the lowest step is a ring, not the centre

    def point(k: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / n  # clockwise from the top
        r = RADIUS * (value - floor) / (high - floor)
        return CX + r * math.cos(angle), CY + r * math.sin(angle)

    out = [f'<svg class="star" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
           f' role="img" aria-label="{escape(title)}" font-family="inherit" fill="#111827">',
           f"<title>{escape(title)}</title>"]
    # rings (one per step) and spokes
    for value in steps:
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, value) for k in range(n)))
        out.append(f'<polygon points="{ring}" fill="none" stroke="#d1d5db" stroke-width="1"/>')
    for k in range(n):
        x, y = point(k, high)
        out.append(f'<line x1="{CX}" y1="{CY}" x2="{x:.1f}" y2="{y:.1f}" stroke="#9ca3af"'
                   ' stroke-width="1"/>')
    # the scale's numbers, half-way between the first two spokes
    for value in steps:
        a = -math.pi / 2 + math.pi / n
        r = RADIUS * (value - floor) / (high - floor)
        out.append(f'<text x="{CX + r * math.cos(a):.1f}" y="{CY + r * math.sin(a) + 4:.1f}"'
                   f' text-anchor="middle" font-size="11" fill="#374151">{value}</text>')
    # the ratings: older first, the newest on top
    for line, (color, dash, width) in zip(lines, _styles(lines), strict=True):
        pts = [point(k, v) if v is not None else None for k, v in enumerate(line.values)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if all(pts):
            poly = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            fill = f'fill="{NEWEST}" fill-opacity="0.15"' if line.strong else 'fill="none"'
            out.append(f'<polygon points="{poly}" {fill} stroke="{color}"'
                       f' stroke-width="{width}"{dash_attr} stroke-linejoin="round"/>')
        else:  # a gap where an area was not rated
            path, pen = [], False
            for p in [*pts, pts[0]]:
                if p is None:
                    pen = False
                    continue
                path.append(f"{'L' if pen else 'M'}{p[0]:.1f},{p[1]:.1f}")
                pen = True
            out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}"'
                       f' stroke-width="{width}"{dash_attr}/>')
        for p in pts:
            if p is not None:
                out.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}"'
                           f' r="{4 if line.strong else 3}" fill="{color}"/>')
    # the areas' names round the star
    for k, names in enumerate(areas):
        angle = -math.pi / 2 + 2 * math.pi * k / n
        cos, sin = math.cos(angle), math.sin(angle)
        anchor = "start" if cos > 0.25 else "end" if cos < -0.25 else "middle"
        texts = [t for name in names for t in wrap(name)]
        # in two languages the participant's (first) is bold, the Swedish plain below it
        bold = len(wrap(names[0])) if len(names) > 1 else 0
        x = CX + (RADIUS + 10) * cos
        y = CY + (RADIUS + 14) * sin + 4
        if sin < -0.25:  # above the centre: the lines end at the spoke
            y -= 1.2 * 13 * (len(texts) - 1)
        elif abs(sin) <= 0.25:
            y -= 0.6 * 13 * (len(texts) - 1)
        out.append(_text(texts, x, y, anchor, 13, bold))
    # the legend, beside the star
    y = 40
    for line, (color, dash, width) in zip(lines, _styles(lines), strict=True):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{LEGEND_X}" y1="{y - 4}" x2="{LEGEND_X + 28}" y2="{y - 4}"'
                   f' stroke="{color}" stroke-width="{width}"{dash_attr}/>')
        out.append(_text(line.labels, LEGEND_X + 36, y, "start", 12,
                         1 if len(line.labels) > 1 else 0))
        y += 16 * len(line.labels) + 10
    out.append("</svg>")
    return Markup("".join(out))
