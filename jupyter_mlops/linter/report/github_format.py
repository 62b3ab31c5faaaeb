"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request.

`::error file=F,line=L,col=C,endLine=..,endColumn=..,title=T::message`. Positions are file
positions (see file_positions): for an .ipynb the JSON line where the cell line is written.
"""

from __future__ import annotations

from ..findings import Finding, LintReport
from .file_positions import FilePositions

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a message the way the Actions runner unescapes it (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values also must not contain the `,` and `:` that delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind} {fields}::{escape_data(message)}" if fields else f"::{kind}::{escape_data(message)}"


def format_github(report: LintReport, **_: object) -> str:
    out: list[str] = []
    for result in report.files:
        if result.error:
            out.append(command("error", f"cannot read notebook: {result.error}",
                               file=result.path, title="jupyter-mlops: unreadable file"))
            continue
        positions = FilePositions(result)
        for f in result.findings:
            out.append(_annotation(result.path, f, positions))
    return "\n".join(out)


def _annotation(path: str, f: Finding, positions: FilePositions) -> str:
    message = f.message
    if f.cell is not None:
        where = f"cell {f.cell + 1}" + (f", line {f.line}" if f.line is not None else "")
        message = f"{where}: {message}"
    if f.hint:
        message += f"\nhint: {f.hint}"
    props: dict[str, object] = {"file": path}
    if f.cell is not None and f.line is not None:
        line, col, end_line, end_col = positions.region(f)
        props.update(line=line, col=col, endLine=end_line,
                     endColumn=end_col if end_line == line else None)
    props["title"] = f"{f.code} {f.rule}"
    return command(_COMMANDS[f.severity.value], message, **props)
