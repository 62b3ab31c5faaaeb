"""The promotion gate. Every promotion passes through `refusals`; nothing can switch it off.

It refuses a version whose success criteria failed or were never recorded, that was trained on
data whose consent was withdrawn (or that a revocation or erasure request covers), whose ONNX
parity check failed, whose stored artifact no longer hashes to what was registered, or when the
ledger itself does not verify (an edited ledger could fake any of the above).
"""

from __future__ import annotations

from ..audit.artifacts import ArtifactStore
from ..audit.verify import VerifyReport
from .model import PRODUCTION, REVOKED, STAGING, ModelState, ModelVersion


def refusals(mv: ModelVersion, to: str, env: str, state: ModelState, store: ArtifactStore,
             ledger_report: VerifyReport) -> list[str]:
    reasons: list[str] = []
    if not ledger_report.ok:
        first = ledger_report.first_problem
        reasons.append(f"the ledger does not verify ({first}); run `jupyter-mlops audit verify --full`")
    if mv.status == REVOKED:
        reasons.append(f"version {mv.version} is revoked: {mv.revoked_reason}")
    if mv.retrain_reason:
        reasons.append(f"it must be retrained: {mv.retrain_reason}")
    if mv.criteria_passed is None:
        reasons.append("no success-criteria result was recorded for it")
    elif mv.criteria_passed is not True:
        reasons.append("it did not pass its success criteria")
    parity = mv.parity
    if isinstance(parity, dict) and parity.get("passed") is False:
        diff = parity.get("max_abs_diff")
        reasons.append("its ONNX parity check failed" + (f" (max abs diff {diff})" if diff is not None else ""))
    if not mv.artifact_sha256 or not store.has(mv.artifact_sha256):
        reasons.append(f"its artifact sha256:{mv.artifact_sha256[:16]} is missing from the artifact store")
    elif not store.verify(mv.artifact_sha256):
        reasons.append(f"its stored artifact no longer matches the sha256 recorded at registration "
                       f"({mv.artifact_sha256[:16]}...)")
    for label, info in sorted(mv.extra_artifacts.items()):
        digest = info.get("sha256", "") if isinstance(info, dict) else ""
        if digest and not store.verify(digest):
            reasons.append(f"its {label} artifact no longer matches its recorded sha256")
    env_state = state.envs.get(env)
    if env_state is not None:
        if to == PRODUCTION and env_state.production == mv.version:
            reasons.append(f"version {mv.version} is already in production in {env}")
        if to == STAGING and env_state.staging == mv.version:
            reasons.append(f"version {mv.version} is already in staging in {env}")
    return reasons
