"""jupyter-mlops: walk notebooks to production."""

from ._version import __version__
from .api import explain, fix_paths, lint, lint_notebook, lint_source, list_rules
from .linter.findings import Finding, LintReport, Severity
from .notebook import Notebook, load_notebook

__all__ = ["Finding", "LintReport", "Notebook", "Severity", "__version__", "explain", "fix_paths",
           "lint", "lint_notebook", "lint_source", "list_rules", "load_notebook"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """jupyter-server finds the REST endpoints of the JupyterLab door here."""
    return [{"module": "jupyter_mlops.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab extension shipped inside the package."""
    return [{"src": "labextension", "dest": "jupyter-mlops"}]
