"""Consent entries: a snapshot revoked, a subject's erasure requested. Written inside the
registry's transaction, which also decides which model versions they affect."""

from __future__ import annotations

from ..audit import kinds
from ..audit.ledger import Entry, Transaction
from .snapshots import Snapshot
from .subjects import ALGORITHM


def record_revocation(txn: Transaction, snap: Snapshot, reason: str,
                      affected: list[tuple[str, int]]) -> Entry:
    return txn.append(kinds.DATA_REVOKED, kinds.snapshot_subject(snap.id),
                      {"snapshot": snap.id, "name": snap.name, "root": snap.root, "reason": reason,
                       "affected_models": [{"name": n, "version": v} for n, v in affected]})


def record_erasure(txn: Transaction, snap: Snapshot, subject_hash: str,
                   affected: list[tuple[str, int]]) -> Entry:
    # Only the salted hash: the ledger is immutable, so the subject's id must never enter it.
    return txn.append(kinds.ERASURE_REQUESTED, kinds.snapshot_subject(snap.id),
                      {"snapshot": snap.id, "subject_hash": subject_hash, "algorithm": ALGORITHM,
                       "affected_models": [{"name": n, "version": v} for n, v in affected]})
