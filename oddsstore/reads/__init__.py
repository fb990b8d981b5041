"""The read side: what is stored, read back for comparison (repositories over named SQL + pure maths)."""

from oddsstore.reads.odds import OddsRepository, SiteOdds

__all__ = ["OddsRepository", "SiteOdds"]
