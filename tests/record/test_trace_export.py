"""The trace walks back to code, data, trial, people; the in-toto export verifies with
securesystemslib alone (what a third party has), never with code of ours."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from story import write_story

from jupyter_mlops.registry import Registry


@pytest.fixture
def story(project, tmp_path):
    return write_story(project, tmp_path)


def test_trace_walks_back_to_everything(project, story):
    t = Registry(project).trace("churn", story["version"])
    assert t.code["notebook_sha256"] == "ab" * 32 and t.code["package_version"] == "0.2.0"
    assert t.code["git"] == {"commit": "1f2e3d4c" * 5, "dirty": True}
    assert t.data[0]["id"] == story["snapshot"].id and t.data[0]["consent"] == "active"
    assert t.data[0]["files"] == 6
    assert t.experiment["id"] == story["experiment"] and t.trial["id"] == "t2"
    assert t.parameters == {"C": 1.0} and t.metrics == {"auc": 0.88}
    assert t.criteria["passed"] is True and t.criteria["detail"]["criteria"] == ["auc >= 0.85"]
    assert t.environment["python"] and t.environment["packages"]
    kinds_seen = [e.kind for e in t.events]
    for kind in ("productionise.run", "data.snapshot", "experiment.started", "trial.finished",
                 "criteria.evaluated", "model.registered", "model.promoted", "model.rolled_back"):
        assert kind in kinds_seen, kind
    assert "t1" not in json.dumps([e.subject for e in t.events])  # the other trial is not this model's
    people = {p["user"]: p["roles"] for p in t.people}
    assert "approved a promotion" in people["bob"] and "rolled it back" in people["ana"]
    assert all(e.verified for e in t.events) and t.ledger_ok
    assert [e.seq for e in t.events] == sorted(e.seq for e in t.events)


def test_trace_marks_the_entry_that_does_not_verify(project, story):
    led = Registry(project).ledger
    led.close()
    conn = sqlite3.connect(led.path)
    conn.execute("DROP TRIGGER entries_append_only_update")
    seq, = conn.execute("SELECT seq FROM entries WHERE kind='trial.finished' AND subject LIKE '%t2'").fetchone()
    conn.execute("UPDATE entries SET signature = ? WHERE seq = ?", ("A" * 88, seq))
    conn.commit()
    conn.close()
    t = Registry(project).trace("churn", story["version"])
    bad = [e for e in t.events if not e.verified]
    assert [e.seq for e in bad] == [seq] and not t.ledger_ok and "signature" in bad[0].problem
    assert "BAD" in t.summary()


def test_in_toto_envelopes_verify_with_securesystemslib_only(project, story, tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    out = tmp_path / "provenance"
    result = Registry(project).export_in_toto(out)
    pems = sorted(out.glob("*.pem"))
    assert len(pems) == 1 and "PRIVATE" not in pems[0].read_text()
    key = SSlibKey.from_crypto(load_pem_public_key(pems[0].read_bytes()))
    envelopes = sorted(out.glob("churn.v*.intoto.json"))
    assert [p.name for p in envelopes] == ["churn.v1.intoto.json", "churn.v2.intoto.json"]
    assert len(result.envelopes) == 2
    data = json.loads(envelopes[1].read_text())
    env = Envelope.from_dict(json.loads(envelopes[1].read_text()))
    assert env.payload_type == "application/vnd.in-toto+json"
    env.verify([key], 1)
    st = json.loads(env.payload)
    assert st["_type"] == "https://in-toto.io/Statement/v1"
    assert st["predicateType"] == "https://slsa.dev/provenance/v1"
    assert st["subject"][0]["digest"]["sha256"] == hashlib.sha256(story["model"].read_bytes()).hexdigest()
    pred = st["predicate"]
    deps = pred["buildDefinition"]["resolvedDependencies"]
    assert {"sha256": story["snapshot"].root} in [d["digest"] for d in deps]
    assert {"sha256": "ab" * 32} in [d["digest"] for d in deps]
    assert {"gitCommit": "1f2e3d4c" * 5} in [d["digest"] for d in deps]
    assert pred["buildDefinition"]["externalParameters"]["trial"] == "t2"
    assert pred["runDetails"]["builder"]["version"]["jupyter-mlops"]
    # a changed statement no longer verifies
    forged = json.loads(env.payload)
    forged["subject"][0]["digest"]["sha256"] = "0" * 64
    import base64
    data["payload"] = base64.b64encode(json.dumps(forged).encode()).decode()
    with pytest.raises(VerificationError):
        Envelope.from_dict(data).verify([key], 1)
