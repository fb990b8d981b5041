"""The public surface stays small, importable, and free of the service and the dev tools."""

from __future__ import annotations

import subprocess
import sys

import oddsstore


def test_every_public_name_is_there_and_the_surface_stays_small() -> None:
    missing = [name for name in oddsstore.__all__ if not hasattr(oddsstore, name)]
    assert missing == []
    assert len(oddsstore.__all__) == len(set(oddsstore.__all__)) <= 30


def test_importing_the_library_leaves_the_service_and_dev_tools_unloaded() -> None:
    probe = (
        "import sys, oddsstore; "
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('oddsstore.service', "
        "'oddsstore.devtools', 'oddsstore.cli.', 'aiohttp.web', 'yoyo')) or m == 'oddsstore.cli')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
