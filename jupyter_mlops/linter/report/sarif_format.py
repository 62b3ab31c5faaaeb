"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

Regions are file positions: GitHub shows a result against the raw file, so a finding in an
.ipynb points at the JSON line where its cell source line is written, and a finding in a
percent-format script at the script's own line. The in-cell position (cell index, cell id,
line, column) travels in each result's `properties`, where notebook-aware viewers can use it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..._version import __version__
from ..findings import FileResult, Finding, LintReport
from ..registry import all_rules
from ..rule import Rule
from .file_positions import FilePositions

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/jupyter-mlops/jupyter-mlops"
SRCROOT = "%SRCROOT%"
# RFC 3986 path characters left as they are (':' is not: it would read as a scheme).
_URI_SAFE = "/!$&'()*+,;=@-._~"
_PRETTY_LIMIT = 5000
_FINGERPRINT_TEXT = 500  # enough of a line to tell lines apart; generated lines can be huge
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub ranks security alerts by this property (CVSS-like, 0.0-10.0).
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.5", "info": "2.0"}


def format_sarif(report: LintReport, root: str | os.PathLike[str] | None = None,
                 **_: object) -> str:
    log = sarif_log(report, root)
    # Indented for people; past a few thousand results, compact (the C encoder, ~10x faster).
    indent = 2 if len(log["runs"][0]["results"]) <= _PRETTY_LIMIT else None
    return json.dumps(log, indent=indent, ensure_ascii=False)


def sarif_log(report: LintReport, root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The SARIF log as a dict. Paths are made relative to `root` (default: the working dir)."""
    base = Path(os.path.abspath(root or os.getcwd()))
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    descriptors = [_descriptor(r) for r in rules]
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for file_result in report.files:
        location = _artifact(file_result.path, base)
        if file_result.error:
            notifications.append({
                "level": "error",
                "message": {"text": f"{file_result.path}: {file_result.error}"},
                "locations": [{"physicalLocation": {"artifactLocation": location}}],
                "descriptor": {"id": "file-unreadable"},
            })
            continue
        positions = FilePositions(file_result)
        for f in file_result.findings:
            if f.code not in index:  # a rule registered after this run started; keep it anyway
                index[f.code] = len(descriptors)
                descriptors.append({"id": f.code, "name": f.rule,
                                    "shortDescription": {"text": f.rule}})
            results.append(_result(f, index[f.code], location, positions, file_result))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "jupyter-mlops",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": descriptors,
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            # The tool ran to the end: unreadable files are reported, not fatal.
            "executionSuccessful": True,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    try:
        lesson = rule.lesson()
        full, markdown = lesson.what, lesson.markdown(f"{rule.name} ({rule.code})")
    except ValueError:  # a lesson that does not parse must not break the report
        full, markdown = rule.summary, rule.summary
    properties: dict[str, Any] = {"tags": [rule.category], "category": rule.category}
    if rule.category == "security":
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity.value]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": markdown, "markdown": markdown},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        "properties": properties,
    }


def _artifact(path: str, base: Path) -> dict[str, Any]:
    """A URI relative to the source root when the file is under it, else an absolute file URI."""
    absolute = Path(os.path.abspath(path))  # the path as given (links not followed), normalised
    # The working directory may be reached through a symbolic link (os.getcwd() resolves it):
    # try the path as given and resolved against the root as given and resolved.
    candidates = (absolute, Path(os.path.realpath(absolute)))
    roots = (base, Path(os.path.abspath(os.getcwd())), Path(os.path.realpath(base)))
    for root in roots:
        for candidate in candidates:
            try:
                rel = candidate.relative_to(root)
            except ValueError:
                continue
            return {"uri": quote(rel.as_posix(), safe=_URI_SAFE), "uriBaseId": SRCROOT}
    return {"uri": absolute.as_uri()}


def _result(f: Finding, rule_index: int, location: dict[str, Any], positions: FilePositions,
            file_result: FileResult) -> dict[str, Any]:
    line, col, end_line, end_col = positions.region(f)
    region: dict[str, Any] = {"startLine": max(1, line)}
    if col is not None:
        region["startColumn"] = max(1, col)
    if end_line is not None and end_line >= region["startLine"]:
        region["endLine"] = end_line
        if end_col is not None and (end_line > region["startLine"]
                                    or end_col > region.get("startColumn", 0)):
            region["endColumn"] = end_col
    properties: dict[str, Any] = {"rule": f.rule, "severity": f.severity.value}
    if f.cell is not None:
        properties.update(cell=f.cell, cellId=f.cell_id, cellLine=f.line, cellColumn=f.column,
                          cellEndLine=f.end_line, cellEndColumn=f.end_column)
    if f.fix is not None:
        properties["fix"] = {"message": f.fix.message, "applicability": f.fix.applicability.value}
    if f.hint:
        properties["hint"] = f.hint
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[f.severity.value],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
        "partialFingerprints": {"jupyterMlops/v1": _fingerprint(f, positions)},
        "properties": properties,
    }


def _fingerprint(f: Finding, positions: FilePositions) -> str:
    """Stable across edits elsewhere in the notebook: rule, cell id (or index), line text."""
    text = positions.line_text(f.cell, f.line)[:_FINGERPRINT_TEXT].strip()
    where = f.cell_id or (str(f.cell) if f.cell is not None else "")
    key = "\x1f".join([f.code, where, text, f.message if not text else ""])
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
