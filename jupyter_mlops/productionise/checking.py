"""Run the generated package's tests in a fresh Python process."""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

from .model import TestOutcome
from .process import run_process

_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


def run_tests(package_dir: Path, timeout: float = 900.0,
              cancel: threading.Event | None = None) -> TestOutcome:
    # pytest runs with the package as its working directory: a relative path would then name
    # a folder inside it (`--out pkg` failed with "--confcutdir must be a directory").
    package_dir = Path(package_dir).resolve()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(package_dir / "src") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--confcutdir",
            str(package_dir), "--rootdir",
            str(package_dir), str(package_dir / "tests")]
    done = run_process(argv, str(package_dir), env, timeout, cancel)
    return parse_outcome(done.output, done.timed_out)


def parse_outcome(output: str, timed_out: bool = False) -> TestOutcome:
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    summary = [line for line in output.splitlines() if _COUNT.search(line)]
    if summary:
        for n, kind in _COUNT.findall(summary[-1]):
            key = "errors" if kind.startswith("error") else kind
            counts[key] = int(n)
    tail = output[-3000:]
    if timed_out:
        tail += "\n(tests timed out)"
        counts["errors"] = max(counts["errors"], 1)
    return TestOutcome(ran=True, passed=counts["passed"], failed=counts["failed"],
                       errors=counts["errors"], skipped=counts["skipped"], output_tail=tail)
