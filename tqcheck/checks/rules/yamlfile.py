"""YAML reading that keeps the line of every key and item, for errors that name path:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tqcheck.core.document import lone_surrogate, surrogate_problem
from tqcheck.core.errors import RuleError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


class Mapping(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class Sequence(list):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


#: Most values a YAML file may hold once its aliases are expanded (a few-hundred-byte "alias bomb"
#: expands to billions); far above any real rule or glossary file.
MAX_YAML_VALUES = 100_000


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path`` as Mappings, Sequences and scalars; RuleError on bad YAML."""
    from tqcheck.core.limits import MAX_RULE_FILE_BYTES, read_text_file

    return parse_yaml(read_text_file(path, MAX_RULE_FILE_BYTES, "rule file", RuleError), str(path))


#: Deepest nesting of mappings and sequences accepted (libyaml's composer recurses in C: far deeper
#: nesting would overflow the stack and kill the process instead of raising an error).
MAX_YAML_DEPTH = 100


def _check_depth(text: str, path: str) -> None:
    """RuleError when ``text`` nests collections deeper than MAX_YAML_DEPTH (checked by events, no recursion)."""
    if text.count("[") + text.count("{") < MAX_YAML_DEPTH and len(text) < 64 * 1024:
        return  # cannot nest that deep: skip the extra pass over small, ordinary files
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise RuleError(f"invalid YAML: nested deeper than {MAX_YAML_DEPTH} levels", path=path,
                                    line=event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # reported with its line by compose below


def parse_yaml(text: str, path: str) -> Any:
    """Parse YAML ``text`` (from ``path``) keeping line numbers."""
    _check_depth(text, path)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"invalid YAML: {exc}", path=path) from None
    except RecursionError:
        raise RuleError("invalid YAML: nested too deeply", path=path) from None
    if node is None:
        return None
    try:
        return _convert(node, path, [0])
    except RecursionError:
        raise RuleError("invalid YAML: nested too deeply", path=path) from None


#: Characters a YAML escape (``"\ud800"``, ``"\0"``, ``"\e"``) can put in a value that are not text: lone UTF-16
#: surrogates (pure-Python PyYAML decodes ``\ud800`` to one; libyaml refuses it), C0 and C1 control characters
#: other than tab, line feed, carriage return and NEL, and the noncharacters U+FFFE and U+FFFF. Such a value could
#: not be written to a report (UTF-8, XML) or would drive the terminal.
INVALID_TEXT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _text(value: str, node: yaml.Node, path: str) -> str:
    """``value`` (a string scalar of ``node``), or a RuleError naming the line and column of the scalar when it
    holds a character that is not text (INVALID_TEXT_RE)."""
    found = INVALID_TEXT_RE.search(value)
    if found is None:
        return value
    at = found.start()
    if lone_surrogate(value) == at:
        problem = surrogate_problem(value, at)
    else:
        kind = "a noncharacter" if value[at] in "\ufffe\uffff" else "a control character"
        problem = f"{kind} (U+{ord(value[at]):04X}), not text"
    mark = node.start_mark
    raise RuleError(f"invalid text in a YAML value: {problem}", path=path, line=mark.line + 1,
                    column=mark.column + 1)


def _convert(node: yaml.Node, path: str, count: list[int]) -> Any:
    line = node.start_mark.line + 1
    count[0] += 1
    if count[0] > MAX_YAML_VALUES:
        raise RuleError(f"YAML aliases expand to more than {MAX_YAML_VALUES:,} values (an alias bomb?); "
                        "write the values out or use fewer aliases", path=path, line=line)
    if isinstance(node, yaml.MappingNode):
        result = Mapping()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise RuleError("YAML merge keys (<<) are not supported in rule files",
                                path=path, line=key_node.start_mark.line + 1)
            key = _convert(key_node, path, count)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)):
                raise RuleError("mapping keys must be plain text", path=path, line=key_line)
            key = str(key)
            if key in result:
                raise RuleError(f"duplicate key {key!r}", path=path, line=key_line)
            result[key] = _convert(value_node, path, count)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = Sequence(_convert(item, path, count) for item in node.value)
        items.line = line
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    if node.tag == "tag:yaml.org,2002:str":
        return _text(node.value, node, path)
    try:
        value = _constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise RuleError(f"invalid YAML value: {exc}", path=path, line=line) from None
    return _text(value, node, path) if isinstance(value, str) else value


def line_of(container: Any, key: str | int | None = None, default: int | None = None) -> int | None:
    """The line of ``key`` (or item index) in ``container``, else its own line, else ``default``."""
    if isinstance(container, Mapping):
        if key is not None and key in container.key_lines:
            return container.key_lines[key]  # type: ignore[index]
        return container.line or default
    if isinstance(container, Sequence):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line or default
    return default
