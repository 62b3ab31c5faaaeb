"""The `jupyter-mlops` command (also `jupyter mlops`). A thin door over jupyter_mlops.api."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from . import api
from ._version import __version__
from .errors import ConfigError, JupyterMlopsError
from .linter.findings import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors too; keep one line
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jupyter-mlops",
                     description="Walk notebooks to production: lint, productionise, experiment, scaffold.")
    parser.add_argument("--version", action="version", version=f"jupyter-mlops {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    lint = sub.add_parser("lint", help="find production hazards in notebooks",
                          description="Lint notebooks (.ipynb, percent-format .py) for production hazards.")
    lint.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    lint.add_argument("--format", choices=sorted(api.REPORT_FORMATS), default="text")
    lint.add_argument("--select", type=_csv, help="rules to enable: names, codes, prefixes, categories, ALL")
    lint.add_argument("--extend-select", type=_csv, help="rules to enable on top of the configured ones")
    lint.add_argument("--ignore", type=_csv, help="rules to disable")
    lint.add_argument("--fail-level", choices=[s.value for s in Severity],
                      help="lowest severity that makes the exit status 1 (default: warning)")
    lint.add_argument("--config", help="pyproject.toml to read (default: nearest one with [tool.jupyter-mlops])")
    lint.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    lint.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    lint.add_argument("--diff", action="store_true", help="show the fixes as a diff; write nothing")
    lint.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    lint.add_argument("--no-source", action="store_true", help="text format: do not show source lines")
    lint.add_argument("--color", choices=["auto", "always", "never"], default="auto")

    rule = sub.add_parser("rule", help="explain a rule (the lesson behind a finding)",
                          description="Print a rule's lesson: what it finds, why it matters, what to do.")
    rule.add_argument("name", nargs="?", help="rule name or code, e.g. hardcoded-secret or NB301")
    rule.add_argument("--list", action="store_true", help="list every rule")
    rule.add_argument("--format", choices=["text", "json"], default="text")

    prod = sub.add_parser("productionise", help="extract a notebook into a tested, versioned package",
                          description="Extract a notebook into a Python package with a pipeline, "
                                      "config, tests and provenance; or, with --plan, show the plan.")
    prod.add_argument("notebook", help="the notebook (.ipynb or percent-format .py); never modified")
    prod.add_argument("--out", help="output directory (default: a folder named after the package, next to the notebook)")
    prod.add_argument("--name", help="package name (default: from the notebook's file name)")
    prod.add_argument("--check", action=argparse.BooleanOptionalAction, default=True,
                      help="run the generated tests in a fresh process (default); --no-check skips them")
    prod.add_argument("--plan", action="store_true", help="print the plan; write nothing")
    prod.add_argument("--format", choices=["text", "json"], default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "lint":
            return _lint(args)
        if args.command == "rule":
            return _rule(args)
        if args.command == "productionise":
            return _productionise(args)
    except ConfigError as exc:
        print(f"jupyter-mlops: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JupyterMlopsError as exc:
        print(f"jupyter-mlops: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_USAGE


def _emit(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _lint(args: argparse.Namespace) -> int:
    config = api.resolve_config(args.paths, args.config).with_overrides(
        select=args.select, ignore=args.ignore, extend_select=args.extend_select,
        fail_level=args.fail_level)
    if args.fix or args.diff or args.unsafe_fixes:
        outcome = api.fix_paths(args.paths, config=config, unsafe=args.unsafe_fixes,
                                write=not args.diff)
        if args.diff:
            _emit(outcome.diff, None)
            return EXIT_FINDINGS if outcome.diff.strip() else EXIT_OK
        print(outcome.summary(), file=sys.stderr)
        report = outcome.report
    else:
        report = api.lint_paths(args.paths, config=config)
    color = args.color == "always" or (args.color == "auto" and args.output is None
                                       and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    _emit(api.render_report(report, args.format, color=color, show_source=not args.no_source),
          args.output)
    return api.exit_status(report, config.fail_level)


def _rule(args: argparse.Namespace) -> int:
    if args.list or not args.name:
        rules = api.list_rules()
        if args.format == "json":
            import json
            _emit(json.dumps([r.to_dict() for r in rules], indent=2), None)
        else:
            width = max(len(r.name) for r in rules)
            lines = [f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {r.category:<15}  {r.summary}"
                     for r in rules]
            _emit("\n".join(lines), None)
        return EXIT_OK
    info = api.explain(args.name)
    if args.format == "json":
        import json
        _emit(json.dumps(info.to_dict(), indent=2), None)
    else:
        _emit(info.markdown, None)
    return EXIT_OK


def _productionise(args: argparse.Namespace) -> int:
    import json
    if args.plan:
        plan = api.plan_productionise(args.notebook, out_dir=args.out, name=args.name)
        _emit(json.dumps(plan.to_dict(), indent=2, default=str) if args.format == "json"
              else plan.summary(), None)
        return EXIT_OK if plan.ok else EXIT_FINDINGS
    progress = None
    if args.format == "text":
        def progress(message: str, fraction: float) -> None:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)
    result = api.productionise(args.notebook, out_dir=args.out, name=args.name, check=args.check,
                               progress=progress)
    _emit(json.dumps(result.to_dict(), indent=2, default=str) if args.format == "json"
          else result.summary(), None)
    return EXIT_OK if result.success else EXIT_FINDINGS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
