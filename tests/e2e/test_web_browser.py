"""The web pages in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
selenium; no browser is ever downloaded): the board's rows and colours follow the stored prices, the
gap sort reorders them as the stored prices say, an event's page draws one series per site and
outcome. Screenshots go to ``$ODDSSTORE_TEST_ARTIFACTS`` (default: the test's tmp dir).

Without chromium or chromedriver this test FAILS: the pages are part of the product."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import pytest
from reads_kit import genuine, one_x_two
from web_kit import B9, BP, HOSTILE, NOW, SB, app_for, hostile_event, known_events, served, store

from oddsstore.devtools.browser import CHROMIUM_FLAGS, CHROMIUM_NAMES, DRIVER_NAMES
from oddsstore.models import EventOdds, Market, Platform

ARTIFACTS_ENV = "ODDSSTORE_TEST_ARTIFACTS"
WINDOW = "--window-size=1400,1000"


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"{' or '.join(names)} not found: install Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver); .ci/run does",
        pytrace=False,
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _binary(*CHROMIUM_NAMES)
    profile = tempfile.mkdtemp(prefix="oddsstore-chromium-")
    for flag in (*CHROMIUM_FLAGS, WINDOW, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # an explicit driver path: selenium never runs its manager (nothing is downloaded)
    driver = webdriver.Chrome(service=Service(executable_path=_binary(*DRIVER_NAMES)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    where = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path / "artifacts")
    where.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():  # said on the terminal even when output is captured
        print(f"\nbrowser screenshots: {where}")
    return where


def _one_x_two(sites: dict[Platform, EventOdds]) -> dict[Platform, Market]:
    return {p: next(m for m in e.markets if m.market_id == "3743") for p, e in sites.items()}


def _moved(sites: dict[Platform, EventOdds], bump: dict[Platform, float]) -> dict[Platform, EventOdds]:
    """The genuine event with every site's 1X2 prices moved by ``bump`` (and nothing else listed)."""
    out = {}
    for p, e in sites.items():
        m = _one_x_two(sites)[p]
        a, x, b = (o.odds for o in m.outcomes)
        out[p] = attrs.evolve(
            e, markets=(one_x_two(a + bump[p], x, b - bump[p]),), markets_seen=1, markets_mapped=1
        )
    return out


def _expected_board(events: list[dict[Platform, EventOdds]]) -> list[tuple[Any, ...]]:
    """(kickoff, sr, outcome, BetPawa price, behind, gap) per 1X2 outcome, from the stored prices."""
    rows = []
    for sites in events:
        markets = _one_x_two(sites)
        e = sites[BP]
        for i, o in enumerate(markets[BP].outcomes):
            competitors = [markets[p].outcomes[i].odds for p in (SB, B9) if p in markets]
            best = max(competitors)
            rows.append(
                (e.kickoff, e.sportradar_id, o.name, o.odds, best > o.odds, (o.odds / best - 1) * 100)
            )
    return sorted(rows, key=lambda r: (r[0], r[1]))  # outcomes stay in listed order (stable sort)


def _drive(driver: Any, base: str, artifacts: Path) -> dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    def board_rows() -> list[tuple[str, str, str, str, str]]:
        return [
            (
                r.get_attribute("data-sr"),
                r.get_attribute("data-outcome"),
                r.get_attribute("class"),
                r.find_element(By.CSS_SELECTOR, "td[data-site=betpawa]").text,
                r.find_element(By.CSS_SELECTOR, "td.gap").text,
            )
            for r in driver.find_elements(By.CSS_SELECTOR, "#board tbody tr")
        ]

    seen: dict[str, Any] = {}
    driver.get(f"{base}/?market=3743")
    seen["kickoff_rows"] = board_rows()
    seen["pwned"] = driver.execute_script("return window.__pwned === undefined")
    seen["hostile_text"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.event")]
    seen["behind_colour"] = driver.find_element(By.CSS_SELECTOR, "tr.behind td.gap").value_of_css_property(
        "background-color"
    )
    seen["ahead_colour"] = driver.find_element(By.CSS_SELECTOR, "tr.ahead td.gap").value_of_css_property(
        "background-color"
    )
    driver.save_screenshot(str(artifacts / "board-by-kickoff.png"))
    driver.find_element(By.ID, "sort-gap").click()
    WebDriverWait(driver, 10).until(ec.url_contains("sort=gap"))
    seen["gap_rows"] = board_rows()
    seen["gap_url"] = driver.current_url
    driver.save_screenshot(str(artifacts / "board-by-gap.png"))
    driver.find_element(By.ID, "behind").click()  # the plain GET form: "behind only", keeps the sort
    driver.find_element(By.ID, "apply").click()
    WebDriverWait(driver, 10).until(ec.url_contains("behind=1"))
    seen["behind_rows"] = board_rows()
    seen["behind_url"] = driver.current_url
    driver.find_element(By.CSS_SELECTOR, "tr[data-sr='68995116'] a.event").click()
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "svg.chart")))
    seen["event_url"] = driver.current_url
    seen["title"] = driver.find_element(By.TAG_NAME, "h1").text
    seen["series"] = [
        (
            g.get_attribute("data-site"),
            g.get_attribute("data-outcome"),
            len(g.find_elements(By.TAG_NAME, "polyline")),
        )
        for g in driver.find_elements(By.CSS_SELECTOR, "svg.chart g.series")
    ]
    seen["legend"] = [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".legend li.legend-site")]
    seen["time_ticks"] = len(driver.find_elements(By.CSS_SELECTOR, "svg.chart text.tick.time"))
    seen["markets"] = len(driver.find_elements(By.CSS_SELECTOR, "#markets .market"))
    driver.save_screenshot(str(artifacts / "event-68995116.png"))
    return seen


async def test_board_sort_and_event_chart_in_a_real_browser(
    pool: asyncpg.Pool[Any], browser: Any, artifacts: Path
) -> None:
    sites = genuine()
    events = [*known_events(), hostile_event()]
    await store(pool, [*events, sites], NOW - timedelta(hours=2))
    bump = {BP: 0.05, SB: 0.1, B9: -0.04}
    await store(pool, [_moved(sites, bump)], NOW - timedelta(hours=1))  # a change on every site
    now_sites = {p: e for p, e in _moved(sites, bump).items()}
    expected = _expected_board([*events, now_sites])
    async with served(app_for(pool)) as base:
        seen = await asyncio.to_thread(_drive, browser, base, artifacts)

    # the board by kickoff: every stored 1X2 outcome, its BetPawa price, colour class and cue
    assert [(r[0], r[1]) for r in seen["kickoff_rows"]] == [(e[1], e[2]) for e in expected]
    for (sr, outcome, cls, bp, gap), e in zip(seen["kickoff_rows"], expected, strict=True):
        assert set(cls.split()) - {"first"} == {"behind" if e[4] else "ahead"}, (sr, outcome)
        assert bp == f"{e[3]:.2f}"
        assert gap == f"{'▼' if e[4] else '▲'} {e[5]:+.1f}%"
    assert seen["behind_colour"] != seen["ahead_colour"]
    assert seen["pwned"] is True  # the hostile name did not run
    assert f"{HOSTILE} v O'Brien & Sons" in seen["hostile_text"]
    # sorted by gap: BetPawa furthest behind first, as the stored prices say
    by_gap = sorted(expected, key=lambda e: e[5])
    assert [(r[0], r[1]) for r in seen["gap_rows"]] == [(e[1], e[2]) for e in by_gap]
    assert [(r[0], r[1]) for r in seen["gap_rows"]] != [(r[0], r[1]) for r in seen["kickoff_rows"]]
    # behind only, still by gap: the outcomes where a competitor pays more, in the same order
    assert "sort=gap" in seen["behind_url"] and "market=3743" in seen["behind_url"]
    assert [(r[0], r[1]) for r in seen["behind_rows"]] == [(e[1], e[2]) for e in by_gap if e[4]]
    assert all(r[2].split()[0] == "behind" for r in seen["behind_rows"])
    # the event: one series per site and outcome of 1X2, each an unbroken line
    assert seen["event_url"].endswith("/events/68995116")
    assert seen["title"] == f"{sites[BP].home_team} v {sites[BP].away_team}"
    assert sorted(seen["series"]) == sorted((p.value, o, 1) for p in (BP, SB, B9) for o in ("1", "X", "2"))
    assert seen["legend"] == ["BetPawa", "SportyBet", "Bet9ja"]
    assert seen["time_ticks"] >= 3
    keys = {
        (m.market_id, m.line, m.handicap_type, m.handicap_home) for e in now_sites.values() for m in e.markets
    }
    assert seen["markets"] == len(keys)  # the latest snapshots list 1X2 only
