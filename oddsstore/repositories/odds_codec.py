"""The stored form of a market's prices: one ``bytea`` per market (``odds_history.odds``,
``current_odds.odds``), exact and small.

The prices come in outcome order, each negated when the outcome is inactive (valid odds are > 0, so
the sign is free). When every price is a whole number of thousandths below 2,147,483 in size
(``abs(p) < 2147483 and round(p * 1000) / 1000 == p``, the usual case: 1.85, 12.5) the bytes are
``\\x01`` and one big-endian int32 per price in thousandths; otherwise ``\\x02`` and one big-endian
IEEE float64 per price. Both decode to the very float that was encoded. The migration defines the
same pair in SQL (``oddsstore_encode_odds(float8[])``, ``oddsstore_decode_odds(bytea)``), which give
the same bytes and prices.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence

__all__ = ["decode_odds", "encode_odds"]

_MILLI = 1
_FLOAT = 2
_MILLI_BELOW = 2147483.0  # |price| under this: its thousandths fit an int32


def encode_odds(prices: Sequence[float]) -> bytes:
    """The stored bytes of ``prices`` (inactive ones already negated)."""
    milli: list[int] = []
    for price in prices:
        if not -_MILLI_BELOW < price < _MILLI_BELOW:
            return bytes((_FLOAT,)) + struct.pack(f">{len(prices)}d", *prices)
        m = round(price * 1000)
        if m / 1000 != price:
            return bytes((_FLOAT,)) + struct.pack(f">{len(prices)}d", *prices)
        milli.append(m)
    return bytes((_MILLI,)) + struct.pack(f">{len(milli)}i", *milli)


def decode_odds(data: bytes) -> tuple[float, ...]:
    """The prices stored in ``data`` (negative: inactive)."""
    if data[0] == _MILLI:
        return tuple([m / 1000 for m in _struct(">", (len(data) - 1) // 4, "i").unpack_from(data, 1)])
    return _struct(">", (len(data) - 1) // 8, "d").unpack_from(data, 1)


@functools.cache
def _struct(order: str, count: int, code: str) -> struct.Struct:
    return struct.Struct(f"{order}{count}{code}")
