"""``bookmakers.id`` as the migrations seed it: the one map from a site to its id and back."""

from __future__ import annotations

from collections.abc import Mapping

from oddsstore.models import Platform

__all__ = ["BOOKMAKER_IDS", "PLATFORMS_BY_ID"]

BOOKMAKER_IDS: Mapping[Platform, int] = {Platform.BETPAWA: 1, Platform.SPORTYBET: 2, Platform.BET9JA: 3}
PLATFORMS_BY_ID: Mapping[int, Platform] = {i: p for p, i in BOOKMAKER_IDS.items()}
