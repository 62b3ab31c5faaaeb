"""Read notebooks (.ipynb nbformat 3/4, percent-format .py) into the one notebook model.

Every failure becomes a `NotebookReadError` with a one-line reason; nothing here raises
anything else for bad input, however malformed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ..errors import NotebookReadError
from .model import Cell, Notebook, Output

_PERCENT_MARKER = re.compile(r"^\s*#\s?%%(?!%)(.*)$")
_PERCENT_KIND = re.compile(r"^\s*\[(markdown|md|raw)\]\s*", re.IGNORECASE)
_PERCENT_KEY = re.compile(r"(?:^|\s)(\w[\w-]*)=")
PYTHON_LANGUAGES = {"python", "python3", "python2", "ipython", "ipython3", "ipython2"}


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a file, turning every OS-level failure into a one-line NotebookReadError."""
    p = Path(path)
    name = str(path)
    if p.is_symlink() and not p.exists():
        raise NotebookReadError(name, "dangling symbolic link")
    if p.is_dir():
        raise NotebookReadError(name, "is a directory, not a notebook")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise NotebookReadError(name, "file not found") from None
    except PermissionError:
        raise NotebookReadError(name, "permission denied") from None
    except OSError as exc:
        raise NotebookReadError(name, f"cannot read file: {exc.strerror or exc}") from None


def decode_text(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookReadError(
            name, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def load_notebook(path: str | os.PathLike[str]) -> Notebook:
    """Load a notebook from disk, choosing the reader by file extension."""
    name = str(path)
    text = decode_text(read_bytes(path), name)
    if name.endswith(".py"):
        return parse_percent_script(text, name)
    return parse_ipynb(text, name)


def parse_ipynb(text: str, name: str = "<memory>.ipynb") -> Notebook:
    if not text.strip():
        raise NotebookReadError(name, "file is empty")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookReadError(
            name, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise NotebookReadError(name, "not valid JSON: nested too deeply") from None
    return notebook_from_json(raw, name)


def notebook_from_json(raw: Any, name: str = "<memory>.ipynb") -> Notebook:
    """Build the model from an already-parsed notebook JSON object (nbformat 3 or 4)."""
    if not isinstance(raw, dict):
        raise NotebookReadError(name, f"not a notebook: top level is a JSON {_kind(raw)}, not an object")
    major = raw.get("nbformat")
    if major is None and "cells" not in raw and "worksheets" not in raw:
        raise NotebookReadError(name, "not a notebook: no 'nbformat' and no 'cells'")
    if major is not None and not isinstance(major, int):
        raise NotebookReadError(name, f"'nbformat' must be an integer, got {major!r:.40}")
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    if major is not None and major < 3:
        raise NotebookReadError(name, f"nbformat {major} is not supported (3 and 4 are)")
    if major is not None and major > 4:
        raise NotebookReadError(name, f"nbformat {major} is newer than this tool supports (3 and 4)")
    if major == 3 or ("worksheets" in raw and "cells" not in raw):
        raw_cells = _v3_cells(raw, name)
        fmt_major = 3
    else:
        raw_cells = raw.get("cells")
        fmt_major = 4
        if not isinstance(raw_cells, list):
            raise NotebookReadError(name, f"'cells' must be a list, got {_kind(raw_cells)}")
    cells = [_cell(i, c, name, fmt_major) for i, c in enumerate(raw_cells)]
    language, kernel = _language(metadata, raw)
    minor = raw.get("nbformat_minor")
    return Notebook(
        path=name, cells=cells, language=language, kernel_name=kernel, nbformat=fmt_major,
        nbformat_minor=minor if isinstance(minor, int) else 0, metadata=metadata, format="ipynb",
    )


def _v3_cells(raw: dict[str, Any], name: str) -> list[Any]:
    sheets = raw.get("worksheets")
    if not isinstance(sheets, list):
        raise NotebookReadError(name, "nbformat 3 notebook without a 'worksheets' list")
    cells: list[Any] = []
    for sheet in sheets:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("cells", []), list):
            raise NotebookReadError(name, "nbformat 3 worksheet is not an object with a 'cells' list")
        cells.extend(sheet.get("cells", []))
    return cells


def _cell(index: int, raw: Any, name: str, fmt_major: int) -> Cell:
    where = f"cell {index + 1}"
    if not isinstance(raw, dict):
        raise NotebookReadError(name, f"{where} is a JSON {_kind(raw)}, not an object")
    kind = raw.get("cell_type")
    if kind is None:
        raise NotebookReadError(name, f"{where} has no 'cell_type'")
    if fmt_major == 3 and kind == "heading":
        level = raw.get("level", 1)
        src = _source(raw.get("source", ""), name, where)
        return Cell(index=index, cell_type="markdown",
                    source="#" * (level if isinstance(level, int) else 1) + " " + src,
                    metadata=_dict(raw.get("metadata")))
    if kind not in ("code", "markdown", "raw"):
        raise NotebookReadError(name, f"{where} has unknown cell_type {kind!r:.40}")
    key = "input" if fmt_major == 3 and kind == "code" else "source"
    if key not in raw:
        raise NotebookReadError(name, f"{where} has no '{key}'")
    source = _source(raw.get(key), name, where)
    count_key = "prompt_number" if fmt_major == 3 else "execution_count"
    count = raw.get(count_key)
    cell_id = raw.get("id")
    return Cell(
        index=index,
        cell_type=kind,
        source=source,
        id=cell_id if isinstance(cell_id, str) else None,
        execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        outputs=_outputs(raw.get("outputs")) if kind == "code" else [],
        metadata=_dict(raw.get("metadata")),
    )


def _source(value: Any, name: str, where: str) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list):
        if not all(isinstance(part, str) for part in value):
            raise NotebookReadError(name, f"{where}: 'source' list holds non-string items")
        text = "".join(value)
    elif value is None:
        raise NotebookReadError(name, f"{where}: 'source' is null")
    else:
        raise NotebookReadError(name, f"{where}: 'source' is a JSON {_kind(value)}, not text")
    # Notebook sources use \n; normalise stray \r\n so positions match what editors show.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _outputs(value: Any) -> list[Output]:
    if not isinstance(value, list):
        return []
    result = []
    for out in value:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        kind = kind if isinstance(kind, str) else "unknown"
        if kind == "pyerr":  # nbformat 3 spelling
            kind = "error"
        ename = out.get("ename") if isinstance(out.get("ename"), str) else None
        evalue = out.get("evalue") if isinstance(out.get("evalue"), str) else None
        result.append(Output(output_type=kind, size=_size(out), ename=ename, evalue=evalue))
    return result


def _size(value: Any, depth: int = 0) -> int:
    """Approximate serialised size without re-serialising (outputs can be tens of MB)."""
    if isinstance(value, str):
        return len(value)
    if depth > 50:
        return 0
    if isinstance(value, dict):
        return sum(len(k) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return sum(_size(v, depth + 1) for v in value)
    return 8


def _language(metadata: dict[str, Any], raw: dict[str, Any]) -> tuple[str, str | None]:
    info = _dict(metadata.get("language_info"))
    spec = _dict(metadata.get("kernelspec"))
    kernel = spec.get("name") if isinstance(spec.get("name"), str) else None
    for candidate in (info.get("name"), spec.get("language"), metadata.get("language")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip().lower(), kernel
    if kernel and not kernel.lower().startswith(("python", "ipython", "conda", "py")):
        # A named kernel with no language recorded: guess from the common kernels' names.
        for prefix, lang in (("ir", "r"), ("julia", "julia"), ("scala", "scala"), ("javascript", "javascript")):
            if kernel.lower().startswith(prefix):
                return lang, kernel
    return "python", kernel


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", int: "number", float: "number",
            bool: "boolean", type(None): "null"}.get(type(value), type(value).__name__)


def has_percent_cells(text: str) -> bool:
    return any(_PERCENT_MARKER.match(line) for line in text.splitlines())


def parse_percent_script(text: str, name: str = "<memory>.py") -> Notebook:
    """Split a percent-format script (`# %%` markers, as VS Code and jupytext write) into cells."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        m = _PERCENT_MARKER.match(line)
        if m:
            starts.append((i, m.group(1)))
    cells: list[Cell] = []
    bounds: list[tuple[int, int, str | None]] = []
    first = starts[0][0] if starts else len(lines)
    if any(line.strip() for line in lines[:first]):
        bounds.append((0, first, None))
    for n, (i, header) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        bounds.append((i + 1, end, header))
    for start, end, header in bounds:
        body = lines[start:end]
        while body and not body[-1].strip():
            body.pop()
        kind = "code"
        metadata: dict[str, Any] = {}
        if header is not None:
            km = _PERCENT_KIND.match(header)
            if km:
                kind = "raw" if km.group(1).lower() == "raw" else "markdown"
                header = header[km.end():]
            metadata = _percent_metadata(header)
        source = "\n".join(body)
        if kind != "code":
            source = "\n".join(re.sub(r"^# ?", "", line) for line in body)
        cells.append(Cell(index=len(cells), cell_type=kind, source=source, id=None,
                          metadata=metadata, file_line=start + 1))
    return Notebook(path=name, cells=cells, language="python", format="percent")


def _percent_metadata(header: str) -> dict[str, Any]:
    """jupytext-style `key=value` pairs after the marker; values are JSON when they parse."""
    metadata: dict[str, Any] = {}
    decoder = json.JSONDecoder()
    pos = 0
    while (m := _PERCENT_KEY.search(header, pos)) is not None:
        key, start = m.group(1), m.end()
        try:
            value, end = decoder.raw_decode(header, start)
        except ValueError:
            word = re.match(r"\S*", header[start:])
            value, end = (word.group(0) if word else ""), start + (word.end() if word else 0)
        metadata[key] = value
        pos = max(end, start + 1)
    return metadata
