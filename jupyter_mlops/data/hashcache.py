"""Per-file sha256 cache keyed by (device, inode, size, mtime_ns, ctime_ns).

A re-snapshot of an unchanged tree stats every file and reads none. A file changed within the
last two seconds is not cached (its mtime may not yet have ticked: the "racy git" problem).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

RACY_S = 2.0
Key = tuple[int, int, int, int, int]  # dev, ino, size, mtime_ns, ctime_ns


class HashCache:
    """Opened lazily: loading from a missing cache creates nothing, `flush` creates the file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple] = []

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None or self.path is None:
            return self._conn
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")  # a cache: losing it costs a re-hash, no more
            conn.execute("CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, dev INTEGER, "
                         "ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT)")
            self._conn = conn
        except (sqlite3.Error, OSError):
            self.path = None  # an unusable cache only makes snapshots slower
        return self._conn

    def load(self, prefix: str) -> dict[str, tuple[Key, str]]:
        """Cached hashes of every file under the folder `prefix`."""
        conn = self._open(create=False)
        if conn is None:
            return {}
        lo = prefix.rstrip("/") + "/"
        hi = lo[:-1] + chr(ord("/") + 1)
        try:
            rows = conn.execute(
                "SELECT path, dev, ino, size, mtime_ns, ctime_ns, sha256 FROM hashes "
                "WHERE (path >= ? AND path < ?) OR path = ?", (lo, hi, prefix)).fetchall()
        except sqlite3.Error:
            return {}
        return {r[0]: ((r[1], r[2], r[3], r[4], r[5]), r[6]) for r in rows}

    def put(self, path: str, key: Key, sha256: str) -> None:
        if key[3] and key[3] / 1e9 > time.time() - RACY_S:
            return
        self._pending.append((path, *key, sha256))

    def flush(self) -> None:
        if not self._pending:
            return
        conn = self._open(create=True)
        if conn is None:
            self._pending.clear()
            return
        try:
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?, ?)", self._pending)
            conn.execute("COMMIT")
        except sqlite3.Error:
            pass
        self._pending.clear()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
