"""The model registry: versions 1, 2, ..., a promotion gate with no bypass, rollback, revocation,
and the release state file services follow. See docs/registry.md."""

from __future__ import annotations

from .errors import BadModelName, GateRefused, ModelNotFound, RegistryError
from .model import (
    ARCHIVED,
    CANDIDATE,
    DEFAULT_ENV,
    PRODUCTION,
    RETRAIN_REQUIRED,
    REVOKED,
    STAGING,
    Approval,
    EnvState,
    ModelState,
    ModelVersion,
)
from .registry import Registry

__all__ = [
    "ARCHIVED",
    "CANDIDATE",
    "DEFAULT_ENV",
    "PRODUCTION",
    "RETRAIN_REQUIRED",
    "REVOKED",
    "STAGING",
    "Approval",
    "BadModelName",
    "EnvState",
    "GateRefused",
    "ModelNotFound",
    "ModelState",
    "ModelVersion",
    "Registry",
    "RegistryError",
]
