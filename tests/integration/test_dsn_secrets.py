"""A password in a DSN never reaches logs, progress output, exception text or the CLI's output.

Two failing connections: a loopback port nobody listens on, and the real test server asked for a role
that does not exist (so the server itself refuses). Each DSN carries the password in the userinfo or
in the query string, plain and percent-encoded.
"""

from __future__ import annotations

import socket
import traceback
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from cli_proc_kit import run_cli
from loguru import logger

from oddsstore.db import MigrationError, apply_migrations, create_pool

PASSWORD = "Hunter2-Xq9v@Secret"  # "@" makes the URI form percent-encode it
SECRETS = (PASSWORD, quote(PASSWORD, safe=""), "Hunter2-Xq9v")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _dsns(pg_dsn: str) -> list[str]:
    closed = _closed_port()
    encoded = quote(PASSWORD, safe="")
    parts = urlsplit(pg_dsn)
    host = parts.netloc.rpartition("@")[2]
    query = f"&{parts.query}" if parts.query else ""
    return [
        f"postgresql://oddsuser:{encoded}@127.0.0.1:{closed}/oddsstore",
        f"postgresql://oddsuser@127.0.0.1:{closed}/oddsstore?password={encoded}",
        # the real server: it refuses the role, after reading the password-bearing startup
        f"{parts.scheme}://no_such_role_x:{encoded}@{host}/no_such_db?connect_timeout=5{query}",
    ]


def _assert_clean(text: str, what: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"password leaked into {what}: {text[:500]!r}"


@pytest.fixture
def captured_logs() -> Iterator[list[str]]:
    lines: list[str] = []
    handler = logger.add(lambda m: lines.append(str(m)), level="DEBUG", diagnose=True, backtrace=True)
    logger.enable("oddsstore")
    try:
        yield lines
    finally:
        logger.remove(handler)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["userinfo", "query", "server-refuses"])
async def test_library_errors_and_logs_do_not_show_the_password(
    pg_dsn: str, captured_logs: list[str], index: int
) -> None:
    dsn = _dsns(pg_dsn)[index]
    with pytest.raises(ConnectionError) as pool_error:
        await create_pool(dsn, min_size=1, max_size=1, timeout=5)
    with pytest.raises(MigrationError) as migration_error:
        await apply_migrations(dsn)
    for error in (pool_error.value, migration_error.value):
        text = "".join(traceback.format_exception(error))
        assert "***" in str(error) or "no_such_role_x" in str(error) or "127.0.0.1" in str(error)
        _assert_clean(text + repr(error), "an exception")
    assert captured_logs, "create_pool logs the (masked) DSN at debug level"
    _assert_clean("\n".join(captured_logs), "the log")


@pytest.mark.parametrize("index", [0, 1, 2], ids=["userinfo", "query", "server-refuses"])
@pytest.mark.parametrize("command", ["migrate", "status", "cycle", "cycle-json"])
def test_cli_output_does_not_show_the_password(pg_dsn: str, index: int, command: str) -> None:
    dsn = _dsns(pg_dsn)[index]
    closed = f"http://127.0.0.1:{_closed_port()}"
    argv = {
        "migrate": ["migrate", "--dsn", dsn],
        "status": ["status", "1", "--dsn", dsn],
        "cycle": [
            "cycle",
            "--dsn",
            dsn,
            "--migrate",
            *(f"--base-url={s}={closed}" for s in ("betpawa", "sportybet", "bet9ja")),
        ],
        "cycle-json": [
            "cycle",
            "--dsn",
            dsn,
            "--json",
            *(f"--base-url={s}={closed}" for s in ("betpawa", "sportybet", "bet9ja")),
        ],
    }[command]
    done = run_cli("-v", *argv)
    assert done.returncode != 0, done.stdout + done.stderr
    assert done.stderr.strip(), "the failure is reported"
    _assert_clean(done.stdout, "stdout")
    _assert_clean(done.stderr, "stderr")


def _with_password(dsn: str) -> str:
    """``dsn`` with PASSWORD in its userinfo (the test server trusts local connections, so it is
    accepted and ignored: the cycle really runs)."""
    parts = urlsplit(dsn)
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] or "postgres"
    netloc = f"{user}:{quote(PASSWORD, safe='')}@{host}"
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def test_a_cycle_that_runs_keeps_the_password_out_of_progress_events_and_rows(db_dsn: str) -> None:
    dsn = _with_password(db_dsn)
    closed = f"http://127.0.0.1:{_closed_port()}"
    sites = [f"--base-url={s}={closed}" for s in ("betpawa", "sportybet", "bet9ja")]
    done = run_cli("-v", "cycle", "--dsn", dsn, "--json", *sites)
    events = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(events) >= 2, done.stdout + done.stderr  # the run started, and ended (failed: no site)
    assert events[0].startswith('{"type":"CYCLE_START"')
    assert events[-1].startswith('{"type":"CYCLE_COMPLETE"')
    _assert_clean(done.stdout, "progress events")
    _assert_clean(done.stderr, "stderr")
    check = run_cli("-v", "status", "1", "--dsn", dsn, "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith('{"run":{"id":1,"status":"failed"')
    _assert_clean(check.stdout + check.stderr, "status output")
