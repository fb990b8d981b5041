"""Bookmaker clients: HTTP, envelopes, limits, retries and discovery walks (parsing is elsewhere)."""

from oddsstore.clients.base import Discovery, HttpSite, RequestStats, SiteClient, SiteGate
from oddsstore.clients.bet9ja import Bet9jaClient
from oddsstore.clients.betpawa import BetPawaClient
from oddsstore.clients.factory import SiteClients, build_clients, open_clients
from oddsstore.clients.settings import ClientSettings, SiteSettings
from oddsstore.clients.sportybet import SportyBetClient
from oddsstore.errors import PermanentSiteError, SiteError, TransientSiteError

__all__ = [
    "Bet9jaClient",
    "BetPawaClient",
    "ClientSettings",
    "Discovery",
    "HttpSite",
    "PermanentSiteError",
    "RequestStats",
    "SiteClient",
    "SiteClients",
    "SiteError",
    "SiteGate",
    "SiteSettings",
    "SportyBetClient",
    "TransientSiteError",
    "build_clients",
    "open_clients",
]
