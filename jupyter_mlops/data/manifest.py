"""A data set's manifest: every file's relative path, size and sha256, and one root hash.

The root hash is sha256 of the lines `<sha256> <size> <path>\\n`, one per file sorted by path
(UTF-8 bytes), so anyone can recompute it with a shell and sha256sum. Nothing is copied.
Local paths are walked with os.scandir; URLs (`s3://`, `gs://`, `memory://`, ...) go through
fsspec, an optional extra, so object stores need no code of ours.
"""

from __future__ import annotations

import hashlib
import os
import stat as _stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import require_extra
from .errors import SnapshotError
from .hashcache import HashCache

SKIP_DIRS = frozenset({".git", ".jupyter-mlops", ".ipynb_checkpoints", "__pycache__", ".hg", ".svn"})
SKIP_FILES = frozenset({".DS_Store", "Thumbs.db"})
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileRecord:
    path: str  # relative, '/'-separated
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


def root_hash(files: list[FileRecord]) -> str:
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path.encode("utf-8")):
        h.update(f"{f.sha256} {f.size} {f.path}\n".encode())
    return h.hexdigest()


def is_url(location: str) -> bool:
    scheme, sep, _ = location.partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").isalnum()


def _sha256_path(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _walk(top: str) -> Iterator[tuple[str, os.stat_result]]:
    """(absolute path, stat) of every regular file under `top`, following links, no loops."""
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise SnapshotError(f"{folder}: cannot read the folder: {exc.strerror}") from None
        for entry in entries:
            try:
                if entry.is_dir():
                    if entry.name not in SKIP_DIRS:
                        stack.append(entry.path)
                    continue
                if entry.name in SKIP_FILES:
                    continue
                st = entry.stat()
            except OSError as exc:
                if entry.is_symlink():
                    continue  # a dangling link holds no data
                raise SnapshotError(f"{entry.path}: cannot read: {exc.strerror}") from None
            if _stat.S_ISREG(st.st_mode):
                yield entry.path, st


def scan_local(location: str, cache: HashCache | None = None) -> list[FileRecord]:
    top = os.path.realpath(location)
    if not os.path.exists(top):
        raise SnapshotError(f"{location}: no such file or folder")
    if os.path.isfile(top):
        st = os.stat(top)
        files = [(top, st)]
        base = os.path.dirname(top)
    else:
        files = list(_walk(top))
        base = top
    known = cache.load(top) if cache is not None else {}
    records: dict[str, FileRecord] = {}
    todo: list[tuple[str, str, int, tuple]] = []
    for path, st in files:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        hit = known.get(path)
        if hit is not None and hit[0] == key:
            records[rel] = FileRecord(rel, st.st_size, hit[1])
        else:
            todo.append((path, rel, st.st_size, key))

    def hash_one(item: tuple[str, str, int, tuple]) -> tuple[str, FileRecord, tuple, str]:
        path, rel, size, key = item
        try:
            return path, FileRecord(rel, size, _sha256_path(path)), key, rel
        except OSError as exc:
            raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None

    # hashlib releases the GIL on large reads: a few threads keep the disk and both cores busy
    if len(todo) > 8:
        with ThreadPoolExecutor(max_workers=4) as pool:
            done = list(pool.map(hash_one, todo))
    else:
        done = [hash_one(item) for item in todo]
    for path, record, key, rel in done:
        records[rel] = record
        if cache is not None:
            cache.put(path, key, record.sha256)
    return sorted(records.values(), key=lambda f: f.path.encode("utf-8"))


def _remote_fs(location: str):
    fsspec = require_extra("fsspec", "cloud", f"snapshots of {location.partition('://')[0]}:// data")
    try:
        return fsspec.core.url_to_fs(location)
    except (ValueError, ImportError) as exc:
        raise SnapshotError(f"{location}: cannot open with fsspec: {exc}") from None


def scan_remote(location: str, cache: HashCache | None = None) -> list[FileRecord]:
    """Files under a URL: listed and read through fsspec (contents streamed, never stored)."""
    fs, root = _remote_fs(location)
    try:
        if not fs.exists(root):
            raise SnapshotError(f"{location}: no such file or folder")
        if fs.isfile(root):
            listing = {root: fs.info(root)}
            base = root.rsplit("/", 1)[0] if "/" in root else ""
        else:
            listing = fs.find(root, detail=True)
            base = root.rstrip("/")
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{location}: cannot list: {exc}") from None
    known = cache.load(location) if cache is not None else {}
    records = []
    for path, info in sorted(listing.items()):
        if info.get("type") not in (None, "file"):
            continue
        rel = path[len(base):].lstrip("/") if base and path.startswith(base) else path
        if any(part in SKIP_DIRS for part in rel.split("/")[:-1]) or rel.rsplit("/", 1)[-1] in SKIP_FILES:
            continue
        size = int(info.get("size") or 0)
        stamp = str(info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified")
                    or info.get("created") or "")
        url = f"{location.rstrip('/')}/{rel}" if base else location
        key = (0, int(hashlib.sha256(stamp.encode()).hexdigest()[:12], 16), size, 0, 0)
        hit = known.get(url)
        if stamp and hit is not None and hit[0] == key:
            records.append(FileRecord(rel, size, hit[1]))
            continue
        h = hashlib.sha256()
        try:
            with fs.open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
        except OSError as exc:
            raise SnapshotError(f"{url}: cannot read: {exc}") from None
        records.append(FileRecord(rel, size, h.hexdigest()))
        if cache is not None and stamp:
            cache.put(url, key, h.hexdigest())
    return sorted(records, key=lambda f: f.path.encode("utf-8"))


def scan(location: str | os.PathLike[str], cache: HashCache | None = None) -> list[FileRecord]:
    text = os.fspath(location)
    if is_url(text) and not text.startswith("file://"):
        return scan_remote(text, cache)
    text = text.removeprefix("file://")
    return scan_local(str(Path(text).expanduser()), cache)
