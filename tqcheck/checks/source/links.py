"""URLs and e-mail addresses of the source missing or changed in the target (``source.Url``, ``source.Email``).

As Xbench's "URL mismatch" and pofilter's ``urls``/``emails``: an address is copied, not translated. Addresses
are compared exactly, except for a trailing slash and the case of the scheme and host, which do not change
where a link goes. An address only in the target is not reported (a translator may add a local link).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

import regex

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.rule import changed_or_missing

#: http(s), ftp and www. addresses; the last character is not sentence punctuation or a closing bracket or quote.
URL_RE = regex.compile(r"(?<![A-Za-z0-9_@/.])(?:(?:https?|ftp)://|www\.)[^\s<>\"'“”‘’«»【】（）()\[\]{}，。；]*"
                       r"[^\s<>\"'“”‘’«»【】（）()\[\]{}，。；.,;:!?]", regex.IGNORECASE)
EMAIL_RE = regex.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")


def url_key(url: str) -> str:
    """What makes two written URLs the same address: scheme and host in lower case, no trailing slash."""
    url = url.rstrip("/")
    head, sep, rest = url.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        return f"{head.lower()}://{host.lower()}{slash}{path}"
    host, slash, path = url.partition("/")
    return f"{host.lower()}{slash}{path}"


def addresses(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, key, start, end) of every URL and e-mail address in ``text``, in order."""
    found = [("url", url_key(m.group()), m.start(), m.end()) for m in URL_RE.finditer(text)]
    taken = [(s, e) for _, _, s, e in found]
    found += [("email", m.group().lower(), m.start(), m.end()) for m in EMAIL_RE.finditer(text)
              if not any(s <= m.start() < e for s, e in taken)]
    return sorted(found, key=lambda item: item[2])


def links(segment: Segment, source: str) -> Iterable[Finding]:
    """A URL or e-mail address of the source that the target lacks: changed (pointing at the target's unmatched
    address of the same kind) or missing (the whole sentence)."""
    source_found = addresses(source)
    if not source_found:
        return
    target_found = addresses(segment.text)
    source_keys = Counter((kind, key) for kind, key, _, _ in source_found)
    target_keys = Counter((kind, key) for kind, key, _, _ in target_found)
    missing = source_keys - target_keys
    extra = target_keys - source_keys
    unmatched = []  # target addresses the source does not have, in order
    for item in target_found:
        if extra[item[:2]] > 0:
            extra[item[:2]] -= 1
            unmatched.append(item)
    for kind, key, start, end in source_found:
        if missing[(kind, key)] <= 0:
            continue
        missing[(kind, key)] -= 1
        name, rule = ("URL", "Url") if kind == "url" else ("e-mail address", "Email")
        shown = source[start:end]
        changed = next((t for t in unmatched if t[0] == kind), None)
        if changed is not None:
            unmatched.remove(changed)
        yield changed_or_missing(segment, rule, name, shown, changed[2:] if changed is not None else None)


#: Examples that run as tests (tests/test_source_qa.py): (source, translation) pairs the rule flags, and does not.
EXAMPLES = {
    "source.Url": {
        "bad": [("Siehe https://example.com/hilfe für Details.", "See https://example.com/help for details."),
                ("Mehr unter www.example.de/preise.", "More on our website."),
                ("详情请访问http://www.gov.cn/zhengce。", "For details, visit http://www.gov.cn/policy.")],
        "good": [("Siehe https://example.com/hilfe.", "See https://example.com/hilfe."),
                 ("Siehe HTTPS://Example.com/hilfe/", "See https://example.com/hilfe."),
                 ("Siehe die Hilfe.", "See https://example.com/help.")],
    },
    "source.Email": {
        "bad": [("Schreiben Sie an info@example.com.", "Write to info@example.org."),
                ("Kontakt: presse@example.de", "Contact: the press office")],
        "good": [("Schreiben Sie an Info@Example.com.", "Write to info@example.com.")],
    },
}
