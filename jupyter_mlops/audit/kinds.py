"""The kinds of ledger entries, and how each kind names its subject.

Kinds are stable strings (they are in signed records); add new ones, never rename. Subjects tie
entries together for `audit trace`: use the helpers below so every writer spells them alike.
"""

from __future__ import annotations

KEY_REGISTERED = "key.registered"
KEY_ROTATED = "key.rotated"
PRODUCTIONISE_RUN = "productionise.run"
DATA_SNAPSHOT = "data.snapshot"
DATA_REVOKED = "data.revoked"
ERASURE_REQUESTED = "data.erasure_requested"
EXPERIMENT_STARTED = "experiment.started"
TRIAL_FINISHED = "trial.finished"
CRITERIA_EVALUATED = "criteria.evaluated"
EXPERIMENT_FINISHED = "experiment.finished"
MODEL_REGISTERED = "model.registered"
MODEL_PROMOTED = "model.promoted"
MODEL_ROLLED_BACK = "model.rolled_back"
MODEL_REVOKED = "model.revoked"
SERVICE_SCAFFOLDED = "service.scaffolded"
SERVICE_CUT_OUT = "service.cut_out"
SERVICE_RESTORED = "service.restored"

ALL = (KEY_REGISTERED, KEY_ROTATED, PRODUCTIONISE_RUN, DATA_SNAPSHOT, DATA_REVOKED, ERASURE_REQUESTED,
       EXPERIMENT_STARTED, TRIAL_FINISHED, CRITERIA_EVALUATED, EXPERIMENT_FINISHED, MODEL_REGISTERED,
       MODEL_PROMOTED, MODEL_ROLLED_BACK, MODEL_REVOKED, SERVICE_SCAFFOLDED, SERVICE_CUT_OUT,
       SERVICE_RESTORED)
KEY_KINDS = (KEY_REGISTERED, KEY_ROTATED)

# Plain words for people (the trace report and `audit log`).
DESCRIPTIONS = {
    KEY_REGISTERED: "registered a signing key",
    KEY_ROTATED: "replaced a signing key with a new one",
    PRODUCTIONISE_RUN: "turned a notebook into a package",
    DATA_SNAPSHOT: "recorded a data snapshot",
    DATA_REVOKED: "withdrew consent for a data snapshot",
    ERASURE_REQUESTED: "recorded a request to erase a person's data",
    EXPERIMENT_STARTED: "started an experiment",
    TRIAL_FINISHED: "finished a trial",
    CRITERIA_EVALUATED: "checked the success criteria",
    EXPERIMENT_FINISHED: "finished an experiment",
    MODEL_REGISTERED: "registered a model version",
    MODEL_PROMOTED: "promoted a model version",
    MODEL_ROLLED_BACK: "rolled a model back",
    MODEL_REVOKED: "revoked a model version",
    SERVICE_SCAFFOLDED: "generated a service",
    SERVICE_CUT_OUT: "cut a service out (emergency stop)",
    SERVICE_RESTORED: "restored a service after a cut-out",
}


def key_subject(fingerprint: str) -> str:
    return f"key:{fingerprint}"


def model_subject(name: str, version: int | None = None) -> str:
    """`model:churn:3` for one version, `model:churn` for the model (rollback, cut-out)."""
    return f"model:{name}" if version is None else f"model:{name}:{version}"


def snapshot_subject(snapshot_id: str) -> str:
    return f"snapshot:{snapshot_id}"


def experiment_subject(experiment_id: str) -> str:
    return f"experiment:{experiment_id}"


def trial_subject(experiment_id: str, trial_id: str) -> str:
    return f"trial:{experiment_id}/{trial_id}"


def package_subject(package: str) -> str:
    return f"package:{package}"


def service_subject(name: str) -> str:
    return f"service:{name}"


def describe(kind: str) -> str:
    return DESCRIPTIONS.get(kind, kind)
