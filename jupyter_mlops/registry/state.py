"""The registry's state is a fold of the ledger: nothing is stored apart that could drift.

Every status (revoked, retrain required, production in an environment, ...) is replayed from the
signed entries in sequence order. Consent applies by content: a version trained on a revoked
snapshot is revoked whether it was registered before or after the revocation.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..audit import kinds
from ..audit.ledger import Entry
from .model import (
    ARCHIVED,
    CANDIDATE,
    PRODUCTION,
    RETRAIN_REQUIRED,
    REVOKED,
    STAGING,
    Approval,
    ModelState,
    ModelVersion,
)

MODEL_KINDS = (kinds.MODEL_REGISTERED, kinds.MODEL_PROMOTED, kinds.MODEL_ROLLED_BACK,
               kinds.MODEL_REVOKED, kinds.SERVICE_CUT_OUT, kinds.SERVICE_RESTORED)
CONSENT_KINDS = (kinds.DATA_REVOKED, kinds.ERASURE_REQUESTED)
RELEVANT = MODEL_KINDS + CONSENT_KINDS


def _approval(e: Entry, action: str, detail: str = "") -> Approval:
    return Approval(action, e.actor.user, e.actor.key, e.time, e.seq, detail)


def _version_from(e: Entry) -> ModelVersion:
    p = e.payload
    art = p.get("artifact") or {}
    return ModelVersion(
        name=p["name"], version=int(p["version"]), artifact_sha256=art.get("sha256", ""),
        artifact_name=art.get("name", ""), artifact_bytes=int(art.get("bytes", 0)),
        trained_on=list(p.get("trained_on") or []), metrics=dict(p.get("metrics") or {}),
        criteria_passed=p.get("criteria_passed"), parity=p.get("parity"), signature=p.get("signature"),
        source=dict(p.get("source") or {}), metadata=dict(p.get("metadata") or {}),
        extra_artifacts=dict(p.get("extra_artifacts") or {}), registered=e.time,
        registered_by=e.actor.user, seq=e.seq, approvals=[_approval(e, "registered")])


class _Fold:
    def __init__(self) -> None:
        self.models: dict[str, ModelState] = {}
        self.revoked_snapshots: dict[str, str] = {}
        self.erasures: dict[str, list[str]] = {}

    def model(self, name: str) -> ModelState:
        return self.models.setdefault(name, ModelState(name))

    def revoke(self, ms: ModelState, version: int, reason: str) -> None:
        mv = ms.versions.get(version)
        if mv is None or mv.revoked_reason is not None:
            return
        mv.revoked_reason = reason
        for env in ms.envs.values():
            env.previous = [v for v in env.previous if v != version]
            if env.staging == version:
                env.staging = None
            if env.production == version:
                # a withdrawn model must stop being served: fall back to the last good one
                env.production = env.previous.pop() if env.previous else None

    def apply_consent(self, ms: ModelState, mv: ModelVersion) -> None:
        for sid in mv.trained_on:
            if sid in self.revoked_snapshots:
                self.revoke(ms, mv.version, self.revoked_snapshots[sid])
            if self.erasures.get(sid) and mv.retrain_reason is None:
                mv.retrain_reason = f"erasure requested for a data subject of snapshot {sid}"

    def entry(self, e: Entry) -> None:
        p, kind = e.payload, e.kind
        if kind in CONSENT_KINDS:
            sid = p.get("snapshot", "")
            if kind == kinds.DATA_REVOKED:
                self.revoked_snapshots.setdefault(
                    sid, f"consent withdrawn: snapshot {sid} ({p.get('reason', 'no reason given')})")
            else:
                self.erasures.setdefault(sid, []).append(p.get("subject_hash", ""))
            for ms in self.models.values():
                for mv in ms.versions.values():
                    if sid in mv.trained_on:
                        self.apply_consent(ms, mv)
                        ms.last_seq = e.seq
            return
        name = p.get("name")
        if not name:
            return
        ms = self.model(name)
        ms.last_seq = e.seq
        env_name = p.get("env", "default")
        if kind == kinds.MODEL_REGISTERED:
            mv = _version_from(e)
            ms.versions[mv.version] = mv
            self.apply_consent(ms, mv)
        elif kind == kinds.MODEL_PROMOTED:
            v, to = int(p["version"]), p.get("to")
            mv = ms.versions.get(v)
            if mv is None:
                return
            env = ms.env(env_name)
            if to == PRODUCTION:
                if env.production is not None and env.production != v:
                    env.previous = [x for x in env.previous if x != env.production] + [env.production]
                env.previous = [x for x in env.previous if x != v]
                env.production = v
                if env.staging == v:
                    env.staging = None
                mv.was_production = True
            elif to == STAGING:
                env.staging = v
            mv.approvals.append(_approval(e, "promoted", f"to {to} ({env_name})"))
        elif kind == kinds.MODEL_ROLLED_BACK:
            env = ms.env(env_name)
            back_from, to = p.get("from"), p.get("to")
            env.previous = [x for x in env.previous if x != to and x != back_from]
            env.production = to
            for v, action in ((back_from, "rolled back from"), (to, "rolled back to")):
                if v in ms.versions:
                    ms.versions[v].approvals.append(_approval(e, "rolled_back", f"{action} ({env_name})"))
        elif kind == kinds.MODEL_REVOKED:
            v = int(p["version"])
            self.revoke(ms, v, p.get("reason") or "revoked")
            if v in ms.versions:
                ms.versions[v].approvals.append(_approval(e, "revoked", p.get("reason", "")))
        elif kind == kinds.SERVICE_CUT_OUT:
            ms.env(env_name).cutout = {"active": True, "reason": p.get("reason"), "since": e.time,
                                       "by": e.actor.user}
        elif kind == kinds.SERVICE_RESTORED:
            ms.env(env_name).cutout = {"active": False, "reason": None, "since": None, "by": None}

    def finish(self) -> dict[str, ModelState]:
        for ms in self.models.values():
            hashes: list[str] = []
            for mv in ms.versions.values():
                for sid in mv.trained_on:
                    hashes += [h for h in self.erasures.get(sid, []) if h not in hashes]
                mv.environments = {}
                for env_name, env in sorted(ms.envs.items()):
                    if env.production == mv.version:
                        mv.environments[env_name] = PRODUCTION
                    elif env.staging == mv.version:
                        mv.environments[env_name] = STAGING
                if mv.revoked_reason is not None:
                    mv.status = REVOKED
                elif mv.retrain_reason is not None:
                    mv.status = RETRAIN_REQUIRED
                elif PRODUCTION in mv.environments.values():
                    mv.status = PRODUCTION
                elif STAGING in mv.environments.values():
                    mv.status = STAGING
                else:
                    mv.status = ARCHIVED if mv.was_production else CANDIDATE
            ms.erased_subjects = sorted(hashes)
        return self.models


def fold(entries: Iterable[Entry]) -> dict[str, ModelState]:
    f = _Fold()
    for e in entries:
        f.entry(e)
    return f.finish()
