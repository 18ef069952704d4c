"""CSV writer: the ranked sentence table, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from tqcheck.output.report import SEGMENT_COLUMNS, Report, score_format
from tqcheck.output.writers import Writer, register

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell`` with a leading apostrophe when it would start a spreadsheet formula."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def cell_text(value: object) -> str:
    """A table value as CSV text: fixed float format, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return score_format(value)
    return neutralise(str(value))


@register
class CsvWriter(Writer):
    """One row per sentence, ranked worst first (columns: report.SEGMENT_COLUMNS)."""

    name = "csv"
    extension = ".csv"
    to_file = True

    def render(self, report: Report) -> str:
        """The CSV text, header first, ``\\r\\n`` line ends as RFC 4180 asks."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(SEGMENT_COLUMNS)
        for row in report.rows():
            writer.writerow([cell_text(row[c]) for c in SEGMENT_COLUMNS])
        return buffer.getvalue()
