"""Write changed cell sources back, keeping the file's JSON layout and everything else intact."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import FixError, NotebookReadError
from .loader import decode_text, read_bytes
from .model import Notebook

# (indent, ensure_ascii, sort_keys) layouts, most common first: nbformat writes (1, False, True).
_LAYOUTS = [(1, False, True)] + [(i, a, k) for i in (1, 2, 4, None, "\t") for a in (False, True)
                                 for k in (True, False) if (i, a, k) != (1, False, True)]


def _split_source(text: str) -> list[str]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _dump(raw: Any, layout: tuple) -> str:
    indent, ascii_, sort = layout
    return json.dumps(raw, indent=indent, ensure_ascii=ascii_, sort_keys=sort)


def render_ipynb(original: str, changes: dict[int, str], nbformat_major: int = 4) -> str:
    """Return the notebook text with the given cells' sources replaced.

    The layout (indentation, key order, escaping, final newline) is detected from the original
    by finding the serialisation that reproduces it exactly, so only the changed cells differ.
    """
    raw = json.loads(original)
    trailing = original[len(original.rstrip()):]
    layout = next((l for l in _LAYOUTS if _dump(raw, l) == original.rstrip()), (1, False, False))
    cells = raw["cells"] if nbformat_major >= 4 else [c for ws in raw["worksheets"] for c in ws["cells"]]
    for index, text in changes.items():
        cell = cells[index]
        key = "input" if nbformat_major < 4 and cell.get("cell_type") == "code" else "source"
        cell[key] = text if isinstance(cell.get(key), str) else _split_source(text)
    return _dump(raw, layout) + trailing


def render_percent(original: str, notebook: Notebook, changes: dict[int, str]) -> str:
    lines = original.replace("\r\n", "\n").split("\n")
    # Apply from the bottom up so earlier cells' line numbers stay valid.
    for index in sorted(changes, reverse=True):
        cell = notebook.cells[index]
        start = (cell.file_line or 1) - 1
        old_len = len(cell.source.split("\n")) if cell.source else 0
        lines[start:start + old_len] = changes[index].split("\n")
    return "\n".join(lines)


def atomic_write(path: str | os.PathLike[str], text: str) -> None:
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_changes(notebook: Notebook, changes: dict[int, str], original_text: str) -> None:
    """Write `changes` (cell index -> new source) into the notebook's file, atomically.

    Refuses when the file changed since it was read, so a concurrent edit is never lost.
    """
    try:
        current = decode_text(read_bytes(notebook.path), notebook.path)
    except NotebookReadError as exc:
        raise FixError(str(exc)) from None
    if current != original_text:
        raise FixError(f"{notebook.path}: file changed on disk while fixing; nothing written")
    if notebook.format == "percent":
        text = render_percent(original_text, notebook, changes)
    else:
        text = render_ipynb(original_text, changes, notebook.nbformat)
    atomic_write(notebook.path, text)
