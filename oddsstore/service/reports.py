"""What a run did, read back through the repositories: its row, status rows by outcome, failures by site.

Used by ``oddsstore status``, ``oddsstore demo`` and ``GET /runs/{run_id}``. No SQL here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import attrs

from oddsstore.db import Connection
from oddsstore.models import ALL_PLATFORMS, ScrapeRun
from oddsstore.progress import json_ready
from oddsstore.repositories import ScrapeRunsRepository, ScrapeStatusRepository


def failure_reason(message: str) -> str:
    """The reason slug of a recorded site error (``"timeout: ..."`` -> ``"timeout"``)."""
    head = message.split(":", 1)[0].strip()
    return head if head and " " not in head else "other"


@attrs.frozen(slots=True)
class RunReport:
    run: ScrapeRun
    status_rows: int
    by_status: dict[str, int]  # "completed"/"failed" -> rows
    requested_by_site: dict[str, int]
    scraped_by_site: dict[str, int]
    failed_by_site: dict[str, int]
    failures: dict[str, dict[str, int]]  # site -> reason -> events

    def to_dict(self) -> dict[str, Any]:
        run = {f.name: json_ready(getattr(self.run, f.name)) for f in attrs.fields(ScrapeRun)}
        return {
            "run": run,
            "status_rows": self.status_rows,
            "by_status": self.by_status,
            "sites": {
                site: {
                    "requested": self.requested_by_site.get(site, 0),
                    "scraped": self.scraped_by_site.get(site, 0),
                    "failed": self.failed_by_site.get(site, 0),
                    "failures": self.failures.get(site, {}),
                }
                for site in self.requested_by_site
            },
        }


async def load_report(conn: Connection, run_id: int) -> RunReport | None:
    """The report of run ``run_id``, or None when there is no such run."""
    run = await ScrapeRunsRepository(conn).get(run_id=run_id)
    if run is None:
        return None
    rows = await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)
    by_status: Counter[str] = Counter()
    requested: Counter[str] = Counter()
    scraped: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    failures: dict[str, Counter[str]] = {}
    for row in rows:
        by_status[row.status] += 1
        requested.update(row.platforms_requested)
        scraped.update(row.platforms_scraped)
        failed.update(row.platforms_failed)
        for site, message in (row.error_details or {}).items():
            if site in row.platforms_failed:
                failures.setdefault(site, Counter())[failure_reason(message)] += 1
    order = [p.value for p in ALL_PLATFORMS if p.value in requested] + sorted(
        s for s in requested if s not in {p.value for p in ALL_PLATFORMS}
    )
    return RunReport(
        run=run,
        status_rows=len(rows),
        by_status=dict(by_status),
        requested_by_site={s: requested[s] for s in order},
        scraped_by_site={s: scraped[s] for s in order},
        failed_by_site={s: failed[s] for s in order},
        failures={s: dict(c.most_common()) for s, c in failures.items()},
    )


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def format_report(report: RunReport) -> str:
    run = report.run
    lines = [
        f"run {run.id}: {run.status.value} (trigger {run.trigger})",
        f"  started {_when(run.started_at)}  finished {_when(run.finished_at)}"
        f"  heartbeat {_when(run.heartbeat_at)}",
        f"  events total {run.events_total}, scraped {run.events_scraped}, failed {run.events_failed}; "
        f"snapshots {run.snapshots_created}, markets {run.markets_stored}",
    ]
    if run.discovery:
        lines.append("  discovered: " + ", ".join(f"{k} {v}" for k, v in run.discovery.items()))
    if run.error:
        lines.append(f"  error: {run.error}")
    outcome = ", ".join(f"{k} {v}" for k, v in sorted(report.by_status.items())) or "none"
    lines.append(f"  status rows: {report.status_rows} ({outcome})")
    if report.requested_by_site:
        lines.append(f"  {'site':<10} {'requested':>9} {'scraped':>8} {'failed':>7}  failures by reason")
        for site, asked in report.requested_by_site.items():
            reasons = ", ".join(f"{r} {n}" for r, n in report.failures.get(site, {}).items()) or "-"
            lines.append(
                f"  {site:<10} {asked:>9} {report.scraped_by_site.get(site, 0):>8} "
                f"{report.failed_by_site.get(site, 0):>7}  {reasons}"
            )
    return "\n".join(lines)
