"""Where the Jinja2 templates for generated packages, services and deployment configs live.

They sit in the repository's top-level `templates/` folder; the wheel ships that folder as
`jupyter_mlops/templates/` (see pyproject.toml). An installed wheel finds them beside this
module, a source checkout or editable install one level up.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_HERE = Path(__file__).resolve().parent


def template_root() -> Path:
    for candidate in (_HERE / "templates", _HERE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"jupyter-mlops templates not found beside {_HERE}; "
                            "the installation is incomplete (reinstall jupyter-mlops)")


def template_dir(kind: str) -> Path:
    """The folder of one kind of template: productionise, service, deploy, ..."""
    return template_root() / kind


def environment(kind: str) -> Environment:
    """A strict Jinja2 environment over one template folder (a missing variable is an error)."""
    return Environment(loader=FileSystemLoader(str(template_dir(kind))), keep_trailing_newline=True,
                       undefined=StrictUndefined, autoescape=False)
