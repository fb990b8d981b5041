"""The board's to_dict: sites in site order whatever order the odds came in, slugs as plain strings,
the JSON text written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from oddsstore.models import Platform
from oddsstore.reads.board import Board, BoardEvent, BoardMarket, BoardOutcome
from oddsstore.reads.common import MarketPick

BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
KICKOFF = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def _board() -> Board:
    shuffled = BoardOutcome(  # odds keyed out of site order, as a caller may build them
        name="Over",
        sites=(B9, BP, SB),
        prices=(1.95, 1.9, None),
        best_competitor=B9,
        best_competitor_odds=1.95,
        gap_pct=(1.9 / 1.95 - 1) * 100,
        behind=True,
    )
    ordered = BoardOutcome(
        name="Under",
        sites=(BP,),
        prices=(1.85,),
        best_competitor=None,
        best_competitor_odds=None,
        gap_pct=None,
        behind=False,
    )
    market = BoardMarket(
        key=("5000", 2.5, None, None, None),
        market_name="Over/Under",
        sites=(BP, SB, B9),
        margins={B9: None, BP: 6.68, SB: None},
        outcomes=(shuffled, ordered),
    )
    event = BoardEvent(
        sportradar_id="42", home_team="A", away_team="B", kickoff=KICKOFF, tournament="Cup", markets=(market,)
    )
    return Board(
        kickoff_from=KICKOFF,
        kickoff_to=None,
        markets=(MarketPick("5000", 2.5),),
        only_behind=False,
        events=(event,),
    )


def test_board_json_is_in_site_order_with_plain_slugs() -> None:
    data = _board().to_dict()
    market = data["events"][0]["markets"][0]  # type: ignore[index]
    assert all(type(k) is str for o in market["outcomes"] for k in o["odds"])
    assert type(market["outcomes"][0]["best_competitor"]) is str
    gap = (1.9 / 1.95 - 1) * 100
    expected = (
        '{"kickoff_from":"2026-12-03T15:00:00+00:00","kickoff_to":null,'
        '"markets":[{"market_id":"5000","line":2.5,"main":false}],"only_behind":false,'
        '"events":[{"sportradar_id":"42","home_team":"A","away_team":"B",'
        '"kickoff":"2026-12-03T15:00:00+00:00","tournament":"Cup","markets":[{"market_id":"5000",'
        '"line":2.5,"handicap_type":null,"handicap_home":null,"handicap_away":null,'
        '"market_name":"Over/Under","sites":["betpawa","sportybet","bet9ja"],'
        '"margins":{"betpawa":6.68,"sportybet":null,"bet9ja":null},"outcomes":['
        '{"outcome":"Over","odds":{"betpawa":1.9,"sportybet":null,"bet9ja":1.95},'
        f'"best_competitor":"bet9ja","best_competitor_odds":1.95,"gap_pct":{gap!r},"behind":true}},'
        '{"outcome":"Under","odds":{"betpawa":1.85},"best_competitor":null,'
        '"best_competitor_odds":null,"gap_pct":null,"behind":false}]}]}]}'
    )
    assert orjson.dumps(data).decode() == expected
