"""The trace as one self-contained HTML file for a compliance officer: plain words, a timeline,
no scripts, no network (a Content-Security-Policy forbids loading anything)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .._version import __version__
from ..project import ProjectError
from ..template_files import environment
from .trace import Trace, _size

_STATUS_WORDS = {
    "candidate": "registered, not yet approved for use", "staging": "approved for testing (staging)",
    "production": "in production use", "archived": "no longer in use (replaced)",
    "revoked": "REVOKED: must not be used", "retrain_required": "must be retrained (erasure request)",
}


def _when(stamp: str) -> str:
    try:
        dt = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return stamp
    return f"{dt.day} {dt:%B %Y}, {dt:%H:%M:%S} UTC"


def _short(t: Trace) -> str:
    data = (", ".join(f"“{d['name']}” ({d['files']} files)" for d in t.data) if t.data
            else "no recorded data snapshot")
    people = ", ".join(p["user"] for p in t.people) or "nobody"
    crit = {True: "It met its success criteria", False: "It did not meet its success criteria",
            None: "No success-criteria result was recorded"}[t.criteria.get("passed")]
    where = ", ".join(f"{stage} in “{env}”" for env, stage in t.environments.items())
    return (f"Version {t.version} of the model “{t.model}” was trained on {data}. {crit}. "
            f"It is {_STATUS_WORDS.get(t.status, t.status)}{f' ({where})' if where else ''}. "
            f"{len(t.events)} recorded steps involve {people}.")


def render_html(t: Trace) -> str:
    env = environment("audit")
    env.autoescape = True
    criteria = {True: "met", False: "NOT met", None: "no result recorded"}[t.criteria.get("passed")]
    words = {"status": _STATUS_WORDS.get(t.status, t.status), "short": _short(t), "criteria": criteria}
    return env.get_template("trace.html.j2").render(t=t, words=words, when=_when, size=_size,
                                                    version=__version__)


def write_html(t: Trace, path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(render_html(t), encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        raise ProjectError(f"{out}: cannot write the report: {exc.strerror}") from None
    return out
