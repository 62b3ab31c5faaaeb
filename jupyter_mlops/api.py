"""The one Python API every door (CLI, language server, REST, JupyterLab) calls.

Functions take inputs and return dataclasses; they never print or exit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .analysis import CellCache
from .errors import UnknownRuleError
from .linter.config import LintConfig, config_from_table, find_pyproject, load_config
from .linter.engine import discover, lint_file, lint_notebook, lint_paths as _lint_paths
from .linter.findings import FileResult, Finding, LintReport, Severity
from .linter.fixes import FixOutcome, NotebookFixResult, fix_notebook, fix_paths as _fix_paths
from .linter.report import FORMATS as REPORT_FORMATS, render
from .linter.registry import all_rules, get_rule
from .linter.rule import Rule
from .notebook import Notebook, load_notebook, notebook_from_json, parse_ipynb, parse_percent_script

PathLike = str | os.PathLike[str]


def resolve_config(paths: Sequence[PathLike] = (), config_path: PathLike | None = None) -> LintConfig:
    """The configuration for linting `paths`: an explicit file, or the nearest pyproject.toml."""
    if config_path is not None:
        return load_config(config_path)
    start = Path(paths[0]) if paths else Path.cwd()
    return load_config(find_pyproject(start if start.exists() else Path.cwd()))


def lint(*targets: PathLike | Notebook, select: Iterable[str] | None = None,
         ignore: Iterable[str] | None = None, config: LintConfig | None = None,
         cache: CellCache | None = None) -> LintReport:
    """Lint notebooks given as paths (files or directories) or as `Notebook` models.

    Returns a LintReport; iterate it for every Finding. Unreadable files are entries with
    `error` set; they never raise.
    """
    if config is None:
        paths = [t for t in targets if not isinstance(t, Notebook)]
        config = resolve_config(paths)
    config = config.with_overrides(select=list(select or []), ignore=list(ignore or []))
    report = LintReport()
    for target in targets:
        if isinstance(target, Notebook):
            report.files.append(FileResult(target.path, lint_notebook(target, config, cache),
                                           notebook=target))
        else:
            report.files.extend(_lint_paths([target], config, cache).files)
    return report


def lint_paths(paths: Sequence[PathLike], config: LintConfig | None = None,
               cache: CellCache | None = None) -> LintReport:
    return _lint_paths(paths, config or resolve_config(paths), cache)


def lint_source(text: str, path: str = "<memory>.ipynb", config: LintConfig | None = None,
                cache: CellCache | None = None) -> FileResult:
    """Lint notebook content held in memory (unsaved edits): .ipynb JSON or percent script."""
    from .errors import NotebookReadError
    try:
        nb = parse_percent_script(text, path) if path.endswith(".py") else parse_ipynb(text, path)
    except NotebookReadError as exc:
        return FileResult(path=path, error=exc.problem)
    return FileResult(path, lint_notebook(nb, config or LintConfig(), cache), notebook=nb)


def fix_paths(paths: Sequence[PathLike], config: LintConfig | None = None, unsafe: bool = False,
              write: bool = True) -> FixOutcome:
    """Apply (or, with write=False, only compute) fixes for the notebooks under `paths`."""
    return _fix_paths(paths, config or resolve_config(paths), unsafe=unsafe, write=write)


def render_report(report: LintReport, fmt: str = "text", **options: Any) -> str:
    return render(report, fmt, **options)


def exit_status(report: LintReport, fail_level: Severity = Severity.WARNING) -> int:
    """0 clean, 1 findings at or above the fail level or unreadable files."""
    if any(r.error for r in report.files):
        return 1
    return 1 if any(f.severity.rank >= fail_level.rank for f in report.findings) else 0


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    category: str
    severity: str
    summary: str
    fix: str | None
    url: str
    markdown: str
    options: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _info(rule: type[Rule]) -> RuleInfo:
    return RuleInfo(code=rule.code, name=rule.name, category=rule.category,
                    severity=rule.severity.value, summary=rule.summary,
                    fix=rule.fix.value if rule.fix else None, url=rule.url(),
                    markdown=rule.lesson().markdown(f"{rule.name} ({rule.code})"),
                    options=dict(rule.options))


def explain(name_or_code: str) -> RuleInfo:
    """The lesson of one rule. Raises UnknownRuleError for names that match no rule."""
    rule = get_rule(name_or_code)
    if rule is None:
        raise UnknownRuleError(name_or_code)
    return _info(rule)


def list_rules() -> list[RuleInfo]:
    return [_info(r) for r in all_rules()]


# -- productionise (notebook -> tested, versioned package) --------------------------------------
from typing import TYPE_CHECKING, Callable  # noqa: E402

if TYPE_CHECKING:
    import threading

    from .productionise.model import ProductionisePlan, ProductioniseResult


def plan_productionise(notebook: PathLike | Notebook, out_dir: PathLike | None = None,
                       name: str | None = None) -> "ProductionisePlan":
    """What `productionise` would do (stages, signatures, parameters, artifacts, dropped lines,
    files), writing nothing. `plan.problems` says why a notebook cannot be extracted.
    Raises NotebookReadError for a file that cannot be read."""
    from .productionise.runner import plan as _plan
    return _plan(notebook, out_dir, name).plan


def productionise(notebook: PathLike | Notebook, out_dir: PathLike | None = None,
                  name: str | None = None, check: bool = True,
                  progress: "Callable[[str, float], None] | None" = None,
                  cancel: "threading.Event | None" = None) -> "ProductioniseResult":
    """Extract the notebook into a tested, versioned package under `out_dir` (default: a folder
    named after the package next to the notebook). `success` is True only after the generated
    tests passed in a fresh process (`check=False` skips them and says so). `progress(message,
    fraction)` is called between steps; setting `cancel` stops the run and kills its
    subprocesses (raises `productionise.Cancelled`). Raises NotebookReadError for unreadable
    files and ProductioniseError for an unusable output directory."""
    from .productionise.runner import productionise as _productionise
    return _productionise(notebook, out_dir, name, check=check, progress=progress, cancel=cancel)


# -- the record (audit ledger, data snapshots, model registry) -----------------------------------
# Loaded on first use, so linting never pays for cryptography; see docs/audit.md, docs/data.md
# and docs/registry.md.
_RECORD = {
    "ArtifactStore": "audit", "Entry": "audit", "Ledger": "audit", "environment_lock": "audit",
    "git_state": "audit", "kinds": "audit", "Checkpoint": "audit.checkpoint",
    "make_checkpoint": "audit.checkpoint", "VerifyReport": "audit.verify", "verify_ledger": "audit.verify",
    "Snapshot": "data", "diff_snapshots": "data", "get_snapshot": "data", "list_snapshots": "data",
    "snapshot": "data", "subject_hash": "data", "verify_snapshot": "data", "Project": "project",
    "GateRefused": "registry", "ModelVersion": "registry", "Registry": "registry",
}


def trace(name: str, version: int | None = None, project: PathLike | None = None):
    """The audit trace of a model version (latest when `version` is None): code, data, people."""
    from .registry import Registry
    return Registry(project).trace(name, version)


def export_in_toto(out_dir: PathLike, name: str | None = None, project: PathLike | None = None):
    """DSSE-signed in-toto provenance for every registered version (of `name`) into `out_dir`."""
    from .registry import Registry
    return Registry(project).export_in_toto(out_dir, name)


def __getattr__(name: str) -> Any:
    module = _RECORD.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__package__}.{module}"),
                    "verify" if name == "verify_ledger" else name)
    globals()[name] = value
    return value


__all__ = [
    "CellCache", "FileResult", "Finding", "FixOutcome", "LintConfig", "LintReport", "Notebook",
    "NotebookFixResult", "REPORT_FORMATS", "RuleInfo", "Severity", "config_from_table", "discover",
    "exit_status", "explain", "fix_notebook", "fix_paths", "lint", "lint_file", "lint_notebook",
    "lint_paths", "lint_source", "list_rules", "load_notebook", "notebook_from_json", "render_report",
    "plan_productionise", "productionise", "resolve_config",
    # the record
    "ArtifactStore", "Checkpoint", "Entry", "GateRefused", "Ledger", "ModelVersion", "Project",
    "Registry", "Snapshot", "VerifyReport", "diff_snapshots", "environment_lock", "get_snapshot",
    "git_state", "kinds", "list_snapshots", "make_checkpoint", "snapshot", "subject_hash",
    "verify_ledger", "verify_snapshot", "trace", "export_in_toto",
]
