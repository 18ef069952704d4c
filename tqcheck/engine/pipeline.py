"""The flow: documents -> checks -> fluency scores -> Report (one direction)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import tqcheck
from tqcheck.core import rule_defaults
from tqcheck.core.interfaces import Check, Progress, Scorer, no_progress
from tqcheck.core.config import Settings, settings_for_path
from tqcheck.core.context import RunContext
from tqcheck.core.document import Document, cut, rule_matches
from tqcheck.core.finding import Finding, SegmentScore
from tqcheck.output.report import Report
from tqcheck.core.result import DocumentResult
from tqcheck.checks.grammar.merge import merge_findings
from tqcheck.checks.grammar.placeholders import without_code_findings


def build_checks(settings: Settings, context: RunContext | None = None) -> list[Check]:
    """The checks a run needs (rules, grammar), each loaded once; ``context``: the run's, whose rules and registry
    are those of ``settings`` (the packs are not read again)."""
    checks: list[Check] = []
    grammar = None
    if settings.grammar != "none":  # first: Harper builds its linter in a thread while the rules load
        from tqcheck.checks.grammar import make_grammar_check

        grammar = make_grammar_check(settings)
    from tqcheck.checks.catalog import load_rules
    from tqcheck.checks.rules import RuleCheck

    if context is not None:
        checks.append(RuleCheck(load_rules(settings, context.rules, context.registry)))
    else:
        checks.append(RuleCheck(load_rules(settings)))
    if grammar is not None:
        checks.append(grammar)
    return checks


def build_scorer(settings: Settings) -> Scorer | None:
    """The sentence scorer: the learned detector, the 3-gram/embedding tier with ``lm``, None when scoring is off."""
    if not settings.fluency:
        return None
    if settings.lm:
        from tqcheck.scoring.fluency import make_scorer

        return make_scorer(settings)
    from tqcheck.scoring.detector.scorer import DetectorScorer

    return DetectorScorer(settings.detector, flag_threshold(settings))


#: Flag threshold of the fluency tier (``lm``) and of runs without a score. Origin: convention, the midpoint of a
#: score calibrated as a probability (docs/fluency.md); the detector's own threshold is fitted (docs/detector.md).
FLUENCY_FLAG_THRESHOLD = 0.5


def flag_threshold(settings: Settings) -> float:
    """Scores below this are flagged: the setting, or the detector's calibrated threshold when it is negative."""
    if settings.flag_threshold >= 0:
        return float(settings.flag_threshold)
    if not settings.fluency or settings.lm:
        return FLUENCY_FLAG_THRESHOLD
    return round(1.0 - _card_flag_threshold(settings.detector), 4)


def _card_flag_threshold(path: str) -> float:
    """The detector's calibrated threshold from its card (``model.json``), without loading or hashing its weights
    (a run whose every part is cached scores nothing); a folder whose card cannot be read is loaded, which raises
    the detector's own error."""
    from tqcheck.scoring.detector import MODEL_FILE, SHIPPED, load_detector

    card = (Path(path) if path else SHIPPED) / MODEL_FILE
    try:
        return float(json.loads(card.read_text(encoding="utf-8"))["flag_threshold"])
    except (OSError, ValueError, KeyError, TypeError):
        return load_detector(path).flag_threshold


def run_context(settings: Settings) -> RunContext:
    """The run's context, built once: the flag threshold now; on first use, the rule packs read, the registry of
    every id they and the built-in checks can emit, and ``enable``/``disable`` checked against it."""
    return RunContext(settings, flag_threshold(settings), lambda: _rules_and_registry(settings))


def _rules_and_registry(settings: Settings) -> tuple:
    from tqcheck.checks.catalog import check_selection, registry_for
    from tqcheck.checks.rules.loader import load_all

    rules = load_all(settings)
    registry = registry_for(rules)
    check_selection(settings, rules, registry)
    return registry, rules


#: The settings each part of a pipeline is built from: a document whose per-path overrides change
#: none of a part's keys shares that part with every other document.
PART_KEYS: dict[str, tuple[str, ...]] = {
    "checks": ("builtin_rules", "rules", "glossary", "enable", "disable",
               "grammar", "dialect", "accept", "languagetool_url", "languagetool_path",
               "languagetool_enabled_rules", "languagetool_disabled_rules", "languagetool_enabled_categories",
               "languagetool_disabled_categories", "languagetool_max_chars", "languagetool_timeout"),
    "source": ("source_language", "crosslingual_model", "dnt", "grammar"),
    "scorer": ("fluency", "semantic", "lm", "detector", "flag_threshold"),
}


def part_key(settings: Settings, part: str) -> tuple:
    """The values of the keys ``part`` is built from (lists as tuples)."""
    return (part,) + tuple(_frozen(settings.get(k)) for k in PART_KEYS[part])


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


class Pipeline:
    """Checks and a scorer loaded once and run over any number of documents.

    Per-path overrides (``[[tool.tqcheck.overrides]]``) apply to the documents they match:
    a document is checked with the parts (rules, grammar, source check, scorer) built from its
    own settings; parts whose settings are the same are loaded once and shared.
    """

    def __init__(self, settings: Settings, checks: Sequence[Check] | None = None,
                 scorer: Scorer | None | bool = True, context: RunContext | None = None) -> None:
        self.settings = settings
        self._context = context
        self.checks: list[Check] = list(checks) if checks is not None else []
        self.scorer: Scorer | None = None
        self._fixed = checks is not None
        self._fixed_scorer = scorer is not True
        #: part_key(...) -> the loaded part (a Check, a Scorer, or None when the settings turn it off)
        self._parts: dict[tuple, Check | Scorer | None] = {}
        self._registries: dict[tuple, object] = {}
        try:
            if checks is None:
                self.checks = list(self._part(settings, "checks"))
            self.scorer = self._part(settings, "scorer") if scorer is True else (scorer or None)
        except BaseException:
            self.close()
            raise

    @property
    def context(self) -> RunContext:
        """The run's context (``run_context``: built on first use when none was given)."""
        if self._context is None:
            self._context = run_context(self.settings)
        return self._context

    def _is_run_part(self, settings: Settings, name: str) -> bool:
        """Whether ``settings`` build the same part ``name`` as the run's own settings (no override changes it)."""
        return settings is self.settings or part_key(settings, name) == part_key(self.settings, name)

    @property
    def stages(self) -> int:
        """How many passes over the segments a run makes (for progress totals)."""
        return len(self.checks) + (1 if self.scorer is not None else 0)

    def stages_for(self, document: Document) -> int:
        """How many passes over the segments of ``document`` its checks and scorer make."""
        settings = self.settings_for(document)
        return len(self._checks_for(document, settings)) + (1 if self._scorer_for(settings) is not None else 0)

    def _part(self, settings: Settings, name: str):
        """The part ``name`` for ``settings``, loaded on first use."""
        key = part_key(settings, name)
        if key not in self._parts:
            context = self.context if name == "checks" and self._is_run_part(settings, name) else None
            self._parts[key] = _build_part(settings, name, context)
        return self._parts[key]

    def settings_for(self, document: Document) -> Settings:
        """The settings of ``document``: the run's, with the per-path overrides that match its file, and the
        English variant the file declares (XLIFF target-language, PO Language, TMX xml:lang) as its dialect
        unless a config file, an override or ``--dialect`` set one."""
        return with_file_dialect(settings_for_path(self.settings, document.path), document)

    def _checks_for(self, document: Document, settings: Settings) -> list[Check]:
        checks = list(self.checks if self._fixed else self._part(settings, "checks"))
        if any(s.source is not None for s in document.segments):
            source = self._part(settings, "source")
            if source is not None:
                checks.append(source)
        return checks

    def _scorer_for(self, settings: Settings) -> Scorer | None:
        return self.scorer if self._fixed_scorer else self._part(settings, "scorer")

    def check_document(self, document: Document, progress: Progress = no_progress) -> DocumentResult:
        """Everything checking ``document`` gives (findings without suppressed or disabled rules, scores,
        similarities, notices), as one value; nothing is kept in the pipeline."""
        settings = self.settings_for(document)
        started = time.perf_counter()
        raw: list[Finding] = []
        similarities: dict[int, float] = {}
        metrics: dict[str, float | str] = {"segments": len(document.segments)}
        checks = self._checks_for(document, settings)
        scorer = self._scorer_for(settings)
        # the detector may run beside the checks (it does not read their findings), but only after the last check
        # that times out on the clock (the rules' regexes), which it would slow down
        beside = max((k + 1 for k, check in enumerate(checks) if getattr(check, "wall_clock_budgets", False)),
                     default=0)
        for k, check in enumerate(checks):
            if k == beside and scorer is not None and document.segments:
                scorer.prepare(document)
            began = time.perf_counter()
            measure = getattr(check, "check_with_similarity", None)
            if measure is not None:
                found, measured = measure(document, progress)
                similarities.update(measured)
            else:
                found = check.check(document, progress)
            raw.extend(found)
            metrics[f"seconds.{check.name}"] = time.perf_counter() - began
        findings = merge_findings(without_code_findings(reported(settings, document, raw), document.segments))
        scores: list[tuple[int, SegmentScore]] = []
        if scorer is not None and document.segments:
            began = time.perf_counter()
            result = scorer.score(document, findings, progress)
            scores = [(segment.index, score) for segment, score in zip(document.segments, result.scores)]
            taken = {(f.segment, f.start, f.end) for f in findings}
            covered = [(f.segment, f.start, f.end) for f in findings]
            raw.extend(result.findings)
            findings.extend(f for f in result.findings
                            if _keep(settings, document, f) and not _overlaps(f, taken, covered))
            metrics[f"seconds.{scorer.name}"] = time.perf_counter() - began
        if document.suppressions:
            findings.extend(self._bad_suppressions(document, raw, settings))
        from tqcheck.checks.invisible import hidden_characters  # zero-width characters inside words

        findings.extend(f for f in hidden_characters(document) if _keep(settings, document, f))
        metrics["seconds"] = time.perf_counter() - started
        parts = [*checks, scorer]
        return DocumentResult(
            document=document,
            findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
            scores=tuple(scores),
            similarities=tuple(sorted(similarities.items())),
            notices=tuple(dict.fromkeys([*document.notices,
                                         *(n for p in parts if p is not None for n in getattr(p, "notices", []))])),
            signature=tuple(sorted(_signature(parts).items())),
            metrics=tuple(sorted(metrics.items())),
        )

    def _bad_suppressions(self, document: Document, raw: list[Finding], settings: Settings) -> list[Finding]:
        """``tqcheck.BadSuppression`` findings for comments naming unknown ids or suppressing nothing."""
        from tqcheck.checks.catalog import registry
        from tqcheck.checks.suppression import bad_suppressions

        if self._is_run_part(settings, "checks"):
            known = self.context.registry
        else:  # a per-path override loads other rules: their registry, once
            key = part_key(settings, "checks")
            if key not in self._registries:
                self._registries[key] = registry(settings)
            known = self._registries[key]
        return [f for f in bad_suppressions(document, raw, known) if _selected(settings, f)]

    def run(self, documents: Sequence[Document], progress: Progress = no_progress) -> Report:
        """Check every document and return the ranked Report (the sequential runner)."""
        parts = (((position, number), part) for position, document in enumerate(documents)
                 for number, part in enumerate(cut(document)))
        return with_run_findings(Report.merge(check_in_turn(self, parts, progress),
                                              flag_threshold=self.context.flag_threshold, context=self.context),
                                 self.settings)

    def _all_parts(self) -> list:
        loaded = [c for part in self._parts.values() for c in (part if isinstance(part, list) else [part])]
        parts = [*self.checks, self.scorer, *loaded]
        return list({id(p): p for p in parts if p is not None}.values())

    def notices(self) -> list[str]:
        """Once-only messages the loaded checks and scorers gave when they were loaded (or since)."""
        return list(dict.fromkeys(n for p in self._all_parts() for n in getattr(p, "notices", [])))

    def signature(self) -> dict[str, str]:
        """tqcheck's version and the names and versions of the run's checks and models."""
        return _signature([*self.checks, self.scorer])

    def close(self) -> None:
        """Shut down every backend (servers, processes)."""
        given = [p for p in (*self.checks, self.scorer) if p is not None]
        for part in given + [p for p in self._all_parts() if all(p is not g for g in given)]:
            part.close()
        self._parts.clear()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def with_file_dialect(settings: Settings, document: Document) -> Settings:
    """``settings`` with ``dialect`` from the file's declared target language, when the dialect is the default."""
    from tqcheck.readers.units import english_variant

    variant = english_variant(document.target_language)
    if not variant or variant == settings.dialect or settings.origins.get("dialect", "default") != "default":
        return settings
    result = settings.copy()
    result.values["dialect"] = variant
    result.origins["dialect"] = f"{document.path} (declares {document.target_language})"
    return result


def _build_part(settings: Settings, name: str, context: RunContext | None = None):
    if name == "checks":
        return build_checks(settings, context)
    if name == "source":
        from tqcheck.checks.source import make_source_check

        return make_source_check(settings)
    return build_scorer(settings)


def check_in_turn(pipeline: Pipeline, parts: Iterable[tuple[tuple[int, ...], Document]], progress: Progress,
                  *, per_segment: bool = False) -> Iterator[DocumentResult]:
    """The sequential path (``Pipeline.run`` and the sequential runner): each (run order, part) checked in this
    process, in turn. ``per_segment``: ``progress`` counts segments (each stage's ticks divided by the part's
    number of stages), else it counts each stage's ticks."""
    for order, document in parts:
        tick = progress
        if per_segment:
            stages = max(pipeline.stages_for(document), 1)
            tick = lambda n, s=stages: progress(n / s)  # noqa: E731
        yield pipeline.check_document(document, tick).with_order(*order)


def _signature(parts: Sequence[Check | Scorer | None]) -> dict[str, str]:
    signature = {"tqcheck": tqcheck.__version__}
    for part in parts:
        if part is not None:
            signature.update({f"{part.name}.{k}": str(v) for k, v in part.signature().items()})
    return dict(sorted(signature.items()))


def with_run_findings(report: Report, settings: Settings) -> Report:
    """``report`` with the findings only the whole run can give: translations inconsistent across segments, files
    and parts (``tqcheck.checks.source.consistency``), read from the merged documents in run order, so every
    runner and any number of jobs give the same ones. Selection, per-path overrides and inline suppressions apply
    as to any finding. ``report`` itself when there is nothing to add (a monolingual run)."""
    if not any(s.source is not None for d in report.documents for s in d.segments):
        return report
    from tqcheck.checks.source.consistency import inconsistencies

    found = inconsistencies(report.documents)
    by_file: dict[str, list[Finding]] = {}
    for finding in found:
        by_file.setdefault(finding.file, []).append(finding)
    added = [f for document in report.documents if document.path in by_file
             for f in reported(settings_for_path(settings, document.path), document, by_file.pop(document.path))]
    if not added:
        return report
    return Report(report.documents, [*report.findings, *added], report.scores, signature=report.signature,
                  notices=report.notices, flag_threshold=report.flag_threshold, similarity=report.similarity,
                  context=report.context)


def reported(settings: Settings, document: Document, raw: Iterable[Finding]) -> list[Finding]:
    """The checks' findings as a report shows them: ids selected by ``enable``/``disable`` and the measured
    defaults (off ids dropped, demoted ids minor), inline suppressions honoured, no spelling finding inside
    untranslated text. The detector is trained and benchmarked on the same view (tqcheck.training.build)."""
    return without_spelling_of_untranslated([rule_defaults.demote(f) for f in raw if _keep(settings, document, f)])


def _keep(settings: Settings, document: Document, finding: Finding) -> bool:
    return _selected(settings, finding) and not document.is_suppressed(finding)


def _selected(settings: Settings, finding: Finding) -> bool:
    """Whether ``enable`` (empty: every id that is on by default) and ``disable`` let this finding's id through."""
    if not rule_defaults.selected(finding.rule_id, settings.enable):  # off-by-default ids only when named
        return False
    return not any(rule_matches(finding.rule_id, p) for p in settings.disable)


def without_spelling_of_untranslated(findings: list[Finding]) -> list[Finding]:
    """Drop spelling findings inside text already reported as untranslated (one finding says it all)."""
    untranslated = [(f.segment, f.start, f.end) for f in findings if f.category == "accuracy/untranslated"]
    if not untranslated:
        return findings
    return [f for f in findings
            if not (f.category == "fluency/spelling"
                    and any(seg == f.segment and start <= f.start and f.end <= end
                            for seg, start, end in untranslated))]


def _overlaps(finding: Finding, taken: set[tuple[int, int, int]],
              covered: list[tuple[int, int, int]]) -> bool:
    """Whether a score span repeats a span the checks already reported (same segment, overlapping)."""
    if (finding.segment, finding.start, finding.end) in taken:
        return True
    return any(seg == finding.segment and start < finding.end and finding.start < end
               for seg, start, end in covered)


def run(documents: Sequence[Document], settings: Settings, progress: Progress = no_progress) -> Report:
    """Check ``documents`` with ``settings`` (loads and closes the backends)."""
    with Pipeline(settings) as pipeline:
        return pipeline.run(documents, progress)
