"""Writing one benchmark's section into a shared Markdown page (the rest of the page is kept)."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, head: str, text: str, new_page: str = "") -> None:
    """Replace the section titled ``head`` of ``path`` with ``text`` (appended when absent; a missing page starts
    as ``new_page``)."""
    previous = path.read_text(encoding="utf-8") if path.exists() else new_page
    if head in previous:
        before, _, after = previous.partition(head)
        rest = after.split("\n## ", 1)
        previous = before.rstrip("\n") + ("\n\n## " + rest[1] if len(rest) > 1 else "")
    path.write_text(previous.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n", encoding="utf-8")


def split_sections(page: str) -> list[tuple[str | None, str]]:
    """``page`` as (title, text) pieces: the text before the first ``## `` heading (title None), then each
    ``## `` section with its heading (title: the heading's text)."""
    pieces = page.split("\n## ")
    out: list[tuple[str | None, str]] = [(None, pieces[0])] if pieces[0].strip() else []
    for piece in pieces[1:]:
        out.append((piece.split("\n", 1)[0].strip(), "## " + piece))
    return out
