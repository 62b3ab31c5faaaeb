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
from .._incremental import by_cell, calls_in
from .call_args import call_arg
from .download_helpers import cell_hashes, helper_message, response_saved
from .download_urls import Urls, short_url

_READER_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_",
                    "modin.pandas.read_", "pyarrow.csv.read_csv")
_READERS = frozenset({"numpy.loadtxt", "numpy.genfromtxt", "numpy.load", "numpy.fromfile",
                      "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.urlretrieve",
                      "urllib.urlopen", "urllib2.urlopen", "wget.download", "scipy.io.loadmat",
                      "PIL.Image.open", "h5py.File", "gdown.download", "tensorflow.io.gfile.GFile",
                      "six.moves.urllib.request.urlretrieve", "future.moves.urllib.request.urlretrieve"})
_ALWAYS_REMOTE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download",
                            "gdown.download", "six.moves.urllib.request.urlretrieve",
                            "future.moves.urllib.request.urlretrieve"})
_HTTP_GETS = frozenset({"requests.get", "requests.request", "requests.post", "httpx.get",
                        "httpx.stream", "requests.Session.get", "urllib.request.urlopen"})
_SHELL_DOWNLOAD = re.compile(r"(?:^|[;&|(`]\s*|\s)(wget|curl)\b(?P<rest>[^;&|]*)")
_SHELL_VERIFY = re.compile(r"\b(?:sha\d*sum|md5sum|shasum|b2sum|gpg\s+--verify|cosign|--checksum)\b")
_CLI_URL = re.compile(r"(?:https?|ftp)://\S+")
# `{URL}`, `{base}/x.csv`, `$url`, `${URL}`: IPython expands Python variables in shell lines.
_CLI_VARIABLE = re.compile(r"(?<![\w$])(?:\{(?P<brace>[A-Za-z_]\w*)[^}]*\}|\$\{?(?P<dollar>[A-Za-z_]\w*)\}?)")
# Options naming where the file goes, not what is downloaded.
_CLI_OUTPUT = {"curl": re.compile(r"(?:^|\s)(?:-o|--output)\s+$"),
               "wget": re.compile(r"(?:^|\s)(?:-O|-P|--output-document|--directory-prefix)\s+$")}


class UnverifiedDownload(Rule):
    """Data or a model is read straight from the internet with no checksum.

    ## What it does
    Reports reads of remote files that do not pin what they expect to receive:
    `pd.read_csv("https://...")` and the other pandas, polars and numpy readers given an
    http(s) URL, `urllib.request.urlretrieve`/`urlopen`, a `requests.get(...)` response written to
    a file, `!wget`/`!curl` shell lines (with the URL written out or in a variable: `!wget {URL}`,
    `!curl -O $url`), and library helpers that download without checking what they get:
    `seaborn.load_dataset`, `keras.utils.get_file` without `file_hash`, `fetch_openml` without a
    `version`, `torch.hub.load`, `pooch.retrieve(..., known_hash=None)`, `datasets.load_dataset`
    without a pinned `revision`. A name holding a URL is followed to the binding that reaches the
    call. Downloads verified with a hash are fine: `get_file(..., file_hash=...)`,
    `pooch.retrieve(url, known_hash="sha256:...")`, `sha256sum -c` in the same shell cell, and
    helpers that check a checksum they ship (scikit-learn's other `fetch_*` datasets,
    `keras.datasets`, torchvision datasets).

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
    summary = "data or a model is downloaded from the internet without a pinned checksum"
    hint = "download once with a pinned hash (pooch.retrieve(url, known_hash=...)) and read the local file"

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        urls = Urls(ctx)
        # Cell-local once the notebook's URL-bound names are known: reuse unchanged cells' findings.
        yield from by_cell(ctx, self.name, urls.key(), ctx.analysis.code(),
                           lambda cells: self._cells(ctx, cells, urls))

    def _cells(self, ctx: LintContext, cells: list[tuple[Cell, CellAnalysis]] | None,
               urls: Urls) -> Iterator[Finding]:
        for cell, a, call, qual in calls_in(ctx, cells):
            msg = self._message(cell, a, call, qual, urls, ctx.qualname) if qual else None
            if msg:
                yield ctx.at_node(cell, a, call, msg)
        for cell, a in ctx.analysis.code() if cells is None else cells:
            yield from self._shell(ctx, cell, a, urls)

    @staticmethod
    def _message(cell: Cell, a: CellAnalysis, call: ast.Call, qual: str, urls: Urls,
                 qualname=lambda node: None) -> str | None:
        short = qual.rsplit(".", 1)[-1]
        if qual.startswith(_READER_PREFIXES) or qual in _READERS:
            first = call_arg(call, 0, "filepath_or_buffer", "path", "io", "url", "source", "fname", "file",
                             "path_or_buf", "uri", "filename")
            url = urls.of(first, cell, a)
            if url is None and qual in _ALWAYS_REMOTE:
                url = "a remote URL"
            if url is None:
                return None
            if qual == "urllib.request.urlopen" and cell_hashes(a):
                return None
            shown = url if url == "a remote URL" else short_url(url)
            return f"`{short}` reads {shown} over the network with no checksum"
        if qual in _HTTP_GETS and response_saved(a, call, qualname):
            return f"`{short}` response is saved or loaded as data with no checksum check"
        return helper_message(qual, call, cell, a, urls)

    @staticmethod
    def _shell(ctx: LintContext, cell: Cell, a: CellAnalysis, urls: Urls) -> Iterator[Finding]:
        lines: list[tuple[int, str]] = []
        shell_cell = a.python.cell_magic is not None and a.python.cell_magic.name in ("bash", "sh", "script", "system")
        if shell_cell:
            start = a.python.cell_magic.line  # type: ignore[union-attr]
            lines = [(start + i + 1, l) for i, l in enumerate(a.source.split("\n")[start:])]
        for m in a.python.magics:
            if m.kind == "system":
                lines.append((m.line, m.args))
            elif m.kind == "line_magic" and m.name in ("sx", "system"):
                lines.append((m.line, m.args))
        if not lines or any(_SHELL_VERIFY.search(text) for _, text in lines):
            return
        for line, text in lines:
            for m in _SHELL_DOWNLOAD.finditer(text):
                shown = _shell_url(m.group(1), m.group("rest"), cell, a, line, urls, python=not shell_cell)
                if shown:
                    yield ctx.at(cell, f"`{m.group(1)}` downloads {shown} with no checksum check", line)
                    break


def _shell_url(command: str, rest: str, cell: Cell, a: CellAnalysis, line: int, urls: Urls,
               python: bool) -> str | None:
    """What a wget/curl command downloads: its URL, or the variable that holds it."""
    url = _CLI_URL.search(rest)
    if url:
        return short_url(url.group(0))
    for var in _CLI_VARIABLE.finditer(rest):
        if _CLI_OUTPUT[command].search(rest[:var.start()]):
            continue  # `-o {path}`: where it saves to, not what it downloads
        name = var.group("brace") or var.group("dollar")
        held = urls.named(name, cell, a, line) if python else None
        return f"{short_url(held)} (from `{name}`)" if held else f"the URL in `{var.group(0)}`"
    return None
