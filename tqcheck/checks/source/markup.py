"""Placeholders and inline markup: finding them in a text, and reading a unit's inline codes again from XML formats."""

from __future__ import annotations

import regex

from tqcheck.core.document import Document

PLACEHOLDER_RE = regex.compile(
    r"\{\{\s*[\w.]+\s*\}\}"            # {{name}}
    r"|\$\{[\w.]+\}"                    # ${name}
    r"|\{\d+(?:,[^{}]*)?\}"             # {0}, {0,number}
    r"|\{[A-Za-z_]\w*\}"                # {name}
    r"|%(?:\d+\$)?[-+#0]*\d*(?:\.\d+)?[sdifuxXeEgGcp@](?![A-Za-z])"  # %s %d %1$s %.2f %@
    r"|%\([\w]+\)[sdifr]"              # %(name)s
    r"|</?[A-Za-z][\w:-]*(?:\s+[^<>]*?)?/?>"  # <b>, </b>, <br/>, <a href="...">
)


def placeholders_of(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) of every placeholder and tag in ``text``."""
    result = []
    for match in PLACEHOLDER_RE.finditer(text):
        token = match.group()
        if token.startswith("<"):
            name = regex.match(r"</?\s*([A-Za-z][\w:-]*)", token).group(1).lower()
            token = f"</{name}>" if token.startswith("</") else (f"<{name}/>" if token.endswith("/>") else f"<{name}>")
        else:
            token = regex.sub(r"\s+", "", token)
        result.append((token, match.start(), match.end()))
    return result


def markup_codes(document: Document) -> dict[str, tuple[list[str], list[str]]]:
    """Inline markup of source and target per unit id, for XML formats (XLIFF, TMX): as the reader found it
    (a part of a large file has its own units'), else read again from the document's text."""
    if document.markup:
        return document.markup
    if document.format == "xliff":
        from tqcheck.readers.xliff import unit_codes

        return unit_codes(document)
    if document.format == "tmx":
        from tqcheck.readers.tmx import unit_codes

        return unit_codes(document)
    return {}
