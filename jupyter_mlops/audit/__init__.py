"""The record: a tamper-evident, signed audit ledger and the content-addressed artifact store.

Every part of jupyter-mlops that records something writes through `Ledger.append`; nothing else
writes SQL. See docs/audit.md.
"""

from __future__ import annotations

from . import kinds
from .artifacts import ArtifactStore
from .environment import environment_lock, git_state
from .errors import ArtifactMissingError, KeyStoreError, LedgerError, PayloadError
from .keys import KeyStore, SigningKey
from .ledger import Actor, Entry, Ledger, Transaction

__all__ = ["Actor", "ArtifactMissingError", "ArtifactStore", "Entry", "KeyStore", "KeyStoreError",
           "Ledger", "LedgerError", "PayloadError", "SigningKey", "Transaction", "environment_lock",
           "git_state", "kinds"]

