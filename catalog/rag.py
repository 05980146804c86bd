"""RAG retrieval quality and the RAG++ reranker: MRR, hit rate, latency, fallbacks, low confidence."""
from obsgate import Metric

RETRIEVAL_QUERIES = Metric(
    "rag_retrieval_queries_total", "counter",
    help="Retrieval queries evaluated online against their labelled relevant documents.",
    job="agent", baseline=2.0,
)
# Quality comes from the online evaluator, which scores a sliding window of labelled queries.
HIT_RATIO = Metric(
    "rag_retrieval_hit_ratio", "gauge", unit="ratio",
    help="Share of evaluated queries with a relevant document in the top k results (hit rate @k), over the "
         "evaluator's sliding window.",
    job="agent", labels={"k": ["1", "5", "10"]}, baseline=0.9,
)
MRR = Metric(
    "rag_retrieval_mrr", "gauge",
    help="Mean reciprocal rank of the first relevant document over the evaluator's sliding window (0 to 1).",
    job="agent", baseline=0.82,
)
RETRIEVAL_DURATION = Metric(
    "rag_retrieval_duration_seconds", "histogram", unit="seconds",
    help="Time to retrieve candidates from the vector store and rerank them.",
    job="agent", buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), baseline=0.12,
)
FALLBACKS = Metric(
    "rag_fallback_total", "counter",
    help="Retrievals answered by a fallback instead of the vector search, by fallback level.",
    job="agent", labels={"level": ["keyword_only", "cached", "none"]}, baseline=0.05,
)
LOW_CONFIDENCE = Metric(
    "rag_low_confidence_results_total", "counter",
    help="Retrievals whose best similarity score fell in a low-confidence range.",
    job="agent", labels={"score_range": ["0.0-0.2", "0.2-0.4", "0.4-0.6"]}, baseline=0.1,
)

# RAG++: the cross-encoder reranker on top of the vector search.
RERANKER_SCORE_VARIANCE = Metric(
    "ragpp_reranker_score_variance", "gauge",
    help="Variance of the reranker's scores over the last batch of candidates; near zero means the "
         "reranker no longer separates relevant from irrelevant documents.",
    job="agent", baseline=0.08,
)
RERANKER_FALLBACKS = Metric(
    "ragpp_fallback_total", "counter",
    help="Queries where RAG++ skipped the reranker and kept the vector order, by reason.",
    job="agent", labels={"reason": ["reranker_timeout", "low_variance", "empty_candidates", "model_error"]},
    baseline=0.02,
)
