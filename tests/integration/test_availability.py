"""``oddsstore availability`` against status rows stored with known failures, in three different hours:
the per-site, per-hour counts and the top reasons are computed here from the events the test built."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from cli_proc_kit import cli
from reads_kit import event_on, one_x_two

from oddsstore.models import ALL_PLATFORMS, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.maintenance import maintain

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
KICKOFF = datetime.now(UTC) + timedelta(days=2)

#: One event: the sites asked, and the error of each site that failed ("<reason>: <message>").
Spec = tuple[tuple[Platform, ...], dict[Platform, str]]

EARLIER: list[Spec] = [
    *(((BP, SB, B9), {B9: f"timeout: bet9ja GET /event {i} timed out"}) for i in range(3)),
    *(((BP, SB, B9), {B9: "http_503: HTTP 503"}) for _ in range(2)),
    ((BP, SB, B9), {B9: "malformed_json: unexpected character"}),
    ((BP, SB, B9), {B9: "not_found: HTTP 404"}),
    ((BP, SB, B9), {SB: "connection: reset by peer"}),
    ((BP, SB, B9), {BP: "parse_error: no markets"}),
    ((BP, SB, B9), {}),
    ((BP, SB), {}),
    ((BP, SB), {BP: "http_500: HTTP 500", SB: "http_500: HTTP 500"}),  # every site failed
]
NOW: list[Spec] = [*(((BP, SB, B9), {B9: "throttled: HTTP 429"}) for _ in range(2)), *([((BP, B9), {})] * 3)]
LONG_AGO: list[Spec] = [((BP, SB, B9), {})] * 3


def _batch(specs: list[Spec], tag: str) -> ScrapeBatch:
    events = []
    for i, (asked, errors) in enumerate(specs):
        sr = f"9{tag}{i:04d}"
        results = tuple(
            SiteResult(p, error=errors[p])
            if p in errors
            else SiteResult(p, odds=event_on(p, sr, KICKOFF, [one_x_two(2.1, 3.3, 3.4)]))
            for p in asked
        )
        events.append(ScrapedEvent(sportradar_id=sr, platforms_requested=asked, results=results))
    return ScrapeBatch(events=tuple(events))


def _expected(specs: list[Spec], top: int = 3) -> dict[str, dict[str, Any]]:
    """Per site: requested, scraped, failed and the top reasons, from the specs alone."""
    out: dict[str, dict[str, Any]] = {}
    for platform in ALL_PLATFORMS:
        asked = [errors for sites, errors in specs if platform in sites]
        if not asked:
            continue
        reasons = Counter(e[platform].split(":", 1)[0] for e in asked if platform in e)
        ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        out[platform.value] = {
            "requested": len(asked),
            "scraped": sum(1 for e in asked if platform not in e),
            "failed": sum(1 for e in asked if platform in e),
            "top_reasons": [{"reason": r, "events": n} for r, n in ranked],
        }
    return out


async def _store(dsn: str) -> dict[str, datetime]:
    """Store the three runs; move the status rows of two of them 1 and 6 hours back; return each
    run's hour as the database has it."""
    conn: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
    try:
        await maintain(conn, retention_days=0)  # yesterday's partitions exist too
        hours: dict[str, datetime] = {}
        for name, specs, back_h in (("earlier", EARLIER, 1), ("now", NOW, 0), ("long_ago", LONG_AGO, 6)):
            run = await ScrapeRunsRepository(conn).create(trigger="test")
            result = await store_batch(conn, _batch(specs, str(run.id)), run.id)
            assert result.events_stored == len(specs)
            await conn.execute(
                "UPDATE event_scrape_status SET created_at = created_at - make_interval(hours => $2)"
                " WHERE scrape_run_id = $1",
                run.id,
                back_h,
            )
            hours[name] = await conn.fetchval(
                "SELECT DISTINCT date_trunc('hour', created_at, 'UTC') FROM event_scrape_status"
                " WHERE scrape_run_id = $1",
                run.id,
            )
    finally:
        await conn.close()
    return hours


def _by_hour(body: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in body["hours"]:
        figures = {k: row[k] for k in ("requested", "scraped", "failed", "top_reasons")}
        out.setdefault(row["hour"], {})[row["site"]] = figures
    return out


async def test_availability_counts_per_site_and_hour_and_ranks_the_failure_reasons(db_dsn: str) -> None:
    hours = await _store(db_dsn)
    code, out, err = await cli("availability", "--dsn", db_dsn, "--hours", "3", "--json")
    assert code == 0, err
    got = _by_hour(orjson.loads(out))
    # the two recent hours, exactly as built; the one six hours back is outside --hours 3
    assert got == {
        hours["earlier"].isoformat(): _expected(EARLIER),
        hours["now"].isoformat(): _expected(NOW),
    }
    assert got[hours["earlier"].isoformat()]["bet9ja"]["top_reasons"] == [
        {"reason": "timeout", "events": 3},
        {"reason": "http_503", "events": 2},
        {"reason": "malformed_json", "events": 1},  # a tie with not_found, broken by name
    ]
    code, out, _ = await cli("availability", "--dsn", db_dsn, "--hours", "8", "--json", "--top", "5")
    wider = _by_hour(orjson.loads(out))
    assert wider[hours["long_ago"].isoformat()] == _expected(LONG_AGO, top=5)
    assert wider[hours["earlier"].isoformat()] == _expected(EARLIER, top=5)
    # the table says the same for a person
    code, text, _ = await cli("availability", "--dsn", db_dsn, "--hours", "3")
    line = next(x for x in text.splitlines() if x.startswith(f"{hours['earlier']:%Y-%m-%d %H:%M} bet9ja"))
    assert line.split()[3:7] == ["10", "3", "7", "70.0%"]
    assert line.endswith("timeout 3, http_503 2, malformed_json 1")


async def test_the_hours_are_utc_hours_whatever_the_session_time_zone(db_dsn: str) -> None:
    await _store(db_dsn)
    conn: asyncpg.Connection[Any] = await asyncpg.connect(db_dsn)
    try:
        await conn.execute("SET TIME ZONE 'Asia/Kolkata'")  # UTC+05:30: local hours are not UTC hours
        rows = await ScrapeStatusRepository(conn).availability(since=datetime.now(UTC) - timedelta(hours=8))
        created = await conn.fetch("SELECT created_at, platforms_requested FROM event_scrape_status")
    finally:
        await conn.close()
    expected: Counter[tuple[datetime, str]] = Counter()
    for row in created:  # the UTC hour of each row, worked out here
        hour = row["created_at"].astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        for site in orjson.loads(row["platforms_requested"]):
            expected[(hour, site)] += 1
    assert {(r.hour, r.site): r.requested for r in rows} == dict(expected)
    assert all(r.hour.astimezone(UTC).minute == 0 for r in rows)
