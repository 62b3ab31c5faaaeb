"""Names that exist in every IPython session without a cell defining them."""

from __future__ import annotations

import builtins
import re

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
