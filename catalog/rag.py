"""RAG retrieval quality and the RAG++ reranker: MRR, hit rate, latency, fallbacks, low confidence."""
from obsgate import Metric

RETRIEVAL_QUERIES = Metric(
    "rag_retrieval_queries_total", "counter",
    help="Retrieval queries evaluated online against their labelled relevant documents.",
    job="agent", baseline=2.0,
)
RETRIEVAL_HITS = Metric(
    "rag_retrieval_hits_total", "counter",
    help="Evaluated queries with a relevant document in the top k results (hit@k).",
    job="agent", labels={"k": ["1", "5", "10"]}, baseline=1.8,
)
RECIPROCAL_RANK = Metric(
    "rag_retrieval_reciprocal_rank", "histogram",
    help="Reciprocal rank (1/rank of the first relevant document, 0 when none) of each evaluated query; "
         "_sum/_count is the mean reciprocal rank (MRR).",
    job="agent", buckets=(0.1, 0.2, 0.25, 0.34, 0.5, 0.75, 1), baseline=0.9,
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
