"""The audit, data and model commands as a user runs them: JSON naming what was created,
exit 0 / 1 (refused, failed verification) / 2 (usage), one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from conftest import make_data

from jupyter_mlops.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def js(capsys, *argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture
def flow(project, tmp_path, capsys):
    """data snapshot -> model register x2 (one passing criteria), in a project found by --project."""
    data = make_data(project.root / "data" / "raw")
    model = tmp_path / "model.onnx"
    model.write_bytes(b"\x08\x07onnx-model")
    p = ("--project", str(project.root))
    code, snap, _ = js(capsys, "data", "snapshot", str(data), "--name", "customers", *p)
    assert code == 0 and snap["snapshot"] and snap["files"] == 5 and snap["root"]
    code, v1, _ = js(capsys, "model", "register", "--artifact", str(model), "--name", "churn",
                     "--trained-on", "customers", "--metrics", '{"auc": 0.91}', "--criteria-passed", "true", *p)
    assert code == 0 and (v1["name"], v1["version"], v1["status"]) == ("churn", 1, "candidate")
    code, v2, _ = js(capsys, "model", "register", "--artifact", str(model), "--name", "churn", *p)
    assert code == 0 and v2["version"] == 2
    return p, snap


def test_register_promote_gate_and_list(flow, capsys):
    p, snap = flow
    code, refused, _ = js(capsys, "model", "promote", "churn:2", "--to", "production", *p)
    assert code == 1 and refused["refused"] is True and "no success-criteria" in refused["reasons"][0]
    code, text, _ = run(capsys, "model", "promote", "churn:2", "--to", "production", *p)
    assert code == 1 and "gate refused" in text
    code, ok, _ = js(capsys, "model", "promote", "churn:1", "--to", "production", *p)
    assert code == 0 and ok["promoted"] and ok["environments"] == {"default": "production"}
    code, listing, _ = js(capsys, "model", "list", *p)
    assert [(m["version"], m["status"]) for m in listing["models"]] == [(1, "production"), (2, "candidate")]
    code, text, _ = run(capsys, "model", "list", *p)
    assert "no criteria result recorded" in text
    code, shown, _ = js(capsys, "model", "show", "churn:1", *p)
    assert shown["trained_on"] == [snap["snapshot"]] and shown["release_state"].endswith("churn.json")
    code, revoked, _ = js(capsys, "data", "revoke", "customers", "--reason", "consent withdrawn", *p)
    assert code == 0 and revoked["revoked_models"] == [{"name": "churn", "version": 1}]
    code, text, _ = run(capsys, "model", "list", *p)
    assert "revoked" in text and "consent withdrawn" in text
    code, refused, _ = js(capsys, "model", "promote", "churn:1", "--to", "staging", *p)
    assert code == 1 and "revoked" in refused["reasons"][0]


def test_audit_verify_log_checkpoint_and_a_tampered_file(flow, capsys, project, tmp_path):
    p, _ = flow
    code, report, _ = js(capsys, "audit", "verify", "--full", *p)
    assert code == 0 and report["ok"] and report["entries"] == 4
    code, log, _ = js(capsys, "audit", "log", "--kind", "model.registered", *p)
    assert [e["subject"] for e in log["entries"]] == ["model:churn:1", "model:churn:2"]
    cp = tmp_path / "checkpoint.json"
    code, made, _ = js(capsys, "audit", "checkpoint", "-o", str(cp), *p)
    assert code == 0 and made["seq"] == 4 and cp.is_file()
    conn = sqlite3.connect(project.state_dir / "ledger.db")
    conn.execute("DROP TRIGGER entries_append_only_delete")
    conn.execute("DELETE FROM entries WHERE seq = 4")
    conn.commit()
    conn.close()
    code, text, _ = run(capsys, "audit", "verify", "--checkpoint", str(cp), *p)
    assert code == 1 and "entry 4" in text and "cut off" in text
    code, report, _ = js(capsys, "audit", "verify", "--checkpoint", str(cp), *p)
    assert report["first_problem"]["seq"] == 4


def test_trace_and_export(flow, capsys, tmp_path):
    p, snap = flow
    code, t, _ = js(capsys, "audit", "trace", "churn:1", "--html", str(tmp_path / "t.html"), *p)
    assert code == 0 and t["ref"] == "churn:1" and t["data"][0]["id"] == snap["snapshot"]
    assert [e["kind"] for e in t["events"]] == ["data.snapshot", "model.registered"]
    assert t["people"][0]["user"] == "ana" and t["ledger_ok"] and t["html"]
    code, exported, _ = js(capsys, "audit", "export", "--in-toto", str(tmp_path / "prov"), *p)
    assert code == 0 and len(exported["envelopes"]) == 2 and exported["keys"][0].endswith(".pem")


def test_usage_errors_exit_2_and_failures_exit_1_one_line(flow, capsys, tmp_path):
    p, _ = flow
    for argv, status, text in [
        (("model", "promote", "churn", "--to", "production"), 2, "NAME:VERSION"),
        (("model", "promote", "churn:x", "--to", "production"), 2, "must be a number"),
        (("model", "register", "--artifact", "m.onnx", "--name", "a/b"), 2, "not a usable model name"),
        (("model", "register", "--artifact", str(tmp_path / "model.onnx"), "--name", "churn",
          "--metrics", "{oops"), 2, "not valid JSON"),
        (("model", "promote", "nosuch:1", "--to", "staging"), 1, "no model named 'nosuch'"),
        (("data", "verify", "nosuch"), 1, "no snapshot 'nosuch'"),
        (("audit", "verify", "--checkpoint", str(tmp_path / "missing.json")), 2, "no such checkpoint"),
        (("data", "snapshot", str(tmp_path / "nope")), 1, "no such file or folder"),
    ]:
        code, out, err = run(capsys, *argv, *p)
        assert code == status, (argv, out, err)
        assert err.count("\n") == 1 and text in err and "Traceback" not in err, (argv, err)


def test_corrupt_ledger_through_the_cli(project, capsys, tmp_path):
    project.ensure_state_dir()
    (project.state_dir / "ledger.db").write_bytes(b"\x00garbage" * 512)
    code, out, err = run(capsys, "audit", "verify", "--project", str(project.root))
    assert code == 1 and "not a readable ledger" in err and err.count("\n") == 1
    assert (project.state_dir / "ledger.db").read_bytes() == b"\x00garbage" * 512


def test_environment_variable_names_the_project(project, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_MLOPS_PROJECT", str(project.root))
    monkeypatch.chdir(tmp_path)
    code, snap, _ = js(capsys, "data", "snapshot", str(make_data(tmp_path / "elsewhere")))
    assert code == 0 and (project.state_dir / "ledger.db").exists()


def _read_only(root) -> list[str] | None:
    """A command prefix that runs inside a private mount namespace where `root` is mounted
    read-only (root ignores file permissions, so chmod alone would prove nothing)."""
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount --bind '{root}' '{root}' && "
                            f"mount -o remount,bind,ro '{root}' && ! touch '{root}/.probe' 2>/dev/null"],
                           capture_output=True)
    if probe.returncode != 0:
        return None
    return ["unshare", "-rm", "sh", "-c", f"mount --bind '{root}' '{root}' && mount -o remount,bind,ro "
            f"'{root}' && exec \"$0\" \"$@\""]


def test_read_only_project_one_line_error_nothing_changed(flow, project, tmp_path):
    p, _ = flow
    prefix = _read_only(project.root)
    if prefix is None:
        if os.geteuid() == 0:
            pytest.skip("no user/mount namespaces (unshare -rm) to make a read-only folder for root")
        prefix = []
        for f in [project.root, *project.root.rglob("*")]:
            os.chmod(f, 0o555 if f.is_dir() else 0o444)
    before = {f: f.read_bytes() for f in project.state_dir.rglob("*") if f.is_file()}
    model = tmp_path / "model.onnx"
    try:
        for argv in (("data", "snapshot", str(project.root / "data")),
                     ("model", "register", "--artifact", str(model), "--name", "churn"),
                     ("model", "promote", "churn:1", "--to", "production"),
                     ("data", "forget", "cust-1", "--snapshot", "customers")):
            res = subprocess.run([*prefix, sys.executable, "-m", "jupyter_mlops.cli", *argv, *p],
                                 capture_output=True, text=True, timeout=120)
            assert res.returncode == 1, (argv, res.stdout, res.stderr)
            assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
            assert "read-only" in res.stderr.lower() or "permission denied" in res.stderr.lower(), res.stderr
        res = subprocess.run([*prefix, sys.executable, "-m", "jupyter_mlops.cli", "audit", "verify", "--full", *p],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and "intact" in res.stdout, res.stderr  # reading still works
    finally:
        if not prefix:
            for f in [project.root, *project.root.rglob("*")]:
                os.chmod(f, 0o755 if f.is_dir() else 0o644)
    after = {f: f.read_bytes() for f in project.state_dir.rglob("*") if f.is_file()}
    assert after == before


def test_model_group_hosts_extension_subcommands(monkeypatch, capsys, project):
    """Issue 16 adds `model import-events` through cli/model.py's SUBCOMMAND_MODULES; a name the
    group already has (restore) keeps the registry's own."""
    import types

    calls = []

    def add_subcommands(sub):
        for name in ("restore", "import-events"):
            p = sub.add_parser(name)
            p.add_argument("dir", nargs="?")
            p.add_argument("--format", default="text")
            p.set_defaults(_model_run=lambda args, n=name: calls.append(n) or 0)

    fake = types.ModuleType("jupyter_mlops.cli.model_serving")
    fake.add_subcommands = add_subcommands
    monkeypatch.setitem(sys.modules, "jupyter_mlops.cli.model_serving", fake)
    assert main(["model", "import-events", "svc"]) == 0 and calls == ["import-events"]
    code = main(["model", "restore", "nosuch", "--project", str(project.root)])
    assert code == 1 and calls == ["import-events"]  # the registry's restore ran (no such model)
    assert "no model named" in capsys.readouterr().err
    assert not project.state_dir.exists()  # a refused command writes nothing
