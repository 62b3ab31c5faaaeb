"""What productionise plans and what it returns (dataclasses; `to_dict()` gives JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Problem


@dataclass(frozen=True)
class StageParam:
    name: str
    hint: str = ""  # type hint text, "" when unknown
    source: str = ""  # "params" | "stage:<name>" | "output_dir" | "functions"


@dataclass
class Stage:
    name: str
    module: str  # module name under <package>/stages/
    cells: list[int]
    params: list[StageParam] = field(default_factory=list)
    returns: list[StageParam] = field(default_factory=list)

    def signature(self) -> str:
        args = ", ".join(f"{p.name}: {p.hint}" if p.hint else p.name for p in self.params)
        if not self.returns:
            ret = "None"
        elif len(self.returns) == 1:
            ret = self.returns[0].hint or "Any"
        else:
            ret = "tuple[" + ", ".join(r.hint or "Any" for r in self.returns) + "]"
        return f"{self.name}({args}) -> {ret}"


@dataclass
class FunctionInfo:
    name: str
    kind: str  # "function" | "class"
    cell: int
    line: int
    added_keywords: list[str] = field(default_factory=list)  # globals it read, now keyword params
    placement: str = "module"  # "module" (functions.py) | "inline" (stays in its stage) + reason
    reason: str = ""

    def signature(self) -> str:
        extra = ", ".join(self.added_keywords)
        return f"{self.name}(..., *, {extra})" if extra else f"{self.name}(...)"


@dataclass
class Parameter:
    field: str  # field of the Params dataclass
    name: str  # the notebook variable it feeds
    value: Any
    type: str
    origin: str  # "parameters cell" | "constant" | "seed" | "input path" | "artifact path"
    cell: int
    line: int
    role: str = ""  # "input" (a file it reads) | "artifact" (a path it writes) | "" (a value)

    @property
    def is_result(self) -> bool:
        """Lifted seeds and relocated paths are configuration, not results of the notebook."""
        return self.origin != "seed" and self.role not in ("input", "artifact", "secret")


@dataclass
class Artifact:
    path: str  # relative to the output directory
    cell: int
    line: int
    via: str  # "literal" | "constant <NAME>"


@dataclass
class DroppedLine:
    cell: int
    cell_id: str | None
    line: int
    text: str
    reason: str


@dataclass
class ProductionisePlan:
    notebook: str
    package: str
    out_dir: str
    notebook_hash: str
    stages: list[Stage] = field(default_factory=list)
    functions: list[FunctionInfo] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    dropped: list[DroppedLine] = field(default_factory=list)
    results: list[str] = field(default_factory=list)  # candidate result names (plain at run time)
    dependencies: list[str] = field(default_factory=list)
    input_files: list[str] = field(default_factory=list)  # notebook-relative files it reads
    files: list[str] = field(default_factory=list)  # files that would be written (relative)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The plan as text, for people."""
        out = [f"Plan for {self.notebook} -> package {self.package} in {self.out_dir}"]
        if self.problems:
            out.append("Cannot productionise:")
            out += [f"  {p}" for p in self.problems]
            return "\n".join(out)
        out.append("Stages:")
        out += [f"  {s.signature()}    # cells {', '.join(map(str, s.cells))}" for s in self.stages]
        if self.functions:
            out.append("Functions and classes:")
            out += [f"  {f.signature()}  [{f.placement}{': ' + f.reason if f.reason else ''}]"
                    for f in self.functions]
        if self.parameters:
            out.append("Parameters (config.Params):")
            out += [f"  {p.field}: {p.type} = {p.value!r}  ({p.origin}; cell {p.cell} line {p.line})"
                    for p in self.parameters]
        if self.artifacts:
            out.append("Artifacts (under the output directory):")
            out += [f"  {a.path}  (cell {a.cell} line {a.line})" for a in self.artifacts]
        if self.dependencies:
            out.append("Dependencies from pip install lines: " + ", ".join(self.dependencies))
        out.append(f"Results: {', '.join(self.results) or '(none)'}")
        if self.dropped:
            out.append("Dropped lines:")
            out += [f"  cell {d.cell} line {d.line}: {d.text.strip()[:60]}  -- {d.reason}"
                    for d in self.dropped]
        out.append("Files that would be written:")
        out += [f"  {f}" for f in self.files]
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for stage, sd in zip(self.stages, data["stages"]):
            sd["signature"] = stage.signature()
        for fn, fd in zip(self.functions, data["functions"]):
            fd["signature"] = fn.signature()
        data["ok"] = self.ok
        return data


@dataclass
class TestOutcome:
    ran: bool
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.ran and self.failed == 0 and self.errors == 0 and self.passed > 0


@dataclass
class Conflict:
    path: str  # relative to the package directory
    message: str
    generated_copy: str  # where the new generated text was put for the user to merge


@dataclass
class ProductioniseResult:
    success: bool
    message: str
    package_dir: str
    package: str
    version: str
    files_written: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    tests: TestOutcome = field(default_factory=lambda: TestOutcome(ran=False))
    checked: bool = True
    plan: ProductionisePlan | None = None
    problems: list[Problem] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)  # captured from the notebook run

    def summary(self) -> str:
        out = [self.message]
        out += [f"  {p}" for p in self.problems if str(p) not in self.message]
        out += [f"  conflict: {c.message}" for c in self.conflicts]
        if self.merged:
            out.append("  kept your edits (merged): " + ", ".join(self.merged))
        if self.tests.ran and not self.tests.ok:
            out.append(self.tests.output_tail[-2000:])
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["plan"] = self.plan.to_dict() if self.plan else None
        data["tests"]["ok"] = self.tests.ok
        return data
