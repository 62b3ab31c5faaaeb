"""Entries written on behalf of other commands (productionise today), one function each, so
their code gains a line, not a dependency on how the ledger works."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..errors import JupyterMlopsError
from ..project import Project
from . import kinds
from .environment import git_state
from .ledger import Entry, Ledger

log = logging.getLogger(__name__)


def record_productionise(notebook_path: str | os.PathLike[str], notebook_sha256: str, package: str,
                         version: str, code_sha256: str, package_dir: str | os.PathLike[str],
                         checked: bool) -> Entry | None:
    """Record a `productionise.run` in the notebook's project. A record that cannot be written
    (read-only project, unusable key) is logged and does not undo the package just written."""
    nb = Path(notebook_path).resolve()
    try:
        project = Project.find(start=nb.parent)
        return Ledger(project).append(kinds.PRODUCTIONISE_RUN, kinds.package_subject(package), {
            "notebook": project.relative(nb), "notebook_sha256": notebook_sha256, "package": package,
            "version": version, "code_sha256": code_sha256, "package_dir": project.relative(package_dir),
            "tests_requested": checked, "git": git_state(nb.parent)})
    except JupyterMlopsError as exc:
        log.warning("productionise ran, but it could not be recorded in the ledger: %s", exc)
        return None
