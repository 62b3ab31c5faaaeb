"""The ledger: one append-only, hash-chained, signed SQLite table per project.

Each entry's `body` is the RFC 8785 canonical JSON of {seq, time, actor, kind, subject, payload,
prev_hash}; its hash is sha256(body) and its signature is the actor's ed25519 signature over
`SIGNING_CONTEXT + hash`. The other columns exist for queries; readers take every value from the
body, and `audit verify` checks the columns agree with it. Triggers refuse UPDATE and DELETE.

Appends run in `BEGIN IMMEDIATE` transactions (one writer at a time across processes, others
wait) with `synchronous=FULL` in WAL mode: a committed entry survives power loss, and a process
killed mid-append leaves the previous head intact.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import random
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..project import Project
from . import kinds
from .canonical import canonical, jsonable
from .errors import KeyStoreError, LedgerError
from .keys import KeyStore, SigningKey
from .masking import mask_secrets

FILE = "ledger.db"
FORMAT = 1
GENESIS = "0" * 64
SIGNING_CONTEXT = b"jupyter-mlops.ledger.v1:"
ROTATION_CONTEXT = b"jupyter-mlops.key-rotation.v1:"
BUSY_TIMEOUT_S = 120.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    key TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind);
CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject);
CREATE TRIGGER IF NOT EXISTS entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS entries_append_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be deleted'); END;
CREATE TRIGGER IF NOT EXISTS meta_fixed_update BEFORE UPDATE ON meta
BEGIN SELECT RAISE(ABORT, 'the ledger format is fixed'); END
"""


@dataclass(frozen=True)
class Actor:
    user: str
    host: str
    key: str  # fingerprint of the signing key

    def to_dict(self) -> dict[str, str]:
        return {"user": self.user, "host": self.host, "key": self.key}


@dataclass(frozen=True)
class Entry:
    seq: int
    time: str
    actor: Actor
    kind: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    signature: str
    body: bytes = field(default=b"", repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "actor": self.actor.to_dict(), "kind": self.kind,
                "subject": self.subject, "payload": self.payload, "prev_hash": self.prev_hash,
                "hash": self.hash, "signature": self.signature}

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Entry:
        _seq, entry_hash, signature, body = row
        data = json.loads(body)
        a = data["actor"]
        return cls(seq=data["seq"], time=data["time"], actor=Actor(a["user"], a["host"], a["key"]),
                   kind=data["kind"], subject=data["subject"], payload=data["payload"],
                   prev_hash=data["prev_hash"], hash=entry_hash, signature=signature, body=bytes(body))


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signing_message(entry_hash_hex: str) -> bytes:
    return SIGNING_CONTEXT + entry_hash_hex.encode("ascii")


def rotation_message(old: str, new: str) -> bytes:
    return ROTATION_CONTEXT + f"{old}:{new}".encode("ascii")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return f"uid-{os.getuid()}"


def _sqlite_problem(path: Path, exc: Exception) -> LedgerError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return LedgerError(f"{path}: cannot write the ledger: the file or its folder is read-only")
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return LedgerError(f"{path}: not a readable ledger ({text}); nothing was changed")
    if "locked" in text or "busy" in text:
        return LedgerError(f"{path}: the ledger stayed locked by another process for "
                           f"{BUSY_TIMEOUT_S:.0f} s")
    return LedgerError(f"{path}: {text}")


@dataclass
class _KeyState:
    """What this connection knows of the ledger's keys, up to `seq`."""

    seq: int = 0
    registered: set[str] = field(default_factory=set)
    retired: set[str] = field(default_factory=set)


class Ledger:
    """The project's ledger. Cheap to create; the file is opened on first use.

    `keys` is the signing key store (default: the user's config folder).
    """

    def __init__(self, project: Project | str | os.PathLike[str] | None = None,
                 keys: KeyStore | None = None) -> None:
        if not isinstance(project, Project):
            project = Project.find(explicit=project) if project is not None else Project.find()
        self.project = project
        self.path = project.state_dir / FILE
        self.keys = keys or KeyStore.default()
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._writable = False
        self._pid = os.getpid()
        self._signer: SigningKey | None = None
        self._key_stamp: tuple[int, int] | None = None
        self._key_state = _KeyState()

    # -- connections ------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self, write: bool) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked child must not share the parent's connection
            self._conn, self._pid, self._key_state = None, os.getpid(), _KeyState()
        if self._conn is not None and (self._writable or not write):
            return self._conn
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        try:
            if write:
                self.project.ensure_state_dir()
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                       check_same_thread=False)
                self._prepare(conn)
            else:
                conn = self._open_read()
        except sqlite3.Error as exc:
            raise _sqlite_problem(self.path, exc) from None
        self._conn, self._writable = conn, write
        return conn

    def _open_read(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                   isolation_level=None, check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            if "unable to open" not in str(exc) and "readonly" not in str(exc):
                raise
            # A read-only folder without the WAL index: read the file as it is on disk.
            conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False)
        self._check_is_ledger(conn)
        return conn

    def _check_is_ledger(self, conn: sqlite3.Connection) -> None:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if names and not names & {"entries", "meta"}:
            raise LedgerError(f"{self.path}: an SQLite file, but not a jupyter-mlops ledger (no entries "
                              "table); nothing was changed")

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._check_is_ledger(conn)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        has_schema = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name='entries_append_only_delete'"
        ).fetchone()
        if not has_schema:
            # one transaction, so a process racing to open the new file sees all or nothing
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.strip().split(";\n"):
                    conn.execute(statement)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (str(FORMAT),))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- reading ----------------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            if not self.exists():
                return []
            conn = self._connect(write=False) if self._conn is None else self._conn
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table: entries" in str(exc):
                    return []  # a writer is creating the ledger this very moment
                raise _sqlite_problem(self.path, exc) from None
            except sqlite3.Error as exc:
                raise _sqlite_problem(self.path, exc) from None

    def entries(self, kind: str | Iterable[str] | None = None, subject: str | None = None, *,
                subject_prefix: str | None = None, since: int = 0,
                limit: int | None = None) -> list[Entry]:
        """Entries in sequence order, optionally of some kinds and/or one subject."""
        where, params = ["seq > ?"], [since]
        if kind is not None:
            wanted = [kind] if isinstance(kind, str) else list(kind)
            where.append(f"kind IN ({','.join('?' * len(wanted))})")
            params += wanted
        if subject is not None:
            where.append("subject = ?")
            params.append(subject)
        if subject_prefix is not None:
            where.append("substr(subject, 1, ?) = ?")
            params += [len(subject_prefix), subject_prefix]
        sql = f"SELECT seq, hash, signature, body FROM entries WHERE {' AND '.join(where)} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._read(sql, params)
        try:
            return [Entry.from_row(r) for r in rows]
        except (ValueError, KeyError, TypeError):
            raise LedgerError(f"{self.path}: an entry cannot be read (the file was changed by hand?); "
                              "run `jupyter-mlops audit verify`") from None

    def rows(self) -> Iterator[tuple]:
        """Raw rows (seq, time, kind, subject, key, prev_hash, hash, signature, body) for verify."""
        with self._lock:
            if not self.exists():
                return iter(())
            conn = self._connect(write=False) if self._conn is None else self._conn
            try:
                cur = conn.execute("SELECT seq, time, kind, subject, key, prev_hash, hash, signature, body "
                                   "FROM entries ORDER BY seq")
                return iter(cur.fetchall())
            except sqlite3.Error as exc:
                raise _sqlite_problem(self.path, exc) from None

    def head(self) -> Entry | None:
        rows = self._read("SELECT seq, hash, signature, body FROM entries ORDER BY seq DESC LIMIT 1")
        return Entry.from_row(rows[0]) if rows else None

    def get(self, seq: int) -> Entry | None:
        rows = self._read("SELECT seq, hash, signature, body FROM entries WHERE seq = ?", (seq,))
        return Entry.from_row(rows[0]) if rows else None

    def count(self) -> int:
        rows = self._read("SELECT count(*) FROM entries")
        return rows[0][0] if rows else 0

    # -- writing ----------------------------------------------------------------------------
    def signer(self) -> SigningKey:
        """The user's active key; re-read when the key file changed (a rotation elsewhere)."""
        try:
            st = os.stat(self.keys.folder / "ed25519.key")
            stamp = (st.st_ino, st.st_mtime_ns)
        except OSError:
            stamp = None
        if self._signer is None or stamp != self._key_stamp:
            self._signer = self.keys.load_or_create()
            self._key_stamp = stamp if stamp is not None else self._stamp_now()
        return self._signer

    def _stamp_now(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.keys.folder / "ed25519.key")
            return (st.st_ino, st.st_mtime_ns)
        except OSError:
            return None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Hold the ledger's write lock: reads inside see the head, appends are one commit.

        The registry decides and records inside one transaction, so no other process can revoke
        or promote between its check and its entry.
        """
        with self._lock:
            conn = self._connect(write=True)
            try:
                _begin_immediate(conn)
            except sqlite3.Error as exc:
                raise _sqlite_problem(self.path, exc) from None
            txn = Transaction(self, conn)
            try:
                txn._sync_keys()
                yield txn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise _sqlite_problem(self.path, exc) from None
            except BaseException:
                self._rollback(conn)
                raise

    def _rollback(self, conn: sqlite3.Connection) -> None:
        self._key_state = _KeyState()  # what we learnt inside the transaction is void
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def append(self, kind: str, subject: str, payload: dict[str, Any] | None = None) -> Entry:
        """Record one entry (secrets masked, canonical JSON, signed, durable) and return it."""
        return self.append_many([(kind, subject, payload)])[0]

    def append_many(self, items: Iterable[tuple[str, str, dict[str, Any] | None]]) -> list[Entry]:
        """Several entries in one durable commit (one fsync): for bursts such as a sweep's trials."""
        prepared = [_prepare_item(k, s, p) for k, s, p in items]
        with self.transaction() as txn:
            return [txn._append_prepared(*item) for item in prepared]

    def rotate_key(self) -> Entry:
        """Replace the user's signing key with a new one and record the rotation, signed by the
        old key, with the new key's proof of possession. Returns the `key.rotated` entry."""
        with self.transaction():
            pass  # entering registers the current key, so this ledger knows the key it retires
        new = SigningKey.generate()
        self.keys.replace_active(new)
        with self.transaction():
            pass  # an unregistered key whose predecessor is known is recorded as its rotation
        rotated = self.entries(kinds.KEY_ROTATED, kinds.key_subject(new.fingerprint))
        if not rotated:
            raise KeyStoreError("the new key was registered, but no key this ledger knew was retired")
        return rotated[-1]


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock. SQLite's own busy handler sleeps up to 100 ms between tries, which
    starves writers that commit every millisecond or two; short randomised sleeps keep several
    processes appending at nearly the rate of one."""
    conn.execute("PRAGMA busy_timeout = 0")
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.0002, 0.002))
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


def _prepare_item(kind: str, subject: str, payload: dict[str, Any] | None) -> tuple[str, str, Any]:
    if not isinstance(kind, str) or not kind or not isinstance(subject, str):
        raise LedgerError(f"an entry needs a kind and a subject (strings), got {kind!r}, {subject!r}")
    value = jsonable(payload if payload is not None else {})
    if not isinstance(value, dict):
        raise LedgerError(f"a payload must be a JSON object, got {type(payload).__name__}")
    return kind, subject, mask_secrets(value)


class Transaction:
    """Inside `Ledger.transaction()`: the head is fixed and appends are part of one commit."""

    def __init__(self, ledger: Ledger, conn: sqlite3.Connection) -> None:
        self.ledger = ledger
        self._conn = conn
        row = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        self._seq, self._hash = (row[0], row[1]) if row else (0, GENESIS)

    @property
    def head_seq(self) -> int:
        return self._seq

    def entries(self, kind: str | Iterable[str] | None = None, subject: str | None = None,
                **kw: Any) -> list[Entry]:
        return self.ledger.entries(kind, subject, **kw)

    def append(self, kind: str, subject: str, payload: dict[str, Any] | None = None) -> Entry:
        return self._append_prepared(*_prepare_item(kind, subject, payload))

    # -- keys -------------------------------------------------------------------------------
    def _sync_keys(self) -> None:
        """Learn key registrations and rotations recorded since we last looked, then make sure
        the active signing key is registered (or its rotation recorded) before it signs."""
        led = self.ledger
        state = led._key_state
        if state.seq < self._seq:
            for kind, subject, signer, body in self._conn.execute(
                    "SELECT kind, subject, key, body FROM entries WHERE kind IN (?, ?) AND seq > ?",
                    (*kinds.KEY_KINDS, state.seq)):
                fp = subject.partition(":")[2]
                state.registered.add(fp)
                if kind == kinds.KEY_ROTATED:
                    state.retired.add(json.loads(body)["payload"].get("old", signer))
            state.seq = self._seq
        key = led.signer()
        if key.fingerprint in state.retired:
            led._signer = key = led.keys.load_or_create()  # another process rotated it
            if key.fingerprint in state.retired:
                raise KeyStoreError(f"your signing key {key.fingerprint[:16]} was retired by a rotation "
                                    f"and {led.keys.folder} holds no newer key")
        if key.fingerprint in state.registered:
            return
        old = next((k for k in led.keys.retired()
                    if k.fingerprint in state.registered and k.fingerprint not in state.retired), None)
        if old is None:
            self._write(kinds.KEY_REGISTERED, kinds.key_subject(key.fingerprint),
                        {"fingerprint": key.fingerprint, "algorithm": "ed25519",
                         "public_key": key.public_b64}, key)
        else:
            proof = key.sign(rotation_message(old.fingerprint, key.fingerprint))
            self._write(kinds.KEY_ROTATED, kinds.key_subject(key.fingerprint),
                        {"old": old.fingerprint, "new": key.fingerprint, "algorithm": "ed25519",
                         "public_key": key.public_b64, "proof": proof}, old)
            state.retired.add(old.fingerprint)
        state.registered.add(key.fingerprint)
        state.seq = self._seq

    # -- appending --------------------------------------------------------------------------
    def _append_prepared(self, kind: str, subject: str, payload: dict[str, Any]) -> Entry:
        if kind in kinds.KEY_KINDS:
            raise LedgerError(f"{kind} entries are written by the ledger itself (Ledger.rotate_key)")
        entry = self._write(kind, subject, payload, self.ledger.signer())
        self.ledger._key_state.seq = self._seq
        return entry

    def _write(self, kind: str, subject: str, payload: dict[str, Any], key: SigningKey) -> Entry:
        seq = self._seq + 1
        actor = Actor(_user(), socket.gethostname(), key.fingerprint)
        record = {"seq": seq, "time": utc_now(), "actor": actor.to_dict(), "kind": kind,
                  "subject": subject, "payload": payload, "prev_hash": self._hash}
        body = canonical(record)
        digest = entry_hash(body)
        signature = key.sign(signing_message(digest))
        self._conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (seq, record["time"], kind, subject, key.fingerprint, self._hash, digest,
                            signature, body))
        self._seq, self._hash = seq, digest
        return Entry(seq, record["time"], actor, kind, subject, payload, record["prev_hash"], digest,
                     signature, body)


__all__ = [
    "GENESIS",
    "Actor",
    "Entry",
    "Ledger",
    "Transaction",
    "entry_hash",
    "rotation_message",
    "signing_message",
    "utc_now",
]
