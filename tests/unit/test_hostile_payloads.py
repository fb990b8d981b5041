"""Hostile bodies through the client and parser path, and duplicate SportRadar ids in one site's discovery.

A local server on 127.0.0.1 plays a site that answers with a deeply nested or an oversized body: the
client must give a typed ``PermanentSiteError`` quickly, never a ``RecursionError`` or a hang; the parsers
must answer a deeply nested structure with ``ParseError`` or a counted skip.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from batch_layout import build_batch_rows

from oddsstore.clients import ClientSettings, PermanentSiteError, open_clients
from oddsstore.cycle.planning import merge_discoveries
from oddsstore.models import (
    ALL_PLATFORMS,
    DiscoveredEvent,
    Market,
    Outcome,
    Platform,
    ScrapeBatch,
    ScrapedEvent,
)
from oddsstore.parsing import ParseError, parse_event
from oddsstore.storage.validation import (
    INVALID_ODDS,
    INVALID_TEXT,
    INVALID_VALUE,
    MAX_MESSAGE_LENGTH,
    NUL_IN_TEXT,
    TEXT_TOO_LONG,
    clean_message,
    kickoff_problem,
    market_problem,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEPTH = 200_000


@pytest.fixture
async def hostile_site() -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    """A loopback server answering every path with the body currently in ``bodies["body"]``."""
    bodies: dict[str, bytes] = {"body": b"{}"}

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=bodies["body"], content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", bodies
    finally:
        await runner.cleanup()


def _settings(base: str, **overrides: Any) -> ClientSettings:
    return ClientSettings.for_base_urls(
        {p: base for p in ALL_PLATFORMS},
        max_attempts=1,
        connect_timeout_s=2.0,
        total_timeout_s=10.0,
        **overrides,
    )


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
async def test_deeply_nested_body_is_refused_quickly(
    hostile_site: tuple[str, dict[str, bytes]], platform: Platform
) -> None:
    base, bodies = hostile_site
    bodies["body"] = b'{"data":' + b"[" * DEPTH + b"]" * DEPTH + b"}"
    started = time.monotonic()
    async with open_clients(_settings(base)) as clients:
        with pytest.raises(PermanentSiteError) as caught:
            await clients[platform].fetch_event("1")
    assert caught.value.reason == "malformed_json"
    assert "depth" in caught.value.detail
    assert time.monotonic() - started < 5.0


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
async def test_oversized_body_is_refused_at_the_cap(
    hostile_site: tuple[str, dict[str, bytes]], platform: Platform
) -> None:
    base, bodies = hostile_site
    bodies["body"] = b'{"data": "' + b"x" * 300_000 + b'"}'
    async with open_clients(_settings(base, max_body_bytes=100_000)) as clients:
        with pytest.raises(PermanentSiteError) as caught:
            await clients[platform].fetch_event("1")
    assert caught.value.reason == "too_large"
    # the same body under a larger cap is read (and then judged by the site's envelope check)
    async with open_clients(_settings(base, max_body_bytes=1_000_000)) as clients:
        try:
            await clients[platform].fetch_event("1")
        except PermanentSiteError as exc:
            assert exc.reason != "too_large"


def _nested(depth: int) -> Any:
    value: Any = 1.5
    for level in range(depth):
        value = [value] if level % 2 else {"x": value, "id": level}
    return value


def _load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


_PAYLOADS: dict[Platform, str] = {
    Platform.BETPAWA: "betpawa/event_v4_prematch_67691078.json",
    Platform.SPORTYBET: "sportybet/event_prematch_68995116.json",
    Platform.BET9JA: "bet9ja/event_prematch_68995116.json",
}


def _markets_holder(platform: Platform, payload: Any) -> Callable[[Any], None]:
    """A setter that puts a value where the site's markets live."""
    if platform is Platform.BETPAWA:
        return lambda v: payload.__setitem__("markets", v)
    if platform is Platform.SPORTYBET:
        return lambda v: payload["data"].__setitem__("markets", v)
    return lambda v: payload["D"].__setitem__("O", v)


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
@pytest.mark.parametrize("where", ["markets", "market_entry", "top"])
def test_parsers_answer_deep_structures_with_parse_error_or_a_skip(platform: Platform, where: str) -> None:
    original = _load(_PAYLOADS[platform])
    payload = copy.deepcopy(original)
    deep = _nested(DEPTH)
    if where == "markets":
        _markets_holder(platform, payload)(deep)
    elif where == "market_entry":
        _markets_holder(platform, payload)([deep, deep])
    else:
        payload = {"data": deep, "D": deep, "markets": deep}
    try:
        odds = parse_event(platform, payload)
    except ParseError:
        return
    assert odds.markets_mapped == len(odds.markets)
    # what the deep value replaced is missing from the result, and counted when it was a market entry
    assert odds.markets_mapped < parse_event(platform, original).markets_mapped


def _listing(sr: str, pid: str, kickoff: datetime) -> DiscoveredEvent:
    return DiscoveredEvent(
        platform=Platform.SPORTYBET,
        sportradar_id=sr,
        platform_event_id=pid,
        kickoff=kickoff,
        home_team=f"Home {pid}",
        away_team="Away",
    )


def test_duplicate_sportradar_ids_in_one_site_keep_one_listing_whatever_the_order() -> None:
    kick = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    listings = [
        _listing("sr:match:1", "b", kick),
        _listing("sr:match:1", "a", kick + timedelta(minutes=5)),
        _listing("sr:match:1", "c", kick),
        _listing("sr:match:2", "d", kick),
    ]
    kept: set[str] = set()
    for seed in range(12):
        shuffled = listings[:]
        random.Random(seed).shuffle(shuffled)
        result = merge_discoveries({Platform.SPORTYBET: shuffled})
        assert result.duplicates_dropped == 2
        by_sr = {t.sportradar_id: t for t in result.targets}
        assert set(by_sr) == {"sr:match:1", "sr:match:2"}
        kept.add(by_sr["sr:match:1"].platform_ids[Platform.SPORTYBET])
        assert by_sr["sr:match:1"].kickoff == kick
    assert kept == {"b"}  # earliest kickoff, then the smallest platform event id


# --- validation of values that no parser should produce but a host might hand to store_batch ----------

_OK = (Outcome("1", 1.5), Outcome("2", 2.5))


@pytest.mark.parametrize(
    ("market", "reason"),
    [
        (Market("1", "ok", _OK), None),
        (Market("1", "Élan ✓ 한국", (Outcome("Ünïcode", 1.5),)), None),
        (Market("1", "x" * 255, (Outcome("y" * 255, 1.5),)), None),
        (Market("1", "x" * 256, _OK), TEXT_TOO_LONG),
        (Market("1" * 256, "ok", _OK), TEXT_TOO_LONG),
        (Market("1", "ok", (Outcome("y" * 256, 1.5),)), TEXT_TOO_LONG),
        (Market("1", "ok", _OK, groups=("g" * 256,)), TEXT_TOO_LONG),
        (Market("1", "bad \udc80", _OK), INVALID_TEXT),
        (Market("1", "ok", (Outcome("\ud83d", 1.5),)), INVALID_TEXT),
        (Market("1", "ok", _OK, groups=("a\x00",)), NUL_IN_TEXT),
        (Market("1", "ok", (Outcome("1", Decimal("1.5")),)), INVALID_ODDS),  # type: ignore[arg-type]
        (Market("1", "ok", (Outcome("1", 1.5, is_active=1),)), INVALID_VALUE),  # type: ignore[arg-type]
        (Market("1", "ok", _OK, line="2.5"), INVALID_VALUE),  # type: ignore[arg-type]
        (Market("1", "ok", _OK, line=True), INVALID_VALUE),
        (Market("1", "ok", _OK, handicap_type=["asian"]), INVALID_VALUE),  # type: ignore[arg-type]
        (Market("1", "ok", _OK, handicap_home=Decimal(1)), INVALID_VALUE),  # type: ignore[arg-type]
        (Market("1", "ok", _OK, groups=(1,)), INVALID_VALUE),  # type: ignore[arg-type]
        (Market("1", "ok", _OK, groups=5), INVALID_VALUE),  # type: ignore[arg-type]
    ],
)
def test_market_problem_refuses_what_postgresql_or_json_would_choke_on(
    market: Market, reason: str | None
) -> None:
    assert market_problem(market) == reason


_AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kickoff", "scraped_at", "refused"),
    [
        (_AT + timedelta(hours=2), _AT, False),
        (_AT - timedelta(hours=23), _AT, False),  # started this morning: still listed
        (_AT - timedelta(hours=25), _AT, True),
        (_AT + timedelta(days=365), _AT, False),
        (_AT + timedelta(days=367), _AT, True),
        (_AT + timedelta(days=3653), _AT, True),  # ten years away
        (datetime(1970, 1, 1, tzinfo=UTC), None, True),
        (datetime(9999, 12, 31, tzinfo=UTC), None, True),
        (datetime(2031, 1, 1, tzinfo=UTC), None, False),  # no scrape time: only the absolute bounds
    ],
)
def test_kickoff_problem(kickoff: datetime, scraped_at: datetime | None, refused: bool) -> None:
    problem = kickoff_problem(kickoff, scraped_at)
    assert (problem is not None) == refused
    if refused:
        assert problem is not None and problem.startswith("bad_kickoff: ")


def test_clean_message_never_raises_and_fits_jsonb() -> None:
    assert clean_message("plain") == "plain"
    assert clean_message("a\x00b") == "ab"
    assert clean_message("x\ud800y") == "x?y"
    long = clean_message("z" * 5000)
    assert len(long) == MAX_MESSAGE_LENGTH and long.endswith("...")
    assert clean_message(ValueError("boom")) == "ValueError('boom')"


@pytest.mark.parametrize("sr_id", ["sr:match:\ud800", "sr:match:\x001", "", "sr:match:" + "9" * 60])
def test_an_event_whose_sportradar_id_cannot_key_a_row_is_left_out_with_a_reason(sr_id: str) -> None:
    good = ScrapedEvent(sportradar_id="sr:match:1", platforms_requested=(), results=())
    bad = ScrapedEvent(sportradar_id=sr_id, platforms_requested=(), results=())
    rows = build_batch_rows(ScrapeBatch(events=(bad, good)))
    assert rows.statuses.sportradar_id == ["sr:match:1"]
    assert len(rows.errors) == 1
    assert "sportradar_id" in rows.errors[0]
    assert "\x00" not in rows.errors[0]
