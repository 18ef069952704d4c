"""LanguageTool over its HTTP API, against the stand-in server in tests/ltserver.py (no mocks)."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import pytest

from tqcheck.core.config import Settings
from tqcheck.core.errors import BackendError
from tqcheck.checks.grammar import make_grammar_check
from tqcheck.checks.grammar.languagetool_backend import free_port
from tqcheck.readers.inputs import document_from_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ltserver import LTServer  # noqa: E402

TEXT = ("This is an test of the the linter. I will recieve it , maybe.\n\n"
        "Officials in Rafah said Kogat was ready. The 😀 emoji comes before teh word.")


def settings_for(url: str = "", **values) -> Settings:
    settings = Settings()
    data = {"grammar": "languagetool", **values}
    if url:
        data["languagetool_url"] = url
    settings.apply(data, "test")
    return settings


@pytest.fixture
def server():
    with LTServer() as running:
        yield running


def languagetool_findings(findings):
    return [f for f in findings if "languagetool" in f.engine]


def test_languagetool_server_findings_join_harper_findings(server):
    check = make_grammar_check(settings_for(server.url))
    try:
        doc = document_from_text(TEXT, "a.txt")
        findings = check.check(doc)
    finally:
        check.close()
    engines = {f.engine for f in findings}
    assert {"harper+languagetool"} <= engines
    by_rule = {f.rule_id: f for f in findings}
    assert "languagetool.COMMA_PARENTHESIS_WHITESPACE" in by_rule or any(
        f.matched.strip() == "," and "languagetool" in f.engine for f in findings)
    teh = next(f for f in findings if f.matched == "teh")
    assert "languagetool" in teh.engine and "the" in teh.suggestions
    assert doc.text[teh.offset:teh.offset + 3] == "teh"  # UTF-16 offsets after the emoji mapped back
    article = next(f for f in findings if f.matched == "an")
    assert article.engine == "harper+languagetool" and article.category == "fluency/grammar"
    for f in findings:
        assert f.origin == "grammar"
        assert doc.segments[f.segment].text[f.start:f.end] == f.matched
    # Names are filtered for LanguageTool's spell-checker too.
    assert not [f for f in findings if f.matched == "Rafah"]
    assert [f.rule_id for f in findings if f.matched == "Kogat"] == ["spelling.NameVariant"]
    signature = check.signature()
    assert signature["engines"] == "harper+languagetool"
    assert signature["languagetool"].startswith("LanguageTool 6.4 (en-US")


def test_requests_carry_language_and_rule_options(server):
    settings = settings_for(server.url, dialect="en-GB",
                            languagetool_disabled_rules=["languagetool.ENGLISH_WORD_REPEAT_RULE"],
                            languagetool_enabled_rules=["EN_A_VS_AN"],
                            languagetool_disabled_categories=["TYPOGRAPHY"],
                            languagetool_enabled_categories=["CASING"])
    check = make_grammar_check(settings)
    try:
        findings = check.check(document_from_text(TEXT, "a.txt"))
    finally:
        check.close()
    sent = server.requests[-1]
    assert sent["language"] == "en-GB"
    assert sent["disabledRules"] == "ENGLISH_WORD_REPEAT_RULE"
    assert sent["enabledRules"] == "EN_A_VS_AN"
    assert sent["disabledCategories"] == "TYPOGRAPHY"
    assert sent["enabledCategories"] == "CASING"
    rules = {f.rule_id for f in findings}
    assert "languagetool.ENGLISH_WORD_REPEAT_RULE" not in rules
    assert "languagetool.COMMA_PARENTHESIS_WHITESPACE" not in rules
    assert any(r.startswith("languagetool.MORFOLOGIK_RULE_EN_GB") for r in rules) or any(
        "languagetool" in f.engine and f.matched == "recieve" for f in findings)


def test_environment_variable_gives_the_url(server, monkeypatch):
    monkeypatch.setenv("TQCHECK_LANGUAGETOOL_URL", server.url)
    check = make_grammar_check(settings_for())
    try:
        assert any("languagetool" in f.engine for f in check.check(document_from_text(TEXT, "a.txt")))
    finally:
        check.close()


def test_dialect_missing_on_the_server_is_substituted_with_a_notice(server):
    check = make_grammar_check(settings_for(server.url, dialect="en-IN"))
    try:
        check.check(document_from_text(TEXT, "a.txt"))
    finally:
        check.close()
    assert server.requests[-1]["language"] == "en-GB"
    assert any("en-IN" in n for n in check.notices)


def test_long_documents_are_split_under_the_limit_and_after_413():
    paragraphs = ["\n\n".join(f"Paragraph {p} sentence {i} has an mistake here." for i in range(3))
                  for p in range(40)]
    text = "\n\n".join(paragraphs)
    doc = document_from_text(text, "long.txt")
    with LTServer(max_chars=20000) as roomy:
        check = make_grammar_check(settings_for(roomy.url, languagetool_max_chars=2000))
        try:
            expected = languagetool_findings(check.check(doc))
        finally:
            check.close()
        assert all(len(r["text"]) <= 2000 for r in roomy.requests)
    with LTServer(max_chars=300) as strict:
        check = make_grammar_check(settings_for(strict.url))
        try:
            got = languagetool_findings(check.check(doc))
        finally:
            check.close()
        sizes = [len(r["text"]) for r in strict.requests[1:]]  # [0] is the start-up probe
        refused = [n > 300 for n in sizes]
        assert refused[0]  # the first request was refused with HTTP 413 ...
        assert refused == sorted(refused, reverse=True)  # ... it shrank, and stayed small for the rest
        assert sizes[-1] <= 300
    assert len(expected) == len(doc.segments) == 120
    assert [(f.segment, f.start, f.end, f.rule_id) for f in got] == \
        [(f.segment, f.start, f.end, f.rule_id) for f in expected]
    for f in got:
        assert doc.text[f.offset:f.offset + 2] == "an"


@pytest.mark.parametrize("mode, reason", [
    ("500", "answered HTTP 500: Error: Internal Error"),
    ("malformed", "sent malformed JSON"),
    ("die", "LanguageTool unreachable at"),
])
def test_server_failing_mid_run_is_a_one_line_backend_error(mode, reason):
    with LTServer(mode, after=1) as server:
        check = make_grammar_check(settings_for(server.url))
        try:
            with pytest.raises(BackendError) as error:
                check.check(document_from_text(TEXT, "a.txt"))
        finally:
            check.close()
    message = str(error.value)
    assert reason in message and "\n" not in message
    assert "--grammar harper" in message


def test_slow_server_times_out_with_a_one_line_error():
    with LTServer("timeout", after=1) as server:
        check = make_grammar_check(settings_for(server.url, languagetool_timeout=0.5))
        started = time.monotonic()
        try:
            with pytest.raises(BackendError, match=r"gave no answer within 0.5 s"):
                check.check(document_from_text(TEXT, "a.txt"))
        finally:
            check.close()
        assert time.monotonic() - started < 10


def test_auto_mode_falls_back_to_harper_when_the_server_dies_mid_run():
    with LTServer("die", after=1) as server:
        check = make_grammar_check(settings_for(server.url, grammar="auto"))
        try:
            first = check.check(document_from_text(TEXT, "a.txt"))
            second = check.check(document_from_text("Another an test.", "b.txt"))
        finally:
            check.close()
    assert first and all(f.engine == "harper" for f in first + second)
    assert len(check.notices) == 1 and "using Harper only for the rest of the run" in check.notices[0]
    assert check.signature()["engines"] == "harper"


def test_unreachable_server_at_start():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(BackendError) as error:
        make_grammar_check(settings_for(url))
    message = str(error.value)
    assert f"LanguageTool unreachable at {url}" in message and "\n" not in message
    check = make_grammar_check(settings_for(url, grammar="auto"))
    assert check.signature()["engines"] == "harper"
    assert check.notices == [f"LanguageTool unreachable at {url} (connection refused): using Harper only."]


def test_server_failing_at_start_in_auto_mode_gives_a_notice():
    with LTServer("500") as server:
        check = make_grammar_check(settings_for(server.url, grammar="auto"))
    assert "HTTP 500" in check.notices[0]


def test_invalid_url_is_explained():
    with pytest.raises(BackendError, match="must start with http:// or https://"):
        make_grammar_check(settings_for("localhost:8081"))


def test_local_path_without_languagetool(tmp_path):
    with pytest.raises(BackendError) as error:
        make_grammar_check(settings_for(languagetool_path=str(tmp_path)))
    assert f"no languagetool-server.jar in {tmp_path} (languagetool_path)" in str(error.value)


def test_no_url_and_no_local_install(tmp_path, monkeypatch):
    monkeypatch.delenv("TQCHECK_LANGUAGETOOL_URL", raising=False)
    monkeypatch.delenv("LTP_JAR_DIR_PATH", raising=False)
    monkeypatch.setenv("LTP_PATH", str(tmp_path / "cache"))
    with pytest.raises(BackendError) as error:
        make_grammar_check(settings_for())
    message = str(error.value)
    assert "no LanguageTool server URL and no local LanguageTool install" in message
    assert "--languagetool-url" in message and "\n" not in message
    check = make_grammar_check(settings_for(grammar="auto"))
    assert check.signature()["engines"] == "harper" and len(check.notices) == 1


def test_cli_check_with_languagetool_writes_both_engines(server, tmp_path):
    from click.testing import CliRunner

    from tqcheck.cli.main import cli

    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    out_csv, out_json = tmp_path / "out.csv", tmp_path / "out.json"
    result = CliRunner().invoke(cli, [
        "check", "--grammar", "languagetool", "--languagetool-url", server.url, "--no-fluency", "--no-config",
        "-q", "-f", f"csv={out_csv}", "-f", f"json={out_json}", str(source)])
    assert result.exit_code in (0, 1), result.output
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    rules = ";".join(r["rules"] for r in rows)
    assert "languagetool." in rules and "harper." in rules
    data = json.loads(out_json.read_text(encoding="utf-8"))
    engines = {f["engine"] for f in _json_findings(data)}
    assert "harper+languagetool" in engines


def _json_findings(data) -> list[dict]:
    if isinstance(data, dict) and "findings" in data:
        return data["findings"]
    found: list[dict] = []
    for document in data.get("documents", []) if isinstance(data, dict) else []:
        for segment in document.get("segments", []):
            found.extend(segment.get("findings", []))
    return found


def test_cli_languagetool_unreachable_exits_2_with_one_line(tmp_path):
    from click.testing import CliRunner

    from tqcheck.cli.main import cli

    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["check", "--grammar", "languagetool", "--languagetool-url", url,
                                      "--no-fluency", "--no-config", "-q", "-o", str(tmp_path / "o.csv"),
                                      str(source)])
    assert result.exit_code == 2
    assert f"LanguageTool unreachable at {url}" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_rate_limit_is_waited_out():
    with LTServer("429", after=1, times=2) as server:
        check = make_grammar_check(settings_for(server.url))
        try:
            findings = check.check(document_from_text(TEXT, "a.txt"))
        finally:
            check.close()
    assert any("languagetool" in f.engine for f in findings)
    assert len(server.requests) == 4  # probe, two refusals, the answer


def test_rate_limit_that_lasts_is_an_error():
    with LTServer("429", after=1) as server:
        check = make_grammar_check(settings_for(server.url))
        try:
            with pytest.raises(BackendError, match=r"rate-limiting requests \(HTTP 429\)"):
                check.check(document_from_text(TEXT, "a.txt"))
        finally:
            check.close()


def test_incomplete_results_give_one_notice():
    with LTServer("incomplete", after=1) as server:
        check = make_grammar_check(settings_for(server.url))
        try:
            findings = check.check(document_from_text(TEXT, "a.txt"))
            check.check(document_from_text(TEXT, "b.txt"))
        finally:
            check.close()
    assert any("languagetool" in f.engine for f in findings)
    assert [n for n in check.notices if "incomplete results" in n] == [check.notices[-1]]
    assert len(check.notices) == 1


def test_a_server_on_this_machine_is_reached_without_the_proxy(server, monkeypatch):
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    check = make_grammar_check(settings_for(server.url))
    try:
        assert any("languagetool" in f.engine for f in check.check(document_from_text(TEXT, "a.txt")))
    finally:
        check.close()


def test_a_slow_server_within_the_timeout_only_slows_the_run():
    with LTServer(delay=0.3) as server:
        check = make_grammar_check(settings_for(server.url, languagetool_timeout=5))
        try:
            findings = check.check(document_from_text(TEXT, "a.txt"))
        finally:
            check.close()
    assert any(f.engine == "harper+languagetool" for f in findings)
    assert check.notices == []
