"""What a run ran on: the environment lock (Python, platform, packages) and the git state."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from typing import Any


def environment_lock() -> dict[str, Any]:
    """{"python", "implementation", "platform", "packages": {name: version}} of this interpreter."""
    packages: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            packages[name.lower().replace("_", "-")] = dist.version
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "executable_prefix": sys.prefix,
            "packages": dict(sorted(packages.items()))}


def git_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """{"commit": sha or None, "dirty": bool or None} of the git work tree holding `path`."""
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        folder = os.path.dirname(os.path.abspath(folder)) or "."
    try:
        commit = subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None, "dirty": None}
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return {"commit": commit.stdout.strip(), "dirty": dirty}
