"""Rolling one migration back with yoyo, as an operator would (``yoyo rollback``)."""

from __future__ import annotations

from oddsstore.db import migrations_dir


def rollback_migration(dsn: str, prefix: str) -> None:
    """Roll back the applied migration whose id starts with ``prefix`` (e.g. ``"0004"``)."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        migrations = read_migrations(str(migrations_dir()))
        with backend.lock():
            backend.rollback_migrations(
                backend.to_rollback(migrations.filter(lambda m: m.id.startswith(prefix)))
            )
    finally:
        backend.connection.close()
