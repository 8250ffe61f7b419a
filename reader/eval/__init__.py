"""Evaluation: datasets with gold answers, metrics, and a resumable runner that puts every tome
strategy beside the full-context and BM25 baselines (`tome eval`)."""

from reader.eval.datasets import load_items
from reader.eval.items import EvalItem
from reader.eval.report import summarise, to_markdown
from reader.eval.runner import read_rows, run_eval

__all__ = ["EvalItem", "load_items", "read_rows", "run_eval", "summarise", "to_markdown"]
