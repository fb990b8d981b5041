"""oddsstore: football odds comparison, stored in PostgreSQL with bulk SQL.

The library is quiet: its loguru logs are disabled until the host calls ``logger.enable("oddsstore")``.
The simulator (``oddsstore.devtools.simulator``) and the SSE service (``oddsstore.service``) are imported on
demand, not here.
"""

from loguru import logger

from oddsstore.clients import (
    ClientSettings,
    Discovery,
    PermanentSiteError,
    SiteClient,
    SiteError,
    SiteSettings,
    TransientSiteError,
    open_clients,
)
from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.runner import run_full_cycle
from oddsstore.db import MigrationError, apply_migrations, create_pool, mask_dsn
from oddsstore.models import (
    ALL_PLATFORMS,
    DiscoveredEvent,
    EventOdds,
    EventScrapeStatus,
    EventTarget,
    Market,
    Outcome,
    Platform,
    RunStatus,
    ScrapeBatch,
    ScrapedEvent,
    ScrapeRun,
    SiteResult,
    StoreResult,
)
from oddsstore.parsing import ParseError, market_margin, parse_discovery, parse_event
from oddsstore.progress import (
    BatchComplete,
    BatchStart,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
    CycleStart,
    DiscoveryComplete,
    EventScraped,
    EventScraping,
    ProgressEvent,
    QueueBuilt,
)
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.storer import BatchStorer

logger.disable("oddsstore")

__all__ = [
    "ALL_PLATFORMS",
    "BatchComplete",
    "BatchStart",
    "BatchStorer",
    "ClientSettings",
    "CoordinatorSettings",
    "CycleComplete",
    "CycleFailed",
    "CycleSkipped",
    "CycleStart",
    "DiscoveredEvent",
    "Discovery",
    "DiscoveryComplete",
    "EventCoordinator",
    "EventOdds",
    "EventScrapeStatus",
    "EventScraped",
    "EventScraping",
    "EventTarget",
    "Market",
    "MigrationError",
    "OddsRepository",
    "Outcome",
    "ParseError",
    "PermanentSiteError",
    "Platform",
    "ProgressEvent",
    "QueueBuilt",
    "RunStatus",
    "ScrapeBatch",
    "ScrapeRun",
    "ScrapeRunsRepository",
    "ScrapeStatusRepository",
    "ScrapedEvent",
    "SiteClient",
    "SiteError",
    "SiteResult",
    "SiteSettings",
    "StoreResult",
    "TransientSiteError",
    "apply_migrations",
    "create_pool",
    "market_margin",
    "mask_dsn",
    "open_clients",
    "parse_discovery",
    "parse_event",
    "run_full_cycle",
    "store_batch",
]
