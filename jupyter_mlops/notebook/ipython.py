"""Turn IPython cell syntax into plain Python with the same line numbers.

IPython's own input transformer does the translation; we call it one special line at a time so
that every line keeps its number (the whole-cell transform folds backslash continuations and
turns cell magics into one string). Magics are also recorded, so rules about `%pip`, `%cd` or
`%run` read them directly instead of digging through `get_ipython()` calls.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

# Cell magics whose body is Python: analyse the body, drop the magic line.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "pypy"}
# Line magics that wrap a Python statement: analyse the statement.
PYTHON_LINE_MAGICS = {"time", "timeit", "prun"}

_SPECIAL = re.compile(r"^\s*(?:[%!?/,;]|[\w.]+\s*=\s*[%!])|\?\s*$")
_ASSIGN_MAGIC = re.compile(r"^(\s*)([\w.]+\s*=\s*)([%!].*)$")
_LINE_MAGIC = re.compile(r"^\s*%(?!%)(\w+)\s?(.*)$")
_SYSTEM = re.compile(r"^\s*!!?(.*)$")


@dataclass(frozen=True)
class Magic:
    """One IPython special line: a line magic, a shell escape or help request."""

    line: int  # 1-based line in the cell where it starts
    kind: str  # "line_magic" | "cell_magic" | "system" | "help" | "autocall"
    name: str  # magic name ("pip", "cd", "run", ...) or "system" / "help"
    args: str  # everything after the name (the shell command for "system")
    end_line: int = 0  # last line it spans (backslash continuations)


@dataclass
class PythonSource:
    """A cell's source as Python, line-aligned with the original."""

    code: str
    magics: list[Magic] = field(default_factory=list)
    cell_magic: Magic | None = None
    # Set when the cell is not Python at all (`%%bash`, `%%html`, ...): no analysis.
    foreign: bool = False
    # Lines whose text the transformer replaced; positions on them span the whole line.
    changed_lines: frozenset[int] = frozenset()
    # Extra column offset for lines where a wrapping magic (`%time stmt`) was removed.
    col_shift: dict[int, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _manager():
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager()


@lru_cache(maxsize=4096)
def _translate(line: str) -> str:
    """IPython's translation of one special line. The same few lines (`%matplotlib inline`,
    `!pip install ...`) recur in every notebook, and IPython takes ~150 us per line."""
    return _manager().transform_cell(line).rstrip("\n")


def looks_like_ipython(source: str) -> bool:
    return source.lstrip().startswith("%%") or any(_SPECIAL.search(l) for l in source.split("\n"))


def to_python(source: str) -> PythonSource:
    """Translate IPython syntax to Python. Call only when `ast.parse` fails on the raw source."""
    lines = source.split("\n")
    magics: list[Magic] = []
    changed: set[int] = set()
    shift: dict[int, int] = {}
    cell_magic = None
    start = 0
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        first = next(i for i, l in enumerate(lines) if l.strip())
        header = lines[first].strip()[2:]
        name, _, args = header.partition(" ")
        body = "\n".join(lines[first + 1:])
        cell_magic = Magic(line=first + 1, kind="cell_magic", name=name, args=args.strip(),
                           end_line=len(lines))
        if name not in PYTHON_CELL_MAGICS:
            return PythonSource(code="\n" * (len(lines) - 1), cell_magic=cell_magic, foreign=True,
                                magics=[cell_magic])
        magics.append(cell_magic)
        lines[first] = _capture_binding(name, args)
        changed.add(first + 1)
        start = first + 1
        del body
    i = start
    while i < len(lines):
        line = lines[i]
        if not _SPECIAL.search(line):
            i += 1
            continue
        # Join backslash continuations of a special line, then blank the continuation lines.
        j = i
        joined = line
        while joined.endswith("\\") and j + 1 < len(lines):
            j += 1
            joined = joined[:-1] + " " + lines[j].strip()
        indent = line[: len(line) - len(line.lstrip())]
        magic = _describe(joined.strip(), i + 1, j + 1)
        if magic is not None and magic.kind == "line_magic" and magic.name in PYTHON_LINE_MAGICS \
                and magic.args.strip() and j == i:
            # `%time stmt`: analyse stmt itself, shifted to where it starts in the line.
            col = line.index(magic.args.strip())
            lines[i] = indent + magic.args.strip()
            shift[i + 1] = col - len(indent)
            magics.append(magic)
            i = j + 1
            continue
        try:
            translated = _translate(joined.strip())
        except Exception:  # IPython raises assorted errors on odd input; leave the line as is.
            i = j + 1
            continue
        if "\n" in translated or translated == joined.strip():
            i = j + 1
            continue
        lines[i] = indent + translated
        for k in range(i, j + 1):
            changed.add(k + 1)
            if k > i:
                lines[k] = ""
        if magic is not None:
            magics.append(magic)
        i = j + 1
    return PythonSource(code="\n".join(lines), magics=magics, cell_magic=cell_magic,
                        changed_lines=frozenset(changed), col_shift=shift)


def _capture_binding(name: str, args: str) -> str:
    """`%%capture out` binds `out`; keep that definition visible to the analysis."""
    if name == "capture":
        words = [w for w in args.split() if not w.startswith("-")]
        if words and words[0].isidentifier():
            return f"{words[0]} = None"
    return ""


def _describe(text: str, line: int, end_line: int) -> Magic | None:
    m = _ASSIGN_MAGIC.match(text)
    if m:
        text = m.group(3)
    sm = _SYSTEM.match(text)
    if sm:
        return Magic(line, "system", "system", sm.group(1).strip(), end_line)
    lm = _LINE_MAGIC.match(text)
    if lm:
        return Magic(line, "line_magic", lm.group(1), lm.group(2).strip(), end_line)
    if text.startswith("?") or text.endswith("?"):
        return Magic(line, "help", "help", text.strip("?"), end_line)
    if text[:1] in "/,;":
        return Magic(line, "autocall", "autocall", text[1:], end_line)
    return None


def shell_words(command: str) -> list[str]:
    """Split a shell command the way a shell would, tolerating unbalanced quotes."""
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()
