"""Headless Chromium as the project drives it (the web page test, the README's screenshot): Debian's
``chromium``, never a downloaded browser, with the flags that keep it off the network."""

from __future__ import annotations

#: Headless, as root (``--no-sandbox``), and quiet: without the background-networking flags Chromium
#: opens connections to Google's hosts at every start. Add a fresh ``--user-data-dir`` per run.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: The names Debian's browser and its driver go by.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
DRIVER_NAMES = ("chromedriver",)
