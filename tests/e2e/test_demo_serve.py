"""``oddsstore demo --serve``: after its cycle it serves the board on loopback, prints the URL, serves
until SIGINT and exits 0; a port that is taken is refused before the cycle."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys

import aiohttp
import asyncpg


async def _demo(*argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oddsstore",
        "demo",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_demo_serve_prints_the_board_url_serves_it_and_stops_on_sigint(db_dsn: str) -> None:
    demo = await _demo(
        "--dsn",
        db_dsn,
        "--events",
        "30",
        "--time-scale",
        "0.003",
        "--batch-size",
        "10",
        "--serve",
        "--port",
        "0",
    )
    assert demo.stdout is not None and demo.stderr is not None
    url = None
    try:
        async with asyncio.timeout(120):
            while url is None:
                line = (await demo.stdout.readline()).decode()
                assert line, (await demo.stderr.read()).decode()[-2000:]
                found = re.search(r"the board is at (http://127\.0\.0\.1:\d+/)", line)
                url = found.group(1) if found else None
        async with aiohttp.ClientSession() as s:
            async with s.get(url) as r:
                page_status, page = r.status, await r.text()
            async with s.get(f"{url}api/board") as r:
                board = await r.json()
        conn = await asyncpg.connect(db_dsn)
        try:
            upcoming = await conn.fetchval("SELECT count(*) FROM events WHERE kickoff >= now()")
        finally:
            await conn.close()
    finally:
        if demo.returncode is None:
            demo.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(demo.communicate(), 60)
    assert page_status == 200 and "<h1>Board</h1>" in page
    assert upcoming > 0 and len(board["events"]) == upcoming  # every stored upcoming BetPawa event
    assert f"{len(board['events'])} events" in page
    assert demo.returncode == 0, err.decode()[-2000:]


async def test_demo_serve_on_a_taken_port_fails_before_the_cycle(db_dsn: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = await _demo("--dsn", db_dsn, "--events", "5", "--serve", "--port", str(port))
        _, err = await asyncio.wait_for(demo.communicate(), 60)
    conn = await asyncpg.connect(db_dsn)
    try:
        runs = await conn.fetchval("SELECT count(*) FROM scrape_runs")
    finally:
        await conn.close()
    assert demo.returncode == 1
    # one line saying why (not the CLI's "unexpected error" net)
    (said,) = err.decode().strip().splitlines()
    assert said.startswith(f"oddsstore demo: cannot listen on 127.0.0.1:{port}: "), said
    assert runs == 0  # refused before any cycle
