"""The service's JSON answers: one body shape for errors, ``503`` with a reason while the database is
unavailable, and how long a request waits for the database before that."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from oddsstore.errors import describe

__all__ = ["REQUEST_DB_TIMEOUT_S", "json_response", "unavailable"]

# How long a request waits for the database before answering 503.
REQUEST_DB_TIMEOUT_S = 5.0


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def unavailable(exc: BaseException) -> web.Response:
    return json_response({"error": "the database is unavailable", "reason": describe(exc)}, 503)
