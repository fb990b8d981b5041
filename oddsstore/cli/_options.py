"""Options shared by the cycle commands (``cycle``, ``serve``, ``demo``): DSN, sites, limits, batches.

Every value is checked before anything connects (no run row for a bad input): argparse types for
numbers with their limits (:func:`positive_int`, :func:`non_negative_int`, :func:`positive_float`,
:func:`run_id`), :func:`check_dsn` for the DSN's form, http/https base URLs only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import attrs

from oddsstore.clients import ClientSettings
from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.reads.common import parse_moment

DSN_ENV = "ODDSSTORE_DSN"
#: The largest ``--batch-size`` accepted: one batch is one transaction held in memory twice.
MAX_BATCH_SIZE = 1000
#: Run ids are PostgreSQL bigints.
MAX_RUN_ID = 2**63 - 1
_DSN_SCHEMES = ("postgres", "postgresql")


class UsageError(Exception):
    """A bad command-line value; the command prints it and exits with status 2."""


def parse_at(text: str, flag: str = "--at") -> datetime:
    """An aware UTC datetime from ISO 8601 text (a trailing ``Z`` and naive times are UTC)."""
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def positive_int(limit: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer >= 1 (and <= ``limit``)."""

    def parse(text: str) -> int:
        value = _int(text)
        if value < 1 or (limit is not None and value > limit):
            bound = f" and at most {limit}" if limit is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least 1{bound}, not {text}")
        return value

    return parse


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0 (at most 2**31 - 1, PostgreSQL's integer settings)."""
    value = _int(text)
    if not 0 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and {2**31 - 1}, not {text}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number of seconds > 0 (at most a day)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds, not {text}")
    return value


def run_id(text: str) -> int:
    """An argparse type: a scrape run id (a positive bigint)."""
    value = _int(text)
    if not 1 <= value <= MAX_RUN_ID:
        raise argparse.ArgumentTypeError(f"not a run id (1 to {MAX_RUN_ID}): {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def check_dsn(dsn: str) -> None:
    """Raise :class:`UsageError` for a DSN asyncpg could not even parse (the message never shows it)."""
    if "://" not in dsn:
        if "=" not in dsn:
            raise UsageError("the DSN is neither a postgresql:// URI nor key=value pairs")
        return
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018 - parsing the port raises for a non-numeric one
    except ValueError as exc:
        problem = "an unclosed IPv6 address" if "IPv6" in str(exc) else "a port that is not a number"
        raise UsageError(f"the DSN is not a valid URI: {problem}") from None
    if parts.scheme not in _DSN_SCHEMES:
        raise UsageError(f"the DSN must start with postgresql:// or postgres://, not {parts.scheme}://")


def check_base_url(flag: str, url: str) -> None:
    """Raise :class:`UsageError` unless ``url`` is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
    except ValueError:
        raise UsageError(f"{flag}: not a valid URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag}: only http:// and https:// URLs with a host are accepted, not {url!r}")


def dsn_or_say(args: argparse.Namespace, command: str) -> str | None:
    """The checked DSN; on a problem, one line on stderr and ``None`` (the caller exits 2)."""
    dsn = resolve_dsn(args)
    if not dsn:
        print(f"oddsstore {command}: no DSN: pass --dsn or set {DSN_ENV}", file=sys.stderr)
        return None
    try:
        check_dsn(dsn)
    except UsageError as exc:
        print(f"oddsstore {command}: {exc}", file=sys.stderr)
        return None
    return dsn


def add_dsn(parser: argparse.ArgumentParser, *, required_hint: str = "") -> None:
    parser.add_argument(
        "--dsn",
        default=None,
        help=f"PostgreSQL DSN, TCP or ...?host=/socket/dir (default: ${DSN_ENV}){required_hint}",
    )


def resolve_dsn(args: argparse.Namespace) -> str | None:
    dsn: str | None = args.dsn or os.environ.get(DSN_ENV)
    return dsn


def add_cycle_options(parser: argparse.ArgumentParser, *, base_urls: bool = True) -> None:
    parser.add_argument(
        "--sites",
        default=",".join(p.value for p in ALL_PLATFORMS),
        help="comma-separated sites to scrape (default: all three)",
    )
    if base_urls:
        parser.add_argument(
            "--base-url",
            action="append",
            default=[],
            metavar="SITE=URL",
            help="another base URL for a site (a proxy, the simulator, another brand); repeatable",
        )
    parser.add_argument(
        "--concurrency",
        action="append",
        default=[],
        metavar="SITE=N",
        help="requests in flight to a site (defaults: betpawa 50, sportybet 50, bet9ja 15); repeatable",
    )
    parser.add_argument(
        "--min-interval",
        action="append",
        default=[],
        metavar="SITE=SECONDS",
        help="minimum time between request starts on a site (default: bet9ja 0.025); repeatable",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int(MAX_BATCH_SIZE),
        default=50,
        help=f"events per stored batch (default 50, at most {MAX_BATCH_SIZE})",
    )
    parser.add_argument("--trigger", default="cli", help="what started the run, kept on the run row")


def _pairs(values: list[str], flag: str) -> dict[Platform, str]:
    out: dict[Platform, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not value:
            raise UsageError(f"{flag} expects SITE=VALUE, got {item!r}")
        out[parse_platform(name)] = value
    return out


def parse_platform(name: str) -> Platform:
    try:
        return Platform(name.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in ALL_PLATFORMS)
        raise UsageError(f"unknown site {name!r} (known: {known})") from None


def selected_platforms(args: argparse.Namespace) -> tuple[Platform, ...]:
    chosen = {parse_platform(n) for n in str(args.sites).split(",") if n.strip()}
    if not chosen:
        raise UsageError("--sites names no site")
    return tuple(p for p in ALL_PLATFORMS if p in chosen)


def client_settings(args: argparse.Namespace, base_urls: dict[Platform, str] | None = None) -> ClientSettings:
    """Client settings from the options; ``base_urls`` (e.g. the simulator's) win over ``--base-url``."""
    urls = _pairs(getattr(args, "base_url", []), "--base-url")
    for url in urls.values():
        check_base_url("--base-url", url)
    urls.update(base_urls or {})
    settings = ClientSettings.for_base_urls(urls) if urls else ClientSettings.defaults()
    try:
        for platform, value in _pairs(args.concurrency, "--concurrency").items():
            settings = settings.with_site(platform, concurrency=int(value))
        for platform, value in _pairs(args.min_interval, "--min-interval").items():
            settings = settings.with_site(platform, min_interval_s=float(value))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return settings


def coordinator_settings(args: argparse.Namespace) -> CoordinatorSettings:
    try:
        return CoordinatorSettings(batch_size=args.batch_size, trigger=args.trigger)
    except ValueError as exc:
        raise UsageError(f"--batch-size: {exc}") from None


@attrs.frozen
class CycleInputs:
    """What ``cycle`` and ``serve`` read from their options before they start."""

    dsn: str
    settings: ClientSettings
    platforms: tuple[Platform, ...]
    options: CoordinatorSettings


def cycle_inputs(args: argparse.Namespace, command: str) -> CycleInputs | None:
    """The DSN, client and coordinator settings; on a problem, say it on stderr and return None."""
    dsn = dsn_or_say(args, command)
    if dsn is None:
        return None
    try:
        return CycleInputs(dsn, client_settings(args), selected_platforms(args), coordinator_settings(args))
    except UsageError as exc:
        print(f"oddsstore {command}: {exc}", file=sys.stderr)
        return None
