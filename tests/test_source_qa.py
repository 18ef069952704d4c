"""The translator's QA checks of the source check (Xbench, Verifika, pofilter): every rule's examples run, each
rule is registered and listed, the run-wide consistency check is the same whatever the runner, and the
do-not-translate list and TBX termbases work from the config and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.checks.catalog import registry
from tqcheck.checks.source import QA_EXAMPLES, QAOptions, check_segment, inconsistencies
from tqcheck.checks.source.dnt import DNT_EXAMPLE_TERMS
from tqcheck.cli.main import cli
from tqcheck.core.config import load_settings
from tqcheck.core.document import Document, whitespace_edges

RULES = sorted(QA_EXAMPLES)
PAIR_RULES = [r for r in RULES if not r.startswith("source.Inconsistent")]
OPTIONS = QAOptions(dnt=DNT_EXAMPLE_TERMS, repeated_words=True)


def fired(source: str, target: str, language: str = "de", options: QAOptions = OPTIONS) -> set[str]:
    """Rule ids the source check reports on one pair, as written in the unit (its edges kept as a reader does)."""
    document = Document(path="x.tsv", text=target, format="tsv", source_language=language)
    document.add_segment(target.strip(), len(whitespace_edges(target)[0]), source=source.strip(),
                         source_edges=whitespace_edges(source), target_edges=whitespace_edges(target))
    return {f.rule_id for f in check_segment(document.segments[0], language, None, options)}


def document_of(pairs: list[tuple[str, str]], path: str = "x.tsv") -> Document:
    text = "\n".join(t for _, t in pairs)
    document = Document(path=path, text=text, format="tsv", source_language="de")
    offset = 0
    for source, target in pairs:
        document.add_segment(target, offset, source=source)
        offset += len(target) + 1
    return document


def test_every_qa_rule_has_bad_and_good_examples_and_a_registry_entry() -> None:
    reg = registry()
    assert len(RULES) == 12
    for rule in RULES:
        assert QA_EXAMPLES[rule]["bad"] and QA_EXAMPLES[rule]["good"], rule
        entry = reg.lookup(rule)
        assert entry is not None and entry.id == rule and entry.origin == "source" and entry.example


@pytest.mark.parametrize("rule", PAIR_RULES)
def test_bad_examples_fire_and_good_ones_do_not(rule: str) -> None:
    for source, target in QA_EXAMPLES[rule]["bad"]:
        assert rule in fired(source, target), (source, target)
    for source, target in QA_EXAMPLES[rule]["good"]:
        assert rule not in fired(source, target), (source, target)


@pytest.mark.parametrize("rule", [r for r in RULES if r.startswith("source.Inconsistent")])
def test_consistency_examples(rule: str) -> None:
    for pairs in QA_EXAMPLES[rule]["bad"]:
        assert rule in {f.rule_id for f in inconsistencies([document_of(pairs)])}, pairs
    for pairs in QA_EXAMPLES[rule]["good"]:
        assert rule not in {f.rule_id for f in inconsistencies([document_of(pairs)])}, pairs


def test_rules_list_shows_every_qa_rule() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0, result.output
    for rule in RULES:
        assert rule in result.output


def test_changed_addresses_and_codes_point_at_the_target_text() -> None:
    document = document_of([("Das XJ-200 unter https://example.com/a", "The XJ-300 at https://example.com/b")])
    findings = check_segment(document.segments[0], "de", None, QAOptions())
    spans = {f.rule_id: (f.start, f.end, f.suggestions) for f in findings}
    assert spans["source.Code"] == (4, 10, ("XJ-200",))
    assert spans["source.Url"] == (14, 35, ("https://example.com/a",))


def test_repeated_words_only_when_no_grammar_engine_reports_them() -> None:
    assert "source.RepeatedWord" in fired("Das ist das Haus.", "This is the the house.")
    assert "source.RepeatedWord" not in fired("Das ist das Haus.", "This is the the house.", options=QAOptions())
    assert QAOptions.from_settings(load_settings([], None, {"grammar": "none"}, discover=False)).repeated_words
    assert not QAOptions.from_settings(load_settings([], None, {}, discover=False)).repeated_words


def test_an_untranslated_target_gets_no_qa_findings() -> None:
    assert fired("Die Zahl (siehe oben", "Die Zahl (siehe oben") == {"source.Untranslated"}


def test_inconsistency_across_files_names_the_reference() -> None:
    first = document_of([("Speichern", "Save"), ("Öffnen", "Open")], "a.tsv")
    second = document_of([("Speichern", "Store"), ("Schließen", "Open")], "b.tsv")
    findings = inconsistencies([first, second])
    assert [(f.file, f.rule_id) for f in findings] == [("b.tsv", "source.InconsistentTarget"),
                                                      ("b.tsv", "source.InconsistentSource")]
    assert "'Save' at a.tsv:1" in findings[0].message and "'Öffnen', at a.tsv:2" in findings[1].message


def _write_pairs(path: Path, pairs: list[tuple[str, str]]) -> None:
    path.write_text("id\tsource\ttarget\n" + "".join(f"u{i}\t{s}\t{t}\n" for i, (s, t) in enumerate(pairs)),
                    encoding="utf-8")


def _report(tmp_path: Path, *args: str) -> tuple[int, str]:
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(cli, ["check", *args, "--no-config", "--no-fluency", "--grammar", "none",
                                      "--no-cache", "--exit-zero", "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.exit_code, out.read_text(encoding="utf-8")


def test_run_wide_inconsistency_is_the_same_with_one_and_two_jobs(tmp_path: Path) -> None:
    _write_pairs(tmp_path / "a.tsv", [("Speichern", "Save"), ("Öffnen Sie die Datei.", "Open the file.")])
    _write_pairs(tmp_path / "b.tsv", [("Speichern", "Store"), ("Öffnen Sie die Datei.", "Open the file.")])
    files = [str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv")]
    _, one = _report(tmp_path, *files, "--jobs", "1")
    _, two = _report(tmp_path, *files, "--jobs", "2")
    assert one == two
    assert one.count("source.InconsistentTarget") == 1 and "Store" in one
    _, off = _report(tmp_path, *files, "--disable", "source.Inconsistent*")
    assert "source.Inconsistent" not in off


def test_inconsistency_within_a_file_cut_in_parts(tmp_path: Path) -> None:
    from tqcheck.core.document import cut
    from tqcheck.engine.pipeline import Pipeline

    pairs = [(f"Satz {i}.", f"Sentence {i}.") for i in range(30)] + [("Satz 3.", "Clause 3.")]
    document = document_of(pairs)
    assert len(cut(document, 10)) == 4
    settings = load_settings([], None, {"fluency": False, "grammar": "none"}, discover=False)
    from tqcheck.engine.runners import SequentialRunner

    with SequentialRunner() as runner:
        report = runner.run([document], settings, part_segments=10)
    assert [(f.rule_id, f.segment) for f in report.findings if f.rule_id.startswith("source.Incons")] == [
        ("source.InconsistentTarget", 30)]
    with Pipeline(settings) as pipeline:  # the sequential pipeline gives the same
        assert any(f.rule_id == "source.InconsistentTarget" for f in pipeline.run([document]).findings)


def test_dnt_from_the_command_line_and_the_config(tmp_path: Path) -> None:
    terms = tmp_path / "dnt.txt"
    terms.write_text("# brand names\nPhotoshop\n", encoding="utf-8")
    _write_pairs(tmp_path / "a.tsv", [("Öffnen Sie Photoshop.", "Open the image editor.")])
    _, report = _report(tmp_path, str(tmp_path / "a.tsv"), "--dnt", str(terms))
    assert "source.DoNotTranslate" in report
    (tmp_path / ".tqcheck.toml").write_text('dnt = ["dnt.txt"]\n', encoding="utf-8")
    settings = load_settings([str(tmp_path / "a.tsv")], None, {}, discover=True)
    assert QAOptions.from_settings(settings).dnt == ("Photoshop",)


def test_a_bad_dnt_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    _write_pairs(tmp_path / "a.tsv", [("Öffnen Sie Photoshop.", "Open Photoshop.")])
    for name, text, where in (("missing.txt", None, "missing.txt"), ("tab.txt", "ok\nbad\tterm\n", "tab.txt:2")):
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, ["check", str(tmp_path / "a.tsv"), "--dnt", str(path), "--no-config",
                                          "--no-fluency", "--grammar", "none", "--no-cache", "-f", "terminal"])
        assert result.exit_code == 2
        assert where in result.output and len(result.output.strip().splitlines()) == 1


TBX = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="de"><text><body>
  <termEntry id="t1">
    <langSet xml:lang="de"><tig><term>Streifen</term></tig></langSet>
    <langSet xml:lang="en-US">
      <tig><term>strip</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
      <tig><term>striptease</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
    </langSet>
  </termEntry>
  <termEntry id="t2">
    <langSet xml:lang="en"><tig><term>besieged</term></tig></langSet>
    <langSet xml:lang="de"><tig><term>belagerten</term></tig></langSet>
  </termEntry>
</body></text></martif>
"""


def test_a_tbx_termbase_works_as_a_glossary(tmp_path: Path) -> None:
    from tqcheck.checks.rules.types.glossary import read_terms

    (tmp_path / "terms.tbx").write_text(TBX, encoding="utf-8")
    assert read_terms(tmp_path / "terms.tbx") == [
        {"target": "strip", "forbidden": ["striptease"], "source": "Streifen", "note": ""},
        {"target": "besieged", "forbidden": [], "source": "belagerten", "note": ""}]
    _write_pairs(tmp_path / "a.tsv", [("Sie verließen den Streifen.", "They left the striptease."),
                                      ("Die belagerten Städte", "The surrounded cities")])
    _, report = _report(tmp_path, str(tmp_path / "a.tsv"), "--glossary", str(tmp_path / "terms.tbx"))
    assert "'striptease' is not the glossary term; use 'strip'" in report
    assert "'belagerten' should be translated as 'besieged'" in report


@pytest.mark.parametrize("text, message", [("<x>", "terms.tbx:1: not a TBX file: Premature end"),
                                           ("<tbx/>", "terms.tbx:1: not a TBX file: the root element"),
                                           ('<martif type="TBX"><text><body/></text></martif>', "no English term")])
def test_a_bad_tbx_file_is_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "terms.tbx").write_text(text, encoding="utf-8")
    _write_pairs(tmp_path / "a.tsv", [("Haus", "house")])
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "a.tsv"), "--glossary", str(tmp_path / "terms.tbx"),
                                      "--no-config", "--no-fluency", "--grammar", "none", "--no-cache", "-f",
                                      "terminal"])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_wide_inconsistency_when_every_part_comes_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TQCHECK_CACHE_DIR", str(tmp_path / "cache"))
    _write_pairs(tmp_path / "a.tsv", [("Speichern", "Save")])
    _write_pairs(tmp_path / "b.tsv", [("Speichern", "Store")])
    reports = []
    for _ in range(2):
        out = tmp_path / "report.csv"
        result = CliRunner().invoke(cli, ["check", str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv"), "--no-config",
                                          "--no-fluency", "--grammar", "none", "--exit-zero", "-f", "csv",
                                          "-o", str(out)])
        assert result.exit_code == 0, result.output
        reports.append(out.read_text(encoding="utf-8"))
    assert any((tmp_path / "cache").rglob("*.json"))
    assert reports[0] == reports[1] and "source.InconsistentTarget" in reports[1]
