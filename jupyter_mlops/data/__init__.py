"""Data sets as managed assets: snapshots (manifests, nothing copied), consent and erasure."""

from __future__ import annotations

from .errors import SnapshotError, SnapshotNotFound
from .manifest import FileRecord, root_hash
from .snapshots import (
    ACTIVE,
    REVOKED,
    Diff,
    Manifest,
    Snapshot,
    diff_snapshots,
    get_snapshot,
    list_snapshots,
    load_manifest,
    snapshot,
    verify_snapshot,
)
from .subjects import subject_hash

__all__ = [
    "ACTIVE",
    "REVOKED",
    "Diff",
    "FileRecord",
    "Manifest",
    "Snapshot",
    "SnapshotError",
    "SnapshotNotFound",
    "diff_snapshots",
    "get_snapshot",
    "list_snapshots",
    "load_manifest",
    "root_hash",
    "snapshot",
    "subject_hash",
    "verify_snapshot",
]
