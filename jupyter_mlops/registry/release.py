"""The release state file a service watches: `.jupyter-mlops/release/<name>.json`.

Written atomically (temporary file, fsync, os.replace) under a file lock after every change to
the model; a newer state is never overwritten by an older one. A service reads it with the
standard library alone; see docs/registry.md for the format.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..audit.ledger import utc_now
from ..project import Project, ProjectError
from .model import DEFAULT_ENV, REVOKED, ModelState

FORMAT = 1


def release_state(ms: ModelState, ledger_seq: int, store_prefix: str = "artifacts/sha256") -> dict[str, Any]:
    envs = {name: env.to_dict() for name, env in sorted(ms.envs.items())}
    default_cutout = (ms.envs[DEFAULT_ENV].cutout if DEFAULT_ENV in ms.envs
                      else {"active": False, "reason": None, "since": None, "by": None})
    versions = {}
    for v, mv in sorted(ms.versions.items()):
        versions[str(v)] = {"sha256": mv.artifact_sha256, "status": mv.status,
                            "artifact": f"{store_prefix}/{mv.artifact_sha256[:2]}/{mv.artifact_sha256[2:]}"}
    return {
        "format": FORMAT, "model": ms.name, "ledger_seq": ledger_seq, "updated": utc_now(),
        "environments": envs, "versions": versions,
        "revoked": {str(v): mv.revoked_reason for v, mv in sorted(ms.versions.items())
                    if mv.status == REVOKED},
        "retrain_required": {str(v): mv.retrain_reason for v, mv in sorted(ms.versions.items())
                             if mv.retrain_reason},
        "erased_subjects": {"algorithm": "hmac-sha256", "hashes": list(ms.erased_subjects)},
        "cutout": dict(default_cutout),
    }


def release_path(project: Project, name: str) -> Path:
    return project.path("release", f"{name}.json")


def write_release_state(project: Project, state: dict[str, Any]) -> Path:
    folder = project.ensure_dir("release")
    target = release_path(project, state["model"])
    try:
        with open(folder / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                old = json.loads(target.read_text(encoding="utf-8"))
                if int(old.get("ledger_seq", 0)) > state["ledger_seq"]:
                    return target  # another process already published a newer state
            except (OSError, ValueError, TypeError):
                pass
            fd, tmp = tempfile.mkstemp(prefix=f".{state['model']}-", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(state, fh, indent=2, sort_keys=True)
                    fh.write("\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    except OSError as exc:
        raise ProjectError(f"{target}: cannot write the release state: {exc.strerror}") from None
    return target
