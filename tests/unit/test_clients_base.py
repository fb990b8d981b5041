"""Pieces of the client mechanism that need no server: settings, Retry-After, the gate and the errors."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oddsstore.clients import ClientSettings, PermanentSiteError, SiteGate, TransientSiteError
from oddsstore.clients.base import parse_retry_after, request_label
from oddsstore.models import Platform


def test_defaults_point_at_the_real_sites_with_the_production_limits() -> None:
    s = ClientSettings.defaults()
    assert s.betpawa.base_url == "https://www.betpawa.ng"
    assert (s.betpawa.concurrency, s.sportybet.concurrency, s.bet9ja.concurrency) == (50, 50, 15)
    assert s.bet9ja.min_interval_s == 0.025
    assert s.betpawa_api_version == "v4"
    assert s.betpawa_brand == "betpawa-nigeria"


def test_for_base_urls_replaces_only_the_urls() -> None:
    s = ClientSettings.for_base_urls({Platform.BET9JA: "http://127.0.0.1:9/bet9ja/"}, max_attempts=2)
    assert s.bet9ja.base_url == "http://127.0.0.1:9/bet9ja"
    assert s.bet9ja.concurrency == 15
    assert s.betpawa.base_url == "https://www.betpawa.ng"
    assert s.max_attempts == 2
    assert s.with_site(Platform.SPORTYBET, concurrency=7).sportybet.concurrency == 7


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        ClientSettings.defaults().with_site(Platform.BETPAWA, concurrency=0)
    with pytest.raises(ValueError, match="total_timeout_s"):
        ClientSettings.defaults(total_timeout_s=0)


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 30, 6, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("Mon, 30 Nov 2026 06:00:10 GMT", now) == pytest.approx(10.0)
    assert parse_retry_after("Mon, 30 Nov 2026 05:00:00 GMT", now) == 0.0
    assert parse_retry_after("-4") == 0.0
    for bad in (None, "", "soon", "inf", "nan"):
        assert parse_retry_after(bad) is None


def test_error_message_names_site_request_and_cause() -> None:
    err = TransientSiteError(Platform.BET9JA, "GET /desktop/x", "throttled", "HTTP 403", attempts=4)
    assert str(err) == "bet9ja GET /desktop/x failed after 4 attempts: throttled: HTTP 403"
    assert err.transient
    assert not PermanentSiteError(Platform.BETPAWA, "GET /e/1", "not_found").transient


async def test_gate_bounds_concurrency_and_spaces_starts() -> None:
    gate = SiteGate(concurrency=3, min_interval_s=0.01, breaker_threshold=5)
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def work() -> None:
        async with gate.slot():
            starts.append(loop.time())
            await asyncio.sleep(0.05)

    await asyncio.gather(*(work() for _ in range(12)))
    assert gate.peak_in_flight == 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.009


def test_breaker_opens_after_consecutive_failures_only() -> None:
    gate = SiteGate(concurrency=1, min_interval_s=0, breaker_threshold=3)
    assert not gate.record(False) and not gate.record(False)
    gate.record(True)  # a success resets the count
    assert not gate.record(False) and not gate.record(False)
    assert gate.record(False)  # the third in a row opens it
    assert gate.open


def test_request_label_shows_identifying_parameters_only() -> None:
    params = {"EVENTID": "770000001", "v_cache_version": "1.0", "_t": "1764480000000"}
    assert request_label("GET", "/desktop/GetEvent", params) == "GET /desktop/GetEvent?EVENTID=770000001"
    assert request_label("GET", "/api/x", {"q": "{...}"}) == "GET /api/x"


@given(st.text(max_size=60))
def test_retry_after_never_raises_on_arbitrary_text(text: str) -> None:
    value = parse_retry_after(text, datetime(2026, 11, 30, tzinfo=UTC))
    assert value is None or 0.0 <= value < float("inf")
