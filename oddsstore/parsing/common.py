"""Shared mechanism of the three site parsers: typed key-path access, odds and kickoff coercion.

Every accessor takes the path of the value it reads so that a failure raises ``ParseError`` naming the
full key path ("data.markets[3].outcomes"), never a ``KeyError``/``TypeError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from oddsstore.parsing.errors import ParseError

# Sanity bounds of a decimal price: 1.0 pays nothing back (sites show it for locked prices).
MAX_ODDS = 100_000.0
_MAX_NUMBER_TEXT = 40


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def as_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParseError(path, f"expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ParseError(path, f"expected a list, got {type(value).__name__}")
    return value


def field(obj: Mapping[str, Any], key: str, path: str) -> Any:
    """``obj[key]``; a missing key or a null value raises ParseError naming ``path.key``."""
    value = obj.get(key)
    if value is None:
        raise ParseError(join(path, key), "missing")
    return value


def mapping_field(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    return as_mapping(field(obj, key, path), join(path, key))


def list_field(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    return as_list(field(obj, key, path), join(path, key))


def str_field(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = field(obj, key, path)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(join(path, key), f"expected a non-empty string, got {value!r:.60}")
    return value.strip()


def id_text(value: Any, path: str) -> str:
    """An identifier given as a string or an integer, as text."""
    if isinstance(value, bool):
        raise ParseError(path, "expected an id, got a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ParseError(path, f"expected an id, got {value!r:.60}")


def id_field(obj: Mapping[str, Any], key: str, path: str) -> str:
    return id_text(field(obj, key, path), join(path, key))


def opt_text(obj: Mapping[str, Any] | None, key: str) -> str | None:
    """An optional descriptive field (tournament, country): text or None, never an error."""
    if obj is None:
        return None
    value = obj.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def opt_mapping(obj: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    if obj is None:
        return None
    value = obj.get(key)
    return value if isinstance(value, Mapping) else None


def number(text: Any) -> float | None:
    """A finite number from an int, float or numeric string; None when it is not one.

    Refuses booleans, infinities, NaN, over-long text and Python-only spellings such as ``1_0`` or
    non-ASCII digits.
    """
    kind = type(text)  # exact types: bool is not a number here, and this is the hot path
    if kind is float:
        value: float = text
    elif kind is str:
        if len(text) > _MAX_NUMBER_TEXT or "_" in text or not text.isascii():
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    elif kind is int:
        value = float(text)
    else:
        return None
    return value if math.isfinite(value) else None


def odds_value(raw: Any) -> float | None:
    """A usable decimal price (> 1.0 and finite) or None."""
    value = number(raw)
    if value is None or value <= 1.0 or value > MAX_ODDS:
        return None
    return value


def kickoff_iso(text: Any, path: str) -> datetime:
    """ISO-8601 with a zone (``2026-05-06T11:00:00Z``) -> aware UTC. A zone-less time is refused."""
    if not isinstance(text, str):
        raise ParseError(path, f"expected an ISO-8601 time, got {text!r:.60}")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ParseError(path, f"not an ISO-8601 time: {text!r:.60}") from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ParseError(path, f"time without a zone: {text!r:.60}")
    return value.astimezone(UTC)


def kickoff_unix_ms(raw: Any, path: str) -> datetime:
    """Unix milliseconds (int or digit string) -> aware UTC."""
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float | str):
        digits = number(raw)
        if digits is not None and digits.is_integer() and (isinstance(raw, float) or raw.strip().isdigit()):
            value = int(digits)
    if value is None:
        raise ParseError(path, f"expected unix milliseconds, got {raw!r:.60}")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ParseError(path, f"unix milliseconds out of range: {value}") from exc


def kickoff_naive_utc(text: Any, path: str) -> datetime:
    """``"YYYY-MM-DD HH:MM:SS"`` without a zone, read as UTC (Bet9ja); a time with a zone is converted."""
    if not isinstance(text, str) or len(text) > _MAX_NUMBER_TEXT:
        raise ParseError(path, f"expected 'YYYY-MM-DD HH:MM:SS', got {text!r:.60}")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ParseError(path, f"expected 'YYYY-MM-DD HH:MM:SS', got {text!r:.60}") from exc
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def split_teams(text: str, path: str) -> tuple[str, str]:
    """``"Home - Away"`` split on the first ``" - "``."""
    home, sep, away = text.partition(" - ")
    home, away = home.strip(), away.strip()
    if not sep or not home or not away:
        raise ParseError(path, f"expected 'Home - Away', got {text!r:.80}")
    return home, away
