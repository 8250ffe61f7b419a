"""Baseline: the documents read from the start, truncated to the model's window, in one call."""
