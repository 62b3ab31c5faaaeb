"""The one notebook model every part of the engine works on.

Positions are always inside a cell: (cell index, cell id, 1-based line, 0-based column),
with the cell index counted among all cells, markdown included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

CellType = Literal["code", "markdown", "raw"]


@dataclass
class Output:
    """A saved output, reduced to what the analysis needs."""

    output_type: str
    size: int  # bytes of its JSON serialisation, approximately
    ename: str | None = None
    evalue: str | None = None


@dataclass(eq=False)  # cells are compared by identity: two cells with equal text are still two cells
class Cell:
    index: int
    cell_type: CellType
    source: str
    id: str | None = None
    execution_count: int | None = None
    outputs: list[Output] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # First line of this cell's source in the file it came from (1-based); used by doors that
    # must show file positions (percent-format scripts, SARIF).
    file_line: int | None = None

    @property
    def tags(self) -> list[str]:
        tags = self.metadata.get("tags") or []
        return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"

    @property
    def lines(self) -> list[str]:
        return self.source.split("\n")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Notebook:
    path: str
    cells: list[Cell]
    language: str = "python"
    kernel_name: str | None = None
    nbformat: int = 4
    nbformat_minor: int = 5
    metadata: dict[str, Any] = field(default_factory=dict)
    # "ipynb" or "percent" (a .py script with `# %%` cell markers).
    format: str = "ipynb"

    @property
    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.cell_type == "code"]

    @property
    def is_python(self) -> bool:
        return self.language.lower() in {"python", "python3", "python2", "ipython", "ipython3"}

    @property
    def was_executed(self) -> bool:
        """True when at least one code cell has a non-zero saved execution count."""
        return any(c.execution_count for c in self.code_cells)

    @classmethod
    def from_sources(cls, sources: list[str], path: str = "<memory>.ipynb",
                     cell_types: list[CellType] | None = None) -> "Notebook":
        """Build an unexecuted notebook from cell sources (used by the API, LSP and tests)."""
        kinds = cell_types or ["code"] * len(sources)
        cells = [Cell(index=i, cell_type=k, source=s, id=f"cell-{i}")
                 for i, (s, k) in enumerate(zip(sources, kinds))]
        return cls(path=path, cells=cells)
