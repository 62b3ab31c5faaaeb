"""What the leakage dataflow needs from one cell, worked out once per cell text, and a cell's recorded effect."""

from __future__ import annotations

import ast
from bisect import bisect_left
from operator import attrgetter
from typing import NamedTuple

from ....analysis import CellAnalysis
from .data_roles import CALL_ATTRS, FIT_METHODS, flat_statements


_START = attrgetter("lineno", "col_offset")
_END = attrgetter("end_lineno", "end_col_offset")
_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.Match)


class _CellNodes:
    """A cell's calls and name reads sorted by position, so each statement finds its own with a
    binary search instead of walking its subtree again."""

    def __init__(self, a: CellAnalysis) -> None:
        # Only calls the dataflow acts on (see `DataFlow._call`): a function given by name, or a
        # method named like a fit, transform, split or cross-validation.
        self.calls = sorted([c for c in a.nodes(ast.Call) if type(c.func) is ast.Name
                             or (type(c.func) is ast.Attribute and c.func.attr in CALL_ATTRS)], key=_START)
        self.call_keys = [(n.lineno << 32) + n.col_offset for n in self.calls]
        self._analysis = a
        self._names: list[ast.Name] | None = None  # sorted when a statement first needs them
        self._name_keys: list[int] = []

    @staticmethod
    def own_range(stmt: ast.stmt) -> tuple[int, int]:
        """Where a statement's own expressions are: all of it, or a compound statement's header.
        Positions are (line << 32) + column: ints order like (line, column) pairs."""
        start = (stmt.lineno << 32) + stmt.col_offset
        if isinstance(stmt, _COMPOUND):
            first = stmt.cases[0].pattern if isinstance(stmt, ast.Match) and stmt.cases else \
                (stmt.body[0] if getattr(stmt, "body", None) else None)
            if first is None:
                return start, start
            return start, (first.lineno << 32) + first.col_offset
        return start, ((stmt.end_lineno or stmt.lineno) << 32) + (stmt.end_col_offset or 0) + 1

    def reads_in(self, node: ast.AST) -> set[str]:
        lo = (node.lineno << 32) + node.col_offset
        hi = ((node.end_lineno or node.lineno) << 32) + (node.end_col_offset or 0)
        names = self._names
        if names is None:
            names = self._names = sorted([n for n in self._analysis.nodes(ast.Name) if type(n.ctx) is ast.Load],
                                         key=_START)
            self._name_keys = [(n.lineno << 32) + n.col_offset for n in names]
        keys = self._name_keys
        return {n.id for n in names[bisect_left(keys, lo):bisect_left(keys, hi)]}


class CellPlan:
    """What the dataflow needs from one cell, worked out once per cell text (kept on its analysis):
    the statements that run at module level, each with its calls in run order and the names its
    assigned value reads, and every name the cell mentions."""

    def __init__(self, a: CellAnalysis) -> None:
        # Each statement finds its calls by binary search over the sorted calls, in the loop itself:
        # opening a notebook runs this for every statement.
        self.steps: list[tuple[ast.stmt, list[ast.Call], set[str] | None]] = []
        steps = self.steps
        if a.tree is not None:
            nodes = _CellNodes(a)
            calls, call_keys = nodes.calls, nodes.call_keys
            own_range, reads_in = nodes.own_range, nodes.reads_in
            for stmt in flat_statements(a.tree.body):
                kind = type(stmt)
                value = stmt.value if kind in ASSIGNS else stmt.iter if kind in LOOPS else None
                found = calls
                if calls:
                    lo, hi = own_range(stmt)
                    i = bisect_left(call_keys, lo)
                    found = calls[i:bisect_left(call_keys, hi, i)]
                    if len(found) > 1:  # inner calls run first: `scaler.fit(X).transform(Y)`
                        found.sort(key=_END)
                if found or value is not None:  # other statements change nothing the pass tracks
                    steps.append((stmt, found, reads_in(value) if value is not None else None))
        self._calls = a.nodes(ast.Call)
        self.classes: list[ast.ClassDef] = a.nodes(ast.ClassDef)
        self._triggers: bool | None = None
        # The node list, not the analysis: the plan is kept on the analysis, and a reference
        # back would make a cycle that keeps evicted cells' trees alive until a full collection.
        self._name_nodes: list[ast.Name] = a.nodes(ast.Name)
        self._names: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        """Everything the pass may read or write for this cell is keyed by one of these names."""
        if self._names is None:
            self._names = frozenset({n.id for n in self._name_nodes})
        return self._names

    @property
    def triggers(self) -> bool:
        """Does the cell fit or save anything? Without that, the notebook has nothing to report."""
        if self._triggers is None:
            self._triggers = any(isinstance(c.func, ast.Attribute) and (c.func.attr in FIT_METHODS or c.func.attr in _DUMPS)
                                 for c in self._calls)
        return self._triggers


_DUMPS = ("dump", "dumps", "save")
ASSIGNS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
LOOPS = (ast.For, ast.AsyncFor)
DELETED = object()  # a write that removes the name


class CellRecord(NamedTuple):
    """One cell's effect on the dataflow: replayed on the next lint when nothing it reads changed."""

    writes: tuple  # (name, its value in each state or DELETED, in models) after the cell
    keys: set[str]  # the names written
    leaks: list
    test_fits: list
    consulted: list  # fits whose leak reports this cell looked up (a leak is reported once)


NO_EFFECT = CellRecord((), frozenset(), [], [], [])  # shared: never changed


def differing(writes: tuple, before: tuple) -> set[str]:
    """Names whose state after the cell differs between two records of it. Fits compare by
    identity: a leak is reported once per fit object."""
    old = {w[0]: w for w in before}
    differ = {w[0] for w in before}.difference(w[0] for w in writes)
    for w in writes:
        o = old.get(w[0])
        if o is None or not (w[1] == o[1] and w[2] == o[2] and w[3] == o[3] and w[4] is o[4]
                             and w[5] is o[5] and w[6] == o[6]):
            differ.add(w[0])
    return differ
