"""The movement chart's SVG: a price is drawn at the height its axis label says, a price holds until
its next change (a step), a closed stretch breaks the line, and every name is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from oddsstore.models import Platform
from oddsstore.reads import OutcomeMovement, PricePoint
from oddsstore.service.chart import movement_svg

T0 = datetime(2026, 5, 6, 8, 0, tzinfo=UTC)
KEY = ("3743", None, None, None, None)


def _series(platform: Platform, outcome: str, points: list[tuple[int, float | None]]) -> OutcomeMovement:
    changes = tuple(PricePoint(T0 + timedelta(minutes=m), 1, odds) for m, odds in points)
    return OutcomeMovement(platform, KEY, outcome, changes[0], changes, changes[-1], None)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg[: svg.index("</svg>") + len("</svg>")])  # noqa: S314 - our own output


def test_prices_sit_at_their_axis_labels_as_steps_and_a_closed_stretch_breaks_the_line() -> None:
    series = [
        _series(Platform.BETPAWA, "1", [(0, 2.0), (30, 2.4)]),
        _series(Platform.SPORTYBET, "1", [(0, 2.4), (20, None), (40, 2.0)]),
    ]
    svg = movement_svg(series, end=T0 + timedelta(minutes=60), title="1X2 <b>")
    root = _parse(svg)
    label_y = {
        t.text: float(t.get("y", "0")) - 4 for t in root.iter("text") if "price" in (t.get("class") or "")
    }
    time_x = {t.text: float(t.get("x", "0")) for t in root.iter("text") if "time" in (t.get("class") or "")}
    groups = {g.get("data-site"): g.findall("polyline") for g in root.iter("g")}

    def points(line: ET.Element) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in (p.split(",") for p in line.get("points", "").split())]

    bp = points(groups["betpawa"][0])
    assert [y for _, y in bp] == pytest.approx([label_y["2.00"]] * 2 + [label_y["2.40"]] * 2, abs=0.11)
    assert bp[0][0] == time_x["08:00"] and bp[-1][0] == time_x["09:00"]  # to the chart's end
    half = time_x["08:00"] + (time_x["09:00"] - time_x["08:00"]) / 2
    assert bp[1][0] == pytest.approx(half, abs=0.11) and bp[2][0] == bp[1][0]  # the step at 08:30
    sb = [points(p) for p in groups["sportybet"]]
    assert len(sb) == 2  # closed from 08:20 to 08:40: two stretches
    assert [y for _, y in sb[0]] == pytest.approx([label_y["2.40"]] * 2, abs=0.11)
    assert [y for _, y in sb[1]] == pytest.approx([label_y["2.00"]] * 2, abs=0.11)
    assert "1X2 &lt;b&gt;" in svg and "<b>" not in svg


def test_no_prices_is_a_sentence_not_an_empty_chart() -> None:
    closed = [_series(Platform.BET9JA, "X", [(0, None)])]
    assert movement_svg(closed, end=T0, title="Over/Under <2.5>") == (
        '<p class="nochart">No prices stored for Over/Under &lt;2.5&gt;.</p>'
    )


@pytest.mark.parametrize("top", [1.97, 2.01, 2.3, 3.05, 9.5])
def test_every_price_label_names_the_price_at_its_height(top: float) -> None:
    # two prices, 1.90 and ``top``, fix the scale; every tick label must sit where its own price would
    svg = movement_svg(
        [_series(Platform.BETPAWA, "1", [(0, 1.9), (30, top)])], end=T0 + timedelta(hours=1), title="t"
    )
    root = _parse(svg)
    (line,) = [p for g in root.iter("g") for p in g.iter("polyline")]
    ys = [float(pt.split(",")[1]) for pt in line.get("points", "").split()]
    y_low, y_top = ys[0], ys[-1]  # 1.90 for the first half hour, then ``top``

    def height(price: float) -> float:
        return y_low + (price - 1.9) * (y_top - y_low) / (top - 1.9)

    labels = [
        (float(t.text or ""), float(t.get("y", "0")) - 4)
        for t in root.iter("text")
        if "price" in (t.get("class") or "")
    ]
    assert len(labels) >= 3
    for price, y in labels:
        assert y == pytest.approx(height(price), abs=0.15), (price, y)


def test_every_point_is_inside_the_plot_even_below_evens() -> None:
    series = [
        _series(Platform.BET9JA, "1", [(0, 0.95), (30, 1.02)]),
        _series(Platform.BETPAWA, "1", [(0, 1.4)]),
    ]
    root = _parse(movement_svg(series, end=T0 + timedelta(hours=1), title="t"))
    plot = next(r for r in root.iter("rect") if r.get("class") == "plot")
    top = float(plot.get("y", "0"))
    bottom = top + float(plot.get("height", "0"))
    ys = [float(pt.split(",")[1]) for line in root.iter("polyline") for pt in line.get("points", "").split()]
    assert ys and all(top <= y <= bottom for y in ys)
