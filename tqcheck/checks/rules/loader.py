"""Finding, reading and validating rule packs: built-in ones, the user's, and glossaries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import regex

from tqcheck.core.document import rule_matches as matches_prefix
from tqcheck.core.errors import RuleError
from tqcheck.checks.rules.base import COMMON_KEYS, Rule
from tqcheck.core.limits import require_regular
from tqcheck.checks.rules.yamlfile import Mapping, line_of, read_yaml
from tqcheck.core.paths import PACKAGE

RULE_SUFFIXES = (".yml", ".yaml")
PACK_FILE = "_pack.yml"
PACK_KEYS = ("version", "description", "link")
GROUP_KEYS = ("rules", "defaults", "description")
NAME = regex.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
GLOSSARY_MESSAGE = "'%s' is not the glossary term; use '%s'"


@dataclass
class Pack:
    """A folder of rule files: its name (the id prefix), version and description."""

    name: str
    path: str
    version: str = ""
    description: str = ""
    link: str = ""
    digest: str = ""

    @property
    def label(self) -> str:
        """Version for signatures: the declared one, else a hash of the pack's files."""
        return self.version or f"sha1:{self.digest[:10]}"


@dataclass
class RuleSet:
    """The rules that will run, in load order, and the packs they came from."""

    rules: list[Rule] = field(default_factory=list)
    packs: dict[str, Pack] = field(default_factory=dict)
    unmatched_prefixes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, if loaded."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def select(self, enable: Iterable[str] = (), disable: Iterable[str] = (),
               selected: Callable[[str, list[str]], bool] | None = None) -> "RuleSet":
        """Rules whose id matches an ``enable`` prefix (all when empty) and no ``disable`` prefix;
        ``selected(rule_id, enable)`` replaces the ``enable`` test (the measured defaults use it)."""
        enable, disable = list(enable), list(disable)

        def wanted(rule: Rule) -> bool:
            if any(matches_prefix(rule.id, p) for p in disable):
                return False
            if selected is not None:
                return selected(rule.id, enable)
            return not enable or any(matches_prefix(rule.id, p) for p in enable)

        kept = [r for r in self.rules if wanted(r)]
        unmatched = [p for p in enable + disable if not any(matches_prefix(r.id, p) for r in self.rules)]
        used = {r.pack for r in kept}
        return RuleSet(kept, {k: v for k, v in self.packs.items() if k in used}, unmatched)


def builtin_rules_dir() -> Path:
    """The shipped packs: ``tqcheck/_rules`` in an installed wheel, else the repository's ``rules/``."""
    package = PACKAGE
    installed = package / "_rules"
    if installed.is_dir():
        return installed
    return package.parent / "rules"


def load_all(settings: Any = None) -> RuleSet:
    """Built-in packs (unless ``builtin_rules`` is false), ``rules`` paths and ``glossary`` files, unselected;
    raises RuleError naming path:line for any problem."""
    paths: list[Path] = []
    if _setting(settings, "builtin_rules", True):
        paths.append(builtin_rules_dir())
    paths.extend(Path(p) for p in _setting(settings, "rules", []) or [])
    return load_paths(paths, glossaries=[Path(p) for p in _setting(settings, "glossary", []) or []])


def load_paths(paths: Iterable[Path | str], glossaries: Iterable[Path | str] = ()) -> RuleSet:
    """Every rule in the given files and folders, plus one glossary rule per glossary file."""
    from tqcheck.checks.rules.types import RULE_TYPES

    ruleset = RuleSet()
    seen: dict[str, Rule] = {}
    for path in (Path(p) for p in paths):
        for file, pack_dir in _rule_files(path):
            pack = _pack(ruleset, pack_dir)
            rules = _read_rule_file(file, pack.name, RULE_TYPES)
            digest = _digest(file) if rules else ""
            for rule in rules:
                _add(ruleset, seen, rule)
                pack.digest = hashlib.sha1((pack.digest + digest).encode()).hexdigest()
    for path in (Path(p) for p in glossaries):
        rule = glossary_rule(path, RULE_TYPES)
        ruleset.packs.setdefault("glossary", Pack("glossary", str(path.parent), digest=_digest(path)))
        _add(ruleset, seen, rule)
    return ruleset


def glossary_rule(path: Path, types: dict[str, type[Rule]]) -> Rule:
    """A glossary rule for a user's CSV or YAML term list (id ``glossary.<file stem>``)."""
    if not path.exists():
        raise RuleError("glossary file not found", path=str(path))
    require_regular(path, "glossary file", RuleError)
    name = regex.sub(r"[^A-Za-z0-9_-]", "_", path.stem)
    name = name if name[:1].isalpha() else "g" + name
    data = Mapping(extends="glossary", message=GLOSSARY_MESSAGE, level="major", file=path.name)
    data.line, data.key_lines = 1, {}
    return types["glossary"](f"glossary.{name}", data, str(path), "glossary")


def _add(ruleset: RuleSet, seen: dict[str, Rule], rule: Rule) -> None:
    if rule.id in seen:
        raise RuleError(f"duplicate rule id {rule.id} (first defined at {seen[rule.id].where})",
                        path=rule.path, line=rule.line)
    seen[rule.id] = rule
    ruleset.rules.append(rule)


def _rule_files(path: Path) -> list[tuple[Path, Path]]:
    """(rule file, pack folder) pairs under ``path`` in a stable order."""
    if not path.exists():
        raise RuleError("rule path not found", path=str(path))
    if not path.is_dir():
        require_regular(path, "rule file", RuleError)
        if path.suffix.lower() not in RULE_SUFFIXES:
            raise RuleError("a rule file must end in .yml or .yaml", path=str(path))
        return [(path, path.parent)]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RULE_SUFFIXES
                   and p.name != PACK_FILE and not any(part.startswith(".") for part in p.relative_to(path).parts))
    return [(f, f.parent) for f in files]


def _pack(ruleset: RuleSet, folder: Path) -> Pack:
    name = folder.resolve().name
    if not NAME.match(name):
        raise RuleError(f"pack folder name {name!r} cannot be used as a rule id prefix "
                        "(letters, digits, _ and -, starting with a letter)", path=str(folder))
    pack = ruleset.packs.get(name)
    if pack is not None:
        if Path(pack.path).resolve() != folder.resolve():
            raise RuleError(f"two packs are named {name!r} (also {pack.path})", path=str(folder))
        return pack
    pack = Pack(name, str(folder))
    meta = folder / PACK_FILE
    if meta.is_file():
        data = read_yaml(meta)
        if not isinstance(data, Mapping):
            raise RuleError("pack file must be a mapping (version, description, link)", path=str(meta), line=1)
        for key, value in data.items():
            if key not in PACK_KEYS:
                raise RuleError(f"unknown key {key!r} (valid: {', '.join(PACK_KEYS)})", path=str(meta),
                                line=line_of(data, key))
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise RuleError(f"key {key!r} must be text", path=str(meta), line=line_of(data, key))
        pack.version = str(data.get("version", ""))
        pack.description = str(data.get("description", ""))
        pack.link = str(data.get("link", ""))
    ruleset.packs[name] = pack
    return pack


def _read_rule_file(file: Path, pack: str, types: dict[str, type[Rule]]) -> list[Rule]:
    data = read_yaml(file)
    path = str(file)
    if not isinstance(data, Mapping):
        raise RuleError("a rule file must be a mapping (a rule with 'extends', or 'rules:' with several)",
                        path=path, line=getattr(data, "line", 1) or 1)
    if "rules" in data and "extends" not in data:
        return _read_group(data, file, pack, types)
    name = file.stem
    return [_make_rule(data, f"{pack}.{name}", name, path, pack, types)]


def _read_group(data: Mapping, file: Path, pack: str, types: dict[str, type[Rule]]) -> list[Rule]:
    path = str(file)
    for key in data:
        if key not in GROUP_KEYS:
            raise RuleError(f"unknown key {key!r} in a file of several rules (valid: {', '.join(GROUP_KEYS)}; "
                            "put rule keys under 'rules: Name:')", path=path, line=line_of(data, key))
    rules = data["rules"]
    if not isinstance(rules, Mapping) or not rules:
        raise RuleError("'rules' must be a mapping of rule name -> rule", path=path, line=line_of(data, "rules"))
    defaults = data.get("defaults", Mapping())
    if not isinstance(defaults, Mapping):
        raise RuleError("'defaults' must be a mapping of rule keys", path=path, line=line_of(data, "defaults"))
    common = {k.name for k in COMMON_KEYS} - {"extends", "examples"}
    for key in defaults:
        if key not in common:
            raise RuleError(f"unknown key {key!r} in defaults (valid: {', '.join(sorted(common))})",
                            path=path, line=line_of(defaults, key))
    result = []
    for name, body in rules.items():
        if not isinstance(body, Mapping):
            raise RuleError(f"rule {name} must be a mapping", path=path, line=line_of(rules, name))
        merged = Mapping({**defaults, **body})
        merged.line = body.line or line_of(rules, name) or 1
        merged.key_lines = {**{k: line_of(defaults, k) for k in defaults}, **body.key_lines}
        result.append(_make_rule(merged, f"{pack}.{name}", name, path, pack, types))
    return result


def _make_rule(data: Mapping, rule_id: str, name: str, path: str, pack: str,
               types: dict[str, type[Rule]]) -> Rule:
    if not NAME.match(name):
        raise RuleError(f"rule name {name!r} cannot be used in an id (letters, digits, _ and -)",
                        path=path, line=data.line or 1)
    kind = data.get("extends")
    if kind is None:
        raise RuleError(f"rule {rule_id}: missing required key 'extends' (one of {', '.join(types)})",
                        path=path, line=data.line or 1)
    if kind not in types:
        raise RuleError(f"rule {rule_id}: unknown rule type {kind!r} (valid: {', '.join(types)})",
                        path=path, line=line_of(data, "extends"))
    return types[kind](rule_id, data, path, pack)


def _digest(path: Path) -> str:
    from tqcheck.core.limits import MAX_RULE_FILE_BYTES, read_file

    return hashlib.sha1(read_file(path, MAX_RULE_FILE_BYTES, "rule file", RuleError)).hexdigest()


def _setting(settings: Any, name: str, default: Any) -> Any:
    if settings is None:
        return default
    if isinstance(settings, dict):
        return settings.get(name, default)
    try:
        return getattr(settings, name)
    except AttributeError:
        return default
