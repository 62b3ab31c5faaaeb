"""`jupyter-mlops lint`: find production hazards in notebooks."""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_FINDINGS, EXIT_OK, csv_list, emit


def add_parser(sub) -> argparse.ArgumentParser:
    from .. import api
    from ..linter.findings import Severity
    lint = sub.add_parser("lint", help="find production hazards in notebooks",
                          description="Lint notebooks (.ipynb, percent-format .py) for production hazards.")
    lint.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    lint.add_argument("--format", choices=sorted(api.REPORT_FORMATS), default="text")
    lint.add_argument("--select", type=csv_list, help="rules to enable: names, codes, prefixes, categories, ALL")
    lint.add_argument("--extend-select", type=csv_list, help="rules to enable on top of the configured ones")
    lint.add_argument("--ignore", type=csv_list, help="rules to disable")
    lint.add_argument("--fail-level", choices=[s.value for s in Severity],
                      help="lowest severity that makes the exit status 1 (default: warning)")
    lint.add_argument("--config", help="pyproject.toml to read (default: nearest one with [tool.jupyter-mlops])")
    lint.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    lint.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    lint.add_argument("--diff", action="store_true", help="show the fixes as a diff; write nothing")
    lint.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    lint.add_argument("--no-source", action="store_true", help="text format: do not show source lines")
    lint.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    return lint


def run(args: argparse.Namespace) -> int:
    from .. import api
    config = api.resolve_config(args.paths, args.config).with_overrides(
        select=args.select, ignore=args.ignore, extend_select=args.extend_select,
        fail_level=args.fail_level)
    if args.fix or args.diff or args.unsafe_fixes:
        outcome = api.fix_paths(args.paths, config=config, unsafe=args.unsafe_fixes,
                                write=not args.diff)
        if args.diff:
            emit(outcome.diff, None)
            return EXIT_FINDINGS if outcome.diff.strip() else EXIT_OK
        print(outcome.summary(), file=sys.stderr)
        report = outcome.report
    else:
        report = api.lint_paths(args.paths, config=config)
    color = args.color == "always" or (args.color == "auto" and args.output is None
                                       and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    emit(api.render_report(report, args.format, color=color, show_source=not args.no_source),
         args.output)
    return api.exit_status(report, config.fail_level)
