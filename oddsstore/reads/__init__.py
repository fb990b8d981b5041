"""The read side: what is stored, read back for comparison (repositories over named SQL + pure maths)."""

from oddsstore.reads.board import Board, BoardEvent, BoardMarket, BoardOutcome
from oddsstore.reads.common import CORE, MarketPick, UnknownEvent
from oddsstore.reads.comparison import ComparisonRepository
from oddsstore.reads.fair import (
    DEFAULT_VALUE_THRESHOLD,
    FairMethod,
    ValuePrice,
    consensus,
    fair_odds,
    fair_probabilities,
    margin,
    value,
)
from oddsstore.reads.movement import Movement, OutcomeMovement, PricePoint
from oddsstore.reads.odds import OddsRepository, SiteOdds
from oddsstore.reads.sidebyside import Availability, EventComparison, MarketComparison

__all__ = [
    "CORE",
    "DEFAULT_VALUE_THRESHOLD",
    "Availability",
    "Board",
    "BoardEvent",
    "BoardMarket",
    "BoardOutcome",
    "ComparisonRepository",
    "EventComparison",
    "FairMethod",
    "MarketComparison",
    "MarketPick",
    "Movement",
    "OddsRepository",
    "OutcomeMovement",
    "PricePoint",
    "SiteOdds",
    "UnknownEvent",
    "ValuePrice",
    "consensus",
    "fair_odds",
    "fair_probabilities",
    "margin",
    "value",
]
