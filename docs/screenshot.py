"""Make ``docs/board.png``, the README's picture of the board: ``oddsstore demo --serve`` on a private
PostgreSQL (the simulator's board, one cycle), then a headless Chromium screenshot of its page.

Run with ``make screenshot``; needs Debian's ``chromium`` (as CI installs it). Only loopback is used.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from oddsstore.devtools.browser import CHROMIUM_FLAGS, CHROMIUM_NAMES

OUT = Path(__file__).resolve().parent / "board.png"
FLAGS = (*CHROMIUM_FLAGS, "--hide-scrollbars", "--window-size=1400,860")


def main() -> int:
    chromium = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if chromium is None:
        print("screenshot: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 1
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oddsstore",
            "demo",
            "--events",
            "120",
            "--seed",
            "3",
            "--serve",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert demo.stdout is not None
    try:
        url = None
        for line in demo.stdout:
            found = re.search(r"the board is at (http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found.group(1)
                break
        if url is None:
            print("screenshot: the demo ended before serving", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory(prefix="oddsstore-chromium-") as profile:
            subprocess.run(
                [chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={OUT}", url],
                check=True,
                timeout=120,
                capture_output=True,
            )
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
    print(f"screenshot: {os.path.relpath(OUT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
