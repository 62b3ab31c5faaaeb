"""Typed errors of the productionise engine; each message is one line meant for the user."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import JupyterMlopsError


@dataclass(frozen=True)
class Problem:
    """One reason a notebook cannot be extracted, pointing at a cell."""

    message: str
    cell: int | None = None
    cell_id: str | None = None
    line: int | None = None
    rule: str | None = None

    def where(self) -> str:
        if self.cell is None:
            return ""
        text = f"cell {self.cell}"
        if self.cell_id:
            text += f" ({self.cell_id})"
        if self.line is not None:
            text += f" line {self.line}"
        return text

    def __str__(self) -> str:
        where = self.where()
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.message}{rule}" if where else f"{self.message}{rule}"

    def to_dict(self) -> dict:
        return {"message": self.message, "cell": self.cell, "cell_id": self.cell_id,
                "line": self.line, "rule": self.rule}


class ProductioniseError(JupyterMlopsError):
    """Productionise could not run (bad output directory, bad package name, ...)."""


class Cancelled(ProductioniseError):
    """The caller cancelled the run."""

    def __init__(self) -> None:
        super().__init__("productionise cancelled")
