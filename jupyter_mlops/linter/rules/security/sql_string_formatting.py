"""Rule NB406 sql-string-formatting: SQL built by formatting values into a string."""

from __future__ import annotations

import ast
import re
from typing import Iterable

from ....analysis import CellAnalysis
from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from .call_args import call_arg


_SQL_STRONG = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\b[\s\S]+?\bSET\b|"
    r"\bDELETE\s+FROM\b|\b(?:CREATE|DROP|ALTER|TRUNCATE)\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?"
    r"(?:TABLE|VIEW|DATABASE|SCHEMA|INDEX)\b|\bMERGE\s+INTO\b|\bWHERE\b", re.IGNORECASE)
_SQL_WEAK = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|TRUNCATE|WITH|"
                       r"VALUES|FROM|WHERE|REPLACE|UPSERT|GRANT|EXEC|CALL)\b", re.IGNORECASE)
# Sinks that always take SQL, and generic method names that take SQL only sometimes.
_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "read_sql", "read_sql_query",
                          "read_gbq", "exec_driver_sql"})
_SQL_MAYBE_METHODS = frozenset({"sql", "query", "raw", "run_query", "fetch", "fetch_df", "fetchall"})
_SQL_FUNCS = frozenset({"pandas.read_sql", "pandas.read_sql_query", "pandas.read_gbq", "sqlalchemy.text",
                        "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "duckdb.sql",
                        "duckdb.query", "duckdb.execute", "pandasql.sqldf", "polars.read_database",
                        "pyspark.sql.SparkSession.sql"})


def _built_string(node: ast.AST | None) -> tuple[str, str] | None:
    """(how, constant text) when an expression builds a string by formatting."""
    if isinstance(node, ast.JoinedStr):
        if any(isinstance(v, ast.FormattedValue) for v in node.values):
            return "an f-string", "".join(v.value for v in node.values
                                          if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _const_str(node.left) is not None:
        if isinstance(node.right, ast.Constant):
            return None
        return "`%` formatting", _const_str(node.left) or ""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and _const_str(node.func.value) is not None and (node.args or node.keywords):
        return "`.format()`", _const_str(node.func.value) or ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts: list[ast.AST] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
                stack.extend((n.right, n.left))
            else:
                parts.append(n)
        texts = [_const_str(p) for p in parts]
        if any(t is not None for t in texts) and any(t is None for t in texts):
            inner = [b for b in map(_built_string, parts) if b]
            return "`+` concatenation", "".join(t for t in texts if t) + "".join(t for _, t in inner)
    return None


def _const_str(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class SqlStringFormatting(Rule):
    """SQL is built by formatting values into a string.

    ## What it does
    Reports SQL text built with f-strings, `%`, `.format()` or `+` and passed to
    `execute`/`executemany`, `read_sql`/`read_sql_query`, `spark.sql`, `duckdb.sql`,
    `sqlalchemy.text` and similar, directly or through a variable assigned in the same cell.
    Constant SQL and parameterised queries (`execute(query, params)`) are fine; strings that do
    not look like SQL are not reported.

    ## Why is this bad?
    A value containing a quote breaks the query, and a value from a file, a widget or a user
    can rewrite it: SQL injection can read or delete any table the connection can reach.
    Notebooks that become scheduled jobs or services pass such values in from outside. Query
    parameters are sent separately from the SQL, so the driver never confuses data with code
    (and can cache the query plan).

    ## Example
    ```python
    import sqlite3
    conn = sqlite3.connect("shop.db")
    customer = "O'Brien"
    rows = conn.execute(f"SELECT * FROM orders WHERE customer = '{customer}'").fetchall()
    ```

    ## Use instead
    ```python
    import sqlite3
    conn = sqlite3.connect("shop.db")
    customer = "O'Brien"
    rows = conn.execute("SELECT * FROM orders WHERE customer = ?", (customer,)).fetchall()
    ```

    ## References
    - [OWASP: SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [Python docs: sqlite3 placeholders](https://docs.python.org/3/library/sqlite3.html#sqlite3-placeholders)
    - [pandas: read_sql params](https://pandas.pydata.org/docs/reference/api/pandas.read_sql.html)
    - [CWE-89: SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
    """

    cell_local = True
    code = "NB406"
    name = "sql-string-formatting"
    category = "security"
    severity = Severity.WARNING
    summary = "SQL built with f-strings, %, .format() or + is passed to a database call"
    hint = "pass values as query parameters (execute(sql, params), read_sql(sql, con, params=...))"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            method = call.func.attr if isinstance(call.func, ast.Attribute) else None
            if qual in _SQL_FUNCS or (qual is None and method in _SQL_METHODS):
                strict = False
            elif qual is None and method in _SQL_MAYBE_METHODS:
                strict = True
            else:
                continue
            arg = call_arg(call, 0, "sql", "query", "statement", "sql_query")
            if arg is None:
                continue
            built = _built_string(arg)
            via = ""
            if built is None and isinstance(arg, ast.Name):
                built = _assigned_in_cell(a, arg)
                via = f" (through `{arg.id}`)"
            if built is None:
                continue
            how, text = built
            pattern = _SQL_STRONG if strict else _SQL_WEAK
            if not pattern.search(text):
                continue
            sink = qual.rsplit(".", 1)[-1] if qual else method
            yield ctx.at_node(cell, a, arg, f"SQL built with {how} is passed to `{sink}`{via}")


def _assigned_in_cell(a: CellAnalysis, name: ast.Name) -> tuple[str, str] | None:
    """How the string in `name` was built by the assignments above its use in the same cell."""
    events = [n for n in (*a.nodes(ast.Assign), *a.nodes(ast.AugAssign), *a.nodes(ast.AnnAssign))
              if n.lineno < name.lineno and any(isinstance(t, ast.Name) and t.id == name.id
                                                 for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    state: tuple[str, str] | None = None  # ("const", text) for a plain literal so far
    for node in sorted(events, key=lambda n: (n.lineno, n.col_offset)):
        value = node.value
        if value is None:
            continue
        if isinstance(node, ast.AugAssign):
            if state is None or not isinstance(node.op, ast.Add):
                state = None
                continue
            const = _const_str(value)
            built = _built_string(value)
            if const is not None:
                state = (state[0], state[1] + const)
            else:
                how = state[0] if state[0] != "const" else (built[0] if built else "`+=` concatenation")
                state = (how, state[1] + (built[1] if built else ""))
            continue
        const = _const_str(value)
        state = ("const", const) if const is not None else _built_string(value)
    if state is None or state[0] == "const":
        return None
    return state
