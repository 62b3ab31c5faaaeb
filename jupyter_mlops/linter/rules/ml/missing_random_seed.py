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
from .jax_keys import key_reuses
from .randomness import LIB_LABEL, LIB_OWNER, RANDOM_ROOTS, SEEDS, SHUFFLES, rng_use, unseeded_generator
from .seed_constant import seed_before, seed_constants

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
        generators = []
        cells = ctx.analysis.parsed()
        # Each cell's seeds, draws and unseeded generators, reused between lints while it is unchanged.
        for (cell, a), (cell_generators, cell_seeds, cell_uses) in zip(
                cells, summaries(ctx, self.name, cells, self._summaries, _NOTHING)):
            generators.extend((cell, used_in, call, name) for used_in, call, name in cell_generators)
            for pos, libs in cell_seeds:
                for lib in libs:
                    seeds.setdefault(lib, []).append(pos)
            # The call nodes are those of the analysis that summarised the cell: keep them together.
            uses.extend((pos, lib, how, cell, used_in, call, qual)
                        for pos, lib, how, used_in, call, qual in cell_uses)
        constants = seed_constants(ctx)
        for cell, a, call, name in generators:
            fix = None
            if not call.args and not call.keywords and call.lineno not in a.python.changed_lines:
                seed = seed_before(constants, cell.index, call.lineno) or str(ctx.config.seed)
                fix = Fix(f"seed it with {seed}", (add_keyword(cell, a, call, seed),), Applicability.SAFE)
            yield ctx.at_node(cell, a, call, f"`{name}()` without a seed gives different numbers on every run",
                              fix=fix)
        reported: set[str] = set()
        for pos, lib, how, cell, a, call, qual in sorted(uses, key=lambda u: u[0]):
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
            if how == SHUFFLES:
                shown += "(shuffle=True)"
            yield ctx.at_node(cell, a, call,
                              f"`{shown}` {how} {LIB_OWNER[lib]} global random generator, which is "
                              f"not seeded before this point{later}: every run gives different numbers",
                              fix=self._fix(ctx, lib, constants))
        if "jax" in ctx.analysis.imports.values() or any(q.startswith("jax.") for q in ctx.analysis.imports.values()):
            for reuse in key_reuses(cells, ctx.qualname):
                shown = (ctx.qualname(reuse.call.func) or "jax.random").replace("jax.random.", "jax.random.", 1)
                yield ctx.at_node(reuse.cell, reuse.analysis, reuse.call,
                                  f"`{shown}` uses the JAX key `{reuse.key}` again, already used by {reuse.first}: "
                                  "the same key gives the same random numbers; split it first",
                                  hint=f"{reuse.key}, subkey = jax.random.split({reuse.key}), then draw with subkey")

    @staticmethod
    def _summaries(calls: Iterable[tuple[Cell, CellAnalysis, ast.Call, str | None]]) -> dict:
        """{cell index: ([(analysis, call, name)] of unseeded generators, [(position, libraries
        seeded)], [(position, library, how, analysis, call, qualified name)] of draws)} for cells
        with any."""
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
                found.setdefault(cell.index, ([], [], []))[0].append((a, call, gen))
                continue
            use = rng_use(qual, call)
            if use is not None:
                found.setdefault(cell.index, ([], [], []))[2].append((_pos(cell, call), *use, a, call, qual))
        return found

    @staticmethod
    def _fix(ctx: LintContext, lib: str, constants: tuple) -> Fix | None:
        imports = ctx.analysis.imports
        text = {"numpy": "{}.random.seed({})", "random": "{}.seed({})", "torch": "{}.manual_seed({})",
                "tensorflow": "{}.random.set_seed({})", "keras": "{}.utils.set_random_seed({})"}[lib]
        module, local = lib, next((l for l, q in imports.items() if q == lib), None)
        binds = local
        if lib == "keras" and local is None:
            binds = local = next((l for l, q in imports.items() if q == "tensorflow.keras"), None)
            module = "tensorflow.keras"
            if local is None and (tf := next((l for l, q in imports.items() if q == "tensorflow"), None)) is not None:
                local, binds, module = f"{tf}.keras", tf, "tensorflow"
        if lib == "numpy" and local is None:
            binds = local = next((f"{l}." for l, q in imports.items() if q == "numpy.random"), None)
            module = "numpy.random"
        cell, at = after_import_of(ctx, module if local is not None else lib, binds.rstrip(".") if binds else None)
        analysis = ctx.analysis.cells.get(cell.index)
        if analysis is not None and at in analysis.python.changed_lines:
            return None
        seed = seed_before(constants, cell.index, at) or str(ctx.config.seed)
        if local is not None and local.endswith("."):  # `import numpy.random as npr`
            line = f"{local}seed({seed})"
        elif local is not None:
            line = text.format(local, seed)
        else:
            line = f"import {lib}\n" + text.format(lib, seed)
        return Fix(f"seed {LIB_LABEL[lib]} with {seed} after the imports", (insert_lines(cell, at, line),),
                   Applicability.SAFE)
