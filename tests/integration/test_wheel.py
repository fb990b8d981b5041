"""The built wheel works on its own: installed into a fresh virtual environment (no access to this
checkout), it runs ``oddsstore migrate`` and one ``store_batch`` round trip against a temporary database,
and serves the web pages from the templates and stylesheet it ships.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_MIGRATIONS = [m for m in (ROOT / "migrations").glob("*.sql") if not m.name.endswith(".rollback.sql")]

ROUND_TRIP = textwrap.dedent(
    """
    import asyncio, sys
    from importlib import resources
    import aiohttp
    from aiohttp import web
    import oddsstore, oddsstore.db
    from oddsstore.clients import ClientSettings
    from oddsstore.service import create_app
    from oddsstore.db import create_pool
    from oddsstore.reads import OddsRepository
    from oddsstore.repositories import ScrapeRunsRepository
    from oddsstore.storage.batch import store_batch
    from oddsstore.devtools.batches import make_batch

    async def main(dsn):
        pool = await create_pool(dsn)
        try:
            async with pool.acquire() as conn:
                run = await ScrapeRunsRepository(conn).create(trigger="wheel")
                batch = make_batch(seed=5, events=3, markets_per_snapshot=7)
                result = await store_batch(conn, batch, run.id)
                again = await store_batch(conn, batch, run.id)
                latest = await OddsRepository(conn).latest_odds_for_event(sportradar_id="sr:match:1000")
            runner = web.AppRunner(create_app(pool, ClientSettings.defaults()))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with aiohttp.ClientSession() as s:
                async with s.get(base + "/") as r:
                    page = (r.status, "<h1>Board</h1>" in await r.text())
                async with s.get(base + "/static/oddsstore.css") as r:
                    css = (r.status, r.content_type, len(await r.read()) > 0)
            await runner.cleanup()
        finally:
            await pool.close()
        print(oddsstore.__file__)
        print(oddsstore.db.migrations_dir())
        print(result.events_stored, result.snapshots_created, result.markets_stored, again.snapshots_created)
        print(sorted(p.value for p in latest), sum(len(s.markets) for s in latest.values()))
        web_dir = resources.files("oddsstore.service") / "web"
        print(*page, *css, sorted(f.name for f in web_dir.iterdir()))
        print(web_dir)

    asyncio.run(main(sys.argv[1]))
    """
)


def _run(cmd: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_wheel_installs_migrates_and_stores(tmp_path: Path, db_dsn: str) -> None:
    # an empty database: the wheel's own migrations must create the schema
    import asyncio

    import asyncpg

    async def empty_schema() -> None:
        conn = await asyncpg.connect(db_dsn)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()

    asyncio.run(empty_schema())

    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], cwd=tmp_path)
    wheels = list(dist.glob("oddsstore-*.whl"))
    assert len(wheels) == 1

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheels[0])],
        cwd=tmp_path,
    )

    work = tmp_path / "elsewhere"  # not the checkout: nothing can be imported from it
    work.mkdir()
    first = _run([str(venv / "bin" / "oddsstore"), "migrate", "--dsn", db_dsn], cwd=work)
    assert f"applied {len(_MIGRATIONS)} migration(s)" in first.stdout
    second = _run([str(python), "-m", "oddsstore", "migrate", "--dsn", db_dsn], cwd=work)
    assert "up to date" in second.stdout

    script = work / "round_trip.py"
    script.write_text(ROUND_TRIP)
    out = _run([str(python), str(script), db_dsn], cwd=work).stdout.splitlines()
    assert out[0].startswith(str(venv))
    assert out[1].startswith(str(venv)) and out[1].endswith("_migrations")
    assert out[2] == "3 9 63 0"
    assert out[3] == "['bet9ja', 'betpawa', 'sportybet'] 21"
    assert out[4] == "200 True 200 text/css True ['oddsstore.css', 'page.html']"  # the pages' files ship
    assert out[5].startswith(str(venv))
