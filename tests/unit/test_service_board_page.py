"""The board page's ``limit``: only a number of rows the page accepts, and a "show more" link that never
asks for more than it accepts; the filter form keeps the tournament; the footer says how old a
cached board can be."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from multidict import MultiDict

from oddsstore.models import Platform
from oddsstore.reads import CORE, Board, BoardEvent, BoardMarket, BoardOutcome
from oddsstore.service.api import Reads, ReadsSettings
from oddsstore.service.pages import _footer, _limit, _sort
from oddsstore.service.params import BadParameter, BoardQuery
from oddsstore.service.render import MAX_ROWS, board_body

BP, SB = Platform.BETPAWA, Platform.SPORTYBET
KICKOFF = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)


def _board(outcomes: int) -> Board:
    rows = tuple(
        BoardOutcome(f"o{i}", (BP, SB), (2.0, 1.9), SB, 1.9, (2.0 / 1.9 - 1) * 100, False)
        for i in range(outcomes)
    )
    market = BoardMarket(("3743", None, None, None, None), "1X2 - FT", (BP, SB), {BP: 5.0, SB: 6.0}, rows)
    event = BoardEvent("9001", "A", "B", KICKOFF, None, (market,))
    return Board(KICKOFF, None, CORE, False, (event,))


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "x", "²", "٣", str(MAX_ROWS + 1)])
def test_a_limit_that_is_not_a_plain_number_of_rows_is_a_bad_parameter(text: str) -> None:
    with pytest.raises(BadParameter) as bad:
        _limit(MultiDict(limit=text))
    assert bad.value.name == "limit"


def test_show_more_asks_for_four_times_the_rows_but_never_beyond_the_most_a_page_shows() -> None:
    def more(limit: int, outcomes: int) -> list[str]:
        html = board_body(_board(outcomes), BoardQuery(), sort="kickoff", limit=limit)
        return re.findall(r'limit=(\d+)">show more</a>', html)

    assert more(300, 301) == ["1200"] and more(300, 300) == []
    assert more(20_000, 20_001) == [str(MAX_ROWS)]  # not 80000, which the page refuses
    assert _limit(MultiDict(limit=str(MAX_ROWS))) == MAX_ROWS


@pytest.mark.parametrize(("ttl", "said"), [(2.0, "up to 4 s old"), (0.0, "read for every request")])
def test_the_footer_says_how_old_the_board_can_be(ttl: float, said: str) -> None:
    # a cached board is fresh for ttl, then answered while it refreshes for another ttl
    reads = Reads(cast(Any, None), ReadsSettings(board_ttl_s=ttl))
    assert reads.boards.ttl_s + reads.boards.stale_s == 2 * ttl
    assert said in _footer(reads)


def test_the_filter_form_keeps_the_tournament_escaped() -> None:
    html = board_body(_board(1), BoardQuery(tournament='"><b>Cup'), sort="gap", limit=300)
    form = html[html.index("<form") : html.index("</form>")]
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert hidden == {"sort": "gap", "tournament": "&quot;&gt;&lt;b&gt;Cup"}
    assert "<b>" not in html


@pytest.mark.parametrize("name", ["sort", "limit"])
def test_sort_or_limit_given_twice_is_a_bad_parameter_like_the_boards_own(name: str) -> None:
    query = MultiDict(
        [(name, "gap" if name == "sort" else "10"), (name, "kickoff" if name == "sort" else "20")]
    )
    with pytest.raises(BadParameter, match="more than once") as bad:
        _sort(query) if name == "sort" else _limit(query)
    assert bad.value.name == name
