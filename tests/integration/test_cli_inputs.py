"""Every bad input the reliability issue lists: one line on stderr, a non-zero exit, no traceback, no run
row, and never the password: each command gets a DSN whose password is a unique marker, and all its
output is searched for it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import pytest
from cli_proc_kit import cli

from oddsstore.db import with_database

MARKER = "Mk7-uniq-pw-5d1f@9"  # "@" makes the URI form percent-encode it
SECRETS = (MARKER, quote(MARKER, safe=""), "Mk7-uniq-pw")
CLOSED = "http://127.0.0.1:9"  # nothing listens there; the checks come before any request


def _with_marker(dsn: str) -> str:
    """``dsn`` with MARKER as the password (the test server trusts local connections: it is ignored)."""
    parts = urlsplit(dsn)
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] or "postgres"
    netloc = f"{user}:{quote(MARKER, safe='')}@{host}"
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def _cases(dsn: str, empty_dsn: str, tmp: Path) -> dict[str, tuple[int, list[str]]]:
    """name -> (expected exit status, argv)."""
    sites = [f"--base-url={s}={CLOSED}" for s in ("betpawa", "sportybet", "bet9ja")]
    parts = urlsplit(dsn)
    refused = f"{parts.scheme}://no_such_role_q:{quote(MARKER, safe='')}@{parts.netloc.rpartition('@')[2]}"
    refused += f"{parts.path}" + (f"?{parts.query}" if parts.query else "")
    blocker = tmp / "a-file"
    blocker.write_text("x")
    pw = quote(MARKER)
    return {
        "port-not-a-number": (2, ["cycle", "--dsn", f"postgresql://u:{pw}@127.0.0.1:54x2/db", *sites]),
        "unclosed-ipv6": (2, ["cycle", "--dsn", f"postgresql://u:{pw}@[::1/db", *sites]),
        "not-postgresql": (2, ["cycle", "--migrate", "--dsn", f"mysql://u:{pw}@127.0.0.1/db", *sites]),
        "migrate-refused": (1, ["cycle", "--migrate", "--dsn", refused, *sites]),
        "status-unmigrated": (1, ["status", "1", "--dsn", empty_dsn]),
        "cycle-unmigrated": (1, ["cycle", "--dsn", empty_dsn, *sites]),
        "status-huge-id": (2, ["status", "1180591620717411303424", "--dsn", dsn]),
        "statement-timeout": (2, ["cycle", "--dsn", dsn, "--statement-timeout-ms", "-5", *sites]),
        "flush-timeout": (2, ["cycle", "--dsn", dsn, "--flush-timeout", "-1", *sites]),
        "batch-size": (2, ["cycle", "--dsn", dsn, "--batch-size", "1000000000", *sites]),
        "ftp-url": (2, ["cycle", "--dsn", dsn, "--base-url=betpawa=ftp://127.0.0.1/x"]),
        "no-scheme": (2, ["cycle", "--dsn", dsn, "--base-url=betpawa=127.0.0.1:8080"]),
        "file-url": (2, ["cycle", "--dsn", dsn, "--base-url=bet9ja=file:///etc/passwd"]),
        "spill-dir": (2, ["cycle", "--dsn", dsn, "--spill-dir", str(blocker / "spill"), *sites]),
        "replay-dir": (2, ["replay", str(tmp), "--dsn", dsn]),
        "serve-beyond-loopback": (2, ["serve", "--dsn", dsn, "--host", "0.0.0.0", *sites]),  # noqa: S104
        "serve-board-ttl": (2, ["serve", "--dsn", dsn, "--board-ttl", "-1", *sites]),
    }


async def test_every_bad_input_is_one_line_a_non_zero_exit_no_traceback_no_run_row_and_no_password(
    db_dsn: str, pg_dsn: str, tmp_path: Path
) -> None:
    dsn = _with_marker(db_dsn)
    admin = await asyncpg.connect(pg_dsn)
    empty = f"oddsstore_empty_{os.getpid()}"
    await admin.execute(f'CREATE DATABASE "{empty}"')
    try:
        cases = _cases(dsn, _with_marker(with_database(pg_dsn, empty)), tmp_path)
        gate = asyncio.Semaphore(2)  # two cores

        async def one(argv: list[str]) -> tuple[int, str, str]:
            async with gate:
                return await cli(*argv)

        done = await asyncio.gather(*(one(argv) for _, argv in cases.values()))
        results = dict(zip(cases, done, strict=True))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        await admin.close()
    conn = await asyncpg.connect(db_dsn)
    try:
        runs = await conn.fetchval("SELECT count(*) FROM scrape_runs")
    finally:
        await conn.close()
    problems = []
    for name, (code, out, err) in results.items():
        expected = cases[name][0]
        lines = [line for line in err.splitlines() if line.strip()]
        if code != expected:
            problems.append(f"{name}: exit {code}, not {expected}: {err!r}")
        if len(lines) != 1 or not lines[0].startswith("oddsstore "):
            problems.append(f"{name}: not one line on stderr: {err!r}")
        if "Traceback" in out + err:
            problems.append(f"{name}: a traceback: {err!r}")
        if any(secret in out + err for secret in SECRETS):
            problems.append(f"{name}: the password leaked: {out + err!r}")
    assert not problems, "\n".join(problems)
    assert runs == 0  # no bad input left a run row


@pytest.mark.parametrize("flag", ["--statement-timeout-ms=0", "--flush-timeout=0.5", "--batch-size=1000"])
def test_limits_accept_their_edges(flag: str) -> None:
    from oddsstore.cli import build_parser

    args = build_parser().parse_args(["cycle", flag])
    assert args.func is not None


def test_the_cli_log_handler_never_prints_local_variables(capsys: pytest.CaptureFixture[str]) -> None:
    from loguru import logger

    from oddsstore.cli import add_log_handler

    logger.remove()
    handler = add_log_handler("INFO")
    logger.enable("oddsstore")

    def connect(dsn: str) -> None:
        raise ValueError("cannot connect")

    try:
        try:
            connect(f"postgresql://u:{MARKER}@db/x")
        except ValueError as exc:
            logger.opt(exception=exc).error("cycle failed")
    finally:
        logger.remove(handler)
    err = capsys.readouterr().err
    assert "cycle failed" in err and "ValueError: cannot connect" in err
    assert not any(secret in err for secret in SECRETS), err
