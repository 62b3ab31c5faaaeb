"""Security rules: hardcoded-secret (NB401), credentials-in-url (NB402), unverified-download
(NB403), unsafe-deserialization (NB404), eval-exec (NB405), sql-string-formatting (NB406)."""

from __future__ import annotations

import json
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbtest import findings, make_notebook

from jupyter_mlops.linter.config import LintConfig
from jupyter_mlops.linter.engine import lint_notebook
from jupyter_mlops.linter.fixes import fix_notebook
from jupyter_mlops.linter.secrets import (
    find_secret_formats,
    looks_secret,
    mask_payload,
    mask_secrets,
    secret_kind,
)

ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM, seed: int = 0) -> str:
    # Built at run time so that no real-looking token sits in the repository for scanners.
    r = random.Random(seed)
    while True:
        s = "".join(r.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


# Fake credentials of each known format, assembled from pieces.
TOKENS = {
    "AWS access key id": "AK" + "IA" + rand(16, string.ascii_uppercase + string.digits),
    "GitHub token": "gh" + "p_" + rand(36),
    "GitHub fine-grained token": "github" + "_pat_" + rand(22) + "_" + rand(59, seed=1),
    "GitLab token": "gl" + "pat-" + rand(20),
    "Slack token": "xo" + "xb-" + "123456789012-" + rand(24),
    "Stripe secret key": "sk" + "_live_" + rand(24),
    "OpenAI API key": "sk" + "-proj-" + rand(48),
    "Hugging Face token": "h" + "f_" + rand(34),
    "Google API key": "AI" + "za" + rand(35),
}
PRIVATE_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\\nMIIEow" + rand(40) + "\\n-----END RSA PRIVATE KEY-----"
JWT = "ey" + "J" + rand(20) + ".ey" + "J" + rand(30, seed=2) + "." + rand(43, seed=3)


def lint(code: str, rule: str):
    return findings("# %%\n" + code, rule)


def fix(*sources: str, rule: str, unsafe: bool):
    return fix_notebook(make_notebook(*sources), LintConfig(select=(rule,)), unsafe=unsafe)


# -- hardcoded-secret ------------------------------------------------------------------------

@pytest.mark.parametrize("label", sorted(TOKENS))
def test_known_token_formats_are_found_anywhere(label):
    token = TOKENS[label]
    (f,) = lint(f'client = Client("{token}")', "hardcoded-secret")
    assert f.code == "NB401" and f.severity.value == "error"
    assert token not in f.message and token[8:] not in f.message
    assert (f.line, f.column) == (1, 16)


@pytest.mark.parametrize("literal", [PRIVATE_KEY, JWT])
def test_private_keys_and_jwts(literal):
    (f,) = lint(f'key = "{literal}"', "hardcoded-secret")
    assert rand(40) not in f.message and rand(30, seed=2) not in f.message


@pytest.mark.parametrize("conn", [
    "Driver={ODBC Driver 18 for SQL Server};Server=db.internal;UID=ana;PWD=Tr0ub4dor3;",
    "host=db.internal dbname=sales user=ana password=Tr0ub4dor3",
])
def test_connection_string_passwords(conn):
    (f,) = lint(f'conn = pyodbc.connect("{conn}")', "hardcoded-secret")
    assert "Tr0ub4dor3" not in f.message and f.fix is None


@pytest.mark.parametrize("conn", [
    "Driver={ODBC Driver 18 for SQL Server};Server=db;Trusted_Connection=yes;",
    "host=db dbname=sales user=ana password={password}",
    "password=",
])
def test_connection_strings_without_literal_password(conn):
    assert lint(f'conn = connect("{conn}")', "hardcoded-secret") == []


def test_bearer_header_fix_is_not_offered_for_partial_literals():
    (f,) = lint('headers = {"Authorization": "Bearer 4f9Xa2LmQ8rT1vB7nC3kD6eH"}', "hardcoded-secret")
    assert f.fix is None


def test_token_inside_a_larger_string_is_found_but_not_fixed():
    token = TOKENS["GitHub token"]
    (f,) = lint(f'headers = {{"Authorization": f"token {token}"}}', "hardcoded-secret")
    assert f.fix is None
    (f,) = lint(f'headers = {{"X-Auth": "token {token}"}}', "hardcoded-secret")
    assert f.fix is None


@pytest.mark.parametrize("code,name", [
    ('password = "Tr0ub4dor&3"', "password"),
    ('DB_PASSWORD = "postgres123"', "DB_PASSWORD"),
    ('conn = psycopg2.connect(host="db", user="ana", password="s3cr3t!")', "password"),
    ('cfg = {"api_key": "3f9a1c77e2b04d5e9a8c1f20b6d4e7aa"}', "api_key"),
    ('openai.api_key = "9vX2mQ7rT4kL8pN1zB6cW3yH5jD0fG2s"', "api_key"),
    ('self.client_secret = "q8W2e4R6t8Y0u2I4o6P8a0S2"', "client_secret"),
    ('auth = ("admin", "hunter22")', "auth"),
    ('wandb.login(key="6c1d9f04be8a7e3d2c5b1a09f8e7d6c5b4a39281")', "key"),
    ('AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8a6b2d4f"', "AWS_SECRET_ACCESS_KEY"),
    ('def connect(token="ya29a0AfH6SMBx7Lq2Vn9Rk3"):\n    pass', "token"),
    ('headers = {"Authorization": "Bearer 4f9Xa2LmQ8rT1vB7nC3kD6eH"}', "Authorization"),
    ('from requests.auth import HTTPBasicAuth\nauth = HTTPBasicAuth("ana", "hunter22")', "password"),
])
def test_secret_named_targets_with_secret_values(code, name):
    (f,) = lint(code, "hardcoded-secret")
    assert f"`{name}`" in f.message
    assert "****" in f.message
    value = code.split('"')[-2]
    assert value not in f.message


@pytest.mark.parametrize("code", [
    'prompt = "Enter your password:"',
    'password = input("Enter your password: ")',
    'label = "token"',
    'password = ""',
    'password = "xxx"',
    'api_key = "<your key>"',
    'api_key = "YOUR_API_KEY"',
    'password = "changeme"',
    'token = "${GITHUB_TOKEN}"',
    'api_key = "your-api-key-here"',
    'secret = "********"',
    'import os\napi_key = os.environ["OPENAI_API_KEY"]',
    'import os\ntoken = os.getenv("HF_TOKEN")',
    'import os\npassword = os.environ.get("DB_PASSWORD", "")',
    'from sklearn.feature_extraction.text import CountVectorizer\n'
    'cv = CountVectorizer(token_pattern=r"(?u)\\b\\w\\w+\\b")',
    'max_tokens = 2048',
    'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
    'tok = Tokenizer(pad_token="[PAD]", eos_token="</s>", unk_token="<unk>")',
    'password_file = "secrets/db_password.txt"',
    'credentials = "service-account.json"',
    'token_url = "https://oauth2.googleapis.com/token"',
    'auth_type = "oauth"',
    'author = "Jane Doe"',
    'pwd = "/home/ana/projects"',
    'key = "name"',
    'df = df.sort_values("date", key=lambda s: s.str.lower())',
    'SECRET_NAME = "prod/database"',
    'example = "AKIAIOSFODNN7EXAMPLE"',
    'path = pooch.retrieve(url, known_hash="sha256:3b4f1f0c6a53e0a0e7e4c1f3f5e6d8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5")',
    'msg = "Your token has expired, please log in again"',
    'checksum = "9e107d9d372bb6826bd81d3542a419d6"',
    'api_key = "API_KEY"',
    'token = "my_secret_token"',
    'handlers = {"pwd": "IPython.core.magics.osm:OSMagics"}',
    'CURVE_TYPE_LIB_KEY = "com.github.googlei18n.cu2qu.curve_type"',
    'schema = {"password": "string?", "token": "str"}',
    'password = "12345678"',
])
def test_no_false_alarms(code):
    assert lint(code, "hardcoded-secret") == []


def test_secret_never_appears_in_any_report_field():
    secret = "Tr0ub4dor&3"
    nb = make_notebook(f'import psycopg2\nconn = psycopg2.connect(password="{secret}")')
    found = lint_notebook(nb, LintConfig(select=("hardcoded-secret",)))
    assert found
    assert secret not in json.dumps([f.to_dict() for f in found]) + "".join(f.hint or "" for f in found)


def test_secret_fix_is_unsafe_and_reads_the_environment():
    src = 'import openai\n\n# the key\nopenai.api_key = "9vX2mQ7rT4kL8pN1zB6cW3yH5jD0fG2s"  # keep me\n'
    assert fix(src, rule="hardcoded-secret", unsafe=False).changes == {}
    result = fix(src, rule="hardcoded-secret", unsafe=True)
    assert result.changes == {0: 'import openai\nimport os\n\n# the key\n'
                                 'openai.api_key = os.environ["OPENAI_API_KEY"]  # keep me\n'}
    assert result.remaining == []


def test_secret_fix_adds_import_os_once_for_several_secrets():
    result = fix('import requests\nimport pandas as pd',
                 'user = "ana"\npassword = "Tr0ub4dor&3"\napi_key = "3f9a1c77e2b04d5e9a8c1f20b6d4e7aa"',
                 'r = requests.get(url, auth=("ana", "hunter22"))',
                 rule="hardcoded-secret", unsafe=True)
    assert result.changes == {
        0: 'import requests\nimport pandas as pd\nimport os',
        1: 'user = "ana"\npassword = os.environ["PASSWORD"]\napi_key = os.environ["API_KEY"]',
        2: 'r = requests.get(url, auth=("ana", os.environ["AUTH_PASSWORD"]))',
    }
    assert result.remaining == []


def test_secret_fix_uses_the_notebooks_os_alias():
    token = TOKENS["Hugging Face token"]
    result = fix(f'import os as operating_system\nlogin("{token}")', rule="hardcoded-secret", unsafe=True)
    assert result.changes == {0: 'import os as operating_system\nlogin(operating_system.environ["HF_TOKEN"])'}


def test_setting_an_environment_variable_to_a_literal_is_reported_without_fix():
    (f,) = lint('import os\nos.environ["OPENAI_API_KEY"] = "9vX2mQ7rT4kL8pN1zB6cW3yH5jD0fG2s"', "hardcoded-secret")
    assert f.fix is None


def test_secret_in_shell_line_is_found():
    token = TOKENS["GitHub token"]
    (f,) = lint(f'!git clone https://{token}@github.com/org/repo.git', "hardcoded-secret")
    assert token not in f.message and f.fix is None


# Property tests: the detector on its own.

WORDS = st.sampled_from("the a model data your please enter password token key secret value for to "
                        "is not found login expired api user name file train test".split())


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=12), st.sampled_from(["password", "api_key", "token",
                                                                   "secret", "message", "prompt"]))
def test_prose_is_never_a_secret(words, target):
    text = " ".join(words)
    assert not looks_secret(text, secret_kind(target) or "secret")
    assert find_secret_formats(text) == []


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([("ghp_", 36, ALNUM), ("gho_", 36, ALNUM), ("hf_", 34, ALNUM), ("glpat-", 20, ALNUM),
                        ("sk-proj-", 48, ALNUM + "_-"), ("AIza", 35, ALNUM + "_-"),
                        ("xoxb-1234567890-", 24, ALNUM), ("AKIA", 16, string.ascii_uppercase + string.digits),
                        ("sk_live_", 24, ALNUM), ("hf_", 40, ALNUM)]),
       st.integers(min_value=0, max_value=2**32))
def test_generated_tokens_of_known_formats_are_always_found(fmt, seed):
    # Real tokens are uniformly random over their alphabet; so are these.
    prefix, n, alphabet = fmt
    token = prefix + rand(n, alphabet, seed)
    assert find_secret_formats(f"token: {token}\n")
    assert find_secret_formats(token)


# -- credentials-in-url ----------------------------------------------------------------------

@pytest.mark.parametrize("url,shown", [
    ("postgresql://analyst:Tr0ub4dor3@db.internal:5432/sales", "postgresql://analyst:****@db.internal:5432"),
    ("mysql+pymysql://root:hunter22@localhost/shop", "mysql+pymysql://root:****@localhost"),
    ("mongodb+srv://app:pa55w0rd@cluster0.abcde.mongodb.net/db", "mongodb+srv://app:****@cluster0.abcde.mongodb.net"),
    ("https://ana:ghtoken123@github.com/org/repo.git", "https://ana:****@github.com"),
])
def test_urls_with_passwords(url, shown):
    (f,) = lint(f'from sqlalchemy import create_engine\nengine = create_engine("{url}")', "credentials-in-url")
    assert shown in f.message
    assert url.split(":")[2].split("@")[0] not in f.message
    assert f.severity.value == "error"


@pytest.mark.parametrize("code", [
    'engine = create_engine("postgresql://analyst@db.internal/sales")',
    'engine = create_engine("postgresql://user:password@localhost/db")',
    'engine = create_engine(f"postgresql://{user}:{password}@{host}/db")',
    'engine = create_engine("postgresql://{}:{}@{}/db".format(u, p, h))',
    'url = "postgresql://%s:%s@%s/db" % (u, p, h)',
    'url = "https://example.com/users/@ana"',
    'contact = "mailto:ana@example.com"',
    'url = "postgresql://user:<password>@host/db"',
    'url = "postgresql://user:${DB_PASSWORD}@host/db"',
    'def connect(url):\n    """Connect, for example:\n\n    connect("postgresql://ana:s3cret@db/x")\n    """',
])
def test_urls_without_literal_passwords(code):
    assert lint(code, "credentials-in-url") == []


# -- unverified-download ---------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    'import pandas as pd\ndf = pd.read_csv("https://example.com/data.csv")',
    'import pandas as p\ndf = p.read_parquet("https://example.com/data.parquet")',
    'from pandas import read_json as rj\ndf = rj("https://example.com/data.json")',
    'import pandas as pd\nURL = "https://example.com/data/"\ndf = pd.read_csv(URL + "train.csv")',
    'import pandas as pd\nurl = "https://example.com/data.csv"\ndf = pd.read_csv(url)',
    'import pandas as pd\ndf = pd.read_csv(f"https://example.com/{name}.csv")',
    'import urllib.request\nurllib.request.urlretrieve(url, "data.zip")',
    'from urllib.request import urlretrieve\nurlretrieve("https://example.com/data.zip", "data.zip")',
    'import torch\nmodel = torch.hub.load("pytorch/vision", "resnet50", pretrained=True)',
    'import tensorflow as tf\npath = tf.keras.utils.get_file("data.zip", "https://example.com/data.zip")',
    'from tensorflow import keras\npath = keras.utils.get_file(origin="https://example.com/data.zip")',
    'import keras\npath = keras.utils.get_file("data.zip", "https://example.com/data.zip")',
    'import pooch\npath = pooch.retrieve("https://example.com/data.zip", known_hash=None)',
    'import requests\nr = requests.get(url)\nwith open("model.bin", "wb") as f:\n    f.write(r.content)',
    'import requests\nopen("data.csv", "wb").write(requests.get(url).content)',
    'import requests\nwith requests.get(url, stream=True) as r:\n'
    '    with open("m.bin", "wb") as f:\n        for chunk in r.iter_content(8192):\n            f.write(chunk)',
    'from datasets import load_dataset\nds = load_dataset("imdb")',
    'import io\nimport requests\nimport pandas as pd\nr = requests.get(url)\ndf = pd.read_csv(io.StringIO(r.text))',
    'import io, zipfile, requests\nzipfile.ZipFile(io.BytesIO(requests.get(url).content)).extractall("data")',
    '!wget https://example.com/data.zip',
    '!curl -L -o data.zip https://example.com/data.zip && unzip data.zip',
    '%%bash\nwget -q https://example.com/data.zip\nunzip data.zip',
])
def test_unverified_downloads(code):
    found = lint(code, "unverified-download")
    assert len(found) == 1, found
    assert found[0].code == "NB403"


@pytest.mark.parametrize("code", [
    'import pandas as pd\ndf = pd.read_csv("data/train.csv")',
    'import pandas as pd\ndf = pd.read_csv(path)',
    'import tensorflow as tf\np = tf.keras.utils.get_file("d.zip", "https://example.com/d.zip", '
    'file_hash="3b4f1f0c6a53e0a0e7e4c1f3f5e6d8a9")',
    'import pooch\np = pooch.retrieve("https://example.com/d.zip", known_hash="sha256:3b4f1f0c")',
    '!wget https://example.com/d.zip && echo "3b4f  d.zip" | sha256sum -c',
    'import requests\ndata = requests.get("https://api.example.com/items").json()',
    'from datasets import load_dataset\nds = load_dataset("imdb", revision="e6281661ce1c48d982bc483cf8a173c1bbeb5d31")',
    'from datasets import load_dataset\nds = load_dataset("csv", data_files="train.csv")',
    'import torch\nsd = torch.hub.load_state_dict_from_url(url, check_hash=True)',
    'msg = "download it from https://example.com/data.csv"',
    '!pip install pandas==2.2.2',
])
def test_verified_or_local_reads(code):
    assert lint(code, "unverified-download") == []


def test_download_message_masks_url_credentials():
    (f,) = lint('import pandas as pd\ndf = pd.read_csv("https://ana:hunter22@example.com/d.csv")',
                "unverified-download")
    assert "hunter22" not in f.message


# -- unsafe-deserialization ------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    'import pickle\nwith open("m.pkl", "rb") as f:\n    model = pickle.load(f)',
    'import pickle as pk\nmodel = pk.loads(blob)',
    'from pickle import load\nmodel = load(open("m.pkl", "rb"))',
    'import joblib\nmodel = joblib.load("m.joblib")',
    'from joblib import load as jl\nmodel = jl("m.joblib")',
    'import dill\nf = dill.load(open("f.pkl", "rb"))',
    'import pandas as pd\ndf = pd.read_pickle("df.pkl")',
    'import torch\nmodel = torch.load("model.pt")',
    'import torch\nmodel = torch.load("model.pt", weights_only=False)',
    'import numpy as np\na = np.load("a.npy", allow_pickle=True)',
    'import yaml\ncfg = yaml.load(open("c.yaml"))',
    'import yaml\ncfg = yaml.load(open("c.yaml"), Loader=yaml.FullLoader)',
    'import yaml\ncfg = yaml.unsafe_load(text)',
    'import shelve\ndb = shelve.open("cache")',
])
def test_unsafe_loads(code):
    found = lint(code, "unsafe-deserialization")
    assert len(found) == 1, found


@pytest.mark.parametrize("code", [
    'import torch\nsd = torch.load("model.pt", weights_only=True)',
    'import numpy as np\na = np.load("a.npy")',
    'import numpy as np\na = np.load("a.npy", allow_pickle=False)',
    'import yaml\ncfg = yaml.safe_load(open("c.yaml"))',
    'import yaml\ncfg = yaml.load(open("c.yaml"), Loader=yaml.SafeLoader)',
    'import yaml\nfrom yaml import CSafeLoader\ncfg = yaml.load(text, Loader=CSafeLoader)',
    'import json\ncfg = json.load(open("c.json"))',
    'def load(path):\n    return path\nx = load("m.pkl")',
    'model.load_state_dict(state)',
])
def test_safe_loads(code):
    assert lint(code, "unsafe-deserialization") == []


@pytest.mark.parametrize("before,after", [
    ('import yaml\ncfg = yaml.load(f)  # config\n', 'import yaml\ncfg = yaml.safe_load(f)  # config\n'),
    ('import yaml as y\ncfg = y.load(f, Loader=y.FullLoader)', 'import yaml as y\ncfg = y.safe_load(f)'),
    ('import yaml\ncfg = yaml.load(\n    open("c.yaml"),\n    Loader=yaml.Loader,\n)',
     'import yaml\ncfg = yaml.safe_load(open("c.yaml"))'),
    ('import yaml\ndocs = list(yaml.load_all(f, yaml.UnsafeLoader))', 'import yaml\ndocs = list(yaml.safe_load_all(f))'),
    ('import yaml\ncfg = yaml.full_load(f)', 'import yaml\ncfg = yaml.safe_load(f)'),
    ('from yaml import load, Loader\ncfg = load(f, Loader=Loader)',
     'from yaml import load, Loader\nfrom yaml import safe_load\ncfg = safe_load(f)'),
])
def test_yaml_fix_is_safe(before, after):
    result = fix(before, rule="unsafe-deserialization", unsafe=False)
    assert result.changes == {0: after}
    assert result.remaining == []


def test_pickle_has_no_automatic_fix():
    result = fix('import pickle\nm = pickle.load(f)', rule="unsafe-deserialization", unsafe=True)
    assert result.changes == {} and len(result.remaining) == 1


# -- eval-exec -------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ['x = eval("1 + 2")', 'exec(code)', 'import builtins\nbuiltins.eval(s)',
                                  'f = lambda s: eval(s)'])
def test_eval_and_exec(code):
    (f,) = lint(code, "eval-exec")
    assert f.code == "NB405"


@pytest.mark.parametrize("code", [
    'import pandas as pd\ndf = pd.DataFrame({"a": [1], "b": [2]})\ndf.eval("c = a + b")',
    'import pandas as pd\nr = pd.eval("1 + 2")',
    'def eval(model):\n    return model\neval(3)',
    'model.eval()',
    'import ast\nx = ast.literal_eval("[1, 2]")',
])
def test_not_the_builtin(code):
    assert lint(code, "eval-exec") == []


# -- sql-string-formatting -------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    'cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
    'cur.execute("DELETE FROM users WHERE id = %s" % user_id)',
    'cur.execute("UPDATE t SET a = {} WHERE id = {}".format(a, i))',
    'cur.execute("SELECT * FROM t WHERE id = " + str(i))',
    'q = f"SELECT * FROM orders WHERE day = \'{day}\'"\ncur.execute(q)',
    'q = "SELECT * FROM orders WHERE 1 = 1"\nq += " AND day = \'" + day + "\'"\ncur.execute(q)',
    'import pandas as pd\ndf = pd.read_sql(f"SELECT * FROM sales WHERE region = \'{r}\'", con)',
    'df = spark.sql(f"SELECT * FROM {table} WHERE dt = \'{dt}\'")',
    'from sqlalchemy import text\nstmt = text(f"SELECT * FROM users WHERE id = {uid}")',
    'cur.executemany(f"INSERT INTO t VALUES ({x})", rows)',
])
def test_formatted_sql(code):
    (f,) = lint(code, "sql-string-formatting")
    assert f.code == "NB406"


@pytest.mark.parametrize("code", [
    'cur.execute("SELECT * FROM users WHERE name = ?", (name,))',
    'cur.execute("SELECT * FROM users WHERE name = %s", (name,))',
    'cur.execute("SELECT * FROM users")',
    'q = "SELECT * FROM users"\ncur.execute(q)',
    'import pandas as pd\ndf = pd.read_sql("SELECT * FROM t WHERE a = %(a)s", con, params={"a": a})',
    'df = df.query(f"age > {min_age}")',
    'cur.execute(f"{command}")',
    'r = client.query(f"user {name} logged in")',
    'log.info(f"SELECT took {t} seconds")',
    'q = f"SELECT * FROM t WHERE a = {a}"\nprint(q)',
])
def test_not_formatted_sql(code):
    assert lint(code, "sql-string-formatting") == []


def test_noqa_silences_a_known_test_fixture_secret():
    assert lint('password = "Tr0ub4dor&3"  # noqa: NB401', "hardcoded-secret") == []
    assert len(lint('password = "Tr0ub4dor&3"  # noqa: NB402', "hardcoded-secret")) == 1


def test_rules_whose_span_is_a_secret_say_so():
    from jupyter_mlops.linter.registry import get_rule
    assert getattr(get_rule("hardcoded-secret"), "sensitive", False)
    assert getattr(get_rule("credentials-in-url"), "sensitive", False)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=10),
       st.sampled_from(["password", "api_key", "token", "secret", "auth_token", "prompt"]),
       st.sampled_from(["{t} = {v!r}", "f({t}={v!r})", "cfg = {{{t!r}: {v!r}}}", "print({v!r})"]))
def test_prose_in_any_position_is_never_reported(words, target, shape):
    code = shape.format(t=target, v=" ".join(words).capitalize() + ":")
    assert lint(code, "hardcoded-secret") == []


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(k for k in TOKENS if k != "GitHub fine-grained token")),
       st.sampled_from(["x = {v!r}", "f({v!r})", "cfg = {{'k': {v!r}}}", "headers = {{'X-Key': {v!r}}}",
                        "items = [1, {v!r}]"]),
       st.integers(min_value=0, max_value=2**32))
def test_known_tokens_in_any_position_are_reported_and_masked(label, shape, seed):
    prefix = {"AWS access key id": ("AKIA", 16, string.ascii_uppercase + string.digits),
              "GitHub token": ("ghp_", 36, ALNUM), "GitLab token": ("glpat-", 20, ALNUM),
              "Slack token": ("xoxb-123456789012-", 24, ALNUM), "Stripe secret key": ("sk_live_", 24, ALNUM),
              "OpenAI API key": ("sk-proj-", 48, ALNUM), "Hugging Face token": ("hf_", 34, ALNUM),
              "Google API key": ("AIza", 35, ALNUM)}[label]
    token = prefix[0] + rand(prefix[1], prefix[2], seed)
    (f,) = lint(shape.format(v=token), "hardcoded-secret")
    assert token[len(prefix[0]):] not in f.message


@pytest.mark.parametrize("source", [
    'config = {"\\x70assword": "hunter2-Sup3r"}',  # the key's name is spelt with an escape
    '\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44 = "hunter2-Sup3r"',  # full-width: Python reads `password`
    'conn = dict(user="ana", pwd="hunter2-Sup3r")',
])
def test_secrets_behind_escapes_and_unusual_spellings_are_found(source):
    """The quick text test that skips cells naming no credential must not skip these."""
    assert [f.rule for f in findings(make_notebook(source), "hardcoded-secret")] == ["hardcoded-secret"]


def test_urls_behind_escapes_are_followed():
    nb = make_notebook("import pandas as pd", 'URL = "https:\\x2f/example.com/d.csv"', "df = pd.read_csv(URL)")
    assert [(f.rule, f.cell) for f in findings(nb, "unverified-download")] == [("unverified-download", 2)]


def test_url_credentials_behind_an_escape_are_found():
    nb = make_notebook('db = "postgresql://bob:Sekr3tPass\\x40db.internal:5432/sales"')
    assert [f.rule for f in findings(nb, "credentials-in-url")] == ["credentials-in-url"]


# -- masking for records (the audit ledger masks payloads with these) --------------------------

@pytest.mark.parametrize("label", sorted(TOKENS))
def test_mask_secrets_hides_every_known_token_and_keeps_the_rest(label):
    token = TOKENS[label]
    masked = mask_secrets(f"trained with {token} at lr=0.1")
    assert token not in masked and token[4:12] not in masked
    assert masked.startswith("trained with ") and masked.endswith("**** at lr=0.1")


def test_mask_secrets_hides_url_and_named_passwords():
    text = ("db postgresql://ana:Tr0ub4dor3x@db.internal/sales; password=Hunter2-Xq9 "
            '"api_key": "' + rand(24) + '" max_tokens=512 path=/data/x.csv')
    masked = mask_secrets(text)
    assert "Tr0ub4dor3x" not in masked and "Hunter2-Xq9" not in masked and rand(24) not in masked
    assert "postgresql://ana:****@db.internal" in masked and "max_tokens=512 path=/data/x.csv" in masked
    assert mask_secrets("nothing to hide: n_estimators=100, token_url=https://x.io") == \
        "nothing to hide: n_estimators=100, token_url=https://x.io"


def test_mask_payload_masks_credential_keys_and_nested_strings():
    token = TOKENS["Hugging Face token"]
    payload = {"params": {"lr": 0.1, "db_password": "s3cret-Pw", "n_tokens": 12},
               "notes": [f"pulled with {token}"], "key": "target", "tags": ("a", "b")}
    masked = mask_payload(payload)
    assert masked == {"params": {"lr": 0.1, "db_password": "****", "n_tokens": 12},
                      "notes": ["pulled with hf_****"], "key": "target", "tags": ("a", "b")}
    assert payload["params"]["db_password"] == "s3cret-Pw"  # a copy: the caller's value is untouched


# -- unverified-download: library helpers, URLs in variables --------------------------------------

@pytest.mark.parametrize("code, needle", [
    ("import seaborn as sns\ntips = sns.load_dataset('tips')", "`tips` from the seaborn-data repository"),
    ("from sklearn.datasets import fetch_openml\nX = fetch_openml('mnist_784')", "without a `version`"),
    ("from sklearn.datasets import fetch_file\np = fetch_file('https://x.org/a.csv')", "without `sha256`"),
    ("import tensorflow as tf\np = tf.keras.utils.get_file('a.zip', origin='https://x.org/a.zip')",
     "https://x.org/a.zip without `file_hash`"),
    ("from urllib.request import urlretrieve as fetch\nfetch('https://x.org/a.csv', 'a.csv')", "https://x.org/a.csv"),
    ("URL = 'https://x.org/data'\n!curl -O {URL}/a.csv", "https://x.org/data (from `URL`)"),
    ("url = 'https://x.org/data.zip'\n!wget $url", "https://x.org/data.zip (from `url`)"),
    ("!wget -O out.zip {source}", "the URL in `{source}`"),
])
def test_downloads_by_library_helpers_and_through_variables(code, needle):
    (f,) = lint(code, "unverified-download")
    assert needle in f.message, f.message


@pytest.mark.parametrize("code", [
    "from sklearn.datasets import fetch_openml\nX = fetch_openml('mnist_784', version=1)",
    "from sklearn.datasets import fetch_openml\nX = fetch_openml(data_id=554)",
    "from sklearn.datasets import fetch_california_housing\nd = fetch_california_housing()",
    "from tensorflow import keras\n(x, y), _ = keras.datasets.mnist.load_data()",
    "!curl -o {out} https://x.org/a.csv && sha256sum -c a.sha256",
    "# !wget {url}",
])
def test_downloads_that_check_what_they_get_are_fine(code):
    assert lint(code, "unverified-download") == []


def test_a_url_name_is_the_binding_that_reaches_the_call():
    nb = make_notebook("def mirror(name):\n    url = 'https://mirror.example/' + name\n    return url",
                       "import pandas as pd\nurl = 'data/local.csv'\ndf = pd.read_csv(url)",
                       "url = 'https://real.example/x.csv'\ndf2 = pd.read_csv(url)",
                       "def load(url):\n    return pd.read_csv(url)")
    found = lint_notebook(nb, LintConfig(select=("unverified-download",)))
    assert [(f.cell, f.message) for f in found] == \
        [(2, "`read_csv` reads https://real.example/x.csv over the network with no checksum")]
