"""A realistic record for trace, export and browser tests: two people, a productionised
notebook, a snapshot, an experiment with trials and criteria, a registration, a promotion,
a rollback. Written through the public API only, the way issues 12, 15 and 16 write it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import make_data, other_person

from jupyter_mlops.audit import Ledger, kinds
from jupyter_mlops.audit.environment import environment_lock
from jupyter_mlops.audit.hooks import record_productionise
from jupyter_mlops.data import snapshot
from jupyter_mlops.registry import Registry


def write_story(project, tmp_path: Path) -> dict:
    notebook = project.root / "notebooks" / "churn.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    record_productionise(notebook, "ab" * 32, "churn_model", "0.2.0", "cd" * 32, project.root / "churn_model", True)
    snap = snapshot(make_data(project.root / "data" / "raw", 6), name="customers-2026", project=project)
    led = Ledger(project)
    exp, trials = "exp-7f3a", ["t1", "t2"]
    led.append(kinds.EXPERIMENT_STARTED, kinds.experiment_subject(exp),
               {"experiment": exp, "spec": {"notebook": "notebooks/churn.ipynb", "grid": {"C": [0.1, 1.0]}},
                "snapshot": snap.id, "git": {"commit": "1f2e3d4c" * 5, "dirty": True},
                "environment": environment_lock()})
    for t, c, auc in zip(trials, (0.1, 1.0), (0.81, 0.88)):
        led.append(kinds.TRIAL_FINISHED, kinds.trial_subject(exp, t),
                   {"trial": t, "params": {"C": c}, "metrics": {"auc": auc}, "status": "passed"
                    if auc > 0.85 else "failed", "duration_s": 1.2})
    led.append(kinds.CRITERIA_EVALUATED, kinds.trial_subject(exp, "t2"),
               {"trial": "t2", "criteria": ["auc >= 0.85"], "passed": True})
    model = tmp_path / "model.onnx"
    model.write_bytes(b"\x08\x07fake onnx bytes for the story")
    reg = Registry(project)
    source = {"experiment": exp, "trial": "t2", "notebook": "notebooks/churn.ipynb",
              "notebook_sha256": "ab" * 32, "package": "churn_model", "package_version": "0.2.0",
              "code_sha256": "cd" * 32, "git": {"commit": "1f2e3d4c" * 5, "dirty": True}}
    old = tmp_path / "old.onnx"
    old.write_bytes(b"older model")
    reg.register(old, "churn", trained_on=snap.id, metrics={"auc": 0.8}, criteria_passed=True)
    reg.promote("churn", 1, to="production")
    mv = reg.register(model, "churn", trained_on=snap.id, metrics={"auc": 0.88}, criteria_passed=True,
                      parity={"passed": True, "max_abs_diff": 3e-7}, source=source)
    bob = Registry(ledger=Ledger(project, keys=other_person(tmp_path, "bob")))
    user = os.environ.get("USER")
    os.environ["USER"] = "bob"  # the login name the actor records
    try:
        bob.promote("churn", mv.version, to="staging")
        bob.promote("churn", mv.version, to="production")
    finally:
        os.environ["USER"] = user or ""
    reg.rollback("churn")
    return {"snapshot": snap, "version": mv.version, "model": model, "experiment": exp}
