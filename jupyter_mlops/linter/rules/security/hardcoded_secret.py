"""Rule NB401 hardcoded-secret: a password, token or API key written in the notebook."""

from __future__ import annotations

import ast
from typing import Iterable

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...edits import ensure_import, replace_node
from ...findings import Applicability, Finding, Fix, Severity
from ...rule import Rule
from ...secrets import (AUTH_SCHEME, ENV_NAME, PASSWORD, SECRET, env_name, find_connection_string_password,
                        find_secret_formats, looks_secret, mask, name_tokens, secret_kind)
from .call_args import in_fstring, on_magic_line, str_constants


class HardcodedSecret(Rule):
    """A password, token or API key is written in the notebook.

    ## What it does
    Finds credentials in string literals: known token formats anywhere (AWS access key ids,
    GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Hugging Face and Google API tokens,
    private key blocks, JSON Web Tokens ...), and secret-looking values assigned to a variable,
    keyword argument, attribute or dict key named like a credential (`password`, `token`,
    `api_key`, `secret`, `credentials` ...). Placeholders (`""`, `"<your key>"`, `"changeme"`,
    `"YOUR_API_KEY"`), environment lookups and prose such as `"Enter your password:"` are not
    reported. The message never repeats the secret.

    ## Why is this bad?
    Notebooks are shared, committed, attached to tickets and rendered on the web, and their
    history keeps every value that was ever saved. A credential in a cell is a leaked
    credential: bots scan public repositories for tokens within minutes, and anyone who can
    read the notebook can act as you against the database or API. Rotating the secret is then
    the only remedy; deleting the cell does not remove it from git history or saved outputs.

    ## Example
    ```python
    import psycopg2
    conn = psycopg2.connect(host="db.internal", user="analyst", password="Tr0ub4dor&3")
    ```

    ## Use instead
    ```python
    import os
    import psycopg2
    conn = psycopg2.connect(host="db.internal", user="analyst", password=os.environ["DB_PASSWORD"])
    ```

    ## References
    - [OWASP: Use of hard-coded password](https://owasp.org/www-community/vulnerabilities/Use_of_hard-coded_password)
    - [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
    - [GitHub docs: About secret scanning](https://docs.github.com/en/code-security/secret-scanning/about-secret-scanning)
    - [The Twelve-Factor App: Config](https://12factor.net/config)
    """

    cell_local = True
    code = "NB401"
    name = "hardcoded-secret"
    category = "security"
    severity = Severity.ERROR
    summary = "a password, token or API key is written in a string literal"
    hint = "read it from the environment or a secrets manager, and rotate the leaked value"
    fix = Applicability.UNSAFE
    # The finding's span is the secret: reporters that echo source lines should mask it.
    sensitive = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        os_import: list[tuple[str, list]] = []  # computed once, for the first fix only
        for cell, a in ctx.analysis.parsed():
            # Without a credential-like name in the cell only known token formats can match,
            # and those are 20 characters or more.
            may_name = _may_name_secrets(a.python.code)
            shortest = 4 if may_name else 20
            constants = [n for n in str_constants(a) if len(n.value) >= shortest]
            if not constants:
                continue
            named = _named_literals(a) if may_name else {}
            for node in constants:
                value = node.value
                target = named.get(id(node))
                formats = find_secret_formats(value)
                scheme = AUTH_SCHEME.match(value)
                whole = True  # the literal is the secret itself, so the fix can replace it
                if formats:
                    fmt, token = formats[0]
                    where = f" assigned to `{target[0]}`" if target else ""
                    msg = f"hard-coded {fmt.label} (`{mask(token, fmt.shown)}`){where}"
                    var = target[2] if target else fmt.env
                    whole = token == value
                elif target and (looks_secret(scheme.group(1), SECRET) if scheme
                                 else looks_secret(value, target[1])):
                    what = "password" if target[1] == PASSWORD else "secret"
                    msg = (f"`{target[0]}` is given a hard-coded {what} "
                           f"(`****`, {len(value)} characters)")
                    var = target[2]
                    whole = scheme is None
                elif not ("\n" in value and isinstance(a.parent(node), ast.Expr)) \
                        and (password := find_connection_string_password(value)) is not None:
                    msg = f"connection string with a hard-coded password (`****`, {len(password)} characters)"
                    var, whole = "DB_PASSWORD", False
                else:
                    continue
                fix = None
                if whole and (target is None or target[3]):
                    if not os_import:
                        os_import.append(ensure_import(ctx, "os"))
                    fix = self._fix(cell, a, node, var, *os_import[0])
                yield ctx.at_node(cell, a, node, msg, fix=fix)

    @staticmethod
    def _fix(cell: Cell, a: CellAnalysis, node: ast.Constant, var: str, os_name: str,
             edits: list) -> Fix | None:
        if in_fstring(a, node) or on_magic_line(a, node):
            return None
        edit = replace_node(cell, a, node, f'{os_name}.environ["{var}"]')
        return Fix(f'read it from the environment variable {var}', (edit, *edits),
                   Applicability.UNSAFE)


# Every name `secret_kind` accepts contains one of these (lower-cased).
_SECRET_NAME_PARTS = ("pass", "pw", "secret", "token", "key", "cred", "auth", "bearer")


def _may_name_secrets(code: str) -> bool:
    """False when no identifier or string key in the code can name a credential: a quick text
    test that spares most cells `_named_literals`. Escapes in strings and non-ASCII identifiers
    (normalised by the parser) could hide a name from it, so such code is always looked at."""
    if not code.isascii() or "\\" in code:
        return True
    low = code.lower()
    return any(part in low for part in _SECRET_NAME_PARTS)


_AUTH_CLASSES = frozenset({"HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "BasicAuth", "DigestAuth"})


def _named_literals(a: CellAnalysis) -> dict[int, tuple[str, str, str, bool]]:
    """id(string constant) -> (shown name, secret kind, env var name, fixable) for literals
    assigned to credential-named variables, attributes, subscripts, keywords and dict keys."""
    out: dict[int, tuple[str, str, str, bool]] = {}

    def add(name: str, value: ast.AST | None, env: str | None = None, fixable: bool = True,
            base: str = "") -> None:
        kind = secret_kind(name)
        if kind is None or value is None:
            return
        if env is None and base:
            env = env_name(f"{base}_{name}")
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            out[id(value)] = (name, kind, env or env_name(name), fixable)
        elif isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == 2 and kind == SECRET \
                and name_tokens(name)[-1] == "auth":
            # requests' `auth=("user", "secret")`: the second item is the password.
            second = value.elts[1]
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                out[id(second)] = (name, PASSWORD, env or env_name(name) + "_PASSWORD", fixable)

    def target(t: ast.AST, value: ast.AST | None) -> None:
        if isinstance(t, ast.Name):
            add(t.id, value)
        elif isinstance(t, ast.Attribute):
            base = t.value.id if isinstance(t.value, ast.Name) and t.value.id not in ("self", "cls") else ""
            add(t.attr, value, base=base)
        elif isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) \
                and isinstance(t.slice.value, str):
            key = t.slice.value
            # `os.environ["TOKEN"] = "..."`: the fix would read the variable it sets.
            environ = isinstance(t.value, ast.Attribute) and t.value.attr == "environ"
            add(key, value, key if environ and ENV_NAME.fullmatch(key) else None, fixable=not environ)
        elif isinstance(t, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(t.elts) == len(value.elts):
            for sub_t, sub_v in zip(t.elts, value.elts):
                target(sub_t, sub_v)

    for node in a.nodes(ast.Assign):
        for t in node.targets:
            target(t, node.value)
    for node in a.nodes(ast.AnnAssign):
        target(node.target, node.value)
    for node in a.nodes(ast.keyword):
        if node.arg:
            add(node.arg, node.value)
    for call in a.nodes(ast.Call):
        func = call.func
        fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if fname in _AUTH_CLASSES and len(call.args) >= 2:  # HTTPBasicAuth("user", "password")
            add("password", call.args[1])
    for node in a.nodes(ast.Dict):
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                add(k.value, v)
    for func in a.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        node = func.args
        positional = [*node.posonlyargs, *node.args]
        for arg, default in zip(positional[len(positional) - len(node.defaults):], node.defaults):
            add(arg.arg, default)
        for arg, default in zip(node.kwonlyargs, node.kw_defaults):
            add(arg.arg, default)
    target = None  # type: ignore[assignment]  # it calls itself: a reference cycle, left for the collector
    return out
