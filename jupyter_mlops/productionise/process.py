"""Run a subprocess that can be cancelled: its whole process group is killed on cancel."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from .errors import Cancelled


@dataclass
class Completed:
    returncode: int
    output: str
    timed_out: bool = False


def run_process(argv: list[str], cwd: str, env: dict[str, str], timeout: float,
                cancel: threading.Event | None = None) -> Completed:
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read(65536), b"")),
                              daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while proc.poll() is None:
            if cancel is not None and cancel.is_set():
                _kill(proc)
                raise Cancelled()
            if time.monotonic() > deadline:
                _kill(proc)
                timed_out = True
                break
            time.sleep(0.05)
    except BaseException:
        _kill(proc)
        raise
    proc.wait()
    reader.join(timeout=5)
    return Completed(proc.returncode, b"".join(chunks).decode("utf-8", "replace"), timed_out)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()
