"""Cross-cell analysis: import resolution and dataflow in notebook and execution order."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from ..notebook.model import Cell, Notebook
from .cell import DEFAULT_CACHE, CellAnalysis, CellCache
from .names import BUILTIN_NAMES, is_provided, star_exports
from .scopes import Use

_Name, _Attribute = ast.Name, ast.Attribute
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
# Magics that bring names into the namespace we cannot see.
_OPAQUE_MAGICS = {"run", "pylab", "store", "load", "load_ext", "sql", "R", "Rpull"}
# Cell magics whose body is not Python. The body of any other cell magic we do not analyse
# (`%%backend tensorflow`, a notebook's own `@register_cell_magic`) may well be Python that runs:
# the names in it are unknown rather than missing.
_NOT_PYTHON_CELLS = {"bash", "sh", "zsh", "script", "system", "html", "HTML", "javascript", "js", "latex",
                     "markdown", "svg", "perl", "ruby", "writefile", "file", "sql", "R", "octave", "julia"}


@dataclass(frozen=True)
class FlowIssue:
    """A read that Restart & Run All would not satisfy."""

    cell: Cell
    use: Use
    kind: str  # "before-define" | "undefined"
    defined_in: tuple[int, ...] = ()  # indices of cells that define the name


@dataclass
class NotebookAnalysis:
    notebook: Notebook
    cells: dict[int, CellAnalysis] = field(default_factory=dict)

    @classmethod
    def build(cls, notebook: Notebook, cache: CellCache | None = None) -> "NotebookAnalysis":
        cache = cache or DEFAULT_CACHE
        code = [c for c in notebook.cells if c.cell_type == "code"]
        return cls(notebook, dict(zip([c.index for c in code], cache.get_many([c.source for c in code]))))

    def restricted(self, indices: list[int]) -> "NotebookAnalysis":
        """A view that iterates only the given cells but answers notebook-wide questions
        (imports, definitions, qualified names) for the whole notebook."""
        view = NotebookAnalysis(self.notebook, {i: self.cells[i] for i in indices if i in self.cells})
        for name in ("imports", "definitions", "opaque", "maybe_defined", "_unparsed_names"):
            view.__dict__[name] = getattr(self, name)
        view.whole = self.whole
        return view

    @property
    def whole(self) -> "NotebookAnalysis":
        """The analysis of the whole notebook (a restricted view points back at it)."""
        return self.__dict__.get("_whole", self)

    @whole.setter
    def whole(self, value: "NotebookAnalysis") -> None:
        self.__dict__["_whole"] = value

    # -- iteration ------------------------------------------------------------------------
    def code(self) -> list[tuple[Cell, CellAnalysis]]:
        """Code cells in notebook order with their analysis (cells that failed to parse too)."""
        found = self.__dict__.get("_code")
        if found is None:
            found = self.__dict__["_code"] = [(c, self.cells[c.index]) for c in self.notebook.cells
                                              if c.index in self.cells]
        return list(found)  # callers may keep or change their copy

    def parsed(self) -> list[tuple[Cell, CellAnalysis]]:
        found = self.__dict__.get("_parsed")
        if found is None:
            found = self.__dict__["_parsed"] = [(c, a) for c, a in self.code()
                                                if a.analysed and not a.python.foreign]
        return list(found)

    # -- names ----------------------------------------------------------------------------
    @cached_property
    def imports(self) -> dict[str, str]:
        """Local alias -> qualified name, over every import in the notebook."""
        merged: dict[str, str] = {}
        for _, a in self.parsed():
            for local, qual in a.scope.imports.items():
                merged.setdefault(local, qual)
        return merged

    @cached_property
    def definitions(self) -> dict[str, list[int]]:
        """Name -> indices of the cells that bind it at module level, in notebook order."""
        result: dict[str, list[int]] = {}
        for cell, a in self.parsed():
            # `x += 1` needs an existing x: it rebinds, it does not define.
            for name in {b.name for b in a.scope.bindings if b.kind != "augassign"}:
                result.setdefault(name, []).append(cell.index)
        return result

    @cached_property
    def maybe_defined(self) -> frozenset[str]:
        """Identifiers in the parts of cells that do not parse: they might define any of them."""
        return frozenset(self._unparsed_names)

    @cached_property
    def _unparsed_names(self) -> dict[str, int]:
        """Identifier -> index of the first cell whose unparsed text holds it (or that runs its
        body through a cell magic we do not read)."""
        names: dict[str, int] = {}
        for cell, a in self.code():
            text = a.unparsed if a.syntax_error is not None else ""
            magic = a.python.cell_magic
            if a.python.foreign and magic is not None and magic.name not in _NOT_PYTHON_CELLS:
                text = "\n".join(a.source.split("\n")[magic.line:])
            for name in _IDENT.findall(text) if text else ():
                names.setdefault(name, cell.index)
        return names

    @cached_property
    def opaque(self) -> bool:
        """True when star imports or magics like `%run` define names we cannot see."""
        for _, a in self.code():
            if a.scope.star_imports:
                return True
            if any(m.name in _OPAQUE_MAGICS for m in a.python.magics):
                return True
        return False

    @cached_property
    def resolution_key(self) -> tuple:
        """What `qualname` depends on: the imports, and which builtins the notebook rebinds.
        Results computed from qualified names may be reused while it is unchanged."""
        return (tuple(sorted(self.imports.items())),
                tuple(sorted(n for n in self.definitions if n in BUILTIN_NAMES)))

    def qualname(self, node: ast.AST) -> str | None:
        """Resolve `np.random.seed` to `numpy.random.seed`, `pk.dump` to `pickle.dump`."""
        # `f` and `mod.f` are most calls: answered without building a list (rules ask for
        # every call in the notebook).
        kind = type(node)
        if kind is _Name or (kind is _Attribute and type(node.value) is _Name):
            name = node.id if kind is _Name else node.value.id  # type: ignore[attr-defined]
            base = self.imports.get(name)
            if base is None:
                if name not in BUILTIN_NAMES or name in self.definitions:
                    return None
                base = name
            return base if kind is _Name else f"{base}.{node.attr}"  # type: ignore[attr-defined]
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None:
            if node.id in BUILTIN_NAMES and node.id not in self.definitions:
                base = node.id
            else:
                return None
        return ".".join([base, *reversed(parts)])

    def call_name(self, call: ast.Call) -> str | None:
        return self.qualname(call.func)

    # -- dataflow -------------------------------------------------------------------------
    @cached_property
    def flow_issues(self) -> list[FlowIssue]:
        """Reads that fail when the notebook runs top to bottom in a fresh kernel."""
        issues: list[FlowIssue] = []
        defined: set[str] = set()
        opaque = self.opaque
        unparsed = self._unparsed_names
        starred: set[str] = set()  # names star imports above bind (those we can list)
        for cell, a in self.parsed():
            for module in a.scope.star_imports:
                starred |= star_exports(module) or set()
            for use in a.scope.uses:
                if use.name in defined or is_provided(use.name):
                    continue
                # A cell above (or this cell's own lines) that does not parse may define it:
                # unknown, not missing.
                if unparsed and unparsed.get(use.name, cell.index + 1) <= cell.index:
                    continue
                if use.name in starred:
                    continue
                where = tuple(self.definitions.get(use.name, ()))
                if where:
                    issues.append(FlowIssue(cell, use, "before-define", where))
                elif not opaque and use.name not in self.maybe_defined:
                    issues.append(FlowIssue(cell, use, "undefined"))
            defined |= a.scope.defined
            for d in a.scope.deletions:
                if not any(b.name == d.name and b.line > d.line for b in a.scope.bindings):
                    defined.discard(d.name)
        if not opaque:
            for cell, a in self.parsed():
                for use in a.scope.deferred:
                    if use.name not in self.definitions and not is_provided(use.name) \
                            and use.name not in self.maybe_defined:
                        issues.append(FlowIssue(cell, use, "undefined"))
        return issues

    @cached_property
    def execution_order(self) -> list[Cell]:
        """Code cells that ran, in the order their saved execution counts say."""
        ran = [c for c in self.notebook.code_cells if c.execution_count]
        return sorted(ran, key=lambda c: (c.execution_count, c.index))

    def defined_before(self, cell: Cell, name: str) -> bool:
        """Is `name` bound at module level in a code cell above `cell`?"""
        return any(i < cell.index for i in self.definitions.get(name, ()))
