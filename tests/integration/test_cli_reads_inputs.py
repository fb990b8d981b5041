"""The comparison commands' failures: every bad value is one line and status 2 before any connection
(the DSN points at a closed port, so a connection attempt would say so instead), an unreachable or
unmigrated database one line and status 1 without the password, and a reader that stops early
(``| head``) ends the command quietly."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import psycopg
import pytest
from cli_reads_kit import BP, SB, cli, store
from reads_kit import event_on, one_x_two

from oddsstore.cli._reads import run_read
from oddsstore.db import with_database
from oddsstore.reads import ComparisonRepository

PASSWORD = "Pq7-cli-reads@secret"
SECRETS = (PASSWORD, quote(PASSWORD, safe=""))


def _closed_dsn() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return f"postgresql://someone:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/nothing"


BAD = [
    (["board", "--hours", "0"], "--hours: must be more than 0"),
    (["board", "--hours", "-3"], "--hours: must be more than 0"),
    (["board", "--hours", "nan"], "--hours: not a number of hours: 'nan'"),
    (["board", "--hours", "inf"], "--hours: not a number of hours: 'inf'"),
    (["board", "--hours", "1_0"], "--hours: not a number of hours: '1_0'"),
    (["board", "--hours", "\u0665"], "--hours: not a number of hours"),  # an Arabic-Indic five
    (["board", "--market", "5000@2_5"], "bad market pick '5000@2_5'"),
    (["board", "--hours", "soon"], "--hours: not a number of hours: 'soon'"),
    (["board", "--market", "5000@over"], "bad market pick '5000@over'"),
    (["board", "--market", "5000@"], "bad market pick '5000@'"),
    (["board", "--market", "37 43;"], "bad market id '37 43;'"),
    (["board", "--json", "--csv"], "not allowed with argument --json"),
    (["event", "68995116", "--at", "yesterday"], "--at: not an ISO 8601 time: 'yesterday'"),
    (["event", " "], "the SportRadar id is empty"),
    (["event", "68995116", "--method", "magic"], "invalid choice: 'magic'"),
    (["movement", "68995116", "37;43"], "bad market id '37;43'"),
    (["movement", "68995116", "5000", "--line", "two"], "--line: not a line"),
    (["movement", "68995116", "5000", "--line", "nan"], "--line: not a line"),
    (["movement", "68995116", "5000", "--line", "1_5"], "--line: not a line"),
    (["movement", "68995116", "5000", "--since", "tomorrow"], "--since: not an ISO 8601 time"),
]


@pytest.mark.parametrize(("argv", "says"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_value_is_one_line_and_status_2_before_connecting(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *argv, "--dsn", _closed_dsn())
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"oddsstore {argv[0]}: ") and says in err, err
    assert "Traceback" not in err and not any(s in err for s in SECRETS)


@pytest.mark.parametrize(
    "argv", [["board"], ["board", "--csv"], ["event", "68995116"], ["movement", "68995116", "3743"]]
)
def test_an_unreachable_database_is_one_line_and_status_1_without_the_password(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *argv, "--dsn", _closed_dsn())
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"oddsstore {argv[0]}: reading the database failed: "), err
    assert "Traceback" not in err and not any(s in err for s in SECRETS)


def test_no_dsn_and_an_unmigrated_database(
    pg_dsn: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ODDSSTORE_DSN", raising=False)
    code, _, err = cli(capsys, "board")
    assert (code, err) == (2, "oddsstore board: no DSN: pass --dsn or set ODDSSTORE_DSN\n")
    empty = f"oddsstore_empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{empty}"'.encode())
    try:
        code, out, err = cli(capsys, "board", "--dsn", with_database(pg_dsn, empty))
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)'.encode())
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.endswith("(oddsstore migrate)\n"), err


@pytest.mark.parametrize("output", [["--csv"], []], ids=["csv", "table"])
def test_a_reader_that_stops_early_ends_the_command_quietly(db_dsn: str, output: list[str]) -> None:
    now = datetime.now(UTC)
    for batch in range(2):  # 1,200 events: far more output than a pipe holds
        events = []
        for i in range(600):
            sr, kickoff = f"8{batch}{i:04d}", now + timedelta(hours=1, seconds=batch * 600 + i)
            prices = one_x_two(2.0 + i / 1000, 3.4, 3.6)
            events.append({p: event_on(p, sr, kickoff, [prices]) for p in (BP, SB)})
        store(db_dsn, events, now - timedelta(minutes=5))
    env = {k: v for k, v in os.environ.items() if k != "ODDSSTORE_DSN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oddsstore", "board", "--market", "3743", *output, "--dsn", db_dsn],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()
    proc.stdout.close()  # what `| head -1` does after its line
    code = proc.wait(timeout=120)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert first.startswith("sportradar_id,kickoff," if output else "kickoff ")
    assert (code, err) == (141, "")


def test_ctrl_c_while_reading_or_writing_is_one_line_and_status_130(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(dsn=db_dsn)

    async def interrupted(reads: ComparisonRepository) -> int:
        raise KeyboardInterrupt

    async def fine(reads: ComparisonRepository) -> int:
        return len((await reads.board()).events)

    def lines(n: int) -> Iterator[str]:
        yield f"{n} events\n"
        raise KeyboardInterrupt

    assert run_read(args, "board", interrupted, lines) == 130
    assert capsys.readouterr() == ("", "oddsstore board: interrupted\n")
    assert run_read(args, "board", fine, lines) == 130
    assert capsys.readouterr() == ("0 events\n", "oddsstore board: interrupted\n")
