"""Client settings: frozen attrs, one :class:`SiteSettings` per bookmaker plus shared knobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from oddsstore.errors import RetryPolicy
from oddsstore.models import Platform

_DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _strip_slash(url: str) -> str:
    return str(url).rstrip("/")


@attrs.frozen(slots=True)
class SiteSettings:
    """Where one bookmaker lives and how hard it may be pushed.

    ``concurrency`` bounds the requests in flight to the site and ``min_interval_s`` the time between two
    request starts; both are shared by everything that calls the site through one client.
    """

    base_url: str = attrs.field(converter=_strip_slash)
    concurrency: int = attrs.field(default=50, validator=_positive)
    min_interval_s: float = attrs.field(default=0.0, validator=_non_negative)


_DEFAULT_SITES: Mapping[Platform, SiteSettings] = {
    Platform.BETPAWA: SiteSettings("https://www.betpawa.ng", concurrency=50),
    Platform.SPORTYBET: SiteSettings("https://www.sportybet.com", concurrency=50),
    Platform.BET9JA: SiteSettings("https://sports.bet9ja.com", concurrency=15, min_interval_s=0.025),
}


@attrs.frozen(slots=True)
class ClientSettings:
    """Everything the three clients need. ``defaults()`` points at the real sites (TLS verified)."""

    betpawa: SiteSettings
    sportybet: SiteSettings
    bet9ja: SiteSettings
    connect_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    total_timeout_s: float = attrs.field(default=30.0, validator=_positive)
    max_body_bytes: int = attrs.field(default=16 * 1024 * 1024, validator=_positive)
    max_attempts: int = attrs.field(default=4, validator=_positive)
    backoff_base_s: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_max_s: float = attrs.field(default=10.0, validator=_non_negative)
    retry_after_max_s: float = attrs.field(default=60.0, validator=_non_negative)
    breaker_threshold: int = attrs.field(default=20, validator=_positive)
    betpawa_api_version: str = "v4"
    betpawa_brand: str = "betpawa-nigeria"
    betpawa_page_size: int = attrs.field(default=100, validator=_positive)
    sportybet_tournaments_per_request: int = attrs.field(default=10, validator=_positive)
    bet9ja_cache_version: str = "1.0"
    user_agent: str = _DESKTOP_UA

    @classmethod
    def defaults(cls, **overrides: Any) -> ClientSettings:
        """Settings for the real sites; keyword arguments override any field."""
        return cls(
            betpawa=_DEFAULT_SITES[Platform.BETPAWA],
            sportybet=_DEFAULT_SITES[Platform.SPORTYBET],
            bet9ja=_DEFAULT_SITES[Platform.BET9JA],
            **overrides,
        )

    @classmethod
    def for_base_urls(cls, urls: Mapping[Platform, str], **overrides: Any) -> ClientSettings:
        """The default limits, with the base URL of each listed site replaced (simulator, proxy, brand)."""
        sites = {
            platform: attrs.evolve(_DEFAULT_SITES[platform], base_url=urls[platform])
            if platform in urls
            else _DEFAULT_SITES[platform]
            for platform in _DEFAULT_SITES
        }
        return cls(
            betpawa=sites[Platform.BETPAWA],
            sportybet=sites[Platform.SPORTYBET],
            bet9ja=sites[Platform.BET9JA],
            **overrides,
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retries of a request: ``max_attempts`` in all, full-jitter back-off, ``Retry-After`` kept."""
        return RetryPolicy(
            attempts=self.max_attempts,
            base_s=self.backoff_base_s,
            max_s=self.backoff_max_s,
            jitter=True,
            hint_max_s=self.retry_after_max_s,
        )

    def site(self, platform: Platform) -> SiteSettings:
        return {
            Platform.BETPAWA: self.betpawa,
            Platform.SPORTYBET: self.sportybet,
            Platform.BET9JA: self.bet9ja,
        }[platform]

    def with_site(self, platform: Platform, **changes: Any) -> ClientSettings:
        """A copy with one site's settings changed, e.g. ``with_site(Platform.BET9JA, concurrency=5)``."""
        changed = attrs.evolve(self.site(platform), **changes)
        if platform is Platform.BETPAWA:
            return attrs.evolve(self, betpawa=changed)
        if platform is Platform.SPORTYBET:
            return attrs.evolve(self, sportybet=changed)
        return attrs.evolve(self, bet9ja=changed)
