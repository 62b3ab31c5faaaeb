"""Rule NB402 credentials-in-url: a URL literal carrying a user name and password."""

from __future__ import annotations

import ast
from typing import Iterable

from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from ...secrets import find_url_credentials, mask_url
from .call_args import str_constants


class CredentialsInUrl(Rule):
    """A URL literal carries a user name and password.

    ## What it does
    Reports string literals of the form `scheme://user:password@host`: database URLs
    (`postgresql://`, `mysql+pymysql://`, `mongodb+srv://` ...), HTTP URLs and git remotes with
    credentials in them. `user@host` without a password is not reported, nor is a URL whose
    password part is a placeholder or comes from a variable in an f-string.

    ## Why is this bad?
    The password travels with every copy of the notebook, and URLs are logged, printed in
    tracebacks and saved outputs (SQLAlchemy engines and `requests` errors show them). Anyone
    who reads the notebook can connect to the database with your rights, and the only remedy is
    rotating the password everywhere it is used.

    ## Example
    ```python
    from sqlalchemy import create_engine
    engine = create_engine("postgresql://analyst:Tr0ub4dor3@db.internal:5432/sales")
    ```

    ## Use instead
    ```python
    import os
    from sqlalchemy import create_engine
    from sqlalchemy.engine import URL
    url = URL.create("postgresql", username="analyst", password=os.environ["DB_PASSWORD"],
                     host="db.internal", port=5432, database="sales")
    engine = create_engine(url)
    ```

    ## References
    - [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
    - [SQLAlchemy: Creating URLs programmatically](https://docs.sqlalchemy.org/en/20/core/engines.html#creating-urls-programmatically)
    - [OWASP: Secrets Management Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html)
    """

    cell_local = True
    code = "NB402"
    name = "credentials-in-url"
    category = "security"
    severity = Severity.ERROR
    summary = "a URL literal contains a user name and password"
    hint = "build the URL from parts, with the password read from the environment"
    sensitive = True

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a in ctx.analysis.parsed():
            code = a.python.code  # a quick text test first; an escape could hide "://" or "@"
            if not ("://" in code and "@" in code) and "\\" not in code:
                continue
            for node in str_constants(a):
                if "\n" in node.value and isinstance(a.parent(node), ast.Expr):
                    continue  # a docstring or other prose block: examples, not configuration
                for m in find_url_credentials(node.value):
                    yield ctx.at_node(cell, a, node,
                                      f"URL with an embedded password: `{mask_url(m)}`")
                    break
