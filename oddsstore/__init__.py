"""oddsstore: football odds comparison, stored in PostgreSQL with bulk SQL.

The names here are what a host service needs: connect and migrate, open the site clients, run a cycle
and read its progress, store a batch itself, read back runs, statuses and odds. Everything else lives
in the rooms (``oddsstore.cycle``, ``oddsstore.storage``, ``oddsstore.reads``, ``oddsstore.progress``
for every progress event class, ``oddsstore.errors``, ...): see ARCHITECTURE.md. The SSE service
(``oddsstore.service``) and the dev tools (``oddsstore.devtools``: simulator, embedded server) are
imported on demand, not here.

The library is quiet: its loguru logs are disabled until the host calls ``logger.enable("oddsstore")``.
"""

from loguru import logger

from oddsstore.clients import ClientSettings, SiteClient, SiteSettings, open_clients
from oddsstore.cycle import CoordinatorSettings, EventCoordinator, run_full_cycle
from oddsstore.db import MigrationError, apply_migrations, create_pool
from oddsstore.errors import SiteError
from oddsstore.models import (
    EventOdds,
    Market,
    Outcome,
    Platform,
    RunStatus,
    ScrapeBatch,
    ScrapedEvent,
    SiteResult,
    StoreResult,
)
from oddsstore.parsing import ParseError, parse_event
from oddsstore.progress import ProgressEvent
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.storage import store_batch
from oddsstore.storage.storer import BatchStorer

logger.disable("oddsstore")

__all__ = [
    "BatchStorer",
    "ClientSettings",
    "CoordinatorSettings",
    "EventCoordinator",
    "EventOdds",
    "Market",
    "MigrationError",
    "OddsRepository",
    "Outcome",
    "ParseError",
    "Platform",
    "ProgressEvent",
    "RunStatus",
    "ScrapeBatch",
    "ScrapeRunsRepository",
    "ScrapeStatusRepository",
    "ScrapedEvent",
    "SiteClient",
    "SiteError",
    "SiteResult",
    "SiteSettings",
    "StoreResult",
    "apply_migrations",
    "create_pool",
    "open_clients",
    "parse_event",
    "run_full_cycle",
    "store_batch",
]
