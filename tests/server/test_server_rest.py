"""The REST door (/jupyter-mlops/api/v1) against a real jupyter-server (pytest-jupyter)."""

from __future__ import annotations

import json
import os
import time
from importlib.metadata import version
from pathlib import Path

import pytest

# pytest-jupyter's fixtures, imported here rather than registered as a plugin in a conftest:
# its autouse event-loop fixture would then run for every test of the suite.
from pytest_jupyter.jupyter_server import *
from tornado.httpclient import HTTPClientError

from nbtest import notebook_json, write_ipynb
import jupyter_mlops
from jupyter_mlops import api

MAX_BODY = 300_000
API = ("jupyter-mlops", "api", "v1")

HAZARDS = [
    ("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
     "df = pd.read_csv('/home/alice/data/train.csv')"),
    "X_train, X_test, y_train, y_test = train_test_split(df, df['y'], test_size=0.2)",
    "API_KEY = 'sk-live-51Habcdefghijklmnopqrstuvwx'",
]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}},
            "JupyterMlops": {"max_body_size": MAX_BODY}}


@pytest.fixture
def call(jp_fetch, jp_asyncio_loop):
    """Synchronous wrapper: call(endpoint, body=None|dict|str|bytes, method=...) -> (code, json)."""

    def _call(*parts, body=None, method=None, headers=None, raw=False):
        kwargs = {}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        method = method or ("POST" if body is not None else "GET")
        if method == "POST" and "body" not in kwargs:
            kwargs["body"] = b""
        try:
            r = jp_asyncio_loop.run_until_complete(
                jp_fetch(*API, *parts, method=method, headers=headers, **kwargs))
        except HTTPClientError as exc:
            r = exc.response
            assert r is not None, exc
        text = r.body.decode()
        return (r, text) if raw else (r.code, json.loads(text) if text else None)

    return _call


def rules_of(reply: dict) -> set[str]:
    return {f["rule"] for f in reply["findings"]}


def test_version_reports_api_and_settings(call):
    code, reply = call("version")
    assert code == 200
    assert reply["name"] == "jupyter-mlops"
    # The installed distribution's version, as `jupyter-mlops --version` prints it.
    assert reply["version"] == version("jupyter-mlops") == jupyter_mlops.__version__
    assert reply["api_version"] == 1
    assert reply["settings"]["max_body_size"] == MAX_BODY
    assert reply["rules"] == len(api.list_rules())


def test_lint_saved_notebook_by_path(call, jp_root_dir):
    write_ipynb(jp_root_dir / "work" / "train.ipynb", HAZARDS)
    code, reply = call("lint", body={"path": "work/train.ipynb"})
    assert code == 200
    assert reply["error"] is None
    assert {"hardcoded-absolute-path", "missing-random-state", "hardcoded-secret"} <= rules_of(reply)
    by_rule = {f["rule"]: f for f in reply["findings"]}
    assert by_rule["hardcoded-secret"]["cell"] == 2
    assert by_rule["hardcoded-secret"]["category"] == "security"
    assert by_rule["missing-random-state"]["fix"]["applicability"] == "safe"
    summary = reply["summary"]
    assert summary["total"] == len(reply["findings"])
    assert sum(summary["by_severity"].values()) == summary["total"]
    assert summary["by_category"]["security"] >= 1
    assert 0 <= summary["score"] < 100
    # The same findings the engine gives any other door.
    engine = api.lint(str(jp_root_dir / "work" / "train.ipynb")).findings
    assert [f["code"] for f in reply["findings"]] == [f.code for f in engine]


def test_lint_uses_unsaved_content_not_the_file(call, jp_root_dir):
    write_ipynb(jp_root_dir / "clean.ipynb", ["x = 1\nprint(x)"])
    code, reply = call("lint", body={"path": "clean.ipynb"})
    assert code == 200 and reply["findings"] == []
    assert reply["summary"]["score"] == 100
    edited = notebook_json(["x = 1\nprint(x)", "password = 'hunter2-Xk9#pQ7!'"])
    code, reply = call("lint", body={"path": "clean.ipynb", "content": edited})
    assert code == 200
    assert "hardcoded-secret" in rules_of(reply)
    # Linting never writes the notebook.
    assert "hunter2" not in (jp_root_dir / "clean.ipynb").read_text()


def test_lint_content_of_a_notebook_not_yet_on_disk_and_rule_selection(call):
    code, reply = call("lint", body={"path": "new/Untitled.ipynb", "content": notebook_json(HAZARDS),
                                     "select": ["security"]})
    assert code == 200
    assert rules_of(reply) == {"hardcoded-secret"}
    code, reply = call("lint", body={"path": "new/Untitled.ipynb", "content": notebook_json(HAZARDS),
                                     "ignore": ["NB401", "portability"]})
    assert code == 200
    assert "hardcoded-secret" not in rules_of(reply)
    assert "hardcoded-absolute-path" not in rules_of(reply)


def test_lint_percent_script_content(call):
    text = "# %%\nimport os\nos.chdir('/tmp')\n"
    code, reply = call("lint", body={"path": "script.py", "content": text})
    assert code == 200
    assert "working-directory-change" in rules_of(reply)


def test_fixes_are_cell_sources_and_nothing_is_written(call, jp_root_dir):
    path = write_ipynb(jp_root_dir / "fixme.ipynb", HAZARDS)
    before = path.read_text()
    code, reply = call("fixes", body={"path": "fixme.ipynb"})
    assert code == 200
    changes = {c["cell"]: c["source"] for c in reply["changes"]}
    assert "random_state=" in changes[1]
    assert 2 not in changes  # the secret's fix is unsafe: not applied without asking
    assert {f["rule"] for f in reply["applied"]} >= {"missing-random-state"}
    assert path.read_text() == before
    code, reply = call("fixes", body={"path": "fixme.ipynb", "unsafe": True})
    assert code == 200 and 2 in {c["cell"] for c in reply["changes"]}


def test_explain_and_list_rules(call):
    code, info = call("rules", "hardcoded-secret")
    assert code == 200
    assert info["code"] == "NB401"
    assert "## Why is this bad?" in info["markdown"]
    assert info["url"].startswith("https://")
    code, info = call("rules", "NB401")
    assert code == 200 and info["name"] == "hardcoded-secret"
    code, reply = call("rules")
    assert code == 200 and len(reply["rules"]) == len(api.list_rules())
    code, reply = call("rules", "no-such-rule")
    assert code == 404 and "no-such-rule" in reply["message"]


@pytest.mark.parametrize("method,parts,body", [
    ("GET", ("version",), None),
    ("GET", ("rules",), None),
    ("POST", ("lint",), {"path": "a.ipynb", "content": notebook_json(["x = 1"])}),
    ("POST", ("fixes",), {"path": "a.ipynb", "content": notebook_json(["x = 1"])}),
    ("POST", ("productionise", "plan"), {"path": "a.ipynb"}),
    ("POST", ("productionise",), {"path": "a.ipynb"}),
    ("GET", ("jobs", "0123abcd"), None),
    ("DELETE", ("jobs", "0123abcd"), None),
])
def test_every_endpoint_refuses_requests_without_auth(call, method, parts, body):
    code, reply = call(*parts, body=body, method=method, headers={"Authorization": ""})
    assert code == 403
    assert "message" in reply and "traceback" not in reply


def test_wrong_token_is_refused(call):
    code, _ = call("lint", body={"path": "a.ipynb", "content": notebook_json(["x = 1"])},
                   headers={"Authorization": "token not-the-token"})
    assert code == 403


def test_cookie_sessions_need_the_xsrf_token(call, jp_fetch, jp_asyncio_loop, jp_serverapp):
    # Log in the way a browser does (token in the URL sets the login cookie) ...
    r = jp_asyncio_loop.run_until_complete(jp_fetch(
        "api", "status", params={"token": jp_serverapp.identity_provider.token},
        headers={"Authorization": ""}))
    cookies = [c.split(";", 1)[0] for c in r.headers.get_list("Set-Cookie")]
    login = [c for c in cookies if c.startswith("username-")]
    assert login, cookies
    body = {"path": "a.ipynb", "content": notebook_json(["x = 1"])}
    # ... then a cross-site form or fetch carrying only that cookie is refused,
    code, reply = call("lint", body=body, headers={"Authorization": "", "Cookie": login[0]})
    assert code == 403 and "xsrf" in reply["message"].lower()
    # while the page's own requests (cookie + matching X-XSRFToken) get through.
    xsrf = "2|aa11bb22|cc33dd44ee55ff6677889900aabbccdd|1700000000"
    code, reply = call("lint", body=body, headers={
        "Authorization": "", "Cookie": f"{login[0]}; _xsrf={xsrf}", "X-XSRFToken": xsrf})
    assert code == 200, reply


@pytest.mark.parametrize("path,status", [
    ("../outside.ipynb", 403),
    ("sub/../../outside.ipynb", 403),
    ("/etc/hosts.ipynb", 403),
    ("C:/Windows/x.ipynb", 403),
    ("~/x.ipynb", 403),
    ("missing.ipynb", 404),
    ("", 400),
    ("notes.txt", 400),
])
def test_paths_are_confined_to_the_root(call, path, status):
    code, reply = call("lint", body={"path": path})
    assert code == status, reply
    assert reply["message"] and "Traceback" not in json.dumps(reply)


def test_symlinks_out_of_the_root_are_refused(call, jp_root_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write_ipynb(outside / "secret.ipynb", ["x = 1"])
    os.symlink(outside / "secret.ipynb", jp_root_dir / "link.ipynb")
    os.symlink(outside, jp_root_dir / "linkdir")
    for path in ("link.ipynb", "linkdir/secret.ipynb"):
        code, reply = call("lint", body={"path": path})
        assert code == 403, reply
        assert "outside the server root" in reply["message"]
    # A symlink that stays inside the root is fine.
    write_ipynb(jp_root_dir / "real" / "nb.ipynb", ["x = 1"])
    os.symlink(jp_root_dir / "real", jp_root_dir / "alias")
    code, _ = call("lint", body={"path": "alias/nb.ipynb"})
    assert code == 200


@pytest.mark.parametrize("body,fragment", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"path": 3}), "path is required"),
    (json.dumps({"path": "a.ipynb", "content": 42}), "content must be"),
    (json.dumps({"path": "a.ipynb", "content": {"cells": "nope"}}), "a.ipynb"),
    (json.dumps({"path": "a.ipynb", "content": {"cells": []}, "select": "ALL"}), "select must be"),
    (json.dumps({"path": "a.ipynb", "content": {"cells": []}, "select": ["NB999x"]}), "NB999x"),
])
def test_bad_requests_get_a_clear_json_error(call, body, fragment):
    r, text = call("lint", body=body, raw=True)
    assert r.code in (400, 422)
    assert r.headers["Content-Type"].startswith("application/json")
    reply = json.loads(text)
    assert fragment in reply["message"]
    assert "Traceback" not in text and "traceback" not in reply


def test_oversize_bodies_are_refused(call):
    big = notebook_json(["x = 1\n" + "#" * (MAX_BODY + 10)])
    code, reply = call("lint", body={"path": "big.ipynb", "content": big})
    assert code == 413
    assert "limit" in reply["message"]


def test_unknown_job_is_404(call):
    code, _ = call("jobs", "0123abcd")
    assert code == 404
    code, _ = call("jobs", "0123abcd", method="DELETE")
    assert code == 404


SAVINGS = Path(__file__).resolve().parent.parent / "browser" / "notebooks" / "savings.ipynb"


def wait_job(call, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, reply = call("jobs", job_id)
        assert code == 200
        if reply["job"]["state"] != "running":
            return reply["job"]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


@pytest.mark.slow
def test_productionise_plan_then_job_with_progress(call, jp_root_dir):
    (jp_root_dir / "fin").mkdir()
    (jp_root_dir / "fin" / "savings.ipynb").write_bytes(SAVINGS.read_bytes())
    code, plan = call("productionise", "plan", body={"path": "fin/savings.ipynb"})
    assert code == 200, plan
    assert plan["ok"] and plan["package"] == "savings"
    assert plan["out_dir"] == "fin/savings"  # root-relative, so the UI can open it
    assert any(s["signature"].startswith("project_the_balance(") for s in plan["stages"])
    assert {p["field"] for p in plan["parameters"]} >= {"rate", "years", "principal"}
    assert not (jp_root_dir / "fin" / "savings").exists()  # planning writes nothing

    code, reply = call("productionise", body={"path": "fin/savings.ipynb", "check": False})
    assert code == 202, reply
    job = wait_job(call, reply["job"]["id"])
    assert job["state"] == "succeeded", job
    assert job["fraction"] == 1.0
    assert len(job["log"]) >= 3  # progress messages reached the client
    result = job["result"]
    assert result["package_dir"] == "fin/savings"
    assert "src/savings/pipeline.py" in result["files_written"]
    assert (jp_root_dir / "fin" / "savings" / "src" / "savings" / "pipeline.py").is_file()


@pytest.mark.slow
def test_productionise_job_can_be_cancelled(call, jp_root_dir):
    (jp_root_dir / "savings.ipynb").write_bytes(SAVINGS.read_bytes())
    code, reply = call("productionise", body={"path": "savings.ipynb", "out_dir": "pkg"})
    assert code == 202, reply
    job_id = reply["job"]["id"]
    code, reply = call("jobs", job_id, method="DELETE")
    assert code == 202 and reply["job"]["cancel_requested"]
    job = wait_job(call, job_id, timeout=60)
    assert job["state"] == "cancelled", job


def test_productionise_output_must_stay_inside_the_root(call, jp_root_dir):
    (jp_root_dir / "savings.ipynb").write_bytes(SAVINGS.read_bytes())
    for out in ("../elsewhere", "/tmp/elsewhere"):
        code, reply = call("productionise", body={"path": "savings.ipynb", "out_dir": out})
        assert code == 403, reply
        code, reply = call("productionise", "plan", body={"path": "savings.ipynb", "out_dir": out})
        assert code == 403, reply
