"""The notebook's own seed constant (`SEED = 42`, `random_state = 0`), so that fixes write
`random_state=SEED` as their hint says instead of a literal the notebook does not use."""

from __future__ import annotations

import ast
import re

from ...context import LintContext

_SEED_NAME = re.compile(r"^(?:[a-z]+_)*(?:random_?)?(?:seed|state)(?:_?(?:value|number|num))?$|^rs$|^rng_seed$",
                        re.IGNORECASE)


def _is_seed_name(name: str) -> bool:
    low = name.lower()
    return bool(_SEED_NAME.match(name)) and ("seed" in low or low in ("random_state", "randomstate", "rs"))


def seed_constants(ctx: LintContext) -> tuple[tuple[str, int, int], ...]:
    """(name, cell index, line) of every module-level `NAME = <int>` whose name says it is a seed,
    in notebook order. Memoised per lint."""
    found = ctx.memo.get("ml.seed_constants")
    if found is None:
        out = []
        for cell, a in ctx.analysis.parsed():
            code = a.python.code
            if "seed" not in code.lower() and "state" not in code.lower() and "rs" not in code:
                continue
            for stmt in a.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.Constant) and type(stmt.value.value) is int \
                        and _is_seed_name(stmt.targets[0].id):
                    out.append((stmt.targets[0].id, cell.index, stmt.lineno))
        found = ctx.memo["ml.seed_constants"] = tuple(out)
    return found


def seed_before(constants: tuple[tuple[str, int, int], ...], cell: int, line: int) -> str | None:
    """The seed constant bound last before (cell, line), if any."""
    best = None
    for name, c, ln in constants:
        if (c, ln) < (cell, line):
            best = name
    return best
