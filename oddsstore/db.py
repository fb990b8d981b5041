"""PostgreSQL plumbing: pools, the named SQL registry and the migration runner.

- ``create_pool(dsn, ...)`` makes an asyncpg pool whose connections speak UTC, decode/encode ``jsonb``
  with orjson and carry an optional ``statement_timeout``.
- ``load_sql(name)`` returns the text of ``sql/<name>.sql``. Every file is read once, at import; the
  repositories bind their statements at import, so a missing name fails at import, not at first call.
- ``apply_migrations(dsn)`` runs the yoyo migrations (sync, in a worker thread) and returns the ids it
  applied: an empty list means the schema was already up to date.

SQL and migrations are looked up inside the installed package first (``oddsstore/_sql`` and
``oddsstore/_migrations``, where the wheel puts them) and then in the checkout's top-level ``sql/`` and
``migrations/``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias
from urllib.parse import quote, unquote, urlsplit

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy
from loguru import logger

from oddsstore.errors import DB_FAILURES

__all__ = [
    "Connection",
    "MigrationError",
    "apply_migrations",
    "create_pool",
    "init_connection",
    "load_sql",
    "mask_dsn",
    "migrations_dir",
    "sql_names",
    "with_database",
]

# What repositories and store_batch accept: a plain connection or one acquired from a pool.
Connection: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"

_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


class MigrationError(RuntimeError):
    """Migrations could not be applied. The message never contains a password."""


# --- locating the data directories ------------------------------------------------------------------


def _data_dir(packaged: str, checkout: str) -> Path:
    """The packaged copy (wheel) if present, else the checkout's top-level directory."""
    candidate = resources.files("oddsstore") / packaged
    if candidate.is_dir():
        return Path(str(candidate))
    fallback = _CHECKOUT_ROOT / checkout
    if fallback.is_dir():
        return fallback
    raise RuntimeError(f"oddsstore data directory not found: neither oddsstore/{packaged} nor {checkout}/")


def migrations_dir() -> Path:
    """The directory holding the yoyo migrations (``NNNN_slug.sql`` files)."""
    return _data_dir("_migrations", "migrations")


def _read_sql_files() -> Mapping[str, str]:
    root = _data_dir("_sql", "sql")
    queries: dict[str, str] = {}
    for path in sorted(root.rglob("*.sql")):
        name = path.relative_to(root).with_suffix("").as_posix()
        queries[name] = path.read_text(encoding="utf-8").strip()
    return MappingProxyType(queries)


# Read once at import; immutable afterwards.
_QUERIES: Mapping[str, str] = _read_sql_files()


def load_sql(name: str) -> str:
    """The statement in ``sql/<name>.sql`` (e.g. ``"snapshots/insert_odds_snapshots"``).

    Raises ``KeyError`` naming the missing file; call it at module level so that happens at import.
    """
    try:
        return _QUERIES[name]
    except KeyError:
        raise KeyError(f"no SQL file sql/{name}.sql (known: {len(_QUERIES)} files)") from None


def sql_names() -> tuple[str, ...]:
    """Every known SQL name, sorted."""
    return tuple(sorted(_QUERIES))


# --- DSNs ----------------------------------------------------------------------------------------------

_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"((?:^|&)password=)([^&]*)", re.IGNORECASE)


def _unsplit(scheme: str, netloc: str, path: str, query: str, fragment: str = "") -> str:
    # urlunsplit drops "//" for an empty netloc with unknown schemes (postgresql:///db?host=...)
    text = f"{scheme}://{netloc}{path}"
    if query:
        text += "?" + query
    if fragment:
        text += "#" + fragment
    return text


def with_database(dsn: str, database: str) -> str:
    """The URI ``dsn`` pointing at another database on the same server (socket ``?host=`` kept)."""
    parts = urlsplit(dsn)
    return _unsplit(parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment)


def mask_dsn(dsn: str) -> str:
    """The DSN with its password replaced by ``***`` (URI or ``key=value`` form); safe to log."""
    if "://" not in dsn:
        return _KV_PASSWORD.sub(r"\1***", dsn)
    parts = urlsplit(dsn)
    masked_query = _QUERY_PASSWORD.sub(r"\1***", parts.query)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user, sep, password = userinfo.partition(":")
        if sep and password:
            netloc = f"{user}:***@{hostinfo}"
    return _unsplit(parts.scheme, netloc, parts.path, masked_query, parts.fragment)


def _secrets_of(dsn: str) -> list[str]:
    secrets: list[str] = []
    if "://" in dsn:
        parts = urlsplit(dsn)
        if parts.password:
            secrets += [parts.password, unquote(parts.password)]
        secrets.extend(unquote(m.group(2)) for m in _QUERY_PASSWORD.finditer(parts.query))
    else:
        secrets.extend(m.group(2).strip("'") for m in _KV_PASSWORD.finditer(dsn))
    # longest first so a password containing another is fully hidden
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def _scrub(text: str, dsn: str) -> str:
    for secret in _secrets_of(dsn):
        text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return text


def _yoyo_uri(dsn: str) -> str:
    """A yoyo URI (psycopg 3 driver) for a ``postgres://`` / ``postgresql://`` DSN, TCP or socket."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise MigrationError(f"unsupported DSN scheme {parts.scheme!r} in {mask_dsn(dsn)}")
    return _unsplit("postgresql+psycopg", parts.netloc, parts.path, parts.query, parts.fragment)


# --- pools ---------------------------------------------------------------------------------------------


def _encode_json(value: Any) -> bytes:
    # A str is taken as JSON text already encoded (what oddsstore's bulk paths send); anything else
    # is encoded with orjson.
    if isinstance(value, str):
        return value.encode()
    return orjson.dumps(value)


def _encode_jsonb(value: Any) -> bytes:
    return b"\x01" + _encode_json(value)  # jsonb's binary format: version 1, then the JSON text


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(memoryview(data)[1:])


async def init_connection(conn: Connection) -> None:
    """Install oddsstore's codecs on a connection: ``json``/``jsonb`` <-> Python via orjson.

    Binary format, so ``COPY`` can use them too. A ``str`` parameter is sent as JSON text as it is
    (already encoded); other values are encoded. ``create_pool`` uses this as ``init``; a host that
    builds its own pool may pass it too.
    """
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_encode_jsonb, decoder=_decode_jsonb, format="binary"
    )
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_encode_json, decoder=orjson.loads, format="binary"
    )


async def create_pool(
    dsn: str,
    *,
    statement_timeout_ms: int | None = None,
    min_size: int = 1,
    max_size: int = 10,
    **kwargs: Any,
) -> asyncpg.Pool[Any]:
    """An asyncpg pool for oddsstore: ``timezone=UTC``, orjson jsonb codecs, optional statement timeout.

    ``statement_timeout_ms`` becomes the server's ``statement_timeout`` for every connection
    (``None`` keeps the server's default). Extra keyword arguments go to ``asyncpg.create_pool``;
    ``server_settings`` given there are merged over oddsstore's.
    """
    settings = {"timezone": "UTC", "application_name": "oddsstore"}
    if statement_timeout_ms is not None:
        if statement_timeout_ms < 0:
            raise ValueError("statement_timeout_ms must be >= 0")
        settings["statement_timeout"] = str(int(statement_timeout_ms))
    settings.update(kwargs.pop("server_settings", None) or {})
    user_init = kwargs.pop("init", None)

    async def _init(conn: Connection) -> None:
        await init_connection(conn)
        if user_init is not None:
            await user_init(conn)

    logger.debug("creating pool to {}", mask_dsn(dsn))
    try:
        pool: asyncpg.Pool[Any] = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, server_settings=settings, init=_init, **kwargs
        )
    except DB_FAILURES as exc:
        message = _scrub(str(exc), dsn)
        raise ConnectionError(f"cannot connect to {mask_dsn(dsn)}: {message}") from None
    return pool


# --- migrations ----------------------------------------------------------------------------------------


@contextmanager
def _yoyo_backend(dsn: str) -> Iterator[Any]:
    from yoyo import get_backend

    backend = get_backend(_yoyo_uri(dsn))
    try:
        yield backend
    finally:
        backend.connection.close()


def _apply_sync(dsn: str) -> list[str]:
    from yoyo import read_migrations

    migrations = read_migrations(str(migrations_dir()))
    with _yoyo_backend(dsn) as backend, backend.lock():
        pending = backend.to_apply(migrations)
        ids = [m.id for m in pending]
        if ids:
            backend.apply_migrations(pending)
    return ids


async def apply_migrations(dsn: str) -> list[str]:
    """Apply pending migrations to the database at ``dsn``; return the ids applied (``[]``: up to date).

    Runs yoyo (synchronous, psycopg 3) in a worker thread so the event loop keeps running. Accepts
    ``postgresql://`` DSNs over TCP or a Unix socket (``?host=/socket/dir``). Errors are raised as
    ``MigrationError`` with the password masked.
    """
    try:
        ids = await asyncio.to_thread(_apply_sync, dsn)
    except MigrationError:
        raise
    except Exception as exc:
        message = _scrub(f"{type(exc).__name__}: {exc}", dsn)
        raise MigrationError(f"migrating {mask_dsn(dsn)} failed: {message}") from None
    if ids:
        logger.info("applied {} migration(s) to {}: {}", len(ids), mask_dsn(dsn), ", ".join(ids))
    else:
        logger.info("{} is up to date: no migration to apply", mask_dsn(dsn))
    return ids
