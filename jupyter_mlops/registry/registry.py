"""The model registry: versions, the promotion gate, rollback, revocation and consent.

Every decision is taken inside one ledger transaction (the state is folded from the ledger,
checked, and the decision appended before any other process may write), then the model's
release state file is published for services to follow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..audit import Ledger, kinds
from ..audit.artifacts import ArtifactStore
from ..audit.environment import environment_lock, git_state
from ..audit.intoto import ExportResult, export_in_toto
from ..audit.ledger import Transaction
from ..audit.trace import Trace, build_trace
from ..audit.verify import verify
from ..data import get_snapshot
from ..data.consent import record_erasure, record_revocation
from ..data.snapshots import Snapshot
from ..data.subjects import subject_hash
from ..project import Project
from . import gate
from .errors import GateRefused, ModelNotFound, RegistryError
from .model import (
    DEFAULT_ENV,
    REVOKED,
    STAGES,
    ModelState,
    ModelVersion,
    check_name,
)
from .release import release_path, release_state, write_release_state
from .state import RELEVANT, fold

PathLike = str | os.PathLike[str]


def _read_json_file(path: PathLike, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such {what} file") from None
    except (OSError, ValueError) as exc:
        raise RegistryError(f"{path}: not a readable {what} file ({exc})") from None


class Registry:
    def __init__(self, project: Project | PathLike | None = None, ledger: Ledger | None = None) -> None:
        if ledger is not None:
            project = ledger.project
        elif not isinstance(project, Project):
            project = Project.find(explicit=project) if project is not None else Project.find()
        self.project: Project = project
        self.ledger = ledger or Ledger(project)
        self.store = ArtifactStore(project)

    # -- reading ----------------------------------------------------------------------------
    def _models(self, txn: Transaction | None = None) -> dict[str, ModelState]:
        source = txn if txn is not None else self.ledger
        return fold(source.entries(RELEVANT))

    def _model(self, name: str, models: dict[str, ModelState]) -> ModelState:
        check_name(name)
        ms = models.get(name)
        if ms is None or not ms.versions:
            known = ", ".join(sorted(models)) or "none yet"
            raise ModelNotFound(f"no model named {name!r} in the registry (models: {known})")
        return ms

    def _version(self, ms: ModelState, version: int | None) -> ModelVersion:
        if version is None:
            return ms.versions[max(ms.versions)]
        mv = ms.versions.get(int(version))
        if mv is None:
            raise ModelNotFound(f"model {ms.name!r} has no version {version} (versions: "
                                f"{', '.join(map(str, sorted(ms.versions)))})")
        return mv

    def get(self, name: str, version: int | None = None) -> ModelVersion:
        """One version (default: the latest)."""
        return self._version(self._model(name, self._models()), version)

    def list(self, name: str | None = None) -> list[ModelVersion]:
        models = self._models()
        if name is not None:
            return [mv for _, mv in sorted(self._model(name, models).versions.items())]
        return [mv for _, ms in sorted(models.items()) for _, mv in sorted(ms.versions.items())]

    def model_state(self, name: str) -> ModelState:
        return self._model(name, self._models())

    def release_state_path(self, name: str) -> Path:
        return release_path(self.project, check_name(name))

    def release_state(self, name: str) -> dict[str, Any]:
        ms = self._model(name, self._models())
        return release_state(ms, self.ledger.count())

    def publish(self, name: str) -> Path:
        """(Re)write the model's release state file from the ledger."""
        models = self._models()
        return write_release_state(self.project, release_state(self._model(name, models),
                                                               self.ledger.count()))

    def _publish_many(self, names: set[str]) -> None:
        for n in sorted(names):
            self.publish(n)

    def trace(self, name: str, version: int | None = None) -> Trace:
        """Everything behind a version, walked back through the ledger (see audit/trace.py)."""
        return build_trace(self.ledger, self.get(name, version))

    def export_in_toto(self, out_dir: PathLike, name: str | None = None) -> ExportResult:
        """Signed in-toto provenance for every version (of `name`, or of every model)."""
        return export_in_toto(self.ledger, self.list(name), out_dir)

    # -- registering ------------------------------------------------------------------------
    def register(self, artifact_path: PathLike, name: str, *, trained_on: str | list[str] | None = None,
                 metrics: dict[str, Any] | None = None, criteria_passed: bool | None = None,
                 parity: dict[str, Any] | None = None, signature: dict[str, Any] | None = None,
                 source: dict[str, Any] | None = None,
                 extra_artifacts: dict[str, PathLike] | None = None,
                 metadata: dict[str, Any] | None = None,
                 environment: dict[str, Any] | None = None) -> ModelVersion:
        """Store the artifact and record a new candidate version (1, 2, ...)."""
        check_name(name)
        artifact = Path(artifact_path)
        if not artifact.is_file():
            raise RegistryError(f"{artifact}: no such artifact file")
        if criteria_passed is not None and not isinstance(criteria_passed, bool):
            raise RegistryError(f"criteria_passed must be True, False or None, not {criteria_passed!r}")
        if metrics is not None and not isinstance(metrics, dict):
            raise RegistryError("metrics must be a mapping of metric names to values")
        refs = [trained_on] if isinstance(trained_on, str) else list(trained_on or [])
        snapshots = [get_snapshot(r, ledger=self.ledger).id for r in refs]
        extras = {}
        for label, path in sorted((extra_artifacts or {}).items()):
            p = Path(path)
            if not p.is_file():
                raise RegistryError(f"{p}: no such {label} artifact file")
            extras[label] = {"sha256": self.store.put_file(p), "name": p.name, "bytes": p.stat().st_size}
            if label == "parity" and parity is None:
                parity = _read_json_file(p, "parity")
            if label == "signature" and signature is None:
                signature = _read_json_file(p, "signature")
        digest = self.store.put_file(artifact)
        payload = {
            "artifact": {"sha256": digest, "name": artifact.name, "bytes": artifact.stat().st_size},
            "trained_on": snapshots, "metrics": metrics or {}, "criteria_passed": criteria_passed,
            "parity": parity, "signature": signature,
            "source": source if source is not None else {"git": git_state(self.project.root)},
            "extra_artifacts": extras, "metadata": metadata or {},
            "environment": environment if environment is not None else environment_lock(),
        }
        with self.ledger.transaction() as txn:
            models = self._models(txn)
            ms = models.get(name)
            version = max(ms.versions) + 1 if ms and ms.versions else 1
            entry = txn.append(kinds.MODEL_REGISTERED, kinds.model_subject(name, version),
                               {"name": name, "version": version, **payload})
        self.publish(name)
        return self.get(name, entry.payload["version"])

    # -- deciding ---------------------------------------------------------------------------
    def _relevant_seqs(self, ms: ModelState, mv: ModelVersion, txn: Transaction) -> set[int]:
        seqs = {a.seq for a in mv.approvals}
        for sid in mv.trained_on:
            seqs |= {e.seq for e in txn.entries(subject=kinds.snapshot_subject(sid))}
        return seqs

    def promote(self, name: str, version: int, to: str = "staging", env: str = DEFAULT_ENV) -> ModelVersion:
        """Promote through the gate; raises GateRefused with every reason it refuses."""
        if to not in STAGES:
            raise RegistryError(f"cannot promote to {to!r}: use one of {', '.join(STAGES)}")
        check_name(env, "environment name")
        self._version(self._model(name, self._models()), version)  # fail before any write
        with self.ledger.transaction() as txn:
            ms = self._model(name, self._models(txn))
            mv = self._version(ms, version)
            report = verify(self.ledger, signed=self._relevant_seqs(ms, mv, txn))
            reasons = gate.refusals(mv, to, env, ms, self.store, report)
            if reasons:
                raise GateRefused(name, mv.version, to, reasons)
            previous = ms.envs[env].production if env in ms.envs else None
            txn.append(kinds.MODEL_PROMOTED, kinds.model_subject(name, mv.version),
                       {"name": name, "version": mv.version, "to": to, "env": env,
                        "previous_production": previous, "artifact_sha256": mv.artifact_sha256})
        self.publish(name)
        return self.get(name, mv.version)

    def rollback(self, name: str, env: str = DEFAULT_ENV) -> ModelVersion:
        """Back to the previous production version of `env` (skipping revoked or damaged ones)."""
        self._model(name, self._models())  # fail before any write
        with self.ledger.transaction() as txn:
            ms = self._model(name, self._models(txn))
            state = ms.envs.get(env)
            if state is None or state.production is None:
                raise RegistryError(f"{name} has no production version in {env!r} to roll back from")
            target = None
            for v in reversed(state.previous):
                mv = ms.versions[v]
                if mv.status != REVOKED and self.store.verify(mv.artifact_sha256):
                    target = v
                    break
            if target is None:
                raise RegistryError(f"{name} has no earlier production version in {env!r} that may be "
                                    "served (none, or all revoked or damaged)")
            txn.append(kinds.MODEL_ROLLED_BACK, kinds.model_subject(name),
                       {"name": name, "env": env, "from": state.production, "to": target})
        self.publish(name)
        return self.get(name, target)

    def revoke(self, name: str, version: int, reason: str) -> ModelVersion:
        if not reason or not reason.strip():
            raise RegistryError("a revocation needs a reason")
        self._version(self._model(name, self._models()), version)  # fail before any write
        with self.ledger.transaction() as txn:
            ms = self._model(name, self._models(txn))
            mv = self._version(ms, version)
            if mv.status == REVOKED:
                raise RegistryError(f"{name}:{mv.version} is already revoked: {mv.revoked_reason}")
            serving = sorted(e for e, s in ms.envs.items() if s.production == mv.version)
            txn.append(kinds.MODEL_REVOKED, kinds.model_subject(name, mv.version),
                       {"name": name, "version": mv.version, "reason": reason.strip(),
                        "was_production_in": serving})
        self.publish(name)
        return self.get(name, mv.version)

    def cut_out(self, name: str, reason: str, env: str = DEFAULT_ENV) -> dict[str, Any]:
        """Emergency stop: the service answers 503 while the cut-out is active."""
        if not reason or not reason.strip():
            raise RegistryError("a cut-out needs a reason")
        self._model(name, self._models())  # fail before any write
        with self.ledger.transaction() as txn:
            self._model(name, self._models(txn))
            txn.append(kinds.SERVICE_CUT_OUT, kinds.model_subject(name),
                       {"name": name, "env": env, "reason": reason.strip()})
        path = self.publish(name)
        return {"model": name, "env": env, "cutout": True, "release_state": str(path)}

    def restore(self, name: str, env: str = DEFAULT_ENV) -> dict[str, Any]:
        self._model(name, self._models())  # fail before any write
        with self.ledger.transaction() as txn:
            ms = self._model(name, self._models(txn))
            if env not in ms.envs or not ms.envs[env].cutout.get("active"):
                raise RegistryError(f"{name} is not cut out in {env!r}")
            txn.append(kinds.SERVICE_RESTORED, kinds.model_subject(name), {"name": name, "env": env})
        path = self.publish(name)
        return {"model": name, "env": env, "cutout": False, "release_state": str(path)}

    # -- consent ----------------------------------------------------------------------------
    def _trained_on(self, models: dict[str, ModelState], sid: str) -> list[tuple[str, int]]:
        return [(ms.name, v) for ms in models.values() for v, mv in sorted(ms.versions.items())
                if sid in mv.trained_on]

    def revoke_data(self, snapshot_ref: str, reason: str) -> tuple[Snapshot, list[tuple[str, int]]]:
        """Withdraw consent for a snapshot: it and every version trained on it are revoked."""
        if not reason or not reason.strip():
            raise RegistryError("withdrawing consent needs a reason")
        snap = get_snapshot(snapshot_ref, ledger=self.ledger)
        with self.ledger.transaction() as txn:
            snap = get_snapshot(snap.id, ledger=self.ledger)
            if snap.consent == REVOKED:
                raise RegistryError(f"snapshot {snap.id} was already revoked on {snap.revoked}: "
                                    f"{snap.revoked_reason}")
            affected = self._trained_on(self._models(txn), snap.id)
            record_revocation(txn, snap, reason.strip(), affected)
        self._publish_many({n for n, _ in affected})
        return get_snapshot(snap.id, ledger=self.ledger), affected

    def forget_subject(self, subject_id: object, snapshot_ref: str) -> tuple[str, list[tuple[str, int]]]:
        """Record an erasure request (salted hash only): the versions trained on the snapshot
        must be retrained, and services refuse to score the subject. Returns (hash, affected)."""
        snap = get_snapshot(snapshot_ref, ledger=self.ledger)
        hashed = subject_hash(subject_id, self.project)
        with self.ledger.transaction() as txn:
            affected = self._trained_on(self._models(txn), snap.id)
            already = [e for e in txn.entries(kinds.ERASURE_REQUESTED, kinds.snapshot_subject(snap.id))
                       if e.payload.get("subject_hash") == hashed]
            if not already:
                record_erasure(txn, snap, hashed, affected)
        self._publish_many({n for n, _ in affected})
        return hashed, affected


__all__ = ["GateRefused", "ModelNotFound", "Registry", "RegistryError"]
