"""Lint one notebook on two cores: a helper process runs some rules while the caller runs the rest.

An editor opening a large notebook waits for every cell to be parsed and every rule to run. Syntax
trees cost as much to send between processes as to build, so the helper does not receive them: it
parses the notebook itself and runs the rules that share the dataflow pass (the costliest share,
and independent of the others), while this process parses it and runs the rest. Only the notebook
text goes there and only findings come back. Each side keeps its own cell cache, so edits stay
incremental in both.

The result is exactly `lint_notebook`'s: the same findings, in the same order. When the helper is
not running yet, has died or fails, its rules run here instead, so a lint never loses findings.
"""

from __future__ import annotations

import gc
import heapq
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import fields
from multiprocessing.connection import Connection
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Callable, TypeVar

from ..analysis import CellCache
from ..notebook.model import Cell, Notebook
from .config import LintConfig
from .engine import lint_notebook, warm_up
from .findings import Finding

log = logging.getLogger(__name__)

# Rules that read the dataflow (`ml.data_flow`) must run in the same process, or it is built
# twice. unverified-download joins them because it walks every call in the notebook; together they
# are about half of the rules' time on a large notebook, and the other half runs here.
HELPER_RULES = frozenset({"preprocessing-leakage", "fit-on-test-data", "pickle-model-export",
                          "unverified-download"})
# A helper that has not answered by then is stuck (a rule looping on some input): it is replaced.
# Its share takes about as long as this process's, so the wait is that many times this process's
# time (at least MIN_WAIT), up to REPLY_TIMEOUT: an editor is not kept waiting a minute.
REPLY_TIMEOUT = 60.0
MIN_WAIT = 5.0
WAIT_FACTOR = 10.0
IDLE_SECONDS = 1.5  # the helper collects garbage once the editor has been quiet this long


T = TypeVar("T")


def _same(finding: Finding) -> Finding:
    return finding


class HelperError(RuntimeError):
    """The helper process could not lint; the caller lints those rules itself."""


class SplitLinter:
    """`lint_notebook` with its rules shared between this process and a helper process.

    `start()` launches the helper in the background (importing the engine takes it about a
    second); lints before it is ready, or after it failed, run every rule here. Thread-safe: one
    lint at a time uses the helper."""

    def __init__(self, helper_rules: frozenset[str] = HELPER_RULES,
                 reply_timeout: float = REPLY_TIMEOUT) -> None:
        self.helper_rules = helper_rules
        self.reply_timeout = reply_timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._to: Connection | None = None  # the helper's standard input
        self._from: Connection | None = None  # the helper's standard output
        self._ready = False
        # Notebooks (paths) this side linted without the helper while it was starting, and those
        # the helper has linted: what it would be cold for, and what a new helper is cold for.
        self._alone: set[str] = set()
        self._seen: set[str] = set()
        self._catching_up = 0  # answers to catch-up lints still to come (they are dropped)
        self.split_lints = 0  # lints the helper shared
        self.failures = 0  # times the helper failed and was replaced

    @staticmethod
    def useful() -> bool:
        """A second process only pays where a second core can run it. (Not on Windows: the
        pipes here are POSIX file descriptors.)"""
        if os.name == "nt":
            return False
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return (cores or 1) > 1

    def start(self) -> None:
        """Launch the helper (non-blocking). It ends when this process closes its input: at
        `close()`, or when this process ends, however it ends."""
        with self._lock:
            self._launch()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def wait_ready(self, timeout: float) -> bool:
        """Block until the helper is ready to share lints (False if it is not by `timeout`)."""
        with self._lock:
            if self._from is None:
                return False
            if not self._ready:
                try:
                    self._from.poll(timeout)
                except (OSError, EOFError):
                    pass
            return self._is_ready()

    def close(self) -> None:
        with self._lock:
            self._stop()

    def lint(self, notebook: Notebook, config: LintConfig | None = None,
             cache: CellCache | None = None, convert: Callable[[Finding], T] | None = None) -> list[T]:
        """All findings for the notebook, as `lint_notebook(notebook, config, cache)` gives them,
        each passed through `convert` if given (a caller's own form, e.g. an editor diagnostic):
        this side's findings are converted while the helper is still at work."""
        config = config or LintConfig()
        if convert is None:
            return self._lint(notebook, config, cache, _same)  # type: ignore[arg-type]
        return self._lint(notebook, config, cache, convert)

    def _lint(self, notebook: Notebook, config: LintConfig, cache: CellCache | None,
              convert: Callable[[Finding], T]) -> list[T]:
        with self._lock:
            if not self._is_ready():
                if self._process is not None and cache is not None:
                    self._alone.add(notebook.path)
                return [convert(f) for f in lint_notebook(notebook, config, cache)]
            names = {r.name for r in config.enabled_rules()}
            there = names & self.helper_rules
            if not there or not self._caught_up():
                return [convert(f) for f in lint_notebook(notebook, config, cache)]
            catch_up = notebook.path in self._alone
            try:
                self._send(("lint", _pack(notebook), config, frozenset(there)))
            except HelperError as exc:
                self._fail(exc)
                return [convert(f) for f in lint_notebook(notebook, config, cache)]
            self._seen.add(notebook.path)
            if catch_up:
                # This side has linted the notebook before, the helper has not: its share would be
                # a cold lint, slower than this side's whole incremental one (a first keystroke
                # after start-up would wait for it). Lint here; the helper catches up meanwhile.
                self._alone.discard(notebook.path)
                self._catching_up += 1
                return [convert(f) for f in lint_notebook(notebook, config, cache)]
            started = time.perf_counter()
            mine = [(f.sort_key(), convert(f))
                    for f in lint_notebook(notebook, config, cache, rules=frozenset(names - there))]
            wait = max(MIN_WAIT, WAIT_FACTOR * (time.perf_counter() - started))
            try:
                found = self._receive(min(wait, self.reply_timeout))
            except HelperError as exc:
                self._fail(exc)
                found = lint_notebook(notebook, config, cache, rules=frozenset(there))
            else:
                self.split_lints += 1
                log.debug("lint of %s shared with the lint helper", notebook.path)
        theirs = [(f.sort_key(), convert(f)) for f in found]
        # Both lists are sorted, and findings that tie are of one rule, so on one side: the merged
        # order is lint_notebook's.
        return [c for _, c in heapq.merge(mine, theirs, key=itemgetter(0))]

    # -- the pipes ---------------------------------------------------------------------------
    def _is_ready(self) -> bool:
        if self._ready:
            return True
        conn = self._from
        if conn is None:
            return False
        try:
            if not conn.poll():
                return False  # still importing
            message = conn.recv()
        except (OSError, EOFError) as exc:
            self._fail(HelperError(f"lint helper ended during start-up ({exc or 'closed'})"))
            return False
        self._ready = message == ("ready",)
        if self._ready:
            log.info("lint helper %s ready", self.pid)
        else:
            self._fail(HelperError(f"lint helper sent {message!r} instead of ready"))
        return self._ready

    def _caught_up(self) -> bool:
        """Drop the catch-up answers that have arrived; True when none is still to come."""
        conn = self._from
        try:
            while self._catching_up and conn is not None and conn.poll():
                conn.recv()
                self._catching_up -= 1
        except (OSError, EOFError) as exc:
            self._fail(HelperError(f"lint helper ended ({exc or 'closed'})"))
            return False
        return self._catching_up == 0

    def _send(self, message: tuple) -> None:
        assert self._to is not None
        try:
            self._to.send(message)
        except (OSError, ValueError) as exc:  # broken pipe; ValueError: too large to pickle here
            raise HelperError(f"could not reach the lint helper ({exc})") from exc

    def _receive(self, timeout: float) -> list[Finding]:
        assert self._from is not None
        try:
            if not self._from.poll(timeout):
                raise HelperError(f"lint helper gave no answer in {timeout:.3g} s")
            kind, payload = self._from.recv()
        except (OSError, EOFError) as exc:
            raise HelperError(f"lint helper ended ({exc or 'closed'})") from exc
        if kind != "findings":
            raise HelperError(f"lint helper failed: {payload}")
        return payload

    def _fail(self, exc: HelperError) -> None:
        """Replace a helper that failed: the next lints run here until the new one is ready."""
        self.failures += 1
        log.warning("%s; its rules run in this process until a new helper is ready", exc)
        self._stop()
        self._alone |= self._seen  # a new helper knows none of them
        self._seen.clear()
        self._catching_up = 0
        if self.failures <= 3:  # a helper that keeps failing is left off
            self._launch()

    def _launch(self) -> None:
        if self._process is not None:
            return
        # A fresh interpreter, not a fork: a language server has threads, and a fork would copy
        # them half-way through whatever they were doing. Same interpreter and environment, so it
        # imports this same engine; the package's own directory is a last resort on its path.
        root = str(Path(__file__).resolve().parents[2])
        code = (f"import sys; sys.path.append({root!r}); "
                "from jupyter_mlops.linter.split import serve; serve()")
        try:
            process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, close_fds=True)
        except OSError as exc:
            log.warning("lint helper could not start (%s); linting in one process", exc)
            return
        assert process.stdin is not None and process.stdout is not None
        self._to = Connection(os.dup(process.stdin.fileno()), readable=False)
        self._from = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self._process, self._ready = process, False

    def _stop(self) -> None:
        process = self._process
        for conn in (self._to, self._from):
            if conn is not None:
                conn.close()  # the helper reads end-of-file and exits
        self._to = self._from = None
        self._process, self._ready = None, False
        if process is not None:
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5.0)


# A notebook crosses the pipe as tuples: pickling 300 Cell objects costs 2-3x as much, and
# this side pays it before it can start its own share.
_CELL_FIELDS = tuple(f.name for f in fields(Cell))
_NOTEBOOK_FIELDS = tuple(f.name for f in fields(Notebook) if f.name != "cells")
_cell_values = attrgetter(*_CELL_FIELDS)
_notebook_values = attrgetter(*_NOTEBOOK_FIELDS)


def _pack(notebook: Notebook) -> tuple:
    return _notebook_values(notebook), [_cell_values(c) for c in notebook.cells]


def _unpack(packed: tuple) -> Notebook:
    values, cells = packed
    return Notebook(cells=[Cell(**dict(zip(_CELL_FIELDS, c))) for c in cells],
                    **dict(zip(_NOTEBOOK_FIELDS, values)))


def serve() -> None:
    """The helper's loop, on its standard input and output: lint what arrives with the rules
    named, answer with the findings; end when the input closes."""
    replies = Connection(os.dup(1), readable=False)
    # Nothing else may write to the reply pipe: stray output goes to stderr (the server's log).
    os.dup2(2, 1)
    requests = Connection(os.dup(0), writable=False)
    os.close(0)
    # Ctrl-C in a terminal reaches the whole process group: the server decides when this ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cache = CellCache()
    warm_up()  # a fresh process's first lint is slow: not the editor's first keystroke's
    # Start-up objects are never garbage; the analyses a lint leaves are freed by reference
    # counting (lints make no cycles), so full collections wait for quiet moments.
    gc.collect()
    gc.freeze()
    gc.disable()
    replies.send(("ready",))
    dirty = False
    while True:
        try:
            if dirty and not requests.poll(IDLE_SECONDS):
                gc.collect()
                dirty = False
                continue
            message: Any = requests.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            _, packed, config, rules = message
            reply: tuple = ("findings", lint_notebook(_unpack(packed), config, cache, rules=rules))
        except Exception as exc:  # answer, so the server lints these rules itself
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            replies.send(reply)
        except (OSError, ValueError):
            return
        dirty = True


__all__ = ["HELPER_RULES", "HelperError", "SplitLinter", "serve"]
