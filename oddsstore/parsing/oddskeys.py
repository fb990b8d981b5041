"""Bet9ja's odds-key grammar: ``<SPORT>_<MARKET>[@<param>]_<OUTCOME>`` (``S_OU@2.5_O``).

market = text after the sport prefix up to ``@`` if there is one, else up to the last ``_``;
param = between ``@`` and the last ``_``; outcome = after the last ``_``. The market is returned with its
sport prefix (``"S_OU"``), as the mapping table spells it. A key that does not fit raises ``ParseError``.
"""

from __future__ import annotations

from typing import NamedTuple

from oddsstore.parsing.common import number
from oddsstore.parsing.errors import ParseError

MAX_KEY_LENGTH = 120
_PATH = "odds_key"


class OddsKey(NamedTuple):
    market: str  # "S_OU", sport prefix included
    param: str | None  # "2.5", or None when the key has no "@"
    outcome: str  # "O"


def split_odds_key(key: str) -> OddsKey:
    if not isinstance(key, str):
        raise ParseError(_PATH, f"expected text, got {type(key).__name__}")
    if len(key) > MAX_KEY_LENGTH:
        raise ParseError(_PATH, f"longer than {MAX_KEY_LENGTH} characters")
    prefix_end = key.find("_")
    last = key.rfind("_")
    if prefix_end <= 0 or last <= prefix_end:
        raise ParseError(_PATH, f"expected SPORT_MARKET_OUTCOME, got {key!r:.60}")
    outcome = key[last + 1 :]
    if not outcome:
        raise ParseError(_PATH, f"empty outcome in {key!r:.60}")
    at = key.find("@", prefix_end + 1, last)
    if at == -1:
        if "@" in outcome:
            raise ParseError(_PATH, f"'@' after the last '_' in {key!r:.60}")
        market, param = key[:last], None
    else:
        market, param = key[:at], key[at + 1 : last]
        if not param:
            raise ParseError(_PATH, f"empty parameter in {key!r:.60}")
    if len(market) <= prefix_end + 1:
        raise ParseError(_PATH, f"empty market in {key!r:.60}")
    return OddsKey(market, param, outcome)


def param_number(param: str) -> float:
    """The numeric parameter of a line or handicap key (``"-0.5"``), ParseError otherwise."""
    value = number(param)
    if value is None:
        raise ParseError(_PATH, f"parameter is not a finite number: {param!r:.40}")
    return value + 0.0
