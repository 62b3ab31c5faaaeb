"""What the registry knows of a model version, folded from the ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import BadModelName

CANDIDATE, STAGING, PRODUCTION = "candidate", "staging", "production"
ARCHIVED, REVOKED, RETRAIN_REQUIRED = "archived", "revoked", "retrain_required"
STAGES = (STAGING, PRODUCTION)
DEFAULT_ENV = "default"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_name(name: str, what: str = "model name") -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.endswith((".", ".json")):
        raise BadModelName(f"{name!r} is not a usable {what}: 1-100 letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit")
    return name


@dataclass(frozen=True)
class Approval:
    action: str  # "promoted", "rolled_back", "revoked", "registered"
    by: str
    key: str
    time: str
    seq: int
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ModelVersion:
    name: str
    version: int
    status: str = CANDIDATE
    artifact_sha256: str = ""
    artifact_name: str = ""
    artifact_bytes: int = 0
    trained_on: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    criteria_passed: bool | None = None
    parity: dict[str, Any] | None = None
    signature: dict[str, Any] | None = None
    source: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    extra_artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)  # env -> "production" | "staging"
    revoked_reason: str | None = None
    retrain_reason: str | None = None
    approvals: list[Approval] = field(default_factory=list)
    registered: str = ""
    registered_by: str = ""
    seq: int = 0
    was_production: bool = False

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "status": self.status,
                "artifact_sha256": self.artifact_sha256, "artifact_name": self.artifact_name,
                "artifact_bytes": self.artifact_bytes, "trained_on": list(self.trained_on),
                "metrics": self.metrics, "criteria_passed": self.criteria_passed, "parity": self.parity,
                "signature": self.signature, "source": self.source, "metadata": self.metadata,
                "extra_artifacts": self.extra_artifacts, "environments": dict(self.environments),
                "revoked_reason": self.revoked_reason, "retrain_reason": self.retrain_reason,
                "approvals": [a.to_dict() for a in self.approvals], "registered": self.registered,
                "registered_by": self.registered_by, "ledger_seq": self.seq}


@dataclass
class EnvState:
    production: int | None = None
    staging: int | None = None
    previous: list[int] = field(default_factory=list)
    cutout: dict[str, Any] = field(default_factory=lambda: {"active": False, "reason": None,
                                                            "since": None, "by": None})

    def to_dict(self) -> dict[str, Any]:
        return {"production": self.production, "staging": self.staging, "previous": list(self.previous),
                "cutout": dict(self.cutout)}


@dataclass
class ModelState:
    name: str
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    envs: dict[str, EnvState] = field(default_factory=dict)
    erased_subjects: list[str] = field(default_factory=list)
    last_seq: int = 0

    def env(self, name: str) -> EnvState:
        return self.envs.setdefault(name, EnvState())
