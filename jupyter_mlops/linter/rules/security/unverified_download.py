"""Rule NB403 unverified-download: data or a model read from the internet with no checksum."""

from __future__ import annotations

import ast
import re
from typing import Iterable, Iterator

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from ...context import LintContext
from ...findings import Finding, Severity
from ...rule import Rule
from ...secrets import find_url_credentials, mask_url
from .._incremental import by_cell, calls_in
from .call_args import call_arg, call_keyword, has_star_kwargs, is_const


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
            first = call_arg(call, 0, "filepath_or_buffer", "path", "io", "url", "source", "fname", "file",
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
                source = call_keyword(call, "source")
                if is_const(source, "local"):
                    return None
                return "`torch.hub.load` runs code and loads weights from a remote repository, unpinned"
            check = call_keyword(call, "check_hash") if qual.endswith("from_url") else call_arg(call, 2, "hash_prefix")
            if check is None or is_const(check, False, None):
                return f"`{short}` downloads with no hash check"
            return None
        if qual.endswith(".get_file") and qual.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
            if call_keyword(call, "file_hash") is None and call_keyword(call, "md5_hash") is None and len(call.args) < 5:
                return "`get_file` downloads without `file_hash`, so the file is never verified"
            return None
        if qual in ("pooch.retrieve", "pooch.create"):
            known = call_arg(call, 1, "known_hash") if qual == "pooch.retrieve" else None
            if qual == "pooch.retrieve" and (known is None or is_const(known, None)):
                return "`pooch.retrieve` with `known_hash=None` never verifies the file"
            return None
        if qual == "datasets.load_dataset" and not has_star_kwargs(call):
            first = call_arg(call, 0, "path")
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if first.value in _DATASET_BUILDERS:
                    files = call_keyword(call, "data_files")
                    url = urls.of(files)
                    return f"`load_dataset` reads {_short_url(url)} with no checksum" if url else None
                if first.value.startswith((".", "/", "~")):
                    return None
                if call_keyword(call, "revision") is None:
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
