"""`# noqa` comments on a line and `noqa:CODE` cell tags."""

from __future__ import annotations

import re
from functools import lru_cache

from ..notebook.model import Notebook
from .findings import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?", re.IGNORECASE)


def _parse_codes(text: str | None) -> set[str] | None:
    """None means 'everything'."""
    if not text:
        return None
    return {c.strip().lower() for c in re.split(r"[\s,]+", text) if c.strip()}


def _matches(finding: Finding, codes: set[str] | None) -> bool:
    return codes is None or finding.code.lower() in codes or finding.rule in codes


@lru_cache(maxsize=1024)  # a line with many findings is searched once, not once per finding
def line_noqa(line_text: str) -> set[str] | None | bool:
    """False when the line has no noqa comment; else the set of codes (None = all)."""
    m = _NOQA.search(line_text)
    if not m:
        return False
    return _parse_codes(m.group("codes"))


def cell_noqa(tags: list[str]) -> list[set[str] | None]:
    out: list[set[str] | None] = []
    for tag in tags:
        t = tag.strip()
        if t.lower() == "noqa":
            out.append(None)
        elif t.lower().startswith("noqa:"):
            out.append(_parse_codes(t[5:]))
    return out


def is_suppressed(finding: Finding, notebook: Notebook) -> bool:
    if finding.cell is None or finding.cell >= len(notebook.cells):
        return False
    cell = notebook.cells[finding.cell]
    if any(_matches(finding, codes) for codes in cell_noqa(cell.tags)):
        return True
    if finding.line is None:
        return False
    lines = _lines(cell.source)
    if not 0 < finding.line <= len(lines):
        return False
    codes = line_noqa(lines[finding.line - 1])
    return codes is not False and _matches(finding, codes)  # type: ignore[arg-type]


@lru_cache(maxsize=8)
def _lines(source: str) -> list[str]:
    # Splitting once per cell, not once per finding: a huge cell with many findings stays linear.
    return source.split("\n")
