"""Generate the package's code modules from a blueprint, with provenance for every line."""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field

from .planning import Blueprint, PlacedStmt, StagePlan
from .provenance import Segment
from .rewrite import RewriteSpec, rewrite

INDENT = "    "
# Lifted parameters that are not results: artificial names, and paths the package relocates.
NOT_RESULTS = ("seed", "input path", "artifact path")


@dataclass
class GeneratedFile:
    path: str  # relative to the package directory
    text: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chunk:
    """A piece of generated code that came from the notebook."""

    text: str
    placed: PlacedStmt | None
    lines: tuple[int, int]  # cell lines it covers
    how: str


class Writer:
    """Collects lines and the notebook origin of each."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.segments: list[Segment] = []

    def add(self, text: str, origin: Segment | None = None) -> None:
        new = text.split("\n")
        start = len(self.lines) + 1
        self.lines.extend(new)
        if origin is not None:
            origin.start, origin.end = start, start + len(new) - 1
            self.segments.append(origin)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


def _string_lines(code: str) -> set[int]:
    """1-based lines that start inside a multi-line string (they must not be re-indented)."""
    inside: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0] or sys.version_info >= (3, 12) and tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1) \
                    and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return inside


def indent(code: str, prefix: str = INDENT) -> str:
    keep = _string_lines(code)
    out = []
    for i, line in enumerate(code.split("\n"), 1):
        out.append(line if (i in keep or not line.strip()) else prefix + line)
    return "\n".join(out)


def statement_text(bp: Blueprint, p: PlacedStmt) -> tuple[str, tuple[int, int]]:
    facts = bp.facts[p.cell.index]
    lines = facts.code.split("\n")
    src = p.cell.source.split("\n")
    # comments are read from the original cell: the Python view may blank magic lines
    def comment(ln: int) -> str:
        return src[ln - 1].strip() if ln - 1 < len(src) else ""

    parts = [comment(ln) for ln in p.stmt.comments if ln < p.stmt.line]
    parts.extend(lines[p.stmt.line - 1:p.stmt.end_line])
    parts += [comment(ln) for ln in p.stmt.comments if ln > p.stmt.end_line]
    first = min((*p.stmt.comments, p.stmt.line))
    last = max((*p.stmt.comments, p.stmt.end_line))
    return "\n".join(parts).rstrip(), (first, last)


def _spec(bp: Blueprint, p: PlacedStmt, *, in_module: bool = False) -> RewriteSpec:
    s = p.stmt
    referenced = {*s.uses, *s.deferred, *s.def_time_reads}
    return RewriteSpec(
        # only functions this statement can reach: most statements then skip libcst entirely
        kwargs={k: v for k, v in bp.kwargs.items() if v and k in referenced},
        seeds={key: bp.seed_vars[key] for key in s.seeds if key in bp.seed_vars},
        reads={lit: bp.read_vars[lit] for lit in s.reads if lit in bp.read_vars},
        writes={lit: bp.artifact_literals[lit]
                for lit in (*s.writes, *bp.extra_writes.get((p.cell.index, s.line), ()))
                if lit in bp.artifact_literals},
        output_var=bp.output_var,
        nonlocal_globals=(not in_module and s.kind == "def" and s.writes_global),
        add_params={s.name: bp.kwargs[s.name]} if in_module and s.name and bp.kwargs.get(s.name) else {},
    )


def _segment(p: PlacedStmt, lines: tuple[int, int], how: str) -> Segment:
    return Segment(cell=p.cell.index, cell_id=p.cell.id, cell_hash=p.cell.content_hash,
                   cell_lines=lines, how=how)


def _chunk(bp: Blueprint, p: PlacedStmt, in_module: bool = False) -> tuple[Chunk, set[str]]:
    text, lines = statement_text(bp, p)
    out = rewrite(text, _spec(bp, p, in_module=in_module))
    how = "transformed" if out.changed else "kept"
    if in_module:
        how = "moved" + (" and transformed" if out.changed else "")
    return Chunk(out.code, p, lines, how), out.needs


def _names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _header(bp: Blueprint, used: set[str], needs: set[str], local_functions: bool,
            w: Writer, module_doc: str, extra: list[str] = ()) -> None:
    w.add(f'"""{module_doc}"""')
    w.add("")
    w.add("from __future__ import annotations")
    w.add("")
    std = []
    if "os" in needs and "os" not in bp.import_lines:
        std.append("import os")
    if "functools" in needs and "functools" not in bp.import_lines:
        std.append("import functools")
    if "Any" in used and "Any" not in bp.import_lines:
        std.append("from typing import Any")
    for line in std:
        w.add(line)
    origins = _import_origins(bp)
    lines = [(alias, line) for alias, line in bp.import_lines.items() if alias in used]
    if used & bp.star_names:
        lines += [("*", line) for line in bp.star_lines]
    if lines:
        if std:
            w.add("")
        for alias, line in lines:
            origin = origins.get(alias) or origins.get(line)
            w.add(line, origin.copy() if origin else None)
    funcs = sorted(n for n in used if n in bp.kwargs) if local_functions else []
    if funcs or extra:
        w.add("")
        if funcs:
            w.add(f"from ..functions import {', '.join(funcs)}")
        for line in extra:
            w.add(line)


def _import_origins(bp: Blueprint) -> dict[str, Segment]:
    found: dict[str, Segment] = {}
    for row in bp.placed.values():
        for p in row:
            if p.fate == "import":
                seg = _segment(p, (min((*p.stmt.comments, p.stmt.line)),
                                   max((*p.stmt.comments, p.stmt.end_line))), "import")
                for alias in p.stmt.imported:
                    found.setdefault(alias, seg)
                for line in p.stmt.import_lines:
                    found.setdefault(line, seg)
    return found


def _hint(bp: Blueprint, hint: str) -> str:
    """Keep a hint only when its root name can be imported in the generated module."""
    if not hint:
        return ""
    if hint in ("int", "float", "str", "bool", "dict", "list", "tuple"):
        return hint
    root = hint.split(".")[0]
    return hint if root in bp.import_lines or root in bp.kwargs else ""


def render_stage(bp: Blueprint, sp: StagePlan) -> GeneratedFile:
    st = sp.stage
    chunks, needs = [], set()
    for p in sp.statements:
        c, n = _chunk(bp, p)
        chunks.append(c)
        needs |= n
    params = []
    for prm in st.params:
        h = _hint(bp, prm.hint)
        params.append(f"{prm.name}: {h}" if h else prm.name)
    rets = [(r.name, _hint(bp, r.hint)) for r in st.returns]
    if not rets:
        ret_hint = "None"
    elif len(rets) == 1:
        ret_hint = rets[0][1] or "Any"
    else:
        ret_hint = "tuple[" + ", ".join(h or "Any" for _, h in rets) + "]"
    body = "\n".join(c.text for c in chunks)
    used = _names(body) | {h.split(".")[0] for h in [*(p.split(": ", 1)[1] for p in params if ": " in p), ret_hint]
                           if h} | ({"Any"} if "Any" in ret_hint else set())
    ret_exprs = [f'locals().get("{n}", MISSING)' if n in sp.maybe_unbound else n for n, _ in rets]
    w = Writer()
    cells = ", ".join(str(c) for c in st.cells)
    extra = ["from .._runtime import MISSING"] if sp.maybe_unbound & {n for n, _ in rets} else []
    _header(bp, used, needs, True, w,
            f"Stage `{st.name}`: notebook cell{'s' if len(st.cells) > 1 else ''} {cells}. "
            "Generated by jupyter-mlops productionise.",
            extra)
    w.add("")
    w.add("")
    sig = f"def {st.name}({', '.join(params)}) -> {ret_hint}:"
    if len(sig) > 99:
        sig = f"def {st.name}(\n" + "".join(f"{INDENT}{p},\n" for p in params) + f") -> {ret_hint}:"
    w.add(sig)
    w.add(f'{INDENT}"""Cell{"s" if len(st.cells) > 1 else ""} {cells} of the notebook."""')
    for c in chunks:
        w.add(indent(c.text), _segment(c.placed, c.lines, c.how))
    if len(ret_exprs) == 1:
        w.add(f"{INDENT}return {ret_exprs[0]}")
    elif ret_exprs:
        line = f"{INDENT}return {', '.join(ret_exprs)}"
        if len(line) > 99:
            line = f"{INDENT}return (\n" + "".join(f"{INDENT * 2}{e},\n" for e in ret_exprs) + f"{INDENT})"
        w.add(line)
    return GeneratedFile(f"src/{bp.plan.package}/stages/{st.module}.py", w.text(), w.segments)


def render_functions(bp: Blueprint) -> GeneratedFile:
    chunks, needs = [], set()
    for p in bp.module_functions:
        c, n = _chunk(bp, p, in_module=True)
        chunks.append(c)
        needs |= n
    body = "\n\n\n".join(c.text for c in chunks)
    used = _names(body)
    w = Writer()
    _header(bp, used, needs, False, w,
            "The notebook's own functions and classes. Globals they read are keyword parameters.")
    for c in chunks:
        w.add("")
        w.add("")
        w.add(c.text, _segment(c.placed, c.lines, c.how))
    if not chunks:
        w.add("")
        w.add("# The notebook defines no functions or classes that could move here.")
    return GeneratedFile(f"src/{bp.plan.package}/functions.py", w.text(), w.segments)


def render_config(bp: Blueprint) -> GeneratedFile:
    w = Writer()
    w.add('"""Parameters of the pipeline: the notebook\'s `parameters` cell and the hard-coded\n'
          'paths, seeds and constants lifted out of its code. Generated by jupyter-mlops."""')
    w.add("")
    w.add("from __future__ import annotations")
    w.add("")
    w.add("from dataclasses import dataclass")
    w.add("")
    w.add("")
    w.add("@dataclass(frozen=True)")
    w.add("class Params:")
    w.add(f'{INDENT}"""Run `python -m {bp.plan.package} --set FIELD=VALUE` to override a field."""')
    w.add("")
    origins: dict[tuple[int, int], PlacedStmt] = {}
    for row in bp.placed.values():
        for p in row:
            origins[(p.cell.index, p.stmt.line)] = p
    for prm in bp.plan.parameters:
        p = origins.get((prm.cell, prm.line))
        comment = f"  # {prm.origin}" + (f" `{prm.name}`" if prm.name != prm.field else "")
        seg = None
        if p is not None:
            how = "lifted" if p.fate == "param" else "lifted from a literal"
            lines = ((min((*p.stmt.comments, p.stmt.line)), max((*p.stmt.comments, p.stmt.end_line)))
                     if p.fate == "param" else (p.stmt.line, p.stmt.line))
            seg = _segment(p, lines, how)
        w.add(f"{INDENT}{prm.field}: {prm.type} = {prm.value!r}{comment}", seg)
    if not bp.plan.parameters:
        w.add(f"{INDENT}pass")
    w.add("")
    w.add("")
    names = {prm.field: prm.name for prm in bp.plan.parameters}
    w.add("# notebook variable fed by each field")
    w.add(f"VARIABLES = {json.dumps(names, indent=4)}")
    arts = sorted({a.path for a in bp.plan.artifacts})
    w.add("")
    w.add("# files the pipeline writes, relative to its output directory")
    w.add(f"ARTIFACTS = {json.dumps(arts, indent=4)}")
    inputs = sorted(prm.field for prm in bp.plan.parameters if prm.role == "input")
    w.add("")
    w.add("# fields that name input files (relative paths are relative to the working directory)")
    w.add(f"INPUT_PATHS = {json.dumps(inputs)}")
    return GeneratedFile(f"src/{bp.plan.package}/config.py", w.text().replace("\n]", ",\n]").replace(
        "[,\n]", "[]").replace("\n}", ",\n}").replace("{,\n}", "{}"), w.segments)


def render_pipeline(bp: Blueprint) -> GeneratedFile:
    w = Writer()
    pkg = bp.plan.package
    w.add('"""The notebook as one function: `run(params) -> results`. Generated by jupyter-mlops."""')
    w.add("")
    w.add("from __future__ import annotations")
    w.add("")
    w.add("import os")
    w.add("from typing import Any")
    w.add("")
    w.add("from ._runtime import plain_results, under")
    w.add("from .config import ARTIFACTS, Params")
    for sp in bp.stages:
        w.add(f"from .stages.{sp.stage.module} import {sp.stage.name}")
    w.add("")
    w.add("")
    w.add('def run(params: Params | None = None, output_dir: str | os.PathLike[str] = "outputs") -> dict[str, Any]:')
    w.add(f'{INDENT}"""Run every stage in notebook order; return the notebook\'s plain top-level values.')
    w.add("")
    w.add(f"{INDENT}Files the notebook wrote are written under `output_dir` (see config.ARTIFACTS).")
    w.add(f'{INDENT}"""')
    w.add(f"{INDENT}_params = Params() if params is None else params")
    w.add(f"{INDENT}_output_dir = os.fspath(output_dir)")
    w.add(f"{INDENT}for _artifact in ARTIFACTS:")
    w.add(f"{INDENT * 2}os.makedirs(os.path.dirname(os.path.join(_output_dir, _artifact)) or _output_dir, exist_ok=True)")
    for prm in bp.plan.parameters:
        if prm.role == "artifact":
            w.add(f"{INDENT}{prm.name} = under(_output_dir, _params.{prm.field})")
        elif prm.role == "secret":
            w.add(f'{INDENT}{prm.name} = _params.{prm.field} or os.environ.get("{prm.name}", "")')
        else:
            w.add(f"{INDENT}{prm.name} = _params.{prm.field}")
    for sp in bp.stages:
        st = sp.stage
        args = ", ".join(f"{p.name}=_output_dir" if p.source == "output_dir" else f"{p.name}={p.name}"
                         for p in st.params)
        call = f"{st.name}({args})"
        outs = [r.name for r in st.returns]
        if not outs:
            line = f"{INDENT}{call}"
        elif len(outs) == 1:
            line = f"{INDENT}{outs[0]} = {call}"
        else:
            line = f"{INDENT}{', '.join(outs)} = {call}"
        if len(line) > 99:
            targets = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"
            arglines = "".join(f"{INDENT * 2}{a},\n" for a in args.split(", ") if a)
            line = (f"{INDENT}{targets} = " if outs else INDENT) + f"{st.name}(\n{arglines}{INDENT})"
        first = st.cells[0] if st.cells else 0
        cell = bp.notebook.cells[first]
        w.add(line, Segment(cell=first, cell_id=cell.id, cell_hash=cell.content_hash,
                            cell_lines=(1, max(1, len(cell.source.split("\n")))), how="stage call",
                            cells=list(st.cells)))
    names = [n for n in bp.result_names
             if not (n in bp.param_fields and not bp.param_fields[n].is_result)]
    w.add(f"{INDENT}return plain_results({{")
    for n in names:
        w.add(f'{INDENT * 2}"{n}": {n},')
    w.add(f"{INDENT}}})")
    return GeneratedFile(f"src/{pkg}/pipeline.py", w.text(), w.segments)


def third_party_requirements(bp: Blueprint, used_aliases: set[str] | None = None) -> list[str]:
    """Distributions for the notebook's imports (installed version as the floor) and the
    `!pip install` lines (pinned: their own pin, else the installed version)."""
    from importlib import metadata
    try:
        dists = metadata.packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata must not stop generation
        dists = {}
    std = getattr(sys, "stdlib_module_names", frozenset())
    reqs: dict[str, str] = {}

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    for alias, qual in bp.imports.items():
        if used_aliases is not None and alias not in used_aliases:
            continue
        root = qual.lstrip(".").split(".")[0]
        if not root or root in std or root in ("__future__",):
            continue
        for dist in dists.get(root, [])[:1]:
            try:
                version = metadata.version(dist)
                reqs[norm(dist)] = f"{dist}>={version}"
            except metadata.PackageNotFoundError:
                reqs[norm(dist)] = dist
    for req in bp.requirements:
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?(.*)$", req)
        if not m:
            continue
        name, extra, spec = m.group(1), m.group(2) or "", m.group(3).strip()
        if not spec:
            try:
                spec = "==" + metadata.version(name)
            except metadata.PackageNotFoundError:
                spec = ""
        reqs[norm(name)] = f"{name}{extra}{spec}"
    return [reqs[k] for k in sorted(reqs)]
