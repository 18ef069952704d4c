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
