"""Shell commands inside notebook cells, split into words that keep their source positions.

`!pip install x`, `%pip install x`, `x = !cmd` and the body of `%%bash` / `%%sh` /
`%%script bash` cells all run shell commands. Rules about installs and directory changes need
the words of those commands (quotes removed, as the shell sees them) and, for fixes, where each
word's text sits in the cell. `shlex` gives the first but not the second, so this is a small
position-keeping tokenizer with the same quoting rules.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from ...analysis import CellAnalysis
from ...notebook.ipython import Magic
from ...notebook.model import Cell
from ..context import LintContext

SHELL_CELL_MAGICS = {"bash", "sh", "zsh", "system"}
_SHELLS = {"bash", "sh", "zsh", "dash", "ksh"}
# Line magics that hand their arguments to a shell (or to a tool that is a command anyway).
COMMAND_MAGICS = {"pip", "conda", "mamba", "micromamba", "uv", "sx", "system"}
_PREFIX = re.compile(r"[ \t]*(?:[\w.]+[ \t]*=[ \t]*)?(?:!!?|%(?=\w))")
_OPERATORS = ";|&"


@dataclass(frozen=True)
class Word:
    """One shell word: its value as the shell sees it and the span of its raw text."""

    text: str
    raw: str
    line: int  # 1-based, in the cell
    col: int  # 0-based characters
    end_line: int
    end_col: int

    @property
    def dynamic(self) -> bool:
        """True when IPython or the shell fills part of it in (`{var}`, `$var`)."""
        return any(c in self.text for c in "{$`")


@dataclass(frozen=True)
class ShellCommand:
    """One simple command (no `&&`, `;` or `|` inside it)."""

    cell: Cell
    analysis: CellAnalysis
    words: tuple[Word, ...]
    magic: Magic | None  # the `!` line, `%pip` line or `%%bash` cell; None for `subprocess` calls
    # True when the command is the whole special line (no `&&`, `;`, `|` around it).
    alone: bool = True

    @property
    def values(self) -> list[str]:
        return [w.text for w in self.words]


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(source):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # last line start <= offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, offset - starts[lo]


def tokenize(text: str, start: int = 0, end: int | None = None,
             newline_separates: bool = True) -> list[list[tuple[str, int, int]]]:
    """Split `text[start:end]` into simple commands of (value, raw start, raw end) words.

    Quotes and backslashes follow POSIX shell rules; `#` at the start of a word begins a
    comment; backslash-newline continues a line. Redirections are kept as words (callers skip
    them); `pandas>=1.0` stays one word, which is what a reader of the line means by it.
    """
    end = len(text) if end is None else end
    commands: list[list[tuple[str, int, int]]] = [[]]
    i = start
    while i < end:
        c = text[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and i + 1 < end and text[i + 1] == "\n":
            i += 2
            continue
        if c == "\n":
            if newline_separates and commands[-1]:
                commands.append([])
            i += 1
            continue
        if c == "#":
            while i < end and text[i] != "\n":
                i += 1
            continue
        if c in _OPERATORS:
            while i < end and text[i] in _OPERATORS:
                i += 1
            if commands[-1]:
                commands.append([])
            continue
        begin = i
        value: list[str] = []
        while i < end:
            c = text[i]
            if c in " \t\r\n" or c in _OPERATORS:
                break
            if c == "\\":
                if i + 1 < end and text[i + 1] == "\n":
                    break
                value.append(text[i + 1] if i + 1 < end else "")
                i += 2
                continue
            if c == "'":
                close = text.find("'", i + 1, end)
                close = end if close < 0 else close
                value.append(text[i + 1:close])
                i = close + 1
                continue
            if c == '"':
                i += 1
                while i < end and text[i] != '"':
                    if text[i] == "\\" and i + 1 < end and text[i + 1] in '"\\$`\n':
                        if text[i + 1] != "\n":
                            value.append(text[i + 1])
                        i += 2
                        continue
                    value.append(text[i])
                    i += 1
                i += 1
                continue
            value.append(c)
            i += 1
        commands[-1].append(("".join(value), begin, min(i, end)))
    return [c for c in commands if c]


def _words(source: str, starts: list[int], raw: list[tuple[str, int, int]]) -> tuple[Word, ...]:
    out = []
    for value, s, e in raw:
        line, col = _position(starts, s)
        end_line, end_col = _position(starts, e)
        out.append(Word(value, source[s:e], line, col, end_line, end_col))
    return tuple(out)


def is_shell_cell(magic: Magic | None) -> bool:
    if magic is None:
        return False
    if magic.name in SHELL_CELL_MAGICS:
        return True
    if magic.name == "script":
        first = magic.args.split()[:1]
        return bool(first) and first[0].rsplit("/", 1)[-1] in _SHELLS
    return False


def commands_in_cell(cell: Cell, analysis: CellAnalysis) -> Iterator[ShellCommand]:
    """Every shell command a code cell runs, from `!` lines, command magics and shell cells."""
    python = analysis.python
    if not python.magics:
        return
    source = cell.source
    starts = _line_starts(source)
    cell_magic = python.cell_magic
    if python.foreign:
        if not is_shell_cell(cell_magic):
            return
        assert cell_magic is not None
        begin = starts[cell_magic.line] if cell_magic.line < len(starts) else len(source)
        for raw in tokenize(source, begin):
            yield ShellCommand(cell, analysis, _words(source, starts, raw), cell_magic)
        return
    for magic in python.magics:
        if magic.kind == "system" or (magic.kind == "line_magic" and magic.name in COMMAND_MAGICS):
            line_start = starts[magic.line - 1]
            end_line = max(magic.end_line, magic.line)
            stop = starts[end_line] - 1 if end_line < len(starts) else len(source)
            m = _PREFIX.match(source, line_start, stop)
            if m is None:
                continue
            begin = m.end()
            if magic.kind == "line_magic" and magic.name in ("sx", "system"):
                begin += len(magic.name)  # `%system cmd` runs cmd
            commands = tokenize(source, begin, stop)
            for raw in commands:
                yield ShellCommand(cell, analysis, _words(source, starts, raw), magic,
                                   alone=len(commands) == 1)


def shell_commands(ctx: LintContext) -> Iterator[ShellCommand]:
    for cell, analysis in ctx.analysis.code():
        yield from commands_in_cell(cell, analysis)
    yield from subprocess_commands(ctx)


_SUBPROCESS = {"subprocess.run", "subprocess.call", "subprocess.check_call",
               "subprocess.check_output", "subprocess.Popen", "os.system", "os.popen"}
_SUBPROCESS_NAMES = frozenset(n.rsplit(".", 1)[1] for n in _SUBPROCESS)


def calls_ending(ctx: LintContext, last: frozenset[str] | set[str]):
    """Calls whose callee is spelled `...x` for x in `last`, with their qualified names.

    Resolving every call's qualified name is the expensive part of `ctx.calls()`; a rule that
    looks for a few functions filters on the final name first. Aliases still resolve:
    `from os import chdir as cd` is caught by looking for `cd`'s import, so the filter also
    admits local names imported under another name.
    """
    aliases = {local for local, qual in ctx.analysis.imports.items()
               if qual.rsplit(".", 1)[-1] in last and local not in last}
    wanted = set(last) | aliases
    for cell, a in ctx.analysis.parsed():
        code = a.python.code
        # A quick text test first: ASCII code that never spells a wanted name has no such call
        # (the parser normalises non-ASCII identifiers, so those cells are always looked at).
        if code.isascii() and not any(name in code for name in wanted):
            continue
        for call in a.nodes(ast.Call):
            func = call.func
            spelled = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else None
            if spelled in wanted:
                yield cell, a, call, ctx.analysis.qualname(func)


def subprocess_commands(ctx: LintContext) -> Iterator[ShellCommand]:
    """`subprocess.check_call([sys.executable, "-m", "pip", "install", "x"])`, `os.system(...)`."""
    for cell, a, call, name in calls_ending(ctx, _SUBPROCESS_NAMES):
        if name not in _SUBPROCESS or not call.args:
            continue
        arg = call.args[0]
        words: list[Word] = []
        if isinstance(arg, (ast.List, ast.Tuple)):
            for elt in arg.elts:
                line, col, end_line, end_col = a.span(elt)
                raw = _text(a.source, line, col, end_line, end_col)
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    words.append(Word(elt.value, raw, line, col, end_line, end_col))
                else:
                    # `sys.executable` is a Python; anything else is filled in at run time.
                    text = "python" if ctx.analysis.qualname(elt) == "sys.executable" else "{?}"
                    words.append(Word(text, raw, line, col, end_line, end_col))
            yield ShellCommand(cell, a, tuple(words), None)
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            # A command string: its words have no positions of their own, so no fix edits them.
            line, col, end_line, end_col = a.span(arg)
            for raw_words in tokenize(arg.value):
                yield ShellCommand(cell, a, tuple(Word(v, "", line, col, end_line, end_col)
                                                  for v, _, _ in raw_words), None)


def _text(source: str, line: int, col: int, end_line: int, end_col: int) -> str:
    lines = source.split("\n")
    if line == end_line:
        return lines[line - 1][col:end_col]
    return "\n".join([lines[line - 1][col:], *lines[line:end_line - 1], lines[end_line - 1][:end_col]])
