"""Rule NB603 bare-except: `except:` catches everything, or an except clause hides every error."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Applicability, Edit, Finding, Fix, Severity
from ...rule import Rule


def _swallows(body: list[ast.stmt]) -> bool:
    return all(isinstance(s, (ast.Pass, ast.Continue)) or
               (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body)


class BareExcept(Rule):
    """`except:` catches everything, or `except Exception: pass` hides every error.

    ## What it does
    Reports bare `except:` clauses, and `except Exception:` / `except BaseException:` clauses
    whose body only passes (`pass`, `...`, `continue`).

    ## Why is this bad?
    A bare `except:` also catches `KeyboardInterrupt` and `SystemExit`, so the kernel cannot be
    interrupted out of a loop, and it catches the `NameError` from a typo as readily as the
    error you meant. An `except Exception: pass` throws the error away: the notebook carries
    on with half-loaded data or a model that never trained, and the results look fine. In a
    pipeline the failure surfaces hours later, far from its cause.

    The unsafe fix turns a bare `except:` (one that does something) into `except Exception:`,
    which lets interrupts through; it does not decide what to do with the error.

    ## Example
    ```python
    import json
    try:
        config = json.load(open("config.json"))
    except:
        config = {}
    ```

    ## Use instead
    ```python
    import json
    try:
        with open("config.json") as fh:
            config = json.load(fh)
    except FileNotFoundError:
        config = {}
    ```

    ## References
    - [PEP 8: Programming recommendations (bare except)](https://peps.python.org/pep-0008/#programming-recommendations)
    - [Python tutorial: Handling exceptions](https://docs.python.org/3/tutorial/errors.html#handling-exceptions)
    - [Ruff: bare-except (E722)](https://docs.astral.sh/ruff/rules/bare-except/)
    """

    cell_local = True
    code = "NB603"
    name = "bare-except"
    category = "maintainability"
    severity = Severity.WARNING
    summary = "`except:` catches everything, or `except Exception: pass` hides errors"
    hint = "catch the exceptions you expect, and handle or log them"
    fix = Applicability.UNSAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            for handler in a.nodes(ast.ExceptHandler):
                line = handler.lineno
                col = a.char_col(line, handler.col_offset)
                if handler.type is None:
                    fix = None
                    if not _swallows(handler.body) and a.line_text(line)[col:col + 6] == "except":
                        fix = Fix("catch `Exception` instead of everything",
                                  (Edit(cell.index, line, col, line, col + 6, "except Exception"),),
                                  Applicability.UNSAFE)
                    yield ctx.at(cell, "bare `except:` also catches KeyboardInterrupt, SystemExit "
                                 "and typos", line, col, fix=fix)
                    continue
                caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                broad = [ctx.analysis.qualname(t) for t in caught]
                broad = [b for b in broad if b in ("Exception", "BaseException")]
                if broad and _swallows(handler.body):
                    yield ctx.at(cell, f"`except {broad[0]}` that only passes hides every error",
                                 line, col)
