"""`jupyter-mlops data`: snapshot, verify, diff, list, revoke, forget."""

from __future__ import annotations

import argparse
import sys

from ..errors import ConfigError
from ._record import add_project, project
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
    data = sub.add_parser("data", help="data snapshots, consent and erasure requests",
                          description="Data sets as managed assets: manifests of every file (nothing "
                                      "copied), consent that can be withdrawn, erasure requests.")
    cmds = data.add_subparsers(dest="data_command", parser_class=Parser, metavar="ACTION")
    snap = cmds.add_parser("snapshot", help="record a manifest (path, size, sha256 of every file)")
    snap.add_argument("path", help="a folder or file, or a URL such as s3://bucket/prefix (fsspec)")
    snap.add_argument("--name", help="a name for people (default: the folder's name)")
    verify = cmds.add_parser("verify", help="do the files still match the snapshot? (exit 1 if not)")
    verify.add_argument("snapshot", help="id, id prefix or name")
    verify.add_argument("--path", help="where the data is now, if it moved")
    diff = cmds.add_parser("diff", help="what changed between two snapshots")
    diff.add_argument("a")
    diff.add_argument("b")
    listing = cmds.add_parser("list", help="every snapshot with its consent state")
    revoke = cmds.add_parser("revoke", help="withdraw consent: the snapshot and every model trained on it "
                                            "are revoked")
    revoke.add_argument("snapshot")
    revoke.add_argument("--reason", required=True)
    forget = cmds.add_parser("forget", help="record an erasure request for a data subject (only a salted "
                                            "hash is kept)")
    forget.add_argument("subject_id", metavar="SUBJECT_ID",
                        help="the person's id in the data; '-' reads ids from standard input, one a line "
                             "(keeps them out of your shell history)")
    forget.add_argument("--snapshot", required=True)
    for p in (snap, verify, diff, listing, revoke, forget):
        add_project(p)
        add_format(p)
    data.set_defaults(_data_parser=data)
    return data


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "data_command", None)
    if action is None:
        args._data_parser.print_help()
        return EXIT_USAGE
    return _ACTIONS[action](args)


def _size(n: int) -> str:
    from ..audit.trace import _size as size
    return size(n)


def _snapshot(args) -> int:
    from ..data import snapshot
    snap = snapshot(args.path, name=args.name, project=project(args))
    if args.format == "json":
        emit_json(snap.to_dict())
    else:
        state = "recorded" if snap.new else "unchanged since"
        emit(f"{state} snapshot {snap.id} '{snap.name}': {snap.files} files, {_size(snap.bytes)}, root "
             f"{snap.root[:16]}" + ("" if snap.consent == "active" else f" (consent REVOKED: {snap.revoked_reason})"))
    return EXIT_OK


def _verify(args) -> int:
    from ..data import get_snapshot, verify_snapshot
    p = project(args)
    d = verify_snapshot(args.snapshot, p, path=args.path)
    sid = get_snapshot(args.snapshot, p).id
    if args.format == "json":
        emit_json({"snapshot": sid, "ok": d.same, **d.to_dict()})
    else:
        emit(f"snapshot {sid}: the files match" if d.same else f"snapshot {sid}: the files CHANGED\n"
             + d.summary())
    return EXIT_OK if d.same else EXIT_FAILED


def _diff(args) -> int:
    from ..data import diff_snapshots
    d = diff_snapshots(args.a, args.b, project(args))
    if args.format == "json":
        emit_json(d.to_dict())
    else:
        emit(d.summary())
    return EXIT_OK


def _list(args) -> int:
    from ..data import list_snapshots
    snaps = list_snapshots(project(args))
    if args.format == "json":
        emit_json({"snapshots": [s.to_dict() for s in snaps]})
    else:
        emit("\n".join(f"{s.id}  {s.created[:19].replace('T', ' ')}  {s.files:>7} files  {_size(s.bytes):>10}  "
                       f"{s.consent:<8} {s.name}  ({s.path})"
                       + (f"  revoked: {s.revoked_reason}" if s.revoked_reason else "")
                       for s in snaps) or "no snapshots")
    return EXIT_OK


def _affected(pairs) -> list[dict]:
    return [{"name": n, "version": v} for n, v in pairs]


def _revoke(args) -> int:
    from ..registry import Registry
    snap, affected = Registry(project(args)).revoke_data(args.snapshot, args.reason)
    if args.format == "json":
        emit_json({"snapshot": snap.id, "consent": snap.consent, "reason": snap.revoked_reason,
                   "revoked_models": _affected(affected)})
    else:
        emit(f"consent withdrawn for snapshot {snap.id} '{snap.name}'; revoked: "
             + (", ".join(f"{n}:{v}" for n, v in affected) or "no model versions"))
    return EXIT_OK


def _forget(args) -> int:
    from ..registry import Registry
    if args.subject_id == "-":
        ids = [line.strip() for line in sys.stdin if line.strip()]
        if not ids:
            raise ConfigError("no subject ids on standard input")
    else:
        ids = [args.subject_id]
    reg = Registry(project(args))
    hashes, affected = [], set()
    for subject in ids:
        h, models = reg.forget_subject(subject, args.snapshot)
        hashes.append(h)
        affected |= set(models)
    from ..data import get_snapshot
    sid = get_snapshot(args.snapshot, reg.project).id
    if args.format == "json":
        emit_json({"snapshot": sid, "subject_hashes": hashes, "retrain_required": _affected(sorted(affected))})
    else:
        emit(f"erasure request recorded for {len(hashes)} subject(s) of snapshot {sid} (salted hashes "
             "only); retrain required: " + (", ".join(f"{n}:{v}" for n, v in sorted(affected)) or "none"))
    return EXIT_OK


_ACTIONS = {"snapshot": _snapshot, "verify": _verify, "diff": _diff, "list": _list, "revoke": _revoke,
            "forget": _forget}
