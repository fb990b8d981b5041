"""The mapping audit on SR 68995116 (the three sites' captured payloads): each figure is recomputed here
by other means (string keys, the CSV read with the csv module, the raw JSON walked by hand) and compared;
then the command line run as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest

from oddsstore.models import EventOdds, Market, Platform
from oddsstore.parsing import parse_event
from oddsstore.parsing.audit import FAR_RATIO, SHORT_ODDS, MappingAudit, audit_mapping
from oddsstore.parsing.mapping import SPORTYBET_PLAYER_MARKETS, table_text

FIXTURES = Path(__file__).parent.parent / "fixtures"
FILES = {
    Platform.BETPAWA: FIXTURES / "betpawa/event_v3_prematch_68995116.json",
    Platform.SPORTYBET: FIXTURES / "sportybet/event_prematch_68995116.json",
    Platform.BET9JA: FIXTURES / "bet9ja/event_prematch_68995116.json",
}
RAW = {p: json.loads(f.read_text("utf-8")) for p, f in FILES.items()}
COMPETITORS = (Platform.SPORTYBET, Platform.BET9JA)


@pytest.fixture(scope="module")
def parsed() -> dict[Platform, EventOdds]:
    return {p: parse_event(p, body) for p, body in RAW.items()}


@pytest.fixture(scope="module")
def audit(parsed: dict[Platform, EventOdds]) -> MappingAudit:
    return audit_mapping(parsed, RAW)


def text_keys(event: EventOdds) -> Counter[str]:
    """Market-lines as text ("5000@2.5", "3743@-"): another way of spelling the (market_id, line) key."""
    return Counter(f"{m.market_id}@{'-' if m.line is None else repr(m.line)}" for m in event.markets)


def csv_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(table_text())))


def bet9ja_market(odds_key: str) -> str:
    head, _, _ = odds_key.rpartition("_")
    return head.split("@")[0]


# --- the figures -------------------------------------------------------------------------------------


def test_market_line_counts_and_shared_lines(parsed: dict[Platform, EventOdds], audit: MappingAudit) -> None:
    ours = text_keys(parsed[Platform.BETPAWA])
    assert audit.betpawa_market_lines == len(ours) > 100
    for platform in COMPETITORS:
        theirs = text_keys(parsed[platform])
        shared = [k for k in theirs if k in ours]
        report = audit.competitor(platform)
        assert report.market_lines == len(theirs)
        assert len(report.shared) == len(shared) > 50, platform
        assert len(report.betpawa_only) == len(ours) - len(shared)
        as_text = {f"{m}@{'-' if line is None else repr(line)}" for m, line in report.shared}
        assert as_text == set(shared)


def test_compared_outcomes_far_apart_and_one_sided(
    parsed: dict[Platform, EventOdds], audit: MappingAudit
) -> None:
    betpawa = {(m.market_id, m.line): m for m in parsed[Platform.BETPAWA].markets}
    for platform in COMPETITORS:
        compared, far, sided = 0, [], 0
        for market in parsed[platform].markets:
            other = betpawa.get((market.market_id, market.line))
            if other is None:
                continue
            mine = [(o.name, o.odds, o.is_active) for o in other.outcomes]
            theirs = [(o.name, o.odds, o.is_active) for o in market.outcomes]
            sided += sum(1 for n, _, _ in mine if n not in {t[0] for t in theirs})
            sided += sum(1 for n, _, _ in theirs if n not in {t[0] for t in mine})
            for name, a, a_active in mine:
                for other_name, b, b_active in theirs:
                    if other_name == name and a_active and b_active and a < SHORT_ODDS and b < SHORT_ODDS:
                        compared += 1
                        if a / b > FAR_RATIO or b / a > FAR_RATIO:
                            far.append((market.market_id, market.line, name))
        report = audit.competitor(platform)
        assert report.compared == compared > 150
        assert [(f.market_id, f.line, f.outcome) for f in report.far_apart] == far
        assert sum(len(o.betpawa_only) + len(o.competitor_only) for o in report.one_sided) == sided
        skipped = parsed[platform].skipped
        assert report.dropped_outcomes == skipped.get("unknown_outcome", 0) + skipped.get(
            "unmapped_outcome", 0
        )


def _with_price(event: EventOdds, market_id: str, line: float | None, name: str, odds: float) -> EventOdds:
    def reprice(market: Market) -> Market:
        if (market.market_id, market.line) != (market_id, line):
            return market
        outcomes = tuple(attrs.evolve(o, odds=odds) if o.name == name else o for o in market.outcomes)
        return attrs.evolve(market, outcomes=outcomes)

    return attrs.evolve(event, markets=tuple(reprice(m) for m in event.markets))


def test_a_price_a_third_off_is_flagged_and_a_dropped_market_leaves_the_shared_lines(
    parsed: dict[Platform, EventOdds],
) -> None:
    sportybet = parsed[Platform.SPORTYBET]
    over = next(o for m in sportybet.markets if (m.market_id, m.line) == ("5000", 2.5) for o in m.outcomes)
    betpawa_over = next(
        o
        for m in parsed[Platform.BETPAWA].markets
        if (m.market_id, m.line) == ("5000", 2.5)
        for o in m.outcomes
    )
    assert over.name == betpawa_over.name == "Over"
    wrong = _with_price(sportybet, "5000", 2.5, "Over", round(betpawa_over.odds * 1.4, 2))
    without_ah = attrs.evolve(wrong, markets=tuple(m for m in wrong.markets if m.market_id != "3774"))
    changed = audit_mapping({**parsed, Platform.SPORTYBET: without_ah}, RAW)
    before = audit_mapping(parsed, RAW).competitor(Platform.SPORTYBET)
    after = changed.competitor(Platform.SPORTYBET)
    new = set(after.far_apart) - set(before.far_apart)
    assert [(f.market_id, f.line, f.outcome) for f in new] == [("5000", 2.5, "Over")]
    assert next(iter(new)).ratio == pytest.approx(1.4, abs=0.01)
    ah_lines = {k for k in before.shared if k[0] == "3774"}
    assert ah_lines and set(before.shared) - set(after.shared) == ah_lines


def test_raw_markets_that_map_to_nothing(parsed: dict[Platform, EventOdds], audit: MappingAudit) -> None:
    rows = csv_rows()
    produced = {m.market_id for m in parsed[Platform.SPORTYBET].markets}
    # SportyBet: an id the table cannot map (no BetPawa id or no BetPawa outcome names) maps to nothing;
    # a mapped id maps to nothing when its BetPawa market is absent from the parsed event.
    target = {
        r["sportybet_market_id"]: r["betpawa_market_id"]
        for r in rows
        if r["sportybet_market_id"]
        and r["betpawa_market_id"]
        and r["betpawa_outcome"]
        and r["sportybet_desc"]
    }
    target.update({k: market_id for k, (market_id, _) in SPORTYBET_PLAYER_MARKETS.items()})  # no rows
    outcomes: Counter[str] = Counter()
    for market in RAW[Platform.SPORTYBET]["data"]["markets"]:
        outcomes[market["id"]] += sum(1 for o in market["outcomes"] if float(o["odds"]) > 1.0)
    expected = {i for i in outcomes if i not in target or target[i] not in produced}
    report = audit.competitor(Platform.SPORTYBET)
    assert {r.key for r in report.unmapped} == expected
    assert all(r.outcomes == outcomes[r.key] for r in report.unmapped)
    sizes = [r.outcomes for r in report.unmapped]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    # Bet9ja: odds-key markets the table does not know at all are among those that map to nothing.
    known = {
        r["bet9ja_key"] for r in rows if r["bet9ja_key"] and r["betpawa_market_id"] and r["betpawa_outcome"]
    }
    keys = {bet9ja_market(k) for k in RAW[Platform.BET9JA]["D"]["O"]}
    unmapped = {r.key for r in audit.competitor(Platform.BET9JA).unmapped}
    assert keys - known - {"S_HAOU"} <= unmapped  # S_HAOU is split by code, not by its own table rows
    assert unmapped <= keys
    catalogue = {m["ID"]: m["DS"] for m in RAW[Platform.BET9JA]["D"]["MK"]}
    assert all(r.name == catalogue[r.key] for r in audit.competitor(Platform.BET9JA).unmapped)


def test_table_keys_none_of_the_payloads_uses(audit: MappingAudit) -> None:
    in_payload = {
        Platform.BETPAWA: {m["marketType"]["id"] for m in RAW[Platform.BETPAWA]["markets"]},
        Platform.SPORTYBET: {m["id"] for m in RAW[Platform.SPORTYBET]["data"]["markets"]},
        Platform.BET9JA: {bet9ja_market(k) for k in RAW[Platform.BET9JA]["D"]["O"]},
    }
    column = {
        Platform.BETPAWA: "betpawa_market_id",
        Platform.SPORTYBET: "sportybet_market_id",
        Platform.BET9JA: "bet9ja_key",
    }
    for unseen in audit.unseen:
        values = [r[column[unseen.platform]] for r in csv_rows() if r[column[unseen.platform]]]
        missing = [v for v in values if v not in in_payload[unseen.platform]]
        assert unseen.keys == tuple(sorted(set(missing))) and unseen.rows == len(missing)
    assert [u.platform for u in audit.unseen] == [Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA]


def test_payloads_of_two_matches_are_reported_as_such(parsed: dict[Platform, EventOdds]) -> None:
    other = attrs.evolve(parsed[Platform.BET9JA], sportradar_id="1")
    assert audit_mapping(parsed, RAW).same_match
    assert not audit_mapping({**parsed, Platform.BET9JA: other}, RAW).same_match


def test_an_empty_competitor_shares_nothing(parsed: dict[Platform, EventOdds]) -> None:
    empty = attrs.evolve(parsed[Platform.SPORTYBET], markets=())
    report = audit_mapping({**parsed, Platform.SPORTYBET: empty}, RAW).competitor(Platform.SPORTYBET)
    assert report.shared == () and report.compared == 0 and report.far_apart == ()
    assert len(report.betpawa_only) == len(text_keys(parsed[Platform.BETPAWA]))
    assert len(report.unmapped) == len({m["id"] for m in RAW[Platform.SPORTYBET]["data"]["markets"]})


def test_to_dict_is_json_and_counts_what_it_lists(audit: MappingAudit) -> None:
    data = json.loads(json.dumps(audit.to_dict()))
    for platform in COMPETITORS:
        c = data["competitors"][platform.value]
        assert c["shared_market_lines"] == len(c["shared"]) == len(audit.competitor(platform).shared)
        assert c["unmapped_raw_outcomes"] == sum(r["outcomes"] for r in c["unmapped_raw_markets"])
        assert c["one_sided_outcomes"] == sum(
            len(o["betpawa_only"]) + len(o["competitor_only"]) for o in c["one_sided"]
        )
    assert data["same_match"] is True
    assert set(data["sportradar_ids"].values()) == {"68995116"}


# --- the command line --------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oddsstore", "audit-mapping", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PATHS = [str(FILES[p]) for p in (Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA)]


def test_cli_json_is_one_object_with_the_independently_counted_figures(
    parsed: dict[Platform, EventOdds],
) -> None:
    done = cli(*PATHS, "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    ours = text_keys(parsed[Platform.BETPAWA])
    assert data["betpawa_market_lines"] == len(ours)
    for platform in COMPETITORS:
        shared = [k for k in text_keys(parsed[platform]) if k in ours]
        assert data["competitors"][platform.value]["shared_market_lines"] == len(shared)


def test_cli_readable_report_names_each_site() -> None:
    done = cli(*PATHS)
    assert done.returncode == 0, done.stderr
    for name in ("BetPawa", "SportyBet", "Bet9ja"):
        assert f"\n{name}: " in done.stdout
    assert "shared with BetPawa" in done.stdout and "map to nothing" in done.stdout


@pytest.mark.parametrize("case", ["missing", "not_json", "wrong_site"])
def test_cli_refuses_a_bad_file_in_one_line(tmp_path: Path, case: str) -> None:
    paths = list(PATHS)
    if case == "missing":
        paths[1] = str(tmp_path / "absent.json")
    elif case == "not_json":
        bad = tmp_path / "bad.json"
        bad.write_text("{not json", "utf-8")
        paths[2] = str(bad)
    else:
        paths[0] = PATHS[1]  # a SportyBet body where BetPawa's is expected
    done = cli(*paths)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oddsstore audit-mapping: "), done.stderr
    assert "Traceback" not in done.stderr
    assert (Path(paths[0 if case == "wrong_site" else 1 if case == "missing" else 2]).name) in lines[0]
