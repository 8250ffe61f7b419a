"""Baseline: the top-k pages by BM25 (lexical, no embeddings), then one answer call."""
