"""`jupyter-mlops audit`: verify, checkpoint, log, trace, export, rotate-key."""

from __future__ import annotations

import argparse

from ._record import add_project, model_ref, project
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    add_format,
    emit,
    emit_json,
)


def add_parser(sub) -> argparse.ArgumentParser:
    audit = sub.add_parser("audit", help="verify, checkpoint, read, trace and export the signed ledger",
                           description="The project's tamper-evident, signed audit ledger "
                                       "(.jupyter-mlops/ledger.db).")
    cmds = audit.add_subparsers(dest="audit_command", parser_class=Parser, metavar="ACTION")

    verify = cmds.add_parser("verify", help="check the hash chain (and with --full every signature)",
                             description="Exit 0 when the ledger is intact, 1 when not (naming the first "
                                         "bad entry and what is wrong).")
    verify.add_argument("--full", action="store_true", help="also verify every signature against the "
                                                           "keys registered in the ledger")
    verify.add_argument("--checkpoint", metavar="FILE", help="a checkpoint from `audit checkpoint`: also "
                                                             "detects a cut-off or rewritten tail")

    cp = cmds.add_parser("checkpoint", help="write a signed statement of the ledger's head",
                         description="Keep the file outside the project's state (commit it, mail it to "
                                     "an auditor); `audit verify --checkpoint FILE` checks against it.")
    cp.add_argument("-o", "--output", required=True, metavar="FILE")

    log = cmds.add_parser("log", help="list entries")
    log.add_argument("--kind", action="append", help="only entries of this kind (repeatable)")
    log.add_argument("--subject", help="only entries about this subject (e.g. model:churn:3)")
    log.add_argument("--limit", type=int, help="only the last N entries")

    trace = cmds.add_parser("trace", help="walk back from a model version to its code, data and people")
    trace.add_argument("model", metavar="NAME:VERSION")
    trace.add_argument("--html", metavar="FILE", help="also write a self-contained report for people")

    export = cmds.add_parser("export", help="export signed provenance")
    export.add_argument("--in-toto", required=True, metavar="DIR", dest="in_toto",
                        help="write a DSSE-signed in-toto statement per model version and the public key")
    export.add_argument("--model", metavar="NAME", help="only this model's versions")

    cmds.add_parser("rotate-key", help="replace your signing key (recorded, signed by the old key)")
    for p in (verify, cp, log, trace, export, cmds.choices["rotate-key"]):
        add_project(p)
        add_format(p)
    audit.set_defaults(_audit_parser=audit)
    return audit


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "audit_command", None)
    if action is None:
        args._audit_parser.print_help()
        return EXIT_USAGE
    return _ACTIONS[action](args)


def _verify(args) -> int:
    from ..audit import Ledger
    from ..audit.checkpoint import Checkpoint
    from ..audit.verify import verify
    cp = Checkpoint.load(args.checkpoint) if args.checkpoint else None
    report = verify(Ledger(project(args)), full=args.full, checkpoint=cp)
    if args.format == "json":
        emit_json(report.to_dict())
    else:
        emit(report.summary())
    return EXIT_OK if report.ok else EXIT_FAILED


def _checkpoint(args) -> int:
    from ..audit import Ledger
    from ..audit.checkpoint import make_checkpoint
    cp = make_checkpoint(Ledger(project(args)))
    path = cp.write(args.output)
    if args.format == "json":
        emit_json({"checkpoint": str(path), "seq": cp.seq, "hash": cp.hash, "time": cp.time,
                   "signer": cp.signer["key"]})
    else:
        emit(f"{path}: checkpoint of entry {cp.seq} ({cp.hash[:16]}), signed by {cp.signer['user']}; "
             "keep it outside the project's .jupyter-mlops folder")
    return EXIT_OK


def _log(args) -> int:
    from ..audit import Ledger
    from ..audit.trace import describe_entry
    entries = Ledger(project(args)).entries(args.kind, args.subject)
    if args.limit is not None:
        entries = entries[-args.limit:] if args.limit > 0 else []
    if args.format == "json":
        emit_json({"entries": [e.to_dict() for e in entries], "count": len(entries)})
    else:
        emit("\n".join(f"{e.seq:>6}  {e.time[:19].replace('T', ' ')}  {e.actor.user:<12} {e.kind:<24} "
                       f"{e.subject}  {describe_entry(e)}" for e in entries) or "no entries")
    return EXIT_OK


def _trace(args) -> int:
    from ..registry import Registry
    name, version = model_ref(args.model, need_version=False)
    t = Registry(project(args)).trace(name, version)
    html = None
    if args.html:
        from ..audit.report_html import write_html
        html = str(write_html(t, args.html))
    if args.format == "json":
        emit_json({**t.to_dict(), "html": html})
    else:
        emit(t.summary() + (f"\nreport: {html}" if html else ""))
    return EXIT_OK if t.ledger_ok else EXIT_FAILED


def _export(args) -> int:
    from ..registry import Registry
    result = Registry(project(args)).export_in_toto(args.in_toto, args.model)
    if args.format == "json":
        emit_json(result.to_dict())
    else:
        emit(f"{len(result.envelopes)} signed in-toto statement(s) in {result.folder}, public key "
             f"{result.keys[0]}")
    return EXIT_OK


def _rotate(args) -> int:
    from ..audit import Ledger
    entry = Ledger(project(args)).rotate_key()
    info = {"rotated": True, "old": entry.payload["old"], "new": entry.payload["new"], "seq": entry.seq}
    if args.format == "json":
        emit_json(info)
    else:
        emit(f"signing key rotated: {info['old'][:16]} -> {info['new'][:16]} (entry {entry.seq})")
    return EXIT_OK


_ACTIONS = {"verify": _verify, "checkpoint": _checkpoint, "log": _log, "trace": _trace,
            "export": _export, "rotate-key": _rotate}
