"""Strict loading: every mistake in a rule file is a RuleError naming path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqcheck.core.config import Settings
from tqcheck.core.errors import RuleError
from tqcheck.checks.catalog import load_rules
from tqcheck.checks.rules import builtin_rules_dir, load_paths

GOOD = """\
extends: substitution
message: "'%s' is wrong; write '%s'"
level: major
category: accuracy/mistranslation
swap:
  striptease: strip
examples:
  bad: [The surrounded striptease.]
  good: [The Gaza Strip.]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> RuleError:
    with pytest.raises(RuleError) as info:
        load_paths([path])
    return info.value


def test_single_rule_file_gets_pack_and_file_id(tmp_path: Path) -> None:
    write(tmp_path / "house", "Strip.yml", GOOD)
    ruleset = load_paths([tmp_path / "house"])
    assert [r.id for r in ruleset] == ["house.Strip"]
    assert ruleset.rules[0].severity.value == "major"


def test_typo_in_key_names_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "house", "Strip.yml", GOOD.replace("level: major", "levle: major"))
    error = load_error(path)
    assert str(error).startswith(f"{path}:3:")
    assert "unknown key 'levle'" in str(error)


def test_unknown_key_in_group_file_names_its_line(tmp_path: Path) -> None:
    text = "rules:\n  One:\n    extends: existence\n    message: bad\n    tokens: [x]\n    tokenz: [y]\n"
    path = write(tmp_path / "house", "Group.yml", text)
    assert str(load_error(path)).startswith(f"{path}:6:")


@pytest.mark.parametrize("change, line, words", [
    (("extends: substitution", "extends: substitutoin"), 1, "unknown rule type"),
    (("level: major", "level: huge"), 3, "unknown severity"),
    (("category: accuracy/mistranslation", "category: accuracy/wrong"), 4, "unknown category"),
    (("  striptease: strip", "  striptease: [strip]"), 6, "must be non-empty text"),
    (("level: major", "level: [major]"), 3, "must be text"),
])
def test_wrong_values_name_their_line(tmp_path: Path, change, line, words) -> None:
    path = write(tmp_path / "house", "Strip.yml", GOOD.replace(*change))
    error = load_error(path)
    assert error.line == line and words in str(error)


def test_bad_regex_names_its_line(tmp_path: Path) -> None:
    text = "extends: pattern\nmessage: m\npattern: '(unclosed'\n"
    path = write(tmp_path / "house", "Bad.yml", text)
    error = load_error(path)
    assert error.line == 3 and "invalid regular expression" in str(error)


def test_bad_regex_in_a_list_names_the_item_line(tmp_path: Path) -> None:
    text = "extends: pattern\nmessage: m\npattern:\n  - 'fine'\n  - '[bad'\n"
    path = write(tmp_path / "house", "Bad.yml", text)
    assert load_error(path).line == 5


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "a" / "house", "Strip.yml", GOOD)
    write(tmp_path / "b" / "house", "Strip.yml", GOOD)
    with pytest.raises(RuleError, match="two packs are named 'house'"):
        load_paths([tmp_path / "a", tmp_path / "b"])
    group = "rules:\n  Strip:\n" + "".join("    " + line + "\n" for line in GOOD.splitlines())
    write(tmp_path / "c" / "house", "Group.yml", group)
    write(tmp_path / "c" / "house", "Strip.yml", GOOD)
    with pytest.raises(RuleError, match="duplicate rule id house.Strip"):
        load_paths([tmp_path / "c"])


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "house", "Strip.yml", GOOD + "level: minor\n")
    error = load_error(path)
    assert error.line == 10 and "duplicate key 'level'" in str(error)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "house", "Strip.yml", "extends: existence\nmessage: [unclosed\n")
    assert load_error(path).line is not None


def test_missing_path_and_missing_required_keys(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule path not found"):
        load_paths([tmp_path / "nope"])
    path = write(tmp_path / "house", "NoSwap.yml", "extends: substitution\nmessage: m\n")
    assert "missing required key 'swap'" in str(load_error(path))


def test_settings_select_packs_by_prefix(tmp_path: Path) -> None:
    settings = Settings()
    settings.values.update(enable=["mt"], disable=["mt.Strip*"])
    ruleset = load_rules(settings)
    ids = [r.id for r in ruleset]
    assert ids and all(i.startswith("mt.") for i in ids)
    assert not any(i.startswith("mt.Strip") for i in ids)
    assert set(ruleset.packs) == {"mt"}


def test_settings_without_builtin_rules_and_with_extra_paths(tmp_path: Path) -> None:
    write(tmp_path / "house", "Strip.yml", GOOD)
    settings = Settings()
    settings.values.update(builtin_rules=False, rules=[str(tmp_path / "house")])
    assert [r.id for r in load_rules(settings)] == ["house.Strip"]


def test_builtin_rules_dir_points_at_the_packs() -> None:
    folder = builtin_rules_dir()
    assert (folder / "mt" / "_pack.yml").is_file()


def test_pack_file_with_unknown_key(tmp_path: Path) -> None:
    write(tmp_path / "house", "Strip.yml", GOOD)
    meta = write(tmp_path / "house", "_pack.yml", "version: 1.0\nauthor: me\n")
    with pytest.raises(RuleError) as info:
        load_paths([tmp_path / "house"])
    assert str(info.value).startswith(f"{meta}:2:")


@pytest.mark.parametrize("value, words", [
    ("'the seed article'", "must read 'KIND: what it was learned from'"),
    ("'folklore: my uncle'", "unknown kind 'folklore'"),
    ("'dev set: marked errors'", "'dev set' must name the data sets"),
])
def test_bad_provenance_names_its_line(tmp_path: Path, value: str, words: str) -> None:
    path = write(tmp_path / "house", "Strip.yml", GOOD.replace("level: major", f"level: major\nprovenance: {value}"))
    error = str(load_error(path))
    assert error.startswith(f"{path}:4:") and words in error


def test_provenance_is_read_from_a_rule_or_its_file_defaults(tmp_path: Path) -> None:
    write(tmp_path / "house", "Strip.yml", GOOD + "provenance: 'dev set mqm_zhen_ted2021, mqm_zhen_newstest2021: "
                                                  "errors raters marked'\n")
    text = ("defaults:\n  provenance: 'linguistic resource: a style guide'\nrules:\n  One:\n    extends: existence\n"
            "    message: bad\n    tokens: [x]\n  Two:\n    extends: existence\n    message: bad\n    tokens: [y]\n"
            "    provenance: 'seed: the seed article'\n")
    write(tmp_path / "house", "Group.yml", text)
    rules = {r.id: r.provenance for r in load_paths([tmp_path / "house"])}
    assert rules["house.Strip"].sets == ("mqm_zhen_ted2021", "mqm_zhen_newstest2021")
    assert (rules["house.One"].kind, rules["house.Two"].kind) == ("linguistic resource", "seed")
    assert str(rules["house.Strip"]) == "dev set mqm_zhen_ted2021, mqm_zhen_newstest2021: errors raters marked"
