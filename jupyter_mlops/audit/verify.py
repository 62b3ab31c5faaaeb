"""`audit verify`: is the ledger what its writers signed?

The chain check (fast) recomputes every entry's hash from its stored content and follows the
`prev_hash` links and sequence numbers: it catches changed content, deleted, inserted and
reordered entries. The full check also verifies every signature against the keys registered in
the ledger itself (a key is registered self-signed; a rotation is signed by the old key and
proven by the new), so an entry re-signed with another key fails. A cut-off tail leaves a valid
chain: only a checkpoint kept outside the database (`audit checkpoint`) reveals it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import kinds
from .checkpoint import Checkpoint, check_checkpoint
from .keys import fingerprint, verify_signature
from .ledger import GENESIS, Ledger, rotation_message, signing_message

MAX_PROBLEMS = 50
_KEY_MARK = b'","key":"'
_KIND_MARK = b'"},"kind":'
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _quick_match(body: bytes, seq: int, time: str, kind: str, subject: str, key: str, prev: str,
                 prev_hash: str) -> bool:
    """Do the columns and the chain agree with the canonical body, without parsing it?

    The body's members are in RFC 8785 order (actor, kind, payload, prev_hash, seq, subject,
    time). A raw `"` cannot occur inside a JSON string, so the first `","key":"` is the actor's
    key, the first `"},"kind":` ends the actor, and the body ends with exactly the members after
    the payload. Any doubt returns False and the entry is parsed and checked member by member.
    """
    if prev_hash != prev:
        return False
    tail = f',"prev_hash":"{prev}","seq":{seq},"subject":{_dumps(subject)},"time":{_dumps(time)}}}'
    if not body.endswith(tail.encode("utf-8")):
        return False
    k = body.find(_KEY_MARK, 0, 4096)
    if k < 0 or body[k + 9:k + 9 + len(key) + 2] != f'{key}",'.encode("ascii", "replace") or len(key) != 64:
        return False
    d = body.find(_KIND_MARK, k)
    return d >= 0 and body.startswith(f"{_dumps(kind)},\"payload\":".encode(), d + 10)


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the entry concerned (None: the ledger or the checkpoint as a whole)
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "message": self.message}

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}" if self.seq is not None else self.message


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    user: str
    host: str
    registered_seq: int
    retired_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    path: str
    full: bool
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    keys: list[KeyInfo] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    truncated: bool = False  # more problems than MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def bad_seqs(self) -> set[int]:
        return {p.seq for p in self.problems if p.seq is not None}

    def summary(self) -> str:
        mode = "chain and signatures" if self.full else "hash chain"
        if self.ok:
            text = (f"{self.path}: intact: {self.entries} entries, {mode} verified, head {self.head_seq} "
                    f"{self.head_hash[:16]}")
            if self.full:
                text += f", {len(self.keys)} signing key(s)"
            if self.checkpoint:
                text += f"; matches the checkpoint of {self.checkpoint['time']} (entry {self.checkpoint['seq']})"
            elif self.entries:
                text += "; no checkpoint given, so a cut-off tail would not show (--checkpoint FILE)"
            return text
        lines = [f"{self.path}: NOT intact ({mode}): {len(self.problems)}"
                 f"{'+' if self.truncated else ''} problem(s); first: {self.problems[0]}"]
        lines += [f"  {p}" for p in self.problems[1:]]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"ledger": self.path, "ok": self.ok, "mode": "full" if self.full else "chain",
                "entries": self.entries, "head": {"seq": self.head_seq, "hash": self.head_hash},
                "first_problem": self.first_problem.to_dict() if self.first_problem else None,
                "problems": [p.to_dict() for p in self.problems], "truncated": self.truncated,
                "keys": [k.to_dict() for k in self.keys], "checkpoint": self.checkpoint}


@dataclass
class _Key:
    public: Ed25519PublicKey
    info: KeyInfo


class _Verifier:
    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.keys: dict[str, _Key] = {}
        self.flagged: set[int] = set()

    def problem(self, seq: int | None, message: str) -> None:
        if seq is not None and seq in self.flagged:
            return  # one problem per entry: the first thing wrong with it
        if seq is not None:
            self.flagged.add(seq)
        if len(self.report.problems) >= MAX_PROBLEMS:
            self.report.truncated = True
            return
        self.report.problems.append(Problem(seq, message))

    def chain(self, rows: list[tuple]) -> dict[int, dict[str, Any]]:
        """Check hashes, links and that the query columns match the signed content.

        Returns the parsed content of the entries a later step needs (key entries, and any
        entry whose quick check failed); the others are checked without parsing their JSON.
        """
        parsed: dict[int, dict[str, Any]] = {}
        expected, prev = 1, GENESIS
        sha256 = hashlib.sha256
        for seq, time, kind, subject, key, prev_hash, stored_hash, _sig, body in rows:
            if seq != expected:
                if seq > expected:
                    span = f"entry {expected} is" if seq == expected + 1 else \
                        f"entries {expected}-{seq - 1} are"
                    self.problem(expected, f"{span} missing (deleted from the ledger)")
                else:
                    self.problem(seq, f"appears out of order after entry {expected - 1}")
            if sha256(body).hexdigest() != stored_hash:
                self.problem(seq, "its content was changed: it no longer matches its recorded hash")
            if kind in kinds.KEY_KINDS or not _quick_match(body, seq, time, kind, subject, key, prev,
                                                           prev_hash):
                data = self._slow_check(seq, time, kind, subject, key, prev, prev_hash, body)
                if data is not None:
                    parsed[seq] = data
            expected, prev = max(expected, seq + 1), stored_hash
        return parsed

    def _slow_check(self, seq, time, kind, subject, key, prev, prev_hash, body) -> dict[str, Any] | None:
        try:
            data = json.loads(body)
        except ValueError:
            self.problem(seq, "its content is not readable JSON")
            return None
        if not isinstance(data, dict):
            self.problem(seq, "its content is not a ledger entry")
            return None
        if data.get("seq") != seq:
            self.problem(seq, f"holds the signed content of entry {data.get('seq')} "
                              "(entries were reordered or renumbered)")
        elif data.get("prev_hash") != prev:
            self.problem(seq, f"does not follow entry {seq - 1}: the hash chain is broken there "
                              "(an entry was changed, inserted, removed or moved)")
        else:
            actor = data.get("actor") or {}
            for column, value, signed in (("kind", kind, data.get("kind")),
                                          ("subject", subject, data.get("subject")),
                                          ("time", time, data.get("time")),
                                          ("key", key, actor.get("key")),
                                          ("prev_hash", prev_hash, data.get("prev_hash"))):
                if value != signed:
                    self.problem(seq, f"its {column} column says {value!r} but the signed content "
                                      f"says {signed!r}")
                    break
        return data

    def signatures(self, rows: list[tuple], parsed: dict[int, dict[str, Any]],
                   only: set[int] | None = None) -> None:
        for seq, _time, kind, subject, key, _prev, stored_hash, signature, _body in rows:
            if only is not None and seq not in only and kind not in kinds.KEY_KINDS:
                continue
            data = parsed.get(seq)
            if data is None and (kind in kinds.KEY_KINDS or seq in self.flagged):
                continue  # unreadable, or already reported
            if data is None:  # the quick check proved the key column is the signed actor key
                known = self.keys.get(key)
                if known is not None and known.info.retired_seq is None \
                        and verify_signature(known.public, signature, signing_message(stored_hash)):
                    continue
                data = json.loads(_body)
            payload = data.get("payload") or {}
            actor = data.get("actor") or {}
            signer = actor.get("key", key)
            message = signing_message(stored_hash)
            if kind == kinds.KEY_REGISTERED:
                self._register(seq, payload, actor, signature, message, subject)
                continue
            if kind == kinds.KEY_ROTATED:
                self._rotate(seq, payload, actor, signature, message, subject)
                continue
            known = self.keys.get(signer)
            if known is None:
                self.problem(seq, f"signed by key {signer[:16]}, which this ledger never registered "
                                  "(re-signed with another key?)")
            elif known.info.retired_seq is not None and seq > known.info.retired_seq:
                self.problem(seq, f"signed by key {signer[:16]} ({known.info.user}), retired by the "
                                  f"rotation at entry {known.info.retired_seq}")
            elif not verify_signature(known.public, signature, message):
                self.problem(seq, f"its signature does not verify with the key of {known.info.user} "
                                  f"({signer[:16]}): re-signed or changed")

    def _public(self, seq: int, payload: dict[str, Any]) -> tuple[Ed25519PublicKey, str] | None:
        try:
            raw = base64.b64decode(payload.get("public_key", ""), validate=True)
            return Ed25519PublicKey.from_public_bytes(raw), fingerprint(raw)
        except ValueError:
            self.problem(seq, "registers a key that is not a valid ed25519 public key")
            return None

    def _register(self, seq, payload, actor, signature, message, subject) -> None:
        found = self._public(seq, payload)
        if found is None:
            return
        public, fp = found
        if subject != kinds.key_subject(fp) or actor.get("key") != fp:
            self.problem(seq, "registers a key but is not signed by that key")
        elif not verify_signature(public, signature, message):
            self.problem(seq, f"its signature does not verify with the key it registers ({fp[:16]})")
        elif fp not in self.keys:
            self.keys[fp] = _Key(public, KeyInfo(fp, actor.get("user", "?"), actor.get("host", "?"), seq))

    def _rotate(self, seq, payload, actor, signature, message, subject) -> None:
        old_fp = actor.get("key")
        old = self.keys.get(old_fp)
        found = self._public(seq, payload)
        if found is None:
            return
        public, fp = found
        if old is None:
            self.problem(seq, f"rotates from key {str(old_fp)[:16]}, which this ledger never registered")
        elif old.info.retired_seq is not None:
            self.problem(seq, f"rotates from key {old_fp[:16]}, already retired at entry {old.info.retired_seq}")
        elif subject != kinds.key_subject(fp) or payload.get("old") != old_fp or payload.get("new") != fp:
            self.problem(seq, "a key rotation whose old and new keys do not match its signers")
        elif not verify_signature(old.public, signature, message):
            self.problem(seq, f"its signature does not verify with the retiring key ({old_fp[:16]})")
        elif not verify_signature(public, payload.get("proof", ""), rotation_message(old_fp, fp)):
            self.problem(seq, "the new key did not sign its proof of possession")
        else:
            self.keys[old_fp] = _Key(old.public, KeyInfo(**{**old.info.to_dict(), "retired_seq": seq}))
            self.keys.setdefault(fp, _Key(public, KeyInfo(fp, actor.get("user", "?"),
                                                          actor.get("host", "?"), seq)))


def verify(ledger: Ledger, full: bool = False, checkpoint: Checkpoint | None = None,
           signed: set[int] | None = None) -> VerifyReport:
    """Check the ledger; never raises for what it finds (that is in the report's problems).

    `signed`: with the chain check, also verify the signatures of these entries (and of every
    key entry) without paying for the rest: the promotion gate checks what it relies on.
    """
    report = VerifyReport(path=str(ledger.path), full=full)
    rows = list(ledger.rows())
    v = _Verifier(report)
    parsed = v.chain(rows)
    if rows:
        report.entries = len(rows)
        report.head_seq, report.head_hash = rows[-1][0], rows[-1][6]
    if full or signed is not None:
        v.signatures(rows, parsed, None if full else set(signed or ()))
        report.keys = [k.info for k in v.keys.values()]
    if checkpoint is not None:
        known = {fp: k.public for fp, k in v.keys.items()} if full else None
        for seq, message in check_checkpoint(checkpoint, rows, known):
            v.problem(seq, message)
        report.checkpoint = checkpoint.to_dict()
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report


__all__ = ["KeyInfo", "Problem", "VerifyReport", "verify"]
