"""The pure layout of a batch: validation reasons, column alignment, status rows (no database)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import orjson
import pytest
from batch_layout import build_batch_rows
from hypothesis import given
from hypothesis import strategies as st

from oddsstore.devtools.batches import make_batch
from oddsstore.models import EventOdds, Market, Outcome, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.repositories.odds_codec import decode_odds
from oddsstore.storage.validation import format_rejections, market_problem


def _m(*odds: float, **kw: object) -> Market:
    fields: dict[str, object] = {
        "market_id": "1",
        "market_name": "M",
        "outcomes": tuple(Outcome("o", o) for o in odds),
    }
    fields.update(kw)
    return Market(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("market", "reason"),
    [
        (_m(1.5, 2.5), None),
        (_m(1.5, 2.5, line=-0.25, handicap_type="asian", handicap_home=-0.25, handicap_away=0.25), None),
        (_m(), "empty_outcomes"),
        (_m(math.nan), "non_finite_odds"),
        (_m(1.2, math.inf), "non_finite_odds"),
        (_m(1.2, -math.inf), "non_finite_odds"),
        (_m(0.0), "non_positive_odds"),
        (_m(-3.0), "non_positive_odds"),
        (_m(True), "invalid_odds"),
        (_m("2.0"), "invalid_odds"),  # type: ignore[arg-type]
        (_m(1.5, market_name="a\x00b"), "nul_in_text"),
        (_m(1.5, market_id="\x00"), "nul_in_text"),
        (Market("1", "M", (Outcome("a\x00", 1.5),)), "nul_in_text"),
        (_m(1.5, groups=("ok", "b\x00")), "nul_in_text"),
        (_m(1.5, line=math.nan), "non_finite_line"),
        (_m(1.5, handicap_type="asian", handicap_home=math.inf), "non_finite_line"),
        (_m(1.5, handicap_type="sideways"), "invalid_handicap_type"),
    ],
)
def test_market_problem(market: Market, reason: str | None) -> None:
    assert market_problem(market) == reason


def test_format_rejections_keeps_first_seen_order() -> None:
    assert format_rejections({"non_finite_odds": 1, "empty_outcomes": 1}) == (
        "rejected 2 markets: non_finite_odds=1, empty_outcomes=1"
    )
    assert format_rejections({"nul_in_text": 1}) == "rejected 1 market: nul_in_text=1"


def test_columns_are_aligned_and_outcomes_encoded() -> None:
    batch = make_batch(seed=7, events=5, markets_per_snapshot=12, failure_rate=0.3)
    rows = build_batch_rows(batch)

    for bundle in (rows.events, rows.competitor_events, rows.statuses):
        lengths = {len(getattr(bundle, f)) for f in bundle.__slots__ if not f.startswith("__")}
        assert len(lengths) == 1
    for side in (rows.betpawa, rows.competitors):
        market_lengths = {
            len(getattr(side.markets, f)) for f in side.markets.__slots__ if not f.startswith("__")
        }
        assert market_lengths == {sum(side.market_counts)}
        assert len(side.snapshots) == len(side.keys) == len(side.market_counts) == len(side.platforms)
        assert side.snapshots.markets_stored == side.market_counts
        assert set(side.markets.snapshot_ord) <= set(range(1, len(side.keys) + 1))

    ok_sites = [(e, r) for e in batch.events for r in e.results if r.odds is not None]
    assert len(rows.betpawa.keys) + len(rows.competitors.keys) == len(ok_sites)
    assert len(rows.statuses) == 5
    first_betpawa = next(r.odds for e, r in ok_sites if r.platform is Platform.BETPAWA)
    assert first_betpawa is not None
    market = first_betpawa.markets[0]
    assert rows.betpawa.markets.key[0] == (
        market.market_id,
        market.line,
        market.handicap_type,
        market.handicap_home,
        market.handicap_away,
    )
    assert rows.betpawa.markets.shape[0] == (
        market.market_name,
        tuple(o.name for o in market.outcomes),
        market.groups,
    )
    assert decode_odds(rows.betpawa.markets.odds[0]) == tuple(
        o.odds if o.is_active else -o.odds for o in market.outcomes
    )
    failed = sum(1 for e in batch.events for r in e.results if r.error is not None)
    assert len(rows.errors) == failed


@given(
    st.lists(
        st.lists(
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=1.01, max_value=50)
            ),
            min_size=0,
            max_size=3,
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_market_is_either_stored_or_counted(odds_lists: list[list[float]]) -> None:
    markets = tuple(
        Market(market_id=str(i), market_name="M", outcomes=tuple(Outcome("o", o) for o in odds))
        for i, odds in enumerate(odds_lists)
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    odds = EventOdds(Platform.SPORTYBET, "sr:1", "e1", now, "H", "A", markets)
    event = ScrapedEvent(
        "sr:1", (Platform.SPORTYBET,), (SiteResult(Platform.SPORTYBET, odds=odds),), scraped_at=now
    )
    rows = build_batch_rows(ScrapeBatch(events=(event,)))

    stored = rows.competitors.market_counts[0]
    rejected = orjson.loads(rows.competitors.snapshots.rejected_json[0])
    assert stored + sum(rejected.values()) == len(markets)
    for data in rows.competitors.markets.odds:
        for price in decode_odds(data):
            assert 0 < abs(price) < math.inf
    details = rows.statuses.error_details_json[0]
    assert (details is None) == (not rejected)


def test_markets_by_snapshot_and_markets_of_created_snapshots() -> None:
    rows = build_batch_rows(make_batch(seed=3, events=3, markets_per_snapshot=4))
    side = rows.competitors
    side.bind_owners({key: 100 + i for i, key in enumerate(side.keys)})
    spans = side.markets_by_snapshot()
    assert [len(s) for s in spans] == [4] * len(side.keys)
    assert all(side.markets.snapshot_ord[j] == i + 1 for i, span in enumerate(spans) for j in span)
    created = [side.snapshots.owner_id[0], side.snapshots.owner_id[2]]
    assert side.markets_of(created) == 8


def test_a_repeated_market_key_in_one_snapshot_is_refused_as_duplicate() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    a = Market("1", "M", (Outcome("x", 1.5), Outcome("y", 2.5)), line=1.5)
    b = Market("1", "M again", (Outcome("x", 1.6),), line=1.5)
    c = Market("1", "M", (Outcome("x", 1.5),), line=2.5)
    odds = EventOdds(Platform.BETPAWA, "sr:1", "e1", now, "H", "A", (a, b, c))
    event = ScrapedEvent(
        "sr:1", (Platform.BETPAWA,), (SiteResult(Platform.BETPAWA, odds=odds),), scraped_at=now
    )
    rows = build_batch_rows(ScrapeBatch(events=(event,)))
    assert rows.betpawa.market_counts == [2]
    assert [k[4 - 3] for k in rows.betpawa.markets.key] == [1.5, 2.5]
    assert orjson.loads(rows.betpawa.snapshots.rejected_json[0]) == {"duplicate_market": 1}
    assert rows.statuses.error_details_json[0] is not None
    assert "duplicate_market=1" in rows.statuses.error_details_json[0]
