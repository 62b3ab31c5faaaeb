"""Three-way merge of text by lines (diff3): keep the user's edits and the generator's changes
when they touch different lines; report a conflict when they touch the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass
class MergeResult:
    text: str
    conflicts: int


def _hunks(base: list[str], other: list[str]) -> list[tuple[int, int, list[str]]]:
    """Changes turning base into other: (base_start, base_end, replacement lines)."""
    sm = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]


def merge3(base: str, ours: str, theirs: str) -> MergeResult:
    """`ours` = the file on disk (user edits), `theirs` = the newly generated text."""
    if ours == theirs or theirs == base:
        return MergeResult(ours, 0)
    if ours == base:
        return MergeResult(theirs, 0)
    b = base.splitlines(keepends=True)
    mine = _hunks(b, ours.splitlines(keepends=True))
    gen = _hunks(b, theirs.splitlines(keepends=True))
    changes = sorted([(s, e, lines, 0) for s, e, lines in mine] + [(s, e, lines, 1) for s, e, lines in gen],
                     key=lambda h: (h[0], h[1]))
    out: list[str] = []
    pos = 0
    conflicts = 0
    i = 0
    while i < len(changes):
        s, e, lines, who = changes[i]
        # gather overlapping changes (touching ranges or same insertion point)
        group = [changes[i]]
        end = e
        j = i + 1
        while j < len(changes) and (changes[j][0] < end or changes[j][0] == s or
                                    (changes[j][0] == end and (changes[j][1] == changes[j][0] or e == s))):
            group.append(changes[j])
            end = max(end, changes[j][1])
            j += 1
        out.extend(b[pos:s])
        sides = {g[3] for g in group}
        if len(sides) == 1:
            # one side only: apply its hunks in order
            cur = s
            for gs, ge, glines, _ in group:
                out.extend(b[cur:gs])
                out.extend(glines)
                cur = ge
            out.extend(b[cur:end])
        else:
            def side(k: int) -> list[str]:
                cur, acc = s, []
                for gs, ge, glines, w in group:
                    if w == k:
                        acc.extend(b[cur:gs])
                        acc.extend(glines)
                        cur = ge
                acc.extend(b[cur:end])
                return acc
            a, t = side(0), side(1)
            if a == t:
                out.extend(a)
            else:
                conflicts += 1
                out.append("<<<<<<< your edit\n")
                out.extend(_nl(a))
                out.append("=======\n")
                out.extend(_nl(t))
                out.append(">>>>>>> generated from the notebook\n")
        pos = end
        i = j
    out.extend(b[pos:])
    return MergeResult("".join(out), conflicts)


def _nl(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines
