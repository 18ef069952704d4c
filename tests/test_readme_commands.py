"""The README's two commands, and CI running the second one as a new user has it (issue 25, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_with_only_the_extras_it_names() -> None:
    install, _, test = readme_commands()[1].partition(" && ")
    extras = re.search(r'-e "\.\[([a-z,]+)\]"', install).group(1)
    assert test == "python -m pytest -q"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    light = ci[ci.index("# 6."):]
    assert f'pip" install --quiet -e ".[{extras}]"' in light  # the README's extras, nothing more
    assert "torch" not in light.split("pip\" install", 1)[1].splitlines()[0]
    assert light.rstrip().endswith('-m pytest -q')


def test_the_readme_links_to_files_and_headings_that_exist() -> None:
    """Every relative link of the README names a file of the checkout and, with #anchor, one of its headings."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        assert (ROOT / path).exists(), target
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
            slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, (target, sorted(slugs))
