"""Credentials in text: known token formats, credential-named values, URLs with passwords, masking.

The security rules use these; so does anything that must not record a secret (`mask_secrets`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache


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
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
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
    if ENV_NAME.fullmatch(v) or _SNAKE_WORDS.fullmatch(v) or _DOTTED.fullmatch(v):
        return True  # the name of an environment variable, a setting or a module, not a value
    return False


AUTH_SCHEME = re.compile(r"^(?:Bearer|bearer|Basic|basic|Token|token|Bot|bot)\s+(\S+)$")
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


# -- masking, for anything that records or shows values ---------------------------------------

# `password = "..."`, `"api_key": "..."`, `token=...`: a credential-named key and its value.
_NAMED_VALUE = re.compile(r"""(?P<key>["']?(?P<name>[A-Za-z_][\w\-]*)["']?\s*[:=]\s*)"""
                          r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"',;}/][^\s"',;}]*))""")


def mask_secrets(text: str) -> str:
    """`text` with every credential the linter recognises replaced by `****`: known token formats
    (their public prefix kept, `ghp_****`), passwords in URLs, connection-string passwords, and
    secret-looking values of credential-named keys (`password=...`, `"api_key": "..."`).
    Text with nothing secret in it comes back unchanged."""
    if not text:
        return text
    for fmt, token in find_secret_formats(text):
        text = text.replace(token, mask(token, fmt.shown))
    for m in find_url_credentials(text):
        text = text.replace(m.group(0), mask_url(m))
    password = find_connection_string_password(text)
    if password is not None:
        text = text.replace(password, "****")

    def named(m: re.Match[str]) -> str:
        kind = secret_kind(m.group("name"))
        value = next(v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None)
        if kind is None or value.startswith("****") or not looks_secret(value, kind):
            return m.group(0)
        quote = '"' if m.group("dq") is not None else "'" if m.group("sq") is not None else ""
        return f"{m.group('key')}{quote}****{quote}"

    return _NAMED_VALUE.sub(named, text) if "=" in text or ":" in text else text


def mask_payload(value: object, key: str | None = None) -> object:
    """A copy of a JSON-like value (dicts, lists, strings, numbers) with secrets masked: strings
    through `mask_secrets`, and the whole string value of a credential-named key (`"password"`,
    `"hf_token"`, `"db_url"` holding a URL password) when it looks like a secret."""
    if isinstance(value, str):
        kind = secret_kind(key) if key else None
        if kind is not None and looks_secret(value, kind):
            return "****"
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: mask_payload(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_payload(v, key) for v in value)
    return value
