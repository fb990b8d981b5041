"""The aiohttp service: cycles over SSE, run reports."""

from oddsstore.service.app import create_app

__all__ = ["create_app"]
