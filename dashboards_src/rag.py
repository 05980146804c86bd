"""RAG quality: retrieval MRR and hit rate from the online evaluator, latency, fallbacks, the RAG++ reranker."""
from obsgate.dashboards import counter_panel, dashboard, gauge_panel, rate, recorded, stat, thresholds, timeseries, value

from catalog.rag import (FALLBACKS, HIT_RATIO, LOW_CONFIDENCE, MRR, RERANKER_FALLBACKS, RERANKER_SCORE_VARIANCE,
                         RETRIEVAL_QUERIES)
from rules_src import rag

MRR_STEPS = thresholds((0.63, "orange"), (0.71, "green"), base="red")

MRR_NOW = stat(
    "MRR", value(MRR, by=(), legend="MRR"), steps=MRR_STEPS, min=0, max=1, w=6,
    description="Mean reciprocal rank of the evaluator's window. Red below 0.63 (RAGQualityCritical), orange below "
                "0.71 (RAGQualityDegradation, on the 1 h average).",
)
HIT5 = stat(
    "Hit rate @5", value(HIT_RATIO, by=(), match={"k": "5"}, legend="hit@5"),
    steps=thresholds((0.75, "green"), base="red"), min=0, max=1, w=6,
    description="Share of evaluated queries with a relevant document in the top 5; below 0.75 for 15 minutes is "
                "RAGHitRateLow.",
)
P95_NOW = stat(
    "Retrieval p95", recorded(rag.P95, unit="s", legend="p95"), steps=thresholds((0.5, "red")), w=6,
    description="95th percentile of retrieval time (search + rerank); above 500 ms for 10 minutes is "
                "RAGLatencySLOBreach.",
)
EVALUATED = stat(
    "Evaluated queries", rate(RETRIEVAL_QUERIES, by=(), per="m", legend="queries/min"), w=6,
    description="Queries the online evaluator scored per minute; quality numbers rest on this sample.",
)
MRR_TS = timeseries(
    "MRR and its 1 h average", value(MRR, by=(), legend="MRR"),
    recorded(rag.MRR_1H, legend="1 h average"),
    description="MRR and its 1 h average; the lines are the 0.63 critical and 0.71 degradation thresholds.",
    steps=MRR_STEPS, min=0, max=1, unit="short",
)
HIT_TS = timeseries(
    "Hit rate @k", value(HIT_RATIO, by=("k",), legend="hit@{{k}}"),
    description="Hit rate at 1, 5 and 10; the line is RAGHitRateLow's 0.75 (for @5).",
    steps=thresholds((0.75, "green"), base="red"), min=0, max=1,
)
FALLBACK_TS = counter_panel(FALLBACKS, title="Fallbacks by level", stacked=True, per="m",
                            description="Retrievals answered by a fallback per minute: keyword_only (vector search "
                                        "failed), cached (stale answer), none (no context at all).")
LOW_CONF_TS = counter_panel(LOW_CONFIDENCE, title="Low-confidence results by score range", stacked=True, per="m",
                            description="Retrievals per minute whose best similarity score fell in a low range.")
VARIANCE = gauge_panel(RERANKER_SCORE_VARIANCE, title="RAG++ reranker score variance", min=0,
                       description="Variance of the reranker's scores per batch; near zero the reranker no longer "
                                   "separates relevant from irrelevant documents.")
RERANK_FALLBACKS = counter_panel(RERANKER_FALLBACKS, title="RAG++ fallbacks by reason", stacked=True, per="m",
                                 description="Queries per minute where RAG++ skipped the reranker, by reason.")

BOARD = dashboard(
    "rag-quality", "RAG Quality",
    [MRR_NOW, HIT5, P95_NOW, EVALUATED, MRR_TS, HIT_TS, FALLBACK_TS, LOW_CONF_TS, VARIANCE, RERANK_FALLBACKS],
    description="Retrieval quality of the agent's RAG (MRR, hit rate @k), retrieval latency, fallbacks and the "
                "RAG++ reranker.",
    tags=("rag", "quality", "obsgate"),
)
