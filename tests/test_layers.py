"""The package follows the data flow: every import, function-level ones included, points down the layers
(docs/architecture.md), and no group of modules imports itself round in a cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tqcheck"

#: Layers, lowest first: a module may import its own layer and the ones before it.
LAYERS = ["core", "readers", "language", "checks", "scoring", "output", "engine", "policy", "training", "faces"]
FACES = {"tqcheck.api", "tqcheck.__main__"}

#: Imports that run up a layer on purpose (at most three; each says why).
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the tqcheck modules it imports anywhere in its body (``from a import b`` counts ``a.b`` when
    ``b`` is a module)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t.split(".")[0] == "tqcheck" and t != name)
    return graph


def layer(name: str) -> int:
    """The layer of a module: ``tqcheck`` itself (only ``__version__``) is core, the CLI and API are faces."""
    parts = name.split(".")
    if name == "tqcheck" or parts[1] in ("core", "models"):
        return 0
    if name in FACES or parts[1] == "cli":
        return LAYERS.index("faces")
    return LAYERS.index(parts[1])


def test_every_module_belongs_to_a_layer():
    loose = [n for n in modules() if n.count(".") == 1 and n not in FACES]
    assert not [n for n in loose if n.split(".")[1] not in LAYERS + ["cli", "models"]], loose


def test_no_import_runs_up_a_layer():
    known = modules()
    upward = sorted((a, b) for a, targets in imports(known).items() for b in targets
                    if layer(b) > layer(a) and (a, b) not in ALLOWED_UPWARD)
    assert upward == [], "\n".join(f"{a} imports {b} ({LAYERS[layer(a)]} -> {LAYERS[layer(b)]})" for a, b in upward)
    assert len(ALLOWED_UPWARD) <= 3


def test_no_import_cycle():
    graph = imports(modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert cycles == []


def test_at_most_twelve_loose_modules_at_the_top():
    assert len([p for p in PACKAGE.glob("*.py")]) <= 12
