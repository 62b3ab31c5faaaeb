"""Absolute path literals in a notebook, and the fix that makes them relative to a data directory."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...edits import import_insertion_point, insert_lines
from ...findings import Applicability, Edit, Fix
from .._incremental import memo


DATA_DIR = "DATA_DIR"
# Locations that exist on one person's machine or one hosted service only. Each prefix must be
# followed by at least one more path component (`/home/ana`, not `/home`).
_POSIX_PREFIX = re.compile(
    r"^/(?:home|Users|root|mnt|media|Volumes|content|kaggle|dbfs|gpfs|scratch)/[^/\s]")
_WINDOWS_PREFIX = re.compile(r"^(?:[A-Za-z]:[\\/]+[^\\/\s]|\\\\[^\\\s]+\\[^\\\s]+)")
_FILE_URL = re.compile(r"^file://(?:localhost)?(?=/)")
# Calls whose path argument must be a `str`: the import system skips other `sys.path` entries,
# `glob` slices its pattern, OpenCV accepts only `str` file names.
_STRING_ARGUMENTS = {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir",
                     "glob.glob", "glob.iglob", "cv2.imread", "cv2.imwrite", "cv2.VideoCapture",
                     "os.system"}
_ENV_LOOKUPS = {"os.environ.get", "os.getenv", "os.environ.setdefault"}
_MAX_LEN = 500
# A literal that starts with a path but goes on as a sentence is prose, not a path.
_PROSE = re.compile(r"\s(?:is|are|was|were|not|the|to|and|or|for|from|with|should|must|does)\s"
                    r"|[.!?:]$", re.IGNORECASE)


def path_kind(text: str) -> str | None:
    """'posix' or 'windows' when `text` is an absolute, machine-specific path; else None."""
    if not text or len(text) > _MAX_LEN or "\n" in text or "\t" in text:
        return None
    kind = None
    if _POSIX_PREFIX.match(text):
        kind = "posix"
    elif _WINDOWS_PREFIX.match(text):
        kind = "windows"
    else:
        m = _FILE_URL.match(text)
        if m and _POSIX_PREFIX.match(text[m.end():]):
            kind = "url"
    if kind is not None and " " in text and _PROSE.search(text):
        return None
    return kind


@dataclass
class PathLiteral:
    cell: Cell
    analysis: CellAnalysis
    node: ast.Constant | ast.JoinedStr
    text: str  # the value (for an f-string: its constant prefix)
    kind: str  # "posix" | "windows" | "url"

    @property
    def fstring(self) -> bool:
        return isinstance(self.node, ast.JoinedStr)


def _is_docstring(parent: ast.AST | None) -> bool:
    return isinstance(parent, ast.Expr)


def path_literals(ctx: LintContext) -> list[PathLiteral]:
    found: list[PathLiteral] = []
    qualname = ctx.analysis.qualname
    for cell, a in ctx.analysis.parsed():
        for node, text, kind, env_call in memo(a, "_portability_paths", _cell_path_literals):
            # `os.environ.get("DATA_DIR", "/home/ana/data")`: a default for a configurable setting.
            if env_call is not None and qualname(env_call.func) in _ENV_LOOKUPS:
                continue
            found.append(PathLiteral(cell, a, node, text, kind))
    return found


def _cell_path_literals(a: CellAnalysis) -> tuple:
    """(node, text, kind, call it is a default argument of) for a cell's path literals, in the
    order the rule reports them; depends on the cell's text only (kept on its analysis)."""
    found = []
    for node in a.nodes(ast.Constant):
        value = node.value
        # Cheap test first: most string constants are not paths at all.
        if not isinstance(value, str) or not value or not (
                value[0] in "/\\" or value[1:2] == ":" or value.startswith("file:")):
            continue
        kind = path_kind(value)
        if kind is None:
            continue
        parent = a.parent(node)
        if isinstance(parent, ast.JoinedStr) or _is_docstring(parent):
            continue
        env_call = parent if isinstance(parent, ast.Call) and node in parent.args[1:] else None
        found.append((node, value, kind, env_call))
    for node in a.nodes(ast.JoinedStr):
        first = node.values[0] if node.values else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        kind = path_kind(first.value)
        if kind is None:
            continue
        parent = a.parent(node)
        if isinstance(parent, ast.FormattedValue) or _is_docstring(parent):
            continue
        found.append((node, first.value, kind, None))
    return tuple(found)


# -- the data directory fix -----------------------------------------------------------------

def _flavour(kind: str):
    return PureWindowsPath if kind == "windows" else PurePosixPath


def _directory(text: str, kind: str, fstring: bool) -> str:
    """The directory a path literal lives in (the literal itself when it ends with a separator)."""
    sep = "\\/" if kind == "windows" else "/"
    if text.endswith(tuple(sep)) or fstring:
        cut = max(text.rfind(s) for s in sep)
        return text[:cut] if cut > 0 else text
    cut = max(text.rfind(s) for s in sep)
    return text[:cut] if cut > 0 else text


def _common_dir(dirs: list[str], kind: str) -> str | None:
    flavour = _flavour(kind)
    paths = [flavour(d) for d in dirs]
    common = paths[0].parts
    for p in paths[1:]:
        n = 0
        for x, y in zip(common, p.parts):
            if (x.lower() == y.lower()) if kind == "windows" else (x == y):
                n += 1
            else:
                break
        common = common[:n]
    # `/home`, `/Users/ana`'s parent or a bare drive are too broad to be a data directory.
    if len(common) >= 3:
        return str(flavour(*common))
    counted = Counter(str(p) for p in paths if len(p.parts) >= 3)
    return counted.most_common(1)[0][0] if counted else None


def _relative(text: str, data_dir: str, kind: str) -> str | None:
    """`text` relative to `data_dir` with '/' separators, or None when it is outside it."""
    norm = text.replace("\\", "/") if kind == "windows" else text
    base = data_dir.replace("\\", "/").rstrip("/") if kind == "windows" else data_dir.rstrip("/")
    if kind == "windows":
        norm_cmp, base_cmp = norm.lower(), base.lower()
    else:
        norm_cmp, base_cmp = norm, base
    while "//" in norm_cmp[1:]:  # `C:\\data\\x` written with doubled separators
        norm = norm[0] + norm[1:].replace("//", "/")
        norm_cmp = norm_cmp[0] + norm_cmp[1:].replace("//", "/")
    if norm_cmp.rstrip("/") == base_cmp:
        return ""
    if norm_cmp.startswith(base_cmp + "/"):
        return norm[len(base) + 1:]
    return None


def _py_string(text: str, quote: str = '"') -> str:
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if quote == "'":
        body = body.replace('\\"', '"').replace("'", "\\'")
    return quote + body + quote


def _string_context(ctx: LintContext, a: CellAnalysis, node: ast.AST) -> bool:
    """Would a `Path` break here? Operands, method receivers, subscripts, comparisons, and
    arguments that must be `str` (`sys.path` entries)."""
    parent = a.parent(node)
    if isinstance(parent, ast.Call) and node in parent.args:
        return ctx.analysis.qualname(parent.func) in _STRING_ARGUMENTS
    return isinstance(parent, (ast.BinOp, ast.Subscript, ast.Compare, ast.JoinedStr,
                               ast.FormattedValue)) or \
        (isinstance(parent, ast.Attribute) and parent.value is node)


def _assigned_name(a: CellAnalysis, node: ast.AST) -> str | None:
    parent = a.parent(node)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return targets[0].id
    return None


def _name_used_as_string(ctx: LintContext, name: str) -> bool:
    for _, a in ctx.analysis.parsed():
        for n in a.nodes(ast.Name):
            if n.id == name and isinstance(n.ctx, ast.Load) and _string_context(ctx, a, n):
                return True
    return False


def existing_data_dir(ctx: LintContext) -> tuple[bool, str | None]:
    """(is DATA_DIR defined, the default directory when defined as this rule's fix writes it)."""
    if DATA_DIR not in ctx.analysis.definitions:
        return False, None
    for _, a in ctx.analysis.parsed():
        for node in a.nodes(ast.Assign):
            if not any(isinstance(t, ast.Name) and t.id == DATA_DIR for t in node.targets):
                continue
            value = node.value
            if isinstance(value, ast.Call) and ctx.analysis.qualname(value.func) == "pathlib.Path" \
                    and value.args and isinstance(value.args[0], ast.Call) \
                    and ctx.analysis.qualname(value.args[0].func) in _ENV_LOOKUPS \
                    and len(value.args[0].args) == 2 \
                    and isinstance(value.args[0].args[1], ast.Constant) \
                    and isinstance(value.args[0].args[1].value, str):
                return True, value.args[0].args[1].value
    return True, None


def _local_import(ctx: LintContext, qualified: str) -> str | None:
    for local, qual in ctx.analysis.imports.items():
        if qual == qualified:
            return local
    return None


class DataDirFixer:
    """Rewrites path literals under one data directory to `DATA_DIR / "relative"`."""

    def __init__(self, ctx: LintContext, literals: list[PathLiteral]) -> None:
        self.ctx = ctx
        self.data_dir: str | None = None  # the directory literals under it are made relative to
        self.default: str | None = None  # DATA_DIR's value when the variable is not set
        self.kind = "posix"
        self.header: list[Edit] = []
        defined, existing = existing_data_dir(ctx)
        if defined:
            if existing is not None:
                self.data_dir, self.kind = existing, path_kind(existing) or "posix"
                self.default = existing
            return
        usable = [lit for lit in literals if lit.kind != "url"]
        if not usable:
            return
        self.kind = Counter(lit.kind for lit in usable).most_common(1)[0][0]
        dirs = [_directory(lit.text, lit.kind, lit.fstring) for lit in usable if lit.kind == self.kind]
        self.data_dir = _common_dir(dirs, self.kind)
        if self.data_dir is None:
            return
        # `data-dir` in the configuration is where the data lives for everyone else.
        self.default = ctx.config.data_dir or self.data_dir
        self.os_name = _local_import(ctx, "os") or "os"
        path_name = _local_import(ctx, "pathlib.Path")
        lines = []
        if _local_import(ctx, "os") is None:
            lines.append("import os")
        if path_name is None:
            lines.append("from pathlib import Path")
            path_name = "Path"
        lines.append(f"{DATA_DIR} = {path_name}({self.os_name}.environ.get("
                     f"{_py_string(DATA_DIR)}, {_py_string(self.default)}))")
        cell, line = import_insertion_point(ctx)
        fixable = [lit for lit in usable if self._relative(lit) is not None]
        earliest = min((lit.cell.index for lit in fixable), default=cell.index)
        foreign = cell.index not in ctx.analysis.cells or ctx.analysis.cells[cell.index].python.foreign
        if earliest < cell.index or foreign:  # a path is used above the imports: define it there
            cell, line = ctx.notebook.cells[earliest], 1
        if line == 1 and cell.source.lstrip().startswith("%%"):
            # A cell magic (`%%time`) must stay the cell's first line.
            lines_before = cell.source.split("\n")
            line = next(i for i, text in enumerate(lines_before) if text.strip()) + 2
        self.header = [insert_lines(cell, line, "\n".join(lines))]

    @property
    def os_local(self) -> str:
        return getattr(self, "os_name", None) or _local_import(self.ctx, "os") or "os"

    def _relative(self, lit: PathLiteral) -> str | None:
        if self.data_dir is None or lit.kind == "url" or lit.kind != self.kind:
            return None
        return _relative(lit.text, self.data_dir, lit.kind)

    def fix(self, lit: PathLiteral) -> Fix | None:
        rel = self._relative(lit)
        if rel is None:
            return None
        a = lit.analysis
        node = lit.node
        name = _assigned_name(a, node)
        as_string = _string_context(self.ctx, a, node) or \
            (name is not None and _name_used_as_string(self.ctx, name))
        if name == DATA_DIR:
            return None
        line, col, end_line, end_col = a.span(node)
        raw = self._source(a, line, col, end_line, end_col)
        quote = "'" if raw.lstrip("rRuUbBfF")[:1] == "'" else '"'
        if lit.fstring:
            argument = self._fstring_argument(raw)
            if argument is None:
                return None
            text = (f"{self.os_local}.path.join({DATA_DIR}, {argument})" if as_string
                    else f"{DATA_DIR} / {argument}")
        elif as_string:
            parts = [DATA_DIR]
            if rel:
                parts.append(_py_string(rel.rstrip("/"), quote))
            if lit.text.endswith(("/", "\\")):
                parts.append(quote * 2)
            text = (f"{self.os_local}.path.join({', '.join(parts)})" if len(parts) > 1
                    else f"str({DATA_DIR})")
        else:
            text = DATA_DIR if not rel.rstrip("/") else f"{DATA_DIR} / {_py_string(rel.rstrip('/'), quote)}"
        edit = Edit(lit.cell.index, line, col, end_line, end_col, text)
        return Fix(f"use `{DATA_DIR}` (from the environment variable, default "
                   f"{self.default}) instead of the absolute path",
                   (*self.header, edit), Applicability.UNSAFE)

    @staticmethod
    def _source(a: CellAnalysis, line: int, col: int, end_line: int, end_col: int) -> str:
        lines = a.source.split("\n")
        if line == end_line:
            return lines[line - 1][col:end_col]
        return "\n".join([lines[line - 1][col:], *lines[line:end_line - 1], lines[end_line - 1][:end_col]])

    def _fstring_argument(self, raw: str) -> str | None:
        """`f"/home/a/data/{x}.csv"` -> `f"{x}.csv"`: drop the data directory from the prefix."""
        m = re.match(r"^([rRfF]{1,2})(['\"])", raw)
        if m is None or raw[m.end():m.end() + 2] == m.group(2) * 2 or self.data_dir is None:
            return None  # triple-quoted or implicitly concatenated: leave it to a person
        body = raw[m.end():]
        base = self.data_dir.rstrip("/\\")
        for sep in ("/", "\\"):
            if body.startswith(base + sep):
                return m.group(1) + m.group(2) + body[len(base) + 1:]
        return None  # escapes in the prefix: the source text differs from the value
