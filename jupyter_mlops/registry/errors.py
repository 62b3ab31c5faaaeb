"""Typed errors of the model registry."""

from __future__ import annotations

from ..errors import ConfigError, JupyterMlopsError


class RegistryError(JupyterMlopsError):
    """A registry operation could not be done (no such version, nothing to roll back to, ...)."""


class ModelNotFound(RegistryError):
    """No model, or no version of it, by that name."""


class BadModelName(ConfigError):
    """A model name that cannot be used (it names files: letters, digits, '.', '_', '-')."""


class GateRefused(RegistryError):
    """The promotion gate refused: `reasons` says why, in plain words. There is no override."""

    def __init__(self, name: str, version: int, to: str, reasons: list[str]) -> None:
        super().__init__(f"promotion of {name}:{version} to {to} refused: " + "; ".join(reasons))
        self.name = name
        self.version = version
        self.to = to
        self.reasons = list(reasons)
