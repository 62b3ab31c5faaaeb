"""Write the generated files into the output directory, and nowhere else.

A file the user edited since the last extraction is merged (three-way, with the last generated
text as the base); overlapping edits are conflicts: the user's file stays as it is and the new
generated text goes to `.jupyter-mlops/conflicts/` for them to merge.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ProductioniseError
from .merge import merge3
from .model import Conflict
from .versioning import STATE_DIR, STATE_FILE, State


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def safe_target(out_dir: Path, rel: str, protected: set[Path]) -> Path:
    target = (out_dir / rel)
    real = Path(os.path.realpath(target))
    root = Path(os.path.realpath(out_dir))
    if rel.startswith("/") or ".." in Path(rel).parts or not (real == root or root in real.parents):
        raise ProductioniseError(f"refusing to write {rel}: it resolves outside {out_dir}")
    if real in protected:
        raise ProductioniseError(f"refusing to write {rel}: it is the notebook or one of its inputs")
    return target


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProductioniseError(f"cannot read {path}: {exc.strerror or exc}") from None


def write_files(out_dir: Path, texts: dict[str, str], blobs: dict[str, bytes], state: State,
                protected: set[Path]) -> WriteReport:
    report = WriteReport()
    for rel in sorted(texts):
        new = texts[rel]
        target = safe_target(out_dir, rel, protected)
        current_raw = _read(target)
        if current_raw is None:
            _write(target, new)
            report.written.append(rel)
            continue
        current = current_raw.decode("utf-8", "replace")
        base = state.base.get(rel)
        if current == new:
            report.unchanged.append(rel)
            continue
        if base is None:
            _conflict(out_dir, rel, new, report, "a file that jupyter-mlops did not write is in the way")
            continue
        result = merge3(base, current, new)
        if result.conflicts:
            _conflict(out_dir, rel, new, report,
                      f"your edits and the regenerated code change the same lines ({result.conflicts} place(s))")
            continue
        if result.text == current:
            report.unchanged.append(rel)
            continue
        _write(target, result.text)
        (report.merged if current != base else report.written).append(rel)
    for rel in sorted(blobs):
        target = safe_target(out_dir, rel, protected)
        if _read(target) == blobs[rel]:
            report.unchanged.append(rel)
        else:
            _write(target, blobs[rel])
            report.written.append(rel)
    return report


def _conflict(out_dir: Path, rel: str, new: str, report: WriteReport, why: str) -> None:
    copy = Path(STATE_DIR) / "conflicts" / rel
    _write(out_dir / copy, new)
    report.conflicts.append(Conflict(rel, f"{rel}: {why}; kept yours, the generated version is in {copy}",
                                     copy.as_posix()))


def save_state(out_dir: Path, state: State, texts: dict[str, str], protected: set[Path]) -> None:
    root = out_dir / STATE_DIR
    for rel, text in texts.items():
        target = safe_target(out_dir, f"{STATE_DIR}/base/{rel}", protected)
        if _read(target) != text.encode("utf-8"):
            _write(target, text)
    target = safe_target(out_dir, f"{STATE_DIR}/{STATE_FILE}", protected)
    data = state.to_json()
    if _read(target) != data.encode("utf-8"):
        _write(target, data)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        _write(gitignore, "conflicts/\n")
