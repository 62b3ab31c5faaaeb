"""What every command module shares: the parser class, exit statuses and output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# lint's name for status 1: findings at or above the fail level
EXIT_FINDINGS = EXIT_FAILED


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors too; keep one line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def csv_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def emit(text: str, output: str | None = None) -> None:
    """Write the command's result to stdout, or to `output`."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def emit_json(obj: Any, output: str | None = None) -> None:
    """One JSON object, as every `--format json` command prints."""
    emit(json.dumps(obj, indent=2, default=str), output)


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "json")) -> None:
    parser.add_argument("--format", choices=list(choices), default=choices[0],
                        help="output format (default: %(default)s)")
