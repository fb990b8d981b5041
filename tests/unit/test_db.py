"""db plumbing without a database: DSN masking, the SQL registry, yoyo URIs, errors without secrets."""

from __future__ import annotations

import pytest
import sqlparse

from oddsstore.db import (
    MigrationError,
    _yoyo_uri,
    apply_migrations,
    create_pool,
    load_sql,
    mask_dsn,
    sql_names,
    with_database,
)


@pytest.mark.parametrize(
    ("dsn", "masked"),
    [
        ("postgresql://app:s3cr%40t@db.local:5432/odds", "postgresql://app:***@db.local:5432/odds"),
        ("postgresql://app@db.local/odds", "postgresql://app@db.local/odds"),
        ("postgresql://postgres:@/postgres?host=/run/pg", "postgresql://postgres:@/postgres?host=/run/pg"),
        (
            "postgresql:///odds?user=app&password=hunter2&host=/s",
            "postgresql:///odds?user=app&password=***&host=/s",
        ),
        ("host=db user=app password=hunter2 dbname=odds", "host=db user=app password=*** dbname=odds"),
        ("host=db password='p w' dbname=odds", "host=db password=*** dbname=odds"),
    ],
)
def test_mask_dsn(dsn: str, masked: str) -> None:
    assert mask_dsn(dsn) == masked


def test_yoyo_uri_for_tcp_and_socket_dsns() -> None:
    assert _yoyo_uri("postgresql://a:b@h:5433/d") == "postgresql+psycopg://a:b@h:5433/d"
    assert _yoyo_uri("postgres://a@h/d") == "postgresql+psycopg://a@h/d"
    assert _yoyo_uri("postgresql://postgres:@/postgres?host=/tmp/x") == (
        "postgresql+psycopg://postgres:@/postgres?host=/tmp/x"
    )
    with pytest.raises(MigrationError, match=r"mysql"):
        _yoyo_uri("mysql://u:pw@h/d")


def test_every_sql_file_is_loaded_and_holds_one_statement() -> None:
    names = sql_names()
    assert "snapshots/insert_odds_snapshots" in names
    assert "scrape_status/insert_event_scrape_statuses" in names
    for name in names:
        text = load_sql(name)
        statements = [s for s in sqlparse.split(text) if sqlparse.format(s, strip_comments=True).strip()]
        assert len(statements) == 1, name


def test_a_missing_sql_name_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"sql/nope/missing\.sql"):
        load_sql("nope/missing")


async def test_migration_errors_never_show_the_password() -> None:
    dsn = "postgresql://app:Sup3rS3cret@/odds?host=/nonexistent-socket-dir&connect_timeout=2"
    with pytest.raises(MigrationError) as caught:
        await apply_migrations(dsn)
    assert "Sup3rS3cret" not in str(caught.value)
    assert "app:***@" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_pool_errors_never_show_the_password() -> None:
    dsn = "postgresql://app:Sup3rS3cret@127.0.0.1:1/odds"
    with pytest.raises(ConnectionError) as caught:
        await create_pool(dsn, timeout=2)
    assert "Sup3rS3cret" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


async def test_negative_statement_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="statement_timeout_ms"):
        await create_pool("postgresql://a@127.0.0.1:1/d", statement_timeout_ms=-1)


def test_with_database_keeps_host_and_socket() -> None:
    assert (
        with_database("postgresql://u:p@h:5/a?sslmode=require", "b")
        == "postgresql://u:p@h:5/b?sslmode=require"
    )
    assert (
        with_database("postgresql://postgres:@/postgres?host=/s", "t1")
        == "postgresql://postgres:@/t1?host=/s"
    )
    assert with_database("postgresql:///a?host=/s", "b") == "postgresql:///b?host=/s"
