"""Typed errors of data snapshots."""

from __future__ import annotations

from ..errors import JupyterMlopsError


class SnapshotError(JupyterMlopsError):
    """A snapshot cannot be taken or read (missing path, unreadable file, corrupt manifest)."""


class SnapshotNotFound(SnapshotError):
    """No snapshot has that id, id prefix or name."""
