"""Board, event side by side and movement against a real PostgreSQL: batches stored through
``store_batch``, every figure checked against values computed here from the batches themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
import attrs
import pytest
from reads_kit import batch_of, event_on, genuine, one_x_two

from oddsstore.models import EventOdds, Market, Outcome, Platform
from oddsstore.reads import CORE, ComparisonRepository, MarketPick, UnknownEvent
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"
BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
KICKOFF = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)  # SR 68995116
T0 = KICKOFF - timedelta(hours=3)


async def _store(conn: Conn, events: Sequence[dict[Platform, EventOdds]], at: datetime) -> None:
    run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
    result = await store_batch(conn, batch_of(events, at), run)
    assert not result.errors


def _reads(conn: Conn, now: datetime = T0) -> ComparisonRepository:
    return ComparisonRepository(conn, clock=lambda: now)


def _margin(prices: Sequence[float]) -> float:
    return (sum(1 / p for p in prices) - 1) * 100


async def test_board_on_the_genuine_payloads(conn: Conn) -> None:
    sites = genuine()
    await _store(conn, [sites], T0)
    board = await _reads(conn).board()
    assert [e.sportradar_id for e in board.events] == ["68995116"]
    event = board.events[0]
    assert (event.home_team, event.kickoff, event.tournament) == (
        sites[BP].home_team,
        KICKOFF,
        sites[BP].tournament,
    )

    # the main Asian handicap line: BetPawa's 3774 line with the two closest prices
    ah = [m for m in sites[BP].markets if m.market_id == "3774"]
    main = min(ah, key=lambda m: abs(m.outcomes[0].odds - m.outcomes[1].odds)).line
    wanted = [("3743", None), ("5000", 2.5), ("3795", None), ("4693", None), ("4703", None), ("3774", main)]
    assert [(m.market_id, m.line) for m in event.markets] == wanted
    for market in event.markets:
        listed = {
            p: next(m for m in e.markets if (m.market_id, m.line) == (market.market_id, market.line))
            for p, e in sites.items()
            if any((m.market_id, m.line) == (market.market_id, market.line) for m in e.markets)
        }
        assert market.sites == tuple(listed)
        for p, m in listed.items():
            assert market.margins[p] == pytest.approx(_margin([o.odds for o in m.outcomes]))
        assert [o.name for o in market.outcomes] == [o.name for o in listed[BP].outcomes]
        for outcome in market.outcomes:
            prices = {
                p: next(o.odds for o in m.outcomes if o.name == outcome.name) for p, m in listed.items()
            }
            assert dict(outcome.odds) == prices
            best = max((p for p in (SB, B9) if p in prices), key=lambda p: prices[p])
            assert (outcome.best_competitor, outcome.best_competitor_odds) == (best, prices[best])
            assert outcome.gap_pct == pytest.approx((prices[BP] / prices[best] - 1) * 100)
            assert outcome.behind == (prices[best] > prices[BP])
    as_json = board.to_dict()
    first = as_json["events"][0]["markets"][0]  # type: ignore[index]
    assert first["market_id"] == "3743" and first["line"] is None
    assert first["outcomes"][0]["odds"] == {"betpawa": 2.41, "sportybet": 2.4, "bet9ja": 2.42}


async def test_closed_prices_never_count_and_behind_filters(conn: Conn) -> None:
    k = T0 + timedelta(hours=2)
    a = {  # SportyBet pays more on "1"; Bet9ja's higher X is closed
        BP: event_on(BP, "9001", k, [one_x_two(2.0, 3.4, 3.6)]),
        SB: event_on(SB, "9001", k, [one_x_two(2.1, 3.3, 3.5)]),
        B9: event_on(B9, "9001", k, [one_x_two(2.05, 3.5, 3.4, closed="X")]),
    }
    b = {  # BetPawa ahead on every outcome
        BP: event_on(BP, "9002", k + timedelta(minutes=1), [one_x_two(2.5, 3.3, 3.0)]),
        SB: event_on(SB, "9002", k + timedelta(minutes=1), [one_x_two(2.4, 3.2, 2.9)]),
    }
    early = {BP: event_on(BP, "9003", T0 - timedelta(minutes=30), [one_x_two(2.0, 3.0, 4.0)])}
    other = {BP: event_on(BP, "9004", k, [one_x_two(1.5, 4.0, 6.0)], tournament="Other Cup")}
    await _store(conn, [a, b, early, other], T0 - timedelta(hours=1))

    board = await _reads(conn).board(markets=["3743"])
    assert [e.sportradar_id for e in board.events] == [
        "9001",
        "9004",
        "9002",
    ]  # kickoff, then id; 9003 started
    market = board.events[0].markets[0]
    assert market.margins == {
        BP: pytest.approx(_margin([2.0, 3.4, 3.6])),
        SB: pytest.approx(_margin([2.1, 3.3, 3.5])),
        B9: None,
    }
    one, draw, two = market.outcomes
    assert (one.best_competitor, one.best_competitor_odds, one.behind) == (SB, 2.1, True)
    assert one.gap_pct == pytest.approx((2.0 / 2.1 - 1) * 100) and one.gap_pct is not None and one.gap_pct < 0
    assert draw.odds[B9] is None  # closed: listed, not priced
    assert (draw.best_competitor, draw.best_competitor_odds, draw.behind) == (SB, 3.3, False)
    assert draw.gap_pct == pytest.approx((3.4 / 3.3 - 1) * 100)
    assert (two.best_competitor, two.best_competitor_odds) == (SB, 3.5)
    assert not any(o.behind for o in board.events[2].markets[0].outcomes)

    behind = await _reads(conn).board(markets=["3743"], only_behind=True)
    assert [(e.sportradar_id, [[o.name for o in m.outcomes] for m in e.markets]) for e in behind.events] == [
        ("9001", [["1"]])
    ]
    cup = await _reads(conn).board(markets=["3743"], tournament="Other Cup")
    assert [e.sportradar_id for e in cup.events] == ["9004"]
    window = await _reads(conn).board(markets=["3743"], kickoff_to=k)
    assert [e.sportradar_id for e in window.events] == ["9001", "9004"]


async def test_event_side_by_side_and_availability_on_the_genuine_payloads(conn: Conn) -> None:
    sites = genuine()
    await _store(conn, [sites], T0)
    cmp = await _reads(conn).event(sportradar_id="68995116")
    assert cmp.captured_at == {BP: T0, SB: T0, B9: T0} and cmp.missing_sites == ()

    def key(m: Market) -> tuple[object, ...]:
        return (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away)

    offered = {p: {key(m) for m in e.markets} for p, e in sites.items()}
    every = set().union(*offered.values())
    assert {m.key for m in cmp.markets} == every
    lacking = {k: {p for p in sites if k not in offered[p]} for k in every}
    assert {a.key: set(a.missing_on) for a in cmp.availability} == {k: v for k, v in lacking.items() if v}
    assert (("5000", 1.0, None, None, None), frozenset({BP, B9})) in {
        (a.key, frozenset(a.missing_on)) for a in cmp.availability
    }

    over_under = next(m for m in cmp.markets if m.key == ("5000", 5.5, None, None, None))
    assert over_under.margins[B9] is None and over_under.fair_odds[B9] is None  # Bet9ja lists "Over" only
    one_x_two_ = next(m for m in cmp.markets if m.market_id == "3743")
    prices = {
        p: [o.odds for o in next(m for m in e.markets if m.market_id == "3743").outcomes]
        for p, e in sites.items()
    }
    books = {p: sum(1 / o for o in v) for p, v in prices.items()}
    for p, v in prices.items():
        assert one_x_two_.fair_odds[p] == pytest.approx(
            dict(zip("1X2", [o * books[p] for o in v], strict=True))
        )
    mean = {n: sum((1 / prices[p][i]) / books[p] for p in prices) / 3 for i, n in enumerate("1X2")}
    assert one_x_two_.consensus_fair_odds == pytest.approx({n: 1 / q for n, q in mean.items()})
    expected_value = {
        (p.value, n) for p in prices for i, n in enumerate("1X2") if prices[p][i] * mean[n] - 1 >= 0.03
    }
    assert {(v.platform, v.outcome) for v in one_x_two_.value} == expected_value
    assert cmp.to_dict()["sportradar_id"] == "68995116"


async def test_event_at_an_earlier_moment_equals_that_state(conn: Conn) -> None:
    k = T0 + timedelta(hours=2)
    first = {
        BP: event_on(BP, "9200", k, [one_x_two(2.0, 3.4, 3.6)]),
        SB: event_on(SB, "9200", k, [one_x_two(2.1, 3.3, 3.5)]),
    }
    await _store(conn, [first], T0)
    then = await _reads(conn).event(sportradar_id="9200")
    later = {
        BP: event_on(BP, "9200", k, [one_x_two(2.2, 3.2, 3.1, closed="2")]),
        SB: event_on(SB, "9200", k, [Market("3795", "BTTS", (Outcome("Yes", 1.8), Outcome("No", 1.95)))]),
    }
    await _store(conn, [later], T0 + timedelta(minutes=5))
    now = await _reads(conn).event(sportradar_id="9200")
    assert now != attrs.evolve(then, at=None)
    assert {m.market_id for m in now.markets} == {"3743", "3795"}
    past = await _reads(conn).event(sportradar_id="9200", at=T0 + timedelta(minutes=1))
    assert past == attrs.evolve(then, at=T0 + timedelta(minutes=1))


async def test_movement_lists_every_stored_change(conn: Conn) -> None:
    kickoff = T0 + timedelta(minutes=12)
    runs = [  # (time, BetPawa 1X2, SportyBet 1X2); None: the site returned the event without the market
        (T0, one_x_two(2.0, 3.4, 3.6), one_x_two(2.1, 3.3, 3.5)),
        (T0 + timedelta(minutes=5), one_x_two(2.05, 3.4, 3.6), one_x_two(2.1, 3.3, 3.5)),
        (T0 + timedelta(minutes=10), one_x_two(2.05, 3.4, 3.5, closed="X"), None),
        (T0 + timedelta(minutes=15), one_x_two(2.1, 3.4, 3.5), one_x_two(2.2, 3.3, 3.5)),
    ]
    for at, bp, sb in runs:
        await _store(
            conn,
            [
                {
                    BP: event_on(BP, "9100", kickoff, [bp]),
                    SB: event_on(SB, "9100", kickoff, [] if sb is None else [sb]),
                }
            ],
            at,
        )
    # expected: per site and outcome, a point whenever the open price (None: closed or unlisted) changed
    expected: dict[tuple[Platform, str], list[tuple[datetime, float | None]]] = {}
    for at, bp, sb in runs:
        for p, m in ((BP, bp), (SB, sb)):
            for name in "1X2":
                out = None if m is None else next(x for x in m.outcomes if x.name == name)
                price = out.odds if out is not None and out.is_active else None
                points = expected.setdefault((p, name), [])
                if not points or points[-1][1] != price:
                    points.append((at, price))

    move = await _reads(conn, now=T0 + timedelta(minutes=20)).movement(sportradar_id="9100", market_id="3743")
    assert move.started and move.kickoff == kickoff
    got = {(o.platform, o.outcome): o for o in move.outcomes}
    assert set(got) == set(expected)
    for k, points in expected.items():
        o = got[k]
        assert [(c.captured_at, c.odds) for c in o.changes] == points
        assert o.opening is not None and (o.opening.captured_at, o.opening.odds) == points[0]
        assert o.latest is not None and (o.latest.captured_at, o.latest.odds) == points[-1]
        closing = [pt for pt in points if pt[0] <= kickoff][-1]
        assert o.closing is not None and (o.closing.captured_at, o.closing.odds) == closing
    assert [(c.captured_at, c.odds) for c in got[(BP, "X")].changes][1] == (T0 + timedelta(minutes=10), None)

    since = T0 + timedelta(minutes=6)
    before = await _reads(conn, now=T0).movement(sportradar_id="9100", market_id="3743", since=since)
    assert not before.started and all(o.closing is None for o in before.outcomes)
    for o in before.outcomes:
        assert [(c.captured_at, c.odds) for c in o.changes] == [
            pt for pt in expected[(o.platform, o.outcome)] if pt[0] >= since
        ]
        assert o.opening is not None and o.opening.captured_at == T0  # opening over the whole history
    assert (await _reads(conn).movement(sportradar_id="9100", market_id="3795")).outcomes == ()


async def test_unknown_events_and_bad_parameters(conn: Conn) -> None:
    await _store(conn, [{BP: event_on(BP, "9300", T0 + timedelta(hours=1), [one_x_two(2.0, 3.4, 3.6)])}], T0)
    reads = _reads(conn)
    with pytest.raises(UnknownEvent, match="'nope'") as info:
        await reads.event(sportradar_id="nope")
    assert isinstance(info.value, LookupError)
    with pytest.raises(UnknownEvent):
        await reads.movement(sportradar_id="nope", market_id="3743")
    with pytest.raises(ValueError, match="after kickoff_to"):
        await reads.board(kickoff_from=T0 + timedelta(hours=2), kickoff_to=T0)
    with pytest.raises(ValueError, match="aware"):
        await reads.board(kickoff_from=datetime(2026, 5, 6))
    with pytest.raises(ValueError, match="bad market id"):
        await reads.movement(sportradar_id="9300", market_id="37 43;")
    with pytest.raises(ValueError, match="bad market pick"):
        await reads.board(markets=["5000@over"])
    with pytest.raises(ValueError, match="at least one"):
        await reads.board(markets=[])
    assert CORE[0] == MarketPick("3743") and MarketPick.parse("3774@main") == CORE[-1]


def _comparison_example() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Comparing prices (library)", 1)[1]
    return str(re.findall(r"```python\n(.*?)```", section, flags=re.S)[0])


async def test_the_readme_comparison_example_runs(conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    block = _comparison_example()
    now = datetime.now(UTC)
    kickoff = now + timedelta(hours=2)
    sites = {p: attrs.evolve(e, kickoff=kickoff) for p, e in genuine().items()}
    await _store(conn, [sites], now - timedelta(minutes=1))
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    await namespace["compare"](conn)
    out = capsys.readouterr().out
    behind = [
        (m.market_id, o.name)
        for m in (await ComparisonRepository(conn).board(only_behind=True)).events[0].markets
        for o in m.outcomes
    ]
    assert behind and all(f"68995116 {market_id} " in out for market_id, _ in behind)
    assert "'market_id': '5000', 'line': 2.5" in out and "'offered_by'" in out
