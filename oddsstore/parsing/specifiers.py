"""SportyBet's market specifier grammar: ``key=value`` pairs joined by ``|``.

``total=2.5`` gives an over/under line; ``hcp=X:Y`` a European handicap (home = X - Y); ``hcp=-0.5`` an
Asian handicap (home = v). Other keys (``variant``, ``goalnr``, ``from``/``to``...) select a variant of a
market and are kept as text. Anything malformed raises ``ParseError`` (path ``"specifier"``).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from oddsstore.parsing.common import number
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.mapping import ASIAN, EUROPEAN

MAX_SPECIFIER_LENGTH = 200
_PATH = "specifier"


@attrs.frozen(slots=True)
class Specifier:
    total: float | None = None
    handicap_type: str | None = None  # "asian" or "european" when hcp is given
    handicap_home: float | None = None
    handicap_away: float | None = None
    extras: Mapping[str, str] = attrs.field(factory=dict)  # the other keys, lower-cased


EMPTY = Specifier()


def _num(value: str, what: str) -> float:
    result = number(value)
    if result is None:
        raise ParseError(_PATH, f"{what} is not a finite number: {value!r:.40}")
    return result + 0.0  # -0.0 -> 0.0


def parse_handicap(value: str) -> tuple[str, float, float]:
    """``"0:1"`` -> (european, -1, 1); ``"-0.5"`` -> (asian, -0.5, 0.5)."""
    if ":" in value:
        left, _, right = value.partition(":")
        if ":" in right:
            raise ParseError(_PATH, f"hcp has more than one colon: {value!r:.40}")
        home_goals, away_goals = _num(left, "hcp home part"), _num(right, "hcp away part")
        home = home_goals - away_goals + 0.0
        return EUROPEAN, home, -home + 0.0
    home = _num(value, "hcp")
    return ASIAN, home, -home + 0.0


def parse_specifier(text: str | None) -> Specifier:
    if text is None:
        return EMPTY
    if not isinstance(text, str):
        raise ParseError(_PATH, f"expected text, got {type(text).__name__}")
    if len(text) > MAX_SPECIFIER_LENGTH:
        raise ParseError(_PATH, f"longer than {MAX_SPECIFIER_LENGTH} characters")
    if not text.strip():
        return EMPTY
    pairs: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not key:
            raise ParseError(_PATH, f"expected key=value, got {part!r:.40}")
        if key in pairs:
            raise ParseError(_PATH, f"key {key!r:.20} given twice")
        pairs[key] = value
    total = pairs.pop("total", None)
    hcp = pairs.pop("hcp", None)
    result_total = None if total is None else _num(total, "total")
    if hcp is None:
        return Specifier(total=result_total, extras=pairs)
    kind, home, away = parse_handicap(hcp)
    return Specifier(
        total=result_total, handicap_type=kind, handicap_home=home, handicap_away=away, extras=pairs
    )
