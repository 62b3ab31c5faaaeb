"""Long-running work (productionise with its test run) off the event loop.

A job runs in its own thread; the handlers poll its state. Progress is what the worker reports
through `progress(message, fraction)`; cancelling sets an Event the worker checks.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import JupyterMlopsError

Worker = Callable[[Callable[[str, float], None], threading.Event], dict[str, Any]]

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"
MAX_LOG = 200


class JobLimitError(Exception):
    """Too many jobs are running at once."""


@dataclass
class Job:
    id: str
    kind: str
    target: str
    state: str = RUNNING
    fraction: float = 0.0
    message: str = "Starting"
    log: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        end = self.finished or time.time()
        return {"id": self.id, "kind": self.kind, "target": self.target, "state": self.state,
                "fraction": self.fraction, "message": self.message, "log": list(self.log),
                "result": self.result, "error": self.error,
                "elapsed": round(end - self.started, 3),
                "cancel_requested": self.cancel.is_set()}


class JobRegistry:
    def __init__(self, max_running: int = 2, keep: int = 20,
                 log: logging.Logger | None = None) -> None:
        self.max_running = max_running
        self.keep = keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._log = log or logging.getLogger(__name__)

    def start(self, kind: str, target: str, worker: Worker,
              relativise: Callable[[Any], Any] = lambda v: v) -> Job:
        with self._lock:
            running = [j for j in self._jobs.values() if j.state == RUNNING]
            if len(running) >= self.max_running:
                raise JobLimitError(f"{len(running)} jobs are already running; wait for one to finish")
            job = Job(id=uuid.uuid4().hex[:12], kind=kind, target=target)
            self._jobs[job.id] = job
            self._prune()

        def progress(message: str, fraction: float) -> None:
            with self._lock:
                job.message = str(message)
                try:
                    job.fraction = max(job.fraction, min(1.0, float(fraction)))
                except (TypeError, ValueError):
                    pass
                job.log.append(str(message))
                del job.log[:-MAX_LOG]

        def run() -> None:
            try:
                result = relativise(worker(progress, job.cancel))
                state, error = (CANCELLED if job.cancel.is_set() and not _succeeded(result)
                                else SUCCEEDED if _succeeded(result) else FAILED), None
                if state == FAILED:
                    error = _failure_message(result)
            except JupyterMlopsError as exc:
                result, state, error = None, CANCELLED if job.cancel.is_set() else FAILED, str(exc)
            except Exception as exc:  # noqa: BLE001  (a bug must not kill the server; the log has the details)
                self._log.exception("jupyter-mlops %s job %s failed", kind, job.id)
                result, state = None, CANCELLED if job.cancel.is_set() else FAILED
                error = f"internal error ({type(exc).__name__}): {exc}"
            with self._lock:
                job.result, job.state, job.error = result, state, error
                job.finished = time.time()
                if state == SUCCEEDED:
                    job.fraction = 1.0
                job.message = {SUCCEEDED: "Done", CANCELLED: "Cancelled"}.get(state, "Failed")

        threading.Thread(target=run, name=f"jupyter-mlops-{kind}-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def snapshot(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_dict() if job else None

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state == RUNNING:
                job.cancel.set()
                job.message = "Cancelling"
            return job.to_dict()

    def cancel_all(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()

    def _prune(self) -> None:
        done = [j for j in self._jobs.values() if j.state != RUNNING]
        for job in sorted(done, key=lambda j: j.started)[: max(0, len(done) - self.keep)]:
            del self._jobs[job.id]


def _succeeded(result: Any) -> bool:
    if not isinstance(result, dict):
        return result is not None
    for key in ("success", "succeeded", "ok"):
        if key in result:
            return bool(result[key])
    return True


def _failure_message(result: Any) -> str:
    if isinstance(result, dict):
        for key in ("error", "message", "reason"):
            if isinstance(result.get(key), str) and result[key]:
                return result[key]
    return "productionise did not succeed"
