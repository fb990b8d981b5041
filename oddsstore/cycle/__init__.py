"""The scrape cycle: discover, plan, scrape, hand each batch to storage; progress events. No SQL, no HTTP."""

from oddsstore.cycle.coordinator import CoordinatorSettings, EventCoordinator
from oddsstore.cycle.runner import run_full_cycle

__all__ = ["CoordinatorSettings", "EventCoordinator", "run_full_cycle"]
