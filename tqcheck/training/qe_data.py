"""Rows for the cross-lingual quality model (issue 22): every annotation of the shared data with its source.

One row is a (source, translation) pair with whatever is known of it: a sentence label (a major error or not), an
MQM penalty, an MLQE-PE direct-assessment z-score, the translation's bad words (MQM major spans, post-edit word
tags) and the source words the translation dropped (MQM omission spans marked on the source side). Every row
carries its split unit (``tqcheck.training.splits``): the untouched third is never trained or chosen on.

Source-aware synthetic damage (``damage``) changes a clean translation so that it no longer says what its source
says, keeping the source: dropped clauses, names, numbers and modifiers (real omissions), changed numbers and names,
flipped negation, swapped arguments, an unrelated translation.
"""

from __future__ import annotations

import csv
import html
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from tqcheck.training.splits import choice_fold, part_of, unit_of

MQM_SETS = ("mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023")
#: The MQM sets and wmtqe2022 (the annotated zh-en sets of the protocol).
ALL_SETS = MQM_SETS + ("mqm_zhen_wmtqe2022",)
MAJOR = ("major", "critical")


@dataclass
class QERow:
    """One (source, translation) pair and what is known of it."""

    data_set: str
    unit: str
    source: str
    target: str
    label: float | None = None          # 1 = has a major error (majority of raters), 0 = none, None = unknown
    mqm: float = math.nan               # MQM penalty (higher = worse), per set's own scale
    da: float = math.nan                # DA z-score (higher = better)
    tgt_spans: list = field(default_factory=list)   # (start, end) character spans of bad target words
    tgt_known: bool = False             # whether every target word's tag is known
    src_spans: list = field(default_factory=list)   # (start, end) of source words the translation dropped
    src_known: bool = False
    group: str = ""                     # document x system (within-document figures)
    kind: str = "mqm"
    original: str = ""                  # synthetic: the clean target it was made from

    @property
    def part(self) -> str:
        """``untouched`` or ``choose`` (tqcheck.training.splits)."""
        return part_of(self.data_set, self.unit)

    @property
    def fold(self) -> int:
        """The in-set document fold of a choosable row."""
        return choice_fold(self.data_set, self.unit)


def _rows(path: Path):
    """Rows of a tab-separated file with a header."""
    csv.field_size_limit(10 ** 9)
    with path.open(encoding="utf-8", newline="") as h:
        yield from csv.DictReader(h, delimiter="\t")


def _label(n_raters: int, with_major: int):
    """Bad when most raters (or the only one) marked a major error; None when one of three did."""
    need = 2 if n_raters >= 3 else 1
    return 1.0 if with_major >= need else (0.0 if with_major == 0 else None)


def mqm_rows(data: Path, name: str) -> list[QERow]:
    """One MQM set (``dev.segments.tsv``): labels, penalties, major target spans, source-side omission spans."""
    out = []
    for r in _rows(data / name / "dev.segments.tsv"):
        n = max(int(r["n_raters"] or 1), 1)
        tgt, src, tk, sk = [], [], True, True
        for it in json.loads(r["spans"] or "[]"):
            _, sev, cat, side, a, b = it[:6]
            a, b = int(a), int(b)
            if sev not in MAJOR:
                continue
            if side == "target":
                if a >= 0 and b > a:
                    tgt.append((a, b))
                else:
                    tk = False
            elif side == "source":
                if "omission" in str(cat).lower():
                    if a >= 0 and b > a:
                        src.append((a, b))
                    else:
                        sk = False
        # source tags are annotated only where raters marked omissions on the source side (2021, TED, 2023)
        src_known = sk and name != "mqm_zhen_newstest2020"
        out.append(QERow(name, unit_of(r["doc"], data_set=name, position=int(r["doc_seg_idx"] or 0)), r["source"],
                         r["target"], _label(n, int(r["n_raters_with_major"])), float(r["mqm_score"] or 0.0),
                         tgt_spans=tgt, tgt_known=tk, src_spans=src, src_known=src_known,
                         group=f"{name}|{r['doc']}|{r['system']}"))
    return out


def _tag_spans(text: str, tokens: str, tags: str) -> list[tuple[int, int]]:
    """Character spans of the BAD-tagged tokens of a tokenised text (one span per token)."""
    spans, pos = [], 0
    for tok, tag in zip(tokens.split(" "), tags.split(" ")):
        tok = html.unescape(tok)
        if tok == "<EOS>":
            continue
        at = text.find(tok, pos)
        if at < 0:
            continue
        pos = at + len(tok)
        if tag == "BAD":
            spans.append((at, pos))
    return spans


def wmtqe_rows(data: Path) -> list[QERow]:
    """WMT22 QE zh-en MQM: scores and word tags (no categories)."""
    name = "mqm_zhen_wmtqe2022"
    out = []
    for r in _rows(data / name / "dev.tsv"):
        group = r["doc_group"]
        doc = group if group.startswith("dev2022-d") else ""
        spans = _tag_spans(r["target"], r["target_tok"], r["word_tags"])
        score = float(r["mqm_score"])
        # 100 = no error; a major error costs 5 points per 100 words on this scale and more: label only the clear ends
        label = 0.0 if score >= 100.0 else (1.0 if score <= 75.0 else None)
        out.append(QERow(name, unit_of(doc, r["source"]), r["source"], r["target"], label, 100.0 - score,
                         tgt_spans=spans, tgt_known=True, group=f"{name}|{group}", kind="wmtqe"))
    return out


def mlqe_rows(data: Path) -> list[QERow]:
    """MLQE-PE direct assessments joined with their post-edit word tags (same sentences)."""
    tags = {}
    for f in ("train.tsv", "dev.tsv"):
        p = data / "mlqe_pe_xen_postedits" / f
        if p.exists():
            for r in _rows(p):
                tags[(r["lp"], r["source"])] = _tag_spans(r["target"], r["mt_tokens"], r["word_tags"])
    out = []
    for f in ("train.tsv", "dev.tsv"):
        p = data / "mlqe_pe_da_xen" / f
        if not p.exists():
            continue
        for r in _rows(p):
            if not r["da_z_mean"]:
                continue
            key = (r["lp"], r["source"])
            doc = f"{r['lp']}|{r['doc_id']}" if r["doc_id"] else ""
            t = tags.get(key)
            out.append(QERow("mlqe_pe_da_xen", unit_of(doc, r["source"]), r["source"], r["target"], None,
                             da=float(r["da_z_mean"]), tgt_spans=t or [], tgt_known=t is not None,
                             group=f"mlqe|{r['lp']}|{r['doc_id']}", kind="mlqe"))
    return out


# ---------------------------------------------------------------- source-aware synthetic damage


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d[\d,.]*%?")
_NUMBER = re.compile(r"(?<![\w.])\d(?:[\d,]*\d)?(?:\.\d+)?%?(?![\w])")
_NOT_NAMES = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
              "The", "This", "That", "In", "On", "At", "It", "He", "She", "They", "We", "I", "A", "An", "And", "But"}
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+)*")
_MODIFIER = re.compile(r"\b(?:[a-z]+(?:ly|al|ive|ous|ful|ic|able|ible|ant|ent|est|ary)|new|old|big|small|large|"
                       r"high|low|major|main|key|top|first|last|only|more|most|many|several|all|other|early|late|"
                       r"long|short|young|local|foreign|public|national|international|former|senior|strong|"
                       r"great|good|bad|important|serious|severe|rapid|sharp|huge)\b(?=\s+[a-z])")
_CLAUSE = re.compile(r",\s+[^,;:]{12,}?(?=[,;.])")
_NEG = [(r"\bis not\b", "is"), (r"\bare not\b", "are"), (r"\bwas not\b", "was"), (r"\bdid not\b", "did"),
        (r"\bdoes not\b", "does"), (r"\bwill not\b", "will"), (r"\bcannot\b", "can"), (r"\bno longer\b", "still"),
        (r"\bis\b", "is not"), (r"\bwas\b", "was not"), (r"\bwill\b", "will not"), (r"\bcan\b", "cannot"),
        (r"\bhas\b", "has not"), (r"\bare\b", "are not")]


def _tidy(text: str) -> str:
    """Spaces and punctuation after a deletion."""
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _drop(text, m):
    """The text without the match; no target span (the words left are right, the source's are missing)."""
    return _tidy(text[:m.start()] + " " + text[m.end():]), []


def _replace(text, m, new):
    """The text with the match replaced; the new words are the bad span."""
    out = text[:m.start()] + new + text[m.end():]
    return out, [(m.start(), m.start() + len(new))]


def _names(text: str) -> list[re.Match]:
    """Capitalised word runs that are likely names (not the first word, not months, days or pronouns)."""
    return [m for m in _NAME.finditer(text) if m.start() > 0 and m.group().split()[0] not in _NOT_NAMES]


def damage_one(target: str, kind: str, rng: random.Random, names: list[str], others: list[str]):
    """(damaged text, bad target spans) or None when the kind does not apply."""
    if kind == "drop_clause":
        ms = list(_CLAUSE.finditer(target))
        return _drop(target, rng.choice(ms)) if ms else None
    if kind == "drop_entity":
        ms = _names(target)
        return _drop(target, rng.choice(ms)) if ms else None
    if kind == "drop_number":
        ms = list(_NUMBER.finditer(target))
        if not ms:
            return None
        m = rng.choice(ms)
        end = re.match(r"\s*(?:per cent|percent|million|billion|thousand|yuan|people|years?|days?)?", target[m.end():])
        text = _tidy(target[:m.start()] + " " + target[m.end() + (end.end() if end else 0):])
        return text, []
    if kind == "drop_modifier":
        ms = list(_MODIFIER.finditer(target))
        return _drop(target, rng.choice(ms)) if ms else None
    if kind == "change_number":
        ms = list(_NUMBER.finditer(target))
        if not ms:
            return None
        m = rng.choice(ms)
        digits = re.sub(r"\D", "", m.group())
        if not digits:
            return None
        n = int(digits[:9])
        new = str(n + rng.choice([1, 2, 3, 5, 10, 100]) if rng.random() < 0.5 else max(0, n * rng.choice([2, 3, 10])))
        if m.group().endswith("%"):
            new += "%"
        return _replace(target, m, new) if new != m.group() else None
    if kind == "change_name":
        ms = _names(target)
        pool = [n for n in names if n not in target]
        if not ms or not pool:
            return None
        return _replace(target, rng.choice(ms), rng.choice(pool))
    if kind == "negation":
        for pat, rep in rng.sample(_NEG, len(_NEG)):
            m = re.search(pat, target)
            if m:
                return _replace(target, m, rep)
        return None
    if kind == "swap_arguments":
        ms = _names(target)
        ms = [m for i, m in enumerate(ms) if all(m.group() != o.group() for o in ms[:i])]
        if len(ms) < 2:
            return None
        a, b = sorted(rng.sample(ms, 2), key=lambda m: m.start())
        text = target[:a.start()] + b.group() + target[a.end():b.start()] + a.group() + target[b.end():]
        sa = (a.start(), a.start() + len(b.group()))
        shift = len(b.group()) - len(a.group())
        sb = (b.start() + shift, b.start() + shift + len(a.group()))
        return text, [sa, sb]
    if kind == "unrelated":
        pool = [o for o in others if o != target]
        if not pool:
            return None
        t = rng.choice(pool)
        return t, [(0, len(t))]
    raise ValueError(kind)


KINDS = ("drop_clause", "drop_entity", "drop_number", "drop_modifier", "change_number", "change_name", "negation",
         "swap_arguments", "unrelated")


def damage(pairs, *, per_pair: float = 1.0, seed: int = 0, kinds=KINDS):
    """Damaged copies of clean (source, target) pairs: (source, damaged, kind, spans, original)."""
    rng = random.Random(seed)
    names = sorted({m.group() for _, t in pairs for m in _names(t)})
    others = [t for _, t in pairs]
    out = []
    for source, target in pairs:
        n = int(per_pair) + (1 if rng.random() < per_pair - int(per_pair) else 0)
        for kind in rng.sample(list(kinds), len(kinds)):
            if n <= 0:
                break
            got = damage_one(target, kind, rng, names, others)
            if got and got[0] != target and len(got[0].split()) >= 3:
                out.append((source, got[0], kind, got[1], target))
                n -= 1
    return out


def load_rows(data: Path, mlqe: int, seed: int = 0) -> list[QERow]:
    """Every annotated row and the synthetic damage of the clean MQM sentences, of both parts."""
    rows: list[QERow] = []
    for n in MQM_SETS:
        rows += mqm_rows(data, n)
    rows += wmtqe_rows(data)
    ml = mlqe_rows(data)
    rng = random.Random(seed)
    choose = [r for r in ml if r.part == "choose" and r.tgt_known]
    rng.shuffle(choose)
    untouched = [r for r in ml if r.part == "untouched"]
    rng.shuffle(untouched)
    rows += choose[:mlqe] + untouched[:2000]
    annotated = [r for r in rows if r.kind in ("mqm", "wmtqe")]
    for part, part_seed in (("choose", 0), ("untouched", 1)):
        for n in ALL_SETS:
            clean = sorted({(r.source, r.target, r.unit) for r in annotated
                            if r.data_set == n and r.label == 0 and r.part == part})
            units = {(s, t): u for s, t, u in clean}
            pairs = [(s, t) for s, t, _ in clean]
            for s, t, kind, spans, orig in damage(pairs, per_pair=1.0, seed=part_seed):
                rows.append(QERow(n, units[(s, orig)], s, t, 1.0, tgt_spans=spans,
                                  tgt_known=kind != "unrelated" and not kind.startswith("drop"),
                                  group=f"{n}|synthetic", kind="syn:" + kind, original=orig))
            if part == "untouched":  # every drop kind of every clean pair: the omission-pair report
                for kind in ("drop_modifier", "drop_entity", "drop_clause"):
                    for s, t, _, _, orig in damage(pairs, per_pair=1.0, seed=2, kinds=(kind,)):
                        rows.append(QERow(n, units[(s, orig)], s, t, 1.0, group=f"{n}|pairs", kind="pair:" + kind,
                                          original=orig))
    return rows
