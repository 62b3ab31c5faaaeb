"""`audit export --in-toto DIR`: provenance a third party verifies with standard tooling.

For each model version: an in-toto Statement v1 whose subject is the model file (sha256) and
whose predicate is SLSA Provenance v1 (resolved dependencies = the data snapshots' root hashes,
the notebook, package code and git commit; external parameters = the trial's parameters,
metrics and criteria; builder = jupyter-mlops and its version). Each statement is wrapped in a
DSSE envelope signed with the exporting person's ed25519 key; the public key is written beside
the envelopes as PEM, named by its securesystemslib key id, so `securesystemslib.dsse.Envelope`
verifies them with no code of ours.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..project import ProjectError
from .canonical import canonical
from .keys import SigningKey
from .ledger import Ledger

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUILDER_ID = "https://github.com/jupyter-mlops/jupyter-mlops"
BUILD_TYPE = "https://github.com/jupyter-mlops/jupyter-mlops/blob/main/docs/audit.md#in-toto-export"


@dataclass
class ExportResult:
    folder: str
    envelopes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    keyid: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "envelopes": self.envelopes, "keys": self.keys, "keyid": self.keyid}


def _dependencies(mv: Any, snapshots: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    deps: list[dict[str, Any]] = []
    for sid in mv.trained_on:
        snap = snapshots.get(sid, {})
        deps.append({"uri": f"jupyter-mlops:snapshot:{sid}", "name": f"data snapshot {snap.get('name', sid)}",
                     "digest": {"sha256": snap.get("root", "")},
                     "annotations": {"files": snap.get("files"), "bytes": snap.get("bytes"),
                                     "location": snap.get("path")}})
    src = mv.source or {}
    if src.get("notebook_sha256"):
        deps.append({"name": f"notebook {src.get('notebook') or ''}".strip(),
                     "digest": {"sha256": src["notebook_sha256"]}})
    if src.get("code_sha256"):
        deps.append({"name": f"package {src.get('package', '')} {src.get('package_version', '')}".strip(),
                     "digest": {"sha256": src["code_sha256"]}})
    git = src.get("git") or {}
    if git.get("commit"):
        deps.append({"uri": "git+local", "name": "git work tree", "digest": {"gitCommit": git["commit"]},
                     "annotations": {"dirty": git.get("dirty")}})
    return deps


def statement(mv: Any, snapshots: dict[str, dict[str, Any]], registration: Any) -> dict[str, Any]:
    """The in-toto Statement v1 (SLSA provenance predicate) of one registry ModelVersion."""
    env = (registration.payload.get("environment") if registration else None) or {}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{mv.name}/v{mv.version}/{mv.artifact_name or 'model'}",
                     "digest": {"sha256": mv.artifact_sha256}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "model": mv.name, "version": mv.version,
                    "parameters": (mv.metadata or {}).get("params") or {},
                    "experiment": (mv.source or {}).get("experiment"),
                    "trial": (mv.source or {}).get("trial"),
                    "metrics": mv.metrics, "criteria_passed": mv.criteria_passed, "parity": mv.parity,
                },
                "internalParameters": {"python": env.get("python"), "platform": env.get("platform")},
                "resolvedDependencies": _dependencies(mv, snapshots),
            },
            "runDetails": {
                "builder": {"id": BUILDER_ID, "version": {"jupyter-mlops": __version__}},
                "metadata": {
                    "invocationId": f"ledger:{registration.seq}:{registration.hash}" if registration else "",
                    "finishedOn": registration.time if registration else None,
                },
                "byproducts": [{"name": "ledger entry model.registered",
                                "digest": {"sha256": registration.hash}}] if registration else [],
            },
        },
    }


def _signer(key: SigningKey):
    from securesystemslib.signer import CryptoSigner, SSlibKey
    return CryptoSigner(key._private, SSlibKey.from_crypto(key.public_key))


def export_in_toto(ledger: Ledger, versions: list[Any], out_dir: str | os.PathLike[str]) -> ExportResult:
    """Write one DSSE envelope per version (`<name>.v<version>.intoto.json`) and the signer's
    public key (`<keyid>.pub.pem`) into `out_dir`."""
    from securesystemslib.dsse import Envelope

    from . import kinds

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"{out}: cannot create the export folder: {exc.strerror}") from None
    key = ledger.signer()
    signer = _signer(key)
    keyid = signer.public_key.keyid
    snapshots = {e.payload.get("id"): e.payload for e in ledger.entries(kinds.DATA_SNAPSHOT)}
    registrations = {(e.payload.get("name"), e.payload.get("version")): e
                     for e in ledger.entries(kinds.MODEL_REGISTERED)}
    result = ExportResult(str(out), keyid=keyid)
    try:
        pem = out / f"{keyid}.pub.pem"
        pem.write_text(key.public_pem(), encoding="ascii")
        result.keys.append(str(pem))
        for mv in versions:
            body = canonical(statement(mv, snapshots, registrations.get((mv.name, mv.version))))
            envelope = Envelope(body, PAYLOAD_TYPE, {})
            envelope.sign(signer)
            path = out / f"{mv.name}.v{mv.version}.intoto.json"
            path.write_text(json.dumps(envelope.to_dict(), indent=2) + "\n", encoding="utf-8")
            result.envelopes.append(str(path))
    except OSError as exc:
        raise ProjectError(f"{out}: cannot write the export: {exc.strerror}") from None
    return result
