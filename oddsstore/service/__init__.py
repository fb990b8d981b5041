"""The aiohttp service: cycles over SSE, run reports, the comparison reads as JSON/CSV and web pages."""

from oddsstore.service.app import create_app

__all__ = ["create_app"]
