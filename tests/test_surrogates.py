"""Lone UTF-16 surrogates handed to the API (a DataFrame cell, a string): one clear error naming the place, before
any work, never a traceback from pyarrow or the tokenizer; surrogate-free text still reaches every writer."""

from __future__ import annotations

from pathlib import Path

import pytest

import tqcheck
from tqcheck.core.errors import InputError

pd = pytest.importorskip("pandas")

FAST = {"grammar": "none", "fluency": False}


def frame(**columns):
    """A DataFrame of Python strings (object dtype: pandas' Arrow strings refuse surrogates themselves)."""
    return pd.DataFrame(columns, dtype=object)


def test_a_lone_surrogate_in_a_frame_cell_names_its_row_and_column():
    rows = frame(source=["Ein Satz.", "Noch einer.", "Der dritte."],
                 target=["A fine sentence.", "Bad \ud800 here.", "A third \udc80\udc81 one."])
    rows.index = ["a", "b", "c"]
    with pytest.raises(InputError) as caught:
        tqcheck.check_frame(rows, **FAST)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("<frame>:2: column 'target' (index 'b'), character 5: a lone UTF-16 surrogate "
                              "(\\ud800): not Unicode text")
    assert "and 1 more cell" in message
    message.encode("utf-8")  # printable as it is: the surrogate itself is never echoed


def test_a_lone_surrogate_in_the_source_column_or_the_ids_is_named_too():
    with pytest.raises(InputError, match=r"<frame>:1: column 'de' \(index 0\), character 1: .*\\udfff"):
        tqcheck.check_frame(frame(de=["\udfff Satz."], en=["A sentence."]), source="de", target="en", **FAST)
    with pytest.raises(InputError, match=r"<frame>:1: column 'key' \(index 0\), character 2: .*\\udbff"):
        tqcheck.check_frame(frame(key=["x\udbff"], target=["A sentence."]), source=None, id="key", **FAST)


def test_a_lone_surrogate_in_a_string_names_its_line_and_column():
    with pytest.raises(InputError, match=r"^<text>:3:7: a lone UTF-16 surrogate \(\\ud83d\): not Unicode text"):
        tqcheck.check("A fine line.\n\nA bad \ud83d line here.", **FAST)


def test_a_frame_without_surrogates_reaches_the_parquet_and_jsonl_writers(tmp_path: Path):
    pytest.importorskip("pyarrow")
    report = tqcheck.check_frame(frame(target=["A smile \U0001F600 is fine.", "People left the surrounded striptease."]),
                                 source=None, **FAST)
    report.to_frame().to_parquet(tmp_path / "rows.parquet")
    report.findings_frame().to_parquet(tmp_path / "findings.parquet")
    assert pd.read_parquet(tmp_path / "rows.parquet")["sentence"].str.contains("\U0001F600").any()
    from tqcheck.output.writers import get_writer

    for name in ("jsonl", "json", "csv", "sarif"):
        get_writer(name).render(report).encode("utf-8")


def test_a_file_name_that_is_not_utf8_is_named_and_the_other_files_are_reported(tmp_path: Path) -> None:
    import json
    import os

    from click.testing import CliRunner

    from tqcheck.cli.main import cli

    folder = tmp_path / "texts"
    folder.mkdir()
    try:
        (folder / os.fsdecode(b"bad\xffname.txt")).write_text("The surrounded striptease.\n", encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses names that are not UTF-8")
    (folder / "good.txt").write_text("People left the surrounded striptease.\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["check", str(folder), "--no-config", "--no-fluency", "--grammar", "none",
                                      "-f", f"json={report}", "-q"])
    assert result.exit_code == 2, result.output
    assert "bad\\xffname.txt: the file name is not UTF-8" in result.stderr  # printable, one line
    assert "internal error" not in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {Path(f["file"]).name for f in data["findings"]} == {"good.txt"}
