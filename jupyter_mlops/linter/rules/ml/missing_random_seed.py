"""Rule NB501 missing-random-seed: random numbers drawn before any seed is set."""

from __future__ import annotations

import ast
from typing import Iterable

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...edits import add_keyword, after_import_of, insert_lines
from ...findings import Applicability, Finding, Fix, Severity
from ...rule import Rule
from .._incremental import summaries
from .randomness import LIB_LABEL, RANDOM_ROOTS, SEEDS, rng_use, unseeded_generator

_NOTHING = ((), (), ())  # a cell without seeds, draws or generators


def _in_function(a: CellAnalysis, node: ast.AST) -> bool:
    p = a.parent(node)
    while p is not None:
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
        p = a.parent(p)
    return False


def _pos(cell: Cell, node: ast.AST) -> tuple[int, int, int]:
    return cell.index, getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


class MissingRandomSeed(Rule):
    """Random numbers are drawn before any seed is set.

    ## What it does
    Reports the first draw from a global random generator (NumPy's `np.random.*`, Python's
    `random.*`, PyTorch's `torch.rand*`/`torch.nn.init.*`, TensorFlow's `tf.random.*`) that no
    seed set above it in the notebook controls, once per library. Seeds are
    `np.random.seed`, `random.seed`, `torch.manual_seed`, `tf.random.set_seed`, and the
    all-in-one `keras.utils.set_random_seed`, `transformers.set_seed`, `lightning.seed_everything`.
    Generators created without a seed (`np.random.default_rng()`, `random.Random()`) are
    reported wherever they are created: a global seed does not control them.

    ## Why is this bad?
    Every run draws different numbers: a different shuffle, a different initialisation, a
    different sample. Metrics then move from run to run, so nobody can tell whether a change
    to the code or just the luck of the draw improved the model, and a reported result cannot
    be reproduced by a reviewer or by the production pipeline.

    ## Example
    ```python
    import numpy as np
    noise = np.random.normal(0, 1, size=100)
    ```

    ## Use instead
    ```python
    import numpy as np
    rng = np.random.default_rng(42)
    noise = rng.normal(0, 1, size=100)
    ```

    ## References
    - [NumPy: random sampling, best practice is a seeded Generator](https://numpy.org/doc/stable/reference/random/index.html)
    - [PyTorch: Reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
    - [TensorFlow: tf.random.set_seed](https://www.tensorflow.org/api_docs/python/tf/random/set_seed)
    - [scikit-learn: Controlling randomness](https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness)
    """

    code = "NB501"
    name = "missing-random-seed"
    category = "reproducibility"
    severity = Severity.WARNING
    summary = "a global random generator is used before any seed is set"
    hint = "seed it once, right after the imports (or use a seeded np.random.default_rng(SEED))"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        seeds: dict[str, list[tuple[int, int, int]]] = {}
        uses = []
        cells = ctx.analysis.parsed()
        # Each cell's seeds, draws and unseeded generators, reused between lints while it is unchanged.
        for (cell, a), (generators, cell_seeds, cell_uses) in zip(
                cells, summaries(ctx, self.name, cells, lambda calls: self._summaries(ctx, calls), _NOTHING)):
            yield from generators
            for pos, libs in cell_seeds:
                for lib in libs:
                    seeds.setdefault(lib, []).append(pos)
            # The call nodes are those of the analysis that summarised the cell: keep them together.
            uses.extend((pos, lib, cell, used_in, call, qual) for pos, lib, used_in, call, qual in cell_uses)
        reported: set[str] = set()
        for pos, lib, cell, a, call, qual in sorted(uses, key=lambda u: u[0]):
            if lib in reported:
                continue
            lib_seeds = seeds.get(lib, [])
            if lib_seeds and _in_function(a, call):
                continue  # runs when the function is called, most likely after the seed
            if any(s < pos for s in lib_seeds):
                continue
            reported.add(lib)
            later = " (it is seeded only further down)" if lib_seeds else ""
            shown = qual.replace("numpy.", "np.", 1).replace("tensorflow.", "tf.", 1)
            yield ctx.at_node(cell, a, call,
                              f"`{shown}` draws from {LIB_LABEL[lib]}'s global generator, which is "
                              f"not seeded before this point{later}", fix=self._fix(ctx, lib))

    @staticmethod
    def _summaries(ctx: LintContext, calls: Iterable[tuple[Cell, CellAnalysis, ast.Call, str | None]]) -> dict:
        """{cell index: (findings for unseeded generators, [(position, libraries seeded)],
        [(position, library, analysis, call, qualified name)] of draws)} for cells with any."""
        found: dict[int, tuple[list, list, list]] = {}
        for cell, a, call, qual in calls:
            if not qual or qual.partition(".")[0] not in RANDOM_ROOTS:
                continue
            if qual in SEEDS:
                seed = call.args[0] if call.args else next((k.value for k in call.keywords), None)
                if seed is None or (isinstance(seed, ast.Constant) and seed.value is None):
                    continue  # `random.seed()` seeds from the clock: as good as no seed
                found.setdefault(cell.index, ([], [], []))[1].append((_pos(cell, call), SEEDS[qual]))
                continue
            gen = unseeded_generator(qual, call)
            if gen is not None:
                fix = None
                if not call.args and not call.keywords and call.lineno not in a.python.changed_lines:
                    fix = Fix(f"seed it with {ctx.config.seed}",
                              (add_keyword(cell, a, call, str(ctx.config.seed)),), Applicability.SAFE)
                found.setdefault(cell.index, ([], [], []))[0].append(
                    ctx.at_node(cell, a, call, f"`{gen}()` without a seed gives different numbers on "
                                "every run", fix=fix))
                continue
            lib = rng_use(qual, call)
            if lib is not None:
                found.setdefault(cell.index, ([], [], []))[2].append((_pos(cell, call), lib, a, call, qual))
        return found

    @staticmethod
    def _fix(ctx: LintContext, lib: str) -> Fix | None:
        seed = ctx.config.seed
        imports = ctx.analysis.imports
        local = next((l for l, q in imports.items() if q == lib), None)
        text = {"numpy": "{}.random.seed({})", "random": "{}.seed({})", "torch": "{}.manual_seed({})",
                "tensorflow": "{}.random.set_seed({})"}[lib]
        if local is not None:
            line = text.format(local, seed)
        elif lib == "numpy" and (npr := next((l for l, q in imports.items() if q == "numpy.random"), None)):
            line = f"{npr}.seed({seed})"
        else:
            line = f"import {lib}\n" + text.format(lib, seed)
        cell, at = after_import_of(ctx, lib)
        analysis = ctx.analysis.cells.get(cell.index)
        if analysis is not None and at in analysis.python.changed_lines:
            return None
        return Fix(f"seed {LIB_LABEL[lib]} with {seed} after the imports", (insert_lines(cell, at, line),),
                   Applicability.SAFE)
