"""Downloads made by library helpers (seaborn, scikit-learn, torchvision, Keras, torch.hub, pooch,
Hugging Face), and HTTP responses saved as data: what each verifies, and what it does not."""

from __future__ import annotations

import ast
from typing import Callable

from ....analysis import CellAnalysis
from ....notebook.model import Cell
from .call_args import call_arg, call_keyword, has_star_kwargs, is_const
from .download_urls import Urls, short_url

_DATASET_BUILDERS = frozenset({"csv", "json", "parquet", "text", "arrow", "imagefolder", "audiofolder",
                               "pandas", "sql", "webdataset", "videofolder", "xml"})
_TORCH_HUB = ("torch.hub.load", "torch.hub.load_state_dict_from_url", "torch.hub.download_url_to_file")


def helper_message(qual: str, call: ast.Call, cell: Cell, a: CellAnalysis, urls: Urls) -> str | None:
    """Why a library helper's download is unverified, or None when it checks what it gets.

    scikit-learn's other `fetch_*` datasets and Keras' `keras.datasets` check a SHA-256 they
    ship; torchvision's datasets an MD5 of each file: those are not reported."""
    short = qual.rsplit(".", 1)[-1]
    if qual == "seaborn.load_dataset":
        first = call_arg(call, 0, "name")
        shown = f"`{first.value}`" if isinstance(first, ast.Constant) and isinstance(first.value, str) else "a dataset"
        return (f"`load_dataset` downloads {shown} from the seaborn-data repository at run time, "
                "unpinned and with no checksum")
    if qual == "sklearn.datasets.fetch_openml":
        version = call_keyword(call, "version")
        if call_keyword(call, "data_id") is not None or (version is not None and not is_const(version, "active")):
            return None
        name = call_arg(call, 0, "name")
        shown = f"(\"{name.value}\")" if isinstance(name, ast.Constant) and isinstance(name.value, str) else ""
        return (f"`fetch_openml{shown}` without a `version` (or `data_id`) downloads whichever version is "
                "active on OpenML at run time; the data can change under you")
    if qual == "sklearn.datasets.fetch_file":
        sha = call_keyword(call, "sha256")
        return None if sha is not None and not is_const(sha, None) else \
            "`fetch_file` without `sha256` downloads the file with no checksum"
    if qual.startswith("sklearn.datasets.fetch_mldata"):
        return "`fetch_mldata` downloads from mldata.org with no checksum (the service is gone)"
    if qual in _TORCH_HUB:
        if qual == "torch.hub.load":
            return None if is_const(call_keyword(call, "source"), "local") else \
                "`torch.hub.load` runs code and loads weights from a remote repository, unpinned"
        check = call_keyword(call, "check_hash") if qual.endswith("from_url") else call_arg(call, 2, "hash_prefix")
        return f"`{short}` downloads with no hash check" if check is None or is_const(check, False, None) else None
    if qual.endswith(".get_file") and qual.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
        # get_file(fname, origin, untar, md5_hash, file_hash, ...)
        if call_keyword(call, "file_hash") is None and call_keyword(call, "md5_hash") is None and len(call.args) < 4:
            origin = call_arg(call, 1, "origin")
            url = urls.of(origin, cell, a) if origin is not None else None
            where = f" {short_url(url)}" if url else ""
            return f"`get_file` downloads{where} without `file_hash`, so the file is never verified"
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
                url = urls.of(files, cell, a)
                return f"`load_dataset` reads {short_url(url)} with no checksum" if url else None
            if first.value.startswith((".", "/", "~")):
                return None
            if call_keyword(call, "revision") is None:
                return (f"`load_dataset(\"{first.value[:60]}\")` is not pinned to a `revision`; "
                        "the dataset can change under you")
    return None


def cell_hashes(a: CellAnalysis) -> bool:
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


def response_saved(a: CellAnalysis, call: ast.Call, qualname: Callable[[ast.AST], str | None] = lambda node: None) -> bool:
    """Is this HTTP response's body written to a file, or loaded as data (`pd.read_csv(
    io.StringIO(r.text))`, `zipfile.ZipFile(io.BytesIO(r.content))`), in the same cell?"""
    if cell_hashes(a):
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
