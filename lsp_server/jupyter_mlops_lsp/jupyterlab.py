"""Registration with jupyterlab-lsp (jupyter-lsp's `jupyter_lsp_spec_v1` entry point).

jupyter-lsp calls `spec(manager)` to learn how to start the server. The server reads the
notebook as jupyterlab-lsp's in-memory virtual document, so nothing needs to be written to disk.
"""

from __future__ import annotations

import sys
from typing import Any

KEY = "jupyter-mlops"
SPEC_VERSION = 2  # jupyter-lsp's spec schema version (jupyter_lsp.schema.SPEC_VERSION)

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "jupyter-mlops language server",
    "type": "object",
    "properties": {
        "jupyterMlops.enable": {"type": "boolean", "default": True,
                                "description": "Show jupyter-mlops findings."},
        "jupyterMlops.select": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Rules to run (names, codes, code prefixes or categories); "
                                               "empty keeps pyproject.toml's selection."},
        "jupyterMlops.ignore": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Rules to skip, added to pyproject.toml's ignore list."},
        "jupyterMlops.ruleOptions": {"type": "object", "default": {},
                                     "description": "Per-rule options, e.g. {\"long-cell\": {\"max-lines\": 80}}."},
    },
}


def spec(manager: Any = None) -> dict[str, dict[str, Any]]:
    try:
        from jupyter_lsp.schema import SPEC_VERSION as version
    except ImportError:  # jupyter-lsp absent: nobody will call us, but stay importable
        version = SPEC_VERSION
    return {
        KEY: {
            "argv": [sys.executable, "-m", "jupyter_mlops_lsp"],
            "languages": ["python"],
            "version": version,
            "display_name": "jupyter-mlops (notebook production hazards)",
            "mime_types": ["text/python", "text/x-ipython"],
            "requires_documents_on_disk": False,
            "urls": {
                "home": "https://github.com/jupyter-mlops/jupyter-mlops",
                "issues": "https://github.com/jupyter-mlops/jupyter-mlops/issues",
            },
            "install": {"pip": "pip install jupyter-mlops"},
            "config_schema": CONFIG_SCHEMA,
            "env": {"PYTHONUNBUFFERED": "1"},
        }
    }
