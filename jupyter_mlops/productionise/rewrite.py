"""Rewrite extracted statements with libcst, keeping the user's formatting and comments.

- calls of moved functions get the globals they read as keyword arguments (`f(x)` ->
  `f(x, SCALE=SCALE)`); other references become `functools.partial(f, SCALE=SCALE)`;
- moved function definitions get those globals as keyword-only parameters;
- seed literals and input-path literals become the lifted parameters' variables;
- paths the notebook writes move under the output directory;
- `global` in functions that stay inside a stage becomes `nonlocal` (the stage's locals are
  the notebook's globals there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

SEED_CALL_ENDINGS = ("seed", "default_rng", "RandomState", "manual_seed", "set_seed")


@dataclass
class RewriteSpec:
    kwargs: dict[str, list[str]] = field(default_factory=dict)
    seeds: dict[tuple[str, int], str] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)  # literal -> variable
    writes: dict[str, str] = field(default_factory=dict)  # literal -> path under output_dir
    nonlocal_globals: bool = False
    output_var: str = "output_dir"
    add_params: dict[str, list[str]] = field(default_factory=dict)  # def name -> new kw-only params


@dataclass
class RewriteOutcome:
    code: str
    changed: bool
    needs: set[str] = field(default_factory=set)  # helper imports needed: "functools", "os"


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted(node.value) + "." + node.attr.value
    return ""


def _int_value(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        try:
            return int(node.evaluated_value)
        except ValueError:
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) \
            and isinstance(node.expression, cst.Integer):
        return -int(node.expression.evaluated_value)
    return None


class _Rewriter(cst.CSTTransformer):
    def __init__(self, spec: RewriteSpec) -> None:
        super().__init__()
        self.spec = spec
        self.skip: set[int] = set()
        self.needs: set[str] = set()
        self.changed = False

    # names that are not references
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.skip.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.skip.add(id(node.name))

    def visit_Param(self, node: cst.Param) -> None:
        self.skip.add(id(node.name))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.skip.add(id(node.func))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Name):
            self.skip.add(id(node.target))

    def leave_Global(self, original: cst.Global, updated: cst.Global):
        if self.spec.nonlocal_globals:
            self.changed = True
            return cst.Nonlocal(names=updated.names, whitespace_after_nonlocal=updated.whitespace_after_global,
                                semicolon=updated.semicolon)
        return updated

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        extra = self.spec.add_params.get(original.name.value)
        if not extra:
            return updated
        params = updated.params
        have = {p.name.value for p in (*params.params, *params.kwonly_params, *params.posonly_params)}
        new = [cst.Param(name=cst.Name(k)) for k in extra if k not in have]
        if not new:
            return updated
        star = params.star_arg
        if not isinstance(star, (cst.Param, cst.ParamStar)):
            star = cst.ParamStar()
        self.changed = True
        return updated.with_changes(params=params.with_changes(
            star_arg=star, kwonly_params=[*params.kwonly_params, *new]))

    def leave_Call(self, original: cst.Call, updated: cst.Call):
        func = updated.func
        args = list(updated.args)
        if isinstance(func, cst.Name) and self.spec.kwargs.get(func.value):
            given = {a.keyword.value for a in args if a.keyword is not None}
            if not any(a.star == "**" for a in args):
                add = [k for k in self.spec.kwargs[func.value] if k not in given]
                if add:
                    if args and isinstance(args[-1].comma, cst.MaybeSentinel):
                        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    for i, k in enumerate(add):
                        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(add) - 1 else cst.MaybeSentinel.DEFAULT
                        args.append(cst.Arg(value=cst.Name(k), keyword=cst.Name(k),
                                            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                                  whitespace_after=cst.SimpleWhitespace("")),
                                            comma=comma))
                    self.changed = True
        name = _dotted(func)
        if args and name.split(".")[-1] in SEED_CALL_ENDINGS and args[0].keyword is None:
            v = _int_value(args[0].value)
            var = self.spec.seeds.get(("seed", v)) if v is not None else None
            if var:
                args[0] = args[0].with_changes(value=cst.Name(var))
                self.changed = True
        return updated.with_changes(args=args) if args != list(updated.args) else updated

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg):
        if updated.keyword is not None and updated.keyword.value in ("random_state", "seed", "random_seed"):
            v = _int_value(updated.value)
            var = self.spec.seeds.get((updated.keyword.value, v)) if v is not None else None
            if var:
                self.changed = True
                return updated.with_changes(value=cst.Name(var))
        return updated

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString):
        try:
            value = original.evaluated_value
        except Exception:  # bytes or odd prefixes
            return updated
        if not isinstance(value, str):
            return updated
        if value in self.spec.reads:
            self.changed = True
            return cst.Name(self.spec.reads[value])
        if value in self.spec.writes:
            self.changed = True
            self.needs.add("os")
            rel = self.spec.writes[value]
            text = original.value if rel == value else repr(rel)
            return cst.parse_expression(f"os.path.join({self.spec.output_var}, {text})")
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name):
        if id(original) in self.skip:
            return updated
        kws = self.spec.kwargs.get(original.value)
        if not kws:
            return updated
        self.changed = True
        self.needs.add("functools")
        inner = ", ".join(f"{k}={k}" for k in kws)
        return cst.parse_expression(f"functools.partial({original.value}, {inner})")


def rewrite(code: str, spec: RewriteSpec) -> RewriteOutcome:
    """Rewrite one top-level statement (with its comments). `code` must parse as a module."""
    if not (spec.kwargs or spec.seeds or spec.reads or spec.writes or spec.nonlocal_globals
            or spec.add_params):
        return RewriteOutcome(code, False)
    module = cst.parse_module(code)
    rw = _Rewriter(spec)
    new = module.visit(rw)
    return RewriteOutcome(new.code if rw.changed else code, rw.changed, rw.needs)
