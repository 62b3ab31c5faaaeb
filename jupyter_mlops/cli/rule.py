"""`jupyter-mlops rule`: the lesson behind a finding."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, emit, emit_json


def add_parser(sub) -> argparse.ArgumentParser:
    rule = sub.add_parser("rule", help="explain a rule (the lesson behind a finding)",
                          description="Print a rule's lesson: what it finds, why it matters, what to do.")
    rule.add_argument("name", nargs="?", help="rule name or code, e.g. hardcoded-secret or NB301")
    rule.add_argument("--list", action="store_true", help="list every rule")
    rule.add_argument("--format", choices=["text", "json"], default="text")
    return rule


def run(args: argparse.Namespace) -> int:
    from .. import api
    if args.list or not args.name:
        rules = api.list_rules()
        if args.format == "json":
            emit_json([r.to_dict() for r in rules])
        else:
            width = max(len(r.name) for r in rules)
            lines = [f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {r.category:<15}  {r.summary}"
                     for r in rules]
            emit("\n".join(lines))
        return EXIT_OK
    info = api.explain(args.name)
    if args.format == "json":
        emit_json(info.to_dict())
    else:
        emit(info.markdown)
    return EXIT_OK
