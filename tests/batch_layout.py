"""The whole row layout of a batch at once, for tests that inspect what ``store_batch`` would write.

Built from the storage room's own planner (``oddsstore.storage.rows.plan_batch``), so it is the same
layout; it lives here because only tests need it all at once.
"""

from __future__ import annotations

import attrs

from oddsstore.models import ScrapeBatch
from oddsstore.repositories.columns import CompetitorEventColumns, EventColumns, StatusColumns
from oddsstore.storage.rows import SnapshotBatch, plan_batch


@attrs.frozen(slots=True)
class BatchRows:
    """Every column bundle of a batch, built in one go (what ``store_batch`` writes)."""

    events: EventColumns
    competitor_events: CompetitorEventColumns
    betpawa: SnapshotBatch
    competitors: SnapshotBatch
    statuses: StatusColumns
    errors: tuple[str, ...]


def build_batch_rows(batch: ScrapeBatch) -> BatchRows:
    """The whole layout of a batch at once (pure; for inspection and tests)."""
    plan = plan_batch(batch)
    betpawa = plan.snapshots(plan.betpawa_sites)
    competitors = plan.snapshots(plan.competitor_sites)
    return BatchRows(
        events=plan.events,
        competitor_events=plan.competitor_events,
        betpawa=betpawa,
        competitors=competitors,
        statuses=plan.status_columns(),
        errors=tuple(plan.errors),
    )
