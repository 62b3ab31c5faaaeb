"""Package versions and the extraction history kept in `<out>/.jupyter-mlops/state.json`.

The version changes when, and only when, the generated code changes, and a version number is
never reused for different code. The state holds the last generated text of every file (the
base of the three-way merge that keeps hand edits) and the CHANGELOG entries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

STATE_DIR = ".jupyter-mlops"
STATE_FILE = "state.json"
FIRST_VERSION = "0.1.0"


@dataclass
class State:
    versions: dict[str, str] = field(default_factory=dict)  # version -> code hash
    current: str | None = None
    notebook_hash: str | None = None
    cell_hashes: list[str] = field(default_factory=list)
    changelog: list[str] = field(default_factory=list)  # entries, newest first
    base: dict[str, str] = field(default_factory=dict)  # path -> last generated text

    def to_json(self) -> str:
        return json.dumps({"format": 1, "versions": self.versions, "current": self.current,
                           "notebook_hash": self.notebook_hash, "cell_hashes": self.cell_hashes,
                           "changelog": self.changelog}, indent=1, sort_keys=True) + "\n"


def load_state(out_dir: Path) -> State:
    root = out_dir / STATE_DIR
    path = root / STATE_FILE
    if not path.is_file():
        return State()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return State()
    state = State(versions=dict(raw.get("versions", {})), current=raw.get("current"),
                  notebook_hash=raw.get("notebook_hash"), cell_hashes=list(raw.get("cell_hashes", [])),
                  changelog=list(raw.get("changelog", [])))
    base_dir = root / "base"
    if base_dir.is_dir():
        for p in sorted(base_dir.rglob("*")):
            if p.is_file():
                try:
                    state.base[p.relative_to(base_dir).as_posix()] = p.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    pass
    return state


def code_hash(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode())
        h.update(b"\0")
        h.update(files[path].encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _parse(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (0,)


def next_version(state: State, digest: str) -> tuple[str, bool]:
    """(version, is_new): keep the current version for the same code, else a fresh number."""
    if state.current and state.versions.get(state.current) == digest:
        return state.current, False
    if not state.versions:
        return FIRST_VERSION, True
    top = max(state.versions, key=_parse)
    parts = list(_parse(top)) + [0, 0, 0]
    major, minor, patch = parts[:3]
    return f"{major}.{minor}.{patch + 1}", True


def changelog_entry(version: str, notebook: str, nb_hash: str, changed_cells: list[int] | None,
                    changed_files: list[str]) -> str:
    lines = [f"## {version}", "",
             f"- Extracted from `{notebook}` (notebook sha256 `{nb_hash[:16]}`)."]
    if changed_cells is None:
        lines.append("- First extraction.")
    elif changed_cells:
        lines.append("- Notebook cells changed: " + ", ".join(str(c) for c in changed_cells) + ".")
    if changed_files:
        lines.append("- Generated files changed: " + ", ".join(f"`{f}`" for f in changed_files) + ".")
    return "\n".join(lines) + "\n"


def render_changelog(package: str, entries: list[str]) -> str:
    head = (f"# Changelog of {package}\n\nEach entry is one extraction from the notebook that "
            "changed the generated code.\n")
    return head + "".join("\n" + e for e in entries)
