"""Property: mutated genuine payloads go through parse -> ScrapeBatch -> store_batch without losing track.

Hypothesis mutates the captured event bodies of the three sites (a value replaced by NaN, infinity, a
negative number, NUL text, a 10,000-character string, SQL text, a deep structure, a wrong type, or a
key deleted). Each example stores one batch (every site's mutated body as one event, plus one untouched
event) in a run of its own in one database, and the rows read back must show:

- the parser raised ``ParseError`` (the site is then recorded as failed with that reason) or returned;
  never any other exception, and ``store_batch`` never raises;
- one status row per event; each requested site is either scraped or failed, and every failed site
  has a reason in ``error_details``;
- every stored site has its snapshot, whose market rows are exactly ``markets_mapped`` minus the
  markets refused in ``markets_rejected`` (and the status row says so), and the source markets the
  parser dropped are counted in ``markets_skipped`` (SportyBet, Bet9ja: ``seen - mapped`` at least);
- the counts ``store_batch`` returned equal the rows of the run (no partial transaction), and the
  untouched event is always stored on all three sites.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import orjson
from history_sql import SNAPSHOT_MARKETS
from hypothesis import HealthCheck, given, settings
from hypothesis import event as event_note
from hypothesis import strategies as st

from oddsstore.models import ALL_PLATFORMS, EventOdds, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.parsing import ParseError, parse_event
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

FIXTURES = Path(__file__).parent.parent / "fixtures"
_FILES = {
    Platform.BETPAWA: "betpawa/event_v4_prematch_67691078.json",
    Platform.SPORTYBET: "sportybet/event_prematch_68995116.json",
    Platform.BET9JA: "bet9ja/event_prematch_68995116.json",
}
Path_ = tuple[str | int, ...]


def _deep(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


_HOSTILE: tuple[Any, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    -1.5,
    0,
    10**30,
    "",
    "bad\x00text",
    "x" * 10_000,
    "'); DROP TABLE events;--",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    _deep(300),
    None,
    True,
    [],
    {},
    "deleted",  # stands for: delete the key (or list item)
)
_DELETE = "deleted"


def _load(platform: Platform) -> Any:
    """The genuine body, trimmed to a few dozen markets so an example stays fast."""
    raw = json.loads((FIXTURES / _FILES[platform]).read_text("utf-8"))
    if platform is Platform.BETPAWA:
        raw["markets"] = raw["markets"][:20]
    elif platform is Platform.SPORTYBET:
        raw["data"]["markets"] = raw["data"]["markets"][:25]
    else:
        data = raw["D"]
        keep = sorted(data["O"])[:80]
        raw["D"] = {k: v for k, v in data.items() if k not in ("MK", "TRANS", "AUX")}
        raw["D"]["O"] = {k: data["O"][k] for k in keep}
    return raw


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    found: list[Path_] = []
    items: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(_paths(child, path))
    return found


_ORIGINALS = {p: _load(p) for p in ALL_PLATFORMS}
_PATHS = {p: _paths(_ORIGINALS[p]) for p in ALL_PLATFORMS}
_MARKET_ROOTS = {
    Platform.BETPAWA: ("markets",),
    Platform.SPORTYBET: ("data", "markets"),
    Platform.BET9JA: ("D", "O"),
}
# the event's facts (ids, teams, kickoff, tournament) are few beside the markets: drawn half the time
_FACT_PATHS = {
    p: [path for path in _PATHS[p] if path[: len(_MARKET_ROOTS[p])] != _MARKET_ROOTS[p]]
    for p in ALL_PLATFORMS
}
_KICKOFFS = {p: parse_event(p, _ORIGINALS[p]).kickoff for p in ALL_PLATFORMS}
_SCRAPED_AT = min(_KICKOFFS.values()) - timedelta(hours=2)


def _mutate(payload: Any, path: Path_, value: Any) -> None:
    parent = payload
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return  # an earlier mutation removed or replaced this branch
    last = path[-1]
    try:
        if value == _DELETE and isinstance(value, str):
            del parent[last]
        else:
            parent[last] = copy.deepcopy(value)
    except (KeyError, IndexError, TypeError):
        return


@st.composite
def mutations(draw: st.DrawFn, platform: Platform) -> list[tuple[Path_, Any]]:
    paths = _FACT_PATHS[platform] if draw(st.booleans()) else _PATHS[platform]
    count = draw(st.integers(min_value=1, max_value=6))
    return [
        (paths[draw(st.integers(0, len(paths) - 1))], draw(st.sampled_from(_HOSTILE))) for _ in range(count)
    ]


def _site_result(platform: Platform, payload: Any, event_id: str | None = None) -> SiteResult:
    try:
        odds = parse_event(platform, payload)
    except ParseError as exc:
        return SiteResult(platform=platform, error=f"parse error: {exc}", timing_ms=1)
    assert isinstance(odds, EventOdds)
    assert odds.markets_mapped == len(odds.markets)
    if event_id is not None:
        odds = attrs.evolve(odds, platform_event_id=event_id)
    return SiteResult(platform=platform, odds=odds, timing_ms=1)


_SERIAL = itertools.count(1)


def _batch(mutated: dict[Platform, Any]) -> tuple[ScrapeBatch, str]:
    serial = next(_SERIAL)
    events = [
        ScrapedEvent(
            sportradar_id=f"sr:match:{serial}{i}",
            platforms_requested=(platform,),
            results=(_site_result(platform, payload),),
            timing_ms=2,
            scraped_at=_SCRAPED_AT,
        )
        for i, (platform, payload) in enumerate(mutated.items())
    ]
    control = f"sr:match:{serial}9"
    events.append(
        ScrapedEvent(
            sportradar_id=control,
            platforms_requested=ALL_PLATFORMS,
            # its own platform ids: the mutated bodies may still carry the genuine ones
            results=tuple(_site_result(p, _ORIGINALS[p], f"control-{serial}") for p in ALL_PLATFORMS),
            timing_ms=2,
            scraped_at=_SCRAPED_AT,
        )
    )
    return ScrapeBatch(events=tuple(events)), control


# rows: the markets each snapshot holds, read from the history with the tests' own SQL
_SNAPSHOTS = f"""
SELECT 'betpawa' AS site, e.sportradar_id, s.markets_mapped, s.markets_skipped::text AS skipped,
       s.markets_rejected::text AS rejected, s.markets_seen,
       (SELECT count(*) FROM ({SNAPSHOT_MARKETS}) m
        WHERE m.bookmaker_id = 1 AND m.owner_id = s.event_id AND m.scrape_run_id = s.scrape_run_id) AS rows
FROM odds_snapshots s JOIN events e ON e.id = s.event_id WHERE s.scrape_run_id = $1
UNION ALL
SELECT e.source, e.sportradar_id, s.markets_mapped, s.markets_skipped::text, s.markets_rejected::text,
       s.markets_seen,
       (SELECT count(*) FROM ({SNAPSHOT_MARKETS}) m
        WHERE m.bookmaker_id <> 1 AND m.owner_id = s.competitor_event_id
          AND m.scrape_run_id = s.scrape_run_id)
FROM competitor_odds_snapshots s JOIN competitor_events e ON e.id = s.competitor_event_id
WHERE s.scrape_run_id = $1
"""


async def _store_and_check(dsn: str, batch: ScrapeBatch, control: str, market_copy: bool) -> None:
    conn: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        run_id = (await ScrapeRunsRepository(conn).create(trigger="property")).id
        result = await store_batch(conn, batch, run_id, market_copy=market_copy)
        statuses = {
            r["sportradar_id"]: r
            for r in await conn.fetch(
                "SELECT sportradar_id, status, platforms_requested::text AS req, "
                "platforms_scraped::text AS ok, platforms_failed::text AS bad, error_details::text AS why "
                "FROM event_scrape_status WHERE scrape_run_id = $1",
                run_id,
            )
        }
        snapshots = {(r["site"], r["sportradar_id"]): r for r in await conn.fetch(_SNAPSHOTS, run_id)}
    finally:
        await conn.close()

    assert result.events_stored == len(batch.events) == len(statuses)
    assert result.snapshots_created == len(snapshots)
    assert result.markets_stored == sum(r["rows"] for r in snapshots.values())
    for event in batch.events:
        row = statuses[event.sportradar_id]
        requested = orjson.loads(row["req"])
        scraped, failed = orjson.loads(row["ok"]), orjson.loads(row["bad"])
        why = orjson.loads(row["why"]) if row["why"] else {}
        assert sorted(scraped + failed) == sorted(requested)
        assert row["status"] == ("completed" if scraped else "failed")
        for site in failed:
            assert why.get(site), (event.sportradar_id, site, why)
            event_note(f"failed: {why[site].split(':')[0][:40]}")
        for site in scraped:
            snap = snapshots[(site, event.sportradar_id)]
            rejected = orjson.loads(snap["rejected"])
            skipped = orjson.loads(snap["skipped"])
            assert snap["rows"] == snap["markets_mapped"] - sum(rejected.values())
            event_note("stored, markets refused" if rejected else "stored")
            if rejected:
                assert why.get(site, "").endswith(
                    f"rejected {sum(rejected.values())} market{'s' if sum(rejected.values()) != 1 else ''}: "
                    + ", ".join(f"{k}={v}" for k, v in rejected.items())
                )
            # SportyBet entries and Bet9ja groups give at most one market each; BetPawa's rows of one
            # line make one market, so there a shortfall is not a skip by itself
            if site != "betpawa" and snap["markets_mapped"] < snap["markets_seen"]:
                assert sum(skipped.values()) >= snap["markets_seen"] - snap["markets_mapped"]
        for site in set(requested) - set(scraped):
            assert (site, event.sportradar_id) not in snapshots
    assert orjson.loads(statuses[control]["ok"]) == [p.value for p in ALL_PLATFORMS]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    betpawa=mutations(Platform.BETPAWA),
    sportybet=mutations(Platform.SPORTYBET),
    bet9ja=mutations(Platform.BET9JA),
    market_copy=st.booleans(),
)
def test_mutated_payloads_are_stored_or_failed_with_reasons(
    db_dsn: str,
    betpawa: list[tuple[Path_, Any]],
    sportybet: list[tuple[Path_, Any]],
    bet9ja: list[tuple[Path_, Any]],
    market_copy: bool,
) -> None:
    mutated: dict[Platform, Any] = {}
    for platform, changes in zip(ALL_PLATFORMS, (betpawa, sportybet, bet9ja), strict=True):
        payload = copy.deepcopy(_ORIGINALS[platform])
        for path, value in changes:
            _mutate(payload, path, value)
        mutated[platform] = payload
    batch, control = _batch(mutated)
    # a synchronous test drives its own loop: hypothesis runs the examples, asyncpg needs a loop
    asyncio.run(_store_and_check(db_dsn, batch, control, market_copy))
