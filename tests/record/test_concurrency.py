"""Several processes appending at once, and a process killed with SIGKILL in the middle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_mlops.audit import Ledger
from jupyter_mlops.audit.verify import verify

WORKER = Path(__file__).with_name("ledger_worker.py")


def _start(project, name, count, batch=1):
    return subprocess.Popen([sys.executable, str(WORKER), str(project.root), name, str(count), str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_appends_from_four_processes_never_fork_or_lose(project):
    procs = [_start(project, f"w{n}", 25) for n in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    led = Ledger(project)
    trials = led.entries("trial.finished")
    assert len(trials) == 100
    assert {(e.payload["worker"], e.payload["i"]) for e in trials} == \
        {(f"w{n}", i) for n in range(4) for i in range(25)}
    seqs = [e.seq for e in led.entries()]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(led.entries("key.registered")) == 1  # one person, one key, registered once
    report = verify(led, full=True)
    assert report.ok, report.summary()


def test_kill_9_mid_append_leaves_a_ledger_that_verifies(project):
    for batch in (1, 50):
        proc = _start(project, f"k{batch}", 0, batch)
        assert proc.stdout.readline().strip() == "ready"
        led = Ledger(project)
        deadline = time.monotonic() + 60
        while led.count() < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        report = verify(Ledger(project), full=True)
        assert report.ok, report.summary()
        assert report.entries >= 30
        # and the next writer carries on from the surviving head
        after = Ledger(project).append("x.y", "s", {})
        assert after.seq == report.head_seq + 1 and after.prev_hash == report.head_hash
