"""bench/ is a package of the scripts that regenerate docs pages (issue 24): within its line budget, each script
named by a page, and tests and bench never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
#: Modules of bench/ that serve the scripts rather than regenerate a page themselves.
HELPERS = {"__init__", "docsection", "mqm"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_bench_holds_at_most_4500_lines() -> None:
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in BENCH.glob("*.py"))
    assert lines <= 4500, lines


def test_every_bench_script_is_named_by_a_docs_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    scripts = [p.stem for p in BENCH.glob("*.py") if p.stem not in HELPERS]
    unnamed = [s for s in scripts if f"bench.{s}" not in pages and f"bench/{s}.py" not in pages]
    assert unnamed == []


def test_tests_and_bench_do_not_import_each_other() -> None:
    bench_modules = {p.stem for p in BENCH.glob("*.py")} | {"bench"}
    test_modules = {p.stem for p in (ROOT / "tests").glob("*.py")} | {"tests"}
    for path in (ROOT / "tests").glob("*.py"):
        assert not _imports(path) & bench_modules, path.name
        text = path.read_text(encoding="utf-8")
        assert path.name == Path(__file__).name or 'ROOT / "bench"' not in text, path.name
    for path in BENCH.glob("*.py"):
        assert not _imports(path) & test_modules, path.name
