"""docs/rules.md is generated from the rules themselves and must be current; its glossary example works."""

from __future__ import annotations

from pathlib import Path

from tqcheck.checks.rules import RuleCheck, load_paths, run_examples
from tqcheck.checks.rules.docs import GLOSSARY_EXAMPLE, main, render
from tqcheck.checks.rules.examples import example_document


def test_docs_page_is_current() -> None:
    assert main(["--check"]) == 0, "docs/rules.md is stale: run python -m tqcheck.checks.rules.docs"


def test_docs_show_one_example_of_every_type() -> None:
    from tqcheck.checks.rules.types import RULE_TYPES

    text = render()
    for name in RULE_TYPES:
        section = text.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
        assert "```yaml" in section and f"extends: {name}" in section


def test_glossary_example_in_docs_loads_and_passes(tmp_path: Path) -> None:
    path = tmp_path / "house" / "Terms.yml"
    path.parent.mkdir()
    path.write_text(GLOSSARY_EXAMPLE, encoding="utf-8")
    ruleset = load_paths([path])
    assert run_examples(ruleset.rules[0]) == []
    document = example_document("Defense Secretary Katz spoke.")
    findings = RuleCheck(ruleset).check(document)
    assert findings[0].suggestions == ("Defence Minister",)


def test_docs_name_the_separator_the_glossary_loader_splits_on(tmp_path: Path) -> None:
    """docs/rules.md says which character separates forbidden variants in a CSV glossary; the loader agrees."""
    import re

    from tqcheck.checks.rules.docs import DOCS_FILE

    row = next(line for line in DOCS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("| `file` |"))
    separator = re.search(r"`(\\?.)` separates several forbidden variants", row).group(1).lstrip("\\")
    glossary = tmp_path / "terms.csv"
    glossary.write_text(f"target,forbidden\nCOGAT,Kogat{separator}Cogat\n", encoding="utf-8")
    ruleset = load_paths([], glossaries=[glossary])
    for text in ("Kogat said so.", "Cogat said so."):
        assert [f.suggestions for f in RuleCheck(ruleset).check(example_document(text))] == [("COGAT",)]
