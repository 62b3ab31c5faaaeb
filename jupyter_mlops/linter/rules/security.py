"""Rules: security. Secrets in code, untrusted code and data, injection."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from ...analysis import CellAnalysis
from ...notebook.model import Cell
from ..context import LintContext
from ..edits import ensure_from_import, ensure_import, node_text, replace_node
from ..findings import Applicability, Finding, Fix, Severity
from ..rule import Rule, register
from ._incremental import by_cell, calls_in

# -- secret detection -----------------------------------------------------------------------


@dataclass(frozen=True)
class SecretFormat:
    label: str  # what the user is told it is
    env: str  # environment variable the fix reads it from
    pattern: str
    shown: int = 0  # how many leading characters are a public format marker (safe to show)
    entropy: bool = True  # also require a random-looking body (rules out words and examples)


SECRET_FORMATS = (
    SecretFormat("AWS access key id", "AWS_ACCESS_KEY_ID", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 4),
    SecretFormat("GitHub token", "GITHUB_TOKEN", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 4),
    SecretFormat("GitHub token", "GITHUB_TOKEN", r"\bgithub_pat_[A-Za-z0-9_]{50,255}\b", 11),
    SecretFormat("GitLab token", "GITLAB_TOKEN", r"\bglpat-[A-Za-z0-9_\-]{20,}", 6),
    SecretFormat("Slack token", "SLACK_TOKEN", r"\bxox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{8,}", 5),
    SecretFormat("Slack webhook URL", "SLACK_WEBHOOK_URL",
                 r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}", 29),
    SecretFormat("Stripe secret key", "STRIPE_API_KEY", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}", 8),
    SecretFormat("Anthropic API key", "ANTHROPIC_API_KEY", r"\bsk-ant-[A-Za-z0-9_\-]{32,}", 7),
    SecretFormat("OpenAI API key", "OPENAI_API_KEY",
                 r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{32,}", 3),
    SecretFormat("Hugging Face token", "HF_TOKEN", r"\bhf_[A-Za-z0-9]{30,}\b", 3),
    SecretFormat("Google API key", "GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", 4),
    SecretFormat("Google OAuth client secret", "GOOGLE_CLIENT_SECRET", r"\bGOCSPX-[A-Za-z0-9_\-]{24,}", 7),
    SecretFormat("SendGrid API key", "SENDGRID_API_KEY", r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{30,}", 3),
    SecretFormat("npm token", "NPM_TOKEN", r"\bnpm_[A-Za-z0-9]{36}\b", 4),
    SecretFormat("PyPI token", "PYPI_TOKEN", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}", 8),
    SecretFormat("Azure storage account key", "AZURE_STORAGE_KEY",
                 r"AccountKey=[A-Za-z0-9+/]{40,}={0,2}", 11),
    SecretFormat("private key", "PRIVATE_KEY",
                 r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", 0, entropy=False),
    SecretFormat("JSON Web Token", "JWT", r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}", 3),
)
_FORMATS_RE = re.compile("|".join(f"(?P<f{i}>{f.pattern})" for i, f in enumerate(SECRET_FORMATS)))
_PLACEHOLDER_WORDS = ("your", "placeholder", "changeme", "change_me", "change-me", "example", "dummy",
                      "redacted", "insert", "replace", "todo", "fixme", "xxxx", "****", "...", "<", ">",
                      "{", "}", "$", "%s", "%(", "enter", "here", "fake", "sample", "foobar", "mock")
_PLACEHOLDER_VALUES = frozenset({
    "none", "null", "nil", "true", "false", "password", "passwd", "secret", "token", "api_key", "apikey",
    "key", "pass", "default", "string", "str", "optional", "required", "abc", "abc123", "abcd1234",
    "123456", "12345678", "qwerty", "test", "testing", "unknown", "na", "n/a", "empty", "hidden",
})
_SEQUENCES = ("01234567890", "9876543210", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl")
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pw", "pass", "passw", "pword"})
_SECRET_WORDS = frozenset({"secret", "token", "apikey", "credential", "credentials", "cred", "creds",
                           "authorization",
                           "auth", "bearer", "secretkey", "accesskey", "privatekey", "accesstoken",
                           "authtoken", "apitoken", "clientsecret"})
_SECRET_PAIRS = frozenset({
    ("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "key"),
    ("master", "key"), ("account", "key"), ("session", "key"), ("encryption", "key"),
    ("signing", "key"), ("license", "key"), ("subscription", "key"), ("client", "secret"),
    ("app", "secret"), ("api", "secret"), ("access", "token"), ("refresh", "token"),
    ("auth", "token"), ("api", "token"), ("sas", "token"), ("bot", "token"),
})
# `pad_token="[PAD]"`: tokenizer vocabulary, not credentials.
_VOCAB_PREFIXES = frozenset({"pad", "eos", "bos", "unk", "sep", "cls", "mask", "start", "end", "stop",
                             "special", "oov", "sos", "eot", "split", "word", "sentence", "char",
                             "csv", "delimiter", "separator", "null", "nan", "missing", "new", "default"})
_FILE_EXT = re.compile(r"\.(?:json|txt|pem|key|ya?ml|env|cfg|ini|toml|p12|pfx|crt|cer|csv|pkl|pickle|"
                       r"gpg|asc|der|jks|keystore|secret|secrets|conf|py|ipynb)$", re.IGNORECASE)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_SNAKE_WORDS = re.compile(r"[a-z]+(?:[_\-.][a-z]+)+")
_DOTTED = re.compile(r"[A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)+(?::[A-Za-z_]\w*)?")  # a.b.c, pkg.mod:Class
_TOKEN_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

PASSWORD, SECRET, WEAK = "password", "secret", "weak"


def name_tokens(name: str) -> list[str]:
    """`dbPassword2` -> ['db', 'password']: words of an identifier, digits dropped."""
    return [t.lower() for t in _TOKEN_SPLIT.findall(name) if not t.isdigit()]


@lru_cache(maxsize=4096)
def secret_kind(name: str) -> str | None:
    """PASSWORD / SECRET / WEAK when an identifier or key names a credential, else None.

    Only the last words count: `db_password` and `openai_api_key` name secrets,
    `password_file`, `token_url` and `max_tokens` do not.
    """
    tokens = name_tokens(name)
    if not tokens:
        return None
    last = tokens[-1]
    pair = tuple(tokens[-2:]) if len(tokens) >= 2 else ()
    if last in _PASSWORD_WORDS:
        return PASSWORD
    if len(tokens) >= 2 and tokens[-2] in _VOCAB_PREFIXES:
        return None
    if last in _SECRET_WORDS or pair in _SECRET_PAIRS:
        return SECRET
    if last == "key" or last == "keys":
        return WEAK
    return None


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_placeholder(value: str) -> bool:
    v = value.strip()
    low = v.lower()
    if len(set(v)) <= 2 or low.strip("?!*") in _PLACEHOLDER_VALUES:
        return True
    if len(v) >= 4 and any(v.lower() in seq for seq in _SEQUENCES):
        return True  # "12345678", "abcdefgh", "qwerty"
    if any(w in low for w in _PLACEHOLDER_WORDS):
        return True
    if _ENV_NAME.fullmatch(v) or _SNAKE_WORDS.fullmatch(v) or _DOTTED.fullmatch(v):
        return True  # the name of an environment variable, a setting or a module, not a value
    return False


_AUTH_SCHEME = re.compile(r"^(?:Bearer|bearer|Basic|basic|Token|token|Bot|bot)\s+(\S+)$")
_CONN_PASSWORD = re.compile(r"(?i)(?:^|[;\s])(?:password|pwd)\s*=\s*([^;\s'\"]+)")
_CONN_OTHER_KEY = re.compile(r"(?i)(?:^|[;\s])(?:user(?:name| id)?|uid|server|host|dbname|database|"
                             r"data source|port|driver)\s*=")


def find_connection_string_password(text: str) -> str | None:
    """The password in an ODBC/libpq style connection string (`...;UID=ana;PWD=s3cret;`)."""
    if "=" not in text or not _CONN_OTHER_KEY.search(text):
        return None
    m = _CONN_PASSWORD.search(text)
    if m and looks_secret(m.group(1), PASSWORD) and not m.group(1).startswith(("{", "%", "$")):
        return m.group(1)
    return None


def looks_secret(value: str, kind: str) -> bool:
    """Does a literal assigned to a credential-named target look like a real secret?"""
    if not value or any(ch.isspace() for ch in value) or "://" in value:
        return False
    if value.startswith(("/", "~", "./", "../", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
        return False
    if _FILE_EXT.search(value) or is_placeholder(value):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if kind == PASSWORD:
        return len(value) >= 4
    if kind == SECRET:
        return len(value) >= 8 and entropy(value) >= 3.0 and (has_digit or len(value) >= 16)
    return len(value) >= 16 and entropy(value) >= 3.5 and has_digit and has_alpha


def find_secret_formats(text: str) -> list[tuple[SecretFormat, str]]:
    """Known credential formats inside a string, with the matched text."""
    if len(text) < 20:
        return []
    found = []
    for m in _FORMATS_RE.finditer(text):
        fmt = SECRET_FORMATS[int(m.lastgroup[1:])]  # type: ignore[index]
        token = m.group(0)
        if "EXAMPLE" in token or "example" in token or "xxxx" in token or "XXXX" in token:
            continue
        body = token[fmt.shown:]
        # Random bodies use many distinct characters and mix digits and letters; words,
        # repeated characters and sequences of one class do not.
        if fmt.entropy and not (len(set(body)) >= 0.4 * len(body) and any(c.isdigit() for c in body)
                                and any(c.isalpha() for c in body)):
            continue
        found.append((fmt, token))
    return found


def mask(token: str, shown: int = 0) -> str:
    return token[:shown] + "****"


def env_name(name: str) -> str:
    out = "_".join(t.upper() for t in name_tokens(name))
    return out if out and not out[0].isdigit() else "SECRET"


# -- helpers shared by the rules -------------------------------------------------------------

def _str_constants(a: CellAnalysis) -> Iterator[ast.Constant]:
    for node in a.nodes(ast.Constant):
        if isinstance(node.value, str):
            yield node


def _in_fstring(a: CellAnalysis, node: ast.AST) -> bool:
    return isinstance(a.parent(node), (ast.JoinedStr, ast.FormattedValue))


def _on_magic_line(a: CellAnalysis, node: ast.AST) -> bool:
    return getattr(node, "lineno", 0) in a.python.changed_lines


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
        return call.args[index]
    for n in names:
        value = _keyword(call, n)
        if value is not None:
            return value
    return None


def _is_const(node: ast.AST | None, *values: object) -> bool:
    return isinstance(node, ast.Constant) and any(type(node.value) is type(v) and node.value == v
                                                  for v in values)


@register
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
            constants = [n for n in _str_constants(a) if len(n.value) >= shortest]
            if not constants:
                continue
            named = _named_literals(a) if may_name else {}
            for node in constants:
                value = node.value
                target = named.get(id(node))
                formats = find_secret_formats(value)
                scheme = _AUTH_SCHEME.match(value)
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
        if _in_fstring(a, node) or _on_magic_line(a, node):
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
            add(key, value, key if environ and _ENV_NAME.fullmatch(key) else None, fixable=not environ)
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


# -- credentials in URLs ---------------------------------------------------------------------

_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*)://(?P<user>[^\s/:@'\"<>{}]+):(?P<password>[^\s/@'\"]+)"
    r"@(?P<host>[^\s/@'\"?#]+)")
_URL_PASSWORD_PLACEHOLDERS = frozenset({"password", "pass", "passwd", "pwd", "pw", "secret", "token",
                                        "user", "username", "x-oauth-basic"})


def find_url_credentials(text: str) -> list[re.Match[str]]:
    if "://" not in text or "@" not in text:
        return []
    found = []
    for m in _URL_CREDENTIALS.finditer(text):
        pw = m.group("password")
        if pw.lower() in _URL_PASSWORD_PLACEHOLDERS or is_placeholder(pw) and len(set(pw)) <= 2 \
                or any(c in pw for c in "<>{}$%") or pw.startswith("*") or pw.lower().startswith("your"):
            continue
        if m.group("user").startswith(("<", "{", "$")):
            continue
        found.append(m)
    return found


def mask_url(m: re.Match[str]) -> str:
    return f"{m.group('scheme')}://{m.group('user')}:****@{m.group('host')}"


@register
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
            for node in _str_constants(a):
                if "\n" in node.value and isinstance(a.parent(node), ast.Expr):
                    continue  # a docstring or other prose block: examples, not configuration
                for m in find_url_credentials(node.value):
                    yield ctx.at_node(cell, a, node,
                                      f"URL with an embedded password: `{mask_url(m)}`")
                    break


# -- downloads -------------------------------------------------------------------------------

_URL_START = re.compile(r"^\s*(?:https?|ftp)://", re.IGNORECASE)
_READER_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_",
                    "modin.pandas.read_", "pyarrow.csv.read_csv")
_READERS = frozenset({"numpy.loadtxt", "numpy.genfromtxt", "numpy.load", "numpy.fromfile",
                      "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.urlretrieve",
                      "urllib.urlopen", "urllib2.urlopen", "wget.download", "scipy.io.loadmat",
                      "PIL.Image.open", "h5py.File", "gdown.download", "tensorflow.io.gfile.GFile"})
_ALWAYS_REMOTE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download",
                            "gdown.download"})
_HTTP_GETS = frozenset({"requests.get", "requests.request", "requests.post", "httpx.get",
                        "httpx.stream", "requests.Session.get", "urllib.request.urlopen"})
_SHELL_DOWNLOAD = re.compile(r"(?:^|[;&|(`]\s*|\s)(wget|curl)\b(?P<rest>[^;&|]*)")
_SHELL_VERIFY = re.compile(r"\b(?:sha\d*sum|md5sum|shasum|b2sum|gpg\s+--verify|cosign|--checksum)\b")
_CLI_URL = re.compile(r"(?:https?|ftp)://\S+")
_DATASET_BUILDERS = frozenset({"csv", "json", "parquet", "text", "arrow", "imagefolder", "audiofolder",
                               "pandas", "sql", "webdataset", "videofolder", "xml"})


def _short_url(url: str) -> str:
    url = url.strip()
    for m in find_url_credentials(url):
        url = url.replace(m.group(0), mask_url(m))
    url = re.sub(r"([?&](?:token|key|sig|signature|access_token|api_key)=)[^&\s]+", r"\1****", url,
                 flags=re.IGNORECASE)
    return url if len(url) <= 80 else url[:77] + "..."


class _Urls:
    """Module-level names bound to URL literals, so `pd.read_csv(URL)` is seen through."""

    def __init__(self, ctx: LintContext) -> None:
        self.names: dict[str, str] = {}
        for _, a in ctx.analysis.parsed():
            code = a.python.code  # a URL literal has "://" in it, or an escape hides it
            if "://" in code or "\\" in code:
                for name, url in _Urls._bound(a):
                    self.names.setdefault(name, url)

    @staticmethod
    def _bound(a: CellAnalysis) -> tuple[tuple[str, str], ...]:
        """(name, URL) for this cell's `NAME = "https://..."` assignments, in order."""
        found = []
        for node in a.nodes(ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                url = _Urls.literal(node.value)
                if url:
                    found.append((node.targets[0].id, url))
        return tuple(found)

    @staticmethod
    def literal(node: ast.AST | None) -> str | None:
        while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left  # `BASE + "file.csv"`, `"https://host/%s" % name`
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _URL_START.match(node.value):
            return node.value
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and _URL_START.match(first.value):
                return first.value + "..."
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _Urls.literal(node.func.value)
        return None

    def of(self, node: ast.AST | None) -> str | None:
        url = self.literal(node)
        if url is None and isinstance(node, ast.Name):
            url = self.names.get(node.id)
        left = node
        while isinstance(left, ast.BinOp):
            left = left.left
        if url is None and isinstance(left, ast.Name):
            url = self.names.get(left.id)
        if url is None and isinstance(node, ast.JoinedStr) and node.values \
                and isinstance(node.values[0], ast.FormattedValue) and isinstance(node.values[0].value, ast.Name):
            url = self.names.get(node.values[0].value.id)
        return url


@register
class UnverifiedDownload(Rule):
    """Data or a model is read straight from the internet with no checksum.

    ## What it does
    Reports reads of remote files that do not pin what they expect to receive:
    `pd.read_csv("https://...")` and the other pandas, polars and numpy readers given an
    http(s) URL, `urllib.request.urlretrieve`/`urlopen`, a `requests.get(...)` response written to
    a file, `!wget`/`!curl` shell lines, `torch.hub.load`, `keras.utils.get_file` without
    `file_hash`, `pooch.retrieve(..., known_hash=None)` and `datasets.load_dataset` without a
    pinned `revision`. Downloads verified with a hash (`get_file(..., file_hash=...)`,
    `pooch.retrieve(url, known_hash="sha256:...")`, `sha256sum -c` in the same shell line) are
    fine.

    ## Why is this bad?
    The file behind a URL can change at any time: a dataset is re-published with more rows, a
    model file is replaced, a server is compromised or a proxy serves something else. The
    notebook then silently trains on different data or loads different (possibly malicious)
    weights, and its results cannot be reproduced or trusted. A pinned hash makes the download
    fail loudly instead, and lets you cache the file safely.

    ## Example
    ```python
    import pandas as pd
    df = pd.read_csv("https://example.com/data/churn.csv")
    ```

    ## Use instead
    ```python
    import pandas as pd
    import pooch
    path = pooch.retrieve(
        "https://example.com/data/churn.csv",
        known_hash="sha256:3b4f1f0c6a53e0a0e7e4c1f3f5e6d8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5",
    )
    df = pd.read_csv(path)
    ```

    ## References
    - [pooch: retrieve with known_hash](https://www.fatiando.org/pooch/latest/api/generated/pooch.retrieve.html)
    - [Keras: get_file and file_hash](https://keras.io/api/utils/python_utils/#getfile-function)
    - [OWASP Top 10 A08: Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
    - [Hugging Face datasets: load_dataset revision](https://huggingface.co/docs/datasets/en/package_reference/loading_methods#datasets.load_dataset)
    """

    code = "NB403"
    name = "unverified-download"
    category = "security"
    severity = Severity.WARNING
    summary = "data or a model is read from an http(s) URL without a pinned checksum"
    hint = "download once with a pinned hash (pooch.retrieve(url, known_hash=...)) and read the local file"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        urls = _Urls(ctx)
        # Cell-local once the notebook's URL-bound names are known: reuse unchanged cells' findings.
        yield from by_cell(ctx, self.name, tuple(sorted(urls.names.items())), ctx.analysis.code(),
                           lambda cells: self._cells(ctx, cells, urls))

    def _cells(self, ctx: LintContext, cells: list[tuple[Cell, CellAnalysis]] | None,
               urls: _Urls) -> Iterator[Finding]:
        for cell, a, call, qual in calls_in(ctx, cells):
            msg = self._message(a, call, qual, urls, ctx.qualname) if qual else None
            if msg:
                yield ctx.at_node(cell, a, call, msg)
        for cell, a in ctx.analysis.code() if cells is None else cells:
            yield from self._shell(ctx, cell, a)

    @staticmethod
    def _message(a: CellAnalysis, call: ast.Call, qual: str, urls: _Urls,
                 self_qualname=lambda node: None) -> str | None:
        short = qual.rsplit(".", 1)[-1]
        if qual.startswith(_READER_PREFIXES) or qual in _READERS:
            first = _arg(call, 0, "filepath_or_buffer", "path", "io", "url", "source", "fname", "file",
                         "path_or_buf", "uri", "filename")
            url = urls.of(first)
            if url is None and qual in _ALWAYS_REMOTE:
                url = "a remote URL"
            if url is None:
                return None
            if qual == "urllib.request.urlopen" and _cell_hashes(a):
                return None
            shown = url if url == "a remote URL" else _short_url(url)
            return f"`{short}` reads {shown} over the network with no checksum"
        if qual in _HTTP_GETS and _response_saved(a, call, self_qualname):
            return f"`{short}` response is saved or loaded as data with no checksum check"
        if qual in ("torch.hub.load", "torch.hub.load_state_dict_from_url", "torch.hub.download_url_to_file"):
            if qual == "torch.hub.load":
                source = _keyword(call, "source")
                if _is_const(source, "local"):
                    return None
                return "`torch.hub.load` runs code and loads weights from a remote repository, unpinned"
            check = _keyword(call, "check_hash") if qual.endswith("from_url") else _arg(call, 2, "hash_prefix")
            if check is None or _is_const(check, False, None):
                return f"`{short}` downloads with no hash check"
            return None
        if qual.endswith(".get_file") and qual.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
            if _keyword(call, "file_hash") is None and _keyword(call, "md5_hash") is None and len(call.args) < 5:
                return "`get_file` downloads without `file_hash`, so the file is never verified"
            return None
        if qual in ("pooch.retrieve", "pooch.create"):
            known = _arg(call, 1, "known_hash") if qual == "pooch.retrieve" else None
            if qual == "pooch.retrieve" and (known is None or _is_const(known, None)):
                return "`pooch.retrieve` with `known_hash=None` never verifies the file"
            return None
        if qual == "datasets.load_dataset" and not _has_star_kwargs(call):
            first = _arg(call, 0, "path")
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value in _DATASET_BUILDERS:
                    files = _keyword(call, "data_files")
                    url = urls.of(files)
                    return f"`load_dataset` reads {_short_url(url)} with no checksum" if url else None
                if first.value.startswith((".", "/", "~")):
                    return None
                if _keyword(call, "revision") is None:
                    return (f"`load_dataset(\"{first.value[:60]}\")` is not pinned to a `revision`; "
                            "the dataset can change under you")
        return None

    @staticmethod
    def _shell(ctx: LintContext, cell: Cell, a: CellAnalysis) -> Iterator[Finding]:
        lines: list[tuple[int, str]] = []
        if a.python.cell_magic is not None and a.python.cell_magic.name in ("bash", "sh", "script", "system"):
            start = a.python.cell_magic.line
            lines = [(start + i + 1, l) for i, l in enumerate(a.source.split("\n")[start:])]
        for m in a.python.magics:
            if m.kind == "system":
                lines.append((m.line, m.args))
            elif m.kind == "line_magic" and m.name in ("sx", "system"):
                lines.append((m.line, m.args))
        if not lines:
            return
        verified = any(_SHELL_VERIFY.search(text) for _, text in lines)
        if verified:
            return
        for line, text in lines:
            for m in _SHELL_DOWNLOAD.finditer(text):
                url = _CLI_URL.search(m.group("rest"))
                if url:
                    yield ctx.at(cell, f"`{m.group(1)}` downloads {_short_url(url.group(0))} "
                                 "with no checksum check", line)
                    break


def _cell_hashes(a: CellAnalysis) -> bool:
    for call in a.nodes(ast.Call):
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "hashlib":
            return True
    return False


_DATA_SINKS = frozenset({
    "pandas.read_csv", "pandas.read_excel", "pandas.read_parquet", "pandas.read_table",
    "pandas.read_feather", "pandas.read_pickle", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt",
    "zipfile.ZipFile", "tarfile.open", "PIL.Image.open", "h5py.File", "joblib.load", "pickle.load",
    "pickle.loads", "torch.load", "gzip.open", "gzip.decompress",
})


def _response_saved(a: CellAnalysis, call: ast.Call, qualname=lambda node: None) -> bool:
    """Is this HTTP response's body written to a file, or loaded as data (`pd.read_csv(
    io.StringIO(r.text))`, `zipfile.ZipFile(io.BytesIO(r.content))`), in the same cell?"""
    if _cell_hashes(a):
        return False
    parent = a.parent(call)
    bodies = {"content", "raw", "iter_content", "read", "text", "iter_bytes"}
    direct = isinstance(parent, ast.Attribute) and parent.attr in bodies
    names: set[str] = set()
    if isinstance(parent, ast.Assign):
        names = {t.id for t in parent.targets if isinstance(t, ast.Name)}
    elif isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        names = {parent.optional_vars.id}
    if not direct and not names:
        return False
    for w in a.nodes(ast.Call):
        if not (isinstance(w.func, ast.Attribute) and w.func.attr in ("write", "writelines")) \
                and qualname(w.func) not in _DATA_SINKS:
            continue
        for sub in ast.walk(w):
            if sub is call and direct:
                return True
            if isinstance(sub, ast.Name) and sub.id in names:
                return True
    # `for chunk in r.iter_content(): f.write(chunk)`
    for loop in a.nodes(ast.For):
        it = loop.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in bodies:
            base = it.func.value
            if (isinstance(base, ast.Name) and base.id in names) or base is call:
                if any(isinstance(s, ast.Call) and isinstance(s.func, ast.Attribute)
                       and s.func.attr == "write" for stmt in loop.body for s in ast.walk(stmt)):
                    return True
    return False


# -- deserialisation ------------------------------------------------------------------------

_PICKLE_LOADS = frozenset({
    "pickle.load", "pickle.loads", "pickle.Unpickler", "cPickle.load", "cPickle.loads",
    "_pickle.load", "_pickle.loads", "dill.load", "dill.loads", "cloudpickle.load",
    "cloudpickle.loads", "joblib.load", "sklearn.externals.joblib.load", "pandas.read_pickle",
    "shelve.open", "jsonpickle.decode", "marshal.load", "marshal.loads", "pickle5.load",
    "pickle5.loads",
})
_YAML_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_YAML_UNSAFE_FUNCS = {"unsafe_load": "safe_load", "unsafe_load_all": "safe_load_all",
                      "full_load": "safe_load", "full_load_all": "safe_load_all"}


@register
class UnsafeDeserialization(Rule):
    """A file is loaded with a format that can run code while it loads.

    ## What it does
    Reports `pickle.load(s)` (and `cPickle`, `dill`, `cloudpickle`), `joblib.load`,
    `pd.read_pickle`, `shelve.open`, `torch.load` without `weights_only=True`,
    `numpy.load(allow_pickle=True)`, `yaml.load` without a safe loader, `yaml.unsafe_load` and
    `yaml.full_load`. `yaml.load(..., Loader=yaml.SafeLoader)` and `yaml.safe_load` are fine.

    ## Why is this bad?
    Unpickling is running a program: a pickle file can call any function, so loading a
    model, a cache or a dataset from a shared drive, a download or a colleague runs whatever
    its author put in it, with your credentials. `yaml.load` with the default or full loader
    can likewise build arbitrary Python objects. Notebooks load such files routinely, and a
    notebook that becomes a pipeline or a service turns that into a remote code execution hole.

    ## Example
    ```python
    import pickle
    import yaml
    with open("config.yaml") as f:
        config = yaml.load(f, Loader=yaml.Loader)
    with open("model.pkl", "rb") as f:
        model = pickle.load(f)
    ```

    ## Use instead
    ```python
    import yaml
    from skops.io import load
    with open("config.yaml") as f:
        config = yaml.safe_load(f)
    model = load("model.skops")
    ```

    ## References
    - [Python docs: pickle, warning on untrusted data](https://docs.python.org/3/library/pickle.html)
    - [PyYAML: yaml.load(input) deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
    - [PyTorch: torch.load and weights_only](https://pytorch.org/docs/stable/generated/torch.load.html)
    - [skops: secure persistence of scikit-learn models](https://skops.readthedocs.io/en/stable/persistence.html)
    - [OWASP: Deserialization Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html)
    """

    cell_local = True
    code = "NB404"
    name = "unsafe-deserialization"
    category = "security"
    severity = Severity.WARNING
    summary = "pickle, joblib, torch.load or yaml.load can run code from the file being loaded"
    hint = "load only files you produced; prefer safe formats (skops, ONNX, safetensors, JSON, yaml.safe_load)"
    fix = Applicability.SAFE

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            if not qual:
                continue
            short = ".".join(qual.split(".")[-2:])
            if qual in _PICKLE_LOADS:
                yield ctx.at_node(cell, a, call, f"`{short}` can run arbitrary code from the file it loads")
            elif qual == "torch.load":
                wo = _keyword(call, "weights_only")
                if wo is None and not _has_star_kwargs(call):
                    yield ctx.at_node(cell, a, call, "`torch.load` without `weights_only=True` unpickles "
                                      "arbitrary objects (the default before PyTorch 2.6)")
                elif _is_const(wo, False):
                    yield ctx.at_node(cell, a, call, "`torch.load(weights_only=False)` unpickles "
                                      "arbitrary objects from the file")
            elif qual == "numpy.load":
                ap = _keyword(call, "allow_pickle")
                if ap is not None and not _is_const(ap, False):
                    yield ctx.at_node(cell, a, call, "`numpy.load(allow_pickle=True)` can run code "
                                      "from the file it loads")
            elif qual.startswith("yaml."):
                yield from self._yaml(ctx, cell, a, call, qual)

    def _yaml(self, ctx: LintContext, cell: Cell, a: CellAnalysis, call: ast.Call, qual: str) -> Iterator[Finding]:
        func = qual[len("yaml."):]
        if func in _YAML_UNSAFE_FUNCS:
            safe = _YAML_UNSAFE_FUNCS[func]
            yield ctx.at_node(cell, a, call, f"`yaml.{func}` can build arbitrary Python objects; "
                              f"use `yaml.{safe}`", fix=_yaml_fix(ctx, cell, a, call, safe))
            return
        if func not in ("load", "load_all"):
            return
        loader = _arg(call, 1, "Loader")
        if loader is not None:
            lq = ctx.qualname(loader) or ""
            lname = lq.rsplit(".", 1)[-1] if lq.startswith("yaml.") else ""
            if lname in _YAML_SAFE_LOADERS:
                return
            if not lname:  # a loader we cannot resolve: maybe a safe subclass
                return
        safe = "safe_load" if func == "load" else "safe_load_all"
        how = "without a loader" if loader is None else f"with `{lname}`"
        yield ctx.at_node(cell, a, call, f"`yaml.{func}` {how} can build arbitrary Python objects; "
                          f"use `yaml.{safe}`", fix=_yaml_fix(ctx, cell, a, call, safe))


def _yaml_fix(ctx: LintContext, cell: Cell, a: CellAnalysis, call: ast.Call, safe: str) -> Fix | None:
    """`yaml.load(x, Loader=...)` -> `yaml.safe_load(x)`, keeping the notebook's yaml alias."""
    stream = _arg(call, 0, "stream")
    others = [k for k in call.keywords if k.arg not in ("stream", "Loader")]
    if stream is None or others or len(call.args) > 2 or _on_magic_line(a, call) \
            or any(isinstance(x, ast.Starred) for x in call.args):
        return None
    edits = []
    if isinstance(call.func, ast.Attribute):
        func = f"{node_text(a, call.func.value)}.{safe}"
    else:
        func, edits = ensure_from_import(ctx, "yaml", safe)
    arg = node_text(a, stream)
    edit = replace_node(cell, a, call, f"{func}({arg})")
    return Fix(f"use `{safe}`", (edit, *edits), Applicability.SAFE)


# -- eval / exec ----------------------------------------------------------------------------


@register
class EvalExec(Rule):
    """`eval` or `exec` runs a string as code.

    ## What it does
    Reports calls to the built-in `eval` and `exec`. Methods with the same name that do not
    run Python (`df.eval("a + b")`, `pd.eval`) and your own functions called `eval` are not
    reported.

    ## Why is this bad?
    Whatever ends up in the string runs with the notebook's full rights: a value read from a
    CSV file, a form or an API becomes code. Even with trusted input, code in strings cannot be
    linted, tested or refactored, and errors in it surface only at run time. Most uses have a
    safe, explicit replacement: `ast.literal_eval` or `json.loads` for data, `getattr` or a
    dict of functions for dispatch, an import for reusing code.

    ## Example
    ```python
    import pandas as pd
    df = pd.read_csv("params.csv")
    params = eval(df.loc[0, "params"])
    ```

    ## Use instead
    ```python
    import ast
    import pandas as pd
    df = pd.read_csv("params.csv")
    params = ast.literal_eval(df.loc[0, "params"])
    ```

    ## References
    - [Python docs: ast.literal_eval](https://docs.python.org/3/library/ast.html#ast.literal_eval)
    - [OWASP: Code Injection](https://owasp.org/www-community/attacks/Code_Injection)
    - [CWE-95: Eval Injection](https://cwe.mitre.org/data/definitions/95.html)
    """

    cell_local = True
    code = "NB405"
    name = "eval-exec"
    category = "security"
    severity = Severity.WARNING
    summary = "eval() or exec() runs a string as code"
    hint = "use ast.literal_eval or json.loads for data, getattr or a dict for dispatch, imports for code"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for cell, a, call, qual in ctx.calls():
            if qual in ("eval", "exec", "builtins.eval", "builtins.exec"):
                name = qual.rsplit(".", 1)[-1]
                yield ctx.at_node(cell, a, call.func, f"`{name}()` runs a string as Python code")


# -- SQL ------------------------------------------------------------------------------------

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


@register
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
            arg = _arg(call, 0, "sql", "query", "statement", "sql_query")
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
