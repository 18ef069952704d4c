"""Configuration: defaults < pyproject.toml/.tqcheck.toml < --config FILE < flags.

Every key is declared once in ``KEYS`` with its type, default and help; a value
of the wrong type or outside its choices is a ``ConfigError`` naming the key
and the file it came from.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a dependency there)
    import tomli as tomllib

from tqcheck.core.errors import ConfigError
from tqcheck.core.limits import DEFAULT_MAX_INPUT_MB

SEVERITIES = ("minor", "major", "critical")
GRAMMAR_ENGINES = ("harper", "languagetool", "auto", "none")
DIALECTS = ("en-US", "en-GB", "en-AU", "en-CA", "en-NZ", "en-ZA", "en-IN")


@dataclass(frozen=True)
class Key:
    """One configuration key: its type, default, allowed values and help."""

    name: str
    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    list_of: type | None = None
    minimum: float | None = None
    maximum: float | None = None


KEYS: tuple[Key, ...] = (
    # inputs
    Key("max_input_mb", float, DEFAULT_MAX_INPUT_MB, "Largest input file (or standard input) checked, in MB; a larger one is an "
        "error.", minimum=0.001, maximum=1_048_576),
    Key("include", list, ["*.txt", "*.md", "*.markdown", "*.xlf", "*.xliff", "*.po", "*.tmx", "*.srt",
                         "*.sdlxliff"],
        "Globs of files checked inside folders (TSV/CSV only when included explicitly).", list_of=str),
    Key("exclude", list, [], "Globs of files or folders skipped inside folders.", list_of=str),
    # rules
    Key("rules", list, [], "Extra rule files or folders (YAML) loaded after the built-in packs.", list_of=str),
    Key("builtin_rules", bool, True, "Load the rule packs shipped with tqcheck."),
    Key("enable", list, [], "Only rules whose id starts with one of these prefixes run (empty: all that are on by "
        "default); naming a rule that is off by default switches it on without narrowing the others.", list_of=str),
    Key("disable", list, [], "Rules whose id starts with one of these prefixes do not run.", list_of=str),
    Key("glossary", list, [], "Glossary files (CSV, YAML or TBX) of required or forbidden terms.", list_of=str),
    # bilingual files
    Key("source_column", str, "source", "Column of the source text in bilingual TSV/CSV files."),
    Key("target_column", str, "target", "Column of the translation (checked text) in bilingual TSV/CSV files."),
    Key("id_column", str, "id", "Column of the unit id in bilingual TSV/CSV files (optional column)."),
    Key("source_language", str, "", "Language code of the source text (e.g. de) when a file does not say."),
    Key("dnt", list, [], "Do-not-translate lists (text, one term per line): a term of the source must appear "
        "unchanged in the translation (source.DoNotTranslate).", list_of=str),
    Key("crosslingual_model", str, "",
        "Multilingual sentence-embedding model (local path or cached name) for source/target similarity."),
    # grammar
    Key("grammar", str, "harper", "Grammar engine: harper (offline), languagetool, auto, or none.",
        choices=GRAMMAR_ENGINES),
    Key("dialect", str, "en-US", "English variant for grammar and spelling.", choices=DIALECTS),
    Key("accept", list, [], "Word-list files: one accepted word or name per line.", list_of=str),
    Key("languagetool_url", str, "", "URL of a LanguageTool server (e.g. http://localhost:8081)."),
    Key("languagetool_path", str, "", "Folder of a local LanguageTool install (needs Java)."),
    Key("languagetool_enabled_rules", list, [], "LanguageTool rule ids to enable.", list_of=str),
    Key("languagetool_disabled_rules", list, [], "LanguageTool rule ids to disable.", list_of=str),
    Key("languagetool_enabled_categories", list, [], "LanguageTool category ids to enable.", list_of=str),
    Key("languagetool_disabled_categories", list, [], "LanguageTool category ids to disable.", list_of=str),
    Key("languagetool_max_chars", int, 20000, "Largest text sent to LanguageTool in one request.", minimum=100,
        maximum=100_000_000),
    Key("languagetool_timeout", float, 30.0, "Seconds to wait for one LanguageTool request.", minimum=0.1,
        maximum=86_400),
    # fluency
    Key("fluency", bool, True, "Score every sentence for fluency (language model and semantic fit)."),
    Key("semantic", bool, True, "Use the sentence-embedding model in the fluency score."),
    Key("lm", str, "", "Deeper tier: a causal language model (name or local path; 'smollm2' for the packaged one)."),
    Key("detector", str, "", "Detector folder (made by 'tqcheck train'); empty: the shipped detector."),
    Key("flag_threshold", float, -1.0, "Sentences whose score is below this are flagged "
        "(negative: the detector's calibrated threshold).", minimum=-1.0, maximum=1.0),
    # output
    Key("output", str, "", "Report file (default: <output_dir>/<input name>.csv)."),
    Key("output_dir", str, "reports", "Folder for reports when --output is not given."),
    Key("format", list, ["terminal", "csv"], "Writers to run (terminal, csv, json, jsonl, sarif, github, junit, html).",
        list_of=str),
    Key("top", int, 10, "Sentences shown in the terminal view.", minimum=0),
    # gate
    Key("fail_on", str, "major", "Fail (exit 1) when a finding has at least this severity (minor, major, critical; "
        "none: never).", choices=("none", "") + SEVERITIES),
    Key("min_fluency", float, -1.0, "Fail when any sentence scores below this (negative: off).", maximum=1.0),
    Key("min_fluency_mean", float, -1.0, "Fail when the document average scores below this (negative: off).",
        maximum=1.0),
    Key("max_findings", int, -1, "Fail when there are more findings than this (negative: off)."),
    Key("max_penalty", float, -1.0, "Fail when the MQM penalty per 1,000 words exceeds this (negative: off)."),
    Key("exit_zero", bool, False, "Always exit 0 when the check ran (report-only)."),
    Key("baseline", str, "", "Baseline file: only findings not in it count for the gate."),
    # runners
    Key("jobs", int, 0, "Worker processes (0: the available cores, used for runs of 2,000+ segments).", minimum=0),
    Key("dask", str, "", "Check on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' (empty: no Dask)."),
)

KEYS_BY_NAME: dict[str, Key] = {k.name: k for k in KEYS}


@dataclass
class Settings:
    """Effective settings and where each value came from."""

    values: dict[str, Any] = field(default_factory=lambda: {k.name: _copy(k.default) for k in KEYS})
    origins: dict[str, str] = field(default_factory=lambda: {k.name: "default" for k in KEYS})
    config_files: list[str] = field(default_factory=list)
    #: Config files are discovered per input: the file discovered for the run ("" when none was found; None
    #: when discovery is off), which each input's nearest config replaces (``settings_for_path``).
    discovered: str | None = None

    if not TYPE_CHECKING:  # a key declared in KEYS without its typed property below still reads at run time
        def __getattr__(self, name: str) -> Any:
            values = self.__dict__.get("values")
            if values is not None and name in values:
                return values[name]
            raise AttributeError(name)

    def get(self, name: str) -> Any:
        """The value of a key."""
        return self.values[name]

    def apply(self, data: Mapping[str, Any], origin: str, *, base_dir: Path | None = None) -> None:
        """Validate and apply ``data`` (key → value) as coming from ``origin``."""
        for name, raw in data.items():
            key_name = name.replace("-", "_")
            if key_name not in KEYS_BY_NAME:
                raise unknown_key(name, origin)
            value = validate(KEYS_BY_NAME[key_name], raw, origin)
            if base_dir is not None and key_name in PATH_KEYS:
                value = _resolve_paths(value, base_dir)
            self.values[key_name] = value
            self.origins[key_name] = origin

    def copy(self) -> "Settings":
        """An independent copy."""
        return Settings({k: _copy(v) for k, v in self.values.items()}, dict(self.origins),
                        list(self.config_files), self.discovered)

    # -- every key, typed (generated from KEYS; tests/test_config.py keeps the two in step) ----------------

    @property
    def max_input_mb(self) -> float:
        """Largest input file (or standard input) checked, in MB; a larger one is an error."""
        return self.values["max_input_mb"]

    @property
    def include(self) -> list[str]:
        """Globs of files checked inside folders (TSV/CSV only when included explicitly)."""
        return self.values["include"]

    @property
    def exclude(self) -> list[str]:
        """Globs of files or folders skipped inside folders."""
        return self.values["exclude"]

    @property
    def rules(self) -> list[str]:
        """Extra rule files or folders (YAML) loaded after the built-in packs."""
        return self.values["rules"]

    @property
    def builtin_rules(self) -> bool:
        """Load the rule packs shipped with tqcheck."""
        return self.values["builtin_rules"]

    @property
    def enable(self) -> list[str]:
        """Only rules whose id starts with one of these prefixes run (empty: all that are on by default); ..."""
        return self.values["enable"]

    @property
    def disable(self) -> list[str]:
        """Rules whose id starts with one of these prefixes do not run."""
        return self.values["disable"]

    @property
    def glossary(self) -> list[str]:
        """Glossary files (CSV or YAML) of required or forbidden terms."""
        return self.values["glossary"]

    @property
    def source_column(self) -> str:
        """Column of the source text in bilingual TSV/CSV files."""
        return self.values["source_column"]

    @property
    def target_column(self) -> str:
        """Column of the translation (checked text) in bilingual TSV/CSV files."""
        return self.values["target_column"]

    @property
    def id_column(self) -> str:
        """Column of the unit id in bilingual TSV/CSV files (optional column)."""
        return self.values["id_column"]

    @property
    def source_language(self) -> str:
        """Language code of the source text (e.g. de) when a file does not say."""
        return self.values["source_language"]

    @property
    def dnt(self) -> list[str]:
        """Do-not-translate lists: a term of the source must appear unchanged in the target."""
        return self.values["dnt"]

    @property
    def crosslingual_model(self) -> str:
        """Multilingual sentence-embedding model (local path or cached name) for source/target similarity."""
        return self.values["crosslingual_model"]

    @property
    def grammar(self) -> str:
        """Grammar engine: harper (offline), languagetool, auto, or none."""
        return self.values["grammar"]

    @property
    def dialect(self) -> str:
        """English variant for grammar and spelling."""
        return self.values["dialect"]

    @property
    def accept(self) -> list[str]:
        """Word-list files: one accepted word or name per line."""
        return self.values["accept"]

    @property
    def languagetool_url(self) -> str:
        """URL of a LanguageTool server (e.g. http://localhost:8081)."""
        return self.values["languagetool_url"]

    @property
    def languagetool_path(self) -> str:
        """Folder of a local LanguageTool install (needs Java)."""
        return self.values["languagetool_path"]

    @property
    def languagetool_enabled_rules(self) -> list[str]:
        """LanguageTool rule ids to enable."""
        return self.values["languagetool_enabled_rules"]

    @property
    def languagetool_disabled_rules(self) -> list[str]:
        """LanguageTool rule ids to disable."""
        return self.values["languagetool_disabled_rules"]

    @property
    def languagetool_enabled_categories(self) -> list[str]:
        """LanguageTool category ids to enable."""
        return self.values["languagetool_enabled_categories"]

    @property
    def languagetool_disabled_categories(self) -> list[str]:
        """LanguageTool category ids to disable."""
        return self.values["languagetool_disabled_categories"]

    @property
    def languagetool_max_chars(self) -> int:
        """Largest text sent to LanguageTool in one request."""
        return self.values["languagetool_max_chars"]

    @property
    def languagetool_timeout(self) -> float:
        """Seconds to wait for one LanguageTool request."""
        return self.values["languagetool_timeout"]

    @property
    def fluency(self) -> bool:
        """Score every sentence for fluency (language model and semantic fit)."""
        return self.values["fluency"]

    @property
    def semantic(self) -> bool:
        """Use the sentence-embedding model in the fluency score."""
        return self.values["semantic"]

    @property
    def lm(self) -> str:
        """Deeper tier: a causal language model (name or local path; 'smollm2' for the packaged one)."""
        return self.values["lm"]

    @property
    def detector(self) -> str:
        """Detector folder (made by 'tqcheck train'); empty: the shipped detector."""
        return self.values["detector"]

    @property
    def flag_threshold(self) -> float:
        """Sentences whose score is below this are flagged (negative: the detector's calibrated threshold)."""
        return self.values["flag_threshold"]

    @property
    def output(self) -> str:
        """Report file (default: <output_dir>/<input name>.csv)."""
        return self.values["output"]

    @property
    def output_dir(self) -> str:
        """Folder for reports when --output is not given."""
        return self.values["output_dir"]

    @property
    def format(self) -> list[str]:
        """Writers to run (terminal, csv, json, jsonl, sarif, github, junit, html)."""
        return self.values["format"]

    @property
    def top(self) -> int:
        """Sentences shown in the terminal view."""
        return self.values["top"]

    @property
    def fail_on(self) -> str:
        """Fail (exit 1) when a finding has at least this severity (minor, major, critical; none: never)."""
        return self.values["fail_on"]

    @property
    def min_fluency(self) -> float:
        """Fail when any sentence scores below this (negative: off)."""
        return self.values["min_fluency"]

    @property
    def min_fluency_mean(self) -> float:
        """Fail when the document average scores below this (negative: off)."""
        return self.values["min_fluency_mean"]

    @property
    def max_findings(self) -> int:
        """Fail when there are more findings than this (negative: off)."""
        return self.values["max_findings"]

    @property
    def max_penalty(self) -> float:
        """Fail when the MQM penalty per 1,000 words exceeds this (negative: off)."""
        return self.values["max_penalty"]

    @property
    def exit_zero(self) -> bool:
        """Always exit 0 when the check ran (report-only)."""
        return self.values["exit_zero"]

    @property
    def baseline(self) -> str:
        """Baseline file: only findings not in it count for the gate."""
        return self.values["baseline"]

    @property
    def jobs(self) -> int:
        """Worker processes (0: the available cores, used for runs of 2,000+ segments)."""
        return self.values["jobs"]

    @property
    def dask(self) -> str:
        """Check on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' (empty: no Dask)."""
        return self.values["dask"]


#: Keys whose values are file paths, resolved relative to the config file that sets them.
def unknown_key(name: str, origin: str, prefix: str = "") -> ConfigError:
    """The error for a key tqcheck does not know: the closest known keys first, then every key (not cut when
    printed: ``ConfigError.trusted_chars``)."""
    import difflib

    from tqcheck.core.limits import one_line

    close = difflib.get_close_matches(name.replace("-", "_").lower(), list(KEYS_BY_NAME), n=2, cutoff=0.75)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    listed = f"valid keys: {', '.join(sorted(KEYS_BY_NAME))}"
    error = ConfigError(f"unknown key; {hint}{listed}", path=origin, key=prefix + one_line(str(name), 80))
    error.trusted_chars = len(listed)  # type: ignore[attr-defined]
    return error


PATH_KEYS = frozenset({"rules", "glossary", "accept", "languagetool_path", "baseline", "output", "output_dir", "dnt"})


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _resolve_paths(value: Any, base_dir: Path) -> Any:
    if isinstance(value, list):
        return [_resolve_one(v, base_dir) for v in value]
    return _resolve_one(value, base_dir) if value else value


def _resolve_one(value: str, base_dir: Path) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base_dir / path))


def validate(key: Key, raw: Any, origin: str) -> Any:
    """``raw`` checked and converted for ``key``; raises ConfigError naming key and origin."""

    def fail(why: str) -> ConfigError:
        return ConfigError(why, path=origin, key=key.name)

    value = raw
    if key.type is list:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise fail(f"expected a list, got {type(raw).__name__} {raw!r}")
        if key.list_of is not None and not all(isinstance(v, key.list_of) for v in value):
            raise fail(f"expected a list of {key.list_of.__name__}, got {raw!r}")
        value = list(value)
    elif key.type is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            value = value.lower() in ("true", "1", "yes")
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {raw!r}")
    elif key.type is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise fail(f"expected a whole number, got {raw!r}")
        try:
            value = int(value)
        except ValueError:
            raise fail(f"expected a whole number, got {raw!r}") from None
    elif key.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise fail(f"expected a number, got {raw!r}")
        try:
            value = float(value)
        except ValueError:
            raise fail(f"expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise fail(f"expected a finite number, got {raw!r}")
    elif key.type is str:
        if not isinstance(value, str):
            raise fail(f"expected a string, got {raw!r}")
    if key.choices and value not in key.choices:
        shown = ", ".join(repr(c) if c == "" else str(c) for c in key.choices)
        raise fail(f"invalid value {raw!r} (valid: {shown})")
    if key.minimum is not None and isinstance(value, (int, float)) and value < key.minimum:
        raise fail(f"must be at least {key.minimum}, got {raw!r}")
    if key.maximum is not None and isinstance(value, (int, float)) and value > key.maximum:
        raise fail(f"must be at most {key.maximum}, got {raw!r}")
    return value


def read_config_file(path: Path) -> dict[str, Any]:
    """The tqcheck table of a TOML file (``[tool.tqcheck]`` in pyproject.toml, else the top level)."""
    from tqcheck.core.limits import MAX_CONFIG_BYTES, read_text_file

    text = read_text_file(path, MAX_CONFIG_BYTES, "config file", ConfigError)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ConfigError("invalid TOML: nested too deeply", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid TOML: {exc.msg if hasattr(exc, 'msg') else exc}",
                          path=str(path), line=line) from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("tqcheck", {})
    else:
        table = data.get("tool", {}).get("tqcheck", data)
    if not isinstance(table, dict):
        raise ConfigError("[tool.tqcheck] must be a table", path=str(path))
    return table


def find_config_file(start: Path) -> Path | None:
    """The nearest .tqcheck.toml or pyproject.toml with [tool.tqcheck], walking up from ``start``."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for candidate_dir in (folder, *folder.parents):
        dotfile = candidate_dir / ".tqcheck.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file():
            try:
                from tqcheck.core.limits import MAX_CONFIG_BYTES, read_text_file

                data = tomllib.loads(read_text_file(pyproject, MAX_CONFIG_BYTES, "config file", ConfigError))
            except (ConfigError, RecursionError, tomllib.TOMLDecodeError):
                return pyproject  # reported properly when read
            if "tqcheck" in data.get("tool", {}):
                return pyproject
    return None


#: Keys of [tool.tqcheck] that are not settings but hold per-path overrides.
OVERRIDES_KEY = "overrides"

#: Keys that hold for a whole run: which files are read, where reports go, the baseline, the
#: threshold that flags sentences in the report. A per-path override may set any other key
#: (the checks, the grammar engine, the models, the gate, the columns of bilingual tables).
RUN_WIDE_KEYS: frozenset[str] = frozenset({"include", "exclude", "output", "output_dir", "format", "top",
                                           "exit_zero", "baseline", "flag_threshold", "jobs", "dask"})


def load_settings(
    inputs: Iterable[str] = (),
    config_file: str | None = None,
    flags: Mapping[str, Any] | None = None,
    *,
    discover: bool = True,
) -> Settings:
    """Effective settings: defaults < discovered config < ``config_file`` < ``flags``."""
    settings = Settings()
    if discover:
        starts = [Path(p) for p in inputs if p != "-"] or [Path.cwd()]
        found = find_config_file(starts[0] if starts[0].exists() else Path.cwd())
        settings.discovered = str(found) if found is not None else ""
        if found is not None:
            _apply_file(settings, found)
    if config_file:
        _apply_file(settings, Path(config_file))
    if flags:
        settings.apply({k: v for k, v in flags.items() if v is not None}, "command line")
    return settings


def _apply_file(settings: Settings, path: Path) -> None:
    table = dict(read_config_file(path))
    overrides = table.pop(OVERRIDES_KEY, None)
    settings.apply(table, str(path), base_dir=path.parent.resolve())
    settings.config_files.append(str(path))
    if overrides is not None:
        settings.values.setdefault("_overrides", [])
        if not isinstance(overrides, list) or not all(isinstance(o, dict) for o in overrides):
            raise ConfigError("expected an array of tables [[tool.tqcheck.overrides]]",
                              path=str(path), key=OVERRIDES_KEY)
        for item in overrides:
            item = dict(item)
            paths = item.pop("paths", None)
            if not paths or not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise ConfigError("each override needs paths = [\"glob\", ...]", path=str(path),
                                  key=f"{OVERRIDES_KEY}.paths")
            for name, raw in item.items():
                key_name = name.replace("-", "_")
                if key_name not in KEYS_BY_NAME:
                    raise unknown_key(name, str(path), f"{OVERRIDES_KEY}.")
                if key_name in RUN_WIDE_KEYS:
                    raise ConfigError("cannot vary per path: it holds for the whole run (set it in "
                                      "[tool.tqcheck] or on the command line)", path=str(path),
                                      key=f"{OVERRIDES_KEY}.{name}")
                item[name] = validate(KEYS_BY_NAME[key_name], raw, str(path))
            settings.values["_overrides"].append({"paths": paths, "values": item,
                                                  "origin": str(path), "base": str(path.parent.resolve())})


def nearest_settings(settings: Settings, file_path: str) -> Settings:
    """``settings`` as they are for ``file_path``: the values of the run's discovered config file replaced by
    those of the config file nearest to ``file_path`` (as ruff and sqlfluff do), everything set above it
    (``--config``, flags, keyword arguments) and the run-wide keys kept. The same settings when discovery is
    off, for standard input, or when the nearest config is the run's."""
    if settings.discovered is None or file_path in ("-", "") or file_path.startswith("<"):
        return settings
    path = Path(file_path)
    folders = settings.__dict__.setdefault("_found", {})  # folder -> its nearest config, found once per run
    folder = str(path.parent)
    if folder not in folders:
        if not path.exists():
            return settings
        folders[folder] = find_config_file(path)
    found = folders[folder]
    nearest = str(found) if found is not None else ""
    if nearest == settings.discovered:
        return settings
    cache = settings.__dict__.setdefault("_nearest", {})
    if nearest not in cache:
        cache[nearest] = _with_config(settings, found)
    return cache[nearest]


def _with_config(settings: Settings, found: Path | None) -> Settings:
    """``settings`` with the run's discovered config file swapped for ``found`` (None: no config file)."""
    local = Settings()
    if found is not None:
        _apply_file(local, found)
    result = settings.copy()
    result.discovered = str(found) if found is not None else ""
    run_file = settings.discovered
    for key in KEYS:
        name = key.name
        if name in RUN_WIDE_KEYS or settings.origins[name] not in ("default", run_file):
            continue  # set for the whole run, or above the discovered file (--config, flags, arguments)
        result.values[name] = _copy(local.values[name])
        result.origins[name] = local.origins[name]
    overrides = [o for o in settings.values.get("_overrides") or [] if o["origin"] != run_file]
    result.values["_overrides"] = (local.values.get("_overrides") or []) + overrides
    if not result.values["_overrides"]:
        result.values.pop("_overrides")
    result.config_files = [f for f in [*local.config_files, *settings.config_files] if f != run_file]
    return result


def settings_for_path(settings: Settings, file_path: str) -> Settings:
    """Settings of the file ``file_path``: its nearest config file's (``nearest_settings``), with the per-path
    overrides whose globs match it applied."""
    settings = nearest_settings(settings, file_path)
    overrides = settings.values.get("_overrides") or []
    if not overrides:
        return settings
    from fnmatch import fnmatch

    result = settings.copy()
    resolved = Path(file_path).resolve() if file_path != "-" else None
    for item in overrides:
        if resolved is None:
            continue
        try:
            rel = resolved.relative_to(item["base"]).as_posix()
        except ValueError:
            rel = resolved.as_posix()
        if any(fnmatch(rel, g) or fnmatch(rel, g.rstrip("/") + "/**") for g in item["paths"]):
            for name, value in item["values"].items():
                key_name = name.replace("-", "_")
                if result.origins.get(key_name) != "command line":
                    result.values[key_name] = value
                    result.origins[key_name] = f"{item['origin']} (overrides {', '.join(item['paths'])})"
    return result


def settings_fields() -> list[str]:
    """Names of every configuration key, in documentation order."""
    return [k.name for k in KEYS]


__all__ = ["KEYS", "Key", "Settings", "load_settings", "settings_for_path", "find_config_file", "RUN_WIDE_KEYS",
           "read_config_file", "validate", "settings_fields"]


#: Where settings given as keyword arguments of the API come from (``tqcheck config show`` names it).
ARGUMENT_ORIGIN = "keyword argument"


def make_settings(inputs: Sequence[str] = (), config: "str | os.PathLike | None" = None,
                  overrides: dict[str, Any] | None = None) -> "Settings":
    """Settings as the CLI builds them: defaults < discovered config < ``config`` < ``overrides``."""
    settings = load_settings(list(inputs), str(config) if config is not None else None)
    if overrides:
        settings.apply(overrides, ARGUMENT_ORIGIN)
    return settings
