"""The selection protocol: a stable, reviewable untouched third of every shared set's documents."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tqcheck.training.splits import (CHOICE_FOLDS, PROTOCOL, SECTION_SETS, choice_fold, family_of, is_untouched,
                                     part_of, unit_of)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_units_are_documents_sections_or_sources():
    assert unit_of("xinhua-zh-01.6315") == "doc:xinhua-zh-01.6315"
    assert unit_of("", " 一句话。 ") == "src:一句话。"
    assert unit_of("talk.6", data_set="mqm_zhen_ted2021", position=45) == "doc:talk.6#2"
    assert unit_of("talk.6", data_set="mqm_zhen_newstest2021", position=45) == "doc:talk.6"
    assert SECTION_SETS["mqm_zhen_ted2021"] == 20
    with pytest.raises(ValueError):
        unit_of("", "  ")


def test_the_split_is_a_pure_function_of_names():
    # pinned: a change to the hashing (or PROTOCOL) would silently draw a new untouched third
    assert PROTOCOL == "tqcheck-untouched-v1"
    assert is_untouched("mqm_zhen_newstest2021", "doc:hunan_ribao-zh.6032")
    assert not is_untouched("mqm_zhen_newstest2021", "doc:xinhua-zh-01.120276")
    assert part_of("mqm_zhen_newstest2021", "doc:hunan_ribao-zh.6032") == "untouched"
    units = [f"doc:d{i}" for i in range(3000)]
    share = sum(is_untouched("some_set", u) for u in units) / len(units)
    assert 0.30 < share < 0.37
    folds = [choice_fold("some_set", u) for u in units if not is_untouched("some_set", u)]
    assert set(folds) == set(range(CHOICE_FOLDS))
    assert min(folds.count(k) for k in range(CHOICE_FOLDS)) > 500


def test_an_untouched_unit_has_no_choice_fold():
    with pytest.raises(ValueError):
        choice_fold("mqm_zhen_newstest2021", "doc:hunan_ribao-zh.6032")


def test_mlqe_direct_assessments_and_post_edits_split_together():
    assert family_of("mlqe_pe_da_xen") == family_of("mlqe_pe_xen_postedits") == "mlqe_pe"
    for i in range(200):
        u = unit_of(f"ro-en|Article {i}")
        assert is_untouched("mlqe_pe_da_xen", u) == is_untouched("mlqe_pe_xen_postedits", u)


@pytest.mark.skipif(not (DATA / "mqm_zhen_ted2021" / "dev.segments.tsv").exists(), reason="needs ../shared/data")
def test_every_mqm_set_keeps_about_a_third_untouched():
    for name in ("mqm_zhen_newstest2020", "mqm_zhen_newstest2021", "mqm_zhen_ted2021", "mqm_zhen_generalmt2023"):
        with (DATA / name / "dev.segments.tsv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        units = {unit_of(r["doc"], data_set=name, position=int(r["doc_seg_idx"])) for r in rows}
        untouched = {u for u in units if is_untouched(name, u)}
        assert 0 < len(untouched) < len(units), name
        share = sum(unit_of(r["doc"], data_set=name, position=int(r["doc_seg_idx"])) in untouched
                    for r in rows) / len(rows)
        assert 0.2 < share < 0.45, (name, share)


def test_parts_of_example_sets():
    from types import SimpleNamespace

    from tqcheck.training.splits import choose_part, split_test_units, untouched_part

    rows = [SimpleNamespace(unit=f"doc:d{i}") for i in range(60)]
    sets = {"some_set": rows}
    choose, untouched = choose_part(sets)["some_set"], untouched_part(sets)["some_set"]
    assert len(choose) + len(untouched) == 60 and not set(map(id, choose)) & set(map(id, untouched))
    units = split_test_units(sets, 1)
    assert units and all(choice_fold("some_set", u.split("|", 1)[1]) == 1 for u in units)
