"""Repositories: thin classes over named SQL files, one per aggregate, each taking a connection."""

from oddsstore.repositories.columns import (
    CompetitorEventColumns,
    EventColumns,
    MarketColumns,
    SnapshotColumns,
    StatusColumns,
)
from oddsstore.repositories.events import EventsRepository
from oddsstore.repositories.scrape_runs import CYCLE_LOCK_KEY, ScrapeRunsRepository
from oddsstore.repositories.scrape_status import ScrapeStatusCounts, ScrapeStatusRepository
from oddsstore.repositories.snapshots import SnapshotsRepository

__all__ = [
    "CYCLE_LOCK_KEY",
    "CompetitorEventColumns",
    "EventColumns",
    "EventsRepository",
    "MarketColumns",
    "ScrapeRunsRepository",
    "ScrapeStatusCounts",
    "ScrapeStatusRepository",
    "SnapshotColumns",
    "SnapshotsRepository",
    "StatusColumns",
]
