"""The ledger on a real SQLite file: entries, signatures, masking, canonical JSON, keys."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import stat

import pytest
import rfc8785
from conftest import other_person
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_mlops.audit import Ledger, LedgerError, PayloadError, kinds
from jupyter_mlops.audit.canonical import canonical
from jupyter_mlops.audit.verify import verify
from jupyter_mlops.project import Project


def test_append_records_every_field_and_chains(ledger):
    a = ledger.append(kinds.PRODUCTIONISE_RUN, "package:churn", {"version": "0.1.0", "n": 3})
    b = ledger.append(kinds.DATA_SNAPSHOT, "snapshot:abc", {"files": 2})
    # the first append registered the key, self-signed
    first = ledger.get(1)
    assert first.kind == kinds.KEY_REGISTERED and first.subject == f"key:{a.actor.key}"
    assert (a.seq, b.seq) == (2, 3)
    assert b.prev_hash == a.hash and a.prev_hash == first.hash
    assert a.actor.user == "ana" and len(a.actor.key) == 64
    assert a.time.endswith("Z") and a.time[10] == "T"
    got = ledger.entries(kind=kinds.PRODUCTIONISE_RUN)
    assert [e.payload for e in got] == [{"version": "0.1.0", "n": 3}]
    assert ledger.entries(subject="snapshot:abc")[0].hash == b.hash
    assert verify(ledger, full=True).ok


def test_ledger_file_is_wal_with_append_only_triggers(ledger):
    ledger.append("x.y", "s", {})
    ledger.close()
    conn = sqlite3.connect(ledger.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for sql in ("UPDATE entries SET subject = 'z'", "DELETE FROM entries"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()


def test_secrets_are_masked_before_they_are_written(ledger):
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
    e = ledger.append("x.y", "s", {"db_password": "hunter22", "note": f"pushed with {token}",
                                   "url": "postgresql://ana:S3cr3tPw9@db.internal/prod",
                                   "params": {"max_tokens": 256, "lr": 0.1}})
    assert e.payload["db_password"] == "****"
    assert token not in e.payload["note"] and "ghp_****" in e.payload["note"]
    assert e.payload["url"] == "postgresql://ana:****@db.internal/prod"
    assert e.payload["params"] == {"max_tokens": 256, "lr": 0.1}
    raw = ledger.path.read_bytes() + ledger.path.with_name("ledger.db-wal").read_bytes()
    assert b"hunter22" not in raw and token.encode() not in raw and b"S3cr3tPw9" not in raw


def test_payload_values_data_scientists_pass(ledger):
    e = ledger.append("x.y", "s", {"loss": float("nan"), "best": float("inf"), "path": ledger.path,
                                   "shape": (3, 4), "tags": {"b", "a"}})
    assert e.payload == {"loss": "NaN", "best": "Infinity", "path": str(ledger.path),
                         "shape": [3, 4], "tags": ["a", "b"]}
    with pytest.raises(Exception, match="cannot be recorded"):
        ledger.append("x.y", "s", {"f": object()})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**60, 2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_canonical_json_is_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError):
        with pytest.raises(PayloadError):
            canonical(value)
        return
    assert canonical(value) == expected


def test_key_is_private_to_the_user_and_never_in_the_project(ledger, key_home, project):
    e = ledger.append("x.y", "s", {})
    key_file = key_home / "jupyter-mlops" / "keys" / "ed25519.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    pem = key_file.read_bytes()
    for path in project.root.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    assert "PRIVATE" not in repr(ledger.signer()) and e.actor.key in json.dumps(e.to_dict())
    assert pem not in json.dumps(e.to_dict()).encode()


def test_key_rotation_old_entries_still_verify_new_ones_use_new_key(ledger, project):
    before = ledger.append("x.y", "s", {"n": 1})
    rotated = ledger.rotate_key()
    after = ledger.append("x.y", "s", {"n": 2})
    assert rotated.kind == kinds.KEY_ROTATED and rotated.actor.key == before.actor.key
    assert rotated.payload["new"] == after.actor.key != before.actor.key
    report = verify(ledger, full=True)
    assert report.ok, report.summary()
    keys = {k.fingerprint: k for k in report.keys}
    assert keys[before.actor.key].retired_seq == rotated.seq
    # another process still holding the old key cannot sign with it any more
    stale = Ledger(project)
    stale._signer = ledger.keys.retired()[0]
    e = stale.append("x.y", "s", {"n": 3})
    assert e.actor.key == after.actor.key  # it noticed the rotation and took the new key
    assert verify(ledger, full=True).ok


def test_rotation_reaches_a_second_project_signed_by_the_key_it_knows(tmp_path):
    one, two = (Ledger(Project.find(explicit=_mk(tmp_path / n))) for n in ("one", "two"))
    one.append("x.y", "s", {})
    two.append("x.y", "s", {})
    one.rotate_key()
    e = two.append("x.y", "s", {})  # project two learns of the new key through a rotation entry
    rot = two.entries(kinds.KEY_ROTATED)
    assert len(rot) == 1 and rot[0].payload["new"] == e.actor.key
    assert verify(two, full=True).ok


def _mk(path):
    path.mkdir()
    return path


def test_two_people_two_keys(tmp_path, project):
    ana = Ledger(project)
    bob = Ledger(project, keys=other_person(tmp_path))
    a = ana.append("x.y", "s", {})
    b = bob.append("x.y", "s", {})
    assert a.actor.key != b.actor.key
    report = verify(ana, full=True)
    assert report.ok and len(report.keys) == 2


def test_reading_creates_nothing(tmp_path):
    root = _mk(tmp_path / "empty")
    led = Ledger(Project.find(explicit=root))
    assert led.entries() == [] and led.head() is None
    assert verify(led).ok and list(root.iterdir()) == []


def test_corrupt_ledger_file_one_line_error_and_unchanged(project):
    project.ensure_state_dir()
    path = project.state_dir / "ledger.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    before = path.read_bytes()
    for action in (lambda led: led.append("x.y", "s", {}), lambda led: led.entries()):
        with pytest.raises(LedgerError) as info:
            action(Ledger(project))
        assert "\n" not in str(info.value) and "ledger.db" in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in project.state_dir.iterdir()) == [".gitignore", "README.md", "ledger.db"]


def test_state_dir_has_gitignore_and_readme(ledger, project):
    ledger.append("x.y", "s", {})
    ignore = (project.state_dir / ".gitignore").read_text()
    assert "artifacts/" in ignore and "secrets/" in ignore and "cache/" in ignore
    assert "jupyter-mlops" in (project.state_dir / "README.md").read_text()


def test_project_find_order(tmp_path, monkeypatch):
    root = _mk(tmp_path / "repo")
    (root / ".git").mkdir()
    nested = root / "notebooks" / "deep"
    nested.mkdir(parents=True)
    assert Project.find(start=nested).root == root.resolve()
    other = _mk(tmp_path / "other")
    monkeypatch.setenv("JUPYTER_MLOPS_PROJECT", str(other))
    assert Project.find(start=nested).root == other.resolve()
    assert Project.find(start=nested, explicit=root).root == root.resolve()
    with pytest.raises(Exception, match="does not exist"):
        Project.find(explicit=tmp_path / "missing")
    p = Project.find(explicit=root)
    with pytest.raises(Exception, match="escapes"):
        p.path("..", "x")
    assert not math.isnan(0.0)  # keep math import honest
    assert os.path.isabs(str(p.path("release", "m.json")))
