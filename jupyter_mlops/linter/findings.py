"""What a lint run returns: findings, their fixes and the edits that make a fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Applicability(str, Enum):
    SAFE = "safe"  # keeps behaviour a user relies on; applied by --fix
    UNSAFE = "unsafe"  # may change behaviour; applied only with --unsafe-fixes


@dataclass(frozen=True)
class Edit:
    """Replace the text of one cell between two positions (1-based lines, 0-based columns)."""

    cell: int
    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def to_dict(self) -> dict[str, Any]:
        # Spelt out: `asdict` deep-copies field by field, and every diagnostic an editor gets carries one.
        return {"cell": self.cell, "line": self.line, "column": self.column, "end_line": self.end_line,
                "end_column": self.end_column, "content": self.content}


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "applicability": self.applicability.value,
                "edits": [e.to_dict() for e in self.edits]}


@dataclass
class Finding:
    rule: str
    code: str
    severity: Severity
    message: str
    cell: int | None = None
    cell_id: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    fix: Fix | None = None
    hint: str | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (-1 if self.cell is None else self.cell, self.line or 0, self.column or 0, self.code)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape from DESIGN.md."""
        return {
            "rule": self.rule, "code": self.code, "severity": self.severity.value,
            "message": self.message, "cell": self.cell, "cell_id": self.cell_id,
            "line": self.line, "column": self.column, "end_line": self.end_line,
            "end_column": self.end_column, "fix": self.fix.to_dict() if self.fix else None,
        }


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    # The notebook the findings refer to, for doors that show source lines (not serialised).
    notebook: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "error": self.error,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class LintReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "files": [r.to_dict() for r in self.files]}
