"""Benchmark datasets: deterministic documents and the requirement check (no server)."""
from __future__ import annotations

from datetime import date

import pytest

from obsgate.sim.datasets import END, days, documents, shortfalls


def test_documents_cover_three_channels_for_thirty_days_with_one_review_each():
    docs = documents()
    digests, reviews = docs["digests"], docs["review_reports"]
    assert len(digests) == len(reviews) == 90
    assert len({d["_id"] for d in digests}) == 90
    per_channel = {}
    for d in digests:
        per_channel.setdefault(d["channel"], set()).add(d["date"])
    assert len(per_channel) == 3 and all(len(v) == 30 for v in per_channel.values())
    assert {r["digest_id"] for r in reviews} == {d["_id"] for d in digests}


def test_documents_are_identical_across_runs_and_end_on_a_fixed_day():
    assert documents() == documents()
    assert days(30)[-1] == END and days(30)[0] == date(2025, 6, 1)


def test_reviews_have_scores_and_a_verdict_consistent_with_them():
    for r in documents()["review_reports"]:
        assert (r["verdict"] == "pass") == (min(r["scores"].values()) >= 0.65)
        assert (r["issues"] == []) == (r["verdict"] == "pass")


def test_documents_refuse_impossible_sizes():
    with pytest.raises(ValueError):
        documents(channels=0)
    with pytest.raises(ValueError):
        documents(day_count=0)


def test_shortfalls_is_empty_for_complete_counts_and_explains_missing_data():
    full = {"channels": {c: {"digests": 30, "days": 30, "review_reports": 30} for c in "abc"}}
    assert shortfalls(full) == []
    partial = {"channels": {"a": {"digests": 30, "days": 30, "review_reports": 30},
                            "b": {"digests": 29, "days": 29, "review_reports": 29}}}
    (problem,) = shortfalls(partial)
    assert "found 1" in problem and "b: 29 digests over 29 days" in problem
    assert shortfalls({}) and "no channels" in shortfalls({})[0]
