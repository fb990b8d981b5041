"""Security properties checked statically or without a database.

- Every SQL file takes ``$n`` parameters: no Python-format or %-placeholders; every statement the
  package sends goes through a module-level ``load_sql(...)`` constant or a plain literal, never text
  built with an f-string, ``%`` or ``.format``/``+``.
- TLS verification stays on for the real sites; responses are capped.
- The simulator and ``oddsstore serve`` bind to loopback by default.
"""

from __future__ import annotations

import ast
import re
import ssl
from pathlib import Path

import pytest

from oddsstore.cli import build_parser
from oddsstore.clients import ClientSettings, open_clients
from oddsstore.devtools.simulator import BoardConfig, SimulatorConfig, run_simulator
from oddsstore.models import ALL_PLATFORMS

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "oddsstore"
SQL_DIRS = (ROOT / "sql", ROOT / "migrations")
_SQL_METHODS = frozenset(
    {"execute", "executemany", "fetch", "fetchrow", "fetchval", "cursor", "prepare", "copy_from_query"}
)
# objects whose .prepare(...) is not SQL (aiohttp's StreamResponse.prepare(request))
_NOT_SQL_RECEIVERS = frozenset({"response"})


def _sql_files() -> list[Path]:
    files = sorted(p for d in SQL_DIRS for p in d.rglob("*.sql"))
    return files


def _code_only(sql: str) -> str:
    """The SQL with comments and string literals removed (``'{}'::jsonb`` is a literal, not a field)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.DOTALL)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


_PLACEHOLDER = re.compile(r"%\(?\w*\)?[sdfr]|%s|\{[^}]*\}|\?")


def placeholders(sql: str) -> list[str]:
    return _PLACEHOLDER.findall(_code_only(sql))


def test_the_sql_files_are_found() -> None:
    files = _sql_files()
    assert len(files) >= 20
    assert any(f.parent.name == "migrations" for f in files)


@pytest.mark.parametrize("path", _sql_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sql_files_have_no_python_placeholders(path: Path) -> None:
    sql = path.read_text("utf-8")
    assert placeholders(sql) == [], f"{path.name} has client-side placeholders"
    if path.parent.name != "migrations" and "$1" not in sql:
        # a statement without parameters must not need any: no WHERE/VALUES fed from outside
        assert not re.search(r"\bVALUES\b", _code_only(sql), re.IGNORECASE), path.name


def test_the_placeholder_check_can_fail() -> None:
    assert placeholders("SELECT * FROM events WHERE home_team = '%s' AND id = %s") == ["%s"]
    assert placeholders("SELECT {column} FROM t") == ["{column}"]
    assert placeholders("SELECT %(name)s") == ["%(name)s"]
    assert placeholders("SELECT '{}'::jsonb, $1 -- {comment}") == []


def _sql_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to ``load_sql("...")`` or to a plain string literal."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            is_load = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "load_sql"
                and len(value.args) == 1
                and isinstance(value.args[0], ast.Constant)
            )
            if is_load or (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                names.add(node.targets[0].id)
    return names


def _is_safe(statement: ast.expr, constants: set[str]) -> bool:
    if isinstance(statement, ast.Constant) and isinstance(statement.value, str | bytes):
        return True
    return isinstance(statement, ast.Name) and statement.id in constants


def _parameter_fed_constants(
    tree: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, constants: set[str]
) -> bool:
    """``name`` is a parameter of ``function`` and every call of ``function`` in the module (by name or
    as ``self.<name>``) passes a safe statement for it."""
    params = [a.arg for a in function.args.args]
    if name not in params:
        return False
    position = params.index(name) - (1 if params and params[0] == "self" else 0)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == function.name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == function.name)
        )
    ]
    for call in calls:
        given = [k.value for k in call.keywords if k.arg == name]
        if not given and position < len(call.args):
            given = [call.args[position]]
        if not given or not _is_safe(given[0], constants):
            return False
    return bool(calls)


def unsafe_sql_calls(source: str, filename: str = "<source>") -> list[str]:
    """Calls of a database method whose statement is not a ``load_sql`` constant or a literal (or a
    parameter that every caller in the module feeds with one)."""
    tree = ast.parse(source, filename)
    constants = _sql_constants(tree)
    problems: list[str] = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in _SQL_METHODS or not node.args:
                continue
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in _NOT_SQL_RECEIVERS:
                continue
            statement = node.args[0]
            if _is_safe(statement, constants):
                continue
            if isinstance(statement, ast.Name) and _parameter_fed_constants(
                tree, function, statement.id, constants
            ):
                continue
            problems.append(f"{filename}:{node.lineno}: {ast.unparse(statement)[:80]}")
    return sorted(set(problems), key=lambda p: int(p.split(":")[1]))


def test_every_statement_of_the_package_is_a_constant() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    problems = [p for f in files for p in unsafe_sql_calls(f.read_text("utf-8"), str(f.relative_to(ROOT)))]
    assert problems == []


def test_the_statement_check_can_fail() -> None:
    bad = """
_OK = load_sql("events/upsert_events")
async def f(conn, name, table):
    await conn.execute(_OK, name)
    await conn.fetch(f"SELECT * FROM events WHERE home_team = '{name}'")
    await conn.fetchval("SELECT %s" % name)
    await conn.execute("DELETE FROM {}".format(table))
    await conn.fetchrow("SELECT * FROM " + table)
    query = _OK + " LIMIT 1"
    await conn.fetch(query)
    await response.prepare(request)
"""
    problems = unsafe_sql_calls(bad)
    assert [int(p.split(":")[1]) for p in problems] == [5, 6, 7, 8, 10]


# --- TLS and response size -----------------------------------------------------------------------------


def test_real_sites_are_https_and_bodies_are_capped() -> None:
    settings = ClientSettings.defaults()
    for platform in ALL_PLATFORMS:
        assert settings.site(platform).base_url.startswith("https://"), platform
    assert 0 < settings.max_body_bytes <= 64 * 1024 * 1024


async def test_the_clients_session_verifies_certificates() -> None:
    async with open_clients(ClientSettings.defaults()) as clients:
        connector = clients.session.connector
        assert connector is not None
        # aiohttp's default: True means "verify with the default context"; False or an unverified
        # SSLContext would switch verification off
        verify = getattr(connector, "_ssl", True)
        assert verify is not False
        if isinstance(verify, ssl.SSLContext):
            assert verify.verify_mode == ssl.CERT_REQUIRED
            assert verify.check_hostname


def test_no_code_switches_tls_verification_off() -> None:
    pattern = re.compile(r"ssl\s*=\s*False|verify_ssl\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False")
    offenders = [
        str(f.relative_to(ROOT)) for f in PACKAGE.rglob("*.py") if pattern.search(f.read_text("utf-8"))
    ]
    assert offenders == []
    assert pattern.search("connector = aiohttp.TCPConnector(ssl=False)")


# --- loopback by default ---------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["serve"], ["simulator"]], ids=["serve", "simulator"])
def test_servers_bind_loopback_by_default(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.host == "127.0.0.1"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of listening sockets on ``port``."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


async def test_a_started_simulator_listens_on_loopback_only() -> None:
    assert SimulatorConfig().host == "127.0.0.1"
    config = SimulatorConfig(board=BoardConfig(events=3, competitions=1, seed=1), prewarm=False)
    async with run_simulator(config) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        port = int(sim.url.rsplit(":", 1)[1].split("/")[0])
        addresses = _listening_addresses(port)
    if not addresses:
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert addresses == {"0100007F"}  # 127.0.0.1, little-endian hex
