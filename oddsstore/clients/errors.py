"""Typed errors raised by the bookmaker clients.

Every failure of a request surfaces as a :class:`SiteError` whose message names the site, the request
(method and path, never headers or secrets) and the cause. ``reason`` is a short stable slug that callers
may record and count: ``timeout``, ``connection``, ``http_503`` (any ``http_<status>``), ``throttled``,
``not_found``, ``bad_envelope``, ``malformed_json``, ``bad_payload``, ``too_large``, ``no_events``,
``circuit_open``.
"""

from __future__ import annotations

from oddsstore.models import Platform


class SiteError(Exception):
    """A request to one bookmaker failed (after any retries)."""

    def __init__(
        self,
        platform: Platform,
        request: str,
        reason: str,
        detail: str = "",
        *,
        attempts: int = 1,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(platform, request, reason, detail)
        self.platform = platform
        self.request = request
        self.reason = reason
        self.detail = detail
        self.attempts = attempts
        self.status = status
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        cause = f"{self.reason}: {self.detail}" if self.detail else self.reason
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.platform.value} {self.request} failed{tries}: {cause}"

    @property
    def transient(self) -> bool:
        return isinstance(self, TransientSiteError)


class TransientSiteError(SiteError):
    """A failure worth retrying: timeout, connection error, 5xx, 429, Bet9ja 403 throttling."""


class PermanentSiteError(SiteError):
    """A failure that a retry would not fix: 404, bad envelope, unparsable or oversized body, ..."""
