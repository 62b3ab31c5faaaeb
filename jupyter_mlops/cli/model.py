"""`jupyter-mlops model`: register, promote, rollback, revoke, list, show, cutout, restore.

Two ways to extend the group without editing it:
- `REGISTER_SOURCES`: functions (args, registry) -> ModelVersion | None, tried in turn when
  `model register SOURCE` is given (issue 15: `EXPERIMENT:TRIAL`);
- `SUBCOMMAND_MODULES`: modules of this package with `add_subcommands(sub)` whose parsers set
  `_model_run` (issue 16: `import-events`); a name this module already defines keeps its own.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ._record import add_project, bool_arg, json_arg, model_ref, project
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    add_format,
    emit,
    emit_json,
)

# Extra ways to register, by name; `model register SOURCE` tries each in turn (first non-None wins).
REGISTER_SOURCES: list[Callable[[argparse.Namespace, Any], Any]] = []
SUBCOMMAND_MODULES = ("model_serving",)


class _NewNamesOnly:
    """The group's subparsers as an extension sees them: a name already taken gets a parser
    that is never attached, so two modules defining `restore` cannot clash."""

    def __init__(self, sub) -> None:
        self._sub = sub

    def add_parser(self, name: str, **kw):
        if name in self._sub.choices:
            return Parser(prog=name, add_help=False)
        return self._sub.add_parser(name, **kw)


def _extensions(cmds) -> None:
    for module in SUBCOMMAND_MODULES:
        try:
            extension = importlib.import_module(f"{__package__}.{module}")
        except ImportError:
            continue
        adder = getattr(extension, "add_subcommands", None)
        if adder is not None:
            adder(_NewNamesOnly(cmds))


def add_parser(sub) -> argparse.ArgumentParser:
    model = sub.add_parser("model", help="the model registry and its promotion gate",
                           description="Versions of a model, a promotion gate that cannot be bypassed, "
                                       "rollback, revocation; each action records its approver.")
    cmds = model.add_subparsers(dest="model_command", parser_class=Parser, metavar="ACTION")
    reg = cmds.add_parser("register", help="register a model file as a new candidate version")
    reg.add_argument("source", nargs="?", metavar="SOURCE",
                     help="something to register from (EXPERIMENT:TRIAL, with the experiments feature)")
    reg.add_argument("--artifact", metavar="FILE", help="the model file (ONNX for serving)")
    reg.add_argument("--name", required=True, help="the model's name (letters, digits, '.', '_', '-')")
    reg.add_argument("--trained-on", action="append", metavar="SNAPSHOT",
                     help="the data snapshot it was trained on (id, prefix or name; repeatable)")
    reg.add_argument("--metrics", metavar="JSON", help='e.g. \'{"auc": 0.91}\' or @metrics.json')
    reg.add_argument("--criteria-passed", type=bool_arg, metavar="true|false",
                     help="whether it met its success criteria (without it, promotion is refused)")
    reg.add_argument("--parity", metavar="FILE", help="ONNX parity report (JSON with 'passed')")
    reg.add_argument("--signature", metavar="FILE", help="input/output signature (JSON)")
    reg.add_argument("--metadata", metavar="JSON", help="free-form JSON recorded with it")
    promote = cmds.add_parser("promote", help="promote through the gate (exit 1 when refused)")
    promote.add_argument("model", metavar="NAME:VERSION")
    promote.add_argument("--to", required=True, choices=["staging", "production"])
    promote.add_argument("--env", default="default", help="client environment (default: %(default)s)")
    rollback = cmds.add_parser("rollback", help="back to the previous production version")
    rollback.add_argument("name", metavar="NAME")
    rollback.add_argument("--env", default="default")
    revoke = cmds.add_parser("revoke", help="revoke a version (it can never be promoted again)")
    revoke.add_argument("model", metavar="NAME:VERSION")
    revoke.add_argument("--reason", required=True)
    listing = cmds.add_parser("list", help="versions with status and why")
    listing.add_argument("name", nargs="?", metavar="NAME")
    show = cmds.add_parser("show", help="everything recorded about a version")
    show.add_argument("model", metavar="NAME[:VERSION]")
    cut = cmds.add_parser("cutout", help="emergency stop: services answer 503")
    cut.add_argument("name", metavar="NAME")
    cut.add_argument("--reason", required=True)
    cut.add_argument("--env", default="default")
    restore = cmds.add_parser("restore", help="lift a cut-out")
    restore.add_argument("name", metavar="NAME")
    restore.add_argument("--env", default="default")
    for p in (reg, promote, rollback, revoke, listing, show, cut, restore):
        add_project(p)
        add_format(p)
    _extensions(cmds)
    model.set_defaults(_model_parser=model)
    return model


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "model_command", None)
    if action is None:
        args._model_parser.print_help()
        return EXIT_USAGE
    if action not in _ACTIONS and getattr(args, "_model_run", None) is not None:
        return args._model_run(args)
    return _ACTIONS[action](args)


def registry(args: argparse.Namespace):
    from ..registry import Registry
    return Registry(project(args))


def version_dict(mv) -> dict[str, Any]:
    d = mv.to_dict()
    d.pop("metadata", None)
    return d


def _why(mv) -> str:
    if mv.revoked_reason:
        return mv.revoked_reason
    if mv.retrain_reason:
        return mv.retrain_reason
    if mv.criteria_passed is None:
        return "no criteria result recorded"
    if mv.criteria_passed is False:
        return "criteria not passed"
    if isinstance(mv.parity, dict) and mv.parity.get("passed") is False:
        return "ONNX parity failed"
    return ""


def _register(args) -> int:
    reg = registry(args)
    if args.source is not None:
        mv = next((r for r in (fn(args, reg) for fn in REGISTER_SOURCES) if r is not None), None)
        if mv is None:
            raise ConfigError(f"cannot register from {args.source!r}: use --artifact FILE "
                              "(registering EXPERIMENT:TRIAL needs the experiments feature)")
    else:
        if not args.artifact:
            raise ConfigError("model register needs --artifact FILE (or a SOURCE such as EXPERIMENT:TRIAL)")
        extras = {k: v for k, v in (("parity", args.parity), ("signature", args.signature)) if v}
        metrics = json_arg(args.metrics, "metrics")
        if metrics is not None and not isinstance(metrics, dict):
            raise ConfigError('--metrics must be a JSON object such as {"auc": 0.91}')
        metadata = json_arg(args.metadata, "metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ConfigError("--metadata must be a JSON object")
        mv = reg.register(args.artifact, args.name, trained_on=args.trained_on, metrics=metrics,
                          criteria_passed=args.criteria_passed, extra_artifacts=extras or None,
                          metadata=metadata)
    if args.format == "json":
        emit_json(version_dict(mv))
    else:
        emit(f"registered {mv.ref} ({mv.status}), artifact sha256 {mv.artifact_sha256[:16]}"
             + (f"; trained on {', '.join(mv.trained_on)}" if mv.trained_on else "")
             + (f"; note: {_why(mv)}" if _why(mv) else ""))
    return EXIT_OK


def _promote(args) -> int:
    from ..registry import GateRefused
    name, version = model_ref(args.model)
    try:
        mv = registry(args).promote(name, version, to=args.to, env=args.env)
    except GateRefused as refused:
        if args.format == "json":
            emit_json({"name": name, "version": version, "to": args.to, "env": args.env, "promoted": False,
                       "refused": True, "reasons": refused.reasons})
        else:
            emit(f"the promotion gate refused {name}:{version} for {args.to}:\n"
                 + "\n".join(f"  - {r}" for r in refused.reasons))
        return EXIT_FAILED
    if args.format == "json":
        emit_json({"name": mv.name, "version": mv.version, "to": args.to, "env": args.env, "promoted": True,
                   "status": mv.status, "environments": mv.environments})
    else:
        emit(f"promoted {mv.ref} to {args.to} in {args.env}")
    return EXIT_OK


def _rollback(args) -> int:
    mv = registry(args).rollback(args.name, env=args.env)
    if args.format == "json":
        emit_json({"name": mv.name, "env": args.env, "version": mv.version, "status": mv.status})
    else:
        emit(f"{mv.name} in {args.env} is back on version {mv.version}")
    return EXIT_OK


def _revoke(args) -> int:
    name, version = model_ref(args.model)
    mv = registry(args).revoke(name, version, args.reason)
    if args.format == "json":
        emit_json({"name": mv.name, "version": mv.version, "status": mv.status, "reason": mv.revoked_reason})
    else:
        emit(f"revoked {mv.ref}: {mv.revoked_reason}")
    return EXIT_OK


def _list(args) -> int:
    versions = registry(args).list(args.name)
    if args.format == "json":
        emit_json({"models": [version_dict(mv) for mv in versions]})
        return EXIT_OK
    if not versions:
        emit("no registered models")
        return EXIT_OK
    rows = [("MODEL", "STATUS", "WHERE", "CRITERIA", "WHY")]
    for mv in versions:
        crit = {True: "passed", False: "failed", None: "-"}[mv.criteria_passed]
        where = ",".join(f"{e}:{s}" for e, s in mv.environments.items()) or "-"
        rows.append((mv.ref, mv.status, where, crit, _why(mv)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    emit("\n".join("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4] for r in rows).rstrip())
    return EXIT_OK


def _show(args) -> int:
    name, version = model_ref(args.model, need_version=False)
    reg = registry(args)
    mv = reg.get(name, version)
    path = reg.release_state_path(name)
    if args.format == "json":
        emit_json({**mv.to_dict(), "release_state": str(path)})
    else:
        lines = [f"{mv.ref}: {mv.status}" + (f" ({_why(mv)})" if _why(mv) else ""),
                 f"  artifact     {mv.artifact_name} sha256 {mv.artifact_sha256}",
                 f"  trained on   {', '.join(mv.trained_on) or '-'}",
                 f"  metrics      {mv.metrics or '-'}",
                 f"  criteria     {mv.criteria_passed}",
                 f"  parity       {mv.parity if mv.parity is not None else '-'}",
                 f"  environments {mv.environments or '-'}",
                 f"  release      {path}"]
        lines += [f"  {a.time[:19].replace('T', ' ')}  {a.action:<11} {a.by} {a.detail}".rstrip()
                  for a in mv.approvals]
        emit("\n".join(lines))
    return EXIT_OK


def _cut_out(args) -> int:
    info = registry(args).cut_out(args.name, args.reason, env=args.env)
    emit_json(info) if args.format == "json" else emit(f"{args.name} cut out in {args.env}: {args.reason}")
    return EXIT_OK


def _restore(args) -> int:
    info = registry(args).restore(args.name, env=args.env)
    emit_json(info) if args.format == "json" else emit(f"{args.name} restored in {args.env}")
    return EXIT_OK


_ACTIONS = {"register": _register, "promote": _promote, "rollback": _rollback, "revoke": _revoke,
            "list": _list, "show": _show, "cutout": _cut_out, "restore": _restore}
