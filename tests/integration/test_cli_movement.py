"""``oddsstore movement`` on a real PostgreSQL: runs stored at known times with known prices, the
opening, latest, closing and every change checked against the series computed here from the runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from cli_reads_kit import BP, SB, cli, library, store
from reads_kit import event_on, one_x_two

from oddsstore.models import Market, Outcome, Platform
from oddsstore.reads import ComparisonRepository

KICKOFF = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
SR = "7300"
Run = tuple[datetime, Market, Market | None]  # time, BetPawa's 1X2, SportyBet's (None: not listed)
RUNS: list[Run] = [
    (KICKOFF - timedelta(hours=3), one_x_two(2.0, 3.4, 3.6), one_x_two(2.1, 3.3, 3.5)),
    (KICKOFF - timedelta(minutes=90), one_x_two(2.05, 3.4, 3.6), one_x_two(2.1, 3.3, 3.5)),
    (KICKOFF - timedelta(minutes=15), one_x_two(2.05, 3.4, 3.5, closed="X"), None),
    (KICKOFF + timedelta(minutes=30), one_x_two(2.1, 3.4, 3.5), one_x_two(2.2, 3.3, 3.5)),
]
OVER_UNDER = {2.5: (1.85, 1.95), 3.5: (2.6, 1.45)}  # BetPawa, unchanged in every run
Series = dict[tuple[Platform, str], list[tuple[datetime, float | None]]]


def _over_under(line: float, over: float, under: float) -> Market:
    return Market("5000", "Over/Under - FT", (Outcome("Over", over), Outcome("Under", under)), line=line)


def _store(dsn: str, runs: Sequence[Run], kickoff: datetime = KICKOFF) -> None:
    totals = [_over_under(line, *prices) for line, prices in OVER_UNDER.items()]
    for at, bp, sb in runs:
        sites = {
            BP: event_on(BP, SR, kickoff, [bp, *totals]),
            SB: event_on(SB, SR, kickoff, [] if sb is None else [sb]),
        }
        store(dsn, [sites], at)


def _expected(runs: Sequence[Run]) -> Series:
    """Per site and outcome a point whenever its open price (None: closed or unlisted) changed."""
    series: Series = {}
    for at, bp, sb in runs:
        for p, m in ((BP, bp), (SB, sb)):
            for name in "1X2":
                out = None if m is None else next(x for x in m.outcomes if x.name == name)
                price = out.odds if out is not None and out.is_active else None
                points = series.setdefault((p, name), [])
                if not points or points[-1][1] != price:
                    points.append((at, price))
    return series


def _token(at: datetime, odds: float | None, fmt: str) -> str:
    return f"{at:{fmt}} {'closed' if odds is None else f'{odds:.2f}'}"


def _parse(out: str) -> dict[tuple[str, str], dict[str, str]]:
    """(group line, outcome) -> {"opening": ..., "latest": ..., "closing": ..., "changes": ...}."""
    got: dict[tuple[str, str], dict[str, str]] = {}
    group = outcome = ""
    for line in out.splitlines():
        if line.split(" ")[0] in {p.value for p in Platform}:
            group = line
        elif line.startswith(" " * 13) and group:  # the changes, continued
            got[(group, outcome)]["changes"] += "  " + line.strip()
        elif line.startswith("    ") and group:
            name, _, value = line.strip().partition(" ")
            got[(group, outcome)][name] = value.strip()
        elif line.startswith("  ") and group:
            outcome = line.strip()
            got[(group, outcome)] = {}
    return got


def _check(got: dict[tuple[str, str], dict[str, str]], series: Series, fmt: str, started: bool) -> None:
    assert {(g.split(" ")[0], o) for g, o in got} == {(p.value, o) for p, o in series}
    for (p, name), points in series.items():
        shown = got[(p.value, name)]
        assert shown["changes"] == "  ".join(_token(at, odds, fmt) for at, odds in points)
        opening = next((at, o) for at, o in points if o is not None)
        assert shown["opening"] == f"{opening[1]:.2f} at {opening[0]:{fmt}}"
        at, odds = points[-1]
        assert shown["latest"] == f"{'closed' if odds is None else f'{odds:.2f}'} at {at:{fmt}}"
        if started:
            at, odds = [pt for pt in points if pt[0] <= KICKOFF][-1]
            assert shown["closing"] == f"{'closed' if odds is None else f'{odds:.2f}'} at {at:{fmt}}"
        else:
            assert "closing" not in shown


def test_every_change_in_order_with_opening_latest_and_closing(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(db_dsn, RUNS)
    code, out, err = cli(capsys, "movement", SR, "3743", "--dsn", db_dsn)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0]
        == f"{SR}  market 3743  kickoff 2026-05-06 11:00 UTC (started)"
    )
    assert lines[1] == "times UTC on 2026-05-06"  # every run on one day: HH:MM
    series = _expected(RUNS)
    _check(_parse(out), series, "%H:%M", started=True)
    assert "    changes  08:00 2.00  09:30 2.05  11:30 2.10" in lines  # BetPawa's "1", spelled out
    assert _parse(out)[("sportybet", "X")]["changes"] == "08:00 3.30  10:45 closed  11:30 3.30"

    # a run on the next day: every time shown gets its date
    next_day = (KICKOFF + timedelta(hours=20), one_x_two(2.15, 3.4, 3.5), one_x_two(2.2, 3.3, 3.5))
    _store(db_dsn, [next_day])
    code, out, _ = cli(capsys, "movement", SR, "3743", "--dsn", db_dsn)
    assert code == 0 and out.splitlines()[1] == "times UTC"
    _check(_parse(out), _expected([*RUNS, next_day]), "%Y-%m-%d %H:%M", started=True)


def test_one_line_the_json_and_a_market_never_stored(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    _store(db_dsn, RUNS[:2])
    code, out, _ = cli(capsys, "movement", SR, "5000", "--line", "3.5", "--dsn", db_dsn)
    assert code == 0
    got = _parse(out)
    assert set(got) == {("betpawa  line 3.5", "Over"), ("betpawa  line 3.5", "Under")}
    first = RUNS[0][0]
    assert got[("betpawa  line 3.5", "Over")]["changes"] == f"{first:%H:%M} {OVER_UNDER[3.5][0]:.2f}"

    code, out, _ = cli(capsys, "movement", SR, "5000", "--dsn", db_dsn, "--json")
    assert code == 0 and len(out.splitlines()) == 1

    async def read(reads: ComparisonRepository) -> dict[str, object]:
        return (await reads.movement(sportradar_id=SR, market_id="5000")).to_dict()

    as_json = json.loads(out)
    assert as_json == library(db_dsn, read)
    assert {o["line"] for o in as_json["outcomes"]} == {2.5, 3.5}

    code, out, _ = cli(capsys, "movement", SR, "3795", "--dsn", db_dsn)
    assert code == 0 and out.splitlines()[-1] == f"no stored prices of market 3795 for {SR}"


def test_before_kickoff_there_is_no_closing_line(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    kickoff = now + timedelta(hours=2)
    runs: list[Run] = [
        (now - timedelta(minutes=30), one_x_two(2.0, 3.4, 3.6), one_x_two(2.1, 3.3, 3.5)),
        (now - timedelta(minutes=10), one_x_two(1.95, 3.5, 3.6), one_x_two(2.1, 3.3, 3.4)),
    ]
    _store(db_dsn, runs, kickoff)
    code, out, _ = cli(capsys, "movement", SR, "3743", "--dsn", db_dsn)
    assert code == 0 and out.splitlines()[0].endswith("(not started)")
    one_day = len({at.date() for at, _, _ in runs}) == 1
    _check(_parse(out), _expected(runs), "%H:%M" if one_day else "%Y-%m-%d %H:%M", started=False)
