"""The leakage dataflow: a forward pass over the notebook in order, following where each value comes from."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from .._incremental import memo, names_key, previous
from .cell_plan import DELETED, NO_EFFECT, CellPlan, CellRecord, differing
from .data_roles import (CV_FUNCS, EVALUATORS, FIT_METHODS, FLOW_METHODS, SEARCHES, SPLIT_FUNCS,
                         estimator_like, is_subset, is_transformer, root_name, says_test)


@dataclass
class FitEvent:
    cell: Cell
    analysis: CellAnalysis
    call: ast.Call
    transformer: str  # class name
    data: str  # root name of the data it was fitted on


@dataclass
class Leak:
    fit: FitEvent
    split_cell: Cell
    split_name: str


@dataclass
class TestFit:
    cell: Cell
    analysis: CellAnalysis
    call: ast.Call
    method: str
    data: str
    why: str


_MAX_LINEAGE = 64
_MODULE_CHAIN = frozenset({"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16",
                           "requires_grad_", "share_memory"})
_MODEL_BASES = ("torch.nn.", "pytorch_lightning.", "lightning.", "keras.", "tensorflow.keras.",
                "sklearn.base.", "flax.linen.", "haiku.")


@dataclass
class DataFlow:
    """A forward pass over the notebook in order: where each value comes from.

    Deliberately simple (names, not objects): `B = f(A, ...)` makes B derive from A;
    the outputs of `train_test_split` start fresh lineages, tagged train or test by position.
    """

    ctx: LintContext
    objects: dict[str, str] = field(default_factory=dict)  # name -> qualname of its constructor
    lineage: dict[str, set[str]] = field(default_factory=dict)  # name -> names it derives from
    split_role: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (train|test, cell)
    fitted: dict[str, FitEvent] = field(default_factory=dict)  # transformer -> its fit on unsplit data
    tainted: dict[str, FitEvent] = field(default_factory=dict)  # name -> fit whose output it holds
    leaks: list[Leak] = field(default_factory=list)
    test_fits: list[TestFit] = field(default_factory=list)
    models: set[str] = field(default_factory=set)  # names holding estimators
    model_classes: set[str] = field(default_factory=set)  # notebook classes deriving from nn.Module ...
    _written: set = field(default_factory=set, repr=False)  # names the current cell writes
    _consulted: list = field(default_factory=list, repr=False)

    def run(self) -> DataFlow:
        plans = [(cell, a, memo(a, "_ml_cell_plan", CellPlan)) for cell, a in self.ctx.analysis.parsed()]
        # Nothing is fitted and nothing is dumped: no leakage to find (most notebooks; fast).
        if not any(plan.triggers for _, _, plan in plans):
            return self
        qualname = self.ctx.qualname
        for _, _, plan in plans:
            for cls in plan.classes:
                if any(estimator_like(qualname(b) or "") or
                       (qualname(b) or "").startswith(_MODEL_BASES) for b in cls.bases):
                    self.model_classes.add(cls.name)
        self._dicts = (self.objects, self.lineage, self.split_role, self.fitted, self.tainted)
        self._imports = self.ctx.analysis.imports
        self._incremental(plans)
        return self

    def _incremental(self, plans: list[tuple[Cell, CellAnalysis, CellPlan]]) -> None:
        """Run the cells in order, replaying the previous lint's record of a cell instead when the
        cell (index, id, text) is unchanged and reads no name whose value may now differ.

        `changed` holds the names whose state may differ from the previous lint's at this point:
        those written by cells that were edited, added, removed or re-run. A replayed cell
        writes only names it mentions, none of them in `changed`, so the set only grows."""
        cache = self.ctx.cache
        slot = ("ml.data_flow", self.ctx.notebook.path)
        valid = (names_key(self.ctx), frozenset(self.model_classes))
        saved = previous(cache, slot, valid) if cache is not None else None
        old_order, old_records = saved if isinstance(saved, tuple) else ((), {})
        old_pos = {k: i for i, k in enumerate(old_order)}
        order: list[tuple] = []
        records: dict[tuple, CellRecord] = {}
        changed: set[str] = set()
        diverged: set[int] = set()  # ids of fits whose leak reports may differ
        pos = 0
        for cell, a, plan in plans:
            k = (cell.index, cell.id, cell.source)
            rec = old_records.get(k)
            q = old_pos.get(k, -1) if rec is not None else -1
            if q >= pos:
                for dropped in old_order[pos:q]:  # cells removed (or no longer parsed) since
                    gone = old_records[dropped]
                    changed |= gone.keys
                    diverged.update(id(leak.fit) for leak in gone.leaks)
                pos = q + 1
                if self._unaffected(rec, plan, changed, diverged):
                    self._replay(rec)
                else:
                    new = self._run_cell(cell, a, plan)
                    differ = differing(new.writes, rec.writes)
                    changed |= differ
                    # Names this run left as the previous one did agree again from here on.
                    changed -= (new.keys & rec.keys) - differ
                    if [(id(l.fit), l.split_cell.index, l.split_name) for l in new.leaks] != \
                            [(id(l.fit), l.split_cell.index, l.split_name) for l in rec.leaks]:
                        diverged.update(id(leak.fit) for leak in (*new.leaks, *rec.leaks))
                    rec = new
            else:
                rec = self._run_cell(cell, a, plan)
                changed |= rec.keys
                if rec.leaks:
                    diverged.update(id(leak.fit) for leak in rec.leaks)
            order.append(k)
            records[k] = rec
        if cache is not None:
            cache.store_state(slot, (valid, (tuple(order), records)))

    def _unaffected(self, rec: CellRecord, plan: CellPlan, changed: set[str], diverged: set[int]) -> bool:
        if diverged and any(id(fit) in diverged for fit in rec.consulted):
            return False
        if not changed:
            return True
        names = plan.names
        if not changed.isdisjoint(names):
            return False
        # It also reads what its names derive from (the taint and split role of their sources).
        lineage = self.lineage
        for name in names:
            sources = lineage.get(name)
            if sources is not None and not changed.isdisjoint(sources):
                return False
        return True

    def _replay(self, rec: CellRecord) -> None:
        for name, *values, model in rec.writes:
            for state, value in zip(self._dicts, values):
                if value is DELETED:
                    state.pop(name, None)
                else:
                    state[name] = value
            if model:
                self.models.add(name)
        self.leaks.extend(rec.leaks)
        self.test_fits.extend(rec.test_fits)

    def _run_cell(self, cell: Cell, a: CellAnalysis, plan: CellPlan) -> CellRecord:
        if not plan.steps:
            return NO_EFFECT
        written = self._written = set()
        consulted = self._consulted = []
        leaks, test_fits = len(self.leaks), len(self.test_fits)
        for stmt, calls, reads in plan.steps:
            self._statement(cell, a, stmt, calls, reads)
        # A cell writes only to the names it mentions: its effect is their state afterwards.
        objects, lineage, split_role, fitted, tainted = self._dicts
        models = self.models
        writes = tuple((name, objects.get(name, DELETED), lineage.get(name, DELETED), split_role.get(name, DELETED),
                        fitted.get(name, DELETED), tainted.get(name, DELETED), name in models) for name in written)
        return CellRecord(writes, written, self.leaks[leaks:], self.test_fits[test_fits:], consulted)

    def _bounded(self, names: set[str]) -> set[str]:
        """Keep lineages small on long chains of derived names (a 5,000-cell notebook would
        otherwise cost quadratic time): beyond a size only the names that matter stay, those
        holding a fitted transformer's output or a part of a split."""
        if len(names) <= _MAX_LINEAGE:
            return names
        return {n for n in names if n in self.tainted or n in self.split_role}

    def _ancestry(self, name: str) -> set[str]:
        return self.lineage.get(name, {name})

    def _test_reason(self, name: str) -> str | None:
        role = self.split_role.get(name)
        if role is not None:
            return f"which is the held-out (test) part of the split in cell {role[1] + 1}" \
                if role[0] == "test" else None
        return "which by its name is test data" if says_test(name) else None

    def _receiver_qual(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.objects.get(node.id)
        if isinstance(node, ast.Call):
            return self.ctx.qualname(node.func)
        return None

    def _statement(self, cell: Cell, a: CellAnalysis, stmt: ast.stmt, calls: list[ast.Call],
                   reads: set[str] | None) -> None:
        taint: FitEvent | None = None
        imports = self._imports
        for call in calls:
            # A function called by a name that is not imported is a builtin or the notebook's own:
            # never a split or a cross-validation (`_call` would resolve it to nothing to do).
            if type(call.func) is ast.Name and call.func.id not in imports:
                continue
            taint = self._call(cell, a, call) or taint
        if reads is None:
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                self._assign(cell, t, stmt.value, reads, taint, augmented=isinstance(stmt, ast.AugAssign))
        else:
            self._assign(cell, stmt.target, stmt.iter, reads, taint)

    def _assign(self, cell: Cell, target: ast.AST, value: ast.AST, reads: set[str], taint: FitEvent | None,
                augmented: bool = False) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call) \
                and self.ctx.qualname(value.func) in SPLIT_FUNCS:
            n = len(target.elts)
            # A 50/50 split is often two-fold cross-validation: both halves get fitted on.
            halves = any(k.arg in ("test_size", "train_size") and isinstance(k.value, ast.Constant)
                         and k.value.value == 0.5 for k in value.keywords)
            # Splitting a training part again carves a validation set out of the training data
            # (for early stopping, stacking, calibration): fitting on it is allowed, the test
            # part of the first split stays held out.
            source = root_name(value.args[0]) if value.args else None
            held_out = "validation" if source is not None and \
                self.split_role.get(source, ("", 0))[0] == "train" else "test"
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Name):
                    # train_test_split(a, b) returns a_train, a_test, b_train, b_test.
                    role = held_out if (n % 2 == 0 and i % 2 == 1 and not halves) else "train"
                    self._written.add(elt.id)
                    self.split_role[elt.id] = (role, cell.index)
                    self.lineage[elt.id] = {elt.id}
                    self.tainted.pop(elt.id, None)
            return
        derived: set[str] = set()
        lineage = self.lineage
        for r in reads:
            sources = lineage.get(r)
            if sources is None:
                derived.add(r)
            else:
                derived |= sources
        tainted = self.tainted
        if taint is None and tainted and not tainted.keys().isdisjoint(derived):
            taint = next((tainted[r] for r in sorted(derived) if r in tainted), None)
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._assign(cell, elt, value, reads, taint)
            return
        if isinstance(target, ast.Starred):
            target = target.value
        if isinstance(target, ast.Name):
            self._bind(cell, target.id, value, reads, derived, taint, augmented)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            root = root_name(target)
            if root is not None:
                self._written.add(root)
                self.lineage[root] = self._bounded(self._ancestry(root) | derived)
                if taint is not None:
                    self.tainted[root] = taint

    def _bind(self, cell: Cell, name: str, value: ast.AST, reads: set[str], derived: set[str],
              taint: FitEvent | None, augmented: bool) -> None:
        self._written.add(name)
        if augmented:
            derived = derived | self._ancestry(name)
        else:
            self.split_role.pop(name, None)
        derived.add(name)  # a set of this binding's own (see `_assign`)
        self.lineage[name] = self._bounded(derived)
        if taint is not None:
            self.tainted[name] = taint
        elif not augmented:
            self.tainted.pop(name, None)
        # Test-ness flows through copies and transforms of test data.
        roles = self.split_role
        if not augmented and roles and not roles.keys().isdisjoint(reads):
            test = sorted(r for r in reads if roles.get(r, ("", 0))[0] == "test")
            train = [r for r in reads if roles.get(r, ("", 0))[0] == "train"]
            if test and not train:
                roles[name] = roles[test[0]]
        self.objects.pop(name, None)
        # `model = Net().to(device)`: look through device moves and mode switches.
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in _MODULE_CHAIN and isinstance(value.func.value, ast.Call):
            value = value.func.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in self.model_classes:
            self.models.add(name)
        if isinstance(value, ast.Call):
            qual = self.ctx.qualname(value.func)
            if qual:
                self.objects[name] = qual
                if estimator_like(qual):
                    self.models.add(name)
            elif isinstance(value.func, ast.Attribute) and value.func.attr in FIT_METHODS:
                base = root_name(value.func.value)
                if base in self.objects:  # `model = RandomForestClassifier().fit(X, y)`
                    self.objects[name] = self.objects[base]
                if base in self.models or (isinstance(value.func.value, ast.Call)
                                           and estimator_like(self.ctx.qualname(value.func.value.func) or "")):
                    self.models.add(name)
                if isinstance(value.func.value, ast.Call):
                    qual = self.ctx.qualname(value.func.value.func)
                    if qual:
                        self.objects[name] = qual

    def _call(self, cell: Cell, a: CellAnalysis, call: ast.Call) -> FitEvent | None:
        """Record fits, check splits; return the fit whose output this call produces."""
        func = call.func
        qual = self.ctx.qualname(func)
        if qual in SPLIT_FUNCS:
            for arg in call.args:
                self._check_split(cell, arg, "train_test_split")
            return None
        if qual and qual.startswith("sklearn.model_selection.") and qual.rsplit(".", 1)[-1] in CV_FUNCS:
            data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "X"), None)
            if data is not None:
                self._check_split(cell, data, qual.rsplit(".", 1)[-1])
            return None
        if not isinstance(func, ast.Attribute) or qual is not None:
            return None
        method = func.attr
        if method not in FLOW_METHODS:
            return None
        recv_qual = self._receiver_qual(func.value)
        recv_qual = recv_qual or ""
        recv_name = recv_qual.rsplit(".", 1)[-1]
        data = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("X", "x")), None)
        root = root_name(data) if data is not None else None
        if data is not None and recv_qual and recv_qual.startswith("sklearn.model_selection."):
            if method == "split" or (method in FIT_METHODS and recv_name in SEARCHES):
                self._check_split(cell, data, f"{recv_name}.{method}")
                return None
        if method in FIT_METHODS and root is not None and not recv_qual.startswith(EVALUATORS):
            why = self._test_reason(root)
            if why:
                self.test_fits.append(TestFit(cell, a, call, method, root, why))
        if method in FIT_METHODS and is_transformer(recv_qual) and root is not None:
            if any(n in self.split_role for n in self._ancestry(root)) or is_subset(data, root):
                return None  # fitted on one part of the data: the right way
            event = FitEvent(cell, a, call, recv_name, root)
            if isinstance(func.value, ast.Name):
                self._written.add(func.value.id)
                self.fitted[func.value.id] = event
            return event if method in ("fit_transform", "fit_resample") else None
        if method == "transform" and isinstance(func.value, ast.Name) and func.value.id in self.fitted:
            return self.fitted[func.value.id]
        return None

    def _check_split(self, cell: Cell, data: ast.AST, split_name: str) -> None:
        root = root_name(data)
        if root is None:
            return
        for name in sorted(self._ancestry(root)):
            event = self.tainted.get(name)
            if event is None:
                continue
            self._consulted.append(event)
            if not any(leak.fit is event for leak in self.leaks):
                self.leaks.append(Leak(event, cell, split_name))


def data_flow(ctx: LintContext) -> DataFlow:
    """The notebook's dataflow, built once per lint run and shared by the rules that read it."""
    flow = ctx.memo.get("ml.data_flow")
    if flow is None:
        flow = ctx.memo["ml.data_flow"] = DataFlow(ctx).run()
    return flow
