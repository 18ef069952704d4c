"""Gate decisions and the machine writers (json, jsonl, sarif, github, junit)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tqcheck.policy.baseline import fingerprints
from tqcheck.core.config import Settings, load_settings
from tqcheck.policy.gate import decide, penalty_per_1000_words
from tqcheck.readers.inputs import read_markdown
from tqcheck.engine.pipeline import Pipeline
from tqcheck.output.report import Report
from tqcheck.output.writers import get_writer, writer_names
from tqcheck.output.writers.github import escape_data, escape_property

from test_gate_support import WordCheck, run

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
REPORT_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "tqcheck-report-1.json"
MACHINE_FORMATS = ("json", "jsonl", "sarif", "github", "junit", "junit-sentences")

ARTICLE = (
    "Diplomats say Israel allowed people to leave the surrounded striptease this year.\n"
    "France has occupied more than 170 Germany, more than 70.\n\n"
    "Officials describe the exports as voluntary exports. The talks continue.\n"
)

MARKDOWN = """---
title: "A striptease in front matter is not checked"
---

# Leaving the *surrounded* striptease

Diplomats say the **exports** began in March, and `code` stays.
A second line of the same paragraph mentions exports again.

- A list item where France has occupied [the exports](http://x.org/exports) page.
  > quoted striptease

```
code block striptease is skipped
```

| table | striptease |
|-------|------------|

Final paragraph with ünïcödé before the striptease.
"""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside a temporary folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def article(in_tmp: Path) -> Path:
    """A small plain-text article with findings of every severity."""
    path = in_tmp / "news" / "article.txt"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def settings(**values) -> Settings:
    """Default settings with some keys set from the command line (the default fail_on major off unless set,
    so each criterion is tested alone)."""
    values.setdefault("fail_on", "none")
    result = Settings()
    result.apply(values, "command line")
    return result


# -- registry ------------------------------------------------------------------

def test_every_machine_format_is_registered() -> None:
    for name in MACHINE_FORMATS:
        assert name in writer_names()
        writer = get_writer(name)
        assert writer.name == name
        assert writer.extension.startswith(".")
    assert get_writer("github").to_file is False
    assert get_writer("sarif").to_file is True


# -- SARIF -------------------------------------------------------------------------

def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_2_1_0_schema(article: Path) -> None:
    report = run([article])
    log = json.loads(get_writer("sarif").render(report))
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, errors[0]
    run_ = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [
        "Demo.Exports", "Demo.Occupied", "Demo.Striptease"]
    levels = {r["ruleId"]: r["level"] for r in run_["results"]}
    assert levels == {"Demo.Striptease": "warning", "Demo.Occupied": "error", "Demo.Exports": "note"}
    for result in run_["results"]:
        rule = run_["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "news/article.txt"
    first = run_["results"][0]
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": 61, "endLine": 1, "endColumn": 71}
    assert [r["partialFingerprints"]["tqcheckFingerprint/v2"] for r in run_["results"]] == fingerprints(report)


def test_sarif_without_findings_and_with_absolute_paths_is_valid(in_tmp: Path, tmp_path_factory) -> None:
    clean = in_tmp / "clean file.txt"
    clean.write_text("Nothing to see here.\n", encoding="utf-8")
    outside = tmp_path_factory.mktemp("elsewhere") / "far.txt"
    outside.write_text("The exports grew.\n", encoding="utf-8")
    report = run([clean.resolve(), outside])
    log = json.loads(get_writer("sarif").render(report))
    assert not list(sarif_validator().iter_errors(log))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {outside.as_uri()}
    empty = json.loads(get_writer("sarif").render(run([clean])))
    assert empty["runs"][0]["results"] == [] and not list(sarif_validator().iter_errors(empty))


def test_sarif_names_every_rule_a_merged_finding_stands_for(in_tmp: Path) -> None:
    from tqcheck.checks.grammar.merge import merge_findings
    from tqcheck.core.document import Document

    document = Document(path="merged.txt", text="He could of gone.\n")
    segment = document.add_segment("He could of gone.", 0)
    ours = segment.finding(9, 11, rule_id="mt.CouldOf", message="'could of' is 'could have'", severity="major",
                           category="fluency/grammar", origin="rules", suggestions=("have",), engine="rules")
    harpers = segment.finding(9, 11, rule_id="harper.CouldOf", message="Did you mean 'could have'?",
                              severity="minor", category="fluency/grammar", origin="grammar", suggestions=("have",),
                              engine="harper")
    alone = segment.finding(13, 17, rule_id="Demo.Gone", message="gone", severity="minor", category="style",
                            origin="rules", engine="rules")
    merged = merge_findings([ours, harpers, alone])
    assert len(merged) == 2
    log = json.loads(get_writer("sarif").render(Report(documents=[document], findings=merged)))
    assert not list(sarif_validator().iter_errors(log))
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert results["mt.CouldOf"]["properties"]["rules"] == ["mt.CouldOf", "harper.CouldOf"]
    assert results["mt.CouldOf"]["properties"]["engine"] == "rules+harper"
    assert "rules" not in results["Demo.Gone"]["properties"]  # a finding no other engine reported: as before
    data = json.loads(get_writer("json").render(Report(documents=[document], findings=merged)))
    assert [f["rules"] for f in data["findings"] if f["rule_id"] == "mt.CouldOf"] == [["mt.CouldOf", "harper.CouldOf"]]


def test_the_schema_rejects_a_broken_log(article: Path) -> None:
    log = json.loads(get_writer("sarif").render(run([article])))
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(sarif_validator().iter_errors(log))) == 2


# -- GitHub annotations ------------------------------------------------------------

ANNOTATION_RE = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """(command, properties, message) of one workflow command, unescaped."""
    match = ANNOTATION_RE.match(line)
    assert match, line

    def unescape(text: str) -> str:
        return (text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n")
                .replace("%25", "%"))

    props = dict(item.split("=", 1) for item in match.group("props").split(","))
    return match.group(1), {k: unescape(v) for k, v in props.items()}, unescape(match.group("message"))


def test_github_annotations_point_at_the_original_markdown(in_tmp: Path) -> None:
    path = in_tmp / "docs" / "press" / "note.md"
    path.parent.mkdir(parents=True)
    path.write_text(MARKDOWN, encoding="utf-8")
    document = read_markdown("docs/press/note.md", path.read_bytes())
    report = Pipeline(Settings(), checks=[WordCheck()], scorer=None).run([document])
    lines = get_writer("github").render(report).splitlines()
    original = MARKDOWN.split("\n")
    seen = []
    for line in lines:
        command, props, message = parse_annotation(line)
        assert props["file"] == "docs/press/note.md"
        row, col, end = int(props["line"]), int(props["col"]), int(props["endColumn"])
        assert props["endLine"] == props["line"]
        word = original[row - 1][col - 1:end - 1]
        assert word.lower() in ("striptease", "exports", "occupied"), (line, word)
        assert message.startswith(f"'{word}' is a likely mistranslation")
        seen.append((row, col, word, command))
    assert seen == [  # worst first (GitHub caps annotations per step), then in file order
        (10, 32, "occupied", "error"),
        (5, 28, "striptease", "warning"),
        (11, 12, "striptease", "warning"),
        (20, 41, "striptease", "warning"),
        (7, 21, "exports", "notice"),
        (8, 46, "exports", "notice"),
        (10, 46, "exports", "notice"),  # the link text, not the URL
    ]


def test_github_columns_count_characters_after_multibyte_text(in_tmp: Path) -> None:
    path = in_tmp / "u.txt"
    path.write_text("Ünïcödé «quotes» and the striptease.\n", encoding="utf-8")
    _, props, _ = parse_annotation(get_writer("github").render(run([path], scored=False)).strip())
    assert (props["line"], props["col"], props["endColumn"]) == ("1", "26", "36")


def test_github_escaping_follows_the_runner_rules() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b: c%\n") == "a%2Cb%3A c%25%0A"


def test_github_messages_and_titles_are_escaped(in_tmp: Path) -> None:
    document = read_markdown("odd, name: x.md", b"The striptease is here.\n")
    segment = document.segments[0]
    finding = segment.finding(4, 14, rule_id="Demo.Odd", message="line one\nline two: 100%",
                              severity="critical", category="other", origin="rules")
    line = get_writer("github").render(Report([document], [finding]))
    assert line == ("::error file=odd%2C name%3A x.md,line=1,col=5,endLine=1,endColumn=15,"
                    "title=Demo.Odd (critical%2C other)::line one%0Aline two: 100%25\n")


# -- JSON, JSONL, JUnit ------------------------------------------------------------

def test_json_document_has_summary_signature_segments_and_findings(article: Path) -> None:
    report = run([article])
    data = json.loads(get_writer("json").render(report))
    assert data["schema_version"] == 1 and data["tool"] == "tqcheck"
    assert data["signature"]["words.version"] == "1"
    assert data["summary"]["findings"] == 4 and data["summary"]["major"] == 1
    assert data["files"] == [{"file": str(article), "format": "text", "segments": 4, "words": 32}]
    assert [s["rank"] for s in data["segments"]] == [1, 2, 3, 4]
    assert data["segments"][0]["fluency"] == pytest.approx(0.4, abs=1e-4)
    assert [f["fingerprint"] for f in data["findings"]] == fingerprints(report)
    assert set(data["findings"][0]) >= {"rule_id", "severity", "category", "file", "line", "column",
                                        "end_line", "end_column", "matched", "message", "suggestions"}


def report_validator(definition: str = "") -> jsonschema.Draft7Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    if definition:
        schema = {**schema, "$ref": f"#/definitions/{definition}"}
        for key in ("required", "properties", "additionalProperties", "type"):
            schema.pop(key)
    return jsonschema.Draft7Validator(schema)


def test_json_and_jsonl_follow_the_documented_schema(article: Path) -> None:
    report = run([article])
    errors = list(report_validator().iter_errors(json.loads(get_writer("json").render(report))))
    assert not errors, errors[0]
    unscored = json.loads(get_writer("json").render(run([article], scored=False)))
    assert not list(report_validator().iter_errors(unscored))
    finding = report_validator("finding")
    for line in get_writer("jsonl").render(report).splitlines():
        errors = list(finding.iter_errors(json.loads(line)))
        assert not errors, errors[0]
    bad = json.loads(get_writer("jsonl").render(report).splitlines()[0])
    bad["severity"] = "blocker"
    assert list(finding.iter_errors(bad))


def test_jsonl_is_one_finding_per_line(article: Path) -> None:
    report = run([article])
    lines = get_writer("jsonl").render(report).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["rule_id"] for r in records] == [f.rule_id for f in report.findings]
    assert records[0]["line"] == 1 and records[0]["matched"] == "striptease"
    clean = article.parent / "clean.txt"
    clean.write_text("All good here.\n", encoding="utf-8")
    assert get_writer("jsonl").render(run([clean])) == ""


def test_junit_has_one_case_per_file_and_failures_carry_findings(article: Path) -> None:
    clean = article.parent / "clean.txt"
    clean.write_text("All good here.\n", encoding="utf-8")
    report = run([article, clean])
    root = ET.fromstring(get_writer("junit").render(report))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [str(article), str(clean)]
    assert root.get("tests") == "2" and root.get("failures") == "1"
    failure = cases[0].find("failure")
    assert failure.get("message") == "4 findings (1 critical, 1 major, 2 minor)"
    assert failure.get("type") == "critical"
    assert f"{article}:1:61: major Demo.Striptease" in failure.text
    assert cases[1].find("failure") is None


def test_junit_sentences_has_one_case_per_sentence(article: Path) -> None:
    root = ET.fromstring(get_writer("junit-sentences").render(run([article])))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4 and root.get("failures") == "3"
    assert cases[0].get("name").startswith("line 1: Diplomats say")
    assert cases[0].find("system-out").text == "fluency 0.7000"


# -- determinism ---------------------------------------------------------------------

@pytest.mark.parametrize("name", MACHINE_FORMATS)
def test_two_runs_are_byte_identical(article: Path, name: str) -> None:
    first = get_writer(name).render(run([article]))
    second = get_writer(name).render(run([article]))
    assert first == second and first


# -- gate ------------------------------------------------------------------------------

def test_default_gate_fails_on_major_findings(article: Path) -> None:
    outcome = decide(run([article]), Settings())
    assert (outcome.passed, outcome.exit_code) == (False, 1)
    assert outcome.reasons == ["1 critical and 1 major finding at --fail-on major"]


def test_fail_on_none_and_no_other_gate_always_pass(article: Path) -> None:
    outcome = decide(run([article]), settings(fail_on="none"))
    assert outcome.passed and outcome.exit_code == 0 and outcome.reasons == []


def test_default_gate_passes_on_minor_findings_only(article: Path) -> None:
    report = run([article])
    report.findings = [f for f in report.findings if f.severity.value == "minor"]
    assert report.findings and decide(report, Settings()).exit_code == 0


@pytest.mark.parametrize("level, reason", [
    ("minor", "1 critical, 1 major and 2 minor findings at --fail-on minor"),
    ("major", "1 critical and 1 major finding at --fail-on major"),
    ("critical", "1 critical finding at --fail-on critical"),
])
def test_fail_on_counts_findings_at_or_above_the_level(article: Path, level: str, reason: str) -> None:
    outcome = decide(run([article]), settings(fail_on=level))
    assert (outcome.passed, outcome.exit_code, outcome.reasons) == (False, 1, [reason])


def test_fail_on_passes_below_the_level(in_tmp: Path) -> None:
    path = in_tmp / "minor.txt"
    path.write_text("The exports grew.\n", encoding="utf-8")
    assert decide(run([path]), settings(fail_on="major")).passed
    assert not decide(run([path]), settings(fail_on="minor")).passed


def test_min_fluency_fails_on_any_low_sentence(article: Path) -> None:
    outcome = decide(run([article]), settings(min_fluency=0.8))
    assert outcome.reasons == [f"3 sentences below --min-fluency 0.8 (lowest 0.4000 at {article}:4)"]
    outcome = decide(run([article]), settings(min_fluency=0.5))
    assert outcome.reasons == [f"1 sentence below --min-fluency 0.5 (lowest 0.4000 at {article}:4)"]
    assert decide(run([article]), settings(min_fluency=0.3)).passed
    assert decide(run([article], scored=False), settings(min_fluency=0.8)).passed


def test_min_fluency_mean_uses_the_document_average(article: Path) -> None:
    # scores 0.7, 0.7, 0.4, 1.0 (each minus a tiny tie-breaker): mean 0.7
    outcome = decide(run([article]), settings(min_fluency_mean=0.75))
    assert outcome.reasons == [f"mean fluency 0.7000 of {article} is below --min-fluency-mean 0.75"]
    assert decide(run([article]), settings(min_fluency_mean=0.65)).passed


def test_max_findings(article: Path) -> None:
    assert decide(run([article]), settings(max_findings=4)).passed
    assert decide(run([article]), settings(max_findings=3)).reasons == ["4 findings exceed --max-findings 3"]


def test_max_penalty_is_mqm_points_per_thousand_words(article: Path) -> None:
    report = run([article])
    # critical 10 + major 5 + 2 minor = 17 points over 32 words
    assert report.word_count == 32
    assert penalty_per_1000_words(report.findings, 32) == pytest.approx(531.25)
    outcome = decide(report, settings(max_penalty=500))
    assert outcome.reasons == [f"MQM penalty 531.25 per 1,000 words in {article} exceeds --max-penalty 500"]
    assert decide(report, settings(max_penalty=550)).passed


def test_exit_zero_keeps_the_reasons(article: Path) -> None:
    outcome = decide(run([article]), settings(fail_on="major", exit_zero=True))
    assert (outcome.passed, outcome.exit_code) == (False, 0)
    assert outcome.reasons == ["1 critical and 1 major finding at --fail-on major"]


def test_per_path_overrides_make_a_stricter_gate(in_tmp: Path) -> None:
    (in_tmp / "pyproject.toml").write_text(
        '[tool.tqcheck]\nfail_on = "critical"\n\n'
        '[[tool.tqcheck.overrides]]\npaths = ["docs/press/**"]\nfail_on = "minor"\n', encoding="utf-8")
    (in_tmp / "docs" / "press").mkdir(parents=True)
    (in_tmp / "docs" / "blog").mkdir(parents=True)
    press = in_tmp / "docs" / "press" / "release.txt"
    blog = in_tmp / "docs" / "blog" / "post.txt"
    press.write_text("The exports grew.\n", encoding="utf-8")
    blog.write_text("The exports grew too.\n", encoding="utf-8")
    paths = ["docs/press/release.txt", "docs/blog/post.txt"]
    config = load_settings(paths)
    outcome = decide(run(paths, config), config)
    assert outcome.reasons == ["1 minor finding at --fail-on minor in docs/press/release.txt"]
    # the command line wins over the override
    config = load_settings(paths, flags={"fail_on": "critical"})
    assert decide(run(paths, config), config).passed


def test_reasons_say_new_when_a_baseline_was_applied(article: Path) -> None:
    from tqcheck.policy.baseline import BaselineDiff

    outcome = decide(run([article]), settings(fail_on="critical"), BaselineDiff(new=1, known=4))
    assert outcome.reasons == ["1 critical new finding at --fail-on critical"]


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
 <file source-language="de" target-language="en" datatype="plaintext" original="x">
  <body>
   <trans-unit id="intro"><source>Der Streifen.</source><target>The striptease.</target></trans-unit>
   <trans-unit id="u-2"><source>Die Exporte.</source><target>The exports.</target></trans-unit>
  </body>
 </file>
</xliff>
"""


def test_sarif_results_of_xliff_units_carry_the_unit_id_and_every_rule_a_help_uri(in_tmp: Path) -> None:
    path = in_tmp / "strings.xlf"
    path.write_text(XLIFF, encoding="utf-8")
    log = json.loads(get_writer("sarif").render(run([path])))
    assert not list(sarif_validator().iter_errors(log))
    results = log["runs"][0]["results"]
    assert {r["properties"]["unitId"] for r in results} == {"intro", "u-2"}
    for result in results:
        (logical,) = result["locations"][0]["logicalLocations"]
        assert logical["name"] == result["properties"]["unitId"] and logical["kind"] == "element"
        assert logical["fullyQualifiedName"] == f"strings.xlf#{logical['name']}"
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:  # Demo.* rules have no link of their own
        assert rule["helpUri"].startswith("https://") and rule["help"]["text"]


def test_sarif_help_uri_of_a_shipped_rule_without_a_link(in_tmp: Path) -> None:
    from tqcheck.core.finding import Finding, Severity
    from tqcheck.output.writers.sarif import DOCS_URI, rule_descriptor

    finding = Finding(rule_id="mt.StripteaseForStrip", message="m", severity=Severity.CRITICAL,
                      category="accuracy/mistranslation", origin="rules", file="a.txt", segment=0, line=1, column=1,
                      start=0, end=5, matched="strip", offset=0, end_line=1, end_column=6)
    descriptor = rule_descriptor("mt.StripteaseForStrip", [finding])
    assert descriptor["helpUri"] == DOCS_URI
    assert "striptease" in descriptor["help"]["text"].lower() and "rules list --long" in descriptor["help"]["markdown"]


@pytest.mark.parametrize("counts, reason", [
    ({"critical": 1, "major": 1, "minor": 0}, "1 critical and 1 major finding at --fail-on major"),
    ({"critical": 1, "major": 3, "minor": 0}, "1 critical and 3 major findings at --fail-on major"),
    ({"critical": 2, "major": 0, "minor": 0}, "2 critical findings at --fail-on major"),
])
def test_the_gate_agrees_its_noun_with_the_last_count(counts, reason) -> None:
    from tqcheck.core.result import Counts
    from tqcheck.policy.gate import gate_reasons

    file_counts = {"a.txt": Counts(findings=sum(counts.values()), **counts)}  # a report's or a partitioned run's
    assert gate_reasons(file_counts, load_settings([], discover=False))[:1] == [reason]
