"""Options shared by the cycle commands (``cycle``, ``serve``, ``demo``): DSN, sites, limits, batches."""

from __future__ import annotations

import argparse
import os
import sys

import attrs

from oddsstore.clients import ClientSettings
from oddsstore.cycle.coordinator import CoordinatorSettings
from oddsstore.models import ALL_PLATFORMS, Platform

DSN_ENV = "ODDSSTORE_DSN"


class UsageError(Exception):
    """A bad command-line value; the command prints it and exits with status 2."""


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
    parser.add_argument("--batch-size", type=int, default=50, help="events per stored batch (default 50)")
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
    dsn = resolve_dsn(args)
    if not dsn:
        print(f"oddsstore {command}: no DSN: pass --dsn or set {DSN_ENV}", file=sys.stderr)
        return None
    try:
        return CycleInputs(dsn, client_settings(args), selected_platforms(args), coordinator_settings(args))
    except UsageError as exc:
        print(f"oddsstore {command}: {exc}", file=sys.stderr)
        return None
