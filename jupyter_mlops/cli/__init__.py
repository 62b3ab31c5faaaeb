"""The `jupyter-mlops` command (also `jupyter mlops`). A thin door over jupyter_mlops.api.

Each command group lives in a module of this package exposing `add_parser(subparsers)` and
`run(args) -> int`; `COMMANDS` lists them in the order `--help` shows them. Modules import the
heavy parts of the engine inside `run`, so `jupyter-mlops lint` never pays for Ray or FastAPI.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .._version import __version__
from ..errors import ConfigError, JupyterMlopsError, MissingExtraError
from .common import EXIT_FAILED, EXIT_USAGE, Parser

# Command modules, each `add_parser(sub)` + `run(args)`; new groups add one line here.
COMMANDS = (
    "lint",
    "rule",
    "productionise",
    "audit",
    "data",
    "model",
)


def _module(name: str):
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="jupyter-mlops",
                    description="Walk notebooks to production: lint, productionise, experiment, "
                                "record, serve.")
    parser.add_argument("--version", action="version", version=f"jupyter-mlops {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    for name in COMMANDS:
        command = _module(name).add_parser(sub)
        command.set_defaults(_command=name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    name = getattr(args, "_command", None)
    if name is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _module(name).run(args)
    except (ConfigError, MissingExtraError) as exc:
        print(f"jupyter-mlops: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JupyterMlopsError as exc:
        print(f"jupyter-mlops: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


__all__ = ["COMMANDS", "build_parser", "main"]
