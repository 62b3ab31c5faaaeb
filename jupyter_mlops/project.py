"""Where a project's record lives: the project root and its `.jupyter-mlops/` state folder.

The root is, in order: an explicit directory (`--project`), `$JUPYTER_MLOPS_PROJECT`, the nearest
directory upward holding `pyproject.toml` or `.git`, else the start directory. Nothing is created
until something is written (`Project.ensure_state_dir`), so read-only commands leave no trace.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import JupyterMlopsError

ENV_VAR = "JUPYTER_MLOPS_PROJECT"
STATE_DIR = ".jupyter-mlops"
_MARKERS = ("pyproject.toml", ".git")

# What must never be committed: the artifacts (large, content-addressed copies), caches and the
# subject salt. The ledger, release states and snapshot manifests are meant to be kept.
_GITIGNORE = """\
# written by jupyter-mlops: keep the ledger, snapshots and release states; never commit these
artifacts/
cache/
secrets/
*.tmp
ledger.db-wal
ledger.db-shm
"""
_README = """\
This folder is jupyter-mlops' record of this project: the signed audit ledger (ledger.db), data
snapshot manifests, model registry release states and content-addressed artifacts.
Do not edit it by hand; `jupyter-mlops audit verify` checks that nothing in it was changed.
"""


class ProjectError(JupyterMlopsError):
    """The project folder is missing, not a folder, or cannot be written."""


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None,
             explicit: str | os.PathLike[str] | None = None) -> Project:
        chosen = explicit if explicit is not None else os.environ.get(ENV_VAR) or None
        if chosen is not None:
            root = Path(chosen).expanduser()
            if not root.exists():
                raise ProjectError(f"{root}: project folder does not exist")
            if not root.is_dir():
                raise ProjectError(f"{root}: project path is not a folder")
            return cls(root.resolve())
        here = Path(start).expanduser() if start is not None else Path.cwd()
        here = here.resolve()
        if here.is_file():
            here = here.parent
        for folder in (here, *here.parents):
            if any((folder / marker).exists() for marker in _MARKERS):
                return cls(folder)
        return cls(here)

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def path(self, *parts: str) -> Path:
        """A path inside the state folder; refuses anything that would resolve outside it
        (`..`, absolute parts, or a symbolic link pointing elsewhere)."""
        base = os.path.realpath(self.state_dir)
        target = os.path.realpath(os.path.join(base, *parts))
        if os.path.commonpath([base, target]) != base or target == base and parts:
            raise ProjectError(f"{os.path.join(*parts) if parts else ''}: path escapes {self.state_dir}")
        return Path(target)

    def ensure_state_dir(self) -> Path:
        """Create `.jupyter-mlops/` with its .gitignore and README (first write only)."""
        state = self.state_dir
        try:
            state.mkdir(exist_ok=True)
            for name, text in ((".gitignore", _GITIGNORE), ("README.md", _README)):
                f = state / name
                if not f.exists():
                    f.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ProjectError(f"{state}: cannot create the project record: {_reason(exc)}") from None
        return state

    def ensure_dir(self, *parts: str, mode: int = 0o755) -> Path:
        """A folder inside the state folder, created (with the state folder) when missing."""
        self.ensure_state_dir()
        folder = self.path(*parts)
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=mode)
        except OSError as exc:
            raise ProjectError(f"{folder}: cannot create: {_reason(exc)}") from None
        return folder

    def relative(self, path: str | os.PathLike[str]) -> str:
        """`path` relative to the root when inside it (portable records), else absolute."""
        p = Path(path).expanduser().resolve()
        try:
            return p.relative_to(self.root).as_posix() or "."
        except ValueError:
            return str(p)


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only folder?)"
    return exc.strerror or str(exc)


__all__ = ["ENV_VAR", "STATE_DIR", "Project", "ProjectError"]
