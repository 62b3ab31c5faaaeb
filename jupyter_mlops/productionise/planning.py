"""Plan an extraction: stages and their signatures, functions to move, parameters to lift,
artifacts, dropped lines. Reads only (ast); writes nothing. The codegen step follows the plan.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..analysis import CellCache, NotebookAnalysis
from ..analysis.cell import DEFAULT_CACHE
from ..analysis.names import is_provided
from ..notebook.model import Cell, Notebook
from .errors import Problem
from .model import (
    Artifact,
    DroppedLine,
    FunctionInfo,
    Parameter,
    ProductionisePlan,
    Stage,
    StageParam,
)
from .statements import DEFAULT_FACTS_CACHE, CellFacts, FactsCache, Stmt

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_STAGE_TAG = re.compile(r"^stage[:=](.+)$")
PARAMETERS_TAG = "parameters"
_SECRET = re.compile(r"(?i)(token|secret|passw(or)?d|api_?key|private_?key|credential|access_?key)")


@dataclass
class PlacedStmt:
    """A statement in the plan, with the fate the plan gave it."""

    cell: Cell
    stmt: Stmt
    fate: str  # "code" | "import" | "module" (moved to functions.py) | "param" | "drop"
    reason: str = ""


@dataclass
class StagePlan:
    stage: Stage
    statements: list[PlacedStmt] = field(default_factory=list)
    maybe_unbound: set[str] = field(default_factory=set)
    needs_output_dir: bool = False


@dataclass
class Blueprint:
    """Everything codegen needs: the public plan plus the statement-level decisions."""

    plan: ProductionisePlan
    notebook: Notebook
    facts: dict[int, CellFacts]
    placed: dict[int, list[PlacedStmt]]
    stages: list[StagePlan]
    module_functions: list[PlacedStmt]
    kwargs: dict[str, list[str]]  # moved function -> keyword params added
    imports: dict[str, str]  # alias -> qualified name
    import_lines: dict[str, str]  # alias -> import statement
    param_fields: dict[str, Parameter]  # notebook variable -> parameter
    seed_vars: dict[tuple[str, int], str]  # (kind, value) -> variable
    read_vars: dict[str, str]  # literal input path -> variable
    artifact_literals: dict[str, str]  # written literal -> path under the output directory
    result_names: list[str]
    requirements: list[str]
    output_var: str = "output_dir"
    extra_writes: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    star_names: set[str] = field(default_factory=set)
    star_lines: list[str] = field(default_factory=list)
    secret_names: set[str] = field(default_factory=set)  # secrets and values computed from them


def slug(text: str) -> str:
    text = re.sub(r"[`*_~\[\]()]", " ", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    text = re.sub(r"^[0-9_]+", "", text)
    return text[:40].strip("_")


def package_name(notebook_path: str, name: str | None) -> str:
    raw = name or Path(notebook_path).stem
    pkg = re.sub(r"[^0-9A-Za-z_]+", "_", raw).strip("_").lower()
    if not pkg or pkg[0].isdigit():
        pkg = "nb_" + pkg
    if keyword.iskeyword(pkg):
        pkg += "_pkg"
    return pkg


def notebook_hash(nb: Notebook) -> str:
    h = hashlib.sha256()
    for c in nb.cells:
        h.update(c.cell_type.encode())
        h.update(b"\0")
        h.update(c.source.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _field_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W+", "_", name).strip("_").lower() or "value"
    if base[0].isdigit():
        base = "p_" + base
    if keyword.iskeyword(base) or base in ("params", "output_dir", "replace"):
        base += "_"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def _type_name(value: Any) -> str:
    return type(value).__name__


def _lint_problems(nb: Notebook, cache: CellCache | None) -> list[Problem]:
    from ..linter.config import LintConfig
    from ..linter.engine import lint_notebook
    config = LintConfig(select=("syntax-error", "unsupported-kernel", "use-before-define",
                                "undefined-name"))
    problems = []
    for f in lint_notebook(nb, config, cache):
        if f.severity.value == "error" or f.rule in ("use-before-define", "undefined-name",
                                                     "syntax-error", "unsupported-kernel"):
            problems.append(Problem(f.message, f.cell, f.cell_id, f.line, f.rule))
    return problems


def build_blueprint(nb: Notebook, out_dir: str, name: str | None = None,
                    cell_cache: CellCache | None = None,
                    facts_cache: FactsCache | None = None) -> Blueprint:
    cell_cache = cell_cache or DEFAULT_CACHE
    facts_cache = facts_cache or DEFAULT_FACTS_CACHE
    pkg = package_name(nb.path, name)
    plan = ProductionisePlan(notebook=nb.path, package=pkg, out_dir=str(out_dir),
                             notebook_hash=notebook_hash(nb))
    if not nb.is_python:
        plan.problems = _lint_problems(nb, cell_cache) or [
            Problem(f"the notebook's kernel language is {nb.language!r}; only Python notebooks "
                    "can be productionised", rule="unsupported-kernel")]
        return _empty(plan, nb)
    analysis = NotebookAnalysis.build(nb, cell_cache)
    imports = dict(analysis.imports)
    key = tuple(sorted(imports.items()))
    facts: dict[int, CellFacts] = {}
    for cell, a in analysis.code():
        facts[cell.index] = facts_cache.get(a, imports, key)
    if any(f.syntax_error for f in facts.values()):
        plan.problems = [p for p in _lint_problems(nb, cell_cache) if p.rule == "syntax-error"] or [
            Problem(f"syntax error: {f.syntax_error[1]}", i, nb.cells[i].id, f.syntax_error[0],
                    "syntax-error") for i, f in facts.items() if f.syntax_error]
        return _empty(plan, nb)
    return _Planner(nb, plan, facts, imports, cell_cache).run()


def _empty(plan: ProductionisePlan, nb: Notebook) -> Blueprint:
    return Blueprint(plan, nb, {}, {}, [], [], {}, {}, {}, {}, {}, {}, set(), [], [])


class _Planner:
    def __init__(self, nb: Notebook, plan: ProductionisePlan, facts: dict[int, CellFacts],
                 imports: dict[str, str], cell_cache: CellCache) -> None:
        self.nb = nb
        self.plan = plan
        self.facts = facts
        self.imports = imports
        self.cell_cache = cell_cache
        self.cells = {c.index: c for c in nb.cells}
        self.import_lines: dict[str, str] = {}
        self.star_lines: list[str] = []
        for i, f in facts.items():
            for s in f.stmts:
                if s.kind == "import":
                    for line in s.import_lines:
                        if line.endswith("import *"):
                            self.star_lines.append(line)
                            continue
                        alias = line.split(" as ")[-1].split()[-1] if " as " in line else (
                            line.split()[-1] if line.startswith("from") else line.split()[1].split(".")[0])
                        self.import_lines.setdefault(alias, line)

    # -- helpers --------------------------------------------------------------------------
    def all_stmts(self):
        for cell in self.nb.cells:
            f = self.facts.get(cell.index)
            if f is None:
                continue
            for s in f.stmts:
                yield cell, s

    def run(self) -> Blueprint:
        nb, plan = self.nb, self.plan
        params_cell = next((c.index for c in nb.code_cells if PARAMETERS_TAG in c.tags), None)
        bind_count: dict[str, int] = {}
        mutated: set[str] = set()
        for _, s in self.all_stmts():
            if s.kind == "drop":
                continue
            for n in s.binds:
                bind_count[n] = bind_count.get(n, 0) + 1
            mutated.update(s.mutates)
            mutated.update(s.deletes)
        write_names = {n for _, s in self.all_stmts() for n in s.write_names}
        read_names = {n for _, s in self.all_stmts() for n in s.read_names}

        # 1. functions that can move to functions.py
        defs = {s.name: (c, s) for c, s in self.all_stmts() if s.kind in ("def", "class")}
        movable = {n for n, (c, s) in defs.items()
                   if bind_count.get(n, 0) == 1 and n not in mutated and not s.writes_global}
        reasons: dict[str, str] = {}
        for n, (c, s) in defs.items():
            if bind_count.get(n, 0) != 1 or n in mutated:
                reasons[n] = "defined more than once; kept in its stage"
            elif s.writes_global:
                reasons[n] = "assigns globals (`global`); kept in its stage"
        while True:
            data = lambda x: not (x in movable or x in self.imports or is_provided(x))
            changed = False
            for n in sorted(movable):
                c, s = defs[n]
                bad = [x for x in s.def_time_reads if data(x)]
                if s.kind == "class":
                    bad += [x for x in s.deferred if data(x)]
                if bad:
                    movable.discard(n)
                    reasons[n] = f"reads {', '.join(sorted(set(bad)))} when defined; kept in its stage"
                    changed = True
            if not changed:
                break
        data = lambda x: not (x in movable or x in self.imports or is_provided(x))
        direct = {n: [x for x in defs[n][1].deferred if data(x) and x != n] for n in movable}
        calls = {n: [x for x in defs[n][1].deferred if x in movable and x != n] for n in movable}
        kwargs = {n: list(dict.fromkeys(direct[n])) for n in movable}
        while True:
            changed = False
            for n in movable:
                for g in calls[n]:
                    for k in kwargs[g]:
                        if k not in kwargs[n]:
                            kwargs[n].append(k)
                            changed = True
            if not changed:
                break
        self.kwargs = kwargs
        self.movable = movable

        # 2. fate of every statement
        placed: dict[int, list[PlacedStmt]] = {}
        taken = set(bind_count) | set(self.imports)
        fields_taken: set[str] = set()
        param_fields: dict[str, Parameter] = {}
        for cell in nb.code_cells:
            f = self.facts.get(cell.index)
            if f is None:
                continue
            row = []
            saves = any(s.saves_figure for s in f.stmts)
            for s in f.stmts:
                if s.kind == "drop":
                    row.append(PlacedStmt(cell, s, "drop", s.reason))
                elif s.kind == "import":
                    row.append(PlacedStmt(cell, s, "import", s.reason))
                elif s.kind in ("def", "class") and s.name in movable:
                    row.append(PlacedStmt(cell, s, "module", "moved to functions.py"))
                elif s.plot and not saves:
                    row.append(PlacedStmt(cell, s, "drop", s.reason))
                elif s.literal and (cell.index == params_cell or (
                        (s.literal[0].isupper() or bind_count.get(s.literal[0]) == 1)
                        and s.literal[0] not in mutated and not s.literal[0].startswith("_"))):
                    var, value = s.literal
                    if var in param_fields:
                        row.append(PlacedStmt(cell, s, "code"))
                        continue
                    role = ("secret" if isinstance(value, str) and _SECRET.search(var) else
                            "artifact" if var in write_names and isinstance(value, str) else
                            "input" if var in read_names and isinstance(value, str) else "")
                    origin = ("parameters cell" if cell.index == params_cell else
                              {"artifact": "artifact path", "input": "input path"}.get(role, "constant"))
                    if role == "secret":  # never copied into generated code: read from the environment
                        origin, value = "secret (from the environment)", ""
                    param_fields[var] = Parameter(_field_name(var, fields_taken), var, value,
                                                  _type_name(value), origin, cell.index, s.line, role)
                    row.append(PlacedStmt(cell, s, "param", f"lifted to config.Params ({origin})"))
                else:
                    row.append(PlacedStmt(cell, s, "code"))
            placed[cell.index] = row
        # A kept statement must not read what only a dropped plotting statement defines.
        while True:
            needed = {n for row in placed.values() for p in row if p.fate == "code"
                      for n in (*p.stmt.uses, *p.stmt.deferred)}
            undrop = [p for row in placed.values() for p in row
                      if p.fate == "drop" and p.stmt.plot and set(p.stmt.binds) & needed]
            if not undrop:
                break
            for p in undrop:
                p.fate, p.reason = "code", ""

        # Path("dir") bound to a name the notebook writes through: the literal is an artifact
        self.extra_writes: dict[tuple[int, int], set[str]] = {}
        for row in placed.values():
            for p in row:
                if p.fate == "code" and p.stmt.path_literal and p.stmt.path_literal[0] in write_names:
                    self.extra_writes.setdefault((p.cell.index, p.stmt.line), set()).add(p.stmt.path_literal[1])
        self.output_var = "output_dir"
        while self.output_var in taken:
            self.output_var += "_"
        # 3. seeds and literal paths become parameters too
        seed_vars: dict[tuple[str, int], str] = {}
        read_vars: dict[str, str] = {}
        artifact_literals: dict[str, str] = {}
        for row in placed.values():
            for p in row:
                if p.fate != "code":
                    continue
                for kind, value in p.stmt.seeds:
                    if (kind, value) not in seed_vars:
                        var = _field_name(kind if kind != "seed" else "seed", taken | fields_taken)
                        taken.add(var)
                        seed_vars[(kind, value)] = var
                        fields_taken.add(var)
                        param_fields[var] = Parameter(var, var, value, "int", "seed", p.cell.index, p.stmt.line)
                for lit in p.stmt.reads:
                    if lit not in read_vars and not lit.startswith(("http://", "https://", "s3://", "gs://")):
                        var = _field_name(slug(PurePosixPath(lit).name) + "_path", taken | fields_taken)
                        taken.add(var)
                        fields_taken.add(var)
                        read_vars[lit] = var
                        param_fields[var] = Parameter(var, var, lit, "str", "input path", p.cell.index, p.stmt.line, "input")
                for lit in (*p.stmt.writes, *self.extra_writes.get((p.cell.index, p.stmt.line), ())):
                    if lit.startswith(("http://", "https://", "s3://", "gs://")) or lit in artifact_literals:
                        continue
                    # absolute paths are relocated too: the package writes only under its output dir
                    rel = PurePosixPath(lit).name if PurePosixPath(lit).is_absolute() else lit
                    if not rel or rel in ("/", ".") or ".." in PurePosixPath(rel).parts:
                        continue
                    artifact_literals[lit] = rel
                    plan.artifacts.append(Artifact(rel, p.cell.index, p.stmt.line,
                                                   "literal" if rel == lit else f"relocated from {lit}"))
        for var, prm in param_fields.items():
            if prm.role == "artifact":
                rel = PurePosixPath(str(prm.value))
                plan.artifacts.append(Artifact(rel.name if rel.is_absolute() else str(rel), prm.cell,
                                               prm.line, f"constant {var}"))
        plan.parameters = list(param_fields.values())
        plan.input_files = sorted({str(p.value) for p in plan.parameters if p.role == "input"})

        # 4. stages
        stages = self._stages(placed, params_cell, taken | set(movable))
        blueprint = Blueprint(plan, nb, self.facts, placed, stages,
                              [p for row in placed.values() for p in row if p.fate == "module"],
                              kwargs, self.imports, self.import_lines, param_fields, seed_vars,
                              read_vars, artifact_literals, [], [], self.output_var,
                              self.extra_writes, set(), list(self.star_lines))
        self._flow(blueprint)
        self._report(blueprint, defs, reasons)
        if plan.problems:
            # Prefer the linter's wording where it points at the same place.
            lint = [p for p in _lint_problems(nb, self.cell_cache)
                    if p.rule in ("use-before-define", "undefined-name")]
            covered = {(p.cell, p.line) for p in lint}
            plan.problems = lint + [p for p in plan.problems if (p.cell, p.line) not in covered]
        return blueprint

    def _stages(self, placed: dict[int, list[PlacedStmt]], params_cell: int | None,
                taken: set[str]) -> list[StagePlan]:
        hinted = any(c.cell_type == "markdown" and _HEADING.search(c.source) for c in self.nb.cells) \
            or any(_STAGE_TAG.match(t) for c in self.nb.cells for t in c.tags)
        groups: list[tuple[str, list[Cell]]] = []
        current: tuple[str, list[Cell]] | None = None
        for cell in self.nb.cells:
            if cell.cell_type == "markdown":
                m = _HEADING.search(cell.source)
                if m and hinted:
                    current = (slug(m.group(1)), [])
                    groups.append(current)
                continue
            if cell.cell_type != "code" or cell.index == params_cell and not any(
                    p.fate == "code" for p in placed.get(cell.index, [])):
                continue
            tag = next((m.group(1) for t in cell.tags if (m := _STAGE_TAG.match(t))), None)
            if tag is not None and (current is None or current[0] != slug(tag)):
                current = (slug(tag), [])
                groups.append(current)
            elif not hinted or current is None:
                current = ("", [])
                groups.append(current)
            current[1].append(cell)
        stages: list[StagePlan] = []
        used: set[str] = set()
        for label, cells in groups:
            stmts = [p for c in cells for p in placed.get(c.index, []) if p.fate == "code"]
            if not stmts:
                continue
            base = label or "stage"
            if base in taken or base in used or keyword.iskeyword(base) or base in ("run", "pipeline", "config", "functions"):
                base = f"{base}_stage"
            nm, n = base, 2
            while nm in used or nm in taken:
                nm, n = f"{base}_{n}", n + 1
            if not label:
                nm = f"stage_{len(stages) + 1}"
                while nm in used or nm in taken:
                    nm += "_"
            used.add(nm)
            stage = Stage(name=nm, module=nm, cells=[c.index for c in cells])
            stages.append(StagePlan(stage, stmts))
        return stages

    def _flow(self, bp: Blueprint) -> None:
        providers: dict[str, tuple[str, int]] = {}  # name -> ("params", -1) | ("stage", k)
        hints: dict[str, str] = {}
        for var, prm in bp.param_fields.items():
            providers[var] = ("params", -1)
            hints[var] = prm.type
        last_binding: dict[str, Stmt] = {}
        stage_inputs: list[dict[str, tuple[str, int]]] = []
        problems = self.plan.problems
        for k, sp in enumerate(bp.stages):
            local: set[str] = set()
            bound_any = {n for p in sp.statements for n in p.stmt.binds}
            definite: set[str] = set()
            inputs: dict[str, tuple[str, int]] = {}
            deferred: list[tuple[PlacedStmt, str]] = []

            def need(name: str, p: PlacedStmt, later_ok: bool = False) -> None:
                if name in local or (later_ok and name in bound_any):
                    return
                if name in self.movable:
                    for kw in self.kwargs.get(name, []):
                        need(kw, p, later_ok)
                    return
                if name in providers:
                    prm = bp.param_fields.get(name) if providers[name][0] == "params" else None
                    artificial = prm is not None and (prm.origin == "seed" or name in bp.read_vars.values())
                    if prm is not None and not artificial:
                        if not later_ok and (prm.cell, prm.line) > (p.cell.index, p.stmt.line):
                            problems.append(Problem(
                                f"`{name}` is read here but only defined below (cell {prm.cell} line {prm.line})",
                                p.cell.index, p.cell.id, p.stmt.line, "use-before-define"))
                    if name not in inputs:
                        inputs[name] = providers[name]
                    return
                if name in self.imports or is_provided(name):
                    return
                if name in inputs:
                    return
                if self.star_lines:
                    bp.star_names.add(name)  # presumably from `from m import *`
                    return
                problems.append(Problem(
                    f"`{name}` is read here but nothing above defines it in the extracted code"
                    + (" (it is only defined by dropped lines)" if any(
                        name in s.binds for _, s in self.all_stmts()) else ""),
                    p.cell.index, p.cell.id, p.stmt.line, "use-before-define"))
                inputs[name] = ("missing", -1)

            for p in sp.statements:
                s = p.stmt
                for n in s.uses:
                    need(n, p)
                for n in s.deferred:
                    deferred.append((p, n))
                for (kind, value) in s.seeds:
                    var = bp.seed_vars.get((kind, value))
                    if var:
                        need(var, p)
                for lit in s.reads:
                    var = bp.read_vars.get(lit)
                    if var:
                        need(var, p)
                if any(w in bp.artifact_literals for w in (*s.writes, *bp.extra_writes.get((p.cell.index, s.line), ()))):
                    sp.needs_output_dir = True
                for n in s.deletes:
                    local.discard(n)
                    definite.discard(n)
                for n in s.binds:
                    local.add(n)
                    last_binding[n] = s
                    if s.hints.get(n):
                        hints[n] = s.hints[n]
                    if not s.conditional:
                        definite.add(n)
                    elif n not in definite and n not in inputs:
                        sp.maybe_unbound.add(n)
            for p, n in deferred:
                need(n, p, later_ok=True)
            # global writes in inline functions need the name bound in the stage (nonlocal)
            for p in sp.statements:
                if p.stmt.kind == "def" and p.stmt.writes_global:
                    for n in p.stmt.uses:
                        need(n, p)
            sp.stage.params = [StageParam(n, hints.get(n, ""), "params" if src[0] == "params"
                                          else f"stage:{bp.stages[src[1]].stage.name}" if src[0] == "stage"
                                          else src[0]) for n, src in inputs.items()]
            if sp.needs_output_dir:
                sp.stage.params.append(StageParam(bp.output_var, "str", "output_dir"))
            stage_inputs.append(inputs)
            changed = {n for p in sp.statements for n in (*p.stmt.binds, *p.stmt.mutates)}
            deleted = {n for p in sp.statements for n in p.stmt.deletes} - local
            for n in deleted:
                providers.pop(n, None)
            for n in changed:
                if n in local or n in inputs:
                    providers[n] = ("stage", k)
        # outputs: what later stages read, plus plain-looking values at the end (results)
        outputs: list[list[str]] = [[] for _ in bp.stages]
        for inputs in stage_inputs:
            for n, (kind, k) in inputs.items():
                if kind == "stage" and n not in outputs[k]:
                    outputs[k].append(n)
        # values computed from a secret are never captured, stored or returned
        tainted = {v for v, prm in bp.param_fields.items() if prm.role == "secret"}
        for row in bp.placed.values():
            for p in row:
                if p.fate == "code" and set(p.stmt.uses + p.stmt.deferred) & tainted:
                    tainted.update(p.stmt.binds)
                    tainted.update(p.stmt.mutates)
        bp.secret_names = tainted
        results = []
        for n, (kind, k) in providers.items():
            if n in tainted:
                continue
            s = last_binding.get(n)
            plain = s.plain.get(n, "no") if s else ("yes" if kind == "params" else "no")
            if n.startswith("_") or n in self.movable or plain == "no":
                continue
            if kind == "params" and not bp.param_fields[n].is_result:
                continue  # artificial names, or paths the package relocates: not results
            results.append(n)
            if kind == "stage" and n not in outputs[k]:
                outputs[k].append(n)
        order = {n: i for i, (_, s) in enumerate(self.all_stmts()) for n in s.binds}
        for k, sp in enumerate(bp.stages):
            outs = sorted(outputs[k], key=lambda n: order.get(n, 1 << 30))
            sp.stage.returns = [StageParam(n, hints.get(n, "")) for n in outs]
            sp.maybe_unbound &= set(outs)
        bp.result_names = sorted(results, key=lambda n: order.get(n, 1 << 30))
        self.plan.results = list(bp.result_names)

    def _report(self, bp: Blueprint, defs, reasons) -> None:
        plan, nb = self.plan, self.nb
        used = {n for row in bp.placed.values() for p in row if p.fate in ("code", "module")
                for n in (*p.stmt.uses, *p.stmt.deferred, *p.stmt.def_time_reads)}
        seen: set[str] = set()
        aliases: set[str] = set()
        for row in bp.placed.values():
            for p in row:
                if p.fate != "import":
                    continue
                star = [line for line in p.stmt.import_lines if line.endswith("import *")]
                if star and not bp.star_names and len(star) == len(p.stmt.import_lines):
                    p.fate, p.reason = "drop", "star import no extracted code needs"
                    continue
                if p.stmt.import_lines and not star and (set(p.stmt.import_lines) <= seen
                                                         or set(p.stmt.imported) <= aliases):
                    p.fate, p.reason = "drop", "duplicate import (each module imports a name once)"
                    continue
                seen.update(p.stmt.import_lines)
                aliases.update(p.stmt.imported)
                if p.fate == "import" and not set(p.stmt.imported) & used \
                        and not any(line.endswith("import *") for line in p.stmt.import_lines):
                    p.fate, p.reason = "drop", "import not used by the extracted code"
        plan.stages = [sp.stage for sp in bp.stages]
        for n, (c, s) in defs.items():
            plan.functions.append(FunctionInfo(
                n, "class" if s.kind == "class" else "function", c.index, s.line,
                list(self.kwargs.get(n, [])), "module" if n in self.movable else "inline",
                reasons.get(n, "")))
        for cell in nb.code_cells:
            f = self.facts.get(cell.index)
            if f is None:
                continue
            lines = cell.source.split("\n")
            drops = list(f.dropped)
            for p in bp.placed.get(cell.index, []):
                if p.fate == "drop":
                    for ln in (*p.stmt.comments, *p.stmt.lines):
                        if ln - 1 < len(lines) and lines[ln - 1].strip():
                            drops.append((ln, p.reason))
            for ln, reason in sorted(drops):
                plan.dropped.append(DroppedLine(cell.index, cell.id, ln,
                                                lines[ln - 1] if ln - 1 < len(lines) else "", reason))
        reqs: list[str] = []
        for f in self.facts.values():
            reqs.extend(f.requirements)
        bp.requirements = list(dict.fromkeys(reqs))
        plan.dependencies = list(bp.requirements)
        pkg = plan.package
        files = ["pyproject.toml", "README.md", "CHANGELOG.md", "provenance.json",
                 f"src/{pkg}/__init__.py", f"src/{pkg}/__main__.py", f"src/{pkg}/_runtime.py",
                 f"src/{pkg}/config.py", f"src/{pkg}/functions.py", f"src/{pkg}/pipeline.py",
                 f"src/{pkg}/stages/__init__.py"]
        files += [f"src/{pkg}/stages/{sp.stage.module}.py" for sp in bp.stages]
        files += ["tests/conftest.py", "tests/test_golden.py", "tests/test_stages.py",
                  "tests/golden/results.json", "tests/golden/stages.pkl"]
        files += [f"tests/data/{PurePosixPath(p).as_posix().lstrip('./')}" for p in plan.input_files
                  if not PurePosixPath(p).is_absolute()]
        plan.files = files
