"""Every tamper attack on a real ledger file fails verification, naming the right entry.

The attacker has the file: they drop the append-only triggers first, as anyone with sqlite3 can.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from jupyter_mlops.audit import Ledger, SigningKey
from jupyter_mlops.audit.canonical import canonical
from jupyter_mlops.audit.checkpoint import Checkpoint, make_checkpoint
from jupyter_mlops.audit.ledger import signing_message
from jupyter_mlops.audit.verify import verify


@pytest.fixture
def filled(ledger):
    for i in range(1, 10):  # entries 2..10 (1 is the key registration)
        ledger.append("trial.finished", f"trial:exp/t{i}", {"i": i, "metrics": {"acc": 0.5 + i / 100}})
    ledger.close()
    return ledger


def _attack(led: Ledger) -> sqlite3.Connection:
    conn = sqlite3.connect(led.path, isolation_level=None)
    conn.execute("DROP TRIGGER entries_append_only_update")
    conn.execute("DROP TRIGGER entries_append_only_delete")
    return conn


def _row(conn, seq):
    body, = conn.execute("SELECT body FROM entries WHERE seq = ?", (seq,)).fetchone()
    return json.loads(body)


def _rewrite(conn, seq, record, key: SigningKey | None = None, signature: str | None = None):
    body = canonical(record)
    digest = hashlib.sha256(body).hexdigest()
    sig = signature if signature is not None else (key.sign(signing_message(digest)) if key else "x")
    conn.execute("UPDATE entries SET body=?, hash=?, signature=?, key=?, prev_hash=?, kind=?, subject=?, "
                 "time=? WHERE seq=?", (body, digest, sig, record["actor"]["key"], record["prev_hash"],
                                        record["kind"], record["subject"], record["time"], seq))
    return digest


def _first(led, **kw):
    report = verify(led, **kw)
    assert not report.ok
    return report.first_problem


def test_intact_ledger_verifies(filled):
    assert verify(filled).ok and verify(filled, full=True).ok


def test_content_modified(filled):
    conn = _attack(filled)
    record = _row(conn, 5)
    record["payload"]["metrics"]["acc"] = 0.99
    conn.execute("UPDATE entries SET body=? WHERE seq=5", (canonical(record),))
    p = _first(filled)
    assert p.seq == 5 and "changed" in p.message


def test_content_modified_and_hash_recomputed(filled):
    conn = _attack(filled)
    record = _row(conn, 5)
    record["payload"]["metrics"]["acc"] = 0.99
    old_sig, = conn.execute("SELECT signature FROM entries WHERE seq=5").fetchone()
    _rewrite(conn, 5, record, signature=old_sig)
    chain = _first(filled)
    assert chain.seq == 6 and "does not follow entry 5" in chain.message
    full = _first(filled, full=True)
    assert full.seq == 5 and "signature does not verify" in full.message


def test_query_column_changed(filled):
    conn = _attack(filled)
    conn.execute("UPDATE entries SET kind='model.promoted' WHERE seq=4")
    p = _first(filled)
    assert p.seq == 4 and "kind column" in p.message


def test_entry_deleted(filled):
    conn = _attack(filled)
    conn.execute("DELETE FROM entries WHERE seq=4")
    p = _first(filled)
    assert p.seq == 4 and "missing" in p.message


def test_entries_reordered(filled):
    conn = _attack(filled)
    rows = {s: conn.execute("SELECT time, kind, subject, key, prev_hash, hash, signature, body FROM entries "
                            "WHERE seq=?", (s,)).fetchone() for s in (6, 7)}
    for seq, other in ((6, 7), (7, 6)):
        conn.execute("UPDATE entries SET time=?, kind=?, subject=?, key=?, prev_hash=?, hash=?, "
                     "signature=?, body=? WHERE seq=?", (*rows[other], seq))
    p = _first(filled)
    assert p.seq == 6 and "reordered" in p.message


def test_reordered_and_renumbered_with_the_chain_rebuilt(filled, tmp_path):
    """Entries swapped, renumbered and re-chained: only signatures (full) catch it."""
    conn = _attack(filled)
    r6, r7 = _row(conn, 6), _row(conn, 7)
    r7["seq"], r6["seq"] = 6, 7
    r7["prev_hash"] = conn.execute("SELECT hash FROM entries WHERE seq=5").fetchone()[0]
    sig7, = conn.execute("SELECT signature FROM entries WHERE seq=7").fetchone()
    sig6, = conn.execute("SELECT signature FROM entries WHERE seq=6").fetchone()
    h = _rewrite(conn, 6, r7, signature=sig7)
    r6["prev_hash"] = h
    h = _rewrite(conn, 7, r6, signature=sig6)
    r8 = _row(conn, 8)
    r8["prev_hash"] = h
    _rewrite(conn, 8, r8, signature=conn.execute("SELECT signature FROM entries WHERE seq=8").fetchone()[0])
    full = _first(filled, full=True)
    assert full.seq == 6 and "signature" in full.message


def test_resigned_with_another_key(filled):
    """The attacker rewrites entry 5 and everything after it with their own key: the chain is
    whole again, but the signatures are by a key the ledger never registered."""
    conn = _attack(filled)
    mallory = SigningKey.generate()
    prev = conn.execute("SELECT hash FROM entries WHERE seq=4").fetchone()[0]
    for seq in range(5, 11):
        record = _row(conn, seq)
        if seq == 5:
            record["payload"]["metrics"]["acc"] = 0.99
        record["actor"]["key"] = mallory.fingerprint
        record["prev_hash"] = prev
        prev = _rewrite(conn, seq, record, key=mallory)
    assert verify(filled).ok  # the chain alone cannot tell
    full = _first(filled, full=True)
    assert full.seq == 5 and "never registered" in full.message


def test_signature_replaced_keeping_the_signer_name(filled):
    conn = _attack(filled)
    mallory = SigningKey.generate()
    digest, = conn.execute("SELECT hash FROM entries WHERE seq=3").fetchone()
    conn.execute("UPDATE entries SET signature=? WHERE seq=3", (mallory.sign(signing_message(digest)),))
    full = _first(filled, full=True)
    assert full.seq == 3 and "does not verify" in full.message


def test_cut_off_tail_against_a_checkpoint(filled, tmp_path):
    cp_file = make_checkpoint(filled).write(tmp_path / "checkpoint.json")
    filled.close()
    conn = _attack(filled)
    conn.execute("DELETE FROM entries WHERE seq >= 8")
    assert verify(filled, full=True).ok  # a shorter chain is still a chain
    p = _first(filled, full=True, checkpoint=Checkpoint.load(cp_file))
    assert p.seq == 8 and "cut off" in p.message and "entries 8-10" in p.message


def test_rewritten_history_against_a_checkpoint(filled, tmp_path):
    cp = make_checkpoint(filled)
    filled.close()
    conn = _attack(filled)
    conn.execute("DELETE FROM entries WHERE seq >= 9")
    conn.close()
    led = Ledger(filled.project)
    led.append("trial.finished", "trial:exp/forged", {"i": 9})
    led.append("trial.finished", "trial:exp/forged", {"i": 10})
    assert verify(led, full=True).ok
    p = _first(led, checkpoint=cp)
    assert p.seq == 10 and "rewritten" in p.message


def test_checkpoint_file_tampered(filled, tmp_path):
    path = make_checkpoint(filled).write(tmp_path / "cp.json")
    data = json.loads(path.read_text())
    data["seq"] = 5
    path.write_text(json.dumps(data))
    p = _first(filled, checkpoint=Checkpoint.load(path))
    assert "checkpoint file was changed" in p.message


def test_whole_ledger_replaced_against_a_checkpoint(filled, tmp_path):
    cp = make_checkpoint(filled)
    filled.close()
    filled.path.unlink()
    for suffix in ("-wal", "-shm"):
        filled.path.with_name("ledger.db" + suffix).unlink(missing_ok=True)
    led = Ledger(filled.project)
    for i in range(12):
        led.append("x.y", "s", {"i": i})
    p = _first(led, checkpoint=cp)
    assert p.seq == 1 and "another or a rebuilt ledger" in p.message
