"""Server-rendered SVG charts (pure): readable with no script, each point with a `<title>` tooltip.

The console's Content-Security-Policy forbids inline styles, so the SVG uses presentation attributes
and classes from console.css only. Every label is escaped here; the caller passes plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

__all__ = ["Line", "Marker", "line_chart"]

_W, _H = 760, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 12, 14, 34
_PALETTE = ("#b3261e", "#1f5fa8", "#2e7d32", "#8e44ad", "#c77700", "#00838f", "#5d4037", "#546e7a")


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    values: tuple[float | None, ...]      # one per day of the axis; None: nothing reported that day


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical mark on the time axis (an alert)."""

    day: date
    label: str
    href: str | None = None


def _nice_max(value: float) -> float:
    """The axis top: 4, 8, 10, 20, 40, 80, 100, ... so that the four grid steps are whole numbers."""
    if value <= 4:
        return 4.0
    step = 10 ** (len(str(int(value))) - 1)
    for mult in (1, 2, 4, 8, 10):
        if value <= mult * step:
            return float(mult * step)
    return float(10 * step)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def line_chart(days: Sequence[date], lines: Sequence[Line], *, title: str, markers: Sequence[Marker] = (),
               unit: str = "") -> Markup:
    """An SVG line chart over `days` (oldest first), with a legend and alert markers."""
    n = max(len(days), 1)
    top = _nice_max(max((v for line in lines for v in line.values if v is not None), default=0.0))
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(i: int) -> float:
        return _LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return _TOP + plot_h - plot_h * v / top

    out = [f'<svg class="chart" role="img" viewBox="0 0 {_W} {_H + 18 * ((len(lines) + 2) // 3)}" '
           f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    per_row = 3
    for k in range(5):
        v = top * k / 4
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   f'stroke="#ddd" stroke-width="1"/>')
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
                   f'{escape(_fmt(v))}</text>')
    every = max(1, n // 8)
    for i, day in enumerate(days):
        if i % every == 0 and n - 1 - i >= every // 2 or i == n - 1:
            out.append(f'<text class="tick" x="{x(i):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle" '
                       f'font-size="11">{day.strftime("%d %b")}</text>')
    index = {day: i for i, day in enumerate(days)}
    for m in markers:
        if m.day not in index:
            continue
        mx = x(index[m.day])
        mark = (f'<line class="marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{_TOP}" y2="{_TOP + plot_h}" '
                f'stroke="#f0a000" stroke-width="2" stroke-dasharray="4 3"><title>{escape(m.label)}</title></line>')
        out.append(f'<a href="{escape(m.href)}">{mark}</a>' if m.href else mark)
    for li, line in enumerate(lines):
        color = _PALETTE[li % len(_PALETTE)]
        points = [(x(i), y(v), v, days[i]) for i, v in enumerate(line.values) if v is not None and i < len(days)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            out.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for px, py, v, day in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"><title>'
                       f'{escape(line.label)}, {day.isoformat()}: {escape(_fmt(v))}{escape(unit)}</title></circle>')
        lx, ly = _LEFT + (li % per_row) * 240, _H + 4 + 18 * (li // per_row)
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="{ly + 10}" font-size="12">{escape(line.label)}</text>')
    if not any(v is not None for line in lines for v in line.values):
        out.append(f'<text x="{_W / 2}" y="{_TOP + plot_h / 2}" text-anchor="middle" font-size="13">'
                   'nothing reported in this span</text>')
    out.append("</svg>")
    return Markup("".join(out))
