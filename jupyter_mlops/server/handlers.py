"""REST handlers under /jupyter-mlops/api/v1/: a thin door over jupyter_mlops.api.

Every handler requires Jupyter's authentication (and, for cookie-authenticated requests, the
XSRF token), confines paths to the server root, caps request bodies and answers errors as JSON
with a one-line message. Analysis runs in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .. import api
from .._version import __version__
from ..errors import ConfigError, JupyterMlopsError, NotebookReadError
from ..linter.config import LintConfig
from .jobs import JobLimitError, JobRegistry
from .paths import confine, relative
from .summary import categories, summarise

API_VERSION = 1
NAMESPACE = "jupyter-mlops"
NOTEBOOK_SUFFIXES = (".ipynb", ".py")


@dataclass
class ServerState:
    """What the handlers share: settings, the lint cache and thread, running jobs."""

    max_body_size: int
    jobs: JobRegistry
    cache: api.CellCache = field(default_factory=api.CellCache)
    # One thread: lint runs are short, and the CellCache is not meant for concurrent writers.
    lint_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="jupyter-mlops-lint"))


class BaseHandler(APIHandler):
    auth_resource = "contents"

    @property
    def state(self) -> ServerState:
        return self.settings["jupyter_mlops"]

    @property
    def root_dir(self) -> str:
        return self.settings.get("server_root_dir") or self.contents_manager.root_dir

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON with a one-line message; never a traceback."""
        self.set_header("Content-Type", "application/json")
        message = self._reason or "error"
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        elif exc is not None and not isinstance(exc, web.HTTPError):
            message = "internal error in jupyter-mlops; the server log has the details"
        self.finish(json.dumps({"status": status_code, "message": message}))

    def json_body(self) -> dict[str, Any]:
        size = len(self.request.body or b"")
        if size > self.state.max_body_size:
            raise web.HTTPError(413, f"request body is {size} bytes; the limit is "
                                     f"{self.state.max_body_size} (JupyterMlops.max_body_size)")
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise web.HTTPError(400, f"request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "request body must be a JSON object")
        return body

    def notebook_path(self, body: dict[str, Any], must_exist: bool = True) -> Path:
        path = confine(self.root_dir, body.get("path"), must_exist=False)
        if not path.name.endswith(NOTEBOOK_SUFFIXES):
            raise web.HTTPError(400, f"path {body.get('path')!r}: not a notebook (.ipynb or percent-format .py)")
        if must_exist and not path.exists():
            raise web.HTTPError(404, f"path {body.get('path')!r}: no such file")
        if must_exist and not path.is_file():
            raise web.HTTPError(404, f"path {body.get('path')!r}: not a file")
        return path

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    async def in_thread(self, fn, *args, pool: ThreadPoolExecutor | None = None):
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)


def _strings(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise web.HTTPError(400, f"{key} must be a list of rule names or codes")
    return value


def _config(path: Path, body: dict[str, Any]) -> LintConfig:
    select, ignore = _strings(body, "select"), _strings(body, "ignore")
    try:
        config = api.resolve_config([str(path)])
        return config.with_overrides(select=select, ignore=ignore)
    except ConfigError as exc:
        raise web.HTTPError(422, str(exc)) from None


def _load(path: Path, body: dict[str, Any], rel: str) -> api.Notebook:
    """The notebook the request is about: the unsaved content it carries, or the file."""
    content = body.get("content")
    try:
        if content is None:
            return api.load_notebook(path)
        if isinstance(content, dict):
            return api.notebook_from_json(content, rel)
        if isinstance(content, str):
            from ..notebook import parse_ipynb, parse_percent_script
            return parse_percent_script(content, rel) if rel.endswith(".py") else parse_ipynb(content, rel)
    except NotebookReadError as exc:
        raise web.HTTPError(422, f"{rel}: {exc.problem}") from None
    raise web.HTTPError(400, "content must be notebook JSON (an object) or the text of a percent script")


def _finding(f: api.Finding, category: dict[str, str]) -> dict[str, Any]:
    d = f.to_dict()
    d["category"] = category.get(f.rule, "correctness")
    d["hint"] = f.hint
    return d


class VersionHandler(BaseHandler):
    @web.authenticated
    @authorized(action="read")
    def get(self) -> None:
        self.reply({"name": "jupyter-mlops", "version": __version__, "api_version": API_VERSION,
                    "productionise": hasattr(api, "productionise"),
                    "settings": {"max_body_size": self.state.max_body_size,
                                 "max_jobs": self.state.jobs.max_running},
                    "rules": len(api.list_rules())})


class RulesHandler(BaseHandler):
    @web.authenticated
    @authorized(action="read")
    def get(self, name: str | None = None) -> None:
        if name:
            try:
                self.reply(api.explain(name).to_dict())
            except JupyterMlopsError as exc:
                raise web.HTTPError(404, str(exc)) from None
            return
        self.reply({"rules": [r.to_dict() for r in api.list_rules()]})


class LintHandler(BaseHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self) -> None:
        body = self.json_body()
        has_content = body.get("content") is not None
        path = self.notebook_path(body, must_exist=not has_content)
        rel = body["path"]

        def work() -> dict[str, Any]:
            started = time.perf_counter()
            notebook = _load(path, body, rel)
            findings = api.lint_notebook(notebook, _config(path, body), self.state.cache)
            category = categories()
            return {"path": rel, "error": None, "cells": len(notebook.cells),
                    "findings": [_finding(f, category) for f in findings],
                    "summary": summarise(findings).to_dict(),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)}

        self.reply(await self.in_thread(work, pool=self.state.lint_pool))


class FixesHandler(BaseHandler):
    """Fix-all as new cell sources; the front end applies them to its model (undoable)."""

    @web.authenticated
    @authorized(action="read")
    async def post(self) -> None:
        body = self.json_body()
        has_content = body.get("content") is not None
        path = self.notebook_path(body, must_exist=not has_content)
        rel = body["path"]
        unsafe = body.get("unsafe", False)
        if not isinstance(unsafe, bool):
            raise web.HTTPError(400, "unsafe must be true or false")

        def work() -> dict[str, Any]:
            notebook = _load(path, body, rel)
            result = api.fix_notebook(notebook, _config(path, body), unsafe, self.state.cache)
            category = categories()
            return {"path": rel,
                    "changes": [{"cell": i, "cell_id": notebook.cells[i].id, "source": src}
                                for i, src in sorted(result.changes.items())],
                    "applied": [_finding(f, category) for f in result.applied],
                    "remaining": len(result.remaining)}

        self.reply(await self.in_thread(work, pool=self.state.lint_pool))


def _productionise_api(name: str):
    fn = getattr(api, name, None)
    if fn is None:
        raise web.HTTPError(501, "productionise is not available in this version of jupyter-mlops")
    return fn


def _out_dir(handler: BaseHandler, body: dict[str, Any]) -> Path | None:
    out = body.get("out_dir")
    if out in (None, ""):
        return None
    return confine(handler.root_dir, out, must_exist=False, what="out_dir")


def _name(body: dict[str, Any]) -> str | None:
    name = body.get("name")
    if name not in (None, "") and not isinstance(name, str):
        raise web.HTTPError(400, "name must be a string")
    return name or None


def _plan_dir(plan: Any) -> str | None:
    for attr in ("out_dir", "package_dir", "output_dir", "root"):
        value = getattr(plan, attr, None)
        if value:
            return str(value)
    return None


class PlanHandler(BaseHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self) -> None:
        body = self.json_body()
        path = self.notebook_path(body)
        out, name = _out_dir(self, body), _name(body)
        plan_fn = _productionise_api("plan_productionise")

        def work() -> dict[str, Any]:
            try:
                plan = plan_fn(str(path), out_dir=str(out) if out else None, name=name)
            except JupyterMlopsError as exc:
                raise web.HTTPError(422, str(exc)) from None
            target = _plan_dir(plan)
            if target is not None and not _inside(self.root_dir, target):
                raise web.HTTPError(403, "the package directory would be outside the server root; choose out_dir")
            return relative(self.root_dir, plan.to_dict())

        self.reply(await self.in_thread(work))


def _inside(root: str, target: str) -> bool:
    try:
        Path(target).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


class ProductioniseHandler(BaseHandler):
    @web.authenticated
    @authorized(action="write")
    async def post(self) -> None:
        body = self.json_body()
        path = self.notebook_path(body)
        out, name = _out_dir(self, body), _name(body)
        check = body.get("check", True)
        if not isinstance(check, bool):
            raise web.HTTPError(400, "check must be true or false")
        run = _productionise_api("productionise")
        plan_fn = _productionise_api("plan_productionise")
        root = self.root_dir
        if out is None:
            # The engine picks the default directory; make sure it is inside the root first.
            try:
                plan = await self.in_thread(lambda: plan_fn(str(path), out_dir=None, name=name))
            except JupyterMlopsError as exc:
                raise web.HTTPError(422, str(exc)) from None
            target = _plan_dir(plan)
            if target is not None:
                if not _inside(root, target):
                    raise web.HTTPError(403, "the package directory would be outside the server root; choose out_dir")
                out = Path(target)

        def worker(progress, cancel) -> dict[str, Any]:
            result = run(str(path), out_dir=str(out) if out else None, name=name, check=check,
                         progress=progress, cancel=cancel)
            return result.to_dict()

        try:
            job = self.state.jobs.start("productionise", body["path"], worker,
                                        relativise=lambda v: relative(root, v))
        except JobLimitError as exc:
            raise web.HTTPError(429, str(exc)) from None
        self.set_header("Location", url_path_join(self.base_url, NAMESPACE, "api", f"v{API_VERSION}", "jobs", job.id))
        self.reply({"job": job.to_dict()}, status=202)


class JobHandler(BaseHandler):
    @web.authenticated
    @authorized(action="read")
    def get(self, job_id: str) -> None:
        snap = self.state.jobs.snapshot(job_id)
        if snap is None:
            raise web.HTTPError(404, f"no job {job_id!r}")
        self.reply({"job": snap})

    @web.authenticated
    @authorized(action="write")
    def delete(self, job_id: str) -> None:
        snap = self.state.jobs.cancel(job_id)
        if snap is None:
            raise web.HTTPError(404, f"no job {job_id!r}")
        self.reply({"job": snap}, status=202)


def handlers(base_url: str) -> list[tuple[str, type[BaseHandler]]]:
    prefix = url_path_join(base_url, NAMESPACE, "api", f"v{API_VERSION}")
    return [
        (url_path_join(prefix, "version"), VersionHandler),
        (url_path_join(prefix, "rules"), RulesHandler),
        (url_path_join(prefix, r"rules/(?P<name>[A-Za-z0-9_-]+)"), RulesHandler),
        (url_path_join(prefix, "lint"), LintHandler),
        (url_path_join(prefix, "fixes"), FixesHandler),
        (url_path_join(prefix, "productionise/plan"), PlanHandler),
        (url_path_join(prefix, "productionise"), ProductioniseHandler),
        (url_path_join(prefix, r"jobs/(?P<job_id>[0-9a-f]+)"), JobHandler),
    ]
