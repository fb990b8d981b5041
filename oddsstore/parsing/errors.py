"""The one error the parsers raise."""

from __future__ import annotations


class ParseError(ValueError):
    """A payload (or a specifier, or an odds key) does not have the shape the parser needs.

    ``path`` names the missing or bad key, e.g. ``"data.markets[3].outcomes"``; the message names it too.
    Within an event, a bad market or outcome is skipped and counted instead: this error means the event
    (or discovery page, or tree) as a whole cannot be read.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:
        return (ParseError, (self.path, self.reason))
