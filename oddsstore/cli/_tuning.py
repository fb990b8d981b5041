"""Process-wide tuning the command line applies at its edge (the library itself never does this).

A cycle keeps a few batches of parsed markets alive (hundreds of thousands of small objects) and
allocates millions more; CPython's default collector thresholds then run a full collection every few
seconds, each one walking every live object and stalling the event loop for hundreds of milliseconds,
while responses wait unread and a site's slots sit idle. Fewer, larger young collections and rarer
full ones keep the loop responsive; reference counting still frees almost everything at once.
A host embedding oddsstore may do the same in its own ``main``.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000
GEN1_THRESHOLD = 20
GEN2_THRESHOLD = 100


def tune_gc() -> None:
    gc.freeze()  # objects alive at start-up (modules, the mapping table) are never scanned again
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
