"""Report charts for notebooks: fluency distribution and findings by category (matplotlib)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from tqcheck.core.errors import BackendError

if TYPE_CHECKING:
    from tqcheck.output.report import Report

SEVERITY_COLOURS = {"critical": "#a40e26", "major": "#d1242f", "minor": "#bf8700"}


def plot_report(report: "Report", figsize: tuple[float, float] = (11.0, 3.8), **figure_options: Any) -> Any:
    """A Figure with two panels: fluency scores (histogram) and findings per MQM category by severity."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise BackendError("Report.plot() needs matplotlib: pip install 'tqcheck[notebook]'") from None
    figure = Figure(figsize=figsize, layout="constrained", **figure_options)
    scores_axis, findings_axis = figure.subplots(1, 2, width_ratios=(1, 1.3))
    scores = [s.score for s in report.scores.values()]
    if scores:
        scores_axis.hist(scores, bins=[i / 20 for i in range(21)], color="#0969da", edgecolor="white")
        scores_axis.axvline(report.flag_threshold, color="#d1242f", linestyle="--", linewidth=1,
                            label=f"flag threshold {report.flag_threshold:g}")
        scores_axis.legend(loc="upper left", fontsize=8)
    else:
        scores_axis.text(0.5, 0.5, "fluency not scored", ha="center", va="center", color="#57606a")
    scores_axis.set_xlim(0, 1)
    scores_axis.set_xlabel("fluency score (0 broken – 1 fluent)")
    scores_axis.set_ylabel("sentences")
    scores_axis.set_title("Fluency of every sentence", fontsize=10)
    counts = Counter((f.category, f.severity.value) for f in report.findings)
    categories = sorted({c for c, _ in counts}, key=lambda c: -sum(n for (k, _), n in counts.items() if k == c))
    if categories:
        left = [0] * len(categories)
        for severity in ("critical", "major", "minor"):
            widths = [counts.get((c, severity), 0) for c in categories]
            if any(widths):
                findings_axis.barh(categories, widths, left=left, color=SEVERITY_COLOURS[severity], label=severity)
                left = [a + b for a, b in zip(left, widths)]
        findings_axis.invert_yaxis()
        findings_axis.legend(loc="lower right", fontsize=8)
        findings_axis.tick_params(axis="y", labelsize=8)
    else:
        findings_axis.text(0.5, 0.5, "no findings", ha="center", va="center", color="#57606a")
        findings_axis.set_yticks([])
    from matplotlib.ticker import MaxNLocator

    scores_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    findings_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    findings_axis.set_xlabel("findings")
    findings_axis.set_title("Findings by MQM category", fontsize=10)
    return figure
