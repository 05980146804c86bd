"""RAG retrieval quality (online evaluator: MRR, hit rate @5) and retrieval latency of the agent."""
from obsgate import AlertRule, Cause, Effect, Expect, RecordingRule, RuleGroup, Runbook, Scenario, Step, TestCase

from catalog.rag import HIT_RATIO, MRR, RETRIEVAL_DURATION
from rules_src.common_steps import FIRING_ALERTS, LANCEDB_DISK, grafana_panel, histogram_p95, service_errors

MRR_1H = RecordingRule("rag:retrieval_mrr:avg1h", "avg(avg_over_time(rag_retrieval_mrr[1h]))")
HIT_RATE_1H = RecordingRule("rag:retrieval_hit_ratio_at5:avg1h",
                            'avg(avg_over_time(rag_retrieval_hit_ratio{k="5"}[1h]))')
BASELINE_MRR = "0.79"  # the specification's tested baseline: degradation at 10% below it, critical at 20%
P95 = RecordingRule(
    "rag:retrieval_duration_seconds:p95_5m",
    "histogram_quantile(0.95, sum by (le) (rate(rag_retrieval_duration_seconds_bucket[5m])))",
)

QUALITY_STEPS = (
    Step("MRR now", "min(rag_retrieval_mrr)"),
    Step("MRR averaged over 1 h", "rag:retrieval_mrr:avg1h"),
    Step("Hit rate at 1, 5 and 10", "min by (k) (rag_retrieval_hit_ratio)"),
    Step("Fallbacks by level (keyword_only, cached, none)", "sum by (level) (rate(rag_fallback_total[15m]))"),
    Step("Low-confidence results by score range",
         "sum by (score_range) (rate(rag_low_confidence_results_total[15m]))"),
    Step("RAG++ reranker score variance (near zero: it no longer separates documents)",
         "min(ragpp_reranker_score_variance)"),
    Step("RAG++ fallbacks by reason", "sum by (reason) (rate(ragpp_fallback_total[15m]))"),
    Step("Which embedding model and index the agent serves now",
         "curl -s http://localhost:8080/healthz | jq '{embedding_model, index_version}'", lang="shell",
         note="Compare with the model and index of the last benchmark run that passed."),
    grafana_panel("rag-quality", "MRR and its 1 h average"),
)
QUALITY_CAUSES = (
    Cause("Embedding model changed without re-indexing", "Quality dropped at a deploy; low-confidence results rise",
          "Re-embed the corpus with the new model, or pin the old one", likelihood="high"),
    Cause("Index stale or partially rebuilt", "Fallbacks to keyword_only/cached rise; LanceDB alerts fire",
          "Rebuild the index; restore the last verified backup", likelihood="medium"),
    Cause("Reranker failing", "ragpp_fallback_total by reason rises, score variance near zero",
          "Restart the reranker; check its model files", likelihood="low"),
    Cause("Query mix changed (new users, new topics)", "Quality drops without any deploy",
          "Add the new topics to the corpus and the evaluation set", likelihood="low"),
)
QUALITY_DROP = Scenario(fault="retrieval_quality_drop", target="agent-sim", effects=(Effect(MRR, value=0.5),))

RAG_QUALITY_DEGRADATION = AlertRule(
    name="RAGQualityDegradation", family="rag-quality",
    expr="rag:retrieval_mrr:avg1h < 0.71",
    for_="15m", severity="warning", category="quality",
    summary="RAG retrieval quality degraded: 1 h average MRR below 0.71",
    description="The mean reciprocal rank of the agent's retrieval, averaged over one hour, has been below 0.71 "
                "for 15 minutes: relevant documents rank lower and answers get worse. Current MRR: "
                "{{ $value | printf \"%.2f\" }} (baseline " + BASELINE_MRR + ").",
    tests=(
        TestCase("fires when MRR settles at 0.65",
                 series={"rag_retrieval_mrr": "0.8x30 0.65x60"}, at="90m", alerts=(Expect(annotations={
                     "description": "The mean reciprocal rank of the agent's retrieval, averaged over one hour, has "
                                    "been below 0.71 for 15 minutes: relevant documents rank lower and answers get "
                                    "worse. Current MRR: 0.65 (baseline 0.79)."}),)),
        TestCase("stays quiet at 0.72",
                 series={"rag_retrieval_mrr": "0.8x30 0.72x60"}, at="90m"),
        TestCase("stays quiet through a 10-minute dip to 0.6",
                 series={"rag_retrieval_mrr": "0.8x40 0.6x10 0.8x40"}, at="90m"),
    ),
    runbook=Runbook(
        impact="Answers draw on less relevant context; users see vaguer or wrong answers.",
        steps=QUALITY_STEPS + (FIRING_ALERTS,), causes=QUALITY_CAUSES,
        quick_fix="Roll back the last change to embeddings, index or reranker.",
        long_term_fix="Gate index and model changes on the offline benchmark (Benchmarks dashboard).",
        prevention=("Run the retrieval benchmark suite before each embedding or reranker change",
                    "Re-embed the corpus whenever the embedding model changes",
                    "Keep the evaluation set current with new query topics"),
        related=("RAGQualityCritical", "RAGHitRateLow"),
    ),
    scenario=QUALITY_DROP,
)

RAG_QUALITY_CRITICAL = AlertRule(
    name="RAGQualityCritical", family="rag-quality",
    expr="rag:retrieval_mrr:avg1h < 0.63",
    for_="5m", severity="critical", category="quality",
    summary="RAG retrieval quality critical: 1 h average MRR below 0.63",
    description="The agent's retrieval MRR, averaged over one hour, has been below 0.63 (20% under the baseline) "
                "for 5 minutes: most answers no longer rest on the right documents. Current MRR: "
                "{{ $value | printf \"%.2f\" }} (baseline " + BASELINE_MRR + ").",
    tests=(
        TestCase("fires when MRR has averaged 0.5 over the last hour", series={"rag_retrieval_mrr": "0.8x10 0.5x70"},
                 at="80m", alerts=(Expect(annotations={
                     "description": "The agent's retrieval MRR, averaged over one hour, has been below 0.63 (20% "
                                    "under the baseline) for 5 minutes: most answers no longer rest on the right "
                                    "documents. Current MRR: 0.50 (baseline 0.79)."}),)),
        TestCase("stays quiet at an hour's average of 0.64", series={"rag_retrieval_mrr": "0.8x10 0.64x70"}, at="80m"),
        TestCase("stays quiet through a 10-minute dip to 0.3",
                 series={"rag_retrieval_mrr": "0.8x40 0.3x10 0.8x40"}, at="90m"),
    ),
    runbook=Runbook(
        impact="Answers are mostly ungrounded; the agent should not be trusted until fixed.",
        steps=QUALITY_STEPS + (service_errors("agent"), FIRING_ALERTS), causes=QUALITY_CAUSES,
        quick_fix="Roll back to the last index and models that passed the benchmark; consider a banner to users.",
        long_term_fix="Find the regression with the benchmark suite and fix it before re-deploying.",
        prevention=("Canary index rebuilds: compare MRR of the old and new index on live traffic before switching",
                    "Keep the last verified index and models ready to roll back to"),
        related=("RAGQualityDegradation", "RAGHitRateLow"),
    ),
    scenario=QUALITY_DROP,
)

RAG_LATENCY_SLO_BREACH = AlertRule(
    name="RAGLatencySLOBreach",
    expr="rag:retrieval_duration_seconds:p95_5m > 0.5",
    for_="10m", severity="warning", category="latency",
    summary="RAG retrieval p95 above 500 ms",
    description="For 10 minutes the 95th percentile of retrieval time (vector search and rerank) has been above "
                "500 ms.",
    tests=(
        TestCase("fires when most retrievals take 0.5-1 s",
                 series={'rag_retrieval_duration_seconds_bucket{le="0.25"}': "0+10x30",
                         'rag_retrieval_duration_seconds_bucket{le="0.5"}': "0+20x30",
                         'rag_retrieval_duration_seconds_bucket{le="1.0"}': "0+100x30",
                         'rag_retrieval_duration_seconds_bucket{le="+Inf"}': "0+100x30"},
                 at="25m", alerts=({},)),
        TestCase("stays quiet at a p95 of about 450 ms",
                 series={'rag_retrieval_duration_seconds_bucket{le="0.25"}': "0+50x30",
                         'rag_retrieval_duration_seconds_bucket{le="0.5"}': "0+96x30",
                         'rag_retrieval_duration_seconds_bucket{le="1.0"}': "0+100x30",
                         'rag_retrieval_duration_seconds_bucket{le="+Inf"}': "0+100x30"},
                 at="25m"),
    ),
    runbook=Runbook(
        impact="Every agent answer waits longer for its context; the agent latency SLO burns.",
        steps=(histogram_p95("rag_retrieval_duration_seconds"),
               LANCEDB_DISK,
               Step("Reranker fallbacks by reason (timeouts show a slow reranker)",
                    "sum by (reason) (rate(ragpp_fallback_total[10m]))"),
               FIRING_ALERTS),
        causes=(Cause("Index not compacted / too many fragments", "Latency grew over days", "Compact and optimise", likelihood="high"),
                Cause("Reranker slow", "ragpp fallbacks with reason reranker_timeout", "Scale or shrink the reranker", likelihood="medium"),
                Cause("Host saturated", "HostMemoryHigh or high CPU", "Scale the host", likelihood="low")),
        quick_fix="Lower the number of reranked candidates.",
        long_term_fix="Compact the index on a schedule; size the host from the capacity forecast.",
        prevention="Benchmark retrieval latency after index and reranker changes.",
        related=("HighLatencyP95", "LanceDBDiskSpaceWarning"),
    ),
    scenario=Scenario(fault="slow_retrieval", target="agent-sim",
                      effects=(Effect(RETRIEVAL_DURATION, rate=10.0, observe=1.5),)),
)

RAG_HIT_RATE_LOW = AlertRule(
    name="RAGHitRateLow",
    expr="rag:retrieval_hit_ratio_at5:avg1h < 0.75",
    for_="15m", severity="warning", category="quality",
    summary="RAG hit rate @5 below 75% (1 h average)",
    description="Averaged over one hour, fewer than 75% of evaluated queries found a relevant document in their "
                "top 5 retrieval results, for 15 minutes. Current hit rate: {{ $value | humanizePercentage }}.",
    tests=(
        TestCase("fires at a hit rate of 0.7 for an hour",
                 series={'rag_retrieval_hit_ratio{k="5"}': "0.9x10 0.7x80", 'rag_retrieval_hit_ratio{k="1"}': "0.6x90"},
                 at="90m", alerts=(Expect(annotations={
                     "description": "Averaged over one hour, fewer than 75% of evaluated queries found a relevant "
                                    "document in their top 5 retrieval results, for 15 minutes. Current hit rate: "
                                    "70%."}),)),
        TestCase("stays quiet at 0.76", series={'rag_retrieval_hit_ratio{k="5"}': "0.9x10 0.76x80"}, at="90m"),
        TestCase("stays quiet through a 15-minute dip to 0.5",
                 series={'rag_retrieval_hit_ratio{k="5"}': "0.9x60 0.5x15 0.9x15"}, at="90m"),
        TestCase("ignores a low hit rate @1",
                 series={'rag_retrieval_hit_ratio{k="5"}': "0.9x90", 'rag_retrieval_hit_ratio{k="1"}': "0.5x90"},
                 at="90m"),
    ),
    runbook=Runbook(
        impact="A quarter of questions get no relevant context at all; answers fall back to the model's memory.",
        steps=QUALITY_STEPS + (FIRING_ALERTS,), causes=QUALITY_CAUSES,
        quick_fix="Check for a recent index or embedding change and roll it back.",
        long_term_fix="Extend the corpus for the queries that miss; tune chunking.",
        prevention=("Track hit rate per release on the Benchmarks dashboard",
                    "Review chunking when new document types enter the corpus"),
        related=("RAGQualityDegradation",),
    ),
    scenario=Scenario(fault="hit_rate_drop", target="agent-sim",
                      effects=(Effect(HIT_RATIO, {"k": "5"}, value=0.6),)),
)

GROUP = RuleGroup("rag", component="rag", rules=(MRR_1H, HIT_RATE_1H, P95, RAG_QUALITY_DEGRADATION, RAG_QUALITY_CRITICAL, RAG_LATENCY_SLO_BREACH,
                                RAG_HIT_RATE_LOW))
