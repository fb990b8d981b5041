"""oddsstore: football odds comparison, stored in PostgreSQL with bulk SQL."""

from loguru import logger

logger.disable("oddsstore")

__all__: list[str] = []
