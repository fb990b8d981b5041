"""``oddsstore board`` on a real PostgreSQL: events stored with known prices (kickoffs relative to now),
the table, ``--json`` and ``--csv`` checked against figures computed here from those prices."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from cli_reads_kit import B9, BP, SB, SITES, cells, cli, library, margin, price, store
from reads_kit import event_on, one_x_two

from oddsstore.models import EventOdds, Market, Outcome, Platform
from oddsstore.reads import ComparisonRepository

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
A, B, LATER, PAST = "7001", "7002", "7003", "7004"
# Stored prices: (1, X, 2) per site, None: the site does not list 1X2 for the event; "X" closed on Bet9ja
ONE_X_TWO: dict[str, dict[Platform, tuple[float, float, float]]] = {
    A: {BP: (2.0, 3.4, 3.6), SB: (2.1, 3.3, 3.5), B9: (2.05, 3.5, 3.4)},
    B: {BP: (2.5, 3.3, 3.0), SB: (2.4, 3.2, 2.9)},  # BetPawa ahead everywhere
}
CLOSED = {(A, B9): "X"}
OVER_UNDER = {BP: (1.85, 1.95), SB: (1.9, 1.9)}  # A's Over/Under 2.5; not on Bet9ja
HEADER = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d)  (\S+)  (.*)$")


def _over_under(over: float, under: float) -> Market:
    return Market("5000", "Over/Under - FT", (Outcome("Over", over), Outcome("Under", under)), line=2.5)


def _events() -> list[dict[Platform, EventOdds]]:
    kickoffs = {A: NOW + timedelta(hours=2), B: NOW + timedelta(hours=5)}
    events = []
    for sr, sites in ONE_X_TWO.items():
        event = {}
        for p, (a, x, b) in sites.items():
            markets = [one_x_two(a, x, b, closed=CLOSED.get((sr, p)))]
            if sr == A and p in OVER_UNDER:
                markets.append(_over_under(*OVER_UNDER[p]))
            event[p] = event_on(p, sr, kickoffs[sr], markets)
        events.append(event)
    events.append({BP: event_on(BP, LATER, NOW + timedelta(hours=30), [one_x_two(2.0, 3.0, 4.0)])})
    events.append({BP: event_on(BP, PAST, NOW - timedelta(hours=1), [one_x_two(2.0, 3.0, 4.0)])})
    return events


@pytest.fixture
def dsn(db_dsn: str) -> str:
    store(db_dsn, _events(), NOW - timedelta(minutes=10))
    return db_dsn


def _parse(out: str) -> dict[str, dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]]:
    """sportradar id -> market label -> (the market row's cells, outcome name -> the row's cells)."""
    board: dict[str, dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]]] = {}
    markets: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]] = {}
    market: tuple[dict[str, str], dict[str, dict[str, str]]] = ({}, {})
    for line in out.splitlines():
        if header := HEADER.match(line):
            markets = board.setdefault(header[2], {})
        elif line.endswith("  margin"):
            market = (cells(line), {})
            markets[line[:31].strip()] = market
        elif line.startswith("  ") and line.strip() and markets:
            row = cells(line)
            market[1][row["label"]] = row
    return board


def _expected_outcome(prices: dict[Platform, float | None]) -> dict[str, str]:
    """The cells of an outcome row from the stored prices (None: closed)."""
    competitors = {p: o for p, o in prices.items() if p is not BP and o is not None}
    best = max(competitors, key=lambda p: competitors[p]) if competitors else None
    bp = prices.get(BP)
    row = {p.value: price(prices.get(p), p in prices) for p in SITES}
    row["best"] = "" if best is None else best.value
    row["gap"] = "" if best is None or bp is None else f"{(bp / competitors[best] - 1) * 100:+.1f}"
    row["marker"] = "<" if best is not None and bp is not None and competitors[best] > bp else ""
    return row


def _expected_1x2(sr: str) -> dict[str, dict[str, str]]:
    rows = {}
    for i, name in enumerate("1X2"):
        prices = {p: None if CLOSED.get((sr, p)) == name else v[i] for p, v in ONE_X_TWO[sr].items()}
        rows[name] = _expected_outcome(prices)
    return rows


def test_the_table_shows_the_stored_prices_gaps_and_margins(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "board", "--dsn", dsn)
    assert (code, err) == (0, "")
    board = _parse(out)
    assert list(board) == [A, B]  # by kickoff; LATER is beyond 24 hours, PAST has started
    headers = [line for line in out.splitlines() if HEADER.match(line)]
    assert (
        headers[0] == f"{(NOW + timedelta(hours=2)):%Y-%m-%d %H:%M}  {A}  Home {A} v Away {A}  (Test League)"
    )

    market_row, outcomes = board[A]["1X2 - FT"]
    assert outcomes == {name: {"label": name, **row} for name, row in _expected_1x2(A).items()}
    assert outcomes["1"]["marker"] == "<" and outcomes["1"]["gap"] == f"{(2.0 / 2.1 - 1) * 100:+.1f}"
    assert outcomes["X"][B9.value] == "-"  # listed, closed
    margins = {p: f"{margin(v):.2f}%" for p, v in ONE_X_TWO[A].items() if (A, p) not in CLOSED}
    assert {p.value: market_row[p.value] for p in SITES} == {
        BP.value: margins[BP],
        SB.value: margins[SB],
        B9.value: "-",
    }

    ou_row, ou = board[A]["Over/Under - FT 2.5"]
    assert ou_row[B9.value] == ""  # Bet9ja does not list it: blank, not "-"
    for i, name in enumerate(("Over", "Under")):
        assert ou[name] == {"label": name, **_expected_outcome({p: v[i] for p, v in OVER_UNDER.items()})}
        assert ou[name][B9.value] == ""

    _, b_outcomes = board[B]["1X2 - FT"]
    assert b_outcomes == {name: {"label": name, **row} for name, row in _expected_1x2(B).items()}
    assert all(row["marker"] == "" and row["gap"].startswith("+") for row in b_outcomes.values())
    assert out.count(" <\n") == 2  # A's "1" and Over: the only outcomes a competitor pays more on


def test_behind_market_and_hours_filter(dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--behind")
    assert code == 0
    assert {sr: {m: set(o) for m, (_, o) in ms.items()} for sr, ms in _parse(out).items()} == {
        A: {"1X2 - FT": {"1"}, "Over/Under - FT 2.5": {"Over"}}
    }
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--market", "5000@2.5")
    shown = {sr: set(ms) for sr, ms in _parse(out).items()}
    assert code == 0 and shown == {A: {"Over/Under - FT 2.5"}, B: set()}  # B has no Over/Under
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--market", "3743", "--hours", "3")
    assert code == 0 and list(_parse(out)) == [A]  # B kicks off in 5 hours
    assert out.splitlines()[0].endswith(" UTC: 1 event")
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--market", "3743", "--hours", "48")
    assert code == 0 and list(_parse(out)) == [A, B, LATER]
    assert out.splitlines()[0].endswith(" UTC: 3 events")


def test_json_is_the_library_board(dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--json", "--market", "3743", "--market", "5000@2.5")
    assert code == 0 and len(out.splitlines()) == 1
    got = json.loads(out)
    start, end = (datetime.fromisoformat(got[k]) for k in ("kickoff_from", "kickoff_to"))
    assert end - start == timedelta(hours=24)
    assert abs(start - datetime.now(UTC)) < timedelta(minutes=2)

    async def read(reads: ComparisonRepository) -> dict[str, object]:
        board = await reads.board(kickoff_from=start, kickoff_to=end, markets=["3743", "5000@2.5"])
        return board.to_dict()

    assert got == library(dsn, read)
    assert [e["sportradar_id"] for e in got["events"]] == [A, B]
    assert got["events"][0]["markets"][0]["outcomes"][0]["odds"] == {
        "betpawa": 2.0,
        "sportybet": 2.1,
        "bet9ja": 2.05,
    }


def test_csv_has_one_row_per_outcome_with_the_stored_prices(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "board", "--dsn", dsn, "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    expected = []
    for sr in (A, B):
        for i, name in enumerate("1X2"):
            expected.append((sr, "3743", name, {p: v[i] for p, v in ONE_X_TWO[sr].items()}))
        if sr == A:
            expected += [
                (A, "5000", n, {p: v[i] for p, v in OVER_UNDER.items()})
                for i, n in enumerate(("Over", "Under"))
            ]
    assert [(r["sportradar_id"], r["market_id"], r["outcome"]) for r in rows] == [e[:3] for e in expected]
    for row, (sr, _, name, prices) in zip(rows, expected, strict=True):
        for p in SITES:
            stored = prices.get(p)
            closed = CLOSED.get((sr, p)) == name
            assert row[f"odds_{p.value}"] == ("" if stored is None or closed else repr(stored))
        assert row["behind"] == ("true" if (sr, name) in {(A, "1"), (A, "Over")} else "false")
    assert rows[0]["home_team"] == f"Home {A}" and rows[3]["line"] == "2.5"


def test_long_names_are_cut_to_80_columns(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = "Both Teams To Score And Home Team Wins Either Half"
    market = Market(
        "9999",
        "A Market Name Far Too Long To Fit Its Column At All",
        (Outcome(long_name, 4.5), Outcome("No", 1.2)),
    )
    event = {p: _long(p, market) for p in (BP, SB)}
    store(db_dsn, [event], NOW - timedelta(minutes=1))
    code, out, _ = cli(capsys, "board", "--dsn", db_dsn, "--market", "9999")  # cli() checks every width
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if HEADER.match(line))
    assert len(header) == 80 and header.endswith("…") and "Sporting Club Sporting" in header
    name_line = lines.index("A Market Name Far Too Long To Fit Its Column At All")  # a line of its own
    assert lines[name_line + 1].startswith(" " * 31) and lines[name_line + 1].endswith("  margin")
    row = next(line for line in lines if line.startswith("  Both"))
    assert row[2:31].rstrip() == long_name[:28] + "…"
    assert cells(row)[BP.value] == "4.50" and cells(row)[SB.value] == "4.50"


def _long(p: Platform, market: Market) -> EventOdds:
    base = event_on(p, "7100", NOW + timedelta(hours=1), [market], tournament="Regional League " * 4)
    return attrs.evolve(base, home_team="Sporting Club " * 4, away_team="Athletic Union " * 4)
