"""``oddsstore event`` on a real PostgreSQL: the genuine SR 68995116 payloads and hand-made events, the
table's prices, margins, fair odds and availability checked against figures computed here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cli_reads_kit import B9, BEST, BP, GAP, SB, SITES, cells, cli, library, margin, price, store
from reads_kit import event_on, genuine, one_x_two

from oddsstore.models import Market, Outcome
from oddsstore.reads import ComparisonRepository

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
Key = tuple[object, ...]
BTTS = Market("3795", "BTTS", (Outcome("Yes", 1.8), Outcome("No", 1.95, is_active=False)))  # no fair odds


def _key(m: Market) -> Key:
    return (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away)


def _parse(out: str) -> list[tuple[str, dict[str, str], list[tuple[dict[str, str], str]]]]:
    """Per market row: its label, its cells, and per outcome the row's cells and the fair row."""
    markets: list[tuple[str, dict[str, str], list[tuple[dict[str, str], str]]]] = []
    above = ""  # a label too long for its column, on the line above the margins
    for line in out.splitlines():
        if line.startswith("availability:"):
            break
        if line.endswith("  margin"):
            markets.append((line[:31].strip() or above, cells(line), []))
        elif line and not line.startswith(" "):
            above = line
        elif line.startswith("    fair"):
            row, _ = markets[-1][2][-1]
            markets[-1][2][-1] = (row, line)
        elif markets and line.startswith("  ") and not line.startswith("   "):
            markets[-1][2].append((cells(line), ""))
    return markets


def test_every_market_side_by_side_with_margins_fair_odds_and_availability(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = genuine()
    store(db_dsn, [sites], sites[BP].kickoff - timedelta(hours=3))
    code, out, err = cli(capsys, "event", "68995116", "--dsn", db_dsn)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    bp = sites[BP]
    title = f"{bp.kickoff:%Y-%m-%d %H:%M}  68995116  {bp.home_team} v {bp.away_team}  ({bp.tournament})"
    assert len(title) > 80 and lines[0] == title[:79] + "…"  # the tournament's name is cut
    offered = {p: {_key(m): m for m in e.markets} for p, e in sites.items()}
    every = set().union(*offered.values())
    markets = _parse(out)
    assert len(markets) == len(every)

    # 1X2: each site's margin, prices, fair odds (multiplicative: odds * book) and the consensus
    _, row, outcomes = next(m for m in markets if m[0] == "1X2 - FT")
    prices = {
        p: [o.odds for o in next(m for m in e.markets if m.market_id == "3743").outcomes]
        for p, e in sites.items()
    }
    assert {p: row[p.value] for p in SITES} == {p: f"{margin(v):.2f}%" for p, v in prices.items()}
    books = {p: sum(1 / o for o in v) for p, v in prices.items()}
    assert [o["label"] for o, _ in outcomes] == ["1", "X", "2"]
    for i, (outcome, fair) in enumerate(outcomes):
        assert {p: outcome[p.value] for p in SITES} == {p: price(v[i]) for p, v in prices.items()}
        assert fair.startswith("    fair")
        assert {p: cells(fair)[p.value] for p in SITES} == {
            p: f"{v[i] * books[p]:.2f}" for p, v in prices.items()
        }
        mean = sum((1 / v[i]) / books[p] for p, v in prices.items()) / 3
        assert (fair[BEST].strip(), fair[GAP].strip()) == ("consensus", f"{1 / mean:.2f}")

    # Over/Under 5.5: Bet9ja lists "Over" only, so it has neither margin nor fair odds
    _, ou_row, ou = next(m for m in markets if m[0] == "Total Score Over/Under - FT 5.5")
    assert ou_row[B9.value] == "-" and all(cells(fair)[B9.value] == "-" for _, fair in ou)

    lacking = {k: [p for p in SITES if k not in offered[p]] for k in every}
    lacking = {k: v for k, v in lacking.items() if v}
    assert len(lacking) > 1
    assert f"availability: {len(lacking)} market lines not on every site" in lines
    assert lacking[("5000", 1.0, None, None, None)] == [BP, B9]
    assert "  Over/Under - Full Time 1  on sportybet, not betpawa,bet9ja" in lines
    assert lines[-1] == "sites with nothing stored: none"


def test_at_a_moment_missing_sites_and_the_json(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    kickoff = NOW + timedelta(hours=4)
    first, later = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    store(
        db_dsn,
        [
            {
                BP: event_on(BP, "7200", kickoff, [one_x_two(2.0, 3.4, 3.6)]),
                SB: event_on(SB, "7200", kickoff, [one_x_two(2.1, 3.3, 3.5)]),
            }
        ],
        first,
    )
    store(
        db_dsn,
        [
            {
                BP: event_on(BP, "7200", kickoff, [one_x_two(2.2, 3.2, 3.1, closed="2"), BTTS]),
                SB: event_on(SB, "7200", kickoff, [one_x_two(2.1, 3.3, 3.5)]),
            }
        ],
        later,
    )
    code, out, _ = cli(capsys, "event", "7200", "--dsn", db_dsn)
    assert code == 0
    (_, row, now_outcomes), (btts_label, _, btts) = _parse(out)  # by market id: 3743, 3795
    assert [o[BP.value] for o, _ in now_outcomes] == ["2.20", "3.20", "-"]  # "2" closed
    assert row[BP.value] == "-" and row[B9.value] == ""  # no complete set; Bet9ja has nothing stored
    assert [cells(fair)[BP.value] for _, fair in now_outcomes] == ["-", "-", "-"]
    book = 1 / 2.1 + 1 / 3.3 + 1 / 3.5  # SportyBet's complete set: fair odds = odds * book
    assert [cells(fair)[SB.value] for _, fair in now_outcomes] == [f"{o * book:.2f}" for o in (2.1, 3.3, 3.5)]
    assert btts_label == "BTTS" and [(o["label"], fair) for o, fair in btts] == [("Yes", ""), ("No", "")]
    assert out.splitlines()[-1] == "sites with nothing stored: bet9ja"

    moment = (first + timedelta(minutes=30)).isoformat()
    code, out, _ = cli(capsys, "event", "7200", "--dsn", db_dsn, "--at", moment)
    assert code == 0
    ((_, row, then_outcomes),) = _parse(out)
    assert [o[BP.value] for o, _ in then_outcomes] == ["2.00", "3.40", "3.60"]
    assert row[BP.value] == f"{margin([2.0, 3.4, 3.6]):.2f}%"

    code, out, _ = cli(capsys, "event", "7200", "--dsn", db_dsn, "--at", moment, "--method", "shin", "--json")
    assert code == 0 and len(out.splitlines()) == 1

    async def read(reads: ComparisonRepository) -> dict[str, object]:
        at = datetime.fromisoformat(moment)
        return (await reads.event(sportradar_id="7200", at=at, method="shin")).to_dict()

    got = json.loads(out)
    assert got == library(db_dsn, read)
    assert got["method"] == "shin" and got["markets"][0]["outcomes"][0]["odds"] == {
        "betpawa": 2.0,
        "sportybet": 2.1,
    }


def test_an_unknown_event_is_one_line_and_status_1(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "event", "nope", "--dsn", db_dsn)
    assert (code, out) == (1, "")
    assert err == "oddsstore event: unknown event: no site lists sportradar id 'nope'\n"
    code, out, err = cli(capsys, "movement", "nope", "3743", "--dsn", db_dsn)
    assert (code, out) == (1, "")
    assert err == "oddsstore movement: unknown event: no site lists sportradar id 'nope'\n"
