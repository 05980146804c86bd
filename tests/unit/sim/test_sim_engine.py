"""The simulator state machine: baselines, every effect kind, faults on and off, determinism."""
from __future__ import annotations

import math

import pytest

from obsgate.model import Label, Metric
from obsgate.sim.engine import (BOUND_SAMPLE, HISTOGRAM_RATE, Engine, combinations, label_values,
                                looks_like_failure, value_weight)
from obsgate.sim.faults import FaultError, faults_for


@pytest.fixture
def engine(demo_project):
    metrics = [m for m in demo_project.metrics if m.job == "demo"]
    return Engine(metrics, faults_for(demo_project.alerts, "demo-sim"), seed=7, job="demo")


def run(engine: Engine, seconds: float, tick: float = 0.5) -> None:
    for _ in range(int(round(seconds / tick))):
        engine.advance(tick)


def test_every_declared_label_combination_has_a_series(engine):
    labels = {s.labels for s in engine.samples("demo_requests_total")}
    assert labels == {(("route", r), ("result", x)) for r in ("home", "search", "checkout") for x in ("ok", "error")}


def test_bounded_labels_get_a_few_synthetic_values_not_the_whole_bound():
    label = Label("user_id", bound=50)
    assert label_values(label) == tuple(f"user_id_{i}" for i in range(BOUND_SAMPLE))


def test_shares_of_a_counter_baseline_sum_to_one_and_failures_are_rare(demo_project):
    combos = dict(combinations(demo_project.metric("demo_requests_total")))
    assert math.isclose(sum(combos.values()), 1.0)
    ok = combos[(("route", "home"), ("result", "ok"))]
    err = combos[(("route", "home"), ("result", "error"))]
    assert err < ok / 20


def test_failure_words_and_log_levels_weigh_less():
    assert looks_like_failure("OSError") and looks_like_failure("fail") and not looks_like_failure("pass")
    assert value_weight(3, "info") > value_weight(0, "debug") > value_weight(0, "error")


def test_counters_grow_at_their_baseline_rate(engine):
    run(engine, 20)
    total = engine.value("demo_requests_total")
    assert 10.0 * 20 * 0.9 < total < 10.0 * 20 * 1.1  # baseline 10/s, jitter averages out


def test_counters_with_a_zero_baseline_export_zero_series():
    m = Metric("zero_total", "counter", help="h", job="j", labels={"kind": ["a", "b"]}, baseline=0.0)
    e = Engine([m])
    e.advance(5)
    assert [s.value for s in e.samples("zero_total")] == [0.0, 0.0]


def test_gauges_hold_their_baseline_and_zero_stays_zero(engine):
    run(engine, 3)
    for s in engine.samples("demo_queue_depth"):
        assert 40 * 0.99 <= s.value <= 40 * 1.01
    assert engine.value("demo_failure_streak") == 0.0


def test_histograms_observe_around_the_baseline_at_a_steady_rate(engine):
    run(engine, 30)
    samples = engine.samples("demo_latency_seconds")
    for s in samples:
        assert s.count == pytest.approx(30 * HISTOGRAM_RATE, abs=1)
        counts = [c for _, c in s.buckets]
        assert counts == sorted(counts) and counts[-1] == s.count and s.buckets[-1][0] == math.inf
        assert 0.05 < s.sum / s.count < 0.2  # mean near the 0.1 s baseline


def test_counter_rate_effect_replaces_the_baseline_of_its_series(engine):
    run(engine, 2)
    before = engine.value("demo_requests_total", route="checkout", result="error")
    others = engine.value("demo_requests_total", route="home", result="ok")
    engine.activate("checkout_errors")
    run(engine, 10)
    assert engine.value("demo_requests_total", route="checkout", result="error") - before == pytest.approx(500)
    assert engine.value("demo_requests_total", route="home", result="ok") > others  # the rest continue


def test_gauge_value_effect_holds_and_clearing_restores_the_baseline(engine):
    engine.activate("checkout_errors")
    run(engine, 1)
    assert engine.value("demo_failure_streak") == 9
    engine.clear("checkout_errors")
    run(engine, 1)
    assert engine.value("demo_failure_streak") == 0


def test_gauge_rate_effect_drifts_from_the_current_value(engine):
    engine.activate("queue_drain")
    run(engine, 2)
    assert engine.value("demo_queue_depth", queue="fast") == pytest.approx(40 - 200)
    assert engine.value("demo_queue_depth", queue="slow") == pytest.approx(40, rel=0.02)


def test_histogram_effect_observes_the_given_value_at_the_given_rate(engine):
    run(engine, 1)
    before = engine.samples("demo_latency_seconds")
    engine.activate("slow_search")
    run(engine, 5)
    after = {s.labels: s for s in engine.samples("demo_latency_seconds")}
    search = after[(("route", "search"),)]
    old = next(s for s in before if s.labels == (("route", "search"),))
    assert search.count - old.count == 20
    assert search.sum - old.sum == pytest.approx(60.0)
    le_1 = dict(search.buckets)[1.0]
    assert le_1 == dict(old.buckets)[1.0]  # every fault observation landed above 1 s


def test_effect_on_an_unsampled_bound_value_gets_its_own_series(engine):
    values = {dict(s.labels)["user_id"] for s in engine.samples("demo_user_logins_total")}
    assert "user_42" in values and len(values) == BOUND_SAMPLE + 1
    engine.activate("login_storm")
    run(engine, 2)
    assert engine.value("demo_user_logins_total", user_id="user_42") == pytest.approx(60)


def test_metrics_down_and_log_effects_follow_the_active_faults(engine):
    assert not engine.metrics_down and engine.log_effects == ()
    engine.activate("metrics_down")
    engine.activate("error_burst")
    assert engine.metrics_down and engine.active == ("metrics_down", "error_burst")
    assert engine.log_effects[0].per_second == 20.0
    engine.clear_all()
    assert not engine.metrics_down and engine.active == ()


def test_counters_stay_monotonic_across_a_fault_cycle(engine):
    seen = []
    for step in range(12):
        if step == 4:
            engine.activate("checkout_errors")
        if step == 8:
            engine.clear("checkout_errors")
        engine.advance(0.5)
        seen.append(engine.value("demo_requests_total", route="checkout", result="error"))
    assert seen == sorted(seen)


def test_unknown_fault_names_raise_key_error(engine):
    with pytest.raises(KeyError):
        engine.activate("nope")
    with pytest.raises(KeyError):
        engine.clear("nope")


def test_same_seed_same_series_and_another_seed_other_series(demo_project):
    metrics = [m for m in demo_project.metrics if m.job == "demo"]

    def trace(seed):
        e = Engine(metrics, seed=seed)
        for _ in range(10):
            e.advance(0.5)
        return e.snapshot()

    assert trace(3) == trace(3)
    assert trace(3) != trace(4)


def test_effects_on_metrics_of_other_jobs_are_refused(demo_project):
    only_other = [m for m in demo_project.metrics if m.job == "other"]
    with pytest.raises(FaultError, match="is not exported by job `other`"):
        Engine(only_other, faults_for(demo_project.alerts, "demo-sim"), job="other")


def test_a_timestamp_gauge_is_exported_as_now_minus_its_age():
    """Catalog timestamps (`_timestamp_seconds`) declare an age; the scrape shows a fresh Unix time."""
    import time

    from obsgate import Metric
    from obsgate.sim.engine import Engine
    from obsgate.sim.exposition import exposition, registry_for

    last = Metric("job_last_success_timestamp_seconds", "gauge", unit="timestamp_seconds", help="h", job="j",
                  baseline=600)
    engine = Engine([last])
    engine.advance(1.0)
    before = time.time()
    text = exposition(registry_for(engine)).decode()
    line = next(l for l in text.splitlines() if l.startswith("job_last_success_timestamp_seconds "))
    value = float(line.split()[1])
    assert before - 600 * 1.02 <= value <= time.time() - 600 * 0.98


def test_an_effect_on_a_subset_of_labels_shares_its_rate_over_the_matching_series(demo_project):
    from obsgate.model import Effect
    from obsgate.sim.faults import Fault

    metrics = [m for m in demo_project.metrics if m.job == "demo"]
    spread = Fault("all_errors", (Effect("demo_requests_total", {"result": "error"}, rate=30.0),))
    e = Engine(metrics, {"all_errors": spread}, seed=1, job="demo")
    e.activate("all_errors")
    for _ in range(4):
        e.advance(0.5)
    per_route = [e.value("demo_requests_total", route=r, result="error") for r in ("home", "search", "checkout")]
    assert per_route == pytest.approx([20.0, 20.0, 20.0])  # 30/s over 3 series for 2 s
    assert e.value("demo_requests_total", result="ok") > 0
