"""Storage: one scraped batch into PostgreSQL in one transaction, and everything that keeps it safe.

- :mod:`~oddsstore.storage.batch`: ``store_batch`` (validation, row building, the bulk statements);
- :mod:`~oddsstore.storage.rows` and :mod:`~oddsstore.storage.validation`: pure row building and checks;
- :mod:`~oddsstore.storage.history`: change detection (what goes to ``odds_history``);
- :mod:`~oddsstore.storage.maintenance`: day partitions ahead and retention (``maintain``);
- :mod:`~oddsstore.storage.storer`: the ``BatchStorer`` hand-off the cycle stores through;
- :mod:`~oddsstore.storage.retrying`: ``RetryingStorer`` (new connections, backlog, spill);
- :mod:`~oddsstore.storage.spill` and :mod:`~oddsstore.storage.replay`: spill files and their replay;
- :mod:`~oddsstore.storage.ledger`: the run row and the cycle lock.
"""

from oddsstore.storage.batch import store_batch

__all__ = ["store_batch"]
