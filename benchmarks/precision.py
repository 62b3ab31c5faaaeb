"""Precision of every rule on the shared corpus, from the judged sample of findings.

`tests/rules/corpus_judgements.csv` holds findings judged by hand (notebook, cell, line, rule,
verdict `tp`/`fp`, a one-line reason); a verdict covers the rule's findings on that line (several
names on one line share it), and counts once for each. This script lints the corpus, matches its findings
against the judged ones and prints, per rule, how many findings there are, how many of them
were judged, and the precision of the judged ones (true positives / judged findings reported).

    .venv/bin/python benchmarks/precision.py                  # the code in this checkout
    .venv/bin/python benchmarks/precision.py --rev main       # the code of another revision
    .venv/bin/python benchmarks/precision.py --rev main --compare   # both, side by side
    .venv/bin/python benchmarks/precision.py --unjudged 10    # findings still to judge

A rule's figure is only as good as its sample: the table shows how many findings were judged.
`--unjudged N` lists, per rule, up to N findings of this code that nobody judged yet (with the
line they point at), in the order the sample is drawn, so that the sample can be topped up.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
JUDGEMENTS = REPO / "tests" / "rules" / "corpus_judgements.csv"
FIELDS = ["notebook", "cell", "line", "rule", "verdict", "reason", "pending"]
TARGET_RULE, TARGET_OVERALL = 0.95, 0.98

Key = tuple[str, int, int, str]  # notebook (relative to the corpus), cell index (-1: the notebook), line, rule


@dataclass(frozen=True)
class Judgement:
    key: Key
    verdict: str  # "tp" or "fp"
    reason: str
    # A false alarm still reported: "known" (left as it is), or the branch whose change removes it.
    pending: str = ""


def load_judgements(path: Path = JUDGEMENTS) -> dict[Key, Judgement]:
    found: dict[Key, Judgement] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["notebook"], int(row["cell"]), int(row["line"]), row["rule"])
            if row["verdict"] not in ("tp", "fp"):
                raise ValueError(f"{path}: verdict must be tp or fp: {row}")
            if key in found:
                raise ValueError(f"{path}: judged twice: {key}")
            found[key] = Judgement(key, row["verdict"], row["reason"], row.get("pending") or "")
    return found


def findings_of(report: dict, corpus: Path) -> dict[Key, list[str]]:
    """Key -> the messages of the findings there, for every finding in a `lint --format json`
    report (a notebook-level finding has cell -1)."""
    out: dict[Key, list[str]] = {}
    for entry in report["files"]:
        rel = os.path.relpath(os.path.realpath(entry["path"]), os.path.realpath(corpus))
        for f in entry["findings"]:
            cell = -1 if f["cell"] is None else f["cell"]
            out.setdefault((rel, cell, f["line"] or 0, f["rule"]), []).append(f["message"])
    return out


def lint(corpus: Path, code_root: Path = REPO, notebooks: list[str] | None = None) -> dict:
    """`jupyter-mlops lint --format json` over the corpus (or some of its notebooks), run with
    the engine found under `code_root`."""
    env = {**os.environ, "PYTHONPATH": str(code_root), "NO_COLOR": "1"}
    targets = [str(corpus / n) for n in notebooks] if notebooks else [str(corpus)]
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "lint", *targets, "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), timeout=1800)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return json.loads(proc.stdout)


def lint_revision(corpus: Path, rev: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="precision-") as tmp:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", tmp, rev], check=True,
                       capture_output=True)
        try:
            return lint(corpus, Path(tmp))
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", tmp], capture_output=True)


@dataclass
class Row:
    rule: str
    findings: int
    judged: int
    tp: int

    @property
    def precision(self) -> float | None:
        return self.tp / self.judged if self.judged else None


def score(found: dict[Key, list[str]], judged: dict[Key, Judgement]) -> tuple[list[Row], Row]:
    by_rule: dict[str, Row] = {}
    for key, messages in found.items():
        row = by_rule.setdefault(key[3], Row(key[3], 0, 0, 0))
        n = len(messages)
        row.findings += n
        j = judged.get(key)
        if j is not None:
            row.judged += n
            row.tp += n if j.verdict == "tp" else 0
    rows = sorted(by_rule.values(), key=lambda r: r.rule)
    total = Row("all rules", sum(r.findings for r in rows), sum(r.judged for r in rows), sum(r.tp for r in rows))
    return rows, total


def sample_order(key: Key) -> str:
    """The order findings are drawn in: a hash, so that the sample spreads over notebooks."""
    return hashlib.sha256("|".join(map(str, key)).encode()).hexdigest()


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def print_table(columns: list[tuple[str, dict[Key, list[str]]]], judged: dict[Key, Judgement]) -> None:
    scored = [(name, *score(found, judged)) for name, found in columns]
    rules = sorted({r.rule for _, rows, _ in scored for r in rows})
    head = f"{'rule':28}" + "".join(f" | {name[:24]:>24} findings judged precision" for name, _, _ in scored)
    print(head)
    print("-" * len(head))
    for rule in rules + ["all rules"]:
        line = f"{rule:28}"
        for _, rows, total in scored:
            row = total if rule == "all rules" else next((r for r in rows if r.rule == rule), Row(rule, 0, 0, 0))
            line += f" | {'':>24} {row.findings:8} {row.judged:6} {_pct(row.precision):>9}"
        print(line)
    print(f"\ntargets: every rule >= {TARGET_RULE:.0%}, all rules >= {TARGET_OVERALL:.0%} (precision of the "
          "judged findings each code reports)")


def print_unjudged(found: dict[Key, list[str]], judged: dict[Key, Judgement], per_rule: int, corpus: Path) -> None:
    from jupyter_mlops.notebook.loader import load_notebook
    todo: dict[str, list[Key]] = defaultdict(list)
    for key in sorted(found, key=sample_order):
        if key not in judged:
            todo[key[3]].append(key)
    writer = csv.writer(sys.stdout)
    for rule, keys in sorted(todo.items()):
        for key in keys[:per_rule]:
            text = ""
            if key[1] >= 0 and key[2]:
                text = load_notebook(corpus / key[0]).cells[key[1]].source.split("\n")[key[2] - 1].strip()
            writer.writerow([*key[:3], rule, "?", f"{found[key][0][:100]} || {text[:100]}", ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--judgements", type=Path, default=JUDGEMENTS)
    parser.add_argument("--rev", help="lint with the code of this git revision instead of this checkout")
    parser.add_argument("--compare", action="store_true", help="with --rev: that revision and this checkout")
    parser.add_argument("--findings", type=Path, help="a `lint --format json` report to score instead of linting")
    parser.add_argument("--unjudged", type=int, metavar="N", help="list up to N unjudged findings per rule")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"precision: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    judged = load_judgements(args.judgements)
    corpus = args.corpus.resolve()
    if args.findings:
        here = findings_of(json.loads(args.findings.read_text(encoding="utf-8")), corpus)
    else:
        here = findings_of(lint(corpus), corpus)
    if args.unjudged is not None:
        print_unjudged(here, judged, args.unjudged, corpus)
        return 0
    columns = [("this checkout", here)]
    if args.rev:
        other = findings_of(lint_revision(corpus, args.rev), corpus)
        columns = [(args.rev, other), *columns] if args.compare else [(args.rev, other)]
    print_table(columns, judged)
    counts = Counter(j.verdict for j in judged.values())
    print(f"{len(judged)} judged findings in {args.judgements.relative_to(REPO) if args.judgements.is_relative_to(REPO) else args.judgements}"
          f" ({counts['tp']} true, {counts['fp']} false alarms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
