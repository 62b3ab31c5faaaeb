"""The engine's shape: no import cycles (function-local imports included), rule modules one can
find (one module per rule, named after it, in its family's package), no linter module over ~500
lines."""

from __future__ import annotations

import ast
from pathlib import Path

from nbtest import REPO
from jupyter_mlops.linter.registry import all_rules

PACKAGE = REPO / "jupyter_mlops"
FAMILIES = {"0": "correctness", "1": "correctness", "2": "dependencies", "3": "portability",
            "4": "security", "5": "ml", "6": "maintainability"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Modules `path` imports anywhere in its body (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def test_no_import_cycles():
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {m: {d for d in imports_of(p, m) if d in modules and d != m} for m, p in modules.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            assert state.get(d) != 1, "import cycle: " + " -> ".join(path[path.index(d):] + [d])
            if d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_each_rule_lives_in_its_own_module_in_its_family():
    for rule in all_rules():
        family = FAMILIES[rule.code[2]]
        assert rule.__module__ == f"jupyter_mlops.linter.rules.{family}.{rule.name.replace('-', '_')}", rule.name


def test_no_linter_module_is_over_500_lines():
    long = {str(p.relative_to(REPO)): n for p in (PACKAGE / "linter").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 520}
    assert long == {}
