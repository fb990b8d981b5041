"""The pages' HTML, rendered by small functions into ``web/page.html`` (``string.Template``). Every
stored string (team, tournament, market and outcome names come from the bookmakers) goes through
:func:`esc`; numbers are formatted here. Colours always come with a text cue: ``▲`` where BetPawa has
the best price (green), ``▼`` where a competitor pays more (red).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from string import Template
from urllib.parse import quote, urlencode

from oddsstore.models import ALL_PLATFORMS
from oddsstore.reads import Board, BoardEvent, BoardMarket, BoardOutcome, EventComparison, MarketComparison
from oddsstore.reads.common import CORE, MarketKey
from oddsstore.reads.fair import FairMethod
from oddsstore.service.chart import SITE_NAMES
from oddsstore.service.params import BoardQuery, pick_text

__all__ = [
    "CSS",
    "MAX_ROWS",
    "board_body",
    "board_rows",
    "error_body",
    "esc",
    "event_body",
    "market_label",
    "page",
    "row_class",
]

_WEB = resources.files("oddsstore.service") / "web"
_PAGE = Template(_WEB.joinpath("page.html").read_text(encoding="utf-8"))
CSS = _WEB.joinpath("oddsstore.css").read_bytes()
_CORE_NAMES = {
    "3743": "1X2",
    "5000@2.5": "Over/Under 2.5",
    "3795": "Both teams to score",
    "4693": "Double chance",
    "4703": "Draw no bet",
    "3774@main": "Asian handicap (main line)",
}
MAX_ROWS = 50_000  # the most prices one board page shows (its ``limit``)
_NONE = "&ndash;"  # no price
_HOURS = ("", "3", "6", "12", "24", "48", "72")
BoardRow = tuple[BoardEvent, BoardMarket, BoardOutcome]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: str, footer: str = "") -> str:
    """The whole document; ``title`` is plain text, ``body`` and ``footer`` are HTML."""
    return _PAGE.substitute(title=esc(title), body=body, footer=footer)


def _odds(value: float | None) -> str:
    return _NONE if value is None else f"{value:.2f}"


def _when(at: datetime | None) -> str:
    return _NONE if at is None else at.strftime("%Y-%m-%d %H:%M UTC")


def market_label(name: str, key: MarketKey) -> str:
    """``1X2 - FT``, ``Total Score Over/Under - FT 2.5``, ``Asian Handicap - FT -0.5`` (plain text)."""
    line = key[1]
    if line is None:
        return name
    return f"{name} {line:+g}" if key[2] is not None else f"{name} {line:g}"


def row_class(o: BoardOutcome) -> str:
    """``behind`` (a competitor pays more), ``ahead`` (BetPawa's price is the best or level), or
    ``nocompare`` (no BetPawa or no competitor price)."""
    if o.behind:
        return "behind"
    return "nocompare" if o.gap_pct is None else "ahead"


def _gap(o: BoardOutcome) -> str:
    if o.gap_pct is None:
        return _NONE
    symbol = "▼" if o.behind else "▲"
    return f'<span class="cue">{symbol}</span> {o.gap_pct:+.1f}%'


def board_rows(board: Board, sort: str) -> list[BoardRow]:
    """One row per event, market and outcome: in board order (kickoff), or (``gap``) BetPawa's gap
    ascending (furthest behind first; no gap last), ties in board order."""
    rows = [(e, m, o) for e in board.events for m in e.markets for o in m.outcomes]
    if sort == "gap":
        rows.sort(key=lambda r: (r[2].gap_pct is None, r[2].gap_pct or 0.0))
    return rows


def _link(path: str, query: Mapping[str, str | list[str]]) -> str:
    text = urlencode(query, doseq=True)
    return esc(f"{path}?{text}" if text else path)


def _selected(yes: bool) -> str:
    return " selected" if yes else ""


def _filters(query: BoardQuery, sort: str) -> str:
    chosen = [pick_text(p) for p in query.markets] if query.markets != CORE else []
    options = [("", "Core markets (all six)"), *_CORE_NAMES.items()]
    options += [(c, c) for c in chosen if c not in _CORE_NAMES]
    market = "".join(
        f'<option value="{esc(v)}"{_selected(v in chosen or (not v and not chosen))}>{esc(n)}</option>'
        for v, n in options
    )
    current = "" if query.hours is None else f"{query.hours:g}"
    hours = "".join(
        f'<option value="{h}"{_selected(h == current)}>{f"next {h} h" if h else "any time"}</option>'
        for h in dict.fromkeys((*_HOURS, current))
    )
    behind = " checked" if query.only_behind else ""
    kept = ""  # the tournament has no field in the form: kept as it came
    if query.tournament is not None:
        kept = f'<input type="hidden" name="tournament" value="{esc(query.tournament)}">'
    return (
        '<form class="filters" method="get" action="/">'
        f'<label>Market <select name="market" id="market">{market}</select></label>'
        f'<label>Kickoff <select name="hours" id="hours">{hours}</select></label>'
        f'<label class="check"><input type="checkbox" name="behind" value="1" id="behind"{behind}> '
        "BetPawa behind only</label>"
        f'<input type="hidden" name="sort" value="{esc(sort)}">{kept}'
        '<button type="submit" id="apply">Show</button></form>'
    )


def board_body(board: Board, query: BoardQuery, *, sort: str, limit: int) -> str:
    rows = board_rows(board, sort)
    base = dict(query.to_query())
    sorts = " ".join(
        f'<a href="{_link("/", {**base, "sort": s})}" id="sort-{s}"'
        f"{' class=current' if s == sort else ''}>{label}</a>"
        for s, label in (("kickoff", "by kickoff"), ("gap", "by gap (BetPawa furthest behind first)"))
    )
    head = "".join(f'<th class="num">{SITE_NAMES[p]}</th>' for p in ALL_PLATFORMS)
    shown_rows = rows[:limit]
    grouped = sort == "kickoff"  # each event's kickoff and match once, each market's name once
    body = "".join(
        _board_row(
            e,
            m,
            o,
            new_event=not grouped or i == 0 or shown_rows[i - 1][0] is not e,
            new_market=not grouped or i == 0 or shown_rows[i - 1][1] is not m,
        )
        for i, (e, m, o) in enumerate(shown_rows)
    )
    shown = min(limit, len(rows))
    more = ""
    if len(rows) > limit and limit < MAX_ROWS:
        more_limit = str(min(limit * 4, MAX_ROWS))  # never a limit the page would refuse
        more = f' <a href="{_link("/", {**base, "sort": sort, "limit": more_limit})}">show more</a>'
    csv = _link("/api/export.csv", base)
    return (
        "<h1>Board</h1>"
        + _filters(query, sort)
        + f'<p class="sorts">Sort: {sorts}</p>'
        + '<p class="note">▲ green: BetPawa has the best price (or level); ▼ red: a competitor pays more. '
        "Gap = BetPawa / best competitor &minus; 1.</p>"
        + f'<p class="note" id="count">{events_text(len(board.events))}, '
        + f"showing {shown} of {len(rows)} prices"
        + f'{more} · <a href="{csv}">CSV</a> · <a href="{_link("/api/board", base)}">JSON</a></p>'
        + '<table id="board"><thead><tr><th>Kickoff (UTC)</th><th>Match</th>'
        + f'<th>Market</th><th>Outcome</th>{head}<th>Best competitor</th><th class="num">Gap</th>'
        + f"<th>Tournament</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _board_row(e: BoardEvent, m: BoardMarket, o: BoardOutcome, *, new_event: bool, new_market: bool) -> str:
    cells = []
    odds = o.odds
    for p in ALL_PLATFORMS:
        classes = ["num", "bp" if p.value == "betpawa" else "site"]
        if p is o.best_competitor:
            classes.append("best")
        cells.append(f'<td class="{" ".join(classes)}" data-site="{p.value}">{_odds(odds.get(p))}</td>')
    best = _NONE if o.best_competitor is None else SITE_NAMES[o.best_competitor]
    gap = "" if o.gap_pct is None else f' data-gap="{o.gap_pct:.6f}"'
    href = esc(f"/events/{quote(e.sportradar_id, safe='')}")
    match = f'<a class="event" href="{href}">{esc(e.home_team)} v {esc(e.away_team)}</a>'
    kickoff = e.kickoff.strftime("%Y-%m-%d %H:%M")
    tournament = esc(e.tournament or "")
    if not new_event:
        kickoff = match = tournament = ""
    market = esc(market_label(m.market_name, m.key)) if new_market else ""
    first = " first" if new_event else ""
    return (
        f'<tr class="{row_class(o)}{first}" data-sr="{esc(e.sportradar_id)}" '
        f'data-market="{esc(m.market_id)}" data-outcome="{esc(o.name)}"{gap}>'
        f'<td>{kickoff}</td><td class="match">{match}</td><td>{market}</td>'
        f"<td>{esc(o.name)}</td>{''.join(cells)}<td>{best}</td>"
        f'<td class="num gap">{_gap(o)}</td><td class="tournament">{tournament}</td></tr>'
    )


def _event_form(event: EventComparison, market: str, line: float | None) -> str:
    methods = "".join(
        f'<option value="{m.value}"{" selected" if m is event.method else ""}>{m.value}</option>'
        for m in FairMethod
    )
    at = "" if event.at is None else esc(event.at.isoformat())
    line_text = "" if line is None else f"{line:g}"
    return (
        '<form class="filters" method="get">'
        f'<label>Fair odds by <select name="method">{methods}</select></label>'
        f'<label>At (ISO time, empty: now) <input name="at" value="{at}" size="24"></label>'
        f'<label>Chart market <select name="market" id="chart-market">{_market_options(event, market)}'
        "</select></label>"
        f'<label>Chart line <input name="line" value="{line_text}" size="5"></label>'
        '<button type="submit">Show</button></form>'
    )


def _market_options(event: EventComparison, chosen: str) -> str:
    names = {m.market_id: m.market_name for m in event.markets}
    names.setdefault(chosen, chosen)
    return "".join(
        f'<option value="{esc(i)}"{_selected(i == chosen)}>{esc(n)} ({esc(i)})</option>'
        for i, n in sorted(names.items(), key=lambda item: item[1].lower())
    )


def event_body(event: EventComparison, chart: str, *, market: str, line: float | None) -> str:
    sites = (
        " · ".join(f"{SITE_NAMES[p]} {_when(at)}" for p, at in event.captured_at.items())
        or "no site returned it"
    )
    missing = ""
    if event.missing_sites:
        names = ", ".join(SITE_NAMES[p] for p in event.missing_sites)
        missing = f'<p class="missing">Not listed on {names}.</p>'
    json_link = _link(f"/api/events/{quote(event.sportradar_id, safe='')}", _event_query(event))
    return (
        f"<h1>{esc(event.home_team)} v {esc(event.away_team)}</h1>"
        f'<p class="note">SportRadar {esc(event.sportradar_id)} · {esc(event.tournament or "")} · '
        f"kickoff {_when(event.kickoff)} · prices {'now' if event.at is None else 'at ' + _when(event.at)}"
        f' · captured: {sites} · <a href="{json_link}">JSON</a></p>'
        + missing
        + _event_form(event, market, line)
        + f'<section id="movement"><h2>Movement</h2>{chart}</section>'
        + _availability(event)
        + f'<section id="markets"><h2>Markets ({len(event.markets)}), fair odds by {event.method.value}</h2>'
        + "".join(_market_table(m, _chart_link(event, m)) for m in _core_first(event.markets))
        + "</section>"
    )


def _core_first(markets: Sequence[MarketComparison]) -> list[MarketComparison]:
    """The CORE markets first (in CORE's order), then the rest in the comparison's order."""
    rank = {p.market_id: i for i, p in enumerate(CORE)}
    return sorted(markets, key=lambda m: rank.get(m.market_id, len(CORE)))


def _event_query(event: EventComparison) -> dict[str, str]:
    """The page's moment and method as query parameters (empty for now and the default method)."""
    query: dict[str, str] = {}
    if event.at is not None:
        query["at"] = event.at.isoformat()
    if event.method is not FairMethod.MULTIPLICATIVE:
        query["method"] = event.method.value
    return query


def _chart_link(event: EventComparison, m: MarketComparison) -> str:
    """The same page (same moment, same method) with ``m``'s chart."""
    query = {"market": m.market_id, **_event_query(event)}
    if m.line is not None:
        query["line"] = f"{m.line:g}"
    return f"?{urlencode(query)}#movement"


def _availability(event: EventComparison) -> str:
    if not event.availability:
        return (
            '<section id="availability"><h2>Availability</h2><p>Every site lists every market.</p></section>'
        )
    names = {m.key: m.market_name for m in event.markets}
    rows = "".join(
        f"<tr><td>{esc(market_label(names.get(a.key, a.key[0]), a.key))}</td>"
        f"<td>{esc(', '.join(SITE_NAMES[p] for p in a.offered_by))}</td>"
        f'<td class="missing">{esc(", ".join(SITE_NAMES[p] for p in a.missing_on))}</td></tr>'
        for a in event.availability
    )
    return (  # <details>: open and closed without a script
        f'<section id="availability"><details><summary>Availability: {len(event.availability)} lines '
        "not on every site</summary>"
        "<table><thead><tr><th>Market</th><th>Offered by</th><th>Missing on</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></section>"
    )


def _market_table(m: MarketComparison, chart_href: str) -> str:
    sites = m.sites
    head = "".join(f'<th class="num">{SITE_NAMES[p]}</th>' for p in sites)
    fair_head = "".join(f'<th class="num">fair {SITE_NAMES[p]}</th>' for p in sites)
    valued = {(v.platform, v.outcome) for v in m.value}
    rows = []
    for o in m.outcomes:
        odds = o.odds
        prices = "".join(
            f'<td class="num{" best" if p is o.best_competitor else ""}">{_odds(odds.get(p))}'
            f"{' <span class=value>✓ value</span>' if (p.value, o.name) in valued else ''}</td>"
            for p in sites
        )
        fair = "".join(f'<td class="num">{_fair(m.fair_odds[p], o.name)}</td>' for p in sites)
        consensus = _odds(m.consensus_fair_odds.get(o.name))
        rows.append(
            f'<tr class="{row_class(o)}"><td>{esc(o.name)}</td>{prices}{fair}'
            f'<td class="num">{consensus}</td><td class="num gap">{_gap(o)}</td></tr>'
        )
    margins = "".join(f'<td class="num">{_pct(m.margins[p])}</td>' for p in sites)
    return (
        f'<div class="market"><h3>{esc(market_label(m.market_name, m.key))} '
        f'<span class="note">({esc(m.market_id)}) · <a href="{esc(chart_href)}">movement chart</a></span>'
        f"</h3><table><thead><tr><th>Outcome</th>{head}"
        f'{fair_head}<th class="num">consensus fair</th><th class="num">Gap</th></tr></thead><tbody>'
        f'{"".join(rows)}<tr class="margins"><td>margin</td>{margins}'
        f'<td colspan="{len(sites) + 2}"></td></tr></tbody></table></div>'
    )


def _fair(fair: Mapping[str, float] | None, name: str) -> str:
    return _NONE if fair is None else _odds(fair.get(name))


def _pct(value: float | None) -> str:
    return _NONE if value is None else f"{value:.1f}%"


def error_body(status: int, message: str) -> str:
    return f'<h1>{status}</h1><p class="error">{esc(message)}</p><p><a href="/">Back to the board</a></p>'


def events_text(n: int) -> str:
    """``1 event``, ``2 events``."""
    return f"{n} event" if n == 1 else f"{n} events"
