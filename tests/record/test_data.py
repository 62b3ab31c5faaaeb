"""Data snapshots: manifests, root hash, the hash cache, verify, diff, fsspec, subject hashes."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from conftest import make_data

from jupyter_mlops.audit import Ledger, kinds
from jupyter_mlops.data import (
    SnapshotError,
    SnapshotNotFound,
    diff_snapshots,
    get_snapshot,
    list_snapshots,
    load_manifest,
    snapshot,
    subject_hash,
    verify_snapshot,
)
from jupyter_mlops.data import manifest as manifest_module


def test_snapshot_records_a_manifest_and_copies_nothing(project):
    data = make_data(project.root / "data" / "raw", 4)
    (data / "nested").mkdir()
    (data / "nested" / "labels.parquet").write_bytes(os.urandom(3000))
    (data / ".ipynb_checkpoints").mkdir()
    (data / ".ipynb_checkpoints" / "x.csv").write_text("skip me")
    snap = snapshot(data, name="customers", project=project)
    assert snap.new and snap.files == 5 and snap.name == "customers" and snap.path == "data/raw"
    assert snap.consent == "active" and snap.id == snap.root[:16]
    m = load_manifest(snap, project)
    assert [f.path for f in m.files] == sorted(["nested/labels.parquet"] + [f"part-{i}.csv" for i in range(4)])
    # the root hash is recomputable from the documented line format, with sha256sum alone
    lines = "".join(f"{hashlib.sha256((data / f.path).read_bytes()).hexdigest()} {f.size} {f.path}\n"
                    for f in m.files)
    assert hashlib.sha256(lines.encode()).hexdigest() == snap.root
    stored = sum(p.stat().st_size for p in project.state_dir.rglob("*") if p.is_file())
    assert not any(p.name.endswith(".parquet") for p in project.state_dir.rglob("*"))
    assert stored < 200_000
    entry = Ledger(project).entries(kinds.DATA_SNAPSHOT)[0]
    assert entry.payload["root"] == snap.root and entry.payload["files"] == 5


def test_same_content_is_the_same_snapshot(project):
    data = make_data(project.root / "data")
    a = snapshot(data, project=project)
    b = snapshot(data, project=project)
    assert a.id == b.id and not b.new
    assert len(Ledger(project).entries(kinds.DATA_SNAPSHOT)) == 1
    (data / "part-0.csv").write_text("id,value\n0,1000\n")
    c = snapshot(data, project=project)
    assert c.new and c.id != a.id
    assert [s.id for s in list_snapshots(project)] == [a.id, c.id]


def test_warm_snapshot_reads_no_file(project, monkeypatch):
    data = make_data(project.root / "data", 30)
    old = 1_600_000_000
    for p in data.iterdir():
        os.utime(p, (old, old))  # older than the racy window, so the cache keeps them
    snapshot(data, project=project)

    def no_reads(path):
        raise AssertionError(f"read {path}")
    monkeypatch.setattr(manifest_module, "_sha256_path", no_reads)
    assert not snapshot(data, project=project).new
    os.utime(data / "part-3.csv", (old + 5, old + 5))  # touched: that one file is read again
    with pytest.raises(AssertionError, match="part-3.csv"):
        snapshot(data, project=project)


def test_verify_and_diff(project):
    data = make_data(project.root / "data")
    a = snapshot(data, name="v1", project=project)
    assert verify_snapshot(a.id, project).same
    (data / "part-1.csv").write_text("changed\n")
    (data / "part-4.csv").unlink()
    (data / "new.csv").write_text("a\n")
    d = verify_snapshot("v1", project)
    assert not d.same and [f.path for f in d.added] == ["new.csv"]
    assert [f.path for f in d.removed] == ["part-4.csv"] and [n.path for _, n in d.changed] == ["part-1.csv"]
    b = snapshot(data, name="v2", project=project)
    dd = diff_snapshots(a.id[:8], "v2", project)
    assert (len(dd.added), len(dd.removed), len(dd.changed), dd.unchanged) == (1, 1, 1, 3)
    assert b.id in dd.summary() or dd.b == b.id


def test_manifest_changed_by_hand_is_noticed(project):
    snap = snapshot(make_data(project.root / "data"), project=project)
    path = project.state_dir / "snapshots" / f"{snap.id}.json"
    path.write_text(path.read_text().replace("part-1", "part-9"))
    with pytest.raises(SnapshotError, match="changed since it was recorded"):
        verify_snapshot(snap.id, project)


def test_object_store_paths_go_through_fsspec(project):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")  # fsspec's real in-memory filesystem, no cloud here
    for i in range(3):
        fs.pipe(f"/bucket/sales/part-{i}.csv", f"id\n{i}\n".encode())
    snap = snapshot("memory://bucket/sales", project=project)
    assert snap.files == 3 and snap.path == "memory://bucket/sales"
    assert verify_snapshot(snap.id, project).same
    fs.pipe("/bucket/sales/part-1.csv", b"id\n99\n")
    assert [n.path for _, n in verify_snapshot(snap.id, project).changed] == ["part-1.csv"]


def test_subject_hash_is_salted_and_the_salt_private(project, tmp_path):
    h = subject_hash("customer-1", project)
    assert h == subject_hash("customer-1", project) != subject_hash("customer-2", project)
    salt = project.state_dir / "secrets" / "subject-salt"
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    import hmac
    assert h == hmac.new(bytes.fromhex(salt.read_text().strip()), b"customer-1", hashlib.sha256).hexdigest()
    other = tmp_path / "other"
    other.mkdir()
    from jupyter_mlops.project import Project
    assert subject_hash("customer-1", Project.find(explicit=other)) != h  # another project, another salt


def test_bad_input(project, tmp_path):
    with pytest.raises(SnapshotError, match="no such file or folder") as info:
        snapshot(tmp_path / "nope", project=project)
    assert "\n" not in str(info.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SnapshotError, match="no files"):
        snapshot(empty, project=project)
    with pytest.raises(SnapshotNotFound, match="no snapshot 'missing'"):
        get_snapshot("missing", project)
    assert not (project.state_dir / "ledger.db").exists()
