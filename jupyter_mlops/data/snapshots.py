"""Data snapshots as managed assets: recorded, verifiable, comparable, revocable.

A snapshot's id is the first 16 hex digits of its root hash: the same content is the same
snapshot wherever it lies, so consent withdrawn from a data set follows its content. The manifest
is kept in `.jupyter-mlops/snapshots/<id>.json` and its sha256 is in the signed `data.snapshot`
entry (a changed manifest is noticed). Consent state is read from the ledger, never stored apart.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audit import Ledger, kinds
from ..audit.artifacts import sha256_file
from ..audit.canonical import canonical
from ..audit.ledger import Entry
from ..audit.masking import mask_text
from ..project import Project, ProjectError
from .errors import SnapshotError, SnapshotNotFound
from .hashcache import HashCache
from .manifest import FileRecord, is_url, root_hash, scan

ID_LENGTH = 16
ACTIVE, REVOKED = "active", "revoked"


@dataclass(frozen=True)
class Snapshot:
    id: str
    name: str
    root: str
    files: int
    bytes: int
    path: str  # where the data was (project-relative, absolute, or a URL with secrets masked)
    consent: str = ACTIVE
    created: str = ""
    created_by: str = ""
    seq: int = 0
    manifest_sha256: str = ""
    revoked_reason: str | None = None
    revoked: str | None = None  # when
    erasures: int = 0
    new: bool = False  # True when this call recorded it

    def to_dict(self) -> dict[str, Any]:
        return {"snapshot": self.id, "id": self.id, "name": self.name, "root": self.root,
                "files": self.files, "bytes": self.bytes, "path": self.path, "consent": self.consent,
                "created": self.created, "created_by": self.created_by, "ledger_seq": self.seq,
                "manifest_sha256": self.manifest_sha256, "revoked_reason": self.revoked_reason,
                "revoked": self.revoked, "erasure_requests": self.erasures, "new": self.new}


@dataclass(frozen=True)
class Manifest:
    id: str
    name: str
    path: str
    root: str
    files: list[FileRecord]

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"format": 1, "id": self.id, "name": self.name, "path": self.path, "root": self.root,
                "files": [f.to_dict() for f in self.files]}


def _manifest_path(project: Project, snapshot_id: str) -> Path:
    return project.path("snapshots", f"{snapshot_id}.json")


def _location(project: Project, path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    return mask_text(text) if is_url(text) else project.relative(text)


def _default_name(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path).rstrip("/")
    if is_url(text):
        return text.rsplit("/", 1)[-1] or text.partition("://")[2] or text
    return Path(text).expanduser().resolve().name or "data"


def snapshot(path: str | os.PathLike[str], name: str | None = None,
             project: Project | None = None, ledger: Ledger | None = None) -> Snapshot:
    """Record a manifest of every file under `path` (nothing copied) and a `data.snapshot` entry.

    Taking a snapshot of content already recorded returns that snapshot (`new` False) and records
    nothing: the same content keeps the same id and the same consent state.
    """
    project = project or (ledger.project if ledger else Project.find())
    ledger = ledger or Ledger(project)
    cache = HashCache(project.state_dir / "cache" / "file-hashes.db")
    try:
        files = scan(path, cache)
        if not files:
            raise SnapshotError(f"{path}: no files to snapshot")
        return _record(project, ledger, path, name, files, cache)
    finally:
        cache.close()


def _record(project: Project, ledger: Ledger, path: str | os.PathLike[str], name: str | None,
            files: list[FileRecord], cache: HashCache) -> Snapshot:
    root = root_hash(files)
    sid = root[:ID_LENGTH]
    existing = _find_entry(ledger, sid)
    if existing is not None:
        cache.flush()
        return _with_consent(_from_entry(existing), ledger)
    manifest = Manifest(sid, name or _default_name(path), _location(project, path), root, files)
    text = canonical(manifest.to_dict())
    folder = project.ensure_dir("snapshots")
    target = folder / f"{sid}.json"
    try:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise ProjectError(f"{target}: cannot write the manifest: {exc.strerror}") from None
    payload = {"id": sid, "name": manifest.name, "path": manifest.path, "root": root,
               "files": len(files), "bytes": manifest.bytes, "manifest_sha256": sha256_file(target)}
    with ledger.transaction() as txn:
        again = txn.entries(kinds.DATA_SNAPSHOT, kinds.snapshot_subject(sid))
        entry = again[0] if again else txn.append(kinds.DATA_SNAPSHOT, kinds.snapshot_subject(sid), payload)
    cache.flush()
    snap = _from_entry(entry)
    return Snapshot(**{**snap.__dict__, "new": not again})


def _find_entry(ledger: Ledger, sid: str) -> Entry | None:
    found = ledger.entries(kinds.DATA_SNAPSHOT, kinds.snapshot_subject(sid), limit=1)
    return found[0] if found else None


def _from_entry(e: Entry) -> Snapshot:
    p = e.payload
    return Snapshot(id=p["id"], name=p.get("name", ""), root=p["root"], files=int(p.get("files", 0)),
                    bytes=int(p.get("bytes", 0)), path=p.get("path", ""), created=e.time,
                    created_by=e.actor.user, seq=e.seq, manifest_sha256=p.get("manifest_sha256", ""))


def _with_consent(snap: Snapshot, ledger: Ledger, consent_entries: list[Entry] | None = None) -> Snapshot:
    entries = consent_entries if consent_entries is not None else ledger.entries(
        (kinds.DATA_REVOKED, kinds.ERASURE_REQUESTED), kinds.snapshot_subject(snap.id))
    revoked = next((e for e in entries if e.kind == kinds.DATA_REVOKED and e.subject.endswith(snap.id)), None)
    erasures = sum(1 for e in entries if e.kind == kinds.ERASURE_REQUESTED and e.subject.endswith(snap.id))
    if revoked is None:
        return Snapshot(**{**snap.__dict__, "erasures": erasures})
    return Snapshot(**{**snap.__dict__, "consent": REVOKED, "revoked_reason": revoked.payload.get("reason"),
                       "revoked": revoked.time, "erasures": erasures})


def list_snapshots(project: Project | None = None, ledger: Ledger | None = None) -> list[Snapshot]:
    ledger = ledger or Ledger(project or Project.find())
    consent = ledger.entries((kinds.DATA_REVOKED, kinds.ERASURE_REQUESTED))
    by_subject: dict[str, list[Entry]] = {}
    for e in consent:
        by_subject.setdefault(e.subject, []).append(e)
    out = []
    for e in ledger.entries(kinds.DATA_SNAPSHOT):
        snap = _from_entry(e)
        out.append(_with_consent(snap, ledger, by_subject.get(e.subject, [])))
    return out


def get_snapshot(ref: str, project: Project | None = None, ledger: Ledger | None = None) -> Snapshot:
    """A snapshot by id, unique id prefix (6+ characters), root hash, or name (latest of that name)."""
    ledger = ledger or Ledger(project or Project.find())
    ref = (ref or "").strip()
    if not ref:
        raise SnapshotNotFound("a snapshot id or name is needed")
    exact = _find_entry(ledger, ref[:ID_LENGTH]) if len(ref) >= ID_LENGTH else None
    if exact is not None and (len(ref) == ID_LENGTH or exact.payload.get("root") == ref):
        return _with_consent(_from_entry(exact), ledger)
    every = ledger.entries(kinds.DATA_SNAPSHOT)
    prefixed = [e for e in every if len(ref) >= 6 and e.payload.get("id", "").startswith(ref.lower())]
    if len(prefixed) == 1:
        return _with_consent(_from_entry(prefixed[0]), ledger)
    if len(prefixed) > 1:
        raise SnapshotNotFound(f"snapshot prefix {ref!r} is ambiguous: "
                               + ", ".join(e.payload["id"] for e in prefixed[:5]))
    named = [e for e in every if e.payload.get("name") == ref]
    if named:
        return _with_consent(_from_entry(named[-1]), ledger)
    hint = f" (known: {', '.join(e.payload['id'][:8] + ' ' + e.payload.get('name', '') for e in every[-5:])})" \
        if every else " (this project has no snapshots yet: jupyter-mlops data snapshot PATH)"
    raise SnapshotNotFound(f"no snapshot {ref!r} in {ledger.path}{hint}")


def load_manifest(snap: Snapshot, project: Project) -> Manifest:
    path = _manifest_path(project, snap.id)
    if not path.is_file():
        raise SnapshotError(f"{path}: the manifest of snapshot {snap.id} is missing")
    if snap.manifest_sha256 and sha256_file(path) != snap.manifest_sha256:
        raise SnapshotError(f"{path}: the manifest of snapshot {snap.id} was changed since it was "
                            "recorded (its sha256 differs from the ledger's)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = [FileRecord(f["path"], int(f["size"]), f["sha256"]) for f in data["files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{path}: unreadable manifest ({exc})") from None
    return Manifest(data["id"], data.get("name", ""), data.get("path", ""), data["root"], files)


@dataclass
class Diff:
    a: str
    b: str
    added: list[FileRecord] = field(default_factory=list)
    removed: list[FileRecord] = field(default_factory=list)
    changed: list[tuple[FileRecord, FileRecord]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "same": self.same, "unchanged": self.unchanged,
                "added": [f.to_dict() for f in self.added], "removed": [f.to_dict() for f in self.removed],
                "changed": [{"path": new.path, "old": old.to_dict(), "new": new.to_dict()}
                            for old, new in self.changed]}

    def summary(self) -> str:
        head = (f"{self.a} -> {self.b}: {len(self.added)} added, {len(self.removed)} removed, "
                f"{len(self.changed)} changed, {self.unchanged} unchanged")
        lines = [head]
        lines += [f"  + {f.path} ({f.size} bytes)" for f in self.added]
        lines += [f"  - {f.path}" for f in self.removed]
        lines += [f"  ~ {new.path} ({old.size} -> {new.size} bytes)" for old, new in self.changed]
        return "\n".join(lines)


def diff_files(a_label: str, a: list[FileRecord], b_label: str, b: list[FileRecord]) -> Diff:
    old = {f.path: f for f in a}
    new = {f.path: f for f in b}
    d = Diff(a_label, b_label)
    for path in sorted(old.keys() | new.keys()):
        x, y = old.get(path), new.get(path)
        if x is None:
            d.added.append(y)  # type: ignore[arg-type]
        elif y is None:
            d.removed.append(x)
        elif (x.sha256, x.size) != (y.sha256, y.size):
            d.changed.append((x, y))
        else:
            d.unchanged += 1
    return d


def diff_snapshots(a: str, b: str, project: Project | None = None) -> Diff:
    project = project or Project.find()
    ledger = Ledger(project)
    sa, sb = get_snapshot(a, ledger=ledger), get_snapshot(b, ledger=ledger)
    return diff_files(sa.id, load_manifest(sa, project).files, sb.id, load_manifest(sb, project).files)


def verify_snapshot(ref: str, project: Project | None = None, path: str | None = None) -> Diff:
    """Do the files still match the snapshot? `path` overrides where the data is now."""
    project = project or Project.find()
    snap = get_snapshot(ref, ledger=Ledger(project))
    manifest = load_manifest(snap, project)
    where = path or manifest.path
    if not is_url(where) and not os.path.isabs(where):
        where = str(project.root / where)
    cache = HashCache(project.state_dir / "cache" / "file-hashes.db")
    try:
        current = scan(where, cache)
        cache.flush()
    finally:
        cache.close()
    return diff_files(snap.id, manifest.files, "now", current)
