"""Configuration precedence, validation and per-path overrides."""

from __future__ import annotations

import pytest

from tqcheck.core.config import find_config_file, load_settings, settings_for_path
from tqcheck.core.errors import ConfigError


def test_precedence_defaults_file_config_flags(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\ndialect = "en-GB"\ntop = 3\nfail_on = "minor"\n')
    other = tmp_path / "strict.toml"
    other.write_text('top = 7\nfail_on = "major"\n')
    doc = tmp_path / "sub" / "a.txt"
    doc.parent.mkdir()
    doc.write_text("Text.")
    settings = load_settings([str(doc)], str(other), {"fail_on": "critical"})
    assert settings.dialect == "en-GB" and settings.origins["dialect"].endswith("pyproject.toml")
    assert settings.top == 7 and settings.origins["top"].endswith("strict.toml")
    assert settings.fail_on == "critical" and settings.origins["fail_on"] == "command line"
    assert settings.grammar == "harper" and settings.origins["grammar"] == "default"


def test_dot_tqcheck_toml_wins_over_pyproject_in_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\ntop = 1\n')
    (tmp_path / ".tqcheck.toml").write_text('top = 2\n')
    assert find_config_file(tmp_path).name == ".tqcheck.toml"
    assert load_settings([str(tmp_path)]).top == 2


def test_pyproject_without_table_is_skipped(tmp_path):
    (tmp_path / ".tqcheck.toml").write_text("top = 4\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config_file(tmp_path / "pkg") == (tmp_path / ".tqcheck.toml").resolve()


@pytest.mark.parametrize("body, words", [
    ('grammar = "word"', ["grammar", "harper"]),
    ('top = "many"', ["top", "whole number"]),
    ('flag_threshold = 3', ["flag_threshold", "at most"]),
    ('colour = true', ["colour", "unknown key"]),
    ('rules = 5', ["rules", "list"]),
    ('grammar = ', ["invalid TOML"]),
])
def test_bad_values_name_key_and_file(tmp_path, body, words):
    path = tmp_path / ".tqcheck.toml"
    path.write_text(body + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings([str(tmp_path)])
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message


def test_paths_resolve_relative_to_the_config_file(tmp_path):
    (tmp_path / ".tqcheck.toml").write_text('rules = ["house"]\noutput_dir = "out"\n')
    settings = load_settings([str(tmp_path)])
    assert settings.rules == [str(tmp_path.resolve() / "house")]
    assert settings.output_dir == str(tmp_path.resolve() / "out")


def test_per_path_overrides(tmp_path):
    (tmp_path / ".tqcheck.toml").write_text(
        'fail_on = "critical"\n[[overrides]]\npaths = ["press/**"]\nfail_on = "minor"\n')
    (tmp_path / "press").mkdir()
    settings = load_settings([str(tmp_path)])
    assert settings_for_path(settings, str(tmp_path / "press" / "a.md")).fail_on == "minor"
    assert settings_for_path(settings, str(tmp_path / "blog.md")).fail_on == "critical"


def test_override_with_unknown_key_fails(tmp_path):
    (tmp_path / ".tqcheck.toml").write_text('[[overrides]]\npaths = ["a/*"]\nfial_on = "minor"\n')
    with pytest.raises(ConfigError, match="overrides.fial_on"):
        load_settings([str(tmp_path)])


def _two_projects(tmp_path):
    """A root project (dialect en-GB, fail_on minor) and a sub-project with its own .tqcheck.toml."""
    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\ndialect = "en-GB"\nfail_on = "minor"\ntop = 3\n')
    root_doc = tmp_path / "a.txt"
    root_doc.write_text("Text.")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".tqcheck.toml").write_text('disable = ["mt"]\ntop = 9\n'
                                       '[[overrides]]\npaths = ["*.md"]\ngrammar = "none"\n')
    sub_doc = sub / "b.md"
    sub_doc.write_text("Text.")
    plain = tmp_path / "plain"
    plain.mkdir()
    return root_doc, sub_doc


def test_each_input_uses_the_config_nearest_to_it(tmp_path):
    """Like ruff and sqlfluff: the nearest config file per input, whichever input comes first."""
    root_doc, sub_doc = _two_projects(tmp_path)
    for order in ([root_doc, sub_doc], [sub_doc, root_doc]):
        settings = load_settings([str(p) for p in order])
        root, sub = settings_for_path(settings, str(root_doc)), settings_for_path(settings, str(sub_doc))
        assert root.dialect == "en-GB" and root.fail_on == "minor" and root.disable == []
        assert root.origins["dialect"].endswith("pyproject.toml")
        # the sub-project's file replaces the root's (no inheritance, as in ruff without `extend`)
        assert sub.disable == ["mt"] and sub.dialect == "en-US" and sub.fail_on == "major"
        assert sub.origins["disable"].endswith(".tqcheck.toml") and sub.origins["dialect"] == "default"
        assert sub.grammar == "none"  # the sub-project's own per-path override
        assert root.grammar == "harper"


def test_config_and_flags_still_override_every_input_and_run_wide_keys_hold(tmp_path):
    root_doc, sub_doc = _two_projects(tmp_path)
    forced = tmp_path / "ci.toml"
    forced.write_text('dialect = "en-AU"\n')
    settings = load_settings([str(root_doc), str(sub_doc)], str(forced), {"fail_on": "critical"})
    for doc in (root_doc, sub_doc):
        effective = settings_for_path(settings, str(doc))
        assert effective.dialect == "en-AU" and effective.fail_on == "critical"
        assert effective.top == 3  # run-wide (the terminal view): from the run's config, not per input
    assert settings_for_path(settings, str(sub_doc)).disable == ["mt"]
    # --no-config: no file at all, for any input
    bare = load_settings([str(root_doc), str(sub_doc)], discover=False)
    assert settings_for_path(bare, str(sub_doc)).disable == [] and settings_for_path(bare, str(root_doc)).top == 10


def test_a_config_nearer_to_a_later_input_is_used_when_the_first_has_none(tmp_path):
    root_doc, sub_doc = _two_projects(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    settings = load_settings([str(root_doc), str(sub_doc)])
    assert settings.config_files == [] and settings_for_path(settings, str(root_doc)).disable == []
    sub = settings_for_path(settings, str(sub_doc))
    assert sub.disable == ["mt"] and sub.config_files == [str(sub_doc.parent.resolve() / ".tqcheck.toml")]


def test_an_unknown_key_says_did_you_mean_and_lists_every_key_uncut(tmp_path):
    from click.testing import CliRunner

    from tqcheck.cli.main import cli
    from tqcheck.core.config import KEYS_BY_NAME

    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\ndialekt = "en-GB"\n')
    doc = tmp_path / "a.txt"
    doc.write_text("Text.")
    with pytest.raises(ConfigError, match="did you mean 'dialect'"):
        load_settings([str(doc)])
    result = CliRunner().invoke(cli, ["config", "show", str(doc)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "dialekt: unknown key; did you mean 'dialect'" in line and "…" not in line
    assert all(name in line for name in KEYS_BY_NAME)
    (tmp_path / "pyproject.toml").write_text('[tool.tqcheck]\n[[tool.tqcheck.overrides]]\npaths = ["*.md"]\n'
                                             'gramar = "none"\n')
    with pytest.raises(ConfigError, match="overrides.gramar: unknown key; did you mean 'grammar'"):
        load_settings([str(doc)])
def test_every_key_is_a_typed_property_of_settings() -> None:
    """Settings are typed where they are used: each key of KEYS is a property whose return annotation is the key's
    type (type checkers see ``settings.jobs`` as an int; a misspelt key is an error to them)."""
    import typing

    from tqcheck.core.config import KEYS, Settings

    settings = Settings()
    for key in KEYS:
        prop = Settings.__dict__.get(key.name)
        assert isinstance(prop, property), f"Settings has no typed property for {key.name}"
        hint = typing.get_type_hints(prop.fget)["return"]
        expected = list[key.list_of] if key.list_of is not None else key.type
        assert hint == expected, (key.name, hint, expected)
        assert getattr(settings, key.name) == key.default
