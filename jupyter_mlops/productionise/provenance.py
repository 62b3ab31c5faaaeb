"""Where every generated line came from, and what was dropped: `provenance.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Segment:
    """Generated lines `start`..`end` of a file came from `cell_lines` of one cell."""

    cell: int
    cell_id: str | None
    cell_hash: str
    cell_lines: tuple[int, int]
    how: str  # kept | transformed | moved | lifted | import | stage call
    start: int = 0
    end: int = 0
    cells: list[int] = field(default_factory=list)

    def copy(self) -> Segment:
        return Segment(self.cell, self.cell_id, self.cell_hash, self.cell_lines, self.how,
                       cells=list(self.cells))

    def to_dict(self) -> dict[str, Any]:
        data = {"lines": [self.start, self.end], "cell": self.cell, "cell_id": self.cell_id,
                "cell_hash": self.cell_hash, "cell_lines": list(self.cell_lines), "how": self.how}
        if self.cells:
            data["cells"] = self.cells
        return data


def build_provenance(plan, notebook, files: dict[str, list[Segment]], version: str) -> str:
    data = {
        "format": 1,
        "generator": "jupyter-mlops productionise",
        "notebook": notebook.path.rsplit("/", 1)[-1],
        "notebook_hash": plan.notebook_hash,
        "package": plan.package,
        "version": version,
        "cells": [{"index": c.index, "id": c.id, "type": c.cell_type, "hash": c.content_hash}
                  for c in notebook.cells],
        "files": {path: [s.to_dict() for s in segs] for path, segs in sorted(files.items()) if segs},
        "dropped": [{"cell": d.cell, "cell_id": d.cell_id, "line": d.line, "text": d.text,
                     "reason": d.reason} for d in plan.dropped],
    }
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def covered_lines(provenance: dict[str, Any]) -> dict[int, dict[int, str]]:
    """cell index -> {line: status} for every notebook line the provenance accounts for."""
    out: dict[int, dict[int, str]] = {}
    for segs in provenance["files"].values():
        for s in segs:
            if s["how"] == "stage call":
                continue
            a, b = s["cell_lines"]
            for ln in range(a, b + 1):
                out.setdefault(s["cell"], {}).setdefault(ln, s["how"])
    for d in provenance["dropped"]:
        out.setdefault(d["cell"], {})[d["line"]] = "dropped: " + d["reason"]
    return out
