"""Names that exist in every IPython session without a cell defining them."""

from __future__ import annotations

import builtins
import importlib.util
import re
from functools import lru_cache

IPYTHON_NAMES = frozenset({
    "get_ipython", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_oh", "_ih", "_dh",
    "exit", "quit", "display", "__file__", "__name__", "__doc__", "__builtins__", "__spec__",
    "__loader__", "__package__", "__annotations__", "__IPYTHON__", "_exit_code",
})
BUILTIN_NAMES = frozenset(dir(builtins)) | IPYTHON_NAMES
_HISTORY = re.compile(r"^_(i{1,3}|i?\d+)$")


def is_provided(name: str) -> bool:
    """True for builtins and names IPython defines (`_`, `_i3`, `Out`, ...)."""
    return name in BUILTIN_NAMES or bool(_HISTORY.match(name))


# Star imports whose names can be listed: the standard library, and NumPy (safe and cheap to
# import). Other modules are never imported by the linter: importing runs their code.
_LISTABLE = frozenset({"numpy"})


@lru_cache(maxsize=64)
def star_exports(module: str) -> frozenset[str] | None:
    """The names `from module import *` binds, when the module is one we may import; else None."""
    import importlib
    import sys
    root = module.split(".")[0]
    if root not in sys.stdlib_module_names and root not in _LISTABLE:
        return None
    try:
        if importlib.util.find_spec(root) is None:
            return None
        mod = importlib.import_module(module)
    except Exception:  # a broken or platform-only module: names unknown
        return None
    names = getattr(mod, "__all__", None)
    if not isinstance(names, (list, tuple)):
        names = [n for n in dir(mod) if not n.startswith("_")]
    return frozenset(n for n in names if isinstance(n, str))
