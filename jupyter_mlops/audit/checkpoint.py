"""Signed checkpoints of the ledger's head, kept outside the database.

A hash chain cannot show that its last entries were cut off: what remains is still a valid chain.
A checkpoint states "entry N had hash H" (and the first entry's hash, naming the ledger), signed
by the person who made it; kept in git or sent to an auditor, it makes any later cut, rewrite or
replacement of entries up to N visible to `audit verify --checkpoint FILE`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import ConfigError
from ..project import ProjectError
from .canonical import canonical
from .errors import LedgerError
from .keys import fingerprint, public_from_b64, verify_signature
from .ledger import Ledger, _user, utc_now

TYPE = "jupyter-mlops.ledger-checkpoint"
CONTEXT = b"jupyter-mlops.checkpoint.v1:"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    genesis: str
    entry_time: str
    time: str
    signer: dict[str, str]  # user, host, key (fingerprint), public_key (base64)
    signature: str
    ledger: str = ""

    def statement(self) -> dict[str, Any]:
        return {"format": 1, "type": TYPE, "ledger": self.ledger, "seq": self.seq, "hash": self.hash,
                "genesis": self.genesis, "entry_time": self.entry_time, "time": self.time,
                "signer": self.signer}

    def to_dict(self) -> dict[str, Any]:
        return {**self.statement(), "signature": self.signature}

    def write(self, path: str | os.PathLike[str]) -> Path:
        out = Path(path)
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            raise ProjectError(f"{out}: cannot write the checkpoint: {exc.strerror}") from None
        return out

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Checkpoint:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: no such checkpoint file") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{p}: not a readable checkpoint ({exc})") from None
        if not isinstance(data, dict) or data.get("type") != TYPE:
            raise ConfigError(f"{p}: not a jupyter-mlops ledger checkpoint")
        try:
            return cls(seq=int(data["seq"]), hash=str(data["hash"]), genesis=str(data["genesis"]),
                       entry_time=str(data["entry_time"]), time=str(data["time"]),
                       signer=dict(data["signer"]), signature=str(data["signature"]),
                       ledger=str(data.get("ledger", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{p}: checkpoint field missing or wrong ({exc})") from None


def make_checkpoint(ledger: Ledger) -> Checkpoint:
    """A checkpoint of the current head, signed with the user's key."""
    head = ledger.head()
    first = ledger.get(1)
    if head is None or first is None:
        raise LedgerError(f"{ledger.path}: the ledger is empty; there is nothing to checkpoint")
    key = ledger.signer()
    signer = {"user": _user(), "host": socket.gethostname(), "key": key.fingerprint,
              "public_key": key.public_b64}
    unsigned = Checkpoint(seq=head.seq, hash=head.hash, genesis=first.hash, entry_time=head.time,
                          time=utc_now(), signer=signer, signature="",
                          ledger=ledger.project.relative(ledger.path))
    signature = key.sign(CONTEXT + canonical(unsigned.statement()))
    return Checkpoint(**{**unsigned.__dict__, "signature": signature})


def check_checkpoint(cp: Checkpoint, rows: list[tuple],
                     known_keys: dict[str, Ed25519PublicKey] | None) -> Iterator[tuple[int | None, str]]:
    """Problems (seq, message) between the checkpoint and the ledger's rows."""
    try:
        public = public_from_b64(cp.signer.get("public_key", ""))
        raw_fp = fingerprint(public.public_bytes_raw())
    except ValueError:
        yield None, "the checkpoint's public key is not a valid ed25519 key"
        return
    if raw_fp != cp.signer.get("key") or not verify_signature(
            public, cp.signature, CONTEXT + canonical(cp.statement())):
        yield None, "the checkpoint's own signature does not verify: the checkpoint file was changed"
        return
    if known_keys is not None and raw_fp not in known_keys:
        yield None, (f"the checkpoint was signed by key {raw_fp[:16]} ({cp.signer.get('user')}), "
                     "which this ledger never registered")
    by_seq = {r[0]: r[6] for r in rows}
    if rows and by_seq.get(1) != cp.genesis:
        yield 1, "the ledger's first entry differs from the checkpoint's: this is another or a rebuilt ledger"
        return
    last = rows[-1][0] if rows else 0
    if last < cp.seq:
        yield last + 1, (f"the ledger ends at entry {last}, but the checkpoint of {cp.time} saw entry "
                         f"{cp.seq}: entries {last + 1}-{cp.seq} were cut off")
    elif by_seq.get(cp.seq) != cp.hash:
        yield cp.seq, (f"differs from the checkpoint of {cp.time}: entries up to {cp.seq} were "
                       "rewritten since")
