"""HTML writer: a standalone page of ranked sentences with highlighted findings.

The same fragment is the notebook view of a Report (``Report._repr_html_``). Every
piece of text is escaped (``text_html``: HTML special characters, and control characters and bidirectional
overrides shown as ``\u202e``-style escapes, so a file's text cannot reorder or hide what the page shows);
the page has no scripts and loads nothing from outside.
Hovering a highlighted span shows its rule, message and suggestions.
"""

from __future__ import annotations

from html import escape as _escape_html
from typing import Iterable

import tqcheck
from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.core.limits import visible
from tqcheck.output.report import Report
from tqcheck.output.writers import Writer, register

def text_html(text: str, quote: bool = True) -> str:
    """``text`` as HTML text or attribute value: ``<``, ``&`` and quotes escaped, control characters and the
    bidirectional overrides and isolates (U+202A-202E, U+2066-2069) neutralised as visible escapes."""
    return _escape_html(visible(text), quote=quote)


#: every piece of text below goes through text_html
escape = text_html

#: Sentences shown in a notebook cell (the standalone page shows every sentence).
NOTEBOOK_ROWS = 25

STYLE = """
.tqc{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;font-size:14px;
  color:#1f2328;line-height:1.45;max-width:1100px}
.tqc h1{font-size:20px;margin:0 0 4px}
.tqc .tqc-meta{color:#57606a;font-size:12px;margin-bottom:10px}
.tqc .tqc-summary{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 12px}
.tqc .tqc-stat{border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;background:#f6f8fa}
.tqc .tqc-stat b{font-size:16px;margin-right:4px}
.tqc .tqc-notice{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:4px 10px;margin:4px 0;
  font-size:12px}
.tqc table{border-collapse:collapse;width:100%}
.tqc th{text-align:left;font-size:12px;color:#57606a;border-bottom:2px solid #d0d7de;padding:4px 6px}
.tqc td{vertical-align:top;border-bottom:1px solid #eaeef2;padding:6px}
.tqc td.tqc-rank,.tqc td.tqc-where{color:#57606a;font-size:12px;white-space:nowrap}
.tqc .tqc-score{display:inline-block;min-width:44px;text-align:center;border-radius:10px;padding:1px 6px;
  font-weight:600;font-size:12px;color:#fff}
.tqc .tqc-text{font-size:15px}
.tqc .tqc-source{color:#57606a;font-size:12px;margin-top:2px}
.tqc .tqc-source::before{content:"source: ";font-weight:600}
.tqc mark{background:none;border-bottom:3px solid;padding:0 1px;border-radius:2px;cursor:help;color:inherit}
.tqc mark.tqc-critical{background:#ffebe9;border-color:#a40e26}
.tqc mark.tqc-major{background:#fff1e5;border-color:#d1242f}
.tqc mark.tqc-minor{background:#fff8c5;border-color:#bf8700}
.tqc ul.tqc-findings{margin:4px 0 0;padding-left:18px;font-size:12px;color:#24292f}
.tqc ul.tqc-findings li{margin:1px 0}
.tqc .tqc-sev{display:inline-block;border-radius:4px;padding:0 4px;font-size:11px;font-weight:600;color:#fff;
  margin-right:4px}
.tqc .tqc-sev.tqc-critical{background:#a40e26}.tqc .tqc-sev.tqc-major{background:#d1242f}
.tqc .tqc-sev.tqc-minor{background:#9a6700}
.tqc code{font-size:11px;color:#57606a}
.tqc .tqc-fix{color:#1a7f37}
.tqc .tqc-sim{font-size:11px;color:#57606a;margin-top:3px;white-space:nowrap}
.tqc .tqc-more{color:#57606a;font-size:12px;margin-top:6px}
"""


def score_colour(score: float | None) -> str:
    """Background colour of a score badge: red (0) through amber to green (1); grey when unscored."""
    if score is None:
        return "#8c959f"
    hue = round(max(0.0, min(1.0, score)) * 120)
    return f"hsl({hue},70%,40%)"


def _severity_rank(finding: Finding) -> int:
    return finding.severity.rank


def is_whole_segment(finding: Finding, segment: Segment) -> bool:
    """Whether a finding spans its whole segment (shown as a note, not a highlight)."""
    return finding.start <= 0 and finding.end >= len(segment.text.rstrip())


def tooltip(finding: Finding) -> str:
    """Hover text of a finding: rule, message and suggestions."""
    text = f"{finding.rule_id} ({finding.severity.value}, {finding.category}): {finding.message}"
    if finding.suggestions:
        text += " → " + " / ".join(finding.suggestions)
    return text


def highlight(text: str, findings: Iterable[Finding]) -> str:
    """``text`` as escaped HTML with each finding's span in a ``<mark>`` (overlaps merged)."""
    spans = [f for f in findings if f.end > f.start]
    cuts = sorted({0, len(text), *(max(0, min(len(text), f.start)) for f in spans),
                   *(max(0, min(len(text), f.end)) for f in spans)})
    parts = []
    for start, end in zip(cuts, cuts[1:]):
        piece = escape(text[start:end])
        covering = [f for f in spans if f.start <= start and f.end >= end]
        if not covering:
            parts.append(piece)
            continue
        worst = max(covering, key=_severity_rank)
        title = escape("\n".join(tooltip(f) for f in covering), quote=True)
        parts.append(f'<mark class="tqc-{worst.severity.value}" title="{title}">{piece}</mark>')
    return "".join(parts)


def finding_item(finding: Finding, whole: bool = False) -> str:
    """One finding as a list item: severity, rule, matched text (unless ``whole`` sentence), message, fixes."""
    fix = (f' <span class="tqc-fix">→ {escape(" / ".join(finding.suggestions))}</span>'
           if finding.suggestions else "")
    matched = f" “{escape(finding.matched)}”" if finding.matched and not whole and len(finding.matched) < 60 else ""
    return (f'<li><span class="tqc-sev tqc-{finding.severity.value}">{escape(finding.severity.value)}</span>'
            f"<code>{escape(finding.rule_id)}</code>{matched}: {escape(finding.message)}{fix}</li>")


def similarity_note(report: Report, segment: Segment) -> str:
    """The cross-lingual similarity under the score badge, when it was measured."""
    value = getattr(report, "similarity", {}).get((segment.file, segment.index))
    if value is None:
        return ""
    return (f'<div class="tqc-sim" title="cross-lingual similarity of source and target">'
            f"meaning {value:.2f}</div>")


def segment_row(report: Report, rank: int, segment: Segment) -> str:
    """One table row: rank, place, score badge, highlighted sentence, source and findings."""
    findings = report.findings_for(segment)
    score = report.score_of(segment)
    shown = "–" if score is None else f"{score:.2f}"
    name = segment.file.replace("\\", "/").rsplit("/", 1)[-1] or segment.file
    where = f'<span title="{escape(segment.file, quote=True)}:{segment.line}">{escape(name)}:{segment.line}</span>'
    unit = f"<br>unit {escape(segment.unit_id)}" if segment.unit_id else ""
    spans = [f for f in findings if not is_whole_segment(f, segment)]
    source = f'<div class="tqc-source">{escape(segment.source)}</div>' if segment.source else ""
    items = "".join(finding_item(f, is_whole_segment(f, segment)) for f in findings)
    listing = f'<ul class="tqc-findings">{items}</ul>' if items else ""
    return (f'<tr><td class="tqc-rank">{rank}</td><td class="tqc-where">{where}{unit}</td>'
            f'<td><span class="tqc-score" style="background:{score_colour(score)}">{escape(shown)}</span>'
            f"{similarity_note(report, segment)}</td>"
            f'<td><div class="tqc-text">{highlight(segment.text, spans)}</div>{source}{listing}</td></tr>')


def summary_html(report: Report) -> str:
    """The counts above the table."""
    summary = report.summary()
    stats = [
        (summary["segments"], "sentences"),
        (summary["findings"], "findings"),
        (summary["critical"], "critical"),
        (summary["major"], "major"),
        (summary["minor"], "minor"),
        (summary["flagged"], "flagged"),
    ]
    if summary["fluency_mean"] is not None:
        stats.append((f'{summary["fluency_mean"]:.2f}', "mean fluency"))
    stats.append((summary["penalty_per_1000_words"], "MQM penalty / 1,000 words"))
    boxes = "".join(f'<span class="tqc-stat"><b>{escape(str(v))}</b>{escape(k)}</span>' for v, k in stats)
    return f'<div class="tqc-summary">{boxes}</div>'


def render_fragment(report: Report, limit: int | None = NOTEBOOK_ROWS, title: str = "") -> str:
    """The report as an HTML ``<div>`` with its own style (notebooks; the page body)."""
    ranked = report.ranked_segments()
    shown = ranked if limit is None else ranked[:limit]
    files = ", ".join(d.path for d in report.documents) or "no files"
    from tqcheck.output.writers import shown_notices

    notices = "".join(f'<div class="tqc-notice">{escape(n)}</div>' for n in shown_notices(report))
    heading = f"<h1>{escape(title)}</h1>" if title else ""
    rows = "".join(segment_row(report, rank, s) for rank, s in enumerate(shown, start=1))
    more = (f'<div class="tqc-more">showing the {len(shown)} worst of {len(ranked)} sentences; '
            f"<code>report.to_frame()</code> has them all</div>" if len(shown) < len(ranked) else "")
    return (f'<div class="tqc"><style>{STYLE}</style>{heading}'
            f'<div class="tqc-meta">tqcheck {escape(tqcheck.__version__)} · {escape(files)}</div>'
            f"{summary_html(report)}{notices}"
            '<table><thead><tr><th>#</th><th>where</th><th>fluency</th><th>sentence, worst first</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>{more}</div>")


@register
class HtmlWriter(Writer):
    """A standalone HTML page: summary, notices, every sentence ranked worst first."""

    name = "html"
    extension = ".html"
    to_file = True

    def render(self, report: Report) -> str:
        """The whole page."""
        names = ", ".join(d.name for d in report.documents) or "tqcheck"
        title = f"tqcheck report: {names}"
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{escape(title)}</title></head><body style=\"margin:16px\">"
                f"{render_fragment(report, limit=None, title=title)}</body></html>\n")
