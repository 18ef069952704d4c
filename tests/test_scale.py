"""Corpus scale: per-document results that merge in any order, parts of large files, per-path overrides
of the checks, layered imports, and the same report bytes from every runner (in-process, worker
processes, a real Dask scheduler and worker on the loopback address)."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tqcheck.core.interfaces import Check, FluencyResult, Scorer
from tqcheck.core.config import load_settings
from tqcheck.core.finding import SegmentScore
from tqcheck.readers.inputs import document_from_text, load_documents
from tqcheck.engine.pipeline import Pipeline
from tqcheck.output.report import Report

ROOT = Path(__file__).resolve().parent.parent
BILINGUAL = ROOT / "seeds" / "sample.de-en.tsv"


class WordCheck(Check):
    """Flags the word 'striptease' and counts notices once per pipeline."""

    name = "words"

    def __init__(self) -> None:
        self.notices = ["words loaded"]

    def check(self, document, progress=lambda n: None):
        found = []
        for segment in document.segments:
            at = segment.text.find("striptease")
            if at >= 0:
                found.append(segment.finding(at, at + 10, rule_id="mt.Strip", message="m", severity="major",
                                             category="accuracy/mistranslation", origin="rules"))
        return found


class LengthScorer(Scorer):
    """Longer sentences score lower."""

    name = "length"

    def score(self, document, findings, progress=lambda n: None):
        return FluencyResult([SegmentScore(round(1 / (1 + len(s.text) / 100), 4)) for s in document.segments])


def render(report: Report) -> tuple[str, str]:
    from tqcheck.output.writers import get_writer

    return get_writer("csv").render(report), get_writer("json").render(report)


def test_results_merge_in_any_order_into_the_same_bytes():
    documents = [document_from_text(f"Sentence {i} left the striptease.\n\nAnother line {i}.", f"d{i}.txt")
                 for i in range(6)]
    with Pipeline(load_settings(discover=False), checks=[WordCheck()], scorer=LengthScorer()) as pipeline:
        results = [pipeline.check_document(d).with_order(i, 0) for i, d in enumerate(documents)]
        sequential = pipeline.run(documents)
    expected = render(sequential)
    for seed in range(3):
        shuffled = list(results)
        random.Random(seed).shuffle(shuffled)
        assert render(Report.merge(shuffled)) == expected
    assert results[0].notices == ("words loaded",) and len(results[0].scores) == 2
    with pytest.raises(Exception):
        results[0].findings = ()  # a result is an immutable value


def test_a_large_table_is_checked_in_parts_that_read_like_the_whole(tmp_path):
    rows = "".join(f"u{i}\tQuelle {i}\tThe line {i} and the striptease.\n" for i in range(2500))
    path = tmp_path / "big.de-en.tsv"
    path.write_text("id\tsource\ttarget\n" + rows, encoding="utf-8")
    [document] = load_documents([str(path)])
    parts = document.split(1000)
    assert [len(p.segments) for p in parts] == [1000, 1000, 500]
    assert "".join(p.text for p in parts) == document.text
    check = WordCheck()
    whole = check.check(document)
    in_parts = [f for p in parts for f in check.check(p)]
    assert [(f.line, f.column, f.offset, f.segment) for f in in_parts] == \
        [(f.line, f.column, f.offset, f.segment) for f in whole]
    assert in_parts[-1].line == 2501
    settings = load_settings(discover=False, flags={"fluency": False})
    with Pipeline(settings, checks=[WordCheck()], scorer=None) as pipeline:
        report = pipeline.run([document])
    strip = [f for f in report.findings if f.rule_id == "mt.Strip"]
    assert len(report.documents) == 1 and len(report.segments) == 2500 and len(strip) == 2500
    assert [f.line for f in strip] == [f.line for f in whole]


@pytest.mark.parametrize("units,sizes", [(1000, [1000]), (1003, [250, 250, 250, 250, 3])])
def test_long_documents_are_cut_into_small_parts_and_streamed_the_same_way(tmp_path, units, sizes):
    from tqcheck.readers.corpus import iter_parts
    from tqcheck.core.document import cut
    from tqcheck.engine.runners import plan

    rows = "".join(f"u{i}\tQuelle {i}\tThe line {i}.\n" + ("\t\t\n" if i % 7 == 0 else "") for i in range(units))
    path = tmp_path / "big.de-en.tsv"
    path.write_text("id\tsource\ttarget\n" + rows, encoding="utf-8")
    [document] = load_documents([str(path)])
    parts = cut(document)
    assert [len(p.segments) for p in parts] == sizes == [len(t.document.segments) for t in plan([document])]
    streamed = list(iter_parts(str(path)))
    assert [[(s.index, s.line, s.column, s.offset, s.text, s.source, s.unit_id) for s in p.segments]
            for p in streamed] == \
        [[(s.index, s.line, s.column, s.offset, s.text, s.source, s.unit_id) for s in p.segments] for p in parts]
    assert "".join(p.text for p in streamed) == document.text
    assert [len(p.segments) for p in cut(document, 400)] == [400] * (units // 400) + [units % 400]


def test_baseline_runs_keep_the_similarity_column():
    from tqcheck.policy.baseline import Baseline, apply_baseline

    document = document_from_text("One sentence here.", "a.txt")
    report = Report([document], [], similarity={("a.txt", 0): 0.8123})
    filtered, _ = apply_baseline(report, Baseline(path="b.json"))
    assert filtered.rows()[0]["similarity"] == 0.8123


def test_overrides_that_cannot_vary_per_path_are_rejected(tmp_path):
    from tqcheck.core.errors import ConfigError

    (tmp_path / ".tqcheck.toml").write_text('[[overrides]]\npaths = ["a/*"]\noutput_dir = "x"\n')
    with pytest.raises(ConfigError, match="overrides.output_dir.*cannot vary per path"):
        load_settings([str(tmp_path)])


def test_grammar_none_override_removes_grammar_findings_of_matching_files_only(tmp_path):
    text = "This are a test of the grammar. He go to school every days.\n"
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.txt").write_text(text, encoding="utf-8")
    (tmp_path / "new.txt").write_text(text, encoding="utf-8")
    (tmp_path / ".tqcheck.toml").write_text('grammar = "harper"\nfluency = false\n'
                                            '[[overrides]]\npaths = ["legacy/**"]\ngrammar = "none"\n')
    settings = load_settings([str(tmp_path)])
    documents = load_documents([str(tmp_path)], settings=settings)
    with Pipeline(settings) as pipeline:
        report = pipeline.run(documents)
    grammar_files = {Path(f.file).name for f in report.findings if f.origin == "grammar"}
    assert grammar_files == {"new.txt"}


# -- every runner gives the same bytes (real checks, in subprocesses) ------------------------

def corpus(tmp_path: Path) -> Path:
    """A folder: two prose files, one under an override turning grammar off, and a bilingual table."""
    folder = tmp_path / "corpus"
    (folder / "legacy").mkdir(parents=True)
    (folder / "news.txt").write_text("He go to school every days. People left the surrounded striptease.\n\n"
                                     "The talks continue in Cairo.\n", encoding="utf-8")
    (folder / "legacy" / "old.txt").write_text("He go to school every days. The exports grew.\n", encoding="utf-8")
    shutil.copy(BILINGUAL, folder / "sample.de-en.tsv")
    (folder / ".tqcheck.toml").write_text('include = ["*.txt", "*.tsv"]\nfluency = false\n'
                                          '[[overrides]]\npaths = ["legacy/**"]\ngrammar = "none"\n')
    return folder


def run_check(folder: Path, out: Path, *extra: str) -> tuple[bytes, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tqcheck", "check", str(folder), "-q", "--exit-zero",
               "-f", f"csv={out / 'r.csv'}", "-f", f"json={out / 'r.json'}", *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return (out / "r.csv").read_bytes(), (out / "r.json").read_bytes()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def dask_cluster(tmp_path):
    """A real Dask scheduler and one worker, each its own process on 127.0.0.1; both stopped afterwards."""
    pytest.importorskip("distributed")
    port = free_port()
    env_log = tmp_path / "dask.log"
    log = env_log.open("w")
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--dashboard-address", ":0", "--no-show"],
                                 stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    processes = [scheduler]
    try:
        wait_for_port(port)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}",
                                   "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                                   "--dashboard-address", ":0", "--no-nanny"],
                                  stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                  env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
        processes.append(worker)
        yield f"tcp://127.0.0.1:{port}", processes
    finally:
        for process in reversed(processes):
            stop(process)
        log.close()
    assert all(p.poll() is not None for p in processes)


@pytest.mark.slow
def test_sequential_jobs_and_dask_give_byte_identical_reports(tmp_path, dask_cluster):
    address, processes = dask_cluster
    folder = corpus(tmp_path)
    sequential = run_check(folder, tmp_path / "seq", "--jobs", "1")
    assert b"legacy/old.txt" in sequential[0] and b"sample.de-en.tsv" in sequential[0]
    assert run_check(folder, tmp_path / "jobs", "--jobs", "2") == sequential
    assert run_check(folder, tmp_path / "dask", "--dask", address) == sequential
    assert all(p.poll() is None for p in processes)  # the cluster served the run and is still up
    import json

    findings = json.loads(sequential[1])["findings"]
    grammar_files = {Path(f["file"]).name for f in findings if f["origin"] == "grammar"}
    assert "news.txt" in grammar_files and "old.txt" not in grammar_files


def test_check_dataframe_returns_per_segment_results():
    dd = pytest.importorskip("dask.dataframe")
    import dask
    import pandas as pd

    from tqcheck.engine.dask import check_dataframe

    frame = pd.DataFrame({"src": ["Die Leute verließen den Streifen.", "Es gab 70 Menschen.", "Hallo."],
                          "tgt": ["People left the surrounded striptease.", "There were 17 people.", ""]})
    ddf = dd.from_pandas(frame, npartitions=2)
    results = check_dataframe(ddf, target="tgt", source="src", grammar="none", fluency=False, config=None)
    assert isinstance(results, dd.DataFrame)
    with dask.config.set(scheduler="synchronous"):
        table = results.compute()
    assert list(table["sentence"]) == ["People left the surrounded striptease.", "There were 17 people."]
    assert "source.Number" in table.iloc[1]["rules"]
    assert table["findings"].dtype == "int64"


# -- corpus inputs and partitioned reports ------------------------------------------------------

def corpus_files(tmp_path: Path) -> tuple[Path, Path]:
    import csv
    import json

    import pandas as pd

    rows = list(csv.DictReader(BILINGUAL.open(encoding="utf-8"), delimiter="\t"))
    jsonl = tmp_path / "units.jsonl"
    jsonl.write_text("".join(json.dumps({"key": r["id"], "src": r["source"], "tgt": r["target"]},
                                        ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    parquet = tmp_path / "units.parquet"
    pd.DataFrame({"key": [r["id"] for r in rows], "src": [r["source"] for r in rows],
                  "tgt": [r["target"] for r in rows]}).to_parquet(parquet)
    return jsonl, parquet


def test_jsonl_and_parquet_inputs_read_named_columns_like_the_table(tmp_path):
    pytest.importorskip("pyarrow")
    jsonl, parquet = corpus_files(tmp_path)
    settings = load_settings(discover=False, flags={"source_column": "src", "target_column": "tgt",
                                                   "id_column": "key"})
    [table] = load_documents([str(BILINGUAL)])
    expected = [(s.text, s.source, s.unit_id) for s in table.segments]
    for path in (jsonl, parquet):
        [document] = load_documents([str(path)], settings=settings)
        assert [(s.text, s.source, s.unit_id) for s in document.segments] == expected
        assert [s.line for s in document.segments] == list(range(1, len(expected) + 1))
    from tqcheck.readers.corpus import iter_parts
    from tqcheck.core.errors import InputError

    parts = list(iter_parts(str(BILINGUAL), None, size=4))
    assert [len(p.segments) for p in parts] == [4, 4, 1]
    assert [(s.index, s.line, s.column, s.offset) for p in parts for s in p.segments] == \
        [(s.index, s.line, s.column, s.offset) for s in table.segments]
    with pytest.raises(InputError, match="units.jsonl:1: no target column 'tgt2'"):
        load_documents([str(jsonl)], settings=load_settings(discover=False, flags={"target_column": "tgt2"}))


def test_partitioned_report_holds_the_same_rows_and_counts_as_the_whole_report(tmp_path):
    pytest.importorskip("pyarrow")
    import json

    import pandas as pd

    from tqcheck.engine.partitioned import Summary, check_partitioned, part_rows
    from tqcheck.engine.runners import plan

    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    folder = tmp_path / "parts"
    data = check_partitioned([str(BILINGUAL)], settings, folder, "parquet", jobs=1, part_segments=4)
    assert (folder / ".tqcheck-partitioned").is_file()  # the marker of a folder tqcheck made
    names = sorted(p.name for p in folder.iterdir() if p.name != ".tqcheck-partitioned")
    assert names == ["_summary.json", "part-00000-00000.parquet",
                     "part-00000-00001.parquet", "part-00000-00002.parquet"]
    assert json.loads((folder / "_summary.json").read_text()) == data
    table = pd.read_parquet(folder)
    with Pipeline(settings) as pipeline:
        documents = load_documents([str(BILINGUAL)], settings=settings)
        report = pipeline.run(documents)
        results = [pipeline.check_document(t.document).with_order(*t.order) for t in plan(documents, 4)]
    whole = sorted(report.rows(), key=lambda r: r["segment"])
    assert list(table["sentence"]) == [r["sentence"] for r in whole]
    assert list(table["findings"]) == [r["findings"] for r in whole]
    summary = report.summary()
    for key in ("segments", "words", "findings", "critical", "major", "minor", "flagged", "penalty"):
        assert data["summary"][key] == summary[key], key
    forward, backward = Summary(), Summary()
    for result in results:
        forward.add(result, part_rows(result, 0.5), f"p{result.order}")
    for result in reversed(results):
        backward.add(result, part_rows(result, 0.5), f"p{result.order}")
    assert forward.to_dict() == backward.to_dict()
    assert [row["segment"] for row in data["worst"]][:1] == [report.rows()[0]["segment"]]


def test_partitioned_csv_parts_neutralise_formulas_like_the_csv_report(tmp_path):
    import csv

    from tqcheck.engine.partitioned import check_partitioned

    table = tmp_path / "attack.de-en.tsv"
    table.write_text("id\tsource\ttarget\n=u1\tQuelle.\t=cmd|' /C calc'!A0 is an attack.\n"
                     "u2\t@Quelle.\t+1 is fine, @SUM(A1) too.\n", encoding="utf-8")
    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    check_partitioned([str(table)], settings, tmp_path / "parts", "csv", jobs=1)
    with open(tmp_path / "parts" / "part-00000-00000.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["sentence"] for r in rows] == ["'=cmd|' /C calc'!A0 is an attack.", "'+1 is fine, @SUM(A1) too."]
    assert [r["unit_id"] for r in rows] == ["'=u1", "u2"] and rows[1]["source"] == "'@Quelle."
    cells = [value for row in rows for value in row.values()]
    assert not any(c[:1] in "=+-@" for c in cells if c)


@pytest.mark.slow
def test_worker_processes_report_progress_and_partition_like_one_process(tmp_path):
    pytest.importorskip("pyarrow")
    from tqcheck.engine.partitioned import check_partitioned
    from tqcheck.engine.runners import ProcessRunner, plan

    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    documents = load_documents([str(BILINGUAL), str(ROOT / "seeds" / "000_d711ba56f4b847ad.txt")],
                               settings=settings)
    ticks: list[float] = []
    results = list(ProcessRunner(2).results(plan(documents, 4), settings, ticks.append))
    segments = sum(len(d.segments) for d in documents)
    assert sum(ticks) == pytest.approx(segments) and len(results) == len(plan(documents, 4))
    from tqcheck.engine.runners import SequentialRunner

    with SequentialRunner() as runner:
        expected = render(Report.merge(runner.results(plan(documents, 4), settings, lambda n: None)))
    assert render(Report.merge(results)) == expected
    one = check_partitioned([str(BILINGUAL)], settings, tmp_path / "one", "csv", jobs=1, part_segments=4)
    two = check_partitioned([str(BILINGUAL)], settings, tmp_path / "two", "csv", jobs=2, part_segments=4)
    assert one == two
    for name in sorted(p.name for p in (tmp_path / "one").iterdir()):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.slow
def test_workers_started_before_reading_are_used_then_released():
    from tqcheck.engine.runners import EARLY_START_BYTES, ProcessRunner, SequentialRunner, early_runner, plan, run_documents

    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    assert early_runner(2, None, settings, EARLY_START_BYTES - 1) is None  # a small input: not worth it
    assert early_runner(2, "local", settings, EARLY_START_BYTES) is None  # Dask starts its own
    assert early_runner(1, None, settings, EARLY_START_BYTES) is None
    documents = load_documents([str(BILINGUAL), str(ROOT / "seeds" / "000_d711ba56f4b847ad.txt")], settings=settings)
    with SequentialRunner() as runner:
        expected = render(Report.merge(runner.results(plan(documents), settings, lambda n: None)))
    early = early_runner(2, None, settings, EARLY_START_BYTES)
    assert isinstance(early, ProcessRunner)
    ticks: list[float] = []
    report = run_documents(documents, settings, jobs=2, advance=ticks.append, runner=early)
    assert render(report) == expected and sum(ticks) == pytest.approx(sum(len(d.segments) for d in documents))
    assert early._pool is None  # closed by run_documents


def test_workers_started_before_reading_and_not_needed_stop_before_the_check(monkeypatch):
    """A 300 KB file of fewer than 2,000 segments starts workers early, then runs in this process: the workers
    (loading their models) are stopped before the check, not after it, so they never compete with it."""
    from tqcheck.engine.runners import ProcessRunner, SequentialRunner, run_documents

    settings = load_settings(discover=False, flags={"grammar": "none", "fluency": False})
    documents = load_documents([str(ROOT / "seeds" / "000_d711ba56f4b847ad.txt")], settings=settings)
    events: list = []
    early = ProcessRunner(2)  # never started: only its closing is watched
    monkeypatch.setattr(early, "close", lambda now=False: events.append(("close", now)))
    checked = SequentialRunner.results

    def results(self, *args, **kwargs):
        events.append("check")
        return checked(self, *args, **kwargs)

    monkeypatch.setattr(SequentialRunner, "results", results)
    run_documents(documents, settings, runner=early)
    assert events[:2] == [("close", True), "check"]


def test_a_remote_dask_client_keeps_its_own_warnings_to_itself(monkeypatch):
    """A worker lost mid-run made distributed's client log "Couldn't gather ... rescheduling" on stderr above
    tqcheck's one-line error; its logger is kept at ERROR while tqcheck's client is open, and given back after."""
    import logging

    distributed = pytest.importorskip("distributed")
    from tqcheck.engine import runners

    seen = []

    class FakeClient:
        def __init__(self, address, timeout=None):
            seen.append(logging.getLogger("distributed.client").level)

        def close(self):
            pass

    monkeypatch.setattr(runners, "probe_scheduler", lambda address: None)
    monkeypatch.setattr(distributed, "Client", FakeClient)
    log = logging.getLogger("distributed.client")
    monkeypatch.setattr(log, "level", logging.INFO)
    runner = runners.DaskRunner("tcp://127.0.0.1:8786")
    assert isinstance(runner.client, FakeClient)
    assert seen == [logging.ERROR] and log.level == logging.ERROR
    runner.close()
    assert log.level == logging.INFO
