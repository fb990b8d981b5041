"""JSON form of the models (cattrs + orjson): spill files, replays and anything else that crosses a process.

One converter, configured once: aware datetimes as ISO-8601 text, enums by value, tuples as lists.
Structuring validates types, so a damaged spill line is refused with a clear error instead of half
stored.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import cattrs
import orjson
from cattrs.preconf.orjson import make_converter

from oddsstore.models import ScrapeBatch

_converter = make_converter()


def _parse_datetime(value: Any, _type: type) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 timestamp, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed


_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _unstructure_float(value: float) -> float | str:
    # JSON has no NaN or infinity (orjson writes null): keep them as text so a spilled batch that
    # holds bad odds comes back as the same bad odds, to be refused with its reason at store time.
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _structure_float(value: Any, _type: type) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


_converter.register_unstructure_hook(datetime, lambda value: value.isoformat())
_converter.register_structure_hook(datetime, _parse_datetime)
_converter.register_unstructure_hook(float, _unstructure_float)
_converter.register_structure_hook(float, _structure_float)


def _structure_problem(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return f"{exc} (expected {getattr(type_, '__name__', type_)})"


class SerializationError(ValueError):
    """A JSON document that is not a valid serialised batch."""


def batch_to_dict(batch: ScrapeBatch) -> dict[str, Any]:
    data: dict[str, Any] = _converter.unstructure(batch)
    return data


def batch_from_dict(data: Any) -> ScrapeBatch:
    try:
        return _converter.structure(data, ScrapeBatch)
    except cattrs.BaseValidationError as exc:
        detail = "; ".join(cattrs.transform_error(exc, format_exception=_structure_problem))
        raise SerializationError(f"not a valid batch: {detail}") from exc
    except (TypeError, ValueError, KeyError) as exc:
        raise SerializationError(f"not a valid batch: {exc}") from exc


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)


def loads(text: bytes | str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise SerializationError(f"not valid JSON: {exc}") from exc
