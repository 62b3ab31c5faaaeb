"""The registry and its promotion gate, on a real ledger and artifact store."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from conftest import make_data

from jupyter_mlops.audit import Ledger, kinds
from jupyter_mlops.audit.verify import verify
from jupyter_mlops.data import SnapshotNotFound, snapshot
from jupyter_mlops.registry import (
    BadModelName,
    GateRefused,
    ModelNotFound,
    Registry,
    RegistryError,
)


@pytest.fixture
def reg(project):
    return Registry(project)


@pytest.fixture
def model_file(tmp_path):
    def make(content: bytes = b"onnx-bytes-1", name="model.onnx"):
        path = tmp_path / "out" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        return path
    return make


def _state(reg, name="churn"):
    return json.loads(reg.release_state_path(name).read_text())


def test_register_versions_are_candidates_numbered_from_one(reg, model_file, project):
    data = snapshot(make_data(project.root / "data"), project=project)
    v1 = reg.register(model_file(), "churn", trained_on=data.id, metrics={"auc": 0.91},
                      criteria_passed=True, parity={"passed": True, "max_abs_diff": 1e-7},
                      source={"notebook_sha256": "ab" * 32, "package": "churn_pkg"})
    v2 = reg.register(model_file(b"other"), "churn", criteria_passed=False)
    assert (v1.version, v2.version) == (1, 2) and v1.status == v2.status == "candidate"
    assert v1.trained_on == [data.id] and v1.metrics == {"auc": 0.91}
    assert reg.store.has(v1.artifact_sha256) and v1.artifact_name == "model.onnx"
    assert [m.ref for m in reg.list()] == ["churn:1", "churn:2"]
    assert reg.get("churn").version == 2
    state = _state(reg)
    assert state["format"] == 1 and state["model"] == "churn" and state["versions"]["1"]["status"] == "candidate"


def test_gate_refuses_with_every_reason_and_no_bypass(reg, model_file, project):
    v = reg.register(model_file(), "churn", parity={"passed": False, "max_abs_diff": 0.2})
    with pytest.raises(GateRefused) as info:
        reg.promote("churn", v.version, to="production")
    reasons = " | ".join(info.value.reasons)
    assert "no success-criteria result" in reasons and "parity check failed" in reasons
    import inspect
    assert set(inspect.signature(reg.promote).parameters) == {"name", "version", "to", "env"}
    failed = reg.register(model_file(b"2"), "churn", criteria_passed=False)
    with pytest.raises(GateRefused, match="did not pass its success criteria"):
        reg.promote("churn", failed.version, to="staging")
    assert reg.get("churn", 1).status == "candidate" and not Ledger(project).entries(kinds.MODEL_PROMOTED)


def test_gate_refuses_an_artifact_that_changed(reg, model_file):
    v = reg.register(model_file(), "churn", criteria_passed=True)
    stored = reg.store.path(v.artifact_sha256)
    os.chmod(stored, 0o644)
    stored.write_bytes(b"swapped model")
    with pytest.raises(GateRefused, match="no longer matches"):
        reg.promote("churn", 1, to="production")


def test_gate_refuses_when_the_ledger_was_edited(reg, model_file, project):
    reg.register(model_file(), "churn", criteria_passed=False)
    reg.ledger.close()
    conn = sqlite3.connect(reg.ledger.path, isolation_level=None)
    conn.execute("DROP TRIGGER entries_append_only_update")
    seq, body = conn.execute("SELECT seq, body FROM entries WHERE kind='model.registered'").fetchone()
    record = json.loads(body)
    record["payload"]["criteria_passed"] = True  # the attacker flips the failed criteria
    from jupyter_mlops.audit.canonical import canonical
    conn.execute("UPDATE entries SET body=? WHERE seq=?", (canonical(record), seq))
    conn.close()
    with pytest.raises(GateRefused, match="ledger does not verify"):
        Registry(project).promote("churn", 1, to="production")


def test_promote_rollback_and_several_environments(reg, model_file):
    for i in range(3):
        reg.register(model_file(f"m{i}".encode()), "churn", criteria_passed=True)
    reg.promote("churn", 1, to="production")
    reg.promote("churn", 2, to="staging")
    assert reg.get("churn", 2).status == "staging"
    reg.promote("churn", 2, to="production")
    reg.promote("churn", 3, to="production", env="eu")
    s = _state(reg)
    assert s["environments"]["default"]["production"] == 2
    assert s["environments"]["default"]["previous"] == [1] and s["environments"]["default"]["staging"] is None
    assert s["environments"]["eu"]["production"] == 3
    assert reg.get("churn", 1).status == "archived"
    back = reg.rollback("churn")
    assert back.version == 1 and back.status == "production"
    assert _state(reg)["environments"]["default"]["production"] == 1
    approvals = reg.get("churn", 2).approvals
    assert [a.action for a in approvals] == ["registered", "promoted", "promoted", "rolled_back"]
    assert all(a.by == "ana" for a in approvals)
    with pytest.raises(RegistryError, match="no earlier production version"):
        reg.rollback("churn")
    with pytest.raises(GateRefused, match="already in production"):
        reg.promote("churn", 3, to="production", env="eu")


def test_revoking_the_production_version_falls_back_to_the_last_good_one(reg, model_file):
    for i in range(2):
        reg.register(model_file(f"m{i}".encode()), "churn", criteria_passed=True)
    reg.promote("churn", 1, to="production")
    reg.promote("churn", 2, to="production")
    reg.revoke("churn", 2, "wrong labels in training data")
    s = _state(reg)
    assert s["environments"]["default"]["production"] == 1
    assert s["revoked"] == {"2": "wrong labels in training data"}
    with pytest.raises(GateRefused, match="is revoked"):
        reg.promote("churn", 2, to="production")
    with pytest.raises(RegistryError, match="already revoked"):
        reg.revoke("churn", 2, "again")


def test_data_revocation_blocks_promotion_and_stops_serving(reg, model_file, project):
    data = snapshot(make_data(project.root / "data"), project=project)
    other = snapshot(make_data(project.root / "other", 2), project=project)
    v1 = reg.register(model_file(b"a"), "churn", trained_on=other.id, criteria_passed=True)
    v2 = reg.register(model_file(b"b"), "churn", trained_on=[data.id], criteria_passed=True)
    reg.register(model_file(b"c"), "churn", trained_on=data.id, criteria_passed=True)
    reg.promote("churn", v1.version, to="production")
    reg.promote("churn", v2.version, to="production")
    snap, affected = reg.revoke_data(data.id, "customers withdrew consent")
    assert snap.consent == "revoked" and affected == [("churn", 2), ("churn", 3)]
    listed = {m.version: m for m in reg.list("churn")}
    assert listed[2].status == listed[3].status == "revoked"
    assert "consent withdrawn" in listed[3].revoked_reason and data.id in listed[3].revoked_reason
    with pytest.raises(GateRefused, match="consent withdrawn"):
        reg.promote("churn", 3, to="staging")
    s = _state(reg)
    assert s["environments"]["default"]["production"] == 1 and set(s["revoked"]) == {"2", "3"}
    # a version registered later on the same data is revoked from the start
    v4 = reg.register(model_file(b"d"), "churn", trained_on=data.id, criteria_passed=True)
    assert v4.status == "revoked"


def test_erasure_marks_retrain_required_and_publishes_the_hash(reg, model_file, project):
    data = snapshot(make_data(project.root / "data"), project=project)
    reg.register(model_file(), "churn", trained_on=data.id, criteria_passed=True)
    reg.promote("churn", 1, to="production")
    hashed, affected = reg.forget_subject("customer-8812", data.id)
    assert affected == [("churn", 1)] and len(hashed) == 64
    mv = reg.get("churn", 1)
    assert mv.status == "retrain_required" and mv.environments == {"default": "production"}
    s = _state(reg)
    assert s["erased_subjects"] == {"algorithm": "hmac-sha256", "hashes": [hashed]}
    assert "1" in s["retrain_required"]
    raw = reg.ledger.path.read_bytes() + reg.ledger.path.with_name("ledger.db-wal").read_bytes()
    assert b"customer-8812" not in raw
    assert reg.forget_subject("customer-8812", data.id)[0] == hashed  # recorded once
    assert len(Ledger(project).entries(kinds.ERASURE_REQUESTED)) == 1


def test_cut_out_and_restore_in_the_release_state(reg, model_file):
    reg.register(model_file(), "churn", criteria_passed=True)
    reg.cut_out("churn", "drift alarm")
    s = _state(reg)
    assert s["cutout"]["active"] is True and s["cutout"]["reason"] == "drift alarm" and s["cutout"]["by"] == "ana"
    assert s["environments"]["default"]["cutout"]["active"] is True
    reg.restore("churn")
    assert _state(reg)["cutout"]["active"] is False
    with pytest.raises(RegistryError, match="not cut out"):
        reg.restore("churn")


def test_bad_input_one_line_errors_and_nothing_recorded(reg, model_file, project, tmp_path):
    reg.register(model_file(), "churn", criteria_passed=True)
    count = reg.ledger.count()
    cases = [
        (lambda: reg.register(tmp_path / "missing.onnx", "churn"), RegistryError, "no such artifact"),
        (lambda: reg.register(model_file(), "../etc/passwd"), BadModelName, "not a usable model name"),
        (lambda: reg.register(model_file(), "churn", trained_on="nosuchsnap"), SnapshotNotFound, "no snapshot"),
        (lambda: reg.promote("nope", 1, to="production"), ModelNotFound, "no model named 'nope'"),
        (lambda: reg.promote("churn", 7, to="production"), ModelNotFound, "has no version 7"),
        (lambda: reg.promote("churn", 1, to="prod"), RegistryError, "cannot promote to 'prod'"),
        (lambda: reg.revoke_data("nosuchsnap", "x"), SnapshotNotFound, "no snapshot"),
    ]
    for action, error, text in cases:
        with pytest.raises(error, match=text) as info:
            action()
        assert "\n" not in str(info.value)
    assert reg.ledger.count() == count
    assert verify(reg.ledger, full=True).ok
