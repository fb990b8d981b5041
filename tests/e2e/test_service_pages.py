"""The web pages over HTTP (no browser): stored names are escaped, the board's rows and colour classes
follow the stored prices, the event page's prices, fair odds, consensus and margins sit in their
columns (computed here from the stored prices), its links keep its moment, errors are pages with the
JSON routes' statuses, and nothing external is referenced."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import asyncpg
from reads_kit import genuine
from web_kit import NOW, app_for, hostile_event, known_events, served, store


async def fetch(s: aiohttp.ClientSession, url: str) -> tuple[int, str, str]:
    async with s.get(url) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.text()


async def test_the_pages_escape_stored_names_and_colour_rows_by_the_stored_prices(
    pool: asyncpg.Pool[Any],
) -> None:
    await store(pool, [*known_events(), hostile_event()], NOW - timedelta(minutes=5))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        status, ctype, board = await fetch(s, f"{base}/?market=3743")
        _, _, event = await fetch(s, f"{base}/events/9003")
        css = await fetch(s, f"{base}/static/oddsstore.css")
        bad = await fetch(s, f"{base}/?sort=price")
        bad_limit = await fetch(s, f"{base}/?limit=0")
        unknown = await fetch(s, f"{base}/events/404404")
    assert status == 200 and ctype.startswith("text/html")
    for html in (board, event):
        assert "<script>" not in html
        assert "&lt;script&gt;window.__pwned = 1; alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "O&#x27;Brien &amp; Sons" in html and "&lt;b&gt;Cup&lt;/b&gt;" in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no external resource
    row = r'<tr class="(\w+)(?: first)?" data-sr="(\d+)" data-market="3743" data-outcome="(\w)"'
    rows = re.findall(row, board)
    stored = {  # (event, outcome): (BetPawa, best competitor) as stored
        ("9001", "1"): (2.0, 2.1),
        ("9001", "X"): (3.4, 3.3),
        ("9001", "2"): (3.6, 3.8),
        ("9002", "1"): (2.5, 2.4),
        ("9002", "X"): (3.3, 3.2),
        ("9002", "2"): (3.0, 2.9),
        ("9003", "1"): (1.9, 1.8),
        ("9003", "X"): (3.5, 3.6),
        ("9003", "2"): (4.0, 4.1),
    }
    assert {(sr, o): c for c, sr, o in rows} == {
        k: "behind" if best > bp else "ahead" for k, (bp, best) in stored.items()
    }
    assert [r[1] for r in rows] == ["9001"] * 3 + ["9003"] * 3 + ["9002"] * 3  # kickoff order
    assert f"{len(stored) // 3} events, showing {len(stored)} of {len(stored)} prices" in board
    assert css[0] == 200 and css[1].startswith("text/css")
    assert bad[0] == bad_limit[0] == 400 and "sort" in bad[2] and "limit" in bad_limit[2]
    assert unknown[0] == 404 and "404404" in unknown[2]


async def test_the_event_page_lists_every_market_core_first_and_what_each_site_lacks(
    pool: asyncpg.Pool[Any],
) -> None:
    sites = genuine()
    await store(pool, [sites], NOW - timedelta(hours=1))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        status, _, html = await fetch(s, f"{base}/events/68995116?method=power&market=5000&line=2.5")
    keys: dict[tuple[object, ...], set[str]] = {}
    for p, e in sites.items():
        for m in e.markets:
            keys.setdefault((m.market_id, m.line, m.handicap_type, m.handicap_home), set()).add(p.value)
    lacking = sum(1 for on in keys.values() if len(on) < len(sites))
    assert status == 200
    assert f"Markets ({len(keys)}), fair odds by power" in html
    assert f"Availability: {lacking} lines not on every site" in html
    headings = re.findall(r'<h3>(.*?) <span class="note">\((\w+)\)', html)
    assert len(headings) == len(keys)
    assert headings[0][1] == "3743"  # 1X2 first, the CORE markets before the rest
    assert [h[1] for h in headings[:3]] == ["3743", "5000", "5000"]
    over_under = re.findall(r'<g class="series" data-site="(\w+)" data-outcome="(\w+)"', html)
    assert sorted(over_under) == sorted((p.value, o) for p in sites for o in ("Over", "Under"))
    assert html.count("movement chart</a>") == len(keys)


async def test_the_event_page_links_keep_its_moment_and_method(pool: asyncpg.Pool[Any]) -> None:
    await store(pool, [genuine()], NOW - timedelta(hours=1))
    at = "2026-05-06T07:30:00+00:00"
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        _, _, html = await fetch(s, f"{base}/events/68995116?method=shin&at={quote(at)}")
        links = [unescape(h) for h in re.findall(r'<a href="([^"]*)">movement chart</a>', html)]
        (json_link,) = [unescape(h) for h in re.findall(r'<a href="([^"]*)">JSON</a>', html)]
        _, _, charted = await fetch(s, f"{base}/events/68995116{links[1]}")
        async with s.get(f"{base}{json_link}") as r:
            body = await r.json()
    assert links and all(parse_qs(urlsplit(h).query)["at"] == [at] for h in links)
    assert "prices at 2026-05-06 07:30 UTC" in charted and "fair odds by shin" in charted
    assert (body["at"], body["method"]) == (at, "shin")


async def test_the_event_page_puts_prices_fair_odds_consensus_and_margins_in_their_columns(
    pool: asyncpg.Pool[Any],
) -> None:
    await store(pool, known_events(), NOW - timedelta(minutes=5))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        status, _, html = await fetch(s, f"{base}/events/9001")
    prices = {"betpawa": (2.0, 3.4, 3.6), "sportybet": (2.1, 3.3, 3.5), "bet9ja": (2.05, 3.2, 3.8)}
    books = {site: sum(1 / o for o in odds) for site, odds in prices.items()}  # 1 + margin
    table = html[html.index("<h3>1X2") : html.index("</table>", html.index("<h3>1X2"))]
    head = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table)
    sites = ["BetPawa", "SportyBet", "Bet9ja"]
    assert head == ["Outcome", *sites, *(f"fair {site}" for site in sites), "consensus fair", "Gap"]
    rows = re.findall(r"<tr[^>]*><td>(\w+)</td>(.*?)</tr>", table)
    by_outcome = {name: re.findall(r"<td[^>]*>(.*?)</td>", cells) for name, cells in rows}
    for i, outcome in enumerate(("1", "X", "2")):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in by_outcome[outcome]]
        fair = [prices[site][i] * books[site] for site in prices]  # the margin taken out in proportion
        consensus = 1 / (sum(1 / f for f in fair) / len(fair))  # the mean of the fair probabilities
        assert cells[:3] == [f"{prices[site][i]:.2f}" for site in prices], outcome
        assert cells[3:6] == [f"{f:.2f}" for f in fair], outcome
        assert cells[6] == f"{consensus:.2f}", outcome
    margins = [re.sub(r"<[^>]+>", "", c) for c in by_outcome["margin"][:3]]
    assert status == 200 and margins == [f"{(b - 1) * 100:.1f}%" for b in books.values()]
