"""`jupyter-mlops productionise`: extract a notebook into a tested, versioned package."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_FAILED, EXIT_OK, emit, emit_json


def add_parser(sub) -> argparse.ArgumentParser:
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
    return prod


def run(args: argparse.Namespace) -> int:
    from .. import api
    if args.plan:
        plan = api.plan_productionise(args.notebook, out_dir=args.out, name=args.name)
        if args.format == "json":
            emit_json(plan.to_dict())
        else:
            emit(plan.summary())
        return EXIT_OK if plan.ok else EXIT_FAILED
    progress = None
    if args.format == "text":
        def progress(message: str, fraction: float) -> None:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)
    result = api.productionise(args.notebook, out_dir=args.out, name=args.name, check=args.check,
                               progress=progress)
    if args.format == "json":
        emit_json(result.to_dict())
    else:
        emit(result.summary())
    return EXIT_OK if result.success else EXIT_FAILED
