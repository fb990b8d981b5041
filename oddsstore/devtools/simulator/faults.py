"""Fault injection: which faults a site serves, how often, and what they do to a body."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import attrs

from oddsstore.models import Platform

FAULT_KINDS = (
    "timeout",  # the answer never comes (within hang_s)
    "http_500",
    "http_503",
    "http_429",  # throttled, with Retry-After when retry_after_s is set
    "malformed_json",
    "missing_keys",  # a key the parser needs is gone
    "bad_envelope",  # SportyBet bizCode != 10000, Bet9ja R == "E", BetPawa not an object
    "oversize",  # a body far larger than any real one
    "reset",  # the connection is closed without an answer
)
ENDPOINTS = ("tree", "list", "event")


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _known_kinds(_instance: object, _attribute: object, kinds: tuple[str, ...]) -> None:
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")


@attrs.frozen(slots=True)
class FaultConfig:
    """Faults of one site. ``rate`` is the share of requests (to ``endpoints``) that get one of ``kinds``;
    ``limit`` stops injecting after that many. ``down``: every request is dropped. ``empty``: discovery
    lists no events."""

    rate: float = 0.0
    kinds: tuple[str, ...] = attrs.field(default=("http_503",), converter=_str_tuple, validator=_known_kinds)
    endpoints: tuple[str, ...] = attrs.field(default=ENDPOINTS, converter=_str_tuple)
    limit: int | None = None
    retry_after_s: float | None = None
    hang_s: float = 120.0  # beyond any sane client timeout; the handler ends when the client hangs up
    oversize_bytes: int = 32 * 1024 * 1024
    down: bool = False
    empty: bool = False

    def pick(self, rng: random.Random, endpoint: str, injected: int) -> str | None:
        if self.rate <= 0 or endpoint not in self.endpoints or not self.kinds:
            return None
        if self.limit is not None and injected >= self.limit:
            return None
        if rng.random() >= self.rate:
            return None
        return rng.choice(self.kinds)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        fields = {f.name for f in attrs.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}")
        return cls(**data)


NO_FAULTS = FaultConfig()


def bad_envelope(platform: Platform) -> Any:
    if platform is Platform.SPORTYBET:
        return {"bizCode": 19000, "message": "system busy, please try again", "data": None}
    if platform is Platform.BET9JA:
        return {"R": "E", "D": {}}
    return [{"error": "INTERNAL"}]


def drop_keys(platform: Platform, endpoint: str, body: Any) -> Any:
    """Remove keys the parser needs from a body (in place) and return it."""
    if platform is Platform.BETPAWA:
        if endpoint == "tree":
            body.pop("withRegions", None)
        elif endpoint == "list":
            body["responses"][0].pop("responses", None)
        else:
            body.pop("participants", None)
            body.pop("startTime", None)
    elif platform is Platform.SPORTYBET:
        data = body["data"]
        if endpoint == "tree":
            data.pop("sportList", None)
        elif endpoint == "list":
            for tournament in data:
                tournament.pop("events", None)
        else:
            data.pop("homeTeamName", None)
            data.pop("estimateStartTime", None)
    else:
        d = body["D"]
        for key in {"tree": ("PAL",), "list": ("E",), "event": ("DS", "STARTDATE")}[endpoint]:
            d.pop(key, None)
    return body
