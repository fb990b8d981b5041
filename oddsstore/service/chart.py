"""The movement chart of one market as inline SVG, drawn on the server (no script): one polyline per
site and outcome (a step line: a price holds until its next change, and the latest holds to the
chart's end), axes with times (UTC) and prices, a legend. Sites are told apart by colour (a palette
readable with colour blindness) and outcomes by dash pattern, so neither alone carries the meaning.

A period in which an outcome was closed (or the market not listed) breaks its line: the series is then
drawn as several polylines in one ``<g class="series">``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.reads import Movement, OutcomeMovement

__all__ = ["SITE_COLOURS", "SITE_NAMES", "movement_svg", "series_of"]

SITE_NAMES = {Platform.BETPAWA: "BetPawa", Platform.SPORTYBET: "SportyBet", Platform.BET9JA: "Bet9ja"}
SITE_COLOURS = {Platform.BETPAWA: "#009e73", Platform.SPORTYBET: "#d55e00", Platform.BET9JA: "#0072b2"}
_DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4")
_W, _H = 760, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 40
_TICKS = 5


def series_of(movement: Movement) -> list[OutcomeMovement]:
    """The outcomes of one line of the market: the movement's own when it has one key, else the first
    key listed (BetPawa's when it lists the market)."""
    if not movement.outcomes:
        return []
    key = movement.outcomes[0].key
    return [o for o in movement.outcomes if o.key == key]


def _nice_step(span: float) -> float:
    raw = span / _TICKS
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def _decimals(step: float) -> int:
    """Decimals that show every multiple of ``step`` exactly: 2, or 3 for a step such as 0.025."""
    return next((d for d in (2, 3) if abs(round(step, d) - step) < 1e-9), 4)


def _segments(o: OutcomeMovement, end: datetime) -> list[list[tuple[datetime, float]]]:
    """Step points of the open stretches of one outcome's history."""
    out: list[list[tuple[datetime, float]]] = []
    current: list[tuple[datetime, float]] = []
    points = list(o.changes)
    for i, p in enumerate(points):
        until = points[i + 1].captured_at if i + 1 < len(points) else end
        if p.odds is None:
            if current:
                out.append(current)
            current = []
            continue
        current.extend([(p.captured_at, p.odds), (max(until, p.captured_at), p.odds)])
    if current:
        out.append(current)
    return out


def _time_label(at: datetime, span: timedelta) -> str:
    return at.strftime("%H:%M") if span <= timedelta(days=1) else at.strftime("%d %b %H:%M")


def movement_svg(series: Sequence[OutcomeMovement], *, end: datetime, title: str) -> str:
    """The chart of ``series`` up to ``end`` (now, or kickoff once started); ``title`` is plain text."""
    drawn = [(o, _segments(o, end)) for o in series]
    points = [pt for _, segs in drawn for seg in segs for pt in seg]
    label = html.escape(title)
    if not points:
        return f'<p class="nochart">No prices stored for {label}.</p>'
    t0 = min(t for t, _ in points)
    t1 = max(max(t for t, _ in points), t0 + timedelta(minutes=1))
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    pad = max((hi - lo) * 0.08, 0.02)
    lo, hi = max(min(lo, 1.0), lo - pad), hi + pad  # no padding below 1.0, but never above a price
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(t: datetime) -> float:
        return _LEFT + (t - t0) / (t1 - t0) * plot_w

    def y(v: float) -> float:
        return _TOP + (hi - v) / (hi - lo) * plot_h

    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 {_W} {_H}" '
        f'width="{_W}" height="{_H}">',
        f'<title id="chart-title">{label}</title>',
        f'<rect class="plot" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
    ]
    step = _nice_step(hi - lo)
    decimals = _decimals(step)
    v = math.ceil(lo / step) * step
    while v <= hi + 1e-9:
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#ddd"/><text class="tick price" x="{_LEFT - 6}" y="{y(v) + 4:.1f}" '
            f'text-anchor="end" font-size="11">{v:.{decimals}f}</text>'
        )
        v += step
    span = t1 - t0
    for i in range(_TICKS + 1):
        at = t0 + span * (i / _TICKS)
        parts.append(
            f'<line class="grid" x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{_TOP}" y2="{_H - _BOTTOM}" '
            f'stroke="#eee"/><text class="tick time" x="{x(at):.1f}" y="{_H - _BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11">{_time_label(at, span)}</text>'
        )
    parts.append(
        f'<text class="axis" x="{_LEFT + plot_w / 2}" y="{_H - 6}" text-anchor="middle" '
        'font-size="11">time (UTC)</text>'
        f'<text class="axis" x="12" y="{_TOP + plot_h / 2}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 12 {_TOP + plot_h / 2})">price</text>'
    )
    outcomes = list(dict.fromkeys(o.outcome for o in series))
    for o, segs in drawn:
        colour = SITE_COLOURS[o.platform]
        dash = _DASHES[outcomes.index(o.outcome) % len(_DASHES)]
        name = html.escape(f"{SITE_NAMES[o.platform]} {o.outcome}")
        site, outcome = o.platform.value, html.escape(o.outcome)
        parts.append(f'<g class="series" data-site="{site}" data-outcome="{outcome}"><title>{name}</title>')
        for seg in segs:
            coords = " ".join(f"{x(t):.1f},{y(p):.1f}" for t, p in seg)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts) + _legend(series, outcomes)


def _legend(series: Sequence[OutcomeMovement], outcomes: list[str]) -> str:
    sites = [p for p in ALL_PLATFORMS if any(o.platform is p for o in series)]
    items = [
        f'<li class="legend-site" data-site="{p.value}"><svg width="28" height="10" aria-hidden="true">'
        f'<line x1="0" y1="5" x2="28" y2="5" stroke="{SITE_COLOURS[p]}" stroke-width="3"/></svg> '
        f"{SITE_NAMES[p]}</li>"
        for p in sites
    ]
    for i, name in enumerate(outcomes):
        dash = _DASHES[i % len(_DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<li class="legend-outcome"><svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" '
            f'x2="28" y2="5" stroke="#333" stroke-width="2"{dashed}/></svg> {html.escape(name)}</li>'
        )
    return f'<ul class="legend">{"".join(items)}</ul>'
