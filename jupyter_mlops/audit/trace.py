"""`audit trace NAME:VERSION`: walk back from a model version to everything behind it.

The trial and experiment, the code (notebook hash, package version, git commit and dirty tree),
the data snapshots and their consent, parameters, metrics, criteria, the environment lock, and
every person who ran, approved, promoted or rolled it back, each entry with its verification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import kinds
from .ledger import Entry, Ledger, utc_now
from .verify import verify

# Roles in plain words, by the kind of entry a person signed.
_ROLES = {
    kinds.PRODUCTIONISE_RUN: "produced the code", kinds.DATA_SNAPSHOT: "recorded the data",
    kinds.DATA_REVOKED: "withdrew data consent", kinds.ERASURE_REQUESTED: "recorded an erasure request",
    kinds.EXPERIMENT_STARTED: "ran the experiment", kinds.TRIAL_FINISHED: "ran the trial",
    kinds.CRITERIA_EVALUATED: "checked the criteria", kinds.EXPERIMENT_FINISHED: "ran the experiment",
    kinds.MODEL_REGISTERED: "registered the model", kinds.MODEL_PROMOTED: "approved a promotion",
    kinds.MODEL_ROLLED_BACK: "rolled it back", kinds.MODEL_REVOKED: "revoked it",
    kinds.SERVICE_SCAFFOLDED: "generated the service", kinds.SERVICE_CUT_OUT: "cut the service out",
    kinds.SERVICE_RESTORED: "restored the service",
}


def _size(n: int | None) -> str:
    if n is None:
        return "size not recorded"
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"


def _metrics_text(metrics: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in sorted(metrics.items())) or "none"


def describe_entry(e: Entry) -> str:
    """One sentence in plain words, for a reader who is not an engineer."""
    p, kind = e.payload, e.kind
    name = p.get("name", "")
    if kind == kinds.MODEL_REGISTERED:
        art = p.get("artifact") or {}
        data = ", ".join(p.get("trained_on") or []) or "no recorded data snapshot"
        crit = {True: "passed", False: "did not pass", None: "had no recorded result for"}[p.get("criteria_passed")]
        return (f"registered version {p.get('version')} of model '{name}' (file {art.get('name', '?')}, "
                f"fingerprint {str(art.get('sha256', ''))[:12]}), trained on {data}; it {crit} its "
                "success criteria")
    if kind == kinds.MODEL_PROMOTED:
        return f"approved version {p.get('version')} of '{name}' for {p.get('to')} in environment '{p.get('env')}'"
    if kind == kinds.MODEL_ROLLED_BACK:
        return (f"rolled '{name}' back in environment '{p.get('env')}' from version {p.get('from')} to "
                f"version {p.get('to')}")
    if kind == kinds.MODEL_REVOKED:
        return f"revoked version {p.get('version')} of '{name}': {p.get('reason')}"
    if kind == kinds.DATA_SNAPSHOT:
        return (f"recorded data snapshot '{p.get('name')}' ({p.get('files')} files, {_size(int(p.get('bytes', 0)))})"
                f" from {p.get('path')}")
    if kind == kinds.DATA_REVOKED:
        return f"withdrew consent for data snapshot '{p.get('name') or p.get('snapshot')}': {p.get('reason')}"
    if kind == kinds.ERASURE_REQUESTED:
        return (f"recorded a request to erase one person's data from snapshot {p.get('snapshot')} "
                "(the ledger keeps only a salted hash of who)")
    if kind == kinds.PRODUCTIONISE_RUN:
        return (f"turned notebook {p.get('notebook', '?')} into package {p.get('package')} "
                f"version {p.get('version')}")
    if kind == kinds.EXPERIMENT_STARTED:
        return f"started experiment {p.get('experiment') or e.subject.partition(':')[2]}"
    if kind == kinds.TRIAL_FINISHED:
        return (f"finished trial {p.get('trial') or e.subject.rpartition('/')[2]} "
                f"({p.get('status', 'done')}) with {_metrics_text(p.get('metrics') or {})}")
    if kind == kinds.CRITERIA_EVALUATED:
        verdict = {True: "were met", False: "were not met"}.get(p.get("passed"), "were checked")
        return f"checked the success criteria: they {verdict}"
    if kind == kinds.EXPERIMENT_FINISHED:
        return f"finished experiment {p.get('experiment') or e.subject.partition(':')[2]}"
    if kind == kinds.SERVICE_CUT_OUT:
        return f"cut out the service of '{name}' in environment '{p.get('env')}': {p.get('reason')}"
    if kind == kinds.SERVICE_RESTORED:
        return f"restored the service of '{name}' in environment '{p.get('env')}'"
    if kind == kinds.SERVICE_SCAFFOLDED:
        return f"generated a service for '{name or e.subject}'"
    return f"{kinds.describe(kind)} ({e.subject})"


@dataclass(frozen=True)
class TraceEvent:
    seq: int
    time: str
    user: str
    host: str
    key: str
    kind: str
    subject: str
    summary: str
    verified: bool
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Trace:
    model: str
    version: int
    status: str
    artifact: dict[str, Any]
    ledger_ok: bool
    ledger_problems: list[str]
    code: dict[str, Any] = field(default_factory=dict)
    data: list[dict[str, Any]] = field(default_factory=list)
    experiment: dict[str, Any] | None = None
    trial: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    criteria: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    people: list[dict[str, Any]] = field(default_factory=list)
    events: list[TraceEvent] = field(default_factory=list)
    environments: dict[str, str] = field(default_factory=dict)
    revoked_reason: str | None = None
    retrain_reason: str | None = None
    generated: str = ""
    project: str = ""

    @property
    def ref(self) -> str:
        return f"{self.model}:{self.version}"

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "events"}
        d["events"] = [e.to_dict() for e in self.events]
        d["ref"] = self.ref
        return d

    def summary(self) -> str:
        lines = [f"{self.ref}: {self.status}" + (f" ({', '.join(f'{k}: {v}' for k, v in self.environments.items())})"
                                                  if self.environments else ""),
                 f"  artifact  {self.artifact.get('name')} sha256 {self.artifact.get('sha256')}"]
        if self.revoked_reason:
            lines.append(f"  REVOKED   {self.revoked_reason}")
        if self.retrain_reason:
            lines.append(f"  RETRAIN   {self.retrain_reason}")
        git = self.code.get("git") or {}
        lines.append(f"  code      notebook {self.code.get('notebook_sha256') or '-'}, package "
                     f"{self.code.get('package') or '-'} {self.code.get('package_version') or ''}, git "
                     f"{git.get('commit') or '-'}{' (dirty tree)' if git.get('dirty') else ''}")
        for d in self.data:
            lines.append(f"  data      {d['id']} '{d.get('name')}' root {d.get('root', '')[:16]} "
                         f"{d.get('files')} files, consent {d.get('consent')}")
        if self.experiment:
            lines.append(f"  experiment {self.experiment.get('id')}, trial {(self.trial or {}).get('id', '-')}")
        lines.append(f"  params    {_metrics_text(self.parameters) if self.parameters else 'none recorded'}")
        lines.append(f"  metrics   {_metrics_text(self.metrics)}")
        lines.append(f"  criteria  {self.criteria.get('verdict')}")
        env = self.environment
        if env:
            lines.append(f"  runtime   Python {env.get('python')} on {env.get('platform')}, "
                         f"{len(env.get('packages') or {})} packages")
        lines.append("  people    " + "; ".join(f"{p['user']} ({', '.join(p['roles'])})" for p in self.people))
        lines.append(f"  ledger    {'verified' if self.ledger_ok else 'DOES NOT VERIFY: ' + '; '.join(self.ledger_problems[:3])}")
        lines.append("  timeline")
        for e in self.events:
            mark = "ok " if e.verified else "BAD"
            lines.append(f"    [{mark}] {e.time[:19].replace('T', ' ')} UTC  #{e.seq} {e.user}: {e.summary}")
        return "\n".join(lines)


def _snapshot_info(ledger: Ledger, sid: str, entries: list[Entry]) -> dict[str, Any]:
    made = next((e.payload for e in entries if e.kind == kinds.DATA_SNAPSHOT), {"id": sid})
    revoked = next((e for e in entries if e.kind == kinds.DATA_REVOKED), None)
    return {"id": sid, "name": made.get("name"), "root": made.get("root", ""), "files": made.get("files"),
            "bytes": made.get("bytes"), "path": made.get("path"),
            "consent": "revoked" if revoked else "active",
            "revoked_reason": revoked.payload.get("reason") if revoked else None,
            "erasure_requests": sum(1 for e in entries if e.kind == kinds.ERASURE_REQUESTED)}


def build_trace(ledger: Ledger, mv: Any) -> Trace:
    """The trace of a registry ModelVersion (`Registry.trace(name, version)` is the way in)."""
    name = mv.name
    report = verify(ledger, full=True)
    bad = {p.seq: p.message for p in report.problems if p.seq is not None}
    related: dict[int, Entry] = {}

    def take(entries: list[Entry]) -> list[Entry]:
        for e in entries:
            related[e.seq] = e
        return entries

    registration = take(ledger.entries(subject=kinds.model_subject(name, mv.version)))
    for e in ledger.entries(subject=kinds.model_subject(name)):
        p = e.payload
        if e.kind == kinds.MODEL_ROLLED_BACK and mv.version in (p.get("from"), p.get("to")) \
                or e.kind in (kinds.SERVICE_CUT_OUT, kinds.SERVICE_RESTORED) and mv.environments:
            related[e.seq] = e
    reg_payload = next((e.payload for e in registration if e.kind == kinds.MODEL_REGISTERED), {})
    data = [_snapshot_info(ledger, sid, take(ledger.entries(subject=kinds.snapshot_subject(sid))))
            for sid in mv.trained_on]
    source = dict(mv.source)
    experiment = trial = None
    params: dict[str, Any] = dict(reg_payload.get("metadata", {}).get("params") or {})
    criteria_detail: dict[str, Any] = {}
    environment = reg_payload.get("environment") or {}
    exp_id, trial_id = source.get("experiment"), source.get("trial")
    if exp_id:
        started = take(ledger.entries(subject=kinds.experiment_subject(str(exp_id))))
        first = next((e for e in started if e.kind == kinds.EXPERIMENT_STARTED), None)
        experiment = {"id": exp_id, **({k: first.payload.get(k) for k in ("spec", "git", "snapshot")}
                                       if first else {})}
        if first and first.payload.get("environment"):
            environment = first.payload["environment"]
        for e in started:
            if e.kind == kinds.CRITERIA_EVALUATED:
                criteria_detail = e.payload
    if exp_id and trial_id:
        finished = take(ledger.entries(subject=kinds.trial_subject(str(exp_id), str(trial_id))))
        done = next((e for e in reversed(finished) if e.kind == kinds.TRIAL_FINISHED), None)
        if done:
            trial = {"id": trial_id, "status": done.payload.get("status"), "params": done.payload.get("params"),
                     "metrics": done.payload.get("metrics"), "duration_s": done.payload.get("duration_s")}
            params = dict(done.payload.get("params") or params)
        for e in finished:
            if e.kind == kinds.CRITERIA_EVALUATED:
                criteria_detail = e.payload
    package = source.get("package")
    if package:
        for e in ledger.entries(kinds.PRODUCTIONISE_RUN, kinds.package_subject(package)):
            if not source.get("package_version") or e.payload.get("version") == source.get("package_version"):
                related[e.seq] = e
    verdict = {True: "passed", False: "NOT passed", None: "not recorded"}[mv.criteria_passed]
    events = [TraceEvent(e.seq, e.time, e.actor.user, e.actor.host, e.actor.key, e.kind, e.subject,
                         describe_entry(e), e.seq not in bad, bad.get(e.seq))
              for _, e in sorted(related.items())]
    people: dict[str, dict[str, Any]] = {}
    for e in events:
        person = people.setdefault(e.user, {"user": e.user, "roles": [], "keys": [], "hosts": []})
        role = _ROLES.get(e.kind, kinds.describe(e.kind))
        for bucket, value in (("roles", role), ("keys", e.key), ("hosts", e.host)):
            if value not in person[bucket]:
                person[bucket].append(value)
    return Trace(
        model=name, version=mv.version, status=mv.status,
        artifact={"name": mv.artifact_name, "sha256": mv.artifact_sha256, "bytes": mv.artifact_bytes},
        ledger_ok=report.ok, ledger_problems=[str(p) for p in report.problems],
        code={k: source.get(k) for k in ("notebook", "notebook_sha256", "package", "package_version",
                                          "code_sha256", "git")},
        data=data, experiment=experiment, trial=trial, parameters=params, metrics=dict(mv.metrics),
        criteria={"passed": mv.criteria_passed, "verdict": verdict, "detail": criteria_detail},
        environment=environment, people=list(people.values()), events=events,
        environments=dict(mv.environments), revoked_reason=mv.revoked_reason,
        retrain_reason=mv.retrain_reason, generated=utc_now(), project=str(ledger.project.root))


__all__ = ["Trace", "TraceEvent", "build_trace", "describe_entry"]
