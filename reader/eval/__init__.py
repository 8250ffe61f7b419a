"""Evaluation: datasets with gold answers, metrics, and a resumable runner that puts every tome
strategy beside the full-context and BM25 baselines (`tome eval`).

`datasets.load_items` reads a set, `runner.run_eval` (or `Library.evaluate`) answers and scores
it, `report.summarise` and `report.to_markdown` sum it up. Nothing is imported here, so that the
CLI can read `report.ORDER` without loading the runner."""
