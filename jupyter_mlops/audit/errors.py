"""Typed errors of the record (ledger, keys, artifacts)."""

from __future__ import annotations

from ..errors import JupyterMlopsError


class LedgerError(JupyterMlopsError):
    """The ledger cannot be opened, read or written (corrupt file, read-only folder, locked)."""


class KeyStoreError(JupyterMlopsError):
    """The user's signing key cannot be created, read or rotated."""


class ArtifactMissingError(JupyterMlopsError):
    """No artifact with that digest is stored."""


class PayloadError(JupyterMlopsError):
    """A payload holds a value that cannot be recorded as JSON."""
